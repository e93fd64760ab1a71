"""The PostgreSQL pass of the rewrite (``mentorship.engines.rewrite``).

One small function per DuckDB construct that PostgreSQL lacks or reads differently, each rewriting the
parsed tree in place, innermost first (a construct nested in another's argument is rewritten before
it). Whatever sqlglot's PostgreSQL generator already writes faithfully (``datediff`` counting
boundaries, ``strftime``, float division, ``date_trunc``) is left to it; the tests in
``tests/test_rewrite_postgres.py`` compare each rewrite with DuckDB on a live server.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from mentorship.engines.rewrite import RewriteError

#: PostgreSQL's bigint hash as DuckDB's unsigned one: the sign bit cleared, so ``% n`` is never negative.
_BIGINT_MAX = 9223372036854775807


def transform(tree: exp.Expression) -> exp.Expression:
    prefix = tree.meta.get("schema_prefix", "")
    _union_by_name(tree)
    _each(tree, exp.Group, _group_by_all)
    _each(tree, exp.Join, _asof_join)
    _each(tree, exp.ArgMin, _arg_min_max)
    _each(tree, exp.ArgMax, _arg_min_max)
    _each(tree, exp.Median, lambda n: _median(n, prefix))
    _each(tree, exp.Anonymous, _to_months)
    _each(tree, exp.Anonymous, _hash)
    _each(tree, exp.Year, _year)
    _each(tree, exp.TimestampTrunc, _date_trunc)
    _each(tree, exp.DateTrunc, _date_trunc)
    _each(tree, exp.Explode, _unnest_series)
    _each(tree, exp.Cast, _boolean_to_number)
    return tree


def _each(tree: exp.Expression, kind: type, rewrite: Callable[[exp.Expression], exp.Expression | None]) -> None:
    """``rewrite`` applied to every ``kind`` node, innermost first; a returned node replaces it."""
    for node in reversed(list(tree.find_all(kind))):
        new = rewrite(node)
        if new is not None and new is not node:
            node.replace(new)


# -- as-of joins ---------------------------------------------------------------------------------


def _refs(node: exp.Expression, alias: str) -> bool:
    return any(c.table == alias for c in node.find_all(exp.Column))


def _asof_join(join: exp.Join):
    # PostgreSQL has no ASOF join: each right row is given the next key in its partition, so the
    # nearest match is the one row whose key range holds the left value (a hash join on the
    # equalities); a LATERAL ... LIMIT 1 where the query selects the right table's star.
    if (join.args.get("method") or "").upper() != "ASOF":
        return None
    right, on = join.this, join.args.get("on")
    alias = right.alias_or_name
    equal, inequality = [], None
    for c in on.flatten() if isinstance(on, exp.And) else [on]:
        c = c.unnest()
        if not isinstance(c, exp.EQ | exp.GT | exp.GTE | exp.LT | exp.LTE):
            raise RewriteError(f"an as-of join condition that is neither = nor an inequality: {c.sql()}")
        left_side, right_side = c.this, c.expression
        if _refs(left_side, alias) and not _refs(right_side, alias):
            left_side, right_side = right_side, left_side
            c = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE}.get(type(c), type(c))(
                this=left_side, expression=right_side
            )
        elif not _refs(right_side, alias) or _refs(left_side, alias):
            raise RewriteError(f"an as-of join condition that does not compare the two sides: {c.sql()}")
        if isinstance(c, exp.EQ):
            equal.append(right_side)
        elif inequality is None:
            inequality = c  # now always <left value> <op> <right key>
        else:
            raise RewriteError("an as-of join with more than one inequality")
    if inequality is None:
        raise RewriteError("an as-of join without an inequality")
    select = join.parent
    if any(
        isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star) and e.table == alias)
        for e in select.expressions
    ):
        return _asof_lateral(join, alias, inequality)
    return _asof_ranges(join, alias, equal, inequality)


def _asof_ranges(join: exp.Join, alias: str, equal: list, inequality: exp.Expression) -> exp.Join:
    """The right side with the neighbouring key (the next for >=, >; the previous for <=, <), joined on
    the equalities and on the left value falling between the key and its neighbour."""
    value, key = inequality.this, inequality.expression
    below = isinstance(inequality, exp.GT | exp.GTE)  # the match is the greatest key below the value
    neighbour = exp.Window(
        this=exp.Anonymous(this="lead" if below else "lag", expressions=[key.copy()]),
        partition_by=[e.copy() for e in equal] or None,
        order=exp.Order(expressions=[exp.Ordered(this=key.copy(), nulls_first=False)]),
    )
    name = "_asof_neighbour"
    inner = (
        exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(alias)), exp.alias_(neighbour, name))
        .from_(join.this.copy())
        .where(exp.Not(this=exp.Is(this=key.copy(), expression=exp.Null())))
    )
    other = exp.column(name, table=alias)
    if below:  # key <= value < next (key < value <= next for >)
        beyond = (
            exp.GT(this=other, expression=value.copy())
            if isinstance(inequality, exp.GTE)
            else exp.GTE(this=other, expression=value.copy())
        )
    else:  # previous < value <= key (previous <= value < key for <)
        beyond = (
            exp.LT(this=other, expression=value.copy())
            if isinstance(inequality, exp.LTE)
            else exp.LTE(this=other, expression=value.copy())
        )
    on = exp.and_(join.args["on"].copy(), exp.or_(exp.Is(this=other.copy(), expression=exp.Null()), beyond))
    subquery = exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(alias)))
    side = "LEFT" if (join.args.get("side") or "").upper() == "LEFT" else None
    return exp.Join(this=subquery, side=side, on=on)


def _asof_lateral(join: exp.Join, alias: str, inequality: exp.Expression) -> exp.Join:
    """The nearest right row by a LATERAL subquery ordered on the key, LIMIT 1 (no extra column)."""
    below = isinstance(inequality, exp.GT | exp.GTE)
    order = exp.Ordered(this=inequality.expression.copy(), desc=below, nulls_first=False)
    inner = exp.select("*").from_(join.this.copy()).where(join.args["on"].copy()).order_by(order).limit(1)
    lateral = exp.Lateral(this=exp.Subquery(this=inner), alias=exp.TableAlias(this=exp.to_identifier(alias)))
    if (join.args.get("side") or "").upper() == "LEFT":
        return exp.Join(this=lateral, side="LEFT", on=exp.true())
    return exp.Join(this=lateral, kind="CROSS")


# -- union all by name ---------------------------------------------------------------------------


def _projections(select: exp.Expression, ctes: dict[str, exp.Expression]) -> list[tuple[str, exp.Expression]]:
    """(name, expression) of each column ``select`` returns; ``*`` over one CTE is that CTE's columns."""
    if not isinstance(select, exp.Select):
        raise RewriteError("union by name of something other than two selects")
    out = []
    for e in select.expressions:
        if isinstance(e, exp.Star):
            source = select.args.get("from_") or select.args.get("from")
            table = source.this if source else None
            if select.args.get("joins") or not isinstance(table, exp.Table) or table.name not in ctes:
                raise RewriteError("union by name of select * from something other than one CTE")
            out += [(n, exp.column(n)) for n, _ in _projections(ctes[table.name], ctes)]
        elif not e.alias_or_name or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)):
            raise RewriteError(f"union by name of an unnamed column: {e.sql()}")
        else:
            out.append((e.alias_or_name, e))
    return out


