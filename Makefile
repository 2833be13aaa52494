# Every target that needs Python makes .venv first, so a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check fmt bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/newsroom serve --demo

test: $(STAMP)
	sh tests/browser/ensure-chromium.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	bash bench/setup-peers.sh
	$(BIN)/python bench/long_story.py
	$(BIN)/python bench/rebuild.py
	$(BIN)/python bench/asof.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/fanout.py --readers 10000 --workers 2
	$(BIN)/python bench/writes.py --workers 1
	$(BIN)/python bench/writes.py --workers 2

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
