"""Rate limits, counted atomically in the shared cache: the API's write and token throttles,
and the limit on wrong join codes (web form, sign-up and API alike).

Each limit is a fixed-window counter: the key names the scope, who is counted and the
window (`throttle:api-write:user-7:29345678`); `cache.add` starts it and `cache.incr`
counts, both atomic on Redis and on Django's local-memory cache. So twelve requests at
once against a limit of five get the counts 1 to 12 and exactly five pass, on one server
or on several sharing a Redis. (DRF's SimpleRateThrottle reads a list of timestamps and
writes it back: concurrent requests overwrite each other's and more pass.) The price of
fixed windows: a burst straddling a window's end may pass up to twice the limit.

When the cache cannot count (it is down: config/cache.py turns that into a miss), limits
fail open: a missing count lets the request through. Logins stay protected by django-axes,
which counts failures in the database.
"""

import hashlib
import math
import re
import time
from collections.abc import Mapping

from django.conf import settings
from django.core.cache import cache
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]*)\s*([smhd])[a-z]*\s*")


def parse_rate(rate: str) -> tuple[int, int]:
    """ "120/min" -> (120, 60); "10/15m" -> (10, 900): (requests, seconds). ValueError if malformed."""
    match = _RATE.fullmatch(rate or "")
    if match is None:
        raise ValueError(f"A rate looks like '120/min' or '10/15m', not {rate!r}.")
    count, multiple, period = match.groups()
    return int(count), int(multiple or 1) * _PERIODS[period]


def hit(scope: str, ident: str, duration: int) -> tuple[int | None, int, str]:
    """Count one event for `ident` in `scope`'s current window of `duration` seconds.

    Returns (the count so far in this window, or None when the cache cannot count;
    seconds until the window ends; the counter's key, for refund())."""
    now = time.time()
    window = int(now // duration)
    key = f"throttle:{scope}:{ident}:{window}"
    seconds_left = max(1, math.ceil((window + 1) * duration - now))
    # The key outlives its window by a second so that a late incr still finds it.
    if cache.add(key, 1, duration + 1):
        return 1, seconds_left, key
    try:
        return cache.incr(key), seconds_left, key
    except ValueError:
        return None, seconds_left, key  # gone since add(), or the cache is down: not counted


def refund(key: str) -> None:
    """Take back one event counted by hit() (an attempt that turned out to be allowed)."""
    try:
        cache.decr(key)
    except ValueError:
        pass  # its window is over, or the cache is down: nothing to take back


def client_address(request) -> str:
    """The address a request comes from, as the API's throttles read it (DRF's NUM_PROXIES)."""
    return BaseThrottle().get_ident(request) or "unknown"


def _hashed(value: str) -> str:
    # Keys never carry what a user typed: a user name may hold any character.
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]


def client_ident(request) -> str:
    """Who a request is counted as: "user-<pk>" when signed in, else "addr-<hash of its address>"
    (a Django or a DRF request)."""
    user = request.user
    return f"user-{user.pk}" if user and user.is_authenticated else f"addr-{_hashed(client_address(request))}"


# --- The API's throttles ------------------------------------------------------------------


class CountedThrottle(BaseThrottle):
    """A DRF throttle over hit(): `scope` names its rate in REST_FRAMEWORK's
    DEFAULT_THROTTLE_RATES (read per request, so that settings and tests can change it)."""

    scope = ""

    def ident(self, request, view) -> str:
        return client_ident(request)

    def allow_request(self, request, view) -> bool:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if rate is None:
            return True
        limit, duration = parse_rate(rate)
        count, self.seconds_left, _ = hit(self.scope, self.ident(request, view), duration)
        return count is None or count <= limit

    def wait(self) -> int:
        return self.seconds_left


class WriteThrottle(CountedThrottle):
    """Throttles the unsafe methods, per user (per address for anonymous requests)."""

    scope = "api-write"

    def allow_request(self, request, view) -> bool:
        return request.method in SAFE_METHODS or super().allow_request(request, view)


class TokenLoginThrottle(CountedThrottle):
    """Throttles token requests per user name tried (per address without one), like django-axes."""

    scope = "api-token"

    def ident(self, request, view) -> str:
        data = request.data
        username = data.get("username") if isinstance(data, Mapping) else None
        if isinstance(username, str) and username.strip():
            return f"name-{_hashed(username.strip().lower())}"
        return f"addr-{_hashed(client_address(request))}"


# --- Join codes -----------------------------------------------------------------------------


class TooManyAttempts(Exception):
    """Too many wrong join codes lately; `wait` is in seconds."""

    def __init__(self, wait: int):
        self.wait = wait
        minutes = max(1, math.ceil(wait / 60))
        super().__init__(
            f"Too many wrong join codes from this account or network. Wait {minutes} minute"
            f"{'s' if minutes != 1 else ''} and try again, or check the code with your teacher."
        )


class JoinLimit:
    """Wrong join codes per user and per address (settings.JOIN_RATE_PER_USER and
    JOIN_RATE_PER_ADDRESS). check() counts the attempt before the code is looked at, so
    concurrent guesses cannot slip past the limit; succeeded() takes it back, so only
    wrong codes count against a class that signs up from one school address."""

    def __init__(self, request, user=None):
        self.counters = [("join-address", f"addr-{_hashed(client_address(request))}", settings.JOIN_RATE_PER_ADDRESS)]
        if user is not None and user.is_authenticated:
            self.counters.append(("join-user", f"user-{user.pk}", settings.JOIN_RATE_PER_USER))
        self.keys: list[str] = []

    def check(self) -> None:
        """Count this attempt; TooManyAttempts if a limit is already spent (the code is not checked)."""
        over = []
        for scope, ident, rate in self.counters:
            limit, duration = parse_rate(rate)
            count, seconds_left, key = hit(scope, ident, duration)
            self.keys.append(key)
            if count is not None and count > limit:
                over.append(seconds_left)
        if over:
            raise TooManyAttempts(wait=max(over))

    def succeeded(self) -> None:
        """The code was right: this attempt does not count against the limits."""
        for key in self.keys:
            refund(key)
        self.keys = []
