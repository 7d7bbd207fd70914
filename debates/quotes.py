"""Quote anchoring: find a passage in a source's text and check a stored one.

Offsets count code points (Python string indices), as the W3C text-position selector
does. Pure functions, no database.
"""

import re
from dataclasses import dataclass

# Characters a student's copy of a passage may have in place of the source's own.
_EQUIVALENTS = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark / apostrophe
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "`": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u2026": "...",
}


class QuoteError(ValueError):
    """A passage that cannot be anchored; the message says why."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Anchor:
    """A passage as it stands in the source: its exact text and offsets."""

    text: str
    start: int
    end: int


def _fold(text: str) -> tuple[str, list[int]]:
    """Fold typographic variants and runs of whitespace; map each folded char to its source index."""
    folded: list[str] = []
    positions: list[int] = []
    in_space = False
    for index, char in enumerate(text):
        if char.isspace() and char != "\u00a0":
            if in_space:
                continue
            in_space = True
            folded.append(" ")
            positions.append(index)
            continue
        in_space = False
        replacement = _EQUIVALENTS.get(char, char)
        if replacement == " ":
            in_space = True
        for part in replacement:
            folded.append(part)
            positions.append(index)
    return "".join(folded), positions


def _occurrences(haystack: str, needle: str) -> list[int]:
    return [m.start() for m in re.finditer(f"(?={re.escape(needle)})", haystack)]


def locate(source_text: str, passage: str) -> Anchor:
    """Find the passage in the source; an exact match first, then one that differs only in
    whitespace, curly versus straight quotes or dashes. Returns the source's own text."""
    needle = passage.strip()
    if not needle:
        raise QuoteError("The quote is empty.", code="empty")
    exact = _occurrences(source_text, needle)
    if len(exact) == 1:
        return Anchor(needle, exact[0], exact[0] + len(needle))
    if len(exact) > 1:
        raise QuoteError(
            f"The passage appears {len(exact)} times in the source; quote more of it so that it is unique.",
            code="ambiguous",
        )
    folded_source, positions = _fold(source_text)
    folded_needle, _ = _fold(needle)
    folded_needle = folded_needle.strip()
    found = _occurrences(folded_source, folded_needle) if folded_needle else []
    if not found:
        raise QuoteError(
            "The passage does not appear in the source; copy it exactly as the op-ed has it.", code="absent"
        )
    if len(found) > 1:
        raise QuoteError(
            f"The passage appears {len(found)} times in the source; quote more of it so that it is unique.",
            code="ambiguous",
        )
    start = positions[found[0]]
    end = positions[found[0] + len(folded_needle) - 1] + 1
    return Anchor(source_text[start:end], start, end)


def verify(source_text: str, text: str, start: int, end: int) -> None:
    """Raise QuoteError unless the text stands at exactly those offsets of the source."""
    if start < 0 or end <= start:
        raise QuoteError("The quote's start must be at least 0 and its end after its start.", code="offsets")
    if end > len(source_text):
        raise QuoteError(
            f"The quote ends at {end}, past the end of the source ({len(source_text)} characters).", code="offsets"
        )
    if source_text[start:end] != text:
        raise QuoteError(
            f"The quote's text is not what the source has at {start}-{end}; select the passage again.",
            code="mismatch",
        )


def paragraph_around(source_text: str, start: int, end: int) -> tuple[str, str, str]:
    """The paragraph holding [start, end), split as (before, quote, after), for showing a quote in context."""
    para_start = source_text.rfind("\n\n", 0, start)
    para_start = 0 if para_start == -1 else para_start + 2
    para_end = source_text.find("\n\n", end)
    para_end = len(source_text) if para_end == -1 else para_end
    return source_text[para_start:start], source_text[start:end], source_text[end:para_end]
