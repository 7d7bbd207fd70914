"""The moderation workflow: submit, edit, withdraw, the moderator's queue, and decide.

Pages, the API, the admin and commands all call these functions; none re-implements
them. Each validates with full_clean(), runs in one transaction and writes the
append-only ModerationEvent log. A decision is a conditional update
(UPDATE ... WHERE status = 'pending'), so that of two moderators deciding the same item
the first wins and the second gets AlreadyDecided, on SQLite and PostgreSQL alike.
A teacher's set-up (classrooms, debates, sources) is in classrooms.py; the refusals
raised here are in errors.py.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Prefetch, Q, Value
from django.utils import timezone

from debates import permissions, quotes
from debates.errors import AlreadyDecided, ModerationError, NotAllowed, full_clean, refuse
from debates.maps.cache import map_changed
from debates.models import (
    Action,
    Debate,
    Kind,
    ModerationEvent,
    Node,
    Quote,
    Reason,
    Relation,
    Source,
    Status,
)
from debates.teaching import notifications
from debates.text import normalize_text


@dataclass(frozen=True)
class QuoteInput:
    """A passage of a source, with offsets from a selection or without (to be located)."""

    source: Source
    text: str
    start: int | None = None
    end: int | None = None


def _label(item: Node | Relation) -> str:
    if isinstance(item, Node):
        return f"{item.get_kind_display()} #{item.pk}: {item.text[:150]}"
    return f"Relation #{item.pk}: #{item.source_id} {item.kind} #{item.target_id}"


def _log(item: Node | Relation, actor, action: str, *, reason: str = "", note: str = "") -> ModerationEvent:
    event = ModerationEvent(
        debate_id=item.debate_id,
        node=item if isinstance(item, Node) else None,
        relation=item if isinstance(item, Relation) else None,
        item_label=_label(item)[:200],
        actor=actor,
        action=action,
        reason=reason,
        note=note,
    )
    full_clean(event)
    event.save()
    map_changed(item.debate_id)
    return event


def _anchor(quote: QuoteInput, debate: Debate) -> Quote:
    if not debate.sources.filter(pk=quote.source.pk).exists():
        refuse("source", "That source is not one of this debate's sources.")
    try:
        if quote.start is None or quote.end is None:
            anchor = quotes.locate(quote.source.text, quote.text)
        else:
            quotes.verify(quote.source.text, quote.text, quote.start, quote.end)
            anchor = quotes.Anchor(quote.text, quote.start, quote.end)
    except quotes.QuoteError as error:
        refuse("quote", str(error), code=error.code)
    return Quote(source=quote.source, text=anchor.text, start=anchor.start, end=anchor.end)


def _check_may_contribute(debate: Debate, user) -> bool:
    """Refuse closed debates and outsiders; return whether the user moderates the debate."""
    if not permissions.can_contribute(user, debate):
        refuse("debate", "You are not a member of this debate's classroom.", NotAllowed, "forbidden")
    if not debate.is_open:
        refuse("debate", "This debate is closed and accepts no contributions.", code="closed")
    return permissions.can_moderate(user, debate)


def _check_pending_limit(debate: Debate, user) -> None:
    limit = settings.MAX_PENDING_PER_DEBATE
    nodes = Node.objects.filter(status=Status.PENDING, author=user, debate=debate)
    arrows = Relation.objects.filter(status=Status.PENDING, author=user, debate=debate).standalone()
    count = nodes.count() + arrows.count()
    if count >= limit:
        refuse(
            "__all__",
            f"You already have {count} contributions waiting for review in this debate (the limit is {limit}). "
            "Wait for your teacher to review them, or withdraw one.",
            code="pending_limit",
        )


def _check_target(target: Node, debate: Debate, user, moderator: bool) -> None:
    if target.debate_id != debate.pk:
        refuse("target", "That node belongs to another debate.", code="other_debate")
    if not Node.objects.visible_to(user, moderator=moderator).filter(pk=target.pk).exists():
        refuse("target", "That node does not exist.", code="not_found")


@transaction.atomic
def node_submit(
    *,
    debate: Debate,
    author,
    kind: str,
    text: str,
    quote: QuoteInput | None = None,
    target: Node | None = None,
    relation_kind: str = Relation.Kind.SUPPORTS,
) -> Node:
    """Add a position, claim or evidence to the map, attached to the node it supports or opposes."""
    moderator = _check_may_contribute(debate, author)
    if kind not in (Kind.POSITION, Kind.CLAIM, Kind.EVIDENCE):
        refuse("kind", "Choose a position, a claim or evidence.", code="kind")
    if kind == Kind.EVIDENCE and quote is None:
        refuse("quote", "Evidence needs a quote from one of the debate's sources.", code="required")
    if relation_kind not in Relation.Kind.values:
        refuse("relation_kind", "Choose supports or opposes.", code="relation_kind")
    if target is None:
        if kind != Kind.POSITION:
            refuse("target", "Say which node this supports or opposes.", code="required")
        target = debate.nodes.get(kind=Kind.QUESTION)
    _check_target(target, debate, author, moderator)
    if not moderator:
        _check_pending_limit(debate, author)

    node = Node(debate=debate, kind=kind, text=normalize_text(text), author=author, status=Status.PENDING)
    full_clean(node)
    node.save()
    _log(node, author, Action.SUBMITTED)
    if quote is not None:
        stored = _anchor(quote, debate)
        stored.node = node
        full_clean(stored)
        stored.save()
    relation = Relation(debate=debate, source=node, target=target, kind=relation_kind, author=author)
    full_clean(relation)
    relation.save()
    if moderator:
        _approve_at_once(node, author)
        _approve_at_once(relation, author)
    notifications.on_submitted(node)
    return node


@transaction.atomic
def relation_submit(*, author, source: Node, target: Node, kind: str) -> Relation:
    """Propose an arrow between two nodes already on the map."""
    debate = source.debate
    moderator = _check_may_contribute(debate, author)
    _check_target(source, debate, author, moderator)
    if target.debate_id != debate.pk:
        refuse("target", "Both nodes must belong to the same debate.", code="other_debate")
    _check_target(target, debate, author, moderator)
    if kind not in Relation.Kind.values:
        refuse("kind", "Choose supports or opposes.", code="kind")
    if not moderator:
        _check_pending_limit(debate, author)
    relation = Relation(debate=debate, source=source, target=target, kind=kind, author=author)
    full_clean(relation)
    try:
        with transaction.atomic():
            relation.save()
    except IntegrityError:
        # Two submissions of the same arrow at once: the unique constraint caught the second.
        refuse("target", "These two nodes are already linked.", code="duplicate")
    _log(relation, author, Action.SUBMITTED)
    if moderator:
        _approve_at_once(relation, author)
    notifications.on_submitted(relation)
    return relation


def _approve_at_once(item: Node | Relation, moderator) -> None:
    """A moderator's own contribution needs no review."""
    if isinstance(item, Relation):
        _check_ends_approved(item)
    type(item).objects.filter(pk=item.pk).update(
        status=Status.APPROVED, reviewed_by=moderator, reviewed_at=timezone.now()
    )
    item.status = Status.APPROVED
    _log(item, moderator, Action.APPROVED)


