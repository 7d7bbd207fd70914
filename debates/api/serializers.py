"""What the API reads and writes. Inputs and outputs are separate serializers: no input
has `status`, `author` or `reviewed_by`, and an input refuses fields it does not know."""

import re
from collections.abc import Mapping

from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from debates import permissions
from debates.interchange import READ_FORMATS
from debates.maps import judging
from debates.models import (
    NODE_TEXT_MAX,
    NOTE_MAX,
    QUOTE_TEXT_MAX,
    TITLE_MAX,
    Classroom,
    Debate,
    Kind,
    Node,
    Quote,
    Reason,
    Relation,
    Source,
)
from debates.text import VisibleText, validate_clean_text

# Set only by the workflows (a student must not send status="approved" or another author):
# named in the refusal when a client tries to set them.
READ_ONLY_NAMES = {"id", "status", "author", "reviewed_by", "reviewed_at", "created_by", "added_by", "created_at"}
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
MAP_FORMATS = ("svg", "png", "pdf", "dot")
MAX_ID = 2**63 - 1


def map_url(slug: str, fmt: str) -> str:
    """The debate's map export."""
    return reverse("debates:debate-map", kwargs={"slug": slug, "fmt": fmt})


# --- Inputs ------------------------------------------------------------------------


# DRF's checks that every CharField gets, which ours (text.validate_clean_text, a slug's pattern)
# replace: they say neither which character nor where, and one NUL would get two messages.
DRF_CHARACTER_CHECKS = (ProhibitNullCharactersValidator, ProhibitSurrogateCharactersValidator)


