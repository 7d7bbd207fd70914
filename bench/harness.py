"""What the benchmarks share: the app's Django on a throwaway SQLite file, and timing by
median. A benchmark run as a script has only bench/ on its path; each puts the checkout's
root there before it imports this."""

import os
import statistics
import time
from pathlib import Path


def bench_env(db_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a benchmark's Django (bench.settings) on the SQLite file db_path:
    no DEBUG, plain HTTP on 127.0.0.1, plus `extra` variables."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"sqlite:///{db_path}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        **extra,
    }


def start_django(env: dict[str, str], db_path: Path) -> None:
    """Set Django up in this process with `env` (from bench_env) on a fresh, migrated
    database: the SQLite file db_path is deleted first."""
    os.environ.update(env)
    import django
    from django.core.management import call_command

    db_path.unlink(missing_ok=True)
    django.setup()
    call_command("migrate", verbosity=0)


def median_seconds(function, repeat: int) -> float:
    """The median wall-clock time of `repeat` calls of function(), in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
