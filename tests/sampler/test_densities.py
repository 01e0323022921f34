"""Every prior density equals scipy's (or a closed form where scipy has none)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from bayes_magic.sampler import densities as D

X = [-2.5, -0.3, 0.0, 0.4, 1.7, 3.2, 12.0]
POS = [0.05, 0.4, 1.0, 2.3, 7.5]
UNIT = [0.01, 0.2, 0.5, 0.93]

CASES = [
    ("normal", (0.5, 2.0, 0), X, lambda x: stats.norm(0.5, math.sqrt(2.0)).logpdf(x)),
    ("t", (1.0, 4.0, 3.0), X, lambda x: stats.t(3.0, loc=1.0, scale=2.0).logpdf(x)),
    (
        "lognormal",
        (0.2, 0.5, 0),
        POS,
        lambda x: stats.lognorm(math.sqrt(0.5), scale=math.exp(0.2)).logpdf(x),
    ),
    ("uniform", (-1.0, 4.0, 0), X, lambda x: stats.uniform(-1.0, 5.0).logpdf(x)),
    ("gamma", (2.5, 1.5, 0), POS, lambda x: stats.gamma(2.5, scale=1.5).logpdf(x)),
    ("igamma", (0.01, 0.01, 0), POS, lambda x: stats.invgamma(0.01, scale=0.01).logpdf(x)),
    ("igamma", (3.0, 2.0, 0), POS, lambda x: stats.invgamma(3.0, scale=2.0).logpdf(x)),
    ("exponential", (2.0, 0, 0), POS, lambda x: stats.expon(scale=2.0).logpdf(x)),
    ("beta", (2.0, 5.0, 0), UNIT, lambda x: stats.beta(2.0, 5.0).logpdf(x)),
    ("laplace", (0.5, 1.5, 0), X, lambda x: stats.laplace(0.5, 1.5).logpdf(x)),
    ("cauchy", (-1.0, 2.0, 0), X, lambda x: stats.cauchy(-1.0, 2.0).logpdf(x)),
    ("chi2", (4.0, 0, 0), POS, lambda x: stats.chi2(4.0).logpdf(x)),
    ("pareto", (3.0, 0.3, 0), POS, lambda x: stats.pareto(3.0, scale=0.3).logpdf(x)),
    ("jeffreys", (0, 0, 0), POS, lambda x: -np.log(x)),
    ("flat", (0, 0, 0), X, lambda x: 0.0),
    ("bernoulli", (0.3, 0, 0), [0.0, 1.0], lambda x: stats.bernoulli(0.3).logpmf(x)),
    ("geometric", (0.3, 0, 0), [0.0, 1.0, 4.0], lambda x: stats.geom(0.3, loc=-1).logpmf(x)),
    ("poisson", (2.5, 0, 0), [0.0, 1.0, 6.0], lambda x: stats.poisson(2.5).logpmf(x)),
]


@pytest.mark.parametrize(("name", "args", "xs", "ref"), CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_scalar_density(name, args, xs, ref) -> None:
    code = D.code_of(name)
    for x in xs:
        got = D.logpdf_scalar(code, float(x), *map(float, args))
        want = float(ref(x))
        if np.isinf(want):
            assert got == -np.inf, (name, x)
        else:
            assert got == pytest.approx(want, rel=1e-10, abs=1e-12), (name, x)


def test_index() -> None:
    p = np.array([0.2, 0.5, 0.3])
    assert D.logpdf_index(2.0, p) == pytest.approx(math.log(0.5))
    assert D.logpdf_index(4.0, p) == -np.inf


def test_mvn_wishart_iwishart_dirichlet() -> None:
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 3))
    S = A @ A.T + 3 * np.eye(3)
    m = np.array([0.5, -1.0, 2.0])
    x = rng.normal(size=3)
    assert D.logpdf_mvn(x, m, S) == pytest.approx(stats.multivariate_normal(m, S).logpdf(x))
    X = stats.wishart(6, S).rvs(random_state=1)
    assert D.logpdf_wishart(X, 6.0, S) == pytest.approx(stats.wishart(6, S).logpdf(X))
    assert D.logpdf_iwishart(X, 6.0, S) == pytest.approx(stats.invwishart(6, S).logpdf(X))
    a = np.array([1.5, 2.0, 0.7])
    w = np.array([0.2, 0.5, 0.3])
    assert D.logpdf_dirichlet(w, a) == pytest.approx(stats.dirichlet(a).logpdf(w))
    assert D.logpdf_jeffreys_matrix(S) == pytest.approx(-2.0 * np.linalg.slogdet(S)[1])
    bad = np.array([[1.0, 2.0], [2.0, 1.0]])
    assert D.logpdf_mvn(np.zeros(2), np.zeros(2), bad) == -np.inf
    assert D.logpdf_iwishart(bad, 4.0, np.eye(2)) == -np.inf
