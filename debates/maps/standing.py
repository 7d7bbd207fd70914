"""Standing: which nodes of a debate stand, fall or stay undecided, which are evidenced, and why.

Pure: a function of the map's data (no database, no Django), so it adds nothing to a page's
query count. Input is duck-typed, the shape `debates.rendering.MapData` already has:

- a node has `.pk: int`, `.kind: str` ("question" | "position" | "claim" | "evidence"),
  `.status: str`, `.quote: str` (non-empty when it carries a verified quote) and optionally
  `.citation: str` (where the quote comes from, "Dawn, 2023-02-19");
- a relation has `.pk: int`, `.source: int` (a node), `.kind: str` ("supports" | "opposes"),
  `.status: str`, and either `.target: int` (a node) or `.target_relation: int` (an
  undercut: the relation it attacks). A missing `target_relation` attribute means None.

Only approved content counts; the question is not judged. A relation counts when its source
is a counted node other than the question and its target is a counted node, the question, or
a counted relation.

Standing is the grounded labelling of the framework whose attacks are the approved `opposes`
arrows (P. M. Dung, "On the acceptability of arguments and its fundamental role in
nonmonotonic reasoning, logic programming and n-person games", Artificial Intelligence 77,
1995), in the labelling form of M. Caminada ("On the issue of reinstatement in
argumentation", JELIA 2006): an element is `in` when every attack on it is out, `out` when
some attack on it is in, `undec` otherwise, and the grounded labelling is the one with the
fewest `in`. It is computed as in S. Modgil and M. Caminada ("Proof theories and algorithms
for abstract argumentation frameworks", in Argumentation in Artificial Intelligence, 2009):
label `in` what has no attacker, then propagate, counting for each element its attacks not
yet out; each arrow is visited a bounded number of times, so the time is linear in nodes
plus arrows.

Arrows are elements too: an arrow is attacked only by undercuts aimed at it. An attack is
the pair of its source node and its `opposes` arrow, and it is in when both are in, out when
either is out (undecided otherwise). With no undercut aimed at an `opposes` arrow, which is
all the product allows, this is exactly Dung's framework where A attacks B for each arrow
A -> B. Should data ever carry an undercut of an `opposes` arrow (an imported map, say), the
objection it undercuts then has no force, the reading of an undercut ("true, but it does not
show this") and of recursive attacks (P. Baroni, F. Cerutti, M. Giacomin and G. Guida, "AFRA:
Argumentation framework with recursive attacks", IJAR 52, 2011): it is still the grounded
labelling of a Dung framework, one where each attack A -> B is relayed by arguments
"A is not accepted", "the arrow is not accepted" and "the attack holds".

Evidenced (the least fixpoint, so a circle of claims supporting one another is not
evidenced): an `in` node carrying a quote is evidenced; an `in` node is evidenced when an
`in` supports arrow comes to it from an evidenced node; nothing else is. A claim may carry a
quote of its own, and then it quotes a source as evidence does.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

IN, OUT, UNDEC = "in", "out", "undec"
APPROVED = "approved"
QUESTION, POSITION, CLAIM = "question", "position", "claim"
SUPPORTS, OPPOSES = "supports", "opposes"

# The badge of each label: a symbol and a word, read rather than told apart by colour. The one
# source of the badge's words for the map, its key, the outline, the node page and the projector
# view. "open" rather than "undecided" because a badge is short; the reason sentences still begin
# "Undecided: ", the term of grounded labelling.
BADGES = {IN: ("\u2713", "stands"), OUT: ("\u2717", "falls"), UNDEC: ("?", "open")}
# Added to the badge of a node that stands without evidence.
NOT_EVIDENCED = "not evidenced"

# How many nodes one reason names before "and N more": a reason is one line.
NAMED = 3


class Standing(NamedTuple):
    """One node's or arrow's standing (immutable; a named tuple rather than a frozen
    dataclass because it is built three times faster, and a large debate builds thousands).

    `label` is "in" (stands), "out" (falls) or "undec" (undecided). `label_reason` and
    `evidence_reason` are one sentence each (the second is empty for an arrow and for a node
    that does not stand); `reason` joins them. `attackers` and `supporters` are the pks of
    the nodes whose approved arrows oppose (or undercut) and support it, in pk order;
    `deciding` the pks of the nodes its reason names.
    """

    label: str
    evidenced: bool
    label_reason: str
    evidence_reason: str
    attackers: tuple[int, ...]
    supporters: tuple[int, ...]
    deciding: tuple[int, ...]

    @property
    def reason(self) -> str:
        return f"{self.label_reason} {self.evidence_reason}" if self.evidence_reason else self.label_reason

    @property
    def symbol(self) -> str:
        """The badge's symbol: "\u2713", "\u2717" or "?" (BADGES)."""
        return BADGES[self.label][0]

    @property
    def word(self) -> str:
        """The badge's word: "stands", "falls" or "open" (BADGES)."""
        return BADGES[self.label][1]

    @property
    def evidence_word(self) -> str:
        """What the badge adds for a node that stands without evidence ("not evidenced"), else ""."""
        return NOT_EVIDENCED if self.unevidenced else ""

    @property
    def unevidenced(self) -> bool:
        """Whether the badge adds "not evidenced": the node stands, but without evidence."""
        return self.label == IN and not self.evidenced


