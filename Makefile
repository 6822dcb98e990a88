# Mødeklar — the two commands that matter:
#   make run    set everything up (first time: a few minutes) and start the assistant
#   make test   set everything up and run every test
# `make help` lists every target. A target's `## text` is its line in that list.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV       := $(CURDIR)/.venv
PY         := $(VENV)/bin/python
RASA       := $(VENV)/bin/rasa
SPACY_DIR  := models/spacy_da
export MODEL ?= models/moedeklar.tar.gz

# Every development default lives here (scripts/run.sh takes them from the environment).
export RASA_PORT            ?= 5005
export ACTION_PORT          ?= 5055
export WEB_PORT             ?= 8080
# The caseworkers' review app (bot/review/, docs/review.md).
export REVIEW_PORT          ?= 8081
export ACTION_ENDPOINT_URL  ?= http://localhost:$(ACTION_PORT)/webhook
# Development-only shared secret between Rasa and the action server (actions/guard.py);
# production sets its own, at least 32 characters (docs/security.md).
export ACTION_SERVER_TOKEN  ?= dev-only-moedeklar-action-server-change-me
# Rasa's training cache lives outside the project root so `rasa` never reads it as data.
export RASA_CACHE_DIRECTORY ?= $(CURDIR)/var/rasa-cache
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONPATH := $(CURDIR)
# Development-only signing secret for demo tokens; production sets its own (see README).
export CITIZEN_JWT_SECRET   ?= dev-only-moedeklar-demo-secret-change-me
# --- web chat (bot/web/, bot/rasa_plugins/channels/socketio.py) ---
# Development-only key that binds socket.io conversation ids to the verified citizen.
export CONVERSATION_ID_SECRET ?= dev-only-moedeklar-conversations-change-me
# The Rasa server as the citizen's browser reaches it (the widget connects here).
export RASA_PUBLIC_URL ?= http://localhost:$(RASA_PORT)
# --- SMS (bot/rasa_plugins/channels/gatewayapi.py, docs/sms.md) ---
# Development points the channel at the local gateway simulator (bot/tools/gateway_simulator) with
# `dev-only-` secrets, which APP_ENV=production refuses.
export SMS_DEMO_PORT ?= 8082
# How often `make run` schedules the SMS meeting reminders (seconds).
export REMINDER_EVERY_S ?= 300
export GATEWAYAPI_URL ?= http://localhost:$(SMS_DEMO_PORT)
export GATEWAYAPI_TOKEN ?= dev-only-gatewayapi-token
export GATEWAYAPI_WEBHOOK_SECRET ?= dev-only-gatewayapi-webhook-secret
export SMS_PSEUDONYM_SECRET ?= dev-only-sms-pseudonym-key
export GATEWAYAPI_CALLBACK_URL ?= http://localhost:$(RASA_PORT)/webhooks/gatewayapi/status
CHROMIUM   := /usr/bin/chromium
NPM_STAMP  := node_modules/.installed

# The explicit data paths (never the whole project: see README, "Known traps").
TRAIN_ARGS := --data data/nlu data/rules data/stories --config config.yml --domain domain.yml

ACTIONS_VENV := $(CURDIR)/var/venv-actions

.PHONY: help install run train evaluate shell lint validate test test-unit test-stories pytest \
        import-cases demo-data demo-token lock clean browser haproxy run-cluster chaos fuzz guide-stories screenshots actions-venv send-reminders

help: ## list every target
	@echo "Mødeklar: make <target>"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# --- set-up -----------------------------------------------------------------------------------
$(VENV)/.installed: requirements.lock scripts/find_python.sh
	@PYTHON310=$$(scripts/find_python.sh) && \
	  if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then \
	    echo "Creating .venv with $$PYTHON310"; rm -rf $(VENV); "$$PYTHON310" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.0"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip check
	@touch $@

$(SPACY_DIR)/meta.json: $(VENV)/.installed bot/rasa_plugins/nlu/build_spacy.py
	$(PY) -m bot.rasa_plugins.nlu.build_spacy $(SPACY_DIR)

