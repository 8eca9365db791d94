"""Progress of long work, readable on a terminal and in a log.

On a terminal it is a tqdm bar. When the output is a file, a pipe or a CI log, a bar's
carriage-return updates would pile up into one line of thousands; there it writes a few
plain lines instead: one when the work starts, one at each tenth done (at most one a
`LINE_EVERY_S`), and one at the end with the time taken and the rate. Work of unknown
size writes a line at most every `LINE_EVERY_S` seconds.

It lives in corpus/ because both sides of the corpus show progress: the crawlers and the
analysis.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

LINE_EVERY_S = 30.0  # a log gets a line at each tenth, but never two within this many seconds
UNKNOWN_TOTAL_EVERY_S = 60.0


def progress(total: int | None, desc: str, unit: str, enabled: bool = True, stream: TextIO | None = None):
    """A progress reporter with tqdm's `update(n)`, `set_postfix_str(s)` and `close()`."""
    stream = stream if stream is not None else sys.stderr
    if not enabled:
        return Silent()
    if _is_terminal(stream):
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, unit=unit, file=stream)
    return LogLines(total, desc, unit, stream)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def duration(seconds: float) -> str:
    """4s, 3m05s, 1h02m."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Silent:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LogLines:
    """A few plain lines: start, each tenth done (rate-limited), end."""

    def __init__(self, total: int | None, desc: str, unit: str, stream: TextIO, clock=time.monotonic):
        self.total, self.desc, self.unit, self.stream, self.clock = total, desc, unit, stream, clock
        self.n = 0
        self.postfix = ""
        self.start = self.last_line = clock()
        self.next_tenth = 1
        self.closed = False
        size = f"{total:,} {unit}s to do" if total is not None else "started"
        self._write(f"{desc}: {size}")

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        self.postfix = text

    def _status(self) -> str:
        elapsed = self.clock() - self.start
        rate = self.n / elapsed if elapsed > 0 else 0.0
        if self.total:
            left = (self.total - self.n) / rate if rate > 0 else None
            line = f"{self.desc}: {self.n:,}/{self.total:,} {self.unit}s ({100 * self.n / self.total:.0f}%)"
            line += f", {rate:.1f} {self.unit}s/s, {duration(elapsed)} so far"
            if left is not None and self.n < self.total:
                line += f", about {duration(left)} left"
        else:
            line = f"{self.desc}: {self.n:,} {self.unit}s, {rate:.1f} {self.unit}s/s, {duration(elapsed)} so far"
        return line + (f"; {self.postfix}" if self.postfix else "")

    def update(self, n: int = 1) -> None:
        self.n += n
        now = self.clock()
        if self.total:
            tenth = 10 * self.n // self.total
            if tenth >= self.next_tenth and self.n < self.total and now - self.last_line >= LINE_EVERY_S:
                self._write(self._status())
                self.last_line = now
                self.next_tenth = tenth + 1
        elif now - self.last_line >= UNKNOWN_TOTAL_EVERY_S:
            self._write(self._status())
            self.last_line = now

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        elapsed = self.clock() - self.start
        rate = f", {self.n / elapsed:.1f} {self.unit}s/s" if elapsed > 0 else ""
        line = f"{self.desc}: {self.n:,} {self.unit}s in {duration(elapsed)}{rate}"
        self._write(line + (f"; {self.postfix}" if self.postfix else ""))

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
