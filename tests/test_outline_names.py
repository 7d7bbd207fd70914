"""Pages that name a box outside the debate page (the contribution and link forms' choices,
the task form, the task pages, the moderation queue's cards, a student's pages and the
messages) name it by its outline number, as the debate page does, never by its database id;
work not on the map says so. A link is named by its two ends."""

import re

import pytest
from django.urls import reverse

from debates import moderation
from debates.maps import numbering
from debates.models import Debate, Kind, Node, Relation, Status
from debates.teaching import tasks
from tests.factories import login, make_debate, make_node, messages_of, question_of, submit_claim, text_of


def options(response, name: str) -> dict[str, str]:
    """The choices of the <select name=`name`>: {value: label}."""
    html = response.content.decode()
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return {value: label for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select[1])}


@pytest.fixture
def second_debate(classroom, teacher):
    return make_debate(classroom=classroom, created_by=teacher, slug="second-debate", question="Second question?")


@pytest.fixture
def branch(debate, claim):
    """The claim (1.1) with an objection under it (1.1.1) and a second answer to the question (1.2)."""
    objection = make_node(debate, text="They never lasted.", target=claim, relation="opposes")
    second = make_node(debate, kind=Kind.POSITION, text="Address the root causes")
    return {"1": question_of(debate), "1.1": claim, "1.1.1": objection, "1.2": second}


# --- the pure part ------------------------------------------------------------------------


def test_numbers_are_the_debate_pages_and_stand_ins_say_what_is_off_the_map(debate, branch, student):
    numbers = numbering.numbers_for([debate])
    assert {numbers[node.pk]: number for number, node in branch.items()} == {n: n for n in branch}
    pending = submit_claim(debate, student, text="Not yet decided", target=branch["1.1"])
    assert numbering.number_of(pending, numbers) == "(new)"
    pending.status = Status.REJECTED
    assert numbering.number_of(pending, numbers) == "(not on the map)"
    assert numbering.numbers_for([]) == {}


def test_numbers_for_several_debates_come_in_one_query_and_none_once_kept(
    debate, second_debate, django_assert_num_queries
):
    make_node(debate, text="In the first")
    make_node(second_debate, text="In the second")
    debates = list(Debate.objects.select_related("map_revision").filter(pk__in=[debate.pk, second_debate.pk]))
    with django_assert_num_queries(1):
        numbers = numbering.numbers_for(debates)
    assert numbers[question_of(debate).pk] == "1" and numbers[question_of(second_debate).pk] == "1"
    assert sorted(numbers.values()) == ["1", "1", "1.1", "1.1"]
    with django_assert_num_queries(0):
        assert numbering.numbers_for(debates) == numbers
    # A new box raises its debate's map revision: that debate is numbered afresh, the other is kept.
    make_node(second_debate, text="Another in the second")
    debates = list(Debate.objects.select_related("map_revision").filter(pk__in=[debate.pk, second_debate.pk]))
    with django_assert_num_queries(1):
        assert sorted(numbering.numbers_for(debates).values()) == ["1", "1", "1.1", "1.1", "1.2"]


# --- the forms' choices -------------------------------------------------------------------


def test_the_contribution_form_names_its_targets_by_outline_number(client, debate, branch, student):
    pending = submit_claim(debate, student, text="My own idea", target=branch["1.1"])
    response = login(client, student).get(reverse("debates:node-create", args=[debate.slug]))
    choices = options(response, "target")
    assert choices[str(branch["1.1.1"].pk)] == "1.1.1 Claim: They never lasted."
    assert choices[str(branch["1.2"].pk)] == "1.2 Position: Address the root causes"
    assert choices[str(pending.pk)] == "(new) Claim: My own idea [pending]"
    assert not any(label.startswith("#") for label in choices.values())


def test_the_link_form_names_both_ends_by_outline_number(client, debate, branch, student):
    response = login(client, student).get(reverse("debates:relation-create", args=[debate.slug]))
    assert options(response, "source")[str(branch["1.1"].pk)] == "1.1 Claim: Military operations have worked before."
    assert options(response, "target")[str(branch["1"].pk)].startswith("1 Question: ")


