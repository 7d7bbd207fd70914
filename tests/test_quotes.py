"""Quote anchoring: pure functions, no database."""

import pytest

from debates.quotes import QuoteError, locate, paragraph_around, verify

SOURCE = (
    "Not only does this attack point to an utter failure in security and intelligence, but it reaffirms the "
    "TTP’s message: “we can kill you anywhere, anytime” — said the group.\n\n"
    "Thus far, all attempts at negotiating have failed. All attempts at negotiating have failed."
)


def test_exact_passage_is_found_with_its_offsets():
    anchor = locate(SOURCE, "an utter failure in security")
    assert SOURCE[anchor.start : anchor.end] == "an utter failure in security"
    assert anchor.text == "an utter failure in security"


def test_straight_quotes_and_hyphen_find_the_typographic_original():
    anchor = locate(SOURCE, 'TTP\'s message: "we can kill you anywhere, anytime" - said')
    assert anchor.text == "TTP’s message: “we can kill you anywhere, anytime” — said"
    assert SOURCE[anchor.start : anchor.end] == anchor.text


def test_extra_and_different_whitespace_is_tolerated():
    anchor = locate(SOURCE, "utter   failure\nin\tsecurity")
    assert anchor.text == "utter failure in security"


def test_passage_spanning_a_paragraph_break_is_found():
    anchor = locate(SOURCE, "said the group. Thus far")
    assert anchor.text == "said the group.\n\nThus far"


def test_passage_found_twice_is_refused_as_ambiguous():
    with pytest.raises(QuoteError, match="appears 2 times") as info:
        locate(SOURCE, "attempts at negotiating have failed")
    assert info.value.code == "ambiguous"


def test_passage_not_in_the_source_is_refused_as_absent():
    with pytest.raises(QuoteError, match="does not appear") as info:
        locate(SOURCE, "the army won the war")
    assert info.value.code == "absent"


def test_empty_passage_is_refused():
    with pytest.raises(QuoteError, match="empty"):
        locate(SOURCE, "   ")


def test_urdu_and_emoji_offsets_count_code_points():
    text = "پشاور 💣 میں دھماکہ، 🇵🇰 پولیس لائنز"
    anchor = locate(text, "پولیس لائنز")
    assert (anchor.start, anchor.end) == (len(text) - 11, len(text))
    assert text[anchor.start : anchor.end] == "پولیس لائنز"
    emoji = locate(text, "💣 میں")
    assert emoji.start == 6 and emoji.end == 11


def test_right_to_left_mark_is_part_of_the_text():
    text = "Hello \u200fمیں\u200f world"
    anchor = locate(text, "\u200fمیں\u200f")
    assert anchor.start == 6


def test_verify_accepts_true_offsets_and_names_the_problem_otherwise():
    start = SOURCE.index("utter failure")
    verify(SOURCE, "utter failure", start, start + 13)
    with pytest.raises(QuoteError, match="not what the source has"):
        verify(SOURCE, "utter failure", start + 1, start + 14)
    with pytest.raises(QuoteError, match="past the end"):
        verify(SOURCE, "x", len(SOURCE), len(SOURCE) + 1)
    with pytest.raises(QuoteError, match="start must be at least 0"):
        verify(SOURCE, "x", 5, 5)


def test_paragraph_around_returns_only_the_quotes_paragraph():
    start = SOURCE.index("Thus far")
    before, quote, after = paragraph_around(SOURCE, start, start + 8)
    assert before == "" and quote == "Thus far"
    assert after.startswith(", all attempts") and "utter" not in after
