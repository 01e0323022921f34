"""The sampler against posteriors known exactly.

* Normal linear regression with a flat prior on the coefficients and Jeffreys' prior on the
  variance: β | y is multivariate t with n - p degrees of freedom around the least-squares fit,
  σ² | y is inverse gamma((n - p)/2, RSS/2) (Gelman et al., *Bayesian Data Analysis*, 3rd ed.,
  §14.2).
* A normal mean with independent normal and inverse-gamma priors (semi-conjugate): μ given σ² is
  normal in closed form, so one-dimensional quadrature over σ² gives the exact moments.

Each posterior mean (and variance) must land within 4 Monte Carlo standard errors, the MCSE
being the one the sampler reports (posterior SD / sqrt(ESS), [BAYES] bayesstats summary).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from bayes_magic.diagnostics.mcmc import ess_stata
from bayes_magic.session import Session
from tests.conftest import run

K = 4.0  # tolerance in MCSE


def _mcse_mean(x: np.ndarray) -> float:
    ess = ess_stata(x)[0]
    return float(x.std(ddof=1) / np.sqrt(ess))


def _mcse_var(x: np.ndarray) -> float:
    """MCSE of the sample variance: the MCSE of the mean of (x - mean)²."""
    d2 = (x - x.mean()) ** 2
    ess = ess_stata(d2)[0]
    return float(d2.std(ddof=1) / np.sqrt(ess))


def _check(draws: np.ndarray, mean: float, var: float) -> None:
    x = draws.reshape(1, -1)
    assert abs(x.mean() - mean) < K * _mcse_mean(x), (x.mean(), mean, _mcse_mean(x))
    assert abs(x.var(ddof=1) - var) < K * _mcse_var(x), (x.var(ddof=1), var, _mcse_var(x))


def test_flat_jeffreys_regression_matches_closed_form() -> None:
    s = Session()
    run(s, "use sleepstudy")
    run(
        s,
        "quietly bayesmh Reaction Days, likelihood(normal({sigma2})) "
        "prior({Reaction:}, flat) prior({sigma2}, jeffreys) rseed(2024) mcmcsize(20000)",
    )
    d = s.data
    y = d.values("Reaction")
    X = np.column_stack([d.values("Days"), np.ones(len(y))])
    n, p = X.shape
    bhat, *_ = np.linalg.lstsq(X, y, rcond=None)
    rss = float(((y - X @ bhat) ** 2).sum())
    nu = n - p
    s2 = rss / nu
    cov_b = s2 * np.linalg.inv(X.T @ X) * nu / (nu - 2)  # variance of the multivariate t
    post = s.e
    for j, name in enumerate(["Reaction:Days", "Reaction:_cons"]):
        _check(post.chains_of(name), bhat[j], cov_b[j, j])
    a, b = nu / 2, rss / 2  # σ² | y ~ IG(a, b)
    _check(post.chains_of("sigma2"), b / (a - 1), b * b / ((a - 1) ** 2 * (a - 2)))


def _semi_conjugate_moments(y, m0, v0, a, b):
    """Exact E and Var of μ and σ² for y ~ N(μ, σ²), μ ~ N(m0, v0), σ² ~ IG(a, b)."""
    n, ybar, ss = len(y), float(np.mean(y)), float(((y - np.mean(y)) ** 2).sum())

    def parts(s2):
        vn = 1.0 / (1.0 / v0 + n / s2)
        mn = vn * (m0 / v0 + n * ybar / s2)
        # log p(σ²) + log ∫ N(y | μ, σ²) N(μ | m0, v0) dμ, up to a constant
        lw = (
            stats.invgamma.logpdf(s2, a, scale=b)
            - 0.5 * n * np.log(s2)
            - 0.5 * ss / s2
            + 0.5 * np.log(vn / v0)
            - 0.5 * (n * ybar**2 / s2 + m0**2 / v0 - mn**2 / vn)
        )
        return lw, mn, vn

    grid = np.exp(np.linspace(np.log(ss / n) - 3, np.log(ss / n) + 3, 20001))
    lw, mn, vn = parts(grid)
    w = np.exp(lw - lw.max()) * grid  # integrate over log σ²
    Z = integrate.trapezoid(w, np.log(grid))

    def E(f):
        return integrate.trapezoid(w * f, np.log(grid)) / Z

    e_mu = E(mn)
    var_mu = E(vn + mn**2) - e_mu**2
    e_s2 = E(grid)
    var_s2 = E(grid**2) - e_s2**2
    return e_mu, var_mu, e_s2, var_s2


def test_normal_mean_semi_conjugate_matches_quadrature() -> None:
    s = Session()
    run(s, "use dyestuff")
    y = s.data.values("Yield")
    m0, v0, a, b = 1500.0, 400.0, 3.0, 5000.0
    run(
        s,
        "quietly bayesmh Yield, likelihood(normal({var})) "
        f"prior({{Yield:_cons}}, normal({m0:g},{v0:g})) prior({{var}}, igamma({a:g},{b:g})) "
        "rseed(77) mcmcsize(20000)",
    )
    e_mu, var_mu, e_s2, var_s2 = _semi_conjugate_moments(y, m0, v0, a, b)
    _check(s.e.chains_of("Yield:_cons"), e_mu, var_mu)
    _check(s.e.chains_of("var"), e_s2, var_s2)


@pytest.mark.parametrize("mode", ["sequential", "parallel"])
def test_same_seed_same_table(mode: str) -> None:
    cmd = (
        "bayes, rseed(99) nchains(3) mcmcsize(1000) burnin(500) nodots: "
        "mixed math homework || schid: homework, cov(un)"
    )
    if mode == "parallel":
        cmd = "bayesparallel, nproc(3): " + cmd
    outs = []
    for _ in range(2):
        s = Session()
        run(s, "use math")
        outs.append((run(s, cmd), s.e.draws.copy()))
    assert outs[0][0] == outs[1][0]
    np.testing.assert_array_equal(outs[0][1], outs[1][1])


def test_parallel_chains_equal_sequential_chains() -> None:
    base = (
        "bayes, rseed(5) nchains(3) mcmcsize(800) burnin(400) nodots: "
        "mixed math homework i.schtype || schid: homework, cov(un)"
    )
    draws = []
    for cmd in (base, "bayesparallel, nproc(3): " + base):
        s = Session()
        run(s, "use math")
        run(s, "quietly " + cmd)
        draws.append((s.e.draws, s.e.re_draws))
    np.testing.assert_array_equal(draws[0][0], draws[1][0])
    np.testing.assert_array_equal(draws[0][1], draws[1][1])


def test_first_of_three_chains_equals_a_one_chain_run() -> None:
    # DESIGN.md's rseed contract: chain 1 of 3 equals a one-chain run with the same seed
    draws = []
    for n in (1, 3):
        s = Session()
        run(s, "use math")
        run(
            s,
            f"quietly bayes, rseed(8) nchains({n}) mcmcsize(500) burnin(300): "
            "mixed math homework || schid:",
        )
        draws.append(s.e.draws[0])
    np.testing.assert_array_equal(draws[0], draws[1])


def test_exclude_keeps_parameters_out_of_the_results() -> None:
    s = Session()
    run(s, "use math")
    out = run(
        s,
        "bayes, rseed(8) mcmcsize(500) burnin(300) exclude({U:Sigma,m}) nodots: "
        "mixed math homework || schid: homework, cov(un)",
    )
    assert "Sigma" not in out.split("Bayesian multilevel regression")[-1]
    assert not any("Sigma" in n for n in s.e.names)