def _union_by_name(tree: exp.Expression) -> None:
    # PostgreSQL unions by position: both sides list the union's columns in one order, NULL where one lacks it.
    ctes = {cte.alias: cte.this for cte in tree.find_all(exp.CTE)}
    for union in reversed(list(tree.find_all(exp.Union))):
        if not union.args.get("by_name"):
            continue
        sides = [union.left, union.right]
        have = [dict(_projections(s, ctes)) for s in sides]
        columns = list(have[0]) + [n for n in have[1] if n not in have[0]]
        for side, named in zip(sides, have):
            side.set("expressions", [named[c].copy() if c in named else exp.alias_(exp.Null(), c) for c in columns])
        union.set("by_name", None)


# -- aggregates ----------------------------------------------------------------------------------


def _group_by_all(group: exp.Group):
    # PostgreSQL has no GROUP BY ALL: group by every select expression that holds no aggregate.
    if not group.args.get("all"):
        return None
    select = group.parent
    keys = [e.unalias().copy() for e in select.expressions if not _aggregates(e)]
    return exp.Group(expressions=keys)


def _aggregates(node: exp.Expression) -> bool:
    """Whether ``node`` holds an aggregate of its own select (not one inside a window or a subquery)."""
    return any(
        isinstance(a.find_ancestor(exp.Window, exp.Subquery, exp.Select), exp.Select)
        for a in node.find_all(exp.AggFunc)
    )


