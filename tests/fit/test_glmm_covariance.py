"""Random-slope ``mepoisson`` under each of Stata's covariance structures, against a marginal
likelihood written here afresh.

[ME] me, Remarks: ``covariance(identity)`` is Σ = σ²I, ``exchangeable`` has one variance and
one covariance, ``independent`` a variance each, ``unstructured`` every element. For each, the
marginal log likelihood of ``count zAge zBase Trt visit || patient: visit`` on the epilepsy data
is computed here per patient as a two-dimensional integral over u ~ N(0, Σ): Newton's method
finds each patient's mode with numpy, and a 25 × 25 Gauss-Hermite product rule (numpy's nodes)
centred there and scaled by the curvature's Cholesky factor integrates it. The reported log
likelihood equals that integral at the reported estimates, and its numerical gradient in
(β, the structure's free variance parameters) vanishes there: the estimates are the maximum of
the model as Stata defines each structure.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from bayes_magic.session import Session
from tests.conftest import run

_X = ["zAge", "zBase", "Trt", "visit"]
_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(25)


def _sigma(cov: str, p: np.ndarray) -> np.ndarray:
    """Σ of (u_visit, u_cons) from the structure's free parameters, in Stata's order."""
    if cov == "identity":
        return p[0] * np.eye(2)
    if cov == "exchangeable":
        return np.array([[p[0], p[1]], [p[1], p[0]]])
    if cov == "independent":
        return np.diag(p[:2])
    return np.array([[p[0], p[2]], [p[2], p[1]]])  # var(visit), var(_cons), cov


def _patient(y: np.ndarray, eta0: np.ndarray, Z: np.ndarray, Sinv: np.ndarray) -> float:
    """log ∫ Π Poisson(y | exp(η0 + Zu)) N(u; 0, Σ) du without the N's constant."""
    u = np.zeros(2)
    for _ in range(50):  # Newton on log f(y|u) − u'Σ⁻¹u/2
        mu = np.exp(eta0 + Z @ u)
        g = Z.T @ (y - mu) - Sinv @ u
        H = Z.T @ (mu[:, None] * Z) + Sinv
        step = np.linalg.solve(H, g)
        u += step
        if np.max(np.abs(step)) < 1e-12:
            break
    mu = np.exp(eta0 + Z @ u)
    L = np.linalg.cholesky(np.linalg.inv(Z.T @ (mu[:, None] * Z) + Sinv))
    a, b = np.meshgrid(_NODES, _NODES, indexing="ij")
    w = np.outer(_WEIGHTS, _WEIGHTS).ravel()
    t = np.sqrt(2.0) * np.column_stack([a.ravel(), b.ravel()])
    us = u + t @ L.T
    eta = eta0[None, :] + us @ Z.T
    logf = (y * eta - np.exp(eta) - special.gammaln(y + 1)).sum(1)
    logf -= 0.5 * np.einsum("ij,jk,ik->i", us, Sinv, us)
    logf += (t**2).sum(1) / 2  # the Gauss-Hermite weight e^{-x²} undone
    m = logf.max()
    return m + np.log(np.sum(w * np.exp(logf - m))) + np.log(2.0 * np.linalg.det(L))


def _marginal(cov: str, theta: np.ndarray, data: tuple) -> float:
    X, Z, y, groups = data
    k = X.shape[1]
    S = _sigma(cov, theta[k:])
    Sinv = np.linalg.inv(S)
    const = -0.5 * np.log(np.linalg.det(2.0 * np.pi * S))
    eta0 = X @ theta[:k]
    total = 0.0
    for g in np.unique(groups):
        i = groups == g
        total += _patient(y[i], eta0[i], Z[i], Sinv) + const
    return total


@pytest.fixture(scope="module")
def epilepsy() -> Session:
    s = Session()
    run(s, "use epilepsy")
    return s


@pytest.mark.parametrize(
    "cov, names",
    [
        ("identity", ["var(visit _cons[patient])"]),
        ("exchangeable", ["var(visit _cons[patient])", "cov(visit _cons[patient])"]),
        ("independent", ["var(visit[patient])", "var(_cons[patient])"]),
        (
            "unstructured",
            ["var(visit[patient])", "var(_cons[patient])", "cov(visit[patient],_cons[patient])"],
        ),
    ],
)
def test_each_structure_maximizes_its_own_likelihood(epilepsy: Session, cov: str, names) -> None:
    s = epilepsy
    run(s, f"quietly mepoisson count {' '.join(_X)} || patient: visit, cov({cov}) intpoints(12)")
    e = s.e
    assert [n.split(":", 1)[1] for n in e.bnames[len(_X) + 1 :]] == names
    df = s.data.to_dataframe()
    X = np.column_stack([df[_X].to_numpy(float), np.ones(len(df))])
    Z = np.column_stack([df["visit"].to_numpy(float), np.ones(len(df))])
    data = (X, Z, df["count"].to_numpy(float), df["patient"].to_numpy())
    theta = np.asarray(e.b, dtype=float)
    # 12-point adaptive quadrature against 25 points (they differ by about 1e-7 here)
    assert e.scalars["ll"] == pytest.approx(_marginal(cov, theta, data), abs=1e-6)
    h = 1e-5
    for j in range(len(theta)):
        up, dn = theta.copy(), theta.copy()
        up[j] += h
        dn[j] -= h
        g = (_marginal(cov, up, data) - _marginal(cov, dn, data)) / (2 * h)
        # on the parameter's scale, g·SE: the fit stops when g'Vg < 1e-5 (Stata's
        # nrtolerance), so each |g|·SE is below about 3e-3; measured, all are below 3e-5
        se = np.sqrt(e.V[j, j])
        assert abs(g) * se < 1e-4, (cov, j, g, se)
