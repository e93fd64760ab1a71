"""The ``generate`` entry point: simulate the organisation, write the extracts and the survey waves,
then the truth file, reporting progress on the way."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from mentorship.synthetic.config import SyntheticConfig
from mentorship.synthetic.extracts import _write_extracts
from mentorship.synthetic.simulation import _new_sim, _simulate
from mentorship.synthetic.surveys import _surveys
from mentorship.synthetic.truth import _truth


class _Progress:
    """The generator's progress: months simulated, then extracts and survey waves written. A bar on a
    terminal (``mentorship.progress``), elsewhere a timed line per milestone."""

    def __init__(self, enabled: bool, total: int = 0):
        self.enabled = enabled
        self.t0 = time.perf_counter()
        self.bar = None
        from mentorship.progress import Progress, progress_mode

        if enabled and progress_mode() == "bar":
            self.bar = Progress("generating the organisation", total=total, unit="steps", every=float("inf"))

    def __call__(self, msg: str):
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar._bar.set_postfix_str(msg.strip(), refresh=True)
        else:
            print(f"[generate {time.perf_counter() - self.t0:6.1f}s] {msg}", file=sys.stderr, flush=True)

    def step(self, n: int = 1):
        if self.bar is not None:
            self.bar.advance(n)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def generate(
    out_dir: str | Path,
    config: SyntheticConfig | None = None,
    truth_path: str | Path | None = None,
    progress: bool = False,
) -> dict:
    """Generate the organisation into ``out_dir/<source>/`` and return the truth dict.

    ``truth_path`` (default ``out_dir/../truth/planted_truth.json``) receives the truth as JSON; it
    must live outside the landing folder so the pipeline never reads it.
    """
    cfg = config or SyntheticConfig()
    cfg.check()
    out = Path(out_dir)
    say = _Progress(progress, total=12 * cfg.years + 2)
    sim = _new_sim(cfg)
    _simulate(sim, say)

    n = sim.people.n
    ids = np.array([f"E{i + 1:07d}" for i in range(n)])
    say.step()
    say("writing extracts")
    written = _write_extracts(sim, out, ids)
    say("drawing survey waves")
    survey_truth_rows, n_resp = _surveys(sim, out, ids, say)
    written["survey_responses"] = n_resp

    truth = _truth(sim, survey_truth_rows)
    truth["rows_written"] = written
    tpath = Path(truth_path) if truth_path else out.parent / "truth" / "planted_truth.json"
    tpath.parent.mkdir(parents=True, exist_ok=True)
    tpath.write_text(json.dumps(truth, indent=2, default=float))
    say.step()
    say(
        f"done: {n:,} people, {written['job_history']:,} job rows, {written['meetings']:,} meetings, "
        f"{n_resp:,} survey rows"
    )
    say.close()
    return truth
