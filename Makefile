# Two commands on a fresh Debian/Ubuntu machine:  make run   and   make test
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := redis-server
TEST_APT_PACKAGES := postgresql
# The browser tests drive Debian's chromium through Playwright (no browser download).
BROWSER_APT_PACKAGES := chromium fonts-noto-core
BENCH_APT_PACKAGES := wrk
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export PATH := $(CURDIR)/$(BIN):$(PATH)
export FLASK_APP := bot
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: help run test deps system test-system translations extract-messages db lint bench chat clean

help:
	@echo "make run    install what is missing and start Tika (console SMS backend)"
	@echo "make test   install what is missing and run the whole test suite"

run: deps db var/secret_key
	@echo "Tika: web on http://127.0.0.1:$${PORT:-5000}  (health: /healthz, SMS webhook: POST /twilio/sms)"
	@echo "      talk to it in another terminal: $(BIN)/flask --app bot chat +919812345678"
	SMS_BACKEND=console BIND=127.0.0.1 REDIS_URL=$(REDIS_URL) \
		SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}" \
		$(PY) scripts/services.py --redis-url $(REDIS_URL) -- $(BIN)/honcho start -f Procfile

test: deps test-system
	$(PY) scripts/services.py --redis --postgres -- $(PY) -m pytest $(PYTEST_ARGS)

deps: system $(VENV)/.installed translations

# System packages, installed with apt-get only when a command is missing.
system:
	@command -v redis-server >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); }
	@command -v $(PYTHON) >/dev/null && $(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		$(SUDO) apt-get install -y -qq python3 python3-venv; }

test-system:
	@command -v initdb >/dev/null || command -v pg_config >/dev/null \
		|| ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(TEST_APT_PACKAGES); }
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(BROWSER_APT_PACKAGES); }

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

# Compile the gettext catalogs (locales/<lang>/LC_MESSAGES/messages.po -> .mo).
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d locales -D messages --statistics

# After changing texts: extract them and merge new msgids into every catalog.
# When no text changed, every tracked catalog is left as it is (not even a new date).
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output \
		--project tika --copyright-holder Tika -o locales/messages.pot.new .
	@if diff -q -I '^"POT-Creation-Date:' locales/messages.pot locales/messages.pot.new >/dev/null; then \
		rm locales/messages.pot.new; echo "no text changed: the catalogs are left as they are"; \
	else \
		mv locales/messages.pot.new locales/messages.pot && \
		$(BIN)/pybabel -q update -w 100 -i locales/messages.pot -d locales -D messages \
			--no-fuzzy-matching --ignore-obsolete; \
	fi

# The dashboard's session key for this machine (var/ is never committed); production sets
# SECRET_KEY in the environment.
var/secret_key:
	mkdir -p var && umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@

db: $(VENV)/.installed
	$(BIN)/flask --app bot db upgrade

# ruff, and the house rules of .importlinter (one-way floors, independent wings, a pure
# core, no import cycles); the test suite runs this too (tests/test_house_rules.py).
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# Every benchmark in bench/ (bench/all.py), then one summary table (about 8 min on 2 cores).
bench: deps test-system
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(BENCH_APT_PACKAGES); }
	$(PY) scripts/services.py --redis -- $(PY) bench/all.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
	find locales -name '*.mo' -delete
