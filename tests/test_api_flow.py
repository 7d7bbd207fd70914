"""A small debate built entirely through the API, then found in the map's SVG export."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import SOURCE_TEXT, make_user

PASSWORD = "pw-for-tests-1"


def _signed_in(username: str) -> APIClient:
    """A script's client: it asks for a token with its user name and password, as documented."""
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def _build_debate_through_the_api() -> tuple[APIClient, dict, dict]:
    make_user("ms_khan", teacher=True, password=PASSWORD)
    make_user("ali", password=PASSWORD)
    teacher, student = _signed_in("ms_khan"), _signed_in("ali")

    classroom = teacher.post("/api/classrooms/", {"name": "Civics 11"}).json()
    debate = teacher.post(
        "/api/debates/", {"question": "How should Pakistan respond to the TTP?", "classroom": classroom["id"]}
    ).json()
    source = teacher.post(
        "/api/sources/", {"title": "Security failure", "text": SOURCE_TEXT, "outlet": "Dawn", "debate": debate["slug"]}
    ).json()
    assert student.post("/api/classrooms/join/", {"code": classroom["join_code"]}).status_code == 200

    question = debate["nodes"][0]
    submitted = student.post(
        "/api/nodes/",
        {
            "debate": debate["slug"],
            "kind": "evidence",
            "text": "Hundred dead in Peshawar",
            "target": question["id"],
            "relation_kind": "supports",
            # The quote as text alone, without offsets: the server finds it and answers with them.
            "quote": {"source": source["id"], "text": "killed more than 100 people"},
        },
    )
    assert submitted.status_code == 201, submitted.content
    node = submitted.json()
    assert node["status"] == "pending"
    assert SOURCE_TEXT[node["quote"]["start"] : node["quote"]["end"]] == "killed more than 100 people"

    queue = teacher.get("/api/moderation/").json()["results"]
    assert [item["id"] for item in queue] == [node["id"]]
    approved = teacher.post(f"/api/nodes/{node['id']}/approve/", {})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    detail = teacher.get(f"/api/debates/{debate['slug']}/").json()
    return teacher, detail, node


def test_a_debate_built_through_the_api_shows_the_approved_evidence(db):
    _, detail, node = _build_debate_through_the_api()
    assert node["id"] in {n["id"] for n in detail["nodes"]}
    assert {(r["source"], r["kind"]) for r in detail["relations"]} == {(node["id"], "supports")}


@pytest.mark.dot
def test_the_new_node_is_in_the_svg_export_linked_from_the_debate(db):
    _, detail, node = _build_debate_through_the_api()
    # The export is a page, not an API view: the teacher's browser session, not the token, reads it.
    browser = Client()
    browser.force_login(get_user_model().objects.get(username="ms_khan"))
    response = browser.get(detail["map"]["svg"])
    assert response.status_code == 200, response.content[:500]
    svg = b"".join(response.streaming_content) if response.streaming else response.content
    svg = svg.decode()
    assert svg.lstrip().startswith(("<?xml", "<svg", "<!DOCTYPE"))
    assert "Hundred dead in Peshawar" in svg or f">n{node['id']}<" in svg
