"""Argdown: the subset that maps onto a Counterpoint map.

Syntax as the Argdown parser (@argdown/core 1.7) reads it:
- front matter between `===` lines (Argdown's own delimiter; `---` is accepted too, as in
  Markdown), of which `title:` is taken as the map's title;
- `#` headings (skipped), `//`, `/* */` and `<!-- -->` comments, `\\x` escapes;
- statements `[Title]: text` and references `[Title]`; arguments `<Title>: text` and
  `<Title>`, each becoming one claim; untitled text on a relation line is a statement;
- relations under an element, nested by indentation: `+ <+` (the child supports the
  parent), `+>` (the parent supports the child), `- <-` (the child opposes the parent),
  `->` (the parent opposes the child), `><` (contradiction: two opposes, one each way),
  `_ <_` (the child undercuts the parent's inference), `_>` (the parent undercuts the
  child's). An undercut of X becomes an opposes aimed at each supports link leaving X
  (an Argdown undercut attacks an argument's inference, which is its support);
- a title opened with `[` or `<` and never closed (`+> [B`) is a FormatError naming the line;
- `#tags` are taken out of the text; `#question` and `#position` set the statement's kind;
  a `#position` that points at nothing is attached to the file's `#question` (if it has
  one) as supports, with a warning;
  `*`/`_` emphasis marks and a trailing `{data}` block are dropped, runs of spaces and
  line breaks become one space, as Argdown reads them;
- premise-conclusion structures (`(1) ...`, `----`, `(2) ...`) are SKIPPED with a warning
  naming their lines: Counterpoint maps an argument by its description, not its premises.
Statement ids are "[Title]" and "<Title>" (Argdown keeps the two name spaces apart).
"""

from __future__ import annotations

import json
import re
from typing import BinaryIO

from debates.interchange import model
from debates.interchange.model import ArgumentMap, FormatError, Link, Statement

_RELATION = re.compile(r"([ \t]*)(<\+|\+>|<-|->|<_|_>|><|\+|-|_)(?=[ \t])[ \t]*(.*)")
_DEFINITION = re.compile(r"(\[(.+?)\]|<(.+?)>):[ \t]*(.*)")
_REFERENCE = re.compile(r"(\[([^-].*?)\]|<([^-].*?)>)[ \t]*(.*)")
_HEADING = re.compile(r"#+ ")
_PCS = re.compile(r"[ \t]*(\(\d+\)|--)")
_TAG = re.compile(r"#(?:\(([^)]+)\)|([\w-]+))")
_KIND_TAGS = {"question", "position"}
_SPACES = re.compile(r"[ \t\n\r]+")


def _strip_comments(text: str) -> str:
    """The text with comments replaced by spaces (line breaks kept, so line numbers hold)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n:
            out.append(text[i : i + 2])
            i += 2
            continue
        for opening, closing in (("/*", "*/"), ("<!--", "-->")):
            if text.startswith(opening, i):
                end = text.find(closing, i + len(opening))
                if end == -1:
                    line = text.count("\n", 0, i) + 1
                    raise FormatError(
                        f"The comment opened here with {opening} is never closed (cut short?).", line=line
                    )
                end += len(closing)
                out.append("".join(c if c == "\n" else " " for c in text[i:end]))
                i = end
                break
        else:
            if text.startswith("//", i):
                end = text.find("\n", i)
                i = n if end == -1 else end
                continue
            out.append(char)
            i += 1
    return "".join(out)


def _clean(raw: str) -> tuple[str, list[str]]:
    """(text, tags) of a statement's raw Argdown text: escapes resolved, tags, emphasis marks
    and a trailing {data} block taken out, whitespace runs made one space."""
    out: list[str] = []
    tags: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        char = raw[i]
        if char == "\\" and i + 1 < n:
            out.append(raw[i + 1])
            i += 2
            continue
        if char == "#":
            match = _TAG.match(raw, i)
            if match:
                tags.append(match.group(1) or match.group(2))
                i = match.end()
                continue
        if char == "{" and raw.rstrip().endswith("}"):
            break
        if char in "*_":
            run = 2 if raw.startswith(char * 2, i) else 1
            before = raw[i - 1] if i else " "
            after = raw[i + run] if i + run < n else " "
            opens = before.isspace() and not after.isspace()
            closes = not before.isspace() and (after.isspace() or not after.isalnum())
            if opens or closes:
                i += run
                continue
        out.append(char)
        i += 1
    return _SPACES.sub(" ", "".join(out)).strip(), tags


def _front_matter_title(lines: list[str]) -> tuple[str, int]:
    """(title, index of the first line after the front matter) or ("", 0) if there is none."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or not re.fullmatch(r"(===+|---+)", lines[first].strip()):
        return "", 0
    delimiter = lines[first].strip()[0]
    for end in range(first + 1, len(lines)):
        if re.fullmatch(rf"{delimiter}{{3,}}", lines[end].strip()):
            break
    else:
        raise FormatError("The front matter opened here is never closed (cut short?).", line=first + 1)
    title = ""
    for line in lines[first + 1 : end]:
        match = re.fullmatch(r"title:\s*(.*?)\s*", line)
        if match:
            title = _yaml_scalar(match.group(1), line=lines.index(line) + 1)
    return title, end + 1


