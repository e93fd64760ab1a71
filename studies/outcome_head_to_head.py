"""The outcome step head to head: the pipeline's SQL in DuckDB against the same tables in pandas.

Both sides start from the same inputs in a built warehouse (``analytics.cohort_members``,
``analytics.job_events`` and ``analytics.survey_scores``) and produce the same two tables, row for
row: ``career_outcomes`` (promotion, exits, retention, salary growth, moves into management and
department changes per cohort member and horizon) and ``survey_outcomes`` (per member and construct,
the last wave before the index date against the first after it). Both pandas renditions are
vectorised (merges, ``merge_asof``, group-bys), with no Python loop over rows.

The pandas side comes twice: as an analyst fluent in pandas would first write it, and tuned as an
expert would (integer person codes, numpy arrays, no merge back onto the member rows), so that the
comparison shows the gap to the best pandas too, not only to the first.

Timed: the computation only. DuckDB's side is ``create temp table ... as <the pipeline's SQL>``;
pandas's is the same from DataFrames already in memory, so its load from the warehouse (timed
apart) is not counted against it. The two results are checked to agree (row counts, non-null
counts and column sums) before any time is reported.

    python -m studies.outcome_head_to_head --db data/warehouse/mentorship.duckdb
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np
import pandas as pd

KEYS = ["employee_id", "role", "cohort", "group_name"]
TABLES = ("career_outcomes", "survey_outcomes")


def career_outcomes(members: pd.DataFrame, events: pd.DataFrame, horizons=(6, 12, 24)) -> pd.DataFrame:
    """``assets/sql/outcomes/career_outcomes.sql`` in pandas."""
    spans = pd.concat(
        [
            members.assign(horizon_months=h, horizon_date=members["index_date"] + pd.DateOffset(months=h))
            for h in horizons
        ],
        ignore_index=True,
    )
    spans["span"] = np.arange(len(spans))
    ev = events[["employee_id", "effective_date", "is_promotion", "is_move_into_management", "department"]]
    hits = spans[["span", "employee_id", "index_date", "horizon_date", "department"]].merge(
        ev, on="employee_id", suffixes=("", "_after")
    )
    hits = hits[(hits["effective_date"] > hits["index_date"]) & (hits["effective_date"] <= hits["horizon_date"])]
    hits = hits.assign(changed=hits["department_after"] != hits["department"])
    flags = hits.groupby("span")[["is_promotion", "is_move_into_management", "changed"]].any()
    salary = pd.merge_asof(
        spans[["span", "employee_id", "horizon_date"]].sort_values("horizon_date"),
        events[["employee_id", "effective_date", "base_salary"]]
        .rename(columns={"base_salary": "horizon_salary"})
        .sort_values("effective_date"),
        left_on="horizon_date",
        right_on="effective_date",
        by="employee_id",
    )
    spans = spans.join(flags, on="span").merge(salary[["span", "horizon_salary"]], on="span", how="left")
    gone = spans["termination_date"] < spans["horizon_date"]
    voluntary = (spans["termination_type"] == "voluntary") & gone
    staying = spans["termination_date"].isna() | ~gone
    return pd.DataFrame(
        {
            **{k: spans[k] for k in KEYS},
            "treated": spans["treated"],
            "index_date": spans["index_date"],
            "horizon_months": spans["horizon_months"],
            "horizon_date": spans["horizon_date"],
            "observed": (spans["horizon_date"] <= spans["as_of_date"])
            & (spans["censor_date"].isna() | (spans["censor_intake_start"] > spans["horizon_date"])),
            "promoted": spans["is_promotion"].eq(True).astype(float),
            "voluntary_exit": voluntary.astype(float),
            "retained": 1 - voluntary.astype(float),
            "any_exit": gone.astype(float),
            "salary_growth": (spans["horizon_salary"] / spans["base_salary"].replace(0, np.nan) - 1).where(staying),
            "became_people_manager": spans["is_move_into_management"]
            .eq(True)
            .astype(float)
            .where(~spans["is_people_manager"].astype(bool)),
            "changed_department": spans["changed"].eq(True).astype(float),
        }
    )


def survey_outcomes(members: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """``assets/sql/outcomes/survey_outcomes.sql`` in pandas."""
    constructs = pd.DataFrame({"construct": scores["construct"].drop_duplicates()})
    mc = members[KEYS + ["treated", "index_date", "censor_date", "as_of_date"]].merge(constructs, how="cross")
    mc["row"] = np.arange(len(mc))
    left = mc[["row", "employee_id", "construct", "index_date"]].sort_values("index_date")
    right = scores[["employee_id", "construct", "survey_wave", "score", "response_date"]].sort_values("response_date")
    pre = pd.merge_asof(
        left,
        right,
        left_on="index_date",
        right_on="response_date",
        by=["employee_id", "construct"],
        allow_exact_matches=False,
        direction="backward",
    )
    post = pd.merge_asof(
        left,
        right,
        left_on="index_date",
        right_on="response_date",
        by=["employee_id", "construct"],
        allow_exact_matches=False,
        direction="forward",
    )
    limit = mc["as_of_date"].where(
        mc["censor_date"].isna() | (mc["as_of_date"] <= mc["censor_date"]), mc["censor_date"]
    )
    post = post.merge(limit.rename("limit").to_frame().assign(row=mc["row"]), on="row")
    post.loc[~(post["response_date"] <= post["limit"]), ["survey_wave", "score"]] = np.nan
    out = mc.drop(columns=["censor_date", "as_of_date"])
    out = out.merge(
        pre[["row", "survey_wave", "score"]].rename(columns={"survey_wave": "pre_wave", "score": "pre_score"}), on="row"
    ).merge(
        post[["row", "survey_wave", "score"]].rename(columns={"survey_wave": "post_wave", "score": "post_score"}),
        on="row",
    )
    out["change"] = out["post_score"] - out["pre_score"]
    # The wave answered before the pre wave (strictly earlier), for the change over two gaps.
    left2 = (
        pre.loc[pre["response_date"].notna(), ["row", "employee_id", "construct", "response_date"]]
        .rename(columns={"response_date": "pre_date"})
        .sort_values("pre_date")
    )
    earlier = pd.merge_asof(
        left2,
        right,
        left_on="pre_date",
        right_on="response_date",
        by=["employee_id", "construct"],
        allow_exact_matches=False,
        direction="backward",
    )
    out = out.merge(
        earlier[["row", "survey_wave", "score"]].rename(
            columns={"survey_wave": "earlier_wave", "score": "earlier_score"}
        ),
        on="row",
        how="left",
    )
    out["change_from_earlier"] = out["post_score"] - out["earlier_score"]
    return out.drop(columns="row")


def _codes(*ids: pd.Series) -> list[np.ndarray]:
    """One integer code per person, shared across the frames given."""
    codes, _ = pd.factorize(pd.concat(ids, ignore_index=True))
    return np.split(codes.astype(np.int64), np.cumsum([len(x) for x in ids])[:-1])


def _by_row(j: pd.DataFrame, column: str) -> np.ndarray:
    """A merge_asof result's column put back in the left frame's row order."""
    v = j[column].to_numpy()
    out = np.empty_like(v)
    out[j["row"].to_numpy()] = v
    return out


def career_outcomes_tuned(members: pd.DataFrame, events: pd.DataFrame, horizons=(6, 12, 24)) -> pd.DataFrame:
    """``career_outcomes`` as a pandas expert would tune it: integer person codes, numpy arrays, no
    merge back onto the member rows."""
    person, event_person = _codes(members["employee_id"], events["employee_id"])
    n = len(members)
    idx = np.tile(np.arange(n), len(horizons))
    horizon_date = pd.concat(
        [members["index_date"] + pd.DateOffset(months=h) for h in horizons], ignore_index=True
    ).to_numpy()
    spans = pd.DataFrame(
        {
            "row": np.arange(len(idx)),
            "person": person[idx],
            "index_date": members["index_date"].to_numpy()[idx],
            "horizon_date": horizon_date,
            "department": members["department"].to_numpy()[idx],
        }
    )
    ev = pd.DataFrame(
        {
            "person": event_person,
            "effective_date": events["effective_date"].to_numpy(),
            "promoted": events["is_promotion"].to_numpy(),
            "management": events["is_move_into_management"].to_numpy(),
            "department_after": events["department"].to_numpy(),
            "salary": events["base_salary"].to_numpy(),
        }
    )
    hits = spans.merge(ev, on="person")
    hits = hits[(hits["effective_date"] > hits["index_date"]) & (hits["effective_date"] <= hits["horizon_date"])]
    hits = hits.assign(changed=hits["department_after"] != hits["department"])
    flags = (
        hits.groupby("row")[["promoted", "management", "changed"]].any().reindex(np.arange(len(idx)), fill_value=False)
    )
    salary = pd.merge_asof(
        spans[["row", "person", "horizon_date"]].sort_values("horizon_date"),
        ev[["person", "effective_date", "salary"]].sort_values("effective_date"),
        left_on="horizon_date",
        right_on="effective_date",
        by="person",
    )
    horizon_salary = _by_row(salary, "salary")
    m = members.iloc[idx].reset_index(drop=True)
    gone = m["termination_date"].to_numpy() < horizon_date
    voluntary = ((m["termination_type"].to_numpy() == "voluntary") & gone).astype(float)
    censor = m["censor_intake_start"].to_numpy()
    return pd.DataFrame(
        {
            **{k: m[k] for k in KEYS},
            "treated": m["treated"],
            "index_date": m["index_date"],
            "horizon_months": np.repeat(np.array(horizons), n),
            "horizon_date": horizon_date,
            "observed": (horizon_date <= m["as_of_date"].to_numpy()) & (np.isnat(censor) | (censor > horizon_date)),
            "promoted": flags["promoted"].to_numpy(float),
            "voluntary_exit": voluntary,
            "retained": 1 - voluntary,
            "any_exit": gone.astype(float),
            "salary_growth": np.where(
                gone, np.nan, horizon_salary / m["base_salary"].replace(0, np.nan).to_numpy() - 1
            ),
            "became_people_manager": np.where(
                m["is_people_manager"].to_numpy(bool), np.nan, flags["management"].to_numpy(float)
            ),
            "changed_department": flags["changed"].to_numpy(float),
        }
    )


def survey_outcomes_tuned(members: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """``survey_outcomes`` tuned the same way: one integer key per person and construct."""
    person, score_person = _codes(members["employee_id"], scores["employee_id"])
    construct, constructs = pd.factorize(scores["construct"])
    k, n = len(constructs), len(members)
    idx, cons = np.repeat(np.arange(n), k), np.tile(np.arange(k), n)
    left = pd.DataFrame(
        {"row": np.arange(n * k), "key": person[idx] * k + cons, "index_date": members["index_date"].to_numpy()[idx]}
    ).sort_values("index_date")
    right = pd.DataFrame(
        {
            "key": score_person * k + construct,
            "response_date": scores["response_date"].to_numpy(),
            "wave": scores["survey_wave"].to_numpy(),
            "score": scores["score"].to_numpy(),
        }
    ).sort_values("response_date")
    pre, post = (
        pd.merge_asof(
            left,
            right,
            left_on="index_date",
            right_on="response_date",
            by="key",
            allow_exact_matches=False,
            direction=d,
        )
        for d in ("backward", "forward")
    )
    as_of, censor = members["as_of_date"].to_numpy()[idx], members["censor_date"].to_numpy()[idx]
    counts = _by_row(post, "response_date") <= np.where(np.isnat(censor) | (as_of <= censor), as_of, censor)
    pre_score = _by_row(pre, "score").astype(float)
    pre_date = _by_row(pre, "response_date")
    has_pre = ~np.isnat(pre_date)
    left2 = pd.DataFrame(
        {
            "row": np.flatnonzero(has_pre),
            "key": left.sort_values("row")["key"].to_numpy()[has_pre],
            "pre_date": pre_date[has_pre],
        }
    ).sort_values("pre_date")
    earlier = pd.merge_asof(
        left2,
        right,
        left_on="pre_date",
        right_on="response_date",
        by="key",
        allow_exact_matches=False,
        direction="backward",
    )
    earlier_score, earlier_wave = np.full(n * k, np.nan), np.full(n * k, None, dtype=object)
    earlier_score[earlier["row"].to_numpy()] = earlier["score"].to_numpy(dtype=float)
    earlier_wave[earlier["row"].to_numpy()] = earlier["wave"].to_numpy()
    post_score = np.where(counts, _by_row(post, "score").astype(float), np.nan)
    m = members.iloc[idx].reset_index(drop=True)
    return pd.DataFrame(
        {
            **{c: m[c] for c in KEYS},
            "treated": m["treated"],
            "index_date": m["index_date"],
            "construct": np.asarray(constructs, dtype=object)[cons],
            "pre_wave": _by_row(pre, "wave"),
            "pre_score": pre_score,
            "post_wave": np.where(counts, _by_row(post, "wave"), None),
            "post_score": post_score,
            "change": post_score - pre_score,
            "earlier_wave": earlier_wave,
            "earlier_score": earlier_score,
            "change_from_earlier": post_score - earlier_score,
        }
    )


def summary(df: pd.DataFrame) -> dict:
    """What the two sides must agree on: rows, and per column its non-null count and (numbers) sum."""
    out = {"rows": len(df)}
    for c in df.columns:
        col = df[c]
        out[f"{c}:n"] = int(col.notna().sum())
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            out[f"{c}:sum"] = float(pd.to_numeric(col, errors="coerce").astype(float).sum())
    return out


def sql_summary(con, table: str) -> dict:
    """``summary`` computed inside DuckDB: at a million employees the tables are too big to fetch."""
    numeric = ("BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
    cols = con.execute(f"describe {table}").fetchall()
    parts = ["count(*)"]
    keys = ["rows"]
    for name, kind, *_ in cols:
        parts.append(f'count("{name}")')
        keys.append(f"{name}:n")
        if kind.split("(")[0] in numeric:
            parts.append(f'coalesce(sum("{name}"::double), 0)')
            keys.append(f"{name}:sum")
    values = con.execute(f"select {', '.join(parts)} from {table}").fetchall()[0]
    return {k: (int(v) if k.endswith(":n") or k == "rows" else float(v)) for k, v in zip(keys, values)}


def disagreements(a: dict, b: dict, rtol: float = 1e-9) -> list[str]:
    return [
        f"{k}: {a.get(k)} against {b.get(k)}"
        for k in sorted(set(a) | set(b))
        if k not in a or k not in b or not np.isclose(a[k], b[k], rtol=rtol, atol=1e-9)
    ]


def run_duckdb(db: str, repeats: int, memory: str | None = None) -> dict:
    import duckdb

    from assets.sql import MODELS
    from mentorship.settings import Settings

    con = duckdb.connect(db, read_only=True, config={"memory_limit": memory or Settings.from_env().duckdb_memory})
    con.execute("set variable horizons = [6, 12, 24]")
    times, out = [], {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        for name in TABLES:
            con.execute(f"create or replace temp table {name} as {MODELS[name].sql}")
        times.append(time.perf_counter() - t0)
    for name in TABLES:
        out[name] = sql_summary(con, name)
    con.close()
    return {"compute_s": statistics.median(times), "runs_s": times, "tables": out}


def run_pandas(db: str, repeats: int, tuned: bool = False) -> dict:
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect(db, read_only=True)
    members = con.execute("select * from analytics.cohort_members").df()
    events = con.execute("select * from analytics.job_events").df()
    scores = con.execute("select * from analytics.survey_scores").df()
    con.close()
    load = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        if tuned:
            tables = {
                "career_outcomes": career_outcomes_tuned(members, events),
                "survey_outcomes": survey_outcomes_tuned(members, scores),
            }
        else:
            tables = {
                "career_outcomes": career_outcomes(members, events),
                "survey_outcomes": survey_outcomes(members, scores),
            }
        times.append(time.perf_counter() - t0)
    return {
        "compute_s": statistics.median(times),
        "runs_s": times,
        "load_s": load,
        "tables": {k: summary(v) for k, v in tables.items()},
    }


#: The engines: the pipeline's SQL, idiomatic pandas, tuned pandas.
ENGINES = {
    "duckdb": run_duckdb,
    "pandas": run_pandas,
    "pandas-tuned": lambda db, repeats: run_pandas(db, repeats, True),
}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", required=True)
    p.add_argument("--engine", choices=(*ENGINES, "all"), default="all")
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args(argv)
    result = {e: run(a.db, a.repeats) for e, run in ENGINES.items() if a.engine in (e, "all")}
    print(json.dumps(result))
    if a.engine == "all":
        for e in ENGINES:
            bad = [
                f"{t} {d}" for t in TABLES for d in disagreements(result["duckdb"]["tables"][t], result[e]["tables"][t])
            ]
            print(
                f"{e}: {result[e]['compute_s']:.2f} s, {result[e]['compute_s'] / result['duckdb']['compute_s']:.1f} "
                f"times DuckDB's; " + ("; ".join(bad) if bad else "agrees with DuckDB"),
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
