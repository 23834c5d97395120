# Convene — the documented entry points: `make run`, `make test`, `make bench`, `make lint`.
PYTHON ?= python3
VENV ?= .venv
PIP := $(VENV)/bin/pip
FLASK := FLASK_APP=wsgi.py $(VENV)/bin/flask
PORT ?= 5000
NODE_DIR := .node
NODE_PACKAGES := axe-core@4.14.1 ical.js@2.2.1

.PHONY: run test lint format bench bench-smoke node-deps clean serve-prod load-generator \
	translations translations-extract translations-update translations-compile
PYBABEL := $(VENV)/bin/pybabel
TRANSLATIONS := webapp/translations

$(VENV)/.runtime: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PIP) install -q -r requirements-dev.txt
	touch $@

## translations: extract every message into messages.pot and merge it into each catalogue
translations: translations-extract translations-update

translations-extract: $(VENV)/.runtime
	$(PYBABEL) -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 \
	  --no-location --sort-output --project Convene -o $(TRANSLATIONS)/messages.pot .

translations-update: $(VENV)/.runtime
	$(PYBABEL) -q update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) \
	  --no-fuzzy-matching --ignore-obsolete --no-wrap

## translations-compile: the .mo files the app reads (built here, never committed)
translations-compile: $(VENV)/.runtime
	$(PYBABEL) -q compile -d $(TRANSLATIONS)

## run: set up, migrate, load demo events, serve on http://127.0.0.1:$(PORT) (SQLite in instance/),
## with a mail worker beside it for the periodic jobs (holds, digests, follow-ups)
run: $(VENV)/.runtime translations-compile
	$(FLASK) db upgrade
	$(FLASK) demo load
	@export CONVENE_BASE_URL=$${CONVENE_BASE_URL:-http://127.0.0.1:$(PORT)}; \
	$(FLASK) mail worker --interval 30 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; \
	MAIL_DELIVER_AFTER_REQUEST=1 $(FLASK) run --host 127.0.0.1 --port $(PORT)

## serve-prod: the production profile on one host: migrations, two gunicorn instances
## (PROD_PORTS) on one PostgreSQL (DATABASE_URL), rate limits in Redis, two mail workers.
PROD_PORTS ?= 8001 8002
GUNICORN := $(VENV)/bin/gunicorn --workers 2 --threads 4 --worker-class gthread --no-control-socket
serve-prod: $(VENV)/.runtime translations-compile
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "Set DATABASE_URL=postgresql://... (the production profile runs on PostgreSQL)"; exit 2;; esac
	$(FLASK) db upgrade
	@export RATELIMIT_STORAGE_URI=$${RATELIMIT_STORAGE_URI:-redis://127.0.0.1:6379/0}; \
	trap 'kill 0' INT TERM EXIT; \
	for port in $(PROD_PORTS); do $(GUNICORN) --bind 127.0.0.1:$$port wsgi:app & done; \
	$(FLASK) mail worker --interval $${MAIL_WORKER_INTERVAL:-5} & \
	$(FLASK) mail worker --interval $${MAIL_WORKER_INTERVAL:-5} & \
	wait

# Node packages used only by tests (axe-core, Mozilla's ical.js); optional: tests skip without node.
node-deps:
	@if command -v npm >/dev/null 2>&1; then \
	  test -f $(NODE_DIR)/.installed || (npm install --silent --no-save --no-package-lock --prefix $(NODE_DIR) $(NODE_PACKAGES) && touch $(NODE_DIR)/.installed) \
	  || echo "npm install failed: tests that need axe-core or ical.js will be skipped"; \
	else echo "npm not found: tests that need axe-core or ical.js will be skipped"; fi

## test: install dev deps, lint, run the suite on SQLite and, if TEST_DATABASE_URL is set, at the
## same time again on PostgreSQL (its output follows once both are done; either failing fails)
test: $(VENV)/.dev node-deps translations-compile
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  log=$$(mktemp); \
	  echo "== on SQLite, and meanwhile on PostgreSQL ($$TEST_DATABASE_URL) =="; \
	  CONVENE_TEST_BACKEND=postgres $(VENV)/bin/pytest -m "not browser" -p no:cacheprovider \
	    > $$log 2>&1 & postgres=$$!; \
	  $(VENV)/bin/pytest; sqlite=$$?; \
	  wait $$postgres; postgres_status=$$?; \
	  echo "== on PostgreSQL =="; cat $$log; rm -f $$log; \
	  [ $$sqlite -eq 0 ] && [ $$postgres_status -eq 0 ]; \
	else \
	  $(VENV)/bin/pytest && echo "TEST_DATABASE_URL not set: PostgreSQL run skipped"; \
	fi

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## bench: full benchmark (SQLite; PostgreSQL too with BENCH_DATABASE_URL), writes bench/results/latest.json
bench: $(VENV)/.dev load-generator translations-compile
	$(VENV)/bin/python -m bench.run

## bench-smoke: a few seconds on a tiny data set, to keep the harness working (bench/results/smoke.json)
bench-smoke: $(VENV)/.dev load-generator translations-compile
	$(VENV)/bin/python -m bench.run --smoke

# wrk, the HTTP load generator the benchmark prefers (its Python fallback is much weaker).
load-generator:
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && (apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)) ; } \
	  || echo "wrk not installed: the benchmark uses its Python load generator"

clean:
	rm -rf $(VENV) $(NODE_DIR) .pytest_cache .ruff_cache
