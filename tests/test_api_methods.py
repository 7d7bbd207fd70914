"""Every API endpoint answers only the methods its OpenAPI document lists (and HEAD, OPTIONS
where it has GET): any other is a 405 for a signed-in user, and no method, signed in or
not, is ever a server error. The docs page and the schema take GET and HEAD only."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from debates.models import Status
from tests.factories import api_client, make_node, make_relation

METHODS = ["get", "head", "post", "put", "patch", "delete", "options"]


def _documented() -> dict[str, set[str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {path: set(operations) for path, operations in schema["paths"].items()}


@pytest.fixture
def concrete(debate, student, other_classroom):
    """Each documented path with its parameters filled in with rows that exist."""
    node = make_node(debate, author=student, status=Status.PENDING)
    relation = make_relation(node, make_node(debate), author=student, status=Status.PENDING)
    ids = {
        "/api/nodes/": node.pk,
        "/api/relations/": relation.pk,
        "/api/sources/": debate.sources.first().pk,
        "/api/classrooms/": debate.classroom.pk,
    }

    def fill(path: str) -> str:
        if "{slug}" in path:
            return path.replace("{slug}", debate.slug)
        if "{id}" in path:
            prefix = path.split("{id}")[0]
            return path.replace("{id}", str(ids[prefix]))
        return path

    return fill


def test_the_schema_documents_every_api_path_this_test_sweeps():
    assert "/api/nodes/{id}/approve/" in _documented()


@pytest.mark.parametrize("who", ["anonymous", "student", "teacher"])
def test_no_method_on_any_endpoint_is_a_server_error(concrete, student, teacher, who):
    client = api_client({"anonymous": None, "student": student, "teacher": teacher}[who])
    paths = [*_documented(), "/api/docs/", "/api/schema/"]
    for path in paths:
        for method in METHODS:
            response = getattr(client, method)(concrete(path), {} if method in ("post", "put", "patch") else None)
            assert response.status_code < 500, (method, path, response.status_code)


def test_a_method_the_document_does_not_list_is_a_405(concrete, teacher):
    client = api_client(teacher)
    for path, documented in _documented().items():
        allowed = documented | ({"head", "options"} if "get" in documented else set())
        for method in set(METHODS) - allowed - {"options"}:
            response = getattr(client, method)(concrete(path))
            assert response.status_code == 405, (method, path, response.status_code)


@pytest.mark.parametrize("path", ["/api/docs/", "/api/schema/"])
@pytest.mark.parametrize("method", ["options", "post", "put", "patch", "delete"])
def test_the_docs_page_and_the_schema_take_get_and_head_only(db, path, method):
    assert getattr(api_client(), method)(path).status_code == 405
    assert api_client().head(path).status_code == 200
