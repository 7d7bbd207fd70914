"""python manage.py export_map: every format to a file, a visitor's view, clear errors."""

import io
import xml.etree.ElementTree as ET

import pytest
from django.core.management import CommandError, call_command
from PIL import Image
from pypdf import PdfReader

from debates.models import Kind
from tests.factories import make_node, submit_claim


@pytest.fixture
def mapped(debate, student):
    """A classroom debate with approved claims and evidence, and one pending claim."""
    claim = make_node(debate, text="Talks have failed before.")
    make_node(
        debate,
        kind=Kind.EVIDENCE,
        text="All attempts at negotiating have failed.",
        target=claim,
        quote="Thus far, all attempts at negotiating with local terrorist organizations have failed.",
    )
    make_node(debate, text="Force worked before.", relation="opposes", target=claim)
    submit_claim(debate, student, text="Pending, not for export")
    return debate


def export(debate, fmt, tmp_path, *extra):
    out = tmp_path / f"map.{fmt}"
    call_command("export_map", debate.slug, "--format", fmt, "-o", str(out), *extra, stdout=io.StringIO())
    return out.read_bytes()


@pytest.mark.dot
def test_svg_export_is_valid_xml_with_approved_content_only(mapped, tmp_path):
    svg = export(mapped, "svg", tmp_path)
    assert ET.fromstring(svg).tag.endswith("svg")
    assert b"Talks have failed before." in svg
    assert b"Pending, not for export" not in svg


@pytest.mark.dot
def test_pdf_export_is_the_handout_on_a4_with_the_question_on_its_cover(mapped, tmp_path):
    pdf = export(mapped, "pdf", tmp_path)
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3  # cover, map, outline
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - 595.28) < 0.5 and abs(float(page.mediabox.height) - 841.89) < 0.5
    assert "How should Pakistan respond?" in reader.pages[0].extract_text()
    assert "Pending, not for export" not in "".join(page.extract_text() for page in reader.pages)


@pytest.mark.dot
def test_paper_option_prints_the_handout_on_letter(mapped, tmp_path):
    reader = PdfReader(io.BytesIO(export(mapped, "pdf", tmp_path, "--paper", "letter")))
    assert {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages} == {(612, 792)}


def test_unknown_paper_is_a_command_error_naming_paper(mapped, tmp_path):
    with pytest.raises(CommandError, match="--paper: must be one of a4, a3, letter"):
        call_command("export_map", mapped.slug, "--format", "pdf", "--paper", "b5", "-o", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_paper_for_a_format_that_is_not_printed_is_a_command_error(mapped, tmp_path):
    with pytest.raises(CommandError, match="--paper: only the PDF handout"):
        call_command("export_map", mapped.slug, "--format", "svg", "--paper", "a3", "-o", str(tmp_path / "x.svg"))


@pytest.mark.dot
def test_png_export_decodes_and_is_sized_for_projection(mapped, tmp_path):
    image = Image.open(io.BytesIO(export(mapped, "png", tmp_path)))
    image.load()
    assert image.format == "PNG"
    assert max(image.size) <= 4000
    assert max(image.size) >= 600


def test_dot_export_needs_no_graphviz(mapped, tmp_path, settings):
    settings.DOT_BINARY = "/nonexistent/dot"
    assert export(mapped, "dot", tmp_path).startswith(b"digraph counterpoint {")


def test_focus_and_depth_limit_the_export(mapped, tmp_path):
    claim = mapped.nodes.get(text="Talks have failed before.")
    dot = export(mapped, "dot", tmp_path, "--focus", str(claim.pk), "--depth", "0").decode()
    assert f"n{claim.pk} [" in dot
    assert "Force worked before." not in dot


def test_unknown_slug_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="No debate with the slug"):
        call_command("export_map", "nope", "-o", str(tmp_path / "x.svg"))


def test_bad_format_is_a_command_error(mapped, tmp_path):
    with pytest.raises(CommandError, match="--format: unknown format 'gif'"):
        call_command("export_map", mapped.slug, "--format", "gif", "-o", str(tmp_path / "x.gif"))


def test_focus_outside_the_approved_map_is_a_command_error(mapped, tmp_path):
    pending = mapped.nodes.get(text="Pending, not for export")
    with pytest.raises(CommandError, match="--focus"):
        call_command("export_map", mapped.slug, "--focus", str(pending.pk), "-o", str(tmp_path / "x.svg"))


def test_missing_graphviz_is_a_command_error(mapped, tmp_path, settings):
    settings.DOT_BINARY = "/nonexistent/dot"
    with pytest.raises(CommandError, match="Graphviz is not installed"):
        call_command("export_map", mapped.slug, "--format", "png", "-o", str(tmp_path / "x.png"))
    assert not (tmp_path / "x.png").exists()


def test_unwritable_output_is_a_command_error(mapped, tmp_path):
    with pytest.raises(CommandError, match="cannot write"):
        call_command("export_map", mapped.slug, "--format", "dot", "-o", str(tmp_path / "missing" / "x.dot"))
