"""What one user may see of a debate's map: the only map code that reads the database.

load_map() reads a debate's nodes and relations into a MapData, plain frozen dataclasses
that the drawing and the outline build on without the database; debate_and_stamp() reads
the debate with a stamp of its map's data, what a cached drawing is checked against.
"""

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import DateField, IntegerField, TextField, Value

from debates import permissions
from debates.models import Debate, GroupCopy, Kind, MapRevision, Node, Relation, Source, Status


@dataclass(frozen=True)
class MapNode:
    """A box. `quote` is its quote's whole text ("" if none), `citation` the source's outlet
    and date; quote_source/start/end place the quote in the source (for the debate file)."""

    pk: int
    kind: str
    text: str
    status: str
    quote: str = ""
    citation: str = ""
    quote_source: int | None = None
    quote_start: int | None = None
    quote_end: int | None = None


@dataclass(frozen=True)
class MapSource:
    """A source of the debate, with its whole text (what the debate file carries)."""

    pk: int
    title: str
    author: str
    outlet: str
    published: date | None
    url: str
    text: str


@dataclass(frozen=True)
class MapRelation:
    """An arrow: `target` is the node it points at, or None for an undercut, whose
    `target_relation` is the pk of the supports arrow it objects to."""

    pk: int
    source: int
    target: int | None
    kind: str
    status: str
    target_relation: int | None = None


@dataclass(frozen=True)
class MapData:
    """What one user may see of a debate's map, with what the drawing and the outline need."""

    slug: str
    question: str
    nodes: tuple[MapNode, ...]
    relations: tuple[MapRelation, ...]
    sources: tuple[str, ...] = ()
    as_of: date | None = None

    def node(self, pk: int) -> MapNode | None:
        return self.by_pk.get(pk)

    @property
    def by_pk(self) -> dict[int, MapNode]:
        return {node.pk: node for node in self.nodes}

    @property
    def question_pk(self) -> int | None:
        return next((n.pk for n in self.nodes if n.kind == Kind.QUESTION), None)


def load_map(debate: Debate, user, *, show_pending: bool = False) -> MapData:
    """The debate's approved nodes and relations (plus pending and returned work, for a
    moderator who asks): three queries, whatever the debate's size."""
    moderator = show_pending and permissions.can_moderate(user, debate)
    statuses = [Status.APPROVED, Status.PENDING, Status.RETURNED] if moderator else [Status.APPROVED]
    # Plain rows, not model instances: a 400-box map would otherwise spend more time building
    # objects than drawing. The quote's source comes without its text (tens of kilobytes).
    nodes = (
        Node.objects.filter(debate=debate, status__in=statuses)
        .visible_to(user, moderator=moderator)
        .for_map()
        .values_list(
            "pk", "kind", "text", "status", "updated_at", "reviewed_at", "quote__text", "quote__source_id",
            "quote__source__title", "quote__source__author", "quote__source__outlet", "quote__source__published",
            "quote__start", "quote__end",
        )
    )  # fmt: skip
    relations = (
        Relation.objects.filter(debate=debate, status__in=statuses)
        .visible_to(user, moderator=moderator)
        .for_map()
        .values_list("pk", "source_id", "target_id", "kind", "status", "reviewed_at", "target_relation_id")
    )
    citations: dict[int, str] = {}
    map_nodes, stamps = [], []
    for pk, kind, text, status, updated, reviewed, quote, source_id, *source, start, end in nodes:
        if source_id is not None and source_id not in citations:
            title, author, outlet, published = source
            citations[source_id] = Source(title=title, author=author, outlet=outlet, published=published).citation
        citation = citations.get(source_id, "")
        map_nodes.append(MapNode(pk, kind, text, status, quote or "", citation, source_id, start, end))
        stamps += [updated, reviewed]
    # An arrow is drawn when both its ends were loaded above, an undercut when the arrow it
    # objects to is drawn: the drawing never meets an arrow into nothing. The ends' status was
    # asked once, of the nodes; asking again in this query cost five more joined conditions.
    shown = {node.pk for node in map_nodes}
    rows = [row for row in relations if row[1] in shown]
    arrows = {row[0] for row in rows if row[2] in shown}
    map_relations = []
    for pk, source, target, kind, status, reviewed, target_relation in rows:
        if pk in arrows or (target is None and target_relation in arrows):
            map_relations.append(MapRelation(pk, source, target, kind, status, target_relation))
            stamps.append(reviewed)
    stamps = [s for s in stamps if s is not None]
    # Without the sources' texts (tens of kilobytes each): a line names a source.
    lines = debate.sources.order_by("pk").values_list("title", "author", "outlet", "published")
    sources = tuple(_source_line(*line) for line in lines)
    return MapData(
        slug=debate.slug,
        question=debate.question,
        nodes=tuple(map_nodes),
        relations=tuple(map_relations),
        sources=sources,
        as_of=max(stamps).date() if stamps else None,
    )


