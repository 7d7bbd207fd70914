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
import unicodedata
from collections import deque
from dataclasses import dataclass

import graphviz
from django.conf import settings
from django.urls import reverse

from debates.maps.data import MapData, MapNode, MapRelation
from debates.maps.outline import outline_numbers
from debates.maps.standing import BADGES, IN, NOT_EVIDENCED, Assessment, Standing
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
# Wrapping (see _wrapped_ranks): the shape aimed at, width / height, and a box's slot in the
# layout (its width with the gap beside it / a rank's height with the gap below), measured
# on claim-length boxes. False draws every map with rank staggering alone (benchmarks compare).
WRAP_INTO_COLUMNS = True
WRAP_TARGET_RATIO = 1.1
SLOT_RATIO = 1.3
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
    # Every character the table drops is a control, a surrogate or a non-character, none of
    # which isprintable() passes: one C pass spares most texts the table's lookup per character.
    return text if text.replace("\n", "").isprintable() else text.translate(_FORBIDDEN)


def _wrap(paragraph: str, width: int) -> list[str]:
    """Greedy word wrap: each line the longest run of whole words that fits in `width`
    characters, found with one rfind() a line rather than a step a word; a word longer than
    the width is cut (a URL, 20,000 letters)."""
    rest = " ".join(paragraph.split())
    lines: list[str] = []
    while len(rest) > width:
        cut = rest.rfind(" ", 0, width + 1)
        if cut < 0:  # no space: a word longer than the line, cut inside
            lines.append(rest[:width])
            rest = rest[width:]
        else:
            lines.append(rest[:cut])
            rest = rest[cut + 1 :]
    if rest:
        lines.append(rest)
    return lines


# Graphviz expands its backslash codes (\N node name, \G graph name, \E, \L, \n ...) in
# labels and tooltips alike, even inside HTML-like labels and even written as &#92;, and it
# collapses a doubled backslash to one. So a user's backslash is written as the escape of a
# backslash: twice inside an HTML-like label (read once), four times inside a tooltip
# (read twice, whether written as a quoted or an HTML-like string). Checked
# on the SVG of Graphviz 2.43 by tests/test_text_as_written.py. The other five are
# html.escape()'s references: user text is never markup. A "]" is written as its character
# reference too: Graphviz 2.43 refuses an HTML-like label whose text starts with "]" (a
# syntax error, so no map at all). Each table is a chain of str.replace(), "&" first: one C
# scan a character, five times faster than str.translate() with replacements longer than one
# character.
_LABEL_ESCAPES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("'", "&#x27;"),
    ("]", "&#93;"),
    ("\\", "\\" * 2),
)
_TOOLTIP_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("\\", "\\" * 4))


