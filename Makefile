# The two commands a new user needs: `make run` and `make test`. Both set up the locked environment.
SHELL := /bin/bash
export DAGSTER_HOME := $(CURDIR)
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)

.PHONY: setup setup-all run test test-slow test-all lint format docs ui generate validate bench clean

# uv is installed into a private virtualenv when it is missing, so nothing touches the system Python.
$(CURDIR)/.tools/bin/uv:
	python3 -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv

# Bytecode is compiled once at install: where PYTHONDONTWRITEBYTECODE is set (it is on some CI images)
# Python never caches it, and every process (each run, test subprocess and worker) compiled dagster,
# pandas and Great Expectations from source again, measured at 4 to 5 s per process.
.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --inexact --compile-bytecode
	@touch $@

# Spark (pyspark, about 400 MB) is an optional extra: the tests install it, and `make run` does only when
# MENTORSHIP_ENGINE=spark is set. --inexact above keeps it when the base environment is synced again.
.venv/.synced-spark: .venv/.synced
	$(UV) sync --locked --inexact --compile-bytecode --extra spark
	@touch $@

setup: .venv/.synced $(if $(filter spark,$(MENTORSHIP_ENGINE)),.venv/.synced-spark)

setup-all: .venv/.synced-spark

# ARGS passes options to the headless run, e.g. make run ARGS="--months 2025-01:2025-03".
run: setup
	$(UV) run --locked python -m pipelines.cli run $(ARGS)

# A test process per core (pytest-xdist); the tests on the shared build stay in one (tests/conftest.py).
# `make test` leaves out the slow tier (statistical checks over several organisations, whole runs one
# after another) and says so at the end; `make test-slow` runs that tier, `make test-all` both. CI runs both.
PYTEST := $(UV) run --locked pytest -n auto --dist loadgroup

test: setup-all
	$(PYTEST) -m "not slow"

test-slow: setup-all
	$(PYTEST) -m slow

test-all: setup-all
	$(PYTEST)

# Python: ruff (lint, and the formatter's check); SQL: sqlfluff in DuckDB's dialect. Both configured in
# pyproject.toml. `make format` applies the formatter and the fixable fixes.
lint: setup
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .
	$(UV) run --locked sqlfluff lint assets/sql studies/benchmark_floor.sql

format: setup
	$(UV) run --locked ruff check --fix .
	$(UV) run --locked ruff format .

# The documentation site (MkDocs, built-in theme, nothing fetched) into site/; --strict fails on any broken link or anchor.
docs: setup
	$(UV) run --locked mkdocs build --strict

ui: setup
	$(UV) run --locked dagster dev -h 127.0.0.1 -p 3000

generate: setup
	$(UV) run --locked python -m pipelines.cli generate

# The validation study (a script, not a test): the estimator against planted truth in every selection
# scenario, with planted effects and with none (the null rate), intervals as the pipeline makes them
# (the influence function), about 4.6 s an organisation per core (the generator's files in Parquet, the
# contract's GX suite skipped on them: they are valid by construction); then one table over all of
# them (validation_scenarios.md); then the interval study, influence function against bootstrap in
# small organisations (about 30 min).
SCENARIOS := observed recorded_scores nonlinear department_effects calendar_dates
# With no effect planted, department_effects is the observed organisation seed for seed (measured: the
# same figures to the fourth decimal), so its null run is left out.
NULL_SCENARIOS := observed recorded_scores nonlinear calendar_dates
VALIDATE_SEEDS ?= 200
VALIDATE := $(UV) run --locked python -m studies.validation_study --uncertainty influence --bootstrap 0
validate: setup
	for s in $(SCENARIOS); do $(VALIDATE) --seeds $(VALIDATE_SEEDS) --selection $$s || exit 1; done
	for s in $(NULL_SCENARIOS); do $(VALIDATE) --seeds $(VALIDATE_SEEDS) --selection $$s --null || exit 1; done
	$(VALIDATE) --seeds 50 --selection latent
	$(VALIDATE) --report
	$(UV) run --locked python -m studies.interval_study --sizes 300,1000,2000 --seeds 50 --bootstrap 100

# Speed and memory per size tier (1k, 100k, 1M employees), beside a DuckDB floor and a pandas rendition.
bench: setup
	$(UV) run --locked python -m studies.benchmark

clean:
	rm -rf data/warehouse data/exports data/dashboards data/dagster
