"""MapData -> DOT text: pure and deterministic (order by primary key, no clock).

The text is assembled with the graphviz package (graphviz.Digraph and its subgraphs), which
quotes names and attribute values. It does not make user text safe: a string written
<...> passes through its quote() raw, as an HTML-like label that could carry a link or an
<IMG> reading a server file, and backslash sequences (\\N, \\L, a final odd backslash)
stay live in plain strings. So user text reaches the drawing only through _html(), the one
escaping function, and only inside labels and tooltips that we write as HTML-like strings
ourselves; node names come from primary keys (n42), every other attribute is our own.
"""

import math
from collections import deque
from dataclasses import dataclass

import graphviz
from django.conf import settings
from django.urls import reverse

from debates.maps.data import MapData, MapNode, MapRelation
from debates.maps.outline import outline_numbers
from debates.models import Kind, Relation, Status

DEFAULT_FOCUS_DEPTH = 2
MAX_FOCUS_DEPTH = 10

# Label budget. Graphviz refuses a quoted string of about 16 KB, and its limit is in bytes;
# an escaped character is at most 6 bytes (&quot;), so even the longest label stays far under it.
TEXT_WIDTH = 24
TEXT_LINES = 12
QUOTE_WIDTH = 30
QUOTE_LINES = 4
CITATION_WIDTH = 30
TOOLTIP_CHARS = 400
# The largest drawing, in inches (width, height): a bigger layout is packed towards this
# shape (ratio=compress), then scaled down.
MAP_INCHES = "27,18"
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
    Kind.QUESTION: (
        {"shape": "box", "style": "filled,bold", "penwidth": "2.5", "fontsize": "16"},
        "#dde8f5",
        "QUESTION",
    ),
    Kind.POSITION: ({"shape": "box", "style": "filled", "peripheries": "2", "fontsize": "14"}, "#eef3e2", "POSITION"),
    Kind.CLAIM: ({"shape": "box", "style": "rounded,filled"}, "#ffffff", "CLAIM"),
    Kind.EVIDENCE: ({"shape": "note", "style": "filled"}, "#fff8dc", "EVIDENCE"),
}
_RELATION_STYLE = {
    # kind: (line style, arrowhead at the target, label, colour)
    Relation.Kind.SUPPORTS: ("solid", "normal", "+", SUPPORT_COLOUR),
    Relation.Kind.OPPOSES: ("dotted", "tee", "\u2212", OPPOSE_COLOUR),
}

# --------------------------------------------------------------------------- escaping


def _forbidden_table() -> dict[int, None]:
    """What debates.text refuses, for str.translate: C0/C1 controls bar newline and tab, lone
    surrogates, non-characters. One C-speed pass instead of a Python loop per character."""
    codes = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000)]
    codes += [*range(0xFDD0, 0xFDF0)] + [plane * 0x10000 + end for plane in range(17) for end in (0xFFFE, 0xFFFF)]
    return dict.fromkeys(codes)


_FORBIDDEN = _forbidden_table()


def _clean(text: str) -> str:
    """Defence in depth: drop what the validators refuse. NUL is a DOT syntax error and
    control characters make the SVG invalid XML, so one bad row would break the whole map."""
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


# html.escape()'s five references, and backslashes: Graphviz expands \N, \G, \L ... even
# inside HTML-like labels, so a backslash is written as a character reference. One C-speed pass.
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


def _markup(inner: str) -> str:
    """An HTML-like DOT string around markup we built from _html() output: graphviz's quote()
    passes <...> through as it is."""
    return f"<{inner}>"


# --------------------------------------------------------------------------- selection


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


# --------------------------------------------------------------------------- labels