_UNDISPUTED_ARROW = Standing(IN, False, "Stands: nothing undercuts it.", "", (), (), ())


@dataclass(frozen=True)
class Assessment:
    """The standing of every approved node (not the question) and every counted arrow, by pk.

    A pk missing from `nodes` or `relations` is not judged (the question, anything not
    approved, an arrow that does not count). `circles` are the undecided circles: sets of
    undecided nodes that attack one another in a cycle (a strongly connected component of
    the undecided attacks, or one node opposing itself), each as sorted pks.
    """

    nodes: dict[int, Standing]
    relations: dict[int, Standing]
    circles: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class WeakPoints:
    """What a teacher should look at first.

    `unevidenced`: claims and positions that stand with no evidence. `unanswered`: pairs
    (objection, node it opposes) where the objection stands and its arrow holds, and the node
    is a position or a claim that supports one. `circles`: the undecided circles.
    """

    unevidenced: tuple[int, ...]
    unanswered: tuple[tuple[int, int], ...]
    circles: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Summary:
    """Counts over the judged nodes: how many stand, fall, are undecided, are evidenced."""

    stands: int
    falls: int
    undecided: int
    evidenced: int


def assess(nodes: Iterable, relations: Iterable, numbers: Mapping[int, str]) -> Assessment:
    """The standing of each approved node and arrow, with a one-line reason for each.

    `numbers` maps a node's pk to its outline number ("1.2.3"), used to name nodes in
    reasons; a node without one is named "#<pk>". Raises nothing on odd data: an arrow whose
    ends do not count (not approved, missing, a circle of undercuts) is simply not judged.
    """
    approved = [n for n in nodes if n.status == APPROVED]
    question = {n.pk for n in approved if n.kind == QUESTION}
    judged = sorted((n for n in approved if n.kind != QUESTION), key=lambda n: n.pk)
    g = _Graph(judged, _counted(relations, {n.pk for n in judged}, question))
    circle_of, circles = g.undecided_circles()
    circle_names: dict[int, tuple[str, list[int]]] = {}  # joined once per circle: one may be long
    quoted = [i for i, n in enumerate(judged) if n.quote]
    evidence = g.evidence(quoted)
    # Whether a quote lies anywhere under a node, whatever its standing: only to say
    # truthfully why a standing node is not evidenced.
    quote_below = g.supported_from(quoted)
    name = _Namer(numbers, g.pk_of, g.nodes)
    citation = [getattr(n, "citation", "") or "a source" for n in judged]

    node_standing, arrow_standing = {}, {}
    pk_of, source_of, labels = g.pk_of, g.source_of, g.label
    for i in range(g.size):
        attacks, supports, label = g.attacks_on[i], g.supports_to[i], labels[i]
        is_node = i < g.nodes
        if not is_node and not attacks and not supports:
            # Most arrows: one shared value (it is immutable); this loop is most of the budget.
            arrow_standing[pk_of[i]] = _UNDISPUTED_ARROW
            continue
        if is_node and not attacks:
            label_reason, deciding = "Stands: nothing opposes it.", []
        else:
            label_reason, deciding = _label_reason(g, i, circle_of, circles, circle_names, name)
        evidence_reason = ""
        if is_node and label == IN:
            evidence_reason, more = _evidence_reason(g, i, evidence, quote_below, citation, name)
            deciding += more
        standing = Standing(
            label,
            i in evidence,
            label_reason,
            evidence_reason,
            _distinct([pk_of[source_of[a]] for a in attacks]) if attacks else (),
            _distinct([pk_of[source_of[a]] for a in supports]) if supports else (),
            tuple(dict.fromkeys([pk_of[j] for j in deciding])) if deciding else (),
        )
        (node_standing if is_node else arrow_standing)[pk_of[i]] = standing

    node_circles = (tuple(g.pk_of[j] for j in members if j < g.nodes) for members in circles)
    return Assessment(
        nodes=node_standing, relations=arrow_standing, circles=tuple(sorted(c for c in node_circles if c))
    )


