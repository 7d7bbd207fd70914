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
def test_pdf_export_is_one_a4_landscape_page_with_title(mapped, tmp_path):
    pdf = export(mapped, "pdf", tmp_path)
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    width, height = float(box.width), float(box.height)
    assert width > height
    assert abs(width - 842) < 15 and abs(height - 595) < 15
    assert "How should Pakistan respond?" in reader.pages[0].extract_text()


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
