# Mødeklar — the two commands that matter:
#   make run    set everything up (first time: a few minutes) and start the assistant
#   make test   set everything up and run every test
# Building blocks: install, train, evaluate, shell, lint, validate, test-stories, import-cases, lock.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV       := $(CURDIR)/.venv
PY         := $(VENV)/bin/python
RASA       := $(VENV)/bin/rasa
SPACY_DIR  := models/spacy_da
MODEL      := models/moedeklar.tar.gz

export RASA_PORT            ?= 5005
export ACTION_PORT          ?= 5055
export WEB_PORT             ?= 8080
export ACTION_ENDPOINT_URL  ?= http://localhost:$(ACTION_PORT)/webhook
# Rasa's training cache lives outside the project root so `rasa` never reads it as data.
export RASA_CACHE_DIRECTORY ?= $(CURDIR)/var/rasa-cache
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONPATH := $(CURDIR)
# Development-only signing secret for demo tokens; production sets its own (see README).
export CITIZEN_JWT_SECRET   ?= dev-only-moedeklar-demo-secret-change-me

# The explicit data paths (never the whole project: see README, "Known traps").
TRAIN_ARGS := --data data/nlu data/rules data/stories --config config.yml --domain domain.yml

.PHONY: help install run train evaluate shell lint validate test test-stories pytest \
        import-cases demo-data lock clean

help:
	@echo "make run    - set up and start the assistant (REST on :$(RASA_PORT))"
	@echo "make test   - set up and run every test"
	@echo "make install | train | evaluate | shell | lint | validate | import-cases FILE=... | lock"

# --- set-up -----------------------------------------------------------------------------------
$(VENV)/.installed: requirements.lock scripts/find_python.sh
	@PYTHON310=$$(scripts/find_python.sh) && \
	  if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then \
	    echo "Creating .venv with $$PYTHON310"; rm -rf $(VENV); "$$PYTHON310" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.0"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip check
	@touch $@

$(SPACY_DIR)/meta.json: $(VENV)/.installed bot/nlu/build_spacy.py
	$(PY) -m bot.nlu.build_spacy $(SPACY_DIR)

install: $(VENV)/.installed $(SPACY_DIR)/meta.json

lock: ## regenerate requirements.lock from requirements.in
	$(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links -o requirements.lock requirements.in

# --- model --------------------------------------------------------------------------------------
# Rasa fingerprints data, config and domain: a dry run says whether anything changed.
train: install
	@mkdir -p var models
	@if [ -f $(MODEL) ] && $(RASA) train $(TRAIN_ARGS) --fixed-model-name moedeklar --out models --dry-run >/dev/null 2>&1; then \
	  echo "Model $(MODEL) is up to date."; \
	else \
	  echo "Training $(MODEL) ..."; \
	  $(RASA) train $(TRAIN_ARGS) --fixed-model-name moedeklar --out models; \
	fi

evaluate: train
	@mkdir -p results
	$(RASA) test nlu --nlu tests/nlu/holdout.yml --model $(MODEL) --out results --no-plot
	$(PY) -m bot.evaluation_summary results

# --- run ----------------------------------------------------------------------------------------
demo-data: install
	$(PY) -m bot migrate
	$(PY) -m bot seed-demo

import-cases: install
	@test -n "$(FILE)" || { echo "Usage: make import-cases FILE=path/to/export.json"; exit 2; }
	$(PY) -m bot import-cases "$(FILE)"

run: train demo-data
	scripts/run.sh

shell: train
	scripts/run.sh --shell

# --- checks -------------------------------------------------------------------------------------
lint: install
	$(VENV)/bin/ruff check bot actions tests benchmarks

validate: install
	$(RASA) data validate $(TRAIN_ARGS) --fail-on-warning

test-stories: train
	$(RASA) test core --stories tests/stories --model $(MODEL) --out results/core \
	  --fail-on-prediction-errors --no-plot

pytest: train
	$(VENV)/bin/pytest

test: lint validate train test-stories evaluate pytest

clean:
	rm -rf $(VENV) models/*.tar.gz $(SPACY_DIR) var results .pytest_cache
