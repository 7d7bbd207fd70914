"""The projector view /debates/<slug>/present/: one branch at a time, numbered like the
outline, with the debate page's visibility, at a fixed number of queries."""

import pytest
from django.urls import reverse

from debates.models import Kind
from tests.factories import make_node, question_of, submit_claim


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def present_url(debate, query: str = "") -> str:
    return reverse("debates:debate-present", args=[debate.slug]) + query


def two_positions(debate):
    """Positions 1.1 and 1.2; 1.1 has a claim 1.1.1 with evidence 1.1.1.1; 1.2 a claim 1.2.1."""
    military = make_node(debate, kind=Kind.POSITION, text="Answer with force")
    roots = make_node(debate, kind=Kind.POSITION, text="Address the root causes")
    claim = make_node(debate, text="Operations cut attacks", target=military)
    make_node(
        debate,
        kind=Kind.EVIDENCE,
        text="Attacks fell after 2014",
        target=claim,
        quote="Thus far, all attempts at negotiating with local terrorist organizations have failed.",
    )
    make_node(debate, text="Schools change lives", target=roots)
    return military, roots


def test_a_visitor_sees_the_first_branch_of_a_public_debate_with_outline_numbers(client, public_debate):
    two_positions(public_debate)
    html = client.get(present_url(public_debate)).content.decode()
    assert "1 of 2" in html
    assert "Answer with force" in html and "Operations cut attacks" in html and "Attacks fell after 2014" in html
    assert "Thus far, all attempts at negotiating" in html  # the quote, in full
    for number in ("1.1", "1.1.1", "1.1.1.1"):
        assert f'<span class="present-number">{number}</span>' in html
    # Only this branch: the other position and what hangs from it are on the next slide.
    assert "Address the root causes" not in html and "Schools change lives" not in html
    assert 'href="?branch=2"' in html and 'rel="prev"' not in html


def test_the_second_branch_is_the_second_position_and_has_no_next(client, debate, student):
    two_positions(debate)
    client.force_login(student)
    html = client.get(present_url(debate, "?branch=2")).content.decode()
    assert "2 of 2" in html
    assert "Address the root causes" in html and "Schools change lives" in html
    assert "Operations cut attacks" not in html
    assert 'href="?branch=1"' in html and 'rel="next"' not in html
    # Every list the branch opens is closed.
    assert html.count("<ol") == html.count("</ol>")


def test_pending_work_is_never_projected_even_for_the_teacher(client, debate, student, teacher):
    military, _ = two_positions(debate)
    submit_claim(debate, student, text="Not yet approved", target=military)
    client.force_login(teacher)
    html = client.get(present_url(debate, "?pending=1")).content.decode()
    assert "Not yet approved" not in html and "Operations cut attacks" in html


def test_a_classroom_debate_is_a_404_for_visitors_and_other_classrooms(client, debate, outsider):
    two_positions(debate)
    assert client.get(present_url(debate)).status_code == 404
    client.force_login(outsider)
    assert client.get(present_url(debate)).status_code == 404


@pytest.mark.parametrize("query", ["?branch=0", "?branch=3", "?branch=x", "?branch=%00", "?branch=1.5"])
def test_a_bad_branch_is_a_clear_400_naming_the_parameter(client, debate, student, query):
    two_positions(debate)
    client.force_login(student)
    response = client.get(present_url(debate, query))
    assert response.status_code == 400
    assert response.content.decode().startswith("branch:")


def test_only_get_and_head_are_allowed(client, public_debate):
    assert client.post(present_url(public_debate)).status_code == 405
    assert client.head(present_url(public_debate)).status_code == 200


def test_a_debate_with_only_its_question_says_so(client, public_debate):
    html = client.get(present_url(public_debate)).content.decode()
    assert "Nothing answers the question yet." in html
    assert question_of(public_debate).text in html


@pytest.mark.parametrize("size", [3, 12, 30])
def test_the_projector_view_costs_a_fixed_number_of_queries(client, debate, student, size, django_assert_num_queries):
    military, roots = two_positions(debate)
    for index in range(size):
        parent = make_node(debate, text=f"Reason {index}", target=military if index % 2 else roots)
        make_node(debate, text=f"Detail {index}", target=parent, relation="opposes")
    client.force_login(student)
    # session, user, debate (+classroom, +group copy), the user's classroom roles, nodes
    # (+quote+source), relations, the debate's sources (their citation lines).
    with django_assert_num_queries(7):
        assert client.get(present_url(debate, "?branch=2")).status_code == 200
