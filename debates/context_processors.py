"""What every page's navigation and decision buttons need: the teacher flag without a
database query, and the navigation's counts in at most one."""

from django.utils.functional import SimpleLazyObject

from debates.models import Reason
from debates.teaching import notifications

# Set at log-in: whether to show the teacher's links. Reading it costs no query, so no page's
# query budget depends on the navigation (a user made a teacher sees the link at next log-in).
SESSION_IS_TEACHER = "counterpoint_is_teacher"

NO_COUNTS = {"unread": 0, "decisions": 0, "pending": 0}


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    session = getattr(request, "session", {})
    signed_in = bool(user and user.is_authenticated)
    is_teacher = signed_in and (user.is_superuser or bool(session.get(SESSION_IS_TEACHER)))
    # Lazy: one aggregated query, paid only by a page whose template shows the counts.
    counts = SimpleLazyObject(lambda: notifications.counts_for(user, moderator=is_teacher)) if signed_in else NO_COUNTS
    return {"nav_is_teacher": is_teacher, "reason_choices": Reason.choices, "nav_counts": counts}