def load_judged(debate_ids) -> dict[int, MapData]:
    """The approved content of these debates, by debate id: what standing.assess() and the
    outline numbers need, for pages and lists that have not loaded a map (a node's page, the
    API's lists, which can span debates). One query (the approved nodes with their quotes'
    sources, UNION the arrows between them), whatever the number of debates and their size.
    Approved content is what every reader of a debate sees, so who is asking does not matter."""
    ids = sorted(set(debate_ids))
    if not ids:
        return {}
    # Both halves give the same columns: a node leaves the arrow's ends empty, an arrow the
    # node's text and quote.
    none_int, none_text, none_date = Value(None, IntegerField()), Value(None, TextField()), Value(None, DateField())
    nodes = (
        Node.objects.filter(debate_id__in=ids)
        .approved()
        .order_by()  # a compound query takes no ORDER BY in its halves: sorted below
        .annotate(end_source=none_int, end_target=none_int, end_relation=none_int)
        .values_list(
            "debate_id", "pk", "kind", "status", "end_source", "end_target", "end_relation", "text", "quote__text",
            "quote__source__title", "quote__source__author", "quote__source__outlet", "quote__source__published",
        )
    )  # fmt: skip
    relations = (
        Relation.objects.filter(debate_id__in=ids)
        .drawn()
        .order_by()
        .annotate(t=none_text, q=none_text, ti=none_text, au=none_text, ou=none_text, pu=none_date)
        .values_list(
            "debate_id",
            "pk",
            "kind",
            "status",
            "source_id",
            "target_id",
            "target_relation_id",
            "t",
            "q",
            "ti",
            "au",
            "ou",
            "pu",
        )  # fmt: skip
    )
    by_debate: dict[int, tuple[list, list]] = {pk: ([], []) for pk in ids}
    rows = sorted(nodes.union(relations, all=True), key=lambda row: (row[4] is not None, row[1]))
    for debate_id, pk, kind, status, source, target, attacked, text, quote, title, author, outlet, published in rows:
        if source is not None:
            by_debate[debate_id][1].append(MapRelation(pk, source, target, kind, status, attacked))
            continue
        citation = Source(title=title, author=author, outlet=outlet, published=published).citation if quote else ""
        by_debate[debate_id][0].append(MapNode(pk, kind, text, status, quote or "", citation))
    # The slug and question are not needed to judge: the callers have the debate.
    return {pk: MapData("", "", tuple(n), tuple(r)) for pk, (n, r) in by_debate.items()}


def load_sources(debate: Debate) -> tuple[MapSource, ...]:
    """The debate's sources with their whole texts, in pk order: one query."""
    fields = ("pk", "title", "author", "outlet", "published", "url", "text")
    return tuple(MapSource(*row) for row in debate.sources.order_by("pk").values_list(*fields))


def _source_line(title: str, author: str, outlet: str, published: date | None) -> str:
    """A source as the map's header names it: "Title (Author, Outlet, 2023-02-19)"."""
    who = ", ".join(p for p in [author, outlet, published and published.isoformat()] if p)
    return f"{title} ({who})" if who else title


def debate_and_stamp(slug: str) -> tuple[Debate | None, tuple]:
    """The debate with this slug (its own columns only) and a stamp of what its drawings
    depend on besides the options asked for: (primary key, question, classroom id or None,
    MapRevision number, whether the standing badges are shown). The number is raised by
    cache.map_changed() in the transaction of every change, so a drawing cached under an
    older stamp is stale. One query on two primary-key indexes, whatever the debate's size;
    (None, ()) if there is no such debate. Plain SQL: this runs on every cached export,
    where building an ORM query would cost more than running it."""
    debates, revisions, groups = Debate._meta.db_table, MapRevision._meta.db_table, GroupCopy._meta.db_table
    columns = ["id", "slug", "question", "classroom_id", "created_by_id", "is_open", "show_standing"]
    # The group copy's key comes along so that permissions.can_see_debate() need not ask
    # again whether this is a group's debate (the usual answer, no, costs nothing then).
    sql = (
        f"SELECT {', '.join('d.' + c for c in columns)}, g.debate_id, r.number "
        f"FROM {debates} d LEFT JOIN {revisions} r ON r.debate_id = d.id "
        f"LEFT JOIN {groups} g ON g.debate_id = d.id WHERE d.slug = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [slug])
        row = cursor.fetchone()
    if row is None:
        return None, ()
    debate = Debate(**dict(zip(columns, row[: len(columns)], strict=True)))
    debate._state.adding, debate._state.db = False, connection.alias
    if row[-2] is None:
        debate._state.fields_cache["group_copy"] = None  # known: not a group's debate
    # The switch is in the stamp as well as raising the revision: a drawing kept with the
    # badges is never served once they are off, whoever changed the switch and how.
    return debate, (debate.pk, debate.question, debate.classroom_id, row[-1] or 0, bool(debate.show_standing))
