"""Constraints in the database and validation with clear messages."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from debates.models import ModerationEvent, Node, Quote, Relation, Source
from tests.factories import make_debate, make_node, make_relation, make_source, question_of

pytestmark = pytest.mark.django_db


def _errors(obj) -> dict:
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    return info.value.message_dict


def test_node_kind_outside_the_choices_is_refused_by_the_database():
    debate = make_debate()
    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.create(debate=debate, kind="opinion", text="x")


def test_node_status_outside_the_choices_is_refused_by_the_database():
    debate = make_debate()
    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.create(debate=debate, kind="claim", text="x", status="published")


def test_a_debate_has_one_question_node():
    debate = make_debate()
    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.create(debate=debate, kind="question", text="Another question?")


def test_node_text_with_nul_is_refused_naming_the_character():
    node = Node(debate=make_debate(), kind="claim", text="bad\x00text")
    assert "a NUL character at position 4" in _errors(node)["text"][0]


def test_node_text_with_a_control_character_is_refused():
    node = Node(debate=make_debate(), kind="claim", text="bell\x07")
    assert "control character (U+0007)" in _errors(node)["text"][0]


def test_node_text_with_a_lone_surrogate_is_refused():
    node = Node(debate=make_debate(), kind="claim", text="half \ud800 a pair")
    assert "unpaired surrogate" in _errors(node)["text"][0]


def test_node_text_of_20000_characters_is_refused_with_the_limit():
    # 5,000 is the model's limit (an imported statement); typed text is held to 500 by the
    # workflow, forms and API.
    node = Node(debate=make_debate(), kind="claim", text="a" * 20_000)
    assert "at most 5000 characters" in _errors(node)["text"][0]


def test_node_text_of_5000_characters_is_valid_for_an_imported_statement():
    node = Node(debate=make_debate(), kind="claim", text="a" * 5000)
    node.full_clean()


def test_urdu_emoji_rtl_marks_quotes_and_markup_are_valid_text():
    node = Node(debate=make_debate(), kind="claim", text="پاکستان 🇵🇰 \u200f \"<b>\" \\N & 'quotes'\nline two")
    node.full_clean()


def test_quote_must_stand_at_its_offsets_in_the_source():
    source = make_source(text="The economy is in serious trouble.")
    node = Node.objects.create(debate=make_debate(sources=[source]), kind="evidence", text="x")
    quote = Quote(node=node, source=source, text="economy", start=5, end=12)
    assert "not what the source has" in _errors(quote)["text"][0]
    Quote(node=node, source=source, text="economy", start=4, end=11).full_clean()


def test_quote_end_must_follow_start_in_the_database():
    source = make_source()
    node = Node.objects.create(debate=make_debate(sources=[source]), kind="evidence", text="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.create(node=node, source=source, text="", start=5, end=5)


def test_relation_to_itself_is_refused_by_validation_and_database():
    debate = make_debate()
    node = make_node(debate)
    relation = Relation(debate=debate, source=node, target=node, kind="supports")
    assert "cannot support or oppose itself" in _errors(relation)["target"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        relation.save()


def test_relation_across_debates_is_refused():
    one, two = make_debate(), make_debate()
    relation = Relation(debate=one, source=make_node(one), target=question_of(two), kind="supports")
    assert "same debate" in _errors(relation)["target"][0]


def test_duplicate_relation_is_refused_but_a_rejected_one_does_not_block():
    debate = make_debate()
    a, b = make_node(debate), make_node(debate)
    make_relation(a, b, status="rejected")
    make_relation(a, b)
    duplicate = Relation(debate=debate, source=a, target=b, kind="supports")
    assert "already linked" in _errors(duplicate)["target"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_relation_kind_outside_the_choices_is_refused_by_the_database():
    debate = make_debate()
    with pytest.raises(IntegrityError), transaction.atomic():
        Relation.objects.create(debate=debate, source=make_node(debate), target=question_of(debate), kind="maybe")


def test_source_text_over_the_limit_is_refused_with_sizes(settings):
    settings.SOURCE_MAX_CHARS = 100
    source = Source(title="Long", text="word " * 50)
    assert "250 characters; the limit is 100" in _errors(source)["text"][0]


def test_source_title_must_be_one_line():
    source = Source(title="Two\nlines", text="Body.")
    assert "single line" in _errors(source)["title"][0]


def test_moderation_events_cannot_be_edited():
    debate = make_debate()
    event = ModerationEvent.objects.create(debate=debate, item_label="x", action="submitted")
    event.note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_event_reason_outside_the_codes_is_refused_by_the_database():
    debate = make_debate()
    with pytest.raises(IntegrityError), transaction.atomic():
        ModerationEvent.objects.create(debate=debate, item_label="x", action="rejected", reason="boring")
