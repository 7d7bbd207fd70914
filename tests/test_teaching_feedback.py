"""Feedback and grades: the workflow, its log, the grade page, and who sees what when."""

import pytest
from django.urls import reverse

from debates.errors import ModerationError, NotAllowed
from debates.models import FeedbackAction, FeedbackEvent, Grade, Notification, NotificationKind
from debates.teaching import feedback
from tests.factories import login, make_node, submit_claim, text_of


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


def test_students_see_no_feedback_or_grade_before_release(client, debate, student, graded):
    login(client, student)
    page = text_of(client.get(reverse("debates:my-contributions")))
    assert "Cite the op-ed" not in page and "Well argued" not in page and "8 out of" not in page
    assert "Cite the op-ed" not in text_of(client.get(graded["mine"].get_absolute_url()))


def test_after_release_a_student_sees_only_their_own_feedback_and_grade(client, debate, teacher, student, graded):
    feedback.grades_release(debate=debate, teacher=teacher)
    login(client, student)
    page = text_of(client.get(reverse("debates:my-contributions")))
    assert "Cite the op-ed" in page and "8.0 out of 10" in page and "Well argued" in page
    assert "Secret remark" not in page and "Hidden comment" not in page and "3.0 out of" not in page
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
    from debates.models import Membership
    from tests.factories import make_user

    login(client, teacher)
    url = reverse("debates:debate-grades", args=[debate.slug])

    def add(n):
        for _ in range(n):
            pupil = make_user()
            Membership.objects.create(classroom=debate.classroom, user=pupil, role="student")
            feedback.grade_save(debate=debate, student=pupil, teacher=teacher, score="5")

    add(3)
    # session, user, debate (+classroom, +group copy), roles, gradebook, students (group check + list),
    # grades, history with actors and students, the navigation's counts
    with django_assert_num_queries(10):
        client.get(url)
    add(27)
    with django_assert_num_queries(10):
        assert client.get(url).content.decode().count('type="text"') >= 32


def test_the_release_notification_opens_the_grades_where_the_student_sees_them(
    client, debate, teacher, student, graded
):
    feedback.grades_release(debate=debate, teacher=teacher)
    notice = Notification.objects.get(kind=NotificationKind.RELEASED, recipient=student)
    login(client, student)
    response = client.get(reverse("debates:notification-open", args=[notice.pk]), follow=True)
    assert response.redirect_chain[-1][0].endswith(reverse("debates:my-contributions") + "#grades-heading")
    assert "Your grades" in text_of(response)
