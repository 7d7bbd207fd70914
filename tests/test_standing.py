"""Standing: grounded labelling, evidence and reasons, on hand-made maps (no database).

The frameworks are those of the literature (chains, odd and even cycles, reinstatement) and
the random ones of the property tests, checked against the definitions computed naively in
tests/standing_reference.py.
"""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from debates.maps.standing import Summary, assess, summary, weak_points
from tests import standing_reference as reference
from tests.standing_reference import Node as N
from tests.standing_reference import Relation as R


class Debate:
    """A map written by outline number: the question is "1"; `add("1.2.1")` hangs a node under
    "1.2", opposing it unless told otherwise (a position supports the question).
    `Debate("1.1", "1.1.1")` adds each number in turn, "1.k" as a position, deeper ones as claims."""

    def __init__(self, *numbers):
        self.nodes = [N(1, "question")]
        self.relations: list[R] = []
        self.numbers = {1: "1"}
        self.pks = {"1": 1}
        for number in numbers:
            self.add(number, "position" if number.count(".") == 1 else "claim")

    def add(self, number, kind="claim", *, kind_of_link=None, status="approved", quote="", citation=""):
        pk = len(self.nodes) + 1
        self.nodes.append(N(pk, kind, status, quote, citation))
        self.numbers[pk], self.pks[number] = number, pk
        default = "supports" if kind == "position" else "opposes"
        return self.link(number, number.rsplit(".", 1)[0], kind_of_link or default, status=status)

    def link(self, source, target, kind="opposes", *, status="approved"):
        """A relation from node `source` to node `target` (outline numbers); returns its pk."""
        pk = len(self.relations) + 1
        self.relations.append(R(pk, self.pks[source], self.pks[target], kind, status))
        return pk

    def undercut(self, source, relation, *, status="approved"):
        """An undercut from node `source` to the relation with pk `relation`; returns its pk."""
        pk = len(self.relations) + 1
        self.relations.append(R(pk, self.pks[source], None, "opposes", status, target_relation=relation))
        return pk

    def assess(self):
        self.result = assess(self.nodes, self.relations, self.numbers)
        return self.result

    def __getitem__(self, number):
        return self.result.nodes[self.pks[number]]

    def labels(self, *numbers):
        return [self[n].label for n in numbers]


# --------------------------------------------------------------------------- labelling


def test_a_chain_of_objections_alternates_stands_falls_stands():
    d = Debate("1.1", "1.1.1", "1.1.1.1")
    d.assess()
    assert d.labels("1.1.1.1", "1.1.1", "1.1") == ["in", "out", "in"]
    assert d["1.1.1.1"].label_reason == "Stands: nothing opposes it."
    assert d["1.1.1"].label_reason == "Falls: opposed by 1.1.1.1, which stands."
    assert d["1.1"].label_reason == "Stands: its only objection, 1.1.1, falls to 1.1.1.1."
    assert d["1.1"].deciding == (d.pks["1.1.1"], d.pks["1.1.1.1"])


def test_an_odd_cycle_leaves_every_member_undecided():
    d = Debate("1.1", "1.1.1", "1.1.1.1")
    d.link("1.1", "1.1.1.1")  # 1.1 -> 1.1.1.1 -> 1.1.1 -> 1.1: three in a circle
    result = d.assess()
    assert d.labels("1.1", "1.1.1", "1.1.1.1") == ["undec"] * 3
    assert d["1.1"].label_reason == (
        "Undecided: opposed by 1.1.1, in a circle of objections (1.1, 1.1.1 and 1.1.1.1) that nothing settles."
    )
    assert result.circles == ((2, 3, 4),)


def test_two_claims_opposing_each_other_are_undecided_and_the_reason_says_so():
    d = Debate("1.4", "1.5")
    d.link("1.4", "1.5")
    d.link("1.5", "1.4")
    d.assess()
    assert d.labels("1.4", "1.5") == ["undec", "undec"]
    assert d["1.4"].label_reason == "Undecided: it and 1.5 oppose each other and nothing settles it."
    assert d["1.5"].label_reason == "Undecided: it and 1.4 oppose each other and nothing settles it."


