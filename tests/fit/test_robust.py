"""``vce(robust)``, ``vce(cluster)``, ``vce(hc2|hc3)`` and sampling weights for ``regress``,
``logit``, ``probit``, ``cloglog`` and ``poisson`` ([U] 20.22; [R] regress; [R] logit).

* Against statsmodels, which nobody here wrote: ``regress`` with ``vce(robust)`` is its HC1,
  ``vce(hc2|hc3)`` its HC2 and HC3, ``vce(cluster)`` its cluster estimator with the
  G/(G-1)·(N-1)/(N-k) correction and t tests on G - 1 degrees of freedom, and ``[pw=]`` its
  WLS with HC1. The ML fits' sandwiches are statsmodels' HC0 (and uncorrected cluster) times
  Stata's N/(N-1) (resp. G/(G-1)); sampling weights against statsmodels' GLM with
  ``var_weights``, whose sandwich weights each observation's score.
* Frequency weights count observations: every result equals the fit of the expanded data.
* Stata's layout (no ANOVA table; ``Robust`` over ``std. err.``; the cluster count), ``e()``,
  ``predict`` after a robust fit, and bad input.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.conftest import col, fails, run

sm = pytest.importorskip("statsmodels.api")


def _se(s: Session) -> np.ndarray:
    return np.sqrt(np.diag(s.e.V))


def _ols_X(s: Session, *names: str) -> np.ndarray:
    return np.column_stack([col(s, n) for n in names] + [np.ones(s.data.nobs)])


@pytest.mark.parametrize(("vce", "cov"), [("robust", "HC1"), ("hc2", "HC2"), ("hc3", "HC3")])
def test_regress_sandwich_against_statsmodels(math_session, vce, cov) -> None:
    s = math_session
    run(s, f"regress math homework schtype, vce({vce})")
    X, y = _ols_X(s, "homework", "schtype"), col(s, "math")
    ref = sm.OLS(y, X).fit(cov_type=cov, use_t=True)
    np.testing.assert_allclose(s.e.b, ref.params, rtol=1e-10)
    np.testing.assert_allclose(s.e.V, ref.cov_params(), rtol=1e-9)
    F = ref.f_test(np.eye(3)[:2])
    assert s.e.scalars["F"] == pytest.approx(float(F.fvalue), rel=1e-9)
    assert s.e.scalars["df_r"] == F.df_denom == len(y) - 3
    assert s.e.macros["vce"] == vce
    assert s.e.macros["vcetype"] == {"robust": "Robust"}.get(vce, f"Robust {vce.upper()}")


def test_regress_cluster_against_statsmodels(math_session) -> None:
    s = math_session
    out = run(s, "regress math homework schtype, vce(cluster schid)")
    X, y = _ols_X(s, "homework", "schtype"), col(s, "math")
    g = col(s, "schid")
    ref = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g}, use_t=True)
    G = len(np.unique(g))
    np.testing.assert_allclose(s.e.V, ref.cov_params(), rtol=1e-9)
    # tests on G - 1 residual degrees of freedom
    assert s.e.scalars["df_r"] == G - 1 and s.e.scalars["N_clust"] == G
    F = ref.f_test(np.eye(3)[:2])
    assert s.e.scalars["F"] == pytest.approx(float(F.fvalue), rel=1e-9)
    t = s.e.b[1] / math.sqrt(s.e.V[1, 1])
    p = 2 * stats.t.sf(abs(t), G - 1)
    row = next(ln for ln in out.splitlines() if ln.startswith("     schtype |"))
    assert float(row.split()[5]) == pytest.approx(p, abs=5e-4)  # P>|t| on G - 1 df: .040
    assert abs(p - 2 * stats.norm.sf(abs(t))) > 1e-3  # (not the z test's)
    assert s.e.macros["clustvar"] == "schid"
    # Stata's layout: no ANOVA table, the cluster count above the table, Robust std. err.
    lines = out.splitlines()
    assert lines[0].startswith("Linear regression") and lines[0].endswith("=        519")
    assert lines[1] == " " * 48 + f"F(2, {G - 1})          =" + f"{s.e.scalars['F']:>11.2f}"
    assert lines[6] == f"{'(Std. err. adjusted for 23 clusters in schid)':>78}"
    assert lines[7] == "-" * 78
    assert lines[8] == "             |               Robust"
    assert lines[9].startswith("        math | Coefficient  std. err.      t    P>|t|")


def test_regress_pweights_against_wls(math_session) -> None:
    s = math_session
    run(s, "generate w = 1 + mod(_n, 4)")
    out = run(s, "regress math homework [pw=w]")
    X, y, w = _ols_X(s, "homework"), col(s, "math"), col(s, "w")
    ref = sm.WLS(y, X, weights=w).fit(cov_type="HC1")
    np.testing.assert_allclose(s.e.b, ref.params, rtol=1e-10)
    np.testing.assert_allclose(s.e.V, ref.cov_params(), rtol=1e-9)
    assert s.e.scalars["r2"] == pytest.approx(ref.rsquared, rel=1e-9)
    assert s.e.scalars["N"] == len(y)
    assert out.splitlines()[0] == f"(sum of wgt is {int(w.sum()):,})"
    assert s.e.macros["vce"] == "robust" and s.e.macros["wtype"] == "pweight"


@pytest.mark.parametrize("vce", ["robust", "cluster schid"])
def test_fweights_equal_expanded_data(math_session, vce) -> None:
    """Frequency weights repeat observations, also in the sandwich and its factor."""
    s = math_session
    run(s, "generate f = 1 + mod(_n, 3)")
    for cmd in ("regress math homework", "logit schtype homework math"):
        run(s, f"{cmd} [fw=f], vce({vce})")
        b, V, F = s.e.b.copy(), s.e.V.copy(), s.e.scalars.get("F", s.e.scalars.get("chi2"))
        run(s, "preserve")
        run(s, "expand f")
        run(s, f"{cmd}, vce({vce})")
        np.testing.assert_allclose(s.e.b, b, rtol=1e-8)
        np.testing.assert_allclose(s.e.V, V, rtol=1e-7)
        assert s.e.scalars.get("F", s.e.scalars.get("chi2")) == pytest.approx(F, rel=1e-7)
        run(s, "restore")


def test_logit_and_poisson_sandwich_against_statsmodels() -> None:
    s = Session()
    run(s, "use hospital")
    y = col(s, "hosp")
    X = _ols_X(s, "loginc", "distance", "dropout", "college")
    n = len(y)
    out = run(s, "logit hosp loginc distance dropout college, vce(robust)")
    ref = sm.Logit(y, X).fit(disp=0, cov_type="HC0")
    np.testing.assert_allclose(s.e.b, ref.params, rtol=1e-7)
    np.testing.assert_allclose(s.e.V, ref.cov_params() * n / (n - 1), rtol=1e-6)
    wald = ref.params[:4] @ np.linalg.solve(ref.cov_params()[:4, :4], ref.params[:4])
    assert s.e.scalars["chi2"] == pytest.approx(wald * (n - 1) / n, rel=1e-6)
    assert s.e.macros["chi2type"] == "Wald"
    assert "Iteration 0:  Log pseudolikelihood = " in out
    assert "Log pseudolikelihood = -537.45771" in out  # the ML fit's ll, unchanged
    assert "\n" + " " * 56 + "Wald chi2(4)  = 160.84\n" in out  # Stata 17 compact header
    g = col(s, "mother")
    G = len(np.unique(g))
    run(s, "probit hosp loginc distance dropout college, vce(cluster mother)")
    ref = sm.Probit(y, X).fit(
        disp=0, cov_type="cluster", cov_kwds={"groups": g.astype(int), "use_correction": False}
    )
    np.testing.assert_allclose(s.e.V, ref.cov_params() * G / (G - 1), rtol=1e-6)
    assert s.e.scalars["N_clust"] == G == 501
    # Poisson with an exposure: the epilepsy counts over visits
    run(s, "use epilepsy")
    run(s, "generate t = 1 + mod(_n, 2)")
    run(s, "poisson count zBase Trt, exposure(t) vce(robust)")
    yc, Xc = col(s, "count"), _ols_X(s, "zBase", "Trt")
    ref = sm.GLM(yc, Xc, family=sm.families.Poisson(), exposure=col(s, "t")).fit(cov_type="HC0")
    m = len(yc)
    np.testing.assert_allclose(s.e.b, ref.params, rtol=1e-7)
    np.testing.assert_allclose(s.e.V, ref.cov_params() * m / (m - 1), rtol=1e-6)


@pytest.mark.parametrize(
    ("cmd", "link"),
    [
        ("logit", sm.families.links.Logit()),
        ("probit", sm.families.links.Probit()),
        ("cloglog", sm.families.links.CLogLog()),
    ],
)
def test_pweights_against_statsmodels_var_weights(cmd, link) -> None:
    s = Session()
    run(s, "use hospital")
    run(s, "generate w = 0.5 + mod(_n, 5) / 2")
    out = run(s, f"{cmd} hosp loginc distance [pw=w]")
    y, X, w = col(s, "hosp"), _ols_X(s, "loginc", "distance"), col(s, "w")
    ref = sm.GLM(y, X, family=sm.families.Binomial(link=link), var_weights=w).fit(
        cov_type="HC0", tol=1e-12
    )
    n = len(y)
    np.testing.assert_allclose(s.e.b, ref.params, rtol=1e-8)
    np.testing.assert_allclose(s.e.V, ref.cov_params() * n / (n - 1), rtol=1e-8)
    assert s.e.scalars["N"] == n and s.e.macros["vce"] == "robust"
    assert s.e.scalars["ll"] == pytest.approx(ref.llf, rel=1e-8)
    assert "Log pseudolikelihood" in out and "Robust" in out


def test_predict_after_robust_regress(math_session) -> None:
    """stdp from e(V) (the sandwich); the influence statistics and stdf are not available
    after a vce() other than ols ([R] regress postestimation)."""
    s = math_session
    run(s, "regress math homework, vce(robust)")
    run(s, "predict double sp, stdp")
    X = _ols_X(s, "homework")
    np.testing.assert_allclose(col(s, "sp") ** 2, np.einsum("ij,jk,ik->i", X, s.e.V, X))
    for stat in ("leverage", "rstandard", "rstudent", "cooksd", "stdf"):
        assert fails(s, f"predict double h, {stat}") == (
            f"option {stat} not allowed after vce(robust)",
            198,
        )
    run(s, "predict double r, residuals")


def test_fewer_clusters_than_coefficients(math_session) -> None:
    """With G - 1 below the tested coefficients Stata's F is missing, on V's rank df."""
    s = math_session
    run(s, "generate c = mod(schid, 3)")
    out = run(s, "regress math homework schtype i.c, vce(cluster c)")
    assert math.isnan(s.e.scalars["F"])
    assert " " * 48 + "F(2, 2)           =          ." in out.splitlines()


@pytest.mark.parametrize(
    ("text", "rc", "msg"),
    [
        ("regress math homework, vce(cluster)", 100, "varlist required"),
        ("regress math homework, vce(bootstrap)", 198, "vce(bootstrap)"),
        ("regress math homework, vce(oim)", 198, "vcetype 'oim' not allowed"),
        ("logit schtype math, vce(hc3)", 198, "vcetype 'hc3' not allowed"),
        ("regress math homework, vce(robust) cluster(schid)", 198, "may not be combined"),
        ("regress math homework, vce(cluster nosuch)", 111, "nosuch"),
        ("bayes: logit schtype math, vce(robust)", 198, "bayes prefix"),
        ("bayes: regress math homework [pw=schid]", 101, "pweights not allowed"),
        ("regress math homework if schid == 6053, vce(cluster schid)", 459, "one cluster"),
        ("mixed math homework || schid:, vce(robust)", 198, "vce()"),
    ],
)
def test_bad_vce(math_session, text, rc, msg) -> None:
    s = math_session
    run(s, "regress math homework")
    before = s.e
    m, code = fails(s, text)
    assert code == rc and msg in m
    assert s.e is before  # stored results untouched


def test_lrtest_refuses_robust_fits_unless_forced(math_session) -> None:
    s = math_session
    run(s, "regress math homework schtype, vce(robust)")
    run(s, "estimates store a")
    run(s, "regress math homework, vce(robust)")
    assert fails(s, "lrtest a") == ("LR test likely invalid for models with robust vce", 498)
    out = run(s, "lrtest a, force")
    assert "LR chi2(1)" in out
