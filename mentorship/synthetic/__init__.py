"""Synthetic organisation with a mentorship program and planted, known effects.

The generator simulates a company month by month, vectorised over people, and writes the
extracts in exactly the documented input format (see ``mentorship.contract``). It plants:

* self-selection: engaged, high-performing people in some departments volunteer more, and those
  same traits raise promotion and lower exit, so a raw comparison overstates the program;
* true effects of being mentored (from the pair's start) on the promotion hazard, the
  voluntary-exit hazard, merit raises and survey constructs, scaled by a dose that follows the
  pair's engagement band, which sets how often and how steadily it meets; and smaller effects on mentors.

Optional knobs, all off by default (and then leaving every file byte for byte as without them), make
other worlds for the validation study: selection on recorded survey scores, non-linear selection
(rating threshold, tenure hump, department by level, complementary log-log link), effects that
differ by department, and promotions on the 1st of the month (``Selection``, ``PlantedEffects``,
``SyntheticConfig``).

Every treated person also carries a counterfactual path driven by the same random draws with the
effects switched off. The truth file reports the effect on the mentored as the mean of
(actual - counterfactual) among the people the pipeline measures, in the pipeline's own terms.

The package, one concern per module: ``config`` (the configuration and its knobs), ``constants`` (the
organisation's fixed shape), ``state`` (the simulation's shared state), ``workforce`` (people, pay,
managers, hires), ``careers`` (reviews, promotions, moves, exits), ``program`` (cohorts, pairs,
meetings), ``selection`` (who volunteers), ``simulation`` (the month loop), ``surveys``, ``extracts``
and ``files`` (writing), ``truth`` (the planted truth) and ``entry`` (``generate``). The command line is
``python -m pipelines.cli generate``.
"""

from __future__ import annotations

from mentorship.synthetic.config import PlantedEffects, Selection, SyntheticConfig
from mentorship.synthetic.constants import N_LEVELS
from mentorship.synthetic.entry import generate

__all__ = ["N_LEVELS", "PlantedEffects", "Selection", "SyntheticConfig", "generate"]