def test_an_even_cycle_of_four_is_undecided():
    d = Debate("1.1", "1.1.1", "1.1.1.1", "1.1.1.1.1")
    d.link("1.1", "1.1.1.1.1")
    result = d.assess()
    assert d.labels("1.1", "1.1.1", "1.1.1.1", "1.1.1.1.1") == ["undec"] * 4
    assert result.circles == ((2, 3, 4, 5),)


def test_a_node_opposed_by_one_undecided_and_one_falling_node_is_undecided_and_names_only_the_undecided():
    d = Debate("1.1", "1.1.1", "1.1.1.1")
    d.link("1.1.1", "1.1.1.1")  # 1.1.1 is undecided: in a circle with 1.1.1.1
    d.add("1.1.2")  # falls to 1.1.2.1
    d.add("1.1.2.1")
    d.assess()
    assert d.labels("1.1", "1.1.1", "1.1.2", "1.1.2.1") == ["undec", "undec", "out", "in"]
    assert d["1.1"].label_reason == "Undecided: opposed by 1.1.1, which is undecided."
    assert d["1.1"].deciding == (d.pks["1.1.1"],)


def test_reinstatement_an_objection_that_falls_gives_the_claim_back():
    d = Debate("1.1", "1.1.1", "1.1.1.1")  # A; B opposes A; C opposes B
    d.assess()
    assert d.labels("1.1", "1.1.1", "1.1.1.1") == ["in", "out", "in"]


def test_a_node_whose_objections_all_fall_names_each_with_its_defeater():
    d = Debate("1.3", "1.3.1", "1.3.1.1", "1.3.2", "1.3.2.1")
    d.assess()
    assert d["1.3"].label_reason == "Stands: every objection falls (1.3.1 to 1.3.1.1; 1.3.2 to 1.3.2.1)."


def test_a_reason_names_at_most_three_nodes_and_counts_the_rest():
    d = Debate("1.1")
    for k in range(1, 6):
        d.add(f"1.1.{k}")
    d.add("1.1.10")  # outline order, not text order: 1.1.10 comes after 1.1.5
    d.assess()
    assert d["1.1"].label_reason == "Falls: opposed by 1.1.1, 1.1.2, 1.1.3 and 3 more, which stand."
    assert len(d["1.1"].deciding) == 3


def test_a_node_opposing_itself_is_undecided():
    d = Debate("1.1")
    d.link("1.1", "1.1")
    result = d.assess()
    assert d["1.1"].label == "undec"
    assert d["1.1"].label_reason == "Undecided: it opposes itself and nothing settles it."
    assert result.circles == ((2,),)


def test_a_node_without_an_outline_number_is_named_by_its_pk():
    d = Debate("1.1", "1.1.1")
    del d.numbers[d.pks["1.1.1"]]
    d.assess()
    assert d["1.1"].label_reason == "Falls: opposed by #3, which stands."


# --------------------------------------------------------------------------- what counts


def test_pending_and_rejected_content_is_ignored():
    d = Debate("1.1")
    d.add("1.1.1", status="pending")  # a pending objection does not knock 1.1 down
    d.add("1.1.2", status="rejected")
    d.add("1.1.3")
    rejected_link = d.link("1.1.3", "1.1", "supports", status="rejected")
    pending_link = d.add("1.1.3.1")
    d.relations[-1] = replace(d.relations[-1], status="pending")  # an approved node, its arrow pending
    result = d.assess()
    assert d["1.1"].label_reason == "Falls: opposed by 1.1.3, which stands."
    assert d.pks["1.1.1"] not in result.nodes and d.pks["1.1.2"] not in result.nodes
    assert rejected_link not in result.relations and pending_link not in result.relations
    assert d["1.1.3"].label == "in"


