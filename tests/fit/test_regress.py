"""``regress`` and ``bayes: regress``.

* The ML fit against scipy's ``linregress`` (slope, intercept, their standard errors, r²) and
  numpy's least squares with the textbook ANOVA identities (F, adjusted R², Root MSE, the
  normal log likelihood), on the talk's data.
* ``bayes: regress`` with flat priors on the coefficients and Jeffreys' prior on the variance has
  a closed-form posterior: β | y is Student t with n - p degrees of freedom about the OLS
  estimate, scale s²(X'X)⁻¹; σ² | y is scaled inverse χ², mean RSS / (n - p - 2). Posterior
  means and SDs within 4 MCSE (the seed was not tuned).
* Stata's layout: the ANOVA header's columns, the t table; ``predict``; bad input.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from bayes_magic.report.coeftable import fmt_coef
from bayes_magic.session import Session
from tests.conftest import fails, run
from tests.sampler.test_nuts_reference import mcse_mean, mcse_sd


def _col(s: Session, name: str) -> np.ndarray:
    return np.asarray(s.data.values(name), dtype=float)


@pytest.fixture
def math_data() -> Session:
    s = Session()
    run(s, "use math")
    return s


def test_ols_against_scipy_and_numpy(math_data) -> None:
    s = math_data
    out = run(s, "regress math homework")
    y, x = _col(s, "math"), _col(s, "homework")
    lr = stats.linregress(x, y)
    e = s.e
    assert e.b[0] == pytest.approx(lr.slope, rel=1e-10)
    assert e.b[1] == pytest.approx(lr.intercept, rel=1e-10)
    assert math.sqrt(e.V[0, 0]) == pytest.approx(lr.stderr, rel=1e-9)
    assert math.sqrt(e.V[1, 1]) == pytest.approx(lr.intercept_stderr, rel=1e-9)
    assert e.scalars["r2"] == pytest.approx(lr.rvalue**2, rel=1e-10)
    n = len(y)
    X = np.column_stack([x, np.ones(n)])
    b, rss, *_ = np.linalg.lstsq(X, y, rcond=None)
    tss = float(np.sum((y - y.mean()) ** 2))
    assert e.scalars["rss"] == pytest.approx(float(rss[0]), rel=1e-10)
    assert e.scalars["F"] == pytest.approx((tss - rss[0]) / (rss[0] / (n - 2)), rel=1e-10)
    assert e.scalars["r2_a"] == pytest.approx(1 - (rss[0] / (n - 2)) / (tss / (n - 1)), rel=1e-10)
    assert e.scalars["rmse"] == pytest.approx(math.sqrt(rss[0] / (n - 2)), rel=1e-10)
    ll = float(np.sum(stats.norm.logpdf(y, X @ b, math.sqrt(rss[0] / n))))
    assert e.scalars["ll"] == pytest.approx(ll, rel=1e-10)
    # Stata's header: the ANOVA table's columns and the statistics at the right
    lines = out.splitlines()
    assert lines[0] == (
        "      Source |       SS           df       MS      Number of obs   =       519"
    )
    assert lines[1].startswith("-------------+----------------------------------   F(1, 517)")
    assert lines[2].startswith("       Model |  11148.1461         1  11148.1461   Prob > F")
    assert all(len(ln) == 78 for ln in lines[:6])
    assert "      t    P>|t|" in out
    p = 2 * stats.t.sf(abs(lr.slope / lr.stderr), n - 2)
    assert e.scalars["df_r"] == n - 2 and p < 1e-4


def test_test_after_regress_is_an_f_test(math_data) -> None:
    s = math_data
    run(s, "quietly regress math homework i.schtype")
    out = run(s, "test homework")
    t = s.e.b[0] / math.sqrt(s.e.V[0, 0])
    assert s.r["F"] == pytest.approx(t * t, rel=1e-10) and s.r["df_r"] == 516
    assert out.splitlines()[0] == " ( 1)  homework = 0"  # Stata numbers constraints ( 1) ...
    assert "F(  1,   516) =" in out and "Prob > F =" in out


def test_testparm_is_test_of_every_level(math_data) -> None:
    s = math_data
    run(s, "quietly regress math homework i.schtype")
    a = run(s, "testparm i.schtype homework")
    F = s.r["F"]
    b = run(s, "test 1.schtype homework")
    assert s.r["F"] == pytest.approx(F, rel=1e-12) and a == b
    assert s.r["F"] == pytest.approx(s.e.scalars["F"], rel=1e-10)  # every slope: the model F
    assert fails(s, "testparm nosuch")[1] == 111
    run(s, "quietly bayes, rseed(1) mcmcsize(200) burnin(100): regress math homework")
    for cmd in ("test homework", "testparm homework"):  # Bayesian tests are bayestest's
        msg, rc = fails(s, cmd)
        assert rc == 321 and "bayestest" in msg


def test_aweights_are_rescaled_frequency_weights(math_data) -> None:
    """Analytic weights: the point estimates of weighted least squares, with the weights
    rescaled to sum to the number of observations (Stata's normalization)."""
    s = math_data
    out = run(s, "regress math homework [aweight=schid]")
    y, x, w = _col(s, "math"), _col(s, "homework"), _col(s, "schid")
    n = len(y)
    X = np.column_stack([x, np.ones(n)])
    sw = np.sqrt(w)
    b = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0]
    wn = w * n / w.sum()
    rss = float(np.sum(wn * (y - X @ b) ** 2))
    V = rss / (n - 2) * np.linalg.inv(X.T @ (X * wn[:, None]))
    assert np.allclose(s.e.b, b, rtol=1e-10)
    assert np.allclose(s.e.V, V, rtol=1e-9)
    assert s.e.scalars["N"] == n and s.e.scalars["df_r"] == n - 2
    assert f"(sum of wgt is {w.sum():,.0f})" in out
    assert fails(s, "bayes: regress math homework [aweight=schid]")[1] == 101


