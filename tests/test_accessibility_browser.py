"""axe-core in real Chromium: the pages a student and a teacher use in a week of class have
no violation of the WCAG 2 A and AA rules that axe checks.

axe-core comes from npm: `make test` installs it into .cache/npm (outside git). Without it
(no npm on the machine, or pytest run before `make test` ever ran) the tests skip and say so.
"""

import json
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from debates import moderation
from debates.models import Kind
from debates.teaching import feedback, tasks
from tests.factories import (
    make_classroom,
    make_debate,
    make_node,
    make_source,
    make_user,
    submit_claim,
    submit_evidence,
)

pytestmark = [pytest.mark.browser, pytest.mark.dot]

AXE_JS = Path(__file__).resolve().parent.parent / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
# The WCAG 2.0 and 2.1 rules at levels A and AA: what a school must meet.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_JS.exists():
        if shutil.which("npm") is None:
            pytest.skip("axe-core needs npm, which is not installed here")
        pytest.skip(f"axe-core is not installed: run `make test` (it installs axe-core into {AXE_JS.parents[2]})")
    return AXE_JS.read_text()


@pytest.fixture
def week(transactional_db):
    """A class in its week: a debate with an op-ed and a claim, a student's approved and
    pending work, a task, released feedback and grades, so that every page has content."""
    teacher = make_user("ms_khan", teacher=True)
    student = make_user("amina")
    classroom = make_classroom(teacher=teacher, students=[student], name="Civics 10B")
    source = make_source(title="Security failure in Pakistan")
    debate = make_debate(classroom=classroom, created_by=teacher, slug="ttp", sources=[source])
    claim = make_node(debate, text="Military force is the answer.", author=teacher)
    mine = make_node(debate, text="Talks have failed before.", author=student, target=claim, relation="opposes")
    submit_claim(debate, student, text="Poverty feeds militancy.", target=claim, relation="opposes")
    submit_evidence(debate, student, target=claim, relation="opposes")
    # Approved evidence: the source page highlights its quote as a link.
    make_node(debate, kind=Kind.EVIDENCE, text="Many died.", quote="killed more than 100 people", target=claim)
    task = tasks.task_create(debate=debate, teacher=teacher, text="Answer the objection 1.1", node=claim)
    feedback.feedback_save(item=mine, teacher=teacher, text="Cite the op-ed for this.")
    # Feedback on links: the student's arrow, listed on the claim's page, and a link proposed alone.
    feedback.feedback_save(item=mine.outgoing.get(), teacher=teacher, text="Why does it oppose?")
    alone = moderation.relation_submit(author=student, source=claim, target=mine, kind="supports")
    feedback.feedback_save(item=alone, teacher=teacher, text="Does it, though?")
    feedback.grade_save(debate=debate, student=student, teacher=teacher, score="8", comment="Well argued.")
    feedback.grades_release(debate=debate, teacher=teacher)
    return {
        "teacher": teacher,
        "student": student,
        "classroom": classroom,
        "debate": debate,
        "claim": claim,
        "mine": mine,
        "task": task,
    }


def sign_in(page, live_server, username: str) -> None:
    """Give the browser a signed-in session (logging in through the form is tested elsewhere)."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def violations(page, axe_source: str) -> list[str]:
    """axe's WCAG A/AA violations on the page as it is now, one line each: rule, impact,
    what it asks, and the elements at fault."""
    # Evaluated through the DevTools protocol, so the page's Content-Security-Policy (no
    # inline script) does not block it.
    page.evaluate(axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: {json.dumps([n['target'] for n in v['nodes']][:5])}"
        for v in result["violations"]
    ]


def check(page, axe_source: str, pages: dict) -> dict:
    """Visit each page (a URL, or a callable that brings the page to the state to check) and
    collect its violations; pages with none are left out of the answer."""
    found = {}
    for name, visit in pages.items():
        if callable(visit):
            visit()
        else:
            response = page.goto(visit)
            assert response.status == 200, (name, visit, response.status)
        page.wait_for_load_state("load")
        problems = violations(page, axe_source)
        if problems:
            found[name] = problems
    return found


def test_the_pages_a_student_uses_have_no_wcag_a_or_aa_violations(axe_source, page, live_server, week):
    debate, claim = week["debate"], week["claim"]
    sign_in(page, live_server, "amina")

    def contribution_form_with_errors():
        page.goto(reverse("debates:node-create", args=[debate.slug]) + f"?target={claim.pk}")
        page.get_by_role("button", name="Submit").click()
        page.wait_for_load_state("load")
        assert page.locator(".errorlist, .error-summary").count() > 0, "the form was expected to show errors"

    found = check(
        page,
        axe_source,
        {
            "home": "/",
            "debate page": debate.get_absolute_url(),
            "node page": claim.get_absolute_url(),
            "source page": debate.sources.get().get_absolute_url(),
            "contribution form with errors": contribution_form_with_errors,
            "my contributions": reverse("debates:my-contributions"),
            "notifications": reverse("debates:notifications"),
            "tasks": reverse("debates:task-list", args=[debate.slug]),
        },
    )
    assert found == {}, "\n".join(f"{name}: {line}" for name, lines in found.items() for line in lines)


def test_the_pages_a_teacher_uses_have_no_wcag_a_or_aa_violations(axe_source, page, live_server, week):
    debate = week["debate"]
    sign_in(page, live_server, "ms_khan")
    found = check(
        page,
        axe_source,
        {
            "moderation queue": reverse("debates:moderation-queue"),
            "node page": week["claim"].get_absolute_url(),
            # A student's box: the form for the teacher's feedback on it.
            "student's node page": week["mine"].get_absolute_url(),
            "student's items": reverse("debates:student-items", args=[week["classroom"].pk, week["student"].pk]),
            "classroom": reverse("debates:classroom-detail", args=[week["classroom"].pk]),
            "classroom activity": reverse("debates:classroom-activity", args=[week["classroom"].pk]),
            "tasks": reverse("debates:task-list", args=[debate.slug]),
            "task": week["task"].get_absolute_url(),
            "task edit": reverse("debates:task-edit", args=[debate.slug, week["task"].pk]),
            "task delete": reverse("debates:task-delete", args=[debate.slug, week["task"].pk]),
            "grades": reverse("debates:debate-grades", args=[debate.slug]),
            "notifications": reverse("debates:notifications"),
        },
    )
    assert found == {}, "\n".join(f"{name}: {line}" for name, lines in found.items() for line in lines)


def test_axe_finds_a_violation_when_there_is_one(axe_source, page, live_server, week):
    """The check itself can fail: an image without a text alternative is reported."""
    sign_in(page, live_server, "amina")
    page.goto("/")
    page.evaluate("() => document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/x.png\">')")
    assert any(line.startswith("image-alt") for line in violations(page, axe_source))