def weak_points(assessment: Assessment, nodes: Iterable, relations: Iterable) -> WeakPoints:
    """The weak points of a debate, from its assessment and the nodes and relations it was
    computed from."""
    kinds = {n.pk: n.kind for n in nodes}
    to_nodes = [r for r in relations if r.pk in assessment.relations and getattr(r, "target_relation", None) is None]
    supports_a_position = {r.source for r in to_nodes if r.kind == SUPPORTS and kinds.get(r.target) == POSITION}
    unevidenced = tuple(
        pk
        for pk, standing in sorted(assessment.nodes.items())
        if standing.label == IN and not standing.evidenced and kinds.get(pk) in (CLAIM, POSITION)
    )
    unanswered = set()
    for r in to_nodes:
        if r.kind != OPPOSES or r.target not in assessment.nodes:
            continue
        matters = kinds[r.target] == POSITION or (kinds[r.target] == CLAIM and r.target in supports_a_position)
        if matters and assessment.nodes[r.source].label == IN and assessment.relations[r.pk].label == IN:
            unanswered.add((r.source, r.target))
    return WeakPoints(unevidenced=unevidenced, unanswered=tuple(sorted(unanswered)), circles=assessment.circles)


def summary(assessment: Assessment) -> Summary:
    """How many judged nodes stand, fall, are undecided and are evidenced."""
    labels = [s.label for s in assessment.nodes.values()]
    return Summary(
        stands=labels.count(IN),
        falls=labels.count(OUT),
        undecided=labels.count(UNDEC),
        evidenced=sum(s.evidenced for s in assessment.nodes.values()),
    )


# --------------------------------------------------------------------------- the computation


def _counted(relations: Iterable, judged: set[int], question: set[int]) -> list[tuple]:
    """The approved relations that count, in pk order, as tuples (pk, source, target,
    target_relation, kind): from a judged node to a judged node or the question, or (an
    undercut) to a relation that counts. Undercuts are followed from their base arrows
    outwards, so a circle of undercuts never counts."""
    # Each relation's attributes are read once, here: this runs on every page view.
    by_pk = {
        r.pk: (r.pk, r.source, r.target, getattr(r, "target_relation", None), r.kind)
        for r in relations
        if r.status == APPROVED and r.source in judged
    }
    undercuts_of: dict[int, list[int]] = {}
    counted = []
    for pk, _, target, target_relation, _ in by_pk.values():
        if target_relation is not None:
            undercuts_of.setdefault(target_relation, []).append(pk)
        elif target in judged or target in question:
            counted.append(pk)
    todo = list(counted)
    while todo:
        for pk in undercuts_of.pop(todo.pop(), ()):
            counted.append(pk)
            todo.append(pk)
    return [by_pk[pk] for pk in sorted(counted)]


