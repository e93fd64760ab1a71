"""The input data contract: one statement of every source's columns.

Ingestion, validation and the README's contract tables all derive from ``SOURCES``. Extra columns in
a file are kept in the warehouse but never exported.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type the value must cast to
    required: bool
    meaning: str
    example: str
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    name: str
    grain: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _c(name, type_, required, meaning, example, allowed=()):
    return Column(name, type_, required, meaning, example, tuple(allowed))


SOURCES: dict[str, Source] = {s.name: s for s in [
    Source("employees", "one row per person ever employed in the extract window", ("employee_id",), (
        _c("employee_id", "VARCHAR", True, "Stable person id, the same in every source", "E0000042"),
        _c("hire_date", "DATE", True, "Most recent hire date (YYYY-MM-DD)", "2021-06-14"),
        _c("termination_date", "DATE", False, "Last day employed; empty while employed", "2024-02-29"),
        _c("termination_type", "VARCHAR", False, "Why they left; empty while employed", "voluntary",
           ("voluntary", "involuntary")),
        _c("location", "VARCHAR", False, "Work location", "Berlin"),
        _c("gender", "VARCHAR", False, "Protected attribute, used only for equity cuts and adjustment", "female"),
        _c("birth_year", "INTEGER", False, "Year of birth, used only as an age band", "1990"),
    )),
    Source("job_history", "effective-dated rows: one per change of job, pay or rating; terminated people included",
           ("employee_id", "effective_date"), (
        _c("employee_id", "VARCHAR", True, "Person id (employees.employee_id)", "E0000042"),
        _c("effective_date", "DATE", True, "Date the row takes effect", "2023-04-01"),
        _c("job_level", "INTEGER", True, "Ordered job level, higher is more senior", "3"),
        _c("department", "VARCHAR", True, "Department", "Engineering"),
        _c("job_family", "VARCHAR", False, "Job family within the department", "Software"),
        _c("manager_id", "VARCHAR", False, "Person id of the line manager", "E0000007"),
        _c("is_people_manager", "BOOLEAN", True, "Whether the person manages people (true/false)", "false"),
        _c("base_salary", "DOUBLE", False, "Annual base salary in the company currency", "61250"),
        _c("performance_rating", "INTEGER", False, "Latest performance rating, 1 (low) to 5 (high)", "4"),
    )),
    Source("mentorship_pairs", "one row per mentor-mentee pair", ("pair_id",), (
        _c("pair_id", "VARCHAR", True, "Pair id", "P0000017"),
        _c("program", "VARCHAR", True, "Program name", "Career Mentoring"),
        _c("cohort", "VARCHAR", True, "Intake the pair belongs to", "2023-H1"),
        _c("mentor_id", "VARCHAR", True, "Person id of the mentor", "E0000311"),
        _c("mentee_id", "VARCHAR", True, "Person id of the mentee", "E0000042"),
        _c("start_date", "DATE", True, "Date the pair started (the mentee's index date)", "2023-03-06"),
        _c("end_date", "DATE", False, "Date the pair ended; empty while active", "2024-03-05"),
        _c("status", "VARCHAR", True, "Pair status", "completed", ("active", "completed", "withdrawn")),
        _c("goals_set", "INTEGER", False, "Goals agreed at the start", "3"),
        _c("goals_met", "INTEGER", False, "Goals met so far", "2"),
    )),
    Source("meetings", "one row per mentoring meeting", ("meeting_id",), (
        _c("meeting_id", "VARCHAR", True, "Meeting id", "M00000123"),
        _c("pair_id", "VARCHAR", True, "Pair id (mentorship_pairs.pair_id)", "P0000017"),
        _c("meeting_date", "DATE", True, "Date of the meeting", "2023-04-12"),
        _c("duration_minutes", "INTEGER", True, "Length of the meeting in minutes", "45"),
        _c("format", "VARCHAR", False, "How they met", "video", ("in_person", "video", "phone")),
        _c("mentee_rating", "INTEGER", False, "Mentee's rating of the meeting, 1 to 5", "4"),
    )),
    Source("survey_responses", "item-level: one row per respondent, wave and item",
           ("employee_id", "survey_wave", "item_id"), (
        _c("employee_id", "VARCHAR", True, "Respondent's person id", "E0000042"),
        _c("survey_wave", "VARCHAR", True, "Wave label, one per survey round", "2023-05"),
        _c("response_date", "DATE", True, "Date the response was submitted", "2023-05-16"),
        _c("item_id", "VARCHAR", True, "Item id (survey_items.item_id)", "ENG1"),
        _c("score", "DOUBLE", True, "Answer on the item's scale", "4"),
    )),
    Source("survey_items", "the item dictionary: one row per survey item", ("item_id",), (
        _c("item_id", "VARCHAR", True, "Item id", "ENG1"),
        _c("construct", "VARCHAR", True, "What the item measures", "engagement"),
        _c("item_text", "VARCHAR", False, "Wording shown to respondents", "I am proud to work here."),
        _c("scale_min", "INTEGER", True, "Lowest allowed score", "1"),
        _c("scale_max", "INTEGER", True, "Highest allowed score", "5"),
    )),
]}


def markdown() -> str:
    """The contract as Markdown tables, for the README."""
    out = []
    for s in SOURCES.values():
        out.append(f"#### `{s.name}` ({s.grain}; key: {', '.join(s.key)})\n")
        out.append("| column | type | required | meaning | example |")
        out.append("|---|---|---|---|---|")
        for c in s.columns:
            meaning = c.meaning + (f" (one of: {', '.join(c.allowed)})" if c.allowed else "")
            out.append(f"| `{c.name}` | {c.type.lower()} | {'yes' if c.required else 'no'} | {meaning} | `{c.example}` |")
        out.append("")
        out.append("Example row (CSV):\n")
        out.append("```csv\n" + ",".join(c.name for c in s.columns) + "\n"
                   + ",".join(c.example for c in s.columns) + "\n```\n")
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown())
