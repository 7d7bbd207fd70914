"""/api/nodes/: list, detail, submit, edit, withdraw; visibility as on the pages."""

import pytest

from debates.models import Kind, ModerationEvent, Node, Quote, Relation, Status
from tests.factories import api_client, errors, make_debate, make_node, make_source, question_of, submit_claim


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _submit(client, debate, **fields):
    body = {"debate": debate.slug, "kind": "claim", "text": "Talks have failed before.", **fields}
    if body["kind"] != "position":
        body.setdefault("target", question_of(debate).pk)
    return client.post("/api/nodes/", body, format="json")


# --- List and detail --------------------------------------------------------------------


def test_student_lists_approved_nodes_and_their_own_pending_but_not_another_students(debate, student, other_student):
    approved = make_node(debate, author=other_student)
    mine = submit_claim(debate, student, text="My pending claim")
    theirs = submit_claim(debate, other_student, text="Their pending claim")
    ids = _ids(api_client(student).get("/api/nodes/", {"debate": debate.slug}))
    assert {approved.pk, mine.pk, question_of(debate).pk} == ids
    assert theirs.pk not in ids


def test_returned_and_rejected_work_of_another_student_is_never_listed(debate, student, other_student):
    returned = make_node(debate, author=other_student, status=Status.RETURNED)
    rejected = make_node(debate, author=other_student, status=Status.REJECTED)
    ids = _ids(api_client(student).get("/api/nodes/"))
    assert returned.pk not in ids and rejected.pk not in ids


def test_teacher_lists_every_node_of_their_classroom_and_filters_by_status(debate, teacher, student):
    pending = submit_claim(debate, student)
    client = api_client(teacher)
    assert pending.pk in _ids(client.get("/api/nodes/", {"debate": debate.slug}))
    assert _ids(client.get("/api/nodes/", {"status": "pending"})) == {pending.pk}
    assert _ids(client.get("/api/nodes/", {"kind": "question", "debate": debate.slug})) == {question_of(debate).pk}


def test_another_classroom_lists_nothing_of_this_classroom(debate, outsider, other_teacher):
    make_node(debate)
    for user in (outsider, other_teacher):
        assert _ids(api_client(user).get("/api/nodes/", {"debate": debate.slug})) == set()


def test_visitor_lists_only_approved_nodes_of_public_debates(debate, public_debate, student):
    make_node(debate)
    pending = submit_claim(debate, student)
    approved_public = make_node(public_debate)
    make_node(public_debate, status=Status.PENDING)
    assert _ids(api_client().get("/api/nodes/")) == {approved_public.pk, question_of(public_debate).pk}
    assert pending.pk not in _ids(api_client().get("/api/nodes/", {"status": "pending"}))


def test_an_unknown_status_filter_is_a_400_naming_the_parameter(debate, student):
    response = api_client(student).get("/api/nodes/", {"status": "secret"})
    assert response.status_code == 400
    assert "status" in errors(response)


def test_node_detail_has_its_quote_and_status(debate, student):
    node = make_node(debate, kind=Kind.EVIDENCE, quote="killed more than 100 people", author=student)
    body = api_client(student).get(f"/api/nodes/{node.pk}/").json()
    assert body["quote"]["text"] == "killed more than 100 people"
    assert body["quote"]["start"] == debate.sources.first().text.index("killed")
    assert body["status"] == "approved" and body["author"] == "student" and body["debate"] == debate.slug


def test_a_node_one_may_not_see_is_a_404(debate, student, other_student, outsider):
    theirs = submit_claim(debate, other_student)
    approved = make_node(debate)
    assert api_client(student).get(f"/api/nodes/{theirs.pk}/").status_code == 404
    assert api_client(outsider).get(f"/api/nodes/{approved.pk}/").status_code == 404
    assert api_client().get(f"/api/nodes/{approved.pk}/").status_code == 404
    assert api_client(student).get("/api/nodes/999999/").status_code == 404


def test_visitor_reads_an_approved_node_of_a_public_debate(public_debate):
    node = make_node(public_debate)
    assert api_client().get(f"/api/nodes/{node.pk}/").status_code == 200


