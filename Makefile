# Every target that needs Python makes .venv first, so a fresh clone needs only `make run` or `make test`.
# `make run` installs what running needs; the targets for developers add the test and lint tools.
PYTHON ?= python3
PORT ?=
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test check fmt bench clean

$(RUN_STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

run: $(RUN_STAMP)
	$(BIN)/newsroom serve --demo $(if $(PORT),--port $(PORT))

test: $(DEV_STAMP)
	sh tests/browser/ensure-chromium.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(DEV_STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

fmt: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(DEV_STAMP)
	bash bench/setup-peers.sh
	$(BIN)/python bench/long_story.py
	$(BIN)/python bench/rebuild.py
	$(BIN)/python bench/asof.py
	$(BIN)/python bench/catchup.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/fanout.py --readers 10000 --workers 2
	$(BIN)/python bench/reconnect.py
	$(BIN)/python bench/writes.py --workers 1
	$(BIN)/python bench/writes.py --workers 2

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
