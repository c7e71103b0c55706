# The project's commands. `make run` and `make test` set up everything they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
CATALOGUES := $(wildcard ems/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)
# the PostgreSQL server `make test` uses when EMS_TEST_DATABASE_URL is not set and it answers
PG_DEFAULT_URL := postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 5000
# the suite on every core, each worker on a database of its own; tests that share a module's
# world (a demo organisation, the access matrix, a browser) stay together on one worker
PYTEST_PARALLEL ?= -n auto --dist loadfile

.PHONY: run test bench load browser screenshots lint typecheck check-migrations translations clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

%.mo: %.po $(INSTALLED)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

## run: set up, migrate the SQLite database, load the demo organisation into an empty database,
## create the first admin if none, serve on 127.0.0.1:5000 with a worker for background jobs
# Plain HTTP on the loopback address: the session cookie cannot be Secure here (it is by default).
# The worker (`ems worker`, queue in a SQLite file of the instance folder) runs the background
# jobs beside the server (on a new database first the demo's load, whose progress the sign-in
# page shows), and is stopped when the server stops.
run: $(INSTALLED) $(COMPILED)
	$(BIN)/ems db upgrade
	$(BIN)/ems factors load
	$(BIN)/ems demo load --if-empty --in-background
	$(BIN)/ems setup
	@$(BIN)/ems demo accounts
	@echo "Serving ems on http://$(HOST):$(PORT)/, background jobs run by one worker"
	$(BIN)/ems worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	EMS_SESSION_COOKIE_SECURE=$${EMS_SESSION_COOKIE_SECURE:-false} $(BIN)/ems run --host $(HOST) --port $(PORT)

## test: lint, type-check, then the whole suite (browser tests included) on SQLite and PostgreSQL
test: $(INSTALLED) $(COMPILED) browser lint typecheck
	@echo "== test suite on SQLite =="
	env -u EMS_TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_PARALLEL)
	@url="$${EMS_TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(BIN)/python tests/postgresql_available.py "$(PG_DEFAULT_URL)"; then \
		url="$(PG_DEFAULT_URL)"; fi; \
	if [ -n "$$url" ]; then \
		echo "== test suite on PostgreSQL ($$url) =="; \
		EMS_TEST_DATABASE_URL="$$url" $(BIN)/pytest $(PYTEST_PARALLEL); \
	else \
		echo "== PostgreSQL did not answer at $(PG_DEFAULT_URL): suite not run on it =="; \
	fi

## bench: benchmarks (tests/bench), as ratios to the fastest baseline, on SQLite and PostgreSQL
bench: $(INSTALLED)
	@# one shell for all: the database address found on the first line reaches every bench
	@url="$${EMS_TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(BIN)/python tests/postgresql_available.py "$(PG_DEFAULT_URL)"; then \
		url="$(PG_DEFAULT_URL)"; fi; \
	$(BIN)/python -m tests.bench.bench_ledger $${url:+--postgresql "$$url"} && \
	$(BIN)/python -m tests.bench.bench_inventory $${url:+--postgresql "$$url"} && \
	$(BIN)/python -m tests.bench.bench_report $${url:+--postgresql "$$url"} && \
	$(BIN)/python -m tests.bench.bench_pages $${url:+--postgresql "$$url"} && \
	$(BIN)/python -m tests.bench.bench_travel_import $${url:+--postgresql "$$url"} && \
	$(BIN)/python -m tests.bench.bench_recalculation $${url:+--postgresql "$$url"}

## load: 20 concurrent writers for 60 s against gunicorn, answers reconciled with the database;
## then 20 people on the demo's dashboard (latency percentiles)
load: $(INSTALLED)
	@url="$${EMS_TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(BIN)/python tests/postgresql_available.py "$(PG_DEFAULT_URL)"; then \
		url="$(PG_DEFAULT_URL)"; fi; \
	$(BIN)/python -m tests.bench.load_writers $${url:+--postgresql "$$url"} && \
	$(BIN)/python -m tests.bench.load_dashboard $${url:+--postgresql "$$url"}

## browser: Debian's Chromium for the browser tests (Playwright drives it; no browser download)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
		else \
			echo "== chromium is not installed and cannot be installed here (not root): the browser tests will be skipped =="; \
		fi; }

## screenshots: the README's screenshots, from the demo organisation (tests/e2e/screenshots/)
screenshots: $(INSTALLED) $(COMPILED) browser
	$(BIN)/python -m tests.e2e.screenshots

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(INSTALLED)
	$(BIN)/mypy

## check-migrations: fail if the models differ from the migrations (on the configured database)
check-migrations: $(INSTALLED)
	$(BIN)/ems db upgrade
	$(BIN)/ems db check

## translations: extract the marked strings and update the catalogues
translations: $(INSTALLED)
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".*" -o ems/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i ems/translations/messages.pot -d ems/translations

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
