"""The shipped gunicorn.conf.py starts the app the production way (DEBUG off), gives a
request more time than its whole Graphviz budget, and /healthz answers over plain HTTP."""

import json
import os
import runpy
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from debates.maps import runner
from tests.redis_server import _free_port

ROOT = Path(__file__).resolve().parent.parent


def test_workers_get_more_time_than_the_map_render_budget():
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    # The budget bounds every run of `dot` in a request together; `dot -V` comes before it.
    assert config["timeout"] > settings.MAP_RENDER_BUDGET + runner.VERSION_TIMEOUT
    assert config["graceful_timeout"] >= config["timeout"]
    assert config["preload_app"] is True


@pytest.mark.slow
@pytest.mark.dot
def test_gunicorn_with_the_shipped_config_serves_healthz_over_plain_http(tmp_path):
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL"}},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    body = json.loads(response.read())
                    break
            except (ConnectionError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert response.status == 200  # not a redirect to HTTPS
        assert body["status"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=30)
