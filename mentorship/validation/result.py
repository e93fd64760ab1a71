"""The outcome of validating one source: counts, per-rule and per-file tallies, and whether the
source is blocked by the reject limits (as a whole, or a file or month of it)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ValidationResult:
    source: str
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    rows_current: int
    rows_superseded: int
    absent_from_latest: int
    max_reject_share: float
    rules: list[dict] = field(default_factory=list)  # one per expectation, in suite order
    files: list[dict] = field(default_factory=list)  # per file: rows read, accepted, quarantined
    promoted: bool = True
    # files and months over the limit: scope, name, rows_read, rows_quarantined, rule, column, rule_rows
    breaches: list[dict] = field(default_factory=list)
    placeholders: dict[str, int] = field(default_factory=dict)  # column -> placeholder values read as empty

    @property
    def reject_share(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0

    @property
    def over_limit(self) -> bool:
        """The source as a whole has more quarantined rows than the limit allows."""
        return self.reject_share > self.max_reject_share

    @property
    def blocked(self) -> bool:
        return self.over_limit or bool(self.breaches)

    @property
    def reasons(self) -> list[str]:
        """Why the source is blocked, one line per file or month over the limit, naming the main rule."""
        out = (
            [
                f"{self.rows_quarantined:,} of {self.rows_read:,} rows quarantined ({self.reject_share:.1%}; limit "
                f"{self.max_reject_share:.0%})"
            ]
            if self.over_limit
            else []
        )
        for b in self.breaches:
            where = (
                f"file {b['name']}" + (f" (month {b['month']})" if b.get("month") else "")
                if b["scope"] == "file"
                else f"month {b['name']} ({b['files']} files)"
            )
            out.append(
                f"{where}: {b['rows_quarantined']:,} of {b['rows_read']:,} rows quarantined "
                f"({b['rows_quarantined'] / b['rows_read']:.0%}; limit {self.max_reject_share:.0%} per file and "
                f"month), mostly {b['rule']} on {b['column']} ({b['rule_rows']:,} rows)"
            )
        return out

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_accepted + self.rows_quarantined and all(
            f["rows_read"] == f["rows_accepted"] + f["rows_quarantined"] for f in self.files
        )

    @property
    def issues_by_rule(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rules:
            if r["unexpected"]:
                out[r["rule"]] = out.get(r["rule"], 0) + r["unexpected"]
        return dict(sorted(out.items()))

    def summary(self) -> str:
        head = (
            f"{self.source}: {self.rows_read:,} rows read, {self.rows_accepted:,} accepted, "
            f"{self.rows_quarantined:,} quarantined ({self.reject_share:.1%}; limit {self.max_reject_share:.0%})"
        )
        if self.blocked:
            head += " - BLOCKED, the last good validated table is kept: " + "; ".join(self.reasons)
        if self.placeholders:
            head += ". Placeholders read as empty: " + ", ".join(f"{c} {n:,}" for c, n in self.placeholders.items())
        return head
