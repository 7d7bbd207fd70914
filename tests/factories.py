"""Plain factory functions for tests: each makes one row (and what it needs) the usual way."""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from debates import moderation, permissions
from debates.models import Classroom, Debate, Kind, Membership, Node, Quote, Relation, Source, Status

_seq = itertools.count(1)

SOURCE_TEXT = (
    "The recent mosque bombing in Peshawar killed more than 100 people.\n\n"
    "Thus far, all attempts at negotiating with local terrorist organizations have failed. "
    "There has been an increasing demand for a “military solution” to the problem.\n\n"
    "Poverty, illiteracy, and political instability have created an environment in which extremism can thrive."
)


def make_user(username: str | None = None, *, teacher: bool = False, password: str = "pw-for-tests-1", **extra):
    user = get_user_model().objects.create_user(username=username or f"user{next(_seq)}", password=password, **extra)
    if teacher:
        group, _ = Group.objects.get_or_create(name=permissions.TEACHERS_GROUP)
        user.groups.add(group)
    return user


def make_classroom(*, teacher=None, students=(), name: str | None = None) -> Classroom:
    classroom = Classroom.objects.create(name=name or f"Class {next(_seq)}")
    if teacher is not None:
        Membership.objects.create(classroom=classroom, user=teacher, role=Membership.Role.TEACHER)
    for student in students:
        Membership.objects.create(classroom=classroom, user=student, role=Membership.Role.STUDENT)
    return classroom


def make_source(text: str = SOURCE_TEXT, **fields) -> Source:
    fields.setdefault("title", f"Op-ed {next(_seq)}")
    fields.setdefault("author", "A. Writer")
    fields.setdefault("outlet", "The Daily")
    return Source.objects.create(text=text, **fields)


def make_debate(
    *, classroom=None, created_by=None, question: str = "How should Pakistan respond?", sources=None, **fields
) -> Debate:
    debate = Debate.objects.create(
        slug=fields.pop("slug", f"debate-{next(_seq)}"),
        question=question,
        classroom=classroom,
        created_by=created_by,
        **fields,
    )
    debate.sources.set(sources if sources is not None else [make_source()])
    Node.objects.create(debate=debate, kind=Kind.QUESTION, text=question, status=Status.APPROVED, author=created_by)
    return debate


def question_of(debate: Debate) -> Node:
    return debate.nodes.get(kind=Kind.QUESTION)


def make_node(
    debate: Debate,
    *,
    kind: str = Kind.CLAIM,
    text: str | None = None,
    author=None,
    status: str = Status.APPROVED,
    target: Node | None = None,
    relation: str = "supports",
    quote: str | None = None,
    source: Source | None = None,
) -> Node:
    """A node attached to target (the question by default), written directly: no workflow."""
    node = Node.objects.create(
        debate=debate, kind=kind, text=text or f"Claim number {next(_seq)}", author=author, status=status
    )
    if quote is not None:
        source = source or debate.sources.first()
        start = source.text.index(quote)
        Quote.objects.create(node=node, source=source, text=quote, start=start, end=start + len(quote))
    Relation.objects.create(
        debate=debate, source=node, target=target or question_of(debate), kind=relation, author=author, status=status
    )
    return node


def make_relation(
    source: Node, target: Node, *, kind: str = "opposes", author=None, status: str = Status.APPROVED
) -> Relation:
    return Relation.objects.create(
        debate=source.debate, source=source, target=target, kind=kind, author=author, status=status
    )


def submit_claim(
    debate: Debate,
    author,
    *,
    text: str = "Talks have failed before.",
    target: Node | None = None,
    relation: str = "supports",
) -> Node:
    """A claim through the real workflow (pending for a student, approved for a teacher)."""
    return moderation.node_submit(
        debate=debate,
        author=author,
        kind=Kind.CLAIM,
        text=text,
        target=target or question_of(debate),
        relation_kind=relation,
    )
