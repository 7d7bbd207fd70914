"""GraphML export, for yEd and Gephi (GraphML 1.0, graphml.graphdrawing.org).

Nodes carry `label` (the text, which yEd and Gephi show), `text` and `kind` data; edges
carry `kind` (supports/opposes). GraphML edges cannot end on edges, so a supports link that
an undercut attacks is drawn the AIF way: a small node of kind `link` (label "supports")
between its two statements, edges source -> link -> target, and the undercut as an opposes
edge into that node. Ids come from positions (n1, e1, l1), never from text. Text needs no
further checks here: check_map() has already refused control characters, which XML 1.0
cannot hold.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from debates.interchange.model import ArgumentMap, check_map

_KEYS = (
    ("label", "node", "label"),
    ("text", "node", "text"),
    ("kind", "node", "kind"),
    ("edge_kind", "edge", "kind"),
)


def _text(value: str) -> str:
    # XML parsers turn a raw carriage return into a newline; a character reference survives.
    return escape(value, {"\r": "&#13;"})


def write(argument_map: ArgumentMap) -> str:
    """The map as GraphML text (UTF-8 XML, same map -> same text)."""
    check_map(argument_map)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    ]
    for key_id, domain, name in _KEYS:
        out.append(f'  <key id="{key_id}" for="{domain}" attr.name="{name}" attr.type="string"/>')
    out.append('  <graph id="G" edgedefault="directed">')
    out.append(f"    <desc>{_text(argument_map.title)}</desc>")
    node_of = {}
    for index, statement in enumerate(argument_map.statements, start=1):
        node_of[statement.id] = f"n{index}"
        out.append(f'    <node id="n{index}">')
        for key, value in (("label", statement.text), ("text", statement.text), ("kind", statement.kind)):
            out.append(f'      <data key="{key}">{_text(value)}</data>')
        out.append("    </node>")
    attacked = {link.target_link for link in argument_map.relations if link.target_link is not None}
    link_node = {}
    for index, link_id in enumerate(sorted(attacked, key=[lk.id for lk in argument_map.relations].index), 1):
        link_node[link_id] = f"l{index}"
        out.append(f'    <node id="l{index}">')
        out.append('      <data key="label">supports</data>')
        out.append('      <data key="kind">link</data>')
        out.append("    </node>")
    edges: list[tuple[str, str, str]] = []
    for link in argument_map.relations:
        source = node_of[link.source]
        if link.target_link is not None:
            edges.append((source, link_node[link.target_link], link.kind))
        elif link.id in link_node:
            edges.append((source, link_node[link.id], link.kind))
            edges.append((link_node[link.id], node_of[link.target], link.kind))
        else:
            edges.append((source, node_of[link.target], link.kind))
    for index, (source, target, kind) in enumerate(edges, start=1):
        out.append(f'    <edge id="e{index}" source={quoteattr(source)} target={quoteattr(target)}>')
        out.append(f'      <data key="edge_kind">{kind}</data>')
        out.append("    </edge>")
    out += ["  </graph>", "</graphml>", ""]
    return "\n".join(out)
