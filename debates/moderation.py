"""The moderation workflow: submit, edit, withdraw and restore, the moderator's queue, and decide.

Pages, the API, the admin and commands all call these functions; none re-implements
them. Each validates with full_clean(), runs in one transaction and writes the
append-only ModerationEvent log. A decision is a conditional update
(UPDATE ... WHERE status = 'pending'), so that of two moderators deciding the same item
the first wins and the second gets AlreadyDecided, on SQLite and PostgreSQL alike.
A teacher's set-up (classrooms, debates, sources) is in classrooms.py; the refusals
raised here are in errors.py.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Max, Prefetch, Q, Value
from django.utils import timezone

from debates import permissions, quotes
from debates.errors import AlreadyDecided, ModerationError, NotAllowed, full_clean, refuse
from debates.maps.cache import map_changed
from debates.models import (
    NODE_TEXT_MAX,
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
    return f"Relation #{item.pk}: {item}"


def _typed_text(text: str) -> str:
    """The text of a contribution typed in the app, normalised: at most NODE_TEXT_MAX
    characters (imported statements may be longer; the model allows them)."""
    text = normalize_text(text)
    if len(text) > NODE_TEXT_MAX:
        refuse("text", f"Keep it to {NODE_TEXT_MAX} characters (it is {len(text):,}).", code="max_length")
    return text


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


def _lock_contributions(author, debate: Debate) -> None:
    """Hold, until the transaction ends, the one lock for `author`'s contributions to
    `debate`, so that checking (an identical one pending? the pending limit reached?) and
    inserting happen as one step: two identical POSTs at once (a double click, a retried
    request) make one item, and twenty at once cannot pass a limit of ten.

    PostgreSQL: a transaction-level advisory lock keyed by (author, debate). Not a
    conditional unique index on a digest of pending content: that would stop exact
    duplicates only, not the count (nothing in an index can say "at most ten"), it would
    need a digest column kept in step with every edit, and its violation aborts the
    transaction, where the lock lets the second request simply find the first one's row.
    Only one author's writes to one debate wait for each other; nobody else's do.
    SQLite: the settings open every transaction IMMEDIATE, so BEGIN already takes the
    database's single write lock and the same check-then-insert runs one at a time."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return
    # One signed 64-bit key, the width pg_advisory_xact_lock(bigint) takes; ids are 64-bit
    # too, so the two-int4 form could not hold them.
    digest = hashlib.blake2b(f"counterpoint.contributions:{author.pk}:{debate.pk}".encode(), digest_size=8)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest.digest(), "big", signed=True)])


def _check_pending_limit(debate: Debate, user, adding: int = 1) -> None:
    """Refuse when `adding` more pending contributions would pass the per-debate limit. Call
    it under _lock_contributions(), or two requests could both see room for one more."""
    limit = settings.MAX_PENDING_PER_DEBATE
    nodes = Node.objects.filter(status=Status.PENDING, author=user, debate=debate)
    arrows = Relation.objects.filter(status=Status.PENDING, author=user, debate=debate).standalone()
    count = nodes.count() + arrows.count()
    if count + adding > limit:
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


def _check_target_relation(arrow: Relation, debate: Debate, user, moderator: bool) -> None:
    """An undercut's arrow: a supports arrow of this debate that the user can see (with its ends)."""
    if arrow.debate_id != debate.pk:
        refuse("target_relation", "That arrow belongs to another debate.", code="other_debate")
    if not Relation.objects.visible_to(user, moderator=moderator).filter(pk=arrow.pk).exists():
        refuse("target_relation", "That arrow does not exist.", code="not_found")
    if arrow.kind != Relation.Kind.SUPPORTS or arrow.target_id is None:
        refuse("target_relation", "Only a supports arrow between two nodes can be objected to.", code="kind")


