"""The hand-written baselines of bench/ serve what the app serves: a benchmark against a view
that does less work (or other work) would measure nothing. bench/api.py checks this itself
before it times anything; this catches the drift in the suite, where a change of the API's
shape lands, not at the next benchmark run."""

import json

from django.test import RequestFactory

from bench.api_urls import nodes_json
from debates.models import Kind
from tests.factories import api_client, make_node


def test_the_api_benchmarks_baseline_serves_the_api_node_lists_rows(public_debate):
    claim = make_node(public_debate, text="Cars pollute")
    make_node(public_debate, kind=Kind.EVIDENCE, text="Smog kills", target=claim, quote="killed more than 100 people")
    make_node(public_debate, text="Buses pollute too", target=claim, relation="opposes")
    api = api_client().get("/api/nodes/", {"debate": public_debate.slug, "page_size": 200}).json()
    request = RequestFactory().get("/bench/nodes.json", {"debate": public_debate.slug})
    baseline = json.loads(nodes_json(request).content)
    assert api["count"] == baseline["count"] == 4
    assert api["results"] == baseline["results"]
    assert {row["acceptability"]["label"] for row in api["results"] if row["acceptability"]} == {"in", "out"}
