"""The debate file: a whole debate in one JSON file that loses nothing on the way out and in.

It IS valid AIF (top-level "nodes", "edges", "locutions", exactly as aif.write_document()
gives them, so AIF tools read its argument structure), plus what AIF cannot hold under the
extra top-level key "counterpoint":

    {"version": 1,
     "question": "...",                       # ArgumentMap.title
     "statements": [{"id", "kind", "status", "quote": null | {"source", "text", "start", "end"}}],
     "relations":  [{"id", "source", "kind", "target" | "target_relation", "status"}],
     "sources":    [{"id", "title", "author", "outlet", "published", "url", "text"}]}

The i-th statement is the AIF I-node with nodeID str(i + 1) and takes its text from it; the
relations follow in the same way, one RA or CA node each. The reader is strict: version,
every key and type, quotes against their source's text, and the AIF part must be exactly what
the writer would write for the "counterpoint" part. The writer is deterministic (sorted keys,
two-space indent, ids in map order), so read(write(m)) == m and write(read(f)) == f.
"""

from __future__ import annotations

import datetime
import json
from typing import BinaryIO

from debates.interchange import aif, model
from debates.interchange.model import ArgumentMap, FormatError, Link, Quote, SourceDoc, Statement

VERSION = 1
STATUSES = (None, "pending", "approved", "rejected", "returned")
_SOURCE_KEYS = {"id", "title", "author", "outlet", "published", "url", "text"}


def to_document(argument_map: ArgumentMap) -> dict:
    """The debate file as a dict (AIF keys plus "counterpoint")."""
    document = aif.write_document(argument_map)
    document["counterpoint"] = {
        "version": VERSION,
        "question": argument_map.title,
        "statements": [
            {
                "id": s.id,
                "kind": s.kind,
                "status": s.status,
                "quote": None
                if s.quote is None
                else {"source": s.quote.source_id, "text": s.quote.text, "start": s.quote.start, "end": s.quote.end},
            }
            for s in argument_map.statements
        ],
        "relations": [
            {
                "id": link.id,
                "source": link.source,
                "kind": link.kind,
                "status": link.status,
                **({"target": link.target} if link.target is not None else {"target_relation": link.target_link}),
            }
            for link in argument_map.relations
        ],
        "sources": [
            {
                "id": src.id,
                "title": src.title,
                "author": src.author,
                "outlet": src.outlet,
                "published": src.published,
                "url": src.url,
                "text": src.text,
            }
            for src in argument_map.sources
        ],
    }
    return document


