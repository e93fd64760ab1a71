"""The console logger of the headless run (``python -m pipelines.cli run``).

Dagster's coloured console logger, with one change: a run blocked by bad input prints no stack trace.
When a blocking asset check fails (``raw_<source>``'s files_usable, ``validated_<source>``'s
reject_share, ...), Dagster fails the step with a DagsterAssetCheckFailedError and logs it twice, on the
step's failure and on the run's, each time with a "Stack Trace" of Dagster's own code: nothing an
analyst can act on, above the one-screen summary the CLI prints at the end (which names the source, the
file, the rule and the report). Here those two lines stay, each on one line, naming the check, and
the "Dependencies for step ... Not executing." line of every downstream step is left to the UI.

What is left as it is:

* the event log in storage, so the UI (``make ui``) shows every event with its full error and stack;
  this logger only formats what reaches the terminal, after the event has been stored;
* a genuine crash, an unexpected exception in an asset: its step failure keeps the whole Python
  traceback on the console (and in the UI), since that is what someone fixing the code needs. Only the
  run failure after it is shortened, because it repeats the same error and traceback word for word.
"""

from __future__ import annotations

import logging
import re

import dagster as dg

#: Dagster's line for each step not run because an upstream step failed: the UI keeps them.
_SKIPPED = re.compile(r"Dependencies for step \S+ (failed|were not executed).*Not executing\.", re.S)

#: The error Dagster raises when a blocking asset check fails: the input, not the code, is at fault.
BLOCKED = "DagsterAssetCheckFailedError"


def blocked_checks(error) -> list[str] | None:
    """The failing blocking checks (``asset: check``) a step or run error names, or None when the error
    is not a blocking check's failure (a crash, a resource refusing its settings, ...)."""
    if error is None or error.cls_name != BLOCKED:
        return None
    return [line.strip() for line in error.message.strip().splitlines()[1:] if line.strip()]


class BlockedRunConsoleFilter(logging.Filter):
    """Rewrites the console line of a step or run failure caused by a blocking check (and of a run
    failure that only repeats a step's error) to the event's one-line message, without the error text
    and stack that Dagster appends. The record is the console logger's own copy: storage has its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and _SKIPPED.search(record.msg):
            return False  # one line per downstream step; the run's summary says they did not run
        event = getattr(record, "dagster_event", None)
        if event is None or not (event.is_step_failure or event.is_run_failure):
            return True
        data = event.event_specific_data
        error = getattr(data, "error", None)
        if error is None or not isinstance(record.msg, str):
            return True
        head = record.msg.partition("\n\n")[0]  # Dagster appends the error after a blank line
        checks = blocked_checks(error)
        if checks is not None:
            record.msg = (
                f"{head} Blocked by bad input: the blocking check {', '.join(checks)} failed; "
                f"the validation summary follows at the end of the run."
            )
        elif event.is_run_failure and getattr(data, "first_step_failure_event", None) is not None:
            record.msg = f"{head} The step's error and traceback are above."
        return True


@dg.logger(
    config_schema={
        "log_level": dg.Field(str, is_required=False, default_value="INFO", description="The logger's threshold."),
        "name": dg.Field(str, is_required=False, default_value="dagster", description="The logger's name."),
    },
    description="Dagster's coloured console logger, without stack traces for runs blocked by a failing check.",
)
def cli_console_logger(init_context) -> logging.Logger:
    log = dg.colored_console_logger.logger_fn(init_context)
    log.addFilter(BlockedRunConsoleFilter())
    return log
