"""Tasks: a teacher sets work on a debate or one of its nodes, for the class or for named
students, with an optional due date; a contribution made from a task counts towards it."""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from debates import permissions
from debates.errors import ModerationError, NotAllowed, full_clean
from debates.models import Debate, Kind, Node, Status, Task, TaskAssignee, TaskContribution
from debates.teaching import notifications
from debates.teaching.activity import students_of
from debates.text import normalize_newlines


def _fail(field: str, message: str, cls=ModerationError, code: str = "invalid"):
    raise cls({field: [ValidationError(message, code=code)]})


def for_student(user, *, debates=None) -> QuerySet:
    """The tasks set for this student (for everyone, or naming them) in debates they can see,
    with their debate (and its group copy, which names the debate) and node: one query."""
    visible = Debate.objects.visible_to(user).values("pk") if debates is None else debates
    return (
        Task.objects.filter(debate__in=visible)
        .filter(Q(for_everyone=True) | Q(assignees__student=user))
        .exclude(created_by=user)
        .select_related("debate__group_copy", "node")
        .distinct()
        .order_by("due", "pk")
    )


def open_for_student(user, *, today: date, debates=None) -> QuerySet:
    """Tasks not yet due (or due today) and in open debates."""
    return for_student(user, debates=debates).filter(Q(due__isnull=True) | Q(due__gte=today), debate__is_open=True)


def _check_teacher(debate: Debate, teacher) -> None:
    """Setting, changing and deleting a task: the debate's teachers only, one refusal for all three."""
    if not permissions.can_moderate(teacher, debate):
        _fail("debate", "Only the debate's teachers can set, change or delete tasks.", NotAllowed, "forbidden")


def _check_choices(*, debate: Debate, node: Node | None, students, due, allowed: dict) -> list:
    """Refuse a node off this debate's map, a past due date, or someone who is not a student of
    the debate (each naming its field); return the students chosen, as a list."""
    if node is not None and (node.debate_id != debate.pk or node.status != Status.APPROVED):
        _fail("node", "Choose a box on this debate's map.", code="node")
    if due is not None and due < timezone.localdate():
        # A task already past due would be announced to the class and then never shown.
        _fail("due", "The due date has passed; choose today or a later day.", code="past")
    chosen = list(students)
    strangers = [s for s in chosen if s.pk not in allowed]
    if strangers:
        names = ", ".join(s.get_username() for s in strangers)
        _fail("students", f"Not a student of this debate: {names}.", code="not_student")
    return chosen


@transaction.atomic
def task_create(*, debate: Debate, teacher, text: str, node: Node | None = None, students=(), due=None) -> Task:
    """Set a task; with no students it is for everyone who can see the debate. Tells each student.
    Raises NotAllowed (field "debate") for anyone but the debate's teachers, ModerationError
    naming "node", "due", "students" or "text" for a choice it cannot take."""
    _check_teacher(debate, teacher)
    allowed = {u.pk: u for u in students_of(debate)}
    chosen = _check_choices(debate=debate, node=node, students=students, due=due, allowed=allowed)
    task = Task(
        debate=debate,
        node=node,
        text=normalize_newlines(text or "").strip(),
        for_everyone=not chosen,
        due=due,
        created_by=teacher,
    )
    full_clean(task)
    task.save()
    TaskAssignee.objects.bulk_create(TaskAssignee(task=task, student=s) for s in chosen)
    notifications.on_task(task, [s.pk for s in chosen] if chosen else list(allowed))
    return task


@transaction.atomic
def task_update(*, task: Task, teacher, text: str, node: Node | None = None, students=(), due=None) -> Task:
    """Change a task's text, node, students (none: the whole class) and due date. The students
    it is newly set for are told, as for a new task; those it is no longer set for keep what
    they contributed from it. Refuses as task_create() does; a due date already past may stay
    as it is (only a new one must be today or later)."""
    debate = task.debate
    _check_teacher(debate, teacher)
    allowed = {u.pk: u for u in students_of(debate)}
    kept_due = due is not None and due == task.due
    chosen = _check_choices(debate=debate, node=node, students=students, due=None if kept_due else due, allowed=allowed)
    named = set(task.assignees.values_list("student_id", flat=True))
    before = set(allowed) if task.for_everyone else named
    after = {s.pk for s in chosen} if chosen else set(allowed)
    changed = {"text": normalize_newlines(text or "").strip(), "node": node, "due": due, "for_everyone": not chosen}
    # Checked on a copy, so that a refused change leaves the caller's task as it was (a page
    # shows it again); who set it is not changed here (and is empty once that teacher is gone).
    full_clean(Task(debate=debate, **changed), exclude=["created_by"])
    for name, value in changed.items():
        setattr(task, name, value)
    task.save(update_fields=["text", "node", "due", "for_everyone"])
    # A task for the whole class names nobody: its rows go.
    kept = after if chosen else set()
    task.assignees.exclude(student_id__in=kept).delete()
    TaskAssignee.objects.bulk_create(TaskAssignee(task=task, student_id=pk) for pk in sorted(kept - named))
    notifications.on_task(task, after - before)
    return task


@transaction.atomic
def task_delete(*, task: Task, teacher) -> int:
    """Delete a task, its students and its record of contributions: the contributions
    themselves (nodes) stay where they are and no longer count towards any task. Refuses
    as task_create() does. Returns how many contributions were made from it."""
    _check_teacher(task.debate, teacher)
    made = task.contributions.count()
    task.delete()
    return made


def is_set_for(task: Task, user) -> bool:
    return task.for_everyone or task.assignees.filter(student=user).exists()


def contribution_record(*, task_id: int, node: Node) -> TaskContribution:
    """Count a node just submitted towards a task set for its author in the same debate.
    Called in the submission's transaction, so that a refused task refuses the node too."""
    task = Task.objects.filter(pk=task_id, debate_id=node.debate_id).first()
    if task is None or node.kind == Kind.QUESTION or not is_set_for(task, node.author):
        _fail("task", "That task is not one of yours in this debate.", code="task")
    return TaskContribution.objects.create(task=task, node=node, student=node.author)


@dataclass
class Progress:
    """One student's progress on a task: their contributions made from it, by status."""

    student: object
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def progress(task: Task) -> list[Progress]:
    """Each student the task is set for, with their contributions from it: two queries."""
    students = students_of(task.debate)
    if not task.for_everyone:
        students = students.filter(pk__in=task.assignees.values("student"))
    rows = {s.pk: Progress(student=s) for s in students}
    counts = TaskContribution.objects.filter(task=task).values("student_id", "node__status").annotate(n=Count("pk"))
    for line in counts:
        if line["student_id"] in rows:
            rows[line["student_id"]].by_status[line["node__status"]] = line["n"]
    return list(rows.values())
