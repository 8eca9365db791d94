"""The project's one date parser, on the spellings sites, titles and users write."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from corpus.dates import has_year, parse_bound, read_date


@pytest.mark.parametrize(
    ("text", "hints", "expected"),
    [
        ("09 March, 2023", {}, dt.date(2023, 3, 9)),
        (" (March 31, 2023)", {}, dt.date(2023, 3, 31)),
        ("Wednesday, January 11, 2023, 6:10 p.m. (Local Time) Washington, D.C., United States", {}, dt.date(2023, 1, 11)),
        ("03/04/2023", {}, dt.date(2023, 3, 4)),
        ("03/04/2023", {"dayfirst": True}, dt.date(2023, 4, 3)),
        ("20.08.2020", {"dayfirst": True}, dt.date(2020, 8, 20)),  # mid.ru
        ("30 September 2020", {"dayfirst": True}, dt.date(2020, 9, 30)),
        ("June11, 2018", {}, dt.date(2018, 6, 11)),  # an fmprc title
        (".../202301/t20230110_11004538.html", {"pattern": re.compile(r"/t(?P<date>\d{8})_")}, dt.date(2023, 1, 10)),
        ("Briefing (March 9)", {}, dt.date(1, 3, 9)),  # no year: year 1, for the caller to settle
        ("no date at all", {}, None),
        ("Briefing of March 3", {"pattern": re.compile(r"\d\d/\d\d/\d{4}")}, None),
        (None, {}, None),
    ],
)
def test_dates_as_sites_write_them(text, hints, expected):
    assert read_date(text, **hints) == expected


def test_a_date_without_its_year_is_told_apart():
    assert not has_year(read_date("September 10")) and has_year(read_date("September 10, 2018")) and not has_year(None)


def test_option_bounds_are_iso_dates_and_errors_name_the_option():
    assert parse_bound("2019-01-01", "since") == dt.date(2019, 1, 1)
    assert parse_bound(None, "since") is None
    with pytest.raises(ValueError, match=r"--until 'yesterday' is not a date \(use YYYY-MM-DD\)"):
        parse_bound("yesterday", "until")
