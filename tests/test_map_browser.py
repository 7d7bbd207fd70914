"""The demo debate in real Chromium: the map and the outline side by side; a box opens its node."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.dot]


def sign_in(page, live_server, username):
    """Give the browser the session of a signed-in user (the login page is not this test's subject)."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_student_opens_the_demo_map_and_clicks_a_box_through_to_its_node(page, live_server, demo_debate):
    sign_in(page, live_server, "student1")
    page.goto("/debates/pakistan-ttp-response/")

    assert page.locator("h1").inner_text().startswith("How should Pakistan respond")
    map_svg = page.locator("#map svg")
    assert map_svg.is_visible()
    assert page.locator("#map g.node").count() > 40
    outline = page.locator("ol.outline")
    assert outline.is_visible()
    assert outline.locator("li").first.inner_text().startswith("1")
    assert page.get_by_text("Pro", exact=True).first.is_visible()

    box = page.locator("#map g.node", has_text="Address the root causes").locator("a").first
    box.click()
    page.wait_for_url(re.compile(r"/debates/pakistan-ttp-response/nodes/\d+/$"))
    assert "Address the root causes of militancy" in page.locator("h1").inner_text()
    assert page.get_by_role("heading", name="Supported by").is_visible()
