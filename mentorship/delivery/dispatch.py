"""One delivery, as the settings ask: off, a dry run, or SMTP and/or the webhook, and its ``Outcome``
(the line the run summary prints). A failure is an outcome, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from mentorship.delivery.message import webhook_text
from mentorship.delivery.targets import DeliveryError, post_webhook, redact_url, send_smtp, write_dry_run


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
                    username=settings.smtp_user,
                    password=password,
                    starttls=settings.smtp_starttls,
                    timeout=timeout,
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
