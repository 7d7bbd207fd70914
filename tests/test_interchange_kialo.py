"""Kialo discussion exports in and out: both layouts, See links, Sources, CRLF, numbers."""

import pytest
from hypothesis import given, settings

from debates.interchange import kialo
from debates.interchange.model import ArgumentMap, FormatError, Link, Statement
from tests.interchange_helpers import fixture, hostile_text, refusal, shape


@pytest.fixture
def layout_a():
    return kialo.read(fixture("kialo_layout_a.txt"))


@pytest.fixture
def layout_b():
    return kialo.read(fixture("kialo_layout_b.txt"))


def test_layout_a_with_crlf_gives_the_thesis_as_question_and_its_pro_and_con_as_positions(layout_a):
    assert b"\r\n" in fixture("kialo_layout_a.txt")
    assert layout_a.title == "Should cities ban cars from their centres?"
    assert [s.id for s in layout_a.statements] == ["1", "1.1", "1.1.1", "1.2", "1.2.1", "1.3"]
    assert [s.kind for s in layout_a.statements] == ["question", "position", "claim", "position", "claim", "position"]
    assert layout_a.statement("1").text == "Cities should ban cars from their centres."
    assert not any(s.text == layout_a.title for s in layout_a.statements)  # no second question


def test_a_thesis_without_text_takes_the_discussion_title_as_the_question():
    argument_map = kialo.read(b"Discussion Name:\nShould we?\n\n1. Thesis:\n\n  1.1. Pro:\n  Yes.\n")
    assert [(s.id, s.text, s.kind) for s in argument_map.statements] == [
        ("1", "Should we?", "question"),
        ("1.1", "Yes.", "position"),
    ]


def test_a_see_line_pointing_at_the_thesis_is_skipped_with_a_warning():
    argument_map = kialo.read(b"Discussion Title: T\n\n1. Thesis\n1.1. Pro: a\n1.1.1. Con: -> See 1.\n")
    assert [(lk.source, lk.target) for lk in argument_map.relations] == [("1.1", "1")]
    assert "Skipped 1 '-> See' links" in argument_map.warnings[0] and "(1.1.1)" in argument_map.warnings[0]


def test_a_claim_starting_with_a_number_and_running_over_lines_keeps_its_text(layout_a):
    assert layout_a.statement("1.2").text == (
        "49.7 * 72,000,000 trips a year would need another way to travel.\n"
        "Most of them are short, but not all:\n"
        "2020. was the year this was measured."
    )
    assert "\r" not in layout_a.statement("1.2").text


def test_see_lines_become_relations_to_the_existing_claim_not_new_statements(layout_a):
    assert [(lk.id, lk.source, lk.kind, lk.target) for lk in layout_a.relations] == [
        ("1.1", "1.1", "supports", "1"),
        ("1.1.1", "1.1.1", "opposes", "1.1"),
        ("1.1.1.1", "1.2.1", "supports", "1.1.1"),
        ("1.2", "1.2", "opposes", "1"),
        ("1.2.1", "1.2.1", "opposes", "1.2"),
        ("1.3", "1.3", "supports", "1"),
        ("1.3.1", "1.2", "opposes", "1.3"),
    ]
    assert layout_a.warnings == ()


def test_layout_b_reads_multi_line_claims_footnote_marks_and_skips_the_sources_section(layout_b):
    assert layout_b.title == "Should homework be banned in primary schools?"
    assert [s.id for s in layout_b.statements] == ["1", "1.1", "1.1.1", "1.2", "1.2.1"]
    assert layout_b.statement("1.1").text == "Young children learn more through play than through worksheets.[1]"
    assert layout_b.statement("1.1.1").text == "Reading at home with a parent is homework too,\nand it helps.[2]"
    assert layout_b.statement("1.2.1").text.startswith("7. Soy beans grow faster")
    assert ("1.1.2", "1.2.1", "supports", "1.1") in [
        (lk.id, lk.source, lk.kind, lk.target) for lk in layout_b.relations
    ]
    assert len(layout_b.relations) == 5
    assert layout_b.warnings == (
        "The Sources section (3 lines) is not imported: Counterpoint's sources need the full text; "
        "the [n] marks stay in the claims.",
    )


def test_a_cycle_of_see_links_is_refused_naming_the_line():
    with pytest.raises(FormatError, match=r"Line 4: The '-> See' links go round in a cycle \(1.1 -> 1.2 -> 1.1\)"):
        kialo.read(fixture("kialo_see_cycle.txt"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Discussion Title: Cut\n\n", "no thesis (cut short?)"),
        (b"Discussion Name:\n", "ends after 'Discussion Name:' (cut short?)"),
        (b"1. Thesis\n1.1. Pro: x\n", "Line 1: A Kialo export starts with"),
        (b"Discussion Title: T\n\n1. Thesis\n1.1. Pro: -> See 1.9.\n", "Line 4: The link points to claim 1.9"),
        (b"Discussion Title: T\n\n1. Thesis\n1.2.1. Pro: orphan\n", "Line 4: Claim 1.2.1 has no parent claim 1.2"),
        (b"Discussion Title: T\n\n1. Thesis\n1.1. Pro: a\n1.1. Con: b\n", "Line 5: Claim 1.1 appears twice"),
        (b"Discussion Title: T\n\n1. Thesis\n1.1. Pro: caf\xe9\n", "Line 4: The file is not UTF-8 text: byte 44"),
        (b"Discussion Title: T\n\n1. Thesis\n1.1. Pro: \xe2\x80", "ends in the middle of a character"),
        (b"Discussion Title: T\n\n1. Thesis\n1.1. Pro: \xe2\x80\x8b\n", "Line 4: The claim 1.1's text is empty"),
        (b"Discussion Title: T\n\n1. Thesis\n1.1. Pro: a\x07b\n", "Line 4: The claim 1.1's text contains a control"),
        (b"Discussion Title: T\n\n1. Thesis\n1.1. Pro: " + b"x" * 5001 + b"\n", "Line 4: The claim 1.1 is 5,001"),
    ],
)
def test_malformed_kialo_files_are_refused_with_the_line_and_reason(data, message):
    assert message in refusal(kialo.read, data)


