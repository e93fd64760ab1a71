"""Every effect the dashboards show: outcomes x horizons x roles, segments and dose, as tables.

DuckDB builds one compact analytic frame per outcome family (only the needed columns); Python
loops over estimates (a few hundred), never over people, and calls ``estimate_effect``.

The package, one concern a module: ``outcomes`` (covariates, outcome families, segments),
``settings`` (``EffectSettings``), ``frames`` (the analytic frames and the comparison sample),
``censoring`` (the censoring model and its weights), ``tasks`` (the estimates to make),
``estimate`` (one estimate), ``running`` (``compute_effects`` and single estimates) and ``schemas``
(the output tables' columns and types).
"""

from __future__ import annotations

from mentorship.effect_tables.censoring import CensoringModel, censoring_weights, with_censoring_weight
from mentorship.effect_tables.estimate import _run
from mentorship.effect_tables.frames import analytic_frames, comparison_fraction
from mentorship.effect_tables.outcomes import (
    CENSORING_COVARIATES,
    COVARIATES,
    DOSE_BANDS,
    SEGMENTS,
    SURVEY_DESIGNS,
    headline_outcomes,
)
from mentorship.effect_tables.running import compute_effects, overall_effect, segment_effects
from mentorship.effect_tables.schemas import ESTIMATE_COLUMNS
from mentorship.effect_tables.settings import EffectSettings
from mentorship.effect_tables.tasks import _Task, _tasks, _uncertainty

# The private names are the ones ``mentorship.falsification`` builds its checks from.
__all__ = [
    "CENSORING_COVARIATES",
    "COVARIATES",
    "DOSE_BANDS",
    "ESTIMATE_COLUMNS",
    "SEGMENTS",
    "SURVEY_DESIGNS",
    "CensoringModel",
    "EffectSettings",
    "_Task",
    "_run",
    "_tasks",
    "_uncertainty",
    "analytic_frames",
    "censoring_weights",
    "comparison_fraction",
    "compute_effects",
    "headline_outcomes",
    "overall_effect",
    "segment_effects",
    "with_censoring_weight",
]
