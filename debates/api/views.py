"""The REST API: DRF viewsets over the same visibility rules and workflow functions as
the pages. Every list is filtered by the models' visible_to(user), because DRF's object
permissions do not run on lists or creates; every write calls debates.moderation or
debates.classrooms."""

import dataclasses
import re
from datetime import timedelta

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import F, Prefetch, Q
from django.db.models.functions import Length
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import mixins, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, Throttled, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from debates import classrooms, importing, moderation, permissions
from debates.api import serializers as s
from debates.api.exceptions import NoSuchPage
from debates.api.parsers import SafeJSONParser
from debates.errors import ModerationError
from debates.interchange.model import FormatError, read_bytes
from debates.maps import judging
from debates.maps.data import MapData, MapNode, MapRelation
from debates.models import Action, Classroom, Debate, Kind, Node, Quote, Relation, Source, Status
from debates.teaching import activity
from debates.text import find_forbidden_parameter
from debates.throttles import JoinLimit, TokenLoginThrottle, TooManyAttempts, WriteThrottle

# --- Plumbing: pagination, throttles, query parameters --------------------------------


# A whole number from 1 in ASCII digits, as `page` and `page_size` are written.
WHOLE_FROM_1 = r"0*[1-9][0-9]*"


class Pagination(PageNumberPagination):
    """Pages of 50 (page_size up to 200); `page` and `page_size` are whole numbers from 1, else
    a 400 naming the one that is not. A page past the last is a 404 naming it
    (exceptions.NoSuchPage): the number is well formed, the page does not exist."""

    page_size = 50
    page_size_query_param = "page_size"
    # A bigger page_size is clamped to this, never refused.
    max_page_size = 200
    invalid_page_message = "There is no page {page_number}."

    def paginate_queryset(self, queryset, request, view=None):
        page = request.query_params.get(self.page_query_param)
        # ASCII digits only: int() would also read "١" or " 1\n" as a page number.
        if page is not None and page not in self.last_page_strings and not re.fullmatch(WHOLE_FROM_1, page):
            raise ValidationError({self.page_query_param: ["A page number is a whole number from 1."]})
        # DRF would quietly give the default size for a bad one, which a client takes for an answer.
        size = request.query_params.get(self.page_size_query_param)
        if size is not None and not re.fullmatch(WHOLE_FROM_1, size):
            message = f"A page size is a whole number from 1 (a page holds at most {self.max_page_size})."
            raise ValidationError({self.page_size_query_param: [message]})
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as error:
            raise NoSuchPage(self.page_query_param, str(error.detail)) from None


def _check_query_params(request) -> None:
    """Refuse NUL and control characters in query parameters before they reach a query or a
    message: PostgreSQL refuses NUL in text (a 500), and an echoed value would carry them.
    The pages' twin is debates.parameters.QueryParametersMiddleware."""
    bad = find_forbidden_parameter(request.query_params)
    if bad:
        name, message = bad
        raise ValidationError({name: [message]})


