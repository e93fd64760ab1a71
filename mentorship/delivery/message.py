"""Composing the summary e-mail: the headline figures as the pages show them, the ROI line, which
packs are attached (and which are missing or stale), the headers, and the text a webhook gets.

It reads the metrics table only; no figure about a single employee is in it.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from mentorship.metrics import Metrics

#: The packs attached, as ``dashboard_packs`` writes them into ``<dashboard_dir>/packs``.
PACKS = ("executive.pdf", "roi.pdf", "program.pdf")
#: The header that carries the data's as-of date (a dry run's file is named with it).
AS_OF_HEADER = "X-Mentorship-As-Of"


def headlines(m: Metrics) -> list[tuple[str, str]]:
    """The headline adjusted effects on mentees, in the order the executive summary shows them, at the
    headline horizon (12 months, or the computed one nearest to it)."""
    h = m.headline
    return [
        (f"mentee.promoted.{h}m.all.adjusted_effect", f"Promoted within {h} months"),
        (f"mentee.retained.{h}m.all.adjusted_effect", f"Retained at {h} months"),
        ("mentee.satisfaction_change.na.all.adjusted_effect", "Satisfaction (survey change)"),
        ("mentee.engagement_change.na.all.adjusted_effect", "Engagement (survey change)"),
    ]


def _figure(m: Metrics, mid: str) -> str:
    """A figure with its 95% CI as the pages show it, or why it is not shown."""
    r = m.get(mid)
    if r is None:
        return "not estimated (not in the metrics table)"
    text = m.text(mid, unit_words=True)
    if r["status"] != "published" or not text:
        word = "suppressed" if r["status"] == "suppressed" else "not estimated"
        return f"{word} ({r['reason']})" if r.get("reason") else word
    ci = m.interval(mid)
    return f"{text} (95% CI {ci})" if ci else text


def _roi_line(m: Metrics) -> str:
    r = m.get("roi.roi")
    if r is None or r["status"] != "published" or not m.text("roi.roi"):
        why = (r or {}).get("reason") or "no adjusted retention effect is published to base it on"
        return f"Return on investment: not computed ({why})."
    return (
        f"Return on investment: {_figure(m, 'roi.roi')}; net benefit {_figure(m, 'roi.net_benefit')}. "
        f"It rests on the adjusted retention effect and the assumptions on the ROI page."
    )


def pack_files(packs_dir: Path, not_before: float | None = None) -> tuple[list[Path], list[str], list[str]]:
    """(packs to attach, packs missing, packs older than ``not_before``: printed from an earlier run's
    figures, so not attached)."""
    present, missing, stale = [], [], []
    for name in PACKS:
        path = Path(packs_dir) / name
        if not path.is_file():
            missing.append(name)
        elif not_before is not None and path.stat().st_mtime < not_before:
            stale.append(name)
        else:
            present.append(path)
    return present, missing, stale


def _pack_lines(attached: list[str], missing: list[str], stale: list[str]) -> list[str]:
    """What the summary says about the packs: attached, missing (not printed) and stale (not attached)."""
    lines = []
    if attached:
        lines.append(f"Leadership packs: {', '.join(attached)}.")
    if missing:
        lines.append(
            f"Missing packs: {', '.join(missing)} (not printed on this run: no Chromium was found or it "
            f"failed; see the dashboard_packs step)."
        )
    if stale:
        lines.append(
            f"Not attached: {', '.join(stale)}, printed before this run's figures (the packs were not "
            f"printed again on this run; see the dashboard_packs step)."
        )
    return lines


def summary_text(m: Metrics, as_of: str, attached: list[str], missing: list[str], stale: list[str]) -> str:
    width = max(len(label) for _, label in headlines(m)) + 1
    lines = [
        f"Mentorship program: results of the monthly refresh, data as of {as_of}.",
        "",
        "The program's adjusted effect on mentees (mentored people against comparable colleagues), with the "
        "95% confidence interval:",
    ]
    lines += [f"  {label + ':':<{width}} {_figure(m, mid)}" for mid, label in headlines(m)]
    lines += [
        "",
        _roi_line(m),
        "",
        "These figures are adjusted for who volunteers: mentored people are compared with colleagues "
        "weighted to look like them before they started. The raw figures (mentored and comparison group "
        "as they are), the people behind every figure and the method are on the dashboard pages. pts are "
        "percentage points; survey changes are on the 1–5 scale.",
        "",
    ]
    lines += _pack_lines(attached, missing, stale)
    lines.append(f"Data as of {as_of}.")
    return "\n".join(lines) + "\n"


def compose(
    metrics: Metrics,
    as_of: str,
    packs_dir: Path,
    subject_prefix: str = "[Mentorship]",
    *,
    not_before: float | None = None,
    sender: str | None = None,
    recipients: list[str] | tuple[str, ...] = (),
) -> EmailMessage:
    """The summary as a plain-text e-mail with the PDF packs in ``packs_dir`` attached (those older than
    ``not_before``, a timestamp, are left out and said so)."""
    present, missing, stale = pack_files(packs_dir, not_before)
    msg = EmailMessage(policy=policy.default)
    msg["Subject"] = f"{subject_prefix} Monthly results, data as of {as_of}".strip()
    if sender:
        msg["From"] = sender
    if recipients:
        msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    domain = sender.rpartition("@")[2] if sender and "@" in sender else "mentorship.invalid"
    msg["Message-ID"] = make_msgid("mentorship", domain=domain)  # a domain given: no DNS look-up
    msg[AS_OF_HEADER] = str(as_of)
    msg.set_content(summary_text(metrics, as_of, [p.name for p in present], missing, stale))
    for path in present:
        msg.add_attachment(path.read_bytes(), maintype="application", subtype="pdf", filename=path.name)
    return msg


def body_text(message: EmailMessage) -> str:
    """The message's plain-text summary."""
    part = message.get_body(("plain",))
    return part.get_content() if part is not None else ""


def attachment_names(message: EmailMessage) -> list[str]:
    return [p.get_filename() for p in message.iter_attachments()]


def webhook_text(message: EmailMessage) -> str:
    """What the webhook gets: the subject and the summary (which names the packs), no attachments."""
    return f"{message['Subject']}\n\n{body_text(message)}".strip()
