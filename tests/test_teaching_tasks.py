"""Tasks: set by a teacher for the class or named students; seen on the home and node pages;
a contribution made from one counts towards it; the teacher sees the progress."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from debates.errors import ModerationError, NotAllowed
from debates.models import Membership, Notification, NotificationKind, Status, Task, TaskContribution
from debates.teaching import tasks
from tests.factories import login, make_node, make_user, messages_of, submit_claim, text_of


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


def test_a_tasks_notice_writes_its_due_date_as_the_pages_do(client, debate, teacher, student):
    due = (date.today() + timedelta(days=62)).replace(day=5)  # a 5th, in the future: no leading zero
    task = tasks.task_create(debate=debate, teacher=teacher, text="Essay", due=due, students=[student])
    written = f"{due.day} {due:%b %Y}"
    assert Notification.objects.get(kind=NotificationKind.TASK).text == f"New task: Essay (due {written})"
    assert f"due {written}" in text_of(login(client, student).get(task.get_absolute_url()))


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


# --- changing and deleting a task ----------------------------------------------------------


def told(kind=NotificationKind.TASK) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_a_teacher_changes_a_task_and_only_students_newly_set_it_are_told_once(
    debate, teacher, student, other_student, claim
):
    task = tasks.task_create(debate=debate, teacher=teacher, text="Find evidence", students=[student])
    assert told() == ["student"]
    due = date.today() + timedelta(days=3)
    tasks.task_update(
        task=task,
        teacher=teacher,
        text=" Find evidence for 1.1 ",
        node=claim,
        students=[student, other_student],
        due=due,
    )
    task.refresh_from_db()
    assert (task.text, task.node, task.due, task.for_everyone) == ("Find evidence for 1.1", claim, due, False)
    assert sorted(task.assignees.values_list("student__username", flat=True)) == ["other_student", "student"]
    assert told() == ["other_student", "student"]  # the newcomer, once; the student not again
    # The same change sent again (a double submit) tells nobody.
    tasks.task_update(
        task=task, teacher=teacher, text=task.text, node=claim, students=[student, other_student], due=due
    )
    assert told() == ["other_student", "student"]


def test_a_task_changed_between_the_class_and_named_students_keeps_its_rows_right(
    debate, teacher, student, other_student
):
    task = tasks.task_create(debate=debate, teacher=teacher, text="Everyone")
    assert told() == ["other_student", "student"]
    tasks.task_update(task=task, teacher=teacher, text="Only one", students=[other_student])
    assert list(task.assignees.values_list("student__username", flat=True)) == ["other_student"]
    assert told() == ["other_student", "student"]  # other_student already had it: no second notice
    assert not tasks.is_set_for(task, student) and tasks.is_set_for(task, other_student)
    tasks.task_update(task=task, teacher=teacher, text="Everyone again")
    task.refresh_from_db()
    assert task.for_everyone and not task.assignees.exists()
    assert told() == ["other_student", "student", "student"]  # student is set it anew


def test_only_the_debates_teachers_change_or_delete_a_task_with_the_refusal_of_setting_one(
    debate, teacher, student, other_teacher, outsider, claim
):
    task = tasks.task_create(debate=debate, teacher=teacher, text="Keep me")
    for who in (student, other_teacher, outsider):
        with pytest.raises(NotAllowed) as refused:
            tasks.task_update(task=task, teacher=who, text="Changed")
        assert list(refused.value.message_dict) == ["debate"]
        with pytest.raises(NotAllowed) as refused_delete:
            tasks.task_delete(task=task, teacher=who)
        assert refused_delete.value.message_dict == refused.value.message_dict
    with pytest.raises(NotAllowed) as refused_create:
        tasks.task_create(debate=debate, teacher=student, text="x")
    assert refused_create.value.message_dict == refused.value.message_dict
    task.refresh_from_db()
    assert task.text == "Keep me"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"text": "  "}, "text"),
        ({"due": date.today() - timedelta(days=1)}, "due"),
        ({"students": "outsider"}, "students"),
        ({"node": "pending"}, "node"),
    ],
)
def test_a_change_the_task_cannot_take_is_refused_naming_the_field_and_changes_nothing(
    debate, teacher, student, outsider, claim, change, field
):
    task = tasks.task_create(debate=debate, teacher=teacher, text="As set", node=claim, students=[student])
    pending = make_node(debate, text="Waiting", status=Status.PENDING)
    values = {"text": "Changed", "node": claim, "students": [student], "due": None}
    values.update(change)
    values["students"] = [outsider] if values["students"] == "outsider" else values["students"]
    values["node"] = pending if values["node"] == "pending" else values["node"]
    with pytest.raises(ModerationError) as refused:
        tasks.task_update(task=task, teacher=teacher, **values)
    assert field in refused.value.message_dict
    task = Task.objects.get(pk=task.pk)
    assert (task.text, task.node_id) == ("As set", claim.pk)
    assert list(task.assignees.values_list("student", flat=True)) == [student.pk]


def test_a_past_due_date_may_stay_when_the_rest_of_the_task_changes(debate, teacher):
    task = tasks.task_create(debate=debate, teacher=teacher, text="Late", due=date.today())
    past = date.today() - timedelta(days=2)
    Task.objects.filter(pk=task.pk).update(due=past)  # two days pass
    task.refresh_from_db()
    tasks.task_update(task=task, teacher=teacher, text="Late, but still wanted", due=past)
    assert Task.objects.get(pk=task.pk).text == "Late, but still wanted"


def test_a_task_whose_teacher_is_gone_can_still_be_changed(debate, teacher, co_teacher):
    task = tasks.task_create(debate=debate, teacher=co_teacher, text="From a colleague")
    Task.objects.filter(pk=task.pk).update(created_by=None)  # the colleague's account is deleted
    task.refresh_from_db()
    tasks.task_update(task=task, teacher=teacher, text="Taken over")
    assert Task.objects.get(pk=task.pk).text == "Taken over"


def test_deleting_a_task_keeps_what_was_contributed_from_it(client, debate, teacher, student, claim):
    task = tasks.task_create(debate=debate, teacher=teacher, text="Support 1.1", node=claim)
    node = submit_claim(debate, student, text="Because of X.", target=claim)
    tasks.contribution_record(task_id=task.pk, node=node)
    assert tasks.task_delete(task=task, teacher=teacher) == 1
    assert not Task.objects.filter(pk=task.pk).exists() and not TaskContribution.objects.exists()
    node.refresh_from_db()
    assert node.status == Status.PENDING and node.text == "Because of X."
    # It still reads as the student's contribution, no longer tied to a task.
    page = text_of(login(client, student).get(reverse("debates:my-contributions")))
    assert "Because of X." in page


# --- the pages ---------------------------------------------------------------------------------


def test_the_teacher_edits_a_task_from_its_page_and_the_list(client, debate, teacher, student, other_student, claim):
    task = tasks.task_create(debate=debate, teacher=teacher, text="Find evidence", students=[student])
    edit = reverse("debates:task-edit", args=[debate.slug, task.pk])
    login(client, teacher)
    assert edit in client.get(task.get_absolute_url()).content.decode()
    assert edit in client.get(reverse("debates:task-list", args=[debate.slug])).content.decode()
    form = client.get(edit)
    assert form.status_code == 200
    html = form.content.decode()
    assert re.search(r">\s*Find evidence</textarea>", html)
    assert re.search(rf'value="{student.pk}"[^>]*checked', html)
    response = client.post(
        edit, {"text": "Find evidence for 1.1", "node": claim.pk, "students": [student.pk, other_student.pk]}
    )
    assert response.status_code == 302 and response["Location"] == task.get_absolute_url()
    assert messages_of(response) == ["Task changed; students it is newly set for have been told."]
    task.refresh_from_db()
    assert task.text == "Find evidence for 1.1" and task.node == claim
    assert told() == ["other_student", "student"]
    refused = client.post(edit, {"text": "Late", "due": (date.today() - timedelta(days=1)).isoformat()})
    assert refused.status_code == 400 and "The due date has passed" in text_of(refused)


def test_the_teacher_deletes_a_task_after_confirming(client, debate, teacher, student, claim):
    task = tasks.task_create(debate=debate, teacher=teacher, text="Support 1.1", node=claim)
    tasks.contribution_record(task_id=task.pk, node=submit_claim(debate, student, text="Mine", target=claim))
    delete = reverse("debates:task-delete", args=[debate.slug, task.pk])
    login(client, teacher)
    assert delete in client.get(task.get_absolute_url()).content.decode()
    assert delete in client.get(reverse("debates:task-list", args=[debate.slug])).content.decode()
    confirm = client.get(delete)
    assert confirm.status_code == 200 and "The 1 contribution made from it stays" in text_of(confirm)
    assert Task.objects.filter(pk=task.pk).exists()  # asking deletes nothing
    response = client.post(delete)
    assert response.status_code == 302 and response["Location"] == reverse("debates:task-list", args=[debate.slug])
    assert not Task.objects.filter(pk=task.pk).exists() and debate.nodes.filter(text="Mine").exists()


def test_task_edit_and_delete_pages_are_the_debates_teachers_only(
    client, debate, teacher, student, other_teacher, claim
):
    task = tasks.task_create(debate=debate, teacher=teacher, text="Keep me", students=[student])
    edit = reverse("debates:task-edit", args=[debate.slug, task.pk])
    delete = reverse("debates:task-delete", args=[debate.slug, task.pk])
    assert client.get(edit).status_code == 302 and client.post(delete).status_code == 302  # to log in
    for who in (student, other_teacher):
        login(client, who)
        assert client.get(edit).status_code == 404
        assert client.post(edit, {"text": "Changed"}).status_code == 404
        assert client.get(delete).status_code == 404 and client.post(delete).status_code == 404
    assert "Edit" not in text_of(login(client, student).get(task.get_absolute_url()))
    assert Task.objects.get(pk=task.pk).text == "Keep me"
    login(client, teacher)
    assert client.put(edit).status_code == 405 and client.delete(delete).status_code == 405
    other = reverse("debates:task-edit", args=[debate.slug, task.pk + 1000])
    assert client.get(other).status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_the_task_pages_cost_the_same_queries_whatever_the_class_and_debate(
    client, debate, teacher, student, claim, size, django_assert_num_queries
):
    students = [make_user(f"pupil{n:02}") for n in range(size)]
    for pupil in students:
        Membership.objects.create(classroom=debate.classroom, user=pupil, role=Membership.Role.STUDENT)
    for n in range(size):
        make_node(debate, text=f"Box {n}", target=claim)
    for n in range(3):
        task = tasks.task_create(debate=debate, teacher=teacher, text=f"Task {n}", node=claim, students=students[:3])
    login(client, teacher)
    # Expect 12 queries: session, user, debate (+its map revision), the user's roles; the
    # approved boxes and arrows (one UNION, for the outline numbers: the first reader since the
    # last change judges the debate, and it is kept under the map revision); whether it is a
    # group's debate, the approved boxes and the students (the form's choices); the tasks with
    # their nodes, their named students and those users (prefetched); the navigation's counts.
    with django_assert_num_queries(12):
        page = text_of(client.get(reverse("debates:task-list", args=[debate.slug])))
    assert page.count("On 1.1 Military operations") == 3
    # Expect 10 queries: session, user, debate, the user's roles, the task with its node, its
    # named students; whether it is a group's debate, the approved boxes and the students (the
    # form's choices); the navigation's counts. The outline numbers are kept.
    with django_assert_num_queries(10):
        client.get(reverse("debates:task-edit", args=[debate.slug, task.pk]))
    # Expect 9 queries: session, user, debate, the user's roles, the task with its node;
    # whether it is a group's debate, its students, their contributions from it by status (the
    # progress); the navigation's counts.
    with django_assert_num_queries(9):
        page = text_of(client.get(task.get_absolute_url()))
    assert "On 1.1 Military operations" in page and page.count("not started") == 3


def test_a_refused_change_shows_the_task_as_it_was(client, debate, teacher):
    task = tasks.task_create(debate=debate, teacher=teacher, text="As set")
    response = login(client, teacher).post(reverse("debates:task-edit", args=[debate.slug, task.pk]), {"text": " "})
    assert response.status_code == 400
    assert "<title>Change the task · As set" in response.content.decode()
    assert Task.objects.get(pk=task.pk).text == "As set"


def test_the_edit_form_gives_the_due_date_as_a_date_input_reads_it_and_keeps_it(client, debate, teacher, student):
    """A date input shows only an ISO date (2026-12-05): in any other form it shows empty, and
    saving the form unchanged would erase the due date."""
    due = date.today() + timedelta(days=6)
    task = tasks.task_create(debate=debate, teacher=teacher, text="Find evidence", students=[student], due=due)
    edit = reverse("debates:task-edit", args=[debate.slug, task.pk])
    html = login(client, teacher).get(edit).content.decode()
    shown = re.search(r'<input type="date" name="due" value="([^"]*)"', html)
    assert shown and shown[1] == due.isoformat()
    response = client.post(edit, {"text": "Find evidence", "students": [student.pk], "due": shown[1]})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.due == due