def _arg_min_max(node: exp.ArgMin | exp.ArgMax):
    # PostgreSQL has no arg_min: the first of the values ordered by the key, rows with a NULL value left out as DuckDB does.
    keys = node.expression.expressions if isinstance(node.expression, exp.Tuple) else [node.expression]
    desc = isinstance(node, exp.ArgMax)
    # DuckDB sorts a NULL inside a tuple after every value: last for arg_min, first for arg_max.
    order = exp.Order(
        this=node.this.copy(), expressions=[exp.Ordered(this=k.copy(), desc=desc, nulls_first=desc) for k in keys]
    )
    kept = exp.Not(this=exp.Is(this=node.this.copy(), expression=exp.Null()))
    if not isinstance(node.expression, exp.Tuple):
        kept = exp.and_(kept, exp.Not(this=exp.Is(this=node.expression.copy(), expression=exp.Null())))
    agg = exp.Filter(this=exp.ArrayAgg(this=order), expression=exp.Where(this=kept))
    return exp.Bracket(this=exp.Paren(this=agg), expressions=[exp.Literal.number(1)], offset=1)


def _median(node: exp.Median, prefix: str):
    # percentile_cont is no window function in PostgreSQL; the engine installs a median aggregate that is.
    if not isinstance(node.parent, exp.Window):
        return None
    value = exp.cast(node.this.copy(), exp.DataType.build("double"))
    return exp.Dot(
        this=exp.to_identifier(prefix + "analytics"), expression=exp.Anonymous(this="median", expressions=[value])
    )


# -- scalars -------------------------------------------------------------------------------------


def _to_months(node: exp.Anonymous):
    # to_months(n) is DuckDB's; make_interval(months => n) adds calendar months with the same month-end clamping.
    if node.name.lower() != "to_months":
        return None
    months = exp.cast(node.expressions[0].copy(), exp.DataType.build("int"))
    return exp.Anonymous(this="make_interval", expressions=[exp.Kwarg(this=exp.var("months"), expression=months)])


def _hash(node: exp.Anonymous):
    # DuckDB's hash(x, seed) has no PostgreSQL twin; hashtextextended is a seeded 64-bit hash (a different draw).
    if node.name.lower() != "hash":
        return None
    args = node.expressions
    if len(args) == 2 and isinstance(args[1], exp.Literal) and not args[1].is_string:
        value, seed = exp.cast(args[0].copy(), "text"), args[1].copy()
    else:  # several values: hashed together, separated by a unit separator
        parts = [exp.cast(a.copy(), "text") for a in args]
        value = exp.Anonymous(
            this="concat_ws", expressions=[exp.Anonymous(this="chr", expressions=[exp.Literal.number(31)]), *parts]
        )
        seed = exp.Literal.number(0)
    hashed = exp.Anonymous(this="hashtextextended", expressions=[value, seed])
    return exp.Paren(this=exp.BitwiseAnd(this=hashed, expression=exp.Literal.number(_BIGINT_MAX)))


def _year(node: exp.Year):
    # EXTRACT returns numeric in PostgreSQL; DuckDB's year() is a bigint.
    if isinstance(node.parent, exp.Cast):
        return None
    return exp.cast(node.copy(), exp.DataType.build("bigint"))


def _date_trunc(node: exp.TimestampTrunc | exp.DateTrunc):
    # date_trunc of a date is a timestamptz in PostgreSQL (the session's time zone); DuckDB's is a timestamp.
    value = node.this
    if isinstance(value, exp.Cast) and value.to.this in (exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPNTZ):
        return None
    trunc = exp.TimestampTrunc(this=exp.cast(value.copy(), exp.DataType.build("timestamp")), unit=node.args.get("unit"))
    return trunc


def _unnest_series(node: exp.Explode):
    # generate_series is a list in DuckDB, unnested; in PostgreSQL it already returns the rows.
    if isinstance(node.this, exp.GenerateSeries):
        return node.this
    return None


def _is_boolean(node: exp.Expression) -> bool:
    node = node.unnest()
    if isinstance(node, exp.Predicate | exp.Connector | exp.Not | exp.Boolean):
        return True
    return isinstance(node, exp.Coalesce) and any(_is_boolean(a) for a in [node.this, *node.expressions])


def _boolean_to_number(node: exp.Cast):
    # PostgreSQL casts a boolean to integer only: true::double goes through integer.
    numeric = {exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT, exp.DataType.Type.DECIMAL, exp.DataType.Type.BIGINT}
    if node.to.this in numeric and _is_boolean(node.this):
        node.set("this", exp.cast(node.this.copy(), exp.DataType.build("int")))
    return None
