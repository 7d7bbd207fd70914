"""/api/debates/: list, detail (approved nodes and relations, map links), create and edit by teachers."""

import pytest

from debates.api.serializers import map_url
from debates.models import Debate, Kind, Status
from tests.factories import api_client, errors, make_debate, make_node, make_relation, make_source, submit_claim


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def test_student_lists_public_debates_and_those_of_their_classroom(debate, public_debate, student):
    assert set(_slugs(api_client(student).get("/api/debates/"))) == {debate.slug, public_debate.slug}


def test_another_classroom_and_visitors_list_only_public_debates(debate, public_debate, outsider):
    assert _slugs(api_client(outsider).get("/api/debates/")) == [public_debate.slug]
    assert _slugs(api_client().get("/api/debates/")) == [public_debate.slug]


def test_detail_has_approved_nodes_and_relations_only_and_links_to_the_map(debate, student):
    approved = make_node(debate, kind=Kind.EVIDENCE, quote="killed more than 100 people")
    mine = submit_claim(debate, student, text="My pending claim")
    rejected = make_node(debate, status=Status.REJECTED)
    response = api_client(student).get(f"/api/debates/{debate.slug}/")
    assert response.status_code == 200
    body = response.json()
    node_ids = {node["id"] for node in body["nodes"]}
    assert approved.pk in node_ids and mine.pk not in node_ids and rejected.pk not in node_ids
    assert {(r["source"], r["target"]) for r in body["relations"]} == {
        (approved.pk, debate.nodes.get(kind="question").pk)
    }
    assert [source["title"] for source in body["sources"]] == [debate.sources.first().title]
    assert body["map"]["svg"] == "http://testserver" + map_url(debate.slug, "svg")
    assert body["map"]["svg"].endswith(f"/debates/{debate.slug}/map.svg")
    assert set(body["map"]) == {"svg", "png", "pdf", "dot"}
    assert body["can_contribute"] is True and body["can_moderate"] is False


def test_an_arrow_to_an_unapproved_node_is_not_in_the_detail(debate, student):
    a = make_node(debate)
    b = make_node(debate, status=Status.PENDING)
    hidden = make_relation(a, b, status=Status.APPROVED)
    body = api_client(student).get(f"/api/debates/{debate.slug}/").json()
    assert hidden.pk not in {r["id"] for r in body["relations"]}


def test_a_debate_of_another_classroom_is_a_404(debate, outsider):
    assert api_client(outsider).get(f"/api/debates/{debate.slug}/").status_code == 404
    assert api_client().get(f"/api/debates/{debate.slug}/").status_code == 404
    assert api_client(outsider).get("/api/debates/no-such-debate/").status_code == 404


def test_teacher_sees_they_moderate(debate, teacher):
    body = api_client(teacher).get(f"/api/debates/{debate.slug}/").json()
    assert body["can_moderate"] is True


@pytest.mark.parametrize("size", [3, 12])
def test_debate_detail_costs_the_same_queries_whatever_its_size(django_assert_num_queries, debate, student, size):
    for _ in range(size):
        node = make_node(debate, kind=Kind.EVIDENCE, quote="killed more than 100 people", author=student)
        make_node(debate, target=node, relation="opposes")
    debate.sources.add(make_source(), make_source())
    client = api_client(student)
    # token + user; roles; the debate; its sources; approved nodes with quotes and users; approved relations.
    with django_assert_num_queries(6):
        body = client.get(f"/api/debates/{debate.slug}/").json()
    assert len(body["nodes"]) == 2 * size + 1 and len(body["sources"]) == 3


@pytest.mark.parametrize("size", [3, 10])
def test_debate_list_costs_the_same_queries_whatever_the_number_of_debates(
    django_assert_num_queries, classroom, teacher, student, size
):
    for _ in range(size):
        make_debate(classroom=classroom, created_by=teacher)
    client = api_client(student)
    # token + user; roles; page count; the debates with their creators.
    with django_assert_num_queries(4):
        assert client.get("/api/debates/").json()["count"] == size


def test_teacher_creates_a_debate_in_their_classroom_with_a_source(classroom, teacher):
    source = make_source(added_by=teacher)
    body = {
        "question": "Should the school day start later?",
        "description": "Sleep research.",
        "classroom": classroom.pk,
        "sources": [source.pk],
    }
    response = api_client(teacher).post("/api/debates/", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["slug"] == "should-the-school-day-start-later"
    assert [node["kind"] for node in created["nodes"]] == ["question"]
    debate = Debate.objects.get(slug=created["slug"])
    assert debate.classroom == classroom and debate.created_by == teacher
    assert list(debate.sources.all()) == [source]


def test_a_student_cannot_create_a_debate(classroom, student):
    response = api_client(student).post("/api/debates/", {"question": "Mine?", "classroom": classroom.pk})
    assert response.status_code == 403
    assert not Debate.objects.filter(question="Mine?").exists()


def test_a_teacher_cannot_create_a_debate_in_another_classroom(classroom, other_teacher, other_classroom):
    response = api_client(other_teacher).post("/api/debates/", {"question": "Theirs?", "classroom": classroom.pk})
    assert response.status_code == 400
    assert errors(response) == {"classroom": ["No such classroom."]}


def test_a_source_one_cannot_see_cannot_be_attached(debate, other_teacher, other_classroom):
    hidden = debate.sources.first()
    response = api_client(other_teacher).post(
        "/api/debates/", {"question": "Theirs?", "classroom": other_classroom.pk, "sources": [hidden.pk]}
    )
    assert response.status_code == 400
    assert "sources" in errors(response)


def test_a_taken_slug_is_a_400(debate, teacher, classroom):
    response = api_client(teacher).post(
        "/api/debates/", {"question": "Again?", "classroom": classroom.pk, "slug": debate.slug}
    )
    assert response.status_code == 400
    assert "slug" in errors(response)


def test_created_by_cannot_be_set(teacher, classroom, student):
    response = api_client(teacher).post(
        "/api/debates/", {"question": "Q?", "classroom": classroom.pk, "created_by": student.pk}
    )
    assert response.status_code == 400
    assert errors(response) == {"created_by": ["This field is read-only."]}


def test_visitor_cannot_create_a_debate(db):
    assert api_client().post("/api/debates/", {"question": "Q?"}).status_code == 401


def test_teacher_closes_their_debate(debate, teacher):
    response = api_client(teacher).patch(f"/api/debates/{debate.slug}/", {"is_open": False})
    assert response.status_code == 200
    assert response.json()["is_open"] is False and response.json()["can_contribute"] is False
    debate.refresh_from_db()
    assert debate.is_open is False


def test_renaming_the_question_renames_the_question_node(debate, teacher):
    response = api_client(teacher).patch(f"/api/debates/{debate.slug}/", {"question": "A better question?"})
    assert response.status_code == 200
    assert debate.nodes.get(kind="question").text == "A better question?"


def test_a_student_cannot_edit_a_debate_and_another_classroom_gets_a_404(debate, student, outsider):
    assert api_client(student).patch(f"/api/debates/{debate.slug}/", {"is_open": False}).status_code == 403
    assert api_client(outsider).patch(f"/api/debates/{debate.slug}/", {"is_open": False}).status_code == 404
    debate.refresh_from_db()
    assert debate.is_open is True


def test_debates_cannot_be_replaced_or_deleted(debate, teacher):
    client = api_client(teacher)
    assert client.put(f"/api/debates/{debate.slug}/", {"question": "Q?"}).status_code == 405
    assert client.delete(f"/api/debates/{debate.slug}/").status_code == 405
