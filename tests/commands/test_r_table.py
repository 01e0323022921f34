"""``r(table)`` and ``r(level)`` after the coefficient tables ([R] Stored results, _coef_table):
checked against statsmodels' fits of the same models, not against our own display."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import col, run

ROWS = ["b", "se", "z", "pvalue", "ll", "ul", "df", "crit", "eform"]


def test_regress_r_table_matches_statsmodels(math_session: Session) -> None:
    sm = pytest.importorskip("statsmodels.api")
    s = math_session
    run(s, "quietly regress math homework i.schtype, level(90)")  # quietly still leaves it
    T = s.r["table"]
    assert T.rownames == ["b", "se", "t", *ROWS[3:]]
    assert T.colnames == ["homework", "0b.schtype", "1.schtype", "_cons"]
    assert s.r["level"] == 90
    y = col(s, "math")
    X = np.column_stack([col(s, "homework"), col(s, "schtype") == 1, np.ones(len(y))])
    f = sm.OLS(y, X).fit()
    live = [0, 2, 3]
    np.testing.assert_allclose(T.values[0, live], f.params, rtol=1e-9)
    np.testing.assert_allclose(T.values[1, live], f.bse, rtol=1e-9)
    np.testing.assert_allclose(T.values[2, live], f.tvalues, rtol=1e-9)
    np.testing.assert_allclose(T.values[3, live], f.pvalues, rtol=1e-6)
    ci = f.conf_int(0.10)
    np.testing.assert_allclose(T.values[4, live], ci[:, 0], rtol=1e-9)
    np.testing.assert_allclose(T.values[5, live], ci[:, 1], rtol=1e-9)
    assert np.all(T.values[6] == 516)
    # the base level: b = se = 0, statistics missing
    assert T.values[0, 1] == 0 and T.values[1, 1] == 0
    assert np.all(np.isnan(T.values[2:6, 1]))
    assert np.all(T.values[8] == 0)


def test_logit_or_r_table_holds_odds_ratios() -> None:
    sm = pytest.importorskip("statsmodels.api")
    s = Session()
    run(s, "use bangladesh")
    run(s, "quietly logit c_use urban age, or")
    T = s.r["table"]
    assert T.colnames == ["c_use:urban", "c_use:age", "c_use:_cons"]
    X = np.column_stack([col(s, "urban"), col(s, "age"), np.ones(s.data.nobs)])
    f = sm.Logit(col(s, "c_use"), X).fit(disp=0)
    np.testing.assert_allclose(T.values[0], np.exp(f.params), rtol=1e-5)
    np.testing.assert_allclose(T.values[1], np.exp(f.params) * f.bse, rtol=1e-4)
    np.testing.assert_allclose(T.values[4], np.exp(f.conf_int()[:, 0]), rtol=1e-5)
    assert np.all(np.isnan(T.values[6])) and np.all(T.values[8] == 1)
    assert T.values[7, 0] == pytest.approx(1.959964, abs=1e-6)


def test_me_and_mixed_r_table_columns() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework || schid:")
    # mixed's _coef_table shows the fixed effects only; estmetric shows all of e(b)
    assert s.r["table"].colnames == ["math:homework", "math:_cons"]
    np.testing.assert_allclose(s.r["table"].values[0], s.e.b[:2])
    run(s, "quietly mixed, estmetric")
    assert s.r["table"].colnames[2:] == ["lns1_1_1:_cons", "lnsig_e:_cons"]
    run(s, "use bangladesh, clear")
    run(s, "quietly melogit c_use urban || district:, or")
    T = s.r["table"]
    assert T.colnames == ["c_use:urban", "c_use:_cons", "/:var(_cons[district])"]
    # the variance is not exponentiated and has no z statistic; its interval is on the log
    # scale, as the table shows it
    assert T.values[0, 2] == pytest.approx(s.e.b[2]) and T.values[8, 2] == 0
    assert np.isnan(T.values[2, 2]) and T.values[4, 2] < T.values[0, 2] < T.values[5, 2]
    assert T.values[8, 0] == 1


def test_r_table_left_alone_without_a_table(math_session: Session) -> None:
    s = math_session
    run(s, "quietly regress math homework")
    b = float(s.e.b[0])
    run(s, "quietly regress math homework i.schtype, notable")  # no table shown: r() as it was
    assert s.r["table"].colnames == ["homework", "_cons"]
    s.execute("regress math nosuchvar")
    assert s.r["table"].colnames == ["homework", "_cons"]
    out = run(s, "matrix T = r(table)\ndisplay T[4,1] < .05\ndisplay el(r(table), 1, 1)")
    assert out.splitlines()[0] == "1"
    assert float(out.splitlines()[1]) == pytest.approx(b, rel=1e-7)


def test_margins_r_table(math_session: Session) -> None:
    s = math_session
    run(s, "quietly regress math i.schtype")
    run(s, "quietly margins schtype")
    T = s.r["table"]
    assert T.colnames == s.r["b"].colnames and T.rownames[2] == "t"
    np.testing.assert_allclose(T.values[0], s.r["b"].values[0])
    np.testing.assert_allclose(T.values[1], np.sqrt(np.diag(s.r["V"].values)))