def _yaml_scalar(value: str, *, line: int) -> str:
    """A one-line YAML scalar: double-quoted (JSON escapes), single-quoted or plain."""
    if value.startswith('"'):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise FormatError(
                "The title's double-quoted string is not closed or has a bad escape.", line=line
            ) from None
    if value.startswith("'") and value.endswith("'") and len(value) > 1:
        return value[1:-1].replace("''", "'")
    return value


def read(
    data: bytes | str | BinaryIO,
    *,
    max_bytes: int = model.DEFAULT_MAX_BYTES,
    max_statements: int = model.DEFAULT_MAX_STATEMENTS,
) -> ArgumentMap:
    """Read Argdown (bytes, str or a binary file object) into an ArgumentMap; FormatError
    naming the line and the reason."""
    lines = model.split_lines(_strip_comments(model.read_text(data, max_bytes=max_bytes)))
    title, start = _front_matter_title(lines)

    texts: dict[str, str] = {}
    kinds: dict[str, str] = {}
    first_line: dict[str, int] = {}
    warnings: list[str] = []
    differing: list[str] = []
    pairs: list[tuple[str, str, str, int]] = []  # (source, kind, target, line)
    undercuts: list[tuple[str, str, int]] = []  # (source, undercut element, line)
    pcs_lines: list[int] = []
    untitled = 0
    stack: list[tuple[int, str]] = []  # (indentation, element id)
    last_defined: str | None = None
    in_pcs = False

    def element(source: str, number: int) -> str:
        nonlocal untitled
        match = _DEFINITION.fullmatch(source)
        if match:
            name, body = match.group(1), match.group(4)
            element_id = name[0] + (match.group(2) or match.group(3)).strip() + name[-1]
        else:
            match = _REFERENCE.fullmatch(source)
            if match:
                name = match.group(1)
                element_id = name[0] + (match.group(2) or match.group(3)).strip() + name[-1]
                body = ""
            else:
                closing = {"[": "]", "<": ">"}.get(source[:1])
                if closing is not None:
                    # Argdown reads '[' and '<' here as opening a title: unclosed, it is a syntax error
                    # (taking "[B" as a statement's text would hide a broken reference).
                    raise FormatError(
                        f"The title opened with '{source[0]}' in '{source[:40]}' is never closed with '{closing}'.",
                        line=number,
                    )
                untitled += 1
                element_id, body = f"[Untitled {untitled}]", source
        if element_id not in first_line:
            first_line[element_id] = number
            model.check_count(len(first_line), max_statements=max_statements, line=number)
        text, tags = _clean(body)
        for tag in tags:
            if tag in _KIND_TAGS:
                kinds[element_id] = tag
        if text:
            model.check_text(text, line=number)
            if element_id not in texts:
                texts[element_id] = text
            elif texts[element_id] != text:
                differing.append(f"{element_id} (line {number})")
        return element_id

    for number, line in enumerate(lines[start:], start=start + 1):
        if not line.strip():
            stack, last_defined, in_pcs = [], None, False
            continue
        if in_pcs or _PCS.match(line):
            in_pcs = True
            pcs_lines.append(number)
            continue
        if _HEADING.match(line):
            stack, last_defined = [], None
            continue
        relation = _RELATION.fullmatch(line)
        if relation and stack:
            indent = len(relation.group(1).expandtabs(4))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            if not stack:
                raise FormatError("This relation is not indented under any statement or argument.", line=number)
            parent = stack[-1][1]
            child = element(relation.group(3).strip(), number)
            symbol = relation.group(2)
            if symbol in ("+", "<+"):
                pairs.append((child, "supports", parent, number))
            elif symbol == "+>":
                pairs.append((parent, "supports", child, number))
            elif symbol in ("-", "<-"):
                pairs.append((child, "opposes", parent, number))
            elif symbol == "->":
                pairs.append((parent, "opposes", child, number))
            elif symbol == "><":
                pairs.append((parent, "opposes", child, number))
                pairs.append((child, "opposes", parent, number))
            elif symbol in ("_", "<_"):
                undercuts.append((child, parent, number))
            else:  # "_>"
                undercuts.append((parent, child, number))
            stack.append((indent, child))
            last_defined = child if _DEFINITION.fullmatch(relation.group(3).strip()) else None
            continue
        if relation:
            raise FormatError(f"The relation '{relation.group(2)}' has no statement or argument above it.", line=number)
        stripped = line.strip()
        if last_defined and not (stripped.startswith("[") or stripped.startswith("<")):
            # A definition's text may run on over the next lines.
            more, _ = _clean(stripped)
            texts[last_defined] = model.check_text(
                _SPACES.sub(" ", texts.get(last_defined, "") + " " + more).strip(), line=number
            )
            continue
        element_id = element(stripped, number)
        stack = [(-1, element_id)]
        last_defined = element_id if _DEFINITION.fullmatch(stripped) else None

    untexted = [element_id for element_id in first_line if element_id not in texts]
    if untexted:
        warnings.append(
            f"{len(untexted)} statements or arguments have no text; their titles are used: "
            + ", ".join(untexted[:10])
            + (" ..." if len(untexted) > 10 else "")
            + "."
        )
    if differing:
        warnings.append("Kept the first text of statements defined again differently: " + ", ".join(differing) + ".")
    if pcs_lines:
        warnings.append(
            f"Skipped premise-conclusion structures at lines {_ranges(pcs_lines)}: Counterpoint maps an argument "
            "by its description, not its numbered premises."
        )
    statements = []
    for element_id in first_line:
        text = texts.get(element_id) or model.check_text(element_id[1:-1], line=first_line[element_id])
        statements.append(Statement(id=element_id, text=text, kind=kinds.get(element_id, "claim")))

    relations: list[Link] = []
    seen: set[tuple[str, str, str]] = set()
    for source, kind, target, number in pairs:
        if source == target:
            warnings.append(f"Skipped the relation at line {number}: it points {source} at itself.")
            continue
        if (source, kind, target) not in seen:
            seen.add((source, kind, target))
            relations.append(Link(id=str(len(relations) + 1), source=source, kind=kind, target=target))
    for source, attacked, number in undercuts:
        inferences = [lk for lk in relations if lk.source == attacked and lk.kind == "supports" and lk.target]
        if not inferences:
            warnings.append(
                f"Skipped the undercut at line {number}: {attacked} supports nothing, so it has no "
                "inference to undercut."
            )
        for inference in inferences:
            if inference.source == source or inference.target == source:
                warnings.append(f"Skipped the undercut at line {number}: {source} would undercut its own link.")
                continue
            if (source, "opposes", inference.id) not in seen:
                seen.add((source, "opposes", inference.id))
                relations.append(
                    Link(id=str(len(relations) + 1), source=source, kind="opposes", target_link=inference.id)
                )
    question = next((s.id for s in statements if s.kind == "question"), None)
    argues = {link.source for link in relations}
    loose = [s.id for s in statements if s.kind == "position" and s.id not in argues]
    if question is not None and loose:
        # A position answers the question even when the file draws no arrow to it.
        for position in loose:
            relations.append(Link(id=str(len(relations) + 1), source=position, kind="supports", target=question))
        warnings.append(
            f"Attached {len(loose)} positions that point at nothing to the question {question} (as supports): "
            + ", ".join(loose[:10])
            + (" ..." if len(loose) > 10 else "")
            + "."
        )
    return model.check_map(
        ArgumentMap(title=title, statements=tuple(statements), relations=tuple(relations), warnings=tuple(warnings))
    )


