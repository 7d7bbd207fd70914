"""In-app notifications: who is told what, and the navigation's counts.

A student is told when a contribution of theirs is decided (with the note), when a
debate's feedback and grades are released or change after that, and when a task is set for them; a teacher is
told that new items wait. The teacher's notice is one unread line per debate, not one per
item: thirty students make a hundred items, and the queue lists them anyway.
"""

from django.db.models import Count, IntegerField, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import dateformat, timezone

from debates.models import Debate, Membership, Node, Notification, NotificationKind, Relation, Status
from debates.text import isolate

TEXT_MAX = 300


def _text(value: str) -> str:
    return value if len(value) <= TEXT_MAX else value[: TEXT_MAX - 1] + "…"


def on_decision(item: Node | Relation, *, moderator, action: str, reason: str = "", note: str = "") -> None:
    """Tell the item's author that it was decided, with the reason and note; a moderator's
    decision on their own item needs no notice."""
    if item.author_id is None or item.author_id == moderator.pk:
        return
    node_id = item.pk if isinstance(item, Node) else item.source_id
    what = f"Your {item.get_kind_display().lower() if isinstance(item, Node) else 'link'}"
    verb = {"approved": "was approved", "rejected": "was rejected", "returned": "was returned for revision"}
    text = f"{what} {_label(item)} {verb.get(action, action)}"
    if reason:
        text += f" ({reason.replace('_', ' ')})"
    if note:
        text += f": {isolate(note)}"
    Notification.objects.create(
        recipient_id=item.author_id,
        kind=NotificationKind.DECISION,
        debate_id=item.debate_id,
        node_id=node_id,
        text=_text(text),
    )


def _quoted(text: str, length: int = 60) -> str:
    return f"“{isolate(text[:length] + ('…' if len(text) > length else ''))}”"


def _label(item: Node | Relation) -> str:
    """The item as its notice names it, by its words: a notice's text is kept, and an outline
    number would go stale as the map grows. A link is its two ends ("“A” supports “B”"), an
    objection to a link names that link's ends. Reads a link's ends (select_related them)."""
    if isinstance(item, Node):
        return _quoted(item.text)
    if item.target_relation_id is not None:
        attacked = item.target_relation
        link = f"{_quoted(attacked.source.text, 30)} → {_quoted(attacked.target.text, 30)}"
        return f"from {_quoted(item.source.text, 40)}, objecting to the link {link}"
    return f"{_quoted(item.source.text, 40)} {item.kind} {_quoted(item.target.text, 40)}"


def moderators_of(debate: Debate) -> list[int]:
    """The user ids told about new items: the classroom's teachers, or a public debate's creator."""
    if debate.classroom_id is None:
        return [debate.created_by_id] if debate.created_by_id else []
    return list(
        Membership.objects.filter(classroom_id=debate.classroom_id, role=Membership.Role.TEACHER).values_list(
            "user_id", flat=True
        )
    )


def on_submitted(item: Node | Relation) -> None:
    """A new item waits for review: each teacher without an unread notice for this debate gets
    one, naming the debate as pages do (Debate.named(): a group copy by its group too; no
    query when the debate was loaded with its group copy)."""
    if item.status != Status.PENDING:
        return  # a moderator's own contribution, approved at once
    debate = item.debate
    recipients = set(moderators_of(debate)) - {item.author_id}
    already = set(
        Notification.objects.filter(
            recipient_id__in=recipients, debate=debate, kind=NotificationKind.PENDING, read_at__isnull=True
        ).values_list("recipient_id", flat=True)
    )
    told = sorted(recipients - already)
    if not told:
        return
    Notification.objects.bulk_create(
        Notification(
            recipient_id=pk,
            kind=NotificationKind.PENDING,
            debate=debate,
            node_id=item.pk if isinstance(item, Node) else item.source_id,
            text=_text(f"New contributions are waiting for review in “{debate.named()}”."),
        )
        for pk in told
    )


def on_released(debate: Debate, student_ids) -> None:
    """Tell each student that the debate's feedback and grades are out."""
    Notification.objects.bulk_create(
        Notification(
            recipient_id=pk,
            kind=NotificationKind.RELEASED,
            debate=debate,
            text=_text(f"Your feedback and grade for “{debate.named()}” are released."),
        )
        for pk in sorted(set(student_ids))
    )


def on_changed_after_release(debate: Debate, student_id: int) -> None:
    """Tell a student that their feedback or grade in a released debate changed (they see
    it at once): one notice, as the release gives, unless an unread one for this debate
    already sends them to read it."""
    unread = Notification.objects.filter(
        recipient_id=student_id, debate=debate, kind=NotificationKind.RELEASED, read_at__isnull=True
    )
    if unread.exists():
        return
    Notification.objects.create(
        recipient_id=student_id,
        kind=NotificationKind.RELEASED,
        debate=debate,
        text=_text(f"Your feedback or grade for “{debate.named()}” has changed."),
    )


def on_task(task, student_ids) -> None:
    """Tell each student of a new task, linking to its node (or the debate)."""
    Notification.objects.bulk_create(
        Notification(
            recipient_id=pk,
            kind=NotificationKind.TASK,
            debate_id=task.debate_id,
            node_id=task.node_id,
            # The due date as every page writes it ("5 Dec 2026", the templates' "j M Y").
            text=_text(
                f"New task: {isolate(task.text)}"
                + (f" (due {dateformat.format(task.due, 'j M Y')})" if task.due else "")
            ),
        )
        for pk in sorted(set(student_ids))
    )


def mark_read(*, user, ids=None) -> int:
    """Mark the user's notifications read (all, or those ids); return how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def decisions_seen(*, user) -> int:
    """Mark the user's unread decision notices read, because they have just been shown My
    contributions, which says everything such a notice says (each item's status, the reason
    and the teacher's note): the navigation's "My contributions N new" and the unread count
    fall together. One UPDATE; returns how many changed. Other notices (a new task, released
    grades) stay unread: they are news of their own, not what "N new" counts."""
    unread = Notification.objects.filter(recipient=user, kind=NotificationKind.DECISION, read_at__isnull=True)
    return unread.update(read_at=timezone.now())


def _scalar(queryset) -> Coalesce:
    """COUNT(*) of a queryset as a scalar subquery (0 when it has no rows)."""
    counted = queryset.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def counts_for(user, *, moderator: bool) -> dict[str, int]:
    """The navigation's numbers in ONE query: unread notifications, unread decisions on the
    user's contributions ("My contributions 2 new") and, for a moderator, the pending items
    waiting ("Moderation 12", counted as the queue lists them: a node with the arrows
    submitted with it is one item)."""
    from django.contrib.auth import get_user_model

    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    annotations = {
        "unread": _scalar(unread),
        "decisions": _scalar(unread.filter(kind=NotificationKind.DECISION)),
    }
    if moderator:
        # The queue's own rule (moderated_by, standalone): a node with the arrows
        # submitted with it is one item.
        annotations["pending_nodes"] = _scalar(Node.objects.moderated_by(user).filter(status=Status.PENDING))
        annotations["pending_links"] = _scalar(
            Relation.objects.moderated_by(user).filter(status=Status.PENDING).standalone()
        )
    row = get_user_model().objects.filter(pk=user.pk).values(**annotations).first() or {}
    return {
        "unread": row.get("unread", 0),
        "decisions": row.get("decisions", 0),
        "pending": row.get("pending_nodes", 0) + row.get("pending_links", 0),
    }
