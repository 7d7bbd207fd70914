"""The moderation queue and its decisions, as teachers use them from the pages."""

import pytest
from django.test import Client
from django.urls import reverse

from debates import moderation
from debates.models import Action, ModerationEvent, Node, Relation, Status
from tests.factories import (
    login,
    make_debate,
    make_node,
    messages_of,
    submit_claim,
    submit_evidence,
    text_of,
)

QUEUE = "/moderation/"


def decide(client, item, action, **fields):
    kind = "node" if isinstance(item, Node) else "relation"
    prefix = f"{kind}-{item.pk}"
    data = {f"{prefix}-action": action, **{f"{prefix}-{k}": v for k, v in fields.items() if k != "next"}}
    if "next" in fields:
        data["next"] = fields["next"]
    return client.post(reverse("debates:moderation-decide", args=[kind, item.pk]), data)


# --- the queue -------------------------------------------------------------------------


def test_queue_shows_pending_items_oldest_first_with_their_context(
    client, teacher, student, other_student, debate, claim
):
    first = submit_evidence(debate, student, target=claim, relation="opposes")
    second = submit_claim(debate, other_student, text="Second in line", target=claim, relation="supports")
    response = login(client, teacher).get(QUEUE)
    assert response.status_code == 200
    page = text_of(response)
    assert page.index("Talks failed.") < page.index("Second in line")
    # the node it attaches to and how, the quote inside its paragraph, the author
    assert "by student" in page and "by other_student" in page
    assert f"Opposes #{claim.pk} Claim: Military operations have worked before." in page
    assert "Thus far, all attempts at negotiating with local terrorist" in page
    html = response.content.decode()
    assert "Thus far, <mark>all attempts at negotiating</mark> with local" in html
    assert f'value="node-{first.pk}"' in html and f'value="node-{second.pk}"' in html


def test_queue_shows_a_standalone_link_with_both_ends(client, teacher, student, debate, claim):
    other = make_node(debate, text="Root causes matter.")
    relation = moderation.relation_submit(author=student, source=other, target=claim, kind="opposes")
    page = text_of(login(client, teacher).get(QUEUE))
    assert f"#{other.pk} Root causes matter. opposes #{claim.pk} Military operations" in page
    assert f'value="relation-{relation.pk}"' in login(client, teacher).get(QUEUE).content.decode()


def test_queue_shows_only_the_teachers_own_classrooms(client, other_teacher, student, debate, other_classroom):
    submit_claim(debate, student, text="In Civics")
    response = login(client, other_teacher).get(QUEUE)
    assert response.status_code == 200
    assert "In Civics" not in response.content.decode()


def test_queue_can_show_one_debate_only(client, teacher, student, debate, classroom):
    submit_claim(debate, student, text="In the first debate")
    second = make_debate(classroom=classroom, slug="second")
    submit_claim(second, student, text="In the second debate")
    page = login(client, teacher).get(QUEUE + "?debate=second").content.decode()
    assert "In the second debate" in page and "In the first debate" not in page
    assert '<option value="second" selected>' in page and "Clear the filters" in page


def test_queue_is_404_for_students_and_needs_a_login(client, student):
    assert client.get(QUEUE).status_code == 302
    assert login(client, student).get(QUEUE).status_code == 404
    assert login(client, student).post(reverse("debates:moderation-bulk")).status_code == 404


def test_queue_refuses_post(client, teacher):
    assert login(client, teacher).post(QUEUE).status_code == 405


# The query count over 3 and 120 items is in test_moderation_queue.py, with the filters.


# --- decisions -------------------------------------------------------------------------


def test_teacher_approves_a_node_and_its_arrow_follows(client, teacher, student, debate, claim):
    node = submit_evidence(debate, student, target=claim, relation="opposes")
    response = decide(login(client, teacher), node, "approved")
    assert response["Location"] == QUEUE
    node.refresh_from_db()
    assert node.status == Status.APPROVED and node.reviewed_by == teacher
    assert node.outgoing.get().status == Status.APPROVED
    assert ModerationEvent.objects.filter(node=node, action=Action.APPROVED, actor=teacher).exists()
    assert messages_of(response) == [f"Approved: Evidence #{node.pk}."]


