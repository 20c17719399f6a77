# Quick start: `make demo` (set up + process every example), `make test` (set up + run the suite).
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTHON ?= python3

.PHONY: setup python system demo test lint bench examples clean serve

setup: python system $(STAMP)

# First of all: Python 3.11+ (a Chinese message with what to install otherwise).
python:
	@PYTHON=$(PYTHON) scripts/check-python.sh

system: python
	@scripts/ensure-system-packages.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

demo: setup
	@set -e; for wb in inputs/*.xlsx; do \
		echo "== $$wb"; \
		$(VENV)/bin/disclosure build "$$wb" -o output; \
		$(VENV)/bin/disclosure dump "$$wb" -o "output/$$(basename "$$wb" .xlsx).json" 2>/dev/null; \
	done; ls -l output/

test: setup
	@WITH_WEB_TESTS=1 WITH_LIBREOFFICE=1 scripts/ensure-system-packages.sh
	$(PY) -m pytest -q

# The web application with the embedded defaults (SQLite and files in data/); prints the address and,
# on the first start, the administrator's one-time password.
serve: setup
	$(VENV)/bin/disclosure serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000} --data $${DATA:-data}

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	@WITH_LIBREOFFICE=1 scripts/ensure-system-packages.sh
	$(PY) scripts/bench.py

examples: setup
	$(PY) scripts/build_examples.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
