"""The drawing as DOT text: shapes, styles, escaping, determinism, focus and the size cap.

Pure: build_dot() runs on hand-made MapData, no database and no `dot`.
"""

import os
import re
import subprocess
import sys
from datetime import date

import pytest

from debates.maps.data import MapData, MapNode, MapRelation
from debates.maps.dot import _html, build_dot, neighbourhood, select
from debates.maps.outline import build_outline
from debates.maps.standing import assess

pytestmark = pytest.mark.urls("config.urls")


def node(pk, kind="claim", text=None, status="approved", quote="", citation=""):
    return MapNode(pk=pk, kind=kind, text=text or f"Claim {pk}", status=status, quote=quote, citation=citation)


def rel(pk, source, target, kind="supports", status="approved"):
    return MapRelation(pk=pk, source=source, target=target, kind=kind, status=status)


def small_map(**extra) -> MapData:
    """Question 1; positions 2 and 3; claim 4 supports 2 and opposes 3; evidence 5 supports 4."""
    nodes = (
        node(1, "question", "How should Pakistan respond?"),
        node(2, "position", "A military solution"),
        node(3, "position", "Address the root causes"),
        node(4, "claim", "Talks have failed before."),
        node(
            5,
            "evidence",
            "Attacks rose 84%.",
            quote="an 84 percent increase in TTP attacks",
            citation="Dawn, 2023-02-19",
        ),
    )
    relations = (rel(1, 2, 1), rel(2, 3, 1), rel(3, 4, 2), rel(4, 4, 3, "opposes"), rel(5, 5, 4))
    fields = {"slug": "ttp", "question": nodes[0].text, "nodes": nodes, "relations": relations}
    fields.update(extra)
    return MapData(**fields)


def node_line(dot: str, pk: int) -> str:
    return next(line for line in dot.splitlines() if line.strip().startswith(f"n{pk} ["))


def edge_line(dot: str, target: int, source: int) -> str:
    return statement_line(dot, f"n{target} -> n{source}")


def statement_line(dot: str, statement: str) -> str:
    """The line of a statement ("n4", "n1 -> n2"), with its attributes if it has any."""
    return next(
        line for line in dot.splitlines() if line.strip() == statement or line.strip().startswith(statement + " ")
    )


NAME = re.compile(r"\s*(\w+)=")
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
BARE = re.compile(r"[^\s\]]+")


def _pairs(line: str) -> dict[str, str]:
    """The attributes of one statement's list, name -> value without its delimiters: a
    quoted string (with its escapes), an HTML-like string (to its matching ">"), or an ID."""
    text, pairs, at = line.partition(" [")[2], {}, 0
    while (match := NAME.match(text, at)) is not None:
        name, at = match.group(1), match.end()
        if text[at] == "<":
            depth, end = 0, at
            while True:
                depth += {"<": 1, ">": -1}.get(text[end], 0)
                end += 1
                if depth == 0:
                    break
            pairs[name], at = text[at + 1 : end - 1], end
        elif text[at] == '"':
            end = QUOTED.match(text, at)
            pairs[name], at = end.group(1), end.end()
        else:
            end = BARE.match(text, at)
            pairs[name], at = end.group(0), end.end()
    return pairs


def drawn_with(dot: str, line: str) -> dict[str, str]:
    """What a node or edge statement is drawn with: the graph's node or edge defaults (the
    first `node [...]` or `edge [...]` statement), overridden by the statement's own."""
    kind = "edge" if " -> " in line else "node"
    defaults = next(row for row in dot.splitlines() if row.strip().startswith(f"{kind} ["))
    return {**_pairs(defaults), **_pairs(line)}


def test_each_kind_has_its_own_shape_and_caption():
    dot = build_dot(small_map())
    question, position, claim, evidence = (drawn_with(dot, node_line(dot, pk)) for pk in (1, 2, 4, 5))
    assert question["shape"] == "box" and "bold" in question["style"] and "QUESTION" in question["label"]
    assert position["peripheries"] == "2" and "POSITION" in position["label"]
    assert claim["shape"] == "box" and "rounded" in claim["style"] and "CLAIM" in claim["label"]
    assert evidence["shape"] == "note" and "EVIDENCE" in evidence["label"]
    outlines = {(box["shape"], box["style"], box.get("peripheries")) for box in (question, position, claim, evidence)}
    assert len(outlines) == 4


