"""import_source and load_demo."""

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from debates import quotes
from debates.demo import content
from debates.models import Debate, Kind, Membership, ModerationEvent, Node, Relation, Source

pytestmark = pytest.mark.django_db


def _import(*args) -> str:
    out = StringIO()
    call_command("import_source", *args, stdout=out)
    return out.getvalue()


def test_import_source_keeps_the_text_exactly(tmp_path):
    path = tmp_path / "oped.txt"
    text = "Title-less op-ed.\n\nپاکستان 🇵🇰 “quoted” \u200f\nLast line without newline"
    path.write_text(text, encoding="utf-8")
    out = _import(
        str(path),
        "--title",
        "An op-ed",
        "--author",
        "A. Writer",
        "--outlet",
        "Dawn",
        "--date",
        "2023-02-19",
        "--url",
        "https://example.org/oped",
    )
    source = Source.objects.get()
    assert source.text == text
    assert (source.title, source.outlet, source.published.isoformat()) == ("An op-ed", "Dawn", "2023-02-19")
    assert f"#{source.pk}" in out


def test_import_source_can_attach_to_a_debate(tmp_path, debate):
    path = tmp_path / "oped.txt"
    path.write_text("Body.", encoding="utf-8")
    _import(str(path), "--title", "T", "--debate", debate.slug)
    assert debate.sources.filter(title="T").exists()


def test_a_cached_export_lists_a_source_attached_by_import_source(tmp_path, client, public_debate):
    url = reverse("debates:debate-map", args=[public_debate.slug, "dot"])
    before = client.get(url)
    assert client.get(url)["ETag"] == before["ETag"]  # kept: the next export is the cached one
    path = tmp_path / "oped.txt"
    path.write_text("Body.", encoding="utf-8")
    _import(str(path), "--title", "Cars and clean air", "--outlet", "Dawn", "--debate", public_debate.slug)
    after = client.get(url)
    assert b"Cars and clean air" not in before.content
    assert b"Cars and clean air (Dawn)" in after.content and after["ETag"] != before["ETag"]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, [], "does not exist"),
        (b"", [], "is empty"),
        (b"  \n\n ", [], "is empty"),
        (b"caf\xe9 latin-1", [], "is not UTF-8"),
        (b"fine", ["--date", "19/02/2023"], "--date: '19/02/2023' is not a date"),
        (b"fine", ["--url", "not a url"], "url: Enter a valid URL"),
        (b"nul \x00 byte", [], "text: This text contains a NUL character"),
        (b"fine", ["--debate", "no-such-debate"], "--debate: no debate has the slug"),
    ],
)
def test_import_source_errors_name_the_problem(tmp_path, content, args, message):
    path = tmp_path / "oped.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        _import(str(path), "--title", "T", *args)
    assert Source.objects.count() == 0


def test_import_source_requires_a_title(tmp_path):
    path = tmp_path / "oped.txt"
    path.write_text("Body.", encoding="utf-8")
    with pytest.raises(CommandError, match="--title"):
        _import(str(path))


@pytest.fixture
def demo(db):
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_has_the_two_op_eds_with_their_metadata(demo):
    tarar = Source.objects.get(author="Eman Mudassar Tarar")
    assert tarar.title == "Security failure in Pakistan"
    editorial = Source.objects.get(published="2023-02-19")
    assert editorial.author == "Editorial"
    for source in (tarar, editorial):
        assert "Advertisement" not in source.text
        assert "Please enter your comment" not in source.text and "Must Read" not in source.text
        assert "Share:" not in source.text


def test_demo_debate_meets_the_counts(demo):
    debate = Debate.objects.get(slug=content.SLUG)
    approved = Node.objects.filter(debate=debate, status="approved")
    assert approved.filter(kind=Kind.QUESTION).count() == 1
    assert approved.filter(kind=Kind.POSITION).count() >= 2
    assert approved.count() >= 24
    evidence = approved.filter(kind=Kind.EVIDENCE)
    assert evidence.count() >= 12
    assert {e.quote.source.author for e in evidence} == {"Eman Mudassar Tarar", "Editorial"}
    assert Relation.objects.filter(debate=debate, status="approved", kind="opposes").count() >= 6
    assert Node.objects.filter(debate=debate, status="pending").count() >= 3
    assert set(Node.objects.filter(status="pending").values_list("author__username", flat=True)) == {
        "student1",
        "student2",
    }


def test_demo_quotes_all_stand_verbatim_in_their_sources(demo):
    for node in Node.objects.filter(kind=Kind.EVIDENCE).select_related("quote__source"):
        quotes.verify(node.quote.source.text, node.quote.text, node.quote.start, node.quote.end)


def test_demo_figures_are_quoted(demo):
    quoted = " ".join(Node.objects.filter(kind=Kind.EVIDENCE).values_list("quote__text", flat=True))
    for figure in ("more than 100 people", "84 percent", "6,000 fighters", "19 police officials", "Mianwali"):
        assert figure in quoted, figure


def test_demo_classroom_has_a_teacher_and_two_students(demo):
    roles = sorted(Membership.objects.values_list("user__username", "role"))
    assert roles == [("student1", "student"), ("student2", "student"), ("teacher", "teacher")]
    assert "teacher" in demo and "counterpoint-student1" in demo and "CIVICS10" in demo


def test_every_demo_contribution_is_logged(demo):
    for node in Node.objects.exclude(kind=Kind.QUESTION).prefetch_related("events"):
        actions = [e.action for e in node.events.all()]
        assert actions == (["submitted", "approved"] if node.status == "approved" else ["submitted"]), node


def test_load_demo_twice_changes_nothing(demo):
    def snapshot():
        return (
            list(Node.objects.values_list("pk", "text", "status")),
            list(Relation.objects.values_list("pk", "status")),
            list(Source.objects.values_list("pk", "text")),
            ModerationEvent.objects.count(),
            Membership.objects.count(),
        )

    before = snapshot()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert snapshot() == before
    assert "already loaded" in out.getvalue()


def _node(demo: dict) -> dict:
    return demo["sections"][1]["nodes"][1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda demo: _node(demo).update(kind="proof"), 'sections[1].nodes[1] "ttp-message": "kind" must be one of'),
        (lambda demo: _node(demo).pop("text"), 'sections[1].nodes[1] "ttp-message": missing text'),
        (lambda demo: _node(demo).update(quote=["nyt", "x"]), 'the quote names the unknown source "nyt"'),
        (lambda demo: _node(demo).update(key="military"), 'sections[1].nodes[1]: the key "military" is taken'),
        (lambda demo: demo["sections"][1]["relations"][2].__setitem__(1, "nowhere"), 'relations[2]: "nowhere" is not'),
        (lambda demo: demo["pending"][0].update(relation="undercuts"), "pending[0]: the relation must be one of"),
        (lambda demo: demo["sources"]["kpo"].update(published="19/02/2023"), 'sources "kpo": "published" must be'),
    ],
)
def test_a_malformed_demo_content_file_is_refused_naming_the_entry(tmp_path, change, message):
    demo = json.loads(content.PATH.read_text(encoding="utf-8"))
    path = tmp_path / "content.json"
    path.write_text(json.dumps(demo), encoding="utf-8")
    assert content.read(path).nodes == content.NODES  # the file as shipped reads
    change(demo)
    path.write_text(json.dumps(demo), encoding="utf-8")
    with pytest.raises(content.ContentError, match=re.escape(message)):
        content.read(path)
