"""How pages other than the debate page name a box: by its outline number ("1.2.3"), as the
debate page, the map and the handout do, never by its database id.

The numbers are those of the approved map, the one every reader of the debate sees (a
moderator's view with pending work shown numbers differently, so those numbers would not
match what the class says). Work not on the map has no number and is named for what it is.
"""

from collections.abc import Iterable

from debates.maps import cache, judging
from debates.models import Relation, Status

# What stands in for a number: work waiting for a decision (or for its author's revision),
# and anything else off the map (rejected, withdrawn).
NEW = "(new)"
OFF_MAP = "(not on the map)"

# What link_name() reads of a link: select_related(*LINK_ENDS) loads it with the link.
LINK_ENDS = ("source", "target", "target_relation__source", "target_relation__target")


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


def outline_order(nodes: Iterable, numbers: dict[int, str]) -> list:
    """The nodes as the outline lists them: those with a number by it, compared part by part
    as whole numbers (1.2 before 1.10, 1.1.7 before 1.3), then NEW work, then work OFF_MAP,
    each in the order given."""
    stand_ins = {NEW: 1, OFF_MAP: 2}

    def key(node):
        number = number_of(node, numbers)
        if number in stand_ins:
            return (stand_ins[number], ())
        return (0, tuple(int(part) for part in number.split(".")))

    return sorted(nodes, key=key)


def short(text: str, length: int = 60) -> str:
    """The text cut to at most `length` characters, an ellipsis marking the cut."""
    return text if len(text) <= length else text[: length - 1] + "…"


def box_name(node, numbers: dict[int, str], *, length: int = 60) -> str:
    """A box named in a sentence: its number and the start of its text, "1.2 “Talks have…”"."""
    return f"{number_of(node, numbers)} “{short(node.text, length)}”"


def link_name(relation, numbers: dict[int, str]) -> str:
    """A link (a Relation) named by its two ends, "1.2 → 1.1"; an objection to a link names
    that link in brackets, "1.3 → (1.2 → 1.1)". The ends must come loaded, with
    select_related(*LINK_ENDS): their statuses say NEW or OFF_MAP for an end not on the map."""
    source = number_of(relation.source, numbers)
    if relation.target_id is not None:
        return f"{source} → {number_of(relation.target, numbers)}"
    return f"{source} → ({link_name(relation.target_relation, numbers)})"


def item_name(item, numbers: dict[int, str]) -> str:
    """A contribution named in a sentence: a box by box_name(), a link by "link " and its
    link_name() (its ends loaded as that says)."""
    return f"link {link_name(item, numbers)}" if isinstance(item, Relation) else box_name(item, numbers)


def name_nodes(nodes: Iterable, numbers: dict[int, str]) -> None:
    """Give each node (a model instance) `outline_number`, number_of() it, for a template."""
    for node in nodes:
        if node is not None:
            node.outline_number = number_of(node, numbers)


def name_links(relations: Iterable, numbers: dict[int, str]) -> None:
    """Give each link `outline_name`, its link_name(), and its ends (and those of the link an
    objection is to, which gets its own `outline_name`) `outline_number`, for a template.
    The ends must come loaded as link_name() says."""
    for relation in relations:
        if relation is None:
            continue
        relation.outline_name = link_name(relation, numbers)
        name_nodes([relation.source, relation.target], numbers)
        if relation.target_id is None:
            name_links([relation.target_relation], numbers)
