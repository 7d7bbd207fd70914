"""Counterpoint's data: sources, debates, the nodes and relations of the map, classrooms,
and the append-only moderation log. Vocabulary as in PRODUCT.md."""

import secrets

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.text import Truncator

from debates import quotes
from debates.text import VisibleText, isolate, validate_clean_text, validate_single_line

# Typed in the app (forms, the API, the workflow): one short statement.
NODE_TEXT_MAX = 500
# Imported from another tool's map (Kialo, AIF, Argdown), whose statements run longer: kept
# whole up to this, the most the database takes for any node. The map shortens it when drawn.
IMPORTED_TEXT_MAX = 5000
QUOTE_TEXT_MAX = 1500
NOTE_MAX = 2000
TITLE_MAX = 300

# No 0/O or 1/I/L: a join code is read off a projector and typed by a class.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RETURNED = "returned", "Returned for revision"
    # Taken back by its author: kept, with its history, so that the author can restore it;
    # shown to nobody else and drawn nowhere (see ContributionQuerySet.visible_to).
    WITHDRAWN = "withdrawn", "Withdrawn"


def _status_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(status__in=Status.values), name=name)


class Classroom(models.Model):
    name = models.CharField(max_length=200, validators=[validate_clean_text, validate_single_line, VisibleText("name")])
    join_code = models.CharField(max_length=16, unique=True, default=new_join_code)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("debates:classroom-detail", args=[self.pk])


