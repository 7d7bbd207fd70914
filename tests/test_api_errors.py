"""Bad input gets JSON errors that name the field, with the right status; never a 500
(deep JSON, NUL in bodies and query parameters: docs/hazards.md)."""

import json

import pytest

from debates.api.views import Pagination
from debates.models import Node
from tests.factories import api_client, errors, make_node, question_of


def _raw_post(client, url, body: str, content_type="application/json"):
    return client.generic("POST", url, body.encode("utf-8", "surrogatepass"), content_type=content_type)


@pytest.mark.parametrize("depth", [40, 5_000, 100_000])
def test_deeply_nested_json_is_a_400(debate, student, depth):
    for body in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        response = _raw_post(api_client(student), "/api/nodes/", body)
        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"
        assert "nested too deeply" in response.json()["detail"]


def test_nested_json_inside_a_field_is_a_400_naming_it(debate, student):
    body = {"debate": debate.slug, "kind": "claim", "text": [[[["deep"]]]], "target": question_of(debate).pk}
    response = api_client(student).post("/api/nodes/", body, format="json")
    assert response.status_code == 400
    assert "text" in errors(response)


@pytest.mark.parametrize("text", ["a\x00b", "a\x07b", "\ud800 lone surrogate"], ids=["nul", "control", "surrogate"])
def test_forbidden_characters_in_a_body_are_a_400_naming_the_field(debate, student, text):
    body = json.dumps({"debate": debate.slug, "kind": "claim", "text": text, "target": question_of(debate).pk})
    response = _raw_post(api_client(student), "/api/nodes/", body)
    assert response.status_code == 400
    assert "text" in errors(response)
    assert not Node.objects.filter(kind="claim").exists()


def test_a_nul_in_a_quote_or_a_slug_is_a_400(debate, student):
    body = {
        "debate": debate.slug,
        "kind": "evidence",
        "text": "E",
        "target": question_of(debate).pk,
        "quote": {"source": debate.sources.first().pk, "text": "killed\x00"},
    }
    response = api_client(student).post("/api/nodes/", body, format="json")
    assert response.status_code == 400 and "text" in errors(response)["quote"]
    response = api_client(student).post("/api/nodes/", {**body, "debate": "x\x00y"}, format="json")
    assert response.status_code == 400 and "debate" in errors(response)


@pytest.mark.parametrize(
    "url", ["/api/nodes/", "/api/relations/", "/api/debates/", "/api/sources/", "/api/moderation/"]
)
def test_a_nul_in_a_query_parameter_is_a_400(debate, teacher, url):
    for query in ("debate=%00", "q=a%00b", "x%00y=1", "page=%01"):
        response = api_client(teacher).get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        assert errors(response)


def test_a_token_login_with_a_nul_is_a_400(db):
    response = api_client().post("/api/auth/token/", {"username": "a\x00", "password": "b"}, format="json")
    assert response.status_code == 400 and "username" in errors(response)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("target", "abc"),
        ("target", 10**30),
        ("target", -1),
        ("target", 1.5),
        ("kind", 3),
        ("kind", "opinion"),
        ("relation_kind", "loves"),
        ("quote", "a string"),
        ("quote", []),
        ("text", {"a": 1}),
        ("debate", None),
        ("text", "x" * 20_000),
    ],
)
def test_wrong_types_and_values_are_a_400_naming_the_field(debate, student, field, value):
    body = {"debate": debate.slug, "kind": "claim", "text": "T", "target": question_of(debate).pk, field: value}
    response = api_client(student).post("/api/nodes/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in errors(response)


def test_a_body_that_is_not_an_object_is_a_400(debate, student):
    for body in ("[]", '"text"', "42", "null"):
        response = _raw_post(api_client(student), "/api/nodes/", body)
        assert response.status_code == 400, body
        assert errors(response)


@pytest.mark.parametrize("body", ["{", "{'a': 1}", '{"a": NaN}', '{"a": Infinity}', "\xff"])
def test_invalid_json_is_a_400(debate, student, body):
    response = _raw_post(api_client(student), "/api/nodes/", body)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_body_that_is_not_utf8_is_a_400(debate, student):
    response = api_client(student).generic("POST", "/api/nodes/", b'{"text": "\xff"}', content_type="application/json")
    assert response.status_code == 400


def test_a_form_post_is_a_415(debate, student):
    response = api_client(student).post("/api/nodes/", {"text": "x"}, format="multipart")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_an_oversize_body_is_a_413(debate, student, settings):
    settings.SOURCE_MAX_CHARS = 10
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"text": "x" * 100_000})
    response = _raw_post(api_client(student), "/api/nodes/", body)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


