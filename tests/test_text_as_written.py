"""Text drawn exactly as written, checked on what the real `dot` draws (Graphviz 2.43).

Every string a user wrote reaches Graphviz as a box's label, a box's tooltip, the map's
title or its subtitle (the focus line). Graphviz expands backslash codes in all of them
(\\N is the node's name, \\G the graph's, \\n a line break ...), so each is checked here on
the SVG itself; and emoji and right-to-left text on the PNG and the DOT.
"""

import html
import io
import re
import subprocess

import pytest
from PIL import Image

from debates.maps import runner
from debates.maps.data import MapData, MapNode, MapRelation
from debates.maps.dot import _html, build_dot

pytestmark = pytest.mark.urls("config.urls")

CODES = "Escape \\N \\G \\E \\L \\T \\H \\l \\r and a \\\\ b, a \\n, a final \\"


def one_box_map(text: str, *, quote: str = "", kind: str = "claim") -> MapData:
    nodes = (
        MapNode(pk=1, kind="question", text="Q", status="approved", quote="", citation=""),
        MapNode(pk=2, kind=kind, text=text, status="approved", quote=quote, citation=""),
    )
    relation = MapRelation(pk=1, source=2, target=1, kind="supports", status="approved")
    return MapData(slug="t", question="Q", nodes=nodes, relations=(relation,))


def svg_of(dot_text: str) -> str:
    return runner.render(dot_text, "svg").decode()


def drawn_text(svg: str) -> str:
    """All <text> of the SVG, unescaped, in order, joined by spaces."""
    return " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg))


def tooltips(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'xlink:title="([^"]*)"', svg)]


@pytest.mark.dot
def test_backslash_codes_in_a_box_stay_literal_in_its_drawn_text():
    svg = svg_of(build_dot(one_box_map(CODES)))
    drawn = drawn_text(svg)
    # Wrapped into lines of the box: compare word by word.
    assert drawn.split()[-len(CODES.split()) :] == CODES.split()
    assert "n2" not in drawn and "counterpoint" not in drawn


@pytest.mark.dot
def test_backslash_codes_and_quote_marks_stay_literal_in_a_boxs_tooltip():
    text = CODES + ' "quoted" & <b> &amp;'
    svg = svg_of(build_dot(one_box_map(text)))
    assert text in tooltips(svg)


@pytest.mark.dot
def test_backslash_codes_stay_literal_in_an_evidence_quote():
    svg = svg_of(build_dot(one_box_map("E", quote="he said \\N and \\\\", kind="evidence")))
    assert "\u201che said \\N and \\\\\u201d" in drawn_text(svg)


@pytest.mark.dot
def test_backslash_codes_stay_literal_in_the_map_title_and_its_focus_line():
    title = "Title \\N \\G \\E \\L \\\\ \\n end"
    svg = svg_of(build_dot(one_box_map("Box \\G \\\\ x"), title=title, focus=2))
    drawn = drawn_text(svg)
    assert title in drawn
    # The focus line names the box the map is drawn around.
    assert "around \u201cBox \\G \\\\ x\u201d" in drawn


@pytest.mark.dot
def test_a_box_ending_in_a_backslash_does_not_break_the_map():
    svg = svg_of(build_dot(one_box_map("ends in one \\"), title="and here \\"))
    assert "ends in one \\" in drawn_text(svg) and "and here \\" in drawn_text(svg)


def test_a_shortened_title_ends_at_a_word_boundary_with_an_ellipsis():
    title = "How should Pakistan respond to the TTP after the terrorist attacks few would have foreseen " * 3
    shortened = _html(title, width=90, max_lines=2).split("<BR/>")
    assert shortened[-1].endswith("\u2026")
    last_word = shortened[-1][:-1].split()[-1]
    assert last_word in title.split()
    # Whole words only, each line within its width.
    assert all(word in title.split() for line in shortened for word in line.rstrip("\u2026").split())
    assert all(len(line) <= 90 for line in shortened)


def test_a_shortened_tooltip_and_focus_line_end_at_a_word_boundary():
    long_text = "alpha beta gamma " * 40
    tooltip = _html(long_text)
    assert tooltip.endswith("\u2026") and tooltip[:-1].split()[-1] in {"alpha", "beta", "gamma"}
    dot_text = build_dot(one_box_map(long_text), title="T", focus=2)
    focus = re.search(r"around \u201c(.*?)\u201d", dot_text).group(1)
    assert focus.endswith("\u2026") and focus[:-1].split()[-1] in {"alpha", "beta", "gamma"}


