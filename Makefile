# 内蒙古共青团改革数据看板 — two commands on a fresh machine: `make run`, `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
PORT ?= 8501

.PHONY: run test setup db rebuild data bench lint clean

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

## Build data/reform.duckdb if it is missing or older than anything in data/ or queries/schema.sql.
db: setup
	@$(PY) -c "from nmgdash import db; p = db.db_path(); stale = db.needs_rebuild(p); db.ensure_database(p); print(('built ' if stale else 'up to date: ') + str(p))"

rebuild: setup
	$(PY) -m nmgdash.db

## Start the dashboard on http://localhost:$(PORT)
run: db
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

test: db
	$(PY) -m pytest -q

## Regenerate the derived data files from their sources (areas, boundaries, reference, sample).
data: setup
	$(PY) scripts/build_areas.py
	$(PY) scripts/build_boundaries.py
	$(PY) scripts/build_reference.py
	$(PY) scripts/generate_sample.py

bench: db
	$(PY) bench/bench.py

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -f data/reform.duckdb data/*.building-*.duckdb
