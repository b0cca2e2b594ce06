# 内蒙古共青团改革数据看板 — two commands on a fresh machine: `make run`, `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# One stamp per requirements state: runtime only (make run) and runtime + test tools (make test).
STAMP := $(VENV)/.installed-run-$(shell cat requirements.txt | sha1sum | cut -c1-12)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
PORT ?= 8501
ADDRESS ?= localhost

.PHONY: run test setup setup-dev db rebuild data bench lint clean bundle

$(STAMP): requirements.txt
	@test -x $(PY) || { echo "==> creating the virtual environment $(VENV)/"; $(PYTHON) -m venv $(VENV); }
	@echo "==> installing the runtime packages (requirements.txt; about a minute on a fresh machine)"
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-run-* && touch $(STAMP)
	@echo "==> runtime packages installed"

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	@echo "==> installing the test tools (requirements-dev.txt: pytest, playwright, hypothesis, ruff)"
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-dev-* && touch $(DEV_STAMP)

setup: $(STAMP)

setup-dev: $(DEV_STAMP)

## Build data/reform.duckdb if it is missing, broken (schema checked), older than anything in data/ or
## queries/schema.sql / derive.sql, or built from another state of the import ledger (data/imports/).
db: setup
	@echo "==> checking the database (built from data/ and the import ledger)"
	@$(PY) -m nmgdash db

## Force a rebuild (keeps imported data: the build reads the ledger in data/imports/).
rebuild: setup
	$(PY) -m nmgdash rebuild

## Start the dashboard on http://$(ADDRESS):$(PORT) (ADDRESS=0.0.0.0 for a LAN; there is no sign-in for viewing).
run: db
	@echo "==> starting the dashboard: open http://$(ADDRESS):$(PORT) (Ctrl+C stops it)"
	$(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.address $(ADDRESS)

test: setup-dev db
	$(PY) -m pytest -q --durations=15

## Regenerate the derived data files from their sources (areas, boundaries, reference, sample).
data: setup
	$(PY) scripts/build_areas.py
	$(PY) scripts/build_boundaries.py
	$(PY) scripts/build_reference.py
	$(PY) scripts/generate_sample.py

## QUICK=1: the development mode (about 2 minutes); EXTRAS=1 adds AppTest, replicas, imports, exports.
bench: setup-dev db
	$(PY) bench/bench.py $(if $(QUICK),--quick) $(if $(EXTRAS),--extras)

## Offline install bundle for an air-gapped server (README 离线部署): dist/nmgdash-offline-<version>-<platform>.tar.gz.
## WITH_DEBS=1 adds fonts-noto-cjk (and chromium) as .deb files (not their dependencies); GLIBC=2.28 picks
## wheels for an older glibc than this machine's. The wheels are cached in ~/.cache/nmgdash-wheelhouse.
bundle: setup
	$(PY) scripts/build_bundle.py $(if $(WITH_DEBS),--with-debs) $(if $(GLIBC),--glibc $(GLIBC))

## ruff, then the import-linter contracts of pyproject.toml (the package's layers; docs/developer-guide.md).
lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

## Remove the database builds and leftovers of killed builds. Never touches data/imports/ (imported data).
clean:
	rm -f data/reform.duckdb data/reform.duckdb.wal data/reform-*.duckdb data/reform-*.duckdb.wal \
	      data/*.building-*.duckdb data/*.building-*.duckdb.wal data/.reform.duckdb.link-*