def test_an_arrow_to_or_from_content_that_does_not_count_is_not_judged():
    d = Debate("1.1")
    d.add("1.1.1", status="pending")
    approved_arrow_from_pending = d.relations[-1].pk
    undercut_of_it = d.undercut("1.1", approved_arrow_from_pending)
    result = d.assess()
    assert approved_arrow_from_pending not in result.relations
    assert undercut_of_it not in result.relations
    assert d["1.1"].label == "in"


def test_the_question_is_not_judged_and_bears_on_nothing():
    d = Debate("1.1")
    d.add("1.2", "claim", kind_of_link="opposes")  # opposes the question itself
    d.link("1", "1.1")  # an arrow from the question counts for nothing
    result = d.assess()
    assert 1 not in result.nodes
    assert d.labels("1.1", "1.2") == ["in", "in"]
    assert [pk for pk, r in enumerate(d.relations, 1) if r.source == 1] == [3]
    assert 3 not in result.relations
    assert result.relations[1].label == "in"  # the position's arrow to the question is judged


def test_iterables_are_read_once():
    d = Debate("1.1", "1.1.1")
    result = assess(iter(d.nodes), iter(d.relations), d.numbers)
    assert result.nodes[d.pks["1.1"]].label == "out"


# --------------------------------------------------------------------------- undercuts and evidence


def quoted_debate():
    """1.1 a position; 1.1.1 a claim for it; 1.1.1.1 evidence for the claim, quoting Dawn."""
    d = Debate("1.1")
    d.add("1.1.1", kind_of_link="supports")
    support = d.add("1.1.1.1", "evidence", kind_of_link="supports", quote="84 percent", citation="Dawn, 2023-02-19")
    return d, support


def test_evidence_with_a_quote_evidences_what_it_supports_up_the_chain():
    d, _ = quoted_debate()
    d.assess()
    assert [d[n].evidenced for n in ("1.1", "1.1.1", "1.1.1.1")] == [True, True, True]
    assert d["1.1.1.1"].evidence_reason == "Evidenced: it quotes Dawn, 2023-02-19."
    assert d["1.1.1"].evidence_reason == "Evidenced: 1.1.1.1 quotes Dawn, 2023-02-19."
    assert d["1.1"].evidence_reason == "Evidenced: 1.1.1.1 quotes Dawn, 2023-02-19, through 1.1.1."
    assert d["1.1"].reason == "Stands: nothing opposes it. Evidenced: 1.1.1.1 quotes Dawn, 2023-02-19, through 1.1.1."


def test_an_undercut_makes_the_support_arrow_fall_and_its_target_loses_that_evidence():
    d, support = quoted_debate()
    d.add("1.2", "claim", kind_of_link="supports")
    undercut = d.undercut("1.2", support)
    result = d.assess()
    assert result.relations[support].label == "out"
    assert result.relations[support].label_reason == "Falls: undercut by 1.2, which stands."
    assert result.relations[undercut].label == "in"
    # The evidence still stands; only the inference from it is cut.
    assert d["1.1.1.1"].label == "in" and d["1.1.1.1"].evidenced
    assert d["1.1.1"].label == "in" and not d["1.1.1"].evidenced
    assert d["1.1.1"].evidence_reason == "Not evidenced: its support from 1.1.1.1 is undercut by 1.2."
    assert not d["1.1"].evidenced
    assert d["1.1"].evidence_reason == "Not evidenced: its support from 1.1.1 is not evidenced itself."


def test_an_undercut_that_falls_gives_the_evidence_back():
    d, support = quoted_debate()
    d.add("1.2", "claim", kind_of_link="supports")
    d.undercut("1.2", support)
    d.add("1.2.1")  # opposes the undercutter
    result = d.assess()
    assert d["1.2"].label == "out"
    assert result.relations[support].label_reason == "Stands: its only undercut, 1.2, falls to 1.2.1."
    assert d["1.1.1"].evidenced and d["1.1"].evidenced


