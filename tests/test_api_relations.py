"""/api/relations/: list, detail, submit, edit, withdraw; an arrow shows only with both its ends."""

import pytest

from debates.models import Relation, Status
from tests.factories import api_client, errors, make_debate, make_node, make_relation, question_of, submit_claim


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _propose(user, source, target, kind, **fields):
    """POST, as JSON, a new arrow of `kind` from node `source` to node `target` as `user`."""
    body = {"source": source.pk, "target": target.pk, "kind": kind, **fields}
    return api_client(user).post("/api/relations/", body, format="json")


def test_student_lists_approved_relations_and_their_own_but_not_another_students(debate, student, other_student):
    a, b, c = make_node(debate), make_node(debate), make_node(debate)
    approved = make_relation(a, b)
    mine = make_relation(a, c, author=student, status=Status.PENDING)
    theirs = make_relation(b, c, author=other_student, status=Status.PENDING)
    ids = _ids(api_client(student).get("/api/relations/", {"debate": debate.slug}))
    assert approved.pk in ids and mine.pk in ids and theirs.pk not in ids


def test_an_approved_arrow_to_another_students_pending_node_stays_hidden(debate, student, other_student, teacher):
    pending = submit_claim(debate, other_student)
    a = make_node(debate)
    arrow = make_relation(a, pending, status=Status.APPROVED)
    assert arrow.pk not in _ids(api_client(student).get("/api/relations/"))
    assert arrow.pk in _ids(api_client(teacher).get("/api/relations/"))


def test_relations_filter_by_node_kind_and_status(debate, teacher):
    a, b = make_node(debate), make_node(debate)
    opposes = make_relation(a, b, kind="opposes")
    client = api_client(teacher)
    b_to_question = Relation.objects.get(source=b, target=question_of(debate))
    assert _ids(client.get("/api/relations/", {"node": b.pk})) == {opposes.pk, b_to_question.pk}
    assert opposes.pk in _ids(client.get("/api/relations/", {"kind": "opposes", "status": "approved"}))
    assert opposes.pk not in _ids(client.get("/api/relations/", {"kind": "supports"}))
    response = client.get("/api/relations/", {"node": "abc"})
    assert response.status_code == 400 and "node" in errors(response)


def test_another_classroom_and_visitors_see_no_relation_of_this_classroom(debate, outsider):
    a, b = make_node(debate), make_node(debate)
    relation = make_relation(a, b)
    assert _ids(api_client(outsider).get("/api/relations/")) == set()
    assert api_client(outsider).get(f"/api/relations/{relation.pk}/").status_code == 404
    assert api_client().get(f"/api/relations/{relation.pk}/").status_code == 404


def test_visitor_reads_an_approved_relation_of_a_public_debate(public_debate):
    a, b = make_node(public_debate), make_node(public_debate)
    relation = make_relation(a, b)
    body = api_client().get(f"/api/relations/{relation.pk}/").json()
    assert (body["source"], body["target"], body["kind"]) == (a.pk, b.pk, "opposes")


@pytest.mark.parametrize("size", [3, 12])
def test_relation_list_costs_the_same_queries_whatever_the_debate_size(
    django_assert_num_queries, debate, student, size
):
    nodes = [make_node(debate) for _ in range(size + 1)]
    for a, b in zip(nodes, nodes[1:], strict=False):
        make_relation(a, b, author=student, status=Status.PENDING)
    client = api_client(student)
    # token + user; page count; the relations with debate and users joined (visibility as
    # subqueries of the same query); the approved nodes and arrows of the page's debates, for
    # their acceptability (one UNION query, whatever the number of debates).
    with django_assert_num_queries(4):
        response = client.get("/api/relations/", {"debate": debate.slug})
    assert response.json()["count"] == 2 * size + 1
    # Judged once per map revision: asked again, the acceptability costs no query.
    with django_assert_num_queries(3):
        assert client.get("/api/relations/", {"debate": debate.slug}).json() == response.json()


