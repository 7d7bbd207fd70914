"""Group copies: a debate copied for small groups of a classroom (Kialo Edu's small-group
discussions). Each group debate is a normal Debate of the same classroom with its own
moderation, activity and grades; only its members and the classroom's teachers see it
(DebateQuerySet.visible_to and permissions.can_see_debate)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from debates import classrooms, permissions
from debates.errors import ModerationError, NotAllowed
from debates.maps.cache import map_changed
from debates.models import Debate, GroupCopy, GroupMember, Kind, Node, Quote, Relation, Status
from debates.teaching.activity import classroom_students


@dataclass(frozen=True)
class GroupSpec:
    """A group to make: its name and its students (user objects)."""

    name: str
    students: tuple


def _fail(field: str, message: str, cls=ModerationError, code: str = "invalid"):
    raise cls({field: [ValidationError(message, code=code)]})


def _name_key(name: str) -> str:
    """What makes two group names the same to a reader: "Group A", "group a" and "Group  A"
    would be copies nobody can tell apart, in the filters and wherever the debate is named."""
    return " ".join(name.split()).casefold()


def _check_names(origin: Debate, groups: list["GroupSpec"]) -> None:
    """Refuse (field "groups") a name given twice, or one that a group of `origin` already has."""
    taken = {_name_key(name): name for name in GroupCopy.objects.filter(origin=origin).values_list("name", flat=True)}
    given: dict[str, str] = {}
    for spec in groups:
        key = _name_key(spec.name)
        if key in taken:
            already = f"This debate already has a group called “{taken[key]}”"
            _fail("groups", f"{already}: give “{spec.name}” another name.", code="name_taken")
        if key in given:
            twice = (
                f"Two groups are called “{spec.name}”"
                if given[key] == spec.name
                else f"“{given[key]}” and “{spec.name}” are one name to a reader"
            )
            _fail("groups", f"{twice}: give each group its own name.", code="name_twice")
        given[key] = spec.name


@transaction.atomic
def groups_create(*, origin: Debate, teacher, groups: list[GroupSpec]) -> list[Debate]:
    """Copy the debate (question, description, sources, approved nodes with their quotes and
    approved arrows) into one group debate per spec, in the same classroom. Raises NotAllowed
    (field "debate") for anyone but its teachers, ModerationError (field "groups") for a
    group without students or with a student outside the classroom, named twice, or in another
    group of this debate (of this batch or an earlier one), and for a name given twice or
    already a group's of this debate (case and spacing aside); nothing is made then."""
    if origin.classroom_id is None or not permissions.can_moderate(teacher, origin):
        _fail("debate", "Only the teachers of a classroom's debate can copy it for groups.", NotAllowed, "forbidden")
    if GroupCopy.objects.filter(debate=origin).exists():
        _fail("debate", "This is already a group debate; copy the original instead.", code="group_of_group")
    if not groups:
        _fail("groups", "Name at least one group.", code="required")
    _check_names(origin, groups)
    allowed = set(classroom_students(origin.classroom_id).values_list("pk", flat=True))
    # A student in a copy from an earlier batch would see two copies of one debate.
    earlier = dict(GroupMember.objects.filter(group__origin=origin).values_list("student_id", "group__name"))
    seen: dict[int, GroupSpec] = {}
    for spec in groups:
        if not spec.students:
            _fail("groups", f"Group “{spec.name}” has no students.", code="empty_group")
        for student in spec.students:
            username = student.get_username()
            if student.pk not in allowed:
                _fail("groups", f"{username} is not a student of this classroom.", code="not_student")
            if student.pk in earlier:
                _fail("groups", f"{username} is already in this debate's group “{earlier[student.pk]}”.", code="twice")
            if seen.get(student.pk) is spec:
                _fail("groups", f"{username} is named twice in “{spec.name}”.", code="twice")
            if student.pk in seen:
                _fail("groups", f"{username} is in both “{seen[student.pk].name}” and “{spec.name}”.", code="twice")
            seen[student.pk] = spec
    nodes = list(origin.nodes.filter(status=Status.APPROVED).exclude(kind=Kind.QUESTION).select_related("quote"))
    arrows = list(origin.relations.filter(status=Status.APPROVED).order_by("pk"))
    sources = list(origin.sources.all())
    made = []
    for spec in groups:
        debate = classrooms.debate_create(
            created_by=teacher,
            question=origin.question,
            description=origin.description,
            classroom=origin.classroom,
            slug=_slug(origin, spec.name),
            sources=sources,
        )
        group = GroupCopy(debate=debate, origin=origin, name=spec.name.strip())
        try:
            group.full_clean()
        except ValidationError as error:
            raise ModerationError({"groups": error.messages}) from None
        group.save()
        GroupMember.objects.bulk_create(GroupMember(group=group, student=s) for s in spec.students)
        _copy_content(origin, debate, nodes, arrows, teacher)
        made.append(debate)
    return made


