"""The publication gate and the disclosure auditor: hand-built attacks, then every export of a full run."""

import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from mentorship.disclosure import System, exposed, protect
from mentorship.publication import PublicationError, audit, check_threshold, publish

ALL = "All programs"


def health(rows) -> pd.DataFrame:
    """A program-health table from (program, cohort, pairs, active, completed, withdrawn) rows."""
    frame = pd.DataFrame(
        rows, columns=["program", "cohort", "pairs", "active_pairs", "completed_pairs", "withdrawn_pairs"]
    )
    frame["meetings"] = frame.pairs * 10
    frame["suppressed"] = False
    return frame


def two_programs() -> pd.DataFrame:
    """Two programs and their total in two cohorts; Leadership Accelerator withdrew 3 pairs in 2023-H1."""
    return health(
        [
            (ALL, "All cohorts", 200, 60, 100, 40),
            (ALL, "2023-H1", 100, 0, 56, 44),
            (ALL, "2023-H2", 100, 60, 40, 0),
            ("Career Mentoring", "All cohorts", 170, 50, 80, 40),
            ("Career Mentoring", "2023-H1", 85, 0, 44, 41),
            ("Career Mentoring", "2023-H2", 85, 50, 35, 0),
            ("Leadership Accelerator", "All cohorts", 30, 10, 20, 0),
            ("Leadership Accelerator", "2023-H1", 15, 0, 12, 3),
            ("Leadership Accelerator", "2023-H2", 15, 10, 5, 0),
        ]
    )


def test_the_auditor_catches_a_count_hidden_only_within_its_row():
    # What the old suppression published: LA 2023-H1 withdrawn hidden with one other cell of its row, and
    # the "All programs" row beside it: 44 - 41 = 3.
    published = two_programs().astype(
        dict.fromkeys(("pairs", "active_pairs", "completed_pairs", "withdrawn_pairs"), "float")
    )
    published.loc[7, ["completed_pairs", "withdrawn_pairs"]] = np.nan
    findings = audit({"program_health": published}, k=5)
    recovered = [f for f in findings if f.column == "withdrawn_pairs"]
    assert [(f.row["program"], f.row["cohort"], f.value) for f in recovered] == [
        ("Leadership Accelerator", "2023-H1", 3)
    ]
    assert "worked out" in str(recovered[0])


def test_the_auditor_flags_a_published_small_count():
    findings = audit({"program_health": two_programs()}, k=5)
    assert any(f.value == 3 and "published count under 5" in f.how for f in findings)


def test_the_gate_protects_the_hidden_count_across_the_hierarchy():
    out = publish({"program_health": two_programs()}, k=5)["program_health"]
    assert pd.isna(out.loc[7, "withdrawn_pairs"])
    assert audit(out.pipe(lambda f: {"program_health": f}), k=5) == []
    # Something beside it in the program total's column or the cohort's row is hidden too, and the
    # untouched cells still show.
    assert out[["completed_pairs", "withdrawn_pairs"]].isna().sum().sum() >= 3
    assert out.loc[0, "pairs"] == 200 and out.loc[2, "active_pairs"] == 60


def test_two_by_two_protection_hides_a_rectangle_not_the_table():
    # a b | a+b ; c d | c+d ; with column totals: one small cell costs exactly three more.
    v = [3, 10, 13, 20, 30, 50, 23, 40, 63]
    rels = [
        [(0, 1), (1, 1), (2, -1)],
        [(3, 1), (4, 1), (5, -1)],
        [(6, 1), (7, 1), (8, -1)],
        [(0, 1), (3, 1), (6, -1)],
        [(1, 1), (4, 1), (7, -1)],
        [(2, 1), (5, 1), (8, -1)],
    ]
    hidden = protect(System.of(v, np.zeros(9, bool), relations=rels), np.eye(9, dtype=bool)[0])
    assert hidden.tolist() == [True, True, False, True, True, False, False, False, False]
    assert exposed(System.of(v, hidden, relations=rels)) == {}


def test_bounds_expose_what_elimination_cannot():
    # total 5 = a + b, both hidden: elimination leaves a free, but b's row shows an estimate (so b >= 5)
    # and counts are not negative, so a = 0.
    system = System.of([5, 0, 5], [False, True, True], lower=[0, 0, 5], relations=[[(0, -1), (1, 1), (2, 1)]])
    assert exposed(system) == {}
    assert exposed(system, bounds=True) == {1: 0.0, 2: 5.0}


