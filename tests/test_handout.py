"""map.pdf, the classroom handout: exact paper, every box's text at 9 pt or more, every
approved node drawn on a map page with its number, the outline with every text and quote,
the sources on the cover; read back from the PDF with pypdf and pdfplumber."""

import io
import random
import re
from contextlib import redirect_stdout

import pdfplumber
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from pypdf import PdfReader

from debates.maps import data, handout
from debates.maps.outline import outline_numbers
from debates.models import Debate, Kind, Source, Status
from tests.factories import make_node, make_relation
from tests.synthetic_maps import WORDS, store_debate

# django_db on every test: pytest-django creates the test database only for tests that ask for
# it, and the demo fixture below is module-scoped.
pytestmark = [pytest.mark.dot, pytest.mark.django_db]

DEMO = "pakistan-ttp-response"
SIZES = {"a4": (595.28, 841.89), "a3": (841.89, 1190.55), "letter": (612.0, 792.0)}
# "1.2.3 CLAIM": the caption row of a box in a drawing (the outline prints "1.2.3 Pro Claim").
BOX = re.compile(r"(?<!\S)(\d+(?:\.\d+)*) (QUESTION|POSITION|CLAIM|EVIDENCE)\b")
REFERENCE = re.compile(r"\u2192 (\d+(?:\.\d+)*) \(p\. (\d+)\)")


def map_url(slug, **query):
    url = reverse("debates:debate-map", args=[slug, "pdf"])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def flat(text: str) -> str:
    """Text with its line breaks undone: a line may break after a hyphen ("short-" / "lived")."""
    return re.sub(r"(?<=\S-) (?=\S)", "", " ".join(text.split()))


class Handout:
    """A handout read back: its pages' text and characters, and where its parts are."""

    def __init__(self, pdf: bytes):
        self.pdf = pdf
        self.reader = PdfReader(io.BytesIO(pdf))
        # Kept open for box_text(); pdfplumber reads lazily. A tolerance under a space's width
        # (2.5 pt at 9 pt) so that words set apart by a space come out apart.
        self.document = pdfplumber.open(io.BytesIO(pdf))
        self.texts = [page.extract_text(x_tolerance=1.5) or "" for page in self.document.pages]
        self.sizes = [[char["size"] for char in page.chars] for page in self.document.pages]
        self.outline_start = next(i for i, text in enumerate(self.texts) if text.startswith("Outline"))
        # The map begins with the first box drawn (the question's, or the focus's) and ends where
        # the outline begins; a page of it draws boxes in full, or (a branch continued) only
        # references to them.
        first = next(i for i, text in enumerate(self.texts) if BOX.search(text))
        self.map_pages = list(range(first, self.outline_start))
        assert all(BOX.search(self.texts[i]) or REFERENCE.search(self.texts[i]) for i in self.map_pages)

    def boxes(self) -> dict[str, int]:
        """Each box number drawn in full -> its page (0-based)."""
        drawn = {}
        for index in self.map_pages:
            for number, _ in BOX.findall(self.texts[index]):
                assert number not in drawn, f"{number} is drawn in full twice"
                drawn[number] = index
        return drawn

    def box_text(self, index: int, number: str) -> str:
        """The text of the box numbered `number` on page `index`: what lies under its caption,
        the width of a box."""
        page = self.document.pages[index]
        found = page.search(rf"(?<!\S){re.escape(number)} (?:QUESTION|POSITION|CLAIM|EVIDENCE)\b", regex=True)
        assert found, f"no box {number} on page {index + 1}"
        caption = found[0]
        area = (caption["x0"] - 1, caption["top"] - 1, min(caption["x0"] + 165, page.width), caption["bottom"] + 60)
        return flat(page.crop(area).extract_text(x_tolerance=1.5))

    def outline_text(self) -> str:
        return flat(" ".join(self.texts[self.outline_start :]))


