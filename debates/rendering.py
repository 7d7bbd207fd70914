"""Argument maps: a debate -> DOT -> svg/png/pdf bytes.

Three steps, each in one place:
- load_map() reads what a user may see of a debate into a MapData (a fixed number of queries);
- build_dot() turns a MapData into DOT text: pure and deterministic (order by primary key, no
  clock); node ids come from primary keys, and every user string goes through _html();
- render() is the only code that runs Graphviz: a subprocess with a time limit, file access
  disabled (SERVER_NAME, HAZARDS 4) and an allow-list of formats.
rendered() adds the cache, keyed by a hash of the DOT text, so that any change of the data
(an approval, an edit) changes the key and the ETag at once.
"""

import gzip
import hashlib
import math
import os
import re
import subprocess
from collections import deque
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from debates import permissions
from debates.models import Debate, Kind, MapRevision, Node, Relation, Source, Status

# Output formats: what dot is asked for, and the media type served. "dot" is the DOT text
# itself and never runs Graphviz.
FORMATS = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "dot": "text/vnd.graphviz; charset=utf-8",
}

DEFAULT_FOCUS_DEPTH = 2
MAX_FOCUS_DEPTH = 10

# Label budget. Graphviz refuses a quoted string of about 16 KB (HAZARDS 7); an escaped
# character is at most 6 bytes (&quot;), so even the longest label stays far under it.
TEXT_WIDTH = 24
TEXT_LINES = 12
QUOTE_WIDTH = 30
QUOTE_LINES = 4
CITATION_WIDTH = 30
TOOLTIP_CHARS = 400
# The largest drawing, in inches (width, height): a bigger layout is packed towards this
# shape (ratio=compress), then scaled down.
MAP_INCHES = "27,18"
# How long a drawing is kept under the stamp of its data (see debate_and_stamp): a change
# made around moderation.py and the admin (a shell, raw SQL) shows after at most this long.
DIGEST_SECONDS = 300
# Layout balance (see _tree_minlen): boxes per rank ~ sqrt(n * RANK_BALANCE).
RANK_BALANCE = 1.5
MAX_RANK_SHIFT = 2
TITLE_WIDTH = 90

# Colours are a third cue, never the only one: supports and opposes also differ in line
# style, arrowhead and a +/- label; kinds differ in shape and in a caption.
SUPPORT_COLOUR = "#1c6b3a"
OPPOSE_COLOUR = "#a3271f"
PENDING_COLOUR = "#8a6d00"
INK = "#1d232b"
MUTED = "#5a6472"

_KIND_STYLE = {
    # kind: (node attributes, fill colour, caption)
    Kind.QUESTION: ('shape=box style="filled,bold" penwidth=2.5 fontsize=16', "#dde8f5", "QUESTION"),
    Kind.POSITION: ('shape=box style="filled" peripheries=2 fontsize=14', "#eef3e2", "POSITION"),
    Kind.CLAIM: ('shape=box style="rounded,filled"', "#ffffff", "CLAIM"),
    Kind.EVIDENCE: ('shape=note style="filled"', "#fff8dc", "EVIDENCE"),
}
_RELATION_STYLE = {
    # kind: (line style, arrowhead at the target, label, colour)
    Relation.Kind.SUPPORTS: ("solid", "normal", "+", SUPPORT_COLOUR),
    Relation.Kind.OPPOSES: ("dotted", "tee", "\u2212", OPPOSE_COLOUR),
}


class RenderError(Exception):
    """Graphviz is missing, too slow, or failed; the message is fit to show a user."""


@dataclass(frozen=True)
class MapNode:
    pk: int
    kind: str
    text: str
    status: str
    quote: str = ""
    citation: str = ""


@dataclass(frozen=True)
class MapRelation:
    pk: int
    source: int
    target: int
    kind: str
    status: str


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