def _replace_all(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for character, written in escapes:
        text = text.replace(character, written)
    return text


def _escape(text: str) -> str:
    return _replace_all(text, _LABEL_ESCAPES)


def _shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary and ended with an ellipsis when
    cut (a word longer than the limit is cut inside)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if not text[limit - 1].isspace():
        boundary = max(head.rfind(" "), head.rfind("\n"))
        head = head[:boundary] if boundary > 0 else head
    return head.rstrip() + "\u2026"


def _html(text: str, *, width: int | None = None, max_lines: int = 1, limit: int = TOOLTIP_CHARS) -> str:
    """The one escaping function: user text -> the inside of an HTML-like label (wrapped to
    `width` characters, at most `max_lines` lines joined by <BR/>) or, without a width, one
    line of at most `limit` characters. Too long text ends at a word boundary in an ellipsis."""
    text = _clean(text)
    if width is None:
        return _escape(_shorten(" ".join(text.split()), limit)) or "&#160;"
    budget = width * max_lines + 1
    lines: list[str] = []
    for paragraph in _shorten(text, budget).split("\n"):
        lines += _wrap(paragraph, width)
    lines = [line for line in lines if line.strip()] or [""]
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        if len(last) >= width:  # no room for the ellipsis: drop the last word (or a letter of a long one)
            last = last[: last.rfind(" ")] if " " in last else last[: width - 1]
        lines = lines[: max_lines - 1] + [last.rstrip() + "\u2026"]
    # Graphviz refuses an empty <B></B>: an empty text is a no-break space.
    # Escaped at once: no line holds a newline of its own (they were split on newlines).
    return _escape("\n".join(lines)).replace("\n", "<BR/>") or "&#160;"


def _tooltip(text: str) -> str:
    """The same user text for a tooltip: one line of at most TOOLTIP_CHARS characters, as an
    HTML-like string (_markup()) with no "<" or ">" left to end it."""
    return _markup(_replace_all(_shorten(" ".join(_clean(text).split()), TOOLTIP_CHARS), _TOOLTIP_ESCAPES) or " ")


def _markup(inner: str) -> str:
    """An HTML-like DOT string, <inner>, which graphviz's quote() passes through unquoted.
    For a label, `inner` is markup built from _html() output. For a tooltip or a URL it is
    plain text that DOT reads as it is ("as an ID, an HTML string can be any legal XML
    string", and only a label is read as markup: graphviz.org/doc/info/lang.html); written
    quoted, it would cost the package two regular-expression scans of the whole value, a
    quarter of a 200-box map's build. Either way `inner` holds no "<", ">" or bare "&" of a
    user's (escaped text, or a path of our own)."""
    return f"<{inner}>"


# --------------------------------------------------------------------------- selection


def neighbourhood(data: MapData, center: int, depth: int, limit: int) -> tuple[list[int], bool]:
    """Nodes within `depth` arrows of `center` (either direction), nearest first and at most
    `limit` of them; and whether that is all of them."""
    adjacent: dict[int, list[int]] = {}
    arrows = {r.pk: r for r in data.relations}
    for relation in data.relations:
        if relation.target is not None:
            ends = [relation.target]
        else:  # an undercut neighbours both ends of the arrow it objects to
            attacked = arrows.get(relation.target_relation)
            ends = [attacked.source, attacked.target] if attacked is not None and attacked.target is not None else []
        for end in ends:
            adjacent.setdefault(relation.source, []).append(end)
            adjacent.setdefault(end, []).append(relation.source)
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
    between = {r.pk for r in data.relations if r.source in pks and r.target in pks}
    return MapData(
        slug=data.slug,
        question=data.question,
        nodes=tuple(n for n in data.nodes if n.pk in pks),
        relations=tuple(
            r for r in data.relations if r.pk in between or (r.source in pks and r.target_relation in between)
        ),
        sources=data.sources,
        as_of=data.as_of,
    )


# --------------------------------------------------------------------------- labels


def _right_to_left(text: str) -> bool:
    """Whether a text's first strong character is right-to-left (Urdu, Arabic, Hebrew): rule
    P2 of the Unicode Bidirectional Algorithm (UAX #9), which also gives a page's dir="auto"."""
    for character in text:
        direction = unicodedata.bidirectional(character)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def _node_label(node: MapNode, number: str = "", *, standing: Standing | None = None) -> str:
    """A box: its outline number and kind, its text, and (evidence) its quote and citation.
    The number is the outline's, so that a class can say "look at 1.2.3" of the map too."""
    attributes, fill, caption = _KIND_STYLE.get(node.kind, _KIND_STYLE[Kind.CLAIM])
    if node.status != Status.APPROVED:
        caption += " \u00b7 " + Status(node.status).label.upper() if node.status in Status.values else ""
    if number:
        caption = f"<B>{_escape(number)}</B>  {caption}"
    rows = [f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="{MUTED}">{caption}</FONT></TD></TR>']
    align = "CENTER" if node.kind in (Kind.QUESTION, Kind.POSITION) else "LEFT"
    align = "RIGHT" if _right_to_left(node.text) else align
    text = _html(node.text, width=TEXT_WIDTH, max_lines=TEXT_LINES)
    bold = node.kind in (Kind.QUESTION, Kind.POSITION)
    rows.append(
        f'<TR><TD ALIGN="{align}" BALIGN="{align}">{"<B>" if bold else ""}{text}{"</B>" if bold else ""}</TD></TR>'
    )
    if node.quote:
        excerpt = _html(f"\u201c{' '.join(node.quote.split())}\u201d", width=QUOTE_WIDTH, max_lines=QUOTE_LINES)
        align = "RIGHT" if _right_to_left(node.quote) else "LEFT"
        rows.append(
            f'<TR><TD ALIGN="{align}" BALIGN="{align}">'
            f'<FONT POINT-SIZE="10" COLOR="{INK}"><I>{excerpt}</I></FONT></TD></TR>'
        )
    if node.citation:
        citation = _html(f"\u2014 {node.citation}", width=CITATION_WIDTH, max_lines=1)
        rows.append(f'<TR><TD ALIGN="RIGHT"><FONT POINT-SIZE="9" COLOR="{MUTED}">{citation}</FONT></TD></TR>')
    rows.append(_standing_row(standing))
    return _markup('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>")


# --------------------------------------------------------------------------- standing

# A symbol and a word for each label: the badge is read, never told apart by colour alone.
# The badge words are standing.BADGES, shared with every page that shows a standing.
STANDING_BADGES = BADGES
# The border of a box that stands without evidence. Dashed already means pending, and a
# pending box is never judged; dotted is the other line Graphviz draws round a box (the
# arrows' dotted line is an objection, but a line round a box is never an arrow).
NOT_EVIDENCED_STYLE = "dotted"


def _standing_row(standing: Standing | None) -> str:
    """The badge row of a judged box ("\u2713 stands \u00b7 not evidenced", "\u2717 falls",
    "? open"); nothing for a box that is not judged or when the badges are off. Our own
    words only: no user text reaches it."""
    if standing is None:
        return ""
    badge = f"{standing.symbol} {standing.word}"
    if standing.unevidenced:
        badge += f" \u00b7 {NOT_EVIDENCED}"
    return f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="{INK}"><B>{badge}</B></FONT></TD></TR>'


def _box_outline(kind: str, status: str, standing: Standing | None) -> list[tuple[str, str]]:
    """A box's shape, border and fill as written (what differs from _NODE_DEFAULTS): its
    kind's (_KIND_STYLE), dashed while not approved, dotted while it stands without evidence."""
    attributes, fill, _ = _KIND_STYLE.get(kind, _KIND_STYLE[Kind.CLAIM])
    attributes = {**attributes, "fillcolor": fill}
    if status != Status.APPROVED:
        attributes.update(style=attributes["style"] + ",dashed", color=PENDING_COLOUR, penwidth="2")
    _standing_style(attributes, standing)
    return _unlike(attributes.items(), _NODE_DEFAULTS)


def _standing_style(attributes: dict, standing: Standing | None) -> None:
    """A box that stands without evidence gets a dotted border: the cue beside the words."""
    if standing is not None and standing.label == IN and not standing.evidenced:
        attributes.update(style=attributes["style"] + "," + NOT_EVIDENCED_STYLE, penwidth="1.8")


def _header_label(data: MapData, title: str, selection: Selection, *, badges: bool = False) -> str:
    title_html = _html(title, width=TITLE_WIDTH, max_lines=2)
    lines = [f'<TR><TD><FONT POINT-SIZE="28"><B>{title_html}</B></FONT></TD></TR>']
    facts = []
    if data.as_of:
        facts.append(f"Map as of {data.as_of.isoformat()}")
    shown = len(selection.pks)
    boxes = "box" if selection.total == 1 else "boxes"
    facts.append(f"{shown} of {selection.total} {boxes}" if shown < selection.total else f"{shown} {boxes}")
    focus = data.node(selection.focus) if selection.focus is not None else None
    if focus is not None:
        facts.append(f"around \u201c{_shorten(' '.join(focus.text.split()), 60)}\u201d")
    facts_text = _html(" \u00b7 ".join(facts))
    lines.append(f'<TR><TD><FONT POINT-SIZE="15" COLOR="{MUTED}">{facts_text}</FONT></TD></TR>')
    if data.sources:
        sources = "Sources: " + "; ".join(data.sources)
        lines.append(
            f'<TR><TD><FONT POINT-SIZE="13" COLOR="{MUTED}">{_html(sources, width=150, max_lines=3)}</FONT></TD></TR>'
        )
    first_line = _wrap(_clean(title), TITLE_WIDTH)[:1]
    lines += _key_rows(len(first_line[0]) if first_line else 0, badges=badges)
    return _markup('<TABLE BORDER="0" CELLSPACING="2" CELLPADDING="0">' + "".join(lines) + "</TABLE>")


def _key_rows(title_chars: int, *, badges: bool = False) -> list[str]:
    """The key of an exported map, as short rows of the header under the title: in the header
    it takes no place in the layout, and its rows (11 pt) are wrapped to the width of the title's
    first line (28 pt, about 2.5 times wider a character), so the key never widens a drawing;
    under a title too short to hold its longest item, it is left out. The page shows its key
    in HTML instead. With `badges` (the boxes carry standing badges) it says what a dotted
    border means."""
    supports, opposes = _RELATION_STYLE[Relation.Kind.SUPPORTS], _RELATION_STYLE[Relation.Kind.OPPOSES]
    items = [
        ("Key: 1.2.3 is the outline number", None),
        ("POSITION: double border", None),
        ("CLAIM: rounded", None),
        ("EVIDENCE: folded corner", None),
        (f"{supports[2]} supports: solid arrow", supports[3]),
        (f"{opposes[2]} opposes: dotted, bar end", opposes[3]),
        (f"{opposes[2]} onto an arrow: against the link", opposes[3]),
        ("dashed box: pending", None),
    ]
    if badges:
        items.append((f"dotted box: {STANDING_BADGES[IN][1]}, {NOT_EVIDENCED}", None))
    width = int(title_chars * 2.5)
    if max(len(text) for text, _ in items) > width:
        return []
    rows: list[list[tuple[str, str | None]]] = [[]]
    for item in items:
        if rows[-1] and sum(len(text) + 3 for text, _ in rows[-1]) + len(item[0]) > width:
            rows.append([])
        rows[-1].append(item)
    cells = []
    for row in rows:
        parts = [f'<FONT COLOR="{colour}">{text}</FONT>' if colour else text for text, colour in row]
        joined = " \u00b7 ".join(parts)
        cells.append(f'<TR><TD><FONT POINT-SIZE="11" COLOR="{MUTED}">{joined}</FONT></TD></TR>')
    return cells


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
    """How many ranks each tree arrow spans (a relation's pk -> its minlen). A debate is broad
    and shallow: laid out as it is, a 50-box map is a ribbon ten times wider than high, and
    most of a big map's boxes sit in its last two levels. So a big map's small branches are
    wrapped into columns (_wrapped_ranks); otherwise, in breadth-first order, a box that would
    crowd its rank moves down one or two ranks (as Graphviz's `unflatten` does for leaves),
    aiming at about sqrt(n) boxes a rank (or `rank_width`, when a handout page's width says
    how many fit; a handout section is not wrapped): nearer the shape of a page."""
    children: dict[int, list[MapRelation]] = {}
    for relation in tree:
        children.setdefault(relation.target, []).append(relation)
    for group in children.values():
        group.sort(key=lambda r: (r.kind != Relation.Kind.SUPPORTS, r.pk))
    has_parent = {r.source for r in tree}
    if WRAP_INTO_COLUMNS and rank_width is None:
        kids = {parent: [r.source for r in group] for parent, group in children.items()}
        ranks = _wrapped_ranks([pk for pk in pks if pk not in has_parent], kids)
        if ranks is not None:
            return {r.pk: ranks[r.source] - ranks[r.target] for r in tree if r.source in ranks and r.target in ranks}
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


def _preorder(root: int, kids: dict[int, list[int]]) -> list[int]:
    """A branch in outline order (depth first, children in order), without recursion."""
    order, stack, seen = [], [root], set()
    while stack:
        pk = stack.pop()
        if pk in seen:
            continue
        seen.add(pk)
        order.append(pk)
        stack.extend(reversed(kids.get(pk, ())))
    return order


def _ranks(roots: list[int], kids: dict[int, list[int]], size: dict[int, int], column: int, order, place):
    """Each box's rank when every branch of at most `column` boxes is drawn as a column: its
    boxes in outline order, one a rank, each under the one before. A branch is a run of the
    outline order (`order`; `place` gives a box's index in it), so a column costs no walk."""
    rank: dict[int, int] = {}
    stack = [(root, 0) for root in reversed(roots)]
    while stack:
        pk, level = stack.pop()
        if pk in rank:
            continue
        if size[pk] <= column:
            start = place[pk]
            for offset in range(size[pk]):
                rank.setdefault(order[start + offset], level + offset)
            continue
        rank[pk] = level
        stack.extend((child, level + 1) for child in reversed(kids.get(pk, ())))
    return rank


def _wrapped_ranks(roots: list[int], kids: dict[int, list[int]]) -> dict[int, int] | None:
    """Ranks that wrap a wide tree into columns, or None when the tree as it is has the
    better shape. A tree's width is its widest rank, and a branching-3 debate has two thirds
    of its boxes in its last levels; drawn as a column, a small branch takes one box's width
    and as many ranks as it has boxes (like an indented list). The column height is chosen
    among the branches' sizes so that the drawing's predicted shape (widest rank x SLOT_RATIO
    : ranks) comes nearest WRAP_TARGET_RATIO."""
    order = [pk for root in roots for pk in _preorder(root, kids)]
    place = {pk: index for index, pk in enumerate(order)}
    size: dict[int, int] = {}
    for pk in reversed(order):
        size[pk] = 1 + sum(size[child] for child in kids.get(pk, ()) if place.get(child, -1) > place[pk])

    def misfit(column: int) -> float:
        widest, ranks = _rank_shape(roots, kids, size, column)
        return abs(math.log(widest * SLOT_RATIO / ranks / WRAP_TARGET_RATIO))

    if not order:
        return None
    best, best_misfit = None, misfit(0)
    for column in sorted(set(size.values()) - {1}):
        if (fit := misfit(column)) < best_misfit:
            best, best_misfit = column, fit
    return None if best is None else _ranks(roots, kids, size, best, order, place)


def _rank_shape(roots: list[int], kids: dict[int, list[int]], size: dict[int, int], column: int) -> tuple[int, int]:
    """The shape _ranks() would give, (boxes in the widest rank, number of ranks), counted
    without placing each box: a column of s boxes from rank r adds one box to each of the ranks
    r to r + s - 1. Each height tried then costs a walk of the boxes above the columns, not of
    all the boxes; ranks are never empty between the first and the last (a box's rank is one
    below its parent's or the box before it in its column)."""
    change: dict[int, int] = {}
    stack = [(root, 0) for root in roots]
    seen: set[int] = set()
    while stack:
        pk, level = stack.pop()
        if pk in seen:
            continue
        seen.add(pk)
        span = size[pk] if size[pk] <= column else 1
        change[level] = change.get(level, 0) + 1
        change[level + span] = change.get(level + span, 0) - 1
        if size[pk] > column:
            stack.extend((child, level + 1) for child in kids.get(pk, ()))
    widest = boxes = 0
    for level in range(max(change)):
        boxes += change.get(level, 0)
        widest = max(widest, boxes)
    return widest, max(change)


# --------------------------------------------------------------------------- the drawing


def _arrow_attributes(kind: str, status: str, *, tooltip: str) -> list[tuple[str, str]]:
    """An arrow's DOT attributes, an undercut's too: its kind's line, head, sign and colour
    (_RELATION_STYLE), dashed while it is not approved."""
    line, arrow, sign, colour = _RELATION_STYLE[kind]
    return [
        ("style", line if status == Status.APPROVED else "dashed"),
        ("color", colour),
        ("fontcolor", colour),
        ("arrowtail", arrow),
        ("xlabel", f" {sign} "),
        ("tooltip", tooltip),
    ]


# What a box or an arrow is unless its statement says otherwise: the claim, the most common
# box, and the approved supports arrow, the most common arrow. A statement writes only what
# differs from these (_unlike): each attribute written costs the graphviz package's quoting
# and dot's reading, and a 200-box map wrote about 2,700 of them. The drawing is the same.
_NODE_DEFAULTS = {
    "fontname": "Noto Sans",
    "fontsize": "12",
    "fontcolor": INK,
    "color": MUTED,
    "penwidth": "1.2",
    "margin": "0.12,0.06",
    "target": "_top",
    **_KIND_STYLE[Kind.CLAIM][0],
    "fillcolor": _KIND_STYLE[Kind.CLAIM][1],
}
_EDGE_DEFAULTS = {
    "fontname": "Noto Sans",
    "fontsize": "15",
    "penwidth": "1.8",
    "dir": "back",
    "arrowsize": "1.0",
    **dict(_arrow_attributes(Relation.Kind.SUPPORTS, Status.APPROVED, tooltip=str(Relation.Kind.SUPPORTS))),
}


def _unlike(attributes, defaults: dict[str, str]) -> list[tuple[str, str]]:
    """The (name, value) pairs of `attributes` whose value is not the default's."""
    return [(name, value) for name, value in attributes if defaults.get(name) != value]


def build_dot(
    data: MapData,
    *,
    title: str | None = None,
    focus: int | None = None,
    depth: int | None = None,
    show_pending: bool = False,
    max_nodes: int | None = None,
    standing: Assessment | None = None,
    draw: frozenset[int] | None = None,
    references: dict[int, str] | None = None,
    rank_width: int | None = None,
    numbers: dict[int, str] | None = None,
) -> str:
    """The map as DOT text: the question at the top, what supports or opposes a node below
    it, arrows pointing at the node they support or oppose. Pure and deterministic: the
    same data give byte-identical text. Pending and returned work is drawn (dashed) only
    with show_pending. With a title, the drawing carries a header (title, date, sources, a key)
    for print; the page draws its key in HTML beside the map, so a key never widens a
    drawing's layout. With `standing` (standing.assess() over the approved content), each judged box carries
    its badge; pending boxes are not judged, so they carry none.

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
    graph.attr("node", _attributes=list(_NODE_DEFAULTS.items()))
    graph.attr("edge", _attributes=list(_EDGE_DEFAULTS.items()))
    if title is not None:
        header = _header_label(data, title, selection, badges=standing is not None)
        graph.attr("graph", _attributes=[("labelloc", "t"), ("labeljust", "c"), ("label", header)])
    # One reverse() for all nodes: the URL of node 0, with the id swapped in.
    node_url = reverse("debates:node-detail", args=[data.slug, 0])
    assert node_url.endswith("/0/")
    # A box's outline and an arrow's line follow a handful of cases (kind, status, standing):
    # each case's attributes are worked out once a drawing, not once a box or an arrow.
    outlines: dict[tuple, list[tuple[str, str]]] = {}
    for node in nodes:
        pk = int(node.pk)
        if pk in references:
            graph.node(f"n{pk}", _attributes=_unlike(_reference_attributes(references[pk]).items(), _NODE_DEFAULTS))
            continue
        judged = standing.nodes.get(pk) if standing is not None else None
        case = (node.kind, node.status, judged and (judged.label, judged.evidenced))
        if (outline := outlines.get(case)) is None:
            outline = outlines[case] = _box_outline(node.kind, node.status, judged)
        written = [
            ("URL", _markup(node_url[:-2] + f"{pk}/")),
            ("tooltip", _tooltip(node.text)),
            ("label", _node_label(node, numbers.get(pk, ""), standing=judged)),
        ]
        graph.node(f"n{pk}", _attributes=outline + written)
    # Each node's first arrow (by primary key) shapes the tree; later ones are cross-links
    # that must not pull the layout about.
    primary: dict[int, MapRelation] = {}
    for relation in relations:
        primary.setdefault(relation.source, relation)
    minlen = _tree_minlen([n.pk for n in nodes], list(primary.values()), rank_width)
    undercuts = _undercuts(data, relations, selection.pks, show_pending=show_pending)
    attacked = {u.target_relation for u in undercuts}
    lines: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for relation in relations:
        kind = relation.kind if relation.kind in _RELATION_STYLE else Relation.Kind.SUPPORTS
        placing = []
        if relation.pk in minlen:
            if minlen[relation.pk] > 1:
                placing.append(("minlen", str(minlen[relation.pk])))
        elif relation.source in references or relation.target in references:
            pass  # a reference box is placed by its arrow: it would float away without it
        else:
            placing.append(("constraint", "false"))
        if relation.pk in attacked:
            _add_split_arrow(graph, relation, _arrow_attributes(kind, relation.status, tooltip=str(kind)) + placing)
            continue
        if (line := lines.get((kind, relation.status))) is None:
            line = lines[kind, relation.status] = _unlike(
                _arrow_attributes(kind, relation.status, tooltip=str(kind)), _EDGE_DEFAULTS
            )
        # Written target -> source with dir=back: the target ranks above, the arrow points at it.
        graph.edge(f"n{int(relation.target)}", f"n{int(relation.source)}", _attributes=line + placing)
    _add_undercuts(graph, undercuts, placed=set(primary))
    return graph.source


# --------------------------------------------------------------------------- undercuts


def _undercuts(
    data: MapData, drawn: list[MapRelation], pks: frozenset[int], *, show_pending: bool
) -> list[MapRelation]:
    """The undercuts to draw, in pk order: from a drawn node to a drawn supports arrow."""
    arrows = {r.pk for r in drawn if r.kind == Relation.Kind.SUPPORTS}
    return sorted(
        (
            r
            for r in data.relations
            if r.target_relation in arrows and r.source in pks and (show_pending or r.status == Status.APPROVED)
        ),
        key=lambda r: r.pk,
    )


def _add_split_arrow(graph: graphviz.Digraph, relation: MapRelation, attributes: list[tuple[str, str]]) -> None:
    """An arrow that an undercut objects to, drawn through a tiny point `r<pk>` in its middle,
    where the undercut's arrow can end (Graphviz edges cannot end on an edge). The half into
    the target keeps the arrowhead and the sign; the other half is a plain line."""
    point, colour = f"r{int(relation.pk)}", dict(attributes)["color"]
    graph.node(
        point,
        _attributes=[
            ("shape", "point"),
            ("style", "filled"),  # not a box's rounded outline, and filled with its own colour
            ("fillcolor", colour),
            ("width", "0.08"),
            ("height", "0.08"),
            ("color", colour),
            ("label", ""),
        ],
    )
    graph.edge(f"n{int(relation.target)}", point, _attributes=_unlike(attributes, _EDGE_DEFAULTS))
    plain = [(k, v) for k, v in attributes if k in ("style", "color", "constraint", "tooltip")]
    # No sign on this half: the default arrow's "+" is the other half's.
    plain += [("dir", "none"), ("xlabel", "")]
    graph.edge(point, f"n{int(relation.source)}", _attributes=_unlike(plain, _EDGE_DEFAULTS))


def _add_undercuts(graph: graphviz.Digraph, undercuts: list[MapRelation], *, placed: set[int]) -> None:
    """Each undercut as an opposes arrow into the middle point of the arrow it objects to.
    An objecting node with no arrow of its own to a node is placed by this one (below the
    point); otherwise this arrow must not pull the layout about."""
    for undercut in undercuts:
        attributes = _arrow_attributes(Relation.Kind.OPPOSES, undercut.status, tooltip="opposes the link")
        if undercut.source in placed:
            attributes.append(("constraint", "false"))
        graph.edge(
            f"r{int(undercut.target_relation)}",
            f"n{int(undercut.source)}",
            _attributes=_unlike(attributes, _EDGE_DEFAULTS),
        )
