"""The refusals of Counterpoint's workflows, in one place.

Every workflow (moderation.py, classrooms.py) refuses with one of these. Each is a Django
ValidationError naming the field at fault, so that forms show it under the field and the
API's exception handler (debates/api/exceptions.py) answers with its HTTP meaning:
ModerationError 400, NotAllowed 403, AlreadyDecided 409.
"""

from django.core.exceptions import ValidationError


class ModerationError(ValidationError):
    """A refusal that names the field at fault; forms and the API show it as a field error."""


class NotAllowed(ModerationError):
    """The user may not do this (the API answers 403)."""


class AlreadyDecided(ModerationError):
    """Another moderator decided the item first (the API answers 409)."""


def refuse(field: str, message: str, cls: type[ModerationError] = ModerationError, code: str = "invalid"):
    """Raise `cls` with one message under `field` ("__all__" for the whole input)."""
    raise cls({field: [ValidationError(message, code=code)]})


def full_clean(obj, **options) -> None:
    """obj.full_clean(**options), its errors raised as a ModerationError like every other refusal."""
    try:
        obj.full_clean(**options)
    except ModerationError:
        raise
    except ValidationError as error:
        raise ModerationError(error.error_dict if hasattr(error, "error_dict") else error.error_list) from None
