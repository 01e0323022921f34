"""``bayesmh y = (expression)`` against posteriors known exactly and samplers nobody here wrote.

* A linear regression written as an expression, flat and Jeffreys priors: the closed form of
  ``test_posterior_exact`` (multivariate t, inverse gamma), now reached by the expression
  kernel's MH block and its Gibbs step for the variance.
* A model nonlinear in its parameters, y = c·exp(r·Days) with a known variance: the exact
  posterior moments by quadrature on a grid over (c, r).
* Normal random effects with a known variance and a normal hyperprior on their mean: a Gaussian
  posterior, exact by linear algebra (the random effects' MH steps and the mean's Gibbs step).
* The same with an inverse-gamma variance: exact moments by quadrature over the variance (its
  Gibbs step, and the moves that rescale and shift the effects with their variance and mean).
* A parameter that is one effect's variance and another's mean: quadrature over it.
* A Poisson random-intercept model against ``bayes: mepoisson`` (validated against NUTS).
* Two outcomes with a multivariate normal likelihood, flat and Jeffreys priors: the closed form
  (multivariate t means, inverse-Wishart covariance).
* The talk's model written as an expression, random intercepts and slopes with prior means
  ``{b0}``, ``{b1}`` and an inverse-Wishart ``{Sigma,m}``: the same posterior as the talk's
  ``bayes: mixed``, held to NumPyro's 4 x 250,000-draw NUTS run (``bench/reference/talk_nuts.json``).
* The Orange trees' logistic growth with a random asymptote: NumPyro NUTS
  (``bench/nonlinear_reference.py`` -> ``bench/reference/orange_nuts.json``).

Each posterior mean (and variance) must land within K = 4 Monte Carlo standard errors: ours
(posterior SD / sqrt(ESS), as bayesstats summary reports) combined with the reference's.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import run
from tests.statistical.test_posterior_exact import _check, _mcse_mean, _mcse_var

K = 4.0
REF = Path(__file__).resolve().parents[2] / "bench" / "reference"

pytestmark = pytest.mark.slow


def test_linear_expression_flat_jeffreys_matches_closed_form() -> None:
    s = Session()
    run(s, "use sleepstudy")
    run(
        s,
        "quietly bayesmh Reaction = ({b0} + {b1}*Days), likelihood(normal({sigma2})) "
        "prior({b0 b1}, flat) prior({sigma2}, jeffreys) rseed(2024) mcmcsize(20000)",
    )
    y = s.data.values("Reaction")
    X = np.column_stack([np.ones(len(y)), s.data.values("Days")])
    n, p = X.shape
    bhat, *_ = np.linalg.lstsq(X, y, rcond=None)
    rss = float(((y - X @ bhat) ** 2).sum())
    nu = n - p
    cov_b = rss / nu * np.linalg.inv(X.T @ X) * nu / (nu - 2)
    for j, name in enumerate(["b0", "b1"]):
        _check(s.e.chains_of(name), bhat[j], cov_b[j, j])
    a, b = nu / 2, rss / 2
    _check(s.e.chains_of("sigma2"), b / (a - 1), b * b / ((a - 1) ** 2 * (a - 2)))


def test_nonlinear_in_parameters_matches_grid_quadrature() -> None:
    s = Session()
    run(s, "use sleepstudy")
    v = 2500.0  # known variance
    run(
        s,
        f"quietly bayesmh Reaction = ({{c}}*exp({{r}}*Days)), likelihood(normal({v:g})) "
        "prior({c}, normal(250,10000)) prior({r}, normal(0,1)) "
        "initial({c} 250 {r} 0.03) rseed(11) mcmcsize(20000)",
    )
    y = s.data.values("Reaction")
    x = s.data.values("Days")
    c = np.linspace(200, 300, 801)
    r = np.linspace(0.0, 0.07, 801)
    C, R = np.meshgrid(c, r, indexing="ij")
    mu = C[..., None] * np.exp(R[..., None] * x)
    lp = -0.5 * ((y - mu) ** 2).sum(-1) / v - 0.5 * (C - 250) ** 2 / 10000 - 0.5 * R**2
    w = np.exp(lp - lp.max())
    w /= w.sum()
    assert w[0].sum() + w[-1].sum() + w[:, 0].sum() + w[:, -1].sum() < 1e-10  # grid covers it
    for name, g in (("c", C), ("r", R)):
        m = float((w * g).sum())
        _check(s.e.chains_of(name), m, float((w * (g - m) ** 2).sum()))


def test_normal_random_effects_match_gaussian_posterior() -> None:
    s = Session()
    run(s, "use dyestuff")
    s2, tau2, v0 = 2500.0, 1800.0, 1e6
    run(
        s,
        f"quietly bayesmh Yield = ({{U[Batch]}}), likelihood(normal({s2:g})) "
        f"prior({{U[Batch]}}, normal({{mu}},{tau2:g})) prior({{mu}}, normal(0,{v0:g})) "
        "rseed(5) mcmcsize(20000)",
    )
    y = s.data.values("Yield")
    codes, groups = np.unique(s.data.values("Batch"), return_inverse=True)
    G = len(codes)
    # joint Gaussian over (mu, U_1..U_G): precision and linear term
    P = np.zeros((G + 1, G + 1))
    h = np.zeros(G + 1)
    P[0, 0] = 1 / v0 + G / tau2
    for j in range(G):
        nj = int((groups == j).sum())
        P[j + 1, j + 1] = 1 / tau2 + nj / s2
        P[0, j + 1] = P[j + 1, 0] = -1 / tau2
        h[j + 1] = y[groups == j].sum() / s2
    cov = np.linalg.inv(P)
    mean = cov @ h
    _check(s.e.chains_of("mu"), mean[0], cov[0, 0])
    names = s.e.re_names
    for j, code in enumerate(codes):
        _check(s.e.chains_of(names[j]), mean[j + 1], cov[j + 1, j + 1])
        assert names[j] == f"U[{int(code)}]"


@pytest.mark.parametrize("prior", ["igamma(1,1)", "jeffreys"])
def test_likelihood_variance_also_in_the_mean_matches_quadrature(prior: str) -> None:
    """math ~ N(b0, b0): the variance is also the mean, so its inverse-gamma (or Jeffreys)
    prior is not conjugate and must not get the conjugate Gibbs draw (a new-user trial saw it
    run off to 1e+255). Exact moments by quadrature over b0."""
    s = Session()
    run(s, "use math")
    run(
        s,
        f"quietly bayesmh math = ({{b0}}), likelihood(normal({{b0}})) prior({{b0}}, {prior}) "
        "rseed(3) mcmcsize(10000) initial({b0} 60)",
    )
    y = np.asarray(s.data.values("math"), float)
    grid = np.linspace(48, 57, 4001)
    n, ss, sq = len(y), y.sum(), (y**2).sum()
    loglik = -0.5 * n * np.log(grid) - (sq - 2 * grid * ss + n * grid**2) / (2 * grid)
    logprior = -2 * np.log(grid) - 1 / grid if prior.startswith("igamma") else -np.log(grid)
    w = np.exp(loglik + logprior - (loglik + logprior).max())
    w /= w.sum()
    mean = float((w * grid).sum())
    var = float((w * (grid - mean) ** 2).sum())
    _check(s.e.chains_of("b0"), mean, var)


def test_random_effects_with_unknown_variance_match_quadrature() -> None:
    """τ² ~ IG(a, b) unknown: exact moments of τ², μ and one effect by quadrature over log τ²
    (given τ², everything is Gaussian). Exercises the variance's Gibbs step and the rescale
    and shift moves together."""
    s = Session()
    run(s, "use dyestuff")
    s2, v0, a, b = 2500.0, 1e6, 2.0, 2000.0
    run(
        s,
        f"quietly bayesmh Yield = ({{U[Batch]}}), likelihood(normal({s2:g})) "
        f"prior({{U[Batch]}}, normal({{mu}},{{tau2}})) prior({{mu}}, normal(0,{v0:g})) "
        f"prior({{tau2}}, igamma({a:g},{b:g})) rseed(9) mcmcsize(20000)",
    )
    y = s.data.values("Yield")
    _, groups = np.unique(s.data.values("Batch"), return_inverse=True)
    Z = np.eye(groups.max() + 1)[groups]
    n = Z.shape[0]
    grid = np.exp(np.linspace(np.log(20.0), np.log(2e5), 4001))
    logw, m_mu, v_mu, m_u, v_u = [], [], [], [], []
    for t2 in grid:
        Sy = s2 * np.eye(n) + t2 * Z @ Z.T + v0  # y's covariance with U and μ integrated out
        _sign, logdet = np.linalg.slogdet(Sy)
        alpha = np.linalg.solve(Sy, y)
        # log N(y; 0, Sy) + log IG(τ²; a, b) + log τ² (the grid is in log τ²)
        logw.append(-0.5 * (logdet + y @ alpha) - (a + 1) * np.log(t2) - b / t2 + np.log(t2))
        # (μ, U_1) | y, τ²: Cov(θ, y) Sy⁻¹ y and Var(θ) - Cov Sy⁻¹ Cov'
        c_mu = np.full(n, v0)
        c_u = v0 + t2 * Z[:, 0]
        m_mu.append(c_mu @ alpha)
        v_mu.append(v0 - c_mu @ np.linalg.solve(Sy, c_mu))
        m_u.append(c_u @ alpha)
        v_u.append(v0 + t2 - c_u @ np.linalg.solve(Sy, c_u))
    w = np.exp(np.array(logw) - max(logw))
    w /= w.sum()
    assert w[0] + w[-1] < 1e-8  # the grid holds the posterior of τ²

    def moments(m, v):
        m, v = np.array(m), np.array(v)
        e = float(w @ m)
        return e, float(w @ (v + m**2)) - e**2

    _check(s.e.chains_of("mu"), *moments(m_mu, v_mu))
    _check(s.e.chains_of(s.e.re_names[0]), *moments(m_u, v_u))
    e_t2 = float(w @ grid)
    _check(s.e.chains_of("tau2"), e_t2, float(w @ grid**2) - e_t2**2)


def test_multivariate_normal_means_match_closed_form() -> None:
    """Two outcomes, likelihood(mvnormal({S,m})), flat priors on the means and Jeffreys'
    prior on S: μ | y is bivariate t with n - 2 degrees of freedom around ȳ and scale
    W / (n (n - 2)), W the residual cross-products; S | y is inverse Wishart (n - 1, W)
    (Gelman et al., *Bayesian Data Analysis*, 3rd ed., §3.6)."""
    s = Session()
    run(s, "use math")
    run(
        s,
        "quietly bayesmh (math = ({m1})) (homework = ({m2})), likelihood(mvnormal({S,m})) "
        "prior({m1 m2}, flat) prior({S,m}, jeffreys(2)) rseed(21) mcmcsize(20000)",
    )
    Y = np.column_stack([s.data.values("math"), s.data.values("homework")])
    n, p = Y.shape
    W = (Y - Y.mean(0)).T @ (Y - Y.mean(0))
    cov_mu = W / (n * (n - p)) * (n - p) / (n - p - 2)
    for j, name in enumerate(["m1", "m2"]):
        _check(s.e.chains_of(name), Y[:, j].mean(), cov_mu[j, j])
    nu = n - 1  # S | y ~ IW(nu, W): E S = W / (nu - p - 1)
    ES = W / (nu - p - 1)
    for (a, b), name in zip([(0, 0), (1, 0), (1, 1)], ["S_1_1", "S_2_1", "S_2_2"]):
        x = s.e.chains_of(name).reshape(1, -1)
        assert abs(x.mean() - ES[a, b]) < K * _mcse_mean(x), (name, x.mean(), ES[a, b])


def test_parameter_that_is_a_mean_and_a_variance_matches_quadrature() -> None:
    """{v} is one effect's variance and another's mean (a review found the rescale and shift
    moves wrong for such a parameter): E[v | y] by quadrature over v, y Gaussian given v."""
    from scipy.special import gammaln

    s = Session()
    run(s, "use math")
    run(
        s,
        "quietly bayesmh math = ({a} + {U[schid]} + {W[schid]}*homework), "
        "likelihood(normal(60)) prior({a}, normal(50,100)) prior({U[schid]}, normal(0,{v})) "
        "prior({W[schid]}, normal({v},1)) prior({v}, igamma(2,2)) rseed(2) mcmcsize(20000)",
    )
    y, x = s.data.values("math"), s.data.values("homework")
    _, gi = np.unique(s.data.values("schid"), return_inverse=True)
    n, G = len(y), gi.max() + 1
    Zu = np.zeros((n, G))
    Zu[np.arange(n), gi] = 1
    Zw = Zu * x[:, None]
    vs = np.linspace(0.05, 40, 800)
    lp = []
    for v in vs:  # y | v ~ N(50 + v Zw 1, 100 11' + v Zu Zu' + Zw Zw' + 60 I)
        C = 100 * np.ones((n, n)) + v * Zu @ Zu.T + Zw @ Zw.T + 60 * np.eye(n)
        r = y - (50 + Zw.sum(1) * v)
        _sign, ld = np.linalg.slogdet(C)
        prior = 2 * np.log(2) - gammaln(2) - 3 * np.log(v) - 2 / v
        lp.append(-0.5 * ld - 0.5 * r @ np.linalg.solve(C, r) + prior)
    w = np.exp(np.array(lp) - max(lp))
    w /= w.sum()
    assert w[:5].sum() + w[-5:].sum() < 1e-8
    ev = float(w @ vs)
    _check(s.e.chains_of("v"), ev, float(w @ vs**2) - ev**2)


def test_poisson_random_intercept_matches_bayes_mepoisson() -> None:
    """A Poisson model with a random intercept written as an expression (its parameters move
    against the intercepts by the counter-shift moves) against ``bayes: mepoisson``, whose
    kernel agrees with NumPyro NUTS (tests/sampler/test_glmm_sampler.py): each posterior mean
    within 4 MCSE of the two combined, and DIC within 1 (both use the same likelihood, the
    log y! constant included)."""
    s = Session()
    run(s, "use epilepsy")
    run(
        s,
        "quietly bayesmh count = ({b0}+{b1}*zBase+{b2}*Trt+{U[patient]}), likelihood(poisson) "
        "prior({b0 b1 b2}, normal(0,100)) prior({U[patient]}, normal(0,{vu})) "
        "prior({vu}, igamma(.01,.01)) rseed(4) mcmcsize(20000)",
    )
    ours = s.e
    run(s, "bayesstats ic")
    dic_ours = float(s.r["ic"].values[0, 0])
    run(
        s,
        "quietly bayes, rseed(4) mcmcsize(20000) normalprior(10): "
        "mepoisson count zBase Trt || patient:",
    )
    run(s, "bayesstats ic")
    dic_ref = float(s.r["ic"].values[0, 0])
    for a, b in (
        ("b0", "count:_cons"),
        ("b1", "count:zBase"),
        ("b2", "count:Trt"),
        ("vu", "U0:sigma2"),
    ):
        x, y = ours.chains_of(a).reshape(1, -1), s.e.chains_of(b).reshape(1, -1)
        se = float(np.hypot(_mcse_mean(x), _mcse_mean(y)))
        assert abs(x.mean() - y.mean()) < K * se, (a, x.mean(), y.mean(), se)
    assert abs(dic_ours - dic_ref) < 1.0, (dic_ours, dic_ref)


def _near(x: np.ndarray, ref: dict, what: str) -> None:
    """Mean within K combined MCSEs of the reference's."""
    flat = x.reshape(1, -1)
    se = float(np.hypot(_mcse_mean(flat), ref["mcse_mean"]))
    assert abs(flat.mean() - ref["mean"]) < K * se, (what, flat.mean(), ref["mean"], se)
    # the SD: our sample variance's MCSE, and the reference's SD MCSE through d(sd²) = 2 sd d(sd)
    se_v = float(np.hypot(_mcse_var(flat), 2 * ref["sd"] * ref.get("mcse_sd", 0.0)))
    assert abs(flat.var(ddof=1) - ref["sd"] ** 2) < K * se_v, (what, flat.std(), ref["sd"])


