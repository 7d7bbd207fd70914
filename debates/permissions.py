"""Who may see and do what, for one object at a time. Pages, the API, commands and the
admin all ask here; lists are filtered by the QuerySet methods of the same rules
(Debate.objects.visible_to and moderated_by, and those of nodes, relations and sources).

A user's classroom roles are read once per request (one query) and kept on the user
object, so that a page costs the same number of queries whatever it shows.
"""

from django.http import Http404

from debates.models import Debate, GroupCopy, Membership, Source

TEACHERS_GROUP = "Teachers"


def classroom_roles(user) -> dict[int, str]:
    """Map of classroom id to the user's role there ("student" or "teacher")."""
    if not user.is_authenticated:
        return {}
    roles = getattr(user, "_counterpoint_roles", None)
    if roles is None:
        roles = dict(Membership.objects.filter(user=user).values_list("classroom_id", "role"))
        user._counterpoint_roles = roles
    return roles


def forget_roles(user) -> None:
    """Drop the cached roles after the user joins or leaves a classroom."""
    for cached in ("_counterpoint_roles", "_counterpoint_hidden_groups"):
        if hasattr(user, cached):
            delattr(user, cached)


def is_teacher(user) -> bool:
    """Teachers are made by a site admin: members of the Teachers group, or superusers."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_counterpoint_is_teacher", None)
    if cached is None:
        cached = user.groups.filter(name=TEACHERS_GROUP).exists()
        user._counterpoint_is_teacher = cached
    return cached


def can_see_debate(user, debate: Debate) -> bool:
    if debate.classroom_id is None or (user.is_authenticated and user.is_superuser):
        return True
    role = classroom_roles(user).get(debate.classroom_id)
    # A group debate (GroupCopy) is seen by its members and the classroom's teachers only.
    return role == Membership.Role.TEACHER or (role is not None and not _group_hides(user, debate))


def _group_hides(user, debate: Debate) -> bool:
    """Whether the debate is a group debate the user is not a member of. No query when the
    debate was loaded with select_related("group_copy") and is not a group debate; otherwise
    one query per request (the user's hidden group debates, kept on the user object)."""
    if Debate.group_copy.is_cached(debate) and debate._state.fields_cache["group_copy"] is None:
        return False
    hidden = getattr(user, "_counterpoint_hidden_groups", None)
    if hidden is None:
        mine = GroupCopy.objects.filter(debate__classroom_id__in=list(classroom_roles(user)))
        hidden = set(mine.hidden_from(user).values_list("debate_id", flat=True))
        user._counterpoint_hidden_groups = hidden
    return debate.pk in hidden


def can_moderate(user, debate: Debate) -> bool:
    """The classroom's teachers; for a public debate, its creator; site admins everywhere."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if debate.classroom_id is None:
        return debate.created_by_id == user.pk
    return classroom_roles(user).get(debate.classroom_id) == Membership.Role.TEACHER


def can_contribute(user, debate: Debate) -> bool:
    """Members of the debate's classroom and its moderators."""
    if not user.is_authenticated:
        return False
    if can_moderate(user, debate):
        return True
    return debate.classroom_id is not None and can_see_debate(user, debate)


def moderated_classroom_ids(user) -> list[int]:
    return [cid for cid, role in classroom_roles(user).items() if role == Membership.Role.TEACHER]


def has_moderation_queue(user) -> bool:
    """Teachers, and whoever teaches a classroom, have a moderation queue (even an empty one)."""
    return is_teacher(user) or bool(moderated_classroom_ids(user))


def get_debate_for_user(user, slug: str) -> Debate:
    """The debate, if the user may see it; otherwise 404 (nothing leaks about its existence)."""
    # map_revision: pages judge the debate's claims once per revision (maps.judging.judgements());
    # gradebook: a teacher's feedback form says whether its student sees it now.
    debate = (
        Debate.objects.select_related("classroom", "group_copy", "map_revision", "gradebook").filter(slug=slug).first()
    )
    if debate is None or not can_see_debate(user, debate):
        raise Http404("No such debate.")
    return debate


def get_source_for_user(user, pk: int) -> Source:
    """The source, if one of its debates is visible to the user or they added it; otherwise 404."""
    source = Source.objects.visible_to(user).filter(pk=pk).first()
    if source is None:
        raise Http404("No such source.")
    return source
