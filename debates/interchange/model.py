"""The neutral shape every interchange reader returns and every writer takes.

Pure data, no database: a reader turns a file into an ArgumentMap whose ids are the
file's own (AIF nodeIDs, Kialo numbers, Argdown titles), and the caller maps them to rows.
Everything here is a frozen dataclass, so two maps compare with ==.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass, field
from typing import BinaryIO

from debates.text import find_forbidden_character

KINDS = ("question", "position", "claim", "evidence")
RELATION_KINDS = ("supports", "opposes")
# An imported statement keeps its whole text up to this many characters; the 500-character
# limit is for contributions typed in the app, not for other tools' maps.
TEXT_MAX = 5000
# Defaults for callers that pass no settings; the app passes its own.
DEFAULT_MAX_BYTES = 5_000_000
DEFAULT_MAX_STATEMENTS = 5_000


class FormatError(ValueError):
    """A file that cannot be read: the message names the line (line-based formats) or the
    node id (JSON formats) and the reason. `line` is 1-based; either may be None."""

    def __init__(self, message: str, *, line: int | None = None, node_id: str | None = None):
        self.message = message
        self.line = line
        self.node_id = node_id
        where = f"Line {line}: " if line is not None else f"Node {node_id}: " if node_id is not None else ""
        super().__init__(where + message)


@dataclass(frozen=True)
class Quote:
    """A span of a source: its exact text and code-point offsets [start, end) in the source's text."""

    source_id: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class SourceDoc:
    """An op-ed or article with its full text; `published` is an ISO date ("2023-02-19") or None."""

    id: str
    title: str
    text: str
    author: str = ""
    outlet: str = ""
    published: str | None = None
    url: str = ""


@dataclass(frozen=True)
class Statement:
    """One box of the map. `kind` is one of KINDS; `status` is carried only by the debate file
    (pending/approved/...); readers of other formats leave it None."""

    id: str
    text: str
    kind: str = "claim"
    quote: Quote | None = None
    status: str | None = None


@dataclass(frozen=True)
class Link:
    """An arrow: `source` supports or opposes exactly one of `target` (a statement id) or
    `target_link` (a link id: an undercut, which must be an opposes aimed at a supports link)."""

    id: str
    source: str
    kind: str
    target: str | None = None
    target_link: str | None = None
    status: str | None = None

    def __post_init__(self):
        if (self.target is None) == (self.target_link is None):
            raise ValueError("A link has exactly one of target and target_link.")


@dataclass(frozen=True)
class ArgumentMap:
    """A whole map: `title` is the debate's question as the file states it ("" if the format has
    none), `warnings` human-readable notes on what the reader skipped or changed."""

    title: str
    statements: tuple[Statement, ...]
    relations: tuple[Link, ...]
    sources: tuple[SourceDoc, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=True)

    def statement(self, statement_id: str) -> Statement:
        """The statement with that id; KeyError if there is none."""
        for statement in self.statements:
            if statement.id == statement_id:
                return statement
        raise KeyError(statement_id)


def read_bytes(data: bytes | str | BinaryIO, *, max_bytes: int) -> bytes:
    """Take the input as bytes, refusing more than max_bytes before reading it all: a file
    object is read for at most max_bytes + 1 bytes, so a 100 MB upload costs one small read."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if isinstance(data, bytes | bytearray | memoryview):
        size = len(data)
        if size > max_bytes:
            raise FormatError(f"The file is {size:,} bytes; the limit is {max_bytes:,}.")
        return bytes(data)
    chunks: list[bytes] = []
    total = 0
    while total <= max_bytes:  # read() may return less than asked before the end
        chunk = data.read(max_bytes + 1 - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > max_bytes:
        raise FormatError(f"The file is larger than the limit of {max_bytes:,} bytes.")
    return b"".join(chunks)


def decode(data: bytes) -> str:
    """UTF-8 text (a leading byte-order mark dropped); FormatError naming the byte offset and
    line of the first byte that is not UTF-8, which also catches a file cut inside a character."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        if error.end >= len(data) and error.reason == "unexpected end of data":
            reason = "the file ends in the middle of a character (cut short?)"
        else:
            reason = f"byte {error.start} (0x{data[error.start]:02X}) is not UTF-8; save the file as UTF-8"
        raise FormatError(f"The file is not UTF-8 text: {reason}.", line=line) from None
    return text


def read_text(data: bytes | str | BinaryIO, *, max_bytes: int) -> str:
    """read_bytes then decode: the one way every reader takes its input."""
    return decode(read_bytes(data, max_bytes=max_bytes))


