"""Plain functions for tests: factories that make one row (and what it needs) the usual way,
then the helpers every feature's tests share to sign in and to read what a page or the API
answered. Fixtures (the personas and their classroom) live in conftest.py."""

import itertools
import json
import re
import urllib.error
import urllib.request

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from debates import moderation, permissions
from debates.maps.cache import map_changed
from debates.models import Classroom, Debate, Kind, Membership, Node, Quote, Relation, Source, Status

_seq = itertools.count(1)

# Every user a test makes has this password unless it says otherwise.
PASSWORD = "pw-for-tests-1"

# Text that breaks whatever forgets to escape it: HTML, quotes, backslashes (live in DOT
# labels), a newline, a right-to-left override, Urdu and an emoji.
HOSTILE = (
    "<script>alert('x')</script> \"quotes\" \\back\\slash\\ <b>bold</b> & ampersand\n"
    "second line \u202eRTL override\u202c اردو متن 🎉"
)

SOURCE_TEXT = (
    "The recent mosque bombing in Peshawar killed more than 100 people.\n\n"
    "Thus far, all attempts at negotiating with local terrorist organizations have failed. "
    "There has been an increasing demand for a “military solution” to the problem.\n\n"
    "Poverty, illiteracy, and political instability have created an environment in which extremism can thrive."
)


def make_user(username: str | None = None, *, teacher: bool = False, password: str = PASSWORD, **extra):
    user = get_user_model().objects.create_user(username=username or f"user{next(_seq)}", password=password, **extra)
    if teacher:
        group, _ = Group.objects.get_or_create(name=permissions.TEACHERS_GROUP)
        user.groups.add(group)
    return user


def make_classroom(*, teacher=None, students=(), name: str | None = None) -> Classroom:
    classroom = Classroom.objects.create(name=name or f"Class {next(_seq)}")
    if teacher is not None:
        Membership.objects.create(classroom=classroom, user=teacher, role=Membership.Role.TEACHER)
    for student in students:
        Membership.objects.create(classroom=classroom, user=student, role=Membership.Role.STUDENT)
    return classroom


def make_source(text: str = SOURCE_TEXT, **fields) -> Source:
    fields.setdefault("title", f"Op-ed {next(_seq)}")
    fields.setdefault("author", "A. Writer")
    fields.setdefault("outlet", "The Daily")
    return Source.objects.create(text=text, **fields)


def make_debate(
    *, classroom=None, created_by=None, question: str = "How should Pakistan respond?", sources=None, **fields
) -> Debate:
    debate = Debate.objects.create(
        slug=fields.pop("slug", f"debate-{next(_seq)}"),
        question=question,
        classroom=classroom,
        created_by=created_by,
        **fields,
    )
    debate.sources.set(sources if sources is not None else [make_source()])
    Node.objects.create(debate=debate, kind=Kind.QUESTION, text=question, status=Status.APPROVED, author=created_by)
    return debate


def question_of(debate: Debate) -> Node:
    return debate.nodes.get(kind=Kind.QUESTION)


def make_node(
    debate: Debate,
    *,
    kind: str = Kind.CLAIM,
    text: str | None = None,
    author=None,
    status: str = Status.APPROVED,
    target: Node | None = None,
    relation: str = "supports",
    quote: str | None = None,
    source: Source | None = None,
) -> Node:
    """A node attached to target (the question by default), written directly: no workflow,
    but the debate's map revision is raised, as every write of the app raises it, so that
    nothing kept for the old revision (drawings, the judgement) is served for the new data."""
    node = Node.objects.create(
        debate=debate, kind=kind, text=text or f"Claim number {next(_seq)}", author=author, status=status
    )
    if quote is not None:
        source = source or debate.sources.first()
        start = source.text.index(quote)
        Quote.objects.create(node=node, source=source, text=quote, start=start, end=start + len(quote))
    Relation.objects.create(
        debate=debate, source=node, target=target or question_of(debate), kind=relation, author=author, status=status
    )
    map_changed(debate.pk)
    return node


def make_relation(
    source: Node, target: Node, *, kind: str = "opposes", author=None, status: str = Status.APPROVED
) -> Relation:
    """An arrow written directly, raising the map revision as make_node() does."""
    relation = Relation.objects.create(
        debate=source.debate, source=source, target=target, kind=kind, author=author, status=status
    )
    map_changed(source.debate_id)
    return relation


def submit_claim(
    debate: Debate,
    author,
    *,
    text: str = "Talks have failed before.",
    target: Node | None = None,
    relation: str = "supports",
    kind: str = Kind.CLAIM,
    quote: moderation.QuoteInput | None = None,
) -> Node:
    """A claim (or another kind) through the real workflow: pending for a student, approved
    for a teacher. Raises errors.ModerationError where the workflow refuses it."""
    return moderation.node_submit(
        debate=debate,
        author=author,
        kind=kind,
        text=text,
        target=target or question_of(debate),
        relation_kind=relation,
        quote=quote,
    )


def submit_evidence(debate: Debate, author, *, passage: str = "all attempts at negotiating", **fields) -> Node:
    """Evidence quoting `passage` of the debate's one source, through the real workflow;
    `fields` as for submit_claim. Raises errors.ModerationError (field "quote") if the
    passage is not in the source."""
    fields.setdefault("text", "Talks failed.")
    quote = moderation.QuoteInput(source=debate.sources.get(), text=passage)
    return submit_claim(debate, author, kind=Kind.EVIDENCE, quote=quote, **fields)


# --- Signing in and reading answers ---------------------------------------------------------


def login(client, user):
    """Django's test client, signed in as `user` without a password round trip."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def text_of(response) -> str:
    """The page's text with tags removed and whitespace collapsed, for assertions on what a reader sees."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def messages_of(response) -> list[str]:
    """The messages Django's messages framework queued during this request, as text."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def api_client(user=None, **kwargs) -> APIClient:
    """A client that sends `user`'s token (anonymous without a user)."""
    client = APIClient(**kwargs)
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def errors(response) -> dict:
    """The field errors of an API error response, checking the error shape on the way."""
    body = response.json()
    assert set(body) == {"status", "code", "detail", "errors"}, body
    assert body["status"] == response.status_code
    return body["errors"]


def post_json(url: str, token: str, body: dict) -> tuple[int, str]:
    """POST `body` as JSON with a token over a real socket (for live_server tests, where
    requests run in the server's own threads); returns the status and, for an error, the
    first 300 characters of its body."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")[:300]


def log_in(page, username: str, password: str = PASSWORD):
    """Sign in through the login form in a Playwright page, as a person would."""
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
