"""The input data contract: the single statement of every source's columns and rules.

Everything about validation derives from ``SOURCES``: the Great Expectations suite of each source
(``mentorship.validation.build_suite``), the SQL that types raw text, the contract tables in docs/data-contract.md
and the validation report. Nothing here imports Great Expectations, so reading the contract is
cheap; the suites are built from it when validation runs.

Rules are written against the *prepared batch* of a source, which DuckDB builds before Great
Expectations sees a row: each contract column appears typed (``hire_date``), as the trimmed text it
came from (``hire_date__text``) and, for non-text columns, as the text that would not read as its
type (``hire_date__unparsed``, null when fine). Lookups add columns taken from parent sources
(``_employee_hire_date``) and the ids that match no parent row (``employee_id__unmatched``), so
cross-source rules are row-level expectations on ordinary columns.
Extra columns in a file are kept in the warehouse but never exported.
"""

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
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def parents(self) -> list[str]:
        return sorted({lk.parent for lk in self.lookups})

    @property
    def clash_columns(self) -> list[str]:
        """Id columns that name this source's own records (its key's id columns, not references to a parent):
        two of their values that differ only in case are checked, as two spellings of one id."""
        refs = {lk.column for lk in self.lookups}
        return [k for k in self.key if k in ID_COLUMNS.get(self.name, ()) and k not in refs]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def rules(self) -> list[Rule]:
        """Every row-level rule: parsing, per-column, uniqueness within a file, then cross rules."""
        out = [
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
        for c in self.columns:
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
                        f"{c.name} is between {_num(c.min)} and {_num(c.max)}",
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
                out.append(
                    _order("not_in_future", c.name, "_load_date", c.name, f"{c.name} is not after the load date")
                )
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
            out.append(
                Rule(
                    f"ref:{lk.parent}",
                    lk.column,
                    "expect_column_values_to_be_null",
                    {"column": f"{lk.column}__unmatched"},
                    f"every {lk.column} matches a {lk.parent}.{lk.parent_key}",
                )
            )
            out.append(
                Rule(
                    "id_case",
                    lk.column,
                    "expect_column_values_to_be_null",
                    {"column": f"{lk.column}__case_only"},
                    f"every {lk.column} matches a {lk.parent}.{lk.parent_key} exactly, not only when upper "
                    f"and lower case are ignored",
                )
            )
        return out + list(self.cross_rules)


def _span(c: Column) -> str:
    if c.earliest and c.latest:
        return f"between {c.earliest} and {c.latest} (no one in an HR extract has a date outside it)"
    return f"on or after {c.earliest}" if c.earliest else f"on or before {c.latest}"


def _num(x):
    return "-inf" if x is None else f"{x:g}"


#: Placeholders HR systems write for "no date" in an optional date column (an open-ended contract, a
#: pair still active). Read as empty by default; a mapping's ``no_value`` replaces the list per column.
PLACEHOLDER_DATES = ("9999-12-31", "1900-01-01", "0000-00-00")
#: No date in an HR extract is earlier: a hire date of 1939 would make someone at least 100 today.
EARLIEST_DATE = "1940-01-01"
#: For dates that may lie ahead (a scheduled termination or pair end): later than this is a typo.
LATEST_DATE = "2099-12-31"


def _c(name, type_, required, meaning, example, allowed=(), **kw):
    if type_ == "DATE":
        kw.setdefault("earliest", EARLIEST_DATE)
        kw.setdefault("latest", None if kw.get("not_future") else LATEST_DATE)
        kw.setdefault("no_value", () if required else PLACEHOLDER_DATES)
    return Column(name, type_, required, meaning, example, tuple(allowed), **kw)


def _order(name, column, later, earlier, meaning):
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


def _within_employment(column, meaning):
    return (
        _order("within_employment", column, column, "_employee_hire_date", meaning + " on or after hire"),
        _order(
            "within_employment", column, "_employee_termination_date", column, meaning + " on or before termination"
        ),
    )


_EMPLOYMENT = (("_employee_hire_date", "hire_date"), ("_employee_termination_date", "termination_date"))

SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source(
            "employees",
            "one row per person ever employed in the extract window",
            ("employee_id",),
            (
                _c(
                    "employee_id",
                    "VARCHAR",
                    True,
                    "Stable person id, the same in every source",
                    "E0000042",
                    identifier=True,
                ),
                _c("hire_date", "DATE", True, "Most recent hire date", "2021-06-14", not_future=True),
                _c(
                    "termination_date",
                    "DATE",
                    False,
                    "Last day employed; empty while employed (may be a scheduled date)",
                    "2024-02-29",
                ),
                _c(
                    "termination_type",
                    "VARCHAR",
                    False,
                    "Why they left; empty while employed",
                    "voluntary",
                    ("voluntary", "involuntary"),
                ),
                _c("location", "VARCHAR", False, "Work location", "Berlin"),
                _c(
                    "gender",
                    "VARCHAR",
                    False,
                    "Protected attribute, used only for equity cuts and adjustment",
                    "female",
                ),
                _c(
                    "birth_year",
                    "INTEGER",
                    False,
                    "Year of birth, used only as an age band",
                    "1990",
                    min=1900,
                    max=2015,
                ),
            ),
            snapshot=True,
            cross_rules=(
                _order(
                    "date_order",
                    "termination_date",
                    "termination_date",
                    "hire_date",
                    "termination_date is on or after hire_date",
                ),
                Rule(
                    "required_with",
                    "termination_type",
                    "expect_column_values_to_not_be_null",
                    {"column": "termination_type"},
                    "termination_type is given whenever termination_date is",
                    when=("termination_date",),
                    value="'termination_date ' || termination_date__text || ' without a termination_type'",
                ),
            ),
        ),
        Source(
            "job_history",
            "effective-dated rows: one per change of job, pay or rating; terminated people included",
            ("employee_id", "effective_date"),
            (
                _c("employee_id", "VARCHAR", True, "Person id (employees.employee_id)", "E0000042", identifier=True),
                _c("effective_date", "DATE", True, "Date the row takes effect", "2023-04-01", not_future=True),
                _c("job_level", "INTEGER", True, "Ordered job level, higher is more senior", "3", min=0, max=30),
                _c("department", "VARCHAR", True, "Department", "Engineering"),
                _c("job_family", "VARCHAR", False, "Job family within the department", "Software"),
                _c("manager_id", "VARCHAR", False, "Person id of the line manager", "E0000007", identifier=True),
                _c("is_people_manager", "BOOLEAN", True, "Whether the person manages people", "false"),
                _c(
                    "base_salary",
                    "DOUBLE",
                    False,
                    "Annual base salary in the company currency",
                    "61250",
                    min=0,
                    max=1e8,
                    money=True,
                ),
                _c(
                    "performance_rating",
                    "INTEGER",
                    False,
                    "Latest performance rating, 1 (low) to 5 (high)",
                    "4",
                    min=1,
                    max=5,
                ),
            ),
            lookups=(Lookup("employees", "employee_id", "employee_id", _EMPLOYMENT),),
            cross_rules=(*_within_employment("effective_date", "effective_date is"),),
        ),
        Source(
            "mentorship_pairs",
            "one row per mentor-mentee pair",
            ("pair_id",),
            (
                _c("pair_id", "VARCHAR", True, "Pair id", "P0000017", identifier=True),
                _c("program", "VARCHAR", True, "Program name", "Career Mentoring"),
                _c("cohort", "VARCHAR", True, "Intake the pair belongs to", "2023-H1"),
                _c("mentor_id", "VARCHAR", True, "Person id of the mentor", "E0000311", identifier=True),
                _c("mentee_id", "VARCHAR", True, "Person id of the mentee", "E0000042", identifier=True),
                _c(
                    "start_date",
                    "DATE",
                    True,
                    "Date the pair started (the mentee's index date)",
                    "2023-03-06",
                    not_future=True,
                ),
                _c("end_date", "DATE", False, "Date the pair ended; empty while active", "2024-03-05"),
                _c("status", "VARCHAR", True, "Pair status", "completed", ("active", "completed", "withdrawn")),
                _c("goals_set", "INTEGER", False, "Goals agreed at the start", "3", min=0, max=100),
                _c("goals_met", "INTEGER", False, "Goals met so far", "2", min=0, max=100),
            ),
            snapshot=True,
            lookups=(
                Lookup("employees", "mentor_id", "employee_id"),
                Lookup(
                    "employees",
                    "mentee_id",
                    "employee_id",
                    (("_mentee_hire_date", "hire_date"), ("_mentee_termination_date", "termination_date")),
                ),
            ),
            cross_rules=(
                Rule(
                    "self_mentoring",
                    "mentee_id",
                    "expect_select_column_values_to_be_unique_within_record",
                    {"column_list": ["mentor_id", "mentee_id"]},
                    "a mentor is not their own mentee",
                ),
                _order("date_order", "end_date", "end_date", "start_date", "end_date is on or after start_date"),
                _order(
                    "within_employment",
                    "start_date",
                    "start_date",
                    "_mentee_hire_date",
                    "start_date is on or after the mentee's hire",
                ),
                _order(
                    "within_employment",
                    "start_date",
                    "_mentee_termination_date",
                    "start_date",
                    "start_date is on or before the mentee's termination",
                ),
                _order("goals", "goals_met", "goals_set", "goals_met", "goals_met is at most goals_set"),
            ),
        ),
        Source(
            "meetings",
            "one row per mentoring meeting",
            ("meeting_id",),
            (
                _c("meeting_id", "VARCHAR", True, "Meeting id", "M00000123", identifier=True),
                _c("pair_id", "VARCHAR", True, "Pair id (mentorship_pairs.pair_id)", "P0000017", identifier=True),
                _c("meeting_date", "DATE", True, "Date of the meeting", "2023-04-12", not_future=True),
                _c("duration_minutes", "INTEGER", True, "Length of the meeting in minutes", "45", min=1, max=600),
                _c("format", "VARCHAR", False, "How they met", "video", ("in_person", "video", "phone")),
                _c("mentee_rating", "INTEGER", False, "Mentee's rating of the meeting, 1 to 5", "4", min=1, max=5),
            ),
            lookups=(
                Lookup(
                    "mentorship_pairs",
                    "pair_id",
                    "pair_id",
                    (("_pair_start_date", "start_date"), ("_pair_end_date", "end_date")),
                ),
            ),
            cross_rules=(
                _order(
                    "within_pair",
                    "meeting_date",
                    "meeting_date",
                    "_pair_start_date",
                    "meeting_date is on or after the pair's start",
                ),
                _order(
                    "within_pair",
                    "meeting_date",
                    "_pair_end_date",
                    "meeting_date",
                    "meeting_date is on or before the pair's end",
                ),
            ),
        ),
        Source(
            "survey_responses",
            "item-level: one row per respondent, wave and item",
            ("employee_id", "survey_wave", "item_id"),
            (
                _c("employee_id", "VARCHAR", True, "Respondent's person id", "E0000042", identifier=True),
                _c("survey_wave", "VARCHAR", True, "Wave label, one per survey round", "2023-05"),
                _c("response_date", "DATE", True, "Date the response was submitted", "2023-05-16", not_future=True),
                _c("item_id", "VARCHAR", True, "Item id (survey_items.item_id)", "ENG1"),
                _c("score", "DOUBLE", True, "Answer on the item's scale (survey_items.scale_min to scale_max)", "4"),
            ),
            lookups=(
                Lookup("employees", "employee_id", "employee_id", _EMPLOYMENT),
                Lookup(
                    "survey_items", "item_id", "item_id", (("_scale_min", "scale_min"), ("_scale_max", "scale_max"))
                ),
            ),
            cross_rules=(
                _order("scale", "score", "score", "_scale_min", "score is at least the item's scale_min"),
                _order("scale", "score", "_scale_max", "score", "score is at most the item's scale_max"),
                *_within_employment("response_date", "response_date is"),
            ),
        ),
        Source(
            "survey_items",
            "the item dictionary: one row per survey item",
            ("item_id",),
            (
                _c("item_id", "VARCHAR", True, "Item id", "ENG1"),
                _c("construct", "VARCHAR", True, "What the item measures", "engagement"),
                _c("item_text", "VARCHAR", False, "Wording shown to respondents", "I am proud to work here."),
                _c("scale_min", "INTEGER", True, "Lowest allowed score", "1"),
                _c("scale_max", "INTEGER", True, "Highest allowed score", "5"),
            ),
            snapshot=True,
            cross_rules=(
                Rule(
                    "scale_order",
                    "scale_max",
                    "expect_column_pair_values_a_to_be_greater_than_b",
                    {
                        "column_A": "scale_max",
                        "column_B": "scale_min",
                        "or_equal": False,
                        "ignore_row_if": "either_value_is_missing",
                    },
                    "scale_max is above scale_min",
                    value="'scale ' || coalesce(scale_min__text, '') || ' to ' || coalesce(scale_max__text, '')",
                ),
            ),
        ),
    ]
}

