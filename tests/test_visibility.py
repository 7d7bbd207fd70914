"""Who sees what, persona by persona: the QuerySet methods (visible_to, moderated_by) and the
moderation queue that every page, API list, export and the admin are built on.

The expectations are written out by hand for each persona, not computed from the rules
under test, so that a rule that changes shows up here as a named item seen or hidden.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from debates import moderation, permissions
from debates.models import Debate, Node, Relation, Source, Status
from tests.factories import api_client, make_debate, make_node, make_relation, make_source, question_of


@pytest.fixture
def world(debate, public_debate, other_classroom, teacher, other_teacher, student, other_student, outsider):
    """Work of every status in `debate` (classroom: teacher, student, other_student), in
    `theirs` (other_classroom: other_teacher, outsider) and in `public_debate` (created by
    teacher). Each node comes with its arrow to the question, of its own status and author."""
    theirs = make_debate(classroom=other_classroom, created_by=other_teacher, slug="theirs")
    n = SimpleNamespace(q=question_of(debate), q_theirs=question_of(theirs), q_public=question_of(public_debate))
    n.s_approved = make_node(debate, author=student)
    n.s_pending = make_node(debate, author=student, status=Status.PENDING)
    n.s_rejected = make_node(debate, author=student, status=Status.REJECTED)
    n.s_returned = make_node(debate, author=student, status=Status.RETURNED)
    n.o2_approved = make_node(debate, author=other_student)
    n.o2_pending = make_node(debate, author=other_student, status=Status.PENDING)
    n.t_approved = make_node(theirs, author=outsider)
    n.t_pending = make_node(theirs, author=outsider, status=Status.PENDING)
    n.p_approved = make_node(public_debate, author=teacher)
    # A deleted student's claim, still waiting.
    n.p_pending = make_node(public_debate, author=None, status=Status.PENDING)
    r = SimpleNamespace(**{name: node.outgoing.get() for name, node in vars(n).items() if not name.startswith("q")})
    # Arrows proposed on their own, between approved nodes, by each student of the class.
    r.s_link = make_relation(n.o2_approved, n.s_approved, author=student, status=Status.PENDING)
    r.o2_link = make_relation(n.s_approved, n.o2_approved, author=other_student, status=Status.PENDING)
    sources = SimpleNamespace(
        of_debate=debate.sources.get(),
        of_theirs=theirs.sources.get(),
        of_public=public_debate.sources.get(),
        teachers_spare=make_source(added_by=teacher, title="Not yet in a debate"),
    )
    return SimpleNamespace(debate=debate, theirs=theirs, public=public_debate, n=n, r=r, sources=sources)


def _nodes(world, *names):
    return {getattr(world.n, name) for name in names}


def _relations(world, *names):
    return {getattr(world.r, name) for name in names}


ALL_NODES = ("q", "q_theirs", "q_public", "s_approved", "s_pending", "s_rejected", "s_returned", "o2_approved")
ALL_NODES += ("o2_pending", "t_approved", "t_pending", "p_approved", "p_pending")
ALL_RELATIONS = ("s_approved", "s_pending", "s_rejected", "s_returned", "o2_approved", "o2_pending")
ALL_RELATIONS += ("t_approved", "t_pending", "p_approved", "p_pending", "s_link", "o2_link")

# What each persona sees, by name. "queue" is the moderation queue, oldest first.
EXPECTED = {
    "visitor": {
        "debates": {"public"},
        "moderates": set(),
        "nodes": {"q_public", "p_approved"},
        "relations": {"p_approved"},
        "sources": {"of_public"},
        "queue": [],
    },
    "student": {
        "debates": {"debate", "public"},
        "moderates": set(),
        # Their own work of every status; of others only what is approved.
        "nodes": {"q", "s_approved", "s_pending", "s_rejected", "s_returned", "o2_approved", "q_public", "p_approved"},
        "relations": {"s_approved", "s_pending", "s_rejected", "s_returned", "o2_approved", "s_link", "p_approved"},
        "sources": {"of_debate", "of_public"},
        "queue": [],
    },
    "other_student": {
        "debates": {"debate", "public"},
        "moderates": set(),
        "nodes": {"q", "s_approved", "o2_approved", "o2_pending", "q_public", "p_approved"},
        "relations": {"s_approved", "o2_approved", "o2_pending", "o2_link", "p_approved"},
        "sources": {"of_debate", "of_public"},
        "queue": [],
    },
    "outsider": {
        "debates": {"theirs", "public"},
        "moderates": set(),
        "nodes": {"q_theirs", "t_approved", "t_pending", "q_public", "p_approved"},
        "relations": {"t_approved", "t_pending", "p_approved"},
        "sources": {"of_theirs", "of_public"},
        "queue": [],
    },
    "teacher": {
        "debates": {"debate", "public"},
        "moderates": {"debate", "public"},
        "nodes": set(ALL_NODES) - {"q_theirs", "t_approved", "t_pending"},
        "relations": set(ALL_RELATIONS) - {"t_approved", "t_pending"},
        "sources": {"of_debate", "of_public", "teachers_spare"},
        # Nodes with the arrows submitted with them (not listed again), and the arrows
        # proposed on their own.
        "queue": ["node s_pending", "node o2_pending", "node p_pending", "relation s_link", "relation o2_link"],
    },
    "other_teacher": {
        "debates": {"theirs", "public"},
        "moderates": {"theirs"},
        "nodes": {"q_theirs", "t_approved", "t_pending", "q_public", "p_approved"},
        "relations": {"t_approved", "t_pending", "p_approved"},
        "sources": {"of_theirs", "of_public"},
        "queue": ["node t_pending"],
    },
    "admin": {
        "debates": {"debate", "theirs", "public"},
        "moderates": {"debate", "theirs", "public"},
        "nodes": set(ALL_NODES),
        "relations": set(ALL_RELATIONS),
        "sources": {"of_debate", "of_theirs", "of_public", "teachers_spare"},
        "queue": [
            "node s_pending",
            "node o2_pending",
            "node t_pending",
            "node p_pending",
            "relation s_link",
            "relation o2_link",
        ],
    },
}

PERSONAS = sorted(EXPECTED)


@pytest.fixture
def personas(teacher, other_teacher, student, other_student, outsider, admin):
    return {
        "visitor": AnonymousUser(),
        "student": student,
        "other_student": other_student,
        "outsider": outsider,
        "teacher": teacher,
        "other_teacher": other_teacher,
        "admin": admin,
    }


def _names(namespace, objects) -> set[str]:
    """The world's names of these objects (an unnamed one fails the comparison by name)."""
    by_object = {obj: name for name, obj in vars(namespace).items()}
    return {by_object.get(obj, f"unnamed {obj!r}") for obj in objects}