def test_reject_needs_a_reason_and_keeps_what_was_typed(client, teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    response = decide(login(client, teacher), node, "rejected", note="Too vague to keep")
    assert response.status_code == 400
    assert "Choose a reason for rejecting." in response.content.decode()
    assert "Too vague to keep</textarea>" in response.content.decode()
    node.refresh_from_db()
    assert node.status == Status.PENDING


def test_teacher_rejects_with_a_reason_and_a_note(client, teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    decide(login(client, teacher), node, "rejected", reason="unsupported", note="Give evidence.")
    node.refresh_from_db()
    event = ModerationEvent.objects.get(node=node, action=Action.REJECTED)
    assert node.status == Status.REJECTED and (event.reason, event.note) == ("unsupported", "Give evidence.")


def test_return_needs_a_note(client, teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    response = decide(login(client, teacher), node, "returned")
    assert response.status_code == 400 and "Say what the student should revise." in response.content.decode()
    decide(client, node, "returned", note="Which talks?")
    node.refresh_from_db()
    assert node.status == Status.RETURNED


def test_teacher_edits_then_approves(client, teacher, student, debate, claim):
    node = submit_claim(debate, student, text="Talks has failed", target=claim)
    decide(login(client, teacher), node, "approved", text="Talks have failed")
    node.refresh_from_db()
    assert (node.text, node.status) == ("Talks have failed", Status.APPROVED)
    actions = list(ModerationEvent.objects.filter(node=node).values_list("action", flat=True))
    assert actions == [Action.SUBMITTED, Action.EDITED, Action.APPROVED]


def test_plain_field_names_and_verbs_work_too(client, teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    other = submit_claim(debate, student, text="Other", target=claim)
    login(client, teacher)
    url = reverse("debates:moderation-decide", args=["node", node.pk])
    client.post(url, {"action": "reject", "reason": "unclear", "note": "Which talks?"})
    node.refresh_from_db()
    assert node.status == Status.REJECTED
    assert ModerationEvent.objects.get(node=node, action=Action.REJECTED).note == "Which talks?"
    client.post(reverse("debates:moderation-bulk"), {"node": [str(other.pk)]})
    other.refresh_from_db()
    assert other.status == Status.APPROVED


def test_the_second_of_two_teachers_is_told_it_was_already_decided(teacher, co_teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    first, second = login(Client(), teacher), login(Client(), co_teacher)
    assert second.get(QUEUE).status_code == 200  # both have the item on screen
    decide(first, node, "approved")
    response = decide(second, node, "rejected", reason="duplicate")
    assert messages_of(response) == ["This contribution was already decided: it is approved."]
    node.refresh_from_db()
    assert node.status == Status.APPROVED and node.reviewed_by == teacher
    assert not ModerationEvent.objects.filter(node=node, action=Action.REJECTED).exists()


def test_deciding_a_withdrawn_item_says_so(client, teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    pk = node.pk
    moderation.item_withdraw(item=node, user=student)
    node.pk = pk
    response = decide(login(client, teacher), node, "approved")
    assert messages_of(response) == ["Its author withdrew this contribution."]


def test_approving_a_link_whose_end_is_not_approved_is_refused(client, teacher, student, debate, claim):
    mine = submit_claim(debate, student, text="My pending claim", target=claim)
    relation = moderation.relation_submit(author=student, source=claim, target=mine, kind="supports")
    response = decide(login(client, teacher), relation, "approved")
    assert response.status_code == 400
    assert "Approve both nodes this arrow links before approving the arrow." in response.content.decode()
    relation.refresh_from_db()
    assert relation.status == Status.PENDING


def test_only_the_classrooms_teachers_decide(client, other_teacher, student, outsider, debate, claim):
    node = submit_claim(debate, student, target=claim)
    assert decide(login(client, other_teacher), node, "approved").status_code == 404
    assert decide(login(Client(), student), node, "approved").status_code == 404
    assert decide(login(Client(), outsider), node, "approved").status_code == 404
    assert decide(Client(), node, "approved").status_code == 302
    node.refresh_from_db()
    assert node.status == Status.PENDING


def test_decide_needs_post_csrf_and_a_known_kind(teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    client = login(Client(), teacher)
    assert client.get(reverse("debates:moderation-decide", args=["node", node.pk])).status_code == 405
    assert client.post(reverse("debates:moderation-decide", args=["debate", node.pk])).status_code == 404
    assert decide(login(Client(enforce_csrf_checks=True), teacher), node, "approved").status_code == 403
    node.refresh_from_db()
    assert node.status == Status.PENDING


def test_a_decision_from_the_node_page_returns_there_and_never_off_site(client, teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    other = submit_claim(debate, student, text="Another", target=claim)
    login(client, teacher)
    assert decide(client, node, "approved", next=node.get_absolute_url())["Location"] == node.get_absolute_url()
    assert decide(client, other, "approved", next="https://evil.example/")["Location"] == QUEUE


def test_bulk_approve_approves_the_ticked_items_and_explains_the_rest(client, teacher, student, debate, claim):
    nodes = [submit_claim(debate, student, text=f"Claim {i}", target=claim) for i in range(3)]
    mine = submit_claim(debate, student, text="Pending end", target=claim)
    dangling = moderation.relation_submit(author=student, source=claim, target=mine, kind="supports")
    items = [f"node-{n.pk}" for n in nodes] + [f"relation-{dangling.pk}", "node-999999", "junk", "node-x"]
    response = login(client, teacher).post(reverse("debates:moderation-bulk"), {"items": items})
    assert response["Location"] == QUEUE
    assert Node.objects.filter(pk__in=[n.pk for n in nodes], status=Status.APPROVED).count() == 3
    notes = messages_of(response)
    assert notes[0] == "Approved 3 contributions."
    assert "Approve both nodes this arrow links" in notes[1]
    assert Relation.objects.get(pk=dangling.pk).status == Status.PENDING


def test_bulk_approve_ignores_items_of_other_classrooms(client, other_teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    response = login(client, other_teacher).post(reverse("debates:moderation-bulk"), {"items": [f"node-{node.pk}"]})
    assert messages_of(response) == ["Tick the contributions to approve first."]
    node.refresh_from_db()
    assert node.status == Status.PENDING


def test_bulk_approve_needs_post_and_csrf(teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    assert login(Client(), teacher).get(reverse("debates:moderation-bulk")).status_code == 405
    client = login(Client(enforce_csrf_checks=True), teacher)
    assert client.post(reverse("debates:moderation-bulk"), {"items": [f"node-{node.pk}"]}).status_code == 403


def test_an_approval_shows_on_the_debate_page_at_the_next_load(client, teacher, student, other_student, debate, claim):
    node = submit_claim(debate, student, text="Now public", target=claim)
    classmate = login(Client(), other_student)
    assert "Now public" not in classmate.get(debate.get_absolute_url()).content.decode()
    decide(login(client, teacher), node, "approved")
    assert "Now public" in classmate.get(debate.get_absolute_url()).content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_teachers_deciding_at_the_same_moment_one_wins(teacher, co_teacher, student, debate, claim):
    """Real concurrency needs two connections: PostgreSQL only (SQLite's test database is one shared file in memory)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for two concurrent connections")
    node = submit_claim(debate, student, target=claim)
    barrier = threading.Barrier(2)
    results = {}

    def run(user, action, extra):
        try:
            client = login(Client(), user)
            barrier.wait()
            results[user.username] = messages_of(decide(client, node, action, **extra))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(teacher, "approved", {})),
        threading.Thread(target=run, args=(co_teacher, "rejected", {"reason": "duplicate"})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    node.refresh_from_db()
    winner = "teacher" if node.status == Status.APPROVED else "co_teacher"
    loser = "co_teacher" if winner == "teacher" else "teacher"
    assert results[loser][0].startswith("This contribution was already decided: it is ")
    assert not results[winner][0].startswith("This contribution was already decided")
    assert ModerationEvent.objects.filter(node=node, action__in=[Action.APPROVED, Action.REJECTED]).count() == 1