def _node_label(node: MapNode, number: str = "") -> str:
    """A box: its outline number and kind, its text, and (evidence) its quote and citation.
    The number is the outline's, so that a class can say "look at 1.2.3" of the map too."""
    attributes, fill, caption = _KIND_STYLE.get(node.kind, _KIND_STYLE[Kind.CLAIM])
    if node.status != Status.APPROVED:
        caption += " \u00b7 " + Status(node.status).label.upper() if node.status in Status.values else ""
    if number:
        caption = f"<B>{_escape(number)}</B>  {caption}"
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
    return _markup('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>")


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
    return _markup('<TABLE BORDER="0" CELLSPACING="2" CELLPADDING="0">' + "".join(lines) + "</TABLE>")


def _add_legend(graph: graphviz.Digraph, *, show_pending: bool) -> None:
    """A small key: the four kinds of box and the two kinds of arrow, in words too."""
    kinds = (Kind.QUESTION, Kind.POSITION, Kind.CLAIM, Kind.EVIDENCE)
    with graph.subgraph(name="cluster_legend") as legend:
        legend.attr(
            "graph",
            _attributes=[
                ("label", _markup("<B>Key</B>")),
                ("fontsize", "14"),
                ("labeljust", "l"),
                ("style", "rounded"),
                ("color", MUTED),
                ("margin", "8"),
            ],
        )
        legend.attr("node", _attributes=[("fontsize", "12"), ("margin", "0.08,0.03"), ("width", "0"), ("height", "0")])
        for kind in kinds:
            attributes, fill, _ = _KIND_STYLE[kind]
            legend.node(
                f"legend_{kind}",
                _attributes=[("label", kind.label), *{**attributes, "fontsize": "12"}.items(), ("fillcolor", fill)],
            )
        for kind, above in ((Relation.Kind.SUPPORTS, Kind.QUESTION), (Relation.Kind.OPPOSES, Kind.POSITION)):
            line, arrow, sign, colour = _RELATION_STYLE[kind]
            legend.node(
                f"legend_{kind}",
                _attributes=[("label", str(kind)), ("shape", "plaintext"), ("style", ""), ("fontcolor", colour)],
            )
            legend.edge(
                f"legend_{above}",
                f"legend_{kind}",
                _attributes=[
                    ("style", line),
                    ("color", colour),
                    ("arrowtail", arrow),
                    ("label", f" {sign} "),
                    ("fontcolor", colour),
                ],
            )
        # The four kinds in a row, in this order; the two arrows hang below the first two.
        with legend.subgraph(graph_attr={"rank": "same"}) as row:
            for kind in kinds:
                row.node(f"legend_{kind}")
        for left, right in zip(kinds, kinds[1:], strict=False):
            legend.edge(f"legend_{left}", f"legend_{right}", _attributes=[("style", "invis"), ("dir", "none")])
        if show_pending:
            legend.node(
                "legend_pending",
                _attributes=[
                    ("label", "pending"),
                    ("shape", "box"),
                    ("style", "rounded,dashed"),
                    ("color", PENDING_COLOUR),
                    ("fontsize", "10"),
                    ("margin", "0.08,0.03"),
                    ("width", "0"),
                    ("height", "0"),
                ],
            )


def _reference_attributes(text: str) -> dict[str, str]:
    """A small box standing for a node drawn in full elsewhere (another page of the handout)."""
    return {
        "shape": "box",
        "style": "rounded,filled",
        "fillcolor": "#f3f4f6",
        "color": MUTED,
        "fontcolor": INK,
        "fontsize": "9",
        "margin": "0.06,0.02",
        "width": "0",
        "height": "0",
        "label": _markup(_html(text)),
    }


# --------------------------------------------------------------------------- layout


def _tree_minlen(pks: list[int], tree: list[MapRelation], rank_width: int | None = None) -> dict[int, int]:
    """How many ranks each tree arrow spans. A debate is broad and shallow: laid out as it
    is, a 50-box map is a ribbon ten times wider than high. So, in breadth-first order, a
    box that would crowd its rank moves down one or two ranks (as Graphviz's `unflatten`
    does for leaves), aiming at about sqrt(n) boxes a rank (or `rank_width`, when a page's
    width says how many fit): nearer the shape of a page."""
    children: dict[int, list[MapRelation]] = {}
    for relation in tree:
        children.setdefault(relation.target, []).append(relation)
    for group in children.values():
        group.sort(key=lambda r: (r.kind != Relation.Kind.SUPPORTS, r.pk))
    has_parent = {r.source for r in tree}
    target_width = rank_width or max(3, math.ceil(math.sqrt(len(pks) * RANK_BALANCE)))
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


# --------------------------------------------------------------------------- the drawing


def build_dot(
    data: MapData,
    *,
    title: str | None = None,
    focus: int | None = None,
    depth: int | None = None,
    show_pending: bool = False,
    max_nodes: int | None = None,
    legend: bool = True,
    draw: frozenset[int] | None = None,
    references: dict[int, str] | None = None,
    rank_width: int | None = None,
    numbers: dict[int, str] | None = None,
) -> str:
    """The map as DOT text: the question at the top, what supports or opposes a node below
    it, arrows pointing at the node they support or oppose. Pure and deterministic: the
    same data give byte-identical text. Pending and returned work is drawn (dashed) only
    with show_pending. With a title, the drawing carries a header (title, date, sources) for print.

    For one section of the handout (handout.py): `draw` names the boxes drawn in full instead
    of the selection, `references` maps further nodes to the text of the small reference box
    that stands for them ("\u2192 1.2 (p. 4)"; no arrow joins two references), and
    `rank_width` says how many boxes a rank may hold; `numbers` are the outline's numbers when
    the caller has them already (outline_numbers(data), which the handout would pay for each
    of its sections otherwise)."""
    if draw is not None:
        references = references or {}
        shown = frozenset(draw) | frozenset(references)
        selection = Selection(shown, len(shown), False, None)
    else:
        references = {}
        selection = select(data, focus=focus, depth=depth, show_pending=show_pending, max_nodes=max_nodes)
    # Numbered over the whole debate, so that a focused map's 1.2.3 is the outline's 1.2.3.
    numbers = outline_numbers(data, show_pending=show_pending) if numbers is None else numbers
    nodes = sorted((n for n in data.nodes if n.pk in selection.pks), key=lambda n: n.pk)
    relations = sorted(
        (r for r in data.relations if r.source in selection.pks and r.target in selection.pks), key=lambda r: r.pk
    )
    if not show_pending:
        relations = [r for r in relations if r.status == Status.APPROVED]
    if references:
        relations = [r for r in relations if r.source not in references or r.target not in references]

    graph = graphviz.Digraph("counterpoint")
    graph.attr(
        "graph",
        _attributes=[
            ("rankdir", "TB"),
            ("charset", "UTF-8"),
            ("fontname", "Noto Sans"),
            ("bgcolor", "white"),
            ("pad", "0.3"),
            ("nodesep", "0.25"),
            ("ranksep", "0.5"),
            ("outputorder", "edgesfirst"),
            ("newrank", "true"),
            ("ratio", "compress"),
            ("size", MAP_INCHES),
        ],
    )
    graph.attr(
        "node",
        _attributes=[
            ("fontname", "Noto Sans"),
            ("fontsize", "12"),
            ("fontcolor", INK),
            ("color", MUTED),
            ("penwidth", "1.2"),
            ("margin", "0.12,0.06"),
            ("target", "_top"),
        ],
    )
    graph.attr(
        "edge",
        _attributes=[
            ("fontname", "Noto Sans"),
            ("fontsize", "15"),
            ("penwidth", "1.8"),
            ("dir", "back"),
            ("arrowsize", "1.0"),
        ],
    )
    if title is not None:
        header = _header_label(data, title, selection)
        graph.attr("graph", _attributes=[("labelloc", "t"), ("labeljust", "c"), ("label", header)])
    # One reverse() for all nodes: the URL of node 0, with the id swapped in.
    node_url = reverse("debates:node-detail", args=[data.slug, 0])
    assert node_url.endswith("/0/")
    for node in nodes:
        attributes, fill, _ = _KIND_STYLE.get(node.kind, _KIND_STYLE[Kind.CLAIM])
        attributes = {**attributes, "fillcolor": fill}
        if node.status != Status.APPROVED:
            attributes.update(style=attributes["style"] + ",dashed", color=PENDING_COLOUR, penwidth="2")
        pk = int(node.pk)
        attributes.update(
            URL=node_url[:-2] + f"{pk}/",
            tooltip=_markup(_html(node.text)),
            label=_node_label(node, numbers.get(pk, "")),
        )
        if pk in references:
            attributes = _reference_attributes(references[pk])
        graph.node(f"n{pk}", _attributes=list(attributes.items()))
    # Each node's first arrow (by primary key) shapes the tree; later ones are cross-links
    # that must not pull the layout about.
    primary: dict[int, MapRelation] = {}
    for relation in relations:
        primary.setdefault(relation.source, relation)
    minlen = _tree_minlen([n.pk for n in nodes], list(primary.values()), rank_width)
    for relation in relations:
        kind = relation.kind if relation.kind in _RELATION_STYLE else Relation.Kind.SUPPORTS
        line, arrow, sign, colour = _RELATION_STYLE[kind]
        attributes = [
            ("style", line if relation.status == Status.APPROVED else "dashed"),
            ("color", colour),
            ("fontcolor", colour),
            ("arrowtail", arrow),
            ("xlabel", f" {sign} "),
            ("tooltip", str(kind)),
        ]
        if relation.pk in minlen:
            if minlen[relation.pk] > 1:
                attributes.append(("minlen", str(minlen[relation.pk])))
        elif relation.source in references or relation.target in references:
            pass  # a reference box is placed by its arrow: it would float away without it
        else:
            attributes.append(("constraint", "false"))
        # Written target -> source with dir=back: the target ranks above, the arrow points at it.
        graph.edge(f"n{int(relation.target)}", f"n{int(relation.source)}", _attributes=attributes)
    if legend:
        _add_legend(graph, show_pending=show_pending)
    return graph.source