def effect_rows(sizes: dict[str, tuple[int, int]]) -> pd.DataFrame:
    rows = [
        {
            "role": "mentee",
            "outcome": "promoted",
            "horizon_months": 12,
            "segment_type": "overall",
            "segment": "all",
            "n_treated": sum(t for t, _ in sizes.values()),
            "n_control": sum(c for _, c in sizes.values()),
        }
    ]
    rows += [
        {
            "role": "mentee",
            "outcome": "promoted",
            "horizon_months": 12,
            "segment_type": "department",
            "segment": d,
            "n_treated": t,
            "n_control": c,
        }
        for d, (t, c) in sizes.items()
    ]
    frame = pd.DataFrame(rows)
    frame["n_treated_used"], frame["n_control_used"] = frame.n_treated, frame.n_control
    frame["outcome_label"], frame["kind"] = "Promoted", "binary"
    frame["estimate"], frame["ci_low"], frame["ci_high"] = 0.05, 0.01, 0.09
    frame["suppressed"], frame["suppression_reason"], frame["counts_hidden"] = False, None, False
    return frame


def test_a_small_segment_is_suppressed_with_one_more_segments_counts_and_nothing_else():
    out = publish(
        {"effect_estimates": effect_rows({"People": (4, 90), "Sales": (60, 900), "Finance": (30, 400)})}, k=5
    )["effect_estimates"]
    people, finance, sales = (out[out.segment == s].iloc[0] for s in ("People", "Finance", "Sales"))
    assert people.suppressed and people.suppression_reason == "fewer than 5 people in a group"
    assert pd.isna(people.estimate) and pd.isna(people.n_treated)
    # The cheapest complement is Finance's treated count; its estimate is about 30 people and stays.
    assert finance.counts_hidden and not finance.suppressed and finance.estimate == 0.05
    assert pd.isna(finance.n_treated) and not sales.counts_hidden and sales.n_treated == 60
    assert audit({"effect_estimates": out}, k=5) == []


def test_one_figure_in_two_tables_is_one_unknown():
    # Program health hides the 2023-H1 pairs of all programs (100) and of LA (15, under k = 20); the
    # cohort sizes show the 100 mentored people of 2023-H1, the same figure: so LA = 100 - 85.
    published = two_programs().astype({"pairs": "float"})
    published.loc[[1, 7], "pairs"] = np.nan
    sizes = pd.DataFrame({"role": "mentee", "cohort": ["2023-H1"], "group_name": "mentored", "people": [100.0]})
    findings = audit({"program_health": published, "cohort_sizes": sizes}, k=20)
    assert any(f.table == "program_health" and f.column == "pairs" and f.value == 15 for f in findings)
    protected = publish({"program_health": two_programs(), "cohort_sizes": sizes.assign(people=100)}, k=20)
    assert audit(protected, k=20) == []


@pytest.mark.parametrize("k", [0, 1, -3, "5", 2.5, True])
def test_a_mis_set_threshold_stops_publication(k):
    with pytest.raises(PublicationError, match="min_group_size"):
        check_threshold(k)
    with pytest.raises(PublicationError, match="min_group_size"):
        publish({"program_health": two_programs()}, k=k)


def test_the_threshold_is_applied_in_one_module():
    root = Path(__file__).resolve().parents[1]
    hits = []
    for path in [
        *root.glob("pipelines/**/*.sql"),
        *root.glob("pipelines/**/*.py"),
        *root.glob("assets/*.py"),
        *root.glob("mentorship/**/*.py"),
        *root.glob("dashboards/*.py"),
    ]:
        lines = [line for line in path.read_text().splitlines() if "min_group_size" in line]
        # Applied = compared with a count (< or >=), in SQL or Python; passing it on or printing it is not.
        if any(op in line for line in lines for op in (" < ", " >= ", " > ", "<=")):
            hits.append(path.relative_to(root).as_posix())
    assert hits == []
    assert "primary = (values > 0) & (values < k)" in (root / "mentorship" / "publication" / "gate.py").read_text()


# ---- every export of a full run (the shared build, minimum group size SMALL_K) ----


def exports(root: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_parquet(p) for p in sorted((root / "exports").glob("*.parquet"))}


def test_the_full_runs_exports_disclose_nothing(built):
    from tests.conftest import SMALL_K

    root, _ = built
    frames = exports(root)
    assert {"program_health", "cohort_sizes", "effect_estimates", "survey_prepost", "metrics"} <= set(frames)
    findings = audit(frames, SMALL_K, truth=warehouse_frames(root))
    assert findings == [], "\n".join(map(str, findings[:10]))
    # Without the truth the auditor also reports what a relation only apparent in the shown rows
    # suggests; every such guess under k must be wrong, or it would have been reported above.


def warehouse_frames(root: Path) -> dict[str, pd.DataFrame]:
    from assets.reporting import COHORT_SIZES, PUBLISHED

    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        frames = {n: con.execute(f"select * from analytics.{n}").df() for n in PUBLISHED}
        frames["cohort_sizes"] = con.execute(COHORT_SIZES).df()
    return frames


