"""The classroom flows in real Chromium: join, select a passage, submit evidence, moderate."""

import re

import pytest
from playwright.sync_api import expect

from debates.models import Kind, Node, Status
from tests.factories import log_in, make_classroom, make_debate, make_node, make_source, make_user, submit_claim

pytestmark = pytest.mark.browser

# Emoji and Urdu before the passage: UTF-16 offsets differ from code points there.
OP_ED = (
    "The recent mosque bombing in Peshawar 🕌 killed more than 100 people. پشاور\n\n"
    "Thus far, all attempts at negotiating with local terrorist organizations have failed. "
    "There has been an increasing demand for a “military solution” to the problem.\n\n"
    "Poverty, illiteracy, and political instability have created an environment in which extremism can thrive."
)
PASSAGE = "all attempts at negotiating with local terrorist organizations have failed"


@pytest.fixture
def setting(transactional_db):
    """A teacher's classroom and debate with one op-ed and one approved claim."""
    teacher = make_user("ms_khan", teacher=True)
    classroom = make_classroom(teacher=teacher, name="Civics 10B")
    source = make_source(text=OP_ED, title="Security failure in Pakistan")
    debate = make_debate(classroom=classroom, created_by=teacher, slug="ttp", sources=[source])
    claim = make_node(debate, text="Military force is the answer.", author=teacher)
    return {"teacher": teacher, "classroom": classroom, "source": source, "debate": debate, "claim": claim}


