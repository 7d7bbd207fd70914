"""A Redis cache that fails safe: when Redis cannot be reached, the site stays up.

Counterpoint caches drawings, map revisions and throttle counters; none of them is the
only copy of anything. So when Redis is down or too slow, every operation here behaves
as Django's DummyCache does (a read is a miss, a write is dropped, `add` says it stored,
`incr` says the key is missing), and a warning is logged at most once per
WARNING_INTERVAL seconds per process. Nothing is remembered about the failure: the next
operation tries Redis again, so the cache comes back by itself as soon as Redis does.

Configured in config/settings.py when REDIS_URL is set, with short socket timeouts so
that a dead Redis costs milliseconds (a refused connection) and a hung one at most
the timeouts, not a worker.
"""

import functools
import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("counterpoint.cache")

# What an unreachable or stalled Redis raises (BusyLoadingError is a ConnectionError).
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)

WARNING_INTERVAL = 30.0  # seconds between two "cache unavailable" warnings, per process

_last_warning = 0.0
_warning_lock = threading.Lock()


def _warn(operation: str, error: Exception) -> None:
    """Log that the cache is unavailable, at most once per WARNING_INTERVAL seconds."""
    global _last_warning
    now = time.monotonic()
    with _warning_lock:
        if now - _last_warning < WARNING_INTERVAL and _last_warning:
            return
        _last_warning = now
    logger.warning("Cache unavailable (%s: %s); serving uncached until it answers again.", operation, error)


def _fail_safe(name: str, outage):
    """RedisCache's operation `name`, answering outage(*args, **kwargs) instead when Redis is
    unavailable (and warning, at most once per WARNING_INTERVAL)."""
    operation = getattr(RedisCache, name)

    @functools.wraps(operation)
    def safe(self, *args, **kwargs):
        try:
            return operation(self, *args, **kwargs)
        except UNAVAILABLE as error:
            _warn(name, error)
            return outage(*args, **kwargs)

    return safe


def _nothing(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _missing(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found (the cache is unavailable).") from None


class FailSafeRedisCache(RedisCache):
    """Django's RedisCache whose operations turn an unreachable Redis into a miss or a no-op,
    answering what Django's DummyCache answers.

    Errors other than connection and timeout errors (a bad key, a value that cannot be
    pickled) still raise: those are bugs, not outages."""

    # As DummyCache: add says it stored, so that a caller holding an add-lock goes ahead.
    add = _fail_safe("add", lambda *args, **kwargs: True)
    get = _fail_safe("get", lambda key, default=None, version=None: default)
    set = _fail_safe("set", _nothing)
    touch = _fail_safe("touch", _false)
    delete = _fail_safe("delete", _false)
    get_many = _fail_safe("get_many", lambda *args, **kwargs: {})
    has_key = _fail_safe("has_key", _false)
    incr = _fail_safe("incr", _missing)
    # The keys that were not stored: all of them.
    set_many = _fail_safe("set_many", lambda data, *args, **kwargs: list(data))
    delete_many = _fail_safe("delete_many", _nothing)
    clear = _fail_safe("clear", _false)
