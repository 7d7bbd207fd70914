"""The debate page's map and the projector view in real Chromium: readable when it opens,
pan and zoom by keyboard and buttons, the skip link, a phone, and the projector's branches."""

import re

import pytest

from tests.test_map_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.dot]

DEMO = "/debates/pakistan-ttp-response/"


@pytest.fixture
def demo(page, live_server, demo_debate):
    """The demo debate as one of its students sees it, in the shared tab."""
    sign_in(page, live_server, "student1")


# Each box text's drawn size in CSS px, two ways: its font size times the scale of its screen
# transform, and the height of its box on screen (a line of text is about its font size high).
TEXT_SIZES = """
() => [...document.querySelectorAll('#map g.node text')].map(t => {
  const ctm = t.getScreenCTM();
  const scale = Math.hypot(ctm.a, ctm.b);
  return {px: parseFloat(t.getAttribute('font-size')) * scale, height: t.getBoundingClientRect().height};
})
"""

VISIBLE_TEXT_SIZES = """
() => {
  const view = document.querySelector('#map svg').getBoundingClientRect();
  return [...document.querySelectorAll('#map g.node text')].filter(t => {
    const r = t.getBoundingClientRect();
    return r.right > view.left && r.left < view.right && r.bottom > view.top && r.top < view.bottom;
  }).map(t => parseFloat(t.getAttribute('font-size')) * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b));
}
"""


CTM = "document.querySelector('#map svg g.svg-pan-zoom_viewport').getCTM()"


def ready(page):
    """Wait until map.js has opened the map at its readable size."""
    page.wait_for_selector("#map[data-map-ready]", state="attached")


def steady(page, expression: str) -> float:
    """Wait until a number drawn from the viewport's transform holds still over two animation
    frames (an opening zoom or a pan may still be under way on a loaded machine), then return it."""
    page.wait_for_function(
        f"""() => new Promise(done => {{
            const before = {expression};
            requestAnimationFrame(() => requestAnimationFrame(() => done(Math.abs({expression} - before) < 1e-9)));
        }})"""
    )
    return page.evaluate(f"() => {expression}")


def zoom_of(page) -> float:
    return steady(page, f"{CTM}.a")


def settled(page, expression: str, expected: float):
    """Wait until a number drawn from the viewport's transform reaches `expected` (svg-pan-zoom
    applies each change on the next animation frame) and holds still, then return it. A zoom
    (a scale near 1) must come within 1 %; a pan (in px) within half a pixel."""
    tolerance = abs(expected) * 0.01 if expression.endswith(".a") else 0.5
    page.wait_for_function(f"() => Math.abs({expression} - {expected}) < {tolerance}")
    return steady(page, expression)


def test_the_map_opens_with_every_box_text_at_11_css_px_or_more_at_1280x800(page, demo):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(DEMO)
    ready(page)
    sizes = page.evaluate(TEXT_SIZES)
    assert len(sizes) > 100
    assert min(s["px"] for s in sizes) >= 11
    # The measure agrees with the layout engine: a line of 12 pt text is drawn about that high.
    body = [s for s in sizes if s["px"] >= 14]
    assert body and min(s["height"] for s in body) >= 11
    # And what the reader sees first is boxes, not empty space: the question is in view.
    assert len(page.evaluate(VISIBLE_TEXT_SIZES)) >= 5
    question = page.locator("#map g.node", has_text="How should Pakistan respond").first
    view, box = page.locator("#map svg").bounding_box(), question.bounding_box()
    assert view["x"] <= box["x"] + box["width"] / 2 <= view["x"] + view["width"]
    assert view["y"] <= box["y"] <= view["y"] + view["height"]


