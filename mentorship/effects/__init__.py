"""Effects on the mentored, isolated from self-selection: ``estimate_effect`` works on any DataFrame.

Design (docs/methods.md, "Adjusted effects", says the same in plain words):

- **Propensity score.** A logistic regression (scikit-learn's model, fitted by ``fit_logit``: mild
  L2 penalty on standardised covariates) of treatment on the covariates. Numeric covariates are
  standardised, with missing values set to the mean plus a missing-indicator column; categorical
  ones are one-hot encoded with missing as its own level and levels rarer than 0.5% pooled into
  "other".
- **Weights.** ATT (default): treated people weigh 1, comparison people e/(1-e), so the comparison
  group is reweighted to look like the treated. ATE: 1/e and 1/(1-e).
- **Trimming.** For the ATT, people whose propensity is above 1 - ``trim`` (default 0.01) are dropped
  before estimation: nobody comparable was left unmentored. For the ATE, also those below ``trim``.
  The counts before and after are reported. A warning is raised when any covariate's |SMD| stays above 0.1 after weighting.
- **Binary and continuous outcomes.** Doubly robust by default (``method="aipw"``): an outcome
  model fitted on the comparison group predicts each person's untreated outcome, and the weighted
  residuals correct it, so the estimate is right if either model is. ``method="ipw"`` is the plain
  weighted difference in means.
- **Time to event.** A Cox model of the hazard on treatment alone, weighted (lifelines, robust
  sandwich standard errors), gives a marginal hazard ratio; weighted Aalen-Johansen curves per group
  (one minus the cumulative incidence, competing events not counted as the event), the same estimator
  and weights as the probabilities at a horizon, so a curve read at the horizon is that probability.
- **Uncertainty.** Percentile bootstrap CIs (default 200 replicates, seeded) that resample people,
  or the ``cluster`` column when a person has several rows, refitting both models each time (and
  the censoring model, when ``censoring_weights`` is a callable). The Cox hazard ratio uses its
  robust standard error. For large samples, ``uncertainty="influence"`` gives normal intervals from
  the influence function instead: each unit's derivative of the estimate in its weight, through the
  refitted models (the infinitesimal jackknife, which the bootstrap approximates by resampling).
- **Sensitivity.** The E-value (VanderWeele and Ding 2017) of the estimate and of the CI bound
  nearest the null: how strongly an unmeasured confounder would have to be associated with both
  mentoring and the outcome, as a risk ratio, to explain the effect away.

Modules, one concern each: ``api`` (``estimate_effect``), ``propensity`` (the propensity fit, the
weights and the trimmed sample), ``design`` (covariate design matrices), ``models`` (the logistic and
least-squares fits), ``means`` (binary and continuous outcomes), ``survival`` (time to event),
``cox`` (the weighted Cox model), ``incidence`` (Kaplan-Meier and Aalen-Johansen), ``segments``
(time-varying censoring weights), ``influence`` (influence functions and their standard errors),
``bootstrap`` (intervals), ``diagnostics`` (balance, overlap, E-values), ``result``
(``EffectResult``) and ``errors``.
"""

from __future__ import annotations

from mentorship.effects.api import ESTIMANDS, KINDS, METHODS, UNCERTAINTY, estimate_effect
from mentorship.effects.cox import cox_binary
from mentorship.effects.design import _design
from mentorship.effects.diagnostics import e_value_rr
from mentorship.effects.errors import EffectInputError, PoorBalanceWarning
from mentorship.effects.incidence import aalen_johansen_curve, cumulative_incidence, kaplan_meier
from mentorship.effects.influence import _influence_se, incidence_influence
from mentorship.effects.models import LogitRefit, fit_logit
from mentorship.effects.propensity import shared_fits
from mentorship.effects.result import SMD_TARGET, EffectResult

__all__ = [
    "ESTIMANDS",
    "KINDS",
    "METHODS",
    "SMD_TARGET",
    "UNCERTAINTY",
    "EffectInputError",
    "EffectResult",
    "LogitRefit",
    "PoorBalanceWarning",
    "_design",
    "_influence_se",
    "aalen_johansen_curve",
    "cox_binary",
    "cumulative_incidence",
    "e_value_rr",
    "estimate_effect",
    "fit_logit",
    "incidence_influence",
    "kaplan_meier",
    "shared_fits",
]
