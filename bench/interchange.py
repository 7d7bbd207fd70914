"""Interchange benchmarks, beside a peer. Prints a table; not part of the test run.

    .venv/bin/python bench/interchange.py [--quick]

(a) The same Argdown files (bench/interchange_data.py: about 50, 200 and 400 statements),
    drawn by the Argdown CLI (`argdown map --format svg`, installed by `make bench` into
    .cache/npm) and imported into Counterpoint, whose cold SVG render (load_map + build_dot +
    dot, no cache) is timed; plus the import's own time. The CLI's time includes starting
    Node.js, as a teacher running it pays it; its layout is also Graphviz (viz.js).
(b) A Kialo export of 2,659 statements (about 705 KB): import time (read + store, one
    transaction) and its query count.

Medians of fixed repetitions, in a throwaway SQLite file under /tmp.
"""

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, only bench/ is on the path
from bench.harness import bench_env, median_seconds, start_django  # noqa: E402

DB_PATH = Path("/tmp/counterpoint-bench-interchange.sqlite3")
ARGDOWN = Path(os.environ.get("ARGDOWN_CLI") or ROOT / ".cache/npm/node_modules/.bin/argdown")
SIZES = (50, 200, 400)
ENV = bench_env(DB_PATH)


def median_ms(function, repeat: int) -> float:
    return median_seconds(function, repeat) * 1000


def argdown_svg(source: Path, out: Path) -> None:
    """The peer: `argdown map --format svg FILE OUTDIR`, as its documentation runs it."""
    run = subprocess.run(
        [str(ARGDOWN), "map", "--format", "svg", str(source), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if run.returncode != 0 or not any(out.glob("*.svg")):
        raise SystemExit(f"argdown map failed on {source}:\n{run.stdout}\n{run.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    if not ARGDOWN.exists():
        sys.exit(f"bench/interchange.py needs the Argdown CLI at {ARGDOWN}: `make bench` installs it from npm.")
    start_django(ENV, DB_PATH)

    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.interchange_data import argdown_map, kialo_export
    from debates import importing
    from debates.maps import data, dot, runner
    from debates.models import Debate

    repeat = 3 if args.quick else 7
    work = Path(tempfile.mkdtemp(prefix="cp-bench-interchange-"))
    version = subprocess.run([str(ARGDOWN), "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    print(f"Interchange benchmarks: Argdown CLI {version or '?'}, Graphviz {runner.graphviz_version()}, "
          f"{os.cpu_count()} CPUs, medians of {repeat}\n")  # fmt: skip

    print("(a) the same Argdown file: `argdown map --format svg` vs Counterpoint's cold SVG render of it imported")
    columns = [("statements", 10), ("relations", 9), ("argdown ms", 10), ("app ms", 8), ("ratio", 6), ("import ms", 9)]
    print(" ".join(f"{name:>{width}}" for name, width in columns))
    for size in SIZES:
        source = work / f"argdown_{size}.argdown"
        text = argdown_map(size)
        source.write_text(text, encoding="utf-8")
        peer = median_ms(lambda source=source: argdown_svg(source, Path(tempfile.mkdtemp(dir=work))), repeat)

        slugs = (f"a{size}-{n}" for n in itertools.count())

        def do_import(text=text, slugs=slugs):
            argument_map = importing.read_upload(text.encode(), "argdown")
            return importing.map_import(argument_map=argument_map, fmt="argdown", imported_by=None, slug=next(slugs))

        import_ms = median_ms(do_import, repeat)
        debate = do_import()

        def cold_svg(debate=debate):
            map_data = data.load_map(debate, AnonymousUser())
            return runner.render(dot.build_dot(map_data, title=debate.question), "svg")

        app = median_ms(cold_svg, repeat)
        print(
            f"{debate.nodes.count():>10} {debate.relations.count():>9} {peer:>10.0f} {app:>8.0f} "
            f"{app / peer:>5.2f}x {import_ms:>9.0f}"
        )

    print("\n(b) a Kialo export of 2,659 statements: import (read + store in one transaction)")
    kialo = kialo_export().encode()
    slugs = (f"k{n}" for n in itertools.count())

    def kialo_import():
        argument_map = importing.read_upload(kialo, "kialo")
        return importing.map_import(argument_map=argument_map, fmt="kialo", imported_by=None, slug=next(slugs))

    seconds = median_ms(kialo_import, max(1, repeat // 2)) / 1000
    with CaptureQueriesContext(connection) as queries:
        debate = kialo_import()
    read_ms = median_ms(lambda: importing.read_upload(kialo, "kialo"), repeat)
    print(f"{'bytes':>9} {'statements':>10} {'relations':>9} {'import s':>9} {'of it read ms':>13} {'queries':>8}")
    print(
        f"{len(kialo):>9,} {debate.nodes.count():>10,} {debate.relations.count():>9,} {seconds:>9.2f} "
        f"{read_ms:>13.0f} {len(queries):>8}"
    )
    assert Debate.objects.filter(slug=debate.slug).exists()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
