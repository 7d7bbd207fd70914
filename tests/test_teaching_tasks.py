"""Tasks: set by a teacher for the class or named students; seen on the home and node pages;
a contribution made from one counts towards it; the teacher sees the progress."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from debates.errors import ModerationError, NotAllowed
from debates.models import Notification, NotificationKind, Task, TaskContribution
from debates.teaching import tasks
from tests.factories import login, text_of


def test_a_task_for_named_students_is_seen_by_them_only(client, debate, teacher, student, other_student, claim):
    task = tasks.task_create(
        debate=debate, teacher=teacher, text="Find evidence for 1.1", node=claim, students=[student]
    )
    assert text_of(login(client, student).get("/")).count("Find evidence for 1.1") == 1
    assert "Find evidence for 1.1" in text_of(client.get(claim.get_absolute_url()))
    assert "Find evidence for 1.1" not in text_of(login(client, other_student).get("/"))
    assert login(client, other_student).get(task.get_absolute_url()).status_code == 404
    told = Notification.objects.filter(kind=NotificationKind.TASK).values_list("recipient__username", flat=True)
    assert list(told) == ["student"]


def test_a_class_task_reaches_every_student_and_a_past_due_one_leaves_the_home_page(
    client, debate, teacher, student, other_student
):
    tasks.task_create(debate=debate, teacher=teacher, text="Answer the objection")
    old = tasks.task_create(debate=debate, teacher=teacher, text="Old task", due=date.today())
    assert Notification.objects.filter(kind=NotificationKind.TASK).count() == 4
    Task.objects.filter(pk=old.pk).update(due=date.today() - timedelta(days=1))  # a day passes
    page = text_of(login(client, other_student).get("/"))
    assert "Answer the objection" in page and "Old task" not in page


def test_a_contribution_from_a_task_counts_towards_it(client, debate, teacher, student, claim):
    task = tasks.task_create(debate=debate, teacher=teacher, text="Support 1.1", node=claim)
    login(client, student)
    form = client.get(reverse("debates:node-create", args=[debate.slug]) + f"?task={task.pk}&target={claim.pk}")
    assert f'name="task" value="{task.pk}"' in form.content.decode() and "Support 1.1" in text_of(form)
    response = client.post(
        reverse("debates:node-create", args=[debate.slug]),
        {"kind": "claim", "relation": "supports", "target": claim.pk, "text": "Because of X.", "task": task.pk},
    )
    assert response.status_code == 302
    link = TaskContribution.objects.get()
    assert link.task == task and link.student == student and link.node.text == "Because of X."
    progress = {row.student.username: row for row in tasks.progress(task)}
    assert progress["student"].by_status == {"pending": 1} and progress["other_student"].total == 0
    teacher_view = text_of(login(client, teacher).get(task.get_absolute_url()))
    assert "1 pending" in teacher_view and "not started" in teacher_view


def test_a_task_not_set_for_the_student_refuses_the_contribution_and_stores_nothing(
    client, debate, teacher, student, other_student, claim
):
    task = tasks.task_create(debate=debate, teacher=teacher, text="Only for other", students=[other_student])
    login(client, student)
    response = client.post(
        reverse("debates:node-create", args=[debate.slug]),
        {"kind": "claim", "relation": "supports", "target": claim.pk, "text": "Sneaky.", "task": task.pk},
    )
    assert response.status_code == 400
    assert "That task is not one of yours" in response.content.decode()
    assert not debate.nodes.filter(text="Sneaky.").exists()


def test_only_the_debates_teachers_set_tasks_and_only_for_its_students(
    debate, teacher, student, other_teacher, outsider, other_classroom
):
    with pytest.raises(NotAllowed):
        tasks.task_create(debate=debate, teacher=student, text="x")
    with pytest.raises(NotAllowed):
        tasks.task_create(debate=debate, teacher=other_teacher, text="x")
    with pytest.raises(ModerationError, match="outsider"):
        tasks.task_create(debate=debate, teacher=teacher, text="x", students=[outsider])
    with pytest.raises(ModerationError) as caught:
        tasks.task_create(debate=debate, teacher=teacher, text="   ")
    assert "text" in caught.value.message_dict


def test_task_pages_by_role(client, debate, teacher, student, other_teacher, claim):
    url = reverse("debates:task-list", args=[debate.slug])
    assert client.get(url).status_code == 302
    login(client, teacher)
    response = client.post(url, {"text": "Find evidence", "node": claim.pk, "due": "2030-01-01"})
    assert response.status_code == 302
    assert client.post(url, {"text": ""}).status_code == 400
    assert login(client, student).get(url).status_code == 200
    assert client.post(url, {"text": "Mine"}).status_code == 404
    assert login(client, other_teacher).get(url).status_code == 404


def test_the_home_page_costs_the_same_queries_for_3_or_30_tasks(
    client, debate, teacher, student, django_assert_num_queries
):
    login(client, student)
    for n in range(3):
        tasks.task_create(debate=debate, teacher=teacher, text=f"Task {n}")
    # session, user, debates, the Teachers group, open tasks with debate and node, the navigation's counts
    with django_assert_num_queries(6):
        client.get("/")
    for n in range(27):
        tasks.task_create(debate=debate, teacher=teacher, text=f"More {n}", students=[student])
    with django_assert_num_queries(6):
        page = text_of(client.get("/"))
    assert page.count("Task ") + page.count("More ") == 20  # the first twenty, soonest due first


def test_a_task_due_in_the_past_is_refused_naming_the_due_date(debate, teacher, student):
    with pytest.raises(ModerationError) as refused:
        tasks.task_create(debate=debate, teacher=teacher, text="Too late", due=date.today() - timedelta(days=1))
    assert "due" in refused.value.message_dict
    assert not Task.objects.filter(text="Too late").exists()
    assert not Notification.objects.filter(kind=NotificationKind.TASK).exists()
