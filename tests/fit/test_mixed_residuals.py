"""``mixed ..., residuals(ar 1, t()) | residuals(exchangeable)`` ([ME] mixed) against the log
likelihood written out densely here (V = ZGZ' + σ²Λ(ρ) per subject, β at its GLS value) and
maximized by scipy from its own start; standard errors against the inverse of that likelihood's
numerical Hessian in the same metric (ln σ_u, atanh ρ, ln σ_e)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from bayes_magic.session import Session
from tests.conftest import col, fails, run


def _dense(s: Session, kind: str, slope: bool = False):
    """-ℓ's negative: the ML log likelihood of a random intercept (or, with ``slope``, a random
    slope on Days without intercept) plus AR(1) or exchangeable errors."""
    y, days, subj = col(s, "Reaction"), col(s, "Days"), col(s, "Subject")
    X = np.column_stack([days, np.ones(len(y))])
    groups = [np.flatnonzero(subj == g) for g in np.unique(subj)]

    def ll(par: np.ndarray) -> float:
        lsu, ar, lse = par
        su2, rho, se2 = np.exp(2 * lsu), np.tanh(ar), np.exp(2 * lse)
        A, c, logdet, parts = np.zeros((2, 2)), np.zeros(2), 0.0, []
        for idx in groups:
            t = days[idx]
            m = len(idx)
            if kind == "ar":
                Lam = rho ** np.abs(t[:, None] - t[None, :])
            else:
                Lam = (1 - rho) * np.eye(m) + rho * np.ones((m, m))
            z = t if slope else np.ones(m)
            V = su2 * np.outer(z, z) + se2 * Lam
            Vi = np.linalg.inv(V)
            logdet += np.linalg.slogdet(V)[1]
            A += X[idx].T @ Vi @ X[idx]
            c += X[idx].T @ Vi @ y[idx]
            parts.append((idx, Vi))
        b = np.linalg.solve(A, c)
        q = sum((y[i] - X[i] @ b) @ Vi @ (y[i] - X[i] @ b) for i, Vi in parts)
        return -0.5 * (len(y) * np.log(2 * np.pi) + logdet + q)

    return ll


def _hessian(f, x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    k = len(x)
    H = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * h, np.eye(k)[j] * h
            H[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h * h
            )
    return H


def test_ar1_residuals_match_the_dense_likelihood() -> None:
    s = Session()
    run(s, "use sleepstudy")
    out = run(s, "mixed Reaction Days || Subject:, residuals(ar 1, t(Days))")
    assert "Residual: AR(1)" in out and "rho |" in out and "var(e) |" in out
    ll = _dense(s, "ar")
    best = minimize(
        lambda p: -ll(p),
        np.array([3.0, 0.3, 3.0]),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000},
    )
    best = minimize(lambda p: -ll(p), best.x, method="BFGS")
    assert s.e.scalars["ll"] == pytest.approx(-best.fun, abs=1e-6)
    b = dict(zip(s.e.bnames, s.e.b))
    ours = np.array([b["lns1_1_1:_cons"], b["r_atr1:_cons"], b["lnsig_e:_cons"]])
    np.testing.assert_allclose(ours, best.x, atol=2e-4)
    V = np.linalg.inv(-_hessian(ll, ours))
    names = ["lns1_1_1:_cons", "r_atr1:_cons", "lnsig_e:_cons"]
    idx = [s.e.bnames.index(n) for n in names]
    np.testing.assert_allclose(np.sqrt(np.diag(s.e.V)[idx]), np.sqrt(np.diag(V)), rtol=2e-3)
    # rstandard: the residuals whitened by the AR(1) correlation, over the residual SD
    run(s, "predict double r, residuals\npredict double rs, rstandard")
    rho, sd = np.tanh(ours[1]), np.exp(ours[2])
    r, rs = col(s, "r"), col(s, "rs")
    first = np.flatnonzero(col(s, "Subject") == col(s, "Subject")[0])
    t = col(s, "Days")[first]
    L = np.linalg.cholesky(rho ** np.abs(t[:, None] - t[None, :]))
    np.testing.assert_allclose(rs[first], np.linalg.solve(L, r[first]) / sd, rtol=1e-8)


def test_exchangeable_with_a_random_slope_matches_the_dense_likelihood() -> None:
    """A random intercept and exchangeable errors are one structure; a slope-only random
    effect (noconstant) with exchangeable errors is identified."""
    s = Session()
    run(s, "use sleepstudy")
    run(s, "quietly mixed Reaction Days || Subject: Days, noconstant residuals(exchangeable)")
    ll = _dense(s, "exchangeable", slope=True)
    best = minimize(
        lambda p: -ll(p),
        np.array([1.0, 0.5, 3.0]),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000},
    )
    assert s.e.scalars["ll"] == pytest.approx(-best.fun, abs=1e-5)


def test_bad_input() -> None:
    s = Session()
    run(s, "use sleepstudy")
    for cmd, rc, words in [
        ("mixed Reaction Days || Subject:, residuals(ar 1)", 198, "requires t(timevar)"),
        ("mixed Reaction Days || Subject:, residuals(ar 2, t(Days))", 198, "only ar 1"),
        ("mixed Reaction Days || Subject:, residuals(toeplitz 1, t(Days))", 198, "only"),
        ("mixed Reaction Days, residuals(ar 1, t(Days))", 198, "random-effects equation"),
    ]:
        m, code = fails(s, cmd)
        assert code == rc and words in m, (cmd, m)
    run(s, "gen half = Days / 2")
    m, rc = fails(s, "mixed Reaction Days || Subject:, residuals(ar 1, t(half))")
    assert rc == 459
    run(s, "quietly mixed Reaction Days || Subject:, residuals(ar 1, t(Days))")
    m, rc = fails(s, "estat icc")
    assert rc == 321


@pytest.mark.parametrize(
    "opt",
    [
        "residuals()",
        "residuals(ar -1, t(Days))",
        "residuals(ar 1.5, t(Days))",
        "residuals(ar 1, t(Days) foo)",
        "residuals(exchangeable 2)",
    ],
)
def test_invalid_residual_specifications(opt: str) -> None:
    s = Session()
    run(s, "use sleepstudy")
    m, rc = fails(s, f"mixed Reaction Days || Subject:, {opt}")
    assert rc == 198 and s.e is None
    m, rc = fails(s, "bayes: mixed Reaction Days || Subject:, residuals(ar 1, t(Days))")
    assert rc == 198 and "not allowed with the bayes prefix" in m


def test_marginal_ar1_model_without_random_effects() -> None:
    """``|| Subject:, noconstant residuals(ar 1, t(Days))``: errors correlated within subjects,
    no random effects (the dense likelihood with σ_u = 0); ρ = 0 is inside its range, so the
    LR test is chi2(1), not chibar2."""
    s = Session()
    run(s, "use sleepstudy")
    out = run(s, "mixed Reaction Days || Subject:, noconstant residuals(ar 1, t(Days))")
    ll = _dense(s, "ar")
    best = minimize(
        lambda p: -ll(np.array([-40.0, *p])),
        np.array([0.3, 3.0]),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000},
    )
    assert s.e.scalars["ll"] == pytest.approx(-best.fun, abs=1e-6)
    assert "Group variable: Subject" in out and "Residual: AR(1)" in out
    assert "LR test vs. linear model: chi2(1) = " in out and "chibar2" not in out
    m, rc = fails(s, "mixed Reaction Days || Subject:, noconstant")
    assert rc == 198 and "empty" in m