@pytest.fixture
def new_tab(chromium, live_server):
    """Further browser tabs with their own cookies (a second person at another computer)."""
    contexts = []

    def make():
        context = chromium.new_context(base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def select_passage(page, passage):
    # As a reader would: once the page has loaded (its script included), not while it parses.
    page.wait_for_load_state("load")
    select_passage_now(page, passage)


def select_passage_now(page, passage):
    found = page.evaluate(
        """(passage) => {
            const walker = document.createTreeWalker(document.getElementById("source-text"), NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(passage);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + passage.length);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                return true;
            }
            return false;
        }""",
        passage,
    )
    assert found


def submit_evidence(page, setting, statement):
    """On the source page: select the passage, use it as evidence opposing the claim."""
    page.goto(setting["source"].get_absolute_url())
    select_passage(page, PASSAGE)
    button = page.get_by_role("button", name="Use as evidence")
    expect(button).to_be_enabled()
    button.click()
    expect(page.get_by_role("heading", name="Add to the debate")).to_be_visible()
    expect(page.locator("textarea[name=quote]")).to_have_value(PASSAGE)
    page.locator("select[name=kind]").select_option("evidence")
    page.locator("select[name=relation]").select_option("opposes")
    page.locator("select[name=target]").select_option(str(setting["claim"].pk))
    page.locator("textarea[name=text]").fill(statement)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Sent to your teacher for review.")).to_be_visible()
    return Node.objects.get(text=statement)


def queue_card(teacher, node):
    """The node's card in the moderation queue, opened afresh in the teacher's tab."""
    teacher.goto("/moderation/")
    return teacher.locator(f"#node-{node.pk}")


def press(tab, card, button, done):
    """Press `button` on a card and wait for the message `done` that the tab then shows."""
    card.get_by_role("button", name=button).click()
    expect(tab.get_by_text(done)).to_be_visible()


def my_contribution(page, node):
    """The node's entry in the student's "My contributions", opened afresh."""
    page.goto("/me/contributions/")
    return page.locator(f"#node-{node.pk}")


def test_student_joins_quotes_a_passage_and_the_teacher_approves_it(page, new_tab, setting):
    # A student signs up with the join code read off the board.
    page.goto("/accounts/signup/")
    page.get_by_label("Join code").fill(setting["classroom"].join_code.lower())
    page.get_by_label("Username").fill("amina")
    page.get_by_label("Password:", exact=True).fill("a-strong-pass-77")
    page.get_by_label("Password confirmation").fill("a-strong-pass-77")
    page.get_by_role("button", name="Sign up and join").click()
    expect(page.get_by_text("Welcome, amina: you joined Civics 10B.")).to_be_visible()
    expect(page.get_by_role("link", name=setting["debate"].question)).to_be_visible()

    # Selects a passage after an emoji and Urdu, and submits it as evidence opposing the claim.
    node = submit_evidence(page, setting, "Talks have failed.")
    quote = node.quote
    assert OP_ED[quote.start : quote.end] == PASSAGE
    assert (node.status, node.kind, node.outgoing.get().kind) == (Status.PENDING, Kind.EVIDENCE, "opposes")

    # Sees it pending in "my contributions".
    page.get_by_role("link", name="My contributions").click()
    item = page.locator(f"#node-{node.pk}")
    expect(item).to_contain_text("Pending")
    expect(item).to_contain_text("Talks have failed.")

    # The teacher approves it from the queue, seeing the quote inside its paragraph.
    teacher = new_tab()
    log_in(teacher, "ms_khan")
    teacher.get_by_role("link", name="Moderation").click()
    card = teacher.locator(f"#node-{node.pk}")
    expect(card.locator("mark")).to_have_text(PASSAGE)
    expect(card).to_contain_text("Opposes")
    expect(card).to_contain_text("Military force is the answer.")
    press(teacher, card, "Approve", "Approved: Evidence “Talks have failed.”.")
    expect(teacher.get_by_text("Nothing is waiting for review.")).to_be_visible()

    # The student sees it approved, highlighted in the op-ed and on the debate page after a reload.
    page.reload()
    expect(page.locator(f"#node-{node.pk}")).to_contain_text("Approved")
    page.goto(setting["source"].get_absolute_url())
    highlight = page.locator(f"mark[data-node='{node.pk}'] a")
    expect(highlight).to_have_text(PASSAGE)
    highlight.click()
    expect(page).to_have_url(re.compile(rf"/debates/ttp/nodes/{node.pk}/$"))
    page.goto(setting["debate"].get_absolute_url())
    expect(page.get_by_text("Talks have failed.").first).to_be_visible()

    # A visitor sees nothing of a classroom's debate: not even that it exists.
    visitor = new_tab()
    response = visitor.goto(setting["debate"].get_absolute_url())
    assert response.status == 404


def test_returned_then_revised_then_rejected_and_the_student_sees_why(page, new_tab, setting):
    student = make_user("bilal")
    setting["classroom"].memberships.create(user=student, role="student")
    log_in(page, "bilal")
    node = submit_evidence(page, setting, "Talks failed so war.")

    teacher = new_tab()
    log_in(teacher, "ms_khan")
    card = queue_card(teacher, node)
    card.get_by_label("Note to the student").fill("Say what the quote shows, not what follows from it.")
    press(teacher, card, "Return for revision", "Returned for revision: Evidence “Talks failed so war.”.")

    item = my_contribution(page, node)
    expect(item).to_contain_text("Returned for revision")
    expect(item).to_contain_text("Say what the quote shows, not what follows from it.")
    item.get_by_role("link", name="Revise and resubmit").click()
    expect(page.get_by_text("Say what the quote shows")).to_be_visible()
    page.get_by_label("Statement").fill("Every round of talks with the TTP has failed.")
    page.get_by_role("button", name="Save and resubmit").click()
    expect(page.get_by_text("Revised and sent back to your teacher for review.")).to_be_visible()
    expect(page.locator(f"#node-{node.pk}")).to_contain_text("Pending")

    card = queue_card(teacher, node)
    expect(card).to_contain_text("Every round of talks with the TTP has failed.")
    # Rejecting without a reason is refused, and what the teacher typed is kept.
    card.get_by_label("Note to the student").fill("This repeats #3.")
    card.get_by_role("button", name="Reject").click()
    card = teacher.locator(f"#node-{node.pk}")
    expect(card).to_contain_text("Choose a reason for rejecting.")
    expect(card.get_by_label("Note to the student")).to_have_value("This repeats #3.")
    card.get_by_label("Reason").select_option("duplicate")
    press(teacher, card, "Reject", "Rejected: Evidence “Every round of talks with the TTP has failed.”.")

    item = my_contribution(page, node)
    expect(item).to_contain_text("Rejected")
    expect(item).to_contain_text("Duplicate")
    expect(item).to_contain_text("This repeats #3.")
    expect(item.get_by_role("button", name="Withdraw")).to_have_count(0)


def test_a_teacher_closes_the_debate_and_the_student_is_told(page, new_tab, setting):
    """Uses the debate page's actions."""
    student = make_user("chen")
    setting["classroom"].memberships.create(user=student, role="student")
    teacher = new_tab()
    log_in(teacher, "ms_khan")
    teacher.goto(setting["debate"].get_absolute_url())
    teacher.get_by_role("button", name="Close the debate").click()
    expect(teacher.get_by_text("The debate is closed: it accepts no more contributions.")).to_be_visible()
    log_in(page, "chen")
    page.goto(setting["source"].get_absolute_url())
    expect(page.get_by_role("button", name="Use as evidence")).to_have_count(0)
    page.goto(f"/debates/{setting['debate'].slug}/contribute/")
    expect(page.get_by_text("This debate is closed and accepts no contributions.")).to_be_visible()


def test_a_selection_across_paragraphs_and_a_highlight_keeps_its_offsets(page, setting):
    """The selection starts inside an approved quote's <mark> and ends in the next paragraph."""
    make_node(setting["debate"], kind=Kind.EVIDENCE, text="Toll", quote="killed more than 100 people")
    student = make_user("gul")
    setting["classroom"].memberships.create(user=student, role="student")
    log_in(page, "gul")
    page.goto(setting["source"].get_absolute_url())
    page.evaluate(
        """() => {
            const start = document.querySelector("#source-text mark a").firstChild;  // "killed more than..."
            const second = document.querySelectorAll("#source-text p")[1].firstChild;  // "Thus far, ..."
            const range = document.createRange();
            range.setStart(start, "killed ".length);
            range.setEnd(second, "Thus far".length);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }"""
    )
    page.get_by_role("button", name="Use as evidence").click()
    passage = "more than 100 people. پشاور\n\nThus far"
    expect(page.locator("textarea[name=quote]")).to_have_value(passage)
    page.locator("select[name=target]").select_option(str(setting["claim"].pk))
    page.locator("textarea[name=text]").fill("Across two paragraphs.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Sent to your teacher for review.")).to_be_visible()
    quote = Node.objects.get(text="Across two paragraphs.").quote
    assert (quote.text, OP_ED[quote.start : quote.end]) == (passage, passage)