class Membership(models.Model):
    class Role(models.TextChoices):
        STUDENT = "student", "Student"
        TEACHER = "teacher", "Teacher"

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["classroom_id", "role", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "user"], name="membership_once_per_classroom"),
            models.CheckConstraint(condition=Q(role__in=["student", "teacher"]), name="membership_role_valid"),
        ]
        indexes = [
            # visible_to(user): "which classrooms is this user in?"
            models.Index(fields=["user", "classroom"], name="membership_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.classroom} ({self.role})"


def _superuser(user) -> bool:
    return user.is_authenticated and user.is_superuser


class SourceQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SourceQuerySet":
        """Sources of the debates the user may see, and those they added; all for a superuser."""
        if _superuser(user):
            return self
        of_debates = Q(pk__in=Debate.objects.visible_to(user).values("sources"))
        return self.filter(of_debates | Q(added_by=user) if user.is_authenticated else of_debates)


class Source(models.Model):
    title = models.CharField(
        max_length=TITLE_MAX, validators=[validate_clean_text, validate_single_line, VisibleText("title")]
    )
    author = models.CharField(
        max_length=200, blank=True, validators=[validate_clean_text, validate_single_line, VisibleText("author")]
    )
    outlet = models.CharField(
        max_length=200, blank=True, validators=[validate_clean_text, validate_single_line, VisibleText("outlet")]
    )
    published = models.DateField(null=True, blank=True)
    url = models.URLField(blank=True, max_length=500)
    # Kept exactly as imported: quote offsets index into this string.
    text = models.TextField(validators=[validate_clean_text, VisibleText("text")])
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("debates:source-detail", args=[self.pk])

    def clean(self) -> None:
        limit = settings.SOURCE_MAX_CHARS
        if self.text is not None and len(self.text) > limit:
            raise ValidationError({"text": f"The text is {len(self.text):,} characters; the limit is {limit:,}."})
        if self.text is not None and not self.text.strip():
            raise ValidationError({"text": "The text is empty."})

    @property
    def citation(self) -> str:
        """Outlet and date, as shown under evidence: "Dawn, 2023-02-19"."""
        parts = [self.outlet or self.author, self.published.isoformat() if self.published else ""]
        return ", ".join(p for p in parts if p) or self.title


# A debate's slug is its address, /debates/<slug>/: letters, digits, hyphens and underscores
# (Django's slug converter), unique without regard to case, and never a word that names a
# page of its own under /debates/ (whose URL would shadow the debate's).
RESERVED_SLUGS = frozenset({"new", "import"})


def validate_debate_slug(value: str) -> None:
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(f"“{value}” is the address of another page; choose another slug.", code="reserved")


class DebateQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DebateQuerySet":
        """Public debates, and those of the user's classrooms; everything for a superuser."""
        if _superuser(user):
            return self
        public = Q(classroom__isnull=True)
        if not user.is_authenticated:
            return self.filter(public)
        # A subquery, not a join: no duplicate rows to remove, and usable inside other filters.
        mine = Membership.objects.filter(user=user).values("classroom")
        # A group copy of a debate is for its group's members and the classroom's teachers.
        hidden = GroupCopy.objects.hidden_from(user).values("debate")
        return self.filter(public | Q(classroom__in=mine)).exclude(pk__in=hidden)

    def moderated_by(self, user) -> "DebateQuerySet":
        """Debates the user decides on: their classrooms' as a teacher, the public ones they
        created, every debate for a superuser. Always a subset of visible_to(user)."""
        if _superuser(user):
            return self
        if not user.is_authenticated:
            return self.none()
        taught = Membership.objects.filter(user=user, role=Membership.Role.TEACHER).values("classroom")
        return self.filter(Q(classroom__in=taught) | Q(classroom__isnull=True, created_by=user))


class Debate(models.Model):
    slug = models.SlugField(max_length=80, unique=True, validators=[validate_debate_slug])
    question = models.CharField(max_length=NODE_TEXT_MAX, validators=[validate_clean_text, VisibleText("question")])
    description = models.TextField(
        blank=True, validators=[validate_clean_text, MaxLengthValidator(5000), VisibleText("description")]
    )
    classroom = models.ForeignKey(Classroom, null=True, blank=True, on_delete=models.CASCADE, related_name="debates")
    sources = models.ManyToManyField(Source, blank=True, related_name="debates")
    is_open = models.BooleanField(default=True, help_text="A closed debate accepts no contributions.")
    show_standing = models.BooleanField(
        default=True,
        help_text="Whether the class sees which claims stand, fall or are undecided (off: the class judges first).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DebateQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One debate per address: "Energy" and "energy" would be two debates a reader
            # cannot tell apart.
            models.UniqueConstraint(
                Lower("slug"),
                name="debate_slug_unique_ci",
                violation_error_message="A debate already has this slug (slugs ignore case).",
            ),
        ]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("debates:debate-detail", args=[self.slug])

    @property
    def group_name(self) -> str:
        """The group's name when this is a group's copy of a debate, else "": shown beside the
        question wherever copies of one debate would otherwise look the same. Load with
        select_related("group_copy") to ask without a query."""
        try:
            return self.group_copy.name
        except GroupCopy.DoesNotExist:
            return ""

    def named(self, length: int | None = None) -> str:
        """The debate as pages and messages name it: its question (shortened to `length`
        characters with "…" when given), then a group copy's name in brackets, "How should
        Pakistan respond…? (Group A)", so that the copies of one debate can be told apart.
        No query when loaded with select_related("group_copy"). Each part is bidi-isolated
        when it needs it (text.isolate()), so a right-to-left mark in a group's name turns
        neither the bracket nor what a page sets after the name."""
        question = isolate(self.question if length is None else Truncator(self.question).chars(length))
        return f"{question} ({isolate(self.group_name)})" if self.group_name else question


class MapRevision(models.Model):
    """How often what a debate's map draws has changed: part of the stamp its kept drawings
    are checked against, so that one indexed read tells whether a cached export is current.
    Its own row, not a Debate column, so that saving a Debate can never write back an old
    number; maps.cache.map_changed() is the only code that raises it."""

    debate = models.OneToOneField(Debate, on_delete=models.CASCADE, primary_key=True, related_name="map_revision")
    number = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.debate_id}: revision {self.number}"


class Kind(models.TextChoices):
    QUESTION = "question", "Question"
    POSITION = "position", "Position"
    CLAIM = "claim", "Claim"
    EVIDENCE = "evidence", "Evidence"


def _approved_or_own(user, prefix: str = "") -> Q:
    approved = Q(**{f"{prefix}status": Status.APPROVED})
    return approved | Q(**{f"{prefix}author": user}) if user.is_authenticated else approved


class ContributionQuerySet(models.QuerySet):
    """Reads shared by nodes and relations: who may see them, who decides on them."""

    def approved(self):
        return self.filter(status=Status.APPROVED)

    def _live(self) -> Q:
        """Not withdrawn: a withdrawn item is its author's alone until restored, listed only
        by withdrawn_by(), never in a map, a queue, a list or a page."""
        return ~Q(status=Status.WITHDRAWN)

    def withdrawn_by(self, user):
        """The user's own withdrawn items, which they may restore ("My contributions")."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(status=Status.WITHDRAWN, author=user)

    def moderated_by(self, user):
        """Everything, whatever its status, in the debates the user moderates."""
        if _superuser(user):
            return self
        return self.filter(debate__in=Debate.objects.moderated_by(user))

    def _own_rule(self, user) -> Q:
        """What a user who does not moderate the debate sees of it."""
        return _approved_or_own(user)

    def with_by_student(self, debate):
        """Each item with `by_student`: whether its author is a student of the debate's
        classroom (none in a public debate), whose work the teachers give feedback on. A
        subquery of the same query, not a query more."""
        students = Membership.objects.filter(
            classroom_id=debate.classroom_id, user_id=OuterRef("author_id"), role=Membership.Role.STUDENT
        )
        return self.annotate(by_student=Exists(students))

    def visible_to(self, user, *, moderator: bool | None = None):
        """Approved items and the user's own, in the debates the user may see; everything in
        the debates they moderate. Pending, returned and rejected work of others stays hidden.

        moderator: for the rows of one debate whose page has already let the user see it,
        whether the user moderates it; then neither question is asked again in SQL. Left
        None, both are decided per debate inside the query (lists across debates).
        Withdrawn items are left out for everyone, their author included (withdrawn_by())."""
        live = self._live()
        if moderator:
            return self.filter(live)
        if moderator is False:
            return self.filter(live & self._own_rule(user))
        if _superuser(user):
            return self.filter(live)
        seen = self._own_rule(user)
        if user.is_authenticated:
            seen |= Q(debate__in=Debate.objects.moderated_by(user))
        return self.filter(live & seen, debate__in=Debate.objects.visible_to(user))


class Contribution(models.Model):
    """What nodes and relations share: a contribution to one debate's map and its place in
    moderation (pending until a moderator approves, rejects or returns it). Each model
    declares its own `debate` and `author`, whose reverse names differ (debate.nodes,
    debate.relations): Django would record a templated related_name in the migrations."""

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["pk"]
        constraints = [_status_constraint("%(class)s_status_valid")]
        indexes = [
            # The map and outline: a debate's items by status.
            models.Index(fields=["debate", "status"], name="%(class)s_debate_status_idx"),
            # The moderation queue (oldest first) and the per-student pending limit.
            models.Index(fields=["status", "created_at"], name="%(class)s_status_created_idx"),
        ]


class NodeQuerySet(ContributionQuerySet):
    def for_map(self) -> "NodeQuerySet":
        """Everything a map, outline or list needs in one query: the quote and its source."""
        return self.select_related("quote__source").order_by("pk")


class Node(Contribution):
    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="nodes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="nodes"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField(
        validators=[validate_clean_text, MaxLengthValidator(IMPORTED_TEXT_MAX), VisibleText("text")]
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = NodeQuerySet.as_manager()

    class Meta(Contribution.Meta):
        constraints = [
            *Contribution.Meta.constraints,
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="node_kind_valid"),
            models.UniqueConstraint(
                fields=["debate"], condition=Q(kind="question"), name="node_one_question_per_debate"
            ),
        ]
        indexes = [
            *Contribution.Meta.indexes,
            # "My contributions".
            models.Index(fields=["author", "debate"], name="node_author_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("debates:node-detail", args=[self.debate.slug, self.pk])


class Quote(models.Model):
    """A span of a source: the W3C text-quote and text-position selectors together."""

    node = models.OneToOneField(Node, on_delete=models.CASCADE, related_name="quote")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="quotes")
    text = models.TextField(validators=[MaxLengthValidator(QUOTE_TEXT_MAX), VisibleText("quote")])
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    class Meta:
        ordering = ["source_id", "start", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="quote_end_after_start"),
        ]
        indexes = [
            # The source page: its quotes in reading order.
            models.Index(fields=["source", "start"], name="quote_source_start_idx"),
        ]

    def __str__(self) -> str:
        return f"“{self.text[:60]}” ({self.source})"

    def clean(self) -> None:
        if self.source_id is None or self.start is None or self.end is None:
            return
        try:
            quotes.verify(self.source.text, self.text, self.start, self.end)
        except quotes.QuoteError as error:
            raise ValidationError({"text": str(error)}, code=error.code) from None


# An arrow submitted together with its new node belongs to that one contribution: it is
# queued, counted against the pending limit and decided with the node, never on its own.
# It is told apart by being pending, by the node's author, from a node still pending (a
# deleted author leaves both authors NULL, which SQL's "=" would not match).
_SUBMITTED_WITH_NODE = Q(status=Status.PENDING, source__status=Status.PENDING) & (
    Q(source__author=F("author")) | Q(author__isnull=True, source__author__isnull=True)
)


class RelationQuerySet(ContributionQuerySet):
    def _live(self) -> Q:
        # An arrow to or from a withdrawn node goes with it (moderation.item_withdraw); this
        # holds even for an arrow that some other way still touches one.
        # An undercut goes with the arrow it attacks, and with that arrow's ends.
        withdrawn = Status.WITHDRAWN
        live = ~Q(status=withdrawn) & ~Q(source__status=withdrawn) & ~Q(target__status=withdrawn)
        for end in ("target_relation__", "target_relation__source__", "target_relation__target__"):
            live &= ~Q(**{f"{end}status": withdrawn})
        return live

    def _own_rule(self, user) -> Q:
        # An arrow is shown only if both its ends are too; an undercut only if the arrow it
        # attacks is, with both of that arrow's ends.
        to_node = Q(target__isnull=False) & _approved_or_own(user, "target__")
        to_arrow = (
            Q(target_relation__isnull=False)
            & _approved_or_own(user, "target_relation__")
            & _approved_or_own(user, "target_relation__source__")
            & _approved_or_own(user, "target_relation__target__")
        )
        return _approved_or_own(user) & _approved_or_own(user, "source__") & (to_node | to_arrow)

    def drawn(self) -> "RelationQuerySet":
        """Approved arrows between approved nodes: what everyone who may see the debate sees."""
        return self.filter(self._own_rule(AnonymousUser()))

    def submitted_with_nodes(self) -> "RelationQuerySet":
        """Arrows that are part of their source node's contribution (see _SUBMITTED_WITH_NODE)."""
        return self.filter(_SUBMITTED_WITH_NODE)

    def standalone(self) -> "RelationQuerySet":
        """Arrows that are contributions of their own."""
        return self.exclude(_SUBMITTED_WITH_NODE)

    def for_map(self) -> "RelationQuerySet":
        return self.order_by("pk")


class Relation(Contribution):
    """An arrow from one node (source) to the node it supports or opposes (target), or, for
    an undercut, to the arrow it objects to (target_relation): "that is true, but it does not
    show this". Exactly one of target and target_relation is set; an undercut opposes a
    supports arrow of the same debate (Pollock's undercutting defeater, as AIF's CA nodes
    whose conclusion is an RA node)."""

    class Kind(models.TextChoices):
        SUPPORTS = "supports", "Supports"
        OPPOSES = "opposes", "Opposes"

    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="relations")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="relations"
    )
    source = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="outgoing")
    target = models.ForeignKey(Node, null=True, blank=True, on_delete=models.CASCADE, related_name="incoming")
    target_relation = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="undercuts"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)

    objects = RelationQuerySet.as_manager()

    class Meta(Contribution.Meta):
        constraints = [
            *Contribution.Meta.constraints,
            models.CheckConstraint(condition=Q(kind__in=["supports", "opposes"]), name="relation_kind_valid"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="relation_no_self_loop"),
            # A rejected or withdrawn arrow does not block a better-argued one between the same nodes.
            models.UniqueConstraint(
                fields=["source", "target"],
                condition=~Q(status__in=["rejected", "withdrawn"]),
                name="relation_unique_pair",
            ),
            models.CheckConstraint(
                condition=Q(target__isnull=False, target_relation__isnull=True)
                | Q(target__isnull=True, target_relation__isnull=False),
                name="relation_exactly_one_target",
                violation_error_message="An arrow points at exactly one node or one arrow.",
            ),
            models.CheckConstraint(
                condition=Q(target_relation__isnull=True) | Q(kind="opposes"),
                name="relation_undercut_opposes",
                violation_error_message="An objection to an arrow opposes it.",
            ),
            # On insert the new row's id is not known yet when PostgreSQL or SQLite checks
            # this, so it catches an update that points an arrow at itself; clean() catches
            # the rest before anything is written.
            models.CheckConstraint(
                condition=Q(target_relation__isnull=True) | ~Q(target_relation=F("pk")),
                name="relation_undercut_not_itself",
            ),
            # One objection from a node to an arrow, as for two nodes.
            models.UniqueConstraint(
                fields=["source", "target_relation"],
                condition=~Q(status__in=["rejected", "withdrawn"]),
                name="relation_unique_undercut",
            ),
        ]
        indexes = [
            *Contribution.Meta.indexes,
            # A node page's arrows and the undercuts of them; deleting an arrow (its undercuts cascade).
            models.Index(fields=["target_relation"], name="relation_target_relation_idx"),
        ]

    def __str__(self) -> str:
        if self.target_relation_id is not None:
            return f"#{self.source_id} {self.kind} arrow #{self.target_relation_id}"
        return f"#{self.source_id} {self.kind} #{self.target_id}"

    def get_absolute_url(self) -> str:
        return reverse("debates:node-detail", args=[self.debate.slug, self.source_id])

    @property
    def is_undercut(self) -> bool:
        return self.target_relation_id is not None

    def clean(self) -> None:
        if (self.target_id is None) == (self.target_relation_id is None):
            field = "target" if self.target_id is None else "target_relation"
            raise ValidationError(
                {field: "An arrow points at exactly one node (target) or one arrow (target_relation)."}
            )
        if self.target_relation_id is not None:
            self._clean_undercut()
            return
        errors = {}
        if self.source_id and self.target_id:
            if self.source_id == self.target_id:
                errors["target"] = "A node cannot support or oppose itself."
            if self.source.debate_id != self.target.debate_id:
                errors["target"] = "Both nodes must belong to the same debate."
            elif self.debate_id and self.source.debate_id != self.debate_id:
                errors["source"] = "The node belongs to another debate."
            if self.source.kind == Kind.QUESTION:
                errors["source"] = "The debate's question cannot support or oppose anything."
            if "target" not in errors and self._links_again(target_id=self.target_id):
                errors["target"] = "These two nodes are already linked."
        if errors:
            raise ValidationError(errors)

    def _clean_undercut(self) -> None:
        """An undercut: an opposes from a node to a supports arrow of the same debate, not to
        itself, once per (node, arrow)."""
        errors = {}
        attacked = self.target_relation
        if self.pk is not None and attacked.pk == self.pk:
            errors["target_relation"] = "An arrow cannot object to itself."
        elif attacked.kind != Relation.Kind.SUPPORTS or attacked.target_id is None:
            errors["target_relation"] = "Only a supports arrow between two nodes can be objected to."
        elif self.debate_id and attacked.debate_id != self.debate_id:
            errors["target_relation"] = "That arrow belongs to another debate."
        if self.kind != Relation.Kind.OPPOSES:
            errors["kind"] = "An objection to an arrow opposes it."
        if self.source_id:
            if self.source.debate_id != attacked.debate_id:
                errors["source"] = "The node belongs to another debate."
            if self.source.kind == Kind.QUESTION:
                errors["source"] = "The debate's question cannot support or oppose anything."
        if (
            "target_relation" not in errors
            and self.source_id
            and self._links_again(target_relation_id=self.target_relation_id)
        ):
            errors["target_relation"] = "This node already objects to that arrow."
        if errors:
            raise ValidationError(errors)

    def _links_again(self, **target) -> bool:
        """Whether another arrow from this source to `target` (target_id= or target_relation_id=)
        is still live: a rejected or withdrawn one does not block a better-argued one."""
        return (
            Relation.objects.filter(source_id=self.source_id, **target)
            .exclude(status__in=[Status.REJECTED, Status.WITHDRAWN])
            .exclude(pk=self.pk)
            .exists()
        )


