# make run  — install everything, migrate, load demo data, serve on http://127.0.0.1:8000
# make test — lint, then the whole suite on SQLite and (when reachable) on PostgreSQL
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/helpdesk
PYTEST_ARGS ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install run serve test lint check test-sqlite test-postgres bench messages makemessages clean

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

messages: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

makemessages: install
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=node_modules --ignore=tests --ignore=bench

run: install messages
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py setup_schedules
	$(PY) manage.py seed_demo --if-empty
	$(MAKE) --no-print-directory serve

serve:
	@$(PY) manage.py demo_logins --base-url http://$(HOST):$(PORT)
	@echo "Serving on http://$(HOST):$(PORT)/ with a django-q2 task cluster (Ctrl-C stops both)"
	@trap 'kill 0' EXIT INT TERM; \
	$(PY) manage.py qcluster & \
	$(VENV)/bin/gunicorn helpdesk.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile - --log-level warning

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: install messages
	mkdir -p var
	DATABASE_URL=sqlite:///var/check.sqlite3 $(PY) manage.py check --fail-level WARNING
	DATABASE_URL=sqlite:///var/check.sqlite3 $(PY) manage.py makemigrations --check --dry-run

test-sqlite: install messages
	DATABASE_URL=sqlite:///var/test.sqlite3 $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

test-postgres: install messages
	@if [ -n "$${DATABASE_URL:-}" ] && [[ "$${DATABASE_URL}" == postgres* ]]; then url="$$DATABASE_URL"; \
	elif $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=2)" 2>/dev/null; then url="$(PG_URL)"; \
	else echo "PostgreSQL not reachable: skipping the PostgreSQL run"; exit 0; fi; \
	echo "== suite on PostgreSQL ($$url)"; DATABASE_URL="$$url" $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

test: lint check
	@echo "== suite on SQLite"
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

KB_BENCH_ARGS ?= --articles 100000

bench: install
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PY) -m bench.run $(BENCH_ARGS)
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PY) -m bench.knowledge $(KB_BENCH_ARGS)

clean:
	rm -rf var db.sqlite3 test-artifacts
