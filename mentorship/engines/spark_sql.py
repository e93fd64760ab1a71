"""The Spark pass of the rewrite (``mentorship.engines.rewrite``): DuckDB's constructs that Spark SQL
lacks or reads differently, rewritten on the parsed tree into what means the same on Spark 4.

Each rewrite is one function below; :func:`transform` applies them in order. The as-of joins go first,
since they copy parts of the query that the later rewrites then treat like the rest.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from mentorship.engines.rewrite import RewriteError

_ASOF_OPS = {exp.GTE: "desc", exp.GT: "desc", exp.LTE: "asc", exp.LT: "asc"}
#: An inequality read from the right side's point of view, and the same from the left's.
_FLIPPED = {exp.GTE: exp.LTE, exp.GT: exp.LT, exp.LTE: exp.GTE, exp.LT: exp.GT}


def transform(tree: exp.Expression) -> exp.Expression:
    tree = tree.transform(_asof_joins)
    tree = tree.transform(_union_by_name)
    for rewrite in (
        _arg_min_max,
        _hash,
        _to_months,
        _datediff,
        _decimal_literals,
        _generator_casts,
        _unordered_row_number,
    ):
        tree = _everywhere(tree, rewrite)
    return tree


def _everywhere(tree: exp.Expression, rewrite) -> exp.Expression:
    """``rewrite`` applied to every node, including those inside a node it has just built (SQLGlot's
    transform does not descend into a replacement, and macros nest: to_months inside to_months)."""

    def visit(node):
        new = rewrite(node)
        if new is node:
            return node
        for key, value in list(new.args.items()):
            if isinstance(value, exp.Expression):
                new.set(key, _everywhere(value, rewrite))
            elif isinstance(value, list):
                new.set(key, [_everywhere(v, rewrite) if isinstance(v, exp.Expression) else v for v in value])
        return new

    return tree.transform(visit, copy=False)


# -- as-of joins ------------------------------------------------------------------------------------


def _is_asof(join: exp.Join) -> bool:
    return (join.args.get("method") or "").upper() == "ASOF"


def _tables_of(node: exp.Expression) -> set[str]:
    return {c.table for c in node.find_all(exp.Column)}


def _asof_joins(node):
    # Spark has no ASOF JOIN: each becomes a join on a derived table holding, per distinct left key,
    # the nearest right row (a range join ranked by row_number()).
    if not isinstance(node, exp.Select) or not any(_is_asof(j) for j in node.args.get("joins") or []):
        return node
    relations = {_alias(node.args["from_"].this): node.args["from_"].this}
    for join in node.args["joins"]:
        if _is_asof(join):
            join.replace(_asof_join(join, relations))
        relations[_alias(join.this)] = join.this
    return node


def _alias(relation: exp.Expression) -> str:
    return relation.alias_or_name


def _split_on(join: exp.Join, right: str):
    """The as-of condition as (equalities, inequality), each a (left, right) pair of expressions and
    the inequality's class read from the left: ``left >= right``."""
    equalities, inequality = [], None
    for cond in join.args["on"].flatten() if isinstance(join.args["on"], exp.And) else [join.args["on"]]:
        a, b = cond.this, cond.expression
        a_right, b_right = right in _tables_of(a), right in _tables_of(b)
        if a_right == b_right:
            raise RewriteError(f"an as-of condition must compare the left side with {right}: {cond.sql('duckdb')}")
        op = type(cond)
        left, right_expr = (b, a) if a_right else (a, b)
        if op is exp.EQ:
            equalities.append((left, right_expr))
        elif op in _ASOF_OPS and inequality is None:
            inequality = (left, right_expr, _FLIPPED[op] if a_right else op)
        else:
            raise RewriteError(f"an as-of join takes equalities and one inequality, not {cond.sql('duckdb')}")
    if inequality is None:
        raise RewriteError(f"the as-of join on {right} has no inequality")
    return equalities, inequality


