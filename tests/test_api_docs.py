"""/api/docs/: Swagger UI from local static files, under the site's CSP (no inline script or style)."""

import re

import pytest
from django.contrib.staticfiles import finders

from tests.factories import api_client


def test_docs_page_references_only_local_static_files_and_its_own_script(db):
    response = api_client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, html
    for url in urls:
        assert url.startswith("/static/") or url.startswith("/api/docs/?script"), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"{url} is not a static file"
    # Nothing inline: every <script> has a src, and there is no <style> or style attribute.
    assert "<style" not in html and "style=" not in html
    assert len(re.findall(r"<script\b", html)) == len(re.findall(r"<script src=", html)) == 3


def test_docs_init_script_is_served_as_javascript(db):
    response = api_client().get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()


def test_docs_page_keeps_the_strict_csp(db):
    csp = api_client().get("/api/docs/")["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


@pytest.mark.browser
def test_swagger_ui_renders_every_resource_without_a_csp_violation(page, live_server):
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("request", lambda req: None if req.url.startswith(live_server.url) else problems.append(req.url))
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock-tag", timeout=15_000)
    assert "Counterpoint API" in page.inner_text(".info .title")
    tags = {tag.lower() for tag in page.locator(".opblock-tag").all_inner_texts()}
    for resource in ("debates", "nodes", "relations", "sources", "classrooms", "moderation", "auth"):
        assert any(tag.startswith(resource) for tag in tags), tags
    assert problems == []
