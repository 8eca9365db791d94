"""The project's one date parser: dates as sites, titles, files and users write them.

Everything that reads a date -- spiders (titles, list items, date lines, URLs), the
command's --since/--until options, exports -- reads it here, with dateutil underneath.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings

from dateutil import parser as date_parser

NO_YEAR = 1  # the year of a date whose text states none ("September 10"): callers decide

_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_HAS_YEAR = re.compile(r"\d{4}|\d{1,2}[./-]\d{1,2}[./-]\d{2}\b")
_BRACKETS = re.compile(r"[()\[\]{}]")
_GLUED = re.compile(r"([A-Za-z])(\d)")  # "June11, 2018"
# "2019年1月24日" (Chinese pages), "1月24日" without its year: rewritten for dateutil.
_CJK_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DEFAULT = dt.datetime(2000, 1, 1)


def read_date(
    text: str | None,
    *,
    dayfirst: bool = False,
    yearfirst: bool = False,
    pattern: re.Pattern | None = None,
) -> dt.date | None:
    """The date in a text, or None; year NO_YEAR (1) when the text gives a day and month only.

    `pattern` first cuts the date out of a longer text (its group "date", else its first
    group, else the whole match). Untidy spellings are read: "June11, 2018", "(March 31,
    2023)", "Wednesday, January 11, 2023, 6:10 p.m. ... D.C.", "20.08.2020" (with
    dayfirst), "20230110", "2019年1月24日外交部发言人..." (Chinese titles). A year in the text
    that dateutil did not use means it was fooled, and gives None rather than a wrong date.
    """
    if not text:
        return None
    if pattern is not None:
        match = pattern.search(text)
        if not match:
            return None
        text = match.group("date") if "date" in pattern.groupindex else match.group(1 if pattern.groups else 0)
    if chinese := _CJK_DATE.search(text):
        year, month, day = chinese.groups()
        if not 1 <= int(month) <= 12:
            return None
        text = f"{_MONTHS[int(month) - 1]} {int(day)}" + (f", {year}" if year else "")
    text = _GLUED.sub(r"\1 \2", _BRACKETS.sub(" ", text))
    try:
        with warnings.catch_warnings():  # "D.C." in a date line reads as an unknown time zone
            warnings.simplefilter("ignore", date_parser.UnknownTimezoneWarning)
            parsed = date_parser.parse(text, dayfirst=dayfirst, yearfirst=yearfirst, fuzzy=True, default=_DEFAULT).date()
    except (ValueError, OverflowError):
        return None
    years = {int(year) for year in _YEAR.findall(text)}
    if years and parsed.year not in years:
        return None
    return parsed if _HAS_YEAR.search(text) else parsed.replace(year=NO_YEAR)


def has_year(date: dt.date | None) -> bool:
    return date is not None and date.year != NO_YEAR


def parse_bound(value: str | dt.date | None, name: str) -> dt.date | None:
    """A --since/--until value: an ISO date (YYYY-MM-DD), checked; the message names the option."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--{name} {value!r} is not a date (use YYYY-MM-DD)") from None
