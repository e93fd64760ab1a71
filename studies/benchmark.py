"""Benchmark: the whole pipeline per size tier, stage by stage, beside a DuckDB floor and a pandas rendition.

For each tier (employees at the start; every source scales in proportion) it generates the synthetic
organisation, then runs the pipeline's stages one after another, each in its own process, through
Dagster exactly as a run does, and records wall time, CPU time, peak resident memory (from the OS,
``wait4``) and rows processed. In the same run it times:

- **the floor**: ``benchmark_floor.sql``, a hand-written DuckDB script that reads the same files
  once and computes the core aggregate (12-month promotion and voluntary exit, mentees against
  the comparison group indexed on cohort starts);
- **the pandas rendition** of that aggregate, as a user without this product would write it;
- **the outcome step head to head** (``studies.outcome_head_to_head``): the pipeline's SQL for
  career and survey outcomes in DuckDB against the same two tables built in pandas, from the same
  warehouse tables, checked to agree, on the last run's warehouse.

Each figure is the median of ``--repeats`` runs. Results go to studies/results/benchmark.{md,json}.

    python -m studies.benchmark                          # what `make bench` runs: bundled, 1k, 100k and 1M
    python -m studies.benchmark --tiers 1k --repeats 1 --out /tmp/bench   # a quick look
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STUDY_DIR = Path(__file__).resolve().parent
RESULTS = STUDY_DIR / "results"
TIERS = {"bundled": 5_000, "1k": 1_000, "100k": 100_000, "1M": 1_000_000}
#: The tier that is `make run` itself: the bundled organisation (``pipelines.cli.generate_sample``'s
#: default), generated and run by the command a new user types, in a fresh data folder.
BUNDLED = "bundled"
#: Targets the results file reports each tier against (wall seconds, peak GB).
TARGETS = {"bundled": {"wall_s": 90}, "100k": {"wall_s": 120}, "1M": {"wall_s": 1412, "peak_gb": 8}}
#: (stage, asset groups) in the order a run executes them. Since the validation report became a reporting
#: asset (issue 26), its cost (a second or two at the bundled size) counts under "dashboards", not under
#: "ingest and validation" as in results measured before.
STAGES = [
    ("ingest and validation", ["raw", "validated"]),
    ("cohorts", ["cohorts"]),
    ("outcomes", ["outcomes"]),
    ("effects", ["effects"]),
    ("dashboards", ["reporting"]),
]
#: What each stage's rows-processed figure counts.
STAGE_ROWS = {
    "ingest and validation": "select sum(estimated_size) from duckdb_tables() where schema_name = 'raw'",
    "cohorts": "select count(*) from analytics.cohort_members",
    "outcomes": "select (select count(*) from analytics.career_outcomes) + (select count(*) from analytics.survival_times)"
    " + (select count(*) from analytics.survey_outcomes)",
    "effects": "select count(*) from analytics.effect_estimates",
    "dashboards": "select count(*) from analytics.effect_estimates",
}


class StageFailed(RuntimeError):
    def __init__(self, message: str, figures: dict):
        super().__init__(message)
        self.figures = figures


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc), in KB."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def measured(cmd: list[str], env: dict | None = None, max_rss_gb: float | None = None, capture: bool = False) -> dict:
    """Run ``cmd``; its wall time, CPU time (user + system) and peak resident memory, from the OS.

    With ``max_rss_gb``, the process tree is killed once its summed resident memory passes that
    ceiling, so that a tier too big for the machine fails on its own instead of waking the kernel's
    out-of-memory killer, which may pick any process. A failure raises ``StageFailed`` carrying the
    figures up to that point. With ``capture``, the command's output is returned as ``output``."""
    import threading

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    over: list[int] = []
    tree_peak = [0]
    done = threading.Event()

    def watch():
        while not done.wait(1.0):
            kb = _tree_rss_kb(proc.pid)
            tree_peak[0] = max(tree_peak[0], kb)
            if max_rss_gb and kb > max_rss_gb * 2**20:
                over.append(kb)
                os.killpg(proc.pid, 9)
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:  # Ctrl-C: the stage runs in its own session, so it would not see the signal
        os.killpg(proc.pid, 9)
        raise
    finally:
        done.set()
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    # The OS's peak is that of the largest single process; a stage with worker processes holds their
    # sum, which the watcher samples every second. The figure is the larger of the two.
    figures = {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": max(usage.ru_maxrss, tree_peak[0]) / 1024,
        "peak_process_rss_mb": usage.ru_maxrss / 1024,
    }
    if over:
        figures["peak_rss_mb"] = max(figures["peak_rss_mb"], over[0] / 1024)
        raise StageFailed(
            f"stopped: its processes held {over[0] / 2**20:.1f} GB, over the {max_rss_gb:g} GB ceiling", figures
        )
    if code != 0:
        tail = out.decode(errors="replace")[-3000:]
        raise StageFailed(
            f"failed (exit {code})" + (": killed, probably out of memory" if code == -9 else ""),
            figures | {"log_tail": tail},
        )
    return figures | ({"output": out.decode(errors="replace")} if capture else {})