def test_more_claims_than_the_limit_are_refused_at_the_line_that_crosses_it():
    lines = ["Discussion Title: T", "", "1. Thesis"] + [f"1.{i}. Pro: claim {i}" for i in range(1, 10)]
    with pytest.raises(FormatError, match="Line 7: The map has more than 5 statements"):
        kialo.read("\n".join(lines), max_statements=5)


@pytest.mark.parametrize("name", ["kialo_layout_a.txt", "kialo_layout_b.txt"])
def test_read_write_read_keeps_statements_texts_and_relations(name):
    first = kialo.read(fixture(name))
    written = kialo.write(first)
    assert written.startswith("Discussion Title: ")
    again = kialo.read(written)
    assert shape(again) == shape(first)
    # by text: a statement reached twice is written, and so read back, where it is first reached
    assert sorted((s.text, s.kind) for s in again.statements) == sorted((s.text, s.kind) for s in first.statements)
    assert kialo.unwritten(first) == ()


def test_the_writer_writes_layout_a_with_see_lines_for_a_statement_reached_twice(layout_a):
    lines = kialo.write(layout_a).splitlines()
    assert lines[:4] == [
        "Discussion Title: Should cities ban cars from their centres?",
        "",
        "1. Cities should ban cars from their centres.",
        "1.1. Pro: Cars pollute the air that children breathe.",
    ]
    assert sum(1 for line in lines if "-> See " in line) == 2


def test_the_writer_names_what_kialo_cannot_hold():
    argument_map = ArgumentMap(
        title="Q?",
        statements=(Statement("q", "Q?", "question"), Statement("a", "A"), Statement("b", "B"), Statement("c", "C")),
        relations=(
            Link("1", "a", "supports", target="q"),
            Link("2", "b", "opposes", target_link="1"),
        ),
    )
    assert kialo.unwritten(argument_map) == (
        "Left out 2 statements not linked to the question (a Kialo discussion is one tree).",
        "Left out 1 undercuts: Kialo has no objection to a link.",
    )


def test_a_thousand_deep_chain_is_written_without_recursion():
    statements = tuple(Statement(str(i), f"Claim {i}") for i in range(1500))
    relations = tuple(Link(str(i), str(i), "supports", target=str(i - 1)) for i in range(1, 1500))
    written = kialo.write(ArgumentMap(title="Deep", statements=statements, relations=relations))
    assert len(kialo.read(written).statements) == 1500


@settings(max_examples=80, deadline=None)
@given(hostile_text, hostile_text)
def test_hostile_text_survives_writing_and_reading_kialo(thesis, claim):
    if kialo.written_text(thesis) == kialo.written_text(claim):
        claim += " 2"
    original = ArgumentMap(
        title="Q",
        statements=(Statement("q", "Q", "question"), Statement("t", thesis, "position"), Statement("c", claim)),
        relations=(Link("1", "t", "supports", target="q"), Link("2", "c", "opposes", target="t")),
    )
    again = kialo.read(kialo.write(original).encode())
    assert [s.text for s in again.statements] == ["Q", kialo.written_text(thesis), kialo.written_text(claim)]


def test_written_text_changes_only_lines_that_would_open_a_claim():
    assert kialo.written_text("Plain\nsecond line") == "Plain\nsecond line"
    assert kialo.written_text("Plain\n1.2. Pro: trick\nSources:") == "Plain 1.2. Pro: trick Sources:"


def test_the_benchmark_kialo_export_reads_as_2659_statements_of_about_705_kb():
    from bench.interchange_data import kialo_export

    text = kialo_export()
    assert 690_000 < len(text.encode()) < 720_000
    assert len(kialo.read(text).statements) == 2659


def test_the_writer_makes_the_question_the_thesis_and_its_positions_pro_and_con_and_says_evidence_become_claims():
    argument_map = ArgumentMap(
        title="Ban cars?",
        statements=(
            Statement("q", "Should cities ban cars?", "question"),
            Statement("p1", "Yes, from the centres.", "position"),
            Statement("p2", "No, fund buses instead.", "position"),
            Statement("c", "Air near schools is dirty.", "claim"),
            Statement("e", "A 2019 survey measured it.", "evidence"),
        ),
        relations=(
            Link("1", "p1", "supports", target="q"),
            Link("2", "p2", "opposes", target="q"),
            Link("3", "c", "supports", target="p1"),
            Link("4", "e", "supports", target="c"),
        ),
    )
    assert kialo.write(argument_map).splitlines() == [
        "Discussion Title: Ban cars?",
        "",
        "1. Should cities ban cars?",
        "1.1. Pro: Yes, from the centres.",
        "1.1.1. Pro: Air near schools is dirty.",
        "1.1.1.1. Pro: A 2019 survey measured it.",
        "1.2. Con: No, fund buses instead.",
    ]
    assert kialo.unwritten(argument_map) == ("Wrote 1 evidence statements as claims: Kialo has only claims.",)
    again = kialo.read(kialo.write(argument_map))
    assert [(s.text, s.kind) for s in again.statements] == [
        ("Should cities ban cars?", "question"),
        ("Yes, from the centres.", "position"),
        ("Air near schools is dirty.", "claim"),
        ("A 2019 survey measured it.", "claim"),
        ("No, fund buses instead.", "position"),
    ]
