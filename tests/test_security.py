"""Safety across the classroom pages: CSRF, 404-not-403, headers, escaping, deploy checks."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from debates import moderation
from debates.models import Action, Classroom
from tests.factories import HOSTILE, login, make_node, submit_claim

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(debate, classroom, student, other_student, teacher):
    """A debate with an approved claim, a pending claim of `student` and a returned one."""
    claim = make_node(debate, text="Approved claim")
    pending = submit_claim(debate, student, text="Student's pending claim", target=claim)
    returned = submit_claim(debate, student, text="Student's returned claim", target=claim)
    moderation.item_decide(item=returned, moderator=teacher, action=Action.RETURNED, note="Secret note")
    return {"debate": debate, "classroom": classroom, "claim": claim, "pending": pending, "returned": returned}


def classroom_pages(world) -> list[str]:
    """Every GET page of the classroom capability that belongs to `classroom`."""
    d, c = world["debate"], world["classroom"]
    return [
        reverse("debates:classroom-detail", args=[c.pk]),
        reverse("debates:source-create", args=[d.slug]),
        reverse("debates:source-detail", args=[d.sources.get().pk]),
        reverse("debates:node-create", args=[d.slug]),
        reverse("debates:relation-create", args=[d.slug]),
        reverse("debates:node-edit", args=[d.slug, world["pending"].pk]),
    ]


def posts(world) -> list[tuple[str, dict]]:
    """Every POST of the classroom capability, with data that would succeed for the right user."""
    d, c = world["debate"], world["classroom"]
    pending = world["pending"]
    return [
        (reverse("debates:classroom-regenerate-code", args=[c.pk]), {}),
        (reverse("debates:debate-close", args=[d.slug]), {"is_open": "0"}),
        (reverse("debates:source-create", args=[d.slug]), {"title": "T", "text": "Some text"}),
        (
            reverse("debates:node-create", args=[d.slug]),
            {"kind": "claim", "text": "x", "relation": "supports", "target": world["claim"].pk},
        ),
        (
            reverse("debates:relation-create", args=[d.slug]),
            {"source": world["claim"].pk, "target": pending.pk, "kind": "supports"},
        ),
        (reverse("debates:node-edit", args=[d.slug, pending.pk]), {"text": "Edited"}),
        (reverse("debates:node-withdraw", args=[d.slug, pending.pk]), {}),
        (reverse("debates:moderation-decide", args=["node", pending.pk]), {f"node-{pending.pk}-action": "approved"}),
        (reverse("debates:moderation-bulk"), {"items": [f"node-{pending.pk}"]}),
    ]


def test_every_classroom_page_is_404_for_a_student_of_another_classroom(world, outsider):
    client = login(Client(), outsider)
    for url in classroom_pages(world):
        assert client.get(url).status_code == 404, url
    for url, data in posts(world):
        assert client.post(url, data).status_code == 404, url
    world["pending"].refresh_from_db()
    assert world["pending"].text == "Student's pending claim"


def test_every_classroom_page_sends_visitors_to_log_in_or_404(world):
    client = Client()
    for url in classroom_pages(world):
        response = client.get(url)
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/?next="), url


def test_every_post_refuses_a_missing_csrf_token(world, teacher, student):
    for url, data in posts(world):
        user = student if "/nodes/" in url or "/contribute/" in url or "/link/" in url else teacher
        client = login(Client(enforce_csrf_checks=True), user)
        assert client.post(url, data).status_code == 403, url
    world["pending"].refresh_from_db()
    assert world["pending"].status == "pending" and world["pending"].text == "Student's pending claim"
    assert world["debate"].is_open


def test_a_student_never_sees_another_students_pending_or_returned_work(world, other_student):
    client = login(Client(), other_student)
    pages = [
        "/",
        reverse("debates:my-contributions"),
        reverse("debates:source-detail", args=[world["debate"].sources.get().pk]),
        reverse("debates:node-create", args=[world["debate"].slug]),
        reverse("debates:relation-create", args=[world["debate"].slug]),
        world["debate"].get_absolute_url(),
    ]
    for url in pages:
        page = client.get(url).content.decode()
        assert "Student&#x27;s pending claim" not in page and "Student's pending claim" not in page, url
        assert "returned claim" not in page and "Secret note" not in page, url
    for item in ("pending", "returned"):
        assert client.get(world[item].get_absolute_url()).status_code == 404


def test_responses_carry_csp_clickjacking_and_nosniff_headers(world, student):
    response = login(Client(), student).get(reverse("debates:source-detail", args=[world["debate"].sources.get().pk]))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "style-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_templates_have_no_inline_script_or_style():
    for path in (BASE_DIR / "templates").rglob("*.html"):
        html = path.read_text()
        assert " style=" not in html and "<style" not in html, path
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (path, tag)  # CSP allows script files, never inline code


def test_hostile_text_is_escaped_on_the_queue_the_classroom_and_my_contributions(
    client, teacher, student, classroom, debate
):
    claim = make_node(debate, text="Target")
    node = submit_claim(debate, student, text=HOSTILE, target=claim)
    moderation.item_decide(item=node, moderator=teacher, action=Action.RETURNED, note=HOSTILE)
    moderation.node_edit(node=node, editor=student, text=HOSTILE + " again")
    Classroom.objects.filter(pk=classroom.pk).update(name="<img src=x onerror=alert(1)>")
    for user, url in [
        (teacher, reverse("debates:moderation-queue")),
        (teacher, reverse("debates:classroom-detail", args=[classroom.pk])),
        (student, reverse("debates:my-contributions")),
        (student, reverse("debates:node-edit", args=[debate.slug, node.pk])),
        (student, reverse("debates:classroom-list")),
    ]:
        page = login(Client(), user).get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold</b>" not in page, url
    page = login(Client(), teacher).get(reverse("debates:moderation-queue")).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


@pytest.mark.parametrize("value", ["%00", "abc", "99999999999999999999999999", "-1", "١٢"])
def test_odd_query_parameters_never_cause_a_500(client, student, debate, value):
    login(client, student)
    source = debate.sources.get()
    for url in [
        f"{reverse('debates:node-create', args=[debate.slug])}?target={value}&source={value}"
        f"&start={value}&end={value}&kind={value}&relation={value}",
        f"{reverse('debates:relation-create', args=[debate.slug])}?source={value}&target={value}",
        f"{source.get_absolute_url()}?debate={value}&target={value}&relation={value}",
    ]:
        # A NUL is refused at the door, naming the parameter; other odd values are ignored.
        assert client.get(url).status_code == (400 if value == "%00" else 200), url


def test_odd_posted_values_never_cause_a_500(client, teacher, student, debate):
    login(client, student)
    claim = make_node(debate)
    url = reverse("debates:node-create", args=[debate.slug])
    data = {
        "kind": "claim",
        "text": "x",
        "relation": "supports",
        "target": "99999999999999999999999",
        "start": "-5",
    }
    assert client.post(url, data).status_code == 400
    data = {
        "kind": "evidence",
        "text": "x",
        "relation": "supports",
        "target": claim.pk,
        "source": "1",
        "quote": "\x00",
    }
    assert client.post(url, data).status_code == 400
    login(client, teacher)
    assert (
        client.post(reverse("debates:moderation-bulk"), {"items": ["node-99999999999999999999999"]}).status_code == 302
    )


def test_check_deploy_is_clean_under_production_settings():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "counterpoint.example",
        # Production shares one cache between its servers (checked, not connected to).
        "REDIS_URL": "redis://cache.internal:6379/0",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser fixture for Playwright; never in production
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_only_the_map_runner_starts_a_process():
    # One place runs Graphviz with a time limit and no file access; nothing else may start a process.
    starts = re.compile(r"\bimport subprocess\b|\bfrom subprocess\b|\bos\.(system|popen|exec\w*|spawn\w*)\(")
    offenders = [
        str(path.relative_to(BASE_DIR))
        for path in sorted((BASE_DIR / "debates").rglob("*.py"))
        if starts.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == ["debates/maps/runner.py"]
