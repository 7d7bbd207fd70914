"""User text in real Chromium: a 150-letter user name wraps inside its table instead of
pushing the other columns off the screen, and a right-to-left override someone typed
(U+202E) reverses only their own words, not the page's text after them."""

import datetime

import pytest

from debates import moderation
from debates.models import Action, GroupCopy, GroupMember
from debates.teaching import feedback, tasks
from tests.factories import PASSWORD, log_in, make_classroom, make_debate, make_node, make_user, submit_claim

pytestmark = pytest.mark.browser

LONG_NAME = "a" * 150
RLO = "\u202e"


@pytest.fixture
def setting(transactional_db):
    """A classroom whose student has a 150-letter name, a debate with a claim, a task on it
    and a grade, so that every table naming students has a row for them."""
    teacher = make_user("ms_khan", teacher=True)
    student = make_user(LONG_NAME, password=PASSWORD)
    classroom = make_classroom(teacher=teacher, students=[student], name="Civics 10B")
    debate = make_debate(classroom=classroom, created_by=teacher, slug="ttp")
    claim = make_node(debate, text="Military force is the answer.", author=teacher)
    task = tasks.task_create(debate=debate, teacher=teacher, text="Answer the objection 1.1", node=claim)
    feedback.grade_save(debate=debate, student=student, teacher=teacher, score="8")
    return {"teacher": teacher, "student": student, "classroom": classroom, "debate": debate, "task": task}


def _fits(page, *, whole_tables: bool) -> bool:
    """Whether the page does not scroll sideways, and every table's student names are in view
    (and, with `whole_tables`, every table fits the window entirely)."""
    return page.evaluate(
        """(whole) => {
          const width = document.documentElement.clientWidth;
          const tables = [...document.querySelectorAll("main table")];
          const names = [...document.querySelectorAll("main th[scope=row]")];
          return document.documentElement.scrollWidth <= width && tables.length > 0 && names.length > 0
            && names.every(th => th.getBoundingClientRect().right <= width)
            && (!whole || tables.every(t => t.getBoundingClientRect().right <= width));
        }""",
        whole_tables,
    )


@pytest.mark.parametrize("width", [1280, 800])
def test_a_150_letter_user_name_wraps_inside_every_table_that_names_students(page, setting, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "ms_khan")
    classroom, debate = setting["classroom"], setting["debate"]
    for url in [
        f"/classrooms/{classroom.pk}/activity/",
        f"/classrooms/{classroom.pk}/activity/?debate={debate.slug}",
        classroom.get_absolute_url(),
        f"/debates/{debate.slug}/grades/",
        setting["task"].get_absolute_url(),
    ]:
        page.goto(url)
        assert page.get_by_text(LONG_NAME, exact=True).first.is_visible(), url
        # On a laptop's screen every column is in view; on a narrower one the activity
        # table's counts scroll inside their box, the page itself never.
        assert _fits(page, whole_tables=width >= 1280), url


def test_on_a_phone_the_student_column_stays_in_view_while_the_numbers_scroll(page, setting):
    page.set_viewport_size({"width": 400, "height": 800})
    log_in(page, "ms_khan")
    page.goto(f"/classrooms/{setting['classroom'].pk}/activity/")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    name = page.locator("table.activity tbody th[scope=row]")
    before = name.bounding_box()["x"]
    page.locator(".table-scroll").evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    assert page.locator(".table-scroll").evaluate("el => el.scrollLeft") > 0
    assert name.bounding_box()["x"] == before


# The text node's first character is drawn left of its last: it reads left to right, not reversed.
READS_FORWARD = """(el) => {
  const text = [...el.childNodes].find(n => n.nodeType === Node.TEXT_NODE && n.data.trim());
  const start = text.data.search(/\\S/), end = text.data.trimEnd().length;
  const range = document.createRange();
  range.setStart(text, start); range.setEnd(text, start + 1);
  const first = range.getBoundingClientRect().left;
  range.setStart(text, end - 1); range.setEnd(text, end);
  return first < range.getBoundingClientRect().left;
}"""


def test_an_override_in_a_task_reverses_none_of_the_page_after_it(page, setting):
    due = datetime.date.today() + datetime.timedelta(days=3)
    task = tasks.task_create(
        debate=setting["debate"], teacher=setting["teacher"], text=f"Read {RLO}this", node=None, due=due
    )
    log_in(page, LONG_NAME)
    page.goto("/")
    # The home page's open task: the link, then "in <question> · due <date>" on its line.
    after = page.locator(".open-tasks li", has=page.get_by_role("link", name=task.text)).locator("span.muted")
    assert after.evaluate(READS_FORWARD)
    # A task on a box: its text bare in the list item, then "(due <date>)".
    setting["task"].text = f"Answer {RLO}the objection"
    setting["task"].due = due
    setting["task"].save()
    page.goto(setting["task"].node.get_absolute_url())
    assert page.locator(".node-tasks li span.muted").evaluate(READS_FORWARD)


def test_an_override_in_a_group_name_reverses_none_of_the_page_after_it(page, setting):
    copy = make_debate(classroom=setting["classroom"], created_by=setting["teacher"], slug="ttp-group-a")
    group = GroupCopy.objects.create(origin=setting["debate"], debate=copy, name=f"Group {RLO}A")
    member = make_user("bilal")
    setting["classroom"].memberships.create(user=member, role="student")
    GroupMember.objects.create(group=group, student=member)
    log_in(page, "ms_khan")
    page.goto(f"/debates/{setting['debate'].slug}/groups/")
    # "<group>: <members>": the members stay after the group's name, not before it.
    entry = page.locator("li.card", has=page.get_by_role("link", name=group.name))
    assert entry.evaluate(
        """(li) => {
          const walker = document.createTreeWalker(li, NodeFilter.SHOW_TEXT);
          let text;
          while ((text = walker.nextNode()) && !text.data.includes("bilal"));
          const range = document.createRange();
          range.selectNodeContents(text);
          return range.getBoundingClientRect().left >= li.querySelector("a").getBoundingClientRect().right;
        }"""
    )


def test_an_override_in_feedback_reverses_none_of_the_page_after_it(page, setting):
    node = submit_claim(setting["debate"], setting["student"], text="Force has failed before.")
    moderation.item_decide(item=node, moderator=setting["teacher"], action=Action.APPROVED)
    feedback.feedback_save(item=node, teacher=setting["teacher"], text=f"Good {RLO}point")
    log_in(page, "ms_khan")
    page.goto(f"/debates/{setting['debate'].slug}/grades/")
    # The grade history: "... on 1.1.1 “<text>”: <feedback> by ms_khan".
    entry = page.locator(".history li", has_text="point")
    assert entry.locator("span.muted").evaluate(READS_FORWARD)


@pytest.mark.parametrize("width", [1280, 400])
def test_a_150_letter_user_name_never_makes_the_queue_or_the_navigation_scroll_sideways(page, setting, width):
    submit_claim(setting["debate"], setting["student"], text="Talks have failed before.")
    page.set_viewport_size({"width": width, "height": 900})
    scrolls = "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    log_in(page, "ms_khan")
    page.goto("/moderation/")
    assert page.locator("main strong", has_text=LONG_NAME).first.is_visible()  # "by <name>" on the card
    assert not page.evaluate(scrolls)
    page.context.clear_cookies()
    log_in(page, LONG_NAME)
    page.goto("/")
    assert not page.evaluate(scrolls)
    log_out = page.get_by_role("button", name="Log out").bounding_box()
    assert log_out and log_out["x"] + log_out["width"] <= width
    assert page.locator(".site-header .who").get_attribute("title") == LONG_NAME