def test_an_undercut_objection_loses_its_force():
    d = Debate("1.1")
    objection = d.add("1.1.1")
    d.add("1.2", "claim", kind_of_link="supports")
    d.undercut("1.2", objection)
    result = d.assess()
    assert result.relations[objection].label == "out"
    assert d.labels("1.1", "1.1.1") == ["in", "in"]
    assert d["1.1"].label_reason == "Stands: its only objection, 1.1.1, is undercut by 1.2."


def test_an_objection_whose_undercut_is_undecided_leaves_its_target_undecided():
    d = Debate("1.1")
    objection = d.add("1.1.1")
    d.add("1.2", "claim", kind_of_link="supports")
    d.add("1.3", "claim", kind_of_link="supports")
    d.link("1.2", "1.3")
    d.link("1.3", "1.2")  # 1.2 and 1.3 oppose each other
    d.undercut("1.2", objection)
    result = d.assess()
    assert result.relations[objection].label == "undec"
    assert result.relations[objection].label_reason == "Undecided: undercut by 1.2, which is undecided."
    assert d.labels("1.1", "1.1.1") == ["undec", "in"]
    assert d["1.1"].label_reason == "Undecided: opposed by 1.1.1, but whether that objection holds is undecided."


def test_evidence_that_falls_evidences_nothing():
    d, _ = quoted_debate()
    d.add("1.1.1.1.1")  # opposes the evidence
    d.assess()
    assert d["1.1.1.1"].label == "out" and not d["1.1.1.1"].evidenced
    assert d["1.1.1.1"].evidence_reason == ""
    assert d["1.1.1"].evidence_reason == "Not evidenced: its support from 1.1.1.1 falls."


def test_claims_supporting_each_other_in_a_circle_are_not_evidenced():
    d = Debate("1.1")
    d.add("1.1.1", kind_of_link="supports")
    d.add("1.1.1.1", kind_of_link="supports")
    d.link("1.1.1", "1.1.1.1", "supports")
    d.assess()
    assert d.labels("1.1", "1.1.1", "1.1.1.1") == ["in"] * 3
    assert not any(d[n].evidenced for n in ("1.1", "1.1.1", "1.1.1.1"))
    assert d["1.1.1"].evidence_reason == "Not evidenced: nothing under it quotes a source."


def test_evidence_without_a_quote_is_not_evidenced_and_a_claim_with_one_is():
    d = Debate("1.1")
    d.add("1.1.1", "evidence", kind_of_link="supports")
    d.add("1.1.2", "claim", kind_of_link="supports", quote="a verbatim sentence")
    d.assess()
    assert not d["1.1.1"].evidenced
    assert d["1.1.2"].evidenced and d["1.1.2"].evidence_reason == "Evidenced: it quotes a source."
    assert d["1.1"].evidence_reason == "Evidenced: 1.1.2 quotes a source."


def test_attackers_and_supporters_list_the_nodes_that_bear_on_it():
    d, _ = quoted_debate()
    d.add("1.1.2")
    d.add("1.1.3", kind_of_link="supports")
    d.assess()
    assert d["1.1"].attackers == (d.pks["1.1.2"],)
    assert d["1.1"].supporters == (d.pks["1.1.1"], d.pks["1.1.3"])


# --------------------------------------------------------------------------- weak points and summary


