"""The Great Expectations side: the contract's suites, one GX context per process (warmed up in the
background, since the import takes seconds), and a suite run on one chunk of prepared rows."""

from __future__ import annotations

import threading
from functools import cache

import numpy as np
import pandas as pd

from mentorship.contract import SOURCES


def build_suite(source: str):
    """The source's contract as a ``great_expectations.ExpectationSuite``.

    Each expectation's ``meta`` carries the quarantine rule name, the contract column and the
    plain-language meaning, which the report and the data contract's tables repeat.
    """
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
    from great_expectations.expectations.row_conditions import Column as Col

    _gx()  # a suite needs an active context before expectations can be added
    suite = gx.ExpectationSuite(name=f"mentorship_contract.{source}")
    for i, rule in enumerate(SOURCES[source].rules):
        kwargs = {k: v for k, v in rule.kwargs.items() if not (k in ("min_value", "max_value") and v is None)}
        if rule.when:
            kwargs["row_condition"] = Col(rule.when[0]).is_not_null()
        config = ExpectationConfiguration(
            type=rule.expectation,
            kwargs=kwargs,
            meta={"rule": rule.name, "column": rule.column, "meaning": rule.meaning, "index": i},
        )
        suite.add_expectation(config.to_domain_obj())
    return suite


_GX_LOCK = threading.Lock()


_WARM_UP: list[threading.Thread] = []
_WARM_UP_LOCK = threading.Lock()


def warm_up() -> threading.Thread:
    """Import Great Expectations and build its context in a background thread, once per process: the
    import takes seconds, and a run can spend them reading the landing files (DuckDB works outside
    Python's lock) rather than waiting for them at the first validated source."""
    with _WARM_UP_LOCK:
        if not _WARM_UP:
            _WARM_UP.append(threading.Thread(target=_gx, name="gx-warm-up", daemon=True))
            _WARM_UP[0].start()
    return _WARM_UP[0]


def _gx():
    with _GX_LOCK:  # one context, whichever thread asks first
        return _gx_context()


@cache
def _gx_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("landing")
        .add_dataframe_asset("chunk")
        .add_batch_definition_whole_dataframe("whole chunk")
    )
    return context, batch


def _run_suite(suite, frame: pd.DataFrame) -> list:
    context, batch_definition = _gx()
    suite = context.suites.add_or_update(suite)
    result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
        suite,
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": ["_rid"],
            "return_unexpected_index_query": False,
        },
    )
    return result.results


@cache
def _suite(source_name: str):
    return build_suite(source_name)


def check_chunk(source_name: str, frame: pd.DataFrame) -> list[tuple[int, int, np.ndarray, str | None]]:
    """The source's suite on one chunk: per expectation, (its index, rows checked, failing row ids,
    the error if it could not run)."""
    out = []
    for res in _run_suite(_suite(source_name), frame):
        info = res.exception_info or {}
        bad = res.result.get("unexpected_index_list") or []
        out.append(
            (
                res.expectation_config.meta["index"],
                int(res.result.get("element_count") or 0),
                np.fromiter((b["_rid"] for b in bad), dtype=np.int64, count=len(bad)),
                info.get("exception_message") if info.get("raised_exception") else None,
            )
        )
    return out