# --------------------------------------------------------------------------- loading


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
        )
    )  # fmt: skip
    relations = (
        Relation.objects.filter(
            debate=debate, status__in=statuses, source__status__in=statuses, target__status__in=statuses
        )
        .visible_to(user, moderator=moderator)
        .for_map()
        .values_list("pk", "source_id", "target_id", "kind", "status", "reviewed_at")
    )
    citations: dict[int, str] = {}
    map_nodes, stamps = [], []
    for pk, kind, text, status, updated, reviewed, quote, source_id, *source in nodes:
        if source_id is not None and source_id not in citations:
            title, author, outlet, published = source
            citations[source_id] = Source(title=title, author=author, outlet=outlet, published=published).citation
        map_nodes.append(MapNode(pk, kind, text, status, quote or "", citations.get(source_id, "")))
        stamps += [updated, reviewed]
    map_relations = []
    for pk, source, target, kind, status, reviewed in relations:
        map_relations.append(MapRelation(pk, source, target, kind, status))
        stamps.append(reviewed)
    stamps = [s for s in stamps if s is not None]
    sources = tuple(_source_line(s) for s in debate.sources.order_by("pk"))
    return MapData(
        slug=debate.slug,
        question=debate.question,
        nodes=tuple(map_nodes),
        relations=tuple(map_relations),
        sources=sources,
        as_of=max(stamps).date() if stamps else None,
    )


def _source_line(source) -> str:
    who = ", ".join(p for p in [source.author, source.outlet, source.published and source.published.isoformat()] if p)
    return f"{source.title} ({who})" if who else source.title


# --------------------------------------------------------------------------- pure part


def _forbidden_table() -> dict[int, None]:
    """What debates.text refuses, for str.translate: C0/C1 controls bar newline and tab, lone
    surrogates, non-characters. One C-speed pass instead of a Python loop per character."""
    codes = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000)]
    codes += [*range(0xFDD0, 0xFDF0)] + [plane * 0x10000 + end for plane in range(17) for end in (0xFFFE, 0xFFFF)]
    return dict.fromkeys(codes)


_FORBIDDEN = _forbidden_table()


def _clean(text: str) -> str:
    """Defence in depth: drop what the validators refuse (NUL, controls, surrogates)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return text.translate(_FORBIDDEN)


def _wrap(paragraph: str, width: int) -> list[str]:
    """Greedy word wrap; a word longer than the width is cut (a URL, 20,000 letters)."""
    lines: list[str] = []
    current = ""
    for word in paragraph.split():
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


# html.escape()'s five references, and backslashes, which are live in Graphviz strings
# (HAZARDS 2), as a character reference: one C-speed pass.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "\\": "&#92;"})


def _escape(text: str) -> str:
    return text.translate(_ESCAPES)


def _html(text: str, *, width: int | None = None, max_lines: int = 1, limit: int = TOOLTIP_CHARS) -> str:
    """The one escaping function: user text -> the inside of an HTML-like label (wrapped to
    `width` characters, at most `max_lines` lines joined by <BR/>) or, without a width, one
    line for a tooltip. Too long text ends in an ellipsis."""
    text = _clean(text)
    if width is None:
        flat = " ".join(text.split())
        if len(flat) > limit:
            flat = flat[: limit - 1].rstrip() + "\u2026"
        return _escape(flat) or "&#160;"
    budget = width * max_lines + 1
    lines: list[str] = []
    for paragraph in text[:budget].split("\n"):
        lines += _wrap(paragraph, width)
    lines = [line for line in lines if line.strip()] or [""]
    truncated = len(lines) > max_lines or len(text) > budget
    lines = lines[:max_lines]
    if truncated:
        last = lines[-1][: width - 1].rstrip()
        lines[-1] = last + "\u2026"
    # Graphviz refuses an empty <B></B>: an empty text is a no-break space.
    return "<BR/>".join(_escape(line) for line in lines) or "&#160;"


def _attr(value: str) -> str:
    """A DOT quoted string for our own attribute values (URLs built from primary keys)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def neighbourhood(data: MapData, center: int, depth: int, limit: int) -> tuple[list[int], bool]:
    """Nodes within `depth` arrows of `center` (either direction), nearest first and at most
    `limit` of them; and whether that is all of them."""
    adjacent: dict[int, list[int]] = {}
    for relation in data.relations:
        adjacent.setdefault(relation.source, []).append(relation.target)
        adjacent.setdefault(relation.target, []).append(relation.source)
    seen = {center: 0}
    order = [center]
    queue = deque([center])
    complete = True
    while queue:
        pk = queue.popleft()
        if seen[pk] >= depth:
            continue
        for other in sorted(adjacent.get(pk, ())):
            if other in seen:
                continue
            if len(order) >= limit:
                complete = False
                continue
            seen[other] = seen[pk] + 1
            order.append(other)
            queue.append(other)
    return order, complete


