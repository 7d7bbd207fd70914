"""The definitions behind debates.maps.standing, computed the slow and obvious way: the oracle of
its property tests and the reference of its benchmark.

Nothing here shares code with debates.maps.standing: which relations count is found by
repeated passes, the grounded extension by iterating Dung's characteristic function from the
empty set, evidence by repeated sweeps.
"""

from dataclasses import dataclass

APPROVED = "approved"


@dataclass(frozen=True)
class Node:
    """A stand-in for a map's node: what assess() and this reference read of one."""

    pk: int
    kind: str = "claim"
    status: str = APPROVED
    quote: str = ""
    citation: str = ""


@dataclass(frozen=True)
class Relation:
    """A stand-in for a map's arrow: to the node `target`, or (an undercut) to the arrow
    `target_relation` with `target` None."""

    pk: int
    source: int
    target: int | None
    kind: str = "opposes"
    status: str = APPROVED
    target_relation: int | None = None


def counted(nodes, relations) -> tuple[set[int], dict[int, object]]:
    """The judged node pks (approved, not the question) and the relations that count, by pk:
    approved, from a judged node, to a judged node or the question or a counted relation."""
    approved = {n.pk: n for n in nodes if n.status == APPROVED}
    judged = {pk for pk, n in approved.items() if n.kind != "question"}
    candidates = {r.pk: r for r in relations if r.status == APPROVED and r.source in judged}
    result: dict[int, object] = {}
    changed = True
    while changed:
        changed = False
        for pk, r in candidates.items():
            target_relation = getattr(r, "target_relation", None)
            ok = r.target in approved if target_relation is None else target_relation in result
            if ok and pk not in result:
                result[pk] = r
                changed = True
    return judged, result


def target_element(r, judged):
    """The element an arrow bears on: ("n", pk), ("r", pk), or None for the question."""
    target_relation = getattr(r, "target_relation", None)
    if target_relation is not None:
        return ("r", target_relation)
    return ("n", r.target) if r.target in judged else None


def framework(nodes, relations, *, relayed: bool = True) -> dict:
    """A Dung framework as {argument: set of its attackers}.

    Arguments are ("n", pk) for judged nodes and ("r", pk) for counted arrows. With
    `relayed`, each opposes arrow r from A to T becomes three more arguments, after the
    meta-argumentation of Boella, Gabbay, van der Torre and Villata (2009): ("not-source", r)
    attacked by A, ("not-arrow", r) attacked by r, and ("attack", r) attacked by both and
    attacking T; so the attack holds exactly when A and r are both accepted. Without it, A
    attacks T directly (Dung's reading, the same when no opposes arrow is undercut).
    """
    judged, arrows = counted(nodes, relations)
    attackers: dict = {("n", pk): set() for pk in judged}
    attackers.update({("r", pk): set() for pk in arrows})
    for pk, r in arrows.items():
        target = target_element(r, judged)
        if r.kind != "opposes" or target is None:
            continue
        if relayed:
            attackers[("not-source", pk)] = {("n", r.source)}
            attackers[("not-arrow", pk)] = {("r", pk)}
            attackers[("attack", pk)] = {("not-source", pk), ("not-arrow", pk)}
            attackers[target].add(("attack", pk))
        else:
            attackers[target].add(("n", r.source))
    return attackers


def grounded_labels(attackers: dict) -> dict:
    """The grounded labelling of a framework {argument: attackers}: `in` is the least fixpoint
    of F(S) = {a : every attacker of a is attacked by S}, iterated from the empty set (Dung
    1995); `out` is what `in` attacks; the rest is `undec`."""
    accepted: set = set()
    while True:
        defeated = {a for a, by in attackers.items() if by & accepted}
        following = {a for a, by in attackers.items() if by <= defeated}
        if following == accepted:
            break
        accepted = following
    return {a: "in" if a in accepted else "out" if a in defeated else "undec" for a in attackers}


def evidenced(nodes, relations, labels: dict) -> set[int]:
    """The evidenced node pks: standing nodes with a quote, then, sweep after sweep until
    nothing changes, standing nodes reached by a standing supports arrow from one."""
    judged, arrows = counted(nodes, relations)
    found = {n.pk for n in nodes if n.pk in judged and n.quote and labels[("n", n.pk)] == "in"}
    changed = True
    while changed:
        changed = False
        for pk, r in arrows.items():
            target = target_element(r, judged)
            if r.kind != "supports" or target is None or target[0] != "n":
                continue
            if r.source in found and target[1] not in found and labels[("r", pk)] == labels[target] == "in":
                found.add(target[1])
                changed = True
    return found
