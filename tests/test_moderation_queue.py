"""The moderation queue and its decisions as teachers use them: approve, reject with a reason,
return with a note, edit before deciding, bulk decisions, a co-teacher's race; and for a class
of thirty: filters, pages, keeping the teacher's place after each decision, refused decisions
told at the top and at the item, the bulk bar; on the page, in the API, and in real Chromium."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from debates import moderation
from debates.models import Action, Kind, Membership, ModerationEvent, Node, Relation, Status
from tests.factories import (
    api_client,
    errors,
    log_in,
    login,
    make_debate,
    make_node,
    make_relation,
    make_user,
    messages_of,
    submit_claim,
    submit_evidence,
    text_of,
)

QUEUE = "/moderation/"
API_QUEUE = "/api/moderation/"
# What fill_queue makes, in turn: three node kinds, then a link proposed on its own.
CYCLE = [Kind.CLAIM, "link", Kind.EVIDENCE, Kind.POSITION]


def fill_queue(debates, students, count: int, *, oldest_days: float = 10) -> list[Node | Relation]:
    """`count` pending items, oldest first, by `students` and in `debates` in turn: claims,
    evidence (with a quote), positions and standalone links (CYCLE). Spread evenly from
    `oldest_days` ago to an hour ago, so that the age filters split them."""
    claims = {debate.pk: make_node(debate, text="Military operations have worked before.") for debate in debates}
    now = timezone.now()
    items = []
    for i in range(count):
        debate, author, kind = debates[i % len(debates)], students[i % len(students)], CYCLE[i % len(CYCLE)]
        if kind == "link":
            end = make_node(debate, text=f"Approved end {i}")
            item = make_relation(end, claims[debate.pk], author=author, status=Status.PENDING)
        else:
            quote = "Poverty" if kind == Kind.EVIDENCE else None
            item = make_node(
                debate,
                kind=kind,
                text=f"Item {i}",
                author=author,
                status=Status.PENDING,
                quote=quote,
                target=claims[debate.pk] if kind != Kind.POSITION else None,
            )
        age = timedelta(days=oldest_days) * (count - i) / count + timedelta(hours=1)
        type(item).objects.filter(pk=item.pk).update(created_at=now - age)
        items.append(item)
    return items


def of_kind(items, kind: str) -> list[str]:
    """The keys of fill_queue's items of one kind, in order."""
    return [key(item) for n, item in enumerate(items) if CYCLE[n % len(CYCLE)] == kind]


def key(item) -> str:
    return f"{'node' if isinstance(item, Node) else 'relation'}-{item.pk}"


def shown(response) -> list[str]:
    """The keys of the queue items a page shows, in order."""
    return re.findall(r'<article class="card queue-item" id="([a-z]+-\d+)"', response.content.decode())


def next_of(response, item) -> str:
    """The `next` an item's decision form sends: where the teacher comes back to."""
    html = response.content.decode()
    form = html[html.index(f'action="{reverse("debates:moderation-decide", args=key(item).split("-"))}"') :]
    return unescape(re.search(r'name="next" value="([^"]*)"', form).group(1))


def students_of(classroom, count: int, prefix: str = "pupil") -> list:
    students = [make_user(f"{prefix}{n:02d}") for n in range(count)]
    Membership.objects.bulk_create(
        [Membership(classroom=classroom, user=user, role=Membership.Role.STUDENT) for user in students]
    )
    return students


@pytest.fixture
def second_debate(classroom, teacher):
    return make_debate(classroom=classroom, created_by=teacher, slug="second-debate", question="Second question?")


# --- pending_queue ----------------------------------------------------------------------


def test_a_slice_of_the_queue_holds_the_same_items_in_the_same_order_as_the_whole(debate, student, teacher):
    items = fill_queue([debate], [student], 12)
    # A link and a node submitted at the same moment: the node comes first.
    assert isinstance(items[1], Relation) and isinstance(items[2], Node)
    Relation.objects.filter(pk=items[1].pk).update(created_at=Node.objects.get(pk=items[2].pk).created_at)
    queue = moderation.pending_queue(teacher)
    whole = [key(item) for item in queue]
    assert len(queue) == queue.count() == 12
    assert whole[:3] == [key(items[0]), key(items[2]), key(items[1])]
    assert whole[3:] == [key(item) for item in items[3:]]
    assert [key(item) for item in queue[5:9]] == whole[5:9]
    assert [key(item) for item in queue[10:40]] == whole[10:]
    assert queue[40:50] == [] and key(queue[0]) == whole[0]


def test_pending_queue_refuses_an_unknown_kind(teacher):
    with pytest.raises(moderation.ModerationError) as refused:
        moderation.pending_queue(teacher, kind="essay")
    assert "kind" in refused.value.message_dict


