"""Progress lines and bars: done of total, time taken and left, to the terminal or the run log."""

from __future__ import annotations

import io

import pytest

from mentorship.progress import Progress, progress_mode


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Log:
    def __init__(self):
        self.info_lines, self.debug_lines = [], []

    def info(self, line):
        self.info_lines.append(line)

    def debug(self, line):
        self.debug_lines.append(line)


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_say_done_of_total_elapsed_and_left():
    clock, out = Clock(), io.StringIO()
    p = Progress("mentee effects", total=100, unit="estimates", every=10, stream=out, clock=clock)
    clock.now += 20
    p.advance(25)
    clock.now += 1  # under `every` since the last line: no new line
    p.advance(5)
    p.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "mentee effects: 0 of 100 estimates, 0 s elapsed (started)"
    # 25 done in 20 s: 75 left at the same rate is 60 s
    assert lines[1] == "mentee effects: 25 of 100 estimates, 20 s elapsed, about 1:00 left"
    assert lines[2] == "mentee effects: 30 of 100 estimates, 21 s elapsed, about 49 s left (done)"
    assert len(lines) == 3


def test_a_logger_gets_the_lines_at_info_without_a_bar_and_at_debug_under_one():
    clock, log = Clock(), Log()
    p = Progress("validating meetings", total=10, unit="rows", log=log, stream=io.StringIO(), clock=clock, every=0)
    p.advance(10)
    p.close()
    assert log.info_lines[-1].startswith("validating meetings: 10 of 10 rows") and not log.debug_lines

    tty, log = Tty(), Log()
    p = Progress("validating meetings", total=10, unit="rows", log=log, stream=tty, clock=clock, every=0)
    assert p.mode == "bar"
    p.advance(10)
    p.close()
    assert not log.info_lines and log.debug_lines[-1].startswith("validating meetings: 10 of 10 rows")
    assert "10/10" in tty.getvalue()  # the bar itself, drawn on the terminal


def test_the_mode_follows_the_terminal_unless_the_environment_says(monkeypatch):
    monkeypatch.delenv("MENTORSHIP_PROGRESS", raising=False)
    assert progress_mode(Tty()) == "bar" and progress_mode(io.StringIO()) == "lines"
    monkeypatch.setenv("MENTORSHIP_PROGRESS", "lines")
    assert progress_mode(Tty()) == "lines"
    monkeypatch.setenv("MENTORSHIP_PROGRESS", "off")
    out = io.StringIO()
    with Progress("quiet", total=3, stream=out) as p:
        p.advance(3)
    assert out.getvalue() == ""


@pytest.mark.parametrize("total", [None, 0])
def test_without_a_total_nothing_is_promised(total):
    clock, out = Clock(), io.StringIO()
    p = Progress("reading", total=total, unit="files", stream=out, clock=clock, every=0)
    clock.now += 5
    p.advance(2)
    assert p.remaining() is None
    assert out.getvalue().splitlines()[-1] == "reading: 2 files, 5 s elapsed"