@dataclass(frozen=True)
class Selection:
    """Which nodes a drawing shows, and why not all of them."""

    pks: frozenset[int]
    total: int
    capped: bool
    focus: int | None


def select(
    data: MapData,
    *,
    focus: int | None = None,
    depth: int | None = None,
    show_pending: bool = False,
    max_nodes: int | None = None,
) -> Selection:
    """The nodes to draw: all, or the neighbourhood of `focus`; at most max_nodes, nearest
    the question (or the focus) first."""
    limit = max_nodes or settings.MAP_MAX_NODES
    visible = [n.pk for n in data.nodes if show_pending or n.status == Status.APPROVED]
    if focus is not None and focus in visible:
        center, depth = focus, DEFAULT_FOCUS_DEPTH if depth is None else depth
    elif len(visible) > limit and data.question_pk in visible:
        center, depth, focus = data.question_pk, len(visible), None
    else:
        pks = visible[:limit]
        return Selection(frozenset(pks), len(visible), len(pks) < len(visible), None)
    pks, complete = neighbourhood(_only(data, frozenset(visible)), center, depth, limit)
    return Selection(frozenset(pks), len(visible), not complete, focus)


def _only(data: MapData, pks: frozenset[int]) -> MapData:
    return MapData(
        slug=data.slug,
        question=data.question,
        nodes=tuple(n for n in data.nodes if n.pk in pks),
        relations=tuple(r for r in data.relations if r.source in pks and r.target in pks),
        sources=data.sources,
        as_of=data.as_of,
    )