def test_talk_model_as_expression_matches_nuts() -> None:
    ref = json.loads((REF / "talk_nuts.json").read_text())["posterior"]
    s = Session()
    run(s, "use math")
    run(
        s,
        "quietly bayesmh math = ({U0[schid]} + {U1[schid]}*homework + {b2}*schtype), "
        "likelihood(normal({e.math:sigma2})) "
        "prior({U0[schid] U1[schid]}, mvnormal(2,{b0},{b1},{Sigma,m})) "
        "prior({b0 b1 b2}, normal(0,10000)) prior({e.math:sigma2}, igamma(.01,.01)) "
        "prior({Sigma,m}, iwishart(2,3,I(2))) rseed(3) mcmcsize(20000)",
    )
    pairs = {
        "b0": "math:_cons",
        "b1": "math:homework",
        "b2": "math:1.schtype",
        "e.math:sigma2": "e.math:sigma2",
        "Sigma_1_1": "U:Sigma_1_1",
        "Sigma_2_1": "U:Sigma_2_1",
        "Sigma_2_2": "U:Sigma_2_2",
    }
    for ours, theirs in pairs.items():
        _near(s.e.chains_of(ours), ref[theirs], ours)


def test_orange_growth_matches_nuts() -> None:
    ref = json.loads((REF / "orange_nuts.json").read_text())["posterior"]
    s = Session()
    run(s, "use orange")
    run(
        s,
        "quietly bayesmh circumference = ({U[Tree]}/(1+exp(-(age-{b2})/{b3}))), "
        "likelihood(normal({e.circumference:sigma2})) "
        "prior({U[Tree]}, normal({b1},{var_U})) prior({b1 b2 b3}, normal(0,1e6)) "
        "prior({e.circumference:sigma2} {var_U}, igamma(.01,.01)) "
        "initial({b1} 200 {b2} 700 {b3} 350) rseed(8) mcmcsize(40000)",
    )
    for ours, theirs in (
        ("b1", "b1"),
        ("b2", "b2"),
        ("b3", "b3"),
        ("e.circumference:sigma2", "sigma2"),
    ):
        _near(s.e.chains_of(ours), ref[theirs], ours)
    for name in s.e.re_names:
        x = s.e.chains_of(name).reshape(1, -1)
        r = ref[name]
        se = float(np.hypot(_mcse_mean(x), r["mcse_mean"]))
        assert abs(x.mean() - r["mean"]) < K * se, (name, x.mean(), r["mean"], se)