def test_keyboard_zooms_pans_and_fits_the_map(page, demo):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(DEMO)
    ready(page)
    page.locator("#map").focus()
    start = zoom_of(page)
    page.keyboard.press("+")
    assert settled(page, f"{CTM}.a", start * 1.25) == pytest.approx(start * 1.25, rel=0.01)
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert settled(page, f"{CTM}.a", start / 1.25) == pytest.approx(start / 1.25, rel=0.01)
    before = steady(page, f"{CTM}.e")
    page.keyboard.press("ArrowLeft")
    assert settled(page, f"{CTM}.e", before + 80) == pytest.approx(before + 80, abs=1)
    before = steady(page, f"{CTM}.f")
    page.keyboard.press("ArrowUp")
    assert settled(page, f"{CTM}.f", before + 80) == pytest.approx(before + 80, abs=1)
    # 0: the whole map in view, so every box lies inside the map's frame.
    page.keyboard.press("0")
    page.wait_for_function(f"() => {CTM}.a < {start / 1.25 * 0.9}")
    page.wait_for_timeout(100)
    view = page.locator("#map svg").bounding_box()
    boxes = page.evaluate(
        "() => [...document.querySelectorAll('#map g.node')].map(g => g.getBoundingClientRect().toJSON())"
    )
    for box in boxes:
        assert view["x"] - 1 <= box["x"] and box["x"] + box["width"] <= view["x"] + view["width"] + 1
        assert view["y"] - 1 <= box["y"] and box["y"] + box["height"] <= view["y"] + view["height"] + 1
    # The buttons do the same: "Readable size" brings the text back to 11 px or more.
    page.get_by_role("button", name="Readable size").click()
    ready(page)
    assert min(s["px"] for s in page.evaluate(TEXT_SIZES)) >= 11
    zoomed = zoom_of(page)
    page.get_by_role("button", name="Zoom in").click()
    assert settled(page, f"{CTM}.a", zoomed * 1.25) == pytest.approx(zoomed * 1.25, rel=0.01)


def test_a_box_still_opens_its_node_when_clicked_on_the_pannable_map(page, demo):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(DEMO)
    ready(page)
    page.locator("#map g.node", has_text="How should Pakistan respond").locator("a").first.click()
    page.wait_for_url(re.compile(r"/debates/pakistan-ttp-response/nodes/\d+/$"))


def test_the_skip_link_moves_keyboard_focus_past_the_map_to_the_outline(page, demo):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(DEMO)
    ready(page)
    skip = page.get_by_role("link", name="Skip the map: go to the outline")
    skip.focus()
    assert skip.is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "outline-heading"
    # The next Tab lands in the outline, not on a box of the map.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('.outline-panel') !== null")


def test_on_a_phone_the_page_does_not_scroll_sideways_and_the_map_has_its_controls(page, demo):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(DEMO)
    ready(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.evaluate("() => document.body.scrollWidth") <= 390
    svg = page.locator("#map svg").bounding_box()
    assert svg["width"] >= 300 and svg["height"] >= 400
    for name in ("Zoom in", "Zoom out", "Readable size", "Whole map"):
        button = page.get_by_role("button", name=name)
        assert button.is_visible()
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert min(s["px"] for s in page.evaluate(TEXT_SIZES)) >= 11
    assert page.locator("#map-caption").get_by_role("link", name="outline").is_visible()


# ----------------------------------------------------------------------------- the projector


def test_the_projector_shows_one_branch_at_24_px_or_more_and_moves_with_the_keyboard(page, demo):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(DEMO)
    page.get_by_role("link", name="Present on a projector").click()
    page.wait_for_url(re.compile(r"/present/$"))
    assert page.locator(".present-count").inner_text() == "1 of 4"  # the demo's four positions
    first = page.locator(".present-tree > li > .present-box .present-text").first.inner_text()
    assert first.startswith("Answer the TTP with a military solution")
    page.screenshot(path="/tmp/maplook-present.png")
    # One branch: its own boxes, numbered 1.1..., and none of the other position's (1.2...).
    numbers = page.locator(".present-number").all_inner_texts()
    assert "1.1" in numbers and not any(n == "1.2" or n.startswith("1.2.") for n in numbers)
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('.present-text, .present-quote')]"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert len(sizes) > 5 and min(sizes) >= 24
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"\?branch=2$"))
    assert page.locator(".present-count").inner_text() == "2 of 4"
    assert page.locator(".present-tree .present-text").first.inner_text().startswith("Address the root causes")
    page.keyboard.press("PageUp")
    page.wait_for_url(re.compile(r"\?branch=1$"))
    # A branch taller than the screen scrolls first; at its end, Page Down moves on.
    page.keyboard.press("End")
    page.wait_for_function("() => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2")
    page.keyboard.press("PageDown")
    page.wait_for_url(re.compile(r"\?branch=2$"))
    page.keyboard.press("End")
    page.wait_for_function("() => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2")
    page.keyboard.press(" ")
    page.wait_for_url(re.compile(r"\?branch=3$"))
    page.get_by_role("link", name="← Previous").click()
    page.wait_for_url(re.compile(r"\?branch=2$"))
    # Full screen, from its button, and back with F.
    page.get_by_role("button", name="Full screen").click()
    page.wait_for_function("() => document.fullscreenElement === document.documentElement")
    page.keyboard.press("f")
    page.wait_for_function("() => document.fullscreenElement === null")