# Front-end packages (socket.io client for the widget, axe-core for the browser tests).
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser: ## install Debian's chromium for the browser tests (apt-get, once)
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "The browser tests need Debian's chromium, which is not installed."; \
	  echo "Installing it now with apt-get (once; needs root or sudo) ..."; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
	fi

install: $(VENV)/.installed $(SPACY_DIR)/meta.json $(NPM_STAMP) ## create .venv, the Danish spaCy pipeline, npm packages

# The action server alone (rasa-sdk + core, no Rasa): proves it runs as in Rasa's action image.
$(ACTIONS_VENV)/.installed: requirements-actions.lock scripts/find_python.sh
	@PYTHON310=$$(scripts/find_python.sh) && rm -rf $(ACTIONS_VENV) && "$$PYTHON310" -m venv $(ACTIONS_VENV)
	$(ACTIONS_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-actions.lock
	@touch $@

actions-venv: $(ACTIONS_VENV)/.installed ## a venv with only the action server's dependencies (var/venv-actions)

lock: ## regenerate requirements.lock and requirements-actions.lock from the .in files
	$(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links -o requirements.lock requirements.in
	$(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links -o requirements-actions.lock requirements-actions.in

# --- model --------------------------------------------------------------------------------------
# The model is rebuilt when any training input is newer than it. `rasa train` reuses its cache
# (var/rasa-cache) for unchanged components, so a change to responses only takes seconds.
# (Rasa's own `--dry-run` reports "no training required" when only responses changed, and the
# model would keep the old texts: measured here, so it is not used.)
TRAIN_INPUTS := config.yml domain.yml $(shell find data/nlu data/rules data/stories data/dev -name '*.yml') \
                data/topic_titles.yml $(wildcard bot/rasa_plugins/nlu/*.py)

$(MODEL): $(TRAIN_INPUTS) $(VENV)/.installed $(SPACY_DIR)/meta.json
	@mkdir -p var models
	@echo "Training $(MODEL) ..."
	$(RASA) train $(TRAIN_ARGS) --fixed-model-name moedeklar --out models
	@touch $@

train: install $(MODEL) ## train the model when data, config or domain changed

# Held-out single messages (scored from the model alone) and held-out dialogues (played against
# the real Rasa and action servers); the development sets beside them, reported apart.
HELD_OUT_SETS := tests/nlu/holdout.yml tests/nlu/citizen_voice.yml tests/nlu/fresh_voice.yml tests/nlu/english_voice.yml
DIALOGUE_SETS := tests/dialogues/heldout.yml data/dev/dev_dialogues.yml

evaluate: train ## score the held-out sets as the citizen gets them (results/), and answers past their review date
	@mkdir -p results
	$(PY) -m bot.tools.nlu_evaluation --model $(MODEL) --out results $(HELD_OUT_SETS)
	$(PY) -m bot.tools.nlu_evaluation --model $(MODEL) --out results --name dev_evaluation data/dev/dev_voice.yml data/dev/dev_english.yml
	$(PY) scripts/evaluate_dialogues.py --out results $(DIALOGUE_SETS)
	$(PY) -m bot stale-answers

# --- run ----------------------------------------------------------------------------------------
demo-data: install ## migrate the database and load the demo citizens
	$(PY) -m bot migrate
	$(PY) -m bot seed-demo

import-cases: install ## import a case export: make import-cases FILE=export.json (docs/import.md)
	@test -n "$(FILE)" || { echo "Usage: make import-cases FILE=path/to/export.json"; exit 2; }
	$(PY) -m bot import-cases "$(FILE)"

# The token the Rasa server of `make run` accepts (signed with the Makefile's development secret).
demo-token: install ## print a demo citizen's login token: make -s demo-token CITIZEN=c-1001
	@$(PY) -m bot demo-token $(or $(CITIZEN),c-1001)

send-reminders: install ## schedule the SMS meeting reminders due now (NOW=2026-12-05T10:00+01:00 pretends)
	$(PY) -m bot send-reminders $(if $(NOW),--now $(NOW))

run: train ## set everything up and start the assistant (SQLite + demo data)
	scripts/run.sh

# The production shape on this machine's PostgreSQL and Redis (docs/deploy.md): RASA_PROCESSES
# Rasa servers on RASA_PORT+1, +2, ... behind HAProxy on RASA_PORT; the databases are created
# if missing. Any of these may be set on the command line or in the environment.
run-cluster: export TRACKER_STORE_URL ?= postgresql+psycopg2://postgres@127.0.0.1:5432/moedeklar_conversations
run-cluster: export CASES_DB_URL ?= postgresql+psycopg2://postgres@127.0.0.1:5432/moedeklar_cases
run-cluster: export LOCK_STORE_URL ?= redis://127.0.0.1:6379/1
run-cluster: export RATE_LIMIT_STORE_URL ?= redis://127.0.0.1:6379/2
run-cluster: export RASA_PROCESSES ?= 2
run-cluster: train haproxy ## the production shape: several Rasa servers behind HAProxy on PostgreSQL + Redis
	$(PY) -m bot.tools.supervisor cluster

# Faults under load against a private cluster (its own PostgreSQL and Redis): not part of `make
# test` (about 10 minutes). CHAOS_ARGS="--citizens 30 --phase 120 --faults redis_stop" narrows it.
chaos: train haproxy ## kill servers, restart PostgreSQL, stop Redis and the SMS gateway under load (docs/performance.md)
	$(PY) benchmarks/chaos.py $(CHAOS_ARGS)

# Debian's HAProxy 2.6 for `make run-cluster` (the proxy in front of the Rasa servers).
haproxy: ## install Debian's haproxy for make run-cluster (apt-get, once)
	@if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then \
	  echo "make run-cluster needs Debian's haproxy (the proxy in front of the Rasa servers), which is not installed."; \
	  echo "Installing it now with apt-get (once; needs root or sudo) ..."; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq haproxy; \
	fi

shell: train ## chat in the terminal
	scripts/run.sh --shell

# --- checks -------------------------------------------------------------------------------------
CODE := core bot actions tests benchmarks scripts migrations

lint: install ## ruff, ruff format --check and the import contracts (where code goes)
	$(VENV)/bin/ruff check $(CODE)
	$(VENV)/bin/ruff format --check $(CODE)
	$(VENV)/bin/lint-imports

# The guide's test stories are generated from its flow (a unit test checks they are current).
guide-stories: install ## regenerate the guide's test stories from its flow
	$(PY) scripts/make_guide_stories.py

validate: install ## rasa data validate
	$(RASA) data validate $(TRAIN_ARGS) --fail-on-warning

test-stories: train ## the test stories (fail on any prediction error)
	$(RASA) test core --stories tests/stories --model $(MODEL) --out results/core \
	  --fail-on-prediction-errors --no-plot

pytest: train browser actions-venv ## every pytest test (unit, integration, end-to-end, browser)
	ACTIONS_PYTHON=$(ACTIONS_VENV)/bin/python $(VENV)/bin/pytest

fuzz: train browser ## the long fuzz run of every entry point (docs/fuzzing.md)
	HYPOTHESIS_PROFILE=long $(VENV)/bin/pytest tests/fuzz -q -s

test-unit: lint ## the fast inner loop: lint and the unit tests (no training, no servers)
	$(VENV)/bin/pytest tests/unit

test: lint validate train test-stories evaluate pytest ## set everything up and run every test

# Re-take the README's screenshots (docs/screenshots/) with the browser tests.
screenshots: train browser ## re-take the README's screenshots
	UPDATE_SCREENSHOTS=1 $(VENV)/bin/pytest tests/browser

clean: ## remove the venvs, models, databases and results
	rm -rf $(VENV) models/*.tar.gz $(SPACY_DIR) var results .pytest_cache