def _check_ends_approved(relation: Relation) -> None:
    ends = Node.objects.filter(pk__in=[relation.source_id, relation.target_id], status=Status.APPROVED).count()
    if ends < 2:
        refuse("status", "Approve both nodes this arrow links before approving the arrow.", code="ends_not_approved")


def _check_own_open_item(item: Node | Relation, user) -> None:
    if item.author_id != user.pk:
        refuse("author", "Only its author can change this contribution.", NotAllowed, "forbidden")
    if item.status not in (Status.PENDING, Status.RETURNED):
        refuse(
            "status",
            f"This contribution is {item.get_status_display().lower()} and can no longer be changed.",
            code="decided",
        )


def _resubmit(model, pk: int, **changes) -> None:
    """Save an author's edit and put the item back in the queue, unless it was decided meanwhile."""
    # Conditional, so that an edit cannot undo a decision taken while the author typed.
    updated = model.objects.filter(pk=pk, status__in=[Status.PENDING, Status.RETURNED]).update(
        status=Status.PENDING, **changes
    )
    if not updated:
        refuse(
            "status",
            "Your teacher decided on this contribution while you were editing it.",
            AlreadyDecided,
            "already_decided",
        )


@transaction.atomic
def node_edit(*, node: Node, editor, text: str, quote: QuoteInput | None = None) -> Node:
    """The author revises a pending or returned node; a returned one goes back to the queue."""
    _check_own_open_item(node, editor)
    if not node.debate.is_open:
        refuse("debate", "This debate is closed and accepts no contributions.", code="closed")
    if normalize_text(text) == node.text and quote is None:
        return node  # nothing revised: a returned node stays returned, the queue unchanged
    node.text = normalize_text(text)
    node.status = Status.PENDING
    full_clean(node)
    if quote is not None:
        stored = _anchor(quote, node.debate)
        existing = Quote.objects.filter(node=node).first()
        if existing:
            stored.pk = existing.pk
        stored.node = node
        full_clean(stored, validate_unique=False)
        stored.save()
    _resubmit(Node, node.pk, text=node.text, updated_at=timezone.now())
    Relation.objects.filter(source=node, author=editor, status=Status.RETURNED).update(status=Status.PENDING)
    _log(node, editor, Action.EDITED)
    return node