def _ranges(numbers: list[int]) -> str:
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in spans)


# Characters the Argdown lexer reads as syntax inside a statement's text.
_SPECIAL = set("\\[]<>{}#*_@/")


def escape(text: str) -> str:
    """A statement's text as Argdown source that the Argdown parser reads back as that text
    (up to whitespace runs, which become one space): syntax characters escaped with a
    backslash, and `.`/`:` before a non-space, which could start a `.shortcode.`."""
    flat = _SPACES.sub(" ", text).strip()
    out = []
    for index, char in enumerate(flat):
        nxt = flat[index + 1] if index + 1 < len(flat) else " "
        if char in _SPECIAL or (char in ".:" and not nxt.isspace()):
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def written_text(text: str) -> str:
    """The text that writing a statement and reading it back gives: whitespace runs as one space."""
    return _SPACES.sub(" ", text).strip()


def _titles(argument_map: ArgumentMap) -> dict[str, str]:
    """A unique, syntax-free title per statement: its first words, letters and digits only."""
    titles: dict[str, str] = {}
    used: set[str] = set()
    for statement in argument_map.statements:
        words = "".join(c if c.isalnum() else " " for c in statement.text).split()
        base, title = "", ""
        for word in words:
            if len(base) + len(word) > 40:
                break
            base = f"{base} {word}".strip()
        base = base or "Statement"
        title, count = base, 1
        while title.casefold() in used:
            count += 1
            title = f"{base} {count}"
        used.add(title.casefold())
        titles[statement.id] = title
    return titles


