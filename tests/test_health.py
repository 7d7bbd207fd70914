"""/healthz tells a monitor whether the database, the cache and Graphviz work; `manage.py
check` warns when Graphviz cannot be run."""

import re

import pytest
from django.core import checks
from django.test import override_settings

from tests.redis_server import private_redis  # noqa: F401 (fixture)

pytestmark = pytest.mark.dot


def test_healthz_answers_ok_with_the_graphviz_version_to_anyone(client, db, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "database", "cache", "graphviz"}
    assert body["status"] == body["database"] == body["cache"] == "ok"
    assert re.fullmatch(r"[0-9]+(\.[0-9]+)+.*", body["graphviz"])
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    # Nothing about the machine: no key, no database name, no paths.
    text = response.content.decode()
    assert settings.SECRET_KEY not in text and "sqlite" not in text and "/" not in text


def test_healthz_is_503_naming_graphviz_when_dot_cannot_be_run(client, db, settings):
    settings.DOT_BINARY = "/nonexistent/dot"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "database": "ok", "cache": "ok", "graphviz": "fail"}


def test_healthz_is_503_naming_the_cache_when_redis_is_down(client, db, private_redis):  # noqa: F811
    with override_settings(CACHES=private_redis.cache_settings()):
        assert client.get("/healthz").json()["cache"] == "ok"
        private_redis.stop()
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "fail"
    assert response.json()["database"] == "ok"


def test_healthz_takes_get_and_head_only(client, db):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def _check_ids() -> set[str]:
    return {message.id for message in checks.run_checks()}


def test_check_warns_when_dot_binary_cannot_be_run(settings, tmp_path):
    assert "counterpoint.W001" not in _check_ids()
    settings.DOT_BINARY = "/nonexistent/dot"
    assert "counterpoint.W001" in _check_ids()
    # A program that runs but is not Graphviz.
    impostor = tmp_path / "dot"
    impostor.write_text("#!/bin/sh\nexit 0\n")
    impostor.chmod(0o755)
    settings.DOT_BINARY = str(impostor)
    assert "counterpoint.W001" in _check_ids()


def test_check_deploy_warns_when_production_has_no_shared_cache(settings):
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "counterpoint.W002" in {m.id for m in checks.run_checks(include_deployment_checks=True)}
    assert "counterpoint.W002" not in _check_ids()  # a deployment check only


def test_check_deploy_is_quiet_with_redis_or_in_development(settings):
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "config.cache.FailSafeRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    assert "counterpoint.W002" not in {m.id for m in checks.run_checks(include_deployment_checks=True)}
    settings.DEBUG = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "counterpoint.W002" not in {m.id for m in checks.run_checks(include_deployment_checks=True)}
