"""Settings for bench/api.py: the real ones, plus a urlconf with the hand-written baseline."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
