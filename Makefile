# ASX DB: `make run` serves the site locally with data; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
DDB_PORT ?= 8001
HOST ?= 127.0.0.1
PORT ?= 8000

# Local development talks to DynamoDB Local, which accepts any credentials. `make run` and
# `make manage` set these themselves, whatever .env says; .env (written once, below) gives them
# to a bare `manage.py`.
LOCAL_ENV := DYNAMODB_ENDPOINT_URL=http://127.0.0.1:$(DDB_PORT) DJANGO_DEBUG=true \
	AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
# Seconds `make run` gives the ASX's host to accept a connection before it falls back to the
# bundled sample (offline); `manage.py init_companies` alone gives it 10.
CONNECT_TIMEOUT ?= 3

ifeq ($(shell id -u),0)
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -q
else
APT_INSTALL := sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q
endif

.PHONY: help run manage test deps venv system-deps browser-deps dynamodb-start dynamodb-stop lint bench bench-cold-start package clean

help:
	@echo "make run   - install what is needed, start DynamoDB Local, load data, serve http://$(HOST):$(PORT)"
	@echo "make manage ARGS='refresh_companies --limit 5' - a manage.py command on DynamoDB Local"
	@echo "make test  - run the whole suite (unit, integration on DynamoDB Local, browser)"
	@echo "make dynamodb-start / dynamodb-stop - DynamoDB Local on port $(DDB_PORT), data in .dynamodb/"
	@echo "make lint  - ruff check and format check"
	@echo "make bench - print the benchmark figures"
	@echo "make package STAGE=dev - the Lambda zip, as zappa deploy/update builds it (no AWS needed)"
	@echo "make bench-cold-start - build the package and time its cold start against a bare Django"

$(VENV)/.installed: requirements.txt requirements-dev.txt bin/find-python312
	@python312=$$(bin/find-python312) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then \
		rm -rf $(VENV) && $$python312 -m venv $(VENV); fi
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# A JDK, not only a JRE: javac builds DynamoDB Local's loopback launcher (devtools/).
system-deps:
	@{ command -v java && command -v javac; } >/dev/null || { echo "Installing a JDK for DynamoDB Local"; apt-get update -q && $(APT_INSTALL) default-jdk-headless; } \
		|| { echo "Java 17+ with javac is needed for DynamoDB Local: apt-get install -y default-jdk-headless"; exit 1; }

browser-deps:
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser tests"; apt-get update -q && $(APT_INSTALL) chromium; } \
		|| { echo "Chromium is needed for the browser tests: apt-get install -y chromium"; exit 1; }

deps: venv node_modules/.installed system-deps

dynamodb-start: deps
	$(PY) -m devtools.dynamodb_local start --port $(DDB_PORT)

dynamodb-stop:
	@$(PY) -m devtools.dynamodb_local stop

# manage.py reads .env: written once for DynamoDB Local, never over one that exists.
.env:
	@set -o noclobber; printf '%s\n' \
		'# Written by `make run` for manage.py on DynamoDB Local (`make dynamodb-start`).' \
		'# make never rewrites this file; real environment variables win over it.' \
		'DYNAMODB_ENDPOINT_URL=http://127.0.0.1:$(DDB_PORT)' \
		'DJANGO_DEBUG=true' \
		'AWS_ACCESS_KEY_ID=local' \
		'AWS_SECRET_ACCESS_KEY=local' > $@
	@echo "Wrote .env: manage.py now talks to DynamoDB Local on port $(DDB_PORT)"

run: dynamodb-start .env
	$(LOCAL_ENV) $(MANAGE) create_table
	$(LOCAL_ENV) $(MANAGE) init_companies --if-stale --connect-timeout $(CONNECT_TIMEOUT) \
		|| { $(LOCAL_ENV) $(MANAGE) init_companies --sample --if-empty && $(LOCAL_ENV) $(MANAGE) load_sample_fundamentals; }
	$(LOCAL_ENV) $(MANAGE) runserver $(HOST):$(PORT)

manage: dynamodb-start
	$(LOCAL_ENV) $(MANAGE) $(ARGS)

test: deps browser-deps
	$(PY) -m pytest

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: deps
	$(PY) bench/listing.py
	$(PY) bench/company_page.py
	$(PY) bench/pages_uncached.py
	$(PY) bench/page_cache.py
	$(PY) bench/refresh.py
	$(PY) bench/prices.py
	$(PY) bench/search.py
	$(PY) bench/screener.py
	$(PY) bench/compare.py
	$(PY) bench/fuzz.py
	$(PY) bench/load.py
	$(PY) bench/drills.py

STAGE ?= dev
package: venv
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/zappa package $(STAGE) -o asxdb-$(STAGE).zip

bench-cold-start: deps
	$(PY) bench/cold_start.py

clean: dynamodb-stop
	rm -rf $(VENV) node_modules staticfiles