def check_handout(handout_pdf: Handout, map_data: data.MapData, paper: str, pks=None):
    """What every handout must be, for the approved nodes `pks` (all by default)."""
    width, height = SIZES[paper]
    for page in handout_pdf.reader.pages:
        assert abs(float(page.mediabox.width) - width) < 0.5
        assert abs(float(page.mediabox.height) - height) < 0.5
    assert handout_pdf.map_pages[0] >= 1, "the cover comes first"
    for index in handout_pdf.map_pages:
        assert min(handout_pdf.sizes[index]) >= 9 - 0.01, f"a character under 9 pt on map page {index + 1}"
    assert min(min(sizes) for sizes in handout_pdf.sizes if sizes) >= 9 - 0.01

    numbers = outline_numbers(map_data)
    nodes = [n for n in map_data.nodes if n.status == Status.APPROVED and (pks is None or n.pk in pks)]
    drawn = handout_pdf.boxes()
    for node in nodes:
        number = numbers[node.pk]
        assert number in drawn, f"node {number} is on no map page"
        # The box's first words, under its number (a box shows at most twelve lines of text).
        assert " ".join(node.text.split()[:2]) in handout_pdf.box_text(drawn[number], number), number
    assert set(drawn) == {numbers[n.pk] for n in nodes}, "only the nodes asked for are drawn"

    outline = handout_pdf.outline_text()
    for node in nodes:
        assert flat(node.text) in outline
        if node.quote:
            assert flat(node.quote) in outline
            assert flat(node.citation) in outline

    # Every reference box names a page on which that box is drawn in full.
    for index in handout_pdf.map_pages:
        for number, page in REFERENCE.findall(handout_pdf.texts[index]):
            assert drawn.get(number) == int(page) - 1, f"\u2192 {number} (p. {page}) on page {index + 1}"