def test_student_proposes_an_arrow_between_two_nodes(debate, student):
    a, b = make_node(debate), make_node(debate)
    response = _propose(student, a, b, "opposes")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending" and response.json()["author"] == "student"


def test_a_duplicate_arrow_is_refused(debate, student):
    a, b = make_node(debate), make_node(debate)
    make_relation(a, b)
    response = api_client(student).post("/api/relations/", {"source": a.pk, "target": b.pk, "kind": "supports"})
    assert response.status_code == 400
    assert "already linked" in errors(response)["target"][0]


def test_an_arrow_across_debates_is_refused(debate, student, classroom, teacher):
    other = make_debate(classroom=classroom, created_by=teacher)
    response = _propose(student, make_node(debate), question_of(other), "supports")
    assert response.status_code == 400
    assert "target" in errors(response)


def test_an_arrow_to_a_node_of_another_classroom_does_not_find_it(debate, outsider, other_classroom, other_teacher):
    theirs = make_debate(classroom=other_classroom, created_by=other_teacher)
    response = _propose(outsider, make_node(debate), question_of(theirs), "supports")
    assert response.status_code == 400
    assert errors(response) == {"source": ["No such node."]}


def test_a_relation_cannot_be_created_approved(debate, student):
    a, b = make_node(debate), make_node(debate)
    response = _propose(student, a, b, "supports", status="approved")
    assert response.status_code == 400
    assert errors(response) == {"status": ["This field is read-only."]}
    assert not Relation.objects.filter(source=a, target=b).exists()


def test_visitor_cannot_propose_an_arrow(public_debate):
    a, b = make_node(public_debate), make_node(public_debate)
    response = api_client().post("/api/relations/", {"source": a.pk, "target": b.pk, "kind": "supports"})
    assert response.status_code == 401


def test_author_turns_their_pending_arrow_around_and_withdraws_it(debate, student):
    a, b = make_node(debate), make_node(debate)
    relation = make_relation(a, b, kind="supports", author=student, status=Status.PENDING)
    client = api_client(student)
    response = client.patch(f"/api/relations/{relation.pk}/", {"kind": "opposes"}, format="json")
    assert response.status_code == 200 and response.json()["kind"] == "opposes"
    assert client.delete(f"/api/relations/{relation.pk}/").status_code == 204
    assert Relation.objects.get(pk=relation.pk).status == Status.WITHDRAWN


def test_another_users_approved_relation_cannot_be_edited_or_withdrawn(debate, student, teacher):
    a, b = make_node(debate), make_node(debate)
    relation = make_relation(a, b, author=teacher)
    client = api_client(student)
    assert client.patch(f"/api/relations/{relation.pk}/", {"kind": "supports"}, format="json").status_code == 403
    assert client.delete(f"/api/relations/{relation.pk}/").status_code == 403
    relation.refresh_from_db()
    assert relation.kind == "opposes"


def test_put_on_a_relation_is_not_allowed(debate, student):
    a, b = make_node(debate), make_node(debate)
    relation = make_relation(a, b, author=student, status=Status.PENDING)
    assert api_client(student).put(f"/api/relations/{relation.pk}/", {"kind": "supports"}).status_code == 405


def test_the_written_out_relation_representation_matches_drfs_generic_one(debate, student):
    from rest_framework import serializers

    from debates.api.serializers import RelationOut

    a, b = make_node(debate), make_node(debate)
    make_relation(a, b, author=student, status=Status.PENDING)
    Relation.objects.filter(source=a).update(reviewed_by=student, reviewed_at=a.created_at)
    for relation in Relation.objects.select_related("debate", "author", "reviewed_by"):
        generic = serializers.ModelSerializer.to_representation(RelationOut(), relation)
        assert list(RelationOut().to_representation(relation).items()) == list(generic.items())
