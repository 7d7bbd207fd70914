"""Any text a student may type either is refused by validation with a clear message, or
yields DOT that `dot` accepts and SVG with no script, no event handler, no outside link."""

import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from debates.maps.data import MapData, MapNode, MapRelation
from debates.maps.dot import build_dot
from debates.maps.runner import render
from debates.models import Node
from debates.text import validate_clean_text

pytestmark = pytest.mark.dot

HOSTILE_PIECES = [
    '"',
    "'",
    "\\",
    "\\N",
    "\\G",
    "\\l",
    "<",
    ">",
    "&",
    "&amp;",
    "\n",
    "\r\n",
    "\t",
    "\x00",
    "\x07",
    "\x1b",
    "\x85",
    "\u200f",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\ufffe",
    "<IMG SRC='/etc/passwd'/>",
    "<<TABLE><TR><TD HREF='javascript:alert(1)'>x</TD></TR></TABLE>>",
    '" URL="http://evil.example/',
    "<script>alert(1)</script>",
    "onload=alert(1)",
    "]]>",
    "<!--",
    "}",
    "{",
    ";",
    "->",
    "پاکستان کو ٹی ٹی پی کا جواب کیسے دینا چاہیے؟",
    "\U0001f600",
    "\U0001f1f5\U0001f1f0",
    "\U0001f469\u200d\U0001f4bb",
]

hostile_text = st.one_of(
    st.lists(st.sampled_from(HOSTILE_PIECES) | st.text(max_size=20), max_size=30).map("".join),
    st.text(max_size=300),
)

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def check_svg(svg: bytes, slug: str) -> None:
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    for element in root.iter():
        assert not element.tag.endswith("script"), "a <script> element"
        assert not element.tag.endswith("foreignObject")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            assert not local.startswith("on"), f"event handler attribute {name}"
            if local == "href":
                assert value.startswith(f"/debates/{slug}/nodes/"), f"link outside the app: {value!r}"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile_text)
@example(text="x" * 20_000)
@example(text="\U0001f600" * 20_000)
@example(text="ب" * 20_000)
@example(text="back\\slash\\")
@example(text="]")
@example(text="nul\x00here")
@example(text="\u200fright-to-left\u202e mark")
@example(text='"]; n1 [URL="http://evil.example/" label="x')
def test_any_text_is_refused_clearly_or_drawn_safely(public_debate, text):
    node = Node(debate=public_debate, kind="claim", text=text, status="approved")
    try:
        node.full_clean()
        validate_clean_text(text)
    except ValidationError as error:
        messages = error.message_dict.get("text") if hasattr(error, "error_dict") else error.messages
        assert messages, "a refusal names the field"
        assert all(len(m) > 10 for m in messages)
        # Still, the renderer must not break on it (defence in depth): fall through and draw it.
    data = MapData(
        slug=public_debate.slug,
        question=text,
        nodes=(
            MapNode(1, "question", text, "approved"),
            MapNode(2, "evidence", text, "approved", quote=text, citation=text),
            MapNode(3, "claim", text, "pending"),
        ),
        relations=(
            MapRelation(1, 2, 1, "supports", "approved"),
            MapRelation(2, 3, 2, "opposes", "pending"),
        ),
        sources=(text,),
    )
    dot = build_dot(data, title=text, show_pending=True)
    svg = render(dot, "svg")
    check_svg(svg, public_debate.slug)