# ----------------------------------------------------------------------------- the demo debate


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo debate's handouts (A4, A3, Letter, one branch, A4 again from a cold cache) and
    its map data, made once: load_demo in a transaction that is rolled back afterwards."""
    made = {}
    with django_db_blocker.unblock(), transaction.atomic():
        with redirect_stdout(io.StringIO()):
            call_command("load_demo", stdout=io.StringIO())
        debate = Debate.objects.get(slug=DEMO)
        client = Client()
        client.force_login(debate.created_by)
        made["data"] = data.load_map(debate, AnonymousUser())
        made["sources"] = list(debate.sources.order_by("pk"))
        from django.core.cache import cache

        for paper in ("a4", "a3", "letter"):
            cache.clear()
            response = client.get(map_url(DEMO, paper=paper))
            assert response.status_code == 200, response.content[:300]
            assert response["Content-Type"] == "application/pdf"
            made[paper] = response.content
        cache.clear()
        made["again"] = client.get(map_url(DEMO)).content
        position = debate.nodes.filter(kind=Kind.POSITION, status=Status.APPROVED).order_by("pk")[1]
        made["position"] = position.pk
        cache.clear()
        made["focus"] = client.get(map_url(DEMO, focus=position.pk)).content
        transaction.set_rollback(True)
    return made


def test_demo_handout_is_exact_a4_with_every_box_drawn_at_nine_points_or_more(demo):
    check_handout(Handout(demo["a4"]), demo["data"], "a4")


@pytest.mark.parametrize("paper", ["a3", "letter"])
def test_demo_handout_on_a3_and_letter_is_exact_and_complete(demo, paper):
    check_handout(Handout(demo[paper]), demo["data"], paper)


def test_a3_holds_more_of_the_map_a_page_than_a4(demo):
    assert len(Handout(demo["a3"]).map_pages) < len(Handout(demo["a4"]).map_pages)


def test_cover_lists_the_question_the_sources_and_each_position_with_its_page(demo):
    read = Handout(demo["a4"])
    cover = flat(read.texts[0])
    question = demo["data"].question
    assert question in cover
    for source in demo["sources"]:
        assert source.title in cover and source.author in cover
        assert source.outlet in cover if source.outlet else True
        assert source.published.isoformat() in cover if source.published else True
    numbers = outline_numbers(demo["data"])
    drawn = read.boxes()
    positions = [n for n in demo["data"].nodes if n.kind == Kind.POSITION]
    assert len(positions) >= 2
    for node in positions:
        number = numbers[node.pk]
        match = re.search(rf"{re.escape(number)} {re.escape(flat(node.text))} map p\. (\d+)", cover)
        assert match, f"position {number} is not in the overview"
        assert int(match[1]) - 1 == drawn[number], "the overview names the page the position is drawn on"


def test_a_branch_too_big_for_a_page_is_split_with_references_between_its_sections(demo):
    read = Handout(demo["a4"])
    assert len(read.map_pages) > 4  # one page per position at least, and the question's
    references = [m for i in read.map_pages for m in REFERENCE.findall(read.texts[i])]
    assert len(references) >= len(read.map_pages)


def test_same_data_give_the_same_handout_bytes(demo):
    assert demo["again"] == demo["a4"]
    metadata = PdfReader(io.BytesIO(demo["a4"])).metadata
    assert "/CreationDate" not in metadata and "/ModDate" not in metadata
    assert metadata["/Title"] == demo["data"].question


def test_a_focused_handout_holds_that_branch_alone(demo):
    map_data = demo["data"]
    numbers = outline_numbers(map_data)
    prefix = numbers[demo["position"]]
    branch = {pk for pk, number in numbers.items() if number == prefix or number.startswith(prefix + ".")}
    read = Handout(demo["focus"])
    check_handout(read, map_data, "a4", pks=branch)
    assert read.outline_text().startswith(f"Outline {prefix} ")


# ----------------------------------------------------------------------------- a generated debate


def generate(size: int, seed: int = 3) -> Debate:
    """A public debate of `size` approved nodes shaped like a real one: a tree of branching 2-4,
    a third of it evidence with quotes, and about 10% cross-links (all opposing)."""
    rng = random.Random(seed)
    text = "\n\n".join(f"Paragraph {i}: " + " ".join(rng.choice(WORDS) for _ in range(30)) for i in range(60))

    def quote_at(node):
        start = text.index(f"Paragraph {rng.randrange(60)}:")
        return start, start + 90

    return store_debate(
        Debate(slug=f"generated-{size}", question=f"A generated debate of {size} boxes?"),
        Source(title="Generated op-ed", author="A. Writer", outlet="Dawn", text=text),
        size,
        rng,
        words=(8, 28),
        quote_at=quote_at,
        links=(size - 1) * 11 // 10,
        link_kind=lambda: "opposes",
    )


@pytest.mark.slow
def test_a_400_node_handout_draws_every_box_at_nine_points_or_more(db, client):
    debate = generate(400)
    # The total Graphviz budget is for a server's requests; this shared 2-core machine may be
    # slower, and this test is about what the handout holds, not how fast it is made.
    with override_settings(MAP_RENDER_TIMEOUT=120):
        response = client.get(map_url(debate.slug))
    assert response.status_code == 200
    check_handout(Handout(response.content), data.load_map(debate, AnonymousUser()), "a4")


# ----------------------------------------------------------------------------- the request


@pytest.mark.parametrize(
    ("paper", "message"),
    [
        ("b5", "paper: must be one of a4, a3, letter"),
        ("A4;", "paper: must be one of a4, a3, letter"),
        # Refused at the door, as every page's query parameter holding a NUL is.
        ("%00", "paper: This parameter contains a NUL character"),
        ("a4 ", "paper: must be one of a4, a3, letter"),
    ],
)
def test_a_bad_paper_is_a_400_naming_paper(client, public_debate, paper, message):
    response = client.get(map_url(public_debate.slug, paper=paper))
    assert response.status_code == 400
    assert response.content.decode().startswith(message)


def test_paper_is_not_case_sensitive_and_a4_is_the_default(client, public_debate):
    make_node(public_debate, text="A reason")
    default = client.get(map_url(public_debate.slug))
    assert default.status_code == 200
    assert client.get(map_url(public_debate.slug, paper="A4"))["ETag"] == default["ETag"]
    assert client.get(map_url(public_debate.slug, paper="letter"))["ETag"] != default["ETag"]


@pytest.mark.parametrize("size", [3, 12, 30])
def test_map_pdf_costs_a_fixed_number_of_queries_on_any_paper(client, public_debate, size, django_assert_num_queries):
    made = [make_node(public_debate, text=f"Reason {i}") for i in range(size)]
    for index, node in enumerate(made[1:], 1):
        make_node(public_debate, kind=Kind.CLAIM, text=f"Detail {index}", target=node)
        make_relation(node, made[0])
    # the debate with a stamp of its data, nodes (+quote+source), relations, the debate's sources.
    with django_assert_num_queries(4):
        assert client.get(map_url(public_debate.slug, paper="a3", focus=made[0].pk)).status_code == 200
    # Kept: the debate with its data stamp only.
    with django_assert_num_queries(1):
        assert client.get(map_url(public_debate.slug, paper="a3", focus=made[0].pk)).status_code == 200


def test_missing_graphviz_is_a_503_page_for_the_handout(client, public_debate, settings):
    settings.DOT_BINARY = "/nonexistent/dot"
    response = client.get(map_url(public_debate.slug))
    assert response.status_code == 503
    assert "Graphviz is not installed" in response.content.decode()


def test_the_whole_handout_shares_one_graphviz_time_budget(client, db, settings):
    debate = generate(60)
    # Less than starting dot once takes: the handout fails clearly, never hangs, whichever of
    # its runs of dot the budget runs out in.
    settings.MAP_RENDER_TIMEOUT = settings.MAP_RENDER_BUDGET = 0.01
    response = client.get(map_url(debate.slug))
    assert response.status_code == 503
    assert "took longer than 0.01 seconds" in response.content.decode()


def test_unknown_paper_name_raises_value_error_naming_paper():
    with pytest.raises(ValueError, match=r"^paper: must be one of a4, a3, letter\.$"):
        handout.paper_named("tabloid")
    assert handout.paper_named(None).width == 595.28
