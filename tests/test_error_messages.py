"""One message per fault, saying what is wrong, in the forms and the API alike: a NUL is
named once, by our check, which says where it is; a field already refused gets no second
message that depends on it (a quote too long is not also "missing"); and a value echoed in a
message never carries a control character into the page."""

import inspect
import json

import pytest
from django import forms as django_forms
from django.core.validators import ProhibitNullCharactersValidator
from django.urls import reverse
from rest_framework import serializers as drf_serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from debates import forms
from debates.api import serializers
from debates.models import QUOTE_TEXT_MAX
from debates.teaching import forms as teaching_forms
from debates.text import validate_clean_text
from tests.factories import api_client, errors, login, question_of

NUL_MESSAGE = "This text contains a NUL character at position 2; remove it and try again."


def _form_classes():
    for module in (forms, teaching_forms):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, django_forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def _serializer_fields():
    """(serializer name, field name, field) for every field of the API's inputs, nested ones included."""
    for name, cls in inspect.getmembers(serializers, inspect.isclass):
        if issubclass(cls, serializers.StrictSerializer):
            yield from _fields_of(name, cls())


def _fields_of(prefix: str, serializer):
    for field_name, field in serializer.fields.items():
        if isinstance(field, drf_serializers.Serializer):
            yield from _fields_of(f"{prefix}.{field_name}", field)
        else:
            yield prefix, field_name, field


# --- A NUL is named once --------------------------------------------------------------


@pytest.mark.parametrize("form_class", list(_form_classes()), ids=lambda cls: cls.__name__)
def test_no_form_field_checks_for_nul_twice(form_class):
    for name, field in form_class.base_fields.items():
        kinds = {type(v) for v in field.validators}
        assert not (ProhibitNullCharactersValidator in kinds and validate_clean_text in field.validators), name


@pytest.mark.parametrize("form_class", list(_form_classes()), ids=lambda cls: cls.__name__)
def test_every_text_field_of_a_form_answers_a_nul_with_our_one_message(form_class):
    text_fields = [n for n, f in form_class.base_fields.items() if isinstance(f, forms.TextField)]
    for name in text_fields:
        form = form_class(data={name: "a\x00b"})
        assert not form.is_valid()
        assert form.errors[name] == [NUL_MESSAGE], name


def test_no_plain_char_field_escapes_the_text_check():
    # A bare CharField would carry Django's NUL check alone, which does not say where.
    # (Django's own forms' fields, a password for one, are Django's to check.)
    for form_class in _form_classes():
        django_bases = [base for base in form_class.__mro__[1:] if base.__module__.startswith("django.")]
        for name, field in form_class.base_fields.items():
            if not any(name in getattr(base, "base_fields", {}) for base in django_bases):
                assert type(field) is not django_forms.CharField, f"{form_class.__name__}.{name}"


def test_no_serializer_field_checks_for_nul_twice():
    fields = list(_serializer_fields())
    assert any(validate_clean_text in field.validators for _, _, field in fields)
    for serializer, name, field in fields:
        kinds = {type(v) for v in field.validators}
        if validate_clean_text in field.validators or isinstance(field, serializers.Slug):
            assert not kinds & {ProhibitNullCharactersValidator, ProhibitSurrogateCharactersValidator}, (
                f"{serializer}.{name}"
            )


def test_the_contribute_page_names_a_nul_once(client, student, debate):
    url = reverse("debates:node-create", args=[debate.slug])
    data = {"kind": "claim", "relation": "supports", "target": question_of(debate).pk, "text": "a\x00b"}
    response = login(client, student).post(url, data)
    assert response.status_code == 400
    assert response.context["form"].errors["text"] == [NUL_MESSAGE]


def test_a_pasted_source_with_a_nul_is_refused_once_and_not_as_missing(client, teacher, debate):
    url = reverse("debates:source-create", args=[debate.slug])
    response = login(client, teacher).post(url, {"title": "An op-ed", "text": "a\x00b"})
    assert response.status_code == 400
    assert response.context["form"].errors["text"] == [NUL_MESSAGE]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\x00b", NUL_MESSAGE),
        ("a\ud800b", "This text contains an unpaired surrogate (U+D800) at position 2; remove it and try again."),
    ],
    ids=["nul", "surrogate"],
)
def test_the_api_names_a_bad_character_once(debate, student, text, message):
    # json.dumps writes a lone surrogate as its \ud800 escape, as a client would send it.
    body = json.dumps({"debate": debate.slug, "kind": "claim", "text": text, "target": question_of(debate).pk})
    response = api_client(student).post("/api/nodes/", body, content_type="application/json")
    assert response.status_code == 400
    assert errors(response) == {"text": [message]}