def test_outline_order_compares_numbers_part_by_part_then_puts_new_work_before_work_off_the_map():
    def box(pk, status="approved"):
        return Node(pk=pk, status=status)

    numbers = {1: "1", 2: "1.10", 3: "1.2", 4: "1.1.7", 5: "1.3.1", 6: "1.1"}
    nodes = [box(7, "rejected"), box(8, "pending"), *(box(pk) for pk in numbers), box(9, "returned")]
    ordered = [numbering.number_of(n, numbers) for n in numbering.outline_order(nodes, numbers)]
    assert ordered == ["1", "1.1", "1.1.7", "1.2", "1.3.1", "1.10", "(new)", "(new)", "(not on the map)"]


@pytest.fixture
def long_outline(debate, branch, student):
    """The branch, then positions 1.3 to 1.10, then a second objection to 1.1 (1.1.2, made
    last, so that the database's order is not the outline's) and a student's pending claim."""
    for n in range(3, 11):
        make_node(debate, kind=Kind.POSITION, text=f"Position {n}")
    make_node(debate, text="They were never tried.", target=branch["1.1"], relation="opposes")
    submit_claim(debate, student, text="My own idea", target=branch["1.2"])
    return ["1", "1.1", "1.1.1", "1.1.2", "1.2", *(f"1.{n}" for n in range(3, 11)), "(new)"]


def _numbers_of(choices: dict[str, str]) -> list[str]:
    return [label.split(" Claim:")[0].split(" Position:")[0].split(" Question:")[0] for label in choices.values()]


def test_the_pickers_list_boxes_in_outline_order(client, debate, long_outline, student, teacher):
    login(client, student)
    assert _numbers_of(options(client.get(reverse("debates:node-create", args=[debate.slug])), "target")) == (
        long_outline
    )
    link_page = client.get(reverse("debates:relation-create", args=[debate.slug]))
    assert _numbers_of(options(link_page, "target")) == long_outline
    assert _numbers_of(options(link_page, "source")) == long_outline[1:]  # a link never starts at the question
    login(client, teacher)
    task_choices = options(client.get(reverse("debates:task-list", args=[debate.slug])), "node")
    assert _numbers_of(task_choices)[1:] == long_outline[:-1]  # approved boxes, after "(the whole debate)"


@pytest.mark.parametrize("size", [3, 30])
def test_the_link_form_costs_the_same_queries_whatever_the_debate_size(
    client, debate, student, size, django_assert_num_queries
):
    for n in range(size):
        make_node(debate, text=f"Box {n}")
    login(client, student)
    # Expect 7 queries: session, user, debate, the user's roles, the visible boxes, the
    # approved boxes and arrows (one UNION, for the outline numbers), the navigation's counts
    with django_assert_num_queries(7):
        response = client.get(reverse("debates:relation-create", args=[debate.slug]))
    assert len(options(response, "target")) == size + 1


def test_the_task_form_and_pages_name_the_box_by_outline_number(client, debate, branch, teacher, student):
    login(client, teacher)
    url = reverse("debates:task-list", args=[debate.slug])
    assert options(client.get(url), "node")[str(branch["1.1.1"].pk)] == "1.1.1 Claim: They never lasted."
    task = tasks.task_create(debate=debate, teacher=teacher, text="Answer it", node=branch["1.1.1"])
    for who in (teacher, student):
        login(client, who)
        for page in (text_of(client.get(url)), text_of(client.get(task.get_absolute_url()))):
            assert "On 1.1.1 They never lasted." in page and f"#{branch['1.1.1'].pk}" not in page


# --- the moderation queue ----------------------------------------------------------------


def test_queue_cards_name_boxes_by_number_and_new_work_as_new(client, debate, branch, teacher, student):
    first = submit_claim(debate, student, text="First idea", target=branch["1.1.1"], relation="opposes")
    submit_claim(debate, student, text="Builds on the first", target=first)
    arrow = Relation.objects.get(source=branch["1.1"], target=branch["1"])
    moderation.node_submit(
        debate=debate,
        author=student,
        kind=Kind.CLAIM,
        text="Working before is not working now",
        target_relation=arrow,
        relation_kind=Relation.Kind.OPPOSES,
    )
    moderation.relation_submit(author=student, source=branch["1.2"], target=branch["1.1"], kind="opposes")
    page = text_of(login(client, teacher).get(reverse("debates:moderation-queue")))
    assert "Opposes 1.1.1 Claim: They never lasted." in page
    assert "Supports (new) Claim: First idea" in page
    assert "the link: 1.1 Military operations have worked before. supports 1 " in page
    assert "1.2 Address the root causes opposes 1.1 Military operations" in page
    assert not re.search(r"#\d", page.replace("#queue", ""))