def bundled(repeats: int, scratch: Path) -> dict:
    """`make run` on a fresh clone, after the environment is installed: ``python -m pipelines.cli run``
    in an empty data folder, so it generates the bundled organisation and runs every asset, as a new
    user's first run does. Its own Dagster instance (run history in the scratch folder) and plain
    progress lines. Each stage's time comes from the run's step records; what they leave is start-up
    (imports, generating the organisation) and the summary."""
    import dagster as dg

    project = STUDY_DIR.parent
    runs = []
    for i in range(repeats):
        home = scratch / BUNDLED / f"run{i}"
        data = home / "data"
        home.mkdir(parents=True)
        (home / "dagster.yaml").write_text(
            (project / "dagster.yaml").read_text().replace("base_dir: data/dagster", f"base_dir: {data / 'dagster'}")
        )
        env = os.environ | {"MENTORSHIP_DATA_DIR": str(data), "DAGSTER_HOME": str(home), "MENTORSHIP_PROGRESS": "lines"}
        env.pop("MENTORSHIP_DUCKDB", None)
        m = measured([sys.executable, "-m", "pipelines.cli", "run"], env=env, capture=True)
        output = m.pop("output")
        instance = dg.DagsterInstance.from_config(str(home))
        run = instance.get_runs(limit=1)[0]
        stages = {stage: 0.0 for stage, _ in STAGES}
        for st in instance.get_run_step_stats(run.run_id):
            stages[_stage_of(st.step_key)] += (st.end_time or st.start_time) - st.start_time
        instance.dispose()
        m["stages"] = stages
        m["outside_steps_s"] = m["wall_s"] - sum(stages.values())
        m["summary_tail"] = output[-1500:]
        runs.append(m)
        print(
            f"  run {i + 1}: {m['wall_s']:.1f} s wall, {m['cpu_s']:.1f} s CPU, {m['peak_rss_mb']:.0f} MB; "
            + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items())
            + f", outside the steps {m['outside_steps_s']:.1f} s",
            flush=True,
        )
        _advance(f"bundled run {i + 1}")
    med = {k: statistics.median(r[k] for r in runs) for k in ("wall_s", "cpu_s", "peak_rss_mb", "outside_steps_s")}
    return {
        "employees": TIERS[BUNDLED],
        "repeats": len(runs),
        "command": "python -m pipelines.cli run (make run)",
        "bundled": med
        | {
            "stages": {s: statistics.median(r["stages"][s] for r in runs) for s, _ in STAGES},
            "runs": [{k: v for k, v in r.items() if k != "summary_tail"} for r in runs],
        },
    }


def _stage_of(step_key: str) -> str:
    """The benchmark stage an asset's step belongs to, by its asset group."""
    from pipelines.definitions import build_assets

    if not _GROUP_OF:
        for a in build_assets():
            for key in a.keys:
                _GROUP_OF[a.node_def.name] = a.group_names_by_key[key]
    group = _GROUP_OF.get(step_key, "raw")
    return next(stage for stage, groups in STAGES if group in groups)


_GROUP_OF: dict[str, str] = {}
_BAR = None


def _advance(note: str) -> None:
    if _BAR is not None:
        _BAR.advance(1, note)


def run_stage(groups: list[str], root: Path, landing: Path, bootstrap: int) -> None:
    """One stage through Dagster, in this process (the parent measures it)."""
    import dagster as dg

    from assets.partitions import landing_range, range_tags
    from assets.resources import PipelineSettings
    from pipelines.definitions import build_assets
    from pipelines.resources import warehouse

    months = landing_range(landing)
    from mentorship.settings import Settings

    settings = Settings.from_env()  # the hash key too: MENTORSHIP_HASH_KEY, or the project's key file
    resources = {
        "duckdb": warehouse(str(root / "warehouse.duckdb")),
        "settings": PipelineSettings(
            landing_dir=str(landing),
            export_dir=str(root / "exports"),
            dashboard_dir=str(root / "dashboards"),
            effect_bootstrap=bootstrap,
            effect_ci_method=settings.ci_method,
            hash_key=settings.hash_key,
        ),
    }
    result = dg.materialize(
        build_assets(),
        resources=resources,
        selection=dg.AssetSelection.groups(*groups),
        raise_on_error=False,
        tags=range_tags(*months) if months and "raw" in groups else None,
    )
    if not result.success:
        raise SystemExit(f"stage {groups} failed")


