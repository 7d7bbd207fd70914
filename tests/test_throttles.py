"""Rate limits count atomically: a burst of 12 against a limit of 5 lets exactly 5 through
(local-memory cache and a real Redis); wrong join codes are limited per user and per
address on the web form, at sign-up and in the API."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token

from debates import throttles
from debates.models import Membership, Node
from tests.factories import api_client, errors, login, make_classroom, make_debate, make_user, post_json, question_of
from tests.redis_server import private_redis  # noqa: F401 (fixture)

BURST, LIMIT = 12, 5


@pytest.mark.parametrize(
    "rate, expected", [("120/min", (120, 60)), ("10/15m", (10, 900)), ("5/day", (5, 86400)), ("3/s", (3, 1))]
)
def test_rates_read_as_requests_per_seconds(rate, expected):
    assert throttles.parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["", "5", "five/min", "5/fortnight", "-1/min"])
def test_a_malformed_rate_is_refused(rate):
    with pytest.raises(ValueError):
        throttles.parse_rate(rate)


def test_concurrent_hits_get_each_count_exactly_once():
    barrier = threading.Barrier(BURST)

    def one(_):
        barrier.wait()
        return throttles.hit("test-burst", "someone", 3600)[0]

    with ThreadPoolExecutor(max_workers=BURST) as pool:
        counts = sorted(pool.map(one, range(BURST)))
    assert counts == list(range(1, BURST + 1))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_a_burst_of_twelve_writes_against_a_limit_of_five_lets_exactly_five_through(
    transactional_db, live_server, settings, request, backend
):
    rest = dict(settings.REST_FRAMEWORK)
    # A day's window: the burst cannot straddle two windows (except at midnight UTC).
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "api-write": f"{LIMIT}/day"}
    settings.REST_FRAMEWORK = rest
    caches = (
        request.getfixturevalue("private_redis").cache_settings()
        if backend == "redis"
        else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "burst"}}
    )
    teacher, student = make_user("teacher", teacher=True), make_user("student")
    debate = make_debate(classroom=make_classroom(teacher=teacher, students=[student]), created_by=teacher)
    token = Token.objects.create(user=student).key
    body = {"debate": debate.slug, "kind": "claim", "target": question_of(debate).pk}
    barrier = threading.Barrier(BURST)

    def one(i):
        barrier.wait()
        return post_json(f"{live_server.url}/api/nodes/", token, {**body, "text": f"Claim {i}"})[0]

    with override_settings(CACHES=caches):
        with ThreadPoolExecutor(max_workers=BURST) as pool:
            answers = sorted(pool.map(one, range(BURST)))
    assert answers == [201] * LIMIT + [429] * (BURST - LIMIT)
    assert Node.objects.filter(debate=debate, kind="claim").count() == LIMIT


# --- Join codes ---------------------------------------------------------------------------


@pytest.fixture
def join_rates(settings):
    settings.JOIN_RATE_PER_USER = "3/15m"
    settings.JOIN_RATE_PER_ADDRESS = "6/15m"


def _join(client, code: str):
    return client.post(reverse("debates:classroom-join"), {"code": code})


def test_after_too_many_wrong_codes_the_join_form_answers_429_without_checking_the_code(
    client, student, other_student, other_classroom, join_rates
):
    login(client, student)
    assert [_join(client, "WRONG234").status_code for _ in range(3)] == [400] * 3
    response = _join(client, other_classroom.join_code)  # the right code, too late
    assert response.status_code == 429
    assert "Too many wrong join codes" in response.context["form"].errors["code"][0]
    assert not Membership.objects.filter(user=student, classroom=other_classroom).exists()
    # Per user: a classmate at the same address still joins.
    assert _join(login(client, other_student), other_classroom.join_code).status_code == 302


def test_right_codes_do_not_count_against_the_address(client, other_classroom, join_rates):
    for i in range(8):  # more than the address's limit of 6
        login(client, make_user(f"pupil{i}"))
        assert _join(client, other_classroom.join_code).status_code == 302


def test_signups_with_wrong_codes_are_limited_per_address(client, classroom, join_rates):
    def signup(code, name):
        fields = {"code": code, "username": name, "password1": "a-strong-pass-77", "password2": "a-strong-pass-77"}
        return client.post(reverse("signup"), fields)

    assert [signup("WRONG234", f"guess{i}").status_code for i in range(6)] == [400] * 6
    response = signup(classroom.join_code, "amina")
    assert response.status_code == 429
    assert re.search(r"Wait ([1-9]|1[0-5]) minutes? and try again", response.context["form"].errors["code"][0])
    assert not get_user_model().objects.filter(username="amina").exists()


def test_a_forged_forwarded_for_header_does_not_make_a_new_address(client, classroom, join_rates):
    """With no proxy configured, X-Forwarded-For is the client's own word: it is ignored."""

    def signup(code, name, forwarded):
        fields = {"code": code, "username": name, "password1": "a-strong-pass-77", "password2": "a-strong-pass-77"}
        return client.post(reverse("signup"), fields, HTTP_X_FORWARDED_FOR=forwarded)

    assert [signup("WRONG234", f"guess{i}", f"10.0.0.{i}").status_code for i in range(6)] == [400] * 6
    assert signup(classroom.join_code, "amina", "10.0.0.99").status_code == 429


def test_behind_one_proxy_the_address_is_the_one_the_proxy_saw(rf, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.1")
    assert throttles.client_address(request) == "203.0.113.7"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    assert throttles.client_address(request) == "10.0.0.1"


def test_the_api_join_shares_the_limit_and_answers_a_json_429(student, other_classroom, join_rates):
    client = api_client(student)
    for _ in range(3):
        assert client.post("/api/classrooms/join/", {"code": "WRONG234"}).status_code == 400
    response = client.post("/api/classrooms/join/", {"code": other_classroom.join_code})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert errors(response) == {}
    # One limit for the user, whichever way they try: the web form refuses too.
    assert _join(login(Client(), student), other_classroom.join_code).status_code == 429
