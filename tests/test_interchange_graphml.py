"""GraphML export for yEd and Gephi: valid XML, kinds on nodes and edges, undercuts via a link node."""

import xml.etree.ElementTree as ET

from hypothesis import given, settings

from debates.interchange import graphml
from debates.interchange.model import ArgumentMap, Link, Statement
from tests.interchange_helpers import hostile_text

NS = {"g": "http://graphml.graphdrawing.org/xmlns"}


def _map(text='Cars pollute <a lot> & "more"\r\nsecond line') -> ArgumentMap:
    return ArgumentMap(
        title="Ban cars?",
        statements=(
            Statement("q", "Ban cars?", "question"),
            Statement("p", "Yes.", "position"),
            Statement("c", text),
            Statement("u", "Pollution does not show a ban works."),
        ),
        relations=(
            Link("1", "p", "supports", target="q"),
            Link("2", "c", "supports", target="p"),
            Link("3", "u", "opposes", target_link="2"),
        ),
    )


def _parse(argument_map):
    root = ET.fromstring(graphml.write(argument_map).encode("utf-8"))
    keys = {k.get("id"): k.get("attr.name") for k in root.findall("g:key", NS)}
    nodes = {
        n.get("id"): {keys[d.get("key")]: d.text for d in n.findall("g:data", NS)}
        for n in root.findall("g:graph/g:node", NS)
    }
    edges = [(e.get("source"), e.get("target"), e.find("g:data", NS).text) for e in root.findall("g:graph/g:edge", NS)]
    return nodes, edges


def test_nodes_carry_text_label_and_kind_and_edges_their_kind():
    nodes, edges = _parse(_map())
    assert nodes["n1"] == {"label": "Ban cars?", "text": "Ban cars?", "kind": "question"}
    assert nodes["n3"]["text"] == 'Cars pollute <a lot> & "more"\r\nsecond line'
    assert ("n2", "n1", "supports") in edges


def test_an_undercut_link_is_drawn_through_a_link_node_that_the_undercut_points_at():
    nodes, edges = _parse(_map())
    assert nodes["l1"] == {"label": "supports", "kind": "link"}
    assert edges == [
        ("n2", "n1", "supports"),
        ("n3", "l1", "supports"),
        ("l1", "n2", "supports"),
        ("n4", "l1", "opposes"),
    ]


def test_the_same_map_gives_the_same_text():
    assert graphml.write(_map()) == graphml.write(_map())


@settings(max_examples=60, deadline=None)
@given(hostile_text)
def test_hostile_text_survives_as_well_formed_xml(text):
    nodes, _ = _parse(_map(text))
    assert nodes["n3"]["text"] == text
