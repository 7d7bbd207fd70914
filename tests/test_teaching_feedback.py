"""Feedback and grades: the workflow, its log, the grade page, and who sees what when."""

import csv
import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from debates import moderation
from debates.errors import ModerationError, NotAllowed
from debates.models import (
    Action,
    Feedback,
    FeedbackAction,
    FeedbackEvent,
    Grade,
    Membership,
    Node,
    Notification,
    NotificationKind,
    Relation,
    Status,
)
from debates.teaching import feedback
from tests import factories
from tests.factories import login, make_node, make_user, messages_of, submit_claim, text_of


@pytest.fixture
def graded(debate, teacher, student, other_student):
    """Feedback on each student's claim and a grade each; not released."""
    mine = submit_claim(debate, student, text="Student's claim")
    theirs = submit_claim(debate, other_student, text="Other's claim")
    feedback.feedback_save(item=mine, teacher=teacher, text="Cite the op-ed for this.")
    feedback.feedback_save(item=theirs, teacher=teacher, text="Secret remark for other.")
    feedback.grade_save(debate=debate, student=student, teacher=teacher, score="8", comment="Well argued.")
    feedback.grade_save(debate=debate, student=other_student, teacher=teacher, score="3", comment="Hidden comment.")
    return {"mine": mine, "theirs": theirs}


def test_every_change_is_logged_in_order(debate, teacher, student, graded):
    feedback.scale_set(debate=debate, teacher=teacher, scale=20)
    feedback.feedback_save(item=graded["mine"], teacher=teacher, text="")
    feedback.grades_release(debate=debate, teacher=teacher)
    actions = list(FeedbackEvent.objects.filter(debate=debate).values_list("action", flat=True))
    assert actions == [
        FeedbackAction.FEEDBACK_SAVED,
        FeedbackAction.FEEDBACK_SAVED,
        FeedbackAction.GRADE_SAVED,
        FeedbackAction.GRADE_SAVED,
        FeedbackAction.SCALE_SET,
        FeedbackAction.FEEDBACK_DELETED,
        FeedbackAction.RELEASED,
    ]
    event = FeedbackEvent.objects.first()
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_a_score_outside_the_scale_or_not_a_number_is_refused_naming_the_field(debate, teacher, student):
    for bad in ["11", "-1", "seven", "7.25", "NaN"]:
        with pytest.raises(ModerationError) as caught:
            feedback.grade_save(debate=debate, student=student, teacher=teacher, score=bad)
        assert "score" in caught.value.message_dict
    assert not Grade.objects.exists()


def test_scale_cannot_go_below_a_given_grade(debate, teacher, student):
    feedback.grade_save(debate=debate, student=student, teacher=teacher, score="9")
    with pytest.raises(ModerationError, match="cannot be below"):
        feedback.scale_set(debate=debate, teacher=teacher, scale=5)


def test_only_the_debates_teachers_grade_and_only_its_students_are_graded(
    debate, teacher, student, other_teacher, outsider, other_classroom
):
    with pytest.raises(NotAllowed):
        feedback.grade_save(debate=debate, student=student, teacher=other_teacher, score="5")
    with pytest.raises(NotAllowed):
        feedback.grade_save(debate=debate, student=student, teacher=student, score="5")
    with pytest.raises(ModerationError, match="not a student"):
        feedback.grade_save(debate=debate, student=outsider, teacher=teacher, score="5")


def test_releasing_twice_is_refused_and_the_class_is_told_once(debate, teacher, student, other_student, graded):
    feedback.grades_release(debate=debate, teacher=teacher)
    with pytest.raises(ModerationError, match="already released"):
        feedback.grades_release(debate=debate, teacher=teacher)
    told = Notification.objects.filter(kind=NotificationKind.RELEASED)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["other_student", "student"]


@pytest.mark.parametrize("size", [3, 30])
def test_a_release_tells_only_the_students_with_a_grade_or_feedback_there(
    debate, teacher, co_teacher, student, other_student, third_student, size, django_assert_num_queries
):
    feedback.grade_save(debate=debate, student=student, teacher=teacher, score="8")
    box = make_node(debate, text="Other's box", author=other_student)
    feedback.feedback_save(item=box, teacher=teacher, text="On the box.")  # feedback alone
    link = submit_claim(debate, third_student, text="Third's claim").outgoing.get()
    feedback.feedback_save(item=link, teacher=teacher, text="On the link.")  # on a link alone
    # Nothing to read for these: a classmate without either, a teacher whose box has feedback.
    for n in range(size):
        Membership.objects.create(classroom=debate.classroom, user=make_user(f"quiet{n}"), role="student")
    feedback.feedback_save(
        item=make_node(debate, text="Co-teacher's box", author=co_teacher), teacher=teacher, text="x"
    )
    # Expect 7 queries, whatever the class's size: the savepoint; the grade book; its
    # conditional release; the log; the students concerned (one, with a subquery each for
    # grades, feedback on boxes and on links); the notices; the savepoint's release.
    with django_assert_num_queries(7):
        feedback.grades_release(debate=debate, teacher=teacher)
    told = Notification.objects.filter(kind=NotificationKind.RELEASED)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["other_student", "student", "third_student"]


def test_students_see_no_feedback_or_grade_before_release(client, debate, student, graded):
    login(client, student)
    page = text_of(client.get(reverse("debates:my-contributions")))
    assert "Cite the op-ed" not in page and "Well argued" not in page and "8 out of" not in page
    assert "Cite the op-ed" not in text_of(client.get(graded["mine"].get_absolute_url()))


