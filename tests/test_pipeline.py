"""The whole graph, materialized by Dagster on a small generated organisation into a tmp DuckDB."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from dashboards.packs import find_chromium
from mentorship.contract import SOURCES
from tests.conftest import SMALL_K, build


def test_whole_graph_materializes(built):
    _root, result = built
    assert result.success
    checks = result.get_asset_check_evaluations()
    contract = [
        c
        for c in checks
        if c.asset_key.to_user_string() not in ("falsification_checks", "published_exports", "delivery_message")
    ]
    # Delivery is off by default, and its check says so without failing.
    assert all(c.passed for c in checks if c.asset_key.to_user_string() == "delivery_message")
    assert contract and all(c.passed for c in contract)
    # Every run audits what it publishes (blocking): here it found nothing.
    gate = [c for c in checks if c.asset_key.to_user_string() == "published_exports"]
    assert [(c.check_name, c.passed) for c in gate] == [("no_disclosure", True)]
    assert {c.asset_key.to_user_string() for c in contract} == {
        f"{layer}_{s}" for s in SOURCES for layer in ("raw", "validated")
    }
    # The falsification tests run too, as warnings: a failure is reported, never a blocked run.
    falsification = {c.check_name: c for c in checks if c.asset_key.to_user_string() == "falsification_checks"}
    assert set(falsification) == {"placebo_outcome", "placebo_treatment", "balance"}
    assert all(c.severity == dg.AssetCheckSeverity.WARN and c.description for c in falsification.values())


def test_every_row_read_is_accepted_or_quarantined(warehouse):
    for s in SOURCES:
        read = warehouse.execute(f"select count(*) from raw.{s}").fetchone()[0]
        accepted = warehouse.execute(f"select count(*) from validated.{s}").fetchone()[0]
        quarantined = warehouse.execute(
            "select count(distinct (file, line)) from validated.quarantine where source = ?", [s]
        ).fetchone()[0]
        assert read > 0 and read == accepted + quarantined, s


def test_raw_rows_keep_source_file_and_row(warehouse):
    rows = warehouse.execute(
        "select _source_file, min(_line), max(_line), min(_record), max(_record), count(*) "
        "from raw.job_history group by 1"
    ).fetchall()
    for file, lo, hi, rlo, rhi, n in rows:  # the header is line 1, so record r starts on line r + 1
        assert file.endswith(".csv") and (lo, hi) == (2, n + 1) and (rlo, rhi) == (1, n)


def test_cohort_has_both_roles_and_groups_and_no_mentored_time_before_joining(warehouse):
    groups = dict(
        warehouse.execute(
            "select role || '/' || group_name, count(*) from analytics.cohort_members group by 1"
        ).fetchall()
    )
    assert set(groups) == {"mentee/mentored", "mentee/comparison", "mentor/mentored", "mentor/comparison"}
    # A mentee's index date is their first pair start, never earlier.
    assert (
        warehouse.execute("""
        select count(*) from analytics.cohort_members m
        join (select mentee_id, min(start_date) s from validated.mentorship_pairs group by 1) p
          on p.mentee_id = m.employee_id
        where m.role = 'mentee' and m.group_name = 'mentored' and m.index_date <> p.s""").fetchone()[0]
        == 0
    )
    # A comparison row for someone who joins later is censored on the day they join.
    assert (
        warehouse.execute("""
        select count(*) from analytics.cohort_members m
        join (select mentee_id, min(start_date) s from validated.mentorship_pairs group by 1) p
          on p.mentee_id = m.employee_id
        where m.role = 'mentee' and m.group_name = 'comparison'
          and (m.index_date >= p.s or m.censor_date is distinct from p.s)""").fetchone()[0]
        == 0
    )
    # Censored horizons are never observed.
    assert (
        warehouse.execute("""
        select count(*) from analytics.career_outcomes o join analytics.cohort_members m
          using (employee_id, role, cohort, group_name)
        where o.observed and m.censor_date <= o.horizon_date""").fetchone()[0]
        == 0
    )


def test_comparison_table_and_dashboard(built, warehouse):
    root, _ = built
    m = pd.read_parquet(root / "exports" / "metrics.parquet")
    raw = m[(m.family == "effect") & (m.segment_type == "overall") & (m.measure == "raw_difference")]
    assert {"promoted", "retained", "salary_growth", "engagement_change"} <= set(raw["outcome"])
    assert set(raw["horizon_months"].dropna().astype(int)) == {6, 12, 24}
    ok = raw[raw.status == "published"]
    assert (ok["people_mentored"] >= SMALL_K).all() and (ok["intakes_comparison"] >= SMALL_K).all()
    # The raw difference is the mentored level minus the raw comparison level, and its interval holds it.
    levels = m.set_index("metric_id").value
    for r in ok.itertuples():
        base = r.metric_id.removesuffix(".raw_difference")
        assert abs(r.value - (levels[f"{base}.mentored_rate"] - levels[f"{base}.comparison_rate_raw"])) < 1e-12
        assert r.ci_low < r.value < r.ci_high
    page = (root / "dashboards" / "outcome_comparison.html").read_text()
    assert "Mentored vs comparison group" in page and "raw comparisons" in page
    # plotly.js is one shared copy beside the pages, named once per page: offline and light.
    assert page.count('src="plotly.min.js"') == 1 and "plotly.js v" not in page
    assert (root / "dashboards" / "plotly.min.js").stat().st_size > 1_000_000
    assert all(p.stat().st_size < 1_000_000 for p in (root / "dashboards").glob("*.html"))
    assert (root / "dashboards" / "index.html").exists()


def published_texts(root: Path):
    """Every page and export a user can open, as text: HTML, Markdown, JSON, Parquet and the PDF packs."""
    from pypdf import PdfReader

    for f in sorted((root / "exports").glob("*.parquet")):
        yield f, pd.read_parquet(f).to_csv()
    for pattern in ("*.html", "*.md"):
        for f in sorted((root / "dashboards").glob(pattern)):
            yield f, f.read_text()
    for f in sorted((root / "exports").glob("*.json")):
        yield f, f.read_text()
    for f in sorted((root / "dashboards" / "packs").glob("*.pdf")):
        yield f, "\n".join(page.extract_text() for page in PdfReader(f).pages)


def occurring(text: str, values: set[str], part) -> set[str]:
    """The values that occur in ``text`` as substrings. Each distinct ``part`` (a last name, a domain)
    is looked for once, and only the values whose part occurs are looked for whole: the pages are
    megabytes each, and a thousand separate scans of every page took most of a minute."""
    groups: dict[str, set[str]] = {}
    for v in values:
        groups.setdefault(part(v), set()).add(v)
    return {v for key, group in groups.items() if key in text for v in group if v in text}


def test_the_identifier_scan_finds_what_it_looks_for():
    names, emails = {"Alex Smith", "Priya Müller", "Cher"}, {"alex.smith.E0000001@example.com"}
    page = '<td>Priya Müller</td> Smithson, "Cher"'
    assert occurring(page, names, lambda n: n.rsplit(" ", 1)[-1]) == {"Priya Müller", "Cher"}
    assert occurring(page + " alex.smith.E0000001@example.com", emails, lambda e: e.rsplit("@", 1)[-1]) == emails
    assert not occurring(page, emails, lambda e: e.rsplit("@", 1)[-1])


def test_outputs_hold_no_person_level_identifiers(built, warehouse):
    """The scanner: no raw employee, pair or meeting id, name or e-mail from the input in any page or
    export (pair ids appear only as keyed hashes)."""
    root, _ = built
    ids = {r[0] for r in warehouse.execute("select employee_id from validated.employees").fetchall()}
    names = {r[0] for r in warehouse.execute("select full_name from validated.employees").fetchall()}
    emails = {r[0] for r in warehouse.execute("select email from validated.employees").fetchall()}
    pair_ids = {r[0] for r in warehouse.execute("select pair_id from validated.mentorship_pairs").fetchall()}
    meeting_ids = {r[0] for r in warehouse.execute("select meeting_id from validated.meetings").fetchall()}
    seen = set()
    for f, text in published_texts(root):
        seen.add(f.suffix)
        tokens = set(re.findall(r"[A-Za-z]+\d{5,}", text))
        assert not tokens & (ids | pair_ids | meeting_ids), f
        assert not occurring(text, names, lambda n: n.rsplit(" ", 1)[-1]), f
        assert not occurring(text, emails, lambda e: e.rsplit("@", 1)[-1]) and "@example.com" not in text, f
    # Printable packs need Chromium, which CI installs; elsewhere a missing browser skips them (and says so).
    packs = {".pdf"} if find_chromium() is not None or os.environ.get("CI") == "true" else set()
    assert {".parquet", ".html", ".md", ".json"} | packs <= seen
    at_risk = pd.read_parquet(root / "exports" / "at_risk_pairs.parquet")
    assert at_risk.pair.str.fullmatch(r"pair_[0-9a-f]{16}").all()


def test_no_published_group_is_under_the_minimum_size(built):
    """The scanner's second half: every count a page or export shows is at least k (what can be worked
    out by subtraction is the auditor's part: test_disclosure.py)."""
    root, _ = built
    k = SMALL_K
    counts = {
        "effect_estimates": [
            "n_treated",
            "n_control",
            "n_treated_used",
            "n_control_used",
            "people_treated",
            "people_control",
        ],
        "metrics": ["people_mentored", "people_comparison", "intakes_mentored", "intakes_comparison"],
        "cohort_sizes": ["people"],
        "program_health": [
            "pairs",
            "active_pairs",
            "completed_pairs",
            "withdrawn_pairs",
            "low_regularity_pairs",
            "medium_regularity_pairs",
            "high_regularity_pairs",
            "low_cadence_pairs",
            "medium_cadence_pairs",
            "high_cadence_pairs",
        ],
        "survey_prepost": ["people", "person_intakes"],
    }
    for name, cols in counts.items():
        frame = pd.read_parquet(root / "exports" / f"{name}.parquet")
        for c in cols:
            shown = frame[c].dropna()
            assert ((shown >= k) | (shown == 0)).all(), (name, c, shown[(shown < k) & (shown > 0)].tolist())


