"""AIF JSON in and out: AIFdb's numeric ids, OVA's string ids, dialogue nodes, undercuts."""

import json

import pytest
from hypothesis import given, settings

from debates.interchange import aif
from debates.interchange.model import ArgumentMap, FormatError, Link, Statement
from tests.interchange_helpers import fixture, hostile_text, refusal, shape


@pytest.fixture
def aifdb():
    return aif.read(fixture("aifdb_negotiation.json"))


def test_every_i_node_becomes_a_statement_with_its_text_kept_exactly(aifdb):
    assert [s.id for s in aifdb.statements] == ["101", "102", "103", "104", "105", "106"]
    assert aifdb.statement("104").text == "The ceasefire collapsed within months — the TTP used it to regroup."
    assert aifdb.statement("105").text == "Ceasefires are not peace: «قیام امن» needs trust."
    assert len(aifdb.statement("106").text) == 900
    assert b"\\u00ab" in fixture("aifdb_negotiation.json")  # the file writes non-ASCII as \u escapes
    assert {s.kind for s in aifdb.statements} == {"claim"}
    assert aifdb.title == ""


def test_a_linked_argument_gives_one_supports_per_premise_and_a_repeated_premise_one_relation(aifdb):
    supports_101 = [(lk.source, lk.target) for lk in aifdb.relations if lk.kind == "supports" and lk.target == "101"]
    # 102 is a premise of RA 110 and of RA 114, both concluding 101: one relation.
    assert supports_101 == [("102", "101"), ("103", "101")]


def test_a_conflict_node_gives_opposes_and_one_aimed_at_an_inference_is_an_undercut(aifdb):
    opposes = [lk for lk in aifdb.relations if lk.kind == "opposes"]
    assert [(lk.source, lk.target) for lk in opposes if lk.target] == [("104", "103")]
    (undercut,) = [lk for lk in opposes if lk.target_link]
    attacked = next(lk for lk in aifdb.relations if lk.id == undercut.target_link)
    assert (undercut.source, attacked.source, attacked.kind, attacked.target) == ("105", "106", "supports", "104")
    assert len(aifdb.relations) == 5


def test_dialogue_nodes_are_counted_by_type_and_skipped_with_a_warning(aifdb):
    assert aifdb.warnings == ("Skipped 7 dialogue and other non-argument nodes (L: 2, MA: 1, PA: 1, TA: 1, YA: 2).",)


def test_string_ids_as_ova_writes_them_and_an_unknown_node_type_is_skipped():
    ova = aif.read(fixture("ova_school.json"))
    assert [s.id for s in ova.statements] == ["a1", "a2", "a4"]
    assert [(lk.source, lk.kind, lk.target) for lk in ova.relations] == [
        ("a2", "supports", "a1"),
        ("a4", "opposes", "a1"),
    ]
    assert ova.warnings == ("Skipped 1 dialogue and other non-argument nodes (XYZ: 1).",)


def test_an_inference_without_conclusion_and_an_edge_to_a_missing_node_are_skipped_with_warnings():
    doc = {
        "nodes": [
            {"nodeID": 1, "text": "A", "type": "I"},
            {"nodeID": 2, "text": "Default Inference", "type": "RA"},
        ],
        "edges": [{"edgeID": 1, "fromID": 1, "toID": 2}, {"edgeID": 2, "fromID": 2, "toID": 99}],
    }
    result = aif.read(json.dumps(doc))
    assert result.relations == ()
    assert result.warnings == (
        "Skipped 1 scheme nodes: RA node 2 (no conclusion).",
        "Skipped 1 edges naming a node the file does not have.",
    )


def test_the_writer_gives_one_scheme_node_per_relation_and_undercuts_as_ca_into_ra(aifdb):
    document = json.loads(aif.write(aifdb))
    types = {n["nodeID"]: n["type"] for n in document["nodes"]}
    assert sorted(types.values()).count("RA") == 3 and sorted(types.values()).count("CA") == 2
    for node_id, node_type in types.items():
        if node_type in ("RA", "CA"):
            premises = [e["fromID"] for e in document["edges"] if e["toID"] == node_id and types[e["fromID"]] == "I"]
            out = [e["toID"] for e in document["edges"] if e["fromID"] == node_id]
            assert len(premises) == 1
            assert len(out) == 1
    undercut_targets = [
        types[e["toID"]] for e in document["edges"] if types[e["fromID"]] == "CA" and types[e["toID"]] != "I"
    ]
    assert undercut_targets == ["RA"]


def test_read_write_read_keeps_statements_texts_and_relations(aifdb):
    again = aif.read(aif.write(aifdb))
    assert shape(again) == shape(aifdb)
    assert aif.write(again) == aif.write(aifdb)  # deterministic: the same map gives the same bytes


@settings(max_examples=60, deadline=None)
@given(hostile_text, hostile_text)
def test_hostile_text_survives_writing_and_reading_aif_exactly(first, second):
    if first == second:
        second += " 2"
    original = ArgumentMap(
        title="",
        statements=(Statement("a", first), Statement("b", second)),
        relations=(Link("1", "a", "supports", target="b"),),
    )
    again = aif.read(aif.write(original).encode())
    assert [s.text for s in again.statements] == [first, second]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"nodes": [{"nodeID": 1, "text": "A", "type": "I"}', "cut short"),
        (b'{"nodes": [{"nodeID": 1, "text": "caf\xe9", "type": "I"}]}', "byte 37 (0xE9) is not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (
            b'{"nodes": [{"nodeID": 1, "text": "A", "type": "I"}, {"nodeID": 1, "text": "B", "type": "I"}]}',
            "Node 1: Two nodes have this nodeID.",
        ),
        (b'{"nodes": [{"nodeID": 7, "text": " \\u200b ", "type": "I"}]}', "Node 7: The statement's text is empty."),
        (b'{"nodes": [{"nodeID": 7, "text": "x"}]}', "Node 7: The node has no type."),
        (b'{"nodes": [{"nodeID": 7, "text": "a\\u0000b", "type": "I"}]}', "NUL"),
        (b'{"nodes": [{"nodeID": true, "text": "a", "type": "I"}]}', "not a node id"),
        (b'{"edges": []}', 'expected an object with a "nodes" list'),
    ],
)
def test_malformed_aif_is_refused_with_a_clear_message(data, message):
    assert message in refusal(aif.read, data)


def test_a_statement_longer_than_5000_characters_is_refused_naming_its_node():
    doc = {"nodes": [{"nodeID": "n9", "text": "x" * 5001, "type": "I"}], "edges": []}
    with pytest.raises(FormatError, match="Node n9: The statement is 5,001 characters long; the limit is 5,000."):
        aif.read(json.dumps(doc))


def test_more_statements_than_the_limit_are_refused():
    doc = {"nodes": [{"nodeID": i, "text": f"S{i}", "type": "I"} for i in range(11)], "edges": []}
    with pytest.raises(FormatError, match="more than 10 statements"):
        aif.read(json.dumps(doc), max_statements=10)


def test_a_utf8_byte_order_mark_is_accepted():
    doc = b'\xef\xbb\xbf{"nodes": [{"nodeID": 1, "text": "A", "type": "I"}], "edges": []}'
    assert aif.read(doc).statements == (Statement("1", "A"),)
