"""Adaptive quadrature over nested levels (:mod:`bayes_magic.fit.glmm_nested`), checked against
nested integrals written out here by plain (non-adaptive) Gauss-Hermite rules of many points,
level by level, on the scale of the random effects themselves; and the three-level model of
Rodríguez & Goldman (2001) against the published fit of Rodríguez's own quadrature program."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, logsumexp

from bayes_magic.errors import StataError
from bayes_magic.fit.glmm_family import FAMILIES
from bayes_magic.fit.glmm_nested import NestedQuadrature, nested_parents
from bayes_magic.session import Session
from tests.conftest import run

LOGIT = FAMILIES["melogit"]
POISSON = FAMILIES["mepoisson"]


def _gh(q: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and log weights of E[g(Z)], Z ~ N(0, 1)."""
    x, w = np.polynomial.hermite.hermgauss(q)
    return np.sqrt(2) * x, np.log(w / np.sqrt(np.pi))


def _bernoulli_ll(y, eta):
    return y * eta - np.logaddexp(0, eta)


def _two_levels(rng, C=6, J=3, m=4):
    top = np.repeat(np.arange(C), J * m)
    mid = np.repeat(np.arange(C * J), m)
    x = rng.normal(size=len(top))
    u = rng.normal(size=C)[top] + 1.5 * rng.normal(size=C * J)[mid]
    y = (rng.uniform(size=len(top)) < expit(-0.3 + 0.8 * x + u)).astype(float)
    return top, mid, x, y


def _brute_two_levels(y, xb, top, mid, s_top, slope_L=None, xs=None, q=80, q2=None):
    """log ∫ φ(a) Π_j ∫ φ(b) Π_i f(y_i | xb + s_top a + u_j(b)) db da by plain rules, with
    u_j = b (scalar SD folded into slope_L as [[s]]) or a random intercept and slope
    u_j = L (b1, b2) on (1, xs)."""
    z, lw = _gh(q)
    z2, lw2 = _gh(q2 or q)
    if slope_L is None:
        raise AssertionError
    k = slope_L.shape[0]
    if k == 1:
        nodes2 = z2[:, None]
        lw2k = lw2
    else:
        nodes2 = np.array([(a, b) for a in z2 for b in z2])
        lw2k = np.array([a + b for a in lw2 for b in lw2])
    U = nodes2 @ slope_L.T  # (Q2, k) effects at the nodes
    total = 0.0
    for c in np.unique(top):
        per_a = lw.copy()
        for j in np.unique(mid[top == c]):
            idx = mid == j
            Zj = (
                np.ones((idx.sum(), 1))
                if k == 1
                else np.column_stack([xs[idx], np.ones(idx.sum())])
            )
            eta = (
                xb[idx][:, None, None] + s_top * z[None, :, None] + (Zj @ U.T)[:, None, :]
            )  # obs x top node x bottom node
            ll = _bernoulli_ll(y[idx][:, None, None], eta).sum(axis=0)
            per_a += logsumexp(ll + lw2k[None, :], axis=1)
        total += logsumexp(per_a)
    return total


@pytest.mark.parametrize("method", ["mvaghermite", "mcaghermite", "ghermite"])
def test_two_levels_of_intercepts_against_plain_rules(method: str) -> None:
    rng = np.random.default_rng(11)
    top, mid, x, y = _two_levels(rng)
    xb = -0.3 + 0.8 * x
    n = len(y)
    exact = _brute_two_levels(y, xb, top, mid, 1.0, np.array([[1.5]]))
    levels = [(np.ones((n, 1)), top, top.max() + 1), (np.ones((n, 1)), mid, mid.max() + 1)]
    nq = NestedQuadrature(
        LOGIT, y, np.ones(n), np.ones(n), levels, nested_parents([top, mid], [6, 18])
    )
    Ls = [np.array([[1.0]]), np.array([[1.5]])]
    got = nq.loglik(xb, Ls, method, 30)
    assert abs(got - exact) < 1e-8
    # the adaptive rules are close with few points; the plain one is not as close
    err7 = abs(nq.loglik(xb, Ls, method, 7) - exact)
    assert err7 < (1e-3 if method != "ghermite" else 5e-3)


def test_random_slope_at_the_bottom_level() -> None:
    rng = np.random.default_rng(5)
    top, mid, x, y = _two_levels(rng, C=4, J=3, m=5)
    n = len(y)
    xb = 0.2 + 0.5 * x
    L2 = np.linalg.cholesky(np.array([[0.6, 0.2], [0.2, 1.0]]))
    exact = _brute_two_levels(y, xb, top, mid, 0.8, L2, xs=x, q=60, q2=30)
    Z2 = np.column_stack([x, np.ones(n)])
    levels = [(np.ones((n, 1)), top, 4), (Z2, mid, 12)]
    nq = NestedQuadrature(
        LOGIT, y, np.ones(n), np.ones(n), levels, nested_parents([top, mid], [4, 12])
    )
    got = nq.loglik(xb, [np.array([[0.8]]), L2], "mvaghermite", 20)
    assert abs(got - exact) < 1e-7