class ApiMixin:
    """What every API view shares: pagination, write throttling, clean query parameters."""

    pagination_class = Pagination
    # Ids in paths are ASCII digits: DRF's default pattern takes "1\n" and int() reads
    # full-width or Arabic-Indic digits, giving one row several addresses.
    lookup_value_regex = "[0-9]+"
    throttle_classes = [WriteThrottle]
    throttle_scope = "api-write"

    def initial(self, request, *args, **kwargs):
        _check_query_params(request)
        super().initial(request, *args, **kwargs)

    def valid(self, serializer_class, data=None) -> dict:
        serializer = serializer_class(data=self.request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def filters(self, serializer_class) -> dict:
        """The list's filters, validated: a bad value is a 400 naming the parameter."""
        return self.valid(serializer_class, data=self.request.query_params)


# --- Objects named in a request --------------------------------------------------------


def _debate_or_400(user, slug: str, field: str = "debate") -> Debate:
    """A debate named in a body: one the user may not see is reported as not existing. Its
    group copy comes joined: the teachers' notices name a group's debate by its group."""
    debate = Debate.objects.visible_to(user).filter(slug=slug).select_related("classroom", "group_copy").first()
    if debate is None:
        raise ValidationError({field: ["No such debate."]})
    return debate


def _quote_input(debate: Debate, data: dict | None) -> moderation.QuoteInput | None:
    if not data:
        return None
    source = debate.sources.filter(pk=data["source"]).first()
    if source is None:
        raise ValidationError({"quote": {"source": ["That source is not one of this debate's sources."]}})
    return moderation.QuoteInput(source=source, text=data["text"], start=data.get("start"), end=data.get("end"))


def _debate_standing(user, debate: Debate) -> dict:
    """The serializers' "standing" context for a debate detail: assessed from the approved
    nodes and arrows already prefetched (no query), if this reader may see it."""
    if not judging.visible(debate, user):
        return {}
    nodes = []
    for node in debate.approved_nodes:
        try:
            quote, citation = node.quote.text, node.quote.source.citation
        except Quote.DoesNotExist:
            quote, citation = "", ""
        nodes.append(MapNode(node.pk, node.kind, node.text, node.status, quote, citation))
    relations = [
        MapRelation(r.pk, r.source_id, r.target_id, r.kind, r.status, r.target_relation_id)
        for r in debate.approved_relations
    ]
    return {debate.pk: judging.assess_map(MapData(debate.slug, debate.question, tuple(nodes), tuple(relations)))[1]}


def _items_standing(user, items) -> dict:
    """The serializers' "standing" context for nodes or relations, which a list can take from
    several debates: the approved content of the debates among them whose standing this
    reader may see: kept per map revision (judging.judgements()), so no query once judged, and
    one query for all the debates not yet judged (none if no item is approved)."""
    debates = {item.debate_id: item for item in items if item.status == Status.APPROVED}
    # map_revision: annotated on each row by get_queryset(), a column rather than a joined
    # instance per row.
    wanted = {pk: item.map_revision_number or 0 for pk, item in debates.items() if judging.visible(item.debate, user)}
    return {pk: judgement.assessment for pk, judgement in judging.judgements(wanted).items()}


def _require_teacher(user, message: str) -> None:
    if not permissions.is_teacher(user):
        raise PermissionDenied(message)


# --- Filters (query parameters) -------------------------------------------------------


class NodeFilter(serializers.Serializer):
    debate = s.Slug(required=False, help_text="Only this debate's nodes (by slug).")
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)


class RelationFilter(serializers.Serializer):
    debate = s.Slug(required=False, help_text="Only this debate's relations (by slug).")
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Relation.Kind.choices, required=False)
    node = s.Id(required=False, help_text="Only relations from or to this node.")


class DebateFilter(serializers.Serializer):
    debate = s.Slug(required=False, help_text="Only this debate's items (by slug).")


class QueueFilter(serializers.Serializer):
    debate = s.Slug(required=False, help_text="Only this debate's items (by slug).")
    student = s.Text(max_length=150, required=False, help_text="Only this student's items (by user name).")
    kind = serializers.ChoiceField(
        choices=moderation.QUEUE_KINDS, required=False, help_text='A node kind, or "link" for an arrow proposed alone.'
    )
    older_than = serializers.IntegerField(
        min_value=0, max_value=3650, required=False, help_text="Only items waiting more than this many days."
    )
    since = serializers.DateTimeField(
        required=False, help_text="Only items submitted at or after this moment (ISO 8601, e.g. 2025-03-01T08:00Z)."
    )