def test_influence_statistics_by_their_definitions(math_data) -> None:
    """Leverage is the hat matrix's diagonal; rstudent and Cook's distance are checked by
    refitting without each of a few observations (their leave-one-out definitions)."""
    s = math_data
    run(s, "quietly regress math homework i.schtype")
    for stat in ("hat", "rstandard", "rstudent", "cooksd", "stdf"):
        run(s, f"predict double {stat}, {stat}")
    y, x, t = _col(s, "math"), _col(s, "homework"), _col(s, "schtype")
    n = len(y)
    X = np.column_stack([x, t == 1, np.ones(n)]).astype(float)
    H = X @ np.linalg.solve(X.T @ X, X.T)
    h = np.diag(H)
    assert np.allclose(_col(s, "hat"), h, rtol=1e-9)
    b = np.linalg.lstsq(X, y, rcond=None)[0]
    e = y - X @ b
    s2 = float(e @ e) / (n - 3)
    assert np.allclose(_col(s, "rstandard"), e / np.sqrt(s2 * (1 - h)), rtol=1e-9)
    assert np.allclose(_col(s, "stdf"), np.sqrt(s2 * (1 + h)), rtol=1e-9)
    for i in (0, 17, 300):
        keep = np.arange(n) != i
        bi = np.linalg.lstsq(X[keep], y[keep], rcond=None)[0]
        ri = y[keep] - X[keep] @ bi
        s2i = float(ri @ ri) / (n - 1 - 3)
        rstud = e[i] / np.sqrt(s2i * (1 - h[i]))
        cook = float(np.sum((X @ b - X @ bi) ** 2)) / (3 * s2)
        assert _col(s, "rstudent")[i] == pytest.approx(rstud, rel=1e-9)
        assert _col(s, "cooksd")[i] == pytest.approx(cook, rel=1e-9)


def test_predict_after_regress(math_data) -> None:
    s = math_data
    run(s, "quietly regress math homework i.schtype")
    assert "(option xb assumed; fitted values)" in run(s, "predict double yhat")
    run(s, "predict double res, residuals")
    assert np.allclose(_col(s, "yhat") + _col(s, "res"), _col(s, "math"), atol=1e-9)
    assert abs(_col(s, "res").mean()) < 1e-9


