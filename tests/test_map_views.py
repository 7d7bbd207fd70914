"""The debate page, the node page and the map exports: access, content, headers, caching."""

import xml.etree.ElementTree as ET

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from debates import moderation
from debates.models import Action, Kind
from tests.factories import make_node, make_relation, question_of, submit_claim

pytestmark = pytest.mark.dot


def page_url(debate, **query):
    url = reverse("debates:debate-detail", args=[debate.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def node_url(node):
    return reverse("debates:node-detail", args=[node.debate.slug, node.pk])


def map_url(debate, fmt, **query):
    url = reverse("debates:debate-map", args=[debate.slug, fmt])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def grow(debate, size: int, author=None):
    """`size` approved claims under the question, every third with evidence and a cross-link."""
    made = []
    for index in range(size):
        target = made[index // 2] if index > 1 else None
        claim = make_node(debate, text=f"Reason number {index}", target=target, author=author)
        if index % 3 == 0:
            make_node(
                debate,
                kind=Kind.EVIDENCE,
                text=f"Evidence {index}",
                target=claim,
                quote="Thus far, all attempts at negotiating with local terrorist organizations have failed.",
            ) if index == 0 else make_node(debate, kind=Kind.CLAIM, text=f"Detail {index}", target=claim)
            if made:
                make_relation(claim, made[0], kind="opposes")
        made.append(claim)
    return made


# ----------------------------------------------------------------------------- debate page


def test_visitor_sees_public_debate_with_map_outline_and_exports(client, public_debate):
    claim = make_node(public_debate, text="Cars pollute the air.")
    response = client.get(page_url(public_debate))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "<?xml" not in html and "<!DOCTYPE svg" not in html
    assert node_url(claim) in html  # the box links to the node's page
    assert 'class="outline"' in html and "Cars pollute the air." in html
    for fmt in ("svg", "png", "pdf", "dot"):
        assert map_url(public_debate, fmt) in html


def test_debate_page_refuses_post(client, public_debate):
    assert client.post(page_url(public_debate)).status_code == 405


def test_classroom_debate_is_hidden_from_visitors_and_outsiders(client, debate, outsider):
    assert client.get(page_url(debate)).status_code == 404
    client.force_login(outsider)
    assert client.get(page_url(debate)).status_code == 404
    assert client.get(map_url(debate, "dot")).status_code == 404
    assert client.get(node_url(question_of(debate))).status_code == 404


def test_unknown_debate_is_404(client, db):
    assert client.get("/debates/no-such-debate/").status_code == 404


def test_student_sees_approved_content_only_on_the_map(client, debate, student, other_student):
    approved = make_node(debate, text="Approved reason")
    submit_claim(debate, other_student, text="Somebody else's pending idea")
    client.force_login(student)
    html = client.get(page_url(debate, pending=1)).content.decode()
    assert "Approved reason" in html
    assert "pending idea" not in html
    assert node_url(approved) in html


def test_moderator_may_switch_on_pending_work_drawn_dashed(client, debate, teacher, student):
    pending = submit_claim(debate, student, text="A pending idea")
    client.force_login(teacher)
    assert "A pending idea" not in client.get(page_url(debate)).content.decode()
    html = client.get(page_url(debate, pending=1)).content.decode()
    assert "A pending idea" in html
    dot = client.get(map_url(debate, "dot", pending=1)).content.decode()
    assert f"n{pending.pk} [" in dot and "dashed" in dot.split(f"n{pending.pk} [")[1].split("\n")[0]


def test_outline_numbers_entries_labels_pro_and_con_and_references_repeats(client, public_debate):
    military = make_node(public_debate, kind=Kind.POSITION, text="Military solution")
    roots = make_node(public_debate, kind=Kind.POSITION, text="Root causes")
    shared = make_node(public_debate, text="Talks failed", target=military)
    make_relation(shared, roots, kind="opposes")
    html = client.get(page_url(public_debate)).content.decode()
    assert 'id="o-1-1-1"' in html and "Pro" in html and "Con" in html
    assert "See 1.1.1" in html


def test_hostile_text_is_escaped_in_the_inline_map_and_the_outline(client, public_debate):
    hostile = '<script>alert(1)</script> "quoted" & \\N <a href="javascript:x">'
    make_node(public_debate, text=hostile)
    html = client.get(page_url(public_debate)).content.decode()
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_focus_and_depth_draw_a_neighbourhood_and_say_so(client, public_debate):
    a = make_node(public_debate, text="First branch")
    b = make_node(public_debate, text="Second branch")
    deep = make_node(public_debate, text="Deep leaf", target=a)
    html = client.get(page_url(public_debate, focus=deep.pk, depth=1)).content.decode()
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "First branch" in svg and "Deep leaf" in svg and "Second branch" not in svg
    assert "Show the whole map" in html
    dot = client.get(map_url(public_debate, "dot", focus=deep.pk, depth=1)).content.decode()
    assert f"n{b.pk} [" not in dot and f"n{a.pk} [" in dot


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("focus=abc", "focus: must be a whole number"),
        ("depth=-1", "depth: must be a whole number"),
        ("depth=99", "depth: must be a whole number"),
        ("focus=%00", "focus: This parameter contains a NUL character"),
        ("depth=1.5", "depth: must be a whole number"),
    ],
)
def test_bad_focus_or_depth_is_a_clear_400(client, public_debate, query, message):
    response = client.get(page_url(public_debate) + "?" + query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert client.get(map_url(public_debate, "svg") + "?" + query).status_code == 400


def test_focus_on_a_node_not_in_the_map_is_404(client, public_debate, debate):
    hidden = make_node(debate, text="In a classroom")
    assert client.get(page_url(public_debate, focus=hidden.pk)).status_code == 404
    assert client.get(map_url(public_debate, "svg", focus=hidden.pk)).status_code == 404


def test_a_map_over_the_size_cap_shows_the_question_neighbourhood_and_explains(client, public_debate, settings):
    settings.MAP_MAX_NODES = 4
    grow(public_debate, 6)
    html = client.get(page_url(public_debate)).content.decode()
    assert "more than one map can show" in html
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count(f'xlink:href="/debates/{public_debate.slug}/nodes/') == 4


def test_missing_graphviz_gives_503_for_exports_and_the_outline_still_renders(client, public_debate, settings):
    make_node(public_debate, text="Still readable")
    settings.DOT_BINARY = "/nonexistent/dot"
    for fmt in ("svg", "png", "pdf"):
        response = client.get(map_url(public_debate, fmt))
        assert response.status_code == 503
        assert b"Graphviz is not installed" in response.content
    response = client.get(page_url(public_debate))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The map cannot be drawn right now" in html and "Still readable" in html and "<svg" not in html
    # The DOT text needs no Graphviz.
    assert client.get(map_url(public_debate, "dot")).status_code == 200


def test_a_render_timeout_gives_503(client, public_debate, settings):
    grow(public_debate, 30)
    settings.MAP_RENDER_TIMEOUT = 0.001
    response = client.get(map_url(public_debate, "png"))
    assert response.status_code == 503
    assert b"took longer than" in response.content


# ----------------------------------------------------------------------------- node page


def test_node_page_shows_quote_in_its_paragraph_and_its_relations(client, public_debate, teacher):
    claim = make_node(public_debate, text="Force alone has failed.")
    quote = "Thus far, all attempts at negotiating with local terrorist organizations have failed."
    evidence = make_node(public_debate, kind=Kind.EVIDENCE, text="Talks failed", target=claim, quote=quote)
    objection = make_node(public_debate, text="But force worked before.", target=claim, relation="opposes")
    response = client.get(node_url(evidence))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<mark>{quote}</mark>" in html
    assert "There has been an increasing demand" in html  # the rest of the paragraph
    assert "Force alone has failed." in html  # what it supports
    html = client.get(node_url(claim)).content.decode()
    assert "But force worked before." in html and "Opposed by" in html and "Talks failed" in html
    assert [e.action for e in client.get(node_url(claim)).context["history"]] == []
    moderation_history = client.get(node_url(objection)).context["history"]
    assert isinstance(moderation_history, list)


def test_node_page_refuses_post(client, public_debate):
    assert client.post(node_url(question_of(public_debate))).status_code == 405


def test_node_of_another_debate_is_404(client, public_debate, debate):
    other = make_node(debate, text="Elsewhere")
    url = reverse("debates:node-detail", args=[public_debate.slug, other.pk])
    assert client.get(url).status_code == 404


def test_pending_node_is_404_for_others_and_visible_to_its_author_and_moderator(
    client, debate, student, other_student, teacher
):
    pending = submit_claim(debate, student, text="My pending idea")
    client.force_login(other_student)
    assert client.get(node_url(pending)).status_code == 404
    client.force_login(student)
    assert client.get(node_url(pending)).status_code == 200
    client.force_login(teacher)
    response = client.get(node_url(pending))
    assert response.status_code == 200 and "My pending idea" in response.content.decode()
    assert [e.action for e in response.context["history"]] == [Action.SUBMITTED]


# ----------------------------------------------------------------------------- exports


def test_svg_export_stands_alone_with_safe_headers(client, public_debate):
    make_node(public_debate, text="A reason")
    response = client.get(map_url(public_debate, "svg"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = [d.strip() for d in response["Content-Security-Policy"].split(";")]
    assert policy[0] == "default-src 'none'"
    # Opened directly it is inert: sandboxed (no script, no navigation), and no script source.
    assert "sandbox" in policy
    assert not any(d.startswith("script-src") for d in policy)
    assert response["Content-Disposition"] == 'inline; filename="public-debate.svg"'
    root = ET.fromstring(response.content)
    assert root.tag.endswith("svg")
    assert public_debate.question in response.content.decode()  # the title block


@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [("png", "image/png", b"\x89PNG"), ("pdf", "application/pdf", b"%PDF"), ("dot", "text/vnd.graphviz", b"digraph")],
)
def test_each_export_format_downloads_with_a_file_name_from_the_slug(client, public_debate, fmt, content_type, magic):
    make_node(public_debate, text="A reason")
    response = client.get(map_url(public_debate, fmt, download=1))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response.content.startswith(magic)
    assert response["Content-Disposition"] == f'attachment; filename="public-debate.{fmt}"'


def test_unknown_export_format_is_404(client, public_debate):
    assert client.get(map_url(public_debate, "gif")).status_code == 404
    assert client.get(f"/debates/{public_debate.slug}/map.ps").status_code == 404


def test_exports_refuse_post(client, public_debate):
    assert client.post(map_url(public_debate, "svg")).status_code == 405


def test_conditional_request_gets_304_and_approval_changes_the_etag(client, debate, teacher, student):
    pending = submit_claim(debate, student, text="Wait for approval")
    client.force_login(student)
    first = client.get(map_url(debate, "svg"))
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    again = client.get(map_url(debate, "svg"), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    moderation.item_decide(item=pending, moderator=teacher, action=Action.APPROVED)
    after = client.get(map_url(debate, "svg"), HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200 and after["ETag"] != etag
    assert b"Wait for approval" in after.content


def test_same_data_gives_byte_identical_dot_and_svg(client, public_debate):
    grow(public_debate, 8)
    from django.core.cache import cache

    dot1, svg1 = client.get(map_url(public_debate, "dot")).content, client.get(map_url(public_debate, "svg")).content
    cache.clear()
    dot2, svg2 = client.get(map_url(public_debate, "dot")).content, client.get(map_url(public_debate, "svg")).content
    assert dot1 == dot2 and svg1 == svg2


def test_student_pending_work_never_reaches_exports(client, debate, student):
    submit_claim(debate, student, text="Not yet approved")
    client.force_login(student)
    for fmt in ("dot", "svg"):
        assert b"Not yet approved" not in client.get(map_url(debate, fmt, pending=1)).content


# ----------------------------------------------------------------------------- query counts


@pytest.mark.parametrize("size", [3, 12, 30])
def test_debate_page_costs_a_fixed_number_of_queries(client, debate, student, size, django_assert_num_queries):
    grow(debate, size)  # sizes differ in claims, evidence and cross-links
    client.force_login(student)
    # session, user, debate (+classroom, +group copy), the user's classroom roles, nodes (+quote+source),
    # relations, the debate's sources for the map, the debate's sources for the page's list of them
    # (the map's data keeps only their citation lines), the navigation's counts.
    with django_assert_num_queries(9):
        assert client.get(page_url(debate)).status_code == 200


@pytest.mark.parametrize("size", [3, 12, 30])
def test_node_page_costs_a_fixed_number_of_queries(client, public_debate, size, django_assert_num_queries):
    made = grow(public_debate, size)
    target = made[0]
    # debate, node (+quote+source+author), its relations (+both ends), the debate's approved
    # nodes (+quote+source) UNION its approved arrows (a node's standing depends on the whole
    # debate), its history (+actors).
    with django_assert_num_queries(5):
        assert client.get(node_url(target)).status_code == 200
    # With the standing hidden from the class, a reader who does not moderate sees none of
    # it, and the debate's nodes and arrows are not read.
    type(public_debate).objects.filter(pk=public_debate.pk).update(show_standing=False)
    with django_assert_num_queries(4):
        assert client.get(node_url(target)).status_code == 200


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf", "dot"])
@pytest.mark.parametrize("size", [3, 12, 30])
def test_each_export_costs_a_fixed_number_of_queries(client, public_debate, fmt, size, django_assert_num_queries):
    grow(public_debate, size)
    # the debate with a stamp of its data, nodes (+quote+source), relations, the debate's sources.
    with django_assert_num_queries(4):
        assert client.get(map_url(public_debate, fmt)).status_code == 200
    # Cached: the debate with its data stamp only; no map data is loaded, no DOT built.
    with django_assert_num_queries(1):
        assert client.get(map_url(public_debate, fmt)).status_code == 200


def test_a_cached_export_is_served_again_after_any_change_of_the_data(client, debate, teacher, student):
    claim = make_node(debate, text="Original wording")
    client.force_login(teacher)
    first = client.get(map_url(debate, "dot"))
    assert client.get(map_url(debate, "dot"))["ETag"] == first["ETag"]
    pending = submit_claim(debate, student, text="Second thought", target=claim)
    assert client.get(map_url(debate, "dot"))["ETag"] == first["ETag"]  # pending: not on the public map
    assert b"Second thought" in client.get(map_url(debate, "dot", pending=1)).content
    moderation.item_decide(item=pending, moderator=teacher, action=Action.APPROVED)
    after = client.get(map_url(debate, "dot"))
    assert after["ETag"] != first["ETag"] and b"Second thought" in after.content


def test_svg_is_served_gzipped_to_clients_that_accept_it(client, public_debate):
    import gzip

    make_node(public_debate, text="A reason")
    plain = client.get(map_url(public_debate, "svg"))
    zipped = client.get(map_url(public_debate, "svg"), HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(zipped.content) == plain.content
    assert zipped["ETag"] != plain["ETag"]
    again = client.get(map_url(public_debate, "svg"), HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"])
    assert again.status_code == 304
    assert "Content-Encoding" not in client.get(map_url(public_debate, "png"), HTTP_ACCEPT_ENCODING="gzip")


def test_inline_map_carries_no_meaningless_node_names_for_screen_readers(client, public_debate):
    claim = make_node(public_debate, text="A reason")
    html = client.get(page_url(public_debate)).content.decode()
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert f"<title>n{claim.pk}</title>" not in svg and "&#45;&gt;" not in svg
    assert 'xlink:title="A reason"' in svg


def test_export_links_draw_what_the_page_draws(client, debate, teacher):
    claim = make_node(debate, text="A reason")
    client.force_login(teacher)
    html = client.get(page_url(debate, focus=claim.pk, depth=1, pending=1) + "&junk=%3Cb%3E").content.decode()
    assert f"map.pdf?download=1&amp;focus={claim.pk}&amp;depth=1&amp;pending=1" in html
    assert "junk" not in html


# ----------------------------------------------------------------------------- PublicMapMiddleware

WITHOUT_FRONT_DOOR = [m for m in django_settings.MIDDLEWARE if "PublicMapMiddleware" not in m]


def _answered_by_the_view(response) -> bool:
    # SessionMiddleware, which runs only on the way to the view, gives every request a session.
    return hasattr(response.wsgi_request, "session")


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf", "dot"])
def test_a_public_debates_cached_export_is_answered_before_sessions_with_the_views_headers(
    client, public_debate, fmt, settings, django_assert_num_queries
):
    make_node(public_debate, text="A reason")
    url = map_url(public_debate, fmt)
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert _answered_by_the_view(first)  # not cached yet: the view renders and caches
    with django_assert_num_queries(1):
        fast = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert fast.status_code == 200 and not _answered_by_the_view(fast)
    assert fast.content == first.content
    settings.MIDDLEWARE = WITHOUT_FRONT_DOOR
    slow = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")  # a new client loads the middleware anew
    assert _answered_by_the_view(slow) and slow.content == fast.content
    assert dict(fast.headers) == dict(slow.headers)
    assert fast.get("Content-Security-Policy", "").startswith("default-src 'none'") == (fmt == "svg")


def test_the_front_door_answers_conditional_requests_too(client, public_debate):
    first = client.get(map_url(public_debate, "svg"))
    again = client.get(map_url(public_debate, "svg"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"] and not _answered_by_the_view(again)


def test_a_classroom_debates_export_always_goes_to_the_view(client, debate, student, outsider):
    client.force_login(student)
    assert client.get(map_url(debate, "dot")).status_code == 200
    cached = client.get(map_url(debate, "dot"))
    assert cached.status_code == 200 and _answered_by_the_view(cached)
    client.force_login(outsider)
    assert client.get(map_url(debate, "dot")).status_code == 404
    client.logout()
    assert client.get(map_url(debate, "dot")).status_code == 404


def test_pending_work_and_bad_parameters_go_to_the_view(client, public_debate, teacher):
    client.get(map_url(public_debate, "dot"))  # cached for readers
    make_node(public_debate, text="Drafted by the creator", status="pending")
    client.force_login(teacher)  # a public debate's creator moderates it
    pending = client.get(map_url(public_debate, "dot", pending=1))
    assert _answered_by_the_view(pending) and b"Drafted by the creator" in pending.content
    assert client.get(map_url(public_debate, "dot", depth=99)).status_code == 400
    assert client.head(map_url(public_debate, "dot")).status_code == 200


def test_the_front_door_keeps_to_allowed_hosts(client, public_debate):
    client.get(map_url(public_debate, "dot"))
    assert client.get(map_url(public_debate, "dot"), HTTP_HOST="evil.example").status_code == 400


def test_approval_reaches_the_front_door_at_once(client, public_debate, teacher):
    """A public debate's creator approves: readers at the front door see it on their next request."""
    pending = make_node(public_debate, text="Approved later", status="pending")
    before = client.get(map_url(public_debate, "dot"))
    assert b"Approved later" not in client.get(map_url(public_debate, "dot")).content
    moderation.item_decide(item=pending, moderator=teacher, action=Action.APPROVED)
    after = client.get(map_url(public_debate, "dot"))
    assert b"Approved later" in after.content and after["ETag"] != before["ETag"]


def test_the_front_door_leaves_every_other_path_to_the_views_without_a_query(
    rf, public_debate, django_assert_num_queries
):
    from debates.maps.views import public_export

    client_paths = [
        page_url(public_debate),
        reverse("debates:home"),
        "/debates/public-debate/map.svg/",  # not the export route: the URLconf, not a copy of it, decides
        "/no/such/page/",
    ]
    with django_assert_num_queries(0):
        for path in client_paths:
            assert public_export(rf.get(path)) is None
        # The export route itself, with nothing kept yet: one cache read, no query.
        assert public_export(rf.get(map_url(public_debate, "svg"))) is None


def test_the_front_door_answers_from_the_urlconfs_own_route(rf, client, public_debate, django_assert_num_queries):
    from debates.maps.views import public_export

    client.get(map_url(public_debate, "dot"))  # drawn and kept by the view
    with django_assert_num_queries(1):  # the debate with the stamp of its data
        response = public_export(rf.get(map_url(public_debate, "dot")))
    assert response.status_code == 200 and response.content.startswith(b"digraph counterpoint {")
    assert public_export(rf.post(map_url(public_debate, "dot"))) is None


@pytest.mark.parametrize("fmt", ["svg", "dot"])
def test_a_classroom_debates_export_costs_no_more_queries_for_the_front_door(
    client, debate, student, fmt, django_assert_num_queries
):
    grow(debate, 3)
    client.force_login(student)
    # session, user, the debate with a stamp of its data, the user's classroom roles, nodes
    # (+quote+source), relations, the debate's sources. The front door reads only the cache:
    # it keeps no drawing of a classroom's debate.
    with django_assert_num_queries(7):
        assert client.get(map_url(debate, fmt)).status_code == 200
    # Kept: session, user, the debate with its stamp, the user's classroom roles.
    with django_assert_num_queries(4):
        assert client.get(map_url(debate, fmt)).status_code == 200