LISTS = ["/api/nodes/", "/api/relations/", "/api/debates/", "/api/sources/", "/api/classrooms/", "/api/moderation/"]


def test_a_huge_page_size_is_clamped_to_the_maximum(debate, student, monkeypatch):
    for _ in range(3):
        make_node(debate)
    monkeypatch.setattr(Pagination, "max_page_size", 2)
    body = api_client(student).get("/api/nodes/", {"page_size": 10**12}).json()
    assert len(body["results"]) == 2 and body["count"] == 4 and body["next"]


def test_the_default_maximum_page_size_is_200():
    assert Pagination.max_page_size == 200


@pytest.mark.parametrize("url", LISTS)
def test_a_page_past_the_last_is_a_404_naming_page_as_a_malformed_one_is_named(debate, teacher, url):
    response = api_client(teacher).get(url, {"page": "999"})
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "code": "not_found",
        "detail": "page: There is no page 999.",
        "errors": {"page": ["There is no page 999."]},
    }


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "\u0661", "\uff11", "1\n", ""])
def test_a_page_that_is_not_a_whole_number_from_1_is_a_400_naming_page(debate, teacher, url, page):
    response = api_client(teacher).get(url, {"page": page})
    assert response.status_code == 400
    assert list(errors(response)) == ["page"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("size", ["abc", "0", "-1", "1.5", "\u0661", "1\n", ""])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_a_400_naming_page_size(debate, teacher, url, size):
    response = api_client(teacher).get(url, {"page_size": size})
    assert response.status_code == 400
    assert errors(response) == {"page_size": ["A page size is a whole number from 1 (a page holds at most 200)."]}


@pytest.mark.parametrize("url", LISTS)
def test_the_first_and_last_pages_answer(debate, teacher, url):
    for page in ("1", "last"):
        assert api_client(teacher).get(url, {"page": page}).status_code == 200


def test_a_huge_id_in_the_path_is_a_404(debate, student):
    assert api_client(student).get(f"/api/nodes/{10**30}/").status_code == 404


@pytest.mark.parametrize("url", ["/api/nothing/", "/api/nodes/abc/", "/api/nodes/-1/", "/api/debates/bad%20slug/"])
def test_unknown_urls_under_api_are_json_404s(db, url):
    response = api_client().get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert errors(response) == {}


def test_a_wrong_method_is_a_json_405(debate, student):
    response = api_client(student).delete("/api/nodes/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_errors_have_one_shape_with_a_readable_detail(debate, student):
    response = api_client(student).post("/api/nodes/", {"debate": debate.slug}, format="json")
    body = response.json()
    assert body["status"] == 400 and body["code"] == "invalid"
    assert set(body["errors"]) == {"kind", "text"}
    assert body["detail"].startswith("kind: ")


@pytest.mark.parametrize(
    "url", ["/api/nodes/", "/api/debates/", "/api/relations/", "/api/sources/", "/api/moderation/"]
)
def test_options_requests_answer_without_error(debate, teacher, url):
    assert api_client(teacher).options(url).status_code == 200
    node = make_node(debate)
    assert api_client(teacher).options(f"/api/nodes/{node.pk}/").status_code == 200


@pytest.mark.urls("tests.raising_urls")
@pytest.mark.parametrize("url", ["/api/test-raise/", "/api/test-raise-drf/"])
def test_an_unhandled_error_under_api_is_a_json_500(db, settings, url):
    settings.DEBUG = False
    response = api_client(raise_request_exception=False).get(url)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"
    assert errors(response) == {}


@pytest.mark.urls("tests.raising_urls")
def test_an_unhandled_error_on_a_page_is_the_sites_html_500(db, settings):
    settings.DEBUG = False
    response = api_client(raise_request_exception=False).get("/test-raise/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("url", ["/api/nodes/%0A/", "/api/%0A", "/api/nodes/1/%0A"])
def test_a_path_with_a_newline_under_api_is_a_json_404(db, settings, debug, url):
    settings.DEBUG = debug
    response = api_client().get(url)
    assert response.status_code == 404
    assert errors(response) == {}
