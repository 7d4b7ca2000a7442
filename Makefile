# Two commands from a fresh machine: `make run` and `make test` (see README.md).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
# What is installed: the runtime (`make run`), the runtime and the development tools
# (`make test`, `make lint`), and the load-test tools. Each target needs only its own stamp.
RUN_STAMP  := $(VENV)/.installed-run
STAMP  := $(VENV)/.installed
LOAD_STAMP := $(VENV)/.installed-load
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Links the site builds (emails, the calendar address) follow HOST and PORT, unless the
# operator set PORTAL_BASE_URL. The web server and the worker both get it.
PORTAL_BASE_URL ?= http://$(HOST):$(PORT)

# `make test TEST_DATABASE_URL=… REDIS_URL=…` hands them to the test suite;
# `make bench BENCH_DATABASE_URL=…` measures on PostgreSQL too.
export TEST_DATABASE_URL REDIS_URL BENCH_DATABASE_URL

.PHONY: install run test lint bench scale load scan clean

install: $(STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip

$(RUN_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) demo-logins --url http://$(HOST):$(PORT)
	PORTAL_BASE_URL='$(PORTAL_BASE_URL)' $(BIN)/python -m portal.devserver --host $(HOST) --port $(PORT)

# The suite's own summary line, then how long the suite took.
test: $(STAMP)
	@start=$$(date +%s); $(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s"; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench

# Scale-out and load on this machine (docs/deploy.md): PostgreSQL and Redis on loopback
# (BENCH_DATABASE_URL, REDIS_URL; the local test server by default). Not part of `make test`.
scale: $(STAMP)
	$(BIN)/python -m bench.scaleout

# Locust is only needed here: the `load` extra is installed on first use.
$(LOAD_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,load]'
	touch $@

load: $(LOAD_STAMP)
	$(BIN)/python -m bench.load

# Security scans (docs/security.md, "Scans"): wapiti and sqlmap (Debian packages) against
# gunicorn with the production settings on loopback, every role, SQLite and PostgreSQL.
# Takes tens of minutes; not part of `make test`. Exits non-zero on a high or medium finding.
SCAN_DATABASES ?= sqlite postgresql
scan: $(STAMP)
	$(BIN)/python -m tools.scan $(foreach db,$(SCAN_DATABASES),--database $(db)) $(SCAN_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