def test_small_groups_are_suppressed(tmp_path, small_org):
    from tests.conftest import build

    landing, _ = small_org
    result = build(tmp_path, landing, min_group_size=100_000)
    assert result.success
    m = pd.read_parquet(tmp_path / "exports" / "metrics.parquet")
    people = m[m.family.isin(["effect", "curve", "survey_means", "cohort_size", "program"])]
    assert len(people) and (people.status != "published").all() and people.value.isna().all()
    sizes = pd.read_parquet(tmp_path / "exports" / "cohort_sizes.parquet")
    assert sizes["people"].isna().all()
    effects = pd.read_parquet(tmp_path / "exports" / "effect_estimates.parquet")
    assert len(effects) and effects.suppressed.all() and effects.counts_hidden.all()
    assert effects[["estimate", "ci_low", "ci_high", "n_treated", "n_control"]].isna().all().all()


def test_effect_tables_cover_every_outcome_horizon_and_role(built):
    root, _ = built
    eff = pd.read_parquet(root / "exports" / "effect_estimates.parquet")
    overall = eff[eff.segment_type == "overall"]
    for role in ("mentee", "mentor"):
        career = overall[(overall.role == role) & (overall.kind != "time_to_event") & overall.horizon_months.notna()]
        assert set(career.horizon_months.astype(int)) == {6, 12, 24}
        assert {"promoted", "retained", "salary_growth"} <= set(career.outcome)
        assert {"time_to_voluntary_exit", "time_to_promotion"} <= set(overall[overall.role == role].outcome)
    shown = overall[~overall.suppressed]
    assert (shown.ci_low <= shown.estimate).all() and (shown.estimate <= shown.ci_high).all()
    assert (shown.e_value >= 1).all() and (shown.e_value_ci >= 1).all() and (shown.e_value_ci <= shown.e_value).all()
    assert (
        shown.method.isin(
            ["aipw", "weighted cox", "weighted aalen-johansen", "weighted aalen-johansen with censoring weights"]
        )
    ).all() and (shown.estimand == "ATT").all()
    # Weighting balances every covariate of the headline mentee estimates on the generated organisation.
    balance = pd.read_parquet(root / "exports" / "effect_balance.parquet")
    headline = balance[
        (balance.role == "mentee") & balance.outcome.isin(["promoted", "retained"]) & (balance.horizon_months == 12)
    ]
    assert len(headline) and headline.smd_after.abs().max() < 0.1 < headline.smd_before.abs().max()
    # Segments and dose exist; a segment too small is suppressed with its reason, not a number.
    segs = eff[eff.segment_type != "overall"]
    assert {"department", "job_level", "gender", "cadence_band", "regularity_band"} <= set(segs.segment_type)
    small = segs[segs.suppressed]
    assert small.estimate.isna().all() and small.suppression_reason.notna().all()
    curves = pd.read_parquet(root / "exports" / "survival_curves.parquet")
    assert set(curves.group) == {"treated", "comparison"} and curves.month.max() == 36
    # Intervals from the influence function by default; from the bootstrap (30 replicates in this build)
    # for estimates of fewer than Settings.bootstrap_below mentored people; the note says which and how many.
    from mentorship.settings import Settings

    below = Settings.bootstrap_below
    made = eff[~eff.suppressed]
    boot = made[made.ci_method.str.startswith("percentile bootstrap")]
    infl = made[made.ci_method == "influence function"]
    assert len(infl) and len(boot) and set(boot.ci_method) == {"percentile bootstrap (30 replicates)"}
    assert (boot.n_treated.dropna() < below).all() and (infl.n_treated.dropna() >= below).all()
    note = (root / "dashboards" / "methodology.md").read_text()
    assert "No unmeasured confounding" in note and "pre_engagement" in note
    assert "come from the influence function" in note
    assert f"{len(boot)} estimate(s) of few mentored people (fewer than {below})" in note


