"""A teacher's set-up: classrooms (opened by a teacher, joined with their code), the
debates in them and the sources the debates are about. Contributions and decisions are
moderation.py's; the refusals raised here are in errors.py."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from debates import permissions
from debates.errors import ModerationError, NotAllowed, full_clean, refuse
from debates.maps.cache import map_changed
from debates.models import (
    JOIN_CODE_LENGTH,
    RESERVED_SLUGS,
    Classroom,
    Debate,
    Kind,
    MapRevision,
    Membership,
    Node,
    Source,
    Status,
    new_join_code,
)
from debates.text import normalize_newlines, normalize_text


def normalize_code(code: str) -> str:
    """Codes are read off a board: ignore case, spaces and dashes."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


@transaction.atomic
def classroom_create(*, teacher, name: str) -> Classroom:
    """Open a classroom with a fresh join code; its creator is its teacher."""
    if not permissions.is_teacher(teacher):
        raise NotAllowed({"name": ["Only teachers can create classrooms."]})
    classroom = Classroom(name=(name or "").strip())
    full_clean(classroom)
    classroom.save()
    Membership.objects.create(classroom=classroom, user=teacher, role=Membership.Role.TEACHER)
    permissions.forget_roles(teacher)
    return classroom


def classroom_join(*, user, code: str) -> tuple[Classroom, bool]:
    """Add the user to the classroom whose code this is, as a student. Returns the classroom
    and whether the user joined it now: False when they were in it already (as a student or
    its teacher), which changes nothing. Raises ModerationError (field "code") for a code no
    classroom has."""
    code = normalize_code(code)
    classroom = Classroom.objects.filter(join_code=code).first() if len(code) == JOIN_CODE_LENGTH else None
    if classroom is None:
        raise ModerationError({"code": ["No classroom has that join code. Check it with your teacher."]})
    try:
        with transaction.atomic():
            _, joined = Membership.objects.get_or_create(
                classroom=classroom, user=user, defaults={"role": Membership.Role.STUDENT}
            )
    except IntegrityError:
        joined = False  # joined twice at once: the first one stands.
    permissions.forget_roles(user)
    return classroom, joined


def join_code_regenerate(*, classroom: Classroom, user) -> str:
    """Give the classroom a new code; the old one stops working at once."""
    if classroom.pk not in permissions.moderated_classroom_ids(user) and not user.is_superuser:
        raise NotAllowed({"join_code": ["Only the classroom's teachers can change its code."]})
    for _ in range(5):
        classroom.join_code = new_join_code()
        try:
            with transaction.atomic():
                classroom.save(update_fields=["join_code"])
            return classroom.join_code
        except IntegrityError:
            continue
    raise ModerationError({"join_code": ["Could not find a free code; try again."]})


def _unique_slug(question: str) -> str:
    base = slugify(question)[:60].strip("-") or "debate"
    if base in RESERVED_SLUGS:
        base = f"debate-{base}"
    slug, n = base, 2
    while Debate.objects.filter(slug__iexact=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def debate_create(
    *, created_by, question: str, classroom=None, description: str = "", slug: str = "", sources=()
) -> Debate:
    """Open a debate with its question node; only teachers, and only in their own classrooms.
    created_by None is the site's operator (a management command), who may open any debate."""
    operator = created_by is None
    if not operator and classroom is None and not permissions.is_teacher(created_by):
        refuse("classroom", "Only teachers can create debates.", NotAllowed, "forbidden")
    if (
        not operator
        and classroom is not None
        and classroom.pk not in permissions.moderated_classroom_ids(created_by)
        and not created_by.is_superuser
    ):
        refuse("classroom", "You can only create debates in classrooms you teach.", NotAllowed, "forbidden")
    question = normalize_text(question)
    if slug and Debate.objects.filter(slug__iexact=slug).exists():
        refuse("slug", "A debate already has this slug (slugs ignore case).", code="unique")
    debate = Debate(
        slug=slug or _unique_slug(question),
        question=question,
        description=normalize_text(description),
        classroom=classroom,
        created_by=created_by,
    )
    full_clean(debate)
    debate.save()
    MapRevision.objects.create(debate=debate)
    debate.sources.set(sources)
    node = Node(
        debate=debate,
        kind=Kind.QUESTION,
        text=question,
        author=created_by,
        status=Status.APPROVED,
        reviewed_by=created_by,
        reviewed_at=timezone.now(),
    )
    full_clean(node)
    node.save()
    return debate


@transaction.atomic
def debate_update(
    *,
    debate: Debate,
    user,
    question: str | None = None,
    description: str | None = None,
    is_open: bool | None = None,
    show_standing: bool | None = None,
) -> Debate:
    """Rename, describe, close or reopen a debate, or show or hide the standing of its claims
    to the class (debate_standing_set()); the question node follows the question."""
    if not permissions.can_moderate(user, debate):
        refuse("debate", "Only the debate's teachers can change it.", NotAllowed, "forbidden")
    if show_standing is not None:
        debate_standing_set(debate=debate, user=user, show=show_standing)
    before = (debate.question, debate.description, debate.is_open)
    if question is not None:
        debate.question = normalize_text(question)
    if description is not None:
        debate.description = normalize_text(description)
    if is_open is not None:
        debate.is_open = is_open
    if (debate.question, debate.description, debate.is_open) == before:
        return debate  # nothing changed: the cached maps stay current
    full_clean(debate)
    debate.save(update_fields=["question", "description", "is_open"])
    debate.nodes.filter(kind=Kind.QUESTION).update(text=debate.question)
    map_changed(debate.pk)
    return debate


@transaction.atomic
def debate_standing_set(*, debate: Debate, user, show: bool) -> bool:
    """Show the standing of the debate's claims to the class, or hide it (a class that should
    judge first); its teachers see it either way. A conditional update, so that two teachers
    switching at once, or a second click on a stale page, change it once and raise the map's
    revision (its badges) once. Returns whether it changed. Raises NotAllowed for anyone
    but the debate's teachers."""
    if not permissions.can_moderate(user, debate):
        refuse("debate", "Only the debate's teachers can change it.", NotAllowed, "forbidden")
    changed = Debate.objects.filter(pk=debate.pk, show_standing=not show).update(show_standing=show)
    debate.show_standing = show
    if changed:
        map_changed(debate.pk)
    return bool(changed)


@transaction.atomic
def source_add(
    *,
    added_by,
    title: str,
    text: str,
    author: str = "",
    outlet: str = "",
    published: date | None = None,
    url: str = "",
    debate: Debate | None = None,
) -> Source:
    """Store an op-ed exactly as given (line endings aside) and attach it to a debate.
    added_by None is the site's operator (a management command), who may add to any debate."""
    if debate is not None and added_by is not None and not permissions.can_moderate(added_by, debate):
        refuse("debate", "Only the debate's teachers can add sources to it.", NotAllowed, "forbidden")
    if debate is None and added_by is not None and not permissions.is_teacher(added_by):
        refuse("debate", "Only teachers can add sources.", NotAllowed, "forbidden")
    source = Source(
        title=(title or "").strip(),
        text=normalize_newlines(text or ""),
        author=(author or "").strip(),
        outlet=(outlet or "").strip(),
        published=published,
        url=(url or "").strip(),
        added_by=added_by,
    )
    full_clean(source)
    source.save()
    if debate is not None:
        debate.sources.add(source)
        map_changed(debate.pk)
    return source