@transaction.atomic
def item_withdraw(*, item: Node | Relation, user) -> None:
    """The author takes back a pending or returned contribution; the log keeps its label."""
    _check_own_open_item(item, user)
    _log(item, user, Action.WITHDRAWN)
    item.delete()


@transaction.atomic
def item_decide(
    *,
    item: Node | Relation,
    moderator,
    action: str,
    reason: str = "",
    note: str = "",
    text: str | None = None,
) -> Node | Relation:
    """Approve, reject (with a reason) or return (with a note) a pending item; a node may be
    edited as it is approved. Its pending arrows from the same submission follow it."""
    if not permissions.can_moderate(moderator, item.debate):
        refuse("status", "Only the debate's teachers can decide on contributions.", NotAllowed, "forbidden")
    if action not in (Action.APPROVED, Action.REJECTED, Action.RETURNED):
        refuse("action", "Choose approve, reject or return.", code="action")
    note = normalize_text(note)
    if action == Action.REJECTED and reason not in Reason.values:
        refuse("reason", "Choose a reason for rejecting.", code="required")
    if action != Action.REJECTED:
        reason = ""
    if action == Action.RETURNED and not note:
        refuse("note", "Say what the student should revise.", code="required")
    if isinstance(item, Relation) and action == Action.APPROVED:
        _check_ends_approved(item)

    # The arrows submitted with a node follow it; read while the node is still pending.
    followers = Relation.objects.none()
    if isinstance(item, Node):
        followers = Relation.objects.submitted_with_nodes().filter(source=item)
        if action == Action.APPROVED:
            followers = followers.filter(target__status=Status.APPROVED)
    followers = list(followers)

    changes = {"status": action, "reviewed_by": moderator, "reviewed_at": timezone.now()}
    edited = False
    if text is not None and isinstance(item, Node) and normalize_text(text) != item.text:
        item.text = normalize_text(text)
        full_clean(item)
        changes["text"] = item.text
        edited = True
    updated = type(item).objects.filter(pk=item.pk, status=Status.PENDING).update(**changes)
    if not updated:
        current = type(item).objects.filter(pk=item.pk).values_list("status", flat=True).first()
        state = Status(current).label.lower() if current else "withdrawn by its author"
        refuse("status", f"This contribution was already decided: it is {state}.", AlreadyDecided, "already_decided")
    item.status = action
    if edited:
        _log(item, moderator, Action.EDITED)
    _log(item, moderator, action, reason=reason, note=note)
    notifications.on_decision(item, moderator=moderator, action=action, reason=reason, note=note)

    changes.pop("text", None)
    for relation in followers:
        relation.debate = item.debate
        if Relation.objects.filter(pk=relation.pk, status=Status.PENDING).update(**changes):
            relation.status = action
            _log(relation, moderator, action, reason=reason, note=note)
    return item


def items_bulk_decide(
    *, items: Iterable[Node | Relation], moderator, action: str, reason: str = "", note: str = ""
) -> tuple[int, list[str]]:
    """Decide each item with item_decide(), each in its own transaction: nodes first, oldest
    first, so that an arrow between two nodes decided in the same batch finds both approved.
    Returns how many were decided and, for each of the others, a line saying why not."""
    decided, problems = 0, []
    for item in sorted(items, key=lambda item: (isinstance(item, Relation), item.created_at, item.pk)):
        try:
            item_decide(item=item, moderator=moderator, action=action, reason=reason, note=note)
            decided += 1
        except ModerationError as error:
            problems.append(f"{_label(item)[:60]}: {' '.join(error.messages)}")
    return decided, problems


# The queue's kind filter: a node's kind, or "link" for an arrow proposed on its own.
QUEUE_KINDS = [(Kind.POSITION, "Position"), (Kind.CLAIM, "Claim"), (Kind.EVIDENCE, "Evidence"), ("link", "Link")]