class _Graph:
    """The framework as lists indexed by element: the judged nodes first (0 .. nodes - 1),
    then the counted arrows, each in pk order. Labelled on construction."""

    def __init__(self, judged: list, counted: list[tuple]):
        self.nodes = len(judged)
        self.size = len(judged) + len(counted)
        node_at = {n.pk: i for i, n in enumerate(judged)}
        arrow_at = {r[0]: self.nodes + i for i, r in enumerate(counted)}
        self.pk_of = [n.pk for n in judged] + [r[0] for r in counted]
        self.source_of = [-1] * self.size  # an arrow's source node
        self.target_of = [-1] * self.size  # an arrow's target element; -1 for the question
        self.attacks_on: list[list[int]] = [[] for _ in range(self.size)]  # opposes arrows into it
        self.supports_to: list[list[int]] = [[] for _ in range(self.size)]  # supports arrows into it
        self.supports_from: list[list[int]] = [[] for _ in range(self.size)]  # supports arrows out of it
        self.premise_of: list[list[int]] = [[] for _ in range(self.size)]  # attacks that need it in
        # Local names: this loop runs once per arrow of the debate, on every page view.
        source_of, target_of, attacks_on, premise_of = self.source_of, self.target_of, self.attacks_on, self.premise_of
        supports_to, supports_from = self.supports_to, self.supports_from
        for a, (_, source_pk, target_pk, target_relation, kind) in enumerate(counted, self.nodes):
            source = source_of[a] = node_at[source_pk]
            target = target_of[a] = node_at.get(target_pk, -1) if target_relation is None else arrow_at[target_relation]
            if target < 0:
                continue  # an arrow to the question is judged, but bears on nothing that is
            if kind == OPPOSES:
                attacks_on[target].append(a)
                premise_of[source].append(a)
                premise_of[a].append(a)
            elif kind == SUPPORTS:
                supports_to[target].append(a)
                supports_from[source].append(a)
        self._label()

    def _label(self) -> None:
        """The grounded labelling: a worklist of newly labelled elements and, per element, a
        count of the attacks on it not yet out. An attack (opposes arrow a) is in once both
        its premises (its source node and a itself) are in, out once either is out. Each
        element enters the worklist at most once and each attack is touched once per
        premise: linear time."""
        label: list[str | None] = [None] * self.size
        not_out = [len(attacks) for attacks in self.attacks_on]
        premises_in = [0] * self.size
        attack_out = [False] * self.size
        todo = [i for i in range(self.size) if not not_out[i]]
        for i in todo:
            label[i] = IN
        while todo:
            i = todo.pop()
            if label[i] == IN:
                for a in self.premise_of[i]:
                    premises_in[a] += 1
                    t = self.target_of[a]
                    if premises_in[a] == 2 and label[t] is None:
                        label[t] = OUT
                        todo.append(t)
            else:
                for a in self.premise_of[i]:
                    if not attack_out[a]:
                        attack_out[a] = True
                        t = self.target_of[a]
                        not_out[t] -= 1
                        if not not_out[t] and label[t] is None:
                            label[t] = IN
                            todo.append(t)
        self.label: list[str] = [x or UNDEC for x in label]
        self.attack = [IN if n == 2 else OUT if out else UNDEC for n, out in zip(premises_in, attack_out, strict=True)]

    def undecided_circles(self) -> tuple[dict[int, int], list[tuple[int, ...]]]:
        """The undecided circles, and for each element caught in one, the circle's index: the
        strongly connected components (Tarjan's, iterative, so that a long chain cannot hit
        the recursion limit) of the graph with an edge from each undecided premise of an
        undecided attack to its target. A component of one element is a circle only when
        the element attacks itself."""
        label, succ = self.label, [[] for _ in range(self.size)]
        for t in range(self.size):
            if label[t] == UNDEC:
                for a in self.attacks_on[t]:
                    if self.attack[a] == UNDEC:
                        for p in (self.source_of[a], a):
                            if label[p] == UNDEC:
                                succ[p].append(t)
        index, low = [-1] * self.size, [0] * self.size
        on_stack = [False] * self.size
        stack: list[int] = []
        circle_of: dict[int, int] = {}
        circles: list[tuple[int, ...]] = []
        counter = 0
        for root in range(self.size):
            if index[root] >= 0 or not succ[root]:
                continue
            work = [(root, 0)]
            while work:
                v, k = work.pop()
                if k == 0:
                    index[v] = low[v] = counter
                    counter += 1
                    stack.append(v)
                    on_stack[v] = True
                if k < len(succ[v]):
                    work.append((v, k + 1))
                    w = succ[v][k]
                    if index[w] < 0:
                        work.append((w, 0))
                    elif on_stack[w]:
                        low[v] = min(low[v], index[w])
                    continue
                if work:  # v is done: its parent is next on the work stack
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[v])
                if low[v] == index[v]:
                    members = []
                    while not members or members[-1] != v:
                        w = stack.pop()
                        on_stack[w] = False
                        members.append(w)
                    if len(members) > 1 or v in succ[v]:
                        circle_of.update(dict.fromkeys(members, len(circles)))
                        circles.append(tuple(sorted(members)))
        return circle_of, circles

    def evidence(self, quoted: list[int]) -> dict[int, tuple[int, int]]:
        """The evidenced nodes, each with (the supporter it is evidenced through, the quoted
        node at the end of that chain); (-1, itself) for a quoted node. Breadth first from
        the quoted nodes that stand, along supports arrows that stand into nodes that stand:
        shortest chains, each arrow followed once."""
        label = self.label
        found = {i: (-1, i) for i in quoted if label[i] == IN}
        frontier = list(found)
        while frontier:
            following = []
            for s in frontier:
                for a in self.supports_from[s]:
                    t = self.target_of[a]
                    if t < self.nodes and label[a] == IN and label[t] == IN and t not in found:
                        found[t] = (s, found[s][1])
                        following.append(t)
            frontier = following
        return found

    def supported_from(self, start: list[int]) -> set[int]:
        """The nodes reached from `start` along supports arrows, whatever their standing."""
        seen = set(start)
        todo = list(start)
        while todo:
            for a in self.supports_from[todo.pop()]:
                t = self.target_of[a]
                if t < self.nodes and t not in seen:
                    seen.add(t)
                    todo.append(t)
        return seen