def _landing_status(moderator: bool) -> str:
    """The status a new contribution gets: a moderator's own are approved at once."""
    return Status.APPROVED if moderator else Status.PENDING


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
    target_relation: Relation | None = None,
) -> Node:
    """Add a position, claim or evidence to the map, attached to the node it supports or opposes,
    or (target_relation, relation_kind "opposes") as an objection to a supports arrow: an undercut.

    Sent again while the first is still as it landed (pending, or approved for a moderator)
    with the same kind, text, quote, target and relation kind, it returns that first node
    instead of making a second: a double click or a retried request makes one item."""
    _lock_contributions(author, debate)
    moderator = _check_may_contribute(debate, author)
    if kind not in (Kind.POSITION, Kind.CLAIM, Kind.EVIDENCE):
        refuse("kind", "Choose a position, a claim or evidence.", code="kind")
    if kind == Kind.EVIDENCE and quote is None:
        refuse("quote", "Evidence needs a quote from one of the debate's sources.", code="required")
    if relation_kind not in Relation.Kind.values:
        refuse("relation_kind", "Choose supports or opposes.", code="relation_kind")
    if target_relation is not None:
        if target is not None:
            refuse("target", "Say which node or which arrow this bears on, not both.", code="both")
        if relation_kind != Relation.Kind.OPPOSES:
            refuse("relation_kind", "An objection to an arrow opposes it.", code="relation_kind")
        _check_target_relation(target_relation, debate, author, moderator)
        aim = {"outgoing__target_relation": target_relation}
    else:
        if target is None:
            if kind != Kind.POSITION:
                refuse("target", "Say which node this supports or opposes.", code="required")
            target = debate.nodes.get(kind=Kind.QUESTION)
        _check_target(target, debate, author, moderator)
        aim = {"outgoing__target": target}
    text = _typed_text(text)
    stored = _anchor(quote, debate) if quote is not None else None
    same = Node.objects.filter(
        debate=debate,
        author=author,
        kind=kind,
        text=text,
        status=_landing_status(moderator),
        outgoing__kind=relation_kind,
        **aim,
    )
    if stored is None:
        same = same.filter(quote__isnull=True)
    else:
        same = same.filter(quote__source=stored.source, quote__start=stored.start, quote__end=stored.end)
    if first := same.order_by("pk").first():
        return first
    if not moderator:
        _check_pending_limit(debate, author)

    node = Node(debate=debate, kind=kind, text=text, author=author, status=Status.PENDING)
    full_clean(node)
    node.save()
    _log(node, author, Action.SUBMITTED)
    if stored is not None:
        stored.node = node
        full_clean(stored)
        stored.save()
    relation = Relation(
        debate=debate, source=node, target=target, target_relation=target_relation, kind=relation_kind, author=author
    )
    full_clean(relation)
    relation.save()
    if moderator:
        _approve_at_once(node, author)
        _approve_at_once(relation, author)
    notifications.on_submitted(node)
    return node


@transaction.atomic
def relation_submit(
    *, author, source: Node, kind: str, target: Node | None = None, target_relation: Relation | None = None
) -> Relation:
    """Propose an arrow from a node already on the map to another node (target) or, as an
    undercut, to a supports arrow (target_relation, kind "opposes"): exactly one of the two.
    Sent again while the first is still as it landed, it returns that first arrow instead of
    refusing the second."""
    debate = source.debate
    _lock_contributions(author, debate)
    moderator = _check_may_contribute(debate, author)
    _check_target(source, debate, author, moderator)
    if (target is None) == (target_relation is None):
        field = "target" if target is None else "target_relation"
        refuse(field, "Give exactly one of target (a node) and target_relation (an arrow).", code="exactly_one")
    if kind not in Relation.Kind.values:
        refuse("kind", "Choose supports or opposes.", code="kind")
    if target is not None:
        if target.debate_id != debate.pk:
            refuse("target", "Both nodes must belong to the same debate.", code="other_debate")
        _check_target(target, debate, author, moderator)
        aim, field = {"target": target}, "target"
    else:
        _check_target_relation(target_relation, debate, author, moderator)
        if kind != Relation.Kind.OPPOSES:
            refuse("kind", "An objection to an arrow opposes it.", code="kind")
        aim, field = {"target_relation": target_relation}, "target_relation"
    same = Relation.objects.filter(source=source, kind=kind, author=author, status=_landing_status(moderator), **aim)
    if first := same.order_by("pk").first():
        return first
    if not moderator:
        _check_pending_limit(debate, author)
    relation = Relation(debate=debate, source=source, kind=kind, author=author, **aim)
    full_clean(relation)
    try:
        with transaction.atomic():
            relation.save()
    except IntegrityError:
        # Two submissions of the same arrow at once: the unique constraint caught the second.
        refuse(field, "These are already linked.", code="duplicate")
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
    if relation.target_relation_id is not None:
        # An undercut: its node, and the arrow it objects to (approved only with both its ends).
        source = Node.objects.filter(pk=relation.source_id, status=Status.APPROVED).exists()
        arrow = Relation.objects.filter(pk=relation.target_relation_id, status=Status.APPROVED).exists()
        if not (source and arrow):
            refuse(
                "status",
                "Approve the objecting node and the arrow it objects to before approving the objection.",
                code="ends_not_approved",
            )
        return
    ends = Node.objects.filter(pk__in=[relation.source_id, relation.target_id], status=Status.APPROVED).count()
    if ends < 2:
        refuse("status", "Approve both nodes this arrow links before approving the arrow.", code="ends_not_approved")