def test_after_release_a_student_sees_only_their_own_feedback_and_grade(client, debate, teacher, student, graded):
    feedback.grades_release(debate=debate, teacher=teacher)
    login(client, student)
    page = text_of(client.get(reverse("debates:my-contributions")))
    assert "Cite the op-ed" in page and "8 out of 10" in page and "Well argued" in page
    assert "Secret remark" not in page and "Hidden comment" not in page and "3 out of" not in page
    assert "Cite the op-ed" in text_of(client.get(graded["mine"].get_absolute_url()))
    # Another student's node page never shows its feedback, even once approved and public in the class.
    theirs = graded["theirs"]
    theirs.status = "approved"
    theirs.save()
    assert "Secret remark" not in text_of(client.get(theirs.get_absolute_url()))


def test_another_teacher_sees_nothing_of_the_grades(client, debate, other_teacher, graded):
    login(client, other_teacher)
    assert client.get(reverse("debates:debate-grades", args=[debate.slug])).status_code == 404
    node_feedback = reverse("debates:node-feedback", args=[debate.slug, graded["mine"].pk])
    assert client.post(node_feedback, {f"n{graded['mine'].pk}-text": "x"}).status_code == 404


def test_grade_page_saves_scores_and_shows_a_field_error_for_a_bad_one(client, debate, teacher, student, other_student):
    url = reverse("debates:debate-grades", args=[debate.slug])
    login(client, teacher)
    assert client.get(url).status_code == 200
    response = client.post(url, {"grades": "1", f"s{student.pk}-score": "6.5", f"s{other_student.pk}-score": "12"})
    assert response.status_code == 400
    assert "The score must be from 0 to 10." in response.content.decode()
    assert not Grade.objects.exists()  # all or nothing
    response = client.post(url, {"grades": "1", f"s{student.pk}-score": "6.5", f"s{other_student.pk}-score": ""})
    assert response.status_code == 302
    assert Grade.objects.get().score == 6.5
    assert client.post(url, {"scale": "0"}).status_code == 400
    assert client.post(url, {"scale": "20"}).status_code == 302


@pytest.fixture
def third_student(classroom):
    """In `classroom`, like `student` and `other_student`."""
    user = make_user("third_student")
    Membership.objects.create(classroom=classroom, user=user, role="student")
    return user


def test_the_grade_form_marks_every_bad_row_and_saves_none_of_a_refused_form(
    client, debate, teacher, student, other_student, third_student
):
    feedback.grade_save(debate=debate, student=student, teacher=teacher, score="4")
    url = reverse("debates:debate-grades", args=[debate.slug])
    login(client, teacher)
    fourth = make_user("fourth_student")
    Membership.objects.create(classroom=debate.classroom, user=fourth, role="student")
    typed = {student: "abc", other_student: "11", third_student: "-1", fourth: "6"}
    response = client.post(url, {"grades": "1", **{f"s{pupil.pk}-score": score for pupil, score in typed.items()}})
    assert response.status_code == 400
    html = response.content.decode()
    # Each bad row is marked and says what is wrong with it, in its cell and in the summary.
    for pupil in (student, other_student, third_student):
        assert f'name="s{pupil.pk}-score" value="{typed[pupil]}"' in html
        assert re.search(rf'<input[^>]*name="s{pupil.pk}-score"[^>]*aria-invalid="true"', html), pupil
    assert not re.search(rf'<input[^>]*name="s{fourth.pk}-score"[^>]*aria-invalid', html)
    page = text_of(response)
    assert "Nothing was saved: there are 3 problems" in page
    assert "Score for student: Give the score as a number, e.g. 7 or 7.5." in page
    assert "Score for other_student: The score must be from 0 to 10." in page
    assert "Score for third_student: The score must be from 0 to 10." in page
    # All or nothing: the good row waits for the others; the grade given before is unchanged.
    assert list(Grade.objects.values_list("student__username", "score")) == [("student", 4)]
    assert FeedbackEvent.objects.filter(action=FeedbackAction.GRADE_SAVED).count() == 1


@pytest.mark.parametrize("typed", ["1e1", "1E+1", "1_0", "Infinity", "0x9", "٫5e0", "7 5"])
def test_a_score_in_another_notation_than_plain_digits_is_refused(debate, teacher, student, typed):
    with pytest.raises(ModerationError, match="Give the score as a number") as caught:
        feedback.grade_save(debate=debate, student=student, teacher=teacher, score=typed)
    assert list(caught.value.message_dict) == ["score"]
    assert not Grade.objects.exists()


@pytest.mark.parametrize("typed", ["-0", "-0.0", "+0"])
def test_minus_zero_is_a_score_of_0(client, debate, teacher, student, typed):
    grade = feedback.grade_save(debate=debate, student=student, teacher=teacher, score=typed)
    assert Grade.objects.get().score == 0 and feedback.score_text(grade.score) == "0"
    assert FeedbackEvent.objects.get(action=FeedbackAction.GRADE_SAVED).value == "0/10"