def _node_label(node: MapNode) -> str:
    attributes, fill, caption = _KIND_STYLE.get(node.kind, _KIND_STYLE[Kind.CLAIM])
    if node.status != Status.APPROVED:
        caption += " \u00b7 " + Status(node.status).label.upper() if node.status in Status.values else ""
    rows = [f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="{MUTED}">{caption}</FONT></TD></TR>']
    align = "CENTER" if node.kind in (Kind.QUESTION, Kind.POSITION) else "LEFT"
    text = _html(node.text, width=TEXT_WIDTH, max_lines=TEXT_LINES)
    bold = node.kind in (Kind.QUESTION, Kind.POSITION)
    rows.append(
        f'<TR><TD ALIGN="{align}" BALIGN="{align}">{"<B>" if bold else ""}{text}{"</B>" if bold else ""}</TD></TR>'
    )
    if node.quote:
        excerpt = _html(f"\u201c{' '.join(node.quote.split())}\u201d", width=QUOTE_WIDTH, max_lines=QUOTE_LINES)
        rows.append(
            f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="{INK}"><I>{excerpt}</I></FONT></TD></TR>'
        )
    if node.citation:
        citation = _html(f"\u2014 {node.citation}", width=CITATION_WIDTH, max_lines=1)
        rows.append(f'<TR><TD ALIGN="RIGHT"><FONT POINT-SIZE="9" COLOR="{MUTED}">{citation}</FONT></TD></TR>')
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


def _header_label(data: MapData, title: str, selection: Selection) -> str:
    lines = [f'<TR><TD><FONT POINT-SIZE="28"><B>{_html(title, width=TITLE_WIDTH, max_lines=2)}</B></FONT></TD></TR>']
    facts = []
    if data.as_of:
        facts.append(f"Map as of {data.as_of.isoformat()}")
    shown = len(selection.pks)
    boxes = "box" if selection.total == 1 else "boxes"
    facts.append(f"{shown} of {selection.total} {boxes}" if shown < selection.total else f"{shown} {boxes}")
    focus = data.node(selection.focus) if selection.focus is not None else None
    if focus is not None:
        facts.append(f"around \u201c{' '.join(focus.text.split())[:60]}\u201d")
    facts_text = _html(" \u00b7 ".join(facts))
    lines.append(f'<TR><TD><FONT POINT-SIZE="15" COLOR="{MUTED}">{facts_text}</FONT></TD></TR>')
    if data.sources:
        sources = "Sources: " + "; ".join(data.sources)
        lines.append(
            f'<TR><TD><FONT POINT-SIZE="13" COLOR="{MUTED}">{_html(sources, width=150, max_lines=3)}</FONT></TD></TR>'
        )
    return '<<TABLE BORDER="0" CELLSPACING="2" CELLPADDING="0">' + "".join(lines) + "</TABLE>>"


def _legend() -> list[str]:
    """A small key: the four kinds of box and the two kinds of arrow, in words too."""
    lines = [
        "  subgraph cluster_legend {",
        f'    label=<<B>Key</B>> fontsize=14 labeljust=l style="rounded" color="{MUTED}" margin=8',
        '    node [fontsize=12 margin="0.08,0.03" width=0 height=0]',
    ]
    for kind in (Kind.QUESTION, Kind.POSITION, Kind.CLAIM, Kind.EVIDENCE):
        attributes, fill, _ = _KIND_STYLE[kind]
        lines.append(f'    legend_{kind} [label="{kind.label}" {attributes} fontsize=12 fillcolor="{fill}"]')
    for kind, above in ((Relation.Kind.SUPPORTS, Kind.QUESTION), (Relation.Kind.OPPOSES, Kind.POSITION)):
        line, arrow, sign, colour = _RELATION_STYLE[kind]
        lines.append(f'    legend_{kind} [label="{kind}" shape=plaintext style="" fontcolor="{colour}"]')
        lines.append(
            f'    legend_{above} -> legend_{kind} [style={line} color="{colour}" arrowtail={arrow} '
            f'label=" {sign} " fontcolor="{colour}"]'
        )
    # The four kinds in a row, in this order; the two arrows hang below the first two.
    lines.append("    { rank=same; legend_question; legend_position; legend_claim; legend_evidence }")
    lines.append("    legend_question -> legend_position -> legend_claim -> legend_evidence [style=invis dir=none]")
    lines.append("  }")
    return lines


def _tree_minlen(pks: list[int], tree: list[MapRelation]) -> dict[int, int]:
    """How many ranks each tree arrow spans. A debate is broad and shallow: laid out as it
    is, a 50-box map is a ribbon ten times wider than high. So, in breadth-first order, a
    box that would crowd its rank moves down one or two ranks (as Graphviz's `unflatten`
    does for leaves), aiming at about sqrt(n) boxes a rank: nearer the shape of a page."""
    children: dict[int, list[MapRelation]] = {}
    for relation in tree:
        children.setdefault(relation.target, []).append(relation)
    for group in children.values():
        group.sort(key=lambda r: (r.kind != Relation.Kind.SUPPORTS, r.pk))
    has_parent = {r.source for r in tree}
    target_width = max(3, math.ceil(math.sqrt(len(pks) * RANK_BALANCE)))
    rank: dict[int, int] = {}
    per_rank: dict[int, int] = {}
    minlen: dict[int, int] = {}
    queue = deque(pk for pk in pks if pk not in has_parent)
    for pk in queue:
        rank[pk] = 0
        per_rank[0] = per_rank.get(0, 0) + 1
    while queue:
        parent = queue.popleft()
        for relation in children.get(parent, ()):
            child = relation.source
            if child in rank:
                continue
            lowest = rank[parent] + 1
            chosen = lowest
            while per_rank.get(chosen, 0) >= target_width and chosen < lowest + MAX_RANK_SHIFT:
                chosen += 1
            if per_rank.get(chosen, 0) >= target_width:
                chosen = min(range(lowest, lowest + MAX_RANK_SHIFT + 1), key=lambda r: (per_rank.get(r, 0), r))
            rank[child] = chosen
            per_rank[chosen] = per_rank.get(chosen, 0) + 1
            minlen[relation.pk] = chosen - rank[parent]
            queue.append(child)
    return minlen


def build_dot(
    data: MapData,
    *,
    title: str | None = None,
    focus: int | None = None,
    depth: int | None = None,
    show_pending: bool = False,
    max_nodes: int | None = None,
    legend: bool = True,
) -> str:
    """The map as DOT text: the question at the top, what supports or opposes a node below
    it, arrows pointing at the node they support or oppose. Pure and deterministic.
    Pending and returned work is drawn (dashed) only with show_pending. With a title, the
    drawing carries a header (title, date, sources) for print."""
    selection = select(data, focus=focus, depth=depth, show_pending=show_pending, max_nodes=max_nodes)
    nodes = sorted((n for n in data.nodes if n.pk in selection.pks), key=lambda n: n.pk)
    relations = sorted(
        (r for r in data.relations if r.source in selection.pks and r.target in selection.pks), key=lambda r: r.pk
    )
    if not show_pending:
        relations = [r for r in relations if r.status == Status.APPROVED]

    out = [
        "digraph counterpoint {",
        '  graph [rankdir=TB charset="UTF-8" fontname="Noto Sans" bgcolor="white" pad="0.3" '
        f'nodesep="0.25" ranksep="0.5" outputorder="edgesfirst" newrank=true ratio=compress size="{MAP_INCHES}"]',
        f'  node [fontname="Noto Sans" fontsize=12 fontcolor="{INK}" color="{MUTED}" penwidth=1.2 '
        'margin="0.12,0.06" target="_top"]',
        '  edge [fontname="Noto Sans" fontsize=15 penwidth=1.8 dir=back arrowsize=1.0]',
    ]
    if title is not None:
        out.append(f"  graph [labelloc=t labeljust=c label={_header_label(data, title, selection)}]")
    # One reverse() for all nodes: the URL of node 0, with the id swapped in.
    node_url = reverse("debates:node-detail", args=[data.slug, 0])
    assert node_url.endswith("/0/")
    for node in nodes:
        attributes, fill, _ = _KIND_STYLE.get(node.kind, _KIND_STYLE[Kind.CLAIM])
        pk = int(node.pk)
        extra = ""
        if node.status != Status.APPROVED:
            style = re.sub(r'style="([^"]*)"', lambda m: f'style="{m.group(1)},dashed"', attributes)
            attributes, extra = style, f' color="{PENDING_COLOUR}" penwidth=2'
        url = node_url[:-2] + f"{pk}/"
        out.append(
            f'  n{pk} [{attributes} fillcolor="{fill}"{extra} URL={_attr(url)} '
            f"tooltip=<{_html(node.text)}> label={_node_label(node)}]"
        )
    # Each node's first arrow (by primary key) shapes the tree; later ones are cross-links
    # that must not pull the layout about.
    primary: dict[int, MapRelation] = {}
    for relation in relations:
        primary.setdefault(relation.source, relation)
    minlen = _tree_minlen([n.pk for n in nodes], list(primary.values()))
    for relation in relations:
        line, arrow, sign, colour = _RELATION_STYLE.get(relation.kind, _RELATION_STYLE[Relation.Kind.SUPPORTS])
        attributes = [
            f'style="{line if relation.status == Status.APPROVED else "dashed"}"',
            f'color="{colour}"',
            f'fontcolor="{colour}"',
            f"arrowtail={arrow}",
            f'xlabel=" {sign} "',
            f'tooltip="{relation.kind}"',
        ]
        if relation.pk in minlen:
            if minlen[relation.pk] > 1:
                attributes.append(f"minlen={minlen[relation.pk]}")
        else:
            attributes.append("constraint=false")
        # Written target -> source with dir=back: the target ranks above, the arrow points at it.
        out.append(f"  n{int(relation.target)} -> n{int(relation.source)} [{' '.join(attributes)}]")
    if legend:
        out += _legend()
        if show_pending:
            out.insert(
                -1,
                f'    legend_pending [label="pending" shape=box style="rounded,dashed" color="{PENDING_COLOUR}" '
                'fontsize=10 margin="0.08,0.03" width=0 height=0]',
            )
    out.append("}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- running dot

# A4 landscape, and the part of it inside the margins.
PDF_PAGE = (11.69, 8.27)
PDF_MARGIN = 0.5
# Projection: at most 27 inches (MAP_INCHES) at 144 dpi, 3888 px, which also bounds the PNG time (HAZARDS 9).
PNG_DPI = 144


def _run_dot(dot_text: str, fmt: str) -> bytes:
    """The one place that runs Graphviz."""
    env = {"SERVER_NAME": "counterpoint", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    try:
        result = subprocess.run(
            [settings.DOT_BINARY, f"-T{fmt}"],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            timeout=settings.MAP_RENDER_TIMEOUT,
            env=env,
            check=False,
        )
    except (FileNotFoundError, PermissionError, NotADirectoryError):
        raise RenderError("Graphviz is not installed on this server, so the map cannot be drawn.") from None
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"The map took longer than {settings.MAP_RENDER_TIMEOUT:g} seconds to draw; "
            "try a smaller part of it (focus on one box)."
        ) from None
    if result.returncode != 0 or not result.stdout:
        raise RenderError(f"Graphviz could not draw this map (exit status {result.returncode}).")
    return result.stdout


def _with_graph_attributes(dot_text: str, attributes: str) -> str:
    """Set graph attributes of our own (never user text) by appending them to the graph body."""
    body = dot_text.rstrip()
    assert body.endswith("}")
    return f"{body[:-1]}  graph [{attributes}]\n}}\n"


def _natural_size(dot_text: str) -> tuple[float, float]:
    """The drawing's size in inches, from a layout-only run (-Tplain: "graph scale w h")."""
    first = _run_dot(dot_text, "plain").split(b"\n", 1)[0].split()
    try:
        return float(first[2]), float(first[3])
    except (IndexError, ValueError):
        raise RenderError("Graphviz gave an unexpected layout.") from None


def render(dot_text: str, fmt: str) -> bytes:
    """DOT text -> the bytes of one allowed format. Raises RenderError, never hangs."""
    if fmt not in FORMATS:
        raise RenderError(f"Unknown map format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    if fmt == "dot":
        return dot_text.encode("utf-8")
    if fmt == "png":
        dot_text = _with_graph_attributes(dot_text, f"dpi={PNG_DPI}")
    if fmt == "pdf":
        # One A4 landscape page: the drawing scaled to fit inside the margins, then padded
        # out to the page (cairo's PDF has no tiling).
        # The drawing, padded to the page's shape, is scaled to fit inside the margin that
        # the PDF device adds on every side (half an inch): the page is then exactly A4.
        fit_w, fit_h = PDF_PAGE[0] - 2 * PDF_MARGIN, PDF_PAGE[1] - 2 * PDF_MARGIN
        # ratio=compress packs the layout towards the page's shape before it is scaled.
        dot_text = _with_graph_attributes(dot_text, f'size="{fit_w:.2f},{fit_h:.2f}"')
        width, height = _natural_size(dot_text)
        if width <= fit_w and height <= fit_h:
            # Small enough at full size: centre it, do not blow it up.
            pad_x, pad_y = (fit_w - width) / 2, (fit_h - height) / 2
        elif width / height > fit_w / fit_h:
            pad_x, pad_y = 0.1, (width * fit_h / fit_w - height) / 2
        else:
            pad_x, pad_y = (height * fit_w / fit_h - width) / 2, 0.1
        dot_text = _with_graph_attributes(dot_text, f'size="{fit_w:.2f},{fit_h:.2f}!" pad="{pad_x:.3f},{pad_y:.3f}"')
    return _run_dot(dot_text, fmt)


def digest(dot_text: str, fmt: str) -> str:
    """The cache key and ETag of a drawing: it changes whenever the DOT text does."""
    return hashlib.sha256(f"{fmt}\n{dot_text}".encode()).hexdigest()


# Text formats are also kept gzipped: a 200-box SVG is half a megabyte, a tenth of it gzipped.
COMPRESSIBLE = {"svg", "dot"}


def cache_key(digest_value: str, compressed: bool = False) -> str:
    return f"map:{digest_value}" + (":gz" if compressed else "")


def rendered(dot_text: str, fmt: str, *, compressed: bool = False) -> bytes:
    """render(), through the cache (Redis in production, shared by every app server);
    gzipped (deterministically, no timestamp) if asked, for svg and dot."""
    digest_value = digest(dot_text, fmt)
    compressed = compressed and fmt in COMPRESSIBLE
    output = cache.get(cache_key(digest_value, compressed))
    if output is None:
        raw = cache.get(cache_key(digest_value)) if compressed else None
        if raw is None:
            raw = render(dot_text, fmt)
            cache.set(cache_key(digest_value), raw, settings.MAP_CACHE_SECONDS)
        output = raw
        if compressed:
            output = gzip.compress(raw, mtime=0)
            cache.set(cache_key(digest_value, True), output, settings.MAP_CACHE_SECONDS)
    return output


def debate_and_stamp(slug: str) -> tuple[Debate | None, tuple]:
    """The debate with this slug (its own columns only) and a stamp of its map's data: its
    MapRevision number, which moderation.map_changed() raises in the transaction of every
    change. One query on two primary-key indexes, whatever the debate's size. Plain SQL:
    this runs on every cached export, where building an ORM query would cost more than
    running it."""
    debates, revisions = Debate._meta.db_table, MapRevision._meta.db_table
    columns = ["id", "slug", "question", "classroom_id", "created_by_id", "is_open"]
    sql = (
        f"SELECT {', '.join('d.' + c for c in columns)}, r.number "
        f"FROM {debates} d LEFT JOIN {revisions} r ON r.debate_id = d.id WHERE d.slug = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [slug])
        row = cursor.fetchone()
    if row is None:
        return None, ()
    debate = Debate(**dict(zip(columns, row[: len(columns)], strict=True)))
    debate._state.adding, debate._state.db = False, connection.alias
    return debate, (row[-1] or 0,)


def drawing_key(debate: Debate, fmt: str, options: dict, stamp: tuple) -> str:
    """Where a drawing of these data, in this format and with these options, is kept with
    its digest: a cached export then costs one query and one cache read, and no DOT building."""
    what = repr((debate.pk, debate.slug, debate.question, fmt, sorted(options.items()), settings.MAP_MAX_NODES, stamp))
    return "mapdigest:" + hashlib.sha256(what.encode()).hexdigest()


_SVG_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)


def inline_svg(svg: bytes) -> str:
    """dot's SVG without its XML prolog, doctype and comments, for embedding in a page."""
    text = _SVG_PROLOG.sub("", svg.decode("utf-8"), count=1)
    text = re.sub(r"<!--.*?-->\n?", "", text, flags=re.DOTALL)
    # Node and edge names (n42, n1&#45;&gt;n42) mean nothing to a screen reader; each box's
    # link keeps its text as its title.
    return _SVG_NAME_TITLE.sub("", text)


_SVG_NAME_TITLE = re.compile(
    r"<title>(?:n\d+(?:&#45;&gt;n\d+)?|legend_\w+(?:&#45;&gt;legend_\w+)?|counterpoint|cluster_legend)</title>\n?"
)
