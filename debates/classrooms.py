"""Classrooms: a teacher opens one, students join it with its code."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from debates import permissions
from debates.models import JOIN_CODE_LENGTH, Classroom, Membership, new_join_code
from debates.moderation import ModerationError, NotAllowed


def normalize_code(code: str) -> str:
    """Codes are read off a board: ignore case, spaces and dashes."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


@transaction.atomic
def classroom_create(*, teacher, name: str) -> Classroom:
    """Open a classroom with a fresh join code; its creator is its teacher."""
    if not permissions.is_teacher(teacher):
        raise NotAllowed({"name": ["Only teachers can create classrooms."]})
    classroom = Classroom(name=(name or "").strip())
    try:
        classroom.full_clean()
    except ValidationError as error:
        raise ModerationError(error.message_dict) from None
    classroom.save()
    Membership.objects.create(classroom=classroom, user=teacher, role=Membership.Role.TEACHER)
    permissions.forget_roles(teacher)
    return classroom


def classroom_join(*, user, code: str) -> Classroom:
    """Add the user to the classroom whose code this is, as a student (joining twice is harmless)."""
    code = normalize_code(code)
    classroom = Classroom.objects.filter(join_code=code).first() if len(code) == JOIN_CODE_LENGTH else None
    if classroom is None:
        raise ModerationError({"code": ["No classroom has that join code. Check it with your teacher."]})
    try:
        with transaction.atomic():
            Membership.objects.get_or_create(classroom=classroom, user=user, defaults={"role": Membership.Role.STUDENT})
    except IntegrityError:
        pass  # joined twice at once: the first one stands.
    permissions.forget_roles(user)
    return classroom


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
