"""When Graphviz fails, the map wing stays up: stand-in `dot` programs (written by each test
into its tmp_path and set as DOT_BINARY) hang, exit 1, print broken or non-UTF-8 SVG, print
nothing, or print a PNG for an SVG. Each gives a clear 503 (the page still shows the
outline), nothing bad is cached, a failure is remembered briefly, one drawing is rendered
once at a time, a reader's uncached renders are counted, one request's Graphviz time has one
budget, and the real map is back as soon as `dot` is fixed."""

import os
import shutil
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache as django_cache
from django.urls import reverse

from debates.maps import cache, data, dot, runner
from tests.factories import make_node

pytestmark = pytest.mark.dot

REAL_DOT = shutil.which("dot")


def stand_in(tmp_path, name: str, body: str, version: str = "99.0") -> str:
    """A `dot` of our own at tmp_path/name: `-V` reports `version`; any other call appends
    its arguments to tmp_path/name.log and runs the shell `body`."""
    script = tmp_path / name
    log = tmp_path / f"{name}.log"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "-V" ]; then echo "dot - graphviz version {version} (0)" >&2; exit 0; fi\n'
        f'echo "$@" >> {log}\n'
        f"{body}\n"
    )
    script.chmod(0o755)
    return str(script)


def runs(binary: str) -> list[str]:
    """The arguments of each run of a stand-in `dot` so far (`-Tsvg`, ...), not counting `-V`."""
    log = f"{binary}.log"
    try:
        with open(log) as lines:
            return [line.strip() for line in lines]
    except FileNotFoundError:
        return []


# What each broken `dot` prints (or does), whatever format it is asked for.
BROKEN = {
    "exits 1": "exit 1",
    "prints nothing": "exit 0",
    "prints truncated svg": 'printf \'<?xml version="1.0"?>\\n<svg xmlns="http://www.w3.org/2000/svg"><g><text>\'',
    "prints non-UTF-8": "printf '<svg xmlns=\"http://www.w3.org/2000/svg\"><text>\\377\\376</text></svg>'",
    "prints a png header": "printf '\\211PNG\\r\\n\\032\\n'",
    "prints html": "printf '<html><body>not a drawing</body></html>'",
    "hangs": "exec sleep 30",
}


@pytest.fixture
def fast_limits(settings):
    """A one-second limit and budget, so that a hung `dot` costs a second per test."""
    settings.MAP_RENDER_TIMEOUT = 1
    settings.MAP_RENDER_BUDGET = 1
    return settings


