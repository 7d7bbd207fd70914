"""Argument-map benchmarks (issue 3). Prints a table; not part of the test run.

    .venv/bin/python bench/maps.py [--quick]

Builds synthetic debates shaped like real ones (trees of branching 2-4, about 10% extra
cross-links, claim-length labels, a third of the boxes evidence with quotes) of 50, 200 and
400 nodes in a throwaway SQLite file under /tmp, and reports side by side:

(a) the app's cold SVG render (load + build_dot + dot, no cache) against `dot -Tsvg` run
    directly on the same DOT text;
(b) a cached map response against a trivial Django view returning a constant string, both
    served by gunicorn on 127.0.0.1 and loaded from a second process for a fixed time;
(c) the PNG export's time and pixel size;
(d) the query count of the debate page, the node page and each export, at each size.

Everything is bounded: fixed repetitions, fixed load durations, timeouts on every wait.
"""

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_PATH = Path("/tmp/counterpoint-bench-maps.sqlite3")
PORT = 8101
SIZES = (50, 200, 400)

ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DATABASE_URL": f"sqlite:///{DB_PATH}",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "SECURE_HSTS_SECONDS": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    # Persistent database connections, as in production: opening one costs more than a cached map.
    "CONN_MAX_AGE": "60",
}

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
WORDS = (
    "the state must act now because police forces remain exposed while schools jobs and courts take years "
    "to change and the group exploits every delay to recruit train and strike again across the border"
).split()


def _claim_text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30))).capitalize() + "."