# --- Debates ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Debates you can see", responses=s.DebateOut(many=True)),
    retrieve=extend_schema(
        summary="A debate with its approved nodes and relations, and links to its map", responses=s.DebateDetailOut
    ),
)
class DebateViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Debates, by slug: public ones, and those of your classrooms."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = s.DebateOut

    def get_queryset(self):
        debates = (
            Debate.objects.visible_to(self.request.user)
            .select_related("created_by", "group_copy")
            .order_by("-created_at", "-pk")
        )
        if self.action == "list":
            return debates
        # Detail: four queries whatever the size (debate, sources, nodes with quotes, relations).
        return debates.prefetch_related(
            Prefetch("sources", queryset=Source.objects.annotate(length=Length("text")).defer("text").order_by("pk")),
            Prefetch(
                "nodes",
                # The quote's source for the citation a standing's reason names (not its text).
                queryset=Node.objects.approved()
                .select_related("quote__source", "author", "reviewed_by")
                .defer("quote__source__text")
                .order_by("pk"),
                to_attr="approved_nodes",
            ),
            Prefetch(
                "relations",
                queryset=Relation.objects.drawn().select_related("author", "reviewed_by").order_by("pk"),
                to_attr="approved_relations",
            ),
        )

    def get_serializer_class(self):
        return s.DebateOut if self.action == "list" else s.DebateDetailOut

    def _detail(self, slug: str) -> Response:
        debate = self.get_queryset().get(slug=slug)
        context = {**self.get_serializer_context(), "standing": _debate_standing(self.request.user, debate)}
        return s.DebateDetailOut(debate, context=context).data

    def retrieve(self, request, slug=None):
        # Through get_object() for its 404, then as _detail() for the standing of the nodes.
        debate = self.get_object()
        context = {**self.get_serializer_context(), "standing": _debate_standing(request.user, debate)}
        return Response(s.DebateDetailOut(debate, context=context).data)

    @extend_schema(summary="Create a debate (teachers)", request=s.DebateIn, responses={201: s.DebateDetailOut})
    def create(self, request):
        user = request.user
        _require_teacher(user, "Only teachers can create debates.")
        data = self.valid(s.DebateIn)
        classroom = None
        if data["classroom"] is not None:
            mine = (
                Classroom.objects.all()
                if user.is_superuser
                else Classroom.objects.filter(pk__in=list(permissions.classroom_roles(user)))
            )
            classroom = mine.filter(pk=data["classroom"]).first()
            if classroom is None:
                raise ValidationError({"classroom": ["No such classroom."]})
        wanted = set(data["sources"])
        sources = list(Source.objects.visible_to(user).filter(pk__in=wanted))
        missing = sorted(wanted - {source.pk for source in sources})
        if missing:
            raise ValidationError({"sources": [f"No such source: {', '.join(map(str, missing))}."]})
        debate = classrooms.debate_create(
            created_by=user,
            question=data["question"],
            classroom=classroom,
            description=data["description"],
            slug=data["slug"],
            sources=sources,
        )
        return Response(self._detail(debate.slug), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Import another tool's map (AIF, Kialo, Argdown, a debate file) as a new debate (teachers)",
        description="One transaction: the whole map or nothing. A file the reader cannot take is a 400 whose "
        "`file` (or `content`) error names the line or node id and the reason. With dry_run, nothing is stored.",
        request={"multipart/form-data": s.MapImportIn, "application/json": s.MapImportIn},
        responses={201: s.MapImportOut, 200: s.MapImportOut},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[SafeJSONParser, MultiPartParser])
    def import_map(self, request):
        user = request.user
        _require_teacher(user, "Only teachers can import maps.")
        data = self.valid(s.MapImportIn)
        field = "file" if "file" in data else "content"
        try:
            if field == "file":
                raw = read_bytes(data["file"], max_bytes=settings.IMPORT_MAX_BYTES)
                filename = data["filename"] or data["file"].name
            else:
                raw, filename = data["content"].encode("utf-8", "surrogatepass"), data["filename"]
            fmt = data.get("format") or importing.detect_format(raw[:4096])
            argument_map = importing.read_upload(raw, fmt)
            summary = importing.summarize(argument_map, fmt, question=data["question"])
        except FormatError as error:
            raise ValidationError({field: [str(error)]}) from None
        except ModerationError as error:
            if "file" in error.message_dict:
                raise ValidationError({field: error.message_dict["file"]}) from None
            raise
        slug = None
        if not data["dry_run"]:
            classroom = None
            if data.get("classroom") is not None:
                classroom = Classroom.objects.filter(pk=data["classroom"]).first()
                if classroom is None or (
                    not user.is_superuser and classroom.pk not in permissions.moderated_classroom_ids(user)
                ):
                    raise ValidationError({"classroom": ["No such classroom of yours."]})
            debate = importing.map_import(
                argument_map=argument_map,
                fmt=fmt,
                imported_by=user,
                slug=data["slug"],
                classroom=classroom,
                question=data["question"],
                filename=filename,
                data=raw,
            )
            slug = debate.slug
        body = s.MapImportOut({"debate": slug, **dataclasses.asdict(summary), "warnings": list(summary.warnings)})
        return Response(body.data, status=status.HTTP_200_OK if data["dry_run"] else status.HTTP_201_CREATED)

    @extend_schema(
        summary="Rename, describe, close or reopen a debate (its teachers)",
        request=s.DebateEditIn,
        responses=s.DebateDetailOut,
    )
    def partial_update(self, request, slug=None):
        debate = self.get_object()
        data = self.valid(s.DebateEditIn)
        classrooms.debate_update(debate=debate, user=request.user, **data)
        return Response(self._detail(debate.slug))


