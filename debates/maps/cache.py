"""Drawings kept in the cache, and the map revision that says when they are out of date.

Two layers, both in Django's cache (Redis in production, shared by every app server):
- rendered() keeps the bytes of a drawing under a digest of its DOT text and of Graphviz's
  version: any change of the data (an approval, an edit) changes the text, an upgrade of
  Graphviz the version, so the key and the ETag change at once;
- keep_drawing()/kept_drawing() keep, per debate, format and options, the last drawing with
  the stamp of the data it was drawn from (data.debate_and_stamp()): a cached export then
  costs one query and one cache read, and no loading or DOT building. map_changed() raises
  the revision in that stamp in the transaction of every change.

Only what can still be asked for is kept: each debate has a bounded list of the keys its
current revision's drawings were kept under, and map_changed() deletes them once its
transaction commits; anything the list missed (two servers writing it at once, a change made
around the app) expires after MAP_CACHE_SECONDS, and a drawing over MAP_CACHE_MAX_BYTES is
never kept.

A render that fails is remembered for MAP_FAILURE_SECONDS (its message is the answer at once,
not another wait for `dot`); only one request renders a given drawing at a time (the others
wait for its answer, within their own budget); and renders of drawings not in the cache are
counted per client (settings.MAP_RENDER_RATE). With the cache down all three fail open: every
request renders for itself, uncounted, as if nothing were cached.
"""

import gzip
import hashlib
import math
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from debates import throttles
from debates.maps import handout, runner
from debates.maps.runner import RenderError
from debates.models import MapRevision

# How long a drawing is kept under the stamp of its data: a change made outside the
# workflow and the admin (a shell, raw SQL), which raises no revision, shows after at most
# this long.
DIGEST_SECONDS = 300

# Text formats are also kept gzipped: a 200-box SVG is half a megabyte, a tenth of it gzipped.
COMPRESSIBLE = {"svg", "dot"}

# The keys listed per debate: 32 option combinations (focus, depth, format, pending), each
# kept as raw bytes, gzipped bytes and a kept drawing. Beyond that the oldest are deleted.
REVISION_KEYS = 96

# A request waiting for another's render of the same drawing looks again this often (seconds).
WAIT_STEP = 0.1
# The single-flight lock outlives a render by this much (seconds), so a worker killed mid-render
# holds up the others no longer than a render could have.
LOCK_MARGIN = 5


class TooManyRenders(RenderError):
    """This client asked for more uncached drawings than settings.MAP_RENDER_RATE allows;
    `wait` is the number of seconds until it may ask again."""

    def __init__(self, wait: int):
        self.wait = wait
        super().__init__(
            f"Too many new maps drawn for you in a short time. Wait {wait} second{'s' if wait != 1 else ''} "
            "and try again; maps already drawn are still shown."
        )


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
    # After the commit: a reader who draws before it still sees the old data, and keeps it.
    transaction.on_commit(lambda: forget_drawings(*debate_ids))


def revision(debate) -> int:
    """The debate's map revision number (0 for a debate that has none yet), as loaded with
    it: callers load debates with select_related("map_revision") so that asking costs no query."""
    try:
        return debate.map_revision.number
    except MapRevision.DoesNotExist:
        return 0


def per_revision(name: str, revisions: dict[int, int], compute: Callable[[list[int]], dict]) -> dict:
    """{debate pk: value} for the debates of `revisions` ({debate pk: its map revision
    number}, see revision()), where a value depends only on what the debate's map draws (its
    approved content): kept in the cache under the debate's map revision, so a page that asks
    again costs one cache read and no query; `compute(pks)` gives {pk: value} for those not
    kept (pickled into the cache, so a plain value). No deletion is needed: map_changed()
    raises the revision in the transaction of the change, and a key of an old revision is never
    asked for again and expires after DIGEST_SECONDS, the same bound as for a change made
    around the workflow. With the cache down, every call computes."""
    keys = {pk: f"{name}:{pk}:{number}" for pk, number in revisions.items()}
    if not keys:
        return {}
    found = cache.get_many(list(keys.values()))
    values = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [pk for pk in keys if pk not in values]
    if missing:
        computed = compute(missing)
        cache.set_many({keys[pk]: computed[pk] for pk in missing}, DIGEST_SECONDS)
        values.update(computed)
    return values


