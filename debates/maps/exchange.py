"""A debate's map as an interchange ArgumentMap, for the AIF, Argdown, Kialo, GraphML and
debate-file writers of debates/interchange/. Pure: built from the MapData and sources that
data.py loads, no database.

Ids are positions, not primary keys: statements "1".."n" in pk order (the question first, as
the debate made it first), relations and sources likewise. So the same map gives the same
bytes on every server, and a debate file imported (which creates rows in file order) and
exported again gives back the file it came from.
"""

from debates.interchange import WRITERS
from debates.interchange.model import ArgumentMap, Link, Quote, SourceDoc, Statement
from debates.maps.data import MapData, MapSource

# URL suffix (map.<suffix>) -> (writer, content type).
FORMATS = {
    "aif.json": ("aif", "application/json"),
    "argdown": ("argdown", "text/plain; charset=utf-8"),
    "kialo.txt": ("kialo", "text/plain; charset=utf-8"),
    "graphml": ("graphml", "application/graphml+xml"),
    "debate.json": ("debate", "application/json"),
}
# export_map --format name -> URL suffix.
SUFFIXES = {writer: suffix for suffix, (writer, _) in FORMATS.items()}


def argument_map(data: MapData, sources: tuple[MapSource, ...], *, show_pending: bool = False) -> ArgumentMap:
    """The map's nodes, relations (undercuts as links to links) and sources as an ArgumentMap
    titled with the debate's question. Only approved items unless show_pending; a relation
    whose ends are not in the map is left out."""
    nodes = sorted((n for n in data.nodes if show_pending or n.status == "approved"), key=lambda n: n.pk)
    source_ids = {s.pk: str(index) for index, s in enumerate(sorted(sources, key=lambda s: s.pk), 1)}
    node_ids = {n.pk: str(index) for index, n in enumerate(nodes, 1)}
    statements = []
    for node in nodes:
        quote = None
        if node.quote_source in source_ids and node.quote_start is not None:
            quote = Quote(source_ids[node.quote_source], node.quote, node.quote_start, node.quote_end)
        statements.append(Statement(node_ids[node.pk], node.text, node.kind, quote, node.status))
    relations = sorted((r for r in data.relations if show_pending or r.status == "approved"), key=lambda r: r.pk)
    kept = {r.pk for r in relations if r.source in node_ids and r.target in node_ids}
    kept |= {r.pk for r in relations if r.source in node_ids and r.target_relation in kept}
    relation_ids = {pk: str(index) for index, pk in enumerate(sorted(kept), 1)}
    links = []
    for r in relations:
        if r.pk not in kept:
            continue
        if r.target is not None:
            links.append(
                Link(relation_ids[r.pk], node_ids[r.source], r.kind, target=node_ids[r.target], status=r.status)
            )
        else:
            link_id, attacked = relation_ids[r.pk], relation_ids[r.target_relation]
            links.append(Link(link_id, node_ids[r.source], r.kind, target_link=attacked, status=r.status))
    docs = tuple(
        SourceDoc(
            id=source_ids[s.pk],
            title=s.title,
            text=s.text,
            author=s.author,
            outlet=s.outlet,
            published=s.published.isoformat() if s.published else None,
            url=s.url,
        )
        for s in sorted(sources, key=lambda s: s.pk)
    )
    return ArgumentMap(title=data.question, statements=tuple(statements), relations=tuple(links), sources=docs)


def export_text(data: MapData, sources: tuple[MapSource, ...], writer: str, *, show_pending: bool = False) -> str:
    """The map written by one of interchange.WRITERS ("aif", "argdown", "kialo", "graphml",
    "debate"); KeyError for another name."""
    return WRITERS[writer](argument_map(data, sources, show_pending=show_pending))
