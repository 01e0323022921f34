"""Every covariance structure reaches the maximum of an independent dense likelihood.

The check writes the marginal likelihood y ~ N(Xβ, Z G Z' + σ²I) densely in Stata's
metric (log SDs, atanh correlation, log residual SD), with β profiled by GLS, and maximizes it
with a general optimizer from our estimates: it must not find a higher likelihood, and our
log likelihood must equal the dense one at our estimates.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from bayes_magic.session import Session
from tests.conftest import run


def dense_negll(fit, reml: bool):
    d = fit.design
    (lv,) = d.levels
    n, k = d.n, lv.k
    Z = np.zeros((n, lv.G * k))
    for i in range(n):
        Z[i, lv.groups[i] * k : (lv.groups[i] + 1) * k] = lv.Z[i]
    X, y = d.X, d.y

    def f(phi: np.ndarray) -> float:
        sd = np.exp(phi[: fit_n_sd(lv)])
        if lv.covariance == "identity":
            S = sd[0] ** 2 * np.eye(k)
        elif lv.covariance == "independent":
            S = np.diag(sd**2)
        elif lv.covariance == "exchangeable":
            r = np.tanh(phi[1])
            S = sd[0] ** 2 * ((1 - r) * np.eye(k) + r)
        else:
            r = np.tanh(phi[k])
            S = np.diag(sd**2)
            S[0, 1] = S[1, 0] = r * sd[0] * sd[1]
        V = Z @ np.kron(np.eye(lv.G), S) @ Z.T + np.exp(2 * phi[-1]) * np.eye(n)
        c = np.linalg.cholesky(V)
        Vi = np.linalg.inv(V)
        XtViX = X.T @ Vi @ X
        b = np.linalg.solve(XtViX, X.T @ Vi @ y)
        r_ = y - X @ b
        ll = -0.5 * (n * np.log(2 * np.pi) + 2 * np.log(np.diag(c)).sum() + r_ @ Vi @ r_)
        if reml:
            ll += 0.5 * X.shape[1] * np.log(2 * np.pi) - 0.5 * np.linalg.slogdet(XtViX)[1]
        return -ll

    return f


def fit_n_sd(lv) -> int:
    return {"identity": 1, "exchangeable": 1, "independent": lv.k, "unstructured": lv.k}[
        lv.covariance
    ]


@pytest.mark.parametrize("cov", ["identity", "independent", "exchangeable", "unstructured"])
@pytest.mark.parametrize("reml", [False, True])
def test_structure_reaches_dense_maximum(cov: str, reml: bool) -> None:
    s = Session()
    run(s, "use sleepstudy")
    run(
        s,
        f"quietly mixed Reaction Days || Subject: Days, covariance({cov})"
        + (" reml" if reml else ""),
    )
    fit = s.e.fit
    phi = np.array([p.value for p in fit.params])
    f = dense_negll(fit, reml)
    assert -f(phi) == pytest.approx(fit.ll, abs=1e-8)
    better = minimize(f, phi, method="BFGS", options={"gtol": 1e-8})
    assert better.fun >= f(phi) - 1e-7