def _keys_key(debate_id: int) -> str:
    return f"mapkeys:{debate_id}"


def forget_drawings(*debate_ids: int) -> None:
    """Delete every drawing kept for these debates' current revision (their bytes, gzipped
    bytes and kept drawings), as listed by _remember(). Called once a change has committed."""
    for pk in set(debate_ids):
        keys = cache.get(_keys_key(pk)) or []
        cache.delete_many([*keys, _keys_key(pk)])


def _remember(debate_id: int | None, key: str, value, timeout: int) -> None:
    """Keep `value` under `key` for `timeout` seconds, unless it is larger than
    MAP_CACHE_MAX_BYTES, and list the key under its debate so that the next change deletes it.
    The list is read and written back, not updated atomically: a key lost by two servers
    writing at once still expires after its timeout."""
    size = len(value[-1]) if isinstance(value, tuple) else len(value)
    if size > settings.MAP_CACHE_MAX_BYTES:
        return
    cache.set(key, value, timeout)
    if debate_id is None:
        return
    keys = cache.get(_keys_key(debate_id)) or []
    if key in keys:
        return
    keys.append(key)
    cache.set(_keys_key(debate_id), keys[-REVISION_KEYS:], settings.MAP_CACHE_SECONDS)
    if len(keys) > REVISION_KEYS:
        cache.delete_many(keys[:-REVISION_KEYS])


def digest(dot_text: str, fmt: str) -> str:
    """The cache key and ETag of a drawing (64 hex digits): it changes whenever the DOT text
    does, or the version of Graphviz that draws it (the DOT format needs none)."""
    version = runner.graphviz_version() if fmt != "dot" else ""
    return hashlib.sha256(f"{fmt}\n{version}\n{dot_text}".encode()).hexdigest()


def cache_key(digest_value: str, compressed: bool = False) -> str:
    return f"map:{digest_value}" + (":gz" if compressed else "")


def rendered(
    dot_text: str,
    fmt: str,
    *,
    compressed: bool = False,
    debate_id: int | None = None,
    deadline: float | None = None,
    client: str | None = None,
) -> bytes:
    """runner.render(), through the cache; gzipped (deterministically, no timestamp) if
    asked, for svg and dot. `debate_id` lists what is kept under the debate, so that its next
    change deletes it; `deadline` is the request's (runner.budget_deadline()); `client` names
    who asks (throttles: "user-7", "addr-<hash>"), whose uncached renders are counted.
    Raises RenderError like render() (TooManyRenders when `client` is over its rate)."""
    digest_value = digest(dot_text, fmt)
    compressed = compressed and fmt in COMPRESSIBLE
    raw_key, gz_key = cache_key(digest_value), cache_key(digest_value, True)
    found = cache.get_many([raw_key, gz_key] if compressed else [raw_key])
    if compressed and gz_key in found:
        return found[gz_key]
    raw = found.get(raw_key)
    if raw is None:
        if fmt == "dot":
            raw = runner.render(dot_text, fmt)  # the text itself: no process, nothing to wait for
        else:
            deadline = deadline if deadline is not None else runner.budget_deadline()
            raw = _render_once(
                lambda deadline: runner.render(dot_text, fmt, deadline=deadline),
                digest_value,
                deadline=deadline,
                client=client,
            )
        _remember(debate_id, raw_key, raw, settings.MAP_CACHE_SECONDS)
    if not compressed:
        return raw
    output = gzip.compress(raw, mtime=0)
    _remember(debate_id, gz_key, output, settings.MAP_CACHE_SECONDS)
    return output


def _failure_key(digest_value: str) -> str:
    # The binary's path too: pointing DOT_BINARY at a working `dot` is a fix, not the same failure.
    return "mapfail:" + hashlib.sha256(f"{digest_value}\n{settings.DOT_BINARY}".encode()).hexdigest()