def stage_rows(db: Path, stage: str) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute(STAGE_ROWS[stage]).fetchall()[0][0] or 0)
    finally:
        con.close()


def pipeline_once(landing: Path, work: Path, bootstrap: int, max_rss_gb: float | None = None) -> dict:
    """The stages in order; a stage that fails is recorded with its figures and ends the run."""
    work.mkdir(parents=True)
    out = {}
    for stage, groups in STAGES:
        try:
            m = measured(
                [
                    sys.executable,
                    "-m",
                    "studies.benchmark",
                    "_stage",
                    "--groups",
                    ",".join(groups),
                    "--root",
                    str(work),
                    "--landing",
                    str(landing),
                    "--bootstrap",
                    str(bootstrap),
                ],
                max_rss_gb=max_rss_gb,
            )
        except StageFailed as e:
            out[stage] = e.figures | {"rows": None, "failed": str(e)}
            print(f"  {stage}: {e} after {e.figures['wall_s']:.1f} s", flush=True)
            return out
        m["rows"] = stage_rows(work / "warehouse.duckdb", stage)
        out[stage] = m
        _advance(f"{work.parent.name} {work.name} {stage}")
        print(
            f"  {stage}: {m['wall_s']:.1f} s wall, {m['cpu_s']:.1f} s CPU, {m['peak_rss_mb']:.0f} MB, "
            f"{m['rows']:,} rows",
            flush=True,
        )
    return out


def tier(name: str, repeats: int, bootstrap: int, scratch: Path, max_rss_gb: float | None = None) -> dict:
    from mentorship.synthetic import SyntheticConfig, generate

    n = TIERS[name]
    landing = scratch / name / "landing"
    t0 = time.perf_counter()
    # Generated in a child process: each stage's process starts as a copy of this one, and the OS
    # counts that copy in the stage's peak memory, so this process must stay small.
    from joblib.externals.loky import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1) as pool:
        truth = pool.submit(
            generate, landing, SyntheticConfig(n_employees=n, seed=7), scratch / name / "truth.json"
        ).result()
    generated = time.perf_counter() - t0
    print(f"  generated in {generated:.1f} s: {truth['rows_written']}", flush=True)
    runs, floors, pandas_runs = [], [], []
    for i in range(repeats):
        runs.append(pipeline_once(landing, scratch / name / f"run{i}", bootstrap, max_rss_gb))
        floors.append(measured([sys.executable, "-m", "studies.benchmark", "_floor", "--landing", str(landing)]))
        pandas_runs.append(measured([sys.executable, "-m", "studies.benchmark", "_pandas", "--landing", str(landing)]))
        _advance(f"{name} run {i + 1} floor and pandas")
        if len(runs[-1]) < len(STAGES) or any("failed" in m for m in runs[-1].values()):
            break  # a stage that fails once fails again: no point repeating it
    result = {"employees": n, "repeats": len(runs), "rows_written": truth["rows_written"], "generate_s": generated}
    if not any("failed" in m for r in runs for m in r.values()):
        result["head_to_head"] = head_to_head(
            scratch / name / f"run{len(runs) - 1}" / "warehouse.duckdb", repeats, max_rss_gb
        )
    floor = {k: statistics.median(f[k] for f in floors) for k in floors[0]}
    pandas_ = {k: statistics.median(p[k] for p in pandas_runs) for k in pandas_runs[0]}
    result |= {"floor": floor, "pandas_outcome_step": pandas_}
    failed = next((m for r in runs for m in r.values() if "failed" in m), None)
    if failed:
        result["stages"] = runs[-1]
        result["failed"] = failed["failed"]
        return result
    med = {stage: {k: statistics.median(r[stage][k] for r in runs) for k in runs[0][stage]} for stage, _ in STAGES}
    total = {k: statistics.median(sum(r[s][k] for s, _ in STAGES) for r in runs) for k in ("wall_s", "cpu_s")}
    total["peak_rss_mb"] = max(med[s]["peak_rss_mb"] for s, _ in STAGES)
    return result | {
        "stages": med,
        "total": total,
        "pipeline_over_floor": total["wall_s"] / floor["wall_s"],
        "core_over_floor": (
            med["ingest and validation"]["wall_s"] + med["cohorts"]["wall_s"] + med["outcomes"]["wall_s"]
        )
        / floor["wall_s"],
        "pandas_over_outcome_step": pandas_["wall_s"] / med["outcomes"]["wall_s"],
    }


