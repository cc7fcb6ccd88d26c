# Renda — the two commands: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_WORKERS ?= 2
VENDOR := src/renda/static/vendor
APT_GET := $(shell command -v apt-get 2>/dev/null)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup test-setup python-deps test-deps assets messages system-deps browser-deps lint typecheck pytest e2e clean

## make run: install, migrate, load the demo county once, serve with the task worker
run: setup
	$(PY) manage.py migrate --no-input
	RENDA_DEMO=1 $(PY) manage.py demo_seed --no-logins
	$(PY) manage.py run_platform --host $(HOST) --port $(PORT)

## make test: install what the tests need, then lint, type-check and run every test
test: test-setup lint typecheck pytest

setup: system-deps python-deps assets messages
	$(PY) manage.py collectstatic --no-input -v 0

test-setup: setup test-deps browser-deps

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

python-deps: $(VENV)/.deps-stamp
$(VENV)/.deps-stamp: $(VENV)/bin/python pyproject.toml constraints.txt
	$(PIP) install -q -c constraints.txt -e .
	touch $@

test-deps: $(VENV)/.test-deps-stamp
$(VENV)/.test-deps-stamp: $(VENV)/.deps-stamp
	$(PIP) install -q -c constraints.txt -e '.[test]'
	touch $@

# gettext compiles the message catalogues; Pango and Noto CJK let WeasyPrint write Chinese PDFs.
system-deps:
	@if ! command -v msgfmt >/dev/null || ! ldconfig -p | grep -q libpangoft2 || ! fc-list :lang=zh | grep -q .; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    gettext libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk; fi

# Debian's chromium drives the browser journeys.
browser-deps:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

assets: $(VENDOR)/.stamp $(VENDOR)/echarts/langZH.js
# node_modules also serves the browser journeys (axe-core): installed again whenever it is missing.
node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.stamp: node_modules/.installed
	mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons/fonts $(VENDOR)/htmx $(VENDOR)/echarts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css* node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* $(VENDOR)/bootstrap/
	cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css $(VENDOR)/bootstrap-icons/
	cp node_modules/bootstrap-icons/font/fonts/* $(VENDOR)/bootstrap-icons/fonts/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	touch $@

# ECharts' Chinese locale (registers 'ZH'), also into a vendor directory filled before it was listed
$(VENDOR)/echarts/langZH.js: $(VENDOR)/.stamp
	cp node_modules/echarts/i18n/langZH.js $@

messages: python-deps
	$(PY) manage.py compilemessages --ignore '.venv' -v 0

lint: test-deps
	$(VENV)/bin/ruff check src tests $(wildcard benchmarks)
	$(VENV)/bin/ruff format --check src tests $(wildcard benchmarks)

typecheck: test-deps
	$(VENV)/bin/mypy src/renda

pytest: test-deps
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## make messages-update: collect new strings into the catalogues (then translate them)
messages-update:
	scripts/messages_merge.sh

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