def write(argument_map: ArgumentMap) -> str:
    """The debate file as text: UTF-8 JSON, sorted keys, same map -> same bytes."""
    return json.dumps(to_document(argument_map), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _get(obj: dict, key: str, kind: type | tuple, where: str, *, node_id: str | None = None, optional=False):
    if key not in obj:
        raise FormatError(f'{where} has no "{key}".', node_id=node_id)
    value = obj[key]
    if value is None and optional:
        return None
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        name = {str: "a string", int: "a whole number", list: "a list", dict: "an object"}.get(kind, str(kind))
        raise FormatError(f'{where}\'s "{key}" is not {name}.', node_id=node_id)
    return value


def _only(obj: object, keys: set[str], where: str, node_id: str | None = None) -> dict:
    if not isinstance(obj, dict):
        raise FormatError(f"{where} is not an object.", node_id=node_id)
    unknown = sorted(set(obj) - keys)
    if unknown:
        raise FormatError(f"{where} has unknown keys: {', '.join(unknown)}.", node_id=node_id)
    return obj


def read(
    data: bytes | str | BinaryIO,
    *,
    max_bytes: int = model.DEFAULT_MAX_BYTES,
    max_statements: int = model.DEFAULT_MAX_STATEMENTS,
) -> ArgumentMap:
    """Read a debate file (bytes, str or a binary file object); FormatError naming the node
    or relation id and the reason for anything out of place."""
    document = aif.load_json(data, max_bytes=max_bytes)
    if not isinstance(document, dict) or "counterpoint" not in document:
        raise FormatError('This is not a debate file: it has no "counterpoint" section (plain AIF?).')
    cp = _only(
        document["counterpoint"],
        {"version", "question", "statements", "relations", "sources"},
        "The counterpoint section",
    )
    version = cp.get("version")
    if version != VERSION or isinstance(version, bool):
        raise FormatError(f"This debate file is version {version!r}; this Counterpoint reads version {VERSION}.")
    question = _get(cp, "question", str, "The counterpoint section")
    raw_statements = _get(cp, "statements", list, "The counterpoint section")
    raw_relations = _get(cp, "relations", list, "The counterpoint section")
    raw_sources = _get(cp, "sources", list, "The counterpoint section")
    model.check_count(len(raw_statements), max_statements=max_statements)
    nodes = document.get("nodes")
    if not isinstance(nodes, list) or len(nodes) < len(raw_statements):
        raise FormatError("The AIF nodes do not match the counterpoint section's statements.")

    sources = []
    for raw in raw_sources:
        raw = _only(raw, _SOURCE_KEYS, "A source")
        source_id = _get(raw, "id", str, "A source")
        fields = {
            key: _get(raw, key, str, "The source", node_id=source_id)
            for key in ("title", "author", "outlet", "url", "text")
        }
        published = _get(raw, "published", str, "The source", node_id=source_id, optional=True)
        if published is not None:
            try:
                datetime.date.fromisoformat(published)
            except ValueError:
                raise FormatError(f"The source's date {published!r} is not YYYY-MM-DD.", node_id=source_id) from None
        sources.append(SourceDoc(id=source_id, published=published, **fields))

    statements = []
    for index, raw in enumerate(raw_statements):
        raw = _only(raw, {"id", "kind", "status", "quote"}, f"Statement number {index + 1}")
        statement_id = _get(raw, "id", str, f"Statement number {index + 1}")
        node = nodes[index]
        if not isinstance(node, dict) or node.get("type") != "I" or node.get("nodeID") != str(index + 1):
            raise FormatError(f"AIF node {index + 1} should be this statement's I-node.", node_id=statement_id)
        status = raw.get("status")
        if status not in STATUSES:
            raise FormatError(f"Unknown status {status!r}.", node_id=statement_id)
        quote = None
        if raw.get("quote") is not None:
            q = _only(raw["quote"], {"source", "text", "start", "end"}, "The quote", statement_id)
            quote = Quote(
                source_id=_get(q, "source", str, "The quote", node_id=statement_id),
                text=_get(q, "text", str, "The quote", node_id=statement_id),
                start=_get(q, "start", int, "The quote", node_id=statement_id),
                end=_get(q, "end", int, "The quote", node_id=statement_id),
            )
        kind = _get(raw, "kind", str, "The statement", node_id=statement_id)
        statements.append(Statement(id=statement_id, text=node.get("text"), kind=kind, quote=quote, status=status))

    relations = []
    for index, raw in enumerate(raw_relations):
        keys = {"id", "source", "kind", "status", "target", "target_relation"}
        raw = _only(raw, keys, f"Relation number {index + 1}")
        link_id = _get(raw, "id", str, f"Relation number {index + 1}")
        if ("target" in raw) == ("target_relation" in raw):
            raise FormatError('A relation has exactly one of "target" and "target_relation".', node_id=link_id)
        status = raw.get("status")
        if status not in STATUSES:
            raise FormatError(f"Unknown status {status!r}.", node_id=link_id)
        target = _get(raw, "target", str, "The relation", node_id=link_id) if "target" in raw else None
        target_link = (
            _get(raw, "target_relation", str, "The relation", node_id=link_id) if "target_relation" in raw else None
        )
        relations.append(
            Link(
                id=link_id,
                source=_get(raw, "source", str, "The relation", node_id=link_id),
                kind=_get(raw, "kind", str, "The relation", node_id=link_id),
                target=target,
                target_link=target_link,
                status=status,
            )
        )

    argument_map = model.check_map(
        ArgumentMap(title=question, statements=tuple(statements), relations=tuple(relations), sources=tuple(sources))
    )
    expected = aif.write_document(argument_map)
    for key in ("nodes", "edges", "locutions"):
        if document.get(key) != expected[key]:
            raise FormatError(f'The AIF "{key}" do not match the counterpoint section (edited by hand?).')
    unknown = sorted(set(document) - {"nodes", "edges", "locutions", "counterpoint"})
    if unknown:
        raise FormatError(f"The file has unknown top-level keys: {', '.join(unknown)}.")
    return argument_map
