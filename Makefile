# Two commands do everything (README): `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO_DB := data/demo.duckdb
DB     ?= $(DEMO_DB)
PORT   ?= 8501

.PHONY: setup system-deps run test bench demo-sheets clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

# Debian's Chromium (chart export, browser test) and CJK fonts; never a downloaded browser.
system-deps:
	bash scripts/system-deps.sh

# The demo city lives in its own file; any other DB is an office's own, started empty.
run: setup
	@if [ "$(DB)" = "$(DEMO_DB)" ]; then \
		test -f $(DB) || SCORING_DB=$(DB) $(PY) -m scoring demo; \
	else SCORING_DB=$(DB) $(PY) -m scoring init; fi
	SCORING_DB=$(DB) $(PY) serve.py --server.port $(PORT)

test: setup system-deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest

# Regenerate the sample sheets in data/demo (for trying the upload page).
demo-sheets: setup
	$(PY) -c "from scoring.demo import write_sample_sheets; write_sample_sheets('data/demo')"

bench: setup
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
