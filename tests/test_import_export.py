"""Maps in and out of the database: import_map and export_map for AIF, Kialo, Argdown and the
debate file, the export URLs, round trips, malformed files, and the cost of a large import."""

import hashlib
import io
import json
import pathlib
import re
import subprocess

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse

from bench.interchange_data import kialo_export
from debates import importing, moderation
from debates.demo import content
from debates.errors import ModerationError
from debates.interchange import READERS, kialo
from debates.maps import data, exchange
from debates.models import Debate, ImportRecord, Kind, Node, Quote, Relation, Source, Status
from tests.factories import api_client, errors, make_debate, make_node, make_relation, make_user
from tests.interchange_helpers import FIXTURES, fixture, shape
from tests.test_interchange_argdown import ARGDOWN_CLI

pytestmark = pytest.mark.urls("config.urls")

TABLES = (Debate, Node, Relation, Source, Quote, ImportRecord)


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in TABLES)


def _import(name: str, fmt: str, slug: str, *extra: str) -> str:
    out = io.StringIO()
    call_command("import_map", str(FIXTURES / name), "--format", fmt, "--debate", slug, *extra, stdout=out, stderr=out)
    return out.getvalue()


def _export(slug: str, fmt: str) -> str:
    out = io.StringIO()
    call_command("export_map", slug, "--format", fmt, "-o", "-", stdout=out)
    return out.getvalue()


def _stored_shape(slug: str):
    """The imported debate's statements and relations by text, as the fixture's map gives them."""
    debate = Debate.objects.get(slug=slug)
    map_data = data.load_map(debate, AnonymousUser())
    return shape(exchange.argument_map(map_data, data.load_sources(debate)))


# --------------------------------------------------------------------------- import_map


@pytest.mark.parametrize(
    ("name", "fmt", "question"),
    [
        ("aifdb_negotiation.json", "aif", "Should the union accept the offer?"),
        ("ova_school.json", "aif", "Should the school day start later?"),
        ("kialo_layout_a.txt", "kialo", ""),
        ("kialo_layout_b.txt", "kialo", ""),
        ("school_uniforms.argdown", "argdown", ""),
    ],
)
def test_import_map_stores_every_statement_and_relation_of_each_fixture(db, name, fmt, question):
    extra = ["--question", question] if question else []
    report = _import(name, fmt, "imported", *extra)
    argument_map = READERS[fmt](fixture(name))
    texts, relations = shape(argument_map)
    debate = Debate.objects.get(slug="imported")
    if not any(s.kind == Kind.QUESTION for s in argument_map.statements):
        texts |= {debate.question}  # the question node every debate has (the title or --question)
    assert _stored_shape("imported") == (texts, relations)
    assert debate.nodes.count() == len(texts)
    assert set(debate.nodes.values_list("status", flat=True)) == {Status.APPROVED}
    assert set(debate.relations.values_list("status", flat=True)) == {Status.APPROVED}
    for warning in argument_map.warnings:
        assert warning in report


def test_kialo_import_keeps_multi_line_claims_numbers_and_links(db):
    _import("kialo_layout_a.txt", "kialo", "cars")
    debate = Debate.objects.get(slug="cars")
    # The thesis is the question, its Pro and Con claims the positions; the title is no node.
    assert debate.question == "Cities should ban cars from their centres."
    assert debate.nodes.filter(kind=Kind.QUESTION).get().text == debate.question
    assert sorted(debate.nodes.filter(kind=Kind.POSITION).values_list("text", flat=True)) == [
        "49.7 * 72,000,000 trips a year would need another way to travel.\n"
        "Most of them are short, but not all:\n2020. was the year this was measured.",
        "Cars pollute the air that children breathe.",
        "Streets without cars are safer (Oslo had no pedestrian deaths in 2019).",
    ]
    long = debate.nodes.get(text__startswith="49.7 * 72,000,000")
    assert long.text.endswith("Most of them are short, but not all:\n2020. was the year this was measured.")
    # -> See 1.2.1. is a second arrow from the bus claim, not a new node.
    buses = debate.nodes.get(text__startswith="Buses and bicycles")
    assert buses.outgoing.count() == 2
    assert (debate.nodes.count(), debate.relations.count()) == (6, 7)


