"""A map shaped like a page or a screen: big flat debates are wrapped into columns so that
the drawing is no more than about 2:1 either way."""

import re

import pytest

from debates.maps import runner
from debates.maps.dot import _wrapped_ranks, build_dot
from tests.synthetic_maps import synthetic_map

pytestmark = pytest.mark.urls("config.urls")


def drawing_ratio(svg: bytes) -> float:
    """Width over height of the drawing, from the SVG's own size (points)."""
    width, height = (float(v) for v in re.search(rb'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    return width / height


@pytest.mark.dot
@pytest.mark.parametrize("size", [200, 400])
def test_a_big_flat_debate_is_drawn_no_more_than_2_2_to_1_either_way(size):
    data = synthetic_map(size)
    for title in (None, "How should Pakistan respond to the TTP's resurgence?"):
        ratio = drawing_ratio(runner.render(build_dot(data, title=title), "svg"))
        assert 1 / 2.2 <= ratio <= 2.2, (size, title, ratio)


def test_a_wrapped_branch_is_a_column_in_outline_order_one_box_a_rank():
    # The question 1 with three positions; each position with three claims; each claim with
    # three pieces of evidence: 40 boxes, 27 of them on the last level.
    kids, pk = {1: []}, 1
    for _ in range(3):
        pk += 1
        position = pk
        kids[1].append(position)
        kids[position] = []
        for _ in range(3):
            pk += 1
            claim = pk
            kids[position].append(claim)
            kids[claim] = [pk + 1, pk + 2, pk + 3]
            pk += 3
    ranks = _wrapped_ranks([1], kids)
    assert ranks is not None and set(ranks) == set(range(1, pk + 1))
    widest = max(list(ranks.values()).count(level) for level in set(ranks.values()))
    assert widest < 27  # unwrapped, the last level holds all 27 pieces of evidence side by side
    # Every box lies below its parent, and a column keeps the outline's order.
    for parent, children in kids.items():
        assert all(ranks[child] > ranks[parent] for child in children)
        assert [ranks[child] for child in children] == sorted(ranks[child] for child in children)


def test_a_small_debate_is_not_wrapped():
    assert _wrapped_ranks([1], {1: [2, 3, 4], 2: [5]}) is None


def test_wrapping_is_deterministic_and_gives_each_tree_arrow_its_span():
    data = synthetic_map(200)
    first = build_dot(data)
    assert build_dot(data) == first
    spans = [int(m) for m in re.findall(r"minlen=(\d+)", first)]
    assert spans and max(spans) > 2  # columns: arrows reaching down past their siblings


@pytest.mark.dot
@pytest.mark.parametrize("title", ["How should Pakistan respond to the TTP's resurgence?", "Ban cars?", "Q"])
def test_the_exports_key_never_widens_a_small_or_focused_map(monkeypatch, title):
    from debates.maps import dot
    from tests.test_text_as_written import one_box_map

    data = one_box_map("Talks have failed before.")

    def width(**options) -> float:
        svg = runner.render(build_dot(data, title=title, **options), "svg")
        return float(re.search(rb'width="([\d.]+)pt"', svg).group(1))

    with_key = width(), width(focus=2, depth=1)
    assert ("Key:" in build_dot(data, title=title)) == (len(title) > 20)  # left out under a short title
    monkeypatch.setattr(dot, "_key_rows", lambda title_chars, **_: [])
    assert (width(), width(focus=2, depth=1)) == with_key