def test_on_a_phone_the_projector_header_wraps_and_keeps_full_screen_on_screen(page, demo):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(DEMO + "present/")
    full = page.get_by_role("button", name="Full screen")
    full.wait_for()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    for control in (
        full,
        page.get_by_role("link", name="Next →"),
        page.get_by_role("link", name="Back to the debate"),
        page.locator(".present-count"),
    ):
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    # The badges are on the boxes here too, at the projector's size.
    badge = page.locator(".present-tree .standing").first
    assert re.fullmatch(r"[✓✗?] (stands|falls|open)( · not evidenced)?", badge.inner_text())
    assert float(badge.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 20


def test_touch_drags_and_pinches_the_map_on_a_phone(chromium, live_server, demo_debate):
    # A touch screen of its own: the shared fixture's tab has none.
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    context.set_default_timeout(20_000)
    phone = context.new_page()
    try:
        sign_in(phone, live_server, "student1")
        phone.goto(DEMO)
        ready(phone)
        phone.locator("#map").scroll_into_view_if_needed()
        view = phone.locator("#map svg").bounding_box()
        x, y = view["x"] + view["width"] / 2, view["y"] + view["height"] / 2
        touch = phone.context.new_cdp_session(phone)

        def fingers(kind, *points):
            touch.send(
                "Input.dispatchTouchEvent",
                {"type": kind, "touchPoints": [{"x": px, "y": py, "id": i} for i, (px, py) in enumerate(points)]},
            )

        start_zoom, start_x = zoom_of(phone), phone.evaluate(f"() => {CTM}.e")
        # One finger drags the map 60 px to the right.
        fingers("touchStart", (x, y))
        for step in range(1, 7):
            fingers("touchMove", (x + 10 * step, y))
        fingers("touchEnd")
        phone.wait_for_function(f"() => {CTM}.e > {start_x + 40}")
        # Two fingers spread from 40 px apart to 120 px apart: a pinch that zooms in.
        fingers("touchStart", (x - 20, y), (x + 20, y))
        for step in range(1, 5):
            fingers("touchMove", (x - 20 - 10 * step, y), (x + 20 + 10 * step, y))
        fingers("touchEnd")
        phone.wait_for_function(f"() => {CTM}.a > {start_zoom * 2.5}")
        # And one finger pans again after the pinch.
        zoomed_x = phone.evaluate(f"() => {CTM}.e")
        fingers("touchStart", (x, y))
        for step in range(1, 7):
            fingers("touchMove", (x - 10 * step, y))
        fingers("touchEnd")
        phone.wait_for_function(f"() => {CTM}.e < {zoomed_x - 40}")
    finally:
        context.close()
