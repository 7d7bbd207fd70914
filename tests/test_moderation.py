"""The moderation workflow in moderation.py: submissions, decisions, the queue and the log."""

import pytest

from debates import errors, moderation
from debates.models import Action, Debate, ModerationEvent, Node, Relation, Status
from tests.factories import make_node, question_of, submit_claim

pytestmark = pytest.mark.django_db


def _messages(info) -> dict:
    return info.value.message_dict


def test_student_claim_is_pending_and_logged(debate, student):
    node = submit_claim(debate, student)
    assert node.status == "pending"
    relation = node.outgoing.get()
    assert (relation.target, relation.status) == (question_of(debate), "pending")
    assert list(node.events.values_list("action", flat=True)) == ["submitted"]


def test_teacher_claim_is_approved_at_once_with_its_arrow(debate, teacher):
    node = submit_claim(debate, teacher)
    node.refresh_from_db()
    assert node.status == "approved" and node.outgoing.get().status == "approved"
    assert list(node.events.values_list("action", flat=True)) == ["submitted", "approved"]


def test_evidence_without_a_quote_is_refused(debate, student):
    with pytest.raises(errors.ModerationError) as info:
        moderation.node_submit(debate=debate, author=student, kind="evidence", text="x", target=question_of(debate))
    assert "needs a quote" in _messages(info)["quote"][0]


def test_evidence_quote_given_as_text_alone_is_located(debate, student):
    source = debate.sources.get()
    node = moderation.node_submit(
        debate=debate,
        author=student,
        kind="evidence",
        text="Talks failed",
        target=question_of(debate),
        quote=moderation.QuoteInput(source=source, text='demand for a "military solution"'),
    )
    quote = node.quote
    assert quote.text == "demand for a “military solution”"
    assert source.text[quote.start : quote.end] == quote.text


def test_evidence_quote_absent_from_the_source_says_so(debate, student):
    quote = moderation.QuoteInput(source=debate.sources.get(), text="nothing like this")
    with pytest.raises(errors.ModerationError) as info:
        moderation.node_submit(
            debate=debate, author=student, kind="evidence", text="x", target=question_of(debate), quote=quote
        )
    assert "does not appear in the source" in _messages(info)["quote"][0]
    assert not Node.objects.filter(kind="evidence").exists()


def test_evidence_quote_with_wrong_offsets_is_refused(debate, student):
    quote = moderation.QuoteInput(source=debate.sources.get(), text="mosque bombing", start=0, end=14)
    with pytest.raises(errors.ModerationError) as info:
        moderation.node_submit(
            debate=debate, author=student, kind="evidence", text="x", target=question_of(debate), quote=quote
        )
    assert "not what the source has" in _messages(info)["quote"][0]


def test_quote_from_a_source_outside_the_debate_is_refused(debate, public_debate, student):
    quote = moderation.QuoteInput(source=public_debate.sources.get(), text="mosque bombing")
    with pytest.raises(errors.ModerationError) as info:
        moderation.node_submit(
            debate=debate, author=student, kind="evidence", text="x", target=question_of(debate), quote=quote
        )
    assert "not one of this debate's sources" in _messages(info)["source"][0]


def test_outsider_cannot_contribute(debate, outsider):
    with pytest.raises(errors.NotAllowed):
        submit_claim(debate, outsider)


def test_closed_debate_accepts_nothing(debate, student):
    Debate.objects.filter(pk=debate.pk).update(is_open=False)
    debate.refresh_from_db()
    with pytest.raises(errors.ModerationError) as info:
        submit_claim(debate, student)
    assert "closed" in _messages(info)["debate"][0]


def test_target_from_another_debate_is_refused(debate, public_debate, student):
    with pytest.raises(errors.ModerationError) as info:
        submit_claim(debate, student, target=question_of(public_debate))
    assert "another debate" in _messages(info)["target"][0]


def test_another_students_pending_node_cannot_be_a_target(debate, student, other_student):
    hidden = submit_claim(debate, other_student)
    with pytest.raises(errors.ModerationError) as info:
        submit_claim(debate, student, target=hidden)
    assert "does not exist" in _messages(info)["target"][0]


def test_pending_limit_per_student_per_debate(debate, student, settings):
    settings.MAX_PENDING_PER_DEBATE = 3
    for n in range(3):
        submit_claim(debate, student, text=f"Reason {n}")
    with pytest.raises(errors.ModerationError) as info:
        submit_claim(debate, student, text="One too many")
    assert "the limit is 3" in _messages(info)["__all__"][0]


