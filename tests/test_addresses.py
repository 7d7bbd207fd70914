"""One resource, one address: ids are ASCII digits, slugs are unique without regard to case,
and no debate can take a slug that names another page under /debates/."""

import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import get_resolver

from debates import urls as debate_urls
from debates.models import RESERVED_SLUGS, Debate
from tests.factories import api_client, errors, make_debate, make_node


def _spellings(pk: int) -> list[str]:
    # Full-width, Arabic-Indic and Persian digits, a trailing newline, padding and signs.
    ascii_digits = str(pk)
    return [
        "".join(chr(0xFF10 + int(d)) for d in ascii_digits),
        "".join(chr(0x0660 + int(d)) for d in ascii_digits),
        "".join(chr(0x06F0 + int(d)) for d in ascii_digits),
        f"{ascii_digits}%0A",
        f"{ascii_digits}%20",
        f"+{ascii_digits}",
    ]


def test_a_node_answers_at_its_ascii_id_only_in_the_api(debate, student):
    node = make_node(debate)
    client = api_client(student)
    assert client.get(f"/api/nodes/{node.pk}/").status_code == 200
    for spelling in _spellings(node.pk):
        response = client.get(f"/api/nodes/{spelling}/")
        assert response.status_code == 404, spelling
        assert errors(response) == {}


def test_a_node_page_answers_at_its_ascii_id_only(client, public_debate):
    node = make_node(public_debate)
    assert client.get(f"/debates/{public_debate.slug}/nodes/{node.pk}/").status_code == 200
    for spelling in _spellings(node.pk):
        assert client.get(f"/debates/{public_debate.slug}/nodes/{spelling}/").status_code == 404, spelling


@pytest.mark.parametrize("value", ["\uff11", "\u0661", "1\n", " 1"])
def test_ids_in_bodies_and_query_parameters_are_ascii_digits(debate, student, value):
    client = api_client(student)
    body = {"debate": debate.slug, "kind": "claim", "text": "T", "target": value}
    assert list(errors(client.post("/api/nodes/", body))) == ["target"]
    assert list(errors(client.get("/api/relations/", {"node": value}))) == ["node"]


def test_a_slug_differing_only_in_case_is_refused_naming_the_slug(debate, teacher, classroom):
    response = api_client(teacher).post(
        "/api/debates/", {"question": "Again?", "classroom": classroom.pk, "slug": debate.slug.upper()}
    )
    assert response.status_code == 400
    assert list(errors(response)) == ["slug"]
    # The database refuses it too, for writes that skip the workflow.
    with pytest.raises(IntegrityError), transaction.atomic():
        Debate.objects.create(slug=debate.slug.title(), question="Q")


def test_a_slug_made_from_a_question_avoids_taken_ones_whatever_their_case(teacher, classroom):
    make_debate(classroom=classroom, created_by=teacher, slug="Energy-Policy")
    response = api_client(teacher).post("/api/debates/", {"question": "Energy policy", "classroom": classroom.pk})
    assert response.status_code == 201
    assert response.json()["slug"] == "energy-policy-2"


@pytest.mark.parametrize("slug", ["new", "NEW", "New"])
def test_a_reserved_slug_is_refused_naming_the_slug(teacher, classroom, slug):
    response = api_client(teacher).post("/api/debates/", {"question": "New?", "classroom": classroom.pk, "slug": slug})
    assert response.status_code == 400
    assert list(errors(response)) == ["slug"]


def test_a_question_that_would_make_a_reserved_slug_gets_another(client, teacher, classroom):
    client.force_login(teacher)
    response = client.post("/debates/new/", {"question": "New", "classroom": classroom.pk})
    assert response.status_code == 302
    assert Debate.objects.get(question="New").slug == "debate-new"


def test_every_page_under_debates_that_is_not_a_debate_is_a_reserved_slug():
    literal = set()
    for pattern in debate_urls.urlpatterns:
        match = re.fullmatch(r"debates/([^/<]+)/.*", str(pattern.pattern))
        if match:
            literal.add(match.group(1))
    assert literal and literal <= RESERVED_SLUGS
    assert get_resolver().resolve("/debates/new/").url_name == "debate-create"
