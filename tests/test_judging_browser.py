"""Standing in real Chromium on the demo debate: the badges and their key beside the map,
the reason on a node's page, and the teacher's switch that hides them from the class."""

import re

import pytest

from tests.test_map_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.dot]

SLUG = "pakistan-ttp-response"


def badges_on_map(page) -> int:
    return page.locator("#map g.node", has_text=re.compile("\u2713 stands|\u2717 falls|\\? open")).count()


def test_a_student_sees_the_badges_and_their_key_and_a_reason_on_a_node_page(page, live_server, demo_debate):
    sign_in(page, live_server, "student1")
    page.goto(f"/debates/{SLUG}/")
    assert badges_on_map(page) > 10
    key = page.locator("section.standing-key")
    assert key.is_visible()
    assert key.get_by_text("Something that stands opposes it.").is_visible()
    assert "dotted border" in key.inner_text()
    # The outline gives the reasons in words, and the weak points panel is there.
    assert page.locator("ol.outline .standing-reason").first.is_visible()
    assert page.get_by_role("heading", name="Weak points").is_visible()

    page.locator("#map g.node", has_text="Address the root causes").locator("a").first.click()
    page.wait_for_url(re.compile(rf"/debates/{SLUG}/nodes/\d+/$"))
    standing = page.locator("section.node-standing")
    assert standing.get_by_role("heading", name="Does it stand?").is_visible()
    assert re.match(r"(Stands|Falls|Undecided): ", standing.locator(".standing-reason").inner_text())


def test_a_teacher_hides_the_badges_from_the_class_and_shows_them_again(page, live_server, demo_debate):
    sign_in(page, live_server, "teacher")
    page.goto(f"/debates/{SLUG}/")
    assert badges_on_map(page) > 10
    page.get_by_role("button", name="Hide the standing from the class").click()
    page.wait_for_url(re.compile(rf"/debates/{SLUG}/$"))
    assert page.get_by_text("The standing is hidden from the class").is_visible()
    assert badges_on_map(page) == 0
    # The teacher still sees the reasons, marked as hidden from the class.
    assert page.get_by_text("Standing hidden from the class").first.is_visible()
    assert page.locator("ol.outline .standing-reason").count() > 10

    student = page.context.browser.new_context(base_url=live_server.url)
    student_page = student.new_page()
    sign_in(student_page, live_server, "student1")
    student_page.goto(f"/debates/{SLUG}/")
    assert badges_on_map(student_page) == 0
    assert student_page.locator("ol.outline .standing-reason").count() == 0
    assert student_page.get_by_text("The badges are off for this debate").is_visible()
    assert student_page.get_by_role("button", name=re.compile("standing")).count() == 0
    student.close()

    page.get_by_role("button", name="Show the standing to the class").click()
    page.wait_for_url(re.compile(rf"/debates/{SLUG}/$"))
    assert badges_on_map(page) > 10
