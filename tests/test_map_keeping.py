"""What is kept of a drawing, where and for how long: only the current revision's drawings
stay in the cache (LocMem and a real Redis), a drawing too large is never kept, and a public
debate's exports may be kept downstream for a minute while classroom ones may not."""

import pytest
from django.core.cache import cache as django_cache
from django.test import Client, override_settings
from django.urls import reverse

from debates import moderation
from debates.maps import cache
from debates.models import Action
from tests.factories import make_node, submit_claim
from tests.redis_server import private_redis  # noqa: F401 (fixture)

pytestmark = pytest.mark.dot


def map_url(debate, fmt, **query):
    url = reverse("debates:debate-map", args=[debate.slug, fmt])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def page_url(debate):
    return reverse("debates:debate-detail", args=[debate.slug])


def draw_everything(client, debate, focus) -> None:
    """The page, every export format (SVG gzipped and not), and a focused PNG."""
    assert client.get(page_url(debate)).status_code == 200
    for fmt in ("svg", "png", "pdf", "dot"):
        assert client.get(map_url(debate, fmt)).status_code == 200
    assert client.get(map_url(debate, "svg"), HTTP_ACCEPT_ENCODING="gzip").status_code == 200
    assert client.get(map_url(debate, "png", focus=focus.pk, depth=1)).status_code == 200


@pytest.fixture(params=["locmem", "redis"])
def any_cache(request):
    """Django's local-memory cache, or the app's fail-safe Redis cache on a private server."""
    if request.param == "locmem":
        yield None
        return
    server = request.getfixturevalue("private_redis")
    with override_settings(CACHES=server.cache_settings()):
        yield server


def test_a_change_deletes_every_drawing_of_the_previous_revision(
    client, debate, teacher, student, any_cache, django_capture_on_commit_callbacks
):
    claim = make_node(debate, text="Drawn before the change")
    client.force_login(teacher)
    draw_everything(client, debate, claim)
    kept = django_cache.get(f"mapkeys:{debate.pk}")
    # raw and gzipped bytes, and the kept export, for each drawing asked for
    assert kept and len(kept) >= 10
    assert all(django_cache.get(key) is not None for key in kept)
    if any_cache is not None:
        stored = {key.decode() for key in any_cache.client().keys("*map*")}
        assert {f":1:{key}" for key in kept} <= stored

    pending = submit_claim(debate, student, text="A new reason", target=claim)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.item_decide(item=pending, moderator=teacher, action=Action.APPROVED)
    assert all(django_cache.get(key) is None for key in kept)
    assert django_cache.get(f"mapkeys:{debate.pk}") is None
    if any_cache is not None:
        # Nothing of a drawing is left in Redis: only the render counters remain.
        left = {key.decode() for key in any_cache.client().keys("*")}
        assert all(key.startswith(":1:throttle:map-render:") for key in left), left

    # The new revision is drawn and kept again, with its new data.
    response = client.get(map_url(debate, "svg"))
    assert response.status_code == 200 and b"A new reason" in response.content
    assert django_cache.get(f"mapkeys:{debate.pk}")


def test_another_debates_drawings_stay_when_one_changes(
    client, public_debate, debate, teacher, django_capture_on_commit_callbacks
):
    make_node(public_debate, text="Elsewhere")
    claim = make_node(debate, text="Here")
    assert client.get(map_url(public_debate, "png")).status_code == 200
    other_keys = django_cache.get(f"mapkeys:{public_debate.pk}")
    client.force_login(teacher)
    draw_everything(client, debate, claim)
    with django_capture_on_commit_callbacks(execute=True):
        cache.map_changed(debate.pk)
    assert other_keys and all(django_cache.get(key) is not None for key in other_keys)


def test_the_list_of_kept_drawings_is_bounded_and_the_oldest_are_deleted(client, public_debate, monkeypatch):
    claims = [make_node(public_debate, text=f"Reason {index}") for index in range(6)]
    monkeypatch.setattr(cache, "REVISION_KEYS", 4)
    assert client.get(map_url(public_debate, "png", focus=claims[0].pk, depth=1)).status_code == 200
    first = django_cache.get(f"mapkeys:{public_debate.pk}")
    assert len(first) == 2  # the PNG's bytes and the kept export
    for claim in claims[1:]:
        assert client.get(map_url(public_debate, "png", focus=claim.pk, depth=1)).status_code == 200
    kept = django_cache.get(f"mapkeys:{public_debate.pk}")
    assert len(kept) == 4 and not set(first) & set(kept)
    assert all(django_cache.get(key) is not None for key in kept)
    assert all(django_cache.get(key) is None for key in first)  # the oldest were deleted


def test_a_drawing_larger_than_the_limit_is_served_but_never_kept(client, public_debate, settings):
    make_node(public_debate, text="A long way down")
    settings.MAP_CACHE_MAX_BYTES = 100
    first = client.get(map_url(public_debate, "png"))
    assert first.status_code == 200 and len(first.content) > 100
    assert django_cache.get(f"mapkeys:{public_debate.pk}") is None
    options = {"focus": None, "depth": None, "show_pending": False, "gzip": False}
    assert cache.kept_drawing(public_debate.slug, "png", options, public=True) is None


def test_drawings_are_kept_for_an_hour_by_default():
    from config import settings as project_settings

    assert project_settings.MAP_CACHE_SECONDS == 3600
    assert project_settings.MAP_CACHE_MAX_BYTES == 5 * 1024 * 1024


# ----------------------------------------------------------------------------- headers


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf", "dot"])
def test_a_public_debates_exports_may_be_kept_downstream_for_a_minute(client, public_debate, teacher, fmt):
    make_node(public_debate, text="Open to all")
    for reader in (Client(), client):
        if reader is client:
            reader.force_login(teacher)  # signed in, the same bytes: no Vary on the cookie
        response = reader.get(map_url(public_debate, fmt))
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=60"
        assert response["ETag"].startswith('"')
        vary = [v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()]
        assert "cookie" not in vary
        assert ("accept-encoding" in vary) == (fmt in ("svg", "dot"))
    # The front door's answer (the drawing is kept now) says the same.
    again = Client().get(map_url(public_debate, fmt), HTTP_IF_NONE_MATCH="")
    assert again["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_classroom_exports_and_pending_work_are_never_kept_downstream(client, debate, public_debate, teacher, fmt):
    make_node(debate, text="Only for the class")
    client.force_login(teacher)
    response = client.get(map_url(debate, fmt))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-cache"
    assert "Cookie" in response["Vary"]
    pending = client.get(map_url(public_debate, fmt, pending=1))
    assert pending.status_code == 200 and pending["Cache-Control"] == "private, no-cache"


def test_the_svg_is_utf8_and_inert_and_the_other_formats_keep_their_headers(client, public_debate):
    make_node(public_debate, text="Headers")
    svg = client.get(map_url(public_debate, "svg"))
    assert svg["Content-Type"] == "image/svg+xml; charset=utf-8"
    policy = [d.strip() for d in svg["Content-Security-Policy"].split(";")]
    assert "sandbox" in policy and "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    expected = {"png": "image/png", "pdf": "application/pdf", "dot": "text/vnd.graphviz; charset=utf-8"}
    for fmt, content_type in expected.items():
        response = client.get(map_url(public_debate, fmt))
        assert response["Content-Type"] == content_type
        # No policy on the others: they run nothing, and a policy can blank a PDF viewer.
        assert "Content-Security-Policy" not in response
        assert response["X-Content-Type-Options"] == "nosniff"