def _render_once(draw, digest_value: str, *, deadline: float, client: str | None) -> bytes:
    """Draw (`draw(deadline) -> bytes`) what is not in the cache: a recent failure's message at once; else, if another
    request is rendering it, its answer (waiting until `deadline` at most); else render it here,
    counted against `client`'s rate, and remember a failure for MAP_FAILURE_SECONDS."""
    raw_key, failure_key, lock_key = cache_key(digest_value), _failure_key(digest_value), f"maplock:{digest_value}"
    message = cache.get(failure_key)
    if message is not None:
        raise RenderError(message)
    # cache.add is atomic (Redis SET NX); a cache that is down says "added", so every request
    # then renders for itself rather than fail.
    while not cache.add(lock_key, 1, math.ceil(settings.MAP_RENDER_BUDGET) + LOCK_MARGIN):
        if time.monotonic() + WAIT_STEP > deadline:
            raise RenderError("This map is still being drawn for another reader; try again in a minute.")
        time.sleep(WAIT_STEP)
        found = cache.get_many([raw_key, failure_key])
        if raw_key in found:
            return found[raw_key]
        if failure_key in found:
            raise RenderError(found[failure_key])
    try:
        # Looked up again under the lock: another request may have finished this drawing
        # between our first look and taking the lock.
        raw = cache.get(raw_key)
        if raw is not None:
            return raw
        if client is not None:
            _count_render(client)
        return draw(deadline)
    except TooManyRenders:
        raise  # the client's, not the drawing's: others may still draw it
    except RenderError as error:
        cache.set(failure_key, str(error), settings.MAP_FAILURE_SECONDS)
        raise
    finally:
        cache.delete(lock_key)


def _count_render(client: str) -> None:
    """Count one uncached render for `client`; TooManyRenders when over MAP_RENDER_RATE."""
    limit, duration = throttles.parse_rate(settings.MAP_RENDER_RATE)
    count, seconds_left, _ = throttles.hit("map-render", client, duration)
    if count is not None and count > limit:
        raise TooManyRenders(wait=seconds_left)


def rendered_handout(
    digest_value: str, map_data, *, debate_id: int | None = None, client: str | None = None, **options
) -> bytes:
    """handout.build_handout(map_data, **options), through the cache under its digest
    (handout.digest() of the same data and options), with what guards every drawing: a
    recent failure's message at once, one build at a time, the client's render rate, and the
    debate's list of kept keys. Raises RenderError like build_handout()."""
    raw_key = cache_key(digest_value)
    output = cache.get(raw_key)
    if output is None:
        output = _render_once(
            lambda deadline: handout.build_handout(map_data, **options),
            digest_value,
            deadline=runner.budget_deadline(),
            client=client,
        )
        _remember(debate_id, raw_key, output, settings.MAP_CACHE_SECONDS)
    return output


def _drawing_key(slug: str, fmt: str, options: dict, public: bool) -> str:
    # Public and classroom debates' drawings are kept apart, so that the front door for public
    # exports (middleware.py) never reads a classroom's drawing only to learn it may not serve it.
    # Graphviz's version too, so that an upgrade redraws the kept drawings at once.
    version = runner.graphviz_version() if fmt != "dot" else ""
    what = repr((slug, public, fmt, sorted(options.items()), settings.MAP_MAX_NODES, version))
    return "mapdrawing:" + hashlib.sha256(what.encode()).hexdigest()


def kept_drawing(slug: str, fmt: str, options: dict, *, public: bool) -> tuple[tuple, str, bytes] | None:
    """The drawing last kept for this debate, format and options, as (stamp, digest, bytes),
    or None. It is current only if its stamp equals data.debate_and_stamp()'s: the caller checks."""
    return cache.get(_drawing_key(slug, fmt, options, public))


def keep_drawing(slug: str, fmt: str, options: dict, *, public: bool, stamp: tuple, digest: str, output: bytes):
    """Keep a drawing with the stamp of the data it was drawn from (debate pk first), for
    DIGEST_SECONDS, listed under its debate so that the next change deletes it."""
    _remember(stamp[0], _drawing_key(slug, fmt, options, public), (stamp, digest, output), DIGEST_SECONDS)