# --------------------------------------------------------------------------- reasons


class _Namer:
    """Names an element's node by its outline number ("#<pk>" without one), and lists names
    in outline order, at most NAMED of them."""

    def __init__(self, numbers: Mapping[int, str], pk_of: list[int], nodes: int):
        self.numbers, self.pk_of = numbers, pk_of
        # Only nodes are ever named (an arrow is named by its source): each name made once.
        self.names = [numbers.get(pk) or f"#{pk}" for pk in pk_of[:nodes]]
        self.defeaters: dict[int, int] = {}
        self.keys: dict[int, tuple] = {}

    def defeater(self, g: "_Graph", i: int) -> int:
        """The first node, in outline order, whose attack on (out) element i stands. Kept:
        one node attacking many would otherwise have its attackers sorted for each."""
        attacks = g.attacks_on[i]
        if len(attacks) == 1:
            return g.source_of[attacks[0]]
        if i not in self.defeaters:
            self.defeaters[i] = _sources(g, i, IN, self)[0]
        return self.defeaters[i]

    def __call__(self, i: int) -> str:
        return self.names[i]

    def order(self, elements: Iterable[int]) -> list[int]:
        """Distinct, in outline order ("1.2" before "1.10"); unnumbered nodes last, by pk."""
        distinct = set(elements)
        return list(distinct) if len(distinct) < 2 else sorted(distinct, key=self._key)

    def _key(self, i: int) -> tuple:
        # Kept: a node is sorted among its neighbours' attackers and supporters many times.
        if i not in self.keys:
            number = self.numbers.get(self.pk_of[i])
            if not number:
                self.keys[i] = (1, (), self.pk_of[i])
            else:
                parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in number.split("."))
                self.keys[i] = (0, parts, 0)
        return self.keys[i]

    def join(self, elements: Iterable[int]) -> tuple[str, list[int]]:
        """The names joined ("1.2", "1.2 and 1.3", "1.2, 1.3, 1.4 and 2 more"), and the
        elements named."""
        ordered = self.order(elements)
        named, rest = ordered[:NAMED], len(ordered) - NAMED
        words = [self(i) for i in named]
        if rest > 0:
            return f"{', '.join(words)} and {rest} more", named
        if len(words) == 1:
            return words[0], named
        return f"{', '.join(words[:-1])} and {words[-1]}", named


