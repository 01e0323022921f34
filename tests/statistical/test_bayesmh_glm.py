"""``bayesmh`` with ``likelihood(logit|probit|binomial(n)|poisson)`` ([BAYES] bayesmh).

* Posteriors with two parameters against the posterior computed on a fine grid (an exact
  reference up to the grid's error, about 1e-6 here): each coefficient's posterior mean and SD
  within 4 Monte Carlo standard errors (Stata's ESS; the reference has none). Logit and probit
  on the hospital data (hosp on dropout), the binomial model with a variable number of trials and the Poisson
  model with ``exposure()`` on cbpp. The seeds are fixed and were not tuned.
* ``bayesmh`` with random effects is the model ``bayes: melogit`` fits: with the same priors,
  starting values and seed the draws are the same (to rounding).
* Bad input: Stata's errors, and nothing changed.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from bayes_magic.session import Session
from tests.conftest import fails, run
from tests.sampler.test_nuts_reference import mcse_mean, mcse_sd

K = 4.0


def _grid(loglik, prior_var, centre, half, npts):
    g0 = np.linspace(centre[0] - half[0], centre[0] + half[0], npts)
    g1 = np.linspace(centre[1] - half[1], centre[1] + half[1], npts)
    B0, B1 = np.meshgrid(g0, g1, indexing="ij")
    lp = loglik(B0, B1) - (B0**2 + B1**2) / (2 * prior_var)
    w = np.exp(lp - lp.max())
    w /= w.sum()
    edge = w[0, :].sum() + w[-1, :].sum() + w[:, 0].sum() + w[:, -1].sum()
    mean = np.array([(w * B0).sum(), (w * B1).sum()])
    sd = np.sqrt(np.array([(w * B0**2).sum(), (w * B1**2).sum()]) - mean**2)
    return mean, sd, edge


def _grid_posterior(loglik, prior_var: float) -> tuple[np.ndarray, np.ndarray]:
    """Posterior means and SDs of (b0, b1) with independent normal(0, prior_var) priors: a
    coarse grid over (-8, 8)² finds the posterior, 501 x 501 grids over its mean ± 10 SD
    integrate it."""
    mean, sd, _ = _grid(loglik, prior_var, (0.0, 0.0), (8.0, 8.0), 321)
    for _ in range(2):  # the second pass corrects the coarse grid's SDs
        mean, sd, edge = _grid(loglik, prior_var, mean, 10 * sd, 501)
    assert edge < 1e-12  # the grid holds the posterior
    return mean, sd


def _check(s: Session, names: list[str], mean: np.ndarray, sd: np.ndarray) -> None:
    bad = []
    for name, m_ref, s_ref in zip(names, mean, sd):
        x = s.e.chains_of(name)
        m, sdv = float(x.mean()), float(x.reshape(-1).std(ddof=1))
        if abs(m - m_ref) > K * mcse_mean(x) or abs(sdv - s_ref) > K * mcse_sd(x):
            bad.append((name, m, m_ref, K * mcse_mean(x), sdv, s_ref, K * mcse_sd(x)))
    assert not bad, bad


def _col(s: Session, name: str) -> np.ndarray:
    return np.asarray(s.data.values(name), dtype=float)


@pytest.mark.parametrize("lik", ["logit", "probit"])
def test_binary_posterior_on_a_grid(lik: str) -> None:
    s = Session()
    run(s, "use hospital")
    y, x = _col(s, "hosp"), _col(s, "dropout")

    def loglik(b0, b1):
        eta = b0[..., None] + b1[..., None] * x
        if lik == "logit":
            return (y * eta - np.logaddexp(0, eta)).sum(-1)
        return (np.where(y > 0, special.log_ndtr(eta), special.log_ndtr(-eta))).sum(-1)

    mean, sd = _grid_posterior(loglik, 100.0)
    run(
        s,
        f"bayesmh hosp dropout, likelihood({lik}) prior({{hosp:}}, normal(0,100)) "
        "rseed(11) mcmcsize(10000) burnin(1000)",
    )
    _check(s, ["hosp:_cons", "hosp:dropout"], mean, sd)
    assert s.e.macros["cmd"] == "bayesmh"
    title = {"logit": "logistic", "probit": "probit"}[lik]
    assert f"Bayesian {title} regression" in s.execute("bayesmh").text()


def test_far_initial_values_reach_the_posterior() -> None:
    """From initial values deep in the logit's flat tail the Newton proposal's reverse move is
    improbable; burn-in's damped Newton steps bring the chain to the posterior."""
    s = Session()
    run(s, "use hospital")
    y, x = _col(s, "hosp"), _col(s, "dropout")

    def loglik(b0, b1):
        eta = b0[..., None] + b1[..., None] * x
        return (y * eta - np.logaddexp(0, eta)).sum(-1)

    mean, sd = _grid_posterior(loglik, 100.0)
    run(
        s,
        "bayesmh hosp dropout, likelihood(logit) prior({hosp:}, normal(0,100)) rseed(11) "
        "mcmcsize(10000) burnin(1000) initial({hosp:dropout} 10 {hosp:_cons} -20)",
    )
    _check(s, ["hosp:_cons", "hosp:dropout"], mean, sd)