def head_to_head(db: Path, repeats: int, max_rss_gb: float | None = None) -> dict:
    """The outcome step's career and survey outcomes: DuckDB against idiomatic and tuned pandas on one
    warehouse, each engine in its own measured process. Their results must agree before a ratio is
    reported. An engine that fails (over the memory ceiling, say) is recorded as such, and the others
    still run."""
    from studies.outcome_head_to_head import ENGINES, TABLES, disagreements

    out, tables = {}, {}
    for engine in ENGINES:
        try:
            m = measured(
                [
                    sys.executable,
                    "-m",
                    "studies.outcome_head_to_head",
                    "--db",
                    str(db),
                    "--engine",
                    engine,
                    "--repeats",
                    str(repeats),
                ],
                max_rss_gb=max_rss_gb,
                capture=True,
            )
        except StageFailed as e:
            print(f"  head to head, {engine}: {e}", flush=True)
            out[engine] = e.figures | {"failed": str(e)}
            continue
        out[engine] = m | json.loads(m.pop("output").strip().splitlines()[-1])[engine]
        tables[engine] = out[engine].pop("tables")
    if "duckdb" not in tables:
        return out | {"failed": f"duckdb {out['duckdb']['failed']}"}
    bad = [f"{e} {t} {d}" for e in tables for t in TABLES for d in disagreements(tables["duckdb"][t], tables[e][t])]
    if bad:
        raise SystemExit("head to head: the engines disagree: " + "; ".join(bad))
    out["rows"] = sum(t["rows"] for t in tables["duckdb"].values())
    base = out["duckdb"]["compute_s"]
    if "pandas" in tables:
        out["pandas_over_duckdb"] = out["pandas"]["compute_s"] / base
        out["pandas_with_load_over_duckdb"] = (out["pandas"]["compute_s"] + out["pandas"]["load_s"]) / base
    if "pandas-tuned" in tables:
        out["tuned_over_duckdb"] = out["pandas-tuned"]["compute_s"] / base
    print(
        f"  head to head: DuckDB {base:.1f} s, {out['rows']:,} rows; pandas / DuckDB "
        f"{out.get('pandas_over_duckdb', float('nan')):.1f}, tuned {out.get('tuned_over_duckdb', float('nan')):.1f}",
        flush=True,
    )
    return out


def _totals(t: dict) -> dict:
    """A tier's total and ratios from its stage figures (for a tier whose stages were re-run)."""
    st = t["stages"]
    total = {k: sum(st[s][k] for s, _ in STAGES) for k in ("wall_s", "cpu_s")}
    total["peak_rss_mb"] = max(st[s]["peak_rss_mb"] for s, _ in STAGES)
    core = sum(st[s]["wall_s"] for s in ("ingest and validation", "cohorts", "outcomes"))
    return {
        "total": total,
        "pipeline_over_floor": total["wall_s"] / t["floor"]["wall_s"],
        "core_over_floor": core / t["floor"]["wall_s"],
        "pandas_over_outcome_step": t["pandas_outcome_step"]["wall_s"] / st["outcomes"]["wall_s"],
    }


