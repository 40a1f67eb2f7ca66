# Two commands run the workshop and the tests; each creates the .venv it needs.
#   make serve   set up and start the workshop: classroom apps (Voilà) and JupyterLab on 127.0.0.1
#   make test    set up and run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8866
LAB_PORT ?= 8888

.PHONY: serve test bench data exercises lint clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Re-install when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,bench]"
	touch $@

serve: $(VENV)/.installed
	$(BIN)/workbook serve --host $(HOST) --port $(PORT) --lab-port $(LAB_PORT) $(ARGS)

test: $(VENV)/.installed
	$(BIN)/pytest

bench: $(VENV)/.installed
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks notebooks
	$(BIN)/python -m benchmarks reports
	$(BIN)/python -m benchmarks classroom
	$(BIN)/python -m benchmarks crash
	$(BIN)/python -m benchmarks scaleout

data: $(VENV)/.installed
	$(BIN)/python -m workbook.datasets regenerate

# The trainee notebooks are written from the solutions (answer cells tagged "solution").
exercises: $(VENV)/.installed
	$(BIN)/python -m workbook.exercises.generate

# Every check runs, and lint fails if any of them failed.
lint: $(VENV)/.installed
	status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache
