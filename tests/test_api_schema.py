"""The OpenAPI document, and schemathesis against it: no request that the document allows
gets a 500, and every response matches the document (bodies, error shapes, enums)."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application
from debates.models import Kind
from tests.factories import api_client, make_node, make_relation, question_of, submit_claim

# Bounded: examples per operation and persona (API_FUZZ_EXAMPLES=50 for a deeper run); each
# run below costs a few seconds of CPU at the default.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "6"))


@pytest.fixture
def fast_throttles(settings):
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = {"api-write": "100000/min", "api-token": "100000/min"}
    settings.REST_FRAMEWORK = rest


def test_schema_is_openapi_3_with_every_resource_and_both_auth_schemes(db):
    response = api_client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path in [
        "/api/debates/",
        "/api/debates/{slug}/",
        "/api/nodes/",
        "/api/nodes/{id}/",
        "/api/nodes/{id}/approve/",
        "/api/nodes/{id}/reject/",
        "/api/nodes/{id}/return/",
        "/api/nodes/{id}/restore/",
        "/api/relations/",
        "/api/relations/{id}/",
        "/api/relations/{id}/approve/",
        "/api/relations/{id}/reject/",
        "/api/relations/{id}/return/",
        "/api/relations/{id}/restore/",
        "/api/sources/",
        "/api/sources/{id}/",
        "/api/classrooms/",
        "/api/classrooms/{id}/",
        "/api/classrooms/join/",
        "/api/moderation/",
        "/api/auth/token/",
    ]:
        assert path in paths, path
    assert set(doc["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}
    schemas = doc["components"]["schemas"]
    assert schemas["StatusEnum"]["enum"] == ["pending", "approved", "rejected", "returned", "withdrawn"]
    assert "misquoted" in schemas["ReasonEnum"]["enum"]
    # Inputs cannot carry status or author: a student could approve their own work.
    for name in ("NodeInRequest", "PatchedNodeEditInRequest", "RelationInRequest", "PatchedDebateEditInRequest"):
        assert "status" not in schemas[name]["properties"] and "author" not in schemas[name]["properties"]
        assert schemas[name]["additionalProperties"] is False
    # Every write documents the error shape for 400, 409 and 429.
    reject = paths["/api/nodes/{id}/reject/"]["post"]["responses"]
    for code in ("400", "401", "403", "404", "409", "413", "429"):
        assert reject[code]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorOut"
    assert "Retry-After" in reject["429"]["headers"]


@pytest.fixture
def keep_connection():
    """Called as a WSGI app, Django closes the database connection after each request, which
    would end the test's transaction on PostgreSQL; Django's test client disconnects the
    same signal handler for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(
    debate, public_debate, teacher, student, other_student, outsider, other_classroom, fast_throttles, keep_connection
):
    """Real objects for a share of the generated path parameters to land on."""
    claim = submit_claim(debate, student, text="Talks have failed before.")
    approved = make_node(debate, author=other_student, text="Schools reduce recruitment.")
    evidence = make_node(debate, author=student, kind=Kind.EVIDENCE, quote="killed more than 100 people")
    relation = make_relation(approved, claim, author=student, status="pending")
    make_relation(evidence, approved, kind="opposes", author=teacher)
    return {
        "node": [claim.pk, approved.pk, question_of(debate).pk],
        "relation": [relation.pk, *debate.relations.values_list("pk", flat=True)],
        "source": list(debate.sources.values_list("pk", flat=True)),
        "classroom": [debate.classroom_id, other_classroom.pk],
        "slug": [debate.slug, public_debate.slug],
    }


def _resource(path: str) -> str:
    for name in ("node", "relation", "source", "classroom"):
        if path.startswith(f"/api/{name}s/{{id}}"):
            return name
    return "slug" if "{slug}" in path else ""


_STRATEGIES: dict = {}


def _strategy(operation, mode):
    # Built once per module run: turning the document into strategies is the slow part.
    key = (operation.method, operation.path, mode)
    if key not in _STRATEGIES:
        _STRATEGIES[key] = operation.as_strategy(generation_mode=mode)
    return _STRATEGIES[key]


def _operations():
    if "operations" not in _STRATEGIES:
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
        _STRATEGIES["operations"] = [result.ok() for result in schema.get_all_operations()]
    return _STRATEGIES["operations"]


def _runner(operation, headers: dict, world: dict, mode: GenerationMode = GenerationMode.POSITIVE):
    resource = _resource(operation.path)

    @hypothesis_settings(
        max_examples=EXAMPLES if mode == GenerationMode.POSITIVE else EXAMPLES // 2,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, mode), real=st.integers(min_value=-1, max_value=4))
    def run(case, real):
        # Most of the time, aim at an object that exists, so that the happy paths run too.
        if resource and 0 <= real < len(world[resource]):
            case.path_parameters["slug" if resource == "slug" else "id"] = world[resource][real]
        case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

    return run


def _fuzz(user, world, mode: GenerationMode = GenerationMode.POSITIVE) -> None:
    headers = {"Authorization": api_client(user)._credentials["HTTP_AUTHORIZATION"]} if user else {}
    failures = []
    for operation in _operations():
        try:
            _runner(operation, headers, world, mode)()
        except Exception as error:  # collect them all: one report per operation
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_off_schema_response_for_a_student(fuzz_world, student):
    _fuzz(student, fuzz_world)


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_off_schema_response_for_a_teacher(fuzz_world, teacher):
    _fuzz(teacher, fuzz_world)


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_off_schema_response_anonymously(fuzz_world):
    _fuzz(None, fuzz_world)


@pytest.mark.slow
def test_schemathesis_with_invalid_requests_finds_no_server_error(fuzz_world, student):
    # Negative mode: bodies, parameters and types the document forbids; each must be a 4xx.
    _fuzz(student, fuzz_world, GenerationMode.NEGATIVE)