def page_url(debate, **query):
    url = reverse("debates:debate-detail", args=[debate.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def map_url(debate, fmt, **query):
    url = reverse("debates:debate-map", args=[debate.slug, fmt])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def export_digest(debate, fmt: str) -> str:
    """The digest (cache key and ETag) of a visitor's whole-map export, as the view computes it."""
    map_data = data.load_map(debate, AnonymousUser())
    return cache.digest(dot.build_dot(map_data, title=debate.question, focus=None, depth=None), fmt)


# ----------------------------------------------------------------------------- broken output


@pytest.mark.parametrize("fault", list(BROKEN))
def test_a_broken_dot_gives_a_clear_503_for_every_export_and_caches_nothing(
    client, public_debate, fast_limits, tmp_path, fault
):
    make_node(public_debate, text="Still readable")
    fast_limits.DOT_BINARY = stand_in(tmp_path, "dot", BROKEN[fault])
    for fmt in ("svg", "png", "pdf"):
        response = client.get(map_url(public_debate, fmt))
        assert response.status_code == 503, (fmt, response.content[:200])
        assert response["Content-Type"].startswith("text/html")
        message = response.content.decode()
        assert "The map cannot be drawn right now" in message
        assert any(
            reason in message
            for reason in ("Graphviz could not draw", "Graphviz gave a broken drawing", "took longer than 1 second")
        ), message
        assert response["Retry-After"] == "60"
        assert "no-store" in response["Cache-Control"]
        # Nothing is kept under the key the drawing would have had, raw, gzipped or as an export.
        key = export_digest(public_debate, fmt)
        assert django_cache.get(cache.cache_key(key)) is None
        assert django_cache.get(cache.cache_key(key, True)) is None
        options = {"focus": None, "depth": None, "show_pending": False, "gzip": False}
        assert cache.kept_drawing(public_debate.slug, fmt, options, public=True) is None


@pytest.mark.parametrize("fault", ["prints truncated svg", "prints non-UTF-8", "prints a png header", "exits 1"])
def test_a_broken_dot_leaves_the_page_with_its_outline_and_the_message(
    client, public_debate, fast_limits, tmp_path, fault
):
    make_node(public_debate, text="Still readable")
    fast_limits.DOT_BINARY = stand_in(tmp_path, "dot", BROKEN[fault])
    response = client.get(page_url(public_debate))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The map cannot be drawn right now" in html
    assert "Still readable" in html  # the outline
    assert "<svg" not in html


def test_every_output_is_checked_for_its_format(tmp_path, settings):
    svg, png, pdf = (runner.render("digraph { a -> b }", fmt) for fmt in ("svg", "png", "pdf"))
    for output, fmt in [(svg, "svg"), (png, "png"), (pdf, "pdf")]:
        runner.check_output(output, fmt)  # the real thing passes
    broken = [
        (svg[: len(svg) // 2], "svg"),  # truncated
        (svg.replace(b"<svg", b"<html", 1).replace(b"</svg>", b"</html>"), "svg"),  # not an svg root
        (svg.replace(b"http://www.w3.org/2000/svg", b"http://example.com/svg", 1), "svg"),  # wrong namespace
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><svg xmlns="http://www.w3.org/2000/svg">\xe9</svg>', "svg"),
        (
            b'<!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg">&b;</svg>',
            "svg",
        ),  # entities are refused, however few
        (png, "svg"),
        (svg, "png"),
        (png[: len(png) // 2], "png"),  # truncated: no IEND
        (png[:16] + b"\x00\x00\x00\x00" + png[20:], "png"),  # zero width
        (png[:16] + (100_000).to_bytes(4, "big") + png[20:], "png"),  # absurd width
        (pdf[: len(pdf) // 2], "pdf"),  # truncated: no %%EOF
        (b"%PDF-1.5\n%%EOF\n", "pdf"),  # too small to hold a page
        (svg, "pdf"),
    ]
    for output, fmt in broken:
        with pytest.raises(runner.RenderError, match="broken drawing"):
            runner.check_output(output, fmt)
    runner.check_output(pdf + b"\n\n", "pdf")  # trailing whitespace after %%EOF is allowed
    # And render() checks what dot printed before it returns it.
    settings.DOT_BINARY = stand_in(tmp_path, "dot", BROKEN["prints a png header"])
    with pytest.raises(runner.RenderError, match="broken drawing"):
        runner.render("digraph { a }", "svg")


@pytest.mark.parametrize(
    "first", ["<html><body>", "\\377\\376<svg>", '<svg xmlns="http://www.w3.org/2000/svg"><g><!ENTITY']
)
def test_an_svg_is_refused_as_it_arrives_not_when_dot_ends(fast_limits, tmp_path, first):
    # The stand-in prints the start of something that is not our SVG, then would run on for
    # 30 seconds: the check reads the first piece, refuses it and ends dot at once.
    fast_limits.MAP_RENDER_TIMEOUT = fast_limits.MAP_RENDER_BUDGET = 20
    fast_limits.DOT_BINARY = stand_in(tmp_path, "dot", f"printf '{first}'; exec sleep 30")
    started = time.monotonic()
    with pytest.raises(runner.RenderError, match="broken drawing"):
        runner.render("digraph { a }", "svg")
    assert time.monotonic() - started < 5


def test_a_runaway_output_is_cut_off_at_the_cap_not_read_to_its_end(fast_limits, tmp_path):
    fast_limits.MAP_RENDER_TIMEOUT = fast_limits.MAP_RENDER_BUDGET = 20
    fast_limits.DOT_BINARY = stand_in(tmp_path, "dot", "exec cat /dev/zero")
    started = time.monotonic()
    with pytest.raises(runner.RenderError, match=f"over {runner.MAX_OUTPUT_BYTES:,} bytes"):
        runner.render("digraph { a }", "png")
    assert time.monotonic() - started < 5


def _running(marker: str) -> list[str]:
    """The command lines of running processes that contain `marker`."""
    found = []
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = status.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # ended meanwhile
            continue
        if marker in line:
            found.append(line)
    return found


@pytest.mark.parametrize("fault", ["hangs", "prints garbage"])
def test_a_wrapper_s_dot_is_ended_with_it(fast_limits, tmp_path, fault):
    # A DOT_BINARY that is a wrapper script starting its program as a child (no exec): when
    # the render fails, the child is ended too, not left running on the server.
    marker = f"{31000 + os.getpid() % 1000}.{len(fault)}"
    first = "printf '<html>'; " if fault == "prints garbage" else ""
    fast_limits.DOT_BINARY = stand_in(tmp_path, "dot", f"{first}sleep {marker}; true")
    with pytest.raises(runner.RenderError):
        runner.render("digraph { a }", "svg")
    deadline = time.monotonic() + 2
    while _running(f"sleep {marker}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _running(f"sleep {marker}") == []


def test_a_version_asked_of_a_hung_wrapper_ends_its_child(settings, tmp_path):
    marker = f"{32000 + os.getpid() % 1000}.5"
    script = tmp_path / "dot"
    script.write_text(f"#!/bin/sh\nsleep {marker}; true\n")
    script.chmod(0o755)
    assert runner._ask_version(str(script)) is None
    deadline = time.monotonic() + 2
    while _running(f"sleep {marker}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _running(f"sleep {marker}") == []


def test_a_dot_that_cannot_be_started_is_a_clear_error(settings, tmp_path):
    # Executable but no program (no "#!" line, not a binary): exec() fails with ENOEXEC.
    binary = tmp_path / "dot"
    binary.write_bytes(b"\x00\x01 not a program")
    binary.chmod(0o755)
    settings.DOT_BINARY = str(binary)
    with pytest.raises(runner.RenderError, match="could not be started"):
        runner.render("digraph { a }", "svg")


def test_a_dot_that_reads_none_of_a_big_drawing_still_answers(settings, tmp_path):
    # More DOT than a pipe holds, to a program that never reads it: writing must not block.
    settings.DOT_BINARY = stand_in(tmp_path, "dot", "printf '<svg xmlns=\"http://www.w3.org/2000/svg\"/>'")
    big = "digraph {\n" + "".join(f"\tn{i} [label=<{'x' * 100}>]\n" for i in range(2000)) + "}\n"
    assert runner.render(big, "svg") == b'<svg xmlns="http://www.w3.org/2000/svg"/>'


# ----------------------------------------------------------------------------- failures remembered


def test_a_hung_dot_is_waited_for_once_then_answered_at_once_and_the_map_is_back_when_fixed(
    client, public_debate, fast_limits, tmp_path
):
    make_node(public_debate, text="Wait for me")
    hung = stand_in(tmp_path, "dot", BROKEN["hangs"])
    fast_limits.DOT_BINARY = hung
    started = time.monotonic()
    first = client.get(map_url(public_debate, "svg"))
    waited = time.monotonic() - started
    assert first.status_code == 503 and b"took longer than 1 second" in first.content
    assert 0.9 < waited < 3

    # Another reader, another client: the failure is remembered, so the answer is at once.
    started = time.monotonic()
    second = client.__class__().get(map_url(public_debate, "svg"))
    assert time.monotonic() - started < 0.5
    assert second.status_code == 503 and b"took longer than 1 second" in second.content
    assert runs(hung) == ["-Tsvg"]  # dot was not run again

    # Fixed: DOT_BINARY points at a working dot, and the map is back at once.
    fast_limits.DOT_BINARY = REAL_DOT
    fast_limits.MAP_RENDER_TIMEOUT = fast_limits.MAP_RENDER_BUDGET = 10
    fixed = client.get(map_url(public_debate, "svg"))
    assert fixed.status_code == 200 and b"Wait for me" in fixed.content


def test_a_failure_is_forgotten_when_its_memo_expires(client, public_debate, tmp_path, settings):
    make_node(public_debate, text="Back again")
    failing = stand_in(tmp_path, "dot", f'[ -e {tmp_path}/fixed ] && exec {REAL_DOT} "$@"; exit 1')
    settings.DOT_BINARY = failing
    settings.MAP_FAILURE_SECONDS = 1
    assert client.get(map_url(public_debate, "png")).status_code == 503
    (tmp_path / "fixed").touch()  # the same binary works now
    assert client.get(map_url(public_debate, "png")).status_code == 503  # remembered
    time.sleep(1.2)
    response = client.get(map_url(public_debate, "png"))
    assert response.status_code == 200 and response.content.startswith(runner.PNG_SIGNATURE)
    assert runs(failing) == ["-Tpng", "-Tpng"]


def test_a_second_reader_during_a_hang_gets_the_same_answer_without_running_dot_again(
    transactional_db, live_server, public_debate, fast_limits, tmp_path
):
    make_node(public_debate, text="Held up")
    hung = stand_in(tmp_path, "dot", BROKEN["hangs"])
    fast_limits.DOT_BINARY = hung
    url = live_server.url + map_url(public_debate, "svg")

    def fetch(delay: float) -> tuple[int, bytes, float]:
        time.sleep(delay)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read(), time.monotonic() - started
        except urllib.error.HTTPError as error:
            return error.code, error.read(), time.monotonic() - started

    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(fetch, [0, 0.3, 0.5]))
    assert [status for status, _, _ in answers] == [503, 503, 503]
    assert all(b"took longer than 1 second" in body for _, body, _ in answers)
    # The later readers waited for the first one's render, not a render of their own.
    assert all(elapsed < 2 for _, _, elapsed in answers)
    assert runs(hung) == ["-Tsvg"]


def test_readers_asking_at_once_for_one_drawing_share_one_render(
    transactional_db, live_server, public_debate, settings, tmp_path
):
    make_node(public_debate, text="Drawn once")
    slow = stand_in(tmp_path, "dot", f'sleep 0.5; exec {REAL_DOT} "$@"', version="2.43.0-slow")
    settings.DOT_BINARY = slow
    url = live_server.url + map_url(public_debate, "png")

    def fetch(_) -> tuple[int, str, bytes]:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.headers["ETag"], response.read()

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(fetch, range(4)))
    assert {status for status, _, _ in answers} == {200}
    assert len({(etag, body) for _, etag, body in answers}) == 1
    assert runs(slow) == ["-Tpng"]


def test_with_the_cache_down_the_lock_gives_way_and_every_reader_renders(client, public_debate, settings):
    make_node(public_debate, text="No cache")
    from tests.redis_server import PrivateRedis

    server = PrivateRedis()  # never started: every cache operation is refused
    settings.CACHES = server.cache_settings()
    first = client.get(map_url(public_debate, "svg"))
    second = client.get(map_url(public_debate, "svg"))
    assert first.status_code == second.status_code == 200
    assert first.content == second.content


# ----------------------------------------------------------------------------- the render rate


def test_uncached_renders_are_throttled_per_reader_and_cached_ones_never(client, public_debate, teacher, settings):
    assert settings.MAP_RENDER_RATE == "20/min"  # the default
    # Counted in fixed windows: an hour's window, so that forty renders never straddle its end.
    settings.MAP_RENDER_RATE = "20/h"
    claims = [make_node(public_debate, text=f"Reason {index}") for index in range(40)]
    urls = [map_url(public_debate, "png", focus=claim.pk, depth=1) for claim in claims]
    statuses = [client.get(url).status_code for url in urls]
    assert statuses == [200] * 20 + [429] * 20
    over = client.get(urls[20])
    assert over.status_code == 429
    assert 1 <= int(over["Retry-After"]) <= 3600
    assert b"Too many new maps drawn for you" in over.content
    # The twenty already drawn are cached: they still answer, and do not count.
    assert [client.get(url).status_code for url in urls[:20]] == [200] * 20
    # The page falls back to its outline with the same message.
    page = client.get(page_url(public_debate, focus=claims[30].pk))
    assert page.status_code == 200
    assert "Too many new maps drawn for you" in page.content.decode()
    assert "Reason 30" in page.content.decode()
    # Another reader has a count of their own.
    other = client.__class__()
    other.force_login(teacher)
    assert other.get(urls[25]).status_code == 200
    # And what that reader drew is cached for everyone, so it does not count against the first.
    assert client.get(urls[25]).status_code == 200


# ----------------------------------------------------------------------------- one budget


def test_a_requests_dot_runs_share_one_budget(client, public_debate, fast_limits, tmp_path):
    make_node(public_debate, text="Paged")
    slow = stand_in(tmp_path, "dot", f'sleep 0.6; exec {REAL_DOT} "$@"')
    fast_limits.DOT_BINARY = slow
    # An SVG runs dot once: 0.6 s, within the one-second budget.
    assert client.get(map_url(public_debate, "svg")).status_code == 200
    # A PDF runs it twice (layout, then the page): 1.2 s would each fit the per-run limit,
    # but not the one budget they share.
    started = time.monotonic()
    response = client.get(map_url(public_debate, "pdf"))
    assert response.status_code == 503 and b"took longer than 1 second" in response.content
    assert time.monotonic() - started < 1.5
    assert runs(slow) == ["-Tsvg", "-Tplain", "-Tpdf"]


def test_the_runner_spends_no_more_than_the_deadline_it_is_given(tmp_path, settings):
    slow = stand_in(tmp_path, "dot", f'sleep 0.6; exec {REAL_DOT} "$@"')
    settings.DOT_BINARY = slow
    settings.MAP_RENDER_TIMEOUT = 10
    deadline = time.monotonic() + 0.3
    started = time.monotonic()
    with pytest.raises(runner.RenderError, match="took longer than"):
        runner.render("digraph { a }", "svg", deadline=deadline)
    assert time.monotonic() - started < 0.6
    # A deadline already spent runs nothing.
    with pytest.raises(runner.RenderError, match="took longer than"):
        runner.render("digraph { a }", "png", deadline=deadline)
    assert runs(slow) == ["-Tsvg"]


# ----------------------------------------------------------------------------- Graphviz's version


def test_graphvizs_version_is_in_the_cache_key_so_an_upgrade_redraws(client, public_debate, tmp_path, settings):
    make_node(public_debate, text="Upgraded")
    settings.DOT_BINARY = stand_in(tmp_path, "dot-old", f'exec {REAL_DOT} "$@"', version="2.42.0")
    before = client.get(map_url(public_debate, "svg"))
    assert client.get(map_url(public_debate, "svg"))["ETag"] == before["ETag"]  # kept
    settings.DOT_BINARY = upgraded = stand_in(tmp_path, "dot-new", f'exec {REAL_DOT} "$@"', version="2.50.0")
    after = client.get(map_url(public_debate, "svg"))
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert runs(upgraded) == ["-Tsvg"]  # drawn again by the new Graphviz
    # The DOT text needs no Graphviz: its key does not change.
    assert cache.digest("digraph {}", "dot") == cache.digest("digraph {}", "dot")


def test_the_version_is_asked_once_a_minute_not_once_a_render(tmp_path, settings, monkeypatch):
    calls = tmp_path / "versions.log"
    script = tmp_path / "dot"
    script.write_text(f'#!/bin/sh\necho "$@" >> {calls}\necho "dot - graphviz version 7.1.0 (0)" >&2\n')
    script.chmod(0o755)
    settings.DOT_BINARY = str(script)
    monkeypatch.setattr(runner, "VERSION_SECONDS", 0.5)
    assert [runner.graphviz_version() for _ in range(5)] == ["7.1.0"] * 5
    assert calls.read_text().split() == ["-V"]
    time.sleep(0.6)
    assert [runner.graphviz_version() for _ in range(5)] == ["7.1.0"] * 5  # expired: asked again, once
    assert calls.read_text().split() == ["-V", "-V"]


def test_a_dot_that_hangs_on_its_version_costs_at_most_the_version_timeout_once(tmp_path, settings):
    script = tmp_path / "dot"
    script.write_text("#!/bin/sh\nexec sleep 30\n")
    script.chmod(0o755)
    settings.DOT_BINARY = str(script)
    started = time.monotonic()
    assert runner.graphviz_version() is None
    assert time.monotonic() - started < runner.VERSION_TIMEOUT + 1
    started = time.monotonic()
    assert runner.graphviz_version() is None  # remembered
    assert time.monotonic() - started < 0.1


def test_threads_asking_for_the_version_get_the_same_answer(tmp_path, settings):
    settings.DOT_BINARY = stand_in(tmp_path, "dot", "exit 0", version="3.0.1")
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(runner.graphviz_version())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["3.0.1"] * 4
