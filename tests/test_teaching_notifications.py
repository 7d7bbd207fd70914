"""Notifications: who is told what, the page, read/unread, and the navigation's counts."""

import re

import pytest
from django.urls import reverse

from debates import moderation
from debates.models import Action, Notification, NotificationKind
from debates.teaching import notifications, tasks
from tests.factories import login, question_of, submit_claim, text_of


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


# --- "My contributions N new" clears when the student opens My contributions ------------------


def nav_new(response) -> int:
    """The number in the navigation's "My contributions N new" (0 when it shows none)."""
    found = re.search(r'My contributions(?: <span class="nav-count">(\d+) new</span>)?</a>', response.content.decode())
    assert found, "no My contributions link"
    return int(found[1] or 0)


def test_opening_my_contributions_clears_its_new_count_and_only_the_decisions(
    client, debate, teacher, student, other_student, django_assert_num_queries
):
    for text in ("A", "B"):
        node = submit_claim(debate, student, text=text)
        moderation.item_decide(item=node, moderator=teacher, action=Action.APPROVED)
    theirs = submit_claim(debate, other_student, text="Theirs")
    moderation.item_decide(item=theirs, moderator=teacher, action=Action.REJECTED, reason="unclear")
    tasks.task_create(debate=debate, teacher=teacher, text="Find evidence")  # a task notice each
    login(client, student)
    # session, user, debates, the Teachers group, the open tasks, the navigation's counts (one
    # query, as on every page, before and after)
    with django_assert_num_queries(6):
        home = client.get("/")
    assert nav_new(home) == 2 and "Notifications 3 unread" in text_of(home)
    client.head(reverse("debates:my-contributions"))  # HEAD writes nothing
    assert nav_new(client.get("/")) == 2
    page = client.get(reverse("debates:my-contributions"))
    # Cleared on the page itself: its counts are read after the decisions are marked seen.
    assert nav_new(page) == 0 and "Notifications 1 unread" in text_of(page)
    with django_assert_num_queries(6):
        home = client.get("/")
    assert nav_new(home) == 0 and "Notifications 1 unread" in text_of(home)  # the task is still news
    # Nobody else's notices change.
    assert notifications.counts_for(other_student, moderator=False) == {"unread": 2, "decisions": 1, "pending": 0}


def test_a_decision_made_after_the_visit_is_new_again(client, debate, teacher, student):
    first = submit_claim(debate, student, text="First")
    moderation.item_decide(item=first, moderator=teacher, action=Action.APPROVED)
    login(client, student).get(reverse("debates:my-contributions"))
    assert notifications.counts_for(student, moderator=False)["decisions"] == 0
    second = submit_claim(debate, student, text="Second")
    moderation.item_decide(item=second, moderator=teacher, action=Action.RETURNED, note="Add a source.")
    assert nav_new(client.get("/")) == 1
    read = Notification.objects.filter(recipient=student, read_at__isnull=False)
    assert list(read.values_list("node", flat=True)) == [first.pk]


# --- how a notice names what it is about ------------------------------------------------


def test_a_links_decision_names_its_ends_by_their_words_never_by_database_ids(debate, teacher, student, claim):
    mine = submit_claim(debate, student, text="Police need better radios", target=claim)
    moderation.item_decide(item=mine, moderator=teacher, action=Action.APPROVED)
    link = moderation.relation_submit(author=student, source=mine, target=question_of(debate), kind="supports")
    moderation.item_decide(item=link, moderator=teacher, action=Action.APPROVED)
    supports = claim.outgoing.get()
    objection = moderation.relation_submit(author=student, source=mine, target_relation=supports, kind="opposes")
    moderation.item_decide(item=objection, moderator=teacher, action=Action.REJECTED, reason="unrelated")
    texts = list(
        Notification.objects.filter(recipient=student, kind=NotificationKind.DECISION)
        .order_by("pk")
        .values_list("text", flat=True)
    )
    assert texts[1].startswith("Your link “Police need better radios” supports “")
    assert texts[2].startswith("Your link from “Police need better radios”, objecting to the link “")
    assert not any(re.search(r"#\d|#None", text) for text in texts), texts


def test_an_override_in_a_task_or_note_ends_inside_its_own_words(debate, teacher, student):
    tasks.task_create(debate=debate, teacher=teacher, text="Find \u202eevidence", students=[student])
    notice = Notification.objects.get(recipient=student, kind=NotificationKind.TASK)
    assert "\u2068Find \u202eevidence\u2069" in notice.text
    mine = submit_claim(debate, student, text="A claim")
    moderation.item_decide(item=mine, moderator=teacher, action=Action.RETURNED, note="Say \u202ewhy")
    decided = Notification.objects.get(recipient=student, kind=NotificationKind.DECISION)
    assert decided.text.endswith(": \u2068Say \u202ewhy\u2069")
