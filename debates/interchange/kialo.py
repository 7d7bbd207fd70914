"""Kialo discussion exports (.txt), both layouts Kialo has written.

Layout A, one line per claim; a claim's text may run on over following lines:

    Discussion Title: Should cities ban cars?

    1. Cities should ban cars from their centres.
    1.1. Pro: Cars pollute the air.
    1.1.1. Con: -> See 1.2.
    1.2. Con: 49.7 * 72,000,000 ...

Layout B, a header line per claim indented two spaces per level, its text on the
following lines, `[n]` footnote marks, and a closing `Sources:` list:

    Discussion Name:
    Should cities ban cars?

    1. Thesis:
    Cities should ban cars from their centres.
      1.1. Pro:
      Cars pollute the air.[1]
    Sources:
    1. https://example.org/air

How a Kialo discussion becomes a Counterpoint map (what a teacher expects: Kialo's root
claim, the thesis, is what the debate argues over, and its direct Pro and Con claims are
the answers taken to it):
- the discussion title is the map's title; the thesis (`1.`) is the `question` statement
  (id "1"); its text is the title only when the thesis has no text of its own;
- the thesis's direct children (`1.n.`) are `position`s that support (Pro) or oppose (Con)
  the question; every deeper claim is a `claim` that supports or opposes its parent; the
  statement and the link to its parent both take the claim's number as id ("1.1.2");
- `-> See 1.2.3.` is not a new claim but a link from claim 1.2.3 to the parent; chains of
  See lines are followed, and a cycle of them is a FormatError naming the line; a See line
  that points at the thesis is skipped (the question argues for nothing), with a warning;
- `[n]` footnote marks stay in the text; the `Sources:` section is not imported (Kialo's
  sources are citations, Counterpoint's are full texts) and a warning says so;
- a claim's lines are stripped and blank lines dropped, joined with newlines.
The writer writes layout A; see write() for what it cannot hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import BinaryIO

from debates.interchange import model
from debates.interchange.model import ArgumentMap, FormatError, Link, Statement

QUESTION_ID = "1"  # the thesis: Kialo's root claim is the debate's question
_LINE_A = re.compile(r"(\d+(?:\.\d+)*)\.\s+(?:(Pro|Con|Thesis):\s*)?(.*)")
_HEADER_B = re.compile(r" *(\d+(?:\.\d+)*)\.\s+(Thesis|Pro|Con):\s*(.*)")
_SEE = re.compile(r"->\s*See\s+(\d+(?:\.\d+)*)\.?")
_STANCE = {"Pro": "supports", "Con": "opposes"}


@dataclass
class _Entry:
    number: str
    stance: str | None
    line: int
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(part for part in (line.strip() for line in self.lines) if part)


def normalize(text: str) -> str:
    """A claim's text as the reader gives it: each line stripped, blank lines dropped."""
    return "\n".join(part for part in (line.strip() for line in model.split_lines(text)) if part)


