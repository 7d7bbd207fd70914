"""The debate page around its map: the key in HTML, the skip link, the way to the projector."""

import pytest
from django.urls import reverse

from debates.models import Kind
from tests.factories import make_node

pytestmark = pytest.mark.dot


def test_the_key_is_html_beside_the_map_and_not_part_of_the_drawing(client, public_debate):
    make_node(public_debate, kind=Kind.POSITION, text="Root causes")
    html = client.get(reverse("debates:debate-detail", args=[public_debate.slug])).content.decode()
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    key = html.split('<details class="map-key"', 1)[1].split("</details>", 1)[0]
    for words in ("Question", "Position", "Claim", "Evidence", "+ supports", "− opposes", "1.2.3"):
        assert words in key
    assert "Pending" not in key  # only drawn when pending work is
    assert "Key" not in svg and "cluster" not in svg


def test_a_skip_link_before_the_map_leads_to_the_outline_and_the_projector_is_linked(client, public_debate):
    html = client.get(reverse("debates:debate-detail", args=[public_debate.slug])).content.decode()
    skip = html.index('href="#outline-heading" data-skip-to="outline-heading"')
    assert skip < html.index('<figure id="map"')
    assert '<h2 id="outline-heading" tabindex="-1">' in html
    assert f'href="{reverse("debates:debate-present", args=[public_debate.slug])}"' in html
    # The pan and zoom library is served from our own static files, under the site's policy.
    assert "/static/vendor/svg-pan-zoom/svg-pan-zoom.min.js" in html
