"""Content of the demo debate: how Pakistan should respond to the TTP's resurgence.

The content is data, kept in content.json beside this module as a teacher would have entered
it; this module reads it once, checks its shape and hands it to load_demo as Python values.
Pure data, no Django imports. Every quote is copied verbatim from the .txt file of its source
and occurs exactly once in that file.

content.json is one object:

- "question", "description", "slug": strings.
- "sources": {source key: {"file" (a .txt file beside this module), "title", "author",
  "outlet", "url": strings, "published": "YYYY-MM-DD" or null}}.
- "sections": the approved nodes and relations, grouped under a "heading" as a teacher
  entered them: a list of {"heading", "nodes", "relations"}. A node is {"key", "kind"
  ("position", "claim" or "evidence"), "text", "quote": [source key, passage] or null}; a
  relation is [from key, to key, "supports" or "opposes"], where "question" is the key of the
  debate's question node.
- "pending": student contributions waiting in the teacher's moderation queue, each {"author"
  (a demo user name), "kind", "text", "quote", "target" (a node key or "question"),
  "relation" ("supports" or "opposes")}.
"""

import json
from datetime import date
from pathlib import Path
from typing import NamedTuple

PATH = Path(__file__).with_name("content.json")
QUESTION_KEY = "question"
NODE_KINDS = ("position", "claim", "evidence")
RELATION_KINDS = ("supports", "opposes")

_SOURCE_FIELDS = {"file": str, "title": str, "author": str, "outlet": str, "published": (str, type(None)), "url": str}
_NODE_FIELDS = {"key": str, "kind": str, "text": str, "quote": (list, type(None))}
_PENDING_FIELDS = {"author": str, "kind": str, "text": str, "quote": (list, type(None)), "target": str, "relation": str}
_TYPE_NAMES = {str: "a string", list: "a list", dict: "an object", type(None): "null"}


class ContentError(ValueError):
    """content.json does not have the shape this module's docstring describes; the message
    names the entry at fault (e.g. `content.json: sections[1].nodes[3] "ttp-message"`) and
    what is wrong."""


class Content(NamedTuple):
    """The demo debate as load_demo builds it."""

    question: str
    description: str
    slug: str
    # source key -> {"file", "title", "author", "outlet", "published" (a date or None), "url"}
    sources: dict[str, dict]
    # Every section's nodes in file order, each {"key", "kind", "text", "quote"}, the quote a
    # (source key, passage) tuple or None.
    nodes: list[dict]
    # (from key, to key, kind), in file order: a node's first relation is the one it is submitted with.
    relations: list[tuple[str, str, str]]
    # {"author", "kind", "text", "quote", "target", "relation"}, the quote as for nodes.
    pending: list[dict]


