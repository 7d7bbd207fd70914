"""Activity per student: what each student of a classroom contributed, how it was decided
and graded. Pure aggregation over a fixed number of queries, whatever the number of
students, debates or items (seven: students, node counts, link counts, rejection reasons,
last activity, grades, scales)."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q, QuerySet

from debates.models import (
    Action,
    Classroom,
    Debate,
    Grade,
    GradeBook,
    GroupCopy,
    GroupMember,
    Kind,
    Membership,
    ModerationEvent,
    Node,
    Relation,
    Status,
)

# Every status a contribution can have (a withdrawn one included: it is the student's work
# too), so that a status added to Status can never be missing from a row.
STATUSES = [Status.PENDING, Status.APPROVED, Status.RETURNED, Status.REJECTED, Status.WITHDRAWN]
# The kinds a student contributes; "link" is an arrow proposed on its own between two boxes.
KINDS = [Kind.POSITION, Kind.CLAIM, Kind.EVIDENCE, "link"]


def students_of(debate: Debate) -> QuerySet:
    """The users who are students of this debate: its classroom's, or its group's members."""
    if debate.classroom_id is None:
        return get_user_model().objects.none()
    students = classroom_students(debate.classroom_id)
    if GroupCopy.objects.filter(debate=debate).exists():
        students = students.filter(pk__in=GroupMember.objects.filter(group_id=debate.pk).values("student"))
    return students


@dataclass
class StudentActivity:
    """One student's row. Counts cover nodes (by kind) and links proposed on their own."""

    student: object
    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    quoted_evidence: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    last_activity: datetime | None = None
    # debate id -> (score, scale)
    grades: dict[int, tuple[Decimal, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def returned(self) -> int:
        """Items returned for revision: waiting for the student."""
        return self.by_status[Status.RETURNED]


def classroom_students(classroom: Classroom | int) -> QuerySet:
    """The classroom's students, by user name."""
    return (
        get_user_model()
        .objects.filter(memberships__classroom=classroom, memberships__role=Membership.Role.STUDENT)
        .order_by("username", "pk")
    )


def activity_rows(classroom: Classroom, debates: list[Debate]) -> list[StudentActivity]:
    """One row per student of the classroom, over these debates (all of the classroom's, or one)."""
    students = list(classroom_students(classroom))
    rows = {s.pk: StudentActivity(student=s) for s in students}
    if not rows or not debates:
        return list(rows.values())
    debate_ids = [d.pk for d in debates]
    student_ids = classroom_students(classroom).values("pk")

    nodes = (
        Node.objects.filter(debate_id__in=debate_ids, author__in=student_ids)
        .exclude(kind=Kind.QUESTION)
        .values("author_id", "status", "kind")
        .annotate(n=Count("pk"), quoted=Count("quote"))
    )
    for line in nodes:
        row = rows[line["author_id"]]
        row.by_status[line["status"]] += line["n"]
        row.by_kind[line["kind"]] += line["n"]
        if line["kind"] == Kind.EVIDENCE:
            row.quoted_evidence += line["quoted"]

    # An arrow submitted with its own new node is part of that contribution: not counted again.
    links = (
        Relation.objects.filter(debate_id__in=debate_ids, author__in=student_ids)
        .filter(events__action=Action.SUBMITTED)
        .values("author_id", "status")
        .annotate(n=Count("pk", distinct=True))
    )
    for line in links:
        rows[line["author_id"]].by_status[line["status"]] += line["n"]
        rows[line["author_id"]].by_kind["link"] += line["n"]

    rejections = (
        ModerationEvent.objects.filter(debate_id__in=debate_ids, action=Action.REJECTED)
        # A link rejected with its node is that node's rejection: only links proposed alone count.
        .filter(
            Q(node__author__in=student_ids)
            | Q(node__isnull=True, relation__author__in=student_ids, relation__events__action=Action.SUBMITTED)
        )
        .values("node__author_id", "relation__author_id", "reason")
        .annotate(n=Count("pk"))
    )
    for line in rejections:
        author = line["node__author_id"] or line["relation__author_id"]
        if author in rows and line["reason"]:
            reasons = rows[author].reasons
            reasons[line["reason"]] = reasons.get(line["reason"], 0) + line["n"]

    last = (
        ModerationEvent.objects.filter(debate_id__in=debate_ids, actor__in=student_ids)
        .values("actor_id")
        .annotate(last=Max("created_at"))
    )
    for line in last:
        rows[line["actor_id"]].last_activity = line["last"]

    scales = dict(GradeBook.objects.filter(debate_id__in=debate_ids).values_list("debate_id", "scale"))
    for debate_id, student_id, score in Grade.objects.filter(
        debate_id__in=debate_ids, student__in=student_ids
    ).values_list("debate_id", "student_id", "score"):
        rows[student_id].grades[debate_id] = (score, scales.get(debate_id, GradeBook._meta.get_field("scale").default))
    return list(rows.values())