def test_the_same_grade_written_another_way_records_nothing(client, debate, teacher, student):
    feedback.scale_set(debate=debate, teacher=teacher, scale=20)
    feedback.grade_save(debate=debate, student=student, teacher=teacher, score="10", comment="Good.")
    for same in ["١٠", "10.0", "10,", " 10 "]:
        feedback.grade_save(debate=debate, student=student, teacher=teacher, score=same, comment="Good.")
    login(client, teacher)
    url = reverse("debates:debate-grades", args=[debate.slug])
    assert (
        client.post(url, {"grades": "1", f"s{student.pk}-score": "١٠", f"s{student.pk}-comment": "Good."}).status_code
        == 302
    )
    assert FeedbackEvent.objects.filter(action=FeedbackAction.GRADE_SAVED).count() == 1
    feedback.grade_save(debate=debate, student=student, teacher=teacher, score="10", comment="Better.")
    assert FeedbackEvent.objects.filter(action=FeedbackAction.GRADE_SAVED).count() == 2


def test_a_grade_or_feedback_changed_after_the_release_tells_the_student_once(
    debate, teacher, student, other_student, graded
):
    feedback.grades_release(debate=debate, teacher=teacher)
    told = Notification.objects.filter(kind=NotificationKind.RELEASED, recipient=student)
    told.update(read_at=timezone.now())  # the student has read the release
    feedback.grade_save(debate=debate, student=student, teacher=teacher, score="9", comment="Well argued.")
    assert told.filter(read_at__isnull=True).count() == 1
    assert "Your feedback or grade for" in told.get(read_at__isnull=True).text
    # While that notice is unread it says all there is to say: no second one.
    feedback.feedback_save(item=graded["mine"], teacher=teacher, text="Cite the op-ed, and the report.")
    assert told.filter(read_at__isnull=True).count() == 1
    told.update(read_at=timezone.now())
    feedback.feedback_save(item=graded["mine"], teacher=teacher, text="Cite the op-ed, and the report!")
    assert told.filter(read_at__isnull=True).count() == 1
    # A save that changes nothing tells nobody; the other student was not concerned.
    told.update(read_at=timezone.now())
    feedback.grade_save(debate=debate, student=student, teacher=teacher, score="9.0", comment="Well argued.")
    feedback.feedback_save(item=graded["mine"], teacher=teacher, text="Cite the op-ed, and the report!")
    assert not told.filter(read_at__isnull=True).exists()
    assert Notification.objects.filter(kind=NotificationKind.RELEASED, recipient=other_student).count() == 1


def test_a_grade_or_feedback_given_before_the_release_tells_nobody_yet(debate, teacher, student, graded):
    feedback.grade_save(debate=debate, student=student, teacher=teacher, score="9")
    feedback.feedback_save(item=graded["mine"], teacher=teacher, text="New remark.")
    assert not Notification.objects.filter(kind=NotificationKind.RELEASED).exists()


def test_scores_show_as_plain_decimals_in_the_history_csv_pages_and_api(
    client, debate, teacher, student, other_student
):
    feedback.scale_set(debate=debate, teacher=teacher, scale=20)
    feedback.grade_save(debate=debate, student=student, teacher=teacher, score="10")
    feedback.grade_save(debate=debate, student=other_student, teacher=teacher, score="7,50")
    values = FeedbackEvent.objects.filter(action=FeedbackAction.GRADE_SAVED).values_list("value", flat=True)
    assert sorted(values) == ["10/20", "7.5/20"]
    login(client, teacher)
    grades_page = client.get(reverse("debates:debate-grades", args=[debate.slug])).content.decode()
    assert f'name="s{student.pk}-score" value="10"' in grades_page
    assert f'name="s{other_student.pk}-score" value="7.5"' in grades_page
    # Sent back unchanged, the form saves nothing new.
    client.post(
        reverse("debates:debate-grades", args=[debate.slug]),
        {"grades": "1", f"s{student.pk}-score": "10", f"s{other_student.pk}-score": "7.5"},
    )
    assert FeedbackEvent.objects.filter(action=FeedbackAction.GRADE_SAVED).count() == 2
    classroom = debate.classroom.pk
    activity_page = text_of(
        client.get(reverse("debates:classroom-activity", args=[classroom]), {"debate": debate.slug})
    )
    assert "10/20" in activity_page and "7.5/20" in activity_page
    rows = list(
        csv.reader(
            client.get(reverse("debates:classroom-activity-csv", args=[classroom])).content.decode().splitlines()
        )
    )
    assert [row[-1] for row in rows[1:]] == ["7.5/20", "10/20"]  # other_student, student
    answer = factories.api_client(teacher).get(f"/api/classrooms/{classroom}/activity/")
    assert sorted(g["score"] for row in answer.json() for g in row["grades"]) == [7.5, 10]
    assert b'"score":10.0' in answer.content.replace(b" ", b"")  # a JSON number, never 1E+1
    feedback.grades_release(debate=debate, teacher=teacher)
    assert "10 out of 20" in text_of(login(client, student).get(reverse("debates:my-contributions")))


def test_grade_pages_for_students_visitors_and_wrong_methods(client, debate, student):
    url = reverse("debates:debate-grades", args=[debate.slug])
    release = reverse("debates:debate-grades-release", args=[debate.slug])
    assert client.get(url).status_code == 302
    login(client, student)
    assert client.get(url).status_code == 404
    assert client.post(release).status_code == 404
    assert client.get(release).status_code == 405