def test_evidence_shows_an_excerpt_of_its_quote_and_its_source():
    line = node_line(build_dot(small_map()), 5).replace("<BR/>", " ")
    assert "an 84 percent increase in TTP attacks" in line
    assert "Dawn, 2023-02-19" in line


def test_supports_and_opposes_differ_in_line_style_arrow_label_and_colour():
    dot = build_dot(small_map())
    supports, opposes = (drawn_with(dot, edge_line(dot, *ends)) for ends in ((2, 4), (3, 4)))
    assert (supports["style"], supports["xlabel"], supports["arrowtail"]) == ("solid", " + ", "normal")
    assert (opposes["style"], opposes["xlabel"], opposes["arrowtail"]) == ("dotted", " \u2212 ", "tee")
    assert supports["color"] == supports["fontcolor"] != opposes["color"] == opposes["fontcolor"]


def test_arrows_point_at_the_node_they_support_and_the_target_ranks_above():
    # Written target -> source with dir=back: the target is laid out above, the arrowhead at it.
    dot = build_dot(small_map())
    assert drawn_with(dot, edge_line(dot, 1, 2))["dir"] == "back"
    assert not any(line.strip().startswith("n2 -> n1 ") for line in dot.splitlines())


def test_a_second_parent_is_a_cross_link_that_does_not_shape_the_tree():
    dot = build_dot(small_map())
    assert "constraint" not in drawn_with(dot, edge_line(dot, 2, 4))
    assert drawn_with(dot, edge_line(dot, 3, 4))["constraint"] == "false"


def test_nodes_link_to_their_own_page_in_the_app():
    dot = build_dot(small_map())
    assert drawn_with(dot, node_line(dot, 4))["URL"] == "/debates/ttp/nodes/4/"
    assert "target=_top" in build_dot(small_map())


def test_an_exported_map_carries_its_key_in_the_header_and_never_as_boxes_of_the_layout():
    titled = build_dot(small_map(), title="How should Pakistan respond?")
    header = next(line for line in titled.splitlines() if "labelloc=t" in line)
    for words in ("outline number", "POSITION", "CLAIM", "EVIDENCE", "supports", "opposes", "pending"):
        assert words in header
    # The page's drawing has no key at all (the page shows it in HTML), and no drawing has
    # nodes or clusters other than the boxes of the debate.
    assert "Key:" not in build_dot(small_map())
    for dot in (titled, build_dot(small_map())):
        assert "cluster" not in dot
        names = set(re.findall(r"^\s*(\w+) \[", dot, flags=re.MULTILINE)) - {"graph", "node", "edge"}
        assert names == {"n1", "n2", "n3", "n4", "n5"}


def test_an_exported_key_explains_an_objection_to_a_link_and_with_badges_the_dotted_border():
    title = "How should Pakistan respond?"
    plain = next(line for line in build_dot(small_map(), title=title).splitlines() if "labelloc=t" in line)
    assert "onto an arrow: against the link" in plain
    # Without badges no box has a dotted border, so the key does not mention one.
    assert "dotted box" not in plain
    data = small_map()
    judged = build_dot(data, title=title, standing=assess(data.nodes, data.relations, {}))
    header = next(line for line in judged.splitlines() if "labelloc=t" in line)
    assert "dotted box: stands, not evidenced" in header and "dashed box: pending" in header


@pytest.mark.parametrize(
    "hostile",
    [
        '"]; evil [label="x',
        "<<TABLE><TR><TD HREF='javascript:alert(1)'>x</TD></TR></TABLE>>",
        "<IMG SRC='/etc/passwd'/>",
        "back\\slash\\",
        "\\N \\G \\L \\n \\l \\r",
        "a } b { c ; d -> e",
        'x" URL="http://evil.example/',
    ],
)
def test_user_text_never_becomes_dot_syntax(hostile):
    data = small_map(
        question=hostile,
        nodes=(node(1, "question", hostile), node(2, "evidence", hostile, quote=hostile, citation=hostile)),
        relations=(rel(1, 2, 1),),
    )
    dot = build_dot(data, title=hostile)
    for raw in ("<IMG", "<TD HREF", '"]; evil', 'URL="http://evil'):
        assert raw not in dot
    # A user's backslash is always escaped (doubled in labels, fourfold in tooltips): no run
    # of backslashes is odd, so none can start a Graphviz code or end a quoted string.
    assert all(len(run) % 2 == 0 for run in re.findall(r"\\+", dot))
    assert dot.count("{") == dot.count("}")
    # Only our own nodes, named from primary keys.
    names = set(re.findall(r"^\s*(\w+) \[", dot, flags=re.MULTILINE)) - {"graph", "node", "edge"}
    assert names == {"n1", "n2"}