def test_approval_publishes_the_node_and_the_arrow_submitted_with_it(debate, student, teacher):
    node = submit_claim(debate, student)
    moderation.item_decide(item=node, moderator=teacher, action=Action.APPROVED)
    node.refresh_from_db()
    assert node.status == "approved" and node.reviewed_by == teacher
    assert node.outgoing.get().status == "approved"


def test_second_decision_on_the_same_item_is_refused_as_already_decided(debate, student, teacher):
    node = submit_claim(debate, student)
    stale_copy = Node.objects.get(pk=node.pk)  # what the second teacher's page loaded
    moderation.item_decide(item=node, moderator=teacher, action=Action.APPROVED)
    with pytest.raises(errors.AlreadyDecided) as info:
        moderation.item_decide(item=stale_copy, moderator=teacher, action=Action.REJECTED, reason="unclear")
    assert "already decided: it is approved" in _messages(info)["status"][0]
    assert Node.objects.get(pk=node.pk).status == "approved"
    assert node.events.filter(action="rejected").count() == 0


def test_reject_needs_a_reason_code(debate, student, teacher):
    node = submit_claim(debate, student)
    with pytest.raises(errors.ModerationError) as info:
        moderation.item_decide(item=node, moderator=teacher, action=Action.REJECTED, reason="boring")
    assert "reason" in _messages(info)
    moderation.item_decide(item=node, moderator=teacher, action=Action.REJECTED, reason="unsupported", note="Cite it.")
    event = node.events.get(action="rejected")
    assert (event.reason, event.note, event.actor) == ("unsupported", "Cite it.", teacher)


def test_return_needs_a_note_and_an_edit_sends_it_back_to_the_queue(debate, student, teacher):
    node = submit_claim(debate, student)
    with pytest.raises(errors.ModerationError):
        moderation.item_decide(item=node, moderator=teacher, action=Action.RETURNED)
    moderation.item_decide(item=node, moderator=teacher, action=Action.RETURNED, note="Say which talks.")
    assert node.outgoing.get().status == "returned"
    moderation.node_edit(node=Node.objects.get(pk=node.pk), editor=student, text="The 2022 talks failed.")
    node.refresh_from_db()
    assert (node.status, node.text) == ("pending", "The 2022 talks failed.")
    assert node.outgoing.get().status == "pending"
    assert list(node.events.values_list("action", flat=True)) == ["submitted", "returned", "edited"]


def test_edit_then_approve_records_both(debate, student, teacher):
    node = submit_claim(debate, student, text="talks failed")
    moderation.item_decide(item=node, moderator=teacher, action=Action.APPROVED, text="The talks failed.")
    node.refresh_from_db()
    assert node.text == "The talks failed."
    assert list(node.events.values_list("action", flat=True)) == ["submitted", "edited", "approved"]


def test_student_cannot_decide(debate, student, other_student):
    node = submit_claim(debate, other_student)
    with pytest.raises(errors.NotAllowed):
        moderation.item_decide(item=node, moderator=student, action=Action.APPROVED)
    assert Node.objects.get(pk=node.pk).status == "pending"


def test_teacher_of_another_classroom_cannot_decide(debate, student, other_teacher):
    node = submit_claim(debate, student)
    with pytest.raises(errors.NotAllowed):
        moderation.item_decide(item=node, moderator=other_teacher, action=Action.APPROVED)


def test_relation_between_unapproved_nodes_cannot_be_approved(debate, student, teacher):
    pending = submit_claim(debate, student)
    claim = make_node(debate)
    relation = Relation.objects.create(debate=debate, source=claim, target=pending, kind="opposes", author=student)
    with pytest.raises(errors.ModerationError) as info:
        moderation.item_decide(item=relation, moderator=teacher, action=Action.APPROVED)
    assert "Approve both nodes" in _messages(info)["status"][0]


def test_student_proposes_a_link_between_approved_nodes(debate, student, teacher):
    a, b = make_node(debate), make_node(debate)
    relation = moderation.relation_submit(author=student, source=a, target=b, kind="opposes")
    assert relation.status == "pending"
    with pytest.raises(errors.ModerationError) as info:
        moderation.relation_submit(author=student, source=a, target=b, kind="supports")
    assert "already linked" in _messages(info)["target"][0]
    moderation.item_decide(item=relation, moderator=teacher, action=Action.APPROVED)
    assert Relation.objects.get(pk=relation.pk).status == "approved"


