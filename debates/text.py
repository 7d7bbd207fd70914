"""Text rules shared by every way text comes in: forms, the API, commands, the admin.

Pure functions, no database. What passes here is safe to store on SQLite and
PostgreSQL alike and safe to hand to the renderer: PostgreSQL refuses NUL, and Graphviz cannot
parse a NUL and writes invalid XML for other control characters.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# Newline, carriage return and tab are text; every other C0/C1 control is not.
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


# Bidi classes that can turn the text after a piece of user text around when the piece is
# set inside a longer string: right-to-left letters and the explicit embeddings, overrides
# and isolates (UAX #9, table 4).
_BIDI_TURNING = {"R", "AL", "RLE", "RLO", "LRE", "LRO", "PDF", "RLI", "LRI", "FSI", "PDI"}
FSI, PDI = "\u2068", "\u2069"


def isolate(value: str) -> str:
    """`value` wrapped in FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE (UAX #9) when it
    holds anything that could reverse the text set after it (a right-to-left override, Urdu),
    else unchanged: for user text put into a longer plain string (a notification, an
    <option>'s label), where HTML's <bdi> cannot reach. An isolate also ends any embedding or
    override left open inside it."""
    if any(unicodedata.bidirectional(char) in _BIDI_TURNING for char in value):
        return FSI + value + PDI
    return value


def find_forbidden_character(value: str) -> str | None:
    """Return a description of the first character text may not contain, or None."""
    for index, char in enumerate(value):
        category = unicodedata.category(char)
        if char == "\x00":
            return f"a NUL character at position {index + 1}"
        if category == "Cc" and char not in _ALLOWED_CONTROLS:
            return f"a control character (U+{ord(char):04X}) at position {index + 1}"
        if category == "Cs":
            return f"an unpaired surrogate (U+{ord(char):04X}) at position {index + 1}"
        if category == "Cn" and (0xFDD0 <= ord(char) <= 0xFDEF or ord(char) & 0xFFFE == 0xFFFE):
            return f"a non-character (U+{ord(char):04X}) at position {index + 1}"
    return None


def find_forbidden_parameter(params) -> tuple[str, str] | None:
    """The first query parameter (a QueryDict, or any mapping with lists()) whose name or a
    value holds a character text may not contain: (its name, a sentence saying what and
    where), or None. A name that is itself bad is given as "query", so that the sentence
    never carries the character it refuses."""
    for key, values in params.lists():
        for value in (key, *values):
            problem = find_forbidden_character(value)
            if problem:
                name = key if not find_forbidden_character(key) else "query"
                return name, f"This parameter contains {problem}."
    return None


def validate_clean_text(value: str) -> None:
    """Refuse NUL, control characters and lone surrogates, naming the first one found."""
    problem = find_forbidden_character(value)
    if problem:
        raise ValidationError(
            "This text contains %(problem)s; remove it and try again.",
            code="forbidden_character",
            params={"problem": problem},
        )


# Characters that draw nothing by themselves (Unicode general categories): format
# characters such as zero-width spaces and direction marks (Cf), spaces and separators
# (Zs, Zl, Zp, NBSP included), combining marks with no letter to sit on (Mn, Me), and
# controls (Cc: the newlines and tabs that text may contain).
_INVISIBLE_CATEGORIES = {"Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Cc"}
# Letters and symbols that Unicode lists as default-ignorable or that fonts draw blank:
# the Hangul fillers and the blank Braille pattern, used to fake an empty name or text.
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}


def has_visible_character(value: str) -> bool:
    """Whether any character of `value` draws something (a letter, digit, punctuation or
    symbol), judged by its Unicode general category (UAX #44)."""
    return any(unicodedata.category(char) not in _INVISIBLE_CATEGORIES and char not in _BLANK_LETTERS for char in value)


@deconstructible
class VisibleText:
    """A validator refusing text in which nothing is visible (only spaces, zero-width or
    direction marks, combining marks without a letter), naming `field` in its message:
    such text would be stored as a blank box. Empty text is the `required` check's to refuse."""

    def __init__(self, field: str):
        self.field = field

    def __call__(self, value: str) -> None:
        if value and not has_visible_character(value):
            raise ValidationError(
                "The %(field)s has no visible character: it is only spaces or invisible marks "
                "(such as zero-width spaces, direction marks or lone accents).",
                code="invisible",
                params={"field": self.field},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, VisibleText) and other.field == self.field


def validate_single_line(value: str) -> None:
    """Refuse line breaks in one-line fields such as titles."""
    if "\n" in value or "\r" in value:
        raise ValidationError("This must be a single line.", code="multiline")


def normalize_newlines(value: str) -> str:
    """Turn Windows and old Mac line endings into newlines."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def normalize_text(value: str | None) -> str:
    """Typed text as it is stored: newlines normalized, surrounding white space trimmed."""
    return normalize_newlines(value or "").strip()