def test_user_text_reaches_only_labels_and_tooltips():
    marker = "ZZMARKERZZ"
    data = small_map(nodes=(node(1, "question", marker), node(2, "claim", marker)), relations=(rel(1, 2, 1),))
    for line in build_dot(data).splitlines():
        if marker in line:
            attributes = re.sub(r"label=<.*>\]$", "", line)
            attributes = re.sub(r"tooltip=(?:\w+|\"[^\"]*\"|<[^<>]*>)", "", attributes)
            assert marker not in attributes


def test_escaping_function_escapes_wraps_and_truncates():
    assert _html("<b>&\"'</b>") == "&lt;b&gt;&amp;&quot;&#x27;&lt;/b&gt;"
    assert _html("a\\b") == "a\\\\b"
    assert _html("one\x00two\x07") == "onetwo"
    wrapped = _html("word " * 50, width=20, max_lines=3)
    assert wrapped.count("<BR/>") == 2 and wrapped.endswith("\u2026")
    assert len(_html("x" * 20_000, width=30, max_lines=10)) < 400
    assert _html("line one\nline two", width=30, max_lines=5) == "line one<BR/>line two"


def test_labels_stay_far_under_graphviz_string_limit():
    huge = "\U0001f600" * 20_000
    data = small_map(nodes=(node(1, "question", huge), node(2, "evidence", huge, quote=huge, citation=huge)))
    for line in build_dot(data, title=huge).splitlines():
        assert len(line.encode()) < 8_000


def test_same_data_gives_byte_identical_dot():
    first = build_dot(small_map(), title="T")
    reordered = small_map(nodes=tuple(reversed(small_map().nodes)), relations=tuple(reversed(small_map().relations)))
    assert build_dot(small_map(), title="T") == first
    # Node order is by primary key whatever order the data came in.
    assert re.findall(r"^\t(n\d+) \[", build_dot(reordered, title="T"), re.M) == ["n1", "n2", "n3", "n4", "n5"]


DOT_IN_A_FRESH_PROCESS = """
import django
django.setup()
from tests.test_rendering import small_map
from debates.maps.dot import build_dot
print(build_dot(small_map(), title="T", show_pending=True), end="")
"""


def test_dot_text_is_byte_identical_across_processes_whatever_the_hash_seed():
    # String hashing is salted per process: a set or dict iterated unsorted would show here.
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "DJANGO_SETTINGS_MODULE": "config.settings"}
        result = subprocess.run(
            [sys.executable, "-c", DOT_IN_A_FRESH_PROCESS], env=env, capture_output=True, timeout=60, check=True
        )
        runs.append(result.stdout)
    assert runs[0] == runs[1] == build_dot(small_map(), title="T", show_pending=True).encode()


def test_pending_work_is_left_out_unless_asked_for_and_then_drawn_dashed():
    data = small_map(
        nodes=small_map().nodes + (node(6, "claim", "Pending idea", status="pending"),),
        relations=small_map().relations + (rel(6, 6, 2, status="pending"),),
    )
    assert "n6 [" not in build_dot(data)
    dot = build_dot(data, show_pending=True)
    assert "dashed" in drawn_with(dot, node_line(dot, 6))["style"] and "PENDING" in node_line(dot, 6)
    assert drawn_with(dot, edge_line(dot, 2, 6))["style"] == "dashed"


def test_the_title_block_carries_title_date_and_sources():
    data = small_map(sources=("Security failure (Tarar)",), as_of=date(2023, 2, 19))
    dot = build_dot(data, title="How should Pakistan respond?")
    assert "How should Pakistan respond?" in dot and "2023-02-19" in dot and "Security failure (Tarar)" in dot
    assert "labelloc=t" not in build_dot(data)


