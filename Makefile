# The two commands a new user needs: `make run` and `make test`. Both set up the locked environment.
SHELL := /bin/bash
export DAGSTER_HOME := $(CURDIR)
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)

.PHONY: setup run test ui generate clean

# uv is installed into a private virtualenv when it is missing, so nothing touches the system Python.
$(CURDIR)/.tools/bin/uv:
	python3 -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked
	@touch $@

setup: .venv/.synced

run: setup
	$(UV) run --locked python -m pipelines.cli run

test: setup
	$(UV) run --locked pytest

ui: setup
	$(UV) run --locked dagster dev -h 127.0.0.1 -p 3000

generate: setup
	$(UV) run --locked python -m pipelines.cli generate

clean:
	rm -rf data/warehouse data/exports data/dashboards data/dagster