class ImportRecord(models.Model):
    """A debate made from another tool's map file: who imported it, from which file, when,
    and what it brought. One row per import, not a ModerationEvent per item: a Kialo export of
    thousands of statements would otherwise write thousands of identical "approved by import"
    lines. Its nodes and relations are approved, reviewed_by the importer at created_at."""

    class Format(models.TextChoices):
        AIF = "aif", "AIF JSON"
        KIALO = "kialo", "Kialo discussion export"
        ARGDOWN = "argdown", "Argdown"
        DEBATE = "debate", "Counterpoint debate file"

    debate = models.OneToOneField(Debate, on_delete=models.CASCADE, primary_key=True, related_name="import_record")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    format = models.CharField(max_length=16, choices=Format.choices)
    filename = models.CharField(max_length=255, blank=True, validators=[validate_clean_text, validate_single_line])
    # Which bytes exactly: a teacher can tell two versions of a file apart.
    sha256 = models.CharField(max_length=64)
    statements = models.PositiveIntegerField()
    relations = models.PositiveIntegerField()
    warnings = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(format__in=["aif", "kialo", "argdown", "debate"]), name="import_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.debate_id} imported from {self.filename or self.format}"


class Action(models.TextChoices):
    """What a ModerationEvent records."""

    SUBMITTED = "submitted", "Submitted"
    EDITED = "edited", "Edited"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RETURNED = "returned", "Returned for revision"
    WITHDRAWN = "withdrawn", "Withdrawn"
    RESTORED = "restored", "Restored"


