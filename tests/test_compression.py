"""The debate page's HTML is sent gzipped to a browser that accepts it; exports are left
to their own compression."""

import gzip

import pytest

from tests.factories import make_node

pytestmark = pytest.mark.dot


def test_the_debate_page_is_gzipped_when_the_browser_accepts_it(client, public_debate):
    for i in range(5):
        make_node(public_debate, text=f"Claim {i} about the debate, long enough to compress well.")
    plain = client.get(f"/debates/{public_debate.slug}/")
    packed = client.get(f"/debates/{public_debate.slug}/", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert "Claim 4 about the debate" in html
    assert len(packed.content) < len(plain.content) / 2


def test_map_exports_are_not_recompressed_by_the_page_compression(client, public_debate):
    svg = client.get(f"/debates/{public_debate.slug}/map.png", HTTP_ACCEPT_ENCODING="gzip")
    assert svg.status_code == 200
    assert "Content-Encoding" not in svg
