"""config/settings.py reads the environment; production refuses to start without a secret."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _settings(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    code = (
        "import django, json; from django.conf import settings; django.setup();"
        "print(json.dumps([settings.DEBUG, settings.DATABASES['default']['ENGINE'],"
        " settings.CACHES['default']['BACKEND'], settings.ALLOWED_HOSTS]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_a_secret_key_refuses_to_start():
    result = _settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_defaults_are_sqlite_and_local_memory_cache():
    result = _settings(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert '"django.db.backends.sqlite3", "django.core.cache.backends.locmem.LocMemCache"' in result.stdout


def test_database_url_and_redis_url_switch_to_postgresql_and_redis():
    result = _settings(
        DEBUG="0",
        SECRET_KEY="x" * 60,
        DATABASE_URL="postgres://u:p@db.internal:5432/cp",
        REDIS_URL="redis://cache.internal:6379/0",
        ALLOWED_HOSTS="counterpoint.school.example,www.counterpoint.school.example",
    )
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.postgresql" in result.stdout
    assert "config.cache.FailSafeRedisCache" in result.stdout
    assert '["counterpoint.school.example", "www.counterpoint.school.example"]' in result.stdout
