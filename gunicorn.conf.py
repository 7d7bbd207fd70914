"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py config.wsgi` (README).

Every knob can be overridden on the command line or by gunicorn's own environment
variables (WEB_CONCURRENCY, GUNICORN_CMD_ARGS)."""

import multiprocessing
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings  # noqa: E402 (after the settings module is named)

bind = os.environ.get("BIND", "0.0.0.0:8000")
# Sync workers: a map render holds its worker while `dot` runs, so keep a few spare.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))

# A worker is killed if one request takes longer than `timeout`. The longest request is the
# PDF handout: all its `dot` runs share one MAP_RENDER_TIMEOUT, and its composition
# (WeasyPrint, a few seconds for 400 boxes) comes on top; allow as long again and a margin
# for the database and the response, so that the app's own clear 503 (not a killed worker
# and the proxy's 502) answers a map that is too slow to draw.
timeout = int(2 * settings.MAP_RENDER_TIMEOUT + 15)
# On a restart or reload, a worker may finish the request it is serving for as long.
graceful_timeout = timeout
# Load the app once, before forking: workers start fast and share its memory.
preload_app = True
accesslog = "-"
