"""Synthetic debates shaped like real ones (trees of branching 2-4, about 10% extra
cross-links, claim-length text, a third of the boxes evidence with a quote): the shape alone,
for whatever makes the boxes (rows in a database, or MapData for layout tests that need a big
map without one; bench/maps.py and the handout tests build theirs on it too)."""

import itertools
import random

from debates.maps.data import MapData, MapNode, MapRelation
from debates.models import Debate, Kind, Node, Quote, Relation, Source, Status

WORDS = (
    "the state must act now because police forces remain exposed while schools jobs and courts take years "
    "to change and the group exploits every delay to recruit train and strike again across the border"
).split()
QUOTE = "Police stations in the north-west have been attacked repeatedly and are short of equipment."


def grow_tree(size: int, rng: random.Random, root, make_box) -> tuple[list, list[tuple]]:
    """A tree of `size` boxes, `root` included, grown breadth first with 2-4 children a box:
    positions under the root, then a third evidence and the rest claims. make_box(kind) makes
    each box (anything with a `pk`; it may draw from rng too). Returns the boxes, root first,
    and the tree's arrows as (box, parent, kind): a position supports the root, any other box
    supports its parent 70% of the time and opposes it otherwise."""
    boxes, arrows = [root], []
    parents = [(root, 0)]
    while len(boxes) < size:
        parent, depth = parents.pop(0)
        for _ in range(rng.randint(2, 4)):
            if len(boxes) >= size:
                break
            kind = "position" if depth == 0 else ("evidence" if rng.random() < 0.33 else "claim")
            box = make_box(kind)
            boxes.append(box)
            parents.append((box, depth + 1))
            arrows.append((box, parent, "supports" if depth == 0 or rng.random() < 0.7 else "opposes"))
    return boxes, arrows


def add_cross_links(rng: random.Random, boxes: list, arrows: list[tuple], total: int, kind_of) -> None:
    """Append arrows between random boxes other than the root, none between two boxes already
    linked either way, until there are `total`; kind_of() gives each one's kind."""
    pairs = {(source.pk, target.pk) for source, target, _ in arrows}
    while len(arrows) < total:
        source, target = rng.sample(boxes[1:], 2)
        if (source.pk, target.pk) in pairs or (target.pk, source.pk) in pairs:
            continue
        pairs.add((source.pk, target.pk))
        arrows.append((source, target, kind_of()))


def synthetic_map(size: int, seed: int = 7) -> MapData:
    """A debate of `size` approved boxes: the question (pk 1), positions under it, then claims
    and evidence, breadth first, with size // 10 cross-links between random boxes."""
    rng = random.Random(seed + size)
    pks = itertools.count(2)

    def make_box(kind):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30))).capitalize() + "."
        quote, citation = (QUOTE, "A. Writer, Dawn") if kind == "evidence" else ("", "")
        return MapNode(next(pks), kind, text, "approved", quote, citation)

    question = MapNode(1, "question", "How should Pakistan respond?", "approved", "", "")
    nodes, arrows = grow_tree(size, rng, question, make_box)
    add_cross_links(rng, nodes, arrows, (size - 1) + size // 10, lambda: rng.choice(["supports", "opposes"]))
    relations = [MapRelation(pk, s.pk, t.pk, kind, "approved") for pk, (s, t, kind) in enumerate(arrows, 1)]
    return MapData(slug="synthetic", question=nodes[0].text, nodes=tuple(nodes), relations=tuple(relations))


def store_debate(
    debate: Debate, source: Source, size: int, rng: random.Random, *, words, quote_at, links: int, link_kind
) -> Debate:
    """Save `debate` and its one `source` (both unsaved; the debate public) with `size` approved
    nodes in grow_tree's shape, its question included, then cross-links until it has `links`
    arrows, each of link_kind(). A box's text is a run of words[0] to words[1] random WORDS;
    evidence quotes the source at quote_at(node) -> (start, end)."""
    source.save()
    debate.save()
    debate.sources.add(source)

    def make_box(kind):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(*words))).capitalize() + "."
        node = Node.objects.create(debate=debate, kind=kind, text=text, status=Status.APPROVED)
        if kind == Kind.EVIDENCE:
            start, end = quote_at(node)
            Quote.objects.create(node=node, source=source, text=source.text[start:end], start=start, end=end)
        return node

    question = Node.objects.create(debate=debate, kind=Kind.QUESTION, text=debate.question, status=Status.APPROVED)
    nodes, arrows = grow_tree(size, rng, question, make_box)
    add_cross_links(rng, nodes, arrows, links, link_kind)
    Relation.objects.bulk_create(
        Relation(debate=debate, source=s, target=t, kind=kind, status=Status.APPROVED) for s, t, kind in arrows
    )
    return debate