def test_three_levels_of_poisson_intercepts() -> None:
    # four levels of units: 3 regions > 2 towns each > 2 streets each > 3 houses each
    rng = np.random.default_rng(2)
    region = np.repeat(np.arange(3), 12)
    town = np.repeat(np.arange(6), 6)
    street = np.repeat(np.arange(12), 3)
    sd = (0.5, 0.4, 0.3)
    eta0 = 0.5 + sd[0] * rng.normal(size=3)[region] + sd[1] * rng.normal(size=6)[town]
    y = rng.poisson(np.exp(eta0 + sd[2] * rng.normal(size=12)[street])).astype(float)
    n = len(y)
    xb = np.full(n, 0.5)
    z, lw = _gh(40)
    total = 0.0
    for r in range(3):
        acc_r = lw.copy()
        for t in np.unique(town[region == r]):
            acc_t = np.zeros((len(z), 1)) + lw[None, :]  # region node x town node
            for st in np.unique(street[town == t]):
                idx = street == st
                eta = (
                    xb[idx][:, None, None, None]
                    + sd[0] * z[None, :, None, None]
                    + sd[1] * z[None, None, :, None]
                    + sd[2] * z[None, None, None, :]
                )
                ll = (y[idx][:, None, None, None] * eta - np.exp(eta)).sum(axis=0)
                acc_t = acc_t + logsumexp(ll + lw[None, None, :], axis=2)
            acc_r = acc_r + logsumexp(acc_t, axis=1)
        total += logsumexp(acc_r)
    levels = [(np.ones((n, 1)), g, g.max() + 1) for g in (region, town, street)]
    par = nested_parents([region, town, street], [3, 6, 12])
    nq = NestedQuadrature(POISSON, y, np.ones(n), np.ones(n), levels, par)
    Ls = [np.array([[s]]) for s in sd]
    assert abs(nq.loglik(xb, Ls, "mvaghermite", 20) - total) < 1e-8


def test_gradient_and_posterior_means() -> None:
    rng = np.random.default_rng(3)
    top, mid, x, y = _two_levels(rng, C=4, J=3, m=4)
    n = len(y)
    X = np.column_stack([x, np.ones(n)])
    beta = np.array([0.8, -0.3])
    levels = [(np.ones((n, 1)), top, 4), (np.ones((n, 1)), mid, 12)]
    nq = NestedQuadrature(
        LOGIT, y, np.ones(n), np.ones(n), levels, nested_parents([top, mid], [4, 12])
    )
    Ls = [np.array([[1.0]]), np.array([[1.5]])]
    _tot, g_b, g_L, _g_aux = nq.gradient(X @ beta, X, Ls, "mvaghermite", 20)
    h = 1e-6
    for j in range(2):
        e = np.eye(2)[j] * h
        fd = (
            nq.loglik(X @ (beta + e), Ls, "mvaghermite", 20)
            - nq.loglik(X @ (beta - e), Ls, "mvaghermite", 20)
        ) / (2 * h)
        assert g_b[j] == pytest.approx(fd, rel=1e-6, abs=1e-8)
    for d in range(2):
        up = [L + h * (i == d) for i, L in enumerate(Ls)]
        dn = [L - h * (i == d) for i, L in enumerate(Ls)]
        fd = (
            nq.loglik(X @ beta, up, "mvaghermite", 20) - nq.loglik(X @ beta, dn, "mvaghermite", 20)
        ) / (2 * h)
        assert g_L[d][0, 0] == pytest.approx(fd, rel=1e-6, abs=1e-8)
    # posterior means of the top effect of cluster 0 and of the first bottom group, by a plain
    # rule over (a, b_1 .. b_3) with the cluster's likelihood
    (m_top, C_top), (m_bot, _C_bot) = nq.posterior(X @ beta, Ls, "mvaghermite", 20)
    z, lw = _gh(80)
    xb = X @ beta
    logs_a = lw.copy()
    inner = {}
    for j in range(3):
        idx = mid == j
        eta = xb[idx][:, None, None] + z[None, :, None] + 1.5 * z[None, None, :]
        ll = _bernoulli_ll(y[idx][:, None, None], eta).sum(axis=0) + lw[None, :]
        inner[j] = ll
        logs_a += logsumexp(ll, axis=1)
    pa = np.exp(logs_a - logsumexp(logs_a))
    assert m_top[0, 0] == pytest.approx(np.sum(pa * z), abs=1e-8)
    assert C_top[0, 0, 0] == pytest.approx(np.sum(pa * z**2) - np.sum(pa * z) ** 2, abs=1e-8)
    pb = np.exp(inner[0] - logsumexp(inner[0], axis=1, keepdims=True))  # given a
    assert m_bot[0, 0] == pytest.approx(np.sum(pa[:, None] * pb * 1.5 * z[None, :]), abs=1e-8)


def test_crossed_levels_are_not_nested() -> None:
    a = np.array([0, 0, 1, 1])
    b = np.array([0, 1, 0, 1])
    assert nested_parents([a, b], [2, 2]) is None
    assert nested_parents([a, np.array([0, 0, 1, 2])], [2, 3]) is not None