@pytest.mark.parametrize("size", [3, 12])
def test_node_list_costs_the_same_queries_whatever_the_debate_size(django_assert_num_queries, debate, student, size):
    source = debate.sources.first()
    for n in range(size):
        make_node(debate, kind=Kind.EVIDENCE, quote="killed more than 100 people", author=student, source=source)
        make_node(debate, text=f"Claim {n}", status=Status.PENDING, author=student)
    client = api_client(student)
    # token + user; page count; the nodes with debate (+its map revision), quote and users
    # joined (who may see them is subqueries of the same query); the approved nodes and
    # arrows of the page's debates, for their acceptability (one UNION query, whatever the
    # number of debates)...
    with django_assert_num_queries(4):
        response = client.get("/api/nodes/", {"debate": debate.slug})
    assert response.json()["count"] == 2 * size + 1
    # ...which is judged once per map revision: asked again, the acceptability costs nothing.
    with django_assert_num_queries(3):
        again = client.get("/api/nodes/", {"debate": debate.slug})
    assert again.json() == response.json()


@pytest.mark.parametrize("size", [3, 12])
def test_node_detail_costs_the_same_queries_whatever_the_debate_size(django_assert_num_queries, debate, teacher, size):
    nodes = [make_node(debate, kind=Kind.EVIDENCE, quote="killed more than 100 people") for _ in range(size)]
    client = api_client(teacher)
    # token + user; the node with debate, quote and users joined (visibility as subqueries);
    # the debate's approved nodes and arrows, for its acceptability (one UNION query) the
    # first time; none once the debate is judged at its current map revision.
    with django_assert_num_queries(3):
        first = client.get(f"/api/nodes/{nodes[-1].pk}/").json()
    with django_assert_num_queries(2):
        assert client.get(f"/api/nodes/{nodes[-1].pk}/").json() == first
    assert first["acceptability"]["label"] == "in"


# --- Submit -----------------------------------------------------------------------------


def test_student_submits_a_claim_which_waits_for_review(debate, student):
    response = _submit(api_client(student), debate, text="Talks have failed before.", relation_kind="opposes")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["author"] == "student" and body["kind"] == "claim"
    node = Node.objects.get(pk=body["id"])
    assert Relation.objects.get(source=node).kind == "opposes"
    assert ModerationEvent.objects.filter(node=node, action="submitted").exists()


def test_teachers_contribution_is_approved_at_once(debate, teacher):
    response = _submit(api_client(teacher), debate, kind="position", text="A military solution")
    assert response.status_code == 201
    assert response.json()["status"] == "approved"


def test_evidence_with_the_quote_as_text_alone_is_located_and_answered_with_offsets(debate, student):
    source = debate.sources.first()
    # Straight quotes and a line break where the op-ed has curly quotes and a space.
    passage = 'an increasing demand for a "military\nsolution"'
    response = _submit(
        api_client(student),
        debate,
        kind="evidence",
        text="People want force.",
        quote={"source": source.pk, "text": passage},
    )
    assert response.status_code == 201, response.content
    quote = response.json()["quote"]
    assert (
        source.text[quote["start"] : quote["end"]] == quote["text"] == "an increasing demand for a “military solution”"
    )


def test_evidence_with_offsets_that_match_is_stored_as_given(debate, student):
    source = debate.sources.first()
    start = source.text.index("Poverty")
    quote = {"source": source.pk, "text": "Poverty, illiteracy", "start": start, "end": start + 19}
    response = _submit(api_client(student), debate, kind="evidence", text="Root causes.", quote=quote)
    assert response.status_code == 201
    assert Quote.objects.get(node_id=response.json()["id"]).start == start


@pytest.mark.parametrize(
    ("passage", "expected"),
    [("The passage is not in the op-ed at all", "does not appear"), ("in", "appears")],
    ids=["absent", "ambiguous"],
)
def test_a_quote_that_is_absent_or_ambiguous_is_a_400_saying_so(debate, student, passage, expected):
    source = debate.sources.first()
    response = _submit(
        api_client(student), debate, kind="evidence", text="Evidence", quote={"source": source.pk, "text": passage}
    )
    assert response.status_code == 400
    assert expected in errors(response)["quote"][0]
    assert not Node.objects.filter(text="Evidence").exists()


