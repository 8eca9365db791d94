"""Progress in a log: a few plain lines with counts, rates and time left, never a bar's updates."""

from __future__ import annotations

import io

from corpus.progress import LogLines, duration, progress


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_log_gets_a_line_per_tenth_at_most_every_thirty_seconds():
    stream, clock = io.StringIO(), Clock()
    bar = LogLines(9654, "reading", "segment", stream, clock=clock)
    for _ in range(9654):
        clock.now += 0.1  # 10 segments/s: 965 s in all, a tenth every 96 s
        bar.update(1)
    bar.set_postfix_str("120 texts embedded")
    bar.close()
    bar.close()  # closing twice writes nothing more
    lines = stream.getvalue().splitlines()
    assert lines[0] == "reading: 9,654 segments to do"
    assert lines[1].startswith("reading: 966/9,654 segments (10%), 10.0 segments/s, 1m37s so far, about 14m")
    assert len(lines) == 1 + 9 + 1
    assert lines[-1] == "reading: 9,654 segments in 16m05s, 10.0 segments/s; 120 texts embedded"
    assert "\r" not in stream.getvalue()


def test_fast_work_writes_only_its_start_and_end():
    stream, clock = io.StringIO(), Clock()
    bar = LogLines(1000, "embedding", "text", stream, clock=clock)
    for _ in range(10):
        clock.now += 1.0
        bar.update(100)
    bar.close()
    assert stream.getvalue().splitlines() == ["embedding: 1,000 texts to do", "embedding: 1,000 texts in 10s, 100.0 texts/s"]


def test_a_terminal_gets_a_bar_and_disabled_progress_nothing():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    bar = progress(10, "reading", "segment", stream=terminal)
    bar.update(10)
    bar.close()
    assert "\r" in terminal.getvalue() and "10/10" in terminal.getvalue()
    quiet = io.StringIO()
    silent = progress(10, "reading", "segment", enabled=False, stream=quiet)
    silent.update(10)
    silent.close()
    assert quiet.getvalue() == ""


def test_durations_read_as_people_write_them():
    assert [duration(s) for s in (4.2, 185, 3725)] == ["4s", "3m05s", "1h02m"]
