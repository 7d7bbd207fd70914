"""MapData -> the classroom handout: a PDF in which every box's text prints at its own size
(9 to 16 pt), never shrunk to fit.

The pages, in order:
- a cover: the question, the sources, an overview (the question, the positions and the page
  each is drawn on) and a key to the drawing;
- the map in sections, one page each: each position's branch, split further (by its
  children's subtrees, then into continued parts) until every section fits the page's
  content box at 1:1. A box drawn in full in another section appears as a small reference
  box with its number and page ("\u2192 1.2 (p. 4)");
- the outline as text: numbers, Pro/Con, every node's full text, every quote with its citation.

Composition: WeasyPrint lays out the pages from HTML and CSS (pagination, page counters,
links). The drawings are NOT handed to WeasyPrint as SVG: its SVG renderer places text one
letter at a time, which breaks Urdu (letters unjoined, in reverse order) and costs about a
second per 50 boxes. Each section is drawn by `dot -Tpdf` (cairo and pango, the same text
shaping as the other exports) at 1:1, and laid with pypdf onto the blank area that the HTML
keeps for it, at the position WeasyPrint reports for that area's anchor.

Sizes are in PostScript points (1/72 in) unless said otherwise; a CSS px is 0.75 pt.
"""

import hashlib
import io
import logging
import math
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string

from debates.maps import dot, runner
from debates.maps.data import MapData
from debates.maps.outline import Entry, build_outline
from debates.models import Status

logger = logging.getLogger("counterpoint.maps")

# ISO 216 and ANSI paper, portrait, in points: what the PDF's MediaBox says exactly.
PAPERS = {
    "a4": (595.28, 841.89),
    "a3": (841.89, 1190.55),
    "letter": (612.0, 792.0),
}
DEFAULT_PAPER = "a4"
# Page margins (the footer with the page number sits in the bottom one).
MARGIN = 36.0
MARGIN_BOTTOM = 48.0
# A map page keeps this much above the drawing for its heading and below it for a caption.
HEADING = 42.0
CAPTION = 24.0
# Graphviz's nodesep (dot.py's 0.25 in), for how many boxes fit side by side.
NODESEP = 18.0
# A section's boxes may cover about this share of the drawing area at first; a section
# that dot lays out larger than the page gets a smaller share and is split again.
FILL = 0.42
MIN_FILL = 0.02
ROUNDS = 8
# Sections are planned with this page number in their reference boxes, and the cover is
# laid out with it in the overview: no real one is wider, so neither grows when the real
# page numbers are known (and a plan's drawing is laid out again only if its boxes change).
PAGE_PLACEHOLDER = 888
FIGURE_SPACE = "\u2007"
# Bumped when the handout's composition changes, so that kept PDFs are drawn afresh.
VERSION = 1


class HandoutError(runner.RenderError):
    """The handout cannot be composed here (WeasyPrint's system libraries are missing)."""


@dataclass
class Section:
    """One map page: the boxes drawn in full, and the nodes shown as reference boxes."""

    root: int
    part: int  # 0 for the branch's first page, 1, 2 ... for its continued parts
    members: list[int]
    references: list[int] = field(default_factory=list)
    continues: bool = False  # more of this root's children follow on the next section
    page: int = 0
    size: tuple[float, float] = (0.0, 0.0)

    @property
    def anchor(self) -> str:
        return f"section-{self.root}-{self.part}"


@dataclass(frozen=True)
class Paper:
    name: str
    width: float
    height: float

    @property
    def drawing_box(self) -> tuple[float, float]:
        """The largest drawing a map page holds at 1:1, (width, height) in points."""
        return (
            self.width - 2 * MARGIN,
            self.height - MARGIN - MARGIN_BOTTOM - HEADING - CAPTION,
        )


def paper_named(name: str | None) -> Paper:
    """Paper by its name (a4, a3, letter; a4 when None). Raises ValueError naming the choices."""
    key = (name or DEFAULT_PAPER).lower()
    if key not in PAPERS:
        raise ValueError(f"paper: must be one of {', '.join(PAPERS)}.")
    return Paper(key, *PAPERS[key])


