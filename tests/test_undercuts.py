"""Undercuts: an objection to a supports arrow rather than to a node. The model's rules
(exactly one target, an opposes aimed at a supports arrow of the same debate, once per node
and arrow), the workflow, who sees what, the node page, the outline and the drawing."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from debates import moderation
from debates.errors import ModerationError
from debates.maps import data, dot, runner
from debates.maps.outline import build_outline
from debates.models import Action, Kind, Node, Relation, Status
from tests.factories import api_client, errors, make_debate, make_node, make_relation, question_of

pytestmark = pytest.mark.urls("config.urls")


@pytest.fixture
def link(debate):
    """A position on the question, and evidence-free claim C supporting it: the arrow C -> P."""
    position = make_node(debate, kind=Kind.POSITION, text="Talk to the TTP")
    claim = make_node(debate, text="Talks worked in 2014", target=position, relation="supports")
    return Relation.objects.get(source=claim, target=position)


def _undercut(arrow, *, text="2014 is not 2023", status=Status.APPROVED, author=None):
    """An objecting claim whose only arrow is the undercut."""
    objector = Node.objects.create(debate=arrow.debate, kind=Kind.CLAIM, text=text, status=status, author=author)
    relation = Relation.objects.create(
        debate=arrow.debate,
        source=objector,
        target_relation=arrow,
        kind="opposes",
        status=status,
        author=author,
    )
    return objector, relation


def _object(link, author, text, *, relation_kind="opposes", debate=None):
    """A claim against the arrow `link` through the real workflow (in `link`'s debate unless
    told otherwise); raises ModerationError where the workflow refuses it."""
    return moderation.node_submit(
        debate=debate or link.debate,
        author=author,
        kind=Kind.CLAIM,
        text=text,
        target_relation=link,
        relation_kind=relation_kind,
    )


# --------------------------------------------------------------------------- the model


def _insert(**fields):
    with transaction.atomic():
        return Relation.objects.create(**fields)


def test_database_refuses_an_arrow_with_no_target_and_one_with_two(link):
    objector = make_node(link.debate)
    with pytest.raises(IntegrityError):
        _insert(debate=link.debate, source=objector, kind="opposes")
    with pytest.raises(IntegrityError):
        _insert(debate=link.debate, source=objector, target=link.target, target_relation=link, kind="opposes")


def test_database_refuses_an_undercut_that_supports(link):
    objector = make_node(link.debate)
    with pytest.raises(IntegrityError):
        _insert(debate=link.debate, source=objector, target_relation=link, kind="supports")


def test_database_refuses_an_arrow_pointed_at_itself(link):
    _, undercut = _undercut(link)
    with pytest.raises(IntegrityError), transaction.atomic():
        Relation.objects.filter(pk=undercut.pk).update(target_relation=undercut.pk)


def test_database_refuses_the_same_node_objecting_twice_to_one_arrow(link):
    objector, _ = _undercut(link)
    with pytest.raises(IntegrityError):
        _insert(debate=link.debate, source=objector, target_relation=link, kind="opposes")


def test_a_rejected_objection_does_not_block_a_new_one(link):
    objector, first = _undercut(link)
    Relation.objects.filter(pk=first.pk).update(status=Status.REJECTED)
    _insert(debate=link.debate, source=objector, target_relation=link, kind="opposes", status=Status.PENDING)


def _clean_errors(relation) -> dict:
    with pytest.raises(ValidationError) as caught:
        relation.full_clean()
    return caught.value.message_dict


def test_clean_names_the_field_when_both_or_neither_target_is_given(link):
    objector = make_node(link.debate)
    both = Relation(debate=link.debate, source=objector, target=link.target, target_relation=link, kind="opposes")
    assert "exactly one" in _clean_errors(both)["target_relation"][0]
    neither = Relation(debate=link.debate, source=objector, kind="opposes")
    assert "exactly one" in _clean_errors(neither)["target"][0]


def test_clean_refuses_an_objection_to_an_opposes_arrow(debate):
    a, b = make_node(debate), make_node(debate)
    opposes = make_relation(a, b, kind="opposes")
    relation = Relation(debate=debate, source=make_node(debate), target_relation=opposes, kind="opposes")
    assert "supports arrow" in _clean_errors(relation)["target_relation"][0]


def test_clean_refuses_an_arrow_of_another_debate(link, teacher):
    elsewhere = make_debate(created_by=teacher, slug="elsewhere")
    objector = make_node(elsewhere)
    relation = Relation(debate=elsewhere, source=objector, target_relation=link, kind="opposes")
    assert "another debate" in _clean_errors(relation)["target_relation"][0]


def test_clean_refuses_an_arrow_objecting_to_itself(link):
    _, undercut = _undercut(link)
    undercut.target_relation = undercut
    assert "itself" in _clean_errors(undercut)["target_relation"][0]


def test_deleting_the_attacked_arrow_deletes_its_undercuts(link):
    _, undercut = _undercut(link)
    link.delete()
    assert not Relation.objects.filter(pk=undercut.pk).exists()


# --------------------------------------------------------------------------- the workflow


def test_student_objection_to_a_link_is_pending_and_decided_with_its_node(link, student, teacher):
    node = _object(link, student, "2014 is not 2023")
    arrow = node.outgoing.get()
    assert (node.status, arrow.status, arrow.target_relation_id, arrow.target_id) == (
        "pending",
        "pending",
        link.pk,
        None,
    )
    moderation.item_decide(item=node, moderator=teacher, action=Action.APPROVED)
    arrow.refresh_from_db()
    assert arrow.status == Status.APPROVED


def test_objecting_twice_makes_one_item(link, student):
    first = _object(link, student, "Not the same")
    second = _object(link, student, "Not the same")
    assert first.pk == second.pk


def test_an_objection_must_oppose(link, student):
    with pytest.raises(ModerationError) as caught:
        _object(link, student, "x y", relation_kind="supports")
    assert "relation_kind" in caught.value.message_dict


def test_objections_count_against_the_pending_limit(link, student, settings):
    settings.MAX_PENDING_PER_DEBATE = 1
    _object(link, student, "one")
    with pytest.raises(ModerationError) as caught:
        _object(link, student, "two")
    assert "the limit is 1" in str(caught.value)


def test_relation_submit_takes_exactly_one_target(link, student):
    objector = make_node(link.debate, text="An old claim")
    with pytest.raises(ModerationError) as caught:
        moderation.relation_submit(author=student, source=objector, kind="opposes")
    assert "target" in caught.value.message_dict
    with pytest.raises(ModerationError) as caught:
        moderation.relation_submit(
            author=student, source=objector, kind="opposes", target=link.target, target_relation=link
        )
    assert "target_relation" in caught.value.message_dict
    arrow = moderation.relation_submit(author=student, source=objector, kind="opposes", target_relation=link)
    assert (arrow.status, arrow.target_relation_id) == ("pending", link.pk)


def test_a_standalone_objection_waits_for_the_arrow_it_attacks_to_be_approved(debate, teacher, student):
    a = make_node(debate, text="A")
    b = make_node(debate, text="B")
    pending = make_relation(a, b, kind="supports", status=Status.PENDING, author=student)
    objector = make_node(debate, text="C")
    undercut = Relation.objects.create(
        debate=debate, source=objector, target_relation=pending, kind="opposes", status=Status.PENDING
    )
    with pytest.raises(ModerationError) as caught:
        moderation.item_decide(item=undercut, moderator=teacher, action=Action.APPROVED)
    assert "arrow it objects to" in str(caught.value)


def test_an_arrow_of_another_debate_is_refused(link, teacher):
    elsewhere = make_debate(created_by=teacher, slug="elsewhere")
    with pytest.raises(ModerationError) as caught:
        _object(link, teacher, "x", debate=elsewhere)
    assert "target_relation" in caught.value.message_dict


# --------------------------------------------------------------------------- visibility


def test_pending_objection_is_hidden_from_other_students_and_visitors(link, student, other_student, teacher):
    _object(link, student, "Mine")
    undercuts = Relation.objects.filter(target_relation=link)
    assert undercuts.visible_to(student).count() == 1
    assert undercuts.visible_to(teacher).count() == 1
    assert undercuts.visible_to(other_student).count() == 0
    assert undercuts.visible_to(AnonymousUser()).count() == 0


def test_an_objection_is_hidden_while_the_arrow_it_attacks_is_not_visible(debate, student, other_student):
    a, b = make_node(debate, text="A"), make_node(debate, text="B")
    arrow = make_relation(a, b, kind="supports", status=Status.PENDING, author=student)
    _undercut(arrow)  # approved, but aimed at another student's pending arrow
    undercuts = Relation.objects.filter(target_relation=arrow)
    assert undercuts.visible_to(student).count() == 1
    assert undercuts.visible_to(other_student).count() == 0


def test_an_objection_goes_with_a_withdrawn_end_of_the_arrow(debate, student, other_student):
    a = make_node(debate, text="A", status=Status.PENDING, author=student)
    b = make_node(debate, text="B")
    arrow = make_relation(a, b, kind="supports", status=Status.PENDING, author=student)
    _undercut(arrow, author=student, status=Status.PENDING)
    moderation.item_withdraw(item=a, user=student)
    assert Relation.objects.filter(target_relation=arrow).visible_to(student).count() == 0


def test_load_map_carries_the_undercut_and_its_arrow(link, public_debate):
    objector, undercut = _undercut(link)
    map_data = data.load_map(link.debate, link.debate.created_by)
    drawn = {r.pk: r for r in map_data.relations}
    assert drawn[undercut.pk].target is None
    assert drawn[undercut.pk].target_relation == link.pk
    assert link.pk in drawn


def test_load_map_leaves_out_an_undercut_of_an_unapproved_arrow(debate, teacher):
    a, b = make_node(debate, text="A"), make_node(debate, text="B")
    arrow = make_relation(a, b, kind="supports", status=Status.REJECTED)
    _, undercut = _undercut(arrow)
    assert undercut.pk not in {r.pk for r in data.load_map(debate, teacher).relations}


def test_load_map_draws_an_arrow_only_with_both_ends_and_an_undercut_only_with_its_arrow(debate, teacher, student):
    a = make_node(debate, text="A")
    waiting = make_node(debate, text="Waiting", status=Status.PENDING, author=student)
    arrow = make_relation(a, waiting, kind="supports")  # approved, into a box not approved yet
    _, undercut = _undercut(arrow)
    approved_only = data.load_map(debate, teacher)
    assert waiting.pk not in {n.pk for n in approved_only.nodes}
    assert {arrow.pk, undercut.pk}.isdisjoint(r.pk for r in approved_only.relations)
    with_pending = data.load_map(debate, teacher, show_pending=True)
    assert {arrow.pk, undercut.pk} <= {r.pk for r in with_pending.relations}
    # A moderator sees every live arrow, but a rejected box is on no map: nor is its arrow.
    rejected = make_node(debate, text="Rejected", status=Status.REJECTED, author=student)
    into_rejected = make_relation(a, rejected, kind="supports")
    _, its_undercut = _undercut(into_rejected, text="Not that either")
    drawn = {r.pk for r in data.load_map(debate, teacher, show_pending=True).relations}
    assert {into_rejected.pk, its_undercut.pk}.isdisjoint(drawn) and {arrow.pk, undercut.pk} <= drawn


# --------------------------------------------------------------------------- pages


def test_node_page_offers_to_object_to_each_supports_arrow_and_lists_objections(client, link, student):
    _undercut(link, text="2014 is not 2023")
    client.force_login(student)
    page = client.get(reverse("debates:node-detail", args=[link.debate.slug, link.source_id])).content.decode()
    assert reverse("debates:undercut-create", args=[link.debate.slug, link.pk]) in page
    assert "Against the link:" in page and "2014 is not 2023" in page


def test_objector_page_names_the_link_it_objects_to(client, link, student):
    objector, _ = _undercut(link, text="2014 is not 2023")
    client.force_login(student)
    page = client.get(reverse("debates:node-detail", args=[link.debate.slug, objector.pk])).content.decode()
    assert "It objects to the link" in page and "Talks worked in 2014" in page


def test_object_to_this_link_form_submits_a_pending_undercut(client, link, student):
    client.force_login(student)
    url = reverse("debates:undercut-create", args=[link.debate.slug, link.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "Different leaders then"})
    assert response.status_code == 302
    undercut = Relation.objects.get(target_relation=link)
    assert (undercut.status, undercut.source.text, undercut.kind) == ("pending", "Different leaders then", "opposes")


def test_object_to_this_link_form_refuses_empty_text_with_a_400(client, link, student):
    client.force_login(student)
    url = reverse("debates:undercut-create", args=[link.debate.slug, link.pk])
    assert client.post(url, {"text": "   "}).status_code == 400
    assert not Relation.objects.filter(target_relation=link).exists()


def test_object_to_this_link_is_404_for_an_outsider_and_for_an_opposes_arrow(client, link, outsider, student):
    client.force_login(outsider)
    assert client.get(reverse("debates:undercut-create", args=[link.debate.slug, link.pk])).status_code == 404
    opposes = make_relation(make_node(link.debate), link.target, kind="opposes")
    client.force_login(student)
    assert client.get(reverse("debates:undercut-create", args=[link.debate.slug, opposes.pk])).status_code == 404


def test_object_to_this_link_asks_anonymous_to_sign_in(client, link):
    response = client.get(reverse("debates:undercut-create", args=[link.debate.slug, link.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


# --------------------------------------------------------------------------- outline and map


def test_outline_lists_the_objection_under_the_link_it_attacks(link, teacher):
    objector, _ = _undercut(link, text="2014 is not 2023")
    entries = build_outline(data.load_map(link.debate, teacher))
    by_text = {e.node.text: e for e in entries}
    claim, objection = by_text["Talks worked in 2014"], by_text["2014 is not 2023"]
    assert objection.number.startswith(claim.number + ".")
    assert objection.link_target.text == "Talk to the TTP"
    assert objection.label == "Con"


def test_debate_page_outline_says_which_link_is_objected_to(client, link, teacher):
    _undercut(link)
    client.force_login(teacher)
    page = client.get(reverse("debates:debate-detail", args=[link.debate.slug])).content.decode()
    assert "against the link to “<bdi>Talk to the TTP</bdi>”" in page


def test_map_draws_the_attacked_arrow_through_a_point_where_the_undercut_ends(link, teacher):
    objector, undercut = _undercut(link)
    text = dot.build_dot(data.load_map(link.debate, teacher))
    point = f"r{link.pk}"
    assert f"{point} [" in text and "shape=point" in text
    assert f"n{link.target_id} -> {point}" in text
    assert f"{point} -> n{link.source_id}" in text
    assert f"{point} -> n{objector.pk}" in text
    assert f"n{link.target_id} -> n{link.source_id}" not in text  # drawn only in two halves


def test_map_without_undercuts_has_no_points(link, teacher):
    assert "shape=point" not in dot.build_dot(data.load_map(link.debate, teacher))


def test_undercut_drawing_is_deterministic(link, teacher):
    _undercut(link)
    map_data = data.load_map(link.debate, teacher)
    assert dot.build_dot(map_data) == dot.build_dot(map_data)


def test_focus_on_the_objector_brings_the_attacked_arrow(link, teacher):
    objector, _ = _undercut(link)
    text = dot.build_dot(data.load_map(link.debate, teacher), focus=objector.pk, depth=1)
    assert f"r{link.pk} -> n{objector.pk}" in text


@pytest.mark.dot
def test_real_dot_draws_the_undercut_into_the_middle_of_the_arrow(link, teacher):
    objector, _ = _undercut(link)
    svg = runner.render(dot.build_dot(data.load_map(link.debate, teacher)), "svg").decode()
    assert f"<title>r{link.pk}</title>" in svg
    assert f"<title>r{link.pk}&#45;&gt;n{objector.pk}</title>" in svg


def test_question_cannot_object(link):
    question = question_of(link.debate)
    relation = Relation(debate=link.debate, source=question, target_relation=link, kind="opposes")
    assert "source" in _clean_errors(relation)


# --------------------------------------------------------------------------- the API


def test_api_relation_is_created_with_target_relation_and_read_back_with_it(link, student):
    objector = make_node(link.debate, text="An old claim")
    response = api_client(student).post(
        "/api/relations/", {"source": objector.pk, "target_relation": link.pk, "kind": "opposes"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["target"], body["target_relation"], body["status"]) == (None, link.pk, "pending")
    listed = api_client(student).get(f"/api/relations/{link.pk}/").json()
    assert (listed["target"], listed["target_relation"]) == (link.target_id, None)


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "target"), ({"target": "T", "target_relation": "L"}, "target_relation"), ({"target": None}, "target")],
)
def test_api_relation_needs_exactly_one_target_and_names_the_field(link, student, payload, field):
    objector = make_node(link.debate, text="An old claim")
    ids = {"T": link.target_id, "L": link.pk}
    body = {"source": objector.pk, "kind": "opposes", **{k: ids.get(v, v) for k, v in payload.items()}}
    before = Relation.objects.count()
    response = api_client(student).post("/api/relations/", body, format="json")
    assert response.status_code == 400
    assert field in errors(response)
    assert Relation.objects.count() == before


def test_api_refuses_an_objection_to_an_arrow_the_student_cannot_see(debate, student, other_student):
    a, b = make_node(debate, text="A"), make_node(debate, text="B")
    hidden = make_relation(a, b, kind="supports", status=Status.PENDING, author=other_student)
    response = api_client(student).post(
        "/api/relations/", {"source": a.pk, "target_relation": hidden.pk, "kind": "opposes"}, format="json"
    )
    assert response.status_code == 400 and "target_relation" in errors(response)


def test_api_node_may_object_to_an_arrow(link, student):
    response = api_client(student).post(
        "/api/nodes/",
        {
            "debate": link.debate.slug,
            "kind": "claim",
            "text": "Different leaders",
            "target_relation": link.pk,
            "relation_kind": "opposes",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Relation.objects.get(source_id=response.json()["id"]).target_relation_id == link.pk


def test_api_schema_documents_target_and_target_relation(db):
    doc = api_client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    schemas = doc["components"]["schemas"]
    for name in ("RelationInRequest", "RelationOut"):
        assert {"target", "target_relation"} <= set(schemas[name]["properties"]), name
    assert schemas["RelationOut"]["properties"]["target"]["nullable"] is True
    assert "target" not in schemas["RelationInRequest"].get("required", [])


def test_moderation_queue_names_the_link_an_objection_is_against(client, link, student, teacher):
    _object(link, student, "Not then")
    objector = make_node(link.debate, text="Older claim")
    moderation.relation_submit(author=student, source=objector, kind="opposes", target_relation=link)
    client.force_login(teacher)
    page = client.get(reverse("debates:moderation-queue")).content.decode()
    assert page.count("the link: ") == 2 and "Talks worked in 2014" in page