def test_weak_points_list_unevidenced_claims_unanswered_objections_and_circles():
    d = Debate("1.1")
    d.add("1.1.1", kind_of_link="supports")  # a claim for the position, unevidenced
    d.add("1.1.1.1")  # an unanswered objection to a claim that supports a position
    d.add("1.1.2")  # an objection to the position, answered by 1.1.2.1
    d.add("1.1.2.1")
    d.add("1.2", "position")  # undecided: opposed by 1.2.1, which is in a circle
    d.add("1.2.1")
    d.add("1.2.1.1")
    d.link("1.2.1", "1.2.1.1")  # 1.2.1 and 1.2.1.1 oppose each other
    d.add("1.2.2", "evidence", kind_of_link="supports", quote="q")
    result = d.assess()
    weak = weak_points(result, d.nodes, d.relations)
    pk = d.pks
    # Standing and unevidenced: the position 1.1 (its only support falls) and two claims.
    assert weak.unevidenced == (pk["1.1"], pk["1.1.1.1"], pk["1.1.2.1"])
    # 1.1.2.1 stands too, but opposes a claim that supports no position.
    assert weak.unanswered == ((pk["1.1.1.1"], pk["1.1.1"]),)
    assert weak.circles == ((pk["1.2.1"], pk["1.2.1.1"]),)
    assert summary(result) == Summary(stands=4, falls=2, undecided=3, evidenced=1)


# --------------------------------------------------------------------------- scale


def test_a_circle_of_ten_thousand_objections_hits_no_recursion_limit():
    size = 10_000
    nodes = [N(pk) for pk in range(1, size + 1)]
    relations = [R(pk, pk, pk % size + 1) for pk in range(1, size + 1)]
    result = assess(nodes, relations, {})
    assert {s.label for s in result.nodes.values()} == {"undec"}
    assert result.circles == (tuple(range(1, size + 1)),)
    assert result.nodes[1].label_reason.startswith("Undecided: opposed by #10000, in a circle of objections (#1, #2,")


def test_a_chain_of_ten_thousand_objections_alternates():
    size = 10_000
    nodes = [N(pk) for pk in range(1, size + 1)]
    relations = [R(pk, pk + 1, pk) for pk in range(1, size)]
    result = assess(nodes, relations, {})
    assert [result.nodes[pk].label for pk in (size, size - 1, 2, 1)] == ["in", "out", "in", "out"]


# --------------------------------------------------------------------------- properties


@st.composite
def debates(draw, *, undercut_opposes=True):
    """A random map: up to 12 nodes (maybe a question, some pending or rejected, some
    quoted), up to 30 arrows (self-loops, cycles, undercuts of any arrow, circles of
    undercuts, some not approved)."""
    statuses = st.sampled_from(["approved"] * 6 + ["pending", "rejected"])
    size = draw(st.integers(1, 12))
    nodes = [
        N(
            pk,
            draw(st.sampled_from(["question", "position", "claim", "claim", "evidence"])),
            draw(statuses),
            draw(st.sampled_from(["", "", "a quote"])),
        )
        for pk in range(1, size + 1)
    ]
    relations: list[R] = []
    for pk in range(1, draw(st.integers(0, 30)) + 1):
        source = draw(st.integers(1, size))
        kind = draw(st.sampled_from(["supports", "opposes"]))
        status = draw(statuses)
        targets = [r.pk for r in relations if undercut_opposes or r.kind == "supports"]
        if kind == "opposes" and targets and draw(st.booleans()):
            pool = targets + [pk] if undercut_opposes else targets
            relations.append(R(pk, source, None, kind, status, target_relation=draw(st.sampled_from(pool))))
        else:
            relations.append(R(pk, source, draw(st.integers(1, size)), kind, status))
    return nodes, relations


def effective(result, r):
    """The label of the attack made by opposes arrow r: in when its source and r stand, out
    when either falls."""
    pair = {result.nodes[r.source].label, result.relations[r.pk].label}
    return "in" if pair == {"in"} else "out" if "out" in pair else "undec"


