# Counterpoint: `make run` serves the demo, `make test` runs the whole suite.
# Both install what they need (Debian packages, then .venv) and are fast the second time.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# pango, its FreeType backend and harfbuzz's subsetter are what WeasyPrint (the PDF handout) loads.
APP_PACKAGES := graphviz fonts-noto-core fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
TEST_PACKAGES := chromium redis-server
# wrk loads the server from a second process in bench/maps.py, figure (b).
BENCH_PACKAGES := wrk
PG_URL ?= postgres://postgres@127.0.0.1:5432/counterpoint
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
export DEBUG ?= 1
# The development server's port: `make run PORT=8001` when 8000 is taken.
PORT ?= 8000

.PHONY: run test system-packages test-system-packages bench-system-packages lint bench clean

run: system-packages $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: system-packages test-system-packages $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest
	@if $(PY) -c "import psycopg; psycopg.connect('$(PG_URL)'.rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL answers: the suite again on PostgreSQL (and Redis, if it answers) =="; \
		if $(PY) -c "import redis; redis.Redis.from_url('$(REDIS_TEST_URL)', socket_timeout=2).ping()" 2>/dev/null; then \
			DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(PY) -m pytest; \
		else \
			DATABASE_URL=$(PG_URL) $(PY) -m pytest; \
		fi; \
	else \
		echo "== PostgreSQL does not answer at 127.0.0.1:5432: SQLite run only =="; \
	fi

system-packages:
	@dpkg -s $(APP_PACKAGES) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APP_PACKAGES); }

test-system-packages:
	@dpkg -s $(TEST_PACKAGES) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(TEST_PACKAGES); }

bench-system-packages:
	@dpkg -s $(BENCH_PACKAGES) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(BENCH_PACKAGES); }

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed

bench: system-packages bench-system-packages $(VENV)/.installed-dev
	$(PY) bench/maps.py
	$(PY) bench/api.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