# --- Nodes and relations ----------------------------------------------------------------


def _contribution_schema(noun: str, filter_class: type[serializers.Serializer]):
    """The documented list, retrieve and destroy of a ContributionViewSet whose items are
    `noun`s ("node", "relation"), listed with the query parameters of `filter_class`."""
    return extend_schema_view(
        list=extend_schema(summary=f"{noun.capitalize()}s you can see", parameters=[filter_class]),
        retrieve=extend_schema(summary=f"A {noun}"),
        destroy=extend_schema(summary=f"Withdraw your own pending or returned {noun} (kept: restore/ brings it back)"),
    )


class ContributionViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """What the node and relation endpoints share: the list of what the user may see, with
    its filters; withdrawal by the author and restore/; reject/ and return/
    (moderation.item_decide). A withdrawn item is listed only to its author, and only when
    asked for with ?status=withdrawn."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    model: type[Node] | type[Relation]
    output: type[serializers.Serializer]
    filter_class: type[serializers.Serializer]
    # Joined to each row, so that a list is one query for the rows.
    joined: tuple[str, ...] = ("debate", "author", "reviewed_by")

    def get_serializer_class(self):
        return self.output

    def get_queryset(self):
        user = self.request.user
        items = self.model.objects.visible_to(user)
        if self.action == "restore":
            # The author's own, whatever their status: restoring one that is not withdrawn is
            # a 400 saying so, someone else's a 404.
            items = self.model.objects.filter(author=user) if user.is_authenticated else items.none()
        items = self.joined_to(items)
        if self.action == "list":
            wanted = self.filters(self.filter_class)
            if wanted.get("status") == Status.WITHDRAWN:
                items = self.joined_to(self.model.objects.withdrawn_by(user))
            if "debate" in wanted:
                items = items.filter(debate__slug=wanted["debate"])
            for field in ("status", "kind"):
                if field in wanted:
                    items = items.filter(**{field: wanted[field]})
            items = self.filter_more(items, wanted)
        return items.order_by("pk")

    def joined_to(self, items):
        """Items with what each row shows joined, and the map revision of its debate (the key
        of the debate's kept judgement) as a column, so a list is one query for the rows."""
        return items.select_related(*self.joined).annotate(map_revision_number=F("debate__map_revision__number"))

    def filter_more(self, items, wanted: dict):
        return items

    def output_of(self, items, **kwargs):
        """The output serializer with each approved item's standing, where the reader may see it."""
        many = kwargs.get("many", False)
        context = {
            **self.get_serializer_context(),
            "standing": _items_standing(self.request.user, items if many else [items]),
        }
        return self.output(items, context=context, **kwargs)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.output_of(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.output_of(self.get_object()).data)

    def answer(self, item, status_code: int = status.HTTP_200_OK) -> Response:
        """The item as the user now sees it."""
        visible = self.joined_to(self.model.objects.visible_to(self.request.user))
        return Response(self.output_of(visible.get(pk=item.pk)).data, status=status_code)

    def destroy(self, request, pk=None):
        moderation.item_withdraw(item=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Restore your own withdrawn item: pending again, while the debate is open "
        "(a node with the arrows withdrawn with it)",
        request=s.RestoreIn,
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        self.valid(s.RestoreIn)
        item = self.get_object()
        moderation.item_restore(item=item, user=request.user)
        return self.answer(item)

    def _decide(self, request, action_name: str, **kwargs) -> Response:
        item = self.get_object()
        moderation.item_decide(item=item, moderator=request.user, action=action_name, **kwargs)
        return self.answer(item)

    @extend_schema(summary="Reject a pending item with a reason (teachers)", request=s.RejectIn)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = self.valid(s.RejectIn)
        return self._decide(request, Action.REJECTED, reason=data["reason"], note=data["note"])

    @extend_schema(
        summary="Return a pending item to its author for revision, with a note (teachers)", request=s.ReturnIn
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        data = self.valid(s.ReturnIn)
        return self._decide(request, Action.RETURNED, note=data["note"])


@_contribution_schema("node", NodeFilter)
class NodeViewSet(ContributionViewSet):
    """Boxes of the map: approved ones, your own, and everything in the debates you moderate."""

    model = Node
    output = s.NodeOut
    filter_class = NodeFilter
    joined = (*ContributionViewSet.joined, "quote")

    @extend_schema(
        summary="Submit a position, claim or evidence, attached to the node it supports or opposes",
        request=s.NodeIn,
        responses={201: s.NodeOut},
    )
    def create(self, request):
        data = self.valid(s.NodeIn)
        debate = _debate_or_400(request.user, data["debate"])
        target = arrow = None
        if data.get("target") is not None:
            target = debate.nodes.filter(pk=data["target"]).first()
            if target is None:
                raise ValidationError({"target": ["No such node in this debate."]})
        if data.get("target_relation") is not None:
            arrow = debate.relations.filter(pk=data["target_relation"]).first()
            if arrow is None:
                raise ValidationError({"target_relation": ["No such arrow in this debate."]})
        node = moderation.node_submit(
            debate=debate,
            author=request.user,
            kind=data["kind"],
            text=data["text"],
            quote=_quote_input(debate, data.get("quote")),
            target=target,
            target_relation=arrow,
            relation_kind=data["relation_kind"],
        )
        return self.answer(node, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revise your own pending or returned node (a returned one goes back to the queue)",
        request=s.NodeEditIn,
    )
    def partial_update(self, request, pk=None):
        node = self.get_object()
        data = self.valid(s.NodeEditIn)
        moderation.node_edit(
            node=node,
            editor=request.user,
            text=data.get("text", node.text),
            quote=_quote_input(node.debate, data.get("quote")),
        )
        return self.answer(node)

    @extend_schema(summary="Approve a pending node, optionally editing its text (teachers)", request=s.ApproveIn)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = self.valid(s.ApproveIn)
        return self._decide(request, Action.APPROVED, text=data.get("text"))


@_contribution_schema("relation", RelationFilter)
class RelationViewSet(ContributionViewSet):
    """Arrows of the map (supports, opposes); shown only with both the nodes they link."""

    model = Relation
    output = s.RelationOut
    filter_class = RelationFilter

    def filter_more(self, relations, wanted: dict):
        if "node" in wanted:
            node = wanted["node"]
            relations = relations.filter(
                Q(source_id=node)
                | Q(target_id=node)
                | Q(target_relation__source_id=node)
                | Q(target_relation__target_id=node)
            )
        return relations

    def _node_or_400(self, pk: int, field: str) -> Node:
        node = Node.objects.visible_to(self.request.user).select_related("debate__classroom").filter(pk=pk).first()
        if node is None:
            raise ValidationError({field: ["No such node."]})
        return node

    def _arrow_or_400(self, pk: int) -> Relation:
        arrow = Relation.objects.visible_to(self.request.user).select_related("debate").filter(pk=pk).first()
        if arrow is None:
            raise ValidationError({"target_relation": ["No such arrow."]})
        return arrow

    @extend_schema(
        summary="Propose an arrow from a node to another node (target) or, as an undercut, to a supports "
        "arrow (target_relation): exactly one",
        request=s.RelationIn,
        responses={201: s.RelationOut},
    )
    def create(self, request):
        data = self.valid(s.RelationIn)
        source = self._node_or_400(data["source"], "source")
        if data.get("target") is not None:
            aim = {"target": self._node_or_400(data["target"], "target")}
        else:
            aim = {"target_relation": self._arrow_or_400(data["target_relation"])}
        relation = moderation.relation_submit(author=request.user, source=source, kind=data["kind"], **aim)
        return self.answer(relation, status.HTTP_201_CREATED)

    @extend_schema(summary="Change the kind of your own pending or returned relation", request=s.RelationEditIn)
    def partial_update(self, request, pk=None):
        relation = self.get_object()
        data = self.valid(s.RelationEditIn)
        moderation.relation_edit(relation=relation, editor=request.user, kind=data.get("kind", relation.kind))
        return self.answer(relation)

    @extend_schema(summary="Approve a pending relation (teachers)", request=s.RelationApproveIn)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        self.valid(s.RelationApproveIn)
        return self._decide(request, Action.APPROVED)


# --- Sources ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Sources of the debates you can see"),
    retrieve=extend_schema(summary="A source with its full text and its approved quotes"),
)
class SourceViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Op-eds and articles: those of the debates you can see."""

    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        sources = Source.objects.visible_to(user).annotate(length=Length("text")).order_by("pk")
        if self.action == "list":
            return sources.defer("text")
        quotes = (
            Quote.objects.filter(node__status=Status.APPROVED, node__debate__in=Debate.objects.visible_to(user))
            .select_related("node__debate")
            .order_by("start", "pk")
        )
        return sources.prefetch_related(Prefetch("quotes", queryset=quotes, to_attr="visible_quotes"))

    def get_serializer_class(self):
        return s.SourceOut if self.action == "list" else s.SourceDetailOut

    @extend_schema(summary="Add a source, optionally to a debate you teach (teachers)", request=s.SourceIn)
    def create(self, request):
        _require_teacher(request.user, "Only teachers can add sources.")
        data = self.valid(s.SourceIn)
        slug = data.pop("debate")
        debate = _debate_or_400(request.user, slug) if slug else None
        source = classrooms.source_add(added_by=request.user, debate=debate, **data)
        return Response(s.SourceDetailOut(self.get_queryset().get(pk=source.pk)).data, status=status.HTTP_201_CREATED)


# --- Classrooms -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Your classrooms"),
    retrieve=extend_schema(summary="One of your classrooms"),
)
class ClassroomViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Your classrooms; the join code is shown to their teachers."""

    http_method_names = ["get", "post", "head", "options"]
    permission_classes = [IsAuthenticated]
    serializer_class = s.ClassroomOut

    def get_queryset(self):
        return Classroom.objects.filter(pk__in=list(permissions.classroom_roles(self.request.user))).order_by(
            "name", "pk"
        )

    @extend_schema(summary="Open a classroom (teachers)", request=s.ClassroomIn, responses={201: s.ClassroomOut})
    def create(self, request):
        data = self.valid(s.ClassroomIn)
        classroom = classrooms.classroom_create(teacher=request.user, name=data["name"])
        return Response(self.get_serializer(classroom).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Join a classroom with its code", request=s.JoinIn, responses=s.ClassroomOut)
    @action(detail=False, methods=["post"])
    def join(self, request):
        data = self.valid(s.JoinIn)
        limit = JoinLimit(request, user=request.user)
        try:
            limit.check()
        except TooManyAttempts as error:
            raise Throttled(wait=error.wait, detail=str(error)) from None
        classroom, _ = classrooms.classroom_join(user=request.user, code=data["code"])
        limit.succeeded()
        return Response(self.get_serializer(classroom).data)


# --- The moderation queue ---------------------------------------------------------------


class ModerationQueueView(ApiMixin, GenericAPIView):
    """Pending nodes and relations of the debates you moderate, oldest first, filtered and paginated."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.QueueItemOut

    @extend_schema(
        summary="The moderation queue (teachers)", parameters=[QueueFilter], responses=s.QueueItemOut(many=True)
    )
    def get(self, request):
        if not permissions.has_moderation_queue(request.user):
            raise PermissionDenied("Only teachers have a moderation queue.")
        wanted = self.filters(QueueFilter)
        older_than = wanted.get("older_than")
        queue = moderation.pending_queue(
            request.user,
            debate_slug=wanted.get("debate", ""),
            student=wanted.get("student", ""),
            kind=wanted.get("kind", ""),
            older_than=timedelta(days=older_than) if older_than is not None else None,
            since=wanted.get("since"),
        )
        # Only the page's items are read: PendingQueue is sliced by the paginator.
        page = self.paginate_queryset(queue)
        items = [
            {
                "type": "node" if isinstance(item, Node) else "relation",
                "id": item.pk,
                "debate": item.debate.slug,
                "created_at": item.created_at,
                "node": item if isinstance(item, Node) else None,
                # A node's arrow is the one it was submitted with, decided with it.
                "relation": (item.arrows[0] if item.arrows else None) if isinstance(item, Node) else item,
            }
            for item in page
        ]
        return self.get_paginated_response(s.QueueItemOut(items, many=True).data)


# --- Tokens and docs ----------------------------------------------------------------------


class TokenView(ApiMixin, GenericAPIView):
    """Exchange a user name and password for an API token (for scripts)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenLoginThrottle]
    serializer_class = s.TokenIn

    @extend_schema(summary="Obtain an API token", request=s.TokenIn, responses=s.TokenOut, auth=[])
    def post(self, request):
        data = self.valid(s.TokenIn)
        # The plain HttpRequest, so that django-axes counts the failure and can lock the name out.
        django_request = request._request
        user = authenticate(django_request, username=data["username"], password=data["password"])
        if getattr(django_request, "axes_locked_out", False):
            # Answered here as JSON; without this, AxesMiddleware would swap in its HTML page.
            django_request.axes_locked_out = False
            raise Throttled(
                wait=_axes_cool_off_seconds(django_request),
                detail="Too many failed attempts for this user name; wait before trying again.",
            )
        if user is None or not user.is_active:
            raise ValidationError({"non_field_errors": ["Unable to log in with that user name and password."]})
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


def _axes_cool_off_seconds(request) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else 3600


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from local static files; its init script is a separate file, so the CSP holds."""

    template_name = "debates/api/swagger_ui.html"
    # A page, not a resource: GET only. (DRF's OPTIONS would render its metadata through
    # this HTML template and fail.)
    http_method_names = ["get", "head"]
    metadata_class = None


class SchemaView(SpectacularAPIView):
    """The OpenAPI document: GET only, like every other read-only document."""

    http_method_names = ["get", "head"]
    metadata_class = None


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any other URL under /api/: a 404 in the API's error shape, not an HTML page."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def initial(self, request, *args, **kwargs):
        raise NotFound("No such endpoint.")


# --- A classroom's activity per student ---------------------------------------------------


class ClassroomActivityView(ApiMixin, GenericAPIView):
    """One row per student of a classroom you teach, over all its debates or one (?debate=<slug>)."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.StudentActivityOut
    pagination_class = None

    @extend_schema(
        summary="Activity per student (the classroom's teachers)",
        parameters=[DebateFilter],
        responses=s.StudentActivityOut(many=True),
    )
    def get(self, request, pk: int):
        classroom = Classroom.objects.filter(pk=pk).first()
        if classroom is None or (
            not request.user.is_superuser and pk not in permissions.moderated_classroom_ids(request.user)
        ):
            raise NotFound("No such classroom.")
        wanted = self.filters(DebateFilter)
        debates = list(classroom.debates.order_by("created_at", "pk"))
        if "debate" in wanted:
            debates = [d for d in debates if d.slug == wanted["debate"]]
            if not debates:
                raise NotFound("No such debate in this classroom.")
        rows = activity.activity_rows(classroom, debates)
        context = {**self.get_serializer_context(), "debate_slugs": {d.pk: d.slug for d in debates}}
        return Response(s.StudentActivityOut(rows, many=True, context=context).data)
