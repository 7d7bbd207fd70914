"""Notifications: who is told what, the page, read/unread, and the navigation's counts."""

import pytest
from django.urls import reverse

from debates import moderation
from debates.models import Action, Notification, NotificationKind
from debates.teaching import notifications
from tests.factories import login, submit_claim, text_of


def test_a_decision_tells_the_author_with_the_note_and_links_to_the_node(debate, teacher, student):
    node = submit_claim(debate, student, text="Talks failed")
    moderation.item_decide(item=node, moderator=teacher, action=Action.RETURNED, note="Add a source.")
    told = Notification.objects.get(recipient=student)
    assert told.kind == NotificationKind.DECISION and "returned for revision" in told.text
    assert "Add a source." in told.text and told.get_absolute_url() == node.get_absolute_url()


def test_new_items_tell_each_teacher_once_until_read(debate, teacher, student, other_student):
    submit_claim(debate, student, text="One")
    submit_claim(debate, other_student, text="Two")
    pending = Notification.objects.filter(kind=NotificationKind.PENDING)
    assert list(pending.values_list("recipient__username", flat=True)) == ["teacher"]
    notifications.mark_read(user=teacher)
    submit_claim(debate, student, text="Three")
    assert pending.count() == 2


def test_a_teachers_own_contribution_tells_nobody(debate, teacher):
    submit_claim(debate, teacher, text="Mine")
    assert not Notification.objects.exists()


def test_navigation_shows_counts_for_a_teacher_and_a_student(client, debate, teacher, student):
    node = submit_claim(debate, student, text="A")
    submit_claim(debate, student, text="B")
    moderation.item_decide(item=node, moderator=teacher, action=Action.APPROVED)
    client.force_login(teacher)
    session = client.session
    session["counterpoint_is_teacher"] = True
    session.save()
    page = text_of(client.get("/"))
    assert "Moderation 1" in page and "Notifications 1 unread" in page
    page = text_of(login(client, student).get("/"))
    assert "My contributions 1 new" in page and "Notifications 1 unread" in page


def test_the_page_lists_them_and_opening_one_marks_it_read(client, debate, teacher, student):
    node = submit_claim(debate, student, text="A")
    moderation.item_decide(item=node, moderator=teacher, action=Action.REJECTED, reason="unclear")
    told = Notification.objects.get(recipient=student)
    login(client, student)
    assert "rejected (unclear)" in text_of(client.get(reverse("debates:notifications")))
    response = client.get(reverse("debates:notification-open", args=[told.pk]))
    assert response.status_code == 302 and response["Location"] == node.get_absolute_url()
    told.refresh_from_db()
    assert told.read_at is not None


def test_notifications_are_private_and_need_a_login(client, debate, teacher, student, other_student):
    node = submit_claim(debate, student, text="A")
    moderation.item_decide(item=node, moderator=teacher, action=Action.APPROVED)
    told = Notification.objects.get(recipient=student)
    assert client.get(reverse("debates:notifications")).status_code == 302
    login(client, other_student)
    assert client.get(reverse("debates:notification-open", args=[told.pk])).status_code == 404
    assert "was approved" not in text_of(client.get(reverse("debates:notifications")))
    client.post(reverse("debates:notifications-read"))
    told.refresh_from_db()
    assert told.read_at is None
    assert client.get(reverse("debates:notifications-read")).status_code == 405


@pytest.mark.parametrize("size", [3, 30])
def test_notification_page_costs_the_same_queries_whatever_their_number(
    client, debate, teacher, student, size, django_assert_num_queries
):
    for n in range(size):
        node = submit_claim(debate, student, text=f"N{n}")
        moderation.item_decide(item=node, moderator=teacher, action=Action.APPROVED)
    login(client, student)
    # session, user, notifications with debates, the navigation's counts
    with django_assert_num_queries(4):
        assert text_of(client.get(reverse("debates:notifications"))).count("was approved") == size