def read(
    data: bytes | str | BinaryIO,
    *,
    max_bytes: int = model.DEFAULT_MAX_BYTES,
    max_statements: int = model.DEFAULT_MAX_STATEMENTS,
) -> ArgumentMap:
    """Read a Kialo export (bytes, str or a binary file object; either layout, any line
    endings) into an ArgumentMap; FormatError naming the line and the reason."""
    lines = model.split_lines(model.read_text(data, max_bytes=max_bytes))
    index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if index is None:
        raise FormatError("The file is empty.")
    first = lines[index].strip()
    if first.startswith("Discussion Title:"):
        title, title_line, layout = first[len("Discussion Title:") :].strip(), index + 1, "A"
        index += 1
    elif first.startswith("Discussion Name:"):
        title, layout = first[len("Discussion Name:") :].strip(), "B"
        index += 1
        if not title:
            while index < len(lines) and not lines[index].strip():
                index += 1
            if index == len(lines):
                raise FormatError("The file ends after 'Discussion Name:' (cut short?).", line=index)
            title = lines[index].strip()
            index += 1
        title_line = index
    else:
        raise FormatError("A Kialo export starts with 'Discussion Title:' or 'Discussion Name:'.", line=index + 1)
    model.check_text(title, line=title_line, what="discussion title")

    entries: dict[str, _Entry] = {}
    order: list[_Entry] = []
    sources = 0
    current: _Entry | None = None
    for number, line in enumerate(lines[index:], start=index + 1):
        if line.strip() == "Sources:" and not line.startswith(" "):
            sources = sum(1 for rest in lines[number:] if rest.strip())
            break
        entry = _parse_claim_line(line, layout, has_thesis=bool(order))
        if entry is None:
            if current is None:
                if line.strip():
                    raise FormatError("Expected the thesis, a line starting '1. '.", line=number)
                continue
            current.lines.append(line)
            continue
        entry.line = number
        if entry.number in entries:
            raise FormatError(f"Claim {entry.number} appears twice.", line=number)
        if not order and entry.number != "1":
            raise FormatError(f"Expected the thesis '1.', found claim {entry.number}.", line=number)
        parent = entry.number.rpartition(".")[0]
        if order and parent not in entries:
            raise FormatError(f"Claim {entry.number} has no parent claim {parent}.", line=number)
        entries[entry.number] = entry
        order.append(entry)
        model.check_count(len(order) + 1, max_statements=max_statements, line=number)
        current = entry
    if not order:
        raise FormatError("The file has no thesis (cut short?).", line=len(lines))

    warnings: list[str] = []
    see: dict[str, str] = {}
    for entry in order:
        text = entry.text
        if not text and entry.number == "1":
            entry.lines = [title]  # a thesis left blank: the discussion title is the question
            continue
        if not text:
            raise FormatError(f"Claim {entry.number} has no text.", line=entry.line)
        match = _SEE.fullmatch(text)
        if match:
            if entry.number == "1":
                raise FormatError("The thesis cannot be a link to another claim.", line=entry.line)
            if match.group(1) not in entries:
                raise FormatError(
                    f"The link points to claim {match.group(1)}, which the file does not have.", line=entry.line
                )
            see[entry.number] = match.group(1)
        else:
            model.check_text(text, line=entry.line, what=f"claim {entry.number}")

    def resolve(number: str) -> str:
        seen = [number]
        while number in see:
            number = see[number]
            if number in seen:
                chain = " -> ".join([*seen, number])
                raise FormatError(f"The '-> See' links go round in a cycle ({chain}).", line=entries[seen[0]].line)
            seen.append(number)
        return number

    statements = []
    relations = []
    pairs: set[tuple[str, str, str]] = set()
    dropped = []
    for entry in order:
        if entry.number not in see:
            statements.append(Statement(id=entry.number, text=entry.text, kind=_kind(entry.number)))
        if entry.number == QUESTION_ID:
            continue
        source, target = resolve(entry.number), resolve(entry.number.rpartition(".")[0])
        kind = _STANCE.get(entry.stance or "")
        if kind is None:
            raise FormatError(f"Claim {entry.number} is neither Pro nor Con.", line=entry.line)
        if source == target or source == QUESTION_ID or (source, target, kind) in pairs:
            dropped.append(entry.number)
            continue
        pairs.add((source, target, kind))
        relations.append(Link(id=entry.number, source=source, kind=kind, target=target))
    if dropped:
        warnings.append(
            f"Skipped {len(dropped)} '-> See' links that repeat a relation or point at their own parent "
            "or at the thesis "
            f"({', '.join(dropped[:10])}{' ...' if len(dropped) > 10 else ''})."
        )
    if sources:
        warnings.append(
            f"The Sources section ({sources} lines) is not imported: Counterpoint's sources need the full "
            "text; the [n] marks stay in the claims."
        )
    return model.check_map(
        ArgumentMap(title=title, statements=tuple(statements), relations=tuple(relations), warnings=tuple(warnings))
    )


def _kind(number: str) -> str:
    """A claim's kind from its Kialo number: the thesis "1" is the question, "1.n" a position,
    anything deeper a claim."""
    depth = number.count(".")
    return "question" if depth == 0 else "position" if depth == 1 else "claim"


def _parse_claim_line(line: str, layout: str, *, has_thesis: bool) -> _Entry | None:
    """The claim a line opens, or None if the line continues the current claim's text. In
    layout A a numbered line opens a claim only as the thesis ("1.", first) or with Pro:/Con:,
    so a text line that starts with a number ("2020. A year...") stays text."""
    if layout == "A":
        match = _LINE_A.fullmatch(line)
        if not match or line[:1].isspace():
            return None
        number, stance, rest = match.groups()
        if number == "1" and not has_thesis and stance in (None, "Thesis"):
            return _Entry(number, None, 0, [rest])
        if "." in number and stance in _STANCE:
            return _Entry(number, stance, 0, [rest])
        return None
    match = _HEADER_B.fullmatch(line)
    if not match:
        return None
    number, stance, rest = match.groups()
    if (number == "1") != (stance == "Thesis"):
        return None
    return _Entry(number, None if stance == "Thesis" else stance, 0, [rest])