def test_binomial_with_variable_trials_on_a_grid() -> None:
    s = Session()
    run(s, "use cbpp")
    run(s, "generate late = period > 1")
    y, n, x = _col(s, "incidence"), _col(s, "size"), _col(s, "late")

    def loglik(b0, b1):
        eta = b0[..., None] + b1[..., None] * x
        return (y * eta - n * np.logaddexp(0, eta)).sum(-1)

    mean, sd = _grid_posterior(loglik, 100.0)
    out = run(
        s,
        "bayesmh incidence late, likelihood(binomial(size)) prior({incidence:}, normal(0,100)) "
        "rseed(12) mcmcsize(10000) burnin(1000)",
    )
    assert "incidence ~ binlogit(xb_incidence,size)" in out
    assert "Bayesian binomial regression" in out
    _check(s, ["incidence:_cons", "incidence:late"], mean, sd)


def test_poisson_with_exposure_on_a_grid() -> None:
    s = Session()
    run(s, "use cbpp")
    run(s, "generate late = period > 1")
    y, off, x = _col(s, "incidence"), np.log(_col(s, "size")), _col(s, "late")

    def loglik(b0, b1):
        eta = b0[..., None] + b1[..., None] * x + off
        return (y * eta - np.exp(eta)).sum(-1)

    mean, sd = _grid_posterior(loglik, 100.0)
    run(
        s,
        "bayesmh incidence late, likelihood(poisson, exposure(size)) "
        "prior({incidence:}, normal(0,100)) rseed(13) mcmcsize(10000) burnin(1000)",
    )
    _check(s, ["incidence:_cons", "incidence:late"], mean, sd)
    # offset(ln size) is the same model
    run(s, "generate double lsize = ln(size)")  # a float would round the offset
    first = s.e.draws.copy()
    run(
        s,
        "bayesmh incidence late, likelihood(poisson, offset(lsize)) "
        "prior({incidence:}, normal(0,100)) rseed(13) mcmcsize(10000) burnin(1000)",
    )
    assert np.allclose(s.e.draws, first, rtol=1e-9, atol=1e-12)


def test_multilevel_bayesmh_is_bayes_melogit() -> None:
    s = Session()
    run(s, "use cbpp")
    run(
        s,
        "bayes, rseed(5) mcmcsize(400) burnin(200): melogit incidence i.period || herd:, "
        "binomial(size)",
    )
    ref = s.e.draws.copy()
    ref_re = s.e.re_draws.copy()
    out = run(
        s,
        "bayesmh incidence i.period U0[herd], likelihood(binomial(size)) "
        "prior({incidence:}, normal(0,10000)) prior({U0}, normal(0,{U0:sigma2})) "
        "prior({U0:sigma2}, igamma(.01,.01)) rseed(5) mcmcsize(400) burnin(200)",
    )
    assert "Bayesian multilevel binomial regression" in out
    # the same arithmetic up to the order of floating-point sums in the starting values
    assert np.allclose(s.e.draws, ref, rtol=1e-10, atol=1e-12)
    assert np.allclose(s.e.re_draws, ref_re, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "cmd, msg",
    [
        ("likelihood(logit, exposure(size))", "exposure() allowed only with likelihood(poisson)"),
        ("likelihood(binomial)", "takes one argument, the number of trials"),
        ("likelihood(binomial(0))", "number of trials must be a positive integer"),
        ("likelihood(poisson, offset(size) exposure(size))", "only one of offset() or exposure()"),
        ("likelihood(poisson, offset(nosuch))", "variable nosuch not found"),
        ("likelihood(logit) block({incidence:_cons})", "option block() is not available"),
        ("likelihood(cloglog)", "likelihood(cloglog) is not available"),
    ],
)
def test_bad_likelihoods(cmd: str, msg: str) -> None:
    s = Session()
    run(s, "use cbpp")
    run(s, "bayesmh incidence, likelihood(poisson) prior({incidence:}, normal(0,100)) mcmcsize(50)")
    before = s.e
    m, rc = fails(s, f"bayesmh incidence period, {cmd} prior({{incidence:}}, normal(0,100))")
    assert msg in m
    assert rc in (198, 111)
    assert s.e is before