def read(path: Path = PATH) -> Content:
    """The demo content in `path`, checked against the shape in this module's docstring.

    Raises ContentError naming the first malformed entry: a missing, unknown or mistyped field,
    an unknown kind, a repeated node key, or a quote, relation or pending item that names a
    source or node the file does not have.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ContentError(f"{path.name}: not valid JSON: {error}") from error
    top = _fields(
        raw,
        path.name,
        {"question": str, "description": str, "slug": str, "sources": dict, "sections": list, "pending": list},
    )
    sources = {key: _source(spec, f'{path.name}: sources "{key}"') for key, spec in top["sources"].items()}

    nodes, keys, relations = [], {QUESTION_KEY}, []
    for i, section in enumerate(top["sections"]):
        where = f"{path.name}: sections[{i}]"
        section = _fields(section, where, {"heading": str, "nodes": list, "relations": list})
        for j, spec in enumerate(section["nodes"]):
            node = _node(spec, f"{where}.nodes[{j}]", sources)
            if node["key"] in keys:
                raise ContentError(f'{where}.nodes[{j}]: the key "{node["key"]}" is taken already')
            keys.add(node["key"])
            nodes.append(node)
        # Checked once every key is known: a relation may point at a later section's node.
        relations += [(relation, f"{where}.relations[{j}]") for j, relation in enumerate(section["relations"])]
    relations = [_relation(relation, where, keys) for relation, where in relations]

    pending = []
    for i, spec in enumerate(top["pending"]):
        where = f"{path.name}: pending[{i}]"
        item = _node(spec, where, sources, fields=_PENDING_FIELDS)
        _check_link(item["target"], item["relation"], keys, where)
        pending.append(item)

    return Content(
        question=top["question"],
        description=top["description"],
        slug=top["slug"],
        sources=sources,
        nodes=nodes,
        relations=relations,
        pending=pending,
    )


def _fields(value: object, where: str, fields: dict[str, type | tuple[type, ...]]) -> dict:
    """`value` if it is an object with exactly `fields`, each of its type(s)."""
    if not isinstance(value, dict):
        raise ContentError(f"{where}: expected an object with {', '.join(fields)}")
    missing = [name for name in fields if name not in value]
    unknown = [name for name in value if name not in fields]
    if missing:
        raise ContentError(f"{where}: missing {', '.join(missing)}")
    if unknown:
        raise ContentError(f"{where}: unknown field {', '.join(unknown)}")
    for name, kinds in fields.items():
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        if not isinstance(value[name], kinds):
            raise ContentError(f'{where}: "{name}" must be {" or ".join(_TYPE_NAMES[k] for k in kinds)}')
    return value


def _source(spec: object, where: str) -> dict:
    source = dict(_fields(spec, where, _SOURCE_FIELDS))
    if source["published"] is not None:
        try:
            source["published"] = date.fromisoformat(source["published"])
        except ValueError as error:
            raise ContentError(f'{where}: "published" must be YYYY-MM-DD or null') from error
    return source


def _node(spec: object, where: str, sources: dict, fields: dict = _NODE_FIELDS) -> dict:
    """A node (or, with _PENDING_FIELDS, a pending item), its quote made a tuple."""
    if isinstance(spec, dict) and isinstance(spec.get("key"), str):
        where = f'{where} "{spec["key"]}"'
    node = dict(_fields(spec, where, fields))
    if node["kind"] not in NODE_KINDS:
        raise ContentError(f'{where}: "kind" must be one of {", ".join(NODE_KINDS)}, not "{node["kind"]}"')
    if not node["text"].strip():
        raise ContentError(f'{where}: "text" is empty')
    quote = node["quote"]
    if quote is not None:
        if len(quote) != 2 or not all(isinstance(part, str) and part for part in quote):
            raise ContentError(f'{where}: "quote" must be [source key, passage] or null')
        if quote[0] not in sources:
            raise ContentError(f'{where}: the quote names the unknown source "{quote[0]}"')
        node["quote"] = tuple(quote)
    return node


def _relation(relation: object, where: str, keys: set[str]) -> tuple[str, str, str]:
    if not (isinstance(relation, list) and len(relation) == 3 and all(isinstance(part, str) for part in relation)):
        raise ContentError(f'{where}: a relation is [from key, to key, "supports" or "opposes"]')
    source, target, kind = relation
    if source not in keys or source == QUESTION_KEY:
        raise ContentError(f'{where}: "{source}" is not the key of a node')
    _check_link(target, kind, keys, where)
    return (source, target, kind)


def _check_link(target: str, kind: str, keys: set[str], where: str) -> None:
    if target not in keys:
        raise ContentError(f'{where}: "{target}" is not the key of a node or "{QUESTION_KEY}"')
    if kind not in RELATION_KINDS:
        raise ContentError(f'{where}: the relation must be one of {", ".join(RELATION_KINDS)}, not "{kind}"')


# Read once, when load_demo (or a test) first imports this module: a malformed file stops
# there, with the entry named, before anything is written.
QUESTION, DESCRIPTION, SLUG, SOURCES, NODES, RELATIONS, PENDING = read()