def split_lines(text: str) -> list[str]:
    """Lines split at \\r\\n, \\n or \\r only; str.splitlines() would also split inside a
    statement at U+2028, U+0085 and form feeds, which are text."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def is_visible(text: str) -> bool:
    """True if the text has at least one letter, digit, mark, punctuation or symbol: not only
    spaces, zero-width characters and direction marks."""
    return any(unicodedata.category(char)[0] in "LNMPS" for char in text)


def check_text(text: object, *, line: int | None = None, node_id: str | None = None, what: str = "statement") -> str:
    """Return the text if it may be a statement; FormatError naming the line or node if it is
    not a string, is empty or invisible, is longer than TEXT_MAX, or holds a control character."""
    if not isinstance(text, str):
        raise FormatError(f"The {what}'s text is not a string.", line=line, node_id=node_id)
    if not is_visible(text):
        raise FormatError(f"The {what}'s text is empty.", line=line, node_id=node_id)
    if len(text) > TEXT_MAX:
        raise FormatError(
            f"The {what} is {len(text):,} characters long; the limit is {TEXT_MAX:,}.", line=line, node_id=node_id
        )
    problem = find_forbidden_character(text)
    if problem:
        raise FormatError(f"The {what}'s text contains {problem}.", line=line, node_id=node_id)
    return text


def check_map(argument_map: ArgumentMap) -> ArgumentMap:
    """Return the map if it hangs together, else FormatError naming the node: ids unique, kinds
    known, every link's ends present, undercuts are opposes aimed at a supports link, at most
    one question, quotes inside their source and matching its text. Writers call it too."""
    if not isinstance(argument_map.title, str):
        raise FormatError("The title is not a string.")
    problem = find_forbidden_character(argument_map.title)
    if problem:
        raise FormatError(f"The title contains {problem}.")
    statements: dict[str, Statement] = {}
    for statement in argument_map.statements:
        if statement.id in statements:
            raise FormatError("Two statements have this id.", node_id=statement.id)
        if statement.kind not in KINDS:
            raise FormatError(f"Unknown kind {statement.kind!r}.", node_id=statement.id)
        check_text(statement.text, node_id=statement.id)
        statements[statement.id] = statement
    if sum(s.kind == "question" for s in statements.values()) > 1:
        raise FormatError("The map has more than one question.")
    sources = {}
    for source in argument_map.sources:
        if source.id in sources:
            raise FormatError("Two sources have this id.", node_id=source.id)
        sources[source.id] = source
    for statement in statements.values():
        quote = statement.quote
        if quote is None:
            continue
        source = sources.get(quote.source_id)
        if source is None:
            raise FormatError(
                f"The quote names source {quote.source_id!r}, which the file does not have.", node_id=statement.id
            )
        if not (0 <= quote.start < quote.end <= len(source.text)) or source.text[quote.start : quote.end] != quote.text:
            raise FormatError(
                f"The quote's text is not what source {quote.source_id!r} has at {quote.start}-{quote.end}.",
                node_id=statement.id,
            )
    links: dict[str, Link] = {}
    for link in argument_map.relations:
        if link.id in links:
            raise FormatError("Two relations have this id.", node_id=link.id)
        links[link.id] = link
    for link in links.values():
        if link.kind not in RELATION_KINDS:
            raise FormatError(f"Unknown relation kind {link.kind!r}.", node_id=link.id)
        if link.source not in statements:
            raise FormatError(f"The relation starts at {link.source!r}, which is not a statement.", node_id=link.id)
        if link.target is not None:
            if link.target not in statements:
                raise FormatError(f"The relation ends at {link.target!r}, which is not a statement.", node_id=link.id)
            if link.target == link.source:
                raise FormatError("The relation points at its own source.", node_id=link.id)
            continue
        attacked = links.get(link.target_link)
        if attacked is None:
            raise FormatError(f"The undercut names relation {link.target_link!r}, which is not there.", node_id=link.id)
        if link.kind != "opposes" or attacked.kind != "supports" or attacked.target is None:
            raise FormatError(
                "An undercut must be an opposes aimed at a supports arrow between two statements.", node_id=link.id
            )
    return argument_map


def check_count(count: int, *, max_statements: int, line: int | None = None, node_id: str | None = None) -> None:
    """FormatError once a reader has seen more statements than allowed."""
    if count > max_statements:
        raise FormatError(
            f"The map has more than {max_statements:,} statements, the limit.", line=line, node_id=node_id
        )
