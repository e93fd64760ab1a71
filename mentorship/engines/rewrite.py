"""DuckDB's SQL for another engine, rewritten on SQLGlot's parsed tree.

The SQL files are DuckDB's dialect. SQLGlot alone transpiles them without a word of complaint into
SQL that does not run, or worse, runs and means something else (decision record 0011), so this
module parses each file once and rewrites the tree in two passes:

1. for every target (this module): the shared macros inlined, ``getvariable('x')`` and ``$name``
   bound to their values as literals, and the two schemas given the configured prefix;
2. for one target (``postgres_sql``, ``spark_sql``): the constructs that target lacks or reads
   differently (as-of joins, ``union all by name``, ``arg_min``, calendar arithmetic, ...).

Then it refuses to hand over SQL that still holds a DuckDB-only construct, rather than let the
target guess: :class:`RewriteError` names the construct and the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import sqlglot
from sqlglot import exp

from mentorship.engines.base import SCHEMAS

TARGETS = ("postgres", "spark")
#: DuckDB functions and clauses that must not reach another engine (the dialect pass rewrites each).
DUCKDB_ONLY = {"getvariable", "to_months", "hash", "arg_min", "arg_max", "strftime"}


class RewriteError(ValueError):
    """The SQL holds something the target's rewrite does not handle."""


@cache
def _parsed(sql: str) -> exp.Expression:
    return sqlglot.parse_one(sql, read="duckdb")


_MACRO = re.compile(r"create\s+or\s+replace\s+temp\s+macro\s+(\w+)\s*\(([^)]*)\)\s+as\s+(.*?);", re.S | re.I)


@cache
def parse_macros(text: str) -> dict[str, tuple[tuple[str, ...], exp.Expression]]:
    """``name -> (parameters, body)`` of every scalar macro in a DuckDB macro file."""
    code = re.sub(r"--[^\n]*", "", text)
    return {
        name.lower(): (tuple(p.strip() for p in params.split(",")), sqlglot.parse_one(body, read="duckdb"))
        for name, params, body in _MACRO.findall(code)
    }


def inline_macros(tree: exp.Expression, macros: dict) -> exp.Expression:
    """Every call of a macro replaced by its body, with the arguments in place of the parameters."""

    def expand(node):
        if isinstance(node, exp.Anonymous) and node.name.lower() in macros:
            params, body = macros[node.name.lower()]
            args = dict(zip(params, node.expressions))
            new = body.copy().transform(
                lambda n: args[n.name].copy() if isinstance(n, exp.Column) and not n.table and n.name in args else n
            )
            return inline_macros(new, macros)
        return node

    return tree.transform(expand)


def bind(tree: exp.Expression, variables: dict, params: dict) -> exp.Expression:
    """``getvariable('x')`` and ``$x`` replaced by their values, as literals (the values are the run's
    settings and the effect step's own parameters, never text from a file)."""

    def replace(node):
        if isinstance(node, exp.Anonymous) and node.name.lower() == "getvariable":
            name = node.expressions[0].name
            if name not in variables:
                raise RewriteError(f"the SQL reads the variable {name!r}, which was not given")
            return exp.convert(variables[name])
        if isinstance(node, exp.Placeholder) and node.name:
            if node.name not in params:
                raise RewriteError(f"the SQL reads the parameter ${node.name}, which was not given")
            return exp.convert(params[node.name])
        return node

    return tree.transform(replace)


def prefix_schemas(tree: exp.Expression, prefix: str) -> exp.Expression:
    """``validated.x`` and ``analytics.x`` moved to ``<prefix>validated.x`` and ``<prefix>analytics.x``.
    The prefix is kept in the tree's meta for a dialect pass that names an object of its own there."""
    tree.meta["schema_prefix"] = prefix
    if not prefix:
        return tree
    for table in tree.find_all(exp.Table):
        if table.db in SCHEMAS:
            table.set("db", exp.to_identifier(prefix + table.db))
    return tree


def schema_name(schema: str, prefix: str) -> str:
    return prefix + schema


def _dialect_pass(target: str) -> Callable[[exp.Expression], exp.Expression]:
    if target == "postgres":
        from mentorship.engines import postgres_sql

        return postgres_sql.transform
    if target == "spark":
        from mentorship.engines import spark_sql

        return spark_sql.transform
    raise RewriteError(f"no rewrite for {target!r}; targets are {', '.join(TARGETS)}")


def ends_ordered(sql: str) -> bool:
    """The statement's result is ordered (a top-level ORDER BY)."""
    return _parsed(sql).args.get("order") is not None


def leftovers(tree: exp.Expression) -> list[str]:
    """DuckDB-only constructs still in the tree."""
    found = [n.name.lower() for n in tree.find_all(exp.Anonymous) if n.name.lower() in DUCKDB_ONLY]
    found += ["asof join" for j in tree.find_all(exp.Join) if (j.args.get("method") or "").upper() == "ASOF"]
    found += ["union by name" for u in tree.find_all(exp.Union) if u.args.get("by_name")]
    return sorted(set(found))


def to_target(
    sql: str,
    target: str,
    *,
    variables: dict | None = None,
    params: dict | None = None,
    macros: str | None = None,
    prefix: str = "",
    label: str = "the query",
) -> str:
    """``sql`` (DuckDB's dialect) as SQL for ``target``."""
    tree = _parsed(sql).copy()
    if macros:
        tree = inline_macros(tree, parse_macros(macros))
    tree = bind(tree, variables or {}, params or {})
    tree = prefix_schemas(tree, prefix)
    tree = _dialect_pass(target)(tree)
    left = leftovers(tree)
    if left:
        raise RewriteError(f"{label} still holds {', '.join(left)} after the rewrite for {target}")
    try:
        return tree.sql(dialect=target, unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as e:
        raise RewriteError(f"{label}: {target} has no equivalent for {e}") from None
