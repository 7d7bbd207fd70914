"""Standing where people see it: the map's badges and key, the outline, the node page, the
weak points, the teachers' switch and the API's acceptability."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from debates import moderation
from debates.models import Action, Debate, Kind, MapRevision, Status
from tests.factories import api_client, make_node, make_relation, question_of, submit_claim

# The crafted debate, numbered as the outline numbers it (pros before cons, then by pk):
#
#   1      Q   the question
#   1.1    P1  position, evidenced by E1, opposed by O1, which falls to R1 -> stands, evidenced
#   1.1.1  E1  evidence with a quote
#   1.1.2  O1  claim opposing P1 -> falls (R1 stands)
#   1.1.2.1 R1 claim opposing O1 -> stands, not evidenced
#   1.2    P2  position opposed by O2, which nobody answers -> falls
#   1.2.1  O2  claim opposing P2 -> stands, not evidenced: an unanswered objection
#   1.3    A   claim for the question, opposed by B, which it opposes in turn -> undecided
#   1.3.1  B   claim opposing A -> undecided (A and B are an undecided circle)


@pytest.fixture
def crafted(debate, teacher):
    p1 = make_node(debate, kind=Kind.POSITION, text="Negotiate with the militants")
    e1 = make_node(debate, kind=Kind.EVIDENCE, text="Hundreds died", target=p1, quote="killed more than 100 people")
    o1 = make_node(debate, text="Talks have always failed", target=p1, relation="opposes")
    r1 = make_node(debate, text="The 2009 talks held for a year", target=o1, relation="opposes")
    p2 = make_node(debate, kind=Kind.POSITION, text="A military solution")
    o2 = make_node(debate, text="Force breeds recruits", target=p2, relation="opposes")
    a = make_node(debate, text="Poverty drives extremism")
    b = make_node(debate, text="Rich recruits exist too", target=a, relation="opposes")
    make_relation(a, b, kind="opposes")
    return {"P1": p1, "E1": e1, "O1": o1, "R1": r1, "P2": p2, "O2": o2, "A": a, "B": b}


def page_url(debate, **query):
    url = reverse("debates:debate-detail", args=[debate.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def map_url(debate, fmt="dot", **query):
    url = reverse("debates:debate-map", args=[debate.slug, fmt])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def node_url(node):
    return reverse("debates:node-detail", args=[node.debate.slug, node.pk])


def node_statement(dot_text: str, node) -> str:
    """The DOT statement of one box, from its name to the end of its attribute list."""
    match = re.search(rf"^\s*n{node.pk} \[(.*?)\]$", dot_text, re.MULTILINE | re.DOTALL)
    assert match, f"no box n{node.pk} in the DOT"
    return match.group(1)


def hide_standing(debate):
    Debate.objects.filter(pk=debate.pk).update(show_standing=False)
    debate.refresh_from_db()


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# ----------------------------------------------------------------------------- the map


@pytest.mark.dot
def test_each_judged_box_on_the_map_carries_its_badge_in_words(client, crafted, student):
    client.force_login(student)
    dot_text = client.get(map_url(crafted["P1"].debate)).content.decode()
    assert "\u2713 stands" in node_statement(dot_text, crafted["P1"])
    assert "\u2717 falls" in node_statement(dot_text, crafted["O1"])
    assert "\u2717 falls" in node_statement(dot_text, crafted["P2"])
    assert "? open" in node_statement(dot_text, crafted["A"])
    assert "? open" in node_statement(dot_text, crafted["B"])
    # The question is not judged.
    question = node_statement(dot_text, question_of(crafted["P1"].debate))
    assert "stands" not in question and "falls" not in question and "? open" not in question


@pytest.mark.dot
def test_a_box_that_stands_without_evidence_says_so_and_has_a_dotted_border(client, crafted, student):
    client.force_login(student)
    dot_text = client.get(map_url(crafted["P1"].debate)).content.decode()
    unevidenced = node_statement(dot_text, crafted["R1"])
    assert "\u2713 stands \u00b7 not evidenced" in unevidenced
    assert re.search(r'style="[^"]*dotted', unevidenced)
    evidenced = node_statement(dot_text, crafted["P1"])
    assert "not evidenced" not in evidenced and "dotted" not in evidenced


@pytest.mark.dot
def test_pending_boxes_on_a_teachers_pending_map_carry_no_badge(client, crafted, teacher, student):
    debate = crafted["P1"].debate
    pending = make_node(debate, text="Not yet approved", author=student, status=Status.PENDING)
    client.force_login(teacher)
    dot_text = client.get(map_url(debate, pending=1)).content.decode()
    box = node_statement(dot_text, pending)
    assert "PENDING" in box and "dashed" in box
    assert "stands" not in box and "falls" not in box and "? open" not in box
    # The approved boxes keep theirs, judged over the approved content only.
    assert "\u2717 falls" in node_statement(dot_text, crafted["O1"])


@pytest.mark.dot
def test_switched_off_the_map_and_its_exports_carry_no_badges(client, crafted, student):
    debate = crafted["P1"].debate
    hide_standing(debate)
    client.force_login(student)
    dot_text = client.get(map_url(debate)).content.decode()
    assert "\u2713" not in dot_text and "\u2717" not in dot_text and "? open" not in dot_text
    assert "not evidenced" not in dot_text
    page = client.get(page_url(debate)).content.decode()
    assert "\u2717 falls" not in page and "not evidenced" not in page


@pytest.mark.dot
def test_turning_the_badges_off_changes_a_kept_drawing_at_once(client, crafted, teacher, student):
    debate = crafted["P1"].debate
    client.force_login(student)
    before = client.get(map_url(debate))  # now kept under the current stamp
    assert "\u2713 stands" in before.content.decode()
    revision = MapRevision.objects.filter(debate=debate).values_list("number", flat=True).first() or 0
    moderator = Client()
    moderator.force_login(teacher)
    moderator.post(reverse("debates:debate-standing", args=[debate.slug]), {"show_standing": "0"})
    assert MapRevision.objects.get(debate=debate).number == revision + 1
    after = client.get(map_url(debate))
    assert after["ETag"] != before["ETag"] and "\u2713 stands" not in after.content.decode()


@pytest.mark.dot
def test_a_kept_public_drawing_is_not_served_once_the_switch_changes_even_without_a_new_revision(client, public_debate):
    make_node(public_debate, text="Cars pollute")
    url = map_url(public_debate)
    assert "\u2713 stands" in client.get(url).content.decode()  # drawn and kept
    revision = MapRevision.objects.filter(debate=public_debate).values_list("number", flat=True).first()
    hide_standing(public_debate)  # a queryset update: no revision is raised
    assert MapRevision.objects.filter(debate=public_debate).values_list("number", flat=True).first() == revision
    assert "\u2713 stands" not in client.get(url).content.decode()


@pytest.mark.dot
def test_the_key_beside_the_map_explains_each_badge_and_the_dotted_border(client, crafted, student):
    client.force_login(student)
    page = text_of(client.get(page_url(crafted["P1"].debate)))
    key = page[page.index('id="standing-key-heading"') :]
    for badge in ("stands", "falls", "open", "stands · not evidenced"):
        assert badge in key
    assert "dotted border" in key and "Something that stands opposes it" in key


def test_the_map_key_explains_an_objection_to_a_link_and_the_dotted_not_evidenced_border(client, crafted, student):
    debate = crafted["P1"].debate
    client.force_login(student)
    page = text_of(client.get(page_url(debate)))
    key = page[page.index('class="map-key"') : page.index("</details>", page.index('class="map-key"'))]
    assert "against a link" in key and "ending on a dot in the middle of another arrow" in key
    assert "dotted border: stands, but nothing that supports it quotes a source" in key
    standing_key = page[page.index('id="standing-key-heading"') :]
    assert "An objection to a link" in standing_key
    # While the class judges first, no box has a dotted border: the key leaves it out.
    hide_standing(debate)
    page = text_of(client.get(page_url(debate)))
    key = page[page.index('class="map-key"') : page.index("</details>", page.index('class="map-key"'))]
    assert "against a link" in key and "dotted border" not in key


# ----------------------------------------------------------------------------- outline and node page


@pytest.mark.dot
def test_the_outline_gives_each_box_its_standing_and_reason_in_words(client, crafted, student):
    client.force_login(student)
    page = text_of(client.get(page_url(crafted["P1"].debate)))
    assert "Falls: opposed by 1.1.2.1, which stands." in page  # O1
    assert "Stands: its only objection, 1.1.2, falls to 1.1.2.1. Evidenced: 1.1.1 quotes" in page  # P1
    assert "Undecided: it and 1.3.1 oppose each other and nothing settles it." in page  # A
    assert "Not evidenced: nothing under it quotes a source." in page  # R1, O2


def test_the_node_page_lists_what_decides_it_each_with_its_standing_and_link(client, crafted, student):
    client.force_login(student)
    page = text_of(client.get(node_url(crafted["P1"])))
    section = page[page.index('id="standing-heading"') : page.index('class="node-relations"')]
    assert "Stands: its only objection, 1.1.2, falls to 1.1.2.1." in section
    # The objection, with its own standing, linked, and marked as deciding it.
    assert re.search(
        rf'href="{node_url(crafted["O1"])}">Talks have always failed</a> <span class="standing standing-out">', section
    )
    assert "decides it" in section
    # The supporting evidence, with its standing.
    assert re.search(
        rf'href="{node_url(crafted["E1"])}">Hundreds died</a> <span class="standing standing-in">', section
    )


@pytest.mark.dot
def test_the_undecided_badge_has_one_word_on_the_map_key_outline_node_page_and_projector(client, crafted, student):
    debate = crafted["P1"].debate
    client.force_login(student)
    page = text_of(client.get(page_url(debate)))
    node_page = text_of(client.get(node_url(crafted["A"])))
    projector = text_of(client.get(reverse("debates:debate-present", args=[debate.slug]) + "?branch=3"))
    dot_text = client.get(map_url(debate)).content.decode()
    outline = page[page.index('class="outline"') :]
    key = page[page.index('id="standing-key-heading"') :]
    badge = '<span aria-hidden="true">?</span> open</span>'
    for where, html in (("outline", outline), ("key", key), ("node page", node_page), ("projector", projector)):
        assert badge in html, where
        # The word of the badge, never a second name for it (the reasons say "Undecided: ...").
        assert "</span> Undecided" not in html and "</span> undecided" not in html, where
    assert "? open" in node_statement(dot_text, crafted["A"])


@pytest.mark.dot
def test_every_page_takes_the_badge_words_from_standing_badges(client, crafted, student, monkeypatch):
    from debates.maps import standing

    monkeypatch.setitem(standing.BADGES, standing.UNDEC, ("?", "unsettled"))
    monkeypatch.setitem(standing.BADGES, standing.OUT, ("\u2717", "overturned"))
    debate = crafted["P1"].debate
    client.force_login(student)
    page = text_of(client.get(page_url(debate)))
    outline, key = page[page.index('class="outline"') :], page[page.index('id="standing-key-heading"') :]
    node_page = text_of(client.get(node_url(crafted["A"])))
    projector = text_of(client.get(reverse("debates:debate-present", args=[debate.slug]) + "?branch=3"))
    dot_text = client.get(map_url(debate)).content.decode()
    for where, text in (
        ("outline", outline),
        ("key", key),
        ("node page", node_page),
        ("projector", projector),
        ("map", node_statement(dot_text, crafted["A"])),
    ):
        assert "unsettled" in text and "</span> open" not in text and "? open" not in text, where
    assert "overturned" in node_statement(dot_text, crafted["O1"]) and "overturned" in outline and "overturned" in key


def test_the_question_and_pending_work_have_no_standing_on_their_pages(client, crafted, teacher, student):
    debate = crafted["P1"].debate
    pending = make_node(debate, text="Waiting", author=student, status=Status.PENDING)
    client.force_login(teacher)
    assert 'id="standing-heading"' not in client.get(node_url(question_of(debate))).content.decode()
    assert 'id="standing-heading"' not in client.get(node_url(pending)).content.decode()


# ----------------------------------------------------------------------------- weak points


@pytest.mark.dot
def test_the_weak_points_panel_lists_unevidenced_claims_unanswered_objections_and_circles(client, crafted, student):
    debate = crafted["P1"].debate
    client.force_login(student)
    page = text_of(client.get(page_url(debate)))
    panel = page[page.index('id="weak-points-heading"') :]
    contribute = reverse("debates:node-create", args=[debate.slug])
    unevidenced = panel[panel.index('id="weak-unevidenced"') : panel.index('id="weak-unanswered"')]
    for name in ("R1", "O2"):
        assert f'href="{node_url(crafted[name])}"' in unevidenced
        assert f"{contribute}?kind=evidence&amp;relation=supports&amp;target={crafted[name].pk}" in unevidenced
    for name in ("P1", "O1", "P2", "A", "B", "E1"):
        assert f'href="{node_url(crafted[name])}"' not in unevidenced
    unanswered = panel[panel.index('id="weak-unanswered"') : panel.index('id="weak-circles"')]
    assert f'href="{node_url(crafted["O2"])}"' in unanswered and f'href="{node_url(crafted["P2"])}"' in unanswered
    assert f"{contribute}?kind=claim&amp;relation=opposes&amp;target={crafted['O2'].pk}" in unanswered
    assert f'href="{node_url(crafted["O1"])}"' not in unanswered  # answered by R1
    circles = panel[panel.index('id="weak-circles"') :]
    assert f'href="{node_url(crafted["A"])}"' in circles and f'href="{node_url(crafted["B"])}"' in circles


def test_the_teachers_weak_points_list_is_for_the_debates_teachers_only(
    client, crafted, teacher, student, outsider, other_teacher
):
    debate = crafted["P1"].debate
    url = reverse("debates:debate-weak-points", args=[debate.slug])
    client.force_login(teacher)
    page = text_of(client.get(url))
    assert "4 stand (2 evidenced), 2 fall, 2 are undecided." in page
    assert f'href="{node_url(crafted["O2"])}"' in page
    for user in (student, outsider, other_teacher):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


# ----------------------------------------------------------------------------- the switch


def test_a_teacher_turns_the_standing_off_and_on_for_the_class(client, crafted, teacher):
    debate = crafted["P1"].debate
    url = reverse("debates:debate-standing", args=[debate.slug])
    client.force_login(teacher)
    assert client.post(url, {"show_standing": "0"}).status_code == 302
    debate.refresh_from_db()
    assert debate.show_standing is False
    assert client.post(url, {"show_standing": "1"}).status_code == 302
    debate.refresh_from_db()
    assert debate.show_standing is True


def test_the_switch_refuses_students_others_anonymous_get_and_a_missing_csrf_token(
    client, crafted, teacher, student, outsider
):
    debate = crafted["P1"].debate
    url = reverse("debates:debate-standing", args=[debate.slug])
    for user in (student, outsider):
        client.force_login(user)
        assert client.post(url, {"show_standing": "0"}).status_code == 404
    client.logout()
    assert client.post(url, {"show_standing": "0"}).status_code == 302  # to the login page
    client.force_login(teacher)
    assert client.get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(teacher)
    assert strict.post(url, {"show_standing": "0"}).status_code == 403
    debate.refresh_from_db()
    assert debate.show_standing is True


def test_a_repeated_switch_changes_nothing_and_raises_no_revision(client, crafted, teacher):
    debate = crafted["P1"].debate
    url = reverse("debates:debate-standing", args=[debate.slug])
    client.force_login(teacher)
    client.post(url, {"show_standing": "0"})
    revision = MapRevision.objects.get(debate=debate).number
    client.post(url, {"show_standing": "0"})
    assert MapRevision.objects.get(debate=debate).number == revision


@pytest.mark.dot
def test_switched_off_students_see_no_standing_and_teachers_see_it_marked_hidden(client, crafted, teacher, student):
    debate = crafted["P1"].debate
    hide_standing(debate)
    client.force_login(student)
    page = text_of(client.get(page_url(debate)))
    assert "Falls: opposed by" not in page and 'id="weak-points-heading"' not in page
    assert "The badges are off for this debate" in page
    node_page = client.get(node_url(crafted["P1"])).content.decode()
    assert 'id="standing-heading"' not in node_page and "its only objection" not in node_page
    client.force_login(teacher)
    page = text_of(client.get(page_url(debate)))
    assert "Falls: opposed by 1.1.2.1, which stands." in page and 'id="weak-points-heading"' in page
    assert "Standing hidden from the class" in page
    node_page = text_of(client.get(node_url(crafted["P1"])))
    assert "Hidden from the class" in node_page and "its only objection" in node_page
    # The map is the same drawing for everyone: no badges for the teacher either.
    assert "\u2713" not in client.get(map_url(debate)).content.decode()


# ----------------------------------------------------------------------------- the API


def test_api_debate_detail_gives_each_node_and_relation_its_acceptability(crafted, student):
    debate = crafted["P1"].debate
    body = api_client(student).get(f"/api/debates/{debate.slug}/").json()
    by_id = {n["id"]: n for n in body["nodes"]}
    assert by_id[question_of(debate).pk]["acceptability"] is None
    assert by_id[crafted["P1"].pk]["acceptability"] == {
        "label": "in",
        "evidenced": True,
        "reason": by_id[crafted["P1"].pk]["acceptability"]["reason"],
    }
    assert by_id[crafted["P1"].pk]["acceptability"]["reason"].startswith("Stands: its only objection, 1.1.2, falls")
    assert by_id[crafted["O1"].pk]["acceptability"] == {
        "label": "out",
        "evidenced": False,
        "reason": "Falls: opposed by 1.1.2.1, which stands.",
    }
    assert by_id[crafted["A"].pk]["acceptability"]["label"] == "undec"
    assert by_id[crafted["R1"].pk]["acceptability"]["evidenced"] is False
    relations = {(r["source"], r["target"]): r for r in body["relations"]}
    arrow = relations[(crafted["O1"].pk, crafted["P1"].pk)]["acceptability"]
    assert arrow == {"label": "in", "evidenced": False, "reason": "Stands: nothing undercuts it."}


def test_api_lists_and_details_carry_the_same_acceptability_as_the_debate_detail(crafted, student):
    debate = crafted["P1"].debate
    client = api_client(student)
    detail = client.get(f"/api/debates/{debate.slug}/").json()
    listed = client.get("/api/nodes/", {"debate": debate.slug}).json()["results"]
    assert {n["id"]: n["acceptability"] for n in listed} == {n["id"]: n["acceptability"] for n in detail["nodes"]}
    relations = client.get("/api/relations/", {"debate": debate.slug}).json()["results"]
    assert {r["id"]: r["acceptability"] for r in relations} == {
        r["id"]: r["acceptability"] for r in detail["relations"]
    }
    one = client.get(f"/api/nodes/{crafted['O1'].pk}/").json()
    assert one["acceptability"]["reason"] == "Falls: opposed by 1.1.2.1, which stands."


def test_api_acceptability_is_null_for_pending_work(crafted, student):
    debate = crafted["P1"].debate
    pending = make_node(debate, text="Mine, pending", author=student, status=Status.PENDING)
    listed = api_client(student).get("/api/nodes/", {"debate": debate.slug}).json()["results"]
    assert next(n for n in listed if n["id"] == pending.pk)["acceptability"] is None


def test_api_acceptability_is_null_for_students_while_hidden_and_shown_to_teachers(crafted, student, teacher):
    debate = crafted["P1"].debate
    hide_standing(debate)
    for url in (f"/api/debates/{debate.slug}/", f"/api/nodes/{crafted['O1'].pk}/"):
        body = api_client(student).get(url).json()
        for item in body.get("nodes", [body]):
            assert item["acceptability"] is None
    body = api_client(teacher).get(f"/api/nodes/{crafted['O1'].pk}/").json()
    assert body["acceptability"]["label"] == "out"


def test_api_patch_turns_the_standing_off_for_teachers_only(crafted, student, teacher):
    debate = crafted["P1"].debate
    url = f"/api/debates/{debate.slug}/"
    refused = api_client(student).patch(url, {"show_standing": False}, format="json")
    assert refused.status_code in (403, 404)
    assert Debate.objects.get(pk=debate.pk).show_standing is True
    answer = api_client(teacher).patch(url, {"show_standing": False}, format="json")
    assert answer.status_code == 200 and answer.json()["show_standing"] is False
    assert Debate.objects.get(pk=debate.pk).show_standing is False
    bad = api_client(teacher).patch(url, {"show_standing": "perhaps"}, format="json")
    assert bad.status_code == 400 and "show_standing" in bad.content.decode()


# ----------------------------------------------------------------------------- query counts


@pytest.mark.dot
def test_the_debate_page_with_standing_costs_no_more_queries(client, crafted, student, django_assert_num_queries):
    client.force_login(student)
    # session, user, debate (+classroom, +group copy), the user's classroom roles, nodes (+quote+source),
    # relations, the debate's sources for the map, the debate's sources for the page's list of them,
    # the navigation's counts: as before the standing, which is computed from the loaded map.
    with django_assert_num_queries(9):
        page = client.get(page_url(crafted["P1"].debate)).content.decode()
    assert "Falls: opposed by" in page


def test_the_api_debate_detail_with_acceptability_costs_no_more_queries(crafted, student, django_assert_num_queries):
    client = api_client(student)
    # token + user; roles; the debate; its sources; approved nodes with quotes (+source) and
    # users; approved relations: as before, the acceptability is computed from these rows.
    with django_assert_num_queries(6):
        body = client.get(f"/api/debates/{crafted['P1'].debate.slug}/").json()
    assert body["nodes"][1]["acceptability"] is not None


def test_a_list_spanning_debates_adds_one_query_for_all_of_them(
    crafted, teacher, public_debate, django_assert_num_queries
):
    make_node(public_debate, text="Cars pollute")
    client = api_client(teacher)
    # token + user; page count; the nodes with debate, quote and users joined (visibility as
    # subqueries); the approved nodes and arrows of both debates (one UNION query).
    with django_assert_num_queries(4):
        listed = client.get("/api/nodes/").json()["results"]
    assert len({n["debate"] for n in listed}) == 2
    assert all(n["acceptability"] is not None for n in listed if n["kind"] != "question")
    # Both debates are judged now, at their current map revisions: no query for it.
    with django_assert_num_queries(3):
        assert client.get("/api/nodes/").json()["results"] == listed


def _node_page_queries(client, node) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(node_url(node)).status_code == 200
    return len(queries)


def test_the_node_page_with_standing_costs_no_more_queries_than_without(client, crafted, student, teacher):
    debate, node = crafted["P2"].debate, crafted["P2"]
    client.force_login(student)
    debate.show_standing = False
    debate.save(update_fields=["show_standing"])
    hidden = _node_page_queries(client, node)
    debate.show_standing = True
    debate.save(update_fields=["show_standing"])
    client.get(node_url(node))  # the first reader after a change judges the debate (one query)
    assert _node_page_queries(client, node) == hidden
    assert "Falls: opposed by" in client.get(node_url(node)).content.decode()


def test_a_kept_judgement_follows_the_next_change_at_once(client, crafted, student, teacher):
    """Kept per map revision: an approval raises the revision, so the next reader sees the new standing."""
    client.force_login(student)
    target = crafted["P1"]
    assert "Stands" in client.get(node_url(target)).content.decode()
    objection = submit_claim(target.debate, student, text="Nobody answers this", target=target, relation="opposes")
    moderation.item_decide(item=objection, moderator=teacher, action=Action.APPROVED)
    assert "Falls: opposed by" in client.get(node_url(target)).content.decode()
