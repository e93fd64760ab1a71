"""Sending the composed summary: by e-mail through an SMTP server, as JSON to a webhook (what Slack and
Teams incoming webhooks accept), or as a dry-run ``.eml`` file in a folder.

Every failure is a ``DeliveryError`` naming the target (``host:port``, the webhook's address without
its secret path, or the folder) and the cause in plain words.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from mentorship.delivery.message import AS_OF_HEADER


class DeliveryError(RuntimeError):
    """Delivery failed: ``target`` (host:port, or the webhook's address without its path) and ``cause``."""

    def __init__(self, target: str, cause: str, what: str = "deliver the summary to"):
        self.target, self.cause = target, cause
        super().__init__(f"could not {what} {target}: {cause}")


# ---------------------------------------------------------------------------------------------
# SMTP

#: How a failure to send by SMTP reads: "could not send the summary through <target>: <cause>".
_THROUGH = "send the summary through"


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
    msg = _addressed(message, sender, recipients)
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.ehlo()
            if starttls:
                _start_tls(smtp, target)
            if username:
                _login(smtp, target, username, password, starttls)
            refused = smtp.send_message(msg, from_addr=sender, to_addrs=recipients)
    # smtplib's errors and ssl.SSLError are OSErrors; a DeliveryError (a RuntimeError) passes through.
    except OSError as e:
        raise DeliveryError(target, _smtp_cause(e, username, sender), _THROUGH) from None
    if refused:
        raise DeliveryError(
            target,
            f"sent to {len(recipients) - len(refused)} of {len(recipients)} recipients; "
            f"the server refused {_refusals(refused)}",
            _THROUGH,
        )
    return recipients


def _addressed(message: EmailMessage, sender: str, recipients: list[str]) -> EmailMessage:
    """A copy of ``message`` with its From and To set to the envelope's sender and recipients."""
    msg = message_from_bytes(message.as_bytes(policy=policy.default), _class=EmailMessage, policy=policy.default)
    for header, value in (("From", sender), ("To", ", ".join(recipients))):
        del msg[header]
        msg[header] = value
    return msg


def _start_tls(smtp: smtplib.SMTP, target: str) -> None:
    if not smtp.has_extn("starttls"):
        raise DeliveryError(target, "the server does not offer STARTTLS (MENTORSHIP_SMTP_STARTTLS is on)", _THROUGH)
    smtp.starttls(context=ssl.create_default_context())
    smtp.ehlo()


def _login(smtp: smtplib.SMTP, target: str, username: str, password: str | None, starttls: bool) -> None:
    if not smtp.has_extn("auth"):
        hint = "" if starttls else "; many servers offer it only after STARTTLS (MENTORSHIP_SMTP_STARTTLS=1)"
        raise DeliveryError(target, "the server does not offer a login (AUTH)" + hint, _THROUGH)
    smtp.login(username, password or "")


def _smtp_cause(e: OSError, username: str | None, sender: str) -> str:
    """Why sending by SMTP failed, most specific error first."""
    if isinstance(e, smtplib.SMTPAuthenticationError):
        return f"the server refused the login for {username!r} ({_reply(e)})"
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        return f"the server refused every recipient ({_refusals(e.recipients)})"
    if isinstance(e, smtplib.SMTPSenderRefused):
        return f"the server refused the sender {sender!r} ({_reply(e)})"
    if isinstance(e, smtplib.SMTPResponseException):
        return f"the server answered {_reply(e)}"
    if isinstance(e, smtplib.SMTPServerDisconnected):
        return f"the server closed the connection ({e or 'no reason given'})"
    if isinstance(e, smtplib.SMTPException):
        return str(e) or type(e).__name__
    if isinstance(e, ssl.SSLError):
        return f"TLS failed ({e.reason or e})"
    return _os_cause(e)


def _reply(e: smtplib.SMTPResponseException) -> str:
    text = e.smtp_error.decode(errors="replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
    return f"{e.smtp_code} {text}".strip()


def _refusals(refused: dict) -> str:
    return ", ".join(
        f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
        for addr, (code, msg) in refused.items()
    )


# ---------------------------------------------------------------------------------------------
# The webhook


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
# The dry run


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


def _os_cause(e: OSError) -> str:
    if isinstance(e, TimeoutError):
        return "no answer (timed out)"
    return e.strerror or str(e) or type(e).__name__