def _asof_join(join: exp.Join, relations: dict[str, exp.Expression]) -> exp.Join:
    """``asof [left|inner] join R as h on <equalities> and l op h.d`` as
    ``[left|inner] join (nearest R row per distinct left key) as h on <the keys>``."""
    right = _alias(join.this)
    equalities, (v_left, v_right, op) = _split_on(join, right)
    lefts = [left for left, _ in equalities] + [v_left]
    owners = set().union(*(_tables_of(e) for e in lefts))
    if len(owners) != 1 or next(iter(owners)) not in relations:
        raise RewriteError(f"the as-of join on {right} must read one relation on its left, not {sorted(owners)}")
    keys = [f"__k{i}" for i in range(len(lefts))]
    # The left side's distinct keys: the nearest row depends on them alone.
    domain = (
        exp.select(*(exp.alias_(e.copy(), k) for e, k in zip(lefts, keys)))
        .distinct()
        .from_(relations[next(iter(owners))].copy())
    )
    ranked_on = [exp.EQ(this=r.copy(), expression=exp.column(k, "__l")) for (_, r), k in zip(equalities, keys)]
    ranked_on.append(op(this=exp.column(keys[-1], "__l"), expression=v_right.copy()))
    rank = exp.Window(
        this=exp.RowNumber(),
        partition_by=[exp.column(k, "__l") for k in keys],
        # Ties on the right's key are broken by the whole right row, so the pick is the same every run.
        order=exp.Order(
            expressions=[
                exp.Ordered(this=v_right.copy(), desc=_ASOF_OPS[op] == "desc"),
                exp.Ordered(this=exp.func("struct", exp.Column(this=exp.Star(), table=exp.to_identifier(right)))),
            ]
        ),
    )
    ranked = (
        exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(right)))
        .select(*(exp.column(k, "__l") for k in keys), exp.alias_(rank, "__rn"))
        .from_(exp.alias_(exp.Subquery(this=domain), "__l"))
        .join(_unaliased(join.this.copy(), right), on=exp.and_(*ranked_on), join_type="inner")
    )
    nearest = exp.select("*").from_(exp.alias_(exp.Subquery(this=ranked), "__r")).where("__rn = 1")
    on = exp.and_(*(exp.EQ(this=exp.column(k, right), expression=e.copy()) for e, k in zip(lefts, keys)))
    side = "LEFT" if (join.args.get("side") or "").upper() == "LEFT" else None
    return exp.Join(
        this=exp.alias_(exp.Subquery(this=nearest), right), on=on, side=side, kind=None if side else "INNER"
    )


def _unaliased(relation: exp.Expression, alias: str) -> exp.Expression:
    """The relation named ``alias`` inside the derived table, as the join's conditions call it."""
    return relation if relation.alias else exp.alias_(relation, alias, table=True)


# -- union all by name ------------------------------------------------------------------------------


def _columns(query: exp.Expression, ctes: dict[str, exp.Expression]) -> list[str]:
    """The output column names of ``query``, following ``select *`` into the CTE it reads."""
    if isinstance(query, exp.Subquery):
        return _columns(query.this, ctes)
    if isinstance(query, exp.SetOperation):
        left = _columns(query.this, ctes)
        if not query.args.get("by_name"):
            return left
        return left + [n for n in _columns(query.expression, ctes) if n not in left]
    names = []
    for e in query.expressions:
        if isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)):
            source = query.args["from_"].this
            if not isinstance(source, exp.Table) or source.name not in ctes or query.args.get("joins"):
                raise RewriteError("union by name needs the columns of its sides: a star must read one CTE")
            names += _columns(ctes[source.name], ctes)
        else:
            names.append(e.alias_or_name)
    return names


def _ctes_of(node: exp.Expression) -> dict[str, exp.Expression]:
    """The CTEs in scope at ``node``: the nearest definition of a name wins."""
    ctes, parent = {}, node
    while parent is not None:
        for cte in parent.args.get("with_").expressions if parent.args.get("with_") else []:
            ctes.setdefault(cte.alias, cte.this)
        parent = parent.parent
    return ctes


