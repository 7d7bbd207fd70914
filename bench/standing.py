"""Standing benchmark: debates.maps.standing.assess() on a 1,500-node debate. Prints a table; not
part of the test run.

    .venv/bin/python bench/standing.py [--quick]

Builds one random debate shaped like a real one, in memory (assess() is pure: no database):
a question, 4 positions, then a tree of branching 2-4 in which a node supports or opposes
its parent, a third of the nodes evidence with quotes; about 10% extra cross-attacks, some
mutual objections and circles of three (so that part of the map is undecided), and
undercuts on about 5% of the supports arrows. Then times, on the same data in the same run:

- assess(): labels, evidence, circles and every reason, against the 10 ms target;
- the naive reference of the tests (tests/standing_reference.py): the grounded extension by
  iterating the characteristic function from the empty set, and evidence by repeated
  sweeps; it computes labels and evidence only, no reasons.

A tree needs only as many sweeps of the naive version as it is deep; a second pair of rows
times both on a chain of 1,500 objections, where it needs 1,500 sweeps (quadratic time) and
assess() stays linear.

Each is run a fixed number of times; the table gives the minimum and the median.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, only bench/ is on the path
from tests.standing_reference import Node, Relation  # noqa: E402

TARGET_MS = 10.0


def build_debate(size: int, seed: int = 7) -> tuple[list[Node], list[Relation], dict[int, str]]:
    """`size` nodes (the question included) with their relations and outline numbers."""
    rng = random.Random(seed)
    nodes = [Node(1, "question")]
    relations: list[Relation] = []
    numbers = {1: "1"}

    def relate(source, target, kind, **extra):
        relations.append(Relation(len(relations) + 1, source, target, kind, **extra))

    frontier = [1]
    while len(nodes) < size:
        parent = frontier.pop(0)
        for k in range(1, rng.randint(2, 4) + 1):
            if len(nodes) >= size:
                break
            pk = len(nodes) + 1
            if parent == 1:
                kind = "position"
            else:
                kind = "evidence" if rng.random() < 1 / 3 else "claim"
            quote = "a verbatim sentence from the op-ed" if kind == "evidence" else ""
            nodes.append(Node(pk, kind, quote=quote, citation="Dawn, 2023-02-19" if quote else ""))
            numbers[pk] = f"{numbers[parent]}.{k}"
            supports = kind in ("position", "evidence") or rng.random() < 0.55
            relate(pk, parent, "supports" if supports else "opposes")
            if kind != "evidence":
                frontier.append(pk)
            if parent == 1 and k == 4:
                break
    claims = [n.pk for n in nodes if n.kind in ("claim", "position")]
    for _ in range(size // 10):  # cross-attacks, as when one claim answers another branch
        a, b = rng.sample(claims, 2)
        relate(a, b, "opposes")
    for _ in range(size // 50):  # mutual objections: undecided pairs
        a, b = rng.sample(claims, 2)
        relate(a, b, "opposes")
        relate(b, a, "opposes")
    for _ in range(size // 100):  # odd circles of three
        a, b, c = rng.sample(claims, 3)
        relate(a, b, "opposes")
        relate(b, c, "opposes")
        relate(c, a, "opposes")
    supports = [r.pk for r in relations if r.kind == "supports" and r.target != 1]
    for arrow in rng.sample(supports, len(supports) // 20):
        relate(rng.choice(claims), None, "opposes", target_relation=arrow)
    return nodes, relations, numbers


def build_chain(size: int) -> tuple[list[Node], list[Relation], dict[int, str]]:
    """The worst case for the naive fixpoint: each claim opposes the one before, `size` deep.
    Outline numbers are left out (nodes are named "#<pk>"): a real one would be 3,000
    characters long."""
    nodes = [Node(pk, "claim") for pk in range(1, size + 1)]
    relations = [Relation(pk, pk + 1, pk, "opposes") for pk in range(1, size)]
    return nodes, relations, {}


def timed(function, repeats: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU times of each run, in ms. CPU time leaves out the time spent waiting
    for other processes, which on a shared machine is most of the spread."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    from debates.maps.standing import assess, summary, weak_points
    from tests import standing_reference as reference

    nodes, relations, numbers = build_debate(1500)
    result = assess(nodes, relations, numbers)

    def naive():
        labels = reference.grounded_labels(reference.framework(nodes, relations))
        return labels, reference.evidenced(nodes, relations, labels)

    # The two must agree before their times mean anything.
    labels, evidenced = naive()
    ours = {("n", pk): s.label for pk, s in result.nodes.items()} | {
        ("r", pk): s.label for pk, s in result.relations.items()
    }
    assert ours == {a: label for a, label in labels.items() if a[0] in ("n", "r")}, "labels differ from the reference"
    assert {pk for pk, s in result.nodes.items() if s.evidenced} == evidenced, "evidence differs from the reference"

    fast = timed(lambda: assess(nodes, relations, numbers), 20 if args.quick else 200)
    slow = timed(naive, 2 if args.quick else 5)
    chain = build_chain(1500)
    chain_labels = reference.grounded_labels(reference.framework(*chain[:2]))
    assert {pk: s.label for pk, s in assess(*chain).nodes.items()} == {
        a[1]: label for a, label in chain_labels.items() if a[0] == "n"
    }, "chain labels differ from the reference"
    chain_fast = timed(lambda: assess(*chain), 20 if args.quick else 100)
    chain_slow = timed(lambda: reference.grounded_labels(reference.framework(*chain[:2])), 1 if args.quick else 2)
    counts = summary(result)
    weak = weak_points(result, nodes, relations)
    undercuts = sum(r.target_relation is not None for r in relations)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Standing benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}")
    print(
        f"debate: {len(nodes)} nodes, {len(relations)} relations ({undercuts} undercuts); "
        f"{counts.stands} stand, {counts.falls} fall, {counts.undecided} undecided, {counts.evidenced} evidenced; "
        f"{len(weak.circles)} undecided circles, {len(weak.unanswered)} unanswered objections\n"
    )
    print(f"{'':<38} {'runs':>5} {'min ms':>8} {'median ms':>10} {'median CPU ms':>14} {'target ms':>10}")
    rows = [
        ("assess() (labels, evidence, reasons)", fast, f"{TARGET_MS:.0f}"),
        ("naive reference (labels, evidence)", slow, ""),
        ("chain of 1,500 objections: assess()", chain_fast, f"{TARGET_MS:.0f}"),
        ("chain of 1,500: naive reference", chain_slow, ""),
    ]
    for name, (wall, cpu), target in rows:
        print(
            f"{name:<38} {len(wall):>5} {min(wall):>8.2f} {statistics.median(wall):>10.2f} "
            f"{statistics.median(cpu):>14.2f} {target:>10}"
        )
    median = statistics.median(fast[0])
    verdict = "meets" if median <= TARGET_MS else "MISSES"
    print(
        f"\nassess() {verdict} the {TARGET_MS:.0f} ms target (median wall-clock); the naive reference, "
        f"without reasons, takes {statistics.median(slow[0]) / median:.1f} times as long."
    )


if __name__ == "__main__":
    main()