def rerun(name: str, stages: list[str], kept: Path, previous: dict, max_rss_gb: float | None, bootstrap: int) -> dict:
    """Re-run some stages of a tier kept with ``--keep`` (its landing files and first run's warehouse),
    in order, and replace their figures: what a change to one stage needs, without regenerating and
    re-ingesting a million employees. The other stages keep their earlier figures."""
    landing, work = kept / name / "landing", kept / name / "run0"
    if not (work / "warehouse.duckdb").exists():
        raise SystemExit(f"--rerun: no kept warehouse at {work}; run the tier with --keep {kept} first")
    order = [s for s, _ in STAGES]
    if order[0] in stages:
        # Ingest into the kept warehouse would find its files already loaded: start from an empty one,
        # and run every stage after it, since each reads what the one before wrote.
        if set(stages) - {"head-to-head"} != set(order):
            raise SystemExit(
                f"--rerun: re-running {order[0]!r} starts from an empty warehouse, so every stage "
                "must be re-run with it"
            )
        shutil.rmtree(work)
        work.mkdir(parents=True)
    t = json.loads(json.dumps(previous))
    for stage, groups in STAGES:
        if stage not in stages:
            continue
        m = measured(
            [
                sys.executable,
                "-m",
                "studies.benchmark",
                "_stage",
                "--groups",
                ",".join(groups),
                "--root",
                str(work),
                "--landing",
                str(landing),
                "--bootstrap",
                str(bootstrap),
            ],
            max_rss_gb=max_rss_gb,
        )
        m["rows"] = stage_rows(work / "warehouse.duckdb", stage)
        t["stages"][stage] = m
        print(
            f"  {stage} (re-run): {m['wall_s']:.1f} s wall, {m['cpu_s']:.1f} s CPU, {m['peak_rss_mb']:.0f} MB, "
            f"{m['rows']:,} rows",
            flush=True,
        )
    if "head-to-head" in stages:
        t["head_to_head"] = head_to_head(work / "warehouse.duckdb", t.get("repeats") or 1, max_rss_gb)
    measured_stages = set(stages) - {"head-to-head"}
    t["rerun"] = sorted(set(t.get("rerun", [])) | measured_stages, key=order.index)
    return t | _totals(t)


def floor(landing: Path) -> None:
    import duckdb

    sql = (STUDY_DIR / "benchmark_floor.sql").read_text().replace("{landing}", str(landing))
    con = duckdb.connect()
    print(con.execute(sql).df().to_string())


def pandas_outcome_step(landing: Path) -> None:
    """The floor's aggregate in pandas only, as an analyst would write it without this product."""
    import pandas as pd

    def read(source):
        return pd.concat(
            [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted((landing / source).glob("*.csv"))]
        )

    emp = read("employees")
    emp["hire_date"] = pd.to_datetime(emp["hire_date"])
    emp["termination_date"] = pd.to_datetime(emp["termination_date"].replace("", None))
    jobs = read("job_history")
    jobs["effective_date"] = pd.to_datetime(jobs["effective_date"])
    jobs["job_level"] = jobs["job_level"].astype(int)
    jobs = jobs.sort_values(["employee_id", "effective_date"])
    jobs["promotion"] = jobs.groupby("employee_id")["job_level"].diff() > 0
    promos = jobs.loc[jobs["promotion"], ["employee_id", "effective_date"]]
    pairs = read("mentorship_pairs")
    pairs["start_date"] = pd.to_datetime(pairs["start_date"])
    mentees = pairs.groupby("mentee_id")["start_date"].min().rename("index_date").reset_index()
    mentees = mentees.rename(columns={"mentee_id": "employee_id"}).assign(group="mentored")
    cohorts = pairs.groupby("cohort")["start_date"].min()
    comparison = []
    for cohort_date in cohorts:
        active = emp[
            (emp["hire_date"] <= cohort_date)
            & (emp["termination_date"].isna() | (emp["termination_date"] > cohort_date))
        ]
        active = active[~active["employee_id"].isin(mentees.loc[mentees["index_date"] <= cohort_date, "employee_id"])]
        comparison.append(pd.DataFrame({"employee_id": active["employee_id"], "index_date": cohort_date}))
    people = pd.concat([mentees, pd.concat(comparison).assign(group="comparison")], ignore_index=True)
    people = people.merge(emp[["employee_id", "termination_date", "termination_type"]], on="employee_id")
    end = people["index_date"] + pd.DateOffset(months=12)
    hits = people.reset_index().merge(promos, on="employee_id")
    hits = hits[
        (hits["effective_date"] > hits["index_date"])
        & (hits["effective_date"] <= hits["index_date"] + pd.DateOffset(months=12))
    ]
    people["promoted"] = people.index.isin(hits["index"])
    people["exited"] = (
        (people["termination_type"] == "voluntary")
        & (people["termination_date"] > people["index_date"])
        & (people["termination_date"] <= end)
    )
    print(people.groupby("group")[["promoted", "exited"]].mean().to_string())


def _intervals(t: dict, result: dict) -> str:
    method = t.get("ci_method", "bootstrap below 10,000 people per role")
    t = {"bootstrap": result.get("bootstrap")} | t
    return (
        "influence-function intervals"
        if method == "influence"
        else f"{t.get('bootstrap')} bootstrap replicates per estimate"
        if method == "bootstrap"
        else f"{method} ({t.get('bootstrap')} replicates; the earlier default)"
    )


