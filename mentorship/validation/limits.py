"""Reject limits: the share of quarantined rows a source may have, and the files and months of a
source over that share, each with the rule that quarantined most of its rows."""

from __future__ import annotations

DEFAULT_MAX_REJECT_SHARE = 0.05
#: A file or a month is held to the reject limit once this many of its rows are quarantined (or all
#: of them, in a file of fewer rows): one typo in a ten-row file is not a broken file, while a month
#: whose every row is rejected would otherwise vanish inside a source that is 99% fine.
MIN_REJECTS_PER_PART = 5


def breaches(con, limit: float) -> list[dict]:
    """Files, and months of several files, with more quarantined rows than the limit allows (and at
    least ``MIN_REJECTS_PER_PART``, or all of them), each with the rule that quarantined most rows."""
    return [
        dict(
            zip(("scope", "name", "month", "files", "rows_read", "rows_quarantined", "rule", "column", "rule_rows"), r)
        )
        for r in con.execute(
            f"""
        with bad as (select distinct rid from _issues),
        rows_ as (
            select p._source_file as file, p._month as month, bad.rid is not null as quarantined
            from _prepared as p left join bad on bad.rid = p._rid
        ),
        parts as (
            select 'file' as scope, file as name, any_value(month) as month, 1 as files,
                   count(*) as n, count(*) filter (where quarantined) as k
            from rows_ group by file
            union all
            select 'month', month, month, count(distinct file), count(*), count(*) filter (where quarantined)
            from rows_ where month is not null group by month having count(distinct file) > 1
        ),
        over as (
            select * from parts where k > ? * n and k >= least(n, {MIN_REJECTS_PER_PART})
        ),
        by_rule as (
            select o.scope, o.name, i.rule, i."column", count(distinct i.rid) as rule_rows
            from over as o
            join _prepared as p on (o.scope = 'file' and p._source_file = o.name) or (o.scope = 'month' and p._month = o.name)
            join _issues as i on i.rid = p._rid
            group by all
        )
        select o.scope, o.name, o.month, o.files, o.n, o.k,
               arg_max(r.rule, r.rule_rows), arg_max(r."column", r.rule_rows), max(r.rule_rows)
        from over as o join by_rule as r using (scope, name)
        group by all
        order by o.scope, o.name""",
            [limit],
        ).fetchall()
    ]
