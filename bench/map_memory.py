"""How much cache memory one debate's drawings take. Prints a table; not part of the test run.

    .venv/bin/python bench/map_memory.py

Builds bench/maps.py's synthetic public debates of 50, 200 and 400 nodes in a throwaway
SQLite file, then asks for what a class asks for (the page, map.svg plain and gzipped,
map.png, map.pdf, map.dot) and sums the pickled size of everything the map wing kept for
the debate (cache.py lists it per debate): about what Redis holds for it, before Redis's own
overhead of some tens of bytes per key. Each focused view (?focus=..) adds its own drawings,
a fraction of these.
"""

import pickle
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench import maps as bench_maps
    from bench.harness import start_django

    start_django(bench_maps.ENV, bench_maps.DB_PATH)
    from django.core.cache import cache
    from django.test import Client

    print(f"{'nodes':>5} {'keys':>5} {'page svg':>10} {'svg':>10} {'svg.gz':>10} {'png':>10} {'pdf':>10} {'total':>10}")
    for size in bench_maps.SIZES:
        debate = bench_maps.build_debate(size)
        cache.clear()
        client = Client()
        sizes = {}
        for name, url, headers in [
            ("page svg", f"/debates/{debate.slug}/", {}),
            ("svg", f"/debates/{debate.slug}/map.svg", {}),
            ("svg.gz", f"/debates/{debate.slug}/map.svg", {"HTTP_ACCEPT_ENCODING": "gzip"}),
            ("png", f"/debates/{debate.slug}/map.png", {}),
            ("pdf", f"/debates/{debate.slug}/map.pdf", {}),
            ("dot", f"/debates/{debate.slug}/map.dot", {}),
        ]:
            before = set(cache.get(f"mapkeys:{debate.pk}") or [])
            assert client.get(url, **headers).status_code == 200, url
            added = set(cache.get(f"mapkeys:{debate.pk}") or []) - before
            sizes[name] = sum(len(pickle.dumps(cache.get(key), pickle.HIGHEST_PROTOCOL)) for key in added)
        keys = cache.get(f"mapkeys:{debate.pk}")
        total = sum(len(pickle.dumps(cache.get(key), pickle.HIGHEST_PROTOCOL)) for key in keys)
        row = [sizes[n] / 1024 for n in ("page svg", "svg", "svg.gz", "png", "pdf")]
        print(f"{size:>5} {len(keys):>5} " + " ".join(f"{v:>8.0f}KB" for v in row) + f" {total / 1024:>8.0f}KB")


if __name__ == "__main__":
    main()