def test_withdraw_keeps_own_pending_work_as_withdrawn_and_logs_it(debate, student, other_student):
    node = submit_claim(debate, student)
    with pytest.raises(errors.NotAllowed):
        moderation.item_withdraw(item=node, user=other_student)
    moderation.item_withdraw(item=node, user=student)
    assert Node.objects.get(pk=node.pk).status == Status.WITHDRAWN
    assert ModerationEvent.objects.filter(action="withdrawn", item_label__contains="Talks have failed").count() == 1


def test_decided_work_cannot_be_edited_or_withdrawn(debate, student, teacher):
    node = submit_claim(debate, student)
    moderation.item_decide(item=node, moderator=teacher, action=Action.APPROVED)
    node.refresh_from_db()
    with pytest.raises(errors.ModerationError, match="no longer be changed"):
        moderation.node_edit(node=node, editor=student, text="changed")
    with pytest.raises(errors.ModerationError):
        moderation.item_withdraw(item=node, user=student)


def test_bulk_approve_reports_what_it_could_not_do(debate, student, teacher):
    a, b = submit_claim(debate, student, text="A"), submit_claim(debate, student, text="B")
    moderation.item_decide(item=Node.objects.get(pk=b.pk), moderator=teacher, action=Action.APPROVED)
    approved, problems = moderation.items_bulk_decide(items=[a, b], moderator=teacher, action=Action.APPROVED)
    assert approved == 1 and len(problems) == 1 and "already decided" in problems[0]


# --- the same contribution sent twice ---------------------------------------------------


def _evidence(debate, author, passage: str, *, start: int | None = None):
    source = debate.sources.get()
    offsets = {} if start is None else {"start": start, "end": start + len(passage)}
    return moderation.node_submit(
        debate=debate,
        author=author,
        kind="evidence",
        text="It shows this.",
        quote=moderation.QuoteInput(source=source, text=passage, **offsets),
        target=question_of(debate),
    )


def test_an_identical_pending_submission_returns_the_first_node(debate, student):
    first = submit_claim(debate, student)
    assert submit_claim(debate, student) == first
    assert Node.objects.filter(author=student).count() == 1
    assert ModerationEvent.objects.filter(action=Action.SUBMITTED).count() == 1


def test_a_submission_differing_in_target_relation_or_quote_is_a_new_node(debate, student):
    first = submit_claim(debate, student)
    other = make_node(debate, text="Another claim")
    assert submit_claim(debate, student, relation="opposes") != first
    assert submit_claim(debate, student, target=other) != first
    a = _evidence(debate, student, "Poverty")
    assert _evidence(debate, student, "Poverty") == a
    assert _evidence(debate, student, "illiteracy") != a


def test_the_same_text_from_another_student_is_their_own_node(debate, student, other_student):
    assert submit_claim(debate, student) != submit_claim(debate, other_student)


def test_a_decided_or_withdrawn_first_submission_does_not_absorb_a_new_one(debate, student, teacher):
    first = submit_claim(debate, student)
    moderation.item_decide(item=first, moderator=teacher, action=Action.RETURNED, note="Say more.")
    second = submit_claim(debate, student)
    assert second != first
    moderation.item_withdraw(item=second, user=student)
    assert submit_claim(debate, student) not in (first, second)


def test_a_teachers_double_submission_adds_one_approved_node(debate, teacher):
    first = submit_claim(debate, teacher)
    assert first.status == Status.APPROVED
    assert submit_claim(debate, teacher) == first
    assert Node.objects.filter(author=teacher, text=first.text).count() == 1


def test_a_resent_submission_at_the_pending_limit_returns_the_first_instead_of_refusing(settings, debate, student):
    settings.MAX_PENDING_PER_DEBATE = 1
    first = submit_claim(debate, student)
    assert submit_claim(debate, student) == first
    with pytest.raises(errors.ModerationError, match="the limit is 1"):
        submit_claim(debate, student, text="Something else")


def test_an_identical_pending_link_returns_the_first(debate, student):
    a, b = make_node(debate, text="A"), make_node(debate, text="B")
    first = moderation.relation_submit(author=student, source=a, target=b, kind="supports")
    assert moderation.relation_submit(author=student, source=a, target=b, kind="supports") == first
    with pytest.raises(errors.ModerationError, match="already linked"):
        moderation.relation_submit(author=student, source=a, target=b, kind="opposes")