class Reason(models.TextChoices):
    # Kialo's review marks, plus one for quotes.
    UNSUPPORTED = "unsupported", "Unsupported"
    NOT_A_CLAIM = "not_a_claim", "Not a claim"
    UNCLEAR = "unclear", "Unclear"
    ABUSIVE = "abusive", "Abusive"
    DUPLICATE = "duplicate", "Duplicate"
    UNRELATED = "unrelated", "Unrelated"
    MORE_THAN_ONE_CLAIM = "more_than_one_claim", "More than one claim"
    MISQUOTED = "misquoted", "Misquoted"


class AppendOnly(models.Model):
    """A history table: rows are written once and never changed (a history that can be edited
    proves nothing). QuerySet.update() bypasses save(), so the workflows never call it on these."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError(f"{type(self).__name__} rows are append-only.")
        return super().save(*args, **kwargs)


class ModerationEvent(AppendOnly):
    """One line of the append-only history: a submission, an edit or a decision."""

    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="events")
    # A withdrawn item is kept; one deleted (the admin) leaves its label here, the link nulled.
    node = models.ForeignKey(Node, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    relation = models.ForeignKey(Relation, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    item_label = models.CharField(max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.CharField(max_length=32, choices=Reason.choices, blank=True)
    note = models.TextField(
        blank=True, validators=[validate_clean_text, MaxLengthValidator(NOTE_MAX), VisibleText("note")]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=Action.values), name="event_action_valid"),
            models.CheckConstraint(condition=Q(reason="") | Q(reason__in=Reason.values), name="event_reason_valid"),
        ]
        indexes = [
            # A node's history; the student's latest note.
            models.Index(fields=["node", "created_at"], name="event_node_idx"),
            models.Index(fields=["relation", "created_at"], name="event_relation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.item_label} by {self.actor}"


# --- Teaching: feedback and grades, tasks, notifications, group copies ------------------
# Written by debates/teaching/ only; the moderation workflow calls into it at two points
# (a decision, a new pending item) to notify people.


class Feedback(models.Model):
    """A teacher's comment on one contribution, whatever its status: a node or a link (a
    relation, undercuts included), exactly one. Its author sees it only once the debate's
    grades are released (GradeBook.released_at)."""

    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="feedback")
    node = models.OneToOneField(Node, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback")
    relation = models.OneToOneField(Relation, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback")
    text = models.TextField(validators=[validate_clean_text, MaxLengthValidator(NOTE_MAX)])
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="feedback_text_not_empty"),
            models.CheckConstraint(
                condition=Q(node__isnull=False, relation__isnull=True) | Q(node__isnull=True, relation__isnull=False),
                name="feedback_exactly_one_item",
                violation_error_message="Feedback is on exactly one node or one link.",
            ),
        ]
        indexes = [
            # Activity and "My contributions": a debate's feedback, joined to its nodes. The
            # one-to-one's unique index serves a link's feedback.
            models.Index(fields=["debate", "node"], name="feedback_debate_idx"),
        ]

    def __str__(self) -> str:
        if self.relation_id is not None:
            return f"Feedback on link #{self.relation_id}"
        return f"Feedback on node #{self.node_id}"


class GradeBook(models.Model):
    """A debate's grading: the scale its grades are given on (0 to `scale`, set by the
    teacher, per debate because one debate may be a quiz and another a term's project) and
    when its feedback and grades were released to the students, all at once."""

    debate = models.OneToOneField(Debate, on_delete=models.CASCADE, primary_key=True, related_name="gradebook")
    scale = models.PositiveSmallIntegerField(default=10)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(scale__gte=1, scale__lte=1000), name="gradebook_scale_range"),
        ]

    def __str__(self) -> str:
        return f"Grades of debate {self.debate_id} (out of {self.scale})"


class Grade(models.Model):
    """One student's grade in one debate: a score from 0 to the debate's GradeBook.scale, and a comment."""

    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="grades")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grades")
    score = models.DecimalField(max_digits=6, decimal_places=1)
    comment = models.TextField(blank=True, validators=[validate_clean_text, MaxLengthValidator(NOTE_MAX)])
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["debate_id", "student_id"]
        constraints = [
            models.UniqueConstraint(fields=["debate", "student"], name="grade_once_per_student_debate"),
            models.CheckConstraint(condition=Q(score__gte=0), name="grade_score_not_negative"),
        ]
        # The unique constraint's index serves "a debate's grades" and "this student's grade here".

    def __str__(self) -> str:
        return f"{self.student} in {self.debate_id}: {self.score}"


class FeedbackAction(models.TextChoices):
    """What a FeedbackEvent records."""

    FEEDBACK_SAVED = "feedback_saved", "Feedback saved"
    FEEDBACK_DELETED = "feedback_deleted", "Feedback deleted"
    GRADE_SAVED = "grade_saved", "Grade saved"
    GRADE_DELETED = "grade_deleted", "Grade deleted"
    SCALE_SET = "scale_set", "Scale set"
    RELEASED = "released", "Released"


class FeedbackEvent(AppendOnly):
    """One line of the append-only history of feedback, grades, scales and releases."""

    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="feedback_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=20, choices=FeedbackAction.choices)
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    node = models.ForeignKey(Node, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    relation = models.ForeignKey(Relation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The value after the change: a score, a scale, feedback text; empty for a deletion.
    value = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=FeedbackAction.values), name="feedback_event_action_valid"),
        ]
        indexes = [
            # The grade page's history: a debate's events, oldest first.
            models.Index(fields=["debate", "created_at"], name="feedback_event_debate_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} in {self.debate_id} by {self.actor}"


class Task(models.Model):
    """Work a teacher sets on a debate or one of its nodes ("find evidence for 1.2"), for the
    whole class (everyone who can see the debate) or for named students (TaskAssignee)."""

    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="tasks")
    node = models.ForeignKey(Node, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks")
    text = models.CharField(max_length=NODE_TEXT_MAX, validators=[validate_clean_text])
    for_everyone = models.BooleanField(default=True)
    due = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="task_text_not_empty"),
        ]
        indexes = [
            # A debate's tasks (the task page, the home page's open tasks).
            models.Index(fields=["debate", "created_at"], name="task_debate_idx"),
            # A node page's tasks.
            models.Index(fields=["node"], name="task_node_idx"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return reverse("debates:task-detail", args=[self.debate.slug, self.pk])


class StudentLink(models.Model):
    """A student named on a parent row: a task's assignee, a group's member. A subclass adds
    the parent's ForeignKey and takes its Meta's constraints and indexes from rules()."""

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        # The parent is the subclass's other ForeignKey; shown by id, so that printing loads no parent row.
        parent = next(f for f in self._meta.concrete_fields if f.is_relation and f.name != "student")
        return f"{self.student} on {parent.name} {parent.value_from_object(self)}"

    @staticmethod
    def rules(parent: str, prefix: str) -> tuple[list[models.UniqueConstraint], list[models.Index]]:
        """(constraints, indexes) of a link whose parent field is `parent`: a student once per
        parent (`<prefix>_once`), and an index for "this student's parents" (`<prefix>_student_idx`)."""
        return (
            [models.UniqueConstraint(fields=[parent, "student"], name=f"{prefix}_once")],
            [models.Index(fields=["student", parent], name=f"{prefix}_student_idx")],
        )


class TaskAssignee(StudentLink):
    """A named student of a task that is not for everyone."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignees")

    class Meta:
        # The index serves "this student's tasks" on the home and node pages.
        constraints, indexes = StudentLink.rules("task", "task_assignee")