def _opens_claim(line: str) -> bool:
    """Whether a text line, written on a line of its own, would be read as a new claim or
    as the Sources heading."""
    stripped = line.strip()
    return stripped == "Sources:" or _parse_claim_line(stripped, "A", has_thesis=True) is not None


def written_text(text: str) -> str:
    """The text that writing a statement in layout A and reading it back gives: normalize(),
    and a line that would open a claim joined to the line before it with a space (layout A
    has no escaping)."""
    out: list[str] = []
    for line in normalize(text).split("\n"):
        if out and _opens_claim(line):
            out[-1] += " " + line
        else:
            out.append(line)
    return "\n".join(out)


def _layout(argument_map: ArgumentMap) -> tuple[str, list[str], list[str]]:
    """(title, output lines, what was left out) for the map as layout A."""
    model.check_map(argument_map)
    by_id = {s.id: s for s in argument_map.statements}
    children: dict[str, list[Link]] = {s.id: [] for s in argument_map.statements}
    for link in argument_map.relations:
        if link.target is not None:
            children[link.target].append(link)
    question = next((s for s in argument_map.statements if s.kind == "question"), None)
    root = question or next(
        (s for s in argument_map.statements if not any(lk.source == s.id for lk in argument_map.relations)),
        argument_map.statements[0] if argument_map.statements else None,
    )
    if root is None:
        raise FormatError("The map has no statements to write.")
    title = argument_map.title.strip() or root.text
    thesis = root  # the question is Kialo's thesis; its positions are the thesis's Pro and Con

    numbers = {thesis.id: "1"}
    lines = [f"1. {_claim_text(thesis.text)}"]
    counts: dict[str, int] = {}
    stack = [("1", thesis.id, iter(children[thesis.id]))]
    while stack:
        number, _node, pending = stack[-1]
        link = next(pending, None)
        if link is None:
            stack.pop()
            continue
        counts[number] = counts.get(number, 0) + 1
        child_number = f"{number}.{counts[number]}"
        stance = "Pro" if link.kind == "supports" else "Con"
        if link.source in numbers:
            lines.append(f"{child_number}. {stance}: -> See {numbers[link.source]}.")
            continue
        numbers[link.source] = child_number
        lines.append(f"{child_number}. {stance}: {_claim_text(by_id[link.source].text)}")
        stack.append((child_number, link.source, iter(children[link.source])))

    left_out = []
    missing = [s for s in argument_map.statements if s.id not in numbers and s is not root]
    if missing:
        left_out.append(
            f"Left out {len(missing)} statements not linked to the {'question' if question else 'thesis'} "
            "(a Kialo discussion is one tree)."
        )
    undercuts = [lk for lk in argument_map.relations if lk.target_link is not None]
    if undercuts:
        left_out.append(f"Left out {len(undercuts)} undercuts: Kialo has no objection to a link.")
    evidence = [s for s in argument_map.statements if s.kind == "evidence" and s.id in numbers]
    if evidence:
        left_out.append(f"Wrote {len(evidence)} evidence statements as claims: Kialo has only claims.")
    quotes = [s for s in argument_map.statements if s.quote is not None]
    if quotes:
        left_out.append(f"Left out the quotes of {len(quotes)} statements and the sources: Kialo has no quotes.")
    return title, lines, left_out


def _claim_text(text: str) -> str:
    return written_text(text)


def write(argument_map: ArgumentMap) -> str:
    """The map as a layout-A Kialo export (str, \\n line endings), the reverse of read(): the
    discussion title is the map's title (the question's text if it has none), the thesis `1.`
    is the question (or, without one, the statement that argues for nothing), the question's
    positions are `1.n. Pro:`/`Con:` and deeper claims follow their parents; a statement
    reached a second time is written as `-> See n.`. What Kialo cannot hold (undercuts, quotes,
    statements not linked to the root) is left out and evidence is written as claims:
    unwritten() lists both for the caller to show."""
    title, lines, _ = _layout(argument_map)
    return f"Discussion Title: {' '.join(title.split())}\n\n" + "\n".join(lines) + "\n"


def unwritten(argument_map: ArgumentMap) -> tuple[str, ...]:
    """Human-readable notes on what write() leaves out of this map or writes as something else
    (empty if nothing)."""
    return tuple(_layout(argument_map)[2])