#: Per source, the columns that hold ids (of people, pairs, meetings or survey items): the ones the
#: mapping's ``identifiers.case`` applies to. Identifier columns, references to a parent and the keys
#: they reference.
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    s.name: tuple(
        c.name
        for c in s.columns
        if c.identifier
        or c.name in {lk.column for lk in s.lookups}
        or c.name in {lk.parent_key for o in SOURCES.values() for lk in o.lookups if lk.parent == s.name}
    )
    for s in SOURCES.values()
}

#: Sources in an order where every parent comes before the sources that look it up.
LOAD_ORDER = ("employees", "survey_items", "job_history", "mentorship_pairs", "meetings", "survey_responses")


def _column_notes(c: Column) -> str:
    notes = []
    if c.allowed:
        notes.append(f"one of: {', '.join(c.allowed)}")
    if c.min is not None or c.max is not None:
        notes.append(f"{_num(c.min)} to {_num(c.max)}")
    if c.earliest or c.latest or c.not_future:
        notes.append(f"from {c.earliest or 'any date'} to {c.latest or 'the load date'}")
    if c.no_value:
        notes.append(f"{' / '.join(c.no_value)} read as empty")
    return c.meaning + (f" ({'; '.join(notes)})" if notes else "")


def markdown() -> str:
    """The contract as Markdown, for docs/data-contract.md: columns, then the cross-column and cross-source rules."""
    out = []
    for s in SOURCES.values():
        kind = (
            "full snapshot: each file is a complete extract"
            if s.snapshot
            else "incremental and monthly: each file adds or corrects records, and the month in its name "
            "(YYYY-MM) is the partition it loads into"
        )
        out.append(f"### `{s.name}`\n")
        out.append(f"{s.grain[0].upper()}{s.grain[1:]}. Key: {', '.join(s.key)}. {kind[0].upper()}{kind[1:]}.\n")
        out.append("| column | type | required | meaning | example |")
        out.append("|---|---|---|---|---|")
        for c in s.columns:
            out.append(
                f"| `{c.name}` | {c.type.lower()} | {'yes' if c.required else 'no'} | {_column_notes(c)} "
                f"| `{c.example}` |"
            )
        out.append("")
        rules = [
            f"- `{r.name}`: {r.meaning}"
            for r in s.rules
            if r.name not in ("parse", "required", "allowed_values", "range", "not_in_future", "plausible_range")
            and not r.name.startswith("type:")
        ]
        out.append("Rules beyond the column types:\n")
        out.extend(rules)
        out.append("")
        out.append("Example row (CSV):\n")
        out.append(
            "```csv\n" + ",".join(c.name for c in s.columns) + "\n" + ",".join(c.example for c in s.columns) + "\n```\n"
        )
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown())
