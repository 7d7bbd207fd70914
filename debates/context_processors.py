"""What every page's navigation and decision buttons need; nothing here runs a query unless used."""

from debates import permissions
from debates.models import Reason


def navigation(request) -> dict:
    """Whether to show the teacher's links (a callable: only pages that ask pay its query)."""
    return {
        "nav_is_teacher": lambda: permissions.is_teacher(request.user),
        "reason_choices": Reason.choices,
    }
