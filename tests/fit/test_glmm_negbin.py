"""``menbreg`` against quantities computed without our code.

* The negative binomial log probabilities and their derivatives against ``scipy.stats.nbinom``
  and finite differences, in both of Stata's parameterizations ([ME] menbreg, Methods and
  formulas): ``dispersion(mean)``, Var = μ(1 + αμ), and ``dispersion(constant)``,
  Var = μ(1 + δ).
* The model without random effects (the start and the "LR test vs. nbinomial model") against
  statsmodels' ``NegativeBinomial`` (NB2 and NB1), an independent ML fit.
* The marginal likelihood of the random-intercept model as a product over patients of
  one-dimensional integrals, each by ``scipy.integrate.quad`` of the negative binomial written
  out afresh: the reported log likelihood equals it at the reported estimates, its numerical
  gradient vanishes there, and its numerical Hessian gives the standard errors.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import integrate, stats

from bayes_magic.fit.glmm_family import NEGBIN_FAMILIES
from bayes_magic.session import Session
from tests.conftest import run

_COVARIATES = ["zAge", "zBase", "Trt"]


def _logpmf(disp: str, y: np.ndarray, eta: np.ndarray, lnalpha: float) -> np.ndarray:
    mu = np.exp(eta)
    if disp == "mean":
        size, p = np.exp(-lnalpha), 1.0 / (1.0 + np.exp(lnalpha) * mu)
    else:
        size, p = mu * np.exp(-lnalpha), np.full_like(mu, 1.0 / (1.0 + np.exp(lnalpha)))
    return stats.nbinom.logpmf(y, size, p)


def _ll_sums(disp: str, y: np.ndarray, eta: np.ndarray, lnalpha: float) -> np.ndarray:
    """log f(y) + log y! with lnΓ(m + y) − lnΓ(m) as Σ_{k<y} log(m + k), exact for counts and
    free of the rounding of differences of lnΓ at large sizes m."""
    out = []
    for yi, ei in zip(y, eta):
        mu = np.exp(ei)
        if disp == "mean":
            m, lq, l1p = np.exp(-lnalpha), np.log1p(np.exp(lnalpha) * mu), ei + lnalpha
        else:
            m, lq, l1p = mu * np.exp(-lnalpha), np.log1p(np.exp(lnalpha)), lnalpha
        terms = [np.log(m + k) for k in range(int(yi))]
        out.append(sum(sorted(terms)) - (m + yi) * lq + yi * l1p)
    return np.array(out)


@pytest.mark.parametrize("disp", ["mean", "constant"])
@pytest.mark.parametrize("lnalpha", [-6.0, -1.0, 0.5, 2.5])
def test_family_against_scipy(disp: str, lnalpha: float) -> None:
    fam = replace(NEGBIN_FAMILIES["menbreg"], dispersion=disp, lnalpha=lnalpha)
    y = np.array([0.0, 1, 2, 3, 7, 25, 102])
    eta = np.array([-2.0, -0.3, 0.4, 1.1, 2.0, 3.2, 4.4])
    ll, d1, d2 = fam.loglik(y, y, eta)
    ref = _logpmf(disp, y, eta, lnalpha)
    # scipy's differences of lnΓ at sizes of 1e4 and more round at about 1e-11
    np.testing.assert_allclose(ll + fam.constant(y, y), ref, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ll, _ll_sums(disp, y, eta, lnalpha), rtol=1e-9, atol=1e-10)
    h = 1e-5

    def fd(f):
        return (f(h) - f(-h)) / (2 * h)

    np.testing.assert_allclose(
        d1, fd(lambda t: _ll_sums(disp, y, eta + t, lnalpha)), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_allclose(d2, fd(lambda t: fam.loglik(y, y, eta + t)[1]), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(
        fam.aux_scores(y, eta)[:, 0],
        fd(lambda t: _ll_sums(disp, y, eta, lnalpha + t)),
        rtol=1e-6,
        atol=2e-7,
    )
    if disp == "mean":  # log-concave in η, as the integrators' Newton steps use
        assert np.all(d2 < 0)


def test_poisson_limit() -> None:
    fam = replace(NEGBIN_FAMILIES["menbreg"], lnalpha=-20.0)
    y = np.array([0.0, 1, 4, 30])
    eta = np.array([-1.0, 0.0, 1.5, 3.3])
    ll = fam.loglik(y, y, eta)[0] + fam.constant(y, y)
    np.testing.assert_allclose(ll, stats.poisson.logpmf(y, np.exp(eta)), atol=1e-6)


@pytest.fixture(scope="module")
def epilepsy() -> Session:
    s = Session()
    run(s, "use epilepsy")
    return s


@pytest.mark.parametrize("disp, loglike", [("mean", "nb2"), ("constant", "nb1")])
def test_comparison_model_against_statsmodels(epilepsy: Session, disp: str, loglike: str):
    from statsmodels.discrete.discrete_model import NegativeBinomial

    s = epilepsy
    run(s, f"menbreg count zAge zBase Trt || patient:, dispersion({disp}) nolog")
    df = s.data.to_dataframe()
    X = np.column_stack([df[_COVARIATES].to_numpy(float), np.ones(len(df))])
    sm = NegativeBinomial(df["count"].to_numpy(float), X, loglike_method=loglike).fit(
        method="newton", maxiter=200, tol=1e-12, disp=0
    )
    assert s.e.scalars["ll_c"] == pytest.approx(sm.llf, abs=1e-6)


def _marginal(disp, theta, X, y, groups):
    """log ∫ Π_i NB(y_i | x_i β + u) φ(u; 0, σ²) du summed over patients, by quad."""
    p = X.shape[1]
    beta, lnalpha, lns = theta[:p], theta[p], theta[p + 1]
    sd = np.exp(lns)
    total = 0.0
    for g in np.unique(groups):
        m = groups == g
        xb, yy = X[m] @ beta, y[m]
        grid = np.linspace(-8 * sd, 8 * sd, 801)
        vals = _logpmf(disp, yy[None, :], xb[None, :] + grid[:, None], lnalpha).sum(axis=1)
        vals = vals + stats.norm.logpdf(grid, 0, sd)
        top, mode = vals.max(), grid[vals.argmax()]

        def f(u, xb=xb, yy=yy, top=top):
            lf = _logpmf(disp, yy, xb + u, lnalpha).sum() + stats.norm.logpdf(u, 0, sd)
            return np.exp(lf - top)

        val, _ = integrate.quad(
            f, mode - 10 * sd, mode + 10 * sd, points=[mode], epsabs=0.0, epsrel=1e-11, limit=200
        )
        total += top + np.log(val)
    return total


@pytest.fixture(scope="module", params=["mean", "constant"])
def fitted(request, epilepsy: Session):
    s = epilepsy
    run(s, f"menbreg count zAge zBase Trt || patient:, dispersion({request.param}) intpoints(30)")
    e = s.e
    df = s.data.to_dataframe()
    X = np.column_stack([df[_COVARIATES].to_numpy(float), np.ones(len(df))])
    b = np.asarray(e.b, dtype=float)
    theta = np.concatenate([b[:5], [0.5 * np.log(b[5])]])  # (β, ln α, ln sd)
    return request.param, theta, X, df["count"].to_numpy(float), df.patient.to_numpy(), e


def test_names_and_results(fitted) -> None:
    disp, _theta, _X, _y, _g, e = fitted
    aux = "lnalpha" if disp == "mean" else "lndelta"
    assert e.bnames[3:] == ["count:_cons", f"/:{aux}", "/:var(_cons[patient])"]
    assert e.macros["cmd2"] == "menbreg"
    assert e.macros["family"] == e.macros["model"] == "nbinomial"
    assert e.macros["dispersion"] == disp
    assert e.scalars["k"] == 6 and e.scalars["rank"] == 6 and e.scalars["k_r"] == 1


def test_loglik_equals_direct_quadrature(fitted) -> None:
    disp, theta, X, y, groups, e = fitted
    assert e.scalars["ll"] == pytest.approx(_marginal(disp, theta, X, y, groups), abs=1e-7)


def test_estimates_maximize_the_likelihood(fitted) -> None:
    disp, theta, X, y, groups, _e = fitted
    h = 1e-4
    for j in range(len(theta)):
        up, dn = theta.copy(), theta.copy()
        up[j] += h
        dn[j] -= h
        g = (_marginal(disp, up, X, y, groups) - _marginal(disp, dn, X, y, groups)) / (2 * h)
        # the optimizer stops when the gradient is below about 1e-5 (Stata's nrtolerance)
        assert abs(g) < 1e-3, (j, g)


@pytest.mark.slow
def test_standard_errors_are_the_inverse_hessian(fitted) -> None:
    disp, theta, X, y, groups, e = fitted
    k = len(theta) - 1  # β and ln α: their standard errors do not depend on the variance metric
    h = 2e-3
    n = len(theta)
    H = np.zeros((n, n))
    for a in range(n):
        for b in range(a, n):
            ea, eb = np.eye(n)[a] * h, np.eye(n)[b] * h
            fpp = _marginal(disp, theta + ea + eb, X, y, groups)
            fpm = _marginal(disp, theta + ea - eb, X, y, groups)
            fmp = _marginal(disp, theta - ea + eb, X, y, groups)
            fmm = _marginal(disp, theta - ea - eb, X, y, groups)
            H[a, b] = H[b, a] = (fpp - fpm - fmp + fmm) / (4 * h * h)
    V = np.linalg.inv(-H)
    se = np.sqrt(np.diag(e.V))[:k]
    np.testing.assert_allclose(se, np.sqrt(np.diag(V))[:k], rtol=2e-3)


def test_lnalpha_scale_is_stata_s(fitted) -> None:
    """The variance of the data at the fit is Stata's: μ + αμ² (mean) or μ(1 + δ)."""
    disp, theta, X, _y, _g, _e = fitted
    fam = replace(NEGBIN_FAMILIES["menbreg"], dispersion=disp, lnalpha=theta[X.shape[1]])
    eta = X @ theta[: X.shape[1]]
    mu = np.exp(eta)
    var = mu + np.exp(theta[X.shape[1]]) * (mu * mu if disp == "mean" else mu)
    y = np.arange(0, 4000.0)
    for e_i, v_i in zip(eta[:5], var[:5]):
        pm = np.exp(fam.loglik(y, y, np.full_like(y, e_i))[0] + fam.constant(y, y))
        mean = np.sum(y * pm)
        assert np.sum((y - mean) ** 2 * pm) == pytest.approx(v_i, rel=1e-8)
        assert np.sum(pm) == pytest.approx(1.0, abs=1e-10)