#: Rodríguez's lr3 fit (12-point Gauss-Hermite quadrature, not adaptive) of the immunization
#: model of Rodríguez & Goldman (2001), as printed at
#: https://data.princeton.edu/pop510/maxlik.html: coefficient (standard error)
LR3 = {
    "_cons": (-1.233400, 0.4832),
    "kid2p1": (1.716657, 0.2173),
    "mom25": (-0.215995, 0.2316),
    "order23": (-0.260719, 0.2319),
    "order46": (0.179374, 0.2945),
    "order7p": (0.431083, 0.3720),
    "indNoSpa": (-0.172474, 0.4894),
    "indSpa": (-0.083649, 0.3633),
    "momEdPri": (0.433026, 0.2224),
    "momEdSec": (0.420005, 0.4844),
    "husEdPri": (0.539349, 0.2323),
    "husEdSec": (0.505110, 0.4143),
    "husEdDK": (-0.007241, 0.3569),
    "work": (0.390044, 0.2027),
    "rur": (-0.888257, 0.3062),
    "pcind81": (-1.149777, 0.5004),
}


@pytest.mark.slow
def test_guatemala_immunization_matches_rodriguez_lr3() -> None:
    """Mothers in communities: ``intmethod(ghermite) intpoints(12)`` is lr3's rule, so the fit
    must be lr3's: logL = -1323.9618222914, log σ(mom) 0.839785, log σ(community) 0.024317,
    the coefficients to their printed digits (the optimizers' tolerances allowing 1e-4)."""
    s = Session()
    run(s, "use guimmun")  # bundled: ../shared/data/guimmun.csv, names as import delimited
    run(
        s,
        """generate imm = immun == "Y"
generate kid2p1 = kid2p == "Y"
generate mom25 = mom25p == "Y"
generate order23 = ord == "23"
generate order46 = ord == "46"
generate order7p = ord == "7p"
generate indNoSpa = ethn == "N"
generate indSpa = ethn == "S"
generate momEdPri = momed == "P"
generate momEdSec = momed == "S"
generate husEdPri = hused == "P"
generate husEdSec = hused == "S"
generate husEdDK = hused == "U"
generate work = momwork == "Y"
generate rur = rural == "Y"
local x kid2p1 mom25 order23 order46 order7p indNoSpa indSpa momEdPri momEdSec husEdPri
local x `x' husEdSec husEdDK work rur pcind81
quietly melogit imm `x' || comm: || mom:, intmethod(ghermite) intpoints(12)""",
    )
    e = s.e
    assert e.macros["intmethod"] == "ghermite" and e.scalars["n_quad"] == 12
    assert abs(e.scalars["ll"] - -1323.9618222914) < 1e-4
    names = [n.rpartition(":")[2] for n in e.bnames]
    b = dict(zip(names, e.b))
    se = dict(zip(names, np.sqrt(np.diag(e.V))))
    for name, (fig, sef) in LR3.items():
        assert abs(b[name] - fig) < 1e-4, name
        assert abs(se[name] - sef) < 0.005 * sef, name
    lsd_comm, lsd_mom = (0.5 * np.log(S[0, 0]) for S in e.fit.Sigmas)
    assert abs(lsd_mom - 0.839785) < 1e-4
    assert abs(lsd_comm - 0.024317) < 1e-4
    # the default adaptive rule with more points moves the log likelihood up by about 0.01
    # (12 plain points underestimate the integrals of mothers with SD 2.3 on the logit scale)
    run(s, "quietly melogit imm `x' || comm: || mom:, intpoints(20)")
    assert s.e.macros["intmethod"] == "mvaghermite"
    assert 0.0 < s.e.scalars["ll"] - e.scalars["ll"] < 0.05


def test_the_family_parameters_reach_the_mode_finder() -> None:
    """ln α moves during the fit; the joint mode the nested rule is centred on (and predict,
    ebmodes) must use the current value, so the mode-curvature rule agrees with the
    mean-variance one at more points."""
    s = Session()
    run(s, "use epilepsy")
    run(s, "quietly menbreg count zBase Trt || patient: || visit:, intmethod(mcaghermite)")
    fit = s.e.fit
    assert fit.integrator.joint.family == fit.integrator.family
    ll_mc = s.e.scalars["ll"]
    run(s, "quietly menbreg count zBase Trt || patient: || visit:, intpoints(15)")
    assert abs(s.e.scalars["ll"] - ll_mc) < 1e-3


def test_rules_too_large_for_memory_are_refused() -> None:
    n = 10
    g = np.arange(n)
    levels = [(np.ones((n, 3)), g // 5, 2), (np.ones((n, 3)), g, n)]
    nq = NestedQuadrature(
        LOGIT, np.zeros(n), np.ones(n), np.ones(n), levels, nested_parents([g // 5, g], [2, n])
    )
    nq.check_size(7)  # 7^6 = 117,649 points for 10 observations: fine
    with pytest.raises(StataError) as err:
        nq.check_size(30)  # 30^6 = 729 million
    assert err.value.rc == 909
