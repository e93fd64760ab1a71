"""What the headless run prints: the outcome summary and the data validation screen, both read from the
exported files (the metrics table and the validation summary), formatted as the pages format them."""

from __future__ import annotations

import json

import pandas as pd

from dashboards.validation import STATUS
from mentorship.metrics import Metrics, display, metric_id
from mentorship.settings import Settings

#: Where the planted truth file keeps each career outcome.
TRUTH_KEYS = {"promoted": "promotion", "retained": "retention", "salary_growth": "salary_growth"}
INTRO = (
    "Outcome summary, data as of {as_of}: mentored and comparison group (raw), the raw difference, and "
    "the adjusted effect on the mentored with its 95% CI. Shares in pts (percentage points), pay growth in "
    "pts of pay, survey changes on the 1–5 scale. People; a comparison person is compared once per intake "
    "they could have joined (person-intakes in brackets)."
)


def summary(settings: Settings) -> str:
    """The run's outcome summary, from the metrics table: the same figures, formatted the same way, as
    the pages."""
    m = Metrics(pd.read_parquet(settings.export_dir / "metrics.parquet"))
    truth = json.loads(settings.truth_path.read_text()) if settings.truth_path.exists() else None
    lines = [INTRO.format(as_of=m.as_of)]
    for role, label in (("mentee", "Mentees"), ("mentor", "Mentors")):
        lines.append(f"\n{label}")
        head = (
            f"  {'outcome':<34}{'horizon':>8}{'mentored':>10}{'comparison':>12}{'raw diff':>16}"
            f"{'adjusted (95% CI)':>40}"
        )
        if truth:
            head += f"{'planted truth':>18}"
        lines.append(head + "  people: mentored / comparison")
        lines += [_outcome_line(m, role, r, truth) for r in _headline_rows(m, role).itertuples()]
    if truth:
        lines.append(
            "\nThe planted truth is the synthetic organisation's known effect of the program; the gap "
            "between it and the raw difference is self-selection."
        )
    return "\n".join(lines)


def _headline_rows(m: Metrics, role: str) -> pd.DataFrame:
    """The role's overall adjusted effects at the headline horizon, and the headline survey changes."""
    f = m.frame[m.frame.family == "effect"]
    return f[
        (f.role == role)
        & (f.segment_type == "overall")
        & (f.measure == "adjusted_effect")
        & (
            (f.horizon_months == m.headline)
            | (f.horizon_months.isna() & f.outcome.str.endswith("_change") & ~f.outcome.str.contains("_change_"))
        )
    ]


def _outcome_line(m: Metrics, role: str, r, truth: dict | None) -> str:
    h = None if pd.isna(r.horizon_months) else int(r.horizon_months)
    b = metric_id(role, r.outcome, h, measure="x").removesuffix(".x")
    horizon = f"{h} mo" if h else "survey"
    name = r.outcome.replace("_", " ")
    if r.status != "published":
        line = f"  {name:<34}{horizon:>8}{r.status.replace('_', ' ') + ': ' + str(r.reason or ''):>86}"
    else:
        adj = f"{m.text(r.metric_id)} ({m.interval(r.metric_id)})"
        line = (
            f"  {name:<34}{horizon:>8}{m.text(b + '.mentored_rate'):>10}"
            f"{m.text(b + '.comparison_rate_raw'):>12}{m.text(b + '.raw_difference'):>18}{adj:>46}"
        )
    if truth:
        tv = _planted(truth[role + "s"], r.outcome, h)
        line += f"{display(tv, r.unit, r.digits) if tv is not None else 'not planted':>18}"
    n = lambda v: "hidden" if pd.isna(v) else f"{int(v):,}"
    return line + f"  {n(r.people_mentored)} / {n(r.people_comparison)} ({n(r.intakes_comparison)})"


def _planted(t: dict, outcome: str, h: int | None) -> float | None:
    """The planted truth of an outcome, as the truth file keeps it."""
    if outcome in TRUTH_KEYS:
        return t["horizons"].get(str(h), {}).get(TRUTH_KEYS[outcome])
    if outcome.endswith("_change"):
        # among people with two surveys before the start: whom the headline survey design measures
        return t.get("survey_change_two_waves", t["survey_change"]).get(outcome[: -len("_change")])
    return 0.0  # no effect is planted on this outcome


def validation_lines(settings: Settings, detailed: bool) -> list[str]:
    """One screen on data validation, from the summary the ingest assets write."""
    path = settings.export_dir / "validation_summary.json"
    if not path.exists():
        return []
    summ = json.loads(path.read_text())
    lines = ["Data validation (mapping: " + (summ["mapping"] or "identity") + ")"]
    for s in summ["sources"]:
        run_ = s["run"] or {}
        current = s["status"] in ("passed", "quarantined", "blocked")  # else the counts are an earlier run's
        counts = (
            f"{run_['rows_read']:,} read, {run_['rows_quarantined']:,} quarantined "
            f"({run_['reject_share']:.1%})" + ("" if current else " at its last validation")
            if run_
            else ""
        )
        lines.append(f"  {s['source']:<18}{STATUS[s['status']][0]:<19}{counts}")
        if run_.get("placeholders") and current:
            held = json.loads(run_["placeholders"])
            lines.append("      placeholder dates read as empty: " + ", ".join(f"{c} {n:,}" for c, n in held.items()))
        if not detailed or s["status"] == "passed":
            continue
        for reason in (run_.get("blocked_by") or "").splitlines() if s["status"] == "blocked" else ():
            lines.append(f"      blocked: {reason}")
        for f in s["files"]:
            if f["status"] == "failed":
                lines.append(f"      file {f['file']}: {f['problem']}")
        failing = [r for r in s["rules"] if not r["success"]] if current else []
        for r in failing[:6]:
            first = r["samples"][0] if r["samples"] else None
            where = f"; first at {first['file']} line {first['line']}" if first else ""
            lines.append(f"      {r['unexpected']:>9,} rows  {r['rule']} on {r['column']}: {r['meaning']}{where}")
        if len(failing) > 6:
            lines.append(f"      ... and {len(failing) - 6} more rules; see the report")
    lines.append(f"  Report: {settings.dashboard_dir / 'validation_report.html'}")
    lines.append("  Quarantined rows: select * from validated.quarantine (in the warehouse)")
    return lines
