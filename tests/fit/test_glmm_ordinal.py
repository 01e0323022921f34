"""``meologit`` / ``meoprobit`` against quantities computed without our integrator.

The marginal likelihood of a random-intercept ordered model is a product over groups of
one-dimensional integrals. Here each is computed by ``scipy.integrate.quad`` from the ordered
logit/probit probabilities written out afresh ([ME] meologit, Methods and formulas), so the
checks below share no code with :mod:`bayes_magic.fit.glmm_integrate`:

* the log likelihood the fit reports equals the quadrature value at its own estimates;
* the estimates maximize that likelihood (its numerical gradient vanishes there);
* the standard errors are the inverse of its numerical Hessian.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats

from bayes_magic.session import Session
from tests.conftest import run


def _pr(link: str, y: np.ndarray, eta: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    F = special.expit if link == "logit" else special.ndtr
    k = np.concatenate([[-np.inf], cuts, [np.inf]])
    return F(k[y + 1] - eta) - F(k[y] - eta)


def _loglik(link, theta, X, y, groups, p, J):
    """log ∫ Π_i Pr(y_i | x_i β + u) φ(u; 0, σ²) du summed over groups, by adaptive quad."""
    beta, cuts, lns = theta[:p], theta[p : p + J - 1], theta[-1]
    sd = np.exp(lns)
    total = 0.0
    for g in np.unique(groups):
        m = groups == g
        xb, yy = X[m] @ beta, y[m]

        def log_f(u, xb=xb, yy=yy):
            return np.sum(np.log(_pr(link, yy, xb + u, cuts))) + stats.norm.logpdf(u, 0, sd)

        # centre the integrand at its mode for accuracy
        grid = np.linspace(-8 * sd, 8 * sd, 801)
        vals = np.log(_pr(link, yy[None, :], xb[None, :] + grid[:, None], cuts)).sum(axis=1)
        vals = vals + stats.norm.logpdf(grid, 0, sd)
        top, mode = vals.max(), grid[vals.argmax()]
        val, _ = integrate.quad(
            lambda u, log_f=log_f, top=top: np.exp(log_f(u) - top),
            mode - 10 * sd,
            mode + 10 * sd,
            points=[mode],
            epsabs=0.0,
            epsrel=1e-11,
            limit=200,
        )
        total += top + np.log(val)
    return total


@pytest.fixture(scope="module", params=["meologit", "meoprobit"])
def wine(request):
    s = Session()
    run(s, "use wine")
    run(s, f"{request.param} rating temp contact || judge:, intpoints(30) nolog")
    e = s.e
    df = s.data.to_dataframe()
    X = df[["temp", "contact"]].to_numpy(float)
    y = np.searchsorted(np.unique(df.rating), df.rating.to_numpy())
    link = "logit" if request.param == "meologit" else "probit"
    b = np.asarray(e.b)
    theta = np.concatenate([b[:6], [0.5 * np.log(b[6])]])  # (β, cuts, log sd)
    return link, theta, X, y, df.judge.to_numpy(), e


def test_loglik_equals_direct_quadrature(wine) -> None:
    link, theta, X, y, groups, e = wine
    ll = _loglik(link, theta, X, y, groups, 2, 5)
    assert e.scalars["ll"] == pytest.approx(ll, abs=1e-7)


def test_estimates_maximize_the_likelihood(wine) -> None:
    link, theta, X, y, groups, _e = wine
    h = 1e-4
    for j in range(len(theta)):
        up, dn = theta.copy(), theta.copy()
        up[j] += h
        dn[j] -= h
        g = (_loglik(link, up, X, y, groups, 2, 5) - _loglik(link, dn, X, y, groups, 2, 5)) / (
            2 * h
        )
        # the optimizer stops when the gradient is below about 1e-5 (Stata's nrtolerance)
        assert abs(g) < 1e-3, (j, g)


@pytest.mark.slow
def test_standard_errors_are_the_inverse_hessian(wine) -> None:
    link, theta, X, y, groups, e = wine
    k = len(theta) - 1  # β and cuts: their standard errors do not depend on the variance metric
    h = 2e-3
    H = np.zeros((len(theta), len(theta)))
    f0 = _loglik(link, theta, X, y, groups, 2, 5)
    for a in range(len(theta)):
        for b in range(a, len(theta)):
            ea, eb = np.eye(len(theta))[a] * h, np.eye(len(theta))[b] * h
            fpp = _loglik(link, theta + ea + eb, X, y, groups, 2, 5)
            fpm = _loglik(link, theta + ea - eb, X, y, groups, 2, 5)
            fmp = _loglik(link, theta - ea + eb, X, y, groups, 2, 5)
            fmm = _loglik(link, theta - ea - eb, X, y, groups, 2, 5)
            H[a, b] = H[b, a] = (fpp - fpm - fmp + fmm) / (4 * h * h)
    assert np.isfinite(f0)
    V = np.linalg.inv(-H)
    se = np.sqrt(np.diag(e.V))[:k]
    np.testing.assert_allclose(se, np.sqrt(np.diag(V))[:k], rtol=2e-3)