def test_aif_import_keeps_long_texts_whole_and_the_undercut(db):
    _import("aifdb_negotiation.json", "aif", "talks", "--question", "Accept the offer?")
    debate = Debate.objects.get(slug="talks")
    expected = READERS["aif"](fixture("aifdb_negotiation.json")).statement("106").text
    assert len(expected) == 900 and debate.nodes.filter(text=expected).exists()
    undercut = debate.relations.get(target_relation__isnull=False)
    assert (undercut.kind, undercut.target_relation.kind) == ("opposes", "supports")


def test_import_map_counts_in_singular_and_plural(db):
    report = _import("aifdb_negotiation.json", "aif", "talks", "--question", "Accept the offer?")
    assert " 1 undercut, " in report and "1 undercuts" not in report
    assert re.search(r"Imported [\d,]+ statements, [\d,]+ relations, ", report)


def test_import_map_without_user_leaves_the_importer_and_authors_empty(db):
    _import("kialo_layout_a.txt", "kialo", "anonymous")
    debate = Debate.objects.get(slug="anonymous")
    assert debate.import_record.imported_by is None and debate.created_by is None
    assert set(debate.nodes.values_list("author", flat=True)) == {None}


def test_import_records_who_imported_which_file(db, teacher):
    _import("ova_school.json", "aif", "school", "--question", "Later start?", "--user", teacher.username)
    record = ImportRecord.objects.get(debate__slug="school")
    assert (record.imported_by, record.format, record.filename) == (teacher, "aif", "ova_school.json")
    assert record.sha256 == hashlib.sha256(fixture("ova_school.json")).hexdigest()
    assert record.statements == 3 and record.relations == 2
    node = record.debate.nodes.exclude(kind=Kind.QUESTION).first()
    assert (node.author, node.reviewed_by, node.status) == (teacher, teacher, Status.APPROVED)


def test_import_into_a_classroom(db, classroom):
    _import("kialo_layout_b.txt", "kialo", "in-class", "--classroom", str(classroom.pk))
    assert Debate.objects.get(slug="in-class").classroom == classroom


def test_format_is_guessed_when_not_given(db):
    out = io.StringIO()
    call_command("import_map", str(FIXTURES / "kialo_layout_a.txt"), "--debate", "guessed", stdout=out)
    assert ImportRecord.objects.get(debate__slug="guessed").format == "kialo"


def test_an_existing_slug_is_refused_whatever_its_case_and_nothing_is_stored(db, teacher):
    make_debate(created_by=teacher, slug="taken")
    before = _counts()
    with pytest.raises(CommandError, match="slug"):
        _import("kialo_layout_a.txt", "kialo", "TAKEN")
    assert _counts() == before


