"""The declaration of every source: its columns, key, lookups and cross-column rules (``SOURCES``),
with the ids the mapping's case setting applies to (``ID_COLUMNS``) and the order sources load in."""

from __future__ import annotations

from mentorship.contract.model import Column, Lookup, Rule, Source, order_rule

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


def _within_employment(column, meaning):
    return (
        order_rule("within_employment", column, column, "_employee_hire_date", meaning + " on or after hire"),
        order_rule(
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
                order_rule(
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
                order_rule("date_order", "end_date", "end_date", "start_date", "end_date is on or after start_date"),
                order_rule(
                    "within_employment",
                    "start_date",
                    "start_date",
                    "_mentee_hire_date",
                    "start_date is on or after the mentee's hire",
                ),
                order_rule(
                    "within_employment",
                    "start_date",
                    "_mentee_termination_date",
                    "start_date",
                    "start_date is on or before the mentee's termination",
                ),
                order_rule("goals", "goals_met", "goals_set", "goals_met", "goals_met is at most goals_set"),
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
                order_rule(
                    "within_pair",
                    "meeting_date",
                    "meeting_date",
                    "_pair_start_date",
                    "meeting_date is on or after the pair's start",
                ),
                order_rule(
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
                order_rule("scale", "score", "score", "_scale_min", "score is at least the item's scale_min"),
                order_rule("scale", "score", "_scale_max", "score", "score is at most the item's scale_max"),
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