def test_the_api_refuses_a_slug_with_a_nul_in_one_message(debate, student):
    body = {"debate": "x\x00y", "kind": "claim", "text": "Talks.", "target": question_of(debate).pk}
    response = api_client(student).post("/api/nodes/", body, format="json")
    assert errors(response) == {"debate": ["Use only letters, digits, hyphens and underscores."]}


# --- A refused field gets no second message that depends on it -------------------------


TOO_LONG = "x" * (QUOTE_TEXT_MAX + 1)


def _evidence(debate, **quote) -> dict:
    """A piece of evidence for the question, as the contribute form posts it: `quote` and `source` given."""
    data = {"kind": "evidence", "relation": "supports", "target": question_of(debate).pk, "text": "It shows this."}
    return data | quote


def test_a_quote_too_long_is_not_also_missing(client, student, debate):
    url = reverse("debates:node-create", args=[debate.slug])
    response = login(client, student).post(url, _evidence(debate, source=debate.sources.get().pk, quote=TOO_LONG))
    assert response.status_code == 400
    assert response.context["form"].errors["quote"] == [
        f"Ensure this value has at most {QUOTE_TEXT_MAX} characters (it has {QUOTE_TEXT_MAX + 1})."
    ]


def test_evidence_with_no_quote_still_says_it_needs_one(client, student, debate):
    response = login(client, student).post(reverse("debates:node-create", args=[debate.slug]), _evidence(debate))
    assert response.context["form"].errors["quote"] == ["Evidence needs a quote from one of the debate's sources."]


def test_the_api_refuses_a_quote_too_long_for_its_length_alone(debate, student):
    body = _evidence(debate, quote={"source": debate.sources.get().pk, "text": TOO_LONG})
    body["debate"], body["relation_kind"] = debate.slug, body.pop("relation")
    response = api_client(student).post("/api/nodes/", body, format="json")
    assert response.status_code == 400
    assert errors(response) == {"quote": {"text": [f"Ensure this field has no more than {QUOTE_TEXT_MAX} characters."]}}


# --- A value echoed in a message carries no control character --------------------------


@pytest.mark.parametrize("query", ["debate=%00", "student=a%01b", "kind=%1b", "x%00y=1"])
def test_the_queue_refuses_a_control_character_in_a_filter_naming_it_without_echoing_it(client, teacher, query):
    response = login(client, teacher).get(f"{reverse('debates:moderation-queue')}?{query}")
    assert response.status_code == 400
    body = response.content.decode()
    assert not any(char in body for char in "\x00\x01\x1b")
    name = query.split("=")[0] if "%" not in query.split("=")[0] else "query"
    assert body.startswith(f"{name}: This parameter contains ")


def test_every_page_refuses_a_control_character_in_its_query(client, teacher, student, classroom, debate):
    login(client, teacher)
    for url in [
        reverse("debates:home"),
        reverse("debates:classroom-activity", args=[classroom.pk]),
        reverse("debates:student-items", args=[classroom.pk, student.pk]),
        reverse("debates:node-create", args=[debate.slug]),
        debate.get_absolute_url(),
    ]:
        response = client.get(url, {"debate": "a\x00b", "quote": "x"})
        assert response.status_code == 400, url
        assert response.content.decode() == "debate: This parameter contains a NUL character at position 2."


def test_a_page_keeps_text_characters_in_its_query(client, student, debate):
    # Newlines and tabs are text: a quote across two paragraphs comes with a newline.
    response = login(client, student).get(reverse("debates:node-create", args=[debate.slug]), {"quote": "a\n\tb"})
    assert response.status_code == 200


def test_the_api_answers_a_control_character_in_its_own_shape(db, teacher):
    response = api_client(teacher).get("/api/moderation/?debate=%00")
    assert response.status_code == 400
    assert errors(response) == {"debate": ["This parameter contains a NUL character at position 1."]}
