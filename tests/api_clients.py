"""API clients for the API tests: each signs in as its user with a real token."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def api_client(user=None, **kwargs) -> APIClient:
    """A client that sends `user`'s token (anonymous without a user)."""
    client = APIClient(**kwargs)
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def errors(response) -> dict:
    """The field errors of an error response, checking the shape on the way."""
    body = response.json()
    assert set(body) == {"status", "code", "detail", "errors"}, body
    assert body["status"] == response.status_code
    return body["errors"]


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Autouse in every module that imports it: personas' passwords hashed cheaply, since the real
    hasher would dominate these modules' time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
