# countyhub: `make demo` and `make test` set up everything they need on a fresh machine.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
SYSTEM_PACKAGES := chromium fonts-wqy-zenhei zbar-tools poppler-utils gettext nginx pgbouncer

.DEFAULT_GOAL := help
# The targets here are development on this machine (production sets DJANGO_SECRET_KEY and leaves
# DJANGO_DEBUG unset); an explicit DJANGO_DEBUG=0 make ... still wins.
export DJANGO_DEBUG ?= 1
.PHONY: help setup system demo test lint bench migrate messages

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

system:  ## Debian packages (Chromium for browser tests, a CJK font for PDFs, gettext, nginx and pgbouncer for the deployment tests), via apt-get when root
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: not root, cannot install$$missing (browser tests and CJK PDFs need them)"; fi; \
	fi

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

setup: system $(BIN)/.installed  ## system packages and the Python environment in .venv

demo: setup  ## build the demo county on SQLite and serve it on http://127.0.0.1:8000
	$(BIN)/countyhub demo

# Every app gets its own catalogue (a new app too); strings outside the apps (settings, api) go to
# the project's src/countyhub/locale. Run from src/countyhub, so .venv, tests and docs are never
# scanned. File-only locations keep the .po files stable when code moves; the .mo files are
# committed (a fresh clone and an installed wheel need no gettext) and compiled only when their
# .po changed.
APP_LOCALES := $(patsubst %/apps.py,%/locale,$(wildcard src/countyhub/*/apps.py))

messages: setup  ## update the zh_Hans .po catalogues from the code (makemessages), compile the .mo files
	@mkdir -p $(APP_LOCALES)
	@cd src/countyhub && $(abspath $(BIN))/countyhub manage makemessages -l zh_Hans --add-location file --no-obsolete -v 0
	@cd src/countyhub && $(abspath $(BIN))/countyhub manage compilemessages -l zh_Hans -v 0

migrate: setup  ## apply database migrations
	$(BIN)/countyhub manage migrate

test: setup  ## the whole suite (SQLite, or PostgreSQL when DATABASE_URL is set)
	$(BIN)/pytest -n 2

lint: setup  ## ruff, mypy, import contracts, and no model change without its migration
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/countyhub manage makemigrations --check --dry-run
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo

$(BIN)/.bench-installed: $(BIN)/.installed
	$(BIN)/pip install -q -c constraints.txt -e '.[dev,bench]'
	touch $@

bench: setup $(BIN)/.bench-installed  ## benchmarks, side by side with the peers
	$(BIN)/python -m bench
