"""The SQL models: every warehouse table built from one SQL file, ``assets/sql/<layer>/<name>.sql``.

The registry below gives each model its layer (its folder, and its Dagster group) and the sentence the UI
shows. Everything else is read from the SQL itself, so the graph is stated once:

- its dependencies are the tables it reads: ``validated.x`` is the asset ``validated_x`` and
  ``analytics.x`` is the model ``x``;
- its parameters are the session variables it reads with ``getvariable('...')``.

Dagster (``assets/cohorts.py``, ``assets/outcomes.py``), the studies and the tests all build from this
list, in the order :func:`in_order` derives from those dependencies. Plain Python: no Dagster import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from graphlib import TopologicalSorter
from pathlib import Path

from mentorship.engines import Engine, as_engine

SQL_DIR = Path(__file__).parent
SCHEMA = "analytics"

#: layer -> model -> what the table holds (the asset's description). The order within a layer is only
#: the order the UI lists them in; the run order comes from the dependencies.
REGISTRY: dict[str, dict[str, str]] = {
    "cohorts": {
        "job_events": "Job history rows flagged with the change each records: promotion (level increase), "
        "department move, move into people management.",
        "survey_scores": "Construct score per respondent and wave: the mean of the answered items the dictionary "
        "maps to it.",
        "cohort_members": "Mentees and mentors with index dates (first pair start), and per cohort an eligible "
        "comparison group indexed on the cohort start, censored when they later join; with pre-index covariates.",
    },
    "outcomes": {
        "career_outcomes": "Promotion, voluntary exit, retention, salary growth, moves into people management and "
        "department changes at each horizon (MENTORSHIP_HORIZONS, 6, 12 and 24 months by default), flagged "
        "observed only when the horizon has passed uncensored.",
        "survival_times": "Days from index to voluntary exit and to first promotion, with event flags and "
        "censoring at the as-of date, at joining the program, and (for promotion) at any exit.",
        "censoring_risk": "Per comparison member and later cohort they were still followed up at: what was known "
        "about them on that cohort's start and whether they joined it. The censoring model behind the comparison "
        "group's inverse-probability-of-censoring weights.",
        "survey_outcomes": "Per member and construct: the last wave before the index date, the first after it, "
        "and the change.",
        "pair_engagement": "Per pair: meetings, meetings per month, gaps between meetings, the longest stretch "
        "without one, days since the last meeting, goals met, mean mentee rating, and the dose bands over its "
        "first 90 days: cadence (meetings a month) and regularity (longest stretch without a meeting).",
        "program_health": "Per program and cohort (and overall): pairs by status, meetings per pair per month, "
        "gaps between meetings, goals set and met, mentee ratings, and pairs by cadence and by regularity band. "
        "Unsuppressed: published only through the publication gate.",
        "survey_prepost": "Mean construct score before and after the index date per role, construct and group, "
        "the means the difference-in-differences compares. Unsuppressed: published only through the "
        "publication gate.",
        "roi_inputs": "The ROI case's inputs as aggregates: mentees, pairs, mentoring hours and the mentees' mean "
        "salary.",
        "program_activity": "Per calendar month, per program and for all programs: the pairs running and the "
        "meetings they held, the program-health trend over time. Unsuppressed: published only through the "
        "publication gate.",
    },
}

_TABLE = re.compile(r"\b(validated|analytics)\.([a-z_][a-z0-9_]*)\b")
_VARIABLE = re.compile(r"getvariable\(\s*'([a-z_]+)'\s*\)")


class ModelError(ValueError):
    """The registry and the SQL files disagree, or a build lacks a parameter."""


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    description: str

    root: Path = SQL_DIR

    @property
    def path(self) -> Path:
        return self.root / self.layer / f"{self.name}.sql"

    @cached_property
    def sql(self) -> str:
        return self.path.read_text()

    @cached_property
    def deps(self) -> tuple[str, ...]:
        """The asset keys this model reads, in the order the SQL first names them."""
        keys = [f"validated_{t}" if s == "validated" else t for s, t in _TABLE.findall(_code(self.sql))]
        return tuple(dict.fromkeys(k for k in keys if k != self.name))

    @cached_property
    def variables(self) -> tuple[str, ...]:
        """The session variables (parameters) the SQL reads."""
        return tuple(dict.fromkeys(_VARIABLE.findall(_code(self.sql))))

    @property
    def table(self) -> str:
        return f"{SCHEMA}.{self.name}"


def _code(sql: str) -> str:
    """The SQL without its comments, so a table named in prose is not a dependency."""
    return re.sub(r"--[^\n]*", "", sql)


@cache
def macros() -> str:
    """The macros every model may use (``macros.sql``); part of every model's meaning."""
    return (SQL_DIR / "macros.sql").read_text()


def load_models(root: Path = SQL_DIR, registry: dict[str, dict[str, str]] = REGISTRY) -> dict[str, Model]:
    """The registry's models, checked against the files: every file registered, every model a file,
    every ``analytics.x`` a model reads built by another model."""
    models = {name: Model(name, layer, text, root) for layer, names in registry.items() for name, text in names.items()}
    files = {(p.parent.name, p.stem) for p in root.glob("*/*.sql")}
    listed = {(m.layer, m.name) for m in models.values()}
    if files != listed:
        raise ModelError(
            f"assets/sql and its registry disagree: files not registered {sorted(files - listed)}, "
            f"registered without a file {sorted(listed - files)}"
        )
    for m in models.values():
        unknown = [d for d in m.deps if not d.startswith("validated_") and d not in models]
        if unknown:
            raise ModelError(f"{m.path.name} reads analytics.{unknown[0]}, which no model builds")
    return models


MODELS: dict[str, Model] = load_models()


def in_layer(layer: str) -> list[Model]:
    return [m for m in MODELS.values() if m.layer == layer]


def in_order(names=None) -> list[Model]:
    """The models (all, or ``names`` and nothing else) in an order where each comes after what it reads."""
    graph = TopologicalSorter({n: [d for d in m.deps if d in MODELS] for n, m in MODELS.items()})
    chosen = set(MODELS if names is None else names)
    return [MODELS[n] for n in graph.static_order() if n in chosen]


def build_table(engine, name: str, variables: dict | None = None) -> int:
    """Replace the model's table with its SQL's result in one transaction; return its row count.

    ``engine`` is an ``Engine`` (``mentorship.engines``) or a DuckDB connection. ``variables`` gives the
    session variables the SQL reads (a ModelError names any that is missing)."""
    model = MODELS[name]
    variables = variables or {}
    missing = [v for v in model.variables if v not in variables]
    if missing:
        raise ModelError(f"{model.path.name} reads the parameter {missing[0]!r}, which was not given")
    return as_engine(engine).build(model.table, model.sql, {v: variables[v] for v in model.variables}, macros())


def build_models(engine: Engine, variables: dict, names=None) -> dict[str, int]:
    """Build the models (all, or ``names``) in dependency order; rows per table."""
    engine = as_engine(engine)
    return {m.name: build_table(engine, m.name, variables) for m in in_order(names)}


def validated_inputs(names=None) -> list[str]:
    """The validated tables the models (all, or ``names``) read, as ``validated.<source>``."""
    deps = {d for m in in_order(names) for d in m.deps if d.startswith("validated_")}
    return sorted(f"validated.{d.removeprefix('validated_')}" for d in deps)