def targets(result: dict) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for each target whose tier is in the results."""
    tiers, out = result["tiers"], []
    if "bundled" in tiers:
        w = tiers["bundled"]["bundled"]["wall_s"]
        out.append(
            (
                f"`make run`, bundled organisation, fresh data folder: {TARGETS['bundled']['wall_s']} s or less",
                f"{w:.0f} s",
                "met" if w <= TARGETS["bundled"]["wall_s"] else f"missed by {w - TARGETS['bundled']['wall_s']:.0f} s",
            )
        )
    if "100k" in tiers and "total" in tiers["100k"]:
        w = tiers["100k"]["total"]["wall_s"]
        out.append(
            (
                f"100,000 employees end to end: {TARGETS['100k']['wall_s']} s or less",
                f"{w:.0f} s",
                "met" if w <= TARGETS["100k"]["wall_s"] else f"missed by {w - TARGETS['100k']['wall_s']:.0f} s",
            )
        )
    if "1M" in tiers and "total" in tiers["1M"]:
        w, gb = tiers["1M"]["total"]["wall_s"], tiers["1M"]["total"]["peak_rss_mb"] / 1024
        ok = w <= TARGETS["1M"]["wall_s"] and gb < TARGETS["1M"]["peak_gb"]
        out.append(
            (
                f"1,000,000 employees: no slower than {TARGETS['1M']['wall_s']:,} s, under {TARGETS['1M']['peak_gb']} GB",
                f"{w:,.0f} s, {gb:.1f} GB",
                "met" if ok else "missed",
            )
        )
    return out


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = [
        "# Benchmark: the pipeline from 1,000 to 1,000,000 employees\n",
        f"Machine: {m['cores']} cores, {m['memory_gb']:.0f} GB, {m['platform']}, Python {m['python']}. "
        "Each figure is the median of the tier's runs ("
        + ", ".join(f"{name}: {t['repeats']}" for name, t in result["tiers"].items())
        + "). Effect intervals: "
        + "; ".join(f"{name} {_intervals(t, result)}" for name, t in result["tiers"].items())
        + ". Reproduce with `make bench`.\n",
    ]
    goals = targets(result)
    if goals:
        lines += ["| target | measured | |", "|---|---|---|", *(f"| {g} | {v} | {ok} |" for g, v, ok in goals), ""]
    if "bundled" in result["tiers"]:
        b = result["tiers"]["bundled"]["bundled"]
        lines += [
            f"`make run` as a new user's first run: `{result['tiers']['bundled']['command']}` in an empty data "
            "folder (it generates the bundled organisation, runs every asset and prints the summary), after the "
            'environment is installed. Stage times are the run\'s own step records; "outside the steps" is '
            "start-up, generating the organisation and the summary.",
            "",
            "| stage | wall (s) |",
            "|---|---|",
            *(f"| {stage} | {v:.1f} |" for stage, v in b["stages"].items()),
            f"| outside the steps | {b['outside_steps_s']:.1f} |",
            f"| **total** | **{b['wall_s']:.1f}** ({b['cpu_s']:.0f} s CPU, peak {b['peak_rss_mb']:.0f} MB) |",
            "",
        ]
    tiers = {name: t for name, t in result["tiers"].items() if name != "bundled"}
    if not tiers:
        return "\n".join(lines) + "\n"
    lines += ["| tier | stage | wall (s) | CPU (s) | peak RSS (MB) | rows |", "|---|---|---|---|---|---|"]
    for name, t in tiers.items():
        for stage, s in t["stages"].items():
            rows = f"{s['rows']:,.0f}" if s.get("rows") is not None else f"**{s['failed']}**"
            lines.append(
                f"| {name} | {stage} | {s['wall_s']:.1f} | {s['cpu_s']:.1f} | {s['peak_rss_mb']:.0f} | {rows} |"
            )
        if "total" in t:
            lines.append(
                f"| {name} | **total** | **{t['total']['wall_s']:.1f}** | {t['total']['cpu_s']:.1f} | "
                f"{t['total']['peak_rss_mb']:.0f} | |"
            )
        else:
            lines.append(f"| {name} | **total** | **did not complete** | | | |")
        lines.append(
            f"| {name} | floor (DuckDB script) | {t['floor']['wall_s']:.1f} | {t['floor']['cpu_s']:.1f} | "
            f"{t['floor']['peak_rss_mb']:.0f} | |"
        )
        lines.append(
            f"| {name} | the floor in pandas | {t['pandas_outcome_step']['wall_s']:.1f} | "
            f"{t['pandas_outcome_step']['cpu_s']:.1f} | {t['pandas_outcome_step']['peak_rss_mb']:.0f} | |"
        )
    notes = []
    single = []
    for name, t in tiers.items():
        old = [stage for stage, st in t["stages"].items() if "peak_process_rss_mb" not in st]
        if old:
            single.append(name if len(old) == len(t["stages"]) else f"{name} {', '.join(old)}")
    if single:
        notes.append(
            f"Peak RSS is the larger of the OS's peak for the largest process and the stage's processes "
            f"summed (sampled every second); {'; '.join(single)} predate the sum and show the largest "
            "process only."
        )
    else:
        notes.append(
            "Peak RSS is the larger of the OS's peak for the largest process and the stage's processes "
            "summed (sampled every second)."
        )
    earlier = [name for name, t in result["tiers"].items() if "measured" not in t]
    if earlier:
        notes.append(
            f"{', '.join(earlier)}: measured before the tiers above, with the code and on the machine of "
            "that time (the same kind: 2 cores, 24 GB); the others are from this run's code and machine. "
            "Machines of this kind differ by up to a third in DuckDB-heavy stages, so compare stages "
            "measured together."
        )
    for name, t in tiers.items():
        if t.get("rerun"):
            notes.append(
                f"{name}: {', '.join(t['rerun'])} re-run on the same generated organisation and warehouse "
                "after a change to them (`--rerun`); the total adds the stages' figures."
            )
    lines += ["", *notes]
    lines += [
        "",
        "| tier | pipeline / floor (whole run) | ingest to outcomes / floor | floor in pandas / outcome stage |",
        "|---|---|---|---|",
    ]
    for name, t in tiers.items():
        if "total" in t:
            lines.append(
                f"| {name} | {t['pipeline_over_floor']:.1f} | {t['core_over_floor']:.1f} | "
                f"{t['pandas_over_outcome_step']:.1f} |"
            )
        else:
            s = t["stages"]
            core = [
                s[k]["wall_s"]
                for k in ("ingest and validation", "cohorts", "outcomes")
                if s.get(k, {}).get("rows") is not None
            ]
            lines.append(
                f"| {name} | n/a: {t['failed']} | {sum(core) / t['floor']['wall_s']:.1f} | "
                f"{t['pandas_outcome_step']['wall_s'] / s['outcomes']['wall_s']:.1f} |"
                if len(core) == 3
                else f"| {name} | n/a: {t['failed']} | n/a | n/a |"
            )
    heads = {name: t["head_to_head"] for name, t in tiers.items() if "head_to_head" in t}
    if heads:
        lines += [
            "",
            "The outcome step head to head (`studies/outcome_head_to_head.py`): the career and survey outcome "
            "tables built from the same warehouse tables by the pipeline's SQL in DuckDB, by pandas as an analyst "
            "would first write it, and by pandas tuned (integer person codes, numpy arrays), checked to agree "
            "(rows, non-null counts, column sums). Compute only, median of the runs; pandas's load of its inputs "
            "from the warehouse is shown apart.",
            "",
            "| tier | rows out | DuckDB (s) | pandas (s) | tuned pandas (s) | pandas load (s) | pandas / DuckDB "
            "| tuned pandas / DuckDB | peak RSS DuckDB / pandas / tuned (MB) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, h in heads.items():
            if "failed" in h:
                lines.append(f"| {name} | | | | | | **{h['failed']}** | | |")
                continue
            d, q, r = h["duckdb"], h["pandas"], h["pandas-tuned"]

            def secs(e):
                return f"**{e['failed']}**" if "failed" in e else f"{e['compute_s']:.2f}"

            def ratio(key):
                return f"**{h[key]:.1f}**" if key in h else "n/a"

            load = q.get("load_s", r.get("load_s"))
            lines.append(
                f"| {name} | {h['rows']:,} | {secs(d)} | {secs(q)} | {secs(r)} | "
                f"{'n/a' if load is None else f'{load:.2f}'} | {ratio('pandas_over_duckdb')} | "
                f"{ratio('tuned_over_duckdb')} | "
                f"{d['peak_rss_mb']:.0f} / {q['peak_rss_mb']:.0f} / {r['peak_rss_mb']:.0f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", nargs="?", default="run", choices=["run", "_stage", "_floor", "_pandas"])
    p.add_argument("--tiers", default="bundled,1k,100k,1M")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--bootstrap", type=int, default=200)
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument(
        "--max-rss-gb",
        type=float,
        default=round(0.85 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        help="stop a stage whose processes hold more resident memory than this (default: 85%% of RAM)",
    )
    p.add_argument(
        "--merge", action="store_true", help="keep the other tiers already in the results file and replace only these"
    )
    p.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="generate and run in DIR and leave it there (landing files, warehouses, dashboards) "
        "instead of a temporary folder",
    )
    p.add_argument(
        "--rerun",
        metavar="STAGES",
        help="with --keep DIR of an earlier run of the tier and --merge: re-run only these stages "
        "(comma-separated, e.g. 'effects,dashboards'; 'head-to-head' for the outcome step against "
        "pandas) on its kept warehouse and replace their figures",
    )
    p.add_argument("--groups")
    p.add_argument("--root", type=Path)
    p.add_argument("--landing", type=Path)
    a = p.parse_args(argv)
    if a.command == "_stage":
        run_stage(a.groups.split(","), a.root, a.landing, a.bootstrap)
        return 0
    if a.command == "_floor":
        floor(a.landing)
        return 0
    if a.command == "_pandas":
        pandas_outcome_step(a.landing)
        return 0
    from mentorship.settings import Settings

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    result = {
        "machine": {
            "cores": os.cpu_count(),
            "memory_gb": memory / 2**30,
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "bootstrap": a.bootstrap,
        "ci_method": Settings.from_env().ci_method,
        "tiers": {},
    }
    a.out.mkdir(parents=True, exist_ok=True)
    previous = a.out / "benchmark.json"
    if a.merge and previous.exists():
        old = json.loads(previous.read_text())
        for name, t in old["tiers"].items():
            # A tier measured with other interval settings is kept, with them, beside the new ones.
            t.setdefault("ci_method", old.get("ci_method", "bootstrap below 10,000 people per role"))
            t.setdefault("bootstrap", old.get("bootstrap"))
            t.setdefault("repeats", old.get("repeats"))
            result["tiers"][name] = t
    if a.rerun:
        stages = [x.strip() for x in a.rerun.split(",")]
        if unknown := [x for x in stages if x not in dict(STAGES) and x != "head-to-head"]:
            raise SystemExit(
                f"--rerun: unknown stage(s) {unknown}; the stages are {[x for x, _ in STAGES]}, "
                "and 'head-to-head' for the outcome step against pandas"
            )
        if not (a.keep and a.merge):
            raise SystemExit("--rerun needs --keep DIR (the earlier run's folder) and --merge")
        for name in a.tiers.split(","):
            if name not in result["tiers"] or "total" not in result["tiers"][name]:
                raise SystemExit(f"--rerun: {previous} has no completed tier {name} to update")
            print(f"tier {name}: re-running {', '.join(stages)} ...", flush=True)
            result["tiers"][name] = rerun(name, stages, a.keep, result["tiers"][name], a.max_rss_gb, a.bootstrap)
        (a.out / "benchmark.json").write_text(json.dumps(result, indent=1))
        (a.out / "benchmark.md").write_text(markdown(result))
        print(markdown(result), flush=True)
        return 0
    if a.keep:
        a.keep.mkdir(parents=True, exist_ok=True)
    global _BAR
    from mentorship.progress import Progress

    names = a.tiers.split(",")
    if unknown := [n for n in names if n not in TIERS]:
        raise SystemExit(f"--tiers: unknown tier(s) {unknown}; the tiers are {list(TIERS)}")
    _BAR = Progress(
        "benchmark",
        total=sum(a.repeats * (1 if n == BUNDLED else len(STAGES) + 1) for n in names),
        unit="steps",
        every=30,
    )
    with contextlib.nullcontext(str(a.keep)) if a.keep else tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        for name in names:
            print(f"tier {name} ...", flush=True)
            result["tiers"][name] = (
                bundled(a.repeats, Path(scratch))
                if name == BUNDLED
                else tier(name, a.repeats, a.bootstrap, Path(scratch), a.max_rss_gb)
            )
            result["tiers"][name] |= {
                "ci_method": result["ci_method"],
                "bootstrap": a.bootstrap,
                "measured": time.strftime("%Y-%m-%d"),
            }
            result["tiers"] = dict(sorted(result["tiers"].items(), key=lambda kv: kv[1]["employees"]))
            (a.out / "benchmark.json").write_text(json.dumps(result, indent=1))
            (a.out / "benchmark.md").write_text(markdown(result))
            print(markdown(result), flush=True)
    _BAR.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