def test_a_quote_changed_by_hand_drops_the_selections_offsets_and_the_server_finds_it(page, setting):
    """The offsets a selection gives describe the selected passage only: typing into the quote
    empties them, and the server anchors what was typed."""
    log_in(page, "ms_khan")
    page.goto(setting["source"].get_absolute_url())
    select_passage(page, PASSAGE)
    page.get_by_role("button", name="Use as evidence").click()
    offsets = page.locator("input[name=start]"), page.locator("input[name=end]")
    expect(offsets[0]).not_to_have_value("")
    quote = page.locator("textarea[name=quote]")
    quote.fill("killed more than 100 people")
    expect(offsets[0]).to_have_value("")
    expect(offsets[1]).to_have_value("")
    page.locator("select[name=target]").select_option(str(setting["claim"].pk))
    page.locator("textarea[name=text]").fill("Typed by hand.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text(re.compile(r"^Added to the map"))).to_be_visible()
    quote = Node.objects.get(text="Typed by hand.").quote
    assert OP_ED[quote.start : quote.end] == "killed more than 100 people"


def test_a_passage_selected_while_the_page_loads_counts(page, setting):
    """A reader quick to select, before source.js has run: the button still takes the passage."""
    log_in(page, "ms_khan")
    held = []
    page.route("**/js/source.js", lambda route: held.append(route))  # hold the script back
    page.goto(setting["source"].get_absolute_url(), wait_until="commit")
    expect(page.locator("#source-text")).to_be_attached()
    select_passage_now(page, PASSAGE)
    expect(page.locator("#use-as-evidence")).to_be_disabled()
    for _ in range(100):  # the script's request, once the parser has asked for it
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    expect(page.get_by_role("button", name="Use as evidence")).to_be_enabled()
    expect(page.locator("#evidence-quote")).to_have_value(PASSAGE)


def test_from_a_claims_page_to_opposing_evidence_the_choice_is_carried_along(page, setting):
    """Node page -> "Add opposing evidence" -> the source -> selection."""
    student = make_user("hina")
    setting["classroom"].memberships.create(user=student, role="student")
    log_in(page, "hina")
    page.goto(setting["claim"].get_absolute_url())
    page.get_by_role("link", name="Add opposing evidence").click()
    page.get_by_role("link", name="Security failure in Pakistan").click()
    select_passage(page, PASSAGE)
    page.get_by_role("button", name="Use as evidence").click()
    expect(page.locator("select[name=target]")).to_have_value(str(setting["claim"].pk))
    expect(page.locator("select[name=relation]")).to_have_value("opposes")
    expect(page.locator("select[name=kind]")).to_have_value("evidence")
    expect(page.get_by_text("You are responding to:")).to_be_visible()
    page.get_by_label("Statement").fill("Negotiations have not worked.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Sent to your teacher for review.")).to_be_visible()
    node = Node.objects.get(text="Negotiations have not worked.")
    relation = node.outgoing.get()
    assert (relation.target_id, relation.kind, node.quote.text) == (setting["claim"].pk, "opposes", PASSAGE)


