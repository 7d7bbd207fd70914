"""The projector view /debates/<slug>/present/: one branch at a time, numbered like the
outline, with the debate page's visibility, at a fixed number of queries."""

import pytest
from django.urls import reverse

from debates.models import Debate, Kind, Relation
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
    # (+quote+source), relations, the debate's sources (their citation lines). The badges are
    # judged from the nodes and relations already loaded: no query of their own.
    with django_assert_num_queries(7):
        response = client.get(present_url(debate, "?branch=2"))
    assert response.status_code == 200
    # Every box of the branch carries its badge: the position, its claim, and each even
    # reason with its detail.
    assert response.content.decode().count('class="standing standing-') == 2 + 2 * ((size + 1) // 2)


def entry_of(html: str, number: str) -> str:
    """The projector's box numbered `number`: from its number to the end of its box."""
    start = html.index(f'<span class="present-number">{number}</span>')
    return html[start : html.index("</div>", start)]


def test_an_objection_to_a_link_reads_against_the_link_not_as_a_con_of_the_box(client, debate, student):
    military, _ = two_positions(debate)
    arrow = Relation.objects.get(target=military, source__text="Operations cut attacks")
    objector = make_node(debate, text="The drop came before the operations", target=military)
    Relation.objects.filter(source=objector).delete()
    Relation.objects.create(debate=debate, source=objector, target_relation=arrow, kind="opposes", status="approved")
    client.force_login(student)
    html = client.get(present_url(debate)).content.decode()
    # Listed under the claim whose link it attacks, after its pros (1.1.1.1 is the evidence).
    box = entry_of(html, "1.1.1.2")
    assert "The drop came before the operations" in box
    assert "against the link to “<bdi>Answer with force</bdi>”" in box
    assert "against the link" not in entry_of(html, "1.1.1.1")


def test_each_box_carries_its_standing_badge_while_the_class_sees_the_standing(client, debate, student):
    military, _ = two_positions(debate)
    objection = make_node(debate, text="Operations displace militants", target=military, relation="opposes")
    client.force_login(student)
    html = client.get(present_url(debate)).content.decode()
    # The evidence quotes a source: the claim it supports stands, evidenced; the objection
    # nobody answers stands without evidence and the position it opposes falls.
    assert '<span aria-hidden="true">✓</span> stands</span>' in entry_of(html, "1.1.1")
    assert "not evidenced" not in entry_of(html, "1.1.1")
    assert '<span aria-hidden="true">✗</span> falls</span>' in entry_of(html, "1.1")
    unanswered = entry_of(html, "1.1.2")
    assert objection.text in unanswered and "✓</span> stands · not evidenced</span>" in unanswered
    assert '<div class="present-box is-unevidenced">' in html
    # The question is never judged.
    assert "standing-" not in html[: html.index('class="present-tree"')]


def test_while_the_standing_is_hidden_the_projector_shows_no_badges_even_to_the_teacher(
    client, debate, student, teacher
):
    two_positions(debate)
    Debate.objects.filter(pk=debate.pk).update(show_standing=False)
    for reader in (student, teacher):
        client.force_login(reader)
        html = client.get(present_url(debate)).content.decode()
        assert "Operations cut attacks" in html
        assert 'class="standing' not in html and "is-unevidenced" not in html