def _union_by_name(node):
    # Spark SQL has no UNION BY NAME: each side selects the union's columns by name, in DuckDB's order
    # (the left's, then the right's new ones), NULL where it lacks one.
    if not (isinstance(node, exp.Union) and node.args.get("by_name")):
        return node
    return _by_name(node, _ctes_of(node))


def _by_name(union: exp.Union, ctes: dict[str, exp.Expression]) -> exp.Union:
    """``union`` with its sides aligned, nested ``by name`` unions first (they are read with the
    CTEs of the statement they sit in)."""
    union = union.copy()  # keeps its WITH, ORDER BY and LIMIT
    for key in ("this", "expression"):
        part = union.args[key]
        if isinstance(part, exp.Union) and part.args.get("by_name"):
            union.set(key, _by_name(part, ctes))
    left, right = _columns(union.this, ctes), _columns(union.expression, ctes)
    names = left + [n for n in right if n not in left]

    def side(query, has):
        cols = [exp.column(n) if n in has else exp.alias_(exp.Null(), n) for n in names]
        return exp.select(*cols).from_(exp.alias_(exp.Subquery(this=query.copy()), "__side"))

    union.set("this", side(union.this, left))
    union.set("expression", side(union.expression, right))
    union.set("by_name", None)
    return union


# -- functions --------------------------------------------------------------------------------------


def _is_null(e):
    return exp.Is(this=e.copy(), expression=exp.Null())


def _arg_min_max(node):
    # arg_min(x, (a, b)): Spark's min_by over a struct of the tuple. DuckDB leaves out rows whose value
    # (or, for a single key, whose key) is NULL, and sorts a NULL inside a tuple after every value; Spark
    # sorts a NULL field first, so each field is preceded by "is it NULL".
    if isinstance(node, exp.ArgMin | exp.ArgMax) or (
        isinstance(node, exp.Anonymous) and node.name.lower() in ("arg_min", "arg_max")
    ):
        args = [node.this, node.expression] if not isinstance(node, exp.Anonymous) else node.expressions
        value, key = (a.copy() for a in args)
        kept = exp.Not(this=_is_null(value))
        if isinstance(key, exp.Tuple | exp.Paren):
            fields = key.expressions if isinstance(key, exp.Tuple) else [key.this]
            key = exp.func("struct", *(part for k in fields for part in (_is_null(k), k.copy())))
        else:
            kept = exp.and_(kept, exp.Not(this=_is_null(key)))
        is_min = isinstance(node, exp.ArgMin) or node.name.lower() == "arg_min"
        # Anonymous, not SQLGlot's ArgMin: this pass would otherwise rewrite its own result again.
        call = exp.Anonymous(this="min_by" if is_min else "max_by", expressions=[value, key])
        return exp.Filter(this=call, expression=exp.Where(this=kept))
    return node


def _is_hash(node) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.lower() == "hash"


def _hash(node):
    # DuckDB's hash is an unsigned 64-bit number; Spark's xxhash64 is signed, so its remainder is
    # taken with pmod. The draw differs from DuckDB's (accepted: it only samples above 600,000).
    if isinstance(node, exp.Mod) and _is_hash(node.this):
        return exp.func(
            "pmod", exp.func("xxhash64", *(a.copy() for a in node.this.expressions)), node.expression.copy()
        )
    if _is_hash(node):
        return exp.func("xxhash64", *(a.copy() for a in node.expressions))
    return node


def _is_to_months(node) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.lower() == "to_months"


def _to_months(node):
    # d + to_months(n): add_months, which clamps to the month's end as DuckDB does.
    if isinstance(node, exp.Add | exp.Sub) and _is_to_months(node.expression):
        n = node.expression.expressions[0].copy()
        if isinstance(node, exp.Sub):
            n = exp.Neg(this=exp.Paren(this=n))
        return exp.func("add_months", node.this.copy(), n)
    return node


