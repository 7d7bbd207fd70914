"""A real redis-server of the test's own, on a private port, that a test can stop and start.

Never the machine's Redis: this one is started here, stopped by its PID, and keeps nothing
on disk (`--save "" --appendonly no`)."""

import shutil
import socket
import subprocess
import time

import pytest
import redis


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """redis-server on 127.0.0.1:`port`; `stop()` kills it by PID, `start()` brings it back on the same port."""

    def __init__(self):
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def cache_settings(self) -> dict:
        """CACHES for override_settings: the app's fail-safe backend, pointed at this server."""
        return {
            "default": {
                "BACKEND": "config.cache.FailSafeRedisCache",
                "LOCATION": self.url,
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
            }
        }

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis():
    """A running PrivateRedis, stopped at the end of the test whatever happened."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (make test-system-packages installs it)")
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()
