"""In real Chromium: a form marked data-submit-once is sent once, however often it is
submitted, its button is disabled meanwhile, and usable again when the reader comes back."""

import pytest
from playwright.sync_api import expect

from debates.models import Node
from tests.factories import make_classroom, make_debate, make_user

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-tests-1"


@pytest.fixture
def student_page(page, transactional_db):
    """A signed-in student of a classroom with one open debate, on its contribute form."""
    teacher = make_user("ms_khan", teacher=True)
    student = make_user("ali", password=PASSWORD)
    debate = make_debate(classroom=make_classroom(teacher=teacher, students=[student]), created_by=teacher, slug="ttp")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("ali")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(f"/debates/{debate.slug}/contribute/")
    return page


def test_a_form_submitted_twice_at_once_sends_one_request_and_disables_its_button(student_page):
    page = student_page
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.get_by_label("Statement").fill("Talks have failed before.")
    disabled = page.evaluate(
        """() => new Promise((resolve) => {
            const form = document.querySelector("form[data-submit-once]");
            const button = form.querySelector("button[type=submit]");
            form.requestSubmit(button);
            form.requestSubmit(button);
            setTimeout(() => resolve(button.disabled), 0);
        })"""
    )
    assert disabled is True
    expect(page.get_by_text("Sent to your teacher for review.")).to_be_visible()
    assert len(posts) == 1, posts
    assert Node.objects.filter(text="Talks have failed before.").count() == 1
    # Back to the form: its button works again (pageshow).
    page.go_back()
    expect(page.get_by_role("button", name="Submit")).to_be_enabled()
    assert not problems, problems
