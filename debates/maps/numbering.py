"""How pages other than the debate page name a box: by its outline number ("1.2.3"), as the
debate page, the map and the handout do, never by its database id.

The numbers are those of the approved map, the one every reader of the debate sees (a
moderator's view with pending work shown numbers differently, so those numbers would not
match what the class says). Work not on the map has no number and is named for what it is.
"""

from collections.abc import Iterable

from debates.maps import cache, judging
from debates.models import Status

# What stands in for a number: work waiting for a decision (or for its author's revision),
# and anything else off the map (rejected, withdrawn).
NEW = "(new)"
OFF_MAP = "(not on the map)"


def numbers_for(debates: Iterable) -> dict[int, str]:
    """{node pk: "1.2.3"} for the approved boxes of these debates (Debate instances), numbered
    as their debate pages number them. Taken from each debate's judgement kept under its map
    revision (judging.judgements()): no query once a debate is judged, one for all those not
    yet; the debates should come with select_related("map_revision"), or each costs a query
    for its revision. Primary keys are unique across debates, so one dict serves a page that
    names boxes of several."""
    revisions = {debate.pk: cache.revision(debate) for debate in debates}
    numbers: dict[int, str] = {}
    for judgement in judging.judgements(revisions).values():
        numbers.update(judgement.numbers)
    return numbers


def number_of(node, numbers: dict[int, str]) -> str:
    """The node's outline number, or NEW for pending and returned work, OFF_MAP for the rest."""
    number = numbers.get(node.pk)
    if number:
        return number
    return NEW if node.status in (Status.PENDING, Status.RETURNED) else OFF_MAP


def name_nodes(nodes: Iterable, numbers: dict[int, str]) -> None:
    """Give each node (a model instance) `outline_number`, number_of() it, for a template."""
    for node in nodes:
        if node is not None:
            node.outline_number = number_of(node, numbers)