def test_teacher_ticks_items_and_approves_them_in_bulk(page, setting):
    student = make_user("dana")
    setting["classroom"].memberships.create(user=student, role="student")
    nodes = [
        submit_claim(setting["debate"], student, text=f"Bulk claim {n}", target=setting["claim"]) for n in range(3)
    ]
    log_in(page, "ms_khan")
    page.goto("/moderation/")
    bulk = page.get_by_role("button", name="Approve the ticked items")
    expect(bulk).to_be_hidden()  # nothing ticked yet
    for node in nodes[:2]:
        page.locator(f"#pick-node-{node.pk}").check()
    bulk.click()
    expect(page.get_by_text("Approved 2 contributions.")).to_be_visible()
    assert [Node.objects.get(pk=n.pk).status for n in nodes] == [Status.APPROVED, Status.APPROVED, Status.PENDING]
    expect(page.locator(f"#node-{nodes[2].pk}")).to_be_visible()


def map_of(page):
    """The inline SVG map that holds the debate's question (the page may have other SVGs)."""
    return page.locator("svg").filter(has_text="How should Pakistan respond")


def test_an_approval_shows_on_the_map_and_outline_at_the_next_reload(page, new_tab, setting):
    """the public-facing part, on the real debate page (map and outline)."""
    student = make_user("emre")
    classmate = make_user("farah")
    for user in (student, classmate):
        setting["classroom"].memberships.create(user=user, role="student")
    log_in(page, "emre")
    submit_evidence(page, setting, "Talks failed.")

    reader = new_tab()
    log_in(reader, "farah")
    reader.goto(setting["debate"].get_absolute_url())
    expect(map_of(reader).first).to_be_attached()
    expect(map_of(reader).first).not_to_contain_text("Talks failed.")  # pending: not for a classmate

    teacher = new_tab()
    log_in(teacher, "ms_khan")
    teacher.goto("/moderation/")
    teacher.get_by_role("button", name="Approve").first.click()
    expect(teacher.get_by_text("Nothing is waiting for review.")).to_be_visible()

    reader.reload()
    expect(map_of(reader).first).to_contain_text("Talks failed.")
    expect(reader.get_by_text("Talks failed.").last).to_be_visible()


def test_a_visitor_reads_a_public_debate_with_its_quoted_evidence(page, new_tab, setting):
    """a visitor sees the map and outline of a public debate (a teacher's evidence)."""
    public = make_debate(created_by=setting["teacher"], slug="public-ttp", sources=[setting["source"]])
    public_claim = make_node(public, text="Force works.", author=setting["teacher"])
    log_in(page, "ms_khan")
    page.goto(setting["source"].get_absolute_url() + "?debate=public-ttp")
    select_passage(page, PASSAGE)
    page.get_by_role("button", name="Use as evidence").click()
    page.locator("select[name=relation]").select_option("opposes")
    page.locator("select[name=target]").select_option(str(public_claim.pk))
    page.locator("textarea[name=text]").fill("Talks failed.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Added to the map")).to_be_visible()

    visitor = new_tab()
    visitor.goto(public.get_absolute_url())
    expect(map_of(visitor).first).to_contain_text("Talks failed.")
    expect(visitor.get_by_text("Talks failed.").last).to_be_visible()
    visitor.goto(setting["source"].get_absolute_url())
    expect(visitor.locator("mark a")).to_have_text(PASSAGE)
