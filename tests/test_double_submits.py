"""Writes sent at the same moment, through the real server: threads POST to pytest-django's
live_server, each request on its own database connection, as gunicorn's workers would. A
class writing at once (30 students, several at a time) gets no error; a double submit makes
one item; the pending limit holds exactly.

Runs on SQLite (a file test database, IMMEDIATE transactions) and on PostgreSQL (an
advisory lock per author and debate), whichever DATABASE_URL names.
"""

import json
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from debates.models import Membership, Node, Relation, Status
from tests.factories import make_classroom, make_debate, make_node, make_user, post_json, question_of

pytestmark = pytest.mark.slow

TRIES = 10


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 itself is the answer under test


def _post(url: str, body: bytes, headers: dict) -> tuple[int, bytes, str]:
    """POST; returns the status, the body and the Location header (for a redirect)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read(), response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Location", "")


def _at_once(count: int, send) -> list:
    """Call send(i) for i in range(count) from `count` threads released together; the
    answers in order of i. An exception in a thread fails the test."""
    barrier = threading.Barrier(count)
    answers: list = [None] * count
    failures: list = []

    def run(i):
        try:
            barrier.wait(timeout=30)
            answers[i] = send(i)
        except Exception as error:  # noqa: BLE001 - reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return answers


def _api_poster(live_server, user):
    """A function that POSTs JSON to the API with `user`'s token; it answers (status, body).
    The token is made here, in the test's thread: the sending threads touch no database."""
    token, _ = Token.objects.get_or_create(user=user)

    def post(path: str, payload: dict) -> tuple[int, dict]:
        status, body, _ = _post(
            live_server.url + path,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", "Authorization": f"Token {token.key}"},
        )
        return status, json.loads(body)

    return post


def _form_poster(live_server, user):
    """A function that POSTs a form as `user`, signed in with a session and a CSRF token."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.cookies["sessionid"].value
    # A CSRF secret of 32 letters and digits is a valid cookie and form token both.
    csrf = secrets.token_hex(16)

    def post(path: str, fields: dict) -> tuple[int, str]:
        status, _, location = _post(
            live_server.url + path,
            urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": csrf}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"sessionid={session}; csrftoken={csrf}"},
        )
        return status, location

    return post


@pytest.fixture
def roomy(settings):
    # Ten tries stay well within the pending limit: only the duplicates are under test.
    settings.MAX_PENDING_PER_DEBATE = 50


def test_two_identical_api_node_posts_at_once_make_one_node(live_server, roomy, student, debate):
    post, question = _api_poster(live_server, student), question_of(debate)
    for attempt in range(TRIES):
        text = f"Talks failed, try {attempt}"
        payload = {"debate": debate.slug, "kind": "claim", "text": text, "target": question.pk}
        answers = _at_once(2, lambda _, payload=payload: post("/api/nodes/", payload))
        assert [status for status, _ in answers] == [201, 201], answers
        assert answers[0][1]["id"] == answers[1][1]["id"]
        assert Node.objects.filter(author=student, text=payload["text"]).count() == 1
    assert Node.objects.filter(author=student).count() == TRIES
    # Each node has its one arrow to the question, and one submission in its history.
    assert Relation.objects.filter(author=student).count() == TRIES


def test_two_identical_web_form_posts_at_once_make_one_node(live_server, roomy, student, debate):
    post = _form_poster(live_server, student)
    path = f"/debates/{debate.slug}/contribute/"
    question = question_of(debate)
    for attempt in range(TRIES):
        fields = {"kind": "claim", "relation": "opposes", "target": question.pk, "text": f"Form claim {attempt}"}
        answers = _at_once(2, lambda _, fields=fields: post(path, fields))
        assert [status for status, _ in answers] == [302, 302], answers
        # Both are sent to the same node's page.
        assert answers[0][1] == answers[1][1]
        assert Node.objects.filter(author=student, text=fields["text"]).count() == 1
    assert Node.objects.filter(author=student).count() == TRIES


def test_two_identical_api_relation_posts_at_once_make_one_relation(live_server, roomy, student, debate):
    post = _api_poster(live_server, student)
    for attempt in range(TRIES):
        source, target = make_node(debate, text=f"Source {attempt}"), make_node(debate, text=f"Target {attempt}")
        payload = {"source": source.pk, "target": target.pk, "kind": "opposes"}
        answers = _at_once(2, lambda _, payload=payload: post("/api/relations/", payload))
        assert [status for status, _ in answers] == [201, 201], answers
        assert answers[0][1]["id"] == answers[1][1]["id"]
    assert Relation.objects.filter(author=student, status=Status.PENDING).count() == TRIES


def test_the_pending_limit_holds_exactly_with_twenty_posts_at_once(live_server, settings, student, debate):
    settings.MAX_PENDING_PER_DEBATE = 10
    post, question = _api_poster(live_server, student), question_of(debate)

    def send(i):
        payload = {"debate": debate.slug, "kind": "claim", "text": f"Claim number {i}", "target": question.pk}
        return post("/api/nodes/", payload)

    answers = _at_once(20, send)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * 10 + [400] * 10, answers
    refused = [body for status, body in answers if status == 400]
    assert all("the limit is 10" in " ".join(body["errors"]["non_field_errors"]) for body in refused), refused
    assert Node.objects.filter(author=student, status=Status.PENDING).count() == 10


def test_the_pending_limit_holds_exactly_with_twenty_web_form_posts_at_once(live_server, settings, student, debate):
    settings.MAX_PENDING_PER_DEBATE = 10
    post = _form_poster(live_server, student)
    question = question_of(debate)
    path = f"/debates/{debate.slug}/contribute/"
    answers = _at_once(
        20, lambda i: post(path, {"kind": "claim", "relation": "supports", "target": question.pk, "text": f"C{i}"})
    )
    # A stored node redirects to its page; a refusal shows the form again (400).
    assert sorted(status for status, _ in answers) == [302] * 10 + [400] * 10, answers
    assert Node.objects.filter(author=student, status=Status.PENDING).count() == 10


WRITERS = 30
AT_ONCE = 8


def test_thirty_students_posting_at_once_all_get_201(transactional_db, live_server):
    teacher = make_user("teacher", teacher=True)
    students = [make_user(f"student{i}") for i in range(WRITERS)]
    classroom = make_classroom(teacher=teacher, students=students)
    debate = make_debate(classroom=classroom, created_by=teacher, slug="class-writes")
    target = question_of(debate).pk
    tokens = [Token.objects.create(user=student).key for student in students]
    assert Membership.objects.filter(classroom=classroom).count() == WRITERS + 1
    if connection.vendor == "sqlite":
        # The threads must each have their own connection to a file, or this test proves nothing.
        assert connection.settings_dict["NAME"].endswith(".sqlite3")
        assert connection.cursor().execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    url = f"{live_server.url}/api/nodes/"
    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        answers = list(
            pool.map(
                lambda i: post_json(
                    url, tokens[i], {"debate": debate.slug, "kind": "claim", "text": f"Reason {i}", "target": target}
                ),
                range(WRITERS),
            )
        )

    assert [status for status, _ in answers] == [201] * WRITERS, [a for a in answers if a[0] != 201][:3]
    assert Node.objects.filter(debate=debate, kind="claim").count() == WRITERS
