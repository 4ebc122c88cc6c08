# The front door of the MEGP platform. Everything a fresh machine needs is installed from here.
#   make run     install what is missing, start Kafka, the store, the six services and the console
#   make test    install what is missing, start what the tests need, run them all (2 workers), stop it
#   make bench   measure the ceilings and the outbox -> Kafka -> consumer hop
SHELL := /bin/bash
.DEFAULT_GOAL := help
# uv from PATH, else the copy pip installs (`python3 -m uv` finds it wherever pip put it)
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := $(UV) run --frozen python
PYTEST_ARGS ?=
# `make test` runs the suite in this many pytest-xdist workers, a test file each at a time; each
# worker has its own broker, store, identity provider and services (megp_common.testing.infra)
PYTEST_WORKERS ?= 2

.PHONY: help install uv python-deps infra-install deploy-tools-install browser-install infra-up infra-down infra-status run test \
        test-unit test-integration bench lint format contracts clean-data

help:
	@echo "make run | test | bench | lint | format | contracts | infra-up | infra-down | clean-data"

uv:
	@$(UV) --version >/dev/null 2>&1 || { echo "installing uv from PyPI"; \
	  python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv; }

python-deps: uv
	@$(UV) sync --frozen --quiet

infra-install:
	@deploy/local/kafka.sh install
	@deploy/local/store.sh install
	@deploy/local/idp.sh install

# kubeconform for the k8s manifests' validation in `make test` (tests/deploy), from the Go module proxy
deploy-tools-install:
	@deploy/local/kubeconform.sh install

# Debian's Chromium for the console's browser tests (Playwright drives it; no browser download)
browser-install:
	@test -x /usr/bin/chromium || { echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }
	@test -x /usr/bin/chromium || { echo "chromium is missing: apt-get install -y chromium" >&2; exit 1; }

install: python-deps infra-install deploy-tools-install browser-install

infra-up: install
	@$(PY) -c "from megp_common.launcher import LocalInfra; LocalInfra().up()"

infra-down:
	@-deploy/local/kafka.sh stop
	@-deploy/local/store.sh stop

infra-status:
	@-deploy/local/kafka.sh status
	@-deploy/local/store.sh status

run: install
	@$(PY) -m megp_common.launcher

test: install
	@$(UV) run --frozen pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test-unit: python-deps
	@$(UV) run --frozen pytest -m "not integration and not e2e" $(PYTEST_ARGS)

bench: install
	@$(PY) tests/bench/run.py

lint: python-deps
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check .
	@$(UV) run --frozen mypy libs/common/src libs/simulation/src services/*/src
	@$(UV) run --frozen lint-imports

format: python-deps
	@$(UV) run --frozen ruff format .
	@$(UV) run --frozen ruff check --fix .

contracts: python-deps
	@$(PY) -m megp_common.contracts.export

clean-data: infra-down
	rm -rf .local/kafka .local/store

# The national simulation (docs/simulation.md): reuses the running platform or starts one.
#   make simulate SIMULATE_ARGS=--small
#   make simulate SIMULATE_ARGS="--states 22 --groups 120 --members 200 --months 40"
SIMULATE_ARGS ?= --small
.PHONY: simulate
simulate: install
	@$(PY) -m megp_simulation $(SIMULATE_ARGS)
