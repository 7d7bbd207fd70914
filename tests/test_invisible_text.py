"""Text with nothing visible (zero-width spaces, direction marks, lone combining marks,
spaces of any kind) would be stored as a blank box: it is refused wherever text comes in,
naming the field, through forms, the API and the workflow functions alike. And user text set
inside a longer plain string (a notice, a group copy's name) is bidi-isolated when it could turn
what follows it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from debates import classrooms, errors, moderation
from debates.models import Debate, ModerationEvent, Node, Source
from debates.text import VisibleText, has_visible_character
from tests.factories import SOURCE_TEXT, api_client, login, question_of, submit_claim, text_of
from tests.factories import errors as api_errors

INVISIBLE_CATEGORIES = ["Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Cc"]
invisible = st.text(alphabet=st.characters(categories=INVISIBLE_CATEGORIES), min_size=1)
visible_char = st.characters(categories=["L", "N", "P", "S"], exclude_characters="\u115f\u1160\u3164\uffa0\u2800")

# Each draws nothing; the ones without a space survive strip() and reach the validator.
NOTHING_VISIBLE = {
    "two zero-width spaces": "\u200b\u200b",
    "combining marks only": "\u0301\u0308\u20dd",
    "direction marks only": "\u200f\u200e\u202b\u202c",
    "a Hangul filler": "\u3164",
    "word joiners and a soft hyphen": "\u2060\u00ad\u2060",
    "a zero-width space between spaces": " \u200b\u00a0",
}


@given(invisible)
def test_text_of_only_invisible_characters_has_nothing_visible(value):
    assert not has_visible_character(value)
    with pytest.raises(ValidationError, match="The text has no visible character"):
        VisibleText("text")(value)


@given(invisible, visible_char, invisible)
def test_one_visible_character_among_invisible_ones_is_enough(before, char, after):
    assert has_visible_character(before + char + after)
    VisibleText("text")(before + char + after)


def test_real_text_in_any_script_is_visible():
    for value in ["Talks failed.", "اردو متن", "ن\u0651", "🎉", "日本", "e\u0301", "$", "٣"]:
        assert has_visible_character(value), value


# --- the workflow functions (pages, API, admin and commands all go through them) ---------


@pytest.mark.parametrize("value", NOTHING_VISIBLE.values(), ids=NOTHING_VISIBLE.keys())
def test_the_workflow_refuses_a_node_with_nothing_visible(debate, student, value):
    with pytest.raises(errors.ModerationError) as caught:
        submit_claim(debate, student, text=value)
    assert "text" in caught.value.message_dict
    assert not Node.objects.filter(author=student).exists()


def test_the_workflow_refuses_a_question_with_nothing_visible(teacher, classroom):
    with pytest.raises(errors.ModerationError, match="The question has no visible character"):
        classrooms.debate_create(created_by=teacher, question="\u200b\u200b", classroom=classroom)
    assert not Debate.objects.filter(created_by=teacher).exists()


def test_the_workflow_refuses_a_return_note_with_nothing_visible(debate, student, teacher):
    node = submit_claim(debate, student)
    with pytest.raises(errors.ModerationError, match="The note has no visible character"):
        moderation.item_decide(item=node, moderator=teacher, action="returned", note="\u200b\u200b")
    assert Node.objects.get(pk=node.pk).status == "pending"
    assert not ModerationEvent.objects.filter(node=node, action="returned").exists()


# --- forms ------------------------------------------------------------------------------


def test_the_contribute_form_names_the_statement(client, student, debate):
    url = reverse("debates:node-create", args=[debate.slug])
    data = {"kind": "claim", "relation": "supports", "target": question_of(debate).pk, "text": "\u200b\u200b"}
    response = login(client, student).post(url, data)
    assert response.status_code == 400
    assert "The statement has no visible character" in text_of(response)
    assert not Node.objects.filter(author=student).exists()


def test_the_contribute_form_names_the_quote(client, student, debate):
    source = debate.sources.get()
    url = reverse("debates:node-create", args=[debate.slug])
    data = {
        "kind": "evidence",
        "relation": "supports",
        "target": question_of(debate).pk,
        "text": "It shows this.",
        "source": source.pk,
        "quote": "\u200b\u200b",
    }
    response = login(client, student).post(url, data)
    assert response.status_code == 400 and "The quote has no visible character" in text_of(response)


def test_the_return_form_names_the_note(client, teacher, student, debate):
    node = submit_claim(debate, student)
    url = reverse("debates:moderation-decide", args=["node", node.pk])
    response = login(client, teacher).post(url, {"action": "returned", "note": "\u200f\u200e"})
    assert response.status_code == 400 and "The note has no visible character" in text_of(response)
    assert Node.objects.get(pk=node.pk).status == "pending"


def test_the_debate_form_names_the_question(client, teacher, classroom):
    response = login(client, teacher).post(
        reverse("debates:debate-create"), {"question": "\u0301\u0301", "classroom": classroom.pk}
    )
    assert response.status_code == 400 and "The question has no visible character" in text_of(response)


def test_the_source_form_names_the_title(client, teacher, debate):
    response = login(client, teacher).post(
        reverse("debates:source-create", args=[debate.slug]), {"title": "\u200b\u200b", "text": SOURCE_TEXT}
    )
    assert response.status_code == 400 and "The title has no visible character" in text_of(response)
    assert not Source.objects.filter(title="\u200b\u200b").exists()


def test_the_classroom_form_names_the_name(client, teacher):
    response = login(client, teacher).post(reverse("debates:classroom-create"), {"name": "\u3164"})
    assert response.status_code == 400 and "The name has no visible character" in text_of(response)


# --- the API ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", NOTHING_VISIBLE.values(), ids=NOTHING_VISIBLE.keys())
def test_the_api_refuses_a_node_text_with_nothing_visible(debate, student, value):
    body = {"debate": debate.slug, "kind": "claim", "text": value, "target": question_of(debate).pk}
    response = api_client(student).post("/api/nodes/", body, format="json")
    assert response.status_code == 400
    assert "text" in api_errors(response)
    assert not Node.objects.filter(author=student).exists()


def test_the_api_names_each_field_with_nothing_visible(debate, student, teacher):
    node = submit_claim(debate, student)
    blank = "\u200b\u200b"
    quote = {"source": debate.sources.get().pk, "text": blank}
    cases = [
        (student, "/api/nodes/", {"debate": debate.slug, "kind": "claim", "text": blank}, ["text"], "text"),
        (
            student,
            "/api/nodes/",
            {"debate": debate.slug, "kind": "evidence", "text": "It shows", "quote": quote},
            ["quote", "text"],
            "quote",
        ),
        (teacher, f"/api/nodes/{node.pk}/return/", {"note": blank}, ["note"], "note"),
        (teacher, f"/api/nodes/{node.pk}/reject/", {"reason": "unclear", "note": blank}, ["note"], "note"),
        (teacher, "/api/debates/", {"question": blank}, ["question"], "question"),
        (teacher, "/api/debates/", {"question": "Fine?", "description": blank}, ["description"], "description"),
        (teacher, "/api/sources/", {"title": blank, "text": SOURCE_TEXT}, ["title"], "title"),
        (teacher, "/api/sources/", {"title": "Fine", "text": SOURCE_TEXT, "outlet": blank}, ["outlet"], "outlet"),
        (teacher, "/api/classrooms/", {"name": blank}, ["name"], "name"),
    ]
    for user, path, body, keys, noun in cases:
        response = api_client(user).post(path, body, format="json")
        assert response.status_code == 400, (path, body)
        found = api_errors(response)
        for key in keys:
            found = found[key]
        assert found == [
            f"The {noun} has no visible character: it is only spaces or invisible marks "
            "(such as zero-width spaces, direction marks or lone accents)."
        ], (path, found)
    assert Node.objects.get(pk=node.pk).status == "pending"


def test_the_api_refuses_an_edit_to_nothing_visible(debate, student):
    node = submit_claim(debate, student)
    response = api_client(student).patch(f"/api/nodes/{node.pk}/", {"text": "\u2060\u2060"}, format="json")
    assert response.status_code == 400 and "text" in api_errors(response)
    assert Node.objects.get(pk=node.pk).text == "Talks have failed before."


# --- user text set inside a longer plain string -----------------------------------------


@pytest.mark.parametrize(
    "value, isolated",
    [
        ("Group A", False),  # nothing that turns: left as it is, no invisible marks
        ("1.2 → 1.1, “quoted”", False),
        ("Red \u202eteam", True),  # a right-to-left override
        ("گروپ الف", True),  # Urdu
        ("Team \u2067x", True),  # an isolate left open
    ],
)
def test_isolate_wraps_only_text_that_could_turn_what_follows(value, isolated):
    from debates.text import FSI, PDI, isolate

    assert isolate(value) == (FSI + value + PDI if isolated else value)


def test_a_group_name_with_an_override_ends_inside_its_brackets(debate, teacher):
    from debates.models import Debate, GroupCopy

    copy = Debate.objects.create(slug="copy", question="Talk or fight?", classroom=debate.classroom)
    GroupCopy.objects.create(origin=debate, debate=copy, name="Red \u202eteam")
    copy = Debate.objects.select_related("group_copy").get(pk=copy.pk)
    assert copy.named() == "Talk or fight? (\u2068Red \u202eteam\u2069)"