def _check_own_open_item(item: Node | Relation, user) -> None:
    if item.author_id != user.pk:
        refuse("author", "Only its author can change this contribution.", NotAllowed, "forbidden")
    if item.status == Status.WITHDRAWN:
        refuse("status", "This contribution is withdrawn: restore it first.", code="withdrawn")
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
    node.text = _typed_text(text)
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


def _arrows_withdrawn_with(node: Node, user) -> list[Relation]:
    """The author's open arrows to or from `node`, which go wherever the node goes: an arrow
    with an end nobody can see would be drawn nowhere and decided by nobody."""
    return list(
        Relation.objects.filter(Q(source=node) | Q(target=node), author=user)
        .filter(status__in=[Status.PENDING, Status.RETURNED])
        .order_by("pk")
    )


@transaction.atomic
def item_withdraw(*, item: Node | Relation, user) -> None:
    """The author takes back a pending or returned contribution. It is kept, with its
    history, as `withdrawn`: hidden from everyone (the author included) but in the author's
    "My contributions", from where item_restore() brings it back. A node's own open arrows
    (to or from it, by the same author) are withdrawn with it, and restored with it."""
    _check_own_open_item(item, user)
    followers = _arrows_withdrawn_with(item, user) if isinstance(item, Node) else []
    # Conditional, so that a withdrawal cannot undo a decision taken meanwhile.
    updated = (
        type(item)
        .objects.filter(pk=item.pk, status__in=[Status.PENDING, Status.RETURNED])
        .update(status=Status.WITHDRAWN)
    )
    if not updated:
        refuse("status", "Your teacher decided on this contribution meanwhile.", AlreadyDecided, "already_decided")
    item.status = Status.WITHDRAWN
    _log(item, user, Action.WITHDRAWN)
    for relation in followers:
        if Relation.objects.filter(pk=relation.pk, status__in=[Status.PENDING, Status.RETURNED]).update(
            status=Status.WITHDRAWN
        ):
            relation.status = Status.WITHDRAWN
            _log(relation, user, Action.WITHDRAWN)


def _arrows_to_restore(node: Node, user) -> list[Relation]:
    """The arrows withdrawn together with `node` (their withdrawal logged after the node's
    last one), whose other end is not itself still withdrawn."""
    since = node.events.filter(action=Action.WITHDRAWN).aggregate(last=Max("pk"))["last"] or 0
    return list(
        Relation.objects.withdrawn_by(user)
        .filter(Q(source=node) | Q(target=node))
        .annotate(last_withdrawn=Max("events__pk", filter=Q(events__action=Action.WITHDRAWN)))
        .filter(last_withdrawn__gt=since)
        .exclude(Q(source__status=Status.WITHDRAWN) & ~Q(source=node))
        .exclude(Q(target__status=Status.WITHDRAWN) & ~Q(target=node))
        .order_by("pk")
    )


def _set_pending_again(relation: Relation) -> bool:
    """Put a withdrawn arrow back in the queue; False if another arrow now links the same
    two nodes (the unique pair constraint refuses it), which then stays withdrawn."""
    try:
        with transaction.atomic():
            return bool(Relation.objects.filter(pk=relation.pk, status=Status.WITHDRAWN).update(status=Status.PENDING))
    except IntegrityError:
        return False