def _queue_names(world, items) -> list[str]:
    nodes = {node: name for name, node in vars(world.n).items()}
    relations = {relation: name for name, relation in vars(world.r).items()}
    return [f"node {nodes[i]}" if isinstance(i, Node) else f"relation {relations[i]}" for i in items]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_sees_exactly_its_debates_nodes_relations_and_sources(world, personas, persona):
    user, expected = personas[persona], EXPECTED[persona]
    debates = SimpleNamespace(debate=world.debate, theirs=world.theirs, public=world.public)
    assert _names(debates, Debate.objects.visible_to(user)) == expected["debates"]
    assert _names(debates, Debate.objects.moderated_by(user)) == expected["moderates"]
    assert _names(world.n, Node.objects.visible_to(user)) == expected["nodes"]
    assert _names(world.r, Relation.objects.visible_to(user)) == expected["relations"]
    assert _names(world.sources, Source.objects.visible_to(user)) == expected["sources"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_moderates_exactly_the_items_of_its_debates(world, personas, persona):
    user, moderated = personas[persona], EXPECTED[persona]["moderates"]
    debates = {getattr(world, name) for name in moderated}
    assert set(Node.objects.moderated_by(user)) == set(Node.objects.filter(debate__in=debates))
    assert set(Relation.objects.moderated_by(user)) == set(Relation.objects.filter(debate__in=debates))
    for debate in (world.debate, world.theirs, world.public):
        assert permissions.can_moderate(user, debate) == (debate in debates), debate


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_has_exactly_its_queue_oldest_first(world, personas, persona):
    user = personas[persona]
    queue = moderation.pending_queue(user)
    assert _queue_names(world, queue) == EXPECTED[persona]["queue"]
    assert permissions.has_moderation_queue(user) == (persona in ("teacher", "other_teacher", "admin"))
    for item in queue:
        if isinstance(item, Node):
            # The arrow a node was submitted with is decided with it.
            assert item.arrows == [item.outgoing.get()]


def test_the_queue_of_one_debate_and_its_limit(world, teacher):
    only = moderation.pending_queue(teacher, debate_slug=world.public.slug)
    assert _queue_names(world, only) == ["node p_pending"]
    assert _queue_names(world, moderation.pending_queue(teacher)[:2]) == ["node s_pending", "node o2_pending"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_one_debates_page_sees_what_the_lists_across_debates_see(world, personas, persona):
    """Pages of one debate pass whether the user moderates it (moderator=); the answer is
    the same as the lists across debates, which decide it in the query."""
    user = personas[persona]
    for debate in Debate.objects.visible_to(user):
        moderator = permissions.can_moderate(user, debate)
        for model in (Node, Relation):
            page = set(model.objects.filter(debate=debate).visible_to(user, moderator=moderator))
            assert page == set(model.objects.visible_to(user).filter(debate=debate)), (model, debate)


@pytest.mark.parametrize("persona", ["visitor", "student", "outsider", "teacher", "other_teacher", "admin"])
def test_the_api_lists_show_each_persona_what_the_querysets_do(world, personas, persona):
    user, expected = personas[persona], EXPECTED[persona]
    client = api_client(None if persona == "visitor" else user)

    def ids(path):
        response = client.get(path, {"page_size": 200})
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    slugs = {row["slug"] for row in client.get("/api/debates/").json()["results"]}
    assert slugs == {getattr(world, name).slug for name in expected["debates"]}
    assert ids("/api/nodes/") == {node.pk for node in _nodes(world, *expected["nodes"])}
    assert ids("/api/relations/") == {relation.pk for relation in _relations(world, *expected["relations"])}
    assert ids("/api/sources/") == {getattr(world.sources, name).pk for name in expected["sources"]}
    queue = client.get("/api/moderation/")
    if persona == "visitor":
        assert queue.status_code == 401
    elif persona in ("student", "outsider"):
        assert queue.status_code == 403
    else:
        rows = queue.json()["results"]
        assert [row["type"] for row in rows] == [entry.split()[0] for entry in expected["queue"]]


@pytest.mark.parametrize("persona", ["visitor", "student", "outsider", "teacher", "admin"])
def test_the_home_page_lists_each_persona_its_debates(client, world, personas, persona):
    if persona != "visitor":
        client.force_login(personas[persona])
    page = client.get("/").content.decode()
    for name in ("debate", "theirs", "public"):
        shown = getattr(world, name).get_absolute_url() in page
        assert shown == (name in EXPECTED[persona]["debates"]), name


def test_a_deleted_students_pending_claim_keeps_its_arrow_with_it(world, teacher):
    """Both authors NULL: still one contribution, decided as one."""
    node = world.n.p_pending
    assert set(Relation.objects.submitted_with_nodes().filter(source=node)) == {world.r.p_pending}
    assert world.r.p_pending not in set(Relation.objects.standalone())
    moderation.item_decide(item=node, moderator=teacher, action="rejected", reason="unclear")
    assert Relation.objects.get(pk=world.r.p_pending.pk).status == Status.REJECTED
