"""Argument-map benchmarks. Prints a table; not part of the test run.

    .venv/bin/python bench/maps.py [--quick]

Builds synthetic debates shaped like real ones (trees of branching 2-4, about 10% extra
cross-links, claim-length labels, a third of the boxes evidence with quotes) of 50, 200 and
400 nodes in a throwaway SQLite file under /tmp, and reports side by side:

(a) the app's cold SVG render (load + build_dot + dot, no cache) against `dot -Tsvg` run
    directly on the same DOT text;
(b) a cached map response against a trivial Django view returning a constant string, both
    served by gunicorn on 127.0.0.1 and loaded by wrk (a second process) in alternated
    rounds of fixed length;
(c) the PNG export's time and pixel size;
(d) the query count of the debate page, the node page and each export, at each size;
(e) standing.assess() (labels, evidence and every reason) on a 1,500-node debate, against its
    10 ms target: what judging adds to a page, which reads nothing more for it.
(f) the drawing's shape: its aspect ratio (width / height of the layout) and its edge
    crossings (counted on the splines of `dot -Tjson`), with big maps wrapped into columns
    (the app's rule) and without (rank staggering alone, the rule before), in the same run;
(g) the PDF handout (map.pdf on A4, made afresh): its time, pages and map pages, for the
    demo debate (load_demo) and at 200 and 400 nodes.

Everything is bounded: fixed repetitions, fixed load durations, timeouts on every wait.
"""

import argparse
import http.client
import itertools
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, only bench/ is on the path
from bench.harness import bench_env, median_seconds, start_django  # noqa: E402

DB_PATH = Path("/tmp/counterpoint-bench-maps.sqlite3")
PORT = 8101
SIZES = (50, 200, 400)
# Persistent database connections, as in production: opening one costs more than a cached map.
ENV = bench_env(DB_PATH, CONN_MAX_AGE="60")

SENTENCES = [
    "Military operations have reduced the number of attacks in the tribal districts over several years.",
    "Poverty and a lack of schooling leave young men with few choices other than joining armed groups.",
    "Police stations in the north-west have been attacked repeatedly and are short of equipment.",
    "Talks with the group broke down after the ceasefire ended and attacks resumed within weeks.",
    "Intelligence agencies failed to share warnings that might have prevented the raid on the compound.",
    "Community elders can persuade families to turn away recruiters when the state supports them.",
    "Cross-border sanctuaries allow fighters to regroup beyond the reach of the army.",
    "A national review of counterterrorism policy has been promised by every government since 2014.",
]


