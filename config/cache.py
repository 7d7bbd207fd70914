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

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
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


class FailSafeRedisCache(RedisCache):
    """Django's RedisCache whose operations turn an unreachable Redis into a miss or a no-op.

    Errors other than connection and timeout errors (a bad key, a value that cannot be
    pickled) still raise: those are bugs, not outages."""

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as error:
            _warn("add", error)
            return True  # as DummyCache: a caller holding an add-lock goes ahead

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as error:
            _warn("get", error)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as error:
            _warn("set", error)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as error:
            _warn("touch", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as error:
            _warn("delete", error)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as error:
            _warn("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as error:
            _warn("has_key", error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as error:
            _warn("incr", error)
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).") from None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as error:
            _warn("set_many", error)
            return list(data)  # the keys that were not stored

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except UNAVAILABLE as error:
            _warn("delete_many", error)

    def clear(self):
        try:
            return super().clear()
        except UNAVAILABLE as error:
            _warn("clear", error)
            return False