# --- the page: filters --------------------------------------------------------------------


def test_the_queue_filters_by_student(client, teacher, student, other_student, debate):
    items = fill_queue([debate], [student, other_student], 8)
    response = login(client, teacher).get(QUEUE, {"student": "other_student"})
    assert response.status_code == 200
    assert shown(response) == [key(item) for item in items[1::2]]
    assert "4 contributions waiting that match the filters" in text_of(response)


def test_the_queue_filters_by_debate(client, teacher, student, debate, second_debate):
    items = fill_queue([debate, second_debate], [student], 6)
    response = login(client, teacher).get(QUEUE, {"debate": "second-debate"})
    assert shown(response) == [key(item) for item in items[1::2]]


@pytest.mark.parametrize("kind", ["claim", "evidence", "position", "link"])
def test_the_queue_filters_by_kind(client, teacher, student, debate, kind):
    items = fill_queue([debate], [student], 8)
    response = login(client, teacher).get(QUEUE, {"kind": kind})
    assert shown(response) == of_kind(items, kind)


def test_the_queue_filters_by_age_and_by_date_of_submission(client, teacher, student, debate):
    items = fill_queue([debate], [student], 10, oldest_days=10)  # 10 days + 1 h old, then 9, 8 ... 1
    login(client, teacher)
    assert shown(client.get(QUEUE, {"older_than": "7"})) == [key(item) for item in items[:4]]
    assert shown(client.get(QUEUE, {"older_than": "1"})) == [key(item) for item in items]
    # From midnight (UTC) of the day after items[7]'s: items[8] came a day after items[7].
    items[7].refresh_from_db()
    since = (items[7].created_at + timedelta(days=1)).date().isoformat()
    assert shown(client.get(QUEUE, {"since": since})) == [key(item) for item in items[8:]]
    both = client.get(QUEUE, {"older_than": "1", "since": since, "student": "student", "kind": "claim"})
    assert shown(both) == [key(items[8])]


def test_the_filter_form_is_labelled_lists_only_the_teachers_students_and_keeps_the_choice(
    client, teacher, student, other_student, outsider, debate, other_classroom
):
    fill_queue([debate], [student, other_student], 2)
    fill_queue([make_debate(classroom=other_classroom, slug="theirs")], [outsider], 2)
    html = login(client, teacher).get(QUEUE, {"student": "student", "kind": "link"}).content.decode()
    for name, label in [("student", "Student"), ("debate", "Debate"), ("kind", "Kind"), ("older_than", "Waiting")]:
        assert f'<label for="id_{name}">{label}' in html
    assert '<label for="id_since">Submitted since' in html and 'type="date"' in html
    assert '<option value="student" selected>student</option>' in html
    assert '<option value="other_student">other_student</option>' in html
    assert '<option value="link" selected>Link</option>' in html
    assert "outsider" not in html and "theirs" not in html
    assert 'href="/moderation/">Clear the filters' in html


