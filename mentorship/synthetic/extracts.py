"""The extracts other than the survey responses, in the documented input format: employees, job
history (monthly batches), mentorship pairs, meetings (monthly) and the survey item dictionary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mentorship.synthetic.constants import (
    DEPARTMENTS,
    FIRST_NAMES,
    GENDERS,
    JOB_FAMILIES,
    LAST_NAMES,
    LOCATIONS,
    SURVEY_ITEMS,
)
from mentorship.synthetic.files import _fmt_dates, _write_file, _write_monthly
from mentorship.synthetic.program import PAIR_COLUMNS, _finish_pairs
from mentorship.synthetic.state import Sim


def _write_extracts(sim: Sim, out: Path, ids: np.ndarray) -> dict[str, int]:
    """Employees, job history, pairs, meetings and survey items; returns the rows written per source.
    Draws the names, then each pair's close and meetings, from the stream, in that order."""
    fmt = sim.cfg.file_format
    written = {
        "employees": _write_file(_employees(sim, ids), out / "employees" / "employees", fmt),
        "job_history": _write_job_history(sim, ids, out / "job_history" / "job_history", fmt),
    }
    pairs_out, meetings = _pairs_and_meetings(sim, ids)
    written["mentorship_pairs"] = _write_file(pairs_out, out / "mentorship_pairs" / "mentorship_pairs", fmt)
    meeting_month = pd.to_datetime(meetings["meeting_date"]).to_numpy().astype("datetime64[M]")
    written["meetings"] = _write_monthly(meetings, meeting_month, out / "meetings" / "meetings", fmt)
    items = pd.DataFrame(SURVEY_ITEMS, columns=["item_id", "construct", "item_text"])
    items["scale_min"], items["scale_max"] = 1, 5
    written["survey_items"] = _write_file(items, out / "survey_items" / "survey_items", fmt)
    return written


def _employees(sim: Sim, ids: np.ndarray) -> pd.DataFrame:
    p, w, rng, n = sim.people, sim.actual, sim.rng, sim.people.n
    emp = pd.DataFrame(
        {
            "employee_id": ids,
            "full_name": np.asarray(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), n)]
            + " "
            + np.asarray(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)],
            "hire_date": _fmt_dates(p.hire_day[:n]),
            "termination_date": _fmt_dates(w.term_day[:n]),
            "termination_type": np.asarray(["", "voluntary", "involuntary"])[w.term_type[:n]],
            "location": np.asarray(LOCATIONS)[p.loc[:n]],
            "gender": np.asarray(GENDERS)[p.gender[:n]],
            "birth_year": p.birth_year[:n],
        }
    )
    emp["email"] = emp["full_name"].str.lower().str.replace(" ", ".", regex=False) + "." + ids + "@example.com"
    return emp


def _families(dept_codes: np.ndarray, fam_codes: np.ndarray) -> np.ndarray:
    table = np.array([JOB_FAMILIES[d] for d in DEPARTMENTS])
    return table[dept_codes, fam_codes]


def _write_job_history(sim: Sim, ids: np.ndarray, stem: Path, fmt: str) -> int:
    """The job records, one file per month; frees the history once written."""
    n = sim.people.n
    hist = pd.concat(sim.history, ignore_index=True)
    hist = hist[hist["i"] < n].sort_values(["i", "day"], kind="stable")
    hist = hist.drop_duplicates(["i", "day"], keep="last")
    mgr_ids = np.where(hist["manager"].to_numpy() >= 0, ids[np.clip(hist["manager"].to_numpy(), 0, n - 1)], "")
    fam = _families(hist["dept"].to_numpy(), hist["family"].to_numpy())
    jh = pd.DataFrame(
        {
            "employee_id": ids[hist["i"].to_numpy()],
            "effective_date": _fmt_dates(hist["day"].to_numpy()),
            "job_level": hist["level"].to_numpy(),
            "department": np.asarray(DEPARTMENTS)[hist["dept"].to_numpy()],
            "job_family": fam,
            "manager_id": mgr_ids,
            "is_people_manager": hist["is_mgr"].to_numpy(),
            "base_salary": hist["salary"].to_numpy(),
            "performance_rating": hist["perf"].to_numpy(),
        }
    )
    # Monthly batches, as an HRIS delivers them: the first month's file also carries every earlier
    # record (the baseline history), each later file that month's changes.
    month_start = sim.cal.month_start
    jh_month = np.maximum(hist["day"].to_numpy(), month_start[0]).astype("datetime64[D]").astype("datetime64[M]")
    rows = _write_monthly(jh, jh_month, stem, fmt)
    sim.history.clear()  # the state holds the list; clearing frees the frames
    return rows


def _pairs_and_meetings(sim: Sim, ids: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pairs, closed, and their meetings, as the extracts write them."""
    pairs = sim.program.pairs
    pair_df = pd.DataFrame(pairs) if pairs else pd.DataFrame(columns=PAIR_COLUMNS)
    pair_df, meetings = _finish_pairs(pair_df, sim.actual.term_day, sim.cal.as_of, sim.rng)
    pairs_out = pd.DataFrame(
        {
            "pair_id": pair_df["pair_id"],
            "program": pair_df["program"],
            "cohort": pair_df["cohort"],
            "mentor_id": ids[pair_df["mentor"].to_numpy(dtype=np.int64)],
            "mentee_id": ids[pair_df["mentee"].to_numpy(dtype=np.int64)],
            "start_date": _fmt_dates(pair_df["start"].to_numpy(dtype=np.int64)),
            "end_date": _fmt_dates(pair_df["end"].to_numpy(dtype=np.int64)),
            "status": pair_df["status"],
            "goals_set": pair_df["goals_set"],
            "goals_met": pair_df["goals_met"],
        }
    )
    return pairs_out, meetings
