"""Progress of a long step: how much is done of how much, the time taken and the time left.

On a terminal it is a bar (tqdm) redrawn in place on standard error; anywhere else (a log file, CI, a
pipe) it is a plain line at most every ``every`` seconds and at the end. Given a logger (Dagster's
``context.log``), the same lines go to the run log, so the UI shows them too: at INFO where there is
no bar, at DEBUG under a bar, so the terminal does not show both. ``MENTORSHIP_PROGRESS=lines`` forces
plain lines, ``off`` silences the standard-error output (the run log keeps its lines).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"


def progress_mode(stream=None) -> str:
    """ "bar" on a terminal, "lines" elsewhere, unless ``MENTORSHIP_PROGRESS`` says otherwise."""
    mode = os.environ.get("MENTORSHIP_PROGRESS", "auto")
    if mode == "auto":
        stream = stream if stream is not None else sys.stderr
        mode = "bar" if getattr(stream, "isatty", lambda: False)() else "lines"
    return mode


class Progress:
    """``Progress(label, total, unit)``; ``advance(n, note)`` as work finishes; ``close()`` at the end
    (or use it as a context manager). ``total`` may be None when the amount is not known in advance."""

    def __init__(
        self,
        label: str,
        total: float | None = None,
        unit: str = "",
        log=None,
        every: float = 10.0,
        stream=None,
        mode: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.label, self.total, self.unit, self.log, self.every = label, total, unit, log, every
        self.stream = stream if stream is not None else sys.stderr
        self.mode = mode = mode or progress_mode(self.stream)
        self.clock = clock
        self.done = 0.0
        self.start = clock()
        self._last_line = self.start
        self._bar = None
        self._closed = False
        if mode == "bar":
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                desc=label,
                unit=f" {unit}" if unit else "it",
                file=self.stream,
                dynamic_ncols=True,
                leave=True,
                mininterval=0.5,
            )
        self._emit(self._line("started"))

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def elapsed(self) -> float:
        return self.clock() - self.start

    def remaining(self) -> float | None:
        """Seconds left at the rate so far; None before anything is done or without a total."""
        if not self.total or self.done <= 0:
            return None
        return self.elapsed * (self.total - self.done) / self.done

    def _line(self, note: str = "") -> str:
        amount = (
            f"{self.done:,.0f}"
            + (f" of {self.total:,.0f}" if self.total else "")
            + (f" {self.unit}" if self.unit else "")
        )
        parts = [f"{self.label}: {amount}", f"{_clock(self.elapsed)} elapsed"]
        left = self.remaining()
        if left is not None and self.done < (self.total or 0):
            parts.append(f"about {_clock(left)} left")
        return ", ".join(parts) + (f" ({note})" if note else "")

    def advance(self, n: float = 1, note: str = "") -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
            if note:
                self._bar.set_postfix_str(note, refresh=False)
        now = self.clock()
        if now - self._last_line >= self.every:
            self._emit(self._line(note))

    def _emit(self, line: str) -> None:
        self._last_line = self.clock()
        if self.log is not None:
            (self.log.debug if self._bar is not None else self.log.info)(line)
        elif self.mode == "lines":
            print(line, file=self.stream, flush=True)

    def close(self, note: str = "done") -> None:
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.close()
        self._emit(self._line(note))
