"""HR's ROI case: the programme's cost against the exits it avoided, with the effect's uncertainty.

Plain Python, no Dagster. Inputs are aggregates (``analytics.roi_inputs``), the adjusted effect rows
(``analytics.effect_estimates``) and the assumptions file (``config/roi_assumptions.yaml``).

- **Cost** = meeting hours x (mentor + mentee loaded hourly cost) x (1 + preparation share)
  + administration per year x programme years + platform fee per pair-year x pairs x programme years.
- **Benefit** = exits avoided x replacement cost, where exits avoided = the adjusted 12-month
  retention effect on the mentored (a difference in probability) x mentees, and replacement cost =
  share of salary x the mentees' mean salary; plus any other monetised outcome switched on.
- **ROI** = (benefit - cost) / cost. It rises with the effect, so the ROI at the effect's CI limits is
  the ROI's interval for the given assumptions. The sensitivity table moves one assumption at a time.

- ``assumptions``: the assumptions file, read and checked (``Assumptions``, ``RoiConfigError``).
- ``inputs``: the inputs from the exported tables (``Inputs``, ``inputs_from_tables``).
- ``case``: the computation (``compute_roi``, ``RoiResult``, ``roi_range``).
"""

from __future__ import annotations

# The names used outside the package (assets, metrics.roi_figures, dashboards, tests).
from mentorship.roi.assumptions import DEFAULT_FILE, Assumptions, RoiConfigError
from mentorship.roi.case import compute_roi
from mentorship.roi.inputs import ALL_PROGRAMS, Inputs, inputs_from_tables

__all__ = [
    "ALL_PROGRAMS",
    "DEFAULT_FILE",
    "Assumptions",
    "Inputs",
    "RoiConfigError",
    "compute_roi",
    "inputs_from_tables",
]