@pytest.mark.parametrize("debates", [1, 2])
def test_queue_costs_the_same_queries_for_one_or_two_debates_of_numbered_boxes(
    client, debate, second_debate, teacher, student, debates, django_assert_num_queries
):
    for target_debate in [debate, second_debate][:debates]:
        for n in range(3):
            submit_claim(target_debate, student, text=f"Pending {n}", target=make_node(target_debate))
    login(client, teacher)
    # Expect 11 queries: session, user, the Teachers group; the filters' students and debates;
    # the queue's length and the page's keys; the page's nodes and their arrows; the outline
    # numbers of every debate on the page (one UNION); the navigation's counts. (No links and
    # no quotes here, so neither of their queries.)
    with django_assert_num_queries(11):
        page = text_of(client.get(reverse("debates:moderation-queue")))
    assert page.count("Supports 1.") == 3 * debates
    assert Node.objects.filter(status=Status.PENDING).count() == 3 * debates


# --- links, named by their two ends ----------------------------------------------------------


@pytest.fixture
def proposed(debate, branch, student):
    """The student's pending link from 1.2 to 1.1, and their pending objection to the link
    from 1.1 to the question (an undercut, proposed by itself from the approved 1.1.1)."""
    link = moderation.relation_submit(author=student, source=branch["1.2"], target=branch["1.1"], kind="opposes")
    arrow = Relation.objects.get(source=branch["1.1"], target=branch["1"])
    undercut = moderation.relation_submit(author=student, source=branch["1.1.1"], target_relation=arrow, kind="opposes")
    return {"link": link, "undercut": undercut}


def test_the_students_pages_name_a_links_ends_by_number(client, debate, branch, student, proposed):
    login(client, student)
    mine = text_of(client.get(reverse("debates:my-contributions")))
    assert "1.2 Address the root causes opposes 1.1 Military operations" in mine
    assert "1.1.1 They never lasted. opposes the link 1.1 → 1" in mine
    withdraw = reverse("debates:relation-withdraw", args=[debate.slug, proposed["undercut"].pk])
    assert "1.1.1 They never lasted. opposes the link 1.1 → 1" in text_of(client.get(withdraw))
    withdraw = reverse("debates:relation-withdraw", args=[debate.slug, proposed["link"].pk])
    assert "1.2 Address the root causes opposes 1.1 Military operations" in text_of(client.get(withdraw))
    assert not re.search(r"#\d", mine + text_of(client.get(withdraw)))


def test_a_students_items_name_a_links_ends_by_number(client, classroom, debate, branch, teacher, student, proposed):
    url = reverse("debates:student-items", args=[classroom.pk, student.pk])
    page = text_of(login(client, teacher).get(url, {"kind": "link"}))
    assert "1.2 Address the root causes opposes 1.1 Military operations" in page
    assert "1.1.1 They never lasted. opposes the link 1.1 → 1" in page
    assert not re.search(r"#\d", page)


def test_decisions_on_links_are_told_by_their_ends_numbers(client, debate, branch, teacher, student, proposed):
    login(client, teacher)
    link = proposed["link"]
    response = client.post(
        reverse("debates:moderation-decide", args=["relation", link.pk]), {f"relation-{link.pk}-action": "approved"}
    )
    assert messages_of(response) == ["Approved: Link 1.2 → 1.1."]
    # Ticked with a box still pending, the link cannot be approved: the message names both.
    pending = submit_claim(debate, student, text="Not yet decided", target=branch["1"])
    stuck = moderation.relation_submit(author=student, source=branch["1.1.1"], target=pending, kind="supports")
    response = client.post(reverse("debates:moderation-bulk"), {"items": [f"relation-{stuck.pk}"]})
    assert messages_of(response)[-1] == (
        "Link 1.1.1 → (new): Approve both nodes this arrow links before approving the arrow."
    )
