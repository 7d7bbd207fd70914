"""How pages other than the debate page name a box: by its outline number ("1.2.3"), as the
debate page, the map and the handout do, never by its database id.

The numbers are those of the approved map, the one every reader of the debate sees (a
moderator's view with pending work shown numbers differently, so those numbers would not
match what the class says). Work not on the map has no number and is named for what it is.
"""

from collections.abc import Iterable

from debates.maps.data import load_judged
from debates.maps.outline import outline_numbers
from debates.models import Status

# What stands in for a number: work waiting for a decision (or for its author's revision),
# and anything else off the map (rejected, withdrawn).
NEW = "(new)"
OFF_MAP = "(not on the map)"


def numbers_for(debate_ids: Iterable[int]) -> dict[int, str]:
    """{node pk: "1.2.3"} for the approved boxes of these debates, numbered as their debate
    pages number them. One query (data.load_judged), whatever the number of debates and
    their size; none for no debates. Primary keys are unique across debates, so one dict
    serves a page that names boxes of several."""
    numbers: dict[int, str] = {}
    for data in load_judged(debate_ids).values():
        numbers.update(outline_numbers(data))
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
