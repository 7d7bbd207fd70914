"""Argdown in and out: front matter, statements and arguments, every relation symbol,
contradictions, undercuts, comments, tags, and what the Argdown CLI makes of our exports."""

import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings

from debates.interchange import argdown
from debates.interchange.model import ArgumentMap, FormatError, Link, Statement
from tests.interchange_helpers import fixture, hostile_text, refusal, shape


@pytest.fixture
def uniforms():
    return argdown.read(fixture("school_uniforms.argdown"))


def _relations(argument_map):
    links = {lk.id: lk for lk in argument_map.relations}
    return [
        (lk.source, lk.kind, lk.target or ("link", links[lk.target_link].source, links[lk.target_link].target))
        for lk in argument_map.relations
    ]


def test_front_matter_title_statements_arguments_and_continued_text(uniforms):
    assert uniforms.title == "Should schools require uniforms?"
    assert [(s.id, s.kind) for s in uniforms.statements] == [
        ("[Uniforms]", "position"),
        ("<Equality>", "claim"),
        ("<Selection>", "claim"),
        ("[Cost]", "claim"),
        ("[Expression]", "claim"),
        ("[No uniforms]", "claim"),
        ("[Second hand]", "claim"),
    ]
    # Emphasis marks and tags are taken out, as Argdown does; an escaped bracket stays.
    assert uniforms.statement("<Equality>").text == (
        "Uniforms hide differences in family income, so fewer children are teased."
    )
    assert uniforms.statement("[Cost]").text == "Uniforms cost families money that they could spend on other things."
    assert uniforms.statement("[Second hand]").text == "Second-hand uniforms cost little [often under 5 dollars]."


def test_every_relation_symbol_contradiction_and_undercut(uniforms):
    assert _relations(uniforms) == [
        ("<Equality>", "supports", "[Uniforms]"),  # +
        ("[Cost]", "opposes", "[Uniforms]"),  # -
        ("[Uniforms]", "opposes", "[Expression]"),  # ->
        ("[Uniforms]", "opposes", "[No uniforms]"),  # >< gives two opposes
        ("[No uniforms]", "opposes", "[Uniforms]"),
        ("[Second hand]", "opposes", "[Cost]"),  # <-
        ("[Cost]", "supports", "[Expression]"),  # +>
        ("<Selection>", "opposes", ("link", "<Equality>", "[Uniforms]")),  # _ : an undercut
    ]


def test_premise_conclusion_structures_are_skipped_with_a_warning_naming_their_lines(uniforms):
    assert uniforms.warnings == (
        "Skipped premise-conclusion structures at lines 27-30: Counterpoint maps an argument by its "
        "description, not its numbered premises.",
    )


def test_plus_arrows_undercut_arrows_and_references_without_text():
    text = """[A]: Alpha.
  +> [B]
  <+ [C]: Gamma.
  <- [D]: Delta.
  <_ [E]: Epsilon.

[F]: Phi.
  _> [A]
"""
    result = argdown.read(text)
    assert _relations(result) == [
        ("[A]", "supports", "[B]"),
        ("[C]", "supports", "[A]"),
        ("[D]", "opposes", "[A]"),
        ("[E]", "opposes", ("link", "[A]", "[B]")),
        ("[F]", "opposes", ("link", "[A]", "[B]")),
    ]
    assert result.statement("[B]").text == "B"
    assert result.warnings == ("1 statements or arguments have no text; their titles are used: [B].",)


def test_dash_front_matter_is_accepted_and_comments_are_ignored():
    text = '---\ntitle: "Dash \\"quoted\\""\n---\n// a comment\n[A]: One /* inline */ two.\n<!-- html -->\n'
    result = argdown.read(text)
    assert result.title == 'Dash "quoted"'
    assert [s.text for s in result.statements] == ["One two."]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"===\ntitle: Cut\n", "Line 1: The front matter opened here is never closed (cut short?)"),
        (b"[A]: one\n/* never closed\n", "Line 2: The comment opened here with /* is never closed"),
        (b"  + [B]: orphan\n", "Line 1: The relation '+' has no statement or argument above it."),
        (b"[A]: caf\xe9\n", "Line 1: The file is not UTF-8 text: byte 8 (0xE9)"),
        (b"[A]: \xe2\x80\x8b\n", "Line 1: The statement's text is empty."),
        (b"[A]: " + b"x" * 5001, "Line 1: The statement is 5,001 characters long"),
        (b"[A]: one\n  +> [B\n", "Line 2: The title opened with '[' in '[B' is never closed with ']'."),
        (b"<A>: one\n  - <B: two\n", "Line 2: The title opened with '<' in '<B: two' is never closed with '>'."),
    ],
)
def test_malformed_argdown_is_refused_with_the_line_and_reason(data, message):
    assert message in refusal(argdown.read, data)


def test_more_statements_than_the_limit_are_refused():
    text = "\n\n".join(f"[S{i}]: Statement {i}." for i in range(20))
    with pytest.raises(FormatError, match="Line 21: The map has more than 10 statements"):
        argdown.read(text, max_statements=10)


def test_read_write_read_keeps_statements_texts_relations_and_kinds(uniforms):
    written = argdown.write(uniforms)
    again = argdown.read(written)
    assert shape(again) == shape(uniforms)
    assert again.title == uniforms.title
    assert [s.kind for s in again.statements] == [s.kind for s in uniforms.statements]
    assert argdown.write(again) == argdown.write(argdown.read(argdown.write(again)))