@transaction.atomic
def item_restore(*, item: Node | Relation, user) -> Node | Relation:
    """The author brings back a withdrawn contribution, pending again, while the debate is
    open and within the pending limit; logged as `restored`. A node's arrows withdrawn with
    it come back with it. An arrow comes back only if both its ends are not withdrawn."""
    debate = item.debate
    _lock_contributions(user, debate)
    if item.author_id != user.pk:
        refuse("author", "Only its author can restore this contribution.", NotAllowed, "forbidden")
    moderator = _check_may_contribute(debate, user)
    if item.status != Status.WITHDRAWN:
        refuse(
            "status", f"This contribution is {item.get_status_display().lower()}, not withdrawn.", code="not_withdrawn"
        )
    followers: list[Relation] = []
    if isinstance(item, Node):
        followers = _arrows_to_restore(item, user)
        # Arrows from the node are decided with it; any other is a contribution of its own.
        adding = 1 + sum(1 for relation in followers if relation.source_id != item.pk)
    else:
        ends = Node.objects.filter(pk__in=[item.source_id, item.target_id], status=Status.WITHDRAWN).exists()
        ends = ends or Relation.objects.filter(pk=item.target_relation_id, status=Status.WITHDRAWN).exists()
        if ends:
            refuse("status", "A node this arrow links is withdrawn: restore the node first.", code="end_withdrawn")
        adding = 1
    if not moderator:
        _check_pending_limit(debate, user, adding=adding)
    if isinstance(item, Relation):
        if not _set_pending_again(item):
            refuse("target", "These two nodes are already linked.", code="duplicate")
    elif not Node.objects.filter(pk=item.pk, status=Status.WITHDRAWN).update(status=Status.PENDING):
        refuse("status", "This contribution is no longer withdrawn.", AlreadyDecided, "already_decided")
    item.status = Status.PENDING
    _log(item, user, Action.RESTORED)
    for relation in followers:
        if _set_pending_again(relation):
            relation.status = Status.PENDING
            _log(relation, user, Action.RESTORED)
    return item


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
            followers = followers.filter(Q(target__status=Status.APPROVED) | Q(target_relation__status=Status.APPROVED))
    followers = list(followers)

    changes = {"status": action, "reviewed_by": moderator, "reviewed_at": timezone.now()}
    edited = False
    if text is not None and isinstance(item, Node) and normalize_text(text) != item.text:
        item.text = _typed_text(text)
        full_clean(item)
        changes["text"] = item.text
        edited = True
    updated = type(item).objects.filter(pk=item.pk, status=Status.PENDING).update(**changes)
    if not updated:
        current = type(item).objects.filter(pk=item.pk).values_list("status", flat=True).first()
        if current in (None, Status.WITHDRAWN):
            refuse("status", "Its author withdrew this contribution.", AlreadyDecided, "already_decided")
        state = Status(current).label.lower()
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
    *,
    items: Iterable[Node | Relation],
    moderator,
    action: str,
    reason: str = "",
    note: str = "",
    name: Callable[[Node | Relation], str] | None = None,
) -> tuple[int, list[str]]:
    """Decide each item with item_decide(), each in its own transaction: nodes first, oldest
    first, so that an arrow between two nodes decided in the same batch finds both approved.
    Returns how many were decided and, for each of the others, a line saying why not, which
    names the item by name(item) (by default its log label, with its id, for the admin)."""
    decided, problems = 0, []
    for item in sorted(items, key=lambda item: (isinstance(item, Relation), item.created_at, item.pk)):
        try:
            item_decide(item=item, moderator=moderator, action=action, reason=reason, note=note)
            decided += 1
        except ModerationError as error:
            named = name(item) if name else _label(item)[:60]
            problems.append(f"{named}: {' '.join(error.messages)}")
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
        # An undercut's arrow comes with its two ends, joined: the queue names the link objected to.
        ends = ("target_relation__source", "target_relation__target")
        followers = Relation.objects.submitted_with_nodes().select_related("author", "reviewed_by", "target", *ends)
        nodes = (
            # The debate's map revision: the key of its kept outline numbers, which the cards name
            # boxes by; its group copy, whose name tells the copies of one debate apart; the
            # teacher's feedback, which the queue page offers to change, and the grade book,
            # whose release the feedback form's hint tells.
            self._nodes.select_related(
                "debate__map_revision",
                "debate__group_copy",
                "debate__gradebook",
                "author",
                "reviewed_by",
                "quote",
                "feedback",
            )
            .prefetch_related(Prefetch("outgoing", queryset=followers.order_by("pk"), to_attr="arrows"))
            .in_bulk([pk for _, rank, pk in keys if rank == 0])
        )
        # A standalone arrow's teacher's feedback is joined too.
        arrows = self._arrows.select_related(
            "debate__map_revision",
            "debate__group_copy",
            "debate__gradebook",
            "author",
            "reviewed_by",
            "source",
            "target",
            "feedback",
            *ends,
        ).in_bulk([pk for _, rank, pk in keys if rank == 1])
        for node in nodes.values():
            for arrow in node.arrows:
                _share_debate(arrow, node.debate)  # their links need the slug
        for arrow in arrows.values():
            _share_debate(arrow, arrow.debate)
            arrow.source.debate = arrow.debate
        # An item decided between the two reads is left out.
        found = ((nodes if rank == 0 else arrows).get(pk) for _, rank, pk in keys)
        return [item for item in found if item is not None]


def _share_debate(arrow: Relation, debate: Debate) -> None:
    """Give an arrow and the nodes it points at their (already loaded) debate."""
    arrow.debate = debate
    if arrow.target is not None:
        arrow.target.debate = debate
    if arrow.target_relation is not None:
        arrow.target_relation.source.debate = arrow.target_relation.target.debate = debate


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
    Every item has its debate (with its group copy), author, reviewer and (nodes) quote
    joined; arrows have both ends, and standalone ones their feedback. Raises
    ModerationError (field "kind") for an unknown kind."""
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