def test_a_quote_whose_offsets_do_not_match_is_a_400(debate, student):
    source = debate.sources.first()
    quote = {"source": source.pk, "text": "Poverty", "start": 0, "end": 7}
    response = _submit(api_client(student), debate, kind="evidence", text="Evidence", quote=quote)
    assert response.status_code == 400
    assert "select the passage again" in errors(response)["quote"][0]


def test_a_quote_from_a_source_of_another_debate_is_refused(debate, student, public_debate):
    other_source = public_debate.sources.first()
    quote = {"source": other_source.pk, "text": "killed more than 100 people"}
    response = _submit(api_client(student), debate, kind="evidence", text="Evidence", quote=quote)
    assert response.status_code == 400
    assert "source" in errors(response)["quote"]


def test_evidence_without_a_quote_is_refused(debate, student):
    response = _submit(api_client(student), debate, kind="evidence", text="Evidence")
    assert response.status_code == 400
    assert "quote" in errors(response)


@pytest.mark.parametrize("field", ["status", "author", "reviewed_by", "id"])
def test_a_student_cannot_set_status_or_author_by_mass_assignment(debate, student, teacher, field):
    value = {"status": "approved", "author": teacher.pk, "reviewed_by": teacher.pk, "id": 999}[field]
    response = _submit(api_client(student), debate, **{field: value})
    assert response.status_code == 400
    assert errors(response)[field] == ["This field is read-only."]
    assert not Node.objects.filter(text="Talks have failed before.").exists()


def test_an_unknown_field_is_a_400_naming_it(debate, student):
    response = _submit(api_client(student), debate, colour="red")
    assert response.status_code == 400
    assert errors(response) == {"colour": ["Unknown field."]}


def test_visitor_cannot_submit(debate, public_debate):
    response = _submit(api_client(), public_debate)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_debate_of_another_classroom_does_not_exist_for_a_submission(debate, outsider):
    response = _submit(api_client(outsider), debate)
    assert response.status_code == 400
    assert errors(response) == {"debate": ["No such debate."]}


def test_a_student_cannot_contribute_to_a_public_debate_they_do_not_moderate(public_debate, student):
    response = _submit(api_client(student), public_debate)
    assert response.status_code == 403


def test_a_target_in_another_debate_is_refused(debate, student, classroom, teacher):
    other = make_debate(classroom=classroom, created_by=teacher)
    response = _submit(api_client(student), debate, target=question_of(other).pk)
    assert response.status_code == 400
    assert "target" in errors(response)


def test_another_students_pending_node_cannot_be_a_target(debate, student, other_student):
    theirs = submit_claim(debate, other_student)
    response = _submit(api_client(student), debate, target=theirs.pk)
    assert response.status_code == 400
    assert "target" in errors(response)


def test_a_closed_debate_accepts_no_submission(debate, student):
    debate.is_open = False
    debate.save()
    response = _submit(api_client(student), debate)
    assert response.status_code == 400
    assert "closed" in errors(response)["debate"][0]


def test_the_pending_limit_applies_with_the_pages_message(debate, student, settings):
    settings.MAX_PENDING_PER_DEBATE = 2
    client = api_client(student)
    assert _submit(client, debate, text="One").status_code == 201
    assert _submit(client, debate, text="Two").status_code == 201
    response = _submit(client, debate, text="Three")
    assert response.status_code == 400
    assert "waiting for review" in errors(response)["non_field_errors"][0]


def test_hostile_text_is_stored_exactly(debate, student):
    text = 'He said "no" \\N <script>alert(1)</script> \u200fطالبان 🙂 & done'
    response = _submit(api_client(student), debate, text=text)
    assert response.status_code == 201
    assert Node.objects.get(pk=response.json()["id"]).text == text


# --- Edit and withdraw ------------------------------------------------------------------


def test_author_edits_their_pending_node(debate, student):
    node = submit_claim(debate, student)
    response = api_client(student).patch(f"/api/nodes/{node.pk}/", {"text": "Better worded"}, format="json")
    assert response.status_code == 200
    assert response.json()["text"] == "Better worded"


