"""Drawings kept in the cache, and the map revision that says when they are out of date.

Two layers, both in Django's cache (Redis in production, shared by every app server):
- rendered() keeps the bytes of a drawing under a digest of its DOT text: any change of the
  data (an approval, an edit) changes the text, so the key and the ETag change at once;
- keep_drawing()/kept_drawing() keep, per debate, format and options, the last drawing with
  the stamp of the data it was drawn from (data.debate_and_stamp()): a cached export then
  costs one query and one cache read, and no loading or DOT building. map_changed() raises
  the revision in that stamp in the transaction of every change.
"""

import gzip
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db.models import F

from debates.maps import handout
from debates.maps.runner import render
from debates.models import MapRevision

# How long a drawing is kept under the stamp of its data: a change made outside the
# workflow and the admin (a shell, raw SQL), which raises no revision, shows after at most
# this long.
DIGEST_SECONDS = 300

# Text formats are also kept gzipped: a 200-box SVG is half a megabyte, a tenth of it gzipped.
COMPRESSIBLE = {"svg", "dot"}


def map_changed(*debate_ids: int) -> None:
    """What these debates' maps draw has changed: their kept drawings are out of date.
    Called in the transaction of every change (by the moderation workflow for contributions,
    decisions, debate and source changes, and by the admin for its edits), so the new
    revision is visible exactly when the change is. A change made anywhere else (a shell,
    raw SQL) shows in exports after DIGEST_SECONDS."""
    for pk in sorted(set(debate_ids)):
        if not MapRevision.objects.filter(debate_id=pk).update(number=F("number") + 1):
            # A debate made without the workflow's debate_create() (the admin, a fixture) has no row yet.
            MapRevision.objects.bulk_create([MapRevision(debate_id=pk, number=1)], ignore_conflicts=True)


def digest(dot_text: str, fmt: str) -> str:
    """The cache key and ETag of a drawing (64 hex digits): it changes whenever the DOT text does."""
    return hashlib.sha256(f"{fmt}\n{dot_text}".encode()).hexdigest()


def cache_key(digest_value: str, compressed: bool = False) -> str:
    return f"map:{digest_value}" + (":gz" if compressed else "")


def rendered(dot_text: str, fmt: str, *, compressed: bool = False) -> bytes:
    """runner.render(), through the cache; gzipped (deterministically, no timestamp) if
    asked, for svg and dot. Raises RenderError like render()."""
    digest_value = digest(dot_text, fmt)
    compressed = compressed and fmt in COMPRESSIBLE
    output = cache.get(cache_key(digest_value, compressed))
    if output is None:
        raw = cache.get(cache_key(digest_value)) if compressed else None
        if raw is None:
            raw = render(dot_text, fmt)
            cache.set(cache_key(digest_value), raw, settings.MAP_CACHE_SECONDS)
        output = raw
        if compressed:
            output = gzip.compress(raw, mtime=0)
            cache.set(cache_key(digest_value, True), output, settings.MAP_CACHE_SECONDS)
    return output


def rendered_handout(digest_value: str, map_data, **options) -> bytes:
    """handout.build_handout(map_data, **options), through the cache, under its digest
    (handout.digest() of the same data and options). Raises RenderError like build_handout()."""
    output = cache.get(cache_key(digest_value))
    if output is None:
        output = handout.build_handout(map_data, **options)
        cache.set(cache_key(digest_value), output, settings.MAP_CACHE_SECONDS)
    return output


def _drawing_key(slug: str, fmt: str, options: dict, public: bool) -> str:
    # Public and classroom debates' drawings are kept apart, so that the front door for public
    # exports (middleware.py) never reads a classroom's drawing only to learn it may not serve it.
    what = repr((slug, public, fmt, sorted(options.items()), settings.MAP_MAX_NODES))
    return "mapdrawing:" + hashlib.sha256(what.encode()).hexdigest()


def kept_drawing(slug: str, fmt: str, options: dict, *, public: bool) -> tuple[tuple, str, bytes] | None:
    """The drawing last kept for this debate, format and options, as (stamp, digest, bytes),
    or None. It is current only if its stamp equals data.debate_and_stamp()'s: the caller checks."""
    return cache.get(_drawing_key(slug, fmt, options, public))


def keep_drawing(slug: str, fmt: str, options: dict, *, public: bool, stamp: tuple, digest: str, output: bytes):
    """Keep a drawing with the stamp of the data it was drawn from, for DIGEST_SECONDS."""
    cache.set(_drawing_key(slug, fmt, options, public), (stamp, digest, output), DIGEST_SECONDS)