def build_debate(size: int, seed: int = 7):
    """A public debate of `size` approved nodes: a tree of branching 2-4 and ~10% cross-links."""
    from debates.models import Debate, Source
    from tests.synthetic_maps import store_debate

    rng = random.Random(seed + size)
    slug = f"bench-{size}"
    Debate.objects.filter(slug=slug).delete()
    text = "\n\n".join(f"{i}. {s}" for i, s in enumerate(SENTENCES * 40))

    def quote_at(node):
        sentence = SENTENCES[node.pk % len(SENTENCES)]
        start = text.index(sentence, rng.randint(0, len(text) // 2))
        return start, start + len(sentence)

    return store_debate(
        Debate(slug=slug, question=f"How should Pakistan respond? ({size} boxes)"),
        Source(title=f"Bench op-ed {size}", author="A. Writer", outlet="Dawn", text=text),
        size,
        rng,
        words=(12, 30),
        quote_at=quote_at,
        links=(size - 1) + size // 10,
        link_kind=lambda: rng.choice(["supports", "opposes"]),
    )


def cold_render(debates, repeat: int):
    """(a) and (c): the app's render path without cache against dot run directly."""
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from PIL import Image

    from debates.maps import data, dot, runner

    rows = []
    for debate in debates:

        def app_svg(debate=debate):
            map_data = data.load_map(debate, AnonymousUser())
            return runner.render(dot.build_dot(map_data, title=debate.question), "svg")

        dot_text = dot.build_dot(data.load_map(debate, AnonymousUser()), title=debate.question)

        def direct_svg(dot_text=dot_text):
            return subprocess.run(
                [settings.DOT_BINARY, "-Tsvg"], input=dot_text.encode(), capture_output=True, timeout=60, check=True
            ).stdout

        assert app_svg() == direct_svg(), "the app's SVG differs from dot's on the same DOT"

        def build(debate=debate):
            return dot.build_dot(data.load_map(debate, AnonymousUser()), title=debate.question)

        build_time = median_seconds(build, repeat)
        app, direct = [], []
        for _ in range(repeat):  # interleaved, so that machine noise hits both alike
            app.append(median_seconds(app_svg, 1))
            direct.append(median_seconds(direct_svg, 1))
        png_bytes = runner.render(dot_text, "png")
        png_time = median_seconds(lambda dot_text=dot_text: runner.render(dot_text, "png"), max(1, repeat // 2))
        size = Image.open(__import__("io").BytesIO(png_bytes)).size
        rows.append(
            {
                "nodes": debate.nodes.count(),
                "relations": debate.relations.count(),
                "app_ms": statistics.median(app) * 1000,
                "build_ms": build_time * 1000,
                "dot_ms": statistics.median(direct) * 1000,
                "png_ms": png_time * 1000,
                "png_px": size,
            }
        )
    return rows


def query_counts(debates):
    """(d): queries of the page, the node page and each export, cold (empty cache) and warm."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    rows = []
    for debate in debates:
        node = debate.nodes.order_by("pk")[1]
        urls = {
            "page": f"/debates/{debate.slug}/",
            "node": f"/debates/{debate.slug}/nodes/{node.pk}/",
            **{fmt: f"/debates/{debate.slug}/map.{fmt}" for fmt in ("svg", "png", "pdf", "dot")},
        }
        counts = {}
        for name, url in urls.items():
            cache.clear()
            with CaptureQueriesContext(connection) as cold:
                assert client.get(url).status_code == 200, url
            with CaptureQueriesContext(connection) as warm:
                assert client.get(url).status_code == 200, url
            counts[name] = (len(cold), len(warm))
        rows.append((debate.nodes.count(), counts))
    return rows


# --------------------------------------------------------------------------- shape (e)


def _splines(layout: dict) -> list[tuple[int, int, list[tuple[float, float]]]]:
    """Each edge of a `dot -Tjson` layout as (tail, head, polyline): its B-spline's cubic
    pieces (the `pos` attribute) sampled at four points each."""
    lines = []
    for edge in layout.get("edges", []):
        points = [tuple(map(float, t.split(","))) for t in edge.get("pos", "").split() if t[:2] not in ("e,", "s,")]
        if not points:
            continue
        line = [points[0]]
        for i in range(1, len(points) - 2, 3):
            p0, p1, p2, p3 = points[i - 1], points[i], points[i + 1], points[i + 2]
            for k in range(1, 5):
                t = k / 4
                a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t**3
                line.append(
                    (a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1])
                )
        lines.append((edge["tail"], edge["head"], line))
    return lines


def _segments_cross(p, q, r, s) -> bool:
    def side(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    return side(r, s, p) * side(r, s, q) < 0 and side(p, q, r) * side(p, q, s) < 0


def edge_crossings(layout: dict) -> int:
    """Pairs of edges that cross at least once, among edges that share no box (two arrows
    into one box meet at it, which is no crossing)."""
    lines = _splines(layout)
    boxes = []
    for *_, line in lines:
        xs, ys = [x for x, _ in line], [y for _, y in line]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    count = 0
    for i, j in itertools.combinations(range(len(lines)), 2):
        a, b = boxes[i], boxes[j]
        if a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]:
            continue
        (tail_i, head_i, line_i), (tail_j, head_j, line_j) = lines[i], lines[j]
        if {tail_i, head_i} & {tail_j, head_j}:
            continue
        if any(
            _segments_cross(line_i[k], line_i[k + 1], line_j[m], line_j[m + 1])
            for k in range(len(line_i) - 1)
            for m in range(len(line_j) - 1)
        ):
            count += 1
    return count


def layout_shape(debates):
    """(e): for each debate, with and without wrapping: (nodes, wrapped, width pt, height pt,
    ratio, crossings, dot ms for -Tjson)."""
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser

    from debates.maps import data, dot

    rows = []
    for debate in debates:
        map_data = data.load_map(debate, AnonymousUser())
        for wrapped in (False, True):
            dot.WRAP_INTO_COLUMNS = wrapped
            try:
                dot_text = dot.build_dot(map_data, title=debate.question)
            finally:
                dot.WRAP_INTO_COLUMNS = True
            start = time.perf_counter()
            result = subprocess.run(
                [settings.DOT_BINARY, "-Tjson"],
                input=dot_text.encode(),
                capture_output=True,
                timeout=120,
                check=True,
                env={**os.environ, "SERVER_NAME": "counterpoint-bench"},
            )
            elapsed = time.perf_counter() - start
            layout = json.loads(result.stdout)
            width, height = (float(v) for v in layout["bb"].split(",")[2:])
            rows.append((len(map_data.nodes), wrapped, width, height, width / height, edge_crossings(layout), elapsed))
    return rows


def handout_figures(debates, repeat: int):
    """(g): the handout made afresh (no cache), as map.pdf makes it for a visitor."""
    import io

    from django.contrib.auth.models import AnonymousUser
    from pypdf import PdfReader

    from debates.maps import data, handout

    rows = []
    for debate in debates:
        map_data = data.load_map(debate, AnonymousUser())
        pdf = handout.build_handout(map_data, title=debate.question)
        seconds = median_seconds(
            lambda map_data=map_data, debate=debate: handout.build_handout(map_data, title=debate.question), repeat
        )
        texts = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
        outline = next(i for i, text in enumerate(texts) if text.startswith("Outline"))
        rows.append(
            {
                "name": debate.slug,
                "nodes": len(map_data.nodes),
                "ms": seconds * 1000,
                "pages": len(texts),
                # The cover, then one page per map section, then the outline.
                "map_pages": outline - _cover_pages(texts),
                "kb": len(pdf) / 1024,
            }
        )
    return rows


def _cover_pages(texts: list[str]) -> int:
    return next(i for i, text in enumerate(texts) if re.search(r"\u2192 \d|(?<!\S)\d+(\.\d+)* QUESTION", text))


# --------------------------------------------------------------------------- load (b)


def measure_load(url: str, seconds: float, concurrency: int) -> tuple[float, int]:
    """Load url for `seconds` from a second process, wrk (C, so that the client's own cost
    is small beside the server's): requests per second, and failed requests."""
    result = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{concurrency}",
            f"-d{seconds:g}s",
            "--timeout",
            "10s",
            "-H",
            "Accept-Encoding: gzip",
            f"http://127.0.0.1:{PORT}{url}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    )
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)[1])
    counts = re.findall(r"(?:Non-2xx or 3xx responses|connect|read|write|timeout):? (\d+)", result.stdout)
    failed = sum(int(n) for n in counts)
    return rps, failed


def throughput(debate, seconds: float, rounds: int, workers: int = 2, concurrency: int = 4):
    """(b): a cached map response against the trivial view, both behind gunicorn."""
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    server = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi:application",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        map_url = f"/debates/{debate.slug}/map.svg"
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
                connection.request("GET", "/bench/trivial/")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(
                    "gunicorn did not start: " + (server.stderr.read().decode() if server.stderr else "")
                )
            time.sleep(0.2)
        # Warm every worker's cache (locmem is per process; Redis would be shared) and the client.
        measure_load(map_url, 1, concurrency)
        measure_load("/bench/trivial/", 1, concurrency)
        trivial, cached = [], []
        for _ in range(rounds):  # alternated, so that machine noise hits both alike
            trivial.append(measure_load("/bench/trivial/", seconds, concurrency))
            cached.append(measure_load(map_url, seconds, concurrency))
        return trivial, cached
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def standing_time(repeat: int) -> tuple[int, int, list[float], list[float]]:
    """assess() on bench/standing.py's 1,500-node debate (pure: no database): nodes, arrows,
    and the wall-clock and CPU ms of each run (CPU time leaves out waiting for other
    processes, most of the spread on a shared machine)."""
    from bench.standing import build_debate as build_judged_debate
    from bench.standing import timed
    from debates.maps.standing import assess

    nodes, relations, numbers = build_judged_debate(1500)
    wall, cpu = timed(lambda: assess(nodes, relations, numbers), repeat)
    return len(nodes), len(relations), wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and shorter load runs")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/maps.py needs wrk for figure (b): make bench installs it (apt-get install wrk).")

    start_django(ENV, DB_PATH)
    from django.core.management import call_command

    debates = [build_debate(size) for size in SIZES]
    repeat = 3 if args.quick else 11

    print(f"Counterpoint map benchmarks: Graphviz {_dot_version()}, {os.cpu_count()} CPUs, SQLite at {DB_PATH}\n")
    print("(a) cold SVG render (cache off) vs dot -Tsvg on the same DOT; (c) PNG export")
    print("    (build = load_map + build_dot alone: the app's own share of the cold render)")
    columns = [("nodes", 6), ("arrows", 7), ("app ms", 8), ("dot ms", 8), ("ratio", 6), ("build ms", 9)]
    columns += [("png ms", 8), ("png px", 12)]
    print(" ".join(f"{name:>{width}}" for name, width in columns))
    for row in cold_render(debates, repeat):
        png_px = "x".join(map(str, row["png_px"]))
        print(
            f"{row['nodes']:>6} {row['relations']:>7} {row['app_ms']:>8.1f} {row['dot_ms']:>8.1f} "
            f"{row['app_ms'] / row['dot_ms']:>5.2f}x {row['build_ms']:>9.1f} {row['png_ms']:>8.1f} {png_px:>12}"
        )

    print("\n(d) queries per request, cold (empty cache) / warm")
    names = ("page", "node", "svg", "png", "pdf", "dot")
    print(f"{'nodes':>6} " + " ".join(f"{n:>7}" for n in names))
    for nodes, counts in query_counts(debates):
        print(f"{nodes:>6} " + " ".join(f"{counts[n][0]:>3}/{counts[n][1]:<3}" for n in names))

    from bench.standing import TARGET_MS

    nodes, arrows, wall, cpu = standing_time(20 if args.quick else 200)
    verdict = "meets" if statistics.median(wall) <= TARGET_MS else "MISSES"
    print(f"\n(e) standing.assess() on {nodes} nodes, {arrows} arrows: labels, evidence and every reason")
    print(
        f"{'runs':>6} {len(wall):>5}   min {min(wall):.2f} ms   median {statistics.median(wall):.2f} ms   "
        f"median CPU {statistics.median(cpu):.2f} ms   target {TARGET_MS:.0f} ms (median wall-clock): {verdict}"
    )
    print("\n(f) the drawing's shape (titled export), before (rank staggering alone) and after (wrapped)")
    print(f"{'nodes':>6} {'rule':>8} {'width pt':>9} {'height pt':>10} {'w:h':>6} {'crossings':>10} {'dot ms':>8}")
    for nodes, wrapped, width, height, ratio, crossings, elapsed in layout_shape(debates):
        rule = "wrapped" if wrapped else "before"
        print(
            f"{nodes:>6} {rule:>8} {width:>9.0f} {height:>10.0f} {ratio:>6.2f} {crossings:>10} {elapsed * 1000:>8.0f}"
        )

    print("\n(g) the PDF handout on A4, made afresh (no cache): time, pages (map pages), size")
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from debates.models import Debate

    demo = Debate.objects.get(slug="pakistan-ttp-response")
    print(f"{'debate':>22} {'nodes':>6} {'ms':>8} {'pages':>6} {'map':>5} {'KB':>7}")
    for row in handout_figures([demo, debates[1], debates[2]], 1 if args.quick else 3):
        print(
            f"{row['name']:>22} {row['nodes']:>6} {row['ms']:>8.0f} {row['pages']:>6} {row['map_pages']:>5} "
            f"{row['kb']:>7.0f}"
        )

    seconds, rounds = (2.0, 2) if args.quick else (3.0, 5)
    debate = debates[1]
    print(
        f"\n(b) throughput, gunicorn (2 sync workers) on 127.0.0.1:{PORT}, loaded by wrk (4 connections), "
        f"{seconds:g} s rounds alternated x {rounds}"
    )
    trivial, cached = throughput(debate, seconds, rounds)
    ratios = [c / t for (t, _), (c, _) in zip(trivial, cached, strict=True)]
    errors = sum(e for _, e in trivial) + sum(e for _, e in cached)
    label = f"cached map.svg ({debate.nodes.count()} nodes)"
    print(
        f"{'trivial view':>28}: {statistics.median(r for r, _ in trivial):8.1f} req/s median  (rounds: "
        + ", ".join(f"{r:.0f}" for r, _ in trivial)
        + ")"
    )
    print(
        f"{label:>28}: {statistics.median(r for r, _ in cached):8.1f} req/s median  (rounds: "
        + ", ".join(f"{r:.0f}" for r, _ in cached)
        + ")"
    )
    print(
        f"{'ratio':>28}: {statistics.median(ratios):8.2f}x median  (rounds: "
        + ", ".join(f"{r:.2f}" for r in ratios)
        + f")   failed requests: {errors}"
    )


def _dot_version() -> str:
    result = subprocess.run(["dot", "-V"], capture_output=True, text=True, timeout=10)
    return result.stderr.strip().split("version", 1)[-1].strip()


if __name__ == "__main__":
    main()
