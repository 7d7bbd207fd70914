"""Importing another tool's argument map (AIF, Kialo, Argdown, a Counterpoint debate file) as
a new debate: the database side of debates/interchange/, used by the import_map command, the
teacher's import page and the API alike.

read_upload() turns the file into an ArgumentMap (pure readers; their FormatError becomes a
refusal naming the field "file" and the line or node id); summarize() says what an import
would make, for a preview; map_import() makes the debate in one transaction: the whole map
or nothing.

What is recorded: the items are approved at once, reviewed_by the importer at the moment of
the import, and one ImportRecord row says who imported which file (name, format, SHA-256)
and what it brought. Not a ModerationEvent per item: 2,659 identical "approved by import"
lines would say nothing the one row does not, and would cost as many inserts as the map.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from debates import classrooms, permissions
from debates.errors import NotAllowed, refuse
from debates.interchange import READERS, detect
from debates.interchange.model import ArgumentMap, FormatError
from debates.maps.cache import map_changed
from debates.models import (
    Classroom,
    Debate,
    ImportRecord,
    Kind,
    Node,
    Quote,
    Relation,
    Source,
    Status,
)
from debates.text import normalize_text

FORMATS = tuple(READERS)  # "aif", "kialo", "argdown", "debate"
# Rows per INSERT: a 2,659-statement map is a handful of statements, well under SQLite's
# and PostgreSQL's parameter limits.
BATCH = 500


@dataclass(frozen=True)
class Summary:
    """What importing a map would make: counts by kind, and every warning (the readers' and
    the importer's), for the preview page and the command's report."""

    format: str
    question: str
    statements: int
    relations: int
    undercuts: int
    sources: int
    quotes: int
    warnings: tuple[str, ...]


def detect_format(head: bytes) -> str:
    """The format a file's first bytes suggest (interchange.detect())."""
    return detect(head)


def read_upload(data: bytes, fmt: str) -> ArgumentMap:
    """The file read by its format's reader, within IMPORT_MAX_BYTES and IMPORT_MAX_STATEMENTS.
    Raises ModerationError on "format" (unknown) or "file" (the reader's message, naming the
    line or node id and the reason)."""
    if fmt not in READERS:
        refuse("format", f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.", code="format")
    try:
        return READERS[fmt](data, max_bytes=settings.IMPORT_MAX_BYTES, max_statements=settings.IMPORT_MAX_STATEMENTS)
    except FormatError as error:
        refuse("file", str(error), code="format_error")


def _question_statement(argument_map: ArgumentMap, question: str) -> str | None:
    """The id of the statement that becomes the debate's question node: the map's question;
    else one whose text is the question and that argues for nothing (an AIF export of a debate
    writes its question as a plain I-node); else None."""
    for statement in argument_map.statements:
        if statement.kind == Kind.QUESTION:
            return statement.id
    sources = {link.source for link in argument_map.relations}
    for statement in argument_map.statements:
        if statement.text == question and statement.id not in sources:
            return statement.id
    return None


def _question(argument_map: ArgumentMap, question: str) -> str:
    """The debate's question: given, else the map's title or question statement, else the one
    statement that argues for nothing (a map's single root). Refuses on "question" otherwise."""
    question = normalize_text(question or "")
    if question:
        return question
    for statement in argument_map.statements:
        if statement.kind == Kind.QUESTION:
            return normalize_text(statement.text)
    if argument_map.title.strip():
        return normalize_text(argument_map.title)
    sources = {link.source for link in argument_map.relations}
    roots = [s for s in argument_map.statements if s.id not in sources]
    if len(roots) == 1:
        return normalize_text(roots[0].text)
    refuse("question", "This file names no question for the debate: give one.", code="required")


def _skipped(argument_map: ArgumentMap) -> tuple[set[str], set[str], list[str]]:
    """Statements and links not imported: those a debate file marks as not approved (work
    nobody has reviewed is not published by an import), and the links that touch them."""
    statements = {s.id for s in argument_map.statements if s.status not in (None, Status.APPROVED)}
    links: set[str] = set()
    changed = True
    while changed:  # an undercut goes with the link it attacks
        changed = False
        for link in argument_map.relations:
            if link.id in links:
                continue
            if (
                link.status not in (None, Status.APPROVED)
                or link.source in statements
                or link.target in statements
                or link.target_link in links
            ):
                links.add(link.id)
                changed = True
    warnings = []
    if statements or links:
        warnings.append(
            f"{len(statements)} statements and {len(links)} relations the file marks as not approved "
            "(pending, returned or rejected) are not imported."
        )
    return statements, links, warnings


def summarize(argument_map: ArgumentMap, fmt: str, *, question: str = "") -> Summary:
    """What map_import() would make of this map. Refuses on "question" if there is none."""
    question = _question(argument_map, question)
    skipped_statements, skipped_links, warnings = _skipped(argument_map)
    question_id = _question_statement(argument_map, question)
    statements = [s for s in argument_map.statements if s.id not in skipped_statements and s.id != question_id]
    links = [link for link in argument_map.relations if link.id not in skipped_links]
    return Summary(
        format=fmt,
        question=question,
        statements=len(statements),
        relations=sum(link.target is not None for link in links),
        undercuts=sum(link.target_link is not None for link in links),
        sources=len(argument_map.sources),
        quotes=sum(s.quote is not None for s in statements),
        warnings=(*argument_map.warnings, *warnings),
    )


def _check_may_import(user, classroom: Classroom | None) -> None:
    if user is None:
        return  # the site's operator, at the command line
    if not permissions.is_teacher(user) and not user.is_superuser:
        refuse("debate", "Only teachers can import maps.", NotAllowed, "forbidden")
    if (
        classroom is not None
        and classroom.pk not in permissions.moderated_classroom_ids(user)
        and not user.is_superuser
    ):
        refuse("classroom", "You can only import into classrooms you teach.", NotAllowed, "forbidden")


def _clean_fields(obj, exclude: list[str], node_id: str) -> None:
    """Field validators and the model's clean() (a source's length, a quote against its
    source's text), none of which queries, unlike full_clean()'s unique and foreign-key
    checks (one query a row). The readers have checked what the map holds; this catches what
    the model adds (a source title over 300 characters, say), naming the item."""
    try:
        obj.clean_fields(exclude=exclude)
        obj.clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        refuse("file", f"Node {node_id}: {field}: {' '.join(messages)}", code="format_error")


@transaction.atomic
def map_import(
    *,
    argument_map: ArgumentMap,
    fmt: str,
    imported_by,
    slug: str,
    classroom: Classroom | None = None,
    question: str = "",
    filename: str = "",
    data: bytes = b"",
) -> Debate:
    """Make a new debate of the map: its question node, sources, approved nodes with their
    quotes, relations and undercuts, and one ImportRecord. `imported_by` None is the site's
    operator (a management command). The slug must be new (case aside). Raises ModerationError
    naming the field ("slug", "classroom", "question", "file") and nothing is stored.
    Queries: a fixed number plus one INSERT per BATCH rows of each table."""
    _check_may_import(imported_by, classroom)
    if fmt not in READERS:
        refuse("format", f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.", code="format")
    if not slug:
        refuse("slug", "Give the new debate a slug (its address).", code="required")
    summary = summarize(argument_map, fmt, question=question)
    skipped_statements, skipped_links, _ = _skipped(argument_map)
    debate = classrooms.debate_create(created_by=imported_by, question=summary.question, classroom=classroom, slug=slug)
    now = timezone.now()
    approved = {"status": Status.APPROVED, "reviewed_by": imported_by, "reviewed_at": now, "author": imported_by}

    sources: dict[str, Source] = {}
    for doc in argument_map.sources:
        source = Source(
            title=doc.title.strip(),
            text=doc.text,
            author=doc.author.strip(),
            outlet=doc.outlet.strip(),
            published=date.fromisoformat(doc.published) if doc.published else None,
            url=doc.url.strip(),
            added_by=imported_by,
        )
        _clean_fields(source, ["added_by"], doc.id)
        sources[doc.id] = source
    Source.objects.bulk_create(sources.values(), batch_size=BATCH)
    debate.sources.add(*sources.values())

    question_id = _question_statement(argument_map, summary.question)
    nodes: dict[str, Node] = {}
    if question_id is not None:
        nodes[question_id] = debate.nodes.get(kind=Kind.QUESTION)
    new_nodes = []
    for statement in argument_map.statements:
        if statement.id in skipped_statements or statement.id == question_id:
            continue
        kind = Kind.CLAIM if statement.kind == Kind.QUESTION else statement.kind
        node = Node(debate=debate, kind=kind, text=statement.text, **approved)
        _clean_fields(node, ["debate", "author", "reviewed_by"], statement.id)
        nodes[statement.id] = node
        new_nodes.append((statement, node))
    Node.objects.bulk_create([node for _, node in new_nodes], batch_size=BATCH)
    quotes = []
    for statement, node in new_nodes:
        if statement.quote is None:
            continue
        q = statement.quote
        quote = Quote(node=node, source=sources[q.source_id], text=q.text, start=q.start, end=q.end)
        _clean_fields(quote, ["node", "source"], statement.id)
        quotes.append(quote)
    Quote.objects.bulk_create(quotes, batch_size=BATCH)

    warnings = list(summary.warnings)
    relations: dict[str, Relation] = {}
    pairs: set[tuple] = set()
    duplicates = Counter()
    for wave in ("nodes", "arrows"):  # undercuts need the pks of the arrows they attack
        batch = []
        for link in argument_map.relations:
            if link.id in skipped_links or (link.target is None) == (wave == "nodes"):
                continue
            source = nodes[link.source]
            if source.kind == Kind.QUESTION:
                refuse("file", f"Node {link.id}: the debate's question cannot support or oppose anything.")
            if link.target is not None:
                aim = {"target": nodes[link.target]}
                pair = (source.pk, "node", aim["target"].pk)
            else:
                aim = {"target_relation": relations[link.target_link]}
                pair = (source.pk, "arrow", aim["target_relation"].pk)
            if pair in pairs:
                duplicates[wave] += 1
                continue
            pairs.add(pair)
            relation = Relation(debate=debate, source=source, kind=link.kind, **aim, **approved)
            relations[link.id] = relation
            batch.append(relation)
        Relation.objects.bulk_create(batch, batch_size=BATCH)
    if duplicates:
        warnings.append(f"{sum(duplicates.values())} repeated relations between the same two items were merged.")

    ImportRecord.objects.create(
        debate=debate,
        imported_by=imported_by,
        format=fmt,
        filename=" ".join(filename.split())[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        statements=len(new_nodes),
        relations=len(relations),
        warnings="\n".join(warnings),
    )
    map_changed(debate.pk)
    return debate
