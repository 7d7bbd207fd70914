"""The smaller things a teacher's walk through the pages found: sources on the debate page,
error summaries and counted limits, the visitor's 404, the node page's labels and map link,
the favicon, and the development hint of the settings."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from debates.models import Status
from tests.factories import login, make_node, text_of


def test_the_debate_page_lists_its_sources_with_links(client, public_debate):
    source = public_debate.sources.get()
    page = client.get(public_debate.get_absolute_url()).content.decode()
    assert f'<a href="{source.get_absolute_url()}">{source.title}</a>' in page


def test_a_visitor_gets_the_same_log_in_404_for_a_class_debate_and_a_missing_one(client, debate):
    hidden = client.get(debate.get_absolute_url())
    missing = client.get(reverse("debates:debate-detail", args=["no-such-debate"]))
    assert hidden.status_code == missing.status_code == 404
    assert "log in" in text_of(hidden)
    normalise = lambda r: text_of(r).replace(debate.slug, "SLUG").replace("no-such-debate", "SLUG")  # noqa: E731
    assert normalise(hidden) == normalise(missing)
    assert f"?next=/debates/{debate.slug}/" in hidden.content.decode()


def test_a_signed_in_outsider_gets_a_plain_404(client, outsider, other_classroom, debate):
    response = login(client, outsider).get(debate.get_absolute_url())
    assert response.status_code == 404 and "log in" not in text_of(response)


def test_only_a_node_on_the_map_offers_to_show_it_there(client, debate, student, teacher):
    approved = make_node(debate, text="On the map", author=student)
    rejected = make_node(debate, text="Off the map", author=student, status=Status.REJECTED)
    pending = make_node(debate, text="Waiting", author=student, status=Status.PENDING)
    login(client, student)
    assert "See this box on the map" in text_of(client.get(approved.get_absolute_url()))
    page = text_of(client.get(rejected.get_absolute_url()))
    assert "See this box on the map" not in page and "not on the map: it is rejected" in page
    assert "See this box on the map" not in text_of(client.get(pending.get_absolute_url()))
    teacher_page = login(client, teacher).get(pending.get_absolute_url()).content.decode()
    assert f"?focus={pending.pk}&amp;pending=1" in teacher_page


def test_the_node_page_labels_the_arrow_not_the_box_at_its_other_end(client, public_debate):
    position = make_node(public_debate, kind="position", text="Address the root causes")
    objection = make_node(public_debate, text="Schools take decades", target=position, relation="opposes")
    page = text_of(client.get(objection.get_absolute_url()))
    assert "It opposes Con of Address the root causes" in page
    page = text_of(client.get(position.get_absolute_url()))
    assert "Opposed by Con: Schools take decades" in page


def test_contribution_fields_have_a_counted_limit_not_a_maxlength(client, debate, student):
    page = login(client, student).get(reverse("debates:node-create", args=[debate.slug])).content.decode()
    assert "maxlength" not in page
    assert 'data-max-chars="500"' in page and 'data-max-chars="1500"' in page


def test_a_statement_over_500_characters_is_refused_with_a_summary_at_the_top(client, debate, student):
    login(client, student)
    question = debate.nodes.get(kind="question")
    response = client.post(
        reverse("debates:node-create", args=[debate.slug]),
        {"kind": "claim", "relation": "supports", "target": question.pk, "text": "x" * 600},
    )
    assert response.status_code == 400
    page = response.content.decode()
    summary = page.index('id="error-summary"')
    assert summary < page.index('name="text"')
    assert 'href="#id_text"' in page and "at most 500 characters (it has 600)" in page
    assert not debate.nodes.filter(text__startswith="xxx").exists()


def test_favicon_ico_answers_with_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert (Path(settings.BASE_DIR) / "static" / "favicon.svg").read_text().startswith("<svg")


def test_the_source_page_says_how_to_quote_by_typing(client, debate, student):
    source = debate.sources.get()
    page = login(client, student).get(source.get_absolute_url()).content.decode()
    assert "Without a mouse" in page
    assert f"{reverse('debates:node-create', args=[debate.slug])}?kind=evidence&amp;source={source.pk}" in page


def test_manage_py_without_debug_or_secret_key_says_how_to_run_in_development():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    run = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={**env, "DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert "set DEBUG=1" in run.stderr and "DEBUG=1 python manage.py load_demo" in run.stderr
