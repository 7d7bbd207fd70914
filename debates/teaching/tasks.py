"""Tasks: a teacher sets work on a debate or one of its nodes, for the class or for named
students, with an optional due date; a contribution made from a task counts towards it."""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from debates import permissions
from debates.errors import ModerationError, NotAllowed
from debates.models import Debate, Kind, Node, Status, Task, TaskAssignee, TaskContribution
from debates.teaching import notifications
from debates.teaching.activity import students_of
from debates.text import normalize_newlines


def _fail(field: str, message: str, cls=ModerationError, code: str = "invalid"):
    raise cls({field: [ValidationError(message, code=code)]})


def for_student(user, *, debates=None) -> QuerySet:
    """The tasks set for this student (for everyone, or naming them) in debates they can see,
    with their debate and node: one query."""
    visible = Debate.objects.visible_to(user).values("pk") if debates is None else debates
    return (
        Task.objects.filter(debate__in=visible)
        .filter(Q(for_everyone=True) | Q(assignees__student=user))
        .exclude(created_by=user)
        .select_related("debate", "node")
        .distinct()
        .order_by("due", "pk")
    )


def open_for_student(user, *, today: date, debates=None) -> QuerySet:
    """Tasks not yet due (or due today) and in open debates."""
    return for_student(user, debates=debates).filter(Q(due__isnull=True) | Q(due__gte=today), debate__is_open=True)


@transaction.atomic
def task_create(*, debate: Debate, teacher, text: str, node: Node | None = None, students=(), due=None) -> Task:
    """Set a task; with no students it is for everyone who can see the debate. Tells each student."""
    if not permissions.can_moderate(teacher, debate):
        _fail("debate", "Only the debate's teachers can set tasks.", NotAllowed, "forbidden")
    if node is not None and (node.debate_id != debate.pk or node.status != Status.APPROVED):
        _fail("node", "Choose a box on this debate's map.", code="node")
    if due is not None and due < timezone.localdate():
        # A task already past due would be announced to the class and then never shown.
        _fail("due", "The due date has passed; choose today or a later day.", code="past")
    allowed = {u.pk: u for u in students_of(debate)}
    chosen = [s for s in students]
    strangers = [s for s in chosen if s.pk not in allowed]
    if strangers:
        names = ", ".join(s.get_username() for s in strangers)
        _fail("students", f"Not a student of this debate: {names}.", code="not_student")
    task = Task(
        debate=debate,
        node=node,
        text=normalize_newlines(text or "").strip(),
        for_everyone=not chosen,
        due=due,
        created_by=teacher,
    )
    try:
        task.full_clean()
    except ValidationError as error:
        raise ModerationError(error.message_dict) from None
    task.save()
    TaskAssignee.objects.bulk_create(TaskAssignee(task=task, student=s) for s in chosen)
    notifications.on_task(task, [s.pk for s in chosen] if chosen else list(allowed))
    return task


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
