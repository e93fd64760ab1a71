"""Delivery after the monthly refresh: a short summary and the leadership packs, by e-mail (SMTP), to
the webhook the failure notice uses, or as a dry run written to a folder (``MENTORSHIP_DELIVERY``; the
settings are listed in ``mentorship.settings.DeliverySettings``).

The summary reads the metrics table only and formats every figure with ``Metrics.text`` and
``Metrics.interval``, so it reads the same as the pages to the last digit. It holds aggregate figures
only: no name, e-mail address or id of an employee (the metrics table has none, and nothing else is
read). Attachments are the PDF packs ``dashboard_packs`` printed (the executive summary and ROI pages).

A failure to deliver is a ``DeliveryError`` that names the target (``host:port``, or the webhook's
address with its path, which is the secret in Slack and Teams webhooks, left out) and the cause.

Plain Python; no Dagster import.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from mentorship.metrics import Metrics


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


#: The packs attached, as ``dashboard_packs`` writes them into ``<dashboard_dir>/packs``.
PACKS = ("executive.pdf", "roi.pdf", "program.pdf")
#: The header that carries the data's as-of date (a dry run's file is named with it).
AS_OF_HEADER = "X-Mentorship-As-Of"


class DeliveryError(RuntimeError):
    """Delivery failed: ``target`` (host:port, or the webhook's address without its path) and ``cause``."""

    def __init__(self, target: str, cause: str, what: str = "deliver the summary to"):
        self.target, self.cause = target, cause
        super().__init__(f"could not {what} {target}: {cause}")


# ---------------------------------------------------------------------------------------------
# The message


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


# ---------------------------------------------------------------------------------------------
# The targets


def send_smtp(
    message: EmailMessage,
    host: str,
    port: int,
    sender: str,
    recipients: list[str] | tuple[str, ...],
    username: str | None = None,
    password: str | None = None,
    starttls: bool = False,
    timeout: float = 10,
) -> list[str]:
    """Send ``message`` to ``recipients`` through ``host:port``; the recipients the server accepted. Every
    failure (unreachable, refused, TLS, login, a refused recipient) is a DeliveryError naming host:port."""
    target = f"the SMTP server {host}:{port}"
    recipients = list(recipients)
    msg = _copy(message)
    for header, value in (("From", sender), ("To", ", ".join(recipients))):
        del msg[header]
        msg[header] = value
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.ehlo()
            if starttls:
                if not smtp.has_extn("starttls"):
                    raise DeliveryError(
                        target,
                        "the server does not offer STARTTLS (MENTORSHIP_SMTP_STARTTLS is on)",
                        "send the summary through",
                    )
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if username:
                if not smtp.has_extn("auth"):
                    raise DeliveryError(
                        target,
                        "the server does not offer a login (AUTH)"
                        + (
                            ""
                            if starttls
                            else "; many servers offer it only after STARTTLS (MENTORSHIP_SMTP_STARTTLS=1)"
                        ),
                        "send the summary through",
                    )
                smtp.login(username, password or "")
            refused = smtp.send_message(msg, from_addr=sender, to_addrs=recipients)
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError as e:
        raise DeliveryError(
            target, f"the server refused the login for {username!r} ({_reply(e)})", "send the summary through"
        ) from None
    except smtplib.SMTPRecipientsRefused as e:
        raise DeliveryError(
            target, f"the server refused every recipient ({_refusals(e.recipients)})", "send the summary through"
        ) from None
    except smtplib.SMTPSenderRefused as e:
        raise DeliveryError(
            target, f"the server refused the sender {sender!r} ({_reply(e)})", "send the summary through"
        ) from None
    except smtplib.SMTPResponseException as e:
        raise DeliveryError(target, f"the server answered {_reply(e)}", "send the summary through") from None
    except smtplib.SMTPServerDisconnected as e:
        raise DeliveryError(
            target, f"the server closed the connection ({e or 'no reason given'})", "send the summary through"
        ) from None
    except smtplib.SMTPException as e:
        raise DeliveryError(target, str(e) or type(e).__name__, "send the summary through") from None
    except ssl.SSLError as e:
        raise DeliveryError(target, f"TLS failed ({e.reason or e})", "send the summary through") from None
    except OSError as e:
        raise DeliveryError(target, _os_cause(e), "send the summary through") from None
    if refused:
        raise DeliveryError(
            target,
            f"sent to {len(recipients) - len(refused)} of {len(recipients)} recipients; "
            f"the server refused {_refusals(refused)}",
            "send the summary through",
        )
    return recipients


def post_webhook(text: str, url: str, timeout: float = 10) -> int:
    """POST ``{"text": text}`` as JSON (what Slack and Teams incoming webhooks accept), as the failure notice
    in ``pipelines.sensors`` does; the HTTP status. A failure is a DeliveryError naming the address."""
    target = f"the webhook {redact_url(url)}"
    req = urllib.request.Request(
        url, data=json.dumps({"text": text}).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        raise DeliveryError(target, f"it answered HTTP {e.code} {e.reason}", "post the summary to") from None
    except urllib.error.URLError as e:
        reason = e.reason
        raise DeliveryError(
            target, _os_cause(reason) if isinstance(reason, OSError) else str(reason), "post the summary to"
        ) from None
    except (OSError, ValueError) as e:
        raise DeliveryError(target, _os_cause(e) if isinstance(e, OSError) else str(e), "post the summary to") from None


def write_dry_run(message: EmailMessage, folder: Path) -> Path:
    """Write ``message`` as ``delivery_<as-of>_<timestamp>.eml`` into ``folder`` (made if missing)."""
    folder = Path(folder)
    as_of = str(message.get(AS_OF_HEADER, "unknown")).replace("/", "-")
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"delivery_{as_of}_{stamp}.eml"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{path.name}.tmp"
        tmp.write_bytes(message.as_bytes(policy=policy.default))
        tmp.replace(path)
    except OSError as e:
        raise DeliveryError(f"the folder {folder}", _os_cause(e), "write the dry-run message into") from None
    return path


def redact_url(url: str) -> str:
    """``scheme://host[:port]/…``: the path and query of a Slack or Teams webhook are its secret."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an address that cannot be read)"
    rest = "/…" if parts.path not in ("", "/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{rest}"


# ---------------------------------------------------------------------------------------------
# One delivery, as the settings ask


@dataclass
class Outcome:
    """What a delivery did: ``delivered`` (None when off), the line the run summary prints after
    "Delivery: ", the error text when it failed, and the dry run's file."""

    mode: str
    delivered: bool | None
    line: str
    errors: list[str] = field(default_factory=list)
    recipients: int = 0
    path: Path | None = None

    @property
    def error(self) -> str:
        return "; ".join(self.errors)


def deliver(message: EmailMessage, settings, password: str | None = None, timeout: float = 10) -> Outcome:
    """Deliver ``message`` as ``settings`` (a ``DeliverySettings``) say. Never raises a DeliveryError: a
    failure is an Outcome with ``delivered=False`` and the error; with ``both``, one target failing does
    not stop the other."""
    mode = settings.mode
    if mode == "off":
        return Outcome(mode, None, "off")
    if mode == "dry-run":
        try:
            path = write_dry_run(message, settings.folder)
        except DeliveryError as e:
            return Outcome(mode, False, f"FAILED: {e}", [str(e)])
        return Outcome(mode, True, f"dry run, message written to {path}", path=path)
    done, errors, sent = [], [], 0
    if settings.uses_smtp:
        try:
            sent = len(
                send_smtp(
                    message,
                    settings.smtp_host,
                    settings.smtp_port,
                    settings.smtp_from,
                    settings.smtp_to,
                    settings.smtp_user,
                    password,
                    settings.smtp_starttls,
                    timeout,
                )
            )
            done.append(
                f"sent to {sent} recipient{'s' if sent != 1 else ''} via {settings.smtp_host}:{settings.smtp_port}"
            )
        except DeliveryError as e:
            errors.append(str(e))
    if settings.uses_webhook:
        try:
            post_webhook(webhook_text(message), settings.webhook_url, timeout)
            done.append(f"posted to the webhook {redact_url(settings.webhook_url)}")
        except DeliveryError as e:
            errors.append(str(e))
    if errors:
        line = "FAILED: " + "; ".join(errors) + (f" ({'; '.join(done)})" if done else "")
        return Outcome(mode, False, line, errors, sent)
    return Outcome(mode, True, " and ".join(done), recipients=sent)


def _copy(message: EmailMessage) -> EmailMessage:
    from email import message_from_bytes

    return message_from_bytes(message.as_bytes(policy=policy.default), _class=EmailMessage, policy=policy.default)


def _reply(e: smtplib.SMTPResponseException) -> str:
    text = e.smtp_error.decode(errors="replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
    return f"{e.smtp_code} {text}".strip()


def _refusals(refused: dict) -> str:
    return ", ".join(
        f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
        for addr, (code, msg) in refused.items()
    )


def _os_cause(e: OSError) -> str:
    if isinstance(e, TimeoutError):
        return "no answer (timed out)"
    return e.strerror or str(e) or type(e).__name__
