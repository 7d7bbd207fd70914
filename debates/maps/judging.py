"""The standing of a debate's claims as its readers see it.

standing.py judges (pure, no Django); this module says who sees the result and shapes it
for pages and the API. The assessment is computed from map data a page has already loaded
(the debate page, its exports, the API's debate detail), or, for pages that load no map (a
node's page, the weak points, the API's lists), kept in the cache under the debate's map
revision (judgements()), so that judging adds no query to a page once a debate is judged.

Who sees it: while a debate's `show_standing` is on, everyone who may see the debate; while
it is off (a class that should judge first), its moderators only, on their own pages and
marked as hidden from the class. The map's badges are drawn only while it is on, for
everyone: a drawing is shared by all its readers and kept in the cache.
"""

from dataclasses import dataclass

from debates import permissions
from debates.maps import cache, standing
from debates.maps.data import MapData, MapNode, load_judged
from debates.maps.outline import outline_numbers
from debates.maps.standing import Assessment, Standing


def badge_key() -> dict:
    """The badges for the page's key, by what they mean: {"stands", "falls", "undecided"} each
    a (symbol, word) pair from standing.BADGES, the one source of the badge words, and
    "not_evidenced" (a word), so that the key says what the boxes say."""
    return {
        "stands": standing.BADGES[standing.IN],
        "falls": standing.BADGES[standing.OUT],
        "undecided": standing.BADGES[standing.UNDEC],
        "not_evidenced": standing.NOT_EVIDENCED,
    }


def assess_map(data: MapData, *, show_pending: bool = False) -> tuple[dict[int, str], Assessment]:
    """The outline numbers the page shows (with or without the pending work) and the
    standing of the approved content of `data` (pending work is never judged), its reasons
    naming nodes by those numbers."""
    numbers = outline_numbers(data, show_pending=show_pending)
    return numbers, standing.assess(data.nodes, data.relations, numbers)


@dataclass(frozen=True)
class Judgement:
    """A debate's approved content judged: its map data (approved nodes and arrows only),
    their outline numbers and their assessment (standing.Assessment)."""

    data: MapData
    numbers: dict[int, str]
    assessment: Assessment


def _judge(debate_pks: list[int]) -> dict[int, Judgement]:
    judged = {}
    for pk, data in load_judged(debate_pks).items():
        numbers, assessment = assess_map(data)
        judged[pk] = Judgement(data, numbers, assessment)
    return judged


def judgements(revisions: dict[int, int]) -> dict[int, Judgement]:
    """{debate pk: Judgement} for the debates of `revisions` ({debate pk: map revision number},
    cache.revision()), for pages and lists that have not loaded a map (a node's page, the weak
    points, the API's lists, which can span debates). Kept in the cache under each debate's
    map revision (cache.per_revision()), so once judged a debate costs no query until its
    content changes; otherwise one query for all the debates not kept (data.load_judged())."""
    return cache.per_revision("judged", revisions, _judge)


def judgement(debate) -> Judgement:
    """judgements() of one debate, loaded with select_related("map_revision") (as
    permissions.get_debate_for_user() loads it) so that its revision costs no query."""
    return judgements({debate.pk: cache.revision(debate)})[debate.pk]


def visible(debate, user) -> bool:
    """Whether this reader sees the standing of the debate's claims on pages and in the API.
    While the class sees it, who moderates is not asked (for a student, a query for roles)."""
    return debate.show_standing or permissions.can_moderate(user, debate)


def badges(debate, assessment: Assessment | None) -> Assessment | None:
    """What the map draws: the assessment while the debate shows the standing, else nothing."""
    return assessment if debate.show_standing else None


@dataclass(frozen=True)
class Judged:
    """A node with its outline number and standing, for a template."""

    node: MapNode
    number: str
    standing: Standing | None


@dataclass(frozen=True)
class WeakPointsPage:
    """standing.WeakPoints with the nodes themselves: unevidenced claims; unanswered
    objections as (objection, the node it opposes); undecided circles."""

    unevidenced: tuple[Judged, ...]
    unanswered: tuple[tuple[Judged, Judged], ...]
    circles: tuple[tuple[Judged, ...], ...]

    def __bool__(self) -> bool:
        return bool(self.unevidenced or self.unanswered or self.circles)


def weak_points_page(data: MapData, assessment: Assessment, numbers: dict[int, str]) -> WeakPointsPage:
    """The debate's weak points (standing.weak_points()), each with its node, number and standing."""
    weak = standing.weak_points(assessment, data.nodes, data.relations)
    by_pk = data.by_pk

    def one(pk: int) -> Judged:
        return Judged(by_pk[pk], numbers.get(pk, ""), assessment.nodes.get(pk))

    return WeakPointsPage(
        unevidenced=tuple(one(pk) for pk in weak.unevidenced),
        unanswered=tuple((one(objection), one(target)) for objection, target in weak.unanswered),
        circles=tuple(tuple(one(pk) for pk in circle) for circle in weak.circles),
    )


def node_standing(data: MapData, assessment: Assessment, numbers: dict[int, str], pk: int) -> dict | None:
    """What a node's page shows of its standing: its own, and the nodes whose arrows oppose
    and support it, each with its standing and whether it decides the node's; None for a
    node that is not judged (the question, anything not approved)."""
    own = assessment.nodes.get(pk)
    if own is None:
        return None
    by_pk = data.by_pk

    def listed(pks) -> list[dict]:
        return [
            {"judged": Judged(by_pk[p], numbers.get(p, ""), assessment.nodes.get(p)), "decides": p in own.deciding}
            for p in pks
            if p in by_pk
        ]

    return {
        "standing": own,
        "attackers": listed(own.attackers),
        "supporters": listed(own.supporters),
    }


def acceptability(standing_or_none: Standing | None) -> dict | None:
    """The API's shape of a standing: {"label", "evidenced", "reason"}, or None."""
    if standing_or_none is None:
        return None
    return {"label": standing_or_none.label, "evidenced": standing_or_none.evidenced, "reason": standing_or_none.reason}
