"""AIF JSON, as AIFdb and OVA write it: {"nodes": [...], "edges": [...], "locutions": [...]}.

Reading (Reed et al., "The Argument Interchange Format", and AIFdb's JSON): I-nodes are
statements; an RA node with premises P1..Pk and conclusion C gives one supports link Pi -> C
per premise; a CA node gives opposes links; an RA or CA whose conclusion is an RA is an
undercut of the links that RA gave. Dialogue nodes (L, YA, TA, MA, PA and any other type)
are counted and skipped with a warning. The same premise in several RAs to one conclusion
is one link. Statement ids are the file's nodeIDs as strings (AIFdb writes ints, OVA strings).
AIF holds no question, kinds, quotes or sources: every statement is a claim and the map's
title is "" (the debate file carries the rest).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import BinaryIO

from debates.interchange import model
from debates.interchange.model import ArgumentMap, FormatError, Link, Statement

SCHEME_NODES = {"RA": "supports", "CA": "opposes"}
_SCHEME_TEXT = {"supports": "Default Inference", "opposes": "Default Conflict"}


def load_json(data: bytes | str | BinaryIO, *, max_bytes: int) -> object:
    """Parsed JSON, or FormatError: too large, not UTF-8, cut short or not JSON (with its
    line), or nested too deeply for the parser."""
    text = model.read_text(data, max_bytes=max_bytes)
    try:
        return json.loads(text)
    except RecursionError:
        raise FormatError("The JSON is nested too deeply.") from None
    except json.JSONDecodeError as error:
        # Strict JSON strings cannot hold a raw line break, so an unterminated one ran to the end.
        cut = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        reason = "the file ends too early (cut short?)" if cut else error.msg
        raise FormatError(f"This is not valid JSON: {reason}.", line=error.lineno) from None


def _node_id(value: object, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise FormatError(f"{where} is not a node id (a number or a string).")
    return str(value)


def read(
    data: bytes | str | BinaryIO,
    *,
    max_bytes: int = model.DEFAULT_MAX_BYTES,
    max_statements: int = model.DEFAULT_MAX_STATEMENTS,
) -> ArgumentMap:
    """Read AIF JSON (bytes, str or a binary file object) into an ArgumentMap; FormatError
    naming the node id and the reason for anything that cannot be read."""
    document = load_json(data, max_bytes=max_bytes)
    return from_document(document, max_statements=max_statements)


def from_document(document: object, *, max_statements: int = model.DEFAULT_MAX_STATEMENTS) -> ArgumentMap:
    """As read(), from JSON already parsed (the debate file reads its AIF part this way)."""
    if isinstance(document, dict) and isinstance(document.get("AIF"), dict):
        document = document["AIF"]  # xAIF wraps plain AIF under "AIF"
    if not isinstance(document, dict) or not isinstance(document.get("nodes"), list):
        raise FormatError('This is not AIF: expected an object with a "nodes" list.')
    edges_in = document.get("edges", [])
    if not isinstance(edges_in, list):
        raise FormatError('"edges" is not a list.')

    types: dict[str, str] = {}
    texts: dict[str, object] = {}
    i_count = 0
    for position, node in enumerate(document["nodes"]):
        if not isinstance(node, dict):
            raise FormatError(f"Node number {position + 1} in the list is not an object.")
        node_id = _node_id(node.get("nodeID"), f"The nodeID of node number {position + 1}")
        if node_id in types:
            raise FormatError("Two nodes have this nodeID.", node_id=node_id)
        node_type = node.get("type")
        if not isinstance(node_type, str) or not node_type:
            raise FormatError("The node has no type.", node_id=node_id)
        types[node_id] = node_type
        if node_type == "I":
            i_count += 1
            model.check_count(i_count, max_statements=max_statements, node_id=node_id)
            texts[node_id] = model.check_text(node.get("text"), node_id=node_id)

    incoming: dict[str, list[str]] = {node_id: [] for node_id in types}
    outgoing: dict[str, list[str]] = {node_id: [] for node_id in types}
    dangling = 0
    for position, edge in enumerate(edges_in):
        if not isinstance(edge, dict):
            raise FormatError(f"Edge number {position + 1} in the list is not an object.")
        from_id = _node_id(edge.get("fromID"), f"The fromID of edge {edge.get('edgeID', position + 1)}")
        to_id = _node_id(edge.get("toID"), f"The toID of edge {edge.get('edgeID', position + 1)}")
        if from_id not in types or to_id not in types:
            dangling += 1
            continue
        outgoing[from_id].append(to_id)
        incoming[to_id].append(from_id)

    warnings: list[str] = []
    relations: dict[tuple, Link] = {}
    links_of: dict[str, list[str]] = {}  # S-node id -> ids of the links it gave
    skipped_s: list[str] = []
    resolving: set[str] = set()

    def relation_id(source: str, kind: str, target: str | None, target_link: str | None) -> str:
        key = (source, kind, target, target_link)
        if key not in relations:
            link_id = str(len(relations) + 1)
            relations[key] = Link(id=link_id, source=source, kind=kind, target=target, target_link=target_link)
        return relations[key].id

    def resolve(s_id: str) -> list[str]:
        """The links an RA or CA node gives, resolving the S-node it attacks first."""
        if s_id in links_of:
            return links_of[s_id]
        if s_id in resolving:
            raise FormatError("This node is part of a cycle of inferences attacking each other.", node_id=s_id)
        resolving.add(s_id)
        kind = SCHEME_NODES[types[s_id]]
        premises = sorted({p for p in incoming[s_id] if types[p] == "I"}, key=_id_order)
        conclusions = [c for c in outgoing[s_id] if types[c] == "I" or types[c] in SCHEME_NODES]
        made: list[str] = []
        if not premises or len(set(conclusions)) != 1:
            what = "no premise" if not premises else "no conclusion" if not conclusions else "several conclusions"
            skipped_s.append(f"{types[s_id]} node {s_id} ({what})")
        elif types[conclusions[0]] == "I":
            made = [relation_id(p, kind, conclusions[0], None) for p in premises]
        elif kind == "opposes" and types[conclusions[0]] == "RA":
            attacked = [lid for lid in resolve(conclusions[0]) if _link(relations, lid).target is not None]
            made = [relation_id(p, kind, None, lid) for p in premises for lid in attacked]
            if not made:
                skipped_s.append(f"CA node {s_id} (the inference it attacks was skipped)")
        else:
            what = "it supports an inference" if kind == "supports" else "it attacks a conflict"
            skipped_s.append(f"{types[s_id]} node {s_id} ({what}, which Counterpoint cannot hold)")
        resolving.discard(s_id)
        links_of[s_id] = made
        return made

    for node_id in sorted(types, key=_id_order):
        if types[node_id] in SCHEME_NODES:
            resolve(node_id)

    skipped = Counter(t for t in types.values() if t != "I" and t not in SCHEME_NODES)
    if skipped:
        parts = ", ".join(f"{t}: {n}" for t, n in sorted(skipped.items()))
        warnings.append(f"Skipped {sum(skipped.values())} dialogue and other non-argument nodes ({parts}).")
    if skipped_s:
        warnings.append(f"Skipped {len(skipped_s)} scheme nodes: " + "; ".join(skipped_s) + ".")
    if dangling:
        warnings.append(f"Skipped {dangling} edges naming a node the file does not have.")

    statements = tuple(Statement(id=i, text=texts[i]) for i in sorted(texts, key=_id_order))
    return model.check_map(
        ArgumentMap(title="", statements=statements, relations=tuple(relations.values()), warnings=tuple(warnings))
    )


def _link(relations: dict[tuple, Link], link_id: str) -> Link:
    return next(link for link in relations.values() if link.id == link_id)


def _id_order(node_id: str) -> tuple:
    """Numeric ids in numeric order, then the rest in text order: deterministic for both."""
    return (0, int(node_id), "") if node_id.isdigit() else (1, 0, node_id)


def write_document(argument_map: ArgumentMap) -> dict:
    """The map as an AIF document (a dict): I-nodes numbered 1..n in the map's statement order,
    then one RA (supports) or CA (opposes) per link, edges I -> S -> I, an undercut as CA -> RA.
    Returns the dict and nothing else; ids are strings, as OVA writes them."""
    model.check_map(argument_map)
    nodes: list[dict] = []
    edges: list[dict] = []
    node_of: dict[str, str] = {}
    for statement in argument_map.statements:
        node_of[statement.id] = str(len(nodes) + 1)
        nodes.append({"nodeID": node_of[statement.id], "text": statement.text, "type": "I"})
    scheme_of: dict[str, str] = {}
    for link in argument_map.relations:
        scheme_of[link.id] = str(len(nodes) + 1)
        node_type = "RA" if link.kind == "supports" else "CA"
        nodes.append(
            {
                "nodeID": scheme_of[link.id],
                "text": _SCHEME_TEXT[link.kind],
                "type": node_type,
                "scheme": _SCHEME_TEXT[link.kind],
            }
        )
    for link in argument_map.relations:
        target = node_of[link.target] if link.target is not None else scheme_of[link.target_link]
        for from_id, to_id in ((node_of[link.source], scheme_of[link.id]), (scheme_of[link.id], target)):
            edges.append({"edgeID": str(len(edges) + 1), "fromID": from_id, "toID": to_id, "formEdgeID": None})
    return {"nodes": nodes, "edges": edges, "locutions": []}


def write(argument_map: ArgumentMap) -> str:
    """The map as AIF JSON text (UTF-8, two-space indent, same map -> same bytes)."""
    return json.dumps(write_document(argument_map), ensure_ascii=False, indent=2) + "\n"