def _slug(origin: Debate, name: str) -> str:
    base = f"{origin.slug[:50]}-{slugify(name)[:20] or 'group'}".strip("-")
    slug, n = base, 2
    while Debate.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _copy_content(origin: Debate, debate: Debate, nodes: list[Node], arrows: list[Relation], teacher) -> None:
    """The approved map, node for node, as the group's starting point: written and approved
    by the copying teacher, so that a student's work is counted (activity, grades, My
    contributions) in the debate where it was made, and each group's own work in its own."""
    now = timezone.now()
    question = debate.nodes.get(kind=Kind.QUESTION)
    origin_question = origin.nodes.get(kind=Kind.QUESTION)
    # Every copy is the group's starting map: written and approved by the teacher who copied it.
    approved = {
        "debate": debate,
        "author": teacher,
        "status": Status.APPROVED,
        "reviewed_by": teacher,
        "reviewed_at": now,
    }
    copies = Node.objects.bulk_create(Node(kind=node.kind, text=node.text, **approved) for node in nodes)
    new_pk = {old.pk: new.pk for old, new in zip(nodes, copies, strict=True)}
    new_pk[origin_question.pk] = question.pk
    Quote.objects.bulk_create(
        Quote(node_id=new_pk[n.pk], source_id=q.source_id, text=q.text, start=q.start, end=q.end)
        for n in nodes
        if (q := getattr(n, "quote", None)) is not None
    )
    linked = [r for r in arrows if r.target_id is not None and r.source_id in new_pk and r.target_id in new_pk]
    made = Relation.objects.bulk_create(
        Relation(source_id=new_pk[r.source_id], target_id=new_pk[r.target_id], kind=r.kind, **approved) for r in linked
    )
    # Undercuts second: they point at an arrow, which must have its new id first.
    new_arrow = {old.pk: new.pk for old, new in zip(linked, made, strict=True)}
    Relation.objects.bulk_create(
        Relation(
            source_id=new_pk[r.source_id], target_relation_id=new_arrow[r.target_relation_id], kind=r.kind, **approved
        )
        for r in arrows
        if r.target_relation_id in new_arrow and r.source_id in new_pk
    )
    map_changed(debate.pk)


def parse_groups(text: str, students_by_name: dict[str, object]) -> list[GroupSpec]:
    """Read "Group name: anna, bilal, chen" lines into GroupSpecs; unknown names are refused
    with the line they are on."""
    specs = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, names = line.partition(":")
        if not colon or not name.strip():
            _fail("groups", f"Line {number}: write “Group name: student, student”.", code="format")
        members = []
        for username in (n.strip() for n in names.split(",")):
            if not username:
                continue
            if username not in students_by_name:
                _fail("groups", f"Line {number}: no student of this classroom is called “{username}”.", code="unknown")
            members.append(students_by_name[username])
        specs.append(GroupSpec(name=name.strip(), students=tuple(members)))
    return specs
