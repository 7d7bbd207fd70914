"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py config.wsgi` (README).

Every knob can be overridden on the command line or by gunicorn's own environment
variables (WEB_CONCURRENCY, GUNICORN_CMD_ARGS)."""

import multiprocessing
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings  # noqa: E402 (after the settings module is named)

from debates.maps import runner  # noqa: E402 (needs no app registry: no models)

bind = os.environ.get("BIND", "0.0.0.0:8000")
# Sync workers: a map render holds its worker while `dot` runs, so keep a few spare.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))

# A worker is killed if one request takes longer than `timeout`. All of a request's Graphviz
# time (every run of `dot`, the handout's sections included, and any wait for another
# request's render of the same drawing) ends within MAP_RENDER_BUDGET; before it, asking
# `dot -V` for the cache key may take VERSION_TIMEOUT (once a minute per worker). The PDF
# handout's composition (WeasyPrint) comes on top of its Graphviz time: allow as long again,
# and a margin for the database and the response, so that the app's own clear 503 (not a
# killed worker and the proxy's 502) answers a map that is too slow to draw.
timeout = int(2 * settings.MAP_RENDER_BUDGET + runner.VERSION_TIMEOUT + 15)
# On a restart or reload, a worker may finish the request it is serving for as long.
graceful_timeout = timeout
# Load the app once, before forking: workers start fast and share its memory.
preload_app = True
accesslog = "-"