def build_debate(size: int, seed: int = 7):
    """A public debate of `size` approved nodes: a tree of branching 2-4 and ~10% cross-links."""
    from debates.models import Debate, Kind, Node, Quote, Relation, Source, Status

    rng = random.Random(seed + size)
    slug = f"bench-{size}"
    Debate.objects.filter(slug=slug).delete()
    text = "\n\n".join(f"{i}. {s}" for i, s in enumerate(SENTENCES * 40))
    source = Source.objects.create(title=f"Bench op-ed {size}", author="A. Writer", outlet="Dawn", text=text)
    debate = Debate.objects.create(slug=slug, question=f"How should Pakistan respond? ({size} boxes)")
    debate.sources.add(source)
    question = Node.objects.create(debate=debate, kind=Kind.QUESTION, text=debate.question, status=Status.APPROVED)
    nodes, parents = [question], [question]
    tree: list[tuple[Node, Node, str]] = []
    depth = {question.pk: 0}
    while len(nodes) < size:
        parent = parents.pop(0)
        for _ in range(rng.randint(2, 4)):
            if len(nodes) >= size:
                break
            level = depth[parent.pk] + 1
            kind = Kind.POSITION if level == 1 else (Kind.EVIDENCE if rng.random() < 0.33 else Kind.CLAIM)
            node = Node.objects.create(debate=debate, kind=kind, text=_claim_text(rng), status=Status.APPROVED)
            if kind == Kind.EVIDENCE:
                start = text.index(SENTENCES[node.pk % len(SENTENCES)], rng.randint(0, len(text) // 2))
                end = start + len(SENTENCES[node.pk % len(SENTENCES)])
                Quote.objects.create(node=node, source=source, text=text[start:end], start=start, end=end)
            depth[node.pk] = level
            nodes.append(node)
            parents.append(node)
            relation = "supports" if level == 1 or rng.random() < 0.7 else "opposes"
            tree.append((node, parent, relation))
    pairs = {(s.pk, t.pk) for s, t, _ in tree}
    relations = [Relation(debate=debate, source=s, target=t, kind=k, status=Status.APPROVED) for s, t, k in tree]
    while len(relations) < len(tree) + size // 10:
        source_node, target_node = rng.sample(nodes[1:], 2)
        if (source_node.pk, target_node.pk) in pairs or (target_node.pk, source_node.pk) in pairs:
            continue
        pairs.add((source_node.pk, target_node.pk))
        kind = rng.choice(["supports", "opposes"])
        relations.append(
            Relation(debate=debate, source=source_node, target=target_node, kind=kind, status=Status.APPROVED)
        )
    Relation.objects.bulk_create(relations)
    return debate


def median_time(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_render(debates, repeat: int):
    """(a) and (c): the app's render path without cache against dot run directly."""
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from PIL import Image

    from debates import rendering

    rows = []
    for debate in debates:

        def app_svg(debate=debate):
            data = rendering.load_map(debate, AnonymousUser())
            return rendering.render(rendering.build_dot(data, title=debate.question), "svg")

        dot_text = rendering.build_dot(rendering.load_map(debate, AnonymousUser()), title=debate.question)

        def direct_svg(dot_text=dot_text):
            return subprocess.run(
                [settings.DOT_BINARY, "-Tsvg"], input=dot_text.encode(), capture_output=True, timeout=60, check=True
            ).stdout

        assert app_svg() == direct_svg(), "the app's SVG differs from dot's on the same DOT"

        def build(debate=debate):
            return rendering.build_dot(rendering.load_map(debate, AnonymousUser()), title=debate.question)

        build_time = median_time(build, repeat)
        app, direct = [], []
        for _ in range(repeat):  # interleaved, so that machine noise hits both alike
            app.append(median_time(app_svg, 1))
            direct.append(median_time(direct_svg, 1))
        png_bytes = rendering.render(dot_text, "png")
        png_time = median_time(lambda dot_text=dot_text: rendering.render(dot_text, "png"), max(1, repeat // 2))
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


# --------------------------------------------------------------------------- load (b)


def load(url: str, seconds: float, concurrency: int) -> None:
    """Run in a second process: GET url from `concurrency` threads for `seconds`; print req/s."""
    host, port = "127.0.0.1", PORT
    done, errors = [0] * concurrency, [0] * concurrency
    deadline = time.perf_counter() + seconds

    def worker(index):
        while time.perf_counter() < deadline:
            connection = http.client.HTTPConnection(host, port, timeout=10)
            try:
                # As a browser would ask; the trivial view's answer is too short to compress.
                connection.request("GET", url, headers={"Accept-Encoding": "gzip"})
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    done[index] += 1
                else:
                    errors[index] += 1
            except OSError:
                errors[index] += 1
            finally:
                connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 15)
    elapsed = time.perf_counter() - started
    print(f"{sum(done) / elapsed:.1f} {sum(errors)}")


def measure_load(url: str, seconds: float, concurrency: int) -> tuple[float, int]:
    result = subprocess.run(
        [sys.executable, __file__, "--load", url, str(seconds), str(concurrency)],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        cwd=ROOT,
        env={**os.environ, **ENV},
        check=True,
    )
    rps, errors = result.stdout.split()
    return float(rps), int(errors)


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
        # Warm every worker's cache (locmem is per process; Redis would be shared).
        measure_load(map_url, 2, concurrency)
        trivial, cached = [], []
        for _ in range(rounds):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and shorter load runs")
    parser.add_argument("--load", nargs=3, metavar=("URL", "SECONDS", "CONCURRENCY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load(args.load[0], float(args.load[1]), int(args.load[2]))
        return

    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    DB_PATH.unlink(missing_ok=True)
    django.setup()
    call_command("migrate", verbosity=0)
    debates = [build_debate(size) for size in SIZES]
    repeat = 3 if args.quick else 7

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

    seconds, rounds = (2.0, 1) if args.quick else (4.0, 3)
    debate = debates[1]
    print(
        f"\n(b) throughput, gunicorn (2 sync workers) on 127.0.0.1:{PORT}, 4 client threads, {seconds:g} s x {rounds}"
    )
    trivial, cached = throughput(debate, seconds, rounds)
    best_trivial = max(r for r, _ in trivial)
    best_cached = max(r for r, _ in cached)
    errors = sum(e for _, e in trivial) + sum(e for _, e in cached)
    print(f"{'trivial view':>28}: {best_trivial:8.1f} req/s  (runs: {', '.join(f'{r:.0f}' for r, _ in trivial)})")
    print(
        f"{f'cached map.svg ({debate.nodes.count()} nodes)':>28}: {best_cached:8.1f} req/s  "
        f"(runs: {', '.join(f'{r:.0f}' for r, _ in cached)})"
    )
    print(f"{'ratio':>28}: {best_cached / best_trivial:8.2f}x   errors: {errors}")


def _dot_version() -> str:
    result = subprocess.run(["dot", "-V"], capture_output=True, text=True, timeout=10)
    return result.stderr.strip().split("version", 1)[-1].strip()


if __name__ == "__main__":
    main()
