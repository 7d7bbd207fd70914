"""The write workflow: create debates and sources, submit, edit, withdraw, decide.

Pages, the API, the admin and commands all call these functions; none re-implements
them. Each validates with full_clean(), runs in one transaction and writes the
append-only ModerationEvent log. A decision is a conditional update
(UPDATE ... WHERE status = 'pending'), so that of two moderators deciding the same item
the first wins and the second gets AlreadyDecided, on SQLite and PostgreSQL alike.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from debates import permissions, quotes
from debates.maps.cache import map_changed
from debates.models import (
    Action,
    Debate,
    Kind,
    MapRevision,
    ModerationEvent,
    Node,
    Quote,
    Reason,
    Relation,
    Source,
    Status,
)
from debates.text import normalize_newlines


class ModerationError(ValidationError):
    """A refusal that names the field at fault; forms and the API show it as a field error."""


class NotAllowed(ModerationError):
    """The user may not do this (the API answers 403)."""


class AlreadyDecided(ModerationError):
    """Another moderator decided the item first (the API answers 409)."""


@dataclass(frozen=True)
class QuoteInput:
    """A passage of a source, with offsets from a selection or without (to be located)."""

    source: Source
    text: str
    start: int | None = None
    end: int | None = None


def _fail(field: str, message: str, cls=ModerationError, code: str = "invalid"):
    raise cls({field: [ValidationError(message, code=code)]})


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
    _validate(event)
    event.save()
    map_changed(item.debate_id)
    return event


def _validate(obj, **options) -> None:
    """full_clean(), with its errors raised as a ModerationError like every other refusal."""
    try:
        obj.full_clean(**options)
    except ModerationError:
        raise
    except ValidationError as error:
        raise ModerationError(error.error_dict if hasattr(error, "error_dict") else error.error_list) from None


def _clean_text(value: str) -> str:
    return normalize_newlines(value or "").strip()


def _anchor(quote: QuoteInput, debate: Debate) -> Quote:
    if not debate.sources.filter(pk=quote.source.pk).exists():
        _fail("source", "That source is not one of this debate's sources.")
    try:
        if quote.start is None or quote.end is None:
            anchor = quotes.locate(quote.source.text, quote.text)
        else:
            quotes.verify(quote.source.text, quote.text, quote.start, quote.end)
            anchor = quotes.Anchor(quote.text, quote.start, quote.end)
    except quotes.QuoteError as error:
        _fail("quote", str(error), code=error.code)
    return Quote(source=quote.source, text=anchor.text, start=anchor.start, end=anchor.end)


def _check_may_contribute(debate: Debate, user) -> bool:
    """Refuse closed debates and outsiders; return whether the user moderates the debate."""
    if not permissions.can_contribute(user, debate):
        _fail("debate", "You are not a member of this debate's classroom.", NotAllowed, "forbidden")
    if not debate.is_open:
        _fail("debate", "This debate is closed and accepts no contributions.", code="closed")
    return permissions.can_moderate(user, debate)


def _check_pending_limit(debate: Debate, user) -> None:
    limit = settings.MAX_PENDING_PER_DEBATE
    pending = Q(status=Status.PENDING, author=user, debate=debate)
    # An arrow submitted with its node is part of that one contribution.
    standalone = Relation.objects.filter(pending).exclude(source__status=Status.PENDING, source__author=user)
    count = Node.objects.filter(pending).count() + standalone.count()
    if count >= limit:
        _fail(
            "__all__",
            f"You already have {count} contributions waiting for review in this debate (the limit is {limit}). "
            "Wait for your teacher to review them, or withdraw one.",
            code="pending_limit",
        )


def _check_target(target: Node, debate: Debate, user, moderator: bool) -> None:
    if target.debate_id != debate.pk:
        _fail("target", "That node belongs to another debate.", code="other_debate")
    if not Node.objects.visible_to(user, moderator=moderator).filter(pk=target.pk).exists():
        _fail("target", "That node does not exist.", code="not_found")


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
        _fail("kind", "Choose a position, a claim or evidence.", code="kind")
    if kind == Kind.EVIDENCE and quote is None:
        _fail("quote", "Evidence needs a quote from one of the debate's sources.", code="required")
    if relation_kind not in Relation.Kind.values:
        _fail("relation_kind", "Choose supports or opposes.", code="relation_kind")
    if target is None:
        if kind != Kind.POSITION:
            _fail("target", "Say which node this supports or opposes.", code="required")
        target = debate.nodes.get(kind=Kind.QUESTION)
    _check_target(target, debate, author, moderator)
    if not moderator:
        _check_pending_limit(debate, author)

    node = Node(debate=debate, kind=kind, text=_clean_text(text), author=author, status=Status.PENDING)
    _validate(node)
    node.save()
    _log(node, author, Action.SUBMITTED)
    if quote is not None:
        stored = _anchor(quote, debate)
        stored.node = node
        _validate(stored)
        stored.save()
    relation = Relation(debate=debate, source=node, target=target, kind=relation_kind, author=author)
    _validate(relation)
    relation.save()
    if moderator:
        _approve_at_once(node, author)
        _approve_at_once(relation, author)
    return node


@transaction.atomic
def relation_submit(*, author, source: Node, target: Node, kind: str) -> Relation:
    """Propose an arrow between two nodes already on the map."""
    debate = source.debate
    moderator = _check_may_contribute(debate, author)
    _check_target(source, debate, author, moderator)
    if target.debate_id != debate.pk:
        _fail("target", "Both nodes must belong to the same debate.", code="other_debate")
    _check_target(target, debate, author, moderator)
    if kind not in Relation.Kind.values:
        _fail("kind", "Choose supports or opposes.", code="kind")
    if not moderator:
        _check_pending_limit(debate, author)
    relation = Relation(debate=debate, source=source, target=target, kind=kind, author=author)
    _validate(relation)
    try:
        with transaction.atomic():
            relation.save()
    except IntegrityError:
        # Two submissions of the same arrow at once: the unique constraint caught the second.
        _fail("target", "These two nodes are already linked.", code="duplicate")
    _log(relation, author, Action.SUBMITTED)
    if moderator:
        _approve_at_once(relation, author)
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
        _fail("status", "Approve both nodes this arrow links before approving the arrow.", code="ends_not_approved")


def _check_own_open_item(item: Node | Relation, user) -> None:
    if item.author_id != user.pk:
        _fail("author", "Only its author can change this contribution.", NotAllowed, "forbidden")
    if item.status not in (Status.PENDING, Status.RETURNED):
        _fail(
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
        _fail(
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
        _fail("debate", "This debate is closed and accepts no contributions.", code="closed")
    node.text = _clean_text(text)
    node.status = Status.PENDING
    _validate(node)
    if quote is not None:
        stored = _anchor(quote, node.debate)
        existing = Quote.objects.filter(node=node).first()
        if existing:
            stored.pk = existing.pk
        stored.node = node
        _validate(stored, validate_unique=False)
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
        _fail("status", "Only the debate's teachers can decide on contributions.", NotAllowed, "forbidden")
    if action not in (Action.APPROVED, Action.REJECTED, Action.RETURNED):
        _fail("action", "Choose approve, reject or return.", code="action")
    note = _clean_text(note)
    if action == Action.REJECTED and reason not in Reason.values:
        _fail("reason", "Choose a reason for rejecting.", code="required")
    if action != Action.REJECTED:
        reason = ""
    if action == Action.RETURNED and not note:
        _fail("note", "Say what the student should revise.", code="required")
    if isinstance(item, Relation) and action == Action.APPROVED:
        _check_ends_approved(item)

    changes = {"status": action, "reviewed_by": moderator, "reviewed_at": timezone.now()}
    edited = False
    if text is not None and isinstance(item, Node) and _clean_text(text) != item.text:
        item.text = _clean_text(text)
        _validate(item)
        changes["text"] = item.text
        edited = True
    updated = type(item).objects.filter(pk=item.pk, status=Status.PENDING).update(**changes)
    if not updated:
        current = type(item).objects.filter(pk=item.pk).values_list("status", flat=True).first()
        state = Status(current).label.lower() if current else "withdrawn by its author"
        _fail("status", f"This contribution was already decided: it is {state}.", AlreadyDecided, "already_decided")
    item.status = action
    if edited:
        _log(item, moderator, Action.EDITED)
    _log(item, moderator, action, reason=reason, note=note)

    if isinstance(item, Node):
        followers = Relation.objects.filter(source=item, author_id=item.author_id, status=Status.PENDING)
        if action == Action.APPROVED:
            followers = followers.filter(target__status=Status.APPROVED)
        for relation in followers:
            relation.debate = item.debate
            if (
                type(relation)
                .objects.filter(pk=relation.pk, status=Status.PENDING)
                .update(**{k: v for k, v in changes.items() if k != "text"})
            ):
                relation.status = action
                _log(relation, moderator, action, reason=reason, note=note)
    return item


def items_bulk_approve(*, items: list[Node | Relation], moderator) -> tuple[int, list[str]]:
    """Approve each item in its own transaction; report how many, and why the others were not."""
    approved, problems = 0, []
    for item in items:
        try:
            item_decide(item=item, moderator=moderator, action=Action.APPROVED)
            approved += 1
        except ModerationError as error:
            problems.append(f"{_label(item)[:60]}: {' '.join(error.messages)}")
    return approved, problems


def _unique_slug(question: str) -> str:
    base = slugify(question)[:60].strip("-") or "debate"
    if base == "new":  # /debates/new/ is the creation page
        base = "debate-new"
    slug, n = base, 2
    while Debate.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def debate_create(
    *, created_by, question: str, classroom=None, description: str = "", slug: str = "", sources=()
) -> Debate:
    """Open a debate with its question node; only teachers, and only in their own classrooms."""
    if classroom is None and not permissions.is_teacher(created_by):
        _fail("classroom", "Only teachers can create debates.", NotAllowed, "forbidden")
    if (
        classroom is not None
        and classroom.pk not in permissions.moderated_classroom_ids(created_by)
        and not created_by.is_superuser
    ):
        _fail("classroom", "You can only create debates in classrooms you teach.", NotAllowed, "forbidden")
    question = _clean_text(question)
    debate = Debate(
        slug=slug or _unique_slug(question),
        question=question,
        description=_clean_text(description),
        classroom=classroom,
        created_by=created_by,
    )
    _validate(debate)
    debate.save()
    MapRevision.objects.create(debate=debate)
    debate.sources.set(sources)
    node = Node(
        debate=debate,
        kind=Kind.QUESTION,
        text=question,
        author=created_by,
        status=Status.APPROVED,
        reviewed_by=created_by,
        reviewed_at=timezone.now(),
    )
    _validate(node)
    node.save()
    return debate


@transaction.atomic
def debate_update(
    *, debate: Debate, user, question: str | None = None, description: str | None = None, is_open: bool | None = None
) -> Debate:
    """Rename, describe, close or reopen a debate; the question node follows the question."""
    if not permissions.can_moderate(user, debate):
        _fail("debate", "Only the debate's teachers can change it.", NotAllowed, "forbidden")
    if question is not None:
        debate.question = _clean_text(question)
    if description is not None:
        debate.description = _clean_text(description)
    if is_open is not None:
        debate.is_open = is_open
    _validate(debate)
    debate.save()
    debate.nodes.filter(kind=Kind.QUESTION).update(text=debate.question)
    map_changed(debate.pk)
    return debate


@transaction.atomic
def source_add(
    *,
    added_by,
    title: str,
    text: str,
    author: str = "",
    outlet: str = "",
    published: date | None = None,
    url: str = "",
    debate: Debate | None = None,
) -> Source:
    """Store an op-ed exactly as given (line endings aside) and attach it to a debate.
    added_by None is the site's operator (a management command), who may add to any debate."""
    if debate is not None and added_by is not None and not permissions.can_moderate(added_by, debate):
        _fail("debate", "Only the debate's teachers can add sources to it.", NotAllowed, "forbidden")
    if debate is None and added_by is not None and not permissions.is_teacher(added_by):
        _fail("debate", "Only teachers can add sources.", NotAllowed, "forbidden")
    source = Source(
        title=(title or "").strip(),
        text=normalize_newlines(text or ""),
        author=(author or "").strip(),
        outlet=(outlet or "").strip(),
        published=published,
        url=(url or "").strip(),
        added_by=added_by,
    )
    _validate(source)
    source.save()
    if debate is not None:
        debate.sources.add(source)
        map_changed(debate.pk)
    return source


@transaction.atomic
def relation_edit(*, relation: Relation, editor, kind: str) -> Relation:
    """The author turns their pending or returned arrow from supports to opposes (or back)."""
    _check_own_open_item(relation, editor)
    if not relation.debate.is_open:
        _fail("debate", "This debate is closed and accepts no contributions.", code="closed")
    if kind not in Relation.Kind.values:
        _fail("kind", "Choose supports or opposes.", code="kind")
    _resubmit(Relation, relation.pk, kind=kind)
    relation.kind, relation.status = kind, Status.PENDING
    _log(relation, editor, Action.EDITED)
    return relation