class TaskContribution(models.Model):
    """A node submitted from a task: it counts towards that task for its author."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="contributions")
    node = models.OneToOneField(Node, on_delete=models.CASCADE, related_name="task_link")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [
            # A task's progress per student.
            models.Index(fields=["task", "student"], name="task_contribution_idx"),
        ]

    def __str__(self) -> str:
        return f"Node #{self.node_id} for task {self.task_id}"


class NotificationKind(models.TextChoices):
    DECISION = "decision", "Contribution decided"
    RELEASED = "released", "Feedback and grades released"
    TASK = "task", "Task assigned"
    PENDING = "pending", "New item waiting"


class Notification(models.Model):
    """A line in a user's notifications, linking straight to the node (or debate) concerned."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.CharField(max_length=300)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"),
        ]
        indexes = [
            # The navigation's counts on every page: a user's unread notifications by kind.
            models.Index(
                fields=["recipient", "kind"], condition=Q(read_at__isnull=True), name="notification_unread_idx"
            ),
            # The notifications page: a user's newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"To {self.recipient}: {self.text[:60]}"

    def get_absolute_url(self) -> str:
        if self.kind == NotificationKind.RELEASED:
            # Released grades and feedback are shown in My contributions, not on the debate.
            return reverse("debates:my-contributions") + "#grades-heading"
        if self.node_id:
            return reverse("debates:node-detail", args=[self.debate.slug, self.node_id])
        return self.debate.get_absolute_url()


class GroupCopyQuerySet(models.QuerySet):
    def hidden_from(self, user) -> "GroupCopyQuerySet":
        """The group debates this user may not see: those of their classrooms where they are
        neither a member of the group nor a teacher of the classroom."""
        taught = Membership.objects.filter(user=user, role=Membership.Role.TEACHER).values("classroom")
        return self.exclude(members__student=user).exclude(debate__classroom__in=taught)


class GroupCopy(models.Model):
    """A debate copied for a small group: `debate` is a normal Debate of the same classroom,
    seen only by its members (GroupMember) and the classroom's teachers."""

    debate = models.OneToOneField(Debate, on_delete=models.CASCADE, primary_key=True, related_name="group_copy")
    origin = models.ForeignKey(Debate, null=True, on_delete=models.SET_NULL, related_name="group_copies")
    name = models.CharField(max_length=100, validators=[validate_clean_text, validate_single_line])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GroupCopyQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            # The origin debate's list of its groups.
            models.Index(fields=["origin"], name="group_copy_origin_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (copy of {self.origin_id})"


class GroupMember(StudentLink):
    """A student of a group debate."""

    group = models.ForeignKey(GroupCopy, on_delete=models.CASCADE, related_name="members")

    class Meta:
        # The index serves visible_to(user): "which group debates is this student in?"
        constraints, indexes = StudentLink.rules("group", "group_member")