def write(argument_map: ArgumentMap) -> str:
    """The map as Argdown (str): front matter with the title, then each statement defined once
    with its outgoing relations under it (`+>`, `->`, and `_>` for an undercut). A statement
    whose support is undercut is written as an argument `<Title>`, since Argdown undercuts
    attack arguments; reading back undercuts every support leaving it. Quotes, sources and
    the evidence kind are not written (kinds question and position are, as tags)."""
    model.check_map(argument_map)
    titles = _titles(argument_map)
    links = {link.id: link for link in argument_map.relations}
    arguments = {links[lk.target_link].source for lk in argument_map.relations if lk.target_link is not None}

    def ref(statement_id: str) -> str:
        title = titles[statement_id]
        return f"<{title}>" if statement_id in arguments else f"[{title}]"

    # "=" could close the front matter and "/" could open a comment ("//", "/*") that the
    # reader strips before it reads the title: both written as JSON escapes.
    title = json.dumps(argument_map.title, ensure_ascii=False).replace("=", "\\u003d").replace("/", "\\/")
    out = ["===", f"title: {title}", "===", ""]
    for statement in argument_map.statements:
        tag = f" #{statement.kind}" if statement.kind in _KIND_TAGS else ""
        out.append(f"{ref(statement.id)}: {escape(statement.text)}{tag}")
        for link in argument_map.relations:
            if link.source != statement.id:
                continue
            if link.target is not None:
                out.append(f"  {'+>' if link.kind == 'supports' else '->'} {ref(link.target)}")
            else:
                out.append(f"  _> {ref(links[link.target_link].source)}")
        out.append("")
    return "\n".join(out)
