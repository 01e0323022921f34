"""Date and time functions ([FN] Date and time functions) against figures Stata published:
the help for date() (two-digit years with topyear), the Stata FAQ "Creating date variables",
the UCLA and FSU date modules (logs of Stata reading strings in many forms); and the calendar
parts against numpy's datetime64, which nobody here wrote."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


def value(s: Session, expr: str) -> float:
    run(s, f"scalar __v = {expr}")
    return s.scalars["__v"]


@pytest.fixture
def s() -> Session:
    return Session()


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # Stata 15 help for date: topyear
        ('date("1/15/08","MDY",1999)', "15jan1908"),
        ('date("1/15/08","MDY",2019)', "15jan2008"),
        ('date("1/15/51","MDY",2000)', "15jan1951"),
        ('date("1/15/50","MDY",2000)', "15jan1950"),
        ('date("1/15/49","MDY",2000)', "15jan1949"),
        ('date("1/15/01","MDY",2050)', "15jan2001"),
        ('date("1/15/00","MDY",2050)', "15jan2000"),
        ('date("11/15/91","MD19Y")', "15nov1991"),
    ],
)
def test_two_digit_years(s, expr, expected) -> None:
    run(s, f"scalar __v = {expr}")
    assert run(s, "display %td __v").strip() == expected


@pytest.mark.parametrize(
    ("text", "mask", "days"),
    [
        # Stata FAQ "Creating date variables" (Alan Riley)
        ("7-11-1948", "MDY", -4191),
        ("11-7-1948", "DMY", -4191),
        ("11.2.1994", "MDY", 12724),
        ("2.11.1994", "DMY", 12724),
        ("Sept11, 1994", "MDY", 12672),
        ("11Sept1994", "DMY", 12672),
        ("November 13, 1995", "MDY", 13100),
        ("12 November 1995", "DMY", 13099),  # the FAQ's 13100 pairs it with 13nov: a typo
        # FSU's module: Stata's listing of date(bday, "mdy")
        ("7-11-1995", "MDY", 12975),
        ("1/21/1962", "MDY", 751),
        ("11.2.1952", "MDY", -2616),
        ("Sept 18, 1995", "MDY", 13044),
        ("Jun20,1997", "MDY", 13685),
        ("January 1 2000", "MDY", 14610),
        ("4/12.1990", "MDY", 11059),
        ("3/22/68", "MDY", None),  # a two-digit year without a century
        # UCLA's module
        ("1 Jan 1960", "DMY", 0),
        ("11 Jul 1955", "DMY", -1635),
        ("12 Nov 1962", "DMY", 1046),
        ("8 Jun 1959", "DMY", -207),
        # no separators; impossible dates
        ("20200115", "YMD", 21929),
        ("31feb2020", "DMY", None),
        ("garbage", "DMY", None),
    ],
)
def test_date_reads_strings_as_stata(s, text, mask, days) -> None:
    v = value(s, f'date("{text}", "{mask}")')
    assert math.isnan(v) if days is None else v == days, (text, v)


def test_mdy_and_literals(s) -> None:
    assert value(s, "mdy(7, 11, 1948)") == -4191  # the FAQ's mdy() listing
    assert value(s, "mdy(11, 2, 1994)") == 12724
    assert value(s, "mdy(12, 24, 100)") == -678993  # Nick Cox on Statalist
    assert math.isnan(value(s, "mdy(12, 24, 99)"))
    assert value(s, "td(15jan2020)") == value(s, 'date("2020-01-15", "YMD")') == 21929
    assert value(s, "tm(1960m1)") == value(s, "tq(1960q1)") == value(s, "tc(01jan1960)") == 0
    assert value(s, "tm(2020m3)") == value(s, "ym(2020, 3)") == 722
    assert value(s, "tc(02jan1960 01:00:01)") == 86_400_000 + 3_601_000
    assert fails(s, "display td(32jan2020)") == ("td(32jan2020) invalid: not a valid date", 198)
    assert fails(s, 'display date(1, "DMY")')[1] == 109


def test_calendar_parts_against_numpy(s) -> None:
    run(s, "set obs 4000\ngenerate d = -200000 + 173 * _n")
    for f in ("year", "month", "day", "dow", "doy", "quarter", "halfyear", "week"):
        run(s, f"generate double {f} = {f}(d)")
    d = np.arange(1, 4001) * 173 - 200000
    t = np.datetime64("1960-01-01") + d.astype("timedelta64[D]")
    year = t.astype("datetime64[Y]").astype(int) + 1970
    month = t.astype("datetime64[M]").astype(int) % 12 + 1
    day = (t - t.astype("datetime64[M]")).astype(int) + 1
    doy = (t - t.astype("datetime64[Y]")).astype(int) + 1
    dow = (d + 5) % 7  # 01jan1960 was a Friday; Stata's dow() is 0 on Sunday
    assert np.array_equal(s.data.values("year"), year)
    assert np.array_equal(s.data.values("month"), month)
    assert np.array_equal(s.data.values("day"), day)
    assert np.array_equal(s.data.values("doy"), doy)
    assert np.array_equal(s.data.values("dow"), dow)
    assert np.array_equal(s.data.values("quarter"), (month - 1) // 3 + 1)
    assert np.array_equal(s.data.values("halfyear"), (month - 1) // 6 + 1)
    assert np.array_equal(s.data.values("week"), np.minimum((doy - 1) // 7 + 1, 52))


def test_periods_and_times(s) -> None:
    d = value(s, "td(15may2020)")
    assert value(s, f"mofd({d})") == value(s, "tm(2020m5)")
    assert value(s, f"qofd({d})") == value(s, "tq(2020q2)")
    assert value(s, f"hofd({d})") == value(s, "th(2020h1)")
    assert value(s, f"wofd({d})") == value(s, "yw(2020, 20)")  # day 136: week 20
    assert value(s, "dofm(tm(2020m5))") == value(s, "td(01may2020)")
    assert value(s, "dofq(tq(2020q2))") == value(s, "td(01apr2020)")
    assert value(s, "dofw(tw(2020w52))") == value(s, "td(23dec2020)")
    assert value(s, 'monthly("2020m5", "YM")') == value(s, 'monthly("may 2020", "MY")')
    assert value(s, 'quarterly("2020q2", "YQ")') == value(s, "tq(2020q2)")
    assert value(s, 'yearly("2020", "Y")') == 2020
    c = value(s, 'clock("15may2020 13:45:30.25", "DMYhms")')
    assert c == value(s, "mdyhms(5, 15, 2020, 13, 45, 30.25)")
    assert (value(s, f"hh({c})"), value(s, f"mm({c})"), value(s, f"ss({c})")) == (13, 45, 30.25)
    assert value(s, f"dofc({c})") == d and value(s, f"cofd({d})") == d * 86_400_000
    assert value(s, 'clock("2020-05-15 1:45pm", "YMDhm")') == value(s, "tc(15may2020 13:45)")
    assert value(s, 'clock("13:45", "hm")') == value(s, "hms(13, 45, 0)")
    assert value(s, "hours(msofhours(2.5))") == 2.5
    assert (value(s, "isleapyear(2000)"), value(s, "isleapyear(1900)")) == (1, 0)
    assert value(s, "daysinmonth(td(10feb2024))") == 29
    assert value(s, "lastdayofmonth(td(10feb2023))") == value(s, "td(28feb2023)")
    # age(): a 29feb birthday ages on 01mar in common years (Stata's default)
    assert value(s, "age(td(29feb2000), td(28feb2021))") == 20
    assert value(s, "age(td(29feb2000), td(01mar2021))") == 21