def chain_map(length: int) -> MapData:
    nodes = (node(1, "question", "Q"),) + tuple(node(pk) for pk in range(2, length + 1))
    relations = tuple(rel(pk, pk, pk - 1) for pk in range(2, length + 1))
    return MapData(slug="chain", question="Q", nodes=nodes, relations=relations)


def test_focus_draws_only_the_neighbourhood_within_depth():
    dot = build_dot(chain_map(10), focus=5, depth=2)
    drawn = set(re.findall(r"^\tn(\d+) \[", dot, re.M))
    assert drawn == {"3", "4", "5", "6", "7"}
    assert set(re.findall(r"^\tn(\d+) \[", build_dot(chain_map(10), focus=5, depth=0), re.M)) == {"5"}


def test_focus_without_depth_uses_the_default_depth():
    drawn = set(re.findall(r"^\tn(\d+) \[", build_dot(chain_map(10), focus=5), re.M))
    assert drawn == {"3", "4", "5", "6", "7"}


def test_a_map_over_the_size_cap_draws_the_neighbourhood_of_the_question():
    data = chain_map(30)
    selection = select(data, max_nodes=10)
    assert selection.capped and selection.total == 30 and selection.pks == frozenset(range(1, 11))
    dot = build_dot(data, max_nodes=10)
    assert len(re.findall(r"^\tn\d+ \[", dot, re.M)) == 10
    assert not select(data, max_nodes=30).capped


def test_the_size_cap_comes_from_settings(settings):
    settings.MAP_MAX_NODES = 5
    assert len(re.findall(r"^\tn\d+ \[", build_dot(chain_map(30)), re.M)) == 5


def test_neighbourhood_follows_arrows_both_ways_nearest_first():
    order, complete = neighbourhood(small_map(), 4, 1, 100)
    assert order == [4, 2, 3, 5] and complete


def test_outline_numbers_the_tree_with_pro_and_con_and_references_repeats():
    entries = build_outline(small_map())
    summary = [(e.number, e.node.pk, e.label, e.see) for e in entries]
    assert summary == [
        ("1", 1, "", None),
        ("1.1", 2, "", None),  # a position answers the question: no Pro/Con
        ("1.1.1", 4, "Pro", None),
        ("1.1.1.1", 5, "Pro", None),
        ("1.2", 3, "", None),
        ("1.2.1", 4, "Con", "1.1.1"),
    ]


def test_outline_of_a_long_chain_needs_no_recursion():
    entries = build_outline(chain_map(3000))
    assert entries[-1].number.count(".") == 2999
    assert len(entries[-1].closes) == 2999


def test_every_box_carries_its_outline_number_even_on_a_focused_map():
    data = small_map()
    numbers = {e.node.pk: e.number for e in build_outline(data) if e.see is None}
    assert len(numbers) == len(data.nodes)
    dot = build_dot(data)
    for pk, number in numbers.items():
        assert f"<B>{number}</B>" in node_line(dot, pk)
    # A focused map numbers its boxes as the whole debate's outline does.
    focused_pk = max(numbers, key=lambda pk: numbers[pk].count("."))
    focused = build_dot(data, focus=focused_pk, depth=1)
    assert f"<B>{numbers[focused_pk]}</B>" in node_line(focused, focused_pk)


def test_an_arrow_split_for_an_undercut_carries_one_sign_through_a_point_of_its_own_colour():
    # Position 3 objects to the link "evidence 5 supports claim 4": that arrow is drawn in two
    # halves through the point r5. The defaults are a supports arrow's, so the half without
    # the arrowhead must say that it has no sign, and the point must not take a box's fill.
    undercut = MapRelation(pk=6, source=3, target=None, kind="opposes", status="approved", target_relation=5)
    dot = build_dot(small_map(relations=small_map().relations + (undercut,)))
    point, head, tail, objection = (
        drawn_with(dot, statement_line(dot, statement)) for statement in ("r5", "n4 -> r5", "r5 -> n5", "r5 -> n3")
    )
    assert point["shape"] == "point" and point["fillcolor"] == point["color"] == head["color"]
    assert head["xlabel"] == " + " and head["arrowtail"] == "normal"
    assert tail["xlabel"] == "" and tail["dir"] == "none"
    assert objection["xlabel"] == " \u2212 " and objection["style"] == "dotted"
