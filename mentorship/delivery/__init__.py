"""Delivery after the monthly refresh: a short summary and the leadership packs, by e-mail (SMTP), to
the webhook the failure notice uses, or as a dry run written to a folder (``MENTORSHIP_DELIVERY``; the
settings are listed in ``mentorship.settings.DeliverySettings``).

The summary reads the metrics table only and formats every figure with ``Metrics.text`` and
``Metrics.interval``, so it reads the same as the pages to the last digit. It holds aggregate figures
only: no name, e-mail address or id of an employee (the metrics table has none, and nothing else is
read). Attachments are the PDF packs ``dashboard_packs`` printed (the executive summary and ROI pages).

A failure to deliver is a ``DeliveryError`` that names the target (``host:port``, or the webhook's
address with its path, which is the secret in Slack and Teams webhooks, left out) and the cause.

- ``message``: composing the summary e-mail (its text, its packs, its headers).
- ``targets``: sending it, by SMTP, to a webhook, or as a dry-run file; ``DeliveryError``.
- ``dispatch``: one delivery as the settings ask (``deliver`` and its ``Outcome``).

Plain Python; no Dagster import.
"""

from __future__ import annotations

# The names used outside the package (assets.delivery, tests).
from mentorship.delivery.dispatch import deliver
from mentorship.delivery.message import PACKS, attachment_names, body_text, compose, headlines, webhook_text
from mentorship.delivery.targets import DeliveryError, post_webhook, send_smtp, write_dry_run

__all__ = [
    "PACKS",
    "DeliveryError",
    "attachment_names",
    "body_text",
    "compose",
    "deliver",
    "headlines",
    "post_webhook",
    "send_smtp",
    "webhook_text",
    "write_dry_run",
]
