"""/api/sources/: a source is visible if one of its debates is; detail has the full text
and the approved quotes; teachers add sources."""

import pytest

from debates.models import Kind, Source, Status
from tests.factories import api_client, errors, make_node, make_source


def test_student_lists_the_sources_of_their_debates_and_public_ones(debate, public_debate, student):
    make_source(title="Unattached")
    response = api_client(student).get("/api/sources/")
    titles = {row["title"] for row in response.json()["results"]}
    assert titles == {debate.sources.first().title, public_debate.sources.first().title}
    assert "text" not in response.json()["results"][0]


def test_detail_has_the_full_text_and_the_approved_quotes_only(debate, student, other_student):
    source = debate.sources.first()
    approved = make_node(debate, kind=Kind.EVIDENCE, quote="killed more than 100 people")
    make_node(debate, kind=Kind.EVIDENCE, quote="Poverty, illiteracy", status=Status.PENDING, author=other_student)
    body = api_client(student).get(f"/api/sources/{source.pk}/").json()
    assert body["text"] == source.text and body["length"] == len(source.text)
    assert [(q["node"], q["text"], q["debate"]) for q in body["quotes"]] == [
        (approved.pk, "killed more than 100 people", debate.slug)
    ]


def test_a_source_of_another_classroom_only_is_a_404(debate, outsider):
    source = debate.sources.first()
    assert api_client(outsider).get(f"/api/sources/{source.pk}/").status_code == 404
    assert api_client().get(f"/api/sources/{source.pk}/").status_code == 404


def test_visitor_reads_a_public_debates_source(public_debate):
    source = public_debate.sources.first()
    assert api_client().get(f"/api/sources/{source.pk}/").json()["text"] == source.text


@pytest.mark.parametrize("size", [3, 12])
def test_source_detail_costs_the_same_queries_whatever_its_quotes(django_assert_num_queries, debate, student, size):
    source = debate.sources.first()
    for _ in range(size):
        make_node(debate, kind=Kind.EVIDENCE, quote="killed more than 100 people")
    client = api_client(student)
    # token + user; the source (visibility as a subquery); its visible approved quotes with their debates.
    with django_assert_num_queries(3):
        assert len(client.get(f"/api/sources/{source.pk}/").json()["quotes"]) == size


@pytest.mark.parametrize("size", [3, 10])
def test_source_list_costs_the_same_queries_whatever_the_number(django_assert_num_queries, debate, student, size):
    debate.sources.add(*[make_source() for _ in range(size)])
    client = api_client(student)
    # token + user; page count; the sources (visibility as a subquery).
    with django_assert_num_queries(3):
        assert client.get("/api/sources/").json()["count"] == size + 1


def test_teacher_adds_a_source_to_their_debate_kept_exactly(debate, teacher):
    text = "First paragraph.\r\n\r\n  Indented “quote” — dash.\n"
    body = {"title": "New op-ed", "text": text, "outlet": "Dawn", "published": "2023-02-19", "debate": debate.slug}
    response = api_client(teacher).post("/api/sources/", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["text"] == "First paragraph.\n\n  Indented “quote” — dash.\n"
    assert created["citation"] == "Dawn, 2023-02-19"
    assert debate.sources.filter(pk=created["id"]).exists()


def test_a_student_cannot_add_a_source(debate, student):
    response = api_client(student).post("/api/sources/", {"title": "Mine", "text": "Text", "debate": debate.slug})
    assert response.status_code == 403
    assert not Source.objects.filter(title="Mine").exists()


def test_a_teacher_cannot_add_a_source_to_another_classrooms_debate(debate, other_teacher):
    response = api_client(other_teacher).post("/api/sources/", {"title": "T", "text": "Text", "debate": debate.slug})
    assert response.status_code == 400
    assert errors(response) == {"debate": ["No such debate."]}


def test_a_teacher_cannot_add_a_source_to_a_public_debate_they_did_not_create(public_debate, other_teacher):
    response = api_client(other_teacher).post(
        "/api/sources/", {"title": "T", "text": "Text", "debate": public_debate.slug}
    )
    assert response.status_code == 403


def test_a_source_too_long_or_with_a_nul_is_a_400_naming_the_field(teacher, settings):
    settings.SOURCE_MAX_CHARS = 100
    client = api_client(teacher)
    response = client.post("/api/sources/", {"title": "T", "text": "x" * 101})
    assert response.status_code == 400 and "limit is 100" in errors(response)["text"][0]
    response = client.post("/api/sources/", {"title": "T", "text": "a\x00b"})
    assert response.status_code == 400 and "text" in errors(response)
    response = client.post("/api/sources/", {"title": "T", "text": "ok", "published": "yesterday"})
    assert response.status_code == 400 and "published" in errors(response)


def test_a_teacher_sees_the_source_they_added_without_a_debate(teacher):
    response = api_client(teacher).post("/api/sources/", {"title": "Loose", "text": "Some text."})
    assert response.status_code == 201
    assert api_client(teacher).get(f"/api/sources/{response.json()['id']}/").status_code == 200


def test_visitor_cannot_add_a_source(db):
    assert api_client().post("/api/sources/", {"title": "T", "text": "x"}).status_code == 401
