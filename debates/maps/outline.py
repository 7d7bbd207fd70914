"""The outline: the map as a numbered tree (1, 1.1, 1.1.2 ...), the text-only twin of the drawing.

Pure: built from the same MapData as the map, no database. A node reached from several
parents is shown in full once (where the depth-first walk first meets it) and elsewhere as
a reference ("See 1.2"), as Kialo does. The result is a flat list, so that a template can
draw nested lists of any depth without recursion.

An undercut (an objection to a supports arrow S -> T rather than to a node) is listed under
S, the node whose link it attacks, after S's pros and cons, with `link_target` naming T.
"""

from dataclasses import dataclass, field

from debates.maps.data import MapData, MapNode
from debates.models import Kind, Relation, Status


@dataclass
class Entry:
    number: str
    node: MapNode
    depth: int
    # "supports" or "opposes": how this node bears on its parent (None for a root).
    relation: str | None = None
    # The number of the full entry, when this one is only a reference to it.
    see: str | None = None
    has_children: bool = False
    # For an undercut: the node that the attacked link (from this entry's parent) points at.
    link_target: MapNode | None = None
    # How many enclosing lists close after this entry (filled in at the end).
    closes: range = field(default_factory=lambda: range(0))
    # Its standing (a standing.Standing), set by a page whose reader may see it; else None.
    standing: object = None

    @property
    def anchor(self) -> str:
        return "o-" + self.number.replace(".", "-")

    @property
    def see_anchor(self) -> str:
        return "o-" + (self.see or "").replace(".", "-")

    @property
    def label(self) -> str:
        """Pro or Con, in words: the outline never relies on colour. A position answers the
        question rather than arguing for it: no label."""
        if self.node.kind == Kind.POSITION and self.depth == 1 and self.relation == Relation.Kind.SUPPORTS:
            return ""
        return {Relation.Kind.SUPPORTS: "Pro", Relation.Kind.OPPOSES: "Con"}.get(self.relation or "", "")

    @property
    def kind_label(self) -> str:
        return Kind(self.node.kind).label if self.node.kind in Kind.values else self.node.kind

    @property
    def pending(self) -> bool:
        return self.node.status != Status.APPROVED


def build_outline(data: MapData, *, show_pending: bool = False) -> list[Entry]:
    """Depth-first from the question; children ordered pros, then cons, then by primary key.
    Nodes not linked to the question follow as further roots (2, 3 ...)."""
    nodes = {n.pk: n for n in data.nodes if show_pending or n.status == Status.APPROVED}
    shown = {r.pk: r for r in data.relations if r.source in nodes and (show_pending or r.status == Status.APPROVED)}
    # (order, child, kind, link target): pros, then cons, then objections to the parent's links.
    children: dict[int, list[tuple[int, int, str, int | None]]] = {}
    for relation in shown.values():
        if relation.target_relation is not None:
            attacked = shown.get(relation.target_relation)
            if attacked is None or attacked.target not in nodes:
                continue
            children.setdefault(attacked.source, []).append((2, relation.source, relation.kind, attacked.target))
            continue
        if relation.target not in nodes:
            continue
        order = 0 if relation.kind == Relation.Kind.SUPPORTS else 1
        children.setdefault(relation.target, []).append((order, relation.source, relation.kind, None))
    for kids in children.values():
        kids.sort(key=lambda kid: (kid[0], kid[1], kid[3] or 0))

    roots = sorted(nodes, key=lambda pk: (nodes[pk].kind != Kind.QUESTION, pk))
    entries: list[Entry] = []
    full: dict[int, str] = {}
    root_number = 0
    for root in roots:
        if root in full:
            continue
        root_number += 1
        # An explicit stack: a long chain of claims must not hit Python's recursion limit.
        stack = [(root, str(root_number), 0, None, None)]
        while stack:
            pk, number, depth, relation, link_target = stack.pop()
            link_node = nodes[link_target] if link_target is not None else None
            if pk in full:
                entries.append(Entry(number, nodes[pk], depth, relation, see=full[pk], link_target=link_node))
                continue
            full[pk] = number
            kids = children.get(pk, [])
            entries.append(Entry(number, nodes[pk], depth, relation, has_children=bool(kids), link_target=link_node))
            for index in range(len(kids), 0, -1):
                _, child, kind, target = kids[index - 1]
                stack.append((child, f"{number}.{index}", depth + 1, kind, target))
    # A reference has no children of its own; an entry whose children were all references
    # still opens a list for them. Close the lists each entry is the last of.
    for index, entry in enumerate(entries):
        next_depth = entries[index + 1].depth if index + 1 < len(entries) else 0
        if not entry.has_children:
            entry.closes = range(entry.depth - next_depth)
    return entries


def outline_numbers(data: MapData, *, show_pending: bool = False) -> dict[int, str]:
    """Each node's number in the outline ({pk: "1.2.3"}): where it is shown in full, not
    where it is only referred to. The map's boxes carry the same numbers."""
    return {
        entry.node.pk: entry.number for entry in build_outline(data, show_pending=show_pending) if entry.see is None
    }
