"""The teacher's tools in real Chromium: a student sees a task, contributes from it, is told of
the decision and, after the release, sees the grade; the contribution form's counter and error
summary; long unbroken text wraps."""

import pytest
from playwright.sync_api import expect

from debates import moderation
from debates.models import Action, Node, TaskContribution
from debates.teaching import feedback, tasks
from tests.factories import PASSWORD, log_in, make_classroom, make_debate, make_node, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def setting(transactional_db):
    """A teacher's classroom with one student, a debate with one approved claim, and a task on it."""
    teacher = make_user("ms_khan", teacher=True)
    student = make_user("amina", password=PASSWORD)
    classroom = make_classroom(teacher=teacher, students=[student], name="Civics 10B")
    debate = make_debate(classroom=classroom, created_by=teacher, slug="ttp")
    claim = make_node(debate, text="Military force is the answer.", author=teacher)
    task = tasks.task_create(debate=debate, teacher=teacher, text="Answer the objection 1.1", node=claim)
    return {"teacher": teacher, "student": student, "debate": debate, "claim": claim, "task": task}


def test_student_contributes_from_a_task_hears_of_the_decision_and_sees_the_grade_after_release(page, setting):
    log_in(page, "amina")
    # The task is on the home page, and notified.
    expect(page.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    page.get_by_role("link", name="Answer the objection 1.1").click()
    page.get_by_role("link", name="Contribute for this task").click()
    expect(page.get_by_text("For the task:")).to_be_visible()
    page.locator("select[name=relation]").select_option("opposes")
    page.locator("textarea[name=text]").fill("Force alone has failed since 2007.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Sent to your teacher for review.")).to_be_visible()
    node = Node.objects.get(text="Force alone has failed since 2007.")
    assert TaskContribution.objects.get().node == node

    # The teacher approves it with a note; the student is told, and the notice opens the node.
    moderation.item_decide(item=node, moderator=setting["teacher"], action=Action.APPROVED)
    feedback.feedback_save(item=node, teacher=setting["teacher"], text="Good: now cite a source.")
    feedback.grade_save(debate=setting["debate"], student=setting["student"], teacher=setting["teacher"], score="8")
    page.goto("/")
    expect(page.get_by_role("link", name="My contributions 1 new")).to_be_visible()
    page.get_by_role("link", name="Notifications").click()
    page.get_by_role("link", name="was approved").click()
    expect(page.get_by_role("heading", name="Force alone has failed since 2007.")).to_be_visible()
    expect(page.get_by_text("Good: now cite a source.")).to_have_count(0)

    # Nothing of the grade before the release; after it, the grade and the feedback.
    page.goto("/me/contributions/")
    expect(page.get_by_text("8 out of 10")).to_have_count(0)
    feedback.grades_release(debate=setting["debate"], teacher=setting["teacher"])
    page.reload()
    expect(page.get_by_text("8 out of 10")).to_be_visible()
    expect(page.get_by_text("Good: now cite a source.")).to_be_visible()


def test_a_long_paste_is_counted_and_refused_with_focus_on_the_field(page, setting):
    log_in(page, "amina")
    page.goto(f"/debates/ttp/contribute/?target={setting['claim'].pk}")
    text = page.locator("textarea[name=text]")
    text.fill("x" * 612)
    expect(page.get_by_text("Too long: 612 characters; the limit is 500.")).to_be_visible()
    assert text.input_value() == "x" * 612  # not cut
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("alert")).to_contain_text("Statement:")
    expect(text).to_be_focused()


def test_long_unbroken_text_wraps_instead_of_scrolling_the_page_sideways(page, setting):
    node = make_node(setting["debate"], text="x" * 500, target=setting["claim"], relation="opposes")
    page.set_viewport_size({"width": 800, "height": 900})
    log_in(page, "amina")
    for url in [node.get_absolute_url(), setting["claim"].get_absolute_url(), "/debates/ttp/"]:
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), url


def test_teacher_changes_a_task_from_its_page_and_deletes_it_from_the_list(page, setting):
    other = make_user("bilal", password=PASSWORD)
    setting["debate"].classroom.memberships.create(user=other, role="student")
    log_in(page, "ms_khan")
    page.goto(setting["task"].get_absolute_url())
    page.get_by_role("link", name="Edit the task").click()
    # The box is chosen by its outline number, as the debate page numbers it.
    expect(page.locator("select[name=node] option:checked")).to_have_text("1.1 Claim: Military force is the answer.")
    page.locator("textarea[name=text]").fill("Answer the objection to 1.1")
    page.get_by_label("bilal").check()
    page.get_by_role("button", name="Save the task").click()
    expect(page.get_by_text("Task changed")).to_be_visible()
    expect(page.get_by_role("heading", name="Answer the objection to 1.1")).to_be_visible()
    assert list(setting["task"].assignees.values_list("student__username", flat=True)) == ["bilal"]

    page.goto(f"/debates/{setting['debate'].slug}/tasks/")
    page.get_by_role("link", name="Delete “Answer the objection to 1.1”").click()
    page.get_by_role("button", name="Delete the task").click()
    expect(page.get_by_text("Task deleted.")).to_be_visible()
    expect(page.get_by_text("No tasks in this debate.")).to_be_visible()


def test_opening_my_contributions_clears_its_new_count(page, setting):
    node = moderation.node_submit(
        debate=setting["debate"],
        author=setting["student"],
        kind="claim",
        text="Force has failed before.",
        target=setting["claim"],
        relation_kind="opposes",
    )
    moderation.item_decide(item=node, moderator=setting["teacher"], action=Action.APPROVED)
    log_in(page, "amina")
    page.get_by_role("link", name="My contributions 1 new").click()
    expect(page.get_by_role("heading", name="My contributions")).to_be_visible()
    expect(page.get_by_role("link", name="My contributions", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Notifications 1 unread")).to_be_visible()  # the task, still news
