"""A joint normal prior on the coefficients, ``prior({y:}, mvnormal0(k, S))`` or
``mvnormal(k, m1, ..., mk, S)`` with ``S`` a named matrix or ``100*I(k)`` ([BAYES] bayesmh).

* ``bayes: logit`` (Metropolis-Hastings with Newton proposals) against the posterior computed on
  a fine grid with the same correlated prior; ``bayes: regress`` (Gibbs) against the posterior
  mean and SD computed exactly: β | σ², y is normal, and σ²'s marginal posterior is integrated
  on a grid. Means and SDs within 4 Monte Carlo standard errors; the seeds were not tuned.
* The prior's log density is normalized: the log marginal likelihood moves by the change in
  the prior's normalizing constant when only the prior's scale changes far from the data.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.conftest import col, fails, run
from tests.statistical.test_bayesmh_glm import _check

S = np.array([[1.0, 0.8], [0.8, 1.0]])


def _grid_logit(y, x, mean0, cov, first=None):
    """Posterior means and SDs of (slope, intercept) on a grid: ``first`` (centre, half-width)
    locates the posterior, two passes over its mean ± 10 SD integrate it."""
    P = np.linalg.inv(cov)
    out = None
    for _ in range(3):
        if out is None:
            c, h = first if first is not None else (np.zeros(2), np.full(2, 6.0))
        else:
            c, h = out[0], 10 * out[1]
        g0 = np.linspace(c[0] - h[0], c[0] + h[0], 401)
        g1 = np.linspace(c[1] - h[1], c[1] + h[1], 401)
        B0, B1 = np.meshgrid(g0, g1, indexing="ij")
        eta = B0[..., None] * x + B1[..., None]
        lp = (y * eta - np.logaddexp(0, eta)).sum(-1)
        d0, d1 = B0 - mean0[0], B1 - mean0[1]
        lp -= 0.5 * (P[0, 0] * d0 * d0 + 2 * P[0, 1] * d0 * d1 + P[1, 1] * d1 * d1)
        w = np.exp(lp - lp.max())
        w /= w.sum()
        m = np.array([(w * B0).sum(), (w * B1).sum()])
        sd = np.sqrt(np.array([(w * B0**2).sum(), (w * B1**2).sum()]) - m**2)
        out = (m, sd)
    return out


def test_logit_with_a_correlated_prior_matches_the_grid() -> None:
    s = Session()
    run(s, "use hospital")
    run(s, "keep in 1/80")  # few observations: the prior's correlation matters
    run(s, "matrix S = (1, .8 \\ .8, 1)")
    y, x = col(s, "hosp"), col(s, "loginc")
    mean, sd = _grid_logit(y, x, np.array([0.5, -1.0]), S)
    run(
        s,
        "quietly bayes, rseed(3) mcmcsize(10000) burnin(1000) "
        "prior({hosp:}, mvnormal(2, .5, -1, S)): logit hosp loginc",
    )
    _check(s, ["hosp:loginc", "hosp:_cons"], mean, sd)


def test_regress_with_mvnormal0_matches_the_exact_posterior() -> None:
    s = Session()
    run(s, "use math")
    run(s, "keep in 1/40")
    y, x = col(s, "math"), col(s, "homework")
    X = np.column_stack([x, np.ones(len(y))])
    V0 = 25 * np.eye(2)
    a, b = 2.0, 50.0  # igamma(2, 50) on sigma2
    # σ²'s marginal posterior: y | σ² ~ N(0, σ² I + X V0 X'), times the prior, on a grid
    grid = np.linspace(20, 3000, 12000)
    logp = np.array(
        [
            stats.multivariate_normal.logpdf(
                y, np.zeros(len(y)), s2 * np.eye(len(y)) + X @ V0 @ X.T
            )
            + stats.invgamma.logpdf(s2, a, scale=b)
            for s2 in grid
        ]
    )
    w = np.exp(logp - logp.max())
    w /= w.sum()
    assert w[0] + w[-1] < 1e-12
    means, second = np.zeros(2), np.zeros(2)
    for s2, wk in zip(grid, w):
        Q = X.T @ X / s2 + np.linalg.inv(V0)
        C = np.linalg.inv(Q)
        m = C @ (X.T @ y / s2)
        means += wk * m
        second += wk * (np.diag(C) + m**2)
    sd = np.sqrt(second - means**2)
    run(
        s,
        "quietly bayes, rseed(5) mcmcsize(10000) burnin(1000) "
        "prior({math:}, mvnormal0(2, 25*I(2))) prior({sigma2}, igamma(2, 50)): "
        "regress math homework",
    )
    assert s.e.info["all_gibbs"]  # the joint normal prior is conjugate: Gibbs sampling
    _check(s, ["math:homework", "math:_cons"], means, sd)


def test_log_marginal_likelihood_counts_the_normalizing_constant() -> None:
    s = Session()
    run(s, "use hospital")
    base = "quietly bayes, rseed(1) mcmcsize(2000) burnin(500)"
    run(s, f"{base} prior({{hosp:}}, mvnormal0(2, 1e6*I(2))): logit hosp loginc")
    wide, draws = s.e.scalars["lml"], s.e.draws.copy()
    run(s, f"{base} prior({{hosp:}}, mvnormal0(2, 1e8*I(2))): logit hosp loginc")
    # Same seed, and priors this flat barely move the Newton proposals: the two runs' draws
    # agree to 1e-6, so the estimators' Monte Carlo error cancels and only the priors differ.
    # Their normalizing constants differ by log(100) per coefficient; the curvature terms they
    # leave are of order β'β·1e-6 (about 1e-5 here)
    np.testing.assert_allclose(s.e.draws, draws, atol=1e-5)
    assert s.e.scalars["lml"] - wide == pytest.approx(-2 * np.log(10.0), abs=1e-4)


@pytest.mark.parametrize(
    "prior, rc, words",
    [
        ("mvnormal0(3, I(3))", 198, "dimension 3 does not match the 2 coefficients"),
        ("mvnormal0(2, B)", 506, "not positive definite"),
        ("mvnormal0(2, T)", 111, "matrix T not found"),
        ("mvnormal(2, 0, I(2))", 198, "give 2 means"),
    ],
)
def test_bad_joint_priors(prior: str, rc: int, words: str) -> None:
    s = Session()
    run(s, "use hospital")
    run(s, "matrix B = (1, 2 \\ 2, 1)")
    m, code = fails(s, f"bayes, prior({{hosp:}}, {prior}): logit hosp loginc")
    assert code == rc and words in m
    assert s.e is None


def test_the_listed_order_sets_the_means_and_covariance() -> None:
    """``{hosp:_cons loginc}`` with means (10, -10) and a tight prior: the posterior is the
    one with _cons's prior mean 10 and loginc's -10, whatever the design's order of the columns
    ([BAYES] bayesmh: the prior's dimensions follow the parameters as listed); against the
    grid posterior, within 4 MCSE."""
    s = Session()
    run(s, "use hospital")
    run(s, "keep in 1/80")
    run(
        s,
        "quietly bayes, rseed(3) mcmcsize(2000) burnin(500) "
        "prior({hosp:_cons loginc}, mvnormal(2, 10, -10, .0001*I(2))): logit hosp loginc",
    )
    y, x = col(s, "hosp"), col(s, "loginc")
    prior_mean = np.array([-10.0, 10.0])  # (loginc, _cons), as listed the other way round
    cov = 1e-4 * np.eye(2)
    mean, sd = _grid_logit(y, x, prior_mean, cov, first=(prior_mean, np.full(2, 0.06)))
    _check(s, ["hosp:loginc", "hosp:_cons"], mean, sd)