def test_the_gate_holds_at_thresholds_built_to_be_hard(built):
    """The same tables at thresholds that make them hard: the second program and late cohorts close to
    the threshold, and thresholds equal to a segment's exact size (a cell of exactly k is shown, one
    fewer is hidden)."""
    root, _ = built
    frames = warehouse_frames(root)
    est = frames["effect_estimates"]
    segments = est[(est.segment_type != "overall") & (est.n_treated >= 5)].n_treated
    exact = sorted({int(v) for v in segments.nsmallest(12)})[:2]
    for k in (5, 12, *exact):
        published = publish(frames, k)
        findings = audit(published, k, truth=frames)
        assert findings == [], f"k={k}: " + "\n".join(map(str, findings[:10]))
        if k in exact:  # a segment of exactly k people keeps its estimate (its counts may be blanked)
            raw, shown = est.reset_index(drop=True), published["effect_estimates"]
            edge = (
                raw[["n_treated", "n_control", "n_treated_used", "n_control_used"]].min(axis=1) == k
            ) & ~raw.suppressed.astype(bool)
            assert edge.any() and not shown.suppressed[edge].any() and shown.estimate[edge].notna().all()


@pytest.mark.slow
def test_a_tiny_organisation_discloses_nothing(tmp_path):
    """Built to be hard: about 550 people, so cohorts of 4 to 17 mentees, a second program of 1 to 3
    pairs a cohort, and most segments under the threshold. The whole run, then the auditor."""
    from mentorship.synthetic import SyntheticConfig, generate
    from tests.conftest import build

    landing = tmp_path / "landing"
    generate(landing, SyntheticConfig(n_employees=300, seed=3), tmp_path / "truth.json")
    root = tmp_path / "run"
    assert build(root, landing, min_group_size=5, effect_bootstrap=0).success
    published, truth = exports(root), warehouse_frames(root)
    health = truth["program_health"]
    assert (health[health.program == "Leadership Accelerator"].pairs < 5).any()  # hard, as meant
    findings = audit(published, 5, truth=truth)
    assert findings == [], "\n".join(map(str, findings[:10]))
    assert published["program_health"].pairs.isna().any()


class _Tables(HTMLParser):
    """Every HTML table on a page as (headers, rows of cell texts)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._row = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([[], []])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            headers, rows = self.tables[-1]
            (rows if headers else headers).extend([self._row] if headers else self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


#: Page table columns that show counts of people or pairs ("a / b" cells hold two).
COUNT_HEADERS = {
    "Pairs",
    "Active",
    "People",
    "Mentored people",
    "Comparison people (person-intakes)",
    "People (person-intakes)",
}


def test_no_page_shows_a_count_under_the_minimum(built):
    """The pages' own tables, read as a reader sees them: every count of people or pairs is 0 or at
    least k (the pages show the exports' figures; this catches one a page would compute itself)."""
    from tests.conftest import SMALL_K

    root, _ = built
    seen = 0
    for page in sorted((root / "dashboards").glob("*.html")):
        parser = _Tables()
        parser.feed(page.read_text())
        for headers, rows in parser.tables:
            for j, h in enumerate(headers):
                if h not in COUNT_HEADERS:
                    continue
                for row in rows:
                    for number in re.findall(r"\d[\d,]*", row[j] if j < len(row) else ""):
                        value = int(number.replace(",", ""))
                        seen += 1
                        assert value == 0 or value >= SMALL_K, (page.name, h, row)
    assert seen > 50  # the check read the tables it is meant to


def test_a_run_that_would_disclose_publishes_nothing(built, tmp_path, monkeypatch):
    """The gate's own check: with suppression switched off, the auditor stops the export step, and the
    last exports stay as they were."""
    import shutil

    import dagster as dg

    import assets.reporting as reporting
    from pipelines.definitions import build_assets
    from tests.conftest import SMALL_K, pipeline_resources

    root, result = built
    assert result.success
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("*.wal"))
    before = {p.name: p.read_bytes() for p in (copy / "exports").glob("*.parquet")}
    monkeypatch.setattr(
        reporting,
        "publish",
        lambda frames, k: {n: f.assign(suppressed=False) if "suppressed" not in f else f for n, f in frames.items()},
    )
    run = dg.materialize(
        build_assets(),
        resources=pipeline_resources(copy, Path("unused"), min_group_size=SMALL_K),
        raise_on_error=False,
        selection=dg.AssetSelection.assets("published_exports"),
    )
    assert not run.success
    failure = next(e for e in run.all_events if e.event_type_value == "STEP_FAILURE")
    assert "disclosure auditor found" in str(failure.event_specific_data.error.message)
    assert {p.name: p.read_bytes() for p in (copy / "exports").glob("*.parquet")} == before
