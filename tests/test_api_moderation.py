"""Decisions as actions (approve/, reject/, return/ on nodes and relations) and the
moderation queue: the same moderation functions as the pages, and 409 for the loser of a race."""

import threading

import pytest
from django.db import connections

from debates.models import Membership, ModerationEvent, Node, Relation, Status
from tests.factories import (
    api_client,
    errors,
    make_debate,
    make_node,
    make_relation,
    make_user,
    question_of,
    submit_claim,
)


def _post(user, url, body=None):
    return api_client(user).post(url, body or {}, format="json")


# --- Nodes ------------------------------------------------------------------------------


def test_teacher_approves_a_pending_node_and_its_arrow_follows(debate, teacher, student):
    node = submit_claim(debate, student)
    response = _post(teacher, f"/api/nodes/{node.pk}/approve/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "approved" and body["reviewed_by"] == "teacher"
    assert Relation.objects.get(source=node).status == Status.APPROVED


def test_teacher_edits_a_node_as_they_approve_it(debate, teacher, student):
    node = submit_claim(debate, student, text="Talks has failed")
    response = _post(teacher, f"/api/nodes/{node.pk}/approve/", {"text": "Talks have failed."})
    assert response.json()["text"] == "Talks have failed."
    assert list(ModerationEvent.objects.filter(node=node).values_list("action", flat=True)) == [
        "submitted",
        "edited",
        "approved",
    ]


def test_reject_needs_a_reason_from_the_list(debate, teacher, student):
    node = submit_claim(debate, student)
    response = _post(teacher, f"/api/nodes/{node.pk}/reject/", {"note": "No."})
    assert response.status_code == 400
    assert "reason" in errors(response)
    response = _post(teacher, f"/api/nodes/{node.pk}/reject/", {"reason": "rude"})
    assert response.status_code == 400
    assert "reason" in errors(response)
    node.refresh_from_db()
    assert node.status == Status.PENDING


def test_teacher_rejects_with_a_reason_and_a_note_that_are_logged(debate, teacher, student):
    node = submit_claim(debate, student)
    response = _post(teacher, f"/api/nodes/{node.pk}/reject/", {"reason": "duplicate", "note": "See #1."})
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    event = ModerationEvent.objects.get(node=node, action="rejected")
    assert (event.reason, event.note, event.actor) == ("duplicate", "See #1.", teacher)


def test_return_needs_a_note(debate, teacher, student):
    node = submit_claim(debate, student)
    response = _post(teacher, f"/api/nodes/{node.pk}/return/", {})
    assert response.status_code == 400
    assert "note" in errors(response)
    response = _post(teacher, f"/api/nodes/{node.pk}/return/", {"note": "   "})
    assert response.status_code == 400


def test_teacher_returns_a_node_for_revision(debate, teacher, student):
    node = submit_claim(debate, student)
    response = _post(teacher, f"/api/nodes/{node.pk}/return/", {"note": "Say which attack."})
    assert response.status_code == 200
    assert response.json()["status"] == "returned"


def test_a_student_cannot_decide_even_on_their_own_node(debate, student):
    node = submit_claim(debate, student)
    for action in ("approve", "reject", "return"):
        response = _post(student, f"/api/nodes/{node.pk}/{action}/", {})
        assert response.status_code in (400, 403)
    assert _post(student, f"/api/nodes/{node.pk}/approve/").status_code == 403
    node.refresh_from_db()
    assert node.status == Status.PENDING


def test_a_teacher_of_another_classroom_gets_a_404(debate, student, other_teacher):
    node = submit_claim(debate, student)
    assert _post(other_teacher, f"/api/nodes/{node.pk}/approve/").status_code == 404


def test_a_visitor_gets_a_401(public_debate, teacher):
    node = make_node(public_debate, status=Status.PENDING)
    assert _post(None, f"/api/nodes/{node.pk}/approve/").status_code == 401


def test_decisions_accept_only_post(debate, teacher, student):
    node = submit_claim(debate, student)
    assert api_client(teacher).get(f"/api/nodes/{node.pk}/approve/").status_code == 405


def test_of_two_moderators_deciding_the_same_node_the_second_gets_a_409(debate, teacher, co_teacher, student):
    node = submit_claim(debate, student)
    assert _post(teacher, f"/api/nodes/{node.pk}/approve/").status_code == 200
    response = _post(co_teacher, f"/api/nodes/{node.pk}/reject/", {"reason": "unclear"})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "already_decided"
    assert "already decided: it is approved" in body["errors"]["status"][0]
    node.refresh_from_db()
    assert (node.status, node.reviewed_by) == (Status.APPROVED, teacher)
    assert not ModerationEvent.objects.filter(node=node, action="rejected").exists()


def test_deciding_a_withdrawn_node_is_a_404(debate, teacher, student):
    node = submit_claim(debate, student)
    assert api_client(student).delete(f"/api/nodes/{node.pk}/").status_code == 204
    assert _post(teacher, f"/api/nodes/{node.pk}/approve/").status_code == 404


# --- Relations --------------------------------------------------------------------------


def test_teacher_approves_a_relation_between_approved_nodes(debate, teacher, student):
    a, b = make_node(debate), make_node(debate)
    relation = make_relation(a, b, author=student, status=Status.PENDING)
    response = _post(teacher, f"/api/relations/{relation.pk}/approve/")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"


def test_a_relation_to_a_pending_node_cannot_be_approved_first(debate, teacher, student):
    a = make_node(debate)
    b = submit_claim(debate, student)
    relation = make_relation(a, b, author=student, status=Status.PENDING)
    response = _post(teacher, f"/api/relations/{relation.pk}/approve/")
    assert response.status_code == 400
    assert "Approve both nodes" in errors(response)["status"][0]


def test_teacher_rejects_and_returns_relations(debate, teacher, student):
    a, b, c = make_node(debate), make_node(debate), make_node(debate)
    first = make_relation(a, b, author=student, status=Status.PENDING)
    second = make_relation(a, c, author=student, status=Status.PENDING)
    assert _post(teacher, f"/api/relations/{first.pk}/reject/", {"reason": "unrelated"}).json()["status"] == "rejected"
    assert _post(teacher, f"/api/relations/{second.pk}/return/", {"note": "Why?"}).json()["status"] == "returned"


def test_of_two_moderators_deciding_the_same_relation_the_second_gets_a_409(debate, teacher, co_teacher, student):
    a, b = make_node(debate), make_node(debate)
    relation = make_relation(a, b, author=student, status=Status.PENDING)
    assert _post(co_teacher, f"/api/relations/{relation.pk}/return/", {"note": "Explain"}).status_code == 200
    assert _post(teacher, f"/api/relations/{relation.pk}/approve/").status_code == 409


def test_a_relation_approval_takes_no_body_fields(debate, teacher, student):
    a, b = make_node(debate), make_node(debate)
    relation = make_relation(a, b, author=student, status=Status.PENDING)
    response = _post(teacher, f"/api/relations/{relation.pk}/approve/", {"status": "approved"})
    assert response.status_code == 400
    assert errors(response) == {"status": ["This field is read-only."]}


def test_a_student_cannot_decide_on_a_relation(debate, student):
    a, b = make_node(debate), make_node(debate)
    relation = make_relation(a, b, author=student, status=Status.PENDING)
    assert _post(student, f"/api/relations/{relation.pk}/approve/").status_code == 403


# --- The queue --------------------------------------------------------------------------


def test_queue_lists_pending_items_oldest_first_with_the_arrow_submitted_with_each_node(
    debate, teacher, student, other_student
):
    first = submit_claim(debate, student, text="First")
    second = submit_claim(debate, other_student, text="Second", target=question_of(debate))
    a, b = make_node(debate), make_node(debate)
    standalone = make_relation(a, b, author=student, status=Status.PENDING)
    make_node(debate, status=Status.REJECTED, author=student)
    response = api_client(teacher).get("/api/moderation/")
    assert response.status_code == 200
    items = response.json()["results"]
    assert [(item["type"], item["id"]) for item in items] == [
        ("node", first.pk),
        ("node", second.pk),
        ("relation", standalone.pk),
    ]
    assert items[0]["relation"]["source"] == first.pk and items[0]["relation"]["target"] == question_of(debate).pk
    assert items[2]["node"] is None


def test_queue_filters_by_debate(debate, teacher, student, classroom):
    other = make_debate(classroom=classroom, created_by=teacher)
    submit_claim(debate, student)
    theirs = submit_claim(other, student)
    items = api_client(teacher).get("/api/moderation/", {"debate": other.slug}).json()["results"]
    assert [item["id"] for item in items] == [theirs.pk]


def test_queue_of_another_classrooms_teacher_is_empty_of_this_classroom(debate, student, other_teacher):
    submit_claim(debate, student)
    assert api_client(other_teacher).get("/api/moderation/").json()["results"] == []


def test_queue_is_for_teachers(debate, student):
    assert api_client(student).get("/api/moderation/").status_code == 403
    assert api_client().get("/api/moderation/").status_code == 401


@pytest.mark.parametrize("size", [3, 10])
def test_queue_costs_the_same_queries_whatever_its_length(django_assert_num_queries, debate, teacher, size):
    for n in range(size):
        author = make_user()
        Membership.objects.create(classroom=debate.classroom, user=author)
        submit_claim(debate, author, text=f"Claim {n}")
        a, b = make_node(debate), make_node(debate)
        make_relation(a, b, author=author, status=Status.PENDING)
    client = api_client(teacher)
    # token + user; Teachers group; the queue's length (one COUNT over a UNION of pending
    # nodes and standalone relations of the debates the teacher moderates); the page's keys
    # in queue order (the same UNION, ordered and sliced); the page's nodes joined with
    # debate, quote, users; the arrows submitted with them; the page's standalone relations.
    with django_assert_num_queries(7):
        response = client.get("/api/moderation/")
    assert response.json()["count"] == 2 * size
    assert Node.objects.filter(status=Status.PENDING).count() == size


@pytest.mark.django_db(transaction=True)
def test_two_moderators_deciding_at_the_same_moment_get_one_200_and_one_409(debate, teacher, co_teacher, student):
    # Each thread has its own connection (on SQLite too: the test database is a file).
    node = submit_claim(debate, student)
    clients = [api_client(teacher), api_client(co_teacher)]
    bodies = [("approve", {}), ("reject", {"reason": "unclear"})]
    barrier = threading.Barrier(2)
    statuses = []

    def decide(client, action, body):
        try:
            barrier.wait(timeout=10)
            statuses.append(client.post(f"/api/nodes/{node.pk}/{action}/", body).status_code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(client, *action)) for client, action in zip(clients, bodies, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    node.refresh_from_db()
    decisions = ModerationEvent.objects.filter(node=node, action__in=["approved", "rejected"])
    assert decisions.count() == 1 and decisions.get().action == node.status
