"""Benchmark: the API's node list of a 200-node debate, served by gunicorn, against a
hand-written JsonResponse of the same rows, in the same run. Prints a table.

    .venv/bin/python bench/api.py [--seconds 5] [--concurrency 4] [--workers 2]

A throwaway SQLite database under /tmp; gunicorn on 127.0.0.1:8201; the load comes from
this process (a second process from gunicorn's), bounded in requests and time.
"""

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST, PORT = "127.0.0.1", 8201
SLUG = "bench-debate"
NODES = 200  # the question and 199 others
MAX_REQUESTS = 20_000


def _env(db_path: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.api_settings",
        DATABASE_URL=f"sqlite:///{db_path}",
        DEBUG="0",
        SECRET_KEY="bench-only-not-secret-0123456789-0123456789-0123456789",
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="0",
        CONN_MAX_AGE="60",
        LOG_LEVEL="ERROR",
        # WhiteNoise warns that there is no collected static files directory: the API needs none.
        PYTHONWARNINGS="ignore::UserWarning",
        PYTHONPATH=str(ROOT),
    )
    env.pop("REDIS_URL", None)
    return env


SEED = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from debates.models import Debate, Kind, Node, Quote, Relation, Source, Status
teacher = get_user_model().objects.create_user("bench-teacher", password="unused-password-1")
text = "Paragraph about security and schools. " * 400
source = Source.objects.create(title="Op-ed", text=text, outlet="Dawn")
debate = Debate.objects.create(slug="{SLUG}", question="How should Pakistan respond?", created_by=teacher)
debate.sources.add(source)
question = Node.objects.create(debate=debate, kind=Kind.QUESTION, text=debate.question,
                               status=Status.APPROVED, author=teacher, reviewed_by=teacher)
for n in range(1, {NODES}):
    kind = Kind.EVIDENCE if n % 3 == 0 else Kind.CLAIM
    node = Node.objects.create(debate=debate, kind=kind, text=f"Node number {{n}}: a claim of some length " * 3,
                               status=Status.APPROVED, author=teacher, reviewed_by=teacher)
    if kind == Kind.EVIDENCE:
        start = 39 * n
        Quote.objects.create(node=node, source=source, text=text[start:start + 38], start=start, end=start + 38)
    Relation.objects.create(debate=debate, source=node, target=question, kind="supports",
                            status=Status.APPROVED, author=teacher)
print(Node.objects.count())
"""


def _get(path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": HOST})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _wait_for_server(deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            _get("/bench/nodes.json?debate=none")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start in time")


def _load(path: str, seconds: float, concurrency: int) -> tuple[list[float], int, float]:
    """Hit the path from `concurrency` threads for `seconds`; return latencies, failures and wall time."""
    latencies: list[float] = []
    failures = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker():
        while time.monotonic() < stop_at:
            with lock:
                if len(latencies) + len(failures) >= MAX_REQUESTS:
                    return
            began = time.perf_counter()
            status, _ = _get(path)
            elapsed = time.perf_counter() - began
            with lock:
                (latencies if status == 200 else failures).append(elapsed if status == 200 else status)

    began = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, len(failures), time.monotonic() - began


def _compare(endpoints: dict, seconds: float, concurrency: int) -> dict:
    """Alternate the endpoints in one-second rounds, so that a busy machine slows both alike."""
    totals = {name: ([], 0, 0.0) for name in endpoints}
    rounds = max(1, round(seconds))
    for n in range(rounds):
        order = list(endpoints) if n % 2 == 0 else list(reversed(endpoints))
        for name in order:
            latencies, failures, wall = _load(endpoints[name], seconds / rounds, concurrency)
            got = totals[name]
            totals[name] = (got[0] + latencies, got[1] + failures, got[2] + wall)
    results = {}
    for name, (latencies, failures, wall) in totals.items():
        latencies.sort()
        results[name] = {
            "requests": len(latencies),
            "failures": failures,
            "seconds": wall,
            "rps": len(latencies) / wall,
            "mean_ms": 1000 * statistics.fmean(latencies) if latencies else 0.0,
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per endpoint (default 10)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="cp-bench-api-", dir="/tmp"))
    db_path = workdir / "bench.sqlite3"
    env = _env(db_path)
    python = sys.executable
    server = None
    try:
        seeded = subprocess.run([python, "-c", SEED], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        if seeded.returncode != 0:
            raise SystemExit(seeded.stderr)
        gunicorn = [python, "-m", "gunicorn", "config.wsgi:application", "--bind", f"{HOST}:{PORT}"]
        gunicorn += ["--workers", str(args.workers), "--log-level", "warning", "--timeout", "60"]
        server = subprocess.Popen(gunicorn, env=env, cwd=ROOT)
        _wait_for_server(time.monotonic() + 30)

        endpoints = {
            "DRF /api/nodes/": f"/api/nodes/?debate={SLUG}&page_size=200",
            "JsonResponse": f"/bench/nodes.json?debate={SLUG}",
        }
        # The two must serve the same rows, or the comparison means nothing.
        bodies = {name: json.loads(_get(path)[1]) for name, path in endpoints.items()}
        api_rows, plain_rows = (bodies[name]["results"] for name in endpoints)
        assert len(api_rows) == NODES and api_rows == plain_rows, "the two endpoints differ"
        size = {name: len(_get(path)[1]) for name, path in endpoints.items()}

        for path in endpoints.values():
            _load(path, 1.0, args.concurrency)  # warm-up: workers, connections, caches
        results = _compare(endpoints, args.seconds, args.concurrency)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=15)
        shutil.rmtree(workdir, ignore_errors=True)

    baseline = results["JsonResponse"]["rps"]
    print(
        f"\nNode list of a {NODES}-node debate; gunicorn {args.workers} sync workers, {args.concurrency} clients, "
        f"{args.seconds:g} s each in alternating rounds; load average {os.getloadavg()[0]:.1f}"
    )
    header = (
        f"{'endpoint':<18} {'requests':>9} {'failed':>7} {'req/s':>8} {'mean ms':>8} {'p95 ms':>8} "
        f"{'bytes':>8} {'vs JsonResponse':>16}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        print(
            f"{name:<18} {r['requests']:>9} {r['failures']:>7} {r['rps']:>8.1f} {r['mean_ms']:>8.1f} "
            f"{r['p95_ms']:>8.1f} {size[name]:>8} {r['rps'] / baseline:>15.2f}x"
        )
    ratio = results["DRF /api/nodes/"]["rps"] / baseline
    print(f"\nAPI throughput is {ratio:.2f}x the hand-written JsonResponse (aim: at least 0.60x).")


if __name__ == "__main__":
    main()