class Text(serializers.CharField):
    """A CharField that refuses NUL, control characters and lone surrogates, naming the first
    one and where it is (text.validate_clean_text), and text with nothing visible, naming the
    field as `noun` (by default its own name); `shown=False` for text never displayed (a password)."""

    def __init__(self, *, noun: str = "", shown: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.noun, self.shown = noun, shown
        kept = [v for v in self.validators if not isinstance(v, DRF_CHARACTER_CHECKS)]
        self.validators = [*kept, validate_clean_text]

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        # Here, not in __init__: the field's name is known only once it is bound.
        if self.shown:
            self.validators.append(VisibleText(self.noun or field_name))


class Id(serializers.IntegerField):
    """A row id: a JSON number, or a string of ASCII digits (int() alone would also read
    "１" or "١" or " 1\n")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and not re.fullmatch(r"[0-9]+", data):
            self.fail("invalid")
        return super().to_internal_value(data)


class Slug(serializers.RegexField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 80)
        # Given to __init__, which hands the message to the pattern's validator as it makes it.
        kwargs.setdefault("error_messages", {"invalid": "Use only letters, digits, hyphens and underscores."})
        super().__init__(SLUG_PATTERN, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, DRF_CHARACTER_CHECKS)]


class StrictSerializer(serializers.Serializer):
    """Refuses unknown fields with a 400 naming each one, rather than ignoring them."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = [key for key in data if key not in self.fields][:20]
            if unknown:
                raise serializers.ValidationError(
                    {
                        str(key)[:100]: ["This field is read-only." if key in READ_ONLY_NAMES else "Unknown field."]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)


class QuoteIn(StrictSerializer):
    source = Id(help_text="A source of the debate.")
    text = Text(
        noun="quote", max_length=QUOTE_TEXT_MAX, help_text="The passage, exactly or nearly as the source has it."
    )
    start = serializers.IntegerField(
        min_value=0, max_value=MAX_ID, required=False, allow_null=True, help_text="Offset of its first character."
    )
    end = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, help_text="Offset just past its last character."
    )

    def validate(self, attrs):
        if (attrs.get("start") is None) != (attrs.get("end") is None):
            raise serializers.ValidationError(
                {"end" if attrs.get("end") is None else "start": ["Give both start and end, or neither."]}
            )
        return attrs


class NodeIn(StrictSerializer):
    debate = Slug(help_text="The debate's slug.")
    kind = serializers.ChoiceField(choices=[Kind.POSITION, Kind.CLAIM, Kind.EVIDENCE])
    text = Text(max_length=NODE_TEXT_MAX)
    target = Id(
        required=False, allow_null=True, help_text="The node this supports or opposes (a position: the question)."
    )
    target_relation = Id(
        required=False,
        allow_null=True,
        help_text="Instead of target: the supports arrow this objects to (an undercut; relation_kind opposes).",
    )
    relation_kind = serializers.ChoiceField(choices=Relation.Kind.choices, default=Relation.Kind.SUPPORTS)
    quote = QuoteIn(
        required=False,
        allow_null=True,
        help_text="Required for evidence. Without start and end the server finds the passage.",
    )

    def validate(self, attrs):
        if attrs.get("target") is not None and attrs.get("target_relation") is not None:
            raise serializers.ValidationError({"target_relation": ["Give target or target_relation, not both."]})
        return attrs


class NodeEditIn(StrictSerializer):
    text = Text(max_length=NODE_TEXT_MAX, required=False)
    quote = QuoteIn(required=False, allow_null=True)


class RelationIn(StrictSerializer):
    """An arrow from a node to exactly one of: a node (target) or a supports arrow (target_relation, an undercut)."""

    source = Id(help_text="The node the arrow starts from.")
    target = Id(required=False, allow_null=True, help_text="The node it supports or opposes (or give target_relation).")
    target_relation = Id(
        required=False,
        allow_null=True,
        help_text="The supports arrow it objects to: an undercut, whose kind is opposes (or give target).",
    )
    kind = serializers.ChoiceField(choices=Relation.Kind.choices)

    def validate(self, attrs):
        target, arrow = attrs.get("target"), attrs.get("target_relation")
        if target is None and arrow is None:
            raise serializers.ValidationError({"target": ["Give target (a node) or target_relation (an arrow)."]})
        if target is not None and arrow is not None:
            raise serializers.ValidationError({"target_relation": ["Give target or target_relation, not both."]})
        return attrs


class RelationEditIn(StrictSerializer):
    # Optional, as a PATCH's fields are (and as the OpenAPI document says): {} changes nothing.
    kind = serializers.ChoiceField(choices=Relation.Kind.choices, required=False)


class ApproveIn(StrictSerializer):
    text = Text(max_length=NODE_TEXT_MAX, required=False, help_text="Edit a node's text as it is approved.")


class RelationApproveIn(StrictSerializer):
    pass


class RestoreIn(StrictSerializer):
    """No fields: restoring brings the item back as it was withdrawn."""


class RejectIn(StrictSerializer):
    reason = serializers.ChoiceField(choices=Reason.choices)
    note = Text(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class ReturnIn(StrictSerializer):
    note = Text(max_length=NOTE_MAX, help_text="What the student should revise.")


class DebateIn(StrictSerializer):
    question = Text(max_length=NODE_TEXT_MAX)
    description = Text(max_length=5000, required=False, allow_blank=True, default="")
    classroom = Id(required=False, allow_null=True, default=None, help_text="Omit or null for a public debate.")
    slug = Slug(required=False, allow_blank=True, default="", help_text="Made from the question if omitted.")
    sources = serializers.ListField(child=Id(), required=False, default=list, max_length=50)


class MapImportIn(StrictSerializer):
    """Another tool's map, to become a new debate: the file (multipart) or its text (JSON)."""

    slug = Slug(help_text="The new debate's slug (its address); must be new, case aside.")
    format = serializers.ChoiceField(
        choices=list(READ_FORMATS), required=False, help_text="Default: guessed from the file."
    )
    file = serializers.FileField(required=False, help_text="The map file (multipart/form-data); or give content.")
    content = serializers.CharField(
        required=False, trim_whitespace=False, help_text="The map file's text (JSON requests); or give file."
    )
    filename = serializers.CharField(required=False, default="", max_length=255, help_text="Recorded with the import.")
    question = Text(max_length=NODE_TEXT_MAX, required=False, default="", help_text="Default: the file's own.")
    classroom = Id(required=False, allow_null=True, help_text="One of your classrooms; none for a public debate.")
    dry_run = serializers.BooleanField(required=False, default=False, help_text="Only say what it would import.")

    def validate(self, attrs):
        if ("file" in attrs) == ("content" in attrs):
            raise serializers.ValidationError({"file": ["Give the map as file or as content, exactly one."]})
        return attrs


class MapImportOut(serializers.Serializer):
    debate = serializers.CharField(allow_null=True, help_text="The new debate's slug (null for a dry run).")
    format = serializers.CharField()
    question = serializers.CharField()
    statements = serializers.IntegerField()
    relations = serializers.IntegerField()
    undercuts = serializers.IntegerField()
    sources = serializers.IntegerField()
    quotes = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())


class DebateEditIn(StrictSerializer):
    question = Text(max_length=NODE_TEXT_MAX, required=False)
    description = Text(max_length=5000, required=False, allow_blank=True)
    is_open = serializers.BooleanField(required=False)
    show_standing = serializers.BooleanField(
        required=False, help_text="Whether the class sees which claims stand, fall or are undecided."
    )


class SourceIn(StrictSerializer):
    title = Text(max_length=TITLE_MAX)
    text = Text(trim_whitespace=False, help_text="The full text, kept exactly: quote offsets index into it.")
    author = Text(max_length=200, required=False, allow_blank=True, default="")
    outlet = Text(max_length=200, required=False, allow_blank=True, default="")
    published = serializers.DateField(required=False, allow_null=True, default=None)
    url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    debate = Slug(required=False, allow_null=True, default=None, help_text="Attach the source to this debate.")

    def validate_text(self, value):
        if len(value) > settings.SOURCE_MAX_CHARS:
            raise serializers.ValidationError(
                f"The text is {len(value):,} characters; the limit is {settings.SOURCE_MAX_CHARS:,}."
            )
        return value

    def validate_url(self, value):
        validate_clean_text(value)
        return value


class ClassroomIn(StrictSerializer):
    name = Text(max_length=200)


class JoinIn(StrictSerializer):
    code = Text(max_length=32, help_text="The join code your teacher gave you.")


class TokenIn(StrictSerializer):
    username = Text(max_length=150)
    password = Text(max_length=256, shown=False, trim_whitespace=False, style={"input_type": "password"})


# --- Outputs -----------------------------------------------------------------------


class QuoteOut(serializers.ModelSerializer):
    class Meta:
        model = Quote
        fields = ["source", "text", "start", "end"]
        read_only_fields = fields


def _stamp(value, tz) -> str | None:
    """A datetime as DRF's DateTimeField writes it: ISO 8601 in the current time zone, UTC as "Z"."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _username(user) -> str | None:
    return user.username if user is not None else None


class AcceptabilityOut(serializers.Serializer):
    """A node's or arrow's standing, by the grounded labelling of the debate's approved
    objections (Dung 1995, in Caminada's labelling form)."""

    label = serializers.ChoiceField(
        choices=["in", "out", "undec"],
        help_text="in: stands (every objection to it falls); out: falls (an objection to it stands); "
        "undec: undecided (an objection to it is undecided, as in a circle of objections).",
    )
    evidenced = serializers.BooleanField(
        help_text="It stands and quotes a source, or is supported by something that stands and is evidenced."
    )
    reason = serializers.CharField(help_text="Why, in one line, naming the deciding nodes by their outline numbers.")


ACCEPTABILITY_HELP = (
    "Its standing; null for the question, for anything not approved, and, while the debate's teachers "
    "hide the standing from the class, for everyone but them."
)


def _acceptability(serializer, item) -> dict | None:
    # The view puts {debate id: standing.Assessment} in the context, only for the debates
    # whose standing this reader may see.
    assessment = serializer.context.get("standing", {}).get(item.debate_id)
    if assessment is None:
        return None
    judged = assessment.nodes if isinstance(item, Node) else assessment.relations
    return judging.acceptability(judged.get(item.pk))


# The fields a node and an arrow share: their debate, who wrote and who decided them, when,
# and their standing; subclasses name all their fields in Meta.fields. A comment, not a
# docstring: drf-spectacular would publish a docstring as both schemas' description.
class _ContributionOut(serializers.ModelSerializer):
    debate = serializers.CharField(source="debate.slug", read_only=True, help_text="The debate's slug.")
    author = serializers.CharField(source="author.username", read_only=True, allow_null=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, allow_null=True)
    acceptability = AcceptabilityOut(read_only=True, allow_null=True, help_text=ACCEPTABILITY_HELP)

    def to_representation(self, item):
        # Written out, for speed: a list serves up to 200 of these, and DRF's generic
        # field-by-field path costs several times the query. The declared fields stay the
        # contract (and the schema), in Meta.fields' order; tests check that both give the
        # same output.
        tz = timezone.get_current_timezone()
        shared = {
            "id": item.pk,
            "debate": item.debate.slug,
            "status": item.status,
            "author": _username(item.author),
            "reviewed_by": _username(item.reviewed_by),
            "reviewed_at": _stamp(item.reviewed_at, tz),
            "created_at": _stamp(item.created_at, tz),
            "acceptability": _acceptability(self, item),
        }
        own = self.own_fields(item, tz)
        return {name: own[name] if name in own else shared[name] for name in self.Meta.fields}

    def own_fields(self, item, tz) -> dict:
        """The subclass's fields beyond the shared ones, written out as its declared fields give them."""
        raise NotImplementedError


class NodeOut(_ContributionOut):
    quote = QuoteOut(read_only=True, allow_null=True)

    class Meta:
        model = Node
        fields = [
            "id",
            "debate",
            "kind",
            "text",
            "quote",
            "status",
            "author",
            "reviewed_by",
            "reviewed_at",
            "created_at",
            "updated_at",
            "acceptability",
        ]
        read_only_fields = fields

    def own_fields(self, node, tz) -> dict:
        try:
            quote = node.quote
        except Quote.DoesNotExist:
            quote = None
        return {
            "kind": node.kind,
            "text": node.text,
            "quote": None
            if quote is None
            else {"source": quote.source_id, "text": quote.text, "start": quote.start, "end": quote.end},
            "updated_at": _stamp(node.updated_at, tz),
        }


class RelationOut(_ContributionOut):
    class Meta:
        model = Relation
        fields = [
            "id",
            "debate",
            "source",
            "target",
            "target_relation",
            "kind",
            "status",
            "author",
            "reviewed_by",
            "reviewed_at",
            "created_at",
            "acceptability",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "target": {"help_text": "The node it supports or opposes; null for an undercut."},
            "target_relation": {"help_text": "For an undercut, the supports arrow it objects to; else null."},
        }

    def own_fields(self, relation, tz) -> dict:
        return {
            "source": relation.source_id,
            "target": relation.target_id,
            "target_relation": relation.target_relation_id,
            "kind": relation.kind,
        }


class MapLinks(serializers.Serializer):
    svg = serializers.CharField()
    png = serializers.CharField()
    pdf = serializers.CharField()
    dot = serializers.CharField()


class SourceOut(serializers.ModelSerializer):
    citation = serializers.CharField(read_only=True, help_text='Outlet and date: "Dawn, 2023-02-19".')
    url = serializers.CharField(read_only=True, help_text="Where it was published: a URL, or empty.")
    # Annotated by the query (Length("text")), so that a list never loads the texts.
    length = serializers.IntegerField(read_only=True, help_text="Characters in the text.")

    class Meta:
        model = Source
        fields = ["id", "title", "author", "outlet", "published", "url", "citation", "length", "created_at"]
        read_only_fields = fields


class SourceQuoteOut(serializers.ModelSerializer):
    debate = serializers.CharField(source="node.debate.slug", read_only=True)

    class Meta:
        model = Quote
        fields = ["node", "debate", "text", "start", "end"]
        read_only_fields = fields


class SourceDetailOut(SourceOut):
    quotes = SourceQuoteOut(source="visible_quotes", many=True, read_only=True, help_text="Approved quotes.")

    class Meta(SourceOut.Meta):
        fields = [*SourceOut.Meta.fields, "text", "quotes"]
        read_only_fields = fields


class DebateOut(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)
    url = serializers.SerializerMethodField(help_text="The debate's page.")
    map = serializers.SerializerMethodField(help_text="The map exports.")
    can_contribute = serializers.SerializerMethodField()
    can_moderate = serializers.SerializerMethodField()

    class Meta:
        model = Debate
        fields = [
            "slug",
            "question",
            "description",
            "classroom",
            "is_open",
            "show_standing",
            "created_by",
            "created_at",
            "url",
            "map",
            "can_contribute",
            "can_moderate",
        ]
        read_only_fields = fields

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_url(self, debate) -> str:
        try:
            return self._absolute(debate.get_absolute_url())
        except NoReverseMatch:
            return self._absolute(f"/debates/{debate.slug}/")

    @extend_schema_field(MapLinks)
    def get_map(self, debate) -> dict:
        return {fmt: self._absolute(map_url(debate.slug, fmt)) for fmt in MAP_FORMATS}

    def _user(self):
        return self.context["request"].user

    def get_can_contribute(self, debate) -> bool:
        return debate.is_open and permissions.can_contribute(self._user(), debate)

    def get_can_moderate(self, debate) -> bool:
        return permissions.can_moderate(self._user(), debate)


class DebateDetailOut(DebateOut):
    sources = SourceOut(many=True, read_only=True)
    nodes = NodeOut(source="approved_nodes", many=True, read_only=True, help_text="Approved nodes.")
    relations = RelationOut(source="approved_relations", many=True, read_only=True, help_text="Approved relations.")

    class Meta(DebateOut.Meta):
        fields = [*DebateOut.Meta.fields, "sources", "nodes", "relations"]
        read_only_fields = fields


class ClassroomOut(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="Your role in this classroom.")
    join_code = serializers.SerializerMethodField(help_text="Shown to the classroom's teachers only.")

    class Meta:
        model = Classroom
        fields = ["id", "name", "role", "join_code", "created_at"]
        read_only_fields = fields

    def _role(self, classroom) -> str:
        return permissions.classroom_roles(self.context["request"].user).get(classroom.pk, "")

    @extend_schema_field(serializers.ChoiceField(choices=["student", "teacher"]))
    def get_role(self, classroom) -> str:
        return self._role(classroom)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_join_code(self, classroom) -> str | None:
        return classroom.join_code if self._role(classroom) == "teacher" else None


class QueueItemOut(serializers.Serializer):
    type = serializers.ChoiceField(choices=["node", "relation"])
    id = serializers.IntegerField()
    debate = serializers.CharField(help_text="The debate's slug.")
    created_at = serializers.DateTimeField()
    node = NodeOut(allow_null=True, help_text="The node awaiting a decision (type node).")
    relation = RelationOut(
        allow_null=True,
        help_text="The relation awaiting a decision; for a node, the arrow submitted with it, decided with it.",
    )


class TokenOut(serializers.Serializer):
    token = serializers.CharField()


class ErrorOut(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status.")
    code = serializers.CharField(help_text="A machine-readable code: invalid, not_found, already_decided...")
    detail = serializers.CharField(help_text="A sentence for a person.")
    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text='Field name (or "non_field_errors") to its messages; nested inputs nest. Empty unless invalid '
        "(400) or a page past the last (404, naming page).",
    )


# --- A classroom's activity per student (debates/teaching/activity.py) ---------------------


class ActivityGradeOut(serializers.Serializer):
    debate = serializers.SlugField(help_text="The debate's slug.")
    score = serializers.DecimalField(max_digits=6, decimal_places=1)
    scale = serializers.IntegerField(help_text="The score is out of this.")


class StudentActivityOut(serializers.Serializer):
    """One student's row: contributions (nodes, and links proposed on their own) by status and kind."""

    student = serializers.CharField(source="student.username", help_text="The student's user name.")
    student_id = serializers.IntegerField(source="student.pk")
    total = serializers.IntegerField()
    by_status = serializers.DictField(
        child=serializers.IntegerField(), help_text="pending, approved, returned, rejected."
    )
    by_kind = serializers.DictField(child=serializers.IntegerField(), help_text="position, claim, evidence, link.")
    quoted_evidence = serializers.IntegerField(help_text="Evidence carrying a verified quote.")
    reasons = serializers.DictField(child=serializers.IntegerField(), help_text="Rejections by reason code.")
    returned = serializers.IntegerField(help_text="Items returned for revision, waiting for the student.")
    last_activity = serializers.DateTimeField(allow_null=True)
    grades = serializers.SerializerMethodField()

    @extend_schema_field(ActivityGradeOut(many=True))
    def get_grades(self, row) -> list:
        slugs = self.context["debate_slugs"]
        return [
            {"debate": slugs[debate_id], "score": score, "scale": scale}
            for debate_id, (score, scale) in sorted(row.grades.items())
        ]
