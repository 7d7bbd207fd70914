"""Authentication (tokens for scripts, session with CSRF for the browser) and throttling:
token logins go through django-axes, keyed by user name; writes are rate-limited."""

import pytest
from rest_framework.test import APIClient

from tests.factories import api_client, errors, question_of

PASSWORD = "pw-for-tests-1"


def _token(username: str, password: str = PASSWORD):
    return api_client().post("/api/auth/token/", {"username": username, "password": password})


@pytest.fixture
def rates(settings):
    """Set the API's throttle rates for one test."""

    def set_rates(**rates):
        rest = dict(settings.REST_FRAMEWORK)
        rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], **rates}
        settings.REST_FRAMEWORK = rest

    return set_rates


def test_a_token_obtained_with_user_name_and_password_authenticates(debate, student):
    response = _token("student")
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get(f"/api/debates/{debate.slug}/").status_code == 200
    assert _token("student").json()["token"] == response.json()["token"]


def test_a_wrong_password_is_a_400_that_does_not_say_which_part_was_wrong(student):
    for response in (_token("student", "wrong"), _token("nobody")):
        assert response.status_code == 400
        assert errors(response) == {"non_field_errors": ["Unable to log in with that user name and password."]}


def test_the_token_endpoint_takes_post_only(db):
    assert api_client().get("/api/auth/token/").status_code == 405


def test_an_invalid_token_is_a_401(debate):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/debates/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_after_too_many_failures_the_user_name_is_locked_out_with_a_429(student, other_student, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert _token("student", "wrong").status_code == 400
    assert _token("student", "wrong").status_code == 429  # the third failure locks the name out
    response = _token("student")  # even the right password, during the cool-off
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"
    # Keyed by user name, not by address: a classmate behind the same address signs in.
    assert _token("other_student").status_code == 200


def test_token_requests_are_throttled_per_user_name(student, other_student, rates):
    rates(**{"api-token": "2/min"})
    assert _token("student").status_code == 200
    assert _token("student").status_code == 200
    response = _token("student")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert _token("other_student").status_code == 200


def test_writes_are_throttled_with_retry_after_and_reads_are_not(debate, student, rates):
    rates(**{"api-write": "2/min"})
    client = api_client(student)
    body = {"debate": debate.slug, "kind": "claim", "text": "T", "target": question_of(debate).pk}
    assert client.post("/api/nodes/", body).status_code == 201
    assert client.post("/api/nodes/", {**body, "text": "U"}).status_code == 201
    response = client.post("/api/nodes/", {**body, "text": "V"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert errors(response) == {}
    assert client.get("/api/nodes/").status_code == 200


def test_session_writes_need_the_csrf_token(debate, student):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(student)
    body = {"debate": debate.slug, "kind": "claim", "text": "From the browser", "target": question_of(debate).pk}
    response = client.post("/api/nodes/", body)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    secret = "A" * 32
    client.cookies["csrftoken"] = secret
    response = client.post("/api/nodes/", body, HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 201, response.content


def test_session_reads_need_no_csrf_token(debate, student):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(student)
    assert client.get(f"/api/debates/{debate.slug}/").status_code == 200