def digest(data: MapData, *, title: str, paper: str, focus=None, depth=None, show_pending=False) -> str:
    """The cache key and ETag of a handout (64 hex digits): it changes with anything drawn or
    printed (every node's text, quote and citation, the arrows, the sources) and the options."""
    # Graphviz's version too, as for every drawing: an upgrade redraws.
    what = repr(
        (VERSION, runner.graphviz_version(), data, title, paper, focus, depth, show_pending, settings.MAP_MAX_NODES)
    )
    return hashlib.sha256(what.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- the tree


@dataclass
class _Tree:
    """The outline's tree (each node where it is shown in full), within the handout's scope."""

    entries: list[Entry]
    numbers: dict[int, str]
    children: dict[int, list[int]]
    roots: list[int]
    drawn: frozenset[int]
    focus: int | None

    def subtree(self, pk: int) -> list[int]:
        out, stack = [], [pk]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(reversed(self.children.get(current, [])))
        return out


def _tree(data: MapData, *, focus, depth, show_pending) -> _Tree:
    outline = build_outline(data, show_pending=show_pending)
    full = [e for e in outline if e.see is None]
    numbers = {e.node.pk: e.number for e in full}
    by_number = {e.number: e.node.pk for e in full}
    # The drawing's own cap (settings.MAP_MAX_NODES, nearest the question first) holds here too.
    capped = dot.select(data, show_pending=show_pending).pks
    children: dict[int, list[int]] = {}
    for entry in full:
        parent = by_number.get(entry.number.rpartition(".")[0])
        if parent is not None and entry.node.pk in capped:
            children.setdefault(parent, []).append(entry.node.pk)
    if focus is not None:
        prefix = numbers[focus]
        limit = math.inf if depth is None else prefix.count(".") + depth
        inside = [e for e in outline if e.number == prefix or e.number.startswith(prefix + ".")]
        entries = [e for e in inside if e.number.count(".") <= limit]
        roots = [focus]
    else:
        entries = outline
        roots = [e.node.pk for e in full if e.depth == 0 and e.node.pk in capped]
    scope = {e.node.pk for e in entries if e.see is None} & capped
    children = {pk: [c for c in kids if c in scope] for pk, kids in children.items() if pk in scope}
    return _Tree(entries, numbers, children, roots, frozenset(scope), focus)


# --------------------------------------------------------------------------- planning

# What a small reference box takes of a page, with the space around it (points squared).
REFERENCE_AREA = 100 * 40


def _area(size: tuple[float, float]) -> float:
    """A box's share of a page: its own area and the gaps dot leaves around it."""
    return (size[0] + NODESEP) * (size[1] + NODESEP)


def _plan(tree: _Tree, sizes: dict[int, tuple[float, float]], budgets: dict[tuple[int, int], float], page_area):
    """Sections, in reading order: each root's branch, whole if its boxes' area is within the
    budget (a share of the page's area), else its children's subtrees packed in order (a
    subtree that does not fit a page beside its parent is a reference here and a branch of
    its own, planned after), continued on further parts when the page is full. The question,
    when the map does not fit one page, stands with its positions as references: one
    position's branch per section."""
    area = {pk: _area(size) for pk, size in sizes.items()}
    reference_area = REFERENCE_AREA

    def subtree_area(pk):
        return sum(area.get(n, 0) for n in tree.subtree(pk))

    def budget(root, part):
        return budgets.get((root, part), FILL) * page_area

    sections: list[Section] = []
    queue = list(tree.roots)
    while queue:
        root = queue.pop(0)
        if subtree_area(root) <= budget(root, 0):
            sections.append(Section(root, 0, tree.subtree(root)))
            continue
        is_question = tree.focus is None and "." not in tree.numbers.get(root, ".")
        parts: list[list[tuple[int, bool]]] = [[]]  # per part: (child, drawn in full?)
        remaining = budget(root, 0) - area.get(root, 0)
        for child in tree.children.get(root, []):
            # A child's subtree stays with its parent only if the two fit a page together.
            whole = not is_question and subtree_area(child) + area.get(root, 0) <= budget(root, 0)
            cost = subtree_area(child) if whole else reference_area
            if parts[-1] and cost > remaining:
                parts.append([])
                remaining = budget(root, len(parts) - 1) - reference_area
                whole = whole and cost <= remaining
                cost = subtree_area(child) if whole else reference_area
            parts[-1].append((child, whole))
            remaining -= cost
        later = []
        for index, part in enumerate(parts):
            members = [root] if index == 0 else []
            for child, whole in part:
                if whole:
                    members += tree.subtree(child)
                else:
                    later.append(child)
            sections.append(Section(root, index, members, continues=index < len(parts) - 1))
        queue = later + queue
    return sections


def _references(tree: _Tree, data: MapData, sections: list[Section], show_pending: bool) -> None:
    """Each section's reference boxes: the nodes joined by an arrow to a box drawn in it (its
    parent, the subtrees cut off, cross-links), except a continued root's children that are
    drawn on its next parts (the page's caption points there)."""
    home = {}
    for section in sections:
        for pk in section.members:
            home.setdefault(pk, section)
    for section in sections:
        members = set(section.members)
        deferred = set()
        for other in sections:
            if other.root == section.root and other.part != section.part:
                deferred |= set(other.members)
        related = set()
        for relation in data.relations:
            if not show_pending and relation.status != Status.APPROVED:
                continue
            for here, there in ((relation.source, relation.target), (relation.target, relation.source)):
                if here in members and there not in members and there not in deferred:
                    related.add(there)
        if section.part > 0:
            related.add(section.root)
        section.references = sorted(related & (set(home) | set(tree.numbers)))


def _reference_text(tree: _Tree, pk: int, page: int | None) -> str:
    """A reference's label, "\u2192 1.2 (p. 4)", padded with figure spaces (about a digit wide) to
    the placeholder's three digits, so that the box is the size it was planned at, give or take
    a point (the drawing with the real numbers is checked again)."""
    number = tree.numbers.get(pk, "")
    if page is None:
        # A node outside this handout (another branch than the focus, or beyond the map's cap)
        # has no page to name.
        return f"\u2192 {number}"
    pad = max(0, len(str(PAGE_PLACEHOLDER)) - len(str(page)))
    return f"{FIGURE_SPACE * (pad // 2)}\u2192 {number} (p. {page}){FIGURE_SPACE * (pad - pad // 2)}"


def _section_dot(data, tree, section, pages, *, show_pending, rank_width) -> str:
    references = {pk: _reference_text(tree, pk, pages.get(pk)) for pk in section.references}
    return dot.build_dot(
        data,
        show_pending=show_pending,
        draw=frozenset(section.members),
        references=references,
        rank_width=rank_width,
        numbers=tree.numbers,
    )


# --------------------------------------------------------------------------- composition


def _overview(data: MapData, tree: _Tree, pages: dict[int, int]) -> list[dict]:
    """The cover's overview: each root and its children (the question and its positions),
    with the page each is drawn on."""
    rows = []
    for root in tree.roots:
        for pk in [root, *tree.children.get(root, [])]:
            node = data.node(pk)
            rows.append({"number": tree.numbers.get(pk, ""), "node": node, "page": pages.get(pk), "root": pk == root})
    return rows


def _pages_context(data: MapData, tree: _Tree, sections: list[Section], pages: dict[int, int]) -> dict:
    rows = []
    parts = {}
    for section in sections:
        parts[section.root] = parts.get(section.root, 0) + 1
    first_page = {}
    for section in sections:
        first_page.setdefault(section.root, section.page)
    for index, section in enumerate(sections):
        node = data.node(section.root)
        rows.append(
            {
                "anchor": section.anchor,
                "number": tree.numbers.get(section.root, ""),
                "node": node,
                "part": section.part + 1,
                "parts": parts[section.root],
                "continued_from": first_page[section.root] if section.part else None,
                "continues_on": sections[index + 1].page if section.continues else None,
                "width": section.size[0],
                "height": section.size[1],
            }
        )
    entries = [{"entry": e, "page": pages.get(e.node.pk) if e.see is None else None} for e in tree.entries]
    depths = sorted({e.depth for e in tree.entries})
    return {"sections": rows, "overview": _overview(data, tree, pages), "entries": entries, "depths": depths}


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # the Python package, or pango and harfbuzz
        raise HandoutError(f"The PDF handout cannot be made on this server ({error}).") from None
    return weasyprint


def _html(context: dict) -> tuple[str, str]:
    """The handout's HTML and its style sheet (pages carry no inline style)."""
    return render_to_string("debates/handout.html", context), render_to_string("debates/handout.css", context)


def _fetch_nothing(url: str, *args, **kwargs):
    """The handout loads nothing (its fonts are the system's): no file or address, whatever
    text a page holds, is read while composing it."""
    raise ValueError(f"The handout loads no resources ({url[:40]!r}).")


def _document(weasyprint, page: tuple[str, str]):
    html, css = page
    style = weasyprint.CSS(string=css, url_fetcher=_fetch_nothing)
    return weasyprint.HTML(string=html, url_fetcher=_fetch_nothing).render(stylesheets=[style])


def build_handout(
    data: MapData,
    *,
    title: str,
    paper: str = DEFAULT_PAPER,
    focus: int | None = None,
    depth: int | None = None,
    show_pending: bool = False,
) -> bytes:
    """The handout as PDF bytes: the same data and options give the same bytes (no clock).
    `focus` limits it to that node's branch (`depth` levels below it, all by default).
    Raises RenderError (Graphviz missing, failing or slower than settings.MAP_RENDER_TIMEOUT
    in all, the whole handout's budget) and ValueError for an unknown paper."""
    spent = 0.0  # seconds in dot so far: MAP_RENDER_TIMEOUT is the whole handout's Graphviz budget
    sheet = paper_named(paper)
    weasyprint = _weasyprint()
    tree = _tree(data, focus=focus, depth=depth, show_pending=show_pending)
    box_w, box_h = sheet.drawing_box

    def run(function, *args):
        nonlocal spent
        started = time.monotonic()
        try:
            return function(*args, timeout=settings.MAP_RENDER_TIMEOUT - spent)
        finally:
            spent += time.monotonic() - started

    # Every box's size, from one layout of all of them without arrows.
    sizes: dict[int, tuple[float, float]] = {}
    if tree.drawn:
        unlinked = MapData(data.slug, data.question, data.nodes, (), data.sources, data.as_of)
        measured = run(
            runner.layout_sizes,
            dot.build_dot(unlinked, show_pending=show_pending, draw=tree.drawn, numbers=tree.numbers),
        )
        sizes = {int(name[1:]): size for name, size in measured.items() if name[1:].isdigit()}
    widest = max((w for w, _ in sizes.values()), default=180.0)
    rank_width = max(1, int((box_w + NODESEP) // (widest + NODESEP)))

    context = {
        "title": title,
        "data": data,
        "paper": sheet,
        "focus": data.node(focus) if focus is not None else None,
        "overview": _overview(data, tree, dict.fromkeys(tree.drawn, PAGE_PLACEHOLDER)),
        "margins": (MARGIN, MARGIN_BOTTOM),
        "heading": HEADING,
        "caption": CAPTION,
    }
    cover_pages = len(_document(weasyprint, _html({**context, "cover_only": True})).pages)

    # Plan, lay out every section with placeholder page numbers in one run of dot, and plan
    # again with a smaller share of the page for each part that came out larger than the
    # page; then draw them with their real page numbers (the same sizes) and check again.
    budgets: dict[tuple[int, int], float] = {}
    page_area = box_w * box_h
    laid_out: dict[str, tuple[float, float]] = {}  # DOT text -> its drawing's size, over the rounds

    def shrink(section):
        # Next round this part gets less than it holds now, so it loses a box at least.
        width, height = section.size
        key = (section.root, section.part)
        held = sum(_area(sizes.get(pk, (0, 0))) for pk in section.members)
        held += len(section.references) * REFERENCE_AREA
        factor = 0.95 * min(1.0, box_w / width) * min(1.0, box_h / height)
        budgets[key] = max(MIN_FILL, min(budgets.get(key, FILL), held / page_area) * factor)

    def fits(section):
        return section.size[0] <= box_w + 0.01 and section.size[1] <= box_h + 0.01

    def section_dot(section, pages):
        return _section_dot(data, tree, section, pages, show_pending=show_pending, rank_width=rank_width)

    for _ in range(ROUNDS):
        drawings = None
        sections = _plan(tree, sizes, budgets, page_area)
        _references(tree, data, sections, show_pending)
        planned = dict.fromkeys(tree.drawn, PAGE_PLACEHOLDER)
        texts = [
            _section_dot(data, tree, s, planned, show_pending=show_pending, rank_width=rank_width) for s in sections
        ]
        new = sorted(set(texts) - set(laid_out))
        for text, drawing in zip(new, run(runner.render_pages, new), strict=True):
            laid_out[text] = _page_size(drawing)
        for section, text in zip(sections, texts, strict=True):
            section.size = laid_out[text]
        pages = {}
        for index, section in enumerate(sections):
            section.page = cover_pages + index + 1
            for pk in section.members:
                pages.setdefault(pk, section.page)
        if not all(fits(section) for section in sections):
            for section in sections:
                if not fits(section):
                    shrink(section)
            continue
        texts = [section_dot(section, pages) for section in sections]
        drawings = run(runner.render_pages, texts)
        for section, drawing in zip(sections, drawings, strict=True):
            section.size = _page_size(drawing)
        if all(fits(section) for section in sections):
            break
        for section in sections:
            if not fits(section):
                shrink(section)
    else:
        logger.warning("Handout of %s: some sections are still larger than the page; drawn smaller.", data.slug)
        if drawings is None:
            drawings = run(runner.render_pages, [section_dot(section, pages) for section in sections])
            for section, drawing in zip(sections, drawings, strict=True):
                section.size = _page_size(drawing)

    for section in sections:
        width, height = section.size
        scale = min(1.0, box_w / width, box_h / height)
        section.size = (width * scale, height * scale)
    html = _html({**context, **_pages_context(data, tree, sections, pages), "cover_only": False})
    document = _document(weasyprint, html)
    # WeasyPrint writes no date unless the HTML asks; its file identifier is taken from our digest.
    options = {"focus": focus, "depth": depth, "show_pending": show_pending}
    pdf = document.write_pdf(pdf_identifier=digest(data, title=title, paper=sheet.name, **options).encode()[:32])
    return _lay_drawings(pdf, document, sections, drawings, sheet)


def _page_size(pdf: bytes) -> tuple[float, float]:
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return float(box.width), float(box.height)


def _lay_drawings(pdf: bytes, document, sections: list[Section], drawings: list[bytes], sheet: Paper) -> bytes:
    """Lay each section's drawing onto its page, where the HTML kept room for it.

    Each drawing becomes a form XObject drawn by one added operator: pypdf's
    merge_transformed_page() parses and rewrites every text operator of both pages, about
    thirty times slower for the same result."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject

    where = {}
    for index, page in enumerate(document.pages):
        for name, (x, y, *_) in page.anchors.items():
            where[name] = (index, x * 0.75, y * 0.75)  # CSS px from the top left -> points
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    box_w = sheet.drawing_box[0]
    for number, (section, drawing) in enumerate(zip(sections, drawings, strict=True)):
        index, left, top = where[section.anchor]
        if index != section.page - 1:  # the reference boxes would name wrong pages
            raise HandoutError("The handout's pages came out in an unexpected order; it cannot be printed.")
        drawn = PdfReader(io.BytesIO(drawing)).pages[0]
        natural_w = float(drawn.mediabox.width)
        width, height = section.size  # the drawing's own size, unless planning gave up
        scale = width / natural_w
        left += (box_w - width) / 2
        bottom = sheet.height - top - height  # PDF coordinates run upwards from the bottom edge
        form = drawn["/Contents"].get_object().clone(writer)
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in drawn.mediabox)
        form[NameObject("/Resources")] = drawn["/Resources"].clone(writer)
        page = writer.pages[index]
        resources = page["/Resources"].get_object()
        if "/XObject" not in resources:
            resources[NameObject("/XObject")] = DictionaryObject()
        name = f"/CounterpointMap{number}"
        resources["/XObject"].get_object()[NameObject(name)] = form.indirect_reference
        contents = page["/Contents"].get_object()
        streams = list(contents) if isinstance(contents, ArrayObject) else [page["/Contents"]]
        last = streams[-1].get_object()
        # WeasyPrint leaves its own transformation in place: draw from the page's own space.
        place = f"{scale:.6f} 0 0 {scale:.6f} {left:.3f} {bottom:.3f} cm {name} Do"
        first = streams[0].get_object()
        first.set_data(b"q\n" + first.get_data())
        last.set_data(last.get_data() + f"\nQ\nq {place} Q\n".encode("ascii"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