def test_editing_a_returned_node_sends_it_back_to_the_queue(debate, student):
    node = make_node(debate, author=student, status=Status.RETURNED)
    response = api_client(student).patch(f"/api/nodes/{node.pk}/", {"text": "Revised"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "pending"


def test_editing_evidence_can_replace_its_quote(debate, student):
    node = make_node(debate, kind=Kind.EVIDENCE, author=student, status=Status.PENDING, quote="killed more than 100")
    source = debate.sources.first()
    body = {"quote": {"source": source.pk, "text": "Poverty, illiteracy"}}
    response = api_client(student).patch(f"/api/nodes/{node.pk}/", body, format="json")
    assert response.status_code == 200
    assert response.json()["quote"]["text"] == "Poverty, illiteracy"


def test_an_author_cannot_approve_their_node_by_patch(debate, student):
    node = submit_claim(debate, student)
    response = api_client(student).patch(f"/api/nodes/{node.pk}/", {"status": "approved"}, format="json")
    assert response.status_code == 400
    assert errors(response) == {"status": ["This field is read-only."]}
    node.refresh_from_db()
    assert node.status == Status.PENDING


def test_another_users_approved_node_cannot_be_edited(debate, student, other_student):
    node = make_node(debate, author=other_student)
    response = api_client(student).patch(f"/api/nodes/{node.pk}/", {"text": "Mine now"}, format="json")
    assert response.status_code == 403
    node.refresh_from_db()
    assert node.text != "Mine now"


def test_another_students_pending_node_is_a_404_for_edit_and_withdraw(debate, student, other_student):
    node = submit_claim(debate, other_student)
    client = api_client(student)
    assert client.patch(f"/api/nodes/{node.pk}/", {"text": "x"}, format="json").status_code == 404
    assert client.delete(f"/api/nodes/{node.pk}/").status_code == 404
    assert Node.objects.filter(pk=node.pk).exists()


def test_an_approved_node_can_no_longer_be_edited_by_its_author(debate, student):
    node = make_node(debate, author=student)
    response = api_client(student).patch(f"/api/nodes/{node.pk}/", {"text": "Changed"}, format="json")
    assert response.status_code == 400
    assert "no longer be changed" in errors(response)["status"][0]


def test_put_is_not_allowed(debate, student):
    node = submit_claim(debate, student)
    response = api_client(student).put(f"/api/nodes/{node.pk}/", {"text": "x"}, format="json")
    assert response.status_code == 405
    assert errors(response) == {}


def test_author_withdraws_their_pending_node(debate, student):
    node = submit_claim(debate, student)
    response = api_client(student).delete(f"/api/nodes/{node.pk}/")
    assert response.status_code == 204
    assert Node.objects.get(pk=node.pk).status == Status.WITHDRAWN
    assert ModerationEvent.objects.filter(node=node, action="withdrawn").count() == 1


def test_a_teacher_cannot_withdraw_a_students_node(debate, teacher, student):
    node = submit_claim(debate, student)
    assert api_client(teacher).delete(f"/api/nodes/{node.pk}/").status_code == 403
    assert Node.objects.filter(pk=node.pk).exists()


def test_visitor_cannot_withdraw(public_debate, teacher):
    node = make_node(public_debate, author=teacher)
    assert api_client().delete(f"/api/nodes/{node.pk}/").status_code == 401


def test_a_node_of_a_source_added_later_can_quote_it(debate, student):
    later = make_source(title="Later op-ed")
    debate.sources.add(later)
    quote = {"source": later.pk, "text": "political instability"}
    response = _submit(api_client(student), debate, kind="evidence", text="Instability.", quote=quote)
    assert response.status_code == 201


def test_the_written_out_node_representation_matches_drfs_generic_one(debate, student):
    from rest_framework import serializers

    from debates.api.serializers import NodeOut

    evidence = make_node(debate, kind=Kind.EVIDENCE, quote="killed more than 100 people", author=student)
    Node.objects.filter(pk=evidence.pk).update(reviewed_by=student, reviewed_at=evidence.created_at)
    orphan = make_node(debate, author=None, status=Status.PENDING)
    for node in Node.objects.select_related("debate", "author", "reviewed_by", "quote").filter(
        pk__in=[evidence.pk, orphan.pk, question_of(debate).pk]
    ):
        generic = serializers.ModelSerializer.to_representation(NodeOut(), node)
        fast = NodeOut().to_representation(node)
        assert list(fast.items()) == list(generic.items())
