"""Sensors: new or changed landing files start a refresh; failed runs reach someone."""

from __future__ import annotations

import hashlib
import json
import os
import urllib.request
from pathlib import Path

import dagster as dg

from assets.partitions import all_months, range_tags
from mentorship.contract import SOURCES
from mentorship.landing import file_month, file_sha256
from mentorship.settings import LANDING_SUFFIXES, Settings
from pipelines.jobs import full_refresh_job, validation_report_job


def _in_source_folder(landing: Path, path: Path) -> bool:
    """Whether ``path`` is a file or link directly in a source's folder, whatever its suffix: an extract
    saved as .xls, compressed or renamed starts a run too, which then reports it as not read."""
    return path.parent.parent == landing and path.parent.name in SOURCES and (path.is_symlink() or not path.is_dir())


def scan_landing(landing: Path, known: dict) -> tuple[dict, list[str]]:
    """The landing folder's files as {relative path: [size, mtime_ns, sha256]}, and the paths that are
    new or whose content changed since ``known``. A file whose size and modification time are unchanged
    is not re-read; a touched file with the same content is not a change."""
    now, changed = {}, []
    if not landing.is_dir():
        return now, changed
    entries = (
        p
        for p in landing.rglob("*")
        if not p.name.startswith(".")
        and not p.parent.name.startswith(".")
        and (p.suffix.lower() in LANDING_SUFFIXES or _in_source_folder(landing, p))
    )
    for path in sorted(entries):
        rel = path.relative_to(landing).as_posix()
        if not path.is_file():
            # A dangling link, a link to a folder, a folder named like a file: a change that starts a run,
            # which then blocks the source naming the entry (the month must not vanish unnoticed).
            try:
                st = path.lstat()
            except OSError:
                continue  # gone since the listing
            now[rel] = [-1, st.st_mtime_ns, "not a readable file"]
            if rel not in known or known[rel][2] != now[rel][2]:
                changed.append(rel)
            continue
        try:
            st = path.stat()
        except OSError:
            continue
        old = known.get(rel)
        if old and old[0] == st.st_size and old[1] == st.st_mtime_ns:
            now[rel] = old
            continue
        try:
            digest = file_sha256(path)  # the hash the load uses to spot a re-sent file
        except OSError:
            digest = "not a readable file"
        now[rel] = [st.st_size, st.st_mtime_ns, digest]
        if not old or old[2] != digest:
            changed.append(rel)
    return now, changed


def refresh_request(
    changed: list[str], repository: dg.RepositoryDefinition
) -> tuple[list[dg.AssetKey] | None, dict[str, str]]:
    """What a change in the landing folder re-runs: (asset selection, partition range tags).

    A changed monthly file re-loads its source's months, from the earliest to the latest changed;
    a changed snapshot file (employees, pairs, items) re-loads that source. Monthly sources without a
    changed file are not re-loaded, and everything downstream of the raw layer is rebuilt. A changed
    mapping, or a monthly file without a month in its name, re-loads every month (the raw asset then
    reports the misnamed file). The asset graph and the months come from ``repository``, the code
    location the sensor runs in.
    """
    monthly_source = next(s for s, src in SOURCES.items() if src.monthly)
    every_month = all_months(repository.asset_graph.get(dg.AssetKey(f"raw_{monthly_source}")).partitions_def)
    by_source: dict[str, set] = {}
    for rel in changed:
        source, _, name = rel.partition("/")
        if source in SOURCES and SOURCES[source].monthly:
            by_source.setdefault(source, set()).add(file_month(name))
        elif source in SOURCES:
            by_source.setdefault(source, set())
        else:  # the mapping file, or something outside the source folders
            return None, range_tags(*every_month)
    months = set().union(*by_source.values()) if by_source else set()
    if None in months:
        tags = range_tags(*every_month)
    elif months:
        tags = range_tags(min(months), max(months))
    else:
        tags = {}
    skip = {f"raw_{s}" for s, src in SOURCES.items() if src.monthly and s not in by_source}
    selection = [
        k for k in full_refresh_job.selection.resolve(repository.asset_graph) if k.to_user_string() not in skip
    ]
    return selection, tags


@dg.sensor(
    job=full_refresh_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a refresh when files in the landing folder are new or their content changed: it "
    "re-loads the changed sources (for monthly sources, the months changed) and rebuilds "
    "everything downstream. The run key is the hash of those files' names and contents, so an "
    "unchanged file never starts a run twice.",
)
def landing_files_sensor(context: dg.SensorEvaluationContext):
    landing = Settings.from_env().landing_dir
    known = json.loads(context.cursor) if context.cursor else {}
    now, changed = scan_landing(landing, known)
    if not changed:
        context.update_cursor(json.dumps(now))
        return dg.SkipReason(f"no new or changed files in {landing}")
    key = hashlib.sha256("\n".join(f"{p}:{now[p][2]}" for p in changed).encode()).hexdigest()[:32]
    selection, tags = refresh_request(changed, context.repository_def)
    context.update_cursor(json.dumps(now))
    return dg.RunRequest(
        run_key=key,
        asset_selection=selection,
        tags={**tags, "mentorship/trigger": "landing_files", "mentorship/files": ", ".join(changed)[:2000]},
    )


def notify_failure(message: str, url: str | None, timeout: float = 10.0) -> int | None:
    """POST the failure message as JSON ({"text": ...}, which Slack and Teams incoming webhooks accept)."""
    if not url:
        return None
    req = urllib.request.Request(
        url, data=json.dumps({"text": message}).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Logs every failed run in one clear line and, when MENTORSHIP_WEBHOOK_URL is set, posts it there.",
)
def run_failure_notice(context: dg.RunFailureSensorContext):
    run = context.dagster_run
    failed = sorted({e.step_key for e in context.get_step_failure_events() if e.step_key})
    error = context.failure_event.message or ""
    message = (
        f"Mentorship pipeline run {run.run_id[:8]} ({run.job_name}) FAILED"
        f"{' at ' + ', '.join(failed) if failed else ''}: {error[:500]}"
    )
    context.log.error(message)
    # Straight from the environment: a run refused for a bad setting must still be reported.
    url = os.environ.get("MENTORSHIP_WEBHOOK_URL")
    if url:
        try:
            notify_failure(message, url)
        except OSError as e:
            context.log.error(f"could not post the failure notice to the webhook: {e}")


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    request_job=validation_report_job,
    description="After a run that failed in the raw or validated layer (bad input), rewrites the validation "
    "report, which that run never reached: the report then shows what failed. Needs the daemon, as every "
    "sensor does; `make run` does the same itself.",
)
def blocked_run_report(context: dg.RunFailureSensorContext):
    run = context.dagster_run
    steps = {e.step_key for e in context.get_step_failure_events() if e.step_key}
    if any(k.startswith(("raw_", "validated_")) for k in steps):
        return dg.RunRequest(run_key=f"validation_report:{run.run_id}")
    return dg.SkipReason(f"run {run.run_id[:8]} did not fail in the raw or validated layer")