def _label_reason(g: _Graph, i: int, circle_of, circles, circle_names, name: _Namer) -> tuple[str, list[int]]:
    """Why element i is in, out or undecided, naming the nodes that decide it; and those."""
    is_node = i < g.nodes
    attacks = g.attacks_on[i]
    label = g.label[i]
    if len(attacks) == 1 and label != UNDEC:
        # One objection, the commonest case after none: it decides alone.
        a = attacks[0]
        s = g.source_of[a]
        if label == OUT:
            return f"Falls: {'opposed' if is_node else 'undercut'} by {name(s)}, which stands.", [s]
        verb, by = ("falls to", name.defeater(g, s)) if g.label[s] == OUT else ("is undercut by", name.defeater(g, a))
        return f"Stands: its only {'objection' if is_node else 'undercut'}, {name(s)}, {verb} {name(by)}.", [s, by]
    if label == IN:
        if not attacks:
            return ("Stands: nothing opposes it." if is_node else "Stands: nothing undercuts it."), []
        # Each attack is out: its source falls to some node that stands, or its arrow is
        # undercut by one. Name one such defeater per objection.
        defeats: dict[int, tuple[str, int]] = {}
        for a in attacks:
            s = g.source_of[a]
            if s not in defeats:
                if g.label[s] == OUT:
                    defeats[s] = ("falls to", name.defeater(g, s))
                else:
                    defeats[s] = ("is undercut by", name.defeater(g, a))
        ordered = name.order(defeats)
        deciding = [e for s in ordered[:NAMED] for e in (s, defeats[s][1])]
        if len(ordered) == 1:
            s = ordered[0]
            verb, by = defeats[s]
            return f"Stands: its only {'objection' if is_node else 'undercut'}, {name(s)}, {verb} {name(by)}.", deciding
        short = {"falls to": "to", "is undercut by": "undercut by"}
        listed = "; ".join(f"{name(s)} {short[defeats[s][0]]} {name(defeats[s][1])}" for s in ordered[:NAMED])
        if len(ordered) > NAMED:
            listed += f"; and {len(ordered) - NAMED} more"
        return f"Stands: every {'objection' if is_node else 'undercut'} falls ({listed}).", deciding

    verb = "opposed" if is_node else "undercut"
    if label == OUT:
        sources = _sources(g, i, IN, name)
        names, named = name.join(sources)
        return f"Falls: {verb} by {names}, which {'stands' if len(sources) == 1 else 'stand'}.", named

    c = circle_of.get(i)
    if c is not None:
        circle = circles[c]
        if len(circle) == 1:
            return "Undecided: it opposes itself and nothing settles it.", []
        if is_node and len(circle) == 2 and circle[1] < g.nodes:
            other = circle[0] if circle[1] == i else circle[1]
            return f"Undecided: it and {name(other)} oppose each other and nothing settles it.", [other]
        if c not in circle_names:
            circle_names[c] = name.join(j for j in circle if j < g.nodes)
        members, listed = circle_names[c]
        names, named = name.join(
            g.source_of[a]
            for a in attacks
            if g.attack[a] == UNDEC and c in (circle_of.get(g.source_of[a]), circle_of.get(a))
        )
        reason = f"Undecided: {verb} by {names}, in a circle of objections ({members}) that nothing settles."
        return reason, [*named, *listed]
    undecided = [g.source_of[a] for a in attacks if g.attack[a] == UNDEC and g.label[g.source_of[a]] == UNDEC]
    if undecided:
        names, named = name.join(undecided)
        return f"Undecided: {verb} by {names}, which {'is' if len(set(undecided)) == 1 else 'are'} undecided.", named
    # Every undecided attack comes from a node that stands, through an arrow whose undercut
    # is itself undecided.
    names, named = name.join(g.source_of[a] for a in attacks if g.attack[a] == UNDEC)
    return f"Undecided: {verb} by {names}, but whether that objection holds is undecided.", named


def _evidence_reason(g: _Graph, i: int, evidence: dict, quote_below: set, citation: list, name: _Namer):
    """Why a standing node is evidenced or not, naming the nodes that decide it; and those."""
    if i in evidence:
        via, base = evidence[i]
        if via < 0:
            return f"Evidenced: it quotes {citation[i]}.", []
        if via == base:
            return f"Evidenced: {name(base)} quotes {citation[base]}.", [base]
        return f"Evidenced: {name(base)} quotes {citation[base]}, through {name(via)}.", [base, via]
    if i not in quote_below:
        return "Not evidenced: nothing under it quotes a source.", []
    # A quote lies under it, so some supporter leads to one: say where the chain breaks.
    arrow_from = {}
    for a in g.supports_to[i]:
        if g.source_of[a] in quote_below:
            arrow_from.setdefault(g.source_of[a], a)
    s = name.order(arrow_from)[0]
    a = arrow_from[s]
    if g.label[s] == OUT:
        return f"Not evidenced: its support from {name(s)} falls.", [s]
    if g.label[s] == UNDEC:
        return f"Not evidenced: its support from {name(s)} is undecided.", [s]
    if g.label[a] == OUT:
        by = _sources(g, a, IN, name)
        names, named = name.join(by)
        return f"Not evidenced: its support from {name(s)} is undercut by {names}.", [s, *named]
    if g.label[a] == UNDEC:
        names, named = name.join(g.source_of[u] for u in g.attacks_on[a] if g.attack[u] == UNDEC)
        return f"Not evidenced: its support from {name(s)} is in doubt, undercut by {names}.", [s, *named]
    return f"Not evidenced: its support from {name(s)} is not evidenced itself.", [s]


def _sources(g: _Graph, i: int, attack_label: str, name: _Namer) -> list[int]:
    """The source nodes of the attacks on element i that carry `attack_label`, in outline order."""
    return name.order(g.source_of[a] for a in g.attacks_on[i] if g.attack[a] == attack_label)


def _distinct(pks: list[int]) -> tuple[int, ...]:
    return tuple(pks) if len(pks) < 2 else tuple(sorted(set(pks)))
