"""Benchmark: the SQL layer on each engine, beside DuckDB, on one generated organisation.

Ingest and validation run once, in DuckDB, as they do for every engine. Then, per engine, it times
the steps that depend on the engine: opening it (Spark starts its JVM), loading the validated
sources into it, building every SQL model (each timed), and reading the effect step's frames for
both roles back through ``fetch_arrow``. The estimates themselves run in Python on those frames,
the same work whatever the engine, and are not repeated here (``make bench`` times them). Row counts
of every model are checked equal across engines (the golden tests compare the rows themselves on
the small organisation). Peak memory is the process tree's (Spark's JVM is a child process).

    python -m studies.engine_benchmark --tier 100k --engines duckdb,spark
    python -m studies.engine_benchmark --tier 1k --engines duckdb,spark,postgres \\
        --postgres-url postgresql://user@127.0.0.1:5432/mentorship

Results go to studies/results/engine_benchmark.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import threading
import time
from pathlib import Path

from studies.benchmark import RESULTS, TIERS, _tree_rss_kb, run_stage

VARIABLES_NOTE = "horizons 6, 12, 24; as-of date from the data"


class Peak:
    """The process tree's peak resident memory while the block runs, sampled every half second."""

    def __enter__(self):
        self.peak, self._done = _tree_rss_kb(os.getpid()), threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        while not self._done.wait(0.5):
            self.peak = max(self.peak, _tree_rss_kb(os.getpid()))

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()
        self.peak_mb = self.peak / 1024


def _timed(figures: dict, step: str, fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    figures[step] = {"wall_s": round(time.perf_counter() - t0, 2), "cpu_s": round(time.process_time() - c0, 2)}
    print(f"  {step}: {figures[step]['wall_s']:.1f} s", flush=True)
    return out


def ingest(root: Path, n: int) -> Path:
    """The organisation generated and ingested into DuckDB (raw and validated); the warehouse's path."""
    from mentorship.synthetic import SyntheticConfig, generate

    landing = root / "landing"
    generate(landing, SyntheticConfig(n_employees=n, seed=7), root / "truth.json")
    run_stage(["raw", "validated"], root, landing, bootstrap=0)
    return root / "warehouse.duckdb"


def engine_run(name: str, warehouse: Path, root: Path, postgres_url: str | None) -> dict:
    import duckdb

    from assets.resources import target_tables
    from assets.sql import build_table, in_order, validated_inputs
    from mentorship.effect_tables import analytic_frames
    from mentorship.engines import DuckEngine, open_engine
    from mentorship.settings import EngineSettings

    figures: dict = {"models": {}}
    con = duckdb.connect(str(warehouse))
    source = DuckEngine(con)
    variables = {"horizons": [6, 12, 24], "as_of_date": None}
    with Peak() as peak:
        t0 = time.perf_counter()
        if name == "duckdb":
            engine = source
        else:
            settings = EngineSettings(
                engine=name, postgres_url=postgres_url, spark_warehouse=root / f"{name}-warehouse"
            )
            engine = _timed(figures, "open", lambda: open_engine(settings))
            _timed(figures, "check", lambda: engine.check(target_tables()))
            _timed(
                figures,
                "load validated",
                lambda: engine.write_tables({t: source.fetch_arrow(f"select * from {t}") for t in validated_inputs()}),
            )
        t_models = time.perf_counter()
        for m in in_order():
            t = time.perf_counter()
            rows = build_table(engine, m.name, variables)
            figures["models"][m.name] = {"wall_s": round(time.perf_counter() - t, 2), "rows": rows}
            print(f"    {m.name}: {figures['models'][m.name]['wall_s']:.1f} s, {rows:,} rows", flush=True)
        figures["build models"] = {"wall_s": round(time.perf_counter() - t_models, 2)}
        _timed(
            figures,
            "read frames",
            lambda: [analytic_frames(engine, r, 600_000, 20240501) for r in ("mentee", "mentor")],
        )
        figures["total"] = {"wall_s": round(time.perf_counter() - t0, 2)}
    figures["peak_rss_mb"] = round(peak.peak_mb)
    if engine is not source:
        engine.close()
    con.close()
    return figures


def write(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "engine_benchmark.json").write_text(json.dumps(results, indent=2))
    engines = list(results["engines"])
    lines = [
        f"# The SQL layer per engine: {results['tier']} ({results['employees']:,} employees)",
        "",
        f"Measured {results['date']} on {results['machine']}; `python -m studies.engine_benchmark "
        f"--tier {results['tier']} --engines {','.join(engines)}`. Seconds of wall time; ingest and "
        f"validation ran once in DuckDB ({results['ingest_s']:.0f} s) for every engine.",
        "",
        "| step | " + " | ".join(engines) + " |",
        "|---|" + "---|" * len(engines),
    ]
    for step in ["open", "check", "load validated", "build models", "read frames", "total"]:
        cells = [
            f"{results['engines'][e][step]['wall_s']:.1f}" if step in results["engines"][e] else "" for e in engines
        ]
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    lines.append(
        "| peak memory (MB, process tree) | "
        + " | ".join(str(results["engines"][e]["peak_rss_mb"]) for e in engines)
        + " |"
    )
    lines += [
        "",
        "Per model (seconds, rows):",
        "",
        "| model | " + " | ".join(engines) + " |",
        "|---|" + "---|" * len(engines),
    ]
    for m in results["engines"][engines[0]]["models"]:
        cells = [
            f"{results['engines'][e]['models'][m]['wall_s']:.1f} ({results['engines'][e]['models'][m]['rows']:,})"
            for e in engines
        ]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    lines += ["", f"Row counts equal across engines: {results['rows_equal']}.", ""]
    (out / "engine_benchmark.md").write_text("\n".join(lines))


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tier", default="100k", choices=list(TIERS))
    p.add_argument("--engines", default="duckdb,spark")
    p.add_argument("--postgres-url")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    os.environ.setdefault("MENTORSHIP_HASH_KEY", "benchmark-only-hash-key-" + "0123456789abcdef" * 3)
    with tempfile.TemporaryDirectory(prefix="engine-bench-") as scratch:
        root = Path(scratch)
        t0 = time.perf_counter()
        print(f"{args.tier}: generating and ingesting into DuckDB", flush=True)
        warehouse = ingest(root, TIERS[args.tier])
        ingest_s = time.perf_counter() - t0
        results = {
            "tier": args.tier,
            "employees": TIERS[args.tier],
            "date": time.strftime("%Y-%m-%d"),
            "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
            "ingest_s": ingest_s,
            "engines": {},
        }
        for name in args.engines.split(","):
            print(f"{name}:", flush=True)
            results["engines"][name] = engine_run(name, warehouse, root, args.postgres_url)
        rows = [{m: f["rows"] for m, f in e["models"].items()} for e in results["engines"].values()]
        results["rows_equal"] = all(r == rows[0] for r in rows)
        write(results, args.out)
        print((args.out / "engine_benchmark.md").read_text())


if __name__ == "__main__":
    main()
