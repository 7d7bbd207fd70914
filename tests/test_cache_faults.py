"""The cache is an optimisation: with Redis stopped mid-test, pages, exports and API writes
keep answering (uncached), a warning is logged, and the cache is used again once Redis is back.

These start a real redis-server on a private port (tests/redis_server.py) and stop it by PID."""

import logging
import time

import pytest
from django.core.cache import cache
from django.test import override_settings

from config import cache as cache_backend
from tests.factories import api_client, make_node, question_of
from tests.redis_server import private_redis  # noqa: F401 (fixture)

pytestmark = pytest.mark.dot


@pytest.fixture
def redis_cache(private_redis):  # noqa: F811
    """The app's fail-safe Redis cache, on a private server; the warning's rate limit reset."""
    cache_backend._last_warning = 0.0
    with override_settings(CACHES=private_redis.cache_settings()):
        yield private_redis
    cache_backend._last_warning = 0.0


def _site_answers(client, public_debate, debate, teacher, student) -> None:
    """The debate page, a map export, the token endpoint, a node POST and an approval answer."""
    assert client.get(f"/debates/{public_debate.slug}/").status_code == 200
    svg = client.get(f"/debates/{public_debate.slug}/map.svg")
    assert svg.status_code == 200
    assert b"<svg" in svg.content
    # A node's page and the API's list judge the debate from the cache, or from the database.
    claim = public_debate.nodes.get(text="Talks have failed before.")
    node_page = client.get(f"/debates/{public_debate.slug}/nodes/{claim.pk}/")
    assert node_page.status_code == 200 and "Stands" in node_page.content.decode()
    listed = api_client().get("/api/nodes/", {"debate": public_debate.slug}).json()["results"]
    assert any(n["acceptability"] and n["acceptability"]["label"] == "in" for n in listed)
    token = api_client().post("/api/auth/token/", {"username": student.username, "password": "pw-for-tests-1"})
    assert token.status_code == 200, token.content
    text = f"Said at {time.monotonic()}"
    body = {"debate": debate.slug, "kind": "claim", "text": text, "target": question_of(debate).pk}
    created = api_client(student).post("/api/nodes/", body)
    assert created.status_code == 201, created.content
    approved = api_client(teacher).post(f"/api/nodes/{created.json()['id']}/approve/", {})
    assert approved.status_code == 200, approved.content


def test_with_redis_stopped_pages_exports_and_api_writes_answer_and_a_warning_is_logged(
    client, public_debate, debate, teacher, student, redis_cache, caplog
):
    make_node(public_debate, text="Talks have failed before.")
    _site_answers(client, public_debate, debate, teacher, student)
    assert redis_cache.client().dbsize() > 0  # the drawings and counters went to Redis

    redis_cache.stop()
    with caplog.at_level(logging.WARNING, logger="counterpoint.cache"):
        started = time.monotonic()
        _site_answers(client, public_debate, debate, teacher, student)
        elapsed = time.monotonic() - started
    warnings = [r for r in caplog.records if r.name == "counterpoint.cache"]
    assert warnings and "Cache unavailable" in warnings[0].getMessage()
    # Rate-limited: one warning, however many cache operations failed.
    assert len(warnings) == 1
    # A refused connection costs milliseconds, not a socket timeout per operation; the
    # bound is loose because `dot` runs uncached here.
    assert elapsed < 15


def test_the_cache_is_used_again_when_redis_comes_back(client, public_debate, teacher, student, redis_cache):
    redis_cache.stop()
    cache.set("counterpoint-test", "lost")
    assert cache.get("counterpoint-test") is None  # a miss, not an error
    assert client.get(f"/debates/{public_debate.slug}/map.svg").status_code == 200

    redis_cache.start()  # same port
    cache.set("counterpoint-test", "kept")
    assert cache.get("counterpoint-test") == "kept"
    assert client.get(f"/debates/{public_debate.slug}/map.svg").status_code == 200
    assert redis_cache.client().dbsize() > 1  # the drawing was cached too


def test_throttles_fail_open_while_logins_stay_locked_out_by_django_axes(debate, student, redis_cache, settings):
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "api-write": "1/min", "api-token": "1/min"}
    settings.REST_FRAMEWORK = rest
    settings.AXES_FAILURE_LIMIT = 3
    redis_cache.stop()
    client = api_client(student)
    body = {"debate": debate.slug, "kind": "claim", "target": question_of(debate).pk}
    # Writes: a limit of 1 a minute cannot be counted without the cache, so it is not enforced.
    assert [client.post("/api/nodes/", {**body, "text": f"Claim {i}"}).status_code for i in range(3)] == [201] * 3
    # Logins: django-axes counts failures in the database, so the lock-out holds.
    token = api_client()
    answers = [
        token.post("/api/auth/token/", {"username": student.username, "password": "wrong"}).status_code
        for _ in range(3)
    ]
    assert answers == [400, 400, 429]
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"


def test_a_cache_outage_is_a_miss_for_every_operation(redis_cache):
    redis_cache.stop()
    assert cache.get("k", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("k", 1) is True
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    assert cache.set_many({"a": 1}) == ["a"]
    with pytest.raises(ValueError):
        cache.incr("k")
    cache.set("k", 1)
    cache.delete_many(["k"])
    assert cache.get_or_set("k", 5) == 5
