# Counterpoint: `make run` serves the demo, `make test` runs the whole suite.
# Both install what they need (Debian packages, then .venv) and are fast the second time.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# fonts-noto-color-emoji: Graphviz's cairo renderer draws flags and joined emoji with it (PNG, PDF)
# instead of empty boxes; fonts-noto-core gives it Urdu. pango, its FreeType backend and
# harfbuzz's subsetter are what WeasyPrint (the PDF handout) loads.
APP_PACKAGES := graphviz fonts-noto-core fonts-dejavu-core fonts-noto-color-emoji libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
TEST_PACKAGES := chromium redis-server
# wrk loads the server from a second process in bench/maps.py, figure (b); npm installs the
# Argdown CLI that bench/interchange.py compares against.
BENCH_PACKAGES := wrk nodejs
# The peer of bench/interchange.py, installed outside git (.cache/ is ignored). 1.7.5: the
# latest whose dependencies the registry serves whole (2.0.0 asks for a plugin version that
# was never published).
ARGDOWN_VERSION := 1.7.5
ARGDOWN := .cache/npm/node_modules/.bin/argdown
PG_URL ?= postgres://postgres@127.0.0.1:5432/counterpoint
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
export DEBUG ?= 1
# The development server's port: `make run PORT=8001` when 8000 is taken.
PORT ?= 8000

# axe-core checks the pages' accessibility in Chromium (tests/test_accessibility_browser.py).
# It comes from npm into .cache/npm, outside git; without npm that test skips and says why.
AXE_VERSION := 4.11.0
NPM_PREFIX := .cache/npm

.PHONY: run test system-packages test-system-packages npm-packages bench-system-packages lint bench clean

run: system-packages $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: system-packages test-system-packages npm-packages $(VENV)/.installed-dev
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

npm-packages:
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "== npm is absent: the axe-core accessibility test will skip =="; \
	elif ! grep -qs '"version": "$(AXE_VERSION)"' $(NPM_PREFIX)/node_modules/axe-core/package.json; then \
		npm install --no-save --no-audit --no-fund --loglevel=error --prefix $(NPM_PREFIX) axe-core@$(AXE_VERSION); \
	fi

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

$(ARGDOWN): | bench-system-packages
	@# Debian ships npm apart from nodejs; NodeSource's nodejs carries its own (and conflicts with it).
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }
	npm install --silent --no-audit --no-fund --prefix .cache/npm @argdown/cli@$(ARGDOWN_VERSION)

bench: system-packages bench-system-packages $(VENV)/.installed-dev $(ARGDOWN)
	$(PY) bench/maps.py
	$(PY) bench/api.py
	$(PY) bench/interchange.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .cache