@settings(max_examples=400, deadline=None)
@given(debates())
def test_the_labelling_meets_the_definition_and_is_the_least_one(debate):
    nodes, relations = debate
    result = assess(nodes, relations, {})
    attacks_on: dict = {}
    for r in relations:
        if r.kind == "opposes" and r.pk in result.relations:
            target = ("r", r.target_relation) if r.target_relation is not None else ("n", r.target)
            if target[0] == "r" or target[1] in result.nodes:
                attacks_on.setdefault(target, []).append(effective(result, r))
    elements = [("n", pk, s) for pk, s in result.nodes.items()] + [("r", pk, s) for pk, s in result.relations.items()]
    for kind, pk, standing in elements:
        attacks = attacks_on.get((kind, pk), [])
        if standing.label == "in":
            assert all(a == "out" for a in attacks)
        elif standing.label == "out":
            assert "in" in attacks
        else:
            assert "in" not in attacks and "undec" in attacks

    expected = reference.grounded_labels(reference.framework(nodes, relations))
    assert {("n", pk): s.label for pk, s in result.nodes.items()} | {
        ("r", pk): s.label for pk, s in result.relations.items()
    } == {a: label for a, label in expected.items() if a[0] in ("n", "r")}


@settings(max_examples=300, deadline=None)
@given(debates(undercut_opposes=False))
def test_with_undercuts_on_supports_only_each_opposes_arrow_is_a_plain_attack(debate):
    nodes, relations = debate
    result = assess(nodes, relations, {})
    expected = reference.grounded_labels(reference.framework(nodes, relations, relayed=False))
    assert {pk: s.label for pk, s in result.nodes.items()} == {a[1]: v for a, v in expected.items() if a[0] == "n"}
    assert {pk: s.label for pk, s in result.relations.items()} == {a[1]: v for a, v in expected.items() if a[0] == "r"}


@settings(max_examples=300, deadline=None)
@given(debates())
def test_evidenced_is_the_least_fixpoint(debate):
    nodes, relations = debate
    result = assess(nodes, relations, {})
    labels = reference.grounded_labels(reference.framework(nodes, relations))
    assert {pk for pk, s in result.nodes.items() if s.evidenced} == reference.evidenced(nodes, relations, labels)
    assert not any(s.evidenced for s in result.relations.values())


@settings(max_examples=300, deadline=None)
@given(debates(undercut_opposes=False))
def test_the_circles_are_exactly_the_undecided_nodes_that_oppose_themselves_round_a_cycle(debate):
    nodes, relations = debate
    result = assess(nodes, relations, {})
    undec = {pk for pk, s in result.nodes.items() if s.label == "undec"}
    edges = {
        (r.source, r.target)
        for r in relations
        if r.pk in result.relations and r.kind == "opposes" and r.target_relation is None
    }
    edges = {(a, b) for a, b in edges if a in undec and b in undec}
    reach = {pk: {b for a, b in edges if a == pk} for pk in undec}
    for _ in undec:  # transitive closure, the slow way
        reach = {pk: seen.union(*(reach[b] for b in seen)) for pk, seen in reach.items()}
    circles = {tuple(sorted(b for b in reach[pk] if pk in reach[b])) for pk in undec if pk in reach[pk]}
    assert set(result.circles) == circles


@settings(max_examples=200, deadline=None)
@given(debates())
def test_each_reason_begins_with_the_label_and_names_nodes_that_decide_it(debate):
    nodes, relations = debate
    numbers = {n.pk: f"1.{n.pk}" for n in nodes}
    result = assess(nodes, relations, numbers)
    opening = {"in": "Stands: ", "out": "Falls: ", "undec": "Undecided: "}
    for standing in [*result.nodes.values(), *result.relations.values()]:
        assert standing.label_reason.startswith(opening[standing.label])
        assert "\n" not in standing.reason
        assert standing.evidence_reason.startswith("Evidenced" if standing.evidenced else ("Not evidenced", ""))
        for pk in standing.deciding:
            assert numbers[pk] in standing.reason
        if standing.label == "out":
            assert standing.deciding and all(result.nodes[pk].label == "in" for pk in standing.deciding)
            assert set(standing.deciding) <= set(standing.attackers)
        if standing.label == "undec" and not standing.evidence_reason:
            assert all(result.nodes[pk].label != "out" for pk in standing.deciding)
