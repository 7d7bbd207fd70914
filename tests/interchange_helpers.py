"""Shared pieces of the interchange tests: a map's shape without ids, hostile text, limits,
what a reader says when it refuses a file."""

import io
import pathlib

import pytest
from hypothesis import strategies as st

from debates.interchange.model import ArgumentMap, FormatError, is_visible

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "interchange"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def shape(argument_map: ArgumentMap, text=lambda t: t) -> tuple[frozenset, frozenset]:
    """The statements (kind aside) and relations of a map by their texts: what survives a
    format round trip whatever ids the format gives. `text` normalises as the format does."""
    texts = {s.id: text(s.text) for s in argument_map.statements}
    links = {link.id: link for link in argument_map.relations}

    def end(link):
        if link.target is not None:
            return texts[link.target]
        attacked = links[link.target_link]
        return ("link", texts[attacked.source], attacked.kind, texts[attacked.target])

    return (
        frozenset(texts.values()),
        frozenset((texts[link.source], link.kind, end(link)) for link in argument_map.relations),
    )


# Text a student or another tool might write: quotes, backslashes, markup characters, line
# breaks, zero-width and direction marks, Urdu, emoji.
HOSTILE_ALPHABET = st.sampled_from(
    list("aZ09 .:,;!?'\"\\/<>[]{}()#*_@+-=&%$~`|\n\t")
    + ["\u200b", "\u200f", "\u200e", "\u202e", "\u00a0", "اردو", "ں", "😀", "👩🏽‍🏫", "é", "\u2028"]
)
hostile_text = (
    st.lists(HOSTILE_ALPHABET, min_size=1, max_size=40)
    .map("".join)
    .map(str.strip)
    .filter(lambda t: is_visible(t) and t.strip() == t)
)


class CountingReader(io.RawIOBase):
    """A binary file of `size` bytes of `fill` that is never held in memory; counts what is read."""

    def __init__(self, size: int, fill: bytes = b"a"):
        self.size, self.fill, self.given = size, fill, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.size - self.given)
        buffer[:n] = self.fill * n
        self.given += n
        return n


def refusal(read, data, **limits) -> str:
    """The message of the FormatError that read(data, **limits) raises; fails the test if it
    raises none."""
    with pytest.raises(FormatError) as error:
        read(data, **limits)
    return str(error.value)
