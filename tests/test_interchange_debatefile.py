"""The debate file: valid AIF plus a "counterpoint" section; nothing lost on the way round."""

import json

import pytest
from hypothesis import given, settings

from debates.interchange import aif, debatefile
from debates.interchange.model import ArgumentMap, FormatError, Link, Quote, SourceDoc, Statement
from tests.interchange_helpers import hostile_text, refusal

SOURCE_TEXT = "The TTP announced a ceasefire in 2022.\n\nIt did not last: «قیام امن» needs trust."


def _debate(title="How should Pakistan respond to the TTP?", text="It did not last") -> ArgumentMap:
    start = SOURCE_TEXT.index("It did not last")
    return ArgumentMap(
        title=title,
        statements=(
            Statement("10", title, "question", status="approved"),
            Statement("11", "Negotiate.", "position", status="approved"),
            Statement("12", text, "evidence", Quote("s1", "It did not last", start, start + 15), "approved"),
            Statement("13", "Talks buy time for the TTP.", "claim", status="pending"),
            Statement("14", "Time cuts both ways.", "claim", status=None),
        ),
        relations=(
            Link("20", "11", "supports", target="10", status="approved"),
            Link("21", "12", "opposes", target="11", status="approved"),
            Link("22", "13", "supports", target="11", status="rejected"),
            Link("23", "14", "opposes", target_link="22", status="returned"),
        ),
        sources=(
            SourceDoc("s1", "Ceasefire", SOURCE_TEXT, "A. Writer", "Dawn", "2023-02-19", "https://dawn.example/x"),
            SourceDoc("s2", "Untitled notes", "Just text."),
        ),
    )


def test_read_of_write_gives_the_same_map_and_write_of_read_the_same_bytes():
    written = debatefile.write(_debate())
    assert debatefile.read(written.encode()) == _debate()
    assert debatefile.write(debatefile.read(written)) == written


def test_the_debate_file_is_valid_aif_that_the_aif_reader_takes():
    as_aif = aif.read(debatefile.write(_debate()))
    assert [s.text for s in as_aif.statements] == [s.text for s in _debate().statements]
    assert len(as_aif.relations) == 4
    assert as_aif.warnings == ()


def test_the_writer_sorts_keys_and_carries_sources_quotes_kinds_and_statuses():
    document = json.loads(debatefile.write(_debate()))
    assert list(document) == ["counterpoint", "edges", "locutions", "nodes"]
    section = document["counterpoint"]
    assert section["version"] == 1 and section["question"] == "How should Pakistan respond to the TTP?"
    assert section["statements"][2] == {
        "id": "12",
        "kind": "evidence",
        "status": "approved",
        "quote": {"source": "s1", "text": "It did not last", "start": 40, "end": 55},
    }
    assert section["relations"][3] == {
        "id": "23",
        "source": "14",
        "kind": "opposes",
        "status": "returned",
        "target_relation": "22",
    }
    assert section["sources"][0]["text"] == SOURCE_TEXT and section["sources"][0]["published"] == "2023-02-19"


def _edited(change) -> bytes:
    document = json.loads(debatefile.write(_debate()))
    change(document)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["counterpoint"].update(version=2), "version 2; this Counterpoint reads version 1"),
        (lambda d: d.pop("counterpoint"), 'no "counterpoint" section (plain AIF?)'),
        (lambda d: d["counterpoint"]["statements"][2]["quote"].update(start=41), "Node 12: The quote's text is not"),
        (lambda d: d["counterpoint"]["statements"][2]["quote"].update(end=10_000), "Node 12: The quote's text is not"),
        (lambda d: d["counterpoint"]["statements"][2]["quote"].update(start="40"), 'Node 12: The quote\'s "start" is'),
        (lambda d: d["counterpoint"]["statements"][2]["quote"].update(source="s9"), "names source 's9'"),
        (lambda d: d["counterpoint"]["statements"][0].update(kind="topic"), "Node 10: Unknown kind 'topic'"),
        (lambda d: d["counterpoint"]["statements"][0].update(status="live"), "Node 10: Unknown status 'live'"),
        (lambda d: d["counterpoint"]["statements"][0].update(colour="red"), "has unknown keys: colour"),
        (lambda d: d["counterpoint"]["relations"][0].update(target_relation="22"), "exactly one of"),
        (lambda d: d["counterpoint"]["relations"][3].update(target_relation="21"), "Node 23: An undercut must be"),
        (lambda d: d["counterpoint"]["sources"][0].update(published="19/02/2023"), "is not YYYY-MM-DD"),
        (lambda d: d["nodes"][5].update(scheme="Expert Opinion"), 'The AIF "nodes" do not match'),
        (lambda d: d["edges"].pop(), 'The AIF "edges" do not match'),
        (lambda d: d["nodes"][0].update(type="L"), "Node 10: AIF node 1 should be this statement's I-node."),
        (lambda d: d.update(extra=1), "unknown top-level keys: extra"),
    ],
)
def test_the_reader_is_strict_and_names_what_is_wrong(change, message):
    assert message in refusal(debatefile.read, _edited(change))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (debatefile.write(_debate()).encode()[:-40], "cut short"),
        (debatefile.write(_debate()).encode().replace(b"Negotiate", b"N\xe9gotiate"), "is not UTF-8"),
        (b'{"counterpoint": ' * 50_000, "nested too deeply"),
    ],
)
def test_broken_debate_files_are_refused(data, message):
    with pytest.raises(FormatError, match=message):
        debatefile.read(data)


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(FormatError, match="the limit is 100"):
        debatefile.read(debatefile.write(_debate()).encode(), max_bytes=100)


@settings(max_examples=60, deadline=None)
@given(hostile_text, hostile_text)
def test_hostile_text_survives_the_debate_file_exactly(title, text):
    original = _debate(title=title, text=text)
    assert debatefile.read(debatefile.write(original).encode()) == original
