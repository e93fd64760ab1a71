"""Delivery: after the refresh, the summary and the leadership packs by e-mail and/or to the webhook, or a
dry run written to a folder (``mentorship.delivery``; off unless ``MENTORSHIP_DELIVERY`` is set)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pandas as pd

from assets._versions import code_version
from assets.resources import PipelineSettings
from mentorship import delivery
from mentorship.metrics import Metrics

OWNERS = ["team:people-analytics"]
DELIVERY_KEY = dg.AssetKey("delivery_message")


@dg.asset(
    deps=["dashboard_packs", "metric_table"],
    group_name="reporting",
    kinds={"email"},
    owners=OWNERS,
    code_version=code_version(delivery),
    check_specs=[
        dg.AssetCheckSpec(
            "delivered",
            asset="delivery_message",
            blocking=False,
            description="The summary and packs reached every target the delivery "
            "settings name (the SMTP server, the webhook) or the dry-run "
            "file was written; passes when delivery is off. A failure "
            "is a warning: the run and its pages stand, and the "
            "description says which target failed and why.",
        )
    ],
)
def delivery_message(context, settings: PipelineSettings) -> dg.MaterializeResult:
    """The monthly message for leadership: the four headline adjusted effects with 95% CI and the ROI, as
    the pages show them (from the metrics table only; no person-level data), with the PDF packs attached.
    Sent as ``MENTORSHIP_DELIVERY`` says: off (the default), smtp, webhook, both, or dry-run (an .eml file
    in ``MENTORSHIP_DELIVERY_DIR``). A delivery that fails never fails the run: the error is logged, the
    metadata says ``delivered: false`` with the error, and the ``delivered`` check warns."""
    cfg = settings.delivery_settings()
    if cfg.mode == "off":
        return dg.MaterializeResult(
            metadata={
                "mode": "off",
                "delivered": False,
                "outcome": "delivery is off (set MENTORSHIP_DELIVERY to smtp, webhook, both or dry-run)",
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name="delivered", passed=True, description="delivery is off (MENTORSHIP_DELIVERY)"
                )
            ],
        )
    metrics_path = Path(settings.export_dir) / "metrics.parquet"
    m = Metrics(pd.read_parquet(metrics_path))
    # Packs printed before this run's metrics table carry an earlier month's figures: not attached.
    message = delivery.compose(
        m,
        m.as_of,
        Path(settings.dashboard_dir) / "packs",
        cfg.subject_prefix,
        not_before=os.stat(metrics_path).st_mtime,
        sender=cfg.smtp_from,
        recipients=cfg.smtp_to,
    )
    outcome = delivery.deliver(message, cfg, password=settings.smtp_password)
    if outcome.delivered:
        context.log.info(f"Delivery: {outcome.line}")
    else:
        context.log.error(f"Delivery FAILED (the run goes on; the pages and packs are published): {outcome.error}")
    metadata = {
        "mode": cfg.mode,
        "delivered": bool(outcome.delivered),
        "outcome": outcome.line,
        "subject": message["Subject"],
        "attachments": ", ".join(delivery.attachment_names(message)) or "none",
        "summary": dg.MetadataValue.md(f"```\n{delivery.body_text(message)}\n```"),
    }
    if outcome.errors:
        metadata["error"] = outcome.error
    if cfg.uses_smtp:
        metadata["recipients"] = dg.MetadataValue.int(outcome.recipients)
        metadata["smtp_server"] = f"{cfg.smtp_host}:{cfg.smtp_port}"
    if outcome.path:
        metadata["path"] = dg.MetadataValue.path(str(outcome.path))
    check = dg.AssetCheckResult(
        check_name="delivered",
        passed=bool(outcome.delivered),
        severity=dg.AssetCheckSeverity.WARN,
        description=outcome.line if outcome.delivered else outcome.error,
        metadata={"mode": cfg.mode},
    )
    return dg.MaterializeResult(metadata=metadata, check_results=[check])


def delivery_line(result) -> str | None:
    """The run summary's line on delivery, from ``result`` (an in-process run's result): what was sent, the
    failure, or the dry run's file; None when delivery is off or did not run."""
    for event in result.all_events:
        if event.is_step_materialization and event.asset_key == DELIVERY_KEY:
            meta = event.step_materialization_data.materialization.metadata
            if meta["mode"].value == "off":
                return None
            return f"Delivery: {meta['outcome'].value}"
    return None
