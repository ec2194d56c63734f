# One entry point for set-up, the local cloud, AWS and the quality gates.
# Every target that needs Python or the CDK CLI depends on the idempotent install stamps.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEVTOOLS := $(VENV)/bin/devtools
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
CDK := npx --no-install cdk
SCENARIO ?= scenarios/checkout_errors.yaml
# Context for the AWS targets, e.g. CONTEXT="lambdaReservedConcurrency=0 alarmEmail=me@example.com"
CONTEXT ?=
CDK_CONTEXT_ARGS := $(addprefix -c ,$(CONTEXT))
# `make local-up PORT=4640` / `make demo PORT=4640`; later commands follow the recorded emulator.
PORT ?=
UP_ARGS := $(if $(PORT),--port $(PORT))

# jsii takes the Node majors whose end-of-life banner to silence (Node 20 is our floor).
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 18,20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 18,20
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help install synth diff bootstrap aws-deploy destroy lint format schema typecheck test \
        test-fast runtime-sdk watch bench local-up local-deploy local-status local-down local-destroy demo clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}'

# Python packages come from uv.lock (exact versions and hashes; `uv lock` after editing
# pyproject.toml). uv on PATH is used as it is; otherwise it is installed once from PyPI into a
# bootstrap venv under .cache/, so a fresh machine still needs only Python, Node and make.
UV_VERSION := 0.13.9
UV_BOOT := .cache/uv-bootstrap
UV = $(shell command -v uv 2>/dev/null || echo $(UV_BOOT)/bin/uv)

$(UV_BOOT)/bin/uv:
	$(PYTHON) -m venv $(UV_BOOT)
	$(UV_BOOT)/bin/python -m pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'

$(PY_STAMP): pyproject.toml uv.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	@command -v uv >/dev/null || $(MAKE) --no-print-directory $(UV_BOOT)/bin/uv
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --extra dev --python $(PY) --quiet
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20+ (https://nodejs.org or your package manager)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(PY_STAMP) $(NPM_STAMP) ## Create .venv, install the locked Python + npm dependencies (idempotent)

synth: install ## Synthesize the CloudFormation template into cdk.out/
	$(CDK) synth --quiet

diff: install ## Show what a deploy to AWS would change
	$(PY) -m devtools.aws_target check
	$(CDK) diff $(CDK_CONTEXT_ARGS)

bootstrap: install ## Bootstrap CDK in the target AWS account (first time only)
	$(PY) -m devtools.aws_target check
	$(CDK) bootstrap

aws-deploy: install ## Deploy the stack to real AWS with your credentials (CONTEXT="k=v ...")
	$(PY) -m devtools.aws_target check --deploy $(CONTEXT)
	$(CDK) deploy --require-approval=broadening $(CDK_CONTEXT_ARGS)

destroy: install ## Destroy the stack on real AWS
	$(PY) -m devtools.aws_target check
	$(CDK) destroy $(CDK_CONTEXT_ARGS)

lint: install ## ruff lint + format check, mypy --strict
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install ## Format and auto-fix with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

schema: install ## Regenerate devtools/scenarios/schema.json from the scenario format (model.py)
	$(PY) -m devtools.scenarios.schema > devtools/scenarios/schema.json.new
	mv devtools/scenarios/schema.json.new devtools/scenarios/schema.json

typecheck: install ## mypy --strict on stack/, processor/, devtools/, bench/
	$(VENV)/bin/mypy

runtime-sdk: install ## python3.13 + the Lambda runtime's SDK (boto3/botocore 1.34.145) for the asset test
	$(PY) -m tests.runtime_sdk

test: lint runtime-sdk ## Lint, type-check and run the whole suite (unit, stack, integration, e2e)
	$(PY) -m pytest

test-fast: install ## Only the tests that need no emulator
	$(PY) -m pytest -m "not emulator and not e2e"

watch: install ## Push processor/ changes in about a second (sync); stack/ changes redeploy
	$(DEVTOOLS) deploy --watch

bench: install ## Benchmarks: medians and ratios printed as tables
	$(PY) -m bench

local-up: install ## Start the embedded emulator (MiniStack) on 127.0.0.1 (PORT=... to choose)
	$(DEVTOOLS) up $(UP_ARGS)

local-deploy: install ## Deploy the stack to the local emulator and start the mapping driver
	$(DEVTOOLS) deploy

local-status: install ## Emulator, stack, driver and queue status
	$(DEVTOOLS) status

local-destroy: install ## Remove the stack from the local emulator
	$(DEVTOOLS) destroy

local-down: install ## Stop the emulator and the driver
	$(DEVTOOLS) down

demo: install ## From a fresh clone: up, deploy, replay checkout_errors.yaml, summary (PORT=...)
	$(DEVTOOLS) up $(UP_ARGS)
	$(DEVTOOLS) deploy
	$(DEVTOOLS) replay $(SCENARIO)

clean: ## Remove build output (keeps .venv and node_modules)
	rm -rf cdk.out .mypy_cache .ruff_cache .pytest_cache .hypothesis