URDU = "دہشت گردی کا جواب تعلیم ہے"  # "the answer to terrorism is education"


def test_urdu_text_is_right_aligned_in_its_box_and_english_is_not():
    urdu = build_dot(one_box_map(URDU, quote=URDU, kind="evidence"))
    line = next(line for line in urdu.splitlines() if line.strip().startswith("n2 ["))
    assert line.count('ALIGN="RIGHT" BALIGN="RIGHT"') == 2  # the text and the quote
    english = build_dot(one_box_map("Talks failed", quote="said so", kind="evidence"))
    line = next(line for line in english.splitlines() if line.strip().startswith("n2 ["))
    assert 'BALIGN="RIGHT"' not in line and line.count('BALIGN="LEFT"') == 2


def test_a_text_led_by_latin_letters_stays_left_aligned_even_with_urdu_after():
    dot_text = build_dot(one_box_map("TTP: " + URDU))
    line = next(line for line in dot_text.splitlines() if line.strip().startswith("n2 ["))
    assert 'BALIGN="LEFT"' in line and 'BALIGN="RIGHT"' not in line


EMOJI = "\U0001f1f5\U0001f1f0 \U0001f34e \U0001f469\u200d\U0001f469\u200d\U0001f467"  # flag, apple, a family


def _coloured_pixels(png: bytes) -> int:
    """Pixels whose channels differ by more than 120: strongly coloured. The map's own ink,
    fills and greys differ by at most about 80, and a missing-glyph box is grey or black."""
    pixels = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
    triples = zip(pixels[0::3], pixels[1::3], pixels[2::3], strict=True)
    return sum(1 for rgb in triples if max(rgb) - min(rgb) > 120)


@pytest.mark.dot
def test_the_emoji_font_is_the_one_fontconfig_gives_for_an_emoji():
    # The flag's regional indicators and the apple: what Graphviz's cairo renderer asks fontconfig for.
    for codepoint in ("1f1f5", "1f34e", "1f469"):
        found = subprocess.run(
            ["fc-match", "-f", "%{family}", f"Noto Sans:charset={codepoint}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
        assert "Noto Color Emoji" in found, f"no colour emoji font for U+{codepoint.upper()}: {found!r}"


@pytest.mark.dot
def test_an_emoji_claim_is_drawn_in_colour_in_the_png():
    emoji = _coloured_pixels(runner.render(build_dot(one_box_map(EMOJI)), "png"))
    plain = _coloured_pixels(runner.render(build_dot(one_box_map("no pictures here")), "png"))
    # The arrow's green between the two boxes is the only colour without emoji.
    assert emoji > plain + 200, (emoji, plain)


# ----------------------------------------------------------------------------- on the pages

OVERRIDE = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: left unisolated, it reverses the text after it


@pytest.mark.dot
def test_user_text_is_isolated_with_dir_auto_on_the_debate_node_and_source_pages(client, public_debate):
    from django.urls import reverse

    from tests.factories import make_node

    claim = make_node(public_debate, text=URDU + OVERRIDE + " tail")
    quote = "Thus far, all attempts at negotiating with local terrorist organizations have failed."
    evidence = make_node(public_debate, kind="evidence", text="Evidence " + OVERRIDE, target=claim, quote=quote)
    debate_page = client.get(reverse("debates:debate-detail", args=[public_debate.slug])).content.decode()
    assert '<h1 dir="auto">' in debate_page
    assert re.search(r'class="outline-text" dir="auto">' + re.escape(URDU + OVERRIDE), debate_page)
    assert re.search(r'<blockquote class="outline-quote" dir="auto">\u201c<bdi>Thus far', debate_page)
    node_page = client.get(reverse("debates:node-detail", args=[public_debate.slug, claim.pk])).content.decode()
    assert '<h1 class="node-text" dir="auto">' + URDU + OVERRIDE in node_page
    # What supports it, each text in its own isolate.
    assert "<bdi>Evidence " + OVERRIDE + "</bdi>" in node_page
    source = evidence.quote.source
    source_page = client.get(reverse("debates:source-detail", args=[source.pk])).content.decode()
    assert '<h1 dir="auto">' in source_page
    # The op-ed's text: isolated as a whole, each paragraph by its own letters (unicode-bidi: plaintext).
    assert re.search(r'<article class="source-text" id="source-text" data-source="\d+" dir="auto">', source_page)
