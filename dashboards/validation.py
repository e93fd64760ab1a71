"""The validation report: one page listing every suite, check, count and sample failure.

It renders the JSON summary written by the ingest assets (``exports/validation_summary.json``), so
it never opens the warehouse.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from dashboards.theme import page

STATUS = {
    "passed": ("passed", "#009E73", "every row passed every check"),
    "quarantined": (
        "rows quarantined",
        "#E69F00",
        "some rows failed a check; they are in the quarantine table and the rest flowed on",
    ),
    "blocked": (
        "blocked",
        "#D55E00",
        "more rows failed than the limit allows, in the source as a whole or in "
        "one of its files or months; the previous validated table is kept and nothing downstream ran",
    ),
    "file_error": (
        "file error",
        "#D55E00",
        "a file could not be used; the previous tables are kept and nothing downstream ran",
    ),
    "not_validated": ("not validated", "#999999", "no validation has run for this source yet"),
    "not_revalidated": (
        "not validated yet",
        "#999999",
        "its latest files were read but not validated, because a "
        "source it is checked against was blocked; the counts below are from its last validation "
        "and the previous validated table is kept",
    ),
}

CSS = """
.badge { display: inline-block; color: white; border-radius: 4px; padding: 1px 8px; font-size: 0.85em; }
section.source { border-top: 1px solid #ccc; margin-top: 18px; }
table.data td.fail, p.fail { color: #D55E00; font-weight: 600; }
table.data td.left, table.data th.left { text-align: left; }
code { background: #f3f3f3; padding: 0 3px; }
"""


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def _badge(status: str) -> str:
    label, colour, _ = STATUS[status]
    return f'<span class="badge" style="background:{colour}">{_e(label)}</span>'


def _files(files: list[dict]) -> str:
    if not files:
        return "<p>No files checked yet.</p>"
    rows = "".join(
        f"<tr><td class=left>{_e(f['file'])}</td><td class=left>{_e(f['status'])}</td><td>{f['rows']:,}</td>"
        f"<td class='left{' fail' if f['status'] == 'failed' else ''}'>{_e(f['problem'] or '')}</td></tr>"
        for f in files
    )
    return (
        "<table class=data><tr><th class=left>file</th><th class=left>status</th><th>rows read</th>"
        f"<th class=left>problem</th></tr>{rows}</table>"
    )


def _rules(rules: list[dict]) -> str:
    if not rules:
        return ""
    body = []
    for r in rules:
        samples = "<br>".join(f"{_e(s['file'])} line {s['line']}: <code>{_e(s['value'])}</code>" for s in r["samples"])
        cls = "" if r["success"] else " fail"
        body.append(
            f"<tr><td class=left>{_e(r['rule'])}</td><td class=left>{_e(r['column'])}</td>"
            f"<td class=left>{_e(r['meaning'])}<br><small><code>{_e(r['expectation'])}</code></small></td>"
            f"<td>{r['checked']:,}</td><td class='{cls.strip()}'>{r['unexpected']:,}</td>"
            f"<td class='left{cls}'>{'pass' if r['success'] else 'fail'}</td>"
            f"<td class=left>{samples}</td></tr>"
        )
    return (
        "<table class=data><tr><th class=left>rule</th><th class=left>column</th><th class=left>check</th>"
        "<th>rows checked</th><th>rows failing</th><th class=left>result</th>"
        f"<th class=left>sample failures (file, line, value)</th></tr>{''.join(body)}</table>"
    )


HOWTO = (
    "<p class=howto>How to read this: one section per source. <b>File checks</b> decide whether a "
    "file can be used at all; a failure there blocks the source and keeps the last good data. "
    "<b>Row checks</b> are the source's Great Expectations suite, run on every row: failing rows go "
    "to <code>validated.quarantine</code> in the warehouse (source, file, line, column, rule, value, "
    "load time) and the rest flow on. Ids in samples are keyed hashes; look rows up by file and line. "
    "Query the full list with <code>select * from validated.quarantine where source = '...'</code>.</p>"
)
HELD_BACK = (
    "<p class=howto><b>Sample rows are held back:</b> this is a leadership export, so only the counts are "
    "shown; the analytics team sees the samples in its own run.</p>"
)


def _overview(sources: list[dict]) -> str:
    """The table at the top: one row per source with its status, counts, reject share and what blocked it."""
    rows = []
    for s in sources:
        run = s["run"] or {}
        share = f"{run['reject_share']:.2%}" if run else ""
        limit = f"{run['max_reject_share']:.0%}" if run else ""
        why = "<br>".join(map(_e, (run.get("blocked_by") or "").splitlines()))
        rows.append(
            f"<tr><td class=left><a href='#{_e(s['source'])}'>{_e(s['source'])}</a></td>"
            f"<td class=left>{_badge(s['status'])}</td><td>{run.get('rows_read', 0):,}</td>"
            f"<td>{run.get('rows_accepted', 0):,}</td><td>{run.get('rows_quarantined', 0):,}</td>"
            f"<td>{share}</td><td>{limit}</td>"
            f"<td class='left fail' style='min-width:24em'>{why}</td></tr>"
        )
    return (
        "<table class=data><tr><th class=left>source</th><th class=left>status</th><th>rows read</th>"
        "<th>accepted</th><th>quarantined</th><th>share</th><th>limit</th><th class=left>blocked by</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _run_detail(suite: str, run: dict | None) -> str:
    """The last validation of a source in words: its counts, what blocked it, the placeholder dates read."""
    if not run:
        return ""
    detail = (
        f"<p>Suite <code>{_e(suite)}</code>, validated {_e(run['validated_at'])}: "
        f"{run['rows_read']:,} rows read = {run['rows_accepted']:,} accepted + "
        f"{run['rows_quarantined']:,} quarantined. {run['rows_current']:,} current rows after "
        f"corrections ({run['rows_superseded']:,} superseded by a later file"
        + (
            f"; {run['absent_from_latest']:,} kept although absent from the latest extract"
            if run["absent_from_latest"]
            else ""
        )
        + ").</p>"
    )
    if run.get("blocked_by"):
        detail += (
            "<p class=fail><b>Blocked by:</b></p><ul>"
            + "".join(f"<li>{_e(line)}</li>" for line in run["blocked_by"].splitlines())
            + "</ul>"
        )
    if run.get("placeholders"):
        counts = json.loads(run["placeholders"])
        detail += (
            '<p>Placeholder dates read as empty ("no value"): '
            + ", ".join(f"<code>{_e(c)}</code> {n:,}" for c, n in counts.items())
            + ".</p>"
        )
    return detail


def _source(s: dict) -> str:
    """One source's section: its status, file checks, last run and row checks."""
    return (
        f"<section class=source id='{_e(s['source'])}'><h2>{_e(s['source'])} {_badge(s['status'])}</h2>"
        f"<p class=meta>{_e(STATUS[s['status']][2])}</p><h3>File checks</h3>{_files(s['files'])}"
        f"<h3>Row checks</h3>{_run_detail(s['suite'], s['run'])}{_rules(s['rules'])}</section>"
    )


def build_validation_report(summary: dict, out: Path) -> Path:
    """Write the report for ``summary`` (``exports/validation_summary.json``) to ``out``."""
    parts = [
        f"<style>{CSS}</style>",
        HOWTO,
        HELD_BACK if summary.get("samples_held_back") else "",
        _overview(summary["sources"]),
        *(_source(s) for s in summary["sources"]),
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    subtitle = f"Generated {summary['generated_at']}; mapping: {summary['mapping'] or 'identity'}"
    out.write_text(
        page("Data validation report", subtitle, "".join(parts), filename="validation_report.html"), encoding="utf-8"
    )
    return out