def test_titles_are_unique_and_free_of_syntax_characters():
    statements = (Statement("1", "Same [text] <here>"), Statement("2", "Same [text] <here>!"), Statement("3", "!!!"))
    written = argdown.write(ArgumentMap(title="", statements=statements, relations=()))
    assert "[Same text here]: " in written and "[Same text here 2]: " in written and "[Statement]: " in written


def _hostile_map(first: str, second: str, title: str) -> ArgumentMap:
    return ArgumentMap(
        title=title,
        statements=(Statement("q", first, "question"), Statement("a", second), Statement("b", "Because.")),
        relations=(Link("1", "a", "supports", target="q"), Link("2", "b", "opposes", target_link="1")),
    )


@settings(max_examples=80, deadline=None)
@given(hostile_text, hostile_text, hostile_text)
def test_hostile_text_survives_writing_and_reading_argdown(first, second, title):
    original = _hostile_map(first, second, title)
    again = argdown.read(argdown.write(original).encode())
    assert [s.text for s in again.statements] == [argdown.written_text(first), argdown.written_text(second), "Because."]
    assert again.title == title
    assert len(again.relations) == 2 and again.relations[1].target_link == again.relations[0].id


# Where the Argdown CLI is installed (`npm install @argdown/cli` in any directory): $ARGDOWN_CLI,
# else on PATH, else where `make bench` installs it (.cache/npm), else a scratch install.
_BENCH_CLI = pathlib.Path(__file__).resolve().parent.parent / ".cache/npm/node_modules/.bin/argdown"
ARGDOWN_CLI = (
    os.environ.get("ARGDOWN_CLI")
    or shutil.which("argdown")
    or (str(_BENCH_CLI) if _BENCH_CLI.exists() else "/tmp/argdown-cli/node_modules/.bin/argdown")
)

HOSTILE = [
    'He said "no" \\ and \\\\ and a final backslash \\',
    "Tags #not and [brackets](url) <arrows> {data: 1} @[mention] *stars* _under_ snake_case",
    "Comments // not /* really */ and <!-- no --> e.g. U.S.A. :smile: .A. 3.5%",
    "اردو میں ایک دعویٰ \u200f with RTL mark, zero\u200bwidth and emoji 👩🏽‍🏫",
    "- + > < starts (1) like syntax ---- === ",
]


@pytest.mark.npm
def test_the_argdown_cli_parses_every_export_and_finds_the_same_statements_and_relations(tmp_path):
    if not pathlib.Path(ARGDOWN_CLI).exists():
        pytest.skip("the Argdown CLI is not installed (npm install @argdown/cli)")
    statements = tuple(Statement(str(i), text) for i, text in enumerate(HOSTILE)) + (
        Statement("q", "Which is it?", "question"),
    )
    relations = tuple(Link(str(i), str(i), "supports" if i % 2 else "opposes", target="q") for i in range(4)) + (
        Link("u", "4", "opposes", target_link="1"),
    )
    for name, argument_map in [
        ("hostile", ArgumentMap(title='Title: "=== x"', statements=statements, relations=relations)),
        ("uniforms", argdown.read(fixture("school_uniforms.argdown"))),
    ]:
        source = tmp_path / f"{name}.argdown"
        source.write_text(argdown.write(argument_map), encoding="utf-8")
        run = subprocess.run(
            [ARGDOWN_CLI, "json", str(source), str(tmp_path)], capture_output=True, text=True, timeout=120
        )
        assert "syntax error" not in (run.stdout + run.stderr).lower(), run.stdout + run.stderr
        exported = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
        ours = argdown.read(source.read_bytes())
        texts = {}
        for prefix, kind in (("[{}]", "statements"), ("<{}>", "arguments")):
            for title, element in exported[kind].items():
                member = next(m for m in element["members"] if m.get("text", "").strip())
                # The CLI keeps the kind tag the writer appends; our reader takes it out.
                texts[prefix.format(title)] = re.sub(r" #(question|position)\s*$", "", member["text"]).strip()
        assert texts == {s.id: s.text for s in ours.statements}
        kinds = {"support": "supports", "attack": "opposes", "undercut": "undercut", "contradictory": "both"}
        theirs = sorted((r["from"], kinds[r["relationType"]], r["to"]) for r in exported["relations"])
        links = {lk.id: lk for lk in ours.relations}
        mine = sorted(
            (
                lk.source[1:-1],
                "undercut" if lk.target_link else lk.kind,
                (lk.target or links[lk.target_link].source)[1:-1],
            )
            for lk in ours.relations
        )
        assert theirs == mine


def test_a_position_pointing_at_nothing_is_attached_to_the_question_with_a_warning():
    argument_map = argdown.read("[Q]: Ban phones? #question\n\n[P]: Yes, in class. #position\n  <- [C]: Calls home.\n")
    assert [(lk.source, lk.kind, lk.target) for lk in argument_map.relations] == [
        ("[C]", "opposes", "[P]"),
        ("[P]", "supports", "[Q]"),
    ]
    assert argument_map.warnings == (
        "Attached 1 positions that point at nothing to the question [Q] (as supports): [P].",
    )


def test_a_loose_position_stays_loose_when_the_file_has_no_question():
    argument_map = argdown.read("[P]: Yes, in class. #position\n")
    assert argument_map.relations == () and argument_map.warnings == ()
