"""The contract's vocabulary: columns, lookups to parent sources, row-level rules and sources, and
the rules each declaration implies (parsing, presence, type, allowed values, ranges, keys, references)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type the value must cast to
    required: bool
    meaning: str
    example: str
    allowed: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    not_future: bool = False  # dates only: must not be after the load date
    identifier: bool = False  # a person, pair or meeting id: pseudonymised wherever it is shown
    # an amount of money: a dot before exactly three digits (72.951) reads as a thousands separator, so it
    # is refused as ambiguous rather than read as 72.951
    money: bool = False
    # dates only: the text of a placeholder that means "no value" (read as empty); a mapping may replace it
    no_value: tuple[str, ...] = ()
    earliest: str | None = None  # dates only: the plausible range (ISO dates); outside it, plausible_range fails
    latest: str | None = None


@dataclass(frozen=True)
class Lookup:
    """A left join to a parent source's validated table, adding ``take`` columns to each row.

    ``column__unmatched`` holds the id when it is present but matches no parent row.
    """

    parent: str
    column: str  # the id column here
    parent_key: str  # the key it must match in the parent
    take: tuple[tuple[str, str], ...] = ()  # (new column name, parent column)


@dataclass(frozen=True)
class Rule:
    """One row-level expectation. ``name`` is the rule label in the quarantine table."""

    name: str
    column: str  # the contract column a failing row is reported against
    expectation: str  # Great Expectations expectation type
    kwargs: dict
    meaning: str
    when: tuple[str, ...] = ()  # only rows where these columns are not null are checked
    value: str | None = None  # SQL for the offending value; default is the column's text


@dataclass(frozen=True)
class Source:
    name: str
    grain: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    snapshot: bool = False  # each file is a full extract (as opposed to a batch of new records)
    lookups: tuple[Lookup, ...] = ()
    cross_rules: tuple[Rule, ...] = field(default=())

    @property
    def monthly(self) -> bool:
        """Batches of new records arrive monthly, named by month: the source is monthly-partitioned."""
        return not self.snapshot

    @property
    def parents(self) -> list[str]:
        return sorted({lk.parent for lk in self.lookups})

    @property
    def clash_columns(self) -> list[str]:
        """Id columns that name this source's own records (its key's id columns, not references to a parent):
        two of their values that differ only in case are checked, as two spellings of one id."""
        from mentorship.contract.sources import ID_COLUMNS  # derived from every source's declaration

        refs = {lk.column for lk in self.lookups}
        return [k for k in self.key if k in ID_COLUMNS.get(self.name, ()) and k not in refs]

    @property
    def rules(self) -> list[Rule]:
        """Every row-level rule: parsing, per-column, uniqueness within a file, then cross rules."""
        out = _line_rules()
        for c in self.columns:
            out += _column_rules(c)
        for col in self.clash_columns:
            out.append(
                Rule(
                    "id_case",
                    col,
                    "expect_column_values_to_be_null",
                    {"column": f"{col}__case_clash"},
                    f"no two {col} values differ only in upper or lower case (unless the mapping sets "
                    f"identifiers.case: insensitive)",
                )
            )
        key = " + ".join(self.key)
        out.append(
            Rule(
                "duplicate_key",
                self.key[0],
                "expect_compound_columns_to_be_unique",
                {"column_list": ["_source_file", *self.key]},
                f"{key} is unique within a file (a later file may correct an earlier one)",
                value=" || ' | ' || ".join(f"coalesce({k}__text, '')" for k in self.key),
            )
        )
        for lk in self.lookups:
            out += _lookup_rules(lk)
        return out + list(self.cross_rules)


def _line_rules() -> list[Rule]:
    """The rules on a whole line: it parses, and it is not the header again."""
    return [
        Rule(
            "parse",
            "*",
            "expect_column_values_to_be_null",
            {"column": "_parse_error"},
            "the line parses into the header's columns",
            value="_parse_error",
        ),
        Rule(
            "repeated_header",
            "*",
            "expect_column_values_to_be_null",
            {"column": "_repeated_header"},
            "the line is not the header again (two extracts joined into one file, headers and all)",
            value="_repeated_header",
        ),
    ]


def _column_rules(c: Column) -> list[Rule]:
    """The rules a column's declaration implies: presence, type, allowed values, ranges, not in the future."""
    out = []
    text = f"{c.name}__text"
    if c.required:
        out.append(
            Rule(
                "required",
                c.name,
                "expect_column_values_to_not_be_null",
                {"column": text},
                f"{c.name} is present",
            )
        )
    if c.type != "VARCHAR":
        out.append(
            Rule(
                f"type:{c.type.lower()}",
                c.name,
                "expect_column_values_to_be_null",
                {"column": f"{c.name}__unparsed"},
                f"every non-empty {c.name} reads as {c.type.lower()}"
                + (
                    " (not 72.951 or 1.250.000: a dot before three digits reads as a thousands separator)"
                    if c.money
                    else ""
                ),
            )
        )
    if c.allowed:
        out.append(
            Rule(
                "allowed_values",
                c.name,
                "expect_column_values_to_be_in_set",
                {"column": c.name, "value_set": list(c.allowed)},
                f"{c.name} is one of {', '.join(c.allowed)}",
            )
        )
    if c.min is not None or c.max is not None:
        out.append(
            Rule(
                "range",
                c.name,
                "expect_column_values_to_be_between",
                {"column": c.name, "min_value": c.min, "max_value": c.max},
                f"{c.name} is between {num(c.min)} and {num(c.max)}",
            )
        )
    if c.earliest or c.latest:
        out.append(
            Rule(
                "plausible_range",
                c.name,
                "expect_column_values_to_be_null",
                {"column": f"{c.name}__implausible"},
                f"{c.name} is {_span(c)}",
            )
        )
    if c.not_future:
        out.append(order_rule("not_in_future", c.name, "_load_date", c.name, f"{c.name} is not after the load date"))
    return out


def _lookup_rules(lk: Lookup) -> list[Rule]:
    """A reference matches its parent's key, and matches it exactly, not only ignoring case."""
    return [
        Rule(
            f"ref:{lk.parent}",
            lk.column,
            "expect_column_values_to_be_null",
            {"column": f"{lk.column}__unmatched"},
            f"every {lk.column} matches a {lk.parent}.{lk.parent_key}",
        ),
        Rule(
            "id_case",
            lk.column,
            "expect_column_values_to_be_null",
            {"column": f"{lk.column}__case_only"},
            f"every {lk.column} matches a {lk.parent}.{lk.parent_key} exactly, not only when upper "
            f"and lower case are ignored",
        ),
    ]


def _span(c: Column) -> str:
    if c.earliest and c.latest:
        return f"between {c.earliest} and {c.latest} (no one in an HR extract has a date outside it)"
    return f"on or after {c.earliest}" if c.earliest else f"on or before {c.latest}"


def num(x):
    return "-inf" if x is None else f"{x:g}"


#: Placeholders HR systems write for "no date" in an optional date column (an open-ended contract, a


def order_rule(name, column, later, earlier, meaning):
    """``later`` >= ``earlier`` where both are present."""
    return Rule(
        name,
        column,
        "expect_column_pair_values_a_to_be_greater_than_b",
        {"column_A": later, "column_B": earlier, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
        meaning,
        value=f"'{_label(later)} ' || coalesce({later}::varchar, 'empty') || "
        f"' is before {_label(earlier)} ' || coalesce({earlier}::varchar, 'empty')",
    )


def _label(col):
    return col.removeprefix("_").replace("_", " ")