@pytest.mark.parametrize(
    ("name", "content", "fmt", "message"),
    [
        ("cut.json", b'{"nodes": [{"nodeID": "1", "text": "A', "aif", "cut short"),
        ("latin1.txt", "Discussion Title: Caf\xe9\n\n1. Th\xe9se\n".encode("latin-1"), "kialo", "not UTF-8"),
        ("deep.json", b"[" * 3000 + b"]" * 3000, "aif", "nested too deeply"),
        ("cycle.txt", None, "kialo", "Line 4"),
        ("unknown.json", b'{"nodes": [{"nodeID": "1", "type": "I"}], "edges": []}', "aif", "Node 1"),
        ("badquote.json", None, "debate", "quote"),
    ],
)
def test_malformed_files_are_refused_with_the_reason_and_nothing_is_stored(db, tmp_path, name, content, fmt, message):
    if name == "cycle.txt":
        content = fixture("kialo_see_cycle.txt")
    if name == "badquote.json":
        document = json.loads(_debate_file_of_a_seeded_debate())
        quoted = next(st for st in document["counterpoint"]["statements"] if st["quote"])
        quoted["quote"]["start"] += 1
        content = json.dumps(document).encode()
    path = tmp_path / name
    path.write_bytes(content)
    before = _counts()
    with pytest.raises(CommandError) as caught:
        call_command("import_map", str(path), "--format", fmt, "--debate", "broken", "--question", "Q?")
    assert message in str(caught.value)
    assert _counts() == before


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(db, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 100
    path = tmp_path / "big.txt"
    path.write_bytes(b"Discussion Title: x\n\n1. y\n" + b"1.1. Pro: z\n" * 100)
    with pytest.raises(CommandError, match="limit of 100 bytes"):
        call_command("import_map", str(path), "--format", "kialo", "--debate", "big")
    assert not Debate.objects.filter(slug="big").exists()


def test_a_map_over_the_statement_limit_is_refused(db, tmp_path, settings):
    settings.IMPORT_MAX_STATEMENTS = 3
    with pytest.raises(CommandError, match="more than 3 statements"):
        _import("kialo_layout_a.txt", "kialo", "many")
    assert not Debate.objects.filter(slug="many").exists()


def test_aif_without_a_question_and_with_several_roots_asks_for_one(db, tmp_path):
    path = tmp_path / "two.json"
    nodes = [{"nodeID": "1", "type": "I", "text": "One"}, {"nodeID": "2", "type": "I", "text": "Two"}]
    path.write_text(json.dumps({"nodes": nodes, "edges": []}), encoding="utf-8")
    with pytest.raises(CommandError, match="question: This file names no question"):
        call_command("import_map", str(path), "--format", "aif", "--debate", "noq")
    assert not Debate.objects.filter(slug="noq").exists()


def test_aif_with_one_root_takes_it_as_the_question(db, tmp_path):
    path = tmp_path / "one.json"
    nodes = [
        {"nodeID": "1", "type": "I", "text": "Ban cars?"},
        {"nodeID": "2", "type": "I", "text": "Air"},
        {"nodeID": "3", "type": "RA", "text": "Default Inference"},
    ]
    edges = [{"edgeID": "1", "fromID": "2", "toID": "3"}, {"edgeID": "2", "fromID": "3", "toID": "1"}]
    path.write_text(json.dumps({"nodes": nodes, "edges": edges}), encoding="utf-8")
    call_command("import_map", str(path), "--format", "aif", "--debate", "oneq", stdout=io.StringIO())
    debate = Debate.objects.get(slug="oneq")
    assert debate.question == "Ban cars?" and debate.nodes.count() == 2
    assert debate.relations.get().target.kind == Kind.QUESTION


def test_unknown_user_and_classroom_are_refused(db):
    with pytest.raises(CommandError, match="--user"):
        _import("kialo_layout_a.txt", "kialo", "x", "--user", "nobody")
    with pytest.raises(CommandError, match="--classroom"):
        _import("kialo_layout_a.txt", "kialo", "x", "--classroom", "999999")


def test_an_imported_statement_keeps_5000_characters_and_pages_show_it_whole(db, client, tmp_path):
    text = "word " * 999 + "end."  # 4,999 characters
    path = tmp_path / "long.txt"
    path.write_text(f"Discussion Title: Long?\n\n1. Thesis.\n1.1. Pro: {text}\n", encoding="utf-8")
    call_command("import_map", str(path), "--format", "kialo", "--debate", "long", stdout=io.StringIO())
    node = Node.objects.get(text=text)
    assert client.get(reverse("debates:node-detail", args=["long", node.pk])).content.decode().count("word") >= 999
    outline = client.get(reverse("debates:debate-detail", args=["long"])).content.decode()
    assert text in outline


def test_a_map_larger_than_the_drawing_limit_still_imports(db, client, settings, tmp_path):
    settings.MAP_MAX_NODES = 5
    _import("kialo_layout_a.txt", "kialo", "capped")
    assert Debate.objects.get(slug="capped").nodes.count() == 6
    assert client.get(reverse("debates:debate-detail", args=["capped"])).status_code == 200


def test_a_kialo_export_of_2659_statements_imports_in_a_bounded_number_of_queries(
    db, tmp_path, django_assert_max_num_queries
):
    path = tmp_path / "kialo_2659.txt"
    path.write_text(kialo_export(), encoding="utf-8")
    # debate_create (slug check, debate, map revision, its checks, the question node): about
    # 12; then the nodes and relations in multi-row INSERTs: Django's SQLite backend binds at
    # most 999 parameters a query, so about 110 rows each (24 for the nodes, 28 for the
    # relations), PostgreSQL 500 (6 and 6); the import record and the map revision. About 70
    # on SQLite, 30 on PostgreSQL, where one INSERT per row would be over 5,000.
    with django_assert_max_num_queries(80):
        call_command("import_map", str(path), "--format", "kialo", "--debate", "big", stdout=io.StringIO())
    assert Debate.objects.get(slug="big").nodes.count() == 2659


# --------------------------------------------------------------------------- round trips


def _seeded_debate(teacher):
    """A public debate with a position, evidence quoting its source, a claim, an opposes,
    an undercut, and a pending claim (left out of exports)."""
    debate = make_debate(created_by=teacher, slug="seeded", question="How should Pakistan respond?")
    position = make_node(debate, kind=Kind.POSITION, text="Address the root causes")
    evidence = make_node(
        debate, kind=Kind.EVIDENCE, text="The attack was deadly", target=position, quote="killed more than 100 people"
    )
    claim = make_node(debate, text="Schools reduce recruitment \\N <b>", target=position)
    make_relation(claim, evidence, kind="opposes")
    arrow = Relation.objects.get(source=evidence, target=position)
    objector = Node.objects.create(debate=debate, kind=Kind.CLAIM, text="Deaths do not show causes", status="approved")
    Relation.objects.create(debate=debate, source=objector, target_relation=arrow, kind="opposes", status="approved")
    make_node(debate, text="Still pending", status=Status.PENDING, target=position)
    return debate


def _debate_file_of_a_seeded_debate() -> str:
    return _export(_seeded_debate(make_user("seeder", teacher=True)).slug, "debate")


def test_debate_file_import_then_export_gives_the_same_bytes(db):
    original = _debate_file_of_a_seeded_debate()
    assert "Still pending" not in original
    document = json.loads(original)
    assert document["counterpoint"]["statements"][2]["quote"]["text"] == "killed more than 100 people"
    assert any("target_relation" in r for r in document["counterpoint"]["relations"])
    # The same text again, through a file, as a teacher would.
    path = FIXTURES.parent / "_roundtrip.json"
    try:
        path.write_text(original, encoding="utf-8")
        call_command("import_map", str(path), "--format", "debate", "--debate", "again", stdout=io.StringIO())
    finally:
        path.unlink()
    assert _export("again", "debate") == original
    again = Debate.objects.get(slug="again")
    quote = Quote.objects.get(node__debate=again)
    assert quote.source.text[quote.start : quote.end] == quote.text
    assert again.sources.count() == 1


@pytest.mark.parametrize(
    ("name", "fmt", "extra"),
    [
        ("aifdb_negotiation.json", "aif", ["--question", "Accept the offer?"]),
        ("ova_school.json", "aif", ["--question", "Later start?"]),
        ("kialo_layout_a.txt", "kialo", []),
        ("kialo_layout_b.txt", "kialo", []),
        ("school_uniforms.argdown", "argdown", []),
    ],
)
def test_import_export_import_keeps_statements_texts_and_relations(db, tmp_path, name, fmt, extra):
    _import(name, fmt, "first", *extra)
    path = tmp_path / f"again.{fmt}"
    path.write_text(_export("first", fmt), encoding="utf-8")
    call_command("import_map", str(path), "--format", fmt, "--debate", "second", *extra, stdout=io.StringIO())
    assert _stored_shape("second") == _stored_shape("first")


# --------------------------------------------------------------------------- export URLs


@pytest.mark.parametrize(
    ("suffix", "content_type"),
    [
        ("aif.json", "application/json"),
        ("argdown", "text/plain; charset=utf-8"),
        ("kialo.txt", "text/plain; charset=utf-8"),
        ("graphml", "application/graphml+xml"),
        ("debate.json", "application/json"),
    ],
)
def test_export_urls_answer_the_file_with_its_type_name_and_etag(client, teacher, suffix, content_type):
    debate = _seeded_debate(teacher)
    url = reverse("debates:debate-map", args=[debate.slug, suffix])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="seeded.{suffix}"'
    assert "Still pending" not in response.content.decode()
    writer = exchange.FORMATS[suffix][0]
    assert response.content.decode() == _export("seeded", writer)
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_export_url_shows_pending_work_to_a_moderator_only(client, teacher, student):
    _seeded_debate(teacher)
    url = reverse("debates:debate-map", args=["seeded", "debate.json"]) + "?pending=1"
    assert "Still pending" not in client.get(url).content.decode()
    client.force_login(teacher)
    assert "Still pending" in client.get(url).content.decode()


def test_export_url_of_a_classroom_debate_is_404_for_an_outsider(client, debate, outsider):
    client.force_login(outsider)
    assert client.get(reverse("debates:debate-map", args=[debate.slug, "aif.json"])).status_code == 404


def test_export_url_is_kept_until_the_map_changes(client, teacher, django_assert_num_queries):
    debate = _seeded_debate(teacher)
    url = reverse("debates:debate-map", args=[debate.slug, "argdown"])
    first = client.get(url).content
    # Kept: the debate with the stamp of its data, and nothing else.
    with django_assert_num_queries(1):
        assert client.get(url).content == first
    moderation.node_submit(
        debate=debate, author=teacher, kind=Kind.CLAIM, text="A new reason", target=debate.nodes.get(kind="question")
    )
    assert "A new reason" in client.get(url).content.decode()


def test_export_url_costs_a_fixed_number_of_queries_whatever_the_size(client, teacher, django_assert_num_queries):
    debate = _seeded_debate(teacher)
    url = reverse("debates:debate-map", args=[debate.slug, "debate.json"])
    for size in (3, 12):
        for _ in range(size):
            make_node(debate)
        cache.clear()
        # the debate with its stamp, nodes (+quote+source), relations, the sources for the
        # citation lines, the sources with their texts.
        with django_assert_num_queries(5):
            assert client.get(url).status_code == 200


def test_debate_page_links_to_every_interchange_file(client, teacher):
    _seeded_debate(teacher)
    page = client.get(reverse("debates:debate-detail", args=["seeded"])).content.decode()
    for suffix in exchange.FORMATS:
        assert reverse("debates:debate-map", args=["seeded", suffix]) in page


def test_export_map_refuses_an_unknown_format(db, teacher):
    _seeded_debate(teacher)
    with pytest.raises(CommandError, match="--format"):
        _export("seeded", "xml")


def test_read_upload_names_the_field_file(db):
    with pytest.raises(ModerationError) as caught:
        importing.read_upload(b"{", "aif")
    assert "file" in caught.value.message_dict


# --------------------------------------------------------------------------- the import page


def _upload(name: str):
    return SimpleUploadedFile(name, fixture(name), content_type="application/octet-stream")


def test_import_page_previews_counts_and_warnings_then_imports_on_confirm(client, teacher, classroom):
    client.force_login(teacher)
    url = reverse("debates:map-import")
    assert client.get(url).status_code == 200
    before = _counts()
    preview = client.post(
        url, {"step": "preview", "file": _upload("kialo_layout_b.txt"), "slug": "from-kialo", "classroom": classroom.pk}
    )
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Read as <strong>kialo</strong>" in page
    assert "4 statements" in page and "5 relations" in page
    assert "The Sources section (3 lines) is not imported" in page
    assert _counts() == before  # a preview stores nothing
    digest = preview.context["confirm"].initial["digest"]
    done = client.post(
        url, {"step": "confirm", "digest": digest, "slug": "from-kialo", "question": "", "classroom": classroom.pk}
    )
    debate = Debate.objects.get(slug="from-kialo")
    assert done.status_code == 302 and done["Location"] == debate.get_absolute_url()
    assert debate.classroom == classroom and debate.import_record.imported_by == teacher
    assert debate.nodes.count() == 5  # the thesis as question, two positions, two claims


def test_import_page_selects_the_teachers_first_classroom_so_imports_are_private_by_default(client, teacher, classroom):
    client.force_login(teacher)
    form = client.get(reverse("debates:map-import")).context["form"]
    assert form["classroom"].value() == classroom.pk
    page = form["classroom"].as_widget()
    assert f'<option value="{classroom.pk}" selected>' in page
    assert '<option value="" selected>' not in page


def test_import_preview_says_who_will_see_the_debate(client, teacher, classroom):
    client.force_login(teacher)
    url = reverse("debates:map-import")
    private = client.post(
        url, {"step": "preview", "file": _upload("kialo_layout_a.txt"), "slug": "x", "classroom": classroom.pk}
    )
    assert "Civics 10B’s members" in private.content.decode()
    public = client.post(url, {"step": "preview", "file": _upload("kialo_layout_a.txt"), "slug": "x", "classroom": ""})
    assert public.status_code == 200
    assert "Public: anyone can read it" in public.content.decode()


def test_import_page_shows_a_malformed_file_as_a_form_error(client, teacher):
    client.force_login(teacher)
    before = _counts()
    bad = SimpleUploadedFile("bad.json", b'{"nodes": [', content_type="application/json")
    response = client.post(reverse("debates:map-import"), {"step": "preview", "file": bad, "slug": "bad"})
    assert response.status_code == 400
    assert "This is not valid JSON" in response.content.decode()
    assert _counts() == before


def test_import_page_confirm_without_its_preview_imports_nothing(client, teacher):
    client.force_login(teacher)
    before = _counts()
    response = client.post(
        reverse("debates:map-import"), {"step": "confirm", "digest": "0" * 64, "slug": "sneaky", "question": ""}
    )
    assert response.status_code == 302 and _counts() == before


def test_import_page_refuses_a_taken_slug_at_confirm_and_stores_nothing(client, teacher):
    client.force_login(teacher)
    url = reverse("debates:map-import")
    preview = client.post(url, {"step": "preview", "file": _upload("kialo_layout_a.txt"), "slug": "cars"})
    make_debate(created_by=teacher, slug="Cars")
    before = _counts()
    digest = preview.context["confirm"].initial["digest"]
    response = client.post(url, {"step": "confirm", "digest": digest, "slug": "cars", "question": ""}, follow=True)
    assert "slug" in response.content.decode() and _counts() == before


def test_import_page_is_for_teachers_only(client, student):
    url = reverse("debates:map-import")
    assert client.get(url).status_code == 302  # anonymous: sign in
    client.force_login(student)
    assert client.get(url).status_code == 404
    assert client.post(url, {"step": "preview", "file": _upload("kialo_layout_a.txt"), "slug": "x"}).status_code == 404


def test_import_page_refuses_another_teachers_classroom(client, teacher, other_classroom):
    client.force_login(teacher)
    response = client.post(
        reverse("debates:map-import"),
        {"step": "preview", "file": _upload("kialo_layout_a.txt"), "slug": "x", "classroom": other_classroom.pk},
    )
    assert response.status_code == 400 and not Debate.objects.filter(slug="x").exists()


# --------------------------------------------------------------------------- the API


def test_api_imports_a_multipart_file_as_a_new_debate(teacher):
    response = api_client(teacher).post(
        "/api/debates/import/", {"slug": "api-kialo", "file": _upload("kialo_layout_a.txt")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["debate"], body["format"], body["statements"], body["relations"]) == ("api-kialo", "kialo", 5, 7)
    record = ImportRecord.objects.get(debate__slug="api-kialo")
    assert (record.imported_by, record.filename) == (teacher, "kialo_layout_a.txt")


def test_api_imports_json_content_and_dry_run_stores_nothing(teacher):
    content = fixture("school_uniforms.argdown").decode()
    before = _counts()
    dry = api_client(teacher).post(
        "/api/debates/import/", {"slug": "uniforms", "content": content, "dry_run": True}, format="json"
    )
    assert dry.status_code == 200 and dry.json()["debate"] is None and dry.json()["undercuts"] == 1
    assert _counts() == before
    done = api_client(teacher).post("/api/debates/import/", {"slug": "uniforms", "content": content}, format="json")
    assert done.status_code == 201 and Debate.objects.filter(slug="uniforms").exists()


def test_api_import_names_the_field_and_the_line_of_a_malformed_file(teacher):
    before = _counts()
    response = api_client(teacher).post(
        "/api/debates/import/",
        {"slug": "cycle", "content": fixture("kialo_see_cycle.txt").decode(), "format": "kialo"},
        format="json",
    )
    assert response.status_code == 400
    assert "Line 4" in errors(response)["content"][0]
    assert _counts() == before


def test_api_import_needs_exactly_one_of_file_and_content(teacher):
    response = api_client(teacher).post("/api/debates/import/", {"slug": "none"}, format="json")
    assert response.status_code == 400 and "file" in errors(response)


def test_api_import_is_for_teachers_only(student):
    body = {"slug": "x", "content": fixture("kialo_layout_a.txt").decode()}
    assert api_client().post("/api/debates/import/", body, format="json").status_code == 401
    assert api_client(student).post("/api/debates/import/", body, format="json").status_code == 403
    assert not Debate.objects.filter(slug="x").exists()


def test_api_import_refuses_a_taken_slug(teacher):
    make_debate(created_by=teacher, slug="taken")
    body = {"slug": "TAKEN", "content": fixture("kialo_layout_a.txt").decode()}
    response = api_client(teacher).post("/api/debates/import/", body, format="json")
    assert response.status_code == 400 and "slug" in errors(response)


def test_api_schema_documents_the_import(db):
    doc = api_client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = doc["paths"]["/api/debates/import/"]["post"]
    assert {"multipart/form-data", "application/json"} <= set(operation["requestBody"]["content"])
    assert "201" in operation["responses"]


def test_a_debate_file_source_over_the_length_limit_is_refused_naming_it(db, tmp_path, settings):
    path = tmp_path / "seeded.json"
    path.write_text(_debate_file_of_a_seeded_debate(), encoding="utf-8")
    settings.SOURCE_MAX_CHARS = 50
    before = _counts()
    with pytest.raises(CommandError, match="Node 1: text: The text is"):
        call_command("import_map", str(path), "--format", "debate", "--debate", "long-source")
    assert _counts() == before


def test_pending_work_in_a_debate_file_is_not_imported_and_a_warning_says_so(client, teacher, tmp_path):
    _seeded_debate(teacher)
    client.force_login(teacher)
    exported = client.get(reverse("debates:debate-map", args=["seeded", "debate.json"]) + "?pending=1").content
    assert b"Still pending" in exported
    path = tmp_path / "with-pending.json"
    path.write_bytes(exported)
    out = io.StringIO()
    call_command("import_map", str(path), "--format", "debate", "--debate", "copy", stdout=out, stderr=out)
    assert "1 statements and 1 relations the file marks as not approved" in out.getvalue()
    copy = Debate.objects.get(slug="copy")
    assert not copy.nodes.filter(text="Still pending").exists()
    assert copy.nodes.count() == Debate.objects.get(slug="seeded").nodes.approved().count()


@pytest.mark.npm
def test_the_argdown_cli_parses_a_debates_argdown_export_with_no_error(db, tmp_path):
    if not pathlib.Path(ARGDOWN_CLI).exists():
        pytest.skip("the Argdown CLI is not installed (make bench installs it)")
    _seeded_debate(make_user("seeder", teacher=True))
    source = tmp_path / "seeded.argdown"
    source.write_text(_export("seeded", "argdown"), encoding="utf-8")
    run = subprocess.run([ARGDOWN_CLI, "json", str(source), str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "error" not in (run.stdout + run.stderr).lower(), run.stdout + run.stderr
    exported = json.loads((tmp_path / "seeded.json").read_text(encoding="utf-8"))
    texts = {m["text"] for element in exported["statements"].values() for m in element["members"] if m.get("text")}
    assert "Schools reduce recruitment \\N <b>" in texts


def test_import_page_refuses_a_file_over_the_size_limit(client, teacher, settings):
    settings.IMPORT_MAX_BYTES = 100
    client.force_login(teacher)
    before = _counts()
    response = client.post(
        reverse("debates:map-import"), {"step": "preview", "file": _upload("kialo_layout_a.txt"), "slug": "big"}
    )
    assert response.status_code == 400
    assert "larger than the limit of 100 bytes" in response.content.decode()
    assert _counts() == before and "map_import" not in client.session


def test_the_demo_debates_kialo_export_reimports_with_its_positions_claims_and_evidence_as_claims(db, tmp_path):
    call_command("load_demo", stdout=io.StringIO())
    demo = Debate.objects.get(slug=content.SLUG)
    exported = exchange.argument_map(data.load_map(demo, AnonymousUser()), data.load_sources(demo))
    counts = {kind: sum(s.kind == kind for s in exported.statements) for kind in Kind.values}
    # 25 of the demo's 26 claims are approved, so public; its 4 positions and 23 evidence are.
    assert (counts[Kind.POSITION], counts[Kind.CLAIM], counts[Kind.EVIDENCE]) == (4, 25, 23)
    path = tmp_path / "map.kialo.txt"
    notes = io.StringIO()
    call_command("export_map", content.SLUG, "--format", "kialo", "-o", str(path), stdout=io.StringIO(), stderr=notes)
    assert "Note: Wrote 23 evidence statements as claims: Kialo has only claims." in notes.getvalue()
    call_command("import_map", str(path), "--format", "kialo", "--debate", "again", stdout=io.StringIO())
    again = Debate.objects.get(slug="again")
    assert again.question == demo.question
    kinds = dict(again.nodes.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    assert kinds == {Kind.QUESTION: 1, Kind.POSITION: 4, Kind.CLAIM: 25 + 23}  # Kialo has only claims
    assert "Wrote 23 evidence statements as claims: Kialo has only claims." in kialo.unwritten(exported)