class PendingQueue:
    """The pending items of a queue, oldest first, read a slice at a time, so that a page
    of 25 costs the same whether 30 or 3,000 items wait. A sequence for Django's Paginator
    (and DRF's): count() is one query, a slice four (its items' keys in queue order across
    both tables, then its nodes, their arrows, its standalone arrows)."""

    def __init__(self, nodes, arrows):
        self._nodes, self._arrows = nodes, arrows
        self._count: int | None = None

    def _keys(self):
        # One ordering across both tables: oldest first; at the same moment nodes first, then by id.
        nodes = self._nodes.annotate(rank=Value(0, IntegerField())).values_list("created_at", "rank", "pk")
        arrows = self._arrows.annotate(rank=Value(1, IntegerField())).values_list("created_at", "rank", "pk")
        return nodes.order_by().union(arrows.order_by(), all=True)

    def count(self) -> int:
        if self._count is None:
            self._count = self._keys().count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, index: int | slice):
        if isinstance(index, int):
            return self[index : index + 1][0]
        if index.step not in (None, 1) or (index.start or 0) < 0 or (index.stop is not None and index.stop < 0):
            raise ValueError("A queue is sliced forwards only: queue[start:stop].")
        if index.stop is not None and index.stop <= (index.start or 0):
            return []
        keys = list(self._keys().order_by("created_at", "rank", "pk")[index])
        followers = Relation.objects.submitted_with_nodes().select_related("author", "reviewed_by", "target")
        nodes = (
            self._nodes.select_related("debate", "author", "reviewed_by", "quote")
            .prefetch_related(Prefetch("outgoing", queryset=followers.order_by("pk"), to_attr="arrows"))
            .in_bulk([pk for _, rank, pk in keys if rank == 0])
        )
        arrows = self._arrows.select_related("debate", "author", "reviewed_by", "source", "target").in_bulk(
            [pk for _, rank, pk in keys if rank == 1]
        )
        for node in nodes.values():
            for arrow in node.arrows:
                arrow.debate = arrow.target.debate = node.debate  # their links need the slug
        for arrow in arrows.values():
            arrow.source.debate = arrow.target.debate = arrow.debate
        # An item decided between the two reads is left out.
        found = ((nodes if rank == 0 else arrows).get(pk) for _, rank, pk in keys)
        return [item for item in found if item is not None]


def pending_queue(
    user,
    *,
    debate_slug: str = "",
    student: str = "",
    kind: str = "",
    older_than: timedelta | None = None,
    since: datetime | None = None,
) -> PendingQueue:
    """The contributions waiting for `user`'s decision, oldest first (ties: nodes first, then
    by id): the pending nodes of the debates the user moderates, each with `node.arrows`,
    the arrows submitted with it (decided with it, so not listed again), and the pending
    arrows proposed on their own. Filters, each optional: one debate (by slug), one
    student (by user name), one kind (a node kind or "link", as in QUEUE_KINDS), items
    waiting longer than `older_than`, items submitted at or after `since` (aware datetime).
    Every item has its debate, author, reviewer and (nodes) quote joined; arrows have both
    ends. Raises ModerationError (field "kind") for an unknown kind."""
    nodes = Node.objects.moderated_by(user).filter(status=Status.PENDING)
    arrows = Relation.objects.moderated_by(user).filter(status=Status.PENDING).standalone()
    if kind and kind not in dict(QUEUE_KINDS):
        refuse("kind", "Choose a position, a claim, evidence or a link.", code="kind")
    if kind == "link":
        nodes = nodes.none()
    elif kind:
        nodes, arrows = nodes.filter(kind=kind), arrows.none()
    wanted = {}
    if debate_slug:
        wanted["debate__slug"] = debate_slug
    if student:
        wanted["author__username"] = student
    if older_than is not None:
        wanted["created_at__lte"] = timezone.now() - older_than
    if since is not None:
        wanted["created_at__gte"] = since
    return PendingQueue(nodes.filter(**wanted), arrows.filter(**wanted))


def queue_students(user):
    """The users whose contributions `user` moderates (any status), by user name: the
    choices of the queue's student filter. One query when evaluated."""
    User = get_user_model()
    authors = Q(pk__in=Node.objects.moderated_by(user).values("author")) | Q(
        pk__in=Relation.objects.moderated_by(user).values("author")
    )
    return User.objects.filter(authors).exclude(pk=user.pk).order_by(User.USERNAME_FIELD)


@transaction.atomic
def relation_edit(*, relation: Relation, editor, kind: str) -> Relation:
    """The author turns their pending or returned arrow from supports to opposes (or back)."""
    _check_own_open_item(relation, editor)
    if not relation.debate.is_open:
        refuse("debate", "This debate is closed and accepts no contributions.", code="closed")
    if kind not in Relation.Kind.values:
        refuse("kind", "Choose supports or opposes.", code="kind")
    if kind == relation.kind:
        return relation  # nothing revised: a returned arrow stays returned
    _resubmit(Relation, relation.pk, kind=kind)
    relation.kind, relation.status = kind, Status.PENDING
    _log(relation, editor, Action.EDITED)
    return relation