def test_a_bad_filter_value_is_a_400_saying_which_field_and_why(client, teacher, student, debate):
    fill_queue([debate], [student], 2)
    response = login(client, teacher).get(QUEUE, {"kind": "essay", "since": "yesterday"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_kind_error"' in html
    assert re.search(r'id="id_kind_error"><li>Select a valid choice. essay is not one of', html)
    assert re.search(r'id="id_since_error"><li>Enter a valid date.', html)
    assert shown(response) == [] and "Fix the filters above to see the queue." in text_of(response)


# --- the page: pagination and query counts ------------------------------------------------


def test_the_queue_shows_25_a_page_with_page_n_of_m_and_links_that_keep_the_filters(client, teacher, debate):
    students = students_of(debate.classroom, 30)
    items = fill_queue([debate], students, 120)
    claims = of_kind(items, "claim")  # 30 of them
    login(client, teacher)
    first = client.get(QUEUE, {"kind": "claim"})
    assert shown(first) == claims[:25] and "Page 1 of 2" in text_of(first)
    assert 'href="/moderation/?kind=claim&amp;page=2" rel="next">Next page' in first.content.decode()
    assert "Previous page" not in text_of(first)
    second = client.get(QUEUE, {"kind": "claim", "page": "2"})
    assert shown(second) == claims[25:] and "Page 2 of 2" in text_of(second)
    assert 'href="/moderation/?kind=claim&amp;page=1" rel="prev">Previous page' in second.content.decode()
    # Past the end: the last page; not a number: the first.
    assert shown(client.get(QUEUE, {"kind": "claim", "page": "9"})) == claims[25:]
    assert shown(client.get(QUEUE, {"kind": "claim", "page": "x"})) == claims[:25]
    whole = client.get(QUEUE)
    assert "Page 1 of 5" in text_of(whole) and "120 contributions waiting, oldest first" in text_of(whole)


@pytest.mark.parametrize("count", [3, 120])
def test_the_queue_page_costs_the_same_queries_for_3_or_120_items(
    client, teacher, debate, second_debate, count, django_assert_num_queries
):
    students = students_of(debate.classroom, 30)
    fill_queue([debate, second_debate], students, count)
    login(client, teacher)
    # Expect 13 queries:
    # - the session; the user; the Teachers group (the queue's owner)
    # - the students whose work the teacher moderates; the debates they moderate (filter choices)
    # - the queue's length (COUNT over a UNION of pending nodes and standalone links)
    # - the page's keys in queue order (the same UNION, sliced, one more than the page)
    # - the page's nodes with debate, author and quote; the arrows submitted with them
    # - the page's standalone links with both ends; the quoted sources
    # - the approved boxes and arrows of the page's debates, for the outline numbers (one UNION)
    # - the navigation's counts (moderation, contributions, notifications)
    with django_assert_num_queries(13):
        response = client.get(QUEUE, {"page": "1"})
    assert len(shown(response)) == min(count, 25)


# --- the page: keeping the teacher's place ---------------------------------------------


def test_after_a_decision_the_teacher_is_back_on_the_same_filtered_page_at_the_next_item(
    client, teacher, student, other_student, debate
):
    items = fill_queue([debate], [student, other_student], 120)
    login(client, teacher)
    page = client.get(QUEUE, {"student": "student", "page": "2"})
    on_page = shown(page)
    assert len(on_page) == 25 and on_page[0] == key(items[50])
    decided = items[54]  # the third on the page
    response = client.post(
        reverse("debates:moderation-decide", args=key(decided).split("-")),
        {f"{key(decided)}-action": "approved", "next": next_of(page, decided)},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/moderation/?student=student&page=2#{key(items[56])}"
    after = client.get(response["Location"].split("#")[0])
    assert key(decided) not in shown(after) and key(items[56]) in shown(after)
    # The page's last item comes back to the one that moves up from the next page.
    assert next_of(page, items[98]).endswith(f"page=2#{key(items[100])}")
    # The queue's very last item comes back to the one before it.
    last = client.get(QUEUE, {"student": "student", "page": "3"})
    assert next_of(last, items[118]) == f"/moderation/?student=student&page=3#{key(items[116])}"


def test_a_refused_decision_is_told_at_the_top_and_at_the_item_which_the_page_opens_at(
    client, teacher, student, debate
):
    items = fill_queue([debate], [student], 40)
    refused = items[28]  # a claim on page 2
    login(client, teacher)
    page = client.get(QUEUE, {"page": "2"})
    response = client.post(
        reverse("debates:moderation-decide", args=key(refused).split("-")),
        {
            f"{key(refused)}-action": "rejected",
            f"{key(refused)}-note": "Too vague to keep",
            "next": next_of(page, refused),
        },
    )
    # Back to the same page, opened at the refused item's reason; nothing decided.
    assert response["Location"] == f"/moderation/?page=2#id_{key(refused)}-reason"
    assert Node.objects.get(pk=refused.pk).status == Status.PENDING
    again = client.get(response["Location"].split("#")[0])
    assert again.status_code == 200
    html = again.content.decode()
    reason = f"id_{key(refused)}-reason"
    # At the top: a summary that links to the field.
    summary = html[html.index('class="error-summary"') : html.index('class="card queue-filters"')]
    assert f"Claim “{refused.text}” was not decided" in summary
    assert f'<a href="#{reason}">Choose a reason for rejecting.</a>' in summary
    # At the item: the message next to the reason, tied to it, and what was typed kept.
    item = html[html.index(f'id="{key(refused)}"') :]
    item = item[: item.index("</article>")]
    assert f'<ul class="errorlist" id="{reason}_error"><li>Choose a reason for rejecting.</li></ul>' in item
    assert f'id="{reason}" aria-invalid="true" aria-describedby="{reason}_error"' in item
    assert "Too vague to keep</textarea>" in item
    assert html.count("Choose a reason for rejecting.") == 2
    # Told once: a reload shows the queue without it.
    assert "Choose a reason for rejecting." not in client.get(response["Location"].split("#")[0]).content.decode()


def test_a_refusal_sent_back_to_another_page_is_a_message_there(client, teacher, student, debate):
    node = fill_queue([debate], [student], 1)[0]
    login(client, teacher)
    response = client.post(
        reverse("debates:moderation-decide", args=["node", node.pk]),
        {f"node-{node.pk}-action": "rejected", "next": node.get_absolute_url()},
    )
    assert response["Location"] == node.get_absolute_url()
    assert messages_of(response) == ["Choose a reason for rejecting."]


def test_bulk_approval_of_a_page_comes_back_to_the_same_page_and_filters(client, teacher, student, debate):
    items = fill_queue([debate], [student], 60)
    claims = [item for n, item in enumerate(items) if CYCLE[n % 4] == "claim"]  # 15
    evidence = [item for n, item in enumerate(items) if CYCLE[n % 4] == Kind.EVIDENCE]
    login(client, teacher)
    page = client.get(QUEUE, {"kind": "claim"})
    html = page.content.decode()
    assert 'name="next" value="/moderation/?kind=claim&amp;page=1"' in html
    assert html.count('form="bulk-form"') == 15
    response = client.post(
        reverse("debates:moderation-bulk"),
        {"items": [key(item) for item in claims[:10]], "next": "/moderation/?kind=claim&page=1"},
    )
    assert response["Location"] == "/moderation/?kind=claim&page=1"
    assert messages_of(response) == ["Approved 10 contributions."]
    assert shown(client.get(response["Location"])) == [key(item) for item in claims[10:]]
    assert all(Node.objects.get(pk=item.pk).status == Status.PENDING for item in evidence)


def test_a_decision_never_returns_off_site(client, teacher, student, debate):
    node = fill_queue([debate], [student], 1)[0]
    login(client, teacher)
    url = reverse("debates:moderation-decide", args=["node", node.pk])
    response = client.post(url, {f"node-{node.pk}-action": "rejected", "next": "https://evil.example/moderation/"})
    assert response["Location"] == f"/moderation/#id_node-{node.pk}-reason"  # the queue, at the refused item
    response = client.post(url, {f"node-{node.pk}-action": "approved", "next": "//evil.example/#x"})
    assert response["Location"] == QUEUE


# --- the page: who may see it ---------------------------------------------------------


def test_the_queue_refuses_post_and_anonymous_visitors(client, teacher):
    assert login(Client(), teacher).post(QUEUE).status_code == 405
    response = client.get(QUEUE, {"student": "student"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_queue_is_404_for_a_student_whatever_the_filters(client, student, debate):
    login(client, student)
    assert client.get(QUEUE).status_code == 404
    assert client.get(QUEUE, {"student": "student", "page": "2"}).status_code == 404


def test_another_teacher_sees_nothing_of_this_class_even_by_filtering(client, other_teacher, student, debate):
    fill_queue([debate], [student], 4)
    login(client, other_teacher)
    response = client.get(QUEUE)
    assert response.status_code == 200 and shown(response) == []
    html = response.content.decode()
    assert 'value="student"' not in html and debate.slug not in html
    # Naming this class's student or debate is a wrong value, not a way to find them.
    assert client.get(QUEUE, {"student": "student"}).status_code == 400
    assert client.get(QUEUE, {"debate": debate.slug}).status_code == 400


# --- the API ------------------------------------------------------------------------------


def api_keys(response) -> list[str]:
    return [f"{item['type']}-{item['id']}" for item in response.json()["results"]]


def test_the_api_queue_filters_by_student_debate_kind_and_age(teacher, student, other_student, debate, second_debate):
    items = fill_queue([debate, second_debate], [student, other_student], 16, oldest_days=16)
    client = api_client(teacher)
    assert api_keys(client.get(API_QUEUE, {"student": "other_student"})) == [key(i) for i in items[1::2]]
    assert api_keys(client.get(API_QUEUE, {"debate": "second-debate"})) == [key(i) for i in items[1::2]]
    assert api_keys(client.get(API_QUEUE, {"kind": "link"})) == of_kind(items, "link")
    evidence_of_student = [k for k in of_kind(items, Kind.EVIDENCE) if k in {key(i) for i in items[::2]}]
    assert evidence_of_student and api_keys(client.get(API_QUEUE, {"kind": "evidence", "student": "student"})) == (
        evidence_of_student
    )
    assert api_keys(client.get(API_QUEUE, {"older_than": "14"})) == [key(i) for i in items[:3]]
    since = (timezone.now() - timedelta(days=2, hours=12)).isoformat()
    assert api_keys(client.get(API_QUEUE, {"since": since})) == [key(i) for i in items[-2:]]
    assert client.get(API_QUEUE, {"student": "nobody"}).json()["results"] == []


def test_the_api_queue_is_paginated_and_its_links_keep_the_filters(teacher, debate):
    students = students_of(debate.classroom, 30)
    items = fill_queue([debate], students, 120)
    claims = of_kind(items, "claim")
    body = api_client(teacher).get(API_QUEUE, {"kind": "claim", "page_size": "25"}).json()
    assert body["count"] == 30 and api_keys_of(body) == claims[:25]
    assert "kind=claim" in body["next"] and "page=2" in body["next"]
    second = api_client(teacher).get(body["next"]).json()
    assert api_keys_of(second) == claims[25:] and second["next"] is None
    assert api_client(teacher).get(API_QUEUE, {"page": "9"}).status_code == 404


def api_keys_of(body) -> list[str]:
    return [f"{item['type']}-{item['id']}" for item in body["results"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "essay"}, "kind"),
        ({"older_than": "-1"}, "older_than"),
        ({"older_than": "a week"}, "older_than"),
        ({"since": "yesterday"}, "since"),
        ({"student": "x" * 151}, "student"),
        ({"debate": "not a slug"}, "debate"),
        ({"student": "stu\x00dent"}, "student"),
    ],
)
def test_a_bad_api_queue_filter_is_a_400_naming_the_field(teacher, params, field):
    response = api_client(teacher).get(API_QUEUE, params)
    assert response.status_code == 400
    assert list(errors(response)) == [field]


def test_the_openapi_document_describes_the_queue_filters(db):
    doc = api_client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    parameters = {p["name"]: p for p in doc["paths"][API_QUEUE]["get"]["parameters"]}
    assert {"debate", "student", "kind", "older_than", "since", "page", "page_size"} <= set(parameters)
    assert parameters["kind"]["schema"]["enum"] == ["position", "claim", "evidence", "link"] or "$ref" in str(
        parameters["kind"]["schema"]
    )
    assert parameters["since"]["schema"]["format"] == "date-time"
    assert parameters["older_than"]["schema"]["minimum"] == 0


@pytest.mark.parametrize("count", [3, 120])
def test_the_api_queue_costs_the_same_queries_for_3_or_120_items(
    teacher, debate, second_debate, count, django_assert_num_queries
):
    fill_queue([debate, second_debate], students_of(debate.classroom, 30), count)
    client = api_client(teacher)
    # Expect 7 queries: token with its user; the Teachers group; the queue's length (COUNT
    # over a UNION of pending nodes and standalone links); the page's keys in queue order;
    # the page's nodes with debate, author and quote; the arrows submitted with them; the
    # page's standalone links with both ends.
    with django_assert_num_queries(7):
        response = client.get(API_QUEUE, {"page_size": "200"})
    assert response.json()["count"] == count and len(response.json()["results"]) == count


# --- in the browser ---------------------------------------------------------------------


def fully_in_view(locator) -> bool:
    """Whether the element's whole box is inside the window (not scrolled off, not cut)."""
    return locator.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " return r.height > 0 && r.top >= 0 && r.left >= 0"
        " && r.bottom <= window.innerHeight && r.right <= window.innerWidth; }"
    )


def card(page, item):
    return page.locator(f"#{key(item)}")


@pytest.mark.browser
def test_a_teacher_of_thirty_filters_rejects_approves_a_page_and_never_loses_their_place(page, teacher, debate):
    students = students_of(debate.classroom, 30)
    items = fill_queue([debate], students, 120)
    log_in(page, "teacher")
    page.goto(QUEUE)
    expect(page.get_by_text("Page 1 of 5")).to_be_visible()

    # Filter by one student: their four items, nobody else's.
    filters = page.get_by_role("form", name="Filter the queue")
    filters.get_by_label("Student").select_option("pupil03")
    filters.get_by_role("button", name="Show").click()
    theirs = items[3::30]
    expect(page.locator(".queue-item")).to_have_count(4)
    expect(page.locator(".queue-item").filter(has_text="by pupil03")).to_have_count(4)
    # Approving the second brings the teacher back to the same filter, at the third.
    card(page, theirs[1]).get_by_role("button", name="Approve").click()
    # A link, named by its two ends' outline numbers: one of the approved ends, to the claim (1.1).
    expect(page.get_by_text(re.compile(r"^Approved: Link 1\.\d+ → 1\.1\.$"))).to_be_visible()
    assert page.url.endswith(f"/moderation/?student=pupil03&page=1#{key(theirs[2])}")
    expect(page.locator(".queue-item")).to_have_count(3)
    expect(card(page, theirs[2])).to_be_in_viewport()

    # The claims, page 1 of 2: a reject without a reason, far down the page, is refused.
    page.get_by_role("link", name="Clear the filters").click()
    filters.get_by_label("Kind").select_option("claim")
    filters.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    claims = [item for n, item in enumerate(items) if CYCLE[n % 4] == "claim"]
    refused = claims[14]
    card(page, refused).get_by_label("Note to the student").fill("Which talks?")
    card(page, refused).get_by_role("button", name="Reject").click()
    assert page.url.endswith(f"/moderation/?kind=claim&page=1#id_{key(refused)}-reason")
    message = card(page, refused).locator(".errorlist")
    expect(message).to_have_text("Choose a reason for rejecting.")
    assert fully_in_view(message)
    reason = card(page, refused).get_by_label("Reason")
    expect(reason).to_be_focused()
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(card(page, refused).get_by_label("Note to the student")).to_have_value("Which talks?")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(f"Claim “{refused.text}” was not decided")
    # With a reason it goes through, and the teacher is at the next claim.
    reason.select_option("unclear")
    card(page, refused).get_by_role("button", name="Reject").click()
    assert page.url.endswith(f"/moderation/?kind=claim&page=1#{key(claims[15])}")
    expect(card(page, claims[15])).to_be_in_viewport()
    expect(page.locator(".error-summary")).to_have_count(0)
    assert Node.objects.get(pk=refused.pk).status == Status.REJECTED

    # A whole page in bulk: the bar stays in view while the teacher ticks down the page.
    page.get_by_role("link", name="Clear the filters").click()
    first_page = page.locator(".queue-item")
    expect(first_page).to_have_count(25)
    ticked = [first_page.nth(n).get_attribute("id") for n in range(25)]
    bar = page.locator(".bulk-bar")
    expect(bar).to_be_hidden()
    for n, item_key in enumerate(ticked):
        page.locator(f"#pick-{item_key}").check()  # scrolls it into view
        if n in (0, 12, 24):
            assert fully_in_view(bar), n
            expect(bar).to_contain_text(f"{n + 1} selected")
    page.evaluate("window.scrollTo(0, 0)")  # back to the top of the page, the bar still at the bottom of the view
    assert page.evaluate("window.scrollY") == 0 and fully_in_view(bar)
    bar.get_by_role("button", name="Approve the ticked items").click()
    expect(page.get_by_text("Approved 25 contributions.")).to_be_visible()
    assert page.url.endswith("/moderation/?page=1")
    expect(page.locator(".queue-item")).to_have_count(25)
    assert not set(ticked) & {page.locator(".queue-item").nth(n).get_attribute("id") for n in range(25)}
    expect(page.get_by_text("Page 1 of 4")).to_be_visible()


def decide(client, item, action, **fields):
    kind = "node" if isinstance(item, Node) else "relation"
    prefix = f"{kind}-{item.pk}"
    data = {f"{prefix}-action": action, **{f"{prefix}-{k}": v for k, v in fields.items() if k != "next"}}
    if "next" in fields:
        data["next"] = fields["next"]
    return client.post(reverse("debates:moderation-decide", args=[kind, item.pk]), data)


# --- the queue -------------------------------------------------------------------------


def test_queue_shows_pending_items_oldest_first_with_their_context(
    client, teacher, student, other_student, debate, claim
):
    first = submit_evidence(debate, student, target=claim, relation="opposes")
    second = submit_claim(debate, other_student, text="Second in line", target=claim, relation="supports")
    response = login(client, teacher).get(QUEUE)
    assert response.status_code == 200
    page = text_of(response)
    assert page.index("Talks failed.") < page.index("Second in line")
    # the node it attaches to and how, the quote inside its paragraph, the author
    assert "by student" in page and "by other_student" in page
    # named by its outline number, as the debate page numbers it, not by its database id
    assert "Opposes 1.1 Claim: Military operations have worked before." in page
    assert f"#{claim.pk}" not in page
    assert "Thus far, all attempts at negotiating with local terrorist" in page
    html = response.content.decode()
    assert "Thus far, <mark>all attempts at negotiating</mark> with local" in html
    assert f'value="node-{first.pk}"' in html and f'value="node-{second.pk}"' in html


def test_queue_shows_a_standalone_link_with_both_ends(client, teacher, student, debate, claim):
    other = make_node(debate, text="Root causes matter.")
    relation = moderation.relation_submit(author=student, source=other, target=claim, kind="opposes")
    page = text_of(login(client, teacher).get(QUEUE))
    assert "1.2 Root causes matter. opposes 1.1 Military operations" in page
    assert f'value="relation-{relation.pk}"' in login(client, teacher).get(QUEUE).content.decode()


def test_queue_shows_only_the_teachers_own_classrooms(client, other_teacher, student, debate, other_classroom):
    submit_claim(debate, student, text="In Civics")
    response = login(client, other_teacher).get(QUEUE)
    assert response.status_code == 200
    assert "In Civics" not in response.content.decode()


def test_queue_can_show_one_debate_only(client, teacher, student, debate, classroom):
    submit_claim(debate, student, text="In the first debate")
    second = make_debate(classroom=classroom, slug="second")
    submit_claim(second, student, text="In the second debate")
    page = login(client, teacher).get(QUEUE + "?debate=second").content.decode()
    assert "In the second debate" in page and "In the first debate" not in page
    assert '<option value="second" selected>' in page and "Clear the filters" in page


def test_queue_is_404_for_students_and_needs_a_login(client, student):
    assert client.get(QUEUE).status_code == 302
    assert login(client, student).get(QUEUE).status_code == 404
    assert login(client, student).post(reverse("debates:moderation-bulk")).status_code == 404


def test_queue_refuses_post(client, teacher):
    assert login(client, teacher).post(QUEUE).status_code == 405


# The query count over 3 and 120 items is in test_moderation_queue.py, with the filters.


# --- decisions -------------------------------------------------------------------------


def test_teacher_approves_a_node_and_its_arrow_follows(client, teacher, student, debate, claim):
    node = submit_evidence(debate, student, target=claim, relation="opposes")
    response = decide(login(client, teacher), node, "approved")
    assert response["Location"] == QUEUE
    node.refresh_from_db()
    assert node.status == Status.APPROVED and node.reviewed_by == teacher
    assert node.outgoing.get().status == Status.APPROVED
    assert ModerationEvent.objects.filter(node=node, action=Action.APPROVED, actor=teacher).exists()
    assert messages_of(response) == ["Approved: Evidence “Talks failed.”."]


def test_reject_needs_a_reason_and_keeps_what_was_typed(client, teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    response = decide(login(client, teacher), node, "rejected", note="Too vague to keep")
    assert response.status_code == 400
    assert "Choose a reason for rejecting." in response.content.decode()
    assert "Too vague to keep</textarea>" in response.content.decode()
    node.refresh_from_db()
    assert node.status == Status.PENDING


def test_teacher_rejects_with_a_reason_and_a_note(client, teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    decide(login(client, teacher), node, "rejected", reason="unsupported", note="Give evidence.")
    node.refresh_from_db()
    event = ModerationEvent.objects.get(node=node, action=Action.REJECTED)
    assert node.status == Status.REJECTED and (event.reason, event.note) == ("unsupported", "Give evidence.")


def test_return_needs_a_note(client, teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    response = decide(login(client, teacher), node, "returned")
    assert response.status_code == 400 and "Say what the student should revise." in response.content.decode()
    decide(client, node, "returned", note="Which talks?")
    node.refresh_from_db()
    assert node.status == Status.RETURNED


def test_teacher_edits_then_approves(client, teacher, student, debate, claim):
    node = submit_claim(debate, student, text="Talks has failed", target=claim)
    decide(login(client, teacher), node, "approved", text="Talks have failed")
    node.refresh_from_db()
    assert (node.text, node.status) == ("Talks have failed", Status.APPROVED)
    actions = list(ModerationEvent.objects.filter(node=node).values_list("action", flat=True))
    assert actions == [Action.SUBMITTED, Action.EDITED, Action.APPROVED]


def test_plain_field_names_and_verbs_work_too(client, teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    other = submit_claim(debate, student, text="Other", target=claim)
    login(client, teacher)
    url = reverse("debates:moderation-decide", args=["node", node.pk])
    client.post(url, {"action": "reject", "reason": "unclear", "note": "Which talks?"})
    node.refresh_from_db()
    assert node.status == Status.REJECTED
    assert ModerationEvent.objects.get(node=node, action=Action.REJECTED).note == "Which talks?"
    client.post(reverse("debates:moderation-bulk"), {"node": [str(other.pk)]})
    other.refresh_from_db()
    assert other.status == Status.APPROVED


def test_the_second_of_two_teachers_is_told_it_was_already_decided(teacher, co_teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    first, second = login(Client(), teacher), login(Client(), co_teacher)
    assert second.get(QUEUE).status_code == 200  # both have the item on screen
    decide(first, node, "approved")
    response = decide(second, node, "rejected", reason="duplicate")
    assert messages_of(response) == ["This contribution was already decided: it is approved."]
    node.refresh_from_db()
    assert node.status == Status.APPROVED and node.reviewed_by == teacher
    assert not ModerationEvent.objects.filter(node=node, action=Action.REJECTED).exists()


def test_deciding_a_withdrawn_item_says_so(client, teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    pk = node.pk
    moderation.item_withdraw(item=node, user=student)
    node.pk = pk
    response = decide(login(client, teacher), node, "approved")
    assert messages_of(response) == ["Its author withdrew this contribution."]


def test_approving_a_link_whose_end_is_not_approved_is_refused(client, teacher, student, debate, claim):
    mine = submit_claim(debate, student, text="My pending claim", target=claim)
    relation = moderation.relation_submit(author=student, source=claim, target=mine, kind="supports")
    response = decide(login(client, teacher), relation, "approved")
    assert response.status_code == 400
    assert "Approve both nodes this arrow links before approving the arrow." in response.content.decode()
    relation.refresh_from_db()
    assert relation.status == Status.PENDING


def test_only_the_classrooms_teachers_decide(client, other_teacher, student, outsider, debate, claim):
    node = submit_claim(debate, student, target=claim)
    assert decide(login(client, other_teacher), node, "approved").status_code == 404
    assert decide(login(Client(), student), node, "approved").status_code == 404
    assert decide(login(Client(), outsider), node, "approved").status_code == 404
    assert decide(Client(), node, "approved").status_code == 302
    node.refresh_from_db()
    assert node.status == Status.PENDING


def test_decide_needs_post_csrf_and_a_known_kind(teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    client = login(Client(), teacher)
    assert client.get(reverse("debates:moderation-decide", args=["node", node.pk])).status_code == 405
    assert client.post(reverse("debates:moderation-decide", args=["debate", node.pk])).status_code == 404
    assert decide(login(Client(enforce_csrf_checks=True), teacher), node, "approved").status_code == 403
    node.refresh_from_db()
    assert node.status == Status.PENDING


def test_a_decision_from_the_node_page_returns_there_and_never_off_site(client, teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    other = submit_claim(debate, student, text="Another", target=claim)
    login(client, teacher)
    assert decide(client, node, "approved", next=node.get_absolute_url())["Location"] == node.get_absolute_url()
    assert decide(client, other, "approved", next="https://evil.example/")["Location"] == QUEUE


def test_bulk_approve_approves_the_ticked_items_and_explains_the_rest(client, teacher, student, debate, claim):
    nodes = [submit_claim(debate, student, text=f"Claim {i}", target=claim) for i in range(3)]
    mine = submit_claim(debate, student, text="Pending end", target=claim)
    dangling = moderation.relation_submit(author=student, source=claim, target=mine, kind="supports")
    items = [f"node-{n.pk}" for n in nodes] + [f"relation-{dangling.pk}", "node-999999", "junk", "node-x"]
    response = login(client, teacher).post(reverse("debates:moderation-bulk"), {"items": items})
    assert response["Location"] == QUEUE
    assert Node.objects.filter(pk__in=[n.pk for n in nodes], status=Status.APPROVED).count() == 3
    notes = messages_of(response)
    assert notes[0] == "Approved 3 contributions."
    assert "Approve both nodes this arrow links" in notes[1]
    assert Relation.objects.get(pk=dangling.pk).status == Status.PENDING


def test_bulk_approve_ignores_items_of_other_classrooms(client, other_teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    response = login(client, other_teacher).post(reverse("debates:moderation-bulk"), {"items": [f"node-{node.pk}"]})
    assert messages_of(response) == ["Tick the contributions to approve first."]
    node.refresh_from_db()
    assert node.status == Status.PENDING


def test_bulk_approve_needs_post_and_csrf(teacher, student, debate, claim):
    node = submit_claim(debate, student, target=claim)
    assert login(Client(), teacher).get(reverse("debates:moderation-bulk")).status_code == 405
    client = login(Client(enforce_csrf_checks=True), teacher)
    assert client.post(reverse("debates:moderation-bulk"), {"items": [f"node-{node.pk}"]}).status_code == 403


def test_an_approval_shows_on_the_debate_page_at_the_next_load(client, teacher, student, other_student, debate, claim):
    node = submit_claim(debate, student, text="Now public", target=claim)
    classmate = login(Client(), other_student)
    assert "Now public" not in classmate.get(debate.get_absolute_url()).content.decode()
    decide(login(client, teacher), node, "approved")
    assert "Now public" in classmate.get(debate.get_absolute_url()).content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_teachers_deciding_at_the_same_moment_one_wins(teacher, co_teacher, student, debate, claim):
    """Each thread has its own database connection (SQLite's test database is a file, its
    transactions immediate), so the two decisions really race: the conditional update lets
    exactly one through."""
    import threading

    from django.db import connections

    node = submit_claim(debate, student, target=claim)
    barrier = threading.Barrier(2)
    results = {}

    def run(user, action, extra):
        try:
            client = login(Client(), user)
            barrier.wait()
            results[user.username] = messages_of(decide(client, node, action, **extra))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(teacher, "approved", {})),
        threading.Thread(target=run, args=(co_teacher, "rejected", {"reason": "duplicate"})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    node.refresh_from_db()
    winner = "teacher" if node.status == Status.APPROVED else "co_teacher"
    loser = "co_teacher" if winner == "teacher" else "teacher"
    assert results[loser][0].startswith("This contribution was already decided: it is ")
    assert not results[winner][0].startswith("This contribution was already decided")
    assert ModerationEvent.objects.filter(node=node, action__in=[Action.APPROVED, Action.REJECTED]).count() == 1