def _datediff(node):
    # DuckDB counts the month (day) boundaries between two dates; Spark's datediff(unit, ...) counts
    # whole units elapsed, so months are spelled out from the calendar fields.
    if not isinstance(node, exp.DateDiff):
        return node
    unit = (node.args.get("unit").name if node.args.get("unit") else "DAY").upper()
    end, start = node.this.copy(), node.expression.copy()
    if unit == "DAY":
        return exp.func("datediff", exp.cast(end, "date"), exp.cast(start, "date"))
    if unit == "MONTH":
        return exp.Paren(
            this=exp.Add(
                this=exp.Mul(
                    this=exp.Paren(this=exp.Sub(this=exp.func("year", end), expression=exp.func("year", start))),
                    expression=exp.Literal.number(12),
                ),
                expression=exp.Paren(
                    this=exp.Sub(this=exp.func("month", end.copy()), expression=exp.func("month", start.copy()))
                ),
            )
        )
    raise RewriteError(f"datediff('{unit.lower()}', ...) has no Spark rewrite")


def _decimal_literals(node):
    # DuckDB computes with a decimal literal (30.4375, 60.0) in doubles; Spark in DECIMAL, rounding
    # quotients to its own scale. A double literal gives DuckDB's numbers.
    if (
        isinstance(node, exp.Literal)
        and not node.is_string
        and "." in node.this
        and not (isinstance(node.parent, exp.Cast) and node.parent.is_type("double"))
    ):
        return exp.cast(node.copy(), "double")
    return node


def _generator_casts(node):
    # cast(unnest(...) as date): Spark refuses a generator inside an expression; the cast moves onto
    # the series' bounds instead.
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Unnest | exp.Explode):
        gen = node.this.copy()
        series = gen.expressions[0] if isinstance(gen, exp.Unnest) else gen.this
        if isinstance(series, exp.GenerateSeries):
            series.set("start", exp.cast(series.args["start"], node.to.copy()))
            series.set("end", exp.cast(series.args["end"], node.to.copy()))
            return gen
        raise RewriteError(f"a cast of {gen.sql('duckdb')} has no Spark rewrite")
    return node


def _unordered_row_number(node):
    # row_number() over (): Spark requires an order. Ordering by the whole input row numbers it the
    # same way each time the query is evaluated (rows that tie are identical, so which gets which
    # number does not matter).
    if isinstance(node, exp.Window) and isinstance(node.this, exp.RowNumber) and not node.args.get("order"):
        node = node.copy()
        node.set("order", exp.Order(expressions=[exp.Ordered(this=exp.func("struct", exp.Star()))]))
    return node


# -- running a model in steps -----------------------------------------------------------------------


def steps(sql: str, tag: str) -> tuple[list[tuple[str, str]], str]:
    """Spark SQL with a top-level WITH as its steps: ``([(view, select), ...], final select)``, each
    CTE a view named ``<tag>_<cte>`` that the later steps read.

    Spark inlines every CTE wherever it is read, so a model whose CTEs read each other several times
    (the as-of joins read their left side twice) is planned and computed as a tree many times its
    size: cohort_members took a minute. Computed one CTE at a time, each once, it takes seconds."""
    tree = sqlglot.parse_one(sql, read="spark")
    with_ = tree.args.get("with_")
    if not with_:
        return [], sql
    names = {cte.alias: f"{tag}_{cte.alias}" for cte in with_.expressions}

    def renamed(node):
        if isinstance(node, exp.Table) and not node.db and node.name in names:
            return exp.alias_(exp.to_table(names[node.name]), node.alias_or_name, table=True)
        return node

    out = [(names[cte.alias], cte.this.transform(renamed).sql("spark")) for cte in with_.expressions]
    tree.set("with_", None)
    return out, tree.transform(renamed).sql("spark")
