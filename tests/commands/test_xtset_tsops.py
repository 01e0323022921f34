"""``xtset``/``tsset`` ([XT] xtset, [TS] tsset) and the time-series operators ``L.``, ``F.``,
``D.``, ``S.`` in expressions ([U] 11.4.4), checked against pandas' groupby-shift of the same
panel data (by time, so gaps give missing values)."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run


@pytest.fixture
def panel(session: Session) -> Session:
    s = session
    run(s, "use sleepstudy")  # 18 subjects, days 0-9
    return s


def _shifted(s: Session, var: str, k: int) -> np.ndarray:
    """x at time t - k within the subject, by time (pandas)."""
    df = s.data.to_dataframe()[["Subject", "Days", var]]
    look = df.set_index(["Subject", "Days"])[var]
    keys = list(zip(df["Subject"], df["Days"] - k))
    return np.array([look.get(key, np.nan) for key in keys], dtype=float)


def test_xtset_reports_and_sorts(panel: Session) -> None:
    s = panel
    run(s, "gsort -Days")
    out = run(s, "xtset Subject Days")
    assert out.splitlines() == [
        "",
        "Panel variable: Subject (strongly balanced)",
        " Time variable: Days, 0 to 9",
        "         Delta: 1 unit",
    ]
    assert s.data.sortedby == ("Subject", "Days")
    assert s.r["balanced"] == "strongly balanced" and s.r["tmax"] == 9
    run(s, "drop if Days == 4 & Subject == 308")
    out = run(s, "xtset")
    assert "(strongly balanced)" not in out and "0 to 9, but with a gap" in out
    out = run(s, "tsset Subject Days")
    assert "Panel variable: Subject (unbalanced)" in out


def test_operators_match_pandas(panel: Session) -> None:
    s = panel
    run(s, "drop if Days == 4 & Subject == 308")  # a gap: L. across it is missing
    run(s, "xtset Subject Days")
    run(s, "gen double l1 = L.Reaction\ngen double f2 = F2.Reaction")
    run(s, "gen double d1 = D.Reaction\ngen double ld = LD.Reaction\ngen double s2 = S2.Reaction")
    x = col(s, "Reaction")
    l1 = _shifted(s, "Reaction", 1)
    np.testing.assert_array_equal(col(s, "l1"), l1)
    np.testing.assert_array_equal(col(s, "f2"), _shifted(s, "Reaction", -2))
    np.testing.assert_allclose(col(s, "d1"), x - l1)
    l2 = _shifted(s, "Reaction", 2)
    np.testing.assert_allclose(col(s, "ld"), l1 - l2)
    np.testing.assert_allclose(col(s, "s2"), x - l2)
    assert np.isnan(col(s, "l1")[4]) and np.isnan(col(s, "l1")[0])  # Subject 308: day 5, day 0
    run(s, "gen double lo = L.Reaction if Days > 5")  # if selects rows, not the lagged ones
    np.testing.assert_array_equal(col(s, "lo"), np.where(col(s, "Days") > 5, l1, np.nan))


def test_bad_input(panel: Session) -> None:
    s = panel
    m, rc = fails(s, "gen z = L.Reaction")
    assert rc == 111 and "time variable not set" in m
    m, rc = fails(s, "xtset")
    assert rc == 459
    m, rc = fails(s, "tsset Days")
    assert rc == 451 and "repeated time values" in m
    run(s, "gen half = Days / 2")
    m, rc = fails(s, "xtset Subject half")
    assert rc == 451 and "integer" in m
    run(s, "xtset Subject Days, delta(1)")
    run(s, "xtset, clear")
    assert s.data.tsset is None
    m, rc = fails(s, "regress Reaction L.Reaction")  # not yet in model varlists: refused
    assert rc == 101


def test_settings_follow_rename_and_drop(panel: Session) -> None:
    s = panel
    run(s, "xtset Subject Days")
    run(s, "rename Days day")
    run(s, "gen double l = L.Reaction")
    assert "Time variable: day, 0 to 9" in run(s, "xtset")
    run(s, "drop day")
    m, rc = fails(s, "gen l2 = L.Reaction")
    assert rc == 111
    run(s, "xtset Subject")  # a panel without time: no operators, no tsset
    m, rc = fails(s, "gen l3 = L.Reaction")
    assert rc == 111 and "time variable not set" in m
    m, rc = fails(s, "tsset")
    assert rc == 111


def test_delta_steps(session: Session) -> None:
    s = session
    run(s, "set obs 6\ngen t = _n * 5\ngen x = _n^2")
    run(s, "tsset t, delta(5)")
    run(s, "gen lx = L.x")
    np.testing.assert_array_equal(col(s, "lx")[1:], (np.arange(1, 6)) ** 2)
    run(s, "gen double h = _n / 2")
    m, rc = fails(s, "tsset h")
    assert rc == 451 and "integer" in m


def test_xtsum_matches_pandas(panel: Session) -> None:
    s = panel
    run(s, "drop if Subject == 308 & Days > 6")
    run(s, "xtset Subject Days")
    out = run(s, "xtsum Reaction")
    df = s.data.to_dataframe()
    x, g = df["Reaction"], df["Subject"]
    means = x.groupby(g).mean()
    within = x - x.groupby(g).transform("mean")
    assert s.r["sd"] == pytest.approx(x.std(), rel=1e-12)
    assert s.r["sd_b"] == pytest.approx(means.std(), rel=1e-12)
    assert s.r["sd_w"] == pytest.approx(within.std(), rel=1e-12)
    assert s.r["min_w"] == pytest.approx(within.min() + x.mean(), rel=1e-12)
    assert s.r["Tbar"] == pytest.approx(len(x) / 18)
    assert "| T-bar = " in out and "between |" in out
