"""Argument maps in and out: pure readers and writers for AIF, Kialo, Argdown, GraphML and
the debate file. Text in, data out; no database. Every reader is

    read(data: bytes | str | BinaryIO, *, max_bytes: int, max_statements: int) -> ArgumentMap

and raises model.FormatError; every writer is write(argument_map: ArgumentMap) -> str.
"""

from debates.interchange import aif, argdown, debatefile, graphml, kialo

READERS = {"aif": aif.read, "kialo": kialo.read, "argdown": argdown.read, "debate": debatefile.read}
# What each reader reads, named as a teacher knows it: the import form's choices.
READ_FORMATS = {
    "aif": "AIF JSON (OVA, AIFdb)",
    "kialo": "Kialo discussion export",
    "argdown": "Argdown",
    "debate": "Counterpoint debate file",
}
WRITERS = {
    "aif": aif.write,
    "kialo": kialo.write,
    "argdown": argdown.write,
    "graphml": graphml.write,
    "debate": debatefile.write,
}


def detect(head: bytes) -> str:
    """The reader a file's first bytes suggest ("aif", "debate", "kialo" or "argdown"), for
    an upload form's default; the caller should still let the teacher choose."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"{"):
        return "debate" if b'"counterpoint"' in head else "aif"
    if text.startswith((b"Discussion Title:", b"Discussion Name:")):
        return "kialo"
    return "argdown"
