"""One error shape for the whole API, whatever raised the error. The workflows' refusals
(debates/errors.py) are translated here to their HTTP meaning.

    {"status": 400, "code": "invalid", "detail": "text: This field is required.",
     "errors": {"text": ["This field is required."]}}

`errors` maps a field (or "non_field_errors") to its messages; nested inputs nest.
"""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

from debates.api.parsers import PayloadTooLarge, max_body_bytes
from debates.errors import AlreadyDecided, NotAllowed


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This item was changed by someone else."
    default_code = "conflict"


class NoSuchPage(exceptions.NotFound):
    """A page number past the last: a 404, as the number is well formed and the page does not
    exist, whose `errors` name the parameter, as a malformed number's 400 does."""

    def __init__(self, field: str, message: str):
        super().__init__(detail=f"{field}: {message}")
        self.errors = {field: [message]}


def _django_errors(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def _first_message(errors) -> str:
    """The first message of a (possibly nested) error structure, prefixed by its field."""
    if isinstance(errors, dict):
        for field, value in errors.items():
            message = _first_message(value)
            if message:
                return message if field == "non_field_errors" else f"{field}: {message}"
    elif isinstance(errors, list):
        for value in errors:
            message = _first_message(value)
            if message:
                return message
    elif errors:
        return str(errors)
    return ""


def _translate(exc):
    """Domain errors to their HTTP meaning: AlreadyDecided 409, NotAllowed 403, invalid 400."""
    if isinstance(exc, AlreadyDecided):
        errors = _django_errors(exc)
        return Conflict(detail=_first_message(errors) or Conflict.default_detail, code="already_decided"), errors
    if isinstance(exc, NotAllowed):
        errors = _django_errors(exc)
        return exceptions.PermissionDenied(detail=_first_message(errors)), errors
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(detail=_django_errors(exc)), None
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(f"The request body is larger than {max_body_bytes():,} bytes."), None
    if isinstance(exc, IntegrityError):
        # A race that a unique constraint caught: the other request won.
        return Conflict("Someone else changed this at the same moment; reload and try again."), None
    return exc, None


def api_exception_handler(exc, context):
    """DRF's handler, with domain errors translated and every body in the shape above."""
    exc, errors = _translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        detail, code = _first_message(errors) or "Invalid input.", "invalid"
    else:
        data = response.data if isinstance(response.data, dict) else {}
        detail = str(data.get("detail", exc))
        code = getattr(data.get("detail"), "code", None) or getattr(exc, "default_code", "error")
        errors = errors or getattr(exc, "errors", None)
    response.data = {"status": response.status_code, "code": str(code), "detail": detail, "errors": errors or {}}
    return response


# --- Errors raised outside DRF's handling: Django's handler404 and handler500 -------------

API_PREFIX = "/api/"


def _error_response(status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"status": status_code, "code": code, "detail": detail, "errors": {}}, status=status_code)


def not_found(request, exception=None):
    """Django's 404 handler: the API's JSON shape under /api/ (a path no URL pattern matches,
    such as one with a newline in it), the site's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return _error_response(404, "not_found", "No such endpoint.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    """Django's 500 handler (DEBUG off): the API's JSON shape under /api/, the site's page
    elsewhere. The error itself has already been logged by Django's request handler."""
    if request.path.startswith(API_PREFIX):
        return _error_response(500, "server_error", "A server error occurred; it has been logged.")
    return defaults.server_error(request)
