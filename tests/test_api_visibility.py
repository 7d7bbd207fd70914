"""The API's visibility across many debates at once (Q objects) agrees with the models'
per-debate visible_to(), which the pages use, for every persona."""

import pytest
from django.contrib.auth.models import AnonymousUser

from debates import permissions
from debates.api.views import visible_debates_q, visible_nodes, visible_relations, visible_sources
from debates.models import Debate, Node, Relation, Source, Status
from tests.api_clients import fast_password_hasher  # noqa: F401 (autouse)
from tests.factories import make_debate, make_node, make_relation, make_user, submit_claim


@pytest.fixture
def world(debate, public_debate, other_classroom, other_teacher, teacher, student, other_student, outsider):
    """Every status, in a classroom debate, another classroom's debate and a public one."""
    theirs = make_debate(classroom=other_classroom, created_by=other_teacher)
    for d, members in ((debate, (student, other_student, teacher)), (theirs, (outsider, other_teacher))):
        a = make_node(d, author=members[0])
        for status in Status.values:
            node = make_node(d, author=members[0], status=status)
            make_relation(node, a, author=members[-1], status=status)
        submit_claim(d, members[1], target=a)
    make_node(public_debate, status=Status.PENDING, author=teacher)
    make_node(public_debate, author=teacher)
    return [debate, theirs, public_debate]


def _personas(teacher, other_teacher, student, other_student, outsider):
    admin = make_user("admin", is_superuser=True, is_staff=True)
    return [AnonymousUser(), teacher, other_teacher, student, other_student, outsider, admin]


def test_debates_nodes_relations_and_sources_visible_through_the_api_are_those_the_pages_show(
    world, teacher, other_teacher, student, other_student, outsider
):
    for user in _personas(teacher, other_teacher, student, other_student, outsider):
        expected_debates = set(Debate.objects.visible_to(user))
        assert set(Debate.objects.filter(visible_debates_q(user))) == expected_debates, user
        expected_nodes, expected_relations = set(), set()
        for d in expected_debates:
            moderator = permissions.can_moderate(user, d)
            expected_nodes |= set(Node.objects.filter(debate=d).visible_to(user, moderator=moderator))
            expected_relations |= set(Relation.objects.filter(debate=d).visible_to(user, moderator=moderator))
        assert set(visible_nodes(user)) == expected_nodes, user
        assert set(visible_relations(user)) == expected_relations, user
        expected_sources = {s for s in Source.objects.all() if set(s.debates.all()) & expected_debates}
        assert set(visible_sources(user)) == expected_sources, user
        # The world is rich enough for the comparison to mean something.
        assert expected_nodes and expected_debates
