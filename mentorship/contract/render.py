"""The contract as Markdown, for docs/data-contract.md (``python -m mentorship.contract`` prints it)."""

from __future__ import annotations

from mentorship.contract.model import Column, num
from mentorship.contract.sources import SOURCES


def _column_notes(c: Column) -> str:
    notes = []
    if c.allowed:
        notes.append(f"one of: {', '.join(c.allowed)}")
    if c.min is not None or c.max is not None:
        notes.append(f"{num(c.min)} to {num(c.max)}")
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
