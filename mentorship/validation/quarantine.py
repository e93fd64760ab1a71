"""Quarantine and promotion: each failing (row, rule) joined back to its file, line and text in
``validated.quarantine``, the accepted rows (the latest file's where files share a key) promoted to
``validated.<source>`` unless a reject limit is breached, and the run recorded."""

from __future__ import annotations

import json

from mentorship.contract import Rule, Source
from mentorship.landing.sql import ident, q
from mentorship.validation.limits import breaches
from mentorship.validation.result import ValidationResult
from mentorship.warehouse import transaction


def write(
    con, source: Source, rules: list[Rule], stats: list[dict], extras: list[str], max_reject_share: float
) -> ValidationResult:
    """Write the quarantine and, within the limits, validated.<source>; return the result."""
    name = source.name
    con.execute("create schema if not exists validated")
    con.execute("""create table if not exists validated.quarantine (
        source varchar, file varchar, line bigint, "column" varchar, rule varchar, value varchar,
        loaded_at timestamp, expectation varchar)""")
    _issues(con, rules, stats)
    _accepted(con, source, extras)
    result = _result(con, source, stats, max_reject_share)
    result.promoted = not result.blocked
    with transaction(con):
        con.execute("delete from validated.quarantine where source = ?", [name])
        con.execute(f"""insert into validated.quarantine
            select {q(name)}, file, line, "column", rule, value, current_timestamp, expectation from _issues
            order by file, line, "column", rule""")
        if result.promoted:
            con.execute(f"""create or replace table validated.{name} as
                select * exclude (_current, _file_order) from _accepted where _current
                order by _source_file, _source_line""")
        _record_results(con, result)
    return result


def _issues(con, rules: list[Rule], stats: list[dict]) -> None:
    """Temp table _issues: each failing (row, rule) with its file, line, column and offending text."""
    issue_rows = "\nunion all\n".join(
        f"""select f.rid, p._source_file as file, p._line as line, {q(r.column if r.column != "*" else "(whole line)")}
                   as "column", {q(r.name)} as rule, cast({r.value or ident(r.column + "__text")} as varchar) as value,
                   {q(r.expectation)} as expectation
            from _failures f join _prepared p on p._rid = f.rid where f.rule = {i}"""
        for i, r in enumerate(rules)
        if stats[i]["unexpected"]
    )
    con.execute(
        "create or replace temp table _issues as "
        + (
            issue_rows
            or 'select null::bigint as rid, null::varchar as file, null::bigint as line, null::varchar as "column", '
            "null::varchar as rule, null::varchar as value, null::varchar as expectation limit 0"
        )
    )


def _accepted(con, source: Source, extras: list[str]) -> None:
    """Temp table _accepted: the rows that fail nothing, the latest file's marked current per key."""
    contract_cols = [c.name for c in source.columns]
    key = ", ".join(ident(k) for k in source.key)
    con.execute(f"""
        create or replace temp table _accepted as
        select {", ".join(map(ident, contract_cols + extras))}, _source_file, _line as _source_line, _file_order,
               row_number() over (partition by {key} order by _file_order desc, _line desc) = 1 as _current
        from _prepared p
        anti join (select distinct rid from _issues) i on i.rid = p._rid""")


def _result(con, source: Source, stats: list[dict], max_reject_share: float) -> ValidationResult:
    """The counts of the source and of each of its files, and the breaches of the reject limit."""
    (read,) = con.execute("select count(*) from _prepared").fetchall()[0]
    accepted, current, absent = con.execute(
        "select count(*), count(*) filter (where _current), "
        "count(*) filter (where _current and _file_order < (select max(_file_order) from _prepared)) "
        "from _accepted"
    ).fetchall()[0]
    (quarantined,) = con.execute("select count(distinct rid) from _issues").fetchall()[0]
    files = [
        dict(zip(("file", "rows_read", "rows_accepted", "rows_quarantined"), r))
        for r in con.execute("""
        select p._source_file, count(*), count(*) - count(i.rid), count(i.rid)
        from _prepared p left join (select distinct rid from _issues) i on i.rid = p._rid
        group by p._source_file, p._file_order order by p._file_order""").fetchall()
    ]
    return ValidationResult(
        source.name,
        read,
        accepted,
        quarantined,
        current,
        accepted - current,
        absent if source.snapshot else 0,
        max_reject_share,
        stats,
        files,
        breaches=breaches(con, max_reject_share),
        placeholders=_placeholders(con, source),
    )


def _placeholders(con, source: Source) -> dict[str, int]:
    """Per column, how many placeholder values were read as empty (columns with none left out)."""
    prepared = {r[0] for r in con.execute("describe _prepared").fetchall()}
    cols = [c.name for c in source.columns if f"{c.name}__placeholder" in prepared]
    if not cols:
        return {}
    counts = con.execute(
        "select " + ", ".join(f"count({ident(c + '__placeholder')})" for c in cols) + " from _prepared"
    ).fetchall()[0]
    return {c: n for c, n in zip(cols, counts) if n}


def _record_results(con, r: ValidationResult) -> None:
    con.execute("""create table if not exists validated.validation_results (
        source varchar, rule_index integer, rule varchar, "column" varchar, expectation varchar, meaning varchar,
        checked bigint, unexpected bigint, success boolean, validated_at timestamp)""")
    con.execute("""create table if not exists validated.validation_runs (
        source varchar, rows_read bigint, rows_accepted bigint, rows_quarantined bigint, rows_current bigint,
        rows_superseded bigint, absent_from_latest bigint, reject_share double, max_reject_share double,
        promoted boolean, validated_at timestamp)""")
    con.execute("alter table validated.validation_runs add column if not exists blocked_by varchar")
    con.execute("alter table validated.validation_runs add column if not exists placeholders varchar")
    con.execute("delete from validated.validation_results where source = ?", [r.source])
    con.executemany(
        "insert into validated.validation_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        [
            (
                r.source,
                i,
                s["rule"],
                s["column"],
                s["expectation"],
                s["meaning"],
                s["checked"],
                s["unexpected"],
                s["success"],
            )
            for i, s in enumerate(r.rules)
        ],
    )
    con.execute("delete from validated.validation_runs where source = ?", [r.source])
    con.execute(
        "insert into validated.validation_runs by name select ? as source, ? as rows_read, ? as rows_accepted, "
        "? as rows_quarantined, ? as rows_current, ? as rows_superseded, ? as absent_from_latest, "
        "? as reject_share, ? as max_reject_share, ? as promoted, current_timestamp as validated_at, "
        "? as blocked_by, ? as placeholders",
        [
            r.source,
            r.rows_read,
            r.rows_accepted,
            r.rows_quarantined,
            r.rows_current,
            r.rows_superseded,
            r.absent_from_latest,
            r.reject_share,
            r.max_reject_share,
            r.promoted,
            "\n".join(r.reasons) or None,
            json.dumps(r.placeholders) if r.placeholders else None,
        ],
    )
