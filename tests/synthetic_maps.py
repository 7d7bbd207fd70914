"""Synthetic debates as MapData, shaped like bench/maps.py's (trees of branching 2-4, about
10% extra cross-links, claim-length text, a third of the boxes evidence with a quote): for
layout tests that need a big map without a database."""

import random

from debates.maps.data import MapData, MapNode, MapRelation

WORDS = (
    "the state must act now because police forces remain exposed while schools jobs and courts take years "
    "to change and the group exploits every delay to recruit train and strike again across the border"
).split()
QUOTE = "Police stations in the north-west have been attacked repeatedly and are short of equipment."


def synthetic_map(size: int, seed: int = 7) -> MapData:
    """A debate of `size` approved boxes: the question (pk 1), positions under it, then claims
    and evidence, breadth first, with size // 10 cross-links between random boxes."""
    rng = random.Random(seed + size)
    nodes = [MapNode(1, "question", "How should Pakistan respond?", "approved", "", "")]
    relations: list[MapRelation] = []
    depth = {1: 0}
    parents = [1]
    while len(nodes) < size:
        parent = parents.pop(0)
        for _ in range(rng.randint(2, 4)):
            if len(nodes) >= size:
                break
            pk = len(nodes) + 1
            level = depth[parent] + 1
            kind = "position" if level == 1 else ("evidence" if rng.random() < 0.33 else "claim")
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30))).capitalize() + "."
            quote, citation = (QUOTE, "A. Writer, Dawn") if kind == "evidence" else ("", "")
            nodes.append(MapNode(pk, kind, text, "approved", quote, citation))
            depth[pk] = level
            parents.append(pk)
            kind_of_arrow = "supports" if level == 1 or rng.random() < 0.7 else "opposes"
            relations.append(MapRelation(len(relations) + 1, pk, parent, kind_of_arrow, "approved"))
    pairs = {(r.source, r.target) for r in relations}
    while len(relations) < (size - 1) + size // 10:
        source, target = rng.sample(range(2, size + 1), 2)
        if (source, target) in pairs or (target, source) in pairs:
            continue
        pairs.add((source, target))
        kind = rng.choice(["supports", "opposes"])
        relations.append(MapRelation(len(relations) + 1, source, target, kind, "approved"))
    return MapData(slug="synthetic", question=nodes[0].text, nodes=tuple(nodes), relations=tuple(relations))
