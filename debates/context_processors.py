"""What every page's navigation and decision buttons need, without a database query."""

from debates.models import Reason

# Set at log-in: whether to show the teacher's links. Reading it costs no query, so no page's
# query budget depends on the navigation (a user made a teacher sees the link at next log-in).
SESSION_IS_TEACHER = "counterpoint_is_teacher"


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    session = getattr(request, "session", {})
    is_teacher = bool(user and user.is_authenticated and (user.is_superuser or session.get(SESSION_IS_TEACHER)))
    return {"nav_is_teacher": is_teacher, "reason_choices": Reason.choices}