def test_bayes_regress_flat_jeffreys_posterior_is_closed_form(math_data) -> None:
    s = math_data
    out = run(
        s,
        "bayes, prior({math:}, flat) prior({sigma2}, jeffreys) rseed(17) mcmcsize(20000) "
        "nodots: regress math homework",
    )
    assert "math ~ regress(xb_math,{sigma2})" in out and "Bayesian linear regression" in out
    y, x = _col(s, "math"), _col(s, "homework")
    n, p = len(y), 2
    X = np.column_stack([x, np.ones(n)])
    b, rss, *_ = np.linalg.lstsq(X, y, rcond=None)
    s2 = rss[0] / (n - p)
    se = np.sqrt(np.diag(s2 * np.linalg.inv(X.T @ X)))
    nu = n - p
    want = {
        "math:homework": (b[0], se[0] * math.sqrt(nu / (nu - 2))),
        "math:_cons": (b[1], se[1] * math.sqrt(nu / (nu - 2))),
        "sigma2": (rss[0] / (nu - 2), rss[0] / (nu - 2) * math.sqrt(2 / (nu - 4))),
    }
    for name, (m, sd) in want.items():
        draws = s.e.chains_of(name)
        assert abs(draws.mean() - m) <= 4 * mcse_mean(draws), name
        assert abs(draws.reshape(-1).std(ddof=1) - sd) <= 4 * mcse_sd(draws), name


@pytest.mark.parametrize(
    "cmd, msg, rc",
    [
        ("regress math homework || schid:", "random effects are not allowed", 198),
        ("regress math homework, vce(jackknife)", "vce(jackknife) is not available", 198),
        ("regress math homework, tsscons", "option tsscons is not available", 198),
        ("regress math nosuch", "variable nosuch not found", 111),
        ("bayes, gibbs prior({sigma2}, jeffreys): regress math homework", "option gibbs", 198),
        ("bayes: regress math homework || schid:", "random effects are not allowed", 198),
    ],
)
def test_bad_input(math_data, cmd: str, msg: str, rc: int) -> None:
    s = math_data
    run(s, "quietly regress math homework")
    before = s.e
    m, code = fails(s, cmd)
    assert msg in m and code == rc
    assert s.e is before


def test_beta_is_the_regression_of_standardized_variables(math_data) -> None:
    """``regress, beta``: the slopes of the z-scored outcome on the z-scored covariates."""
    s = math_data
    out = run(s, "regress math homework schtype, beta")
    y, X = _col(s, "math"), np.column_stack([_col(s, "homework"), _col(s, "schtype")])
    z = lambda v: (v - v.mean(axis=0)) / v.std(axis=0)  # noqa: E731
    ref, *_ = np.linalg.lstsq(np.column_stack([z(X), np.ones(len(y))]), z(y), rcond=None)
    lines = out.splitlines()
    assert lines[8].endswith("P>|t|                     Beta")
    assert lines[10].endswith(f"{fmt_coef(ref[0]):>25}") and lines[10].startswith("    homework")
    assert lines[12].endswith("                        .")  # _cons
    run(s, "matrix B = e(beta)")
    np.testing.assert_allclose(s.matrices["B"].values.ravel(), ref[:2], rtol=1e-10)
    assert fails(s, "regress math homework, beta vce(cluster schid)")[1] == 198


def test_e_b_has_no_equation_names(math_data) -> None:
    """regress stores e(b) as ``homework 0b.schtype 1.schtype _cons`` (no ``math:``), and
    test displays the constraint normalized: coefficients moved left, constants right."""
    s = math_data
    run(s, "quietly regress math homework i.schtype")
    assert s.e.bnames == ["homework", "0b.schtype", "1.schtype", "_cons"]
    out = run(s, "test homework = 2*_cons + 1")
    assert out.splitlines()[0] == " ( 1)  homework - 2*_cons = 1"


def test_test_accumulate_notest_and_df(math_data) -> None:
    """test, accumulate tests the new constraints jointly with the previous ones; notest
    shows the constraints only; df(#) makes the denominator # degrees of freedom."""
    s = math_data
    run(s, "quietly regress math homework i.schtype")
    run(s, "test homework 1.schtype")
    F = s.r["F"]
    run(s, "test homework, notest")
    out = run(s, "test 1.schtype, accumulate")
    assert s.r["F"] == pytest.approx(F, rel=1e-12) and s.r["df"] == 2
    assert out.splitlines()[:2] == [" ( 1)  homework = 0", " ( 2)  1.schtype = 0"]
    run(s, "test homework, df(10)")
    t = s.e.b[0] / math.sqrt(s.e.V[0, 0])
    assert s.r["df_r"] == 10 and s.r["p"] == pytest.approx(stats.f.sf(t * t, 1, 10))
    assert fails(s, "test homework, mtest")[1] == 198
