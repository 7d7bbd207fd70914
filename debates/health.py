"""Is this server healthy? The /healthz answer and the system checks that `manage.py check`
(and `check --deploy`) run.

/healthz answers JSON, with no authentication and never from a cache:

    {"status": "ok", "database": "ok", "cache": "ok", "graphviz": "2.43.0"}

with 200, or with 503 and "status": "fail" when any part fails ("fail" in its place,
"graphviz": "fail" when `dot` cannot be run). It names no host, path or error text: a
monitor learns which part failed, the log says why.
"""

import logging
import secrets

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from debates.maps import runner

logger = logging.getLogger("counterpoint.health")

OK, FAIL = "ok", "fail"


def database_ok() -> bool:
    """Whether the database answers a trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError as error:
        logger.warning("Health check: the database does not answer: %s", error)
        return False


def cache_ok() -> bool:
    """Whether a value written to the cache reads back (the fail-safe cache turns an outage
    into a miss, so a miss here is the outage)."""
    key, value = f"healthz:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, value, 10)
    found = cache.get(key)
    cache.delete(key)
    return found == value


@never_cache
@require_safe
def healthz(request):
    """The health of this server's database, cache and Graphviz, as JSON; 503 if any fails."""
    version = runner.graphviz_version()
    parts = {
        "database": OK if database_ok() else FAIL,
        "cache": OK if cache_ok() else FAIL,
        "graphviz": version or FAIL,
    }
    healthy = FAIL not in parts.values()
    return JsonResponse({"status": OK if healthy else FAIL, **parts}, status=200 if healthy else 503)


# --- System checks ----------------------------------------------------------------------


@checks.register()
def check_graphviz(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """counterpoint.W001: maps cannot be drawn when DOT_BINARY cannot be run."""
    if runner.graphviz_version() is not None:
        return []
    return [
        checks.Warning(
            f"Graphviz cannot be run as DOT_BINARY={settings.DOT_BINARY!r}: maps will answer 503 "
            "(pages still show the outline).",
            hint="Install Graphviz (apt-get install graphviz) or set DOT_BINARY to the path of `dot`.",
            id="counterpoint.W001",
        )
    ]


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """counterpoint.W002 (--deploy): without REDIS_URL each worker keeps a cache of its own."""
    if settings.DEBUG or not settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        return []
    return [
        checks.Warning(
            "No REDIS_URL is set: each worker process keeps its own in-memory cache, so API throttles "
            "and join limits count per process (a limit of 5 lets through 5 per worker) and each "
            "worker draws every map again.",
            hint="Set REDIS_URL to a Redis server that every app server shares.",
            id="counterpoint.W002",
        )
    ]