def test_teacher_leaves_feedback_from_the_students_items_page(client, debate, teacher, student):
    node = make_node(debate, text="An approved claim", author=student)
    login(client, teacher)
    url = reverse("debates:node-feedback", args=[debate.slug, node.pk])
    response = client.post(url, {f"n{node.pk}-text": "Nice find.", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert node.feedback.text == "Nice find."
    assert client.get(url).status_code == 405


def test_grade_page_costs_the_same_queries_for_3_or_30_students(client, debate, teacher, django_assert_num_queries):
    login(client, teacher)
    url = reverse("debates:debate-grades", args=[debate.slug])

    hub = make_node(debate, text="Hub")

    def add(n):
        for _ in range(n):
            pupil = make_user()
            Membership.objects.create(classroom=debate.classroom, user=pupil, role="student")
            feedback.grade_save(debate=debate, student=pupil, teacher=teacher, score="5")
            # The history names each box and link it is about by outline number.
            box = make_node(debate, text=f"Box of {pupil.username}", target=hub, author=pupil)
            feedback.feedback_save(item=box, teacher=teacher, text="On the box.")
            feedback.feedback_save(item=box.outgoing.get(), teacher=teacher, text="On the link.")

    add(3)
    # session, user, debate (+classroom, +group copy, +map revision), roles, gradebook, students
    # (group check + list), grades, history with actors, students, boxes and links (with their
    # ends), the navigation's counts; the outline numbers come from the debate's kept judgement
    # (the first reader after a change pays one query more for it: each measure comes after one).
    client.get(url)
    with django_assert_num_queries(10):
        page = text_of(client.get(url))
    assert page.count("on link 1.1.") == 3 and "#" not in page.split("History")[1]
    add(27)
    client.get(url)
    with django_assert_num_queries(10):
        page = client.get(url).content.decode()
    assert page.count('type="text"') >= 32 and page.count("on link 1.1.") >= 10  # the 50 latest changes


def test_the_release_notification_opens_the_grades_where_the_student_sees_them(
    client, debate, teacher, student, graded
):
    feedback.grades_release(debate=debate, teacher=teacher)
    notice = Notification.objects.get(kind=NotificationKind.RELEASED, recipient=student)
    login(client, student)
    response = client.get(reverse("debates:notification-open", args=[notice.pk]), follow=True)
    assert response.redirect_chain[-1][0].endswith(reverse("debates:my-contributions") + "#grades-heading")
    assert "Your grades" in text_of(response)


# --- Feedback on links (supports and opposes arrows, and undercuts) ------------------------


@pytest.fixture
def links(debate, teacher, student, other_student):
    """Three approved boxes; the student's approved link and pending link between them, and
    their undercut (pending) of the approved one; the other student's approved link. Each has
    feedback; nothing is released."""
    hub = make_node(debate, text="Hub claim")
    left = make_node(debate, text="Left claim")
    right = make_node(debate, text="Right claim")
    approved = moderation.relation_submit(author=student, source=left, target=hub, kind="opposes")
    moderation.item_decide(item=approved, moderator=teacher, action=Action.APPROVED)
    pending = moderation.relation_submit(author=student, source=right, target=left, kind="supports")
    supports = moderation.relation_submit(author=other_student, source=right, target=hub, kind="supports")
    moderation.item_decide(item=supports, moderator=teacher, action=Action.APPROVED)
    undercut = moderation.relation_submit(author=student, source=left, target_relation=supports, kind="opposes")
    texts = {
        approved: "Say why it opposes.",
        pending: "Is this really support?",
        undercut: "A sharp objection.",
        supports: "Remark for the other student.",
    }
    for item, text in texts.items():
        item.refresh_from_db()
        feedback.feedback_save(item=item, teacher=teacher, text=text)
    return {
        "hub": hub,
        "left": left,
        "approved": approved,
        "pending": pending,
        "undercut": undercut,
        "theirs": supports,
    }


def feedback_url(item) -> str:
    name = "debates:relation-feedback" if isinstance(item, Relation) else "debates:node-feedback"
    return reverse(name, args=[item.debate.slug, item.pk])


def test_link_feedback_is_kept_once_per_link_and_logged_with_the_link(debate, teacher, student, links):
    approved = links["approved"]
    assert approved.feedback.text == "Say why it opposes." and approved.feedback.node is None
    again = feedback.feedback_save(item=approved, teacher=teacher, text="Say why it opposes, with a quote.")
    assert again.pk == approved.feedback.pk and Feedback.objects.filter(relation=approved).count() == 1
    assert feedback.feedback_save(item=links["pending"], teacher=teacher, text="  ") is None
    assert not Feedback.objects.filter(relation=links["pending"]).exists()
    events = FeedbackEvent.objects.filter(relation__isnull=False).order_by("pk")
    assert [(e.action, e.relation_id, e.node_id, e.student_id) for e in events][-2:] == [
        (FeedbackAction.FEEDBACK_SAVED, approved.pk, None, student.pk),
        (FeedbackAction.FEEDBACK_DELETED, links["pending"].pk, None, student.pk),
    ]
    assert events.filter(relation=links["undercut"], value="A sharp objection.").exists()


def test_feedback_is_on_exactly_one_node_or_link_as_the_database_checks(debate, teacher, links):
    both = Feedback(debate=debate, node=links["hub"], relation=links["pending"], text="x", written_by=teacher)
    with pytest.raises(ValidationError):
        both.full_clean()
    for fields in [{"node": links["hub"], "relation": links["pending"]}, {}]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Feedback.objects.create(debate=debate, text="x", **fields)


def test_only_the_debates_teachers_leave_feedback_on_a_link(debate, student, other_teacher, links):
    for who in [student, other_teacher]:
        with pytest.raises(NotAllowed):
            feedback.feedback_save(item=links["approved"], teacher=who, text="Mine now.")
    assert links["approved"].feedback.text == "Say why it opposes."


# How the messages name the fixture's links: by their ends' outline numbers (the hub is 1.1,
# the right box supporting it 1.1.1, the left box opposing it 1.1.2).
LINK_NAMES = {"approved": "1.1.2 → 1.1", "pending": "1.1.1 → 1.1.2", "undercut": "1.1.2 → (1.1.1 → 1.1)"}


@pytest.mark.parametrize("which", LINK_NAMES)
def test_teacher_leaves_feedback_on_a_link_through_its_route(client, debate, teacher, links, which):
    link = links[which]
    login(client, teacher)
    response = client.post(feedback_url(link), {f"r{link.pk}-text": "Rewritten.", "next": "/somewhere/"})
    assert response.status_code == 302 and response["Location"] == "/somewhere/"
    assert Feedback.objects.get(relation=link).text == "Rewritten."
    assert FeedbackEvent.objects.filter(relation=link, value="Rewritten.", actor=teacher).exists()
    # Without `next`: the page of the link's source, where the link is listed.
    response = client.post(feedback_url(link), {f"r{link.pk}-text": ""})
    assert response["Location"] == link.get_absolute_url()
    assert not Feedback.objects.filter(relation=link).exists()
    assert messages_of(response) == [
        f"Feedback saved on link {LINK_NAMES[which]}.",
        f"Feedback deleted on link {LINK_NAMES[which]}.",
    ]
    assert client.get(feedback_url(link)).status_code == 405


def test_nobody_but_the_debates_teachers_may_post_link_feedback(
    client, debate, student, other_student, other_teacher, outsider, links
):
    link = links["approved"]
    url = feedback_url(link)
    assert client.post(url, {f"r{link.pk}-text": "x"}).status_code == 302  # to the log-in page
    for who in [student, other_student, other_teacher, outsider]:
        login(client, who)
        assert client.post(url, {f"r{link.pk}-text": "x"}).status_code == 404
    # A link of one debate is not found under another debate's address, even by its teacher.
    other = factories.make_debate(created_by=other_teacher, slug="elsewhere")
    login(client, other_teacher)
    wrong = reverse("debates:relation-feedback", args=[other.slug, link.pk])
    assert client.post(wrong, {f"r{link.pk}-text": "x"}).status_code == 404
    assert link.feedback.text == "Say why it opposes."
    assert not FeedbackEvent.objects.filter(relation=link, value="x").exists()


# Each hostile text, and the words of the message that refuses it.
HOSTILE = {
    "NUL": ("Good\x00point", "This text contains a NUL character at position 5"),
    "20,000 characters": ("a" * 20_000, "Ensure this value has at most 2000 characters (it has 20000)."),
    "only right-to-left marks": ("\u200f\u200f\u202e", "The feedback has no visible character"),
}


@pytest.mark.parametrize(("hostile", "refusal"), HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("kind", ["node", "relation"])
def test_hostile_feedback_text_is_refused_with_a_clear_message_never_a_500(
    client, debate, teacher, links, kind, hostile, refusal
):
    item = links["left"] if kind == "node" else links["approved"]
    before = list(Feedback.objects.values_list("pk", "text"))
    login(client, teacher)
    prefix = "n" if kind == "node" else "r"
    response = client.post(feedback_url(item), {f"{prefix}{item.pk}-text": hostile}, follow=True)
    assert response.status_code == 200
    assert refusal in text_of(response) and "Feedback saved" not in text_of(response)
    assert list(Feedback.objects.values_list("pk", "text")) == before


@pytest.mark.parametrize(("hostile", "refusal"), [HOSTILE["NUL"], HOSTILE["20,000 characters"]], ids=["NUL", "long"])
@pytest.mark.parametrize("page", ["node page", "queue", "student's items"])
@pytest.mark.parametrize("kind", ["node", "relation"])
def test_refused_feedback_names_item_and_field_and_comes_back_as_typed_on_its_page(
    client, debate, teacher, student, links, kind, page, hostile, refusal
):
    box = submit_claim(debate, student, text="A pending box")
    item = box if kind == "node" else links["pending"]  # the student's, waiting: on all three pages
    name = "(new) “A pending box”" if kind == "node" else "link 1.1.1 → 1.1.2"
    url = {
        "node page": item.get_absolute_url(),
        "queue": reverse("debates:moderation-queue"),
        "student's items": reverse("debates:student-items", args=[debate.classroom.pk, student.pk]),
    }[page]
    prefix = f"{'n' if kind == 'node' else 'r'}{item.pk}"
    before = list(Feedback.objects.values_list("pk", "text"))
    login(client, teacher)
    response = client.post(feedback_url(item), {f"{prefix}-text": hostile, "next": f"{url}#{kind}-{item.pk}"})
    assert response.status_code == 302 and response["Location"] == f"{url}#{kind}-{item.pk}"
    shown = client.get(url)
    assert shown.status_code == 200
    html = shown.content.decode()
    (told,) = (unescape(m) for m in re.findall(r'<p class="message message-error">(.*?)</p>', html, re.S))
    assert told.startswith(f"The feedback on {name} was not saved. Feedback: ") and refusal in told
    # The form the teacher used holds the text as typed, marked as refused; the others do not.
    area = re.search(rf'<textarea[^>]* name="{prefix}-text"[^>]*>\n?(.*?)</textarea>', html, re.S)
    assert area and area[1] == hostile and 'aria-invalid="true"' in area[0]
    assert html.count('aria-invalid="true"') == 1
    assert list(Feedback.objects.values_list("pk", "text")) == before
    # Shown once: the page read again offers the feedback as it is.
    again = client.get(url).content.decode()
    assert hostile not in again and 'aria-invalid="true"' not in again


def test_a_refused_feedback_is_kept_only_for_the_page_it_came_from(client, debate, teacher, student, links):
    box = submit_claim(debate, student, text="A pending box")
    login(client, teacher)
    client.post(feedback_url(box), {f"n{box.pk}-text": "x" * 2001, "next": "/moderation/"})
    # Another page with the same form does not refill it: it was not where the teacher typed it.
    assert "x" * 2001 not in client.get(box.get_absolute_url()).content.decode()
    assert "x" * 2001 in client.get("/moderation/").content.decode()


def test_students_see_no_link_feedback_before_release(client, debate, student, links):
    login(client, student)
    pages = [reverse("debates:my-contributions"), links["left"].get_absolute_url(), links["hub"].get_absolute_url()]
    for url in pages:
        page = text_of(client.get(url))
        assert "Say why it opposes" not in page and "Is this really support" not in page
        assert "A sharp objection" not in page and "Remark for the other" not in page


def test_after_release_a_student_sees_feedback_on_their_own_links_only(
    client, debate, teacher, student, other_student, links
):
    feedback.grades_release(debate=debate, teacher=teacher)
    login(client, student)
    mine = text_of(client.get(reverse("debates:my-contributions")))
    assert "Say why it opposes" in mine and "Is this really support" in mine and "A sharp objection" in mine
    assert "Remark for the other" not in mine
    # The hub's page lists the student's link and the other student's (with the undercut of it).
    hub = text_of(client.get(links["hub"].get_absolute_url()))
    assert "Teacher's feedback on this link" in hub
    assert "Say why it opposes" in hub and "A sharp objection" in hub and "Remark for the other" not in hub
    assert 'class="feedback-form"' not in client.get(links["hub"].get_absolute_url()).content.decode()
    login(client, other_student)
    theirs = text_of(client.get(links["hub"].get_absolute_url()))
    assert "Remark for the other" in theirs
    assert "Say why it opposes" not in theirs and "A sharp objection" not in theirs
    mine = text_of(client.get(reverse("debates:my-contributions")))
    assert "Remark for the other" in mine and "Say why it opposes" not in mine


def test_a_link_another_student_draws_from_your_box_shows_you_none_of_its_feedback(
    client, debate, teacher, student, other_student, links
):
    # My contributions lists the arrows from the student's boxes; one may be another student's.
    box = submit_claim(debate, student, text="A box of mine", target=links["hub"])
    moderation.item_decide(item=box, moderator=teacher, action=Action.APPROVED)
    drawn = moderation.relation_submit(author=other_student, source=box, target=links["left"], kind="supports")
    feedback.feedback_save(item=drawn, teacher=teacher, text="Only for the one who drew it.")
    feedback.grades_release(debate=debate, teacher=teacher)
    login(client, student)
    assert "Only for the one who drew it" not in text_of(client.get(reverse("debates:my-contributions")))
    assert "Only for the one who drew it" not in text_of(client.get(box.get_absolute_url()))


def test_another_teacher_never_sees_link_feedback(client, debate, teacher, other_teacher, links):
    feedback.grades_release(debate=debate, teacher=teacher)
    login(client, other_teacher)
    assert client.get(links["hub"].get_absolute_url()).status_code == 404
    assert "Say why it opposes" not in text_of(client.get(reverse("debates:my-contributions")))


def test_the_teacher_changes_link_feedback_from_the_node_page(client, debate, teacher, links):
    login(client, teacher)
    html = client.get(links["hub"].get_absolute_url()).content.decode()
    for which in ["approved", "theirs", "undercut"]:
        link = links[which]
        assert f'action="{feedback_url(link)}"' in html
        assert f'name="r{link.pk}-text"' in html and f'id="relation-{link.pk}"' in html
    assert ">\nSay why it opposes.</textarea>" in html and ">\nRemark for the other student.</textarea>" in html
    back = f"{links['hub'].get_absolute_url()}#relation-{links['approved'].pk}"
    assert f'name="next" value="{back}"' in html


def test_the_teacher_leaves_feedback_on_links_from_the_students_items(
    client, classroom, debate, teacher, student, links
):
    login(client, teacher)
    url = reverse("debates:student-items", args=[classroom.pk, student.pk])
    html = client.get(url, {"kind": "link"}).content.decode()
    for which in ["approved", "pending", "undercut"]:
        assert f'action="{feedback_url(links[which])}"' in html
    assert ">\nIs this really support?</textarea>" in html
    assert feedback_url(links["theirs"]) not in html  # the other student's link is not theirs
    link = links["pending"]
    response = client.post(feedback_url(link), {f"r{link.pk}-text": "Better now.", "next": f"{url}#relation-{link.pk}"})
    assert response["Location"] == f"{url}#relation-{link.pk}"
    assert ">\nBetter now.</textarea>" in client.get(url).content.decode()


def test_the_queue_offers_feedback_on_a_pending_link_holding_what_was_written(client, debate, teacher, links):
    login(client, teacher)
    html = client.get(reverse("debates:moderation-queue"), {"kind": "link"}).content.decode()
    link = links["pending"]
    assert f'action="{feedback_url(link)}"' in html and ">\nIs this really support?</textarea>" in html
    assert f'action="{feedback_url(links["undercut"])}"' in html


def test_the_grade_history_names_the_link(client, debate, teacher, links):
    login(client, teacher)
    page = text_of(client.get(reverse("debates:debate-grades", args=[debate.slug])))
    assert "Feedback saved for student on link 1.1.2 → 1.1: Say why it opposes." in page
    assert "Feedback saved for student on link 1.1.2 → (1.1.1 → 1.1): A sharp objection." in page


# --- Feedback on a box, where the teacher reads it ------------------------------------------


def test_the_teacher_writes_feedback_on_a_students_box_from_its_page(client, debate, teacher, student, claim):
    box = make_node(debate, text="A student's box", author=student, target=claim)
    login(client, teacher)
    html = client.get(box.get_absolute_url()).content.decode()
    assert f'action="{feedback_url(box)}"' in html and f'name="n{box.pk}-text"' in html
    assert "Teacher's feedback for student" in text_of(client.get(box.get_absolute_url()))
    back = f"{box.get_absolute_url()}#node-{box.pk}"
    assert f'name="next" value="{back}"' in html and f'id="node-{box.pk}"' in html
    response = client.post(feedback_url(box), {f"n{box.pk}-text": "Quote the op-ed.", "next": back})
    assert response["Location"] == back
    assert messages_of(response) == ["Feedback saved on 1.1.1 “A student's box”."]
    assert box.feedback.text == "Quote the op-ed."
    assert ">\nQuote the op-ed.</textarea>" in client.get(box.get_absolute_url()).content.decode()


def test_the_feedback_forms_hint_says_the_student_sees_it_now_once_released(client, debate, teacher, student, claim):
    box = submit_claim(debate, student, text="Pending box", target=claim)
    pages = [
        box.get_absolute_url(),
        reverse("debates:moderation-queue"),
        reverse("debates:student-items", args=[debate.classroom.pk, student.pk]),
    ]
    login(client, teacher)
    later, now = "Seen by the student once you release", "Seen by the student now: this debate's grades are released."
    for page in pages:
        html = unescape(client.get(page).content.decode())
        assert later in html and now not in html, page
    feedback.grades_release(debate=debate, teacher=teacher)
    for page in pages:
        html = unescape(client.get(page).content.decode())
        assert now in html and later not in html, page


def test_a_box_nobody_grades_offers_no_feedback_form(client, debate, teacher, co_teacher, claim):
    # The teacher's own box, a co-teacher's and one without an author are no student's work
    # (their links to the claim still take feedback, as every link does).
    boxes = [make_node(debate, author=author, target=claim) for author in (teacher, co_teacher, None)]
    login(client, teacher)
    for box in boxes:
        html = client.get(box.get_absolute_url()).content.decode()
        assert f'name="n{box.pk}-text"' not in html and f'id="node-{box.pk}"' not in html


def test_only_the_debates_teachers_see_the_feedback_form_on_a_box(
    client, debate, teacher, student, other_student, other_teacher, claim
):
    box = make_node(debate, text="A student's box", author=student, target=claim)
    feedback.feedback_save(item=box, teacher=teacher, text="Quote the op-ed.")
    feedback.grades_release(debate=debate, teacher=teacher)
    for who in (student, other_student):
        html = login(client, who).get(box.get_absolute_url()).content.decode()
        assert 'class="feedback-form"' not in html and f'name="n{box.pk}-text"' not in html
    # Its author reads the released feedback; another student does not.
    assert "Quote the op-ed." in text_of(login(client, student).get(box.get_absolute_url()))
    assert "Quote the op-ed." not in text_of(login(client, other_student).get(box.get_absolute_url()))
    assert login(client, other_teacher).get(box.get_absolute_url()).status_code == 404


def test_the_queue_offers_feedback_on_a_pending_box_and_comes_back_to_it(client, debate, teacher, student, claim):
    box = submit_claim(debate, student, text="Pending box", target=claim)
    feedback.feedback_save(item=box, teacher=teacher, text="Which talks?")
    queue = reverse("debates:moderation-queue")
    login(client, teacher)
    html = client.get(queue).content.decode()
    card = html[html.index(f'id="node-{box.pk}"') :]
    card = card[: card.index("</article>")]
    assert f'action="{feedback_url(box)}"' in card and ">\nWhich talks?</textarea>" in card
    assert "Feedback on this box" in card
    response = client.post(
        feedback_url(box), {f"n{box.pk}-text": "Which talks, when?", "next": f"{queue}#node-{box.pk}"}
    )
    assert response["Location"] == f"{queue}#node-{box.pk}"
    assert messages_of(response) == ["Feedback saved on (new) “Pending box”."]
    assert Feedback.objects.get(node=box).text == "Which talks, when?"
    box.refresh_from_db()
    assert box.status == Status.PENDING  # feedback decides nothing


# --- Query counts: the pages that show link feedback ---------------------------------------


def _hub_with_links(debate, teacher, student, n: int, hub=None):
    """n approved boxes each linked to hub by `student`, each link with feedback."""
    hub = hub or make_node(debate, text="Hub of many links")
    for i in range(n):
        box = make_node(debate, text=f"Spoke {i}", target=hub, author=student)
        feedback.feedback_save(item=box.outgoing.get(), teacher=teacher, text=f"Link note {i}")
    return hub


@pytest.mark.parametrize("reader", ["teacher", "student"])
def test_the_node_page_costs_the_same_queries_for_3_or_12_links_with_feedback(
    client, debate, teacher, student, reader, django_assert_num_queries
):
    feedback.grades_release(debate=debate, teacher=teacher)
    # The student's own box: the teacher gets a form for its feedback, the student reads it.
    hub = make_node(debate, text="Hub of many links", author=student)
    feedback.feedback_save(item=hub, teacher=teacher, text="Box note")
    _hub_with_links(debate, teacher, student, 3, hub=hub)
    login(client, teacher if reader == "teacher" else student)
    # session, user, debate (+classroom, +group copy, +map revision), roles, the node, its
    # links (+ends), the node's history, the feedback on the node and its links (one query),
    # the student's open tasks on it (students only), the navigation's counts; the standing
    # comes from the debate's kept judgement (the first reader after a change pays one more
    # query for it: each measure comes after one such reader).
    expected = 9 if reader == "teacher" else 10
    client.get(hub.get_absolute_url())
    with django_assert_num_queries(expected):
        html = client.get(hub.get_absolute_url()).content.decode()
    assert html.count("Link note") == 3 and "Box note" in html
    assert (f'name="n{hub.pk}-text"' in html) == (reader == "teacher")
    _hub_with_links(debate, teacher, student, 9, hub=hub)
    client.get(hub.get_absolute_url())
    with django_assert_num_queries(expected):
        page = text_of(client.get(hub.get_absolute_url()))
    assert page.count("Link note") == 12


def _shows_each_link_note_at_a_fixed_cost(client, url, add, queries, django_assert_num_queries, note="Link note"):
    """The page at `url` costs `queries` queries with 3 items (add(3)) and with 9 (add(6)
    more), and shows the feedback (`note` ...) of each."""
    for more, total in [(3, 3), (6, 9)]:
        add(more)
        client.get(url)  # the first reader since a change judges the debate (one query more)
        with django_assert_num_queries(queries):
            assert client.get(url).content.decode().count(note) == total


def test_the_students_items_page_costs_the_same_queries_for_3_or_9_links_with_feedback(
    client, classroom, debate, teacher, student, claim, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            box = make_node(debate)
            link = moderation.relation_submit(author=student, source=box, target=claim, kind="opposes")
            moderation.item_decide(item=link, moderator=teacher, action=Action.APPROVED)
            feedback.feedback_save(item=link, teacher=teacher, text=f"Link note {link.pk}")

    login(client, teacher)
    url = reverse("debates:student-items", args=[classroom.pk, student.pk])
    # session, user, classroom, the user's roles, the student, the classroom's debates, the
    # student's nodes (none here), their links with both ends and feedback, the navigation's counts
    _shows_each_link_note_at_a_fixed_cost(client, url, add, 9, django_assert_num_queries)


def test_the_queue_costs_the_same_queries_for_3_or_9_pending_links_with_feedback(
    client, debate, teacher, student, claim, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            link = factories.make_relation(make_node(debate), claim, author=student, status=Status.PENDING)
            feedback.feedback_save(item=link, teacher=teacher, text=f"Link note {link.pk}")

    login(client, teacher)
    # session, user, the Teachers group, the filters' students and debates, the queue's length,
    # the page's keys, its links with both ends and feedback, the navigation's counts
    queue = reverse("debates:moderation-queue")
    _shows_each_link_note_at_a_fixed_cost(client, queue, add, 9, django_assert_num_queries)


def test_the_queue_costs_the_same_queries_for_3_or_9_pending_boxes_with_feedback(
    client, debate, teacher, student, claim, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            box = submit_claim(debate, student, text=f"Pending box {Node.objects.count()}", target=claim)
            feedback.feedback_save(item=box, teacher=teacher, text=f"Box note {box.pk}")

    login(client, teacher)
    # session, user, the Teachers group, the filters' students and debates, the queue's length,
    # the page's keys, its boxes with their feedback (joined), their arrows, the navigation's counts
    queue = reverse("debates:moderation-queue")
    _shows_each_link_note_at_a_fixed_cost(client, queue, add, 10, django_assert_num_queries, note="Box note")


def test_my_contributions_costs_the_same_queries_for_3_or_9_links_with_released_feedback(
    client, debate, teacher, student, claim, django_assert_num_queries
):
    feedback.grades_release(debate=debate, teacher=teacher)

    def add(n):
        for _ in range(n):
            link = moderation.relation_submit(author=student, source=make_node(debate), target=claim, kind="opposes")
            feedback.feedback_save(item=link, teacher=teacher, text=f"Standalone note {link.pk}")
            box = submit_claim(debate, student, text="Boxed", target=claim)
            moderation.item_decide(item=box, moderator=teacher, action=Action.APPROVED)
            feedback.feedback_save(item=box.outgoing.get(), teacher=teacher, text=f"Arrow note {box.pk}")

    login(client, student)
    url = reverse("debates:my-contributions")
    for more, total in [(3, 3), (6, 9)]:
        add(more)
        # as in test_contributing: session, user, marking the decision notices seen, nodes,
        # their decisions, their arrows, links, their decisions, the released feedback on all
        # of them, released grades, the navigation's counts; the outline numbers come from the
        # debate's kept judgement (the first reader after a change pays one query more for it:
        # each measure comes after one)
        client.get(url)
        with django_assert_num_queries(11):
            page = text_of(client.get(url))
        assert page.count("Standalone note") == total and page.count("Arrow note") == total
        assert page.count("opposes 1.1 ") == total  # each standalone link's target, by number