def _break_employees(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst)
    path = dst / "employees" / "employees.csv"
    lines = path.read_text().split("\n", 1)
    path.write_text(lines[0].replace('"hire_date"', '"hired"') + "\n" + lines[1])


def test_a_broken_drop_blocks_downstream_and_keeps_every_table(built, small_org, tmp_path):
    landing, _ = small_org
    root, _ = built
    shutil.copy(root / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    tables = ["raw.employees", "validated.employees", "analytics.cohort_members", "analytics.career_outcomes"]

    def snapshot():
        con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
        try:
            return {t: con.execute(f"select * from {t} order by all").df() for t in tables}
        finally:
            con.close()

    before = snapshot()
    _break_employees(landing, tmp_path / "landing")
    result = build(tmp_path, tmp_path / "landing")
    assert not result.success
    failed = [c for c in result.get_asset_check_evaluations() if not c.passed]
    assert [(c.asset_key.to_user_string(), c.check_name) for c in failed] == [("raw_employees", "files_usable")]
    assert "employees.csv: lacks required column(s) hire_date" in failed[0].description
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert not materialized & {"validated_employees", "validated_job_history", "cohort_members", "published_exports"}
    after = snapshot()
    for t in tables:
        pd.testing.assert_frame_equal(after[t], before[t], obj=t)


def test_cli_run_on_a_bad_drop_exits_non_zero_with_a_one_screen_summary(small_org, tmp_path):
    landing, _ = small_org
    _break_employees(landing, tmp_path / "landing")
    env = {
        **os.environ,
        "MENTORSHIP_DATA_DIR": str(tmp_path / "data"),
        "MENTORSHIP_LANDING_DIR": str(tmp_path / "landing"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    env.pop("MENTORSHIP_DUCKDB", None)
    (tmp_path / "dagster_home").mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run"], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 1
    summary = proc.stderr[proc.stderr.index("Data validation") :]
    assert "employees         file error" in summary
    assert "file employees.csv: lacks required column(s) hire_date" in summary
    assert str(tmp_path / "data" / "dashboards" / "validation_report.html") in summary
    assert len(summary.splitlines()) < 40
