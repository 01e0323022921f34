"""BLUPs and their standard errors equal a direct dense computation at the estimates.

Henderson's mixed-model equations with V = Z G Z' + σ² I written out densely: the conditional
modes are b̂ = G Z' V⁻¹ (y - X β̂) and the comparative variance is
Var(b̂ - b) = G - G Z' P Z G with P = V⁻¹ - V⁻¹X (X'V⁻¹X)⁻¹ X'V⁻¹ (Henderson 1975).
"""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import run


def dense(fit):
    d = fit.design
    n = d.n
    Zs, Gs = [], []
    for lv, S in zip(d.levels, fit.Sigmas):
        Z = np.zeros((n, lv.G * lv.k))
        for i in range(n):
            g = lv.groups[i]
            Z[i, g * lv.k : (g + 1) * lv.k] = lv.Z[i]
        Zs.append(Z)
        Gs.append(np.kron(np.eye(lv.G), S))
    Z = np.hstack(Zs)
    G = np.zeros((Z.shape[1],) * 2)
    o = 0
    for g in Gs:
        G[o : o + len(g), o : o + len(g)] = g
        o += len(g)
    V = Z @ G @ Z.T + fit.sigma2 * np.eye(n)
    Vi = np.linalg.inv(V)
    X = d.X
    XtViX = X.T @ Vi @ X
    beta = np.linalg.solve(XtViX, X.T @ Vi @ d.y)
    b = G @ Z.T @ Vi @ (d.y - X @ beta)
    P = Vi - Vi @ X @ np.linalg.solve(XtViX, X.T @ Vi)
    C = G - G @ Z.T @ P @ Z @ G
    return beta, b, C


@pytest.mark.parametrize(
    ("data", "cmd"),
    [
        ("math", "mixed math homework i.schtype || schid: homework, cov(un)"),
        ("sleepstudy", "mixed Reaction Days || Subject: Days, reml"),
        ("pastes", "mixed strength || batch: || sample:"),
        ("penicillin", "mixed diameter || _all: R.sample || plate:, reml"),
    ],
)
def test_blups_and_ses_match_dense_henderson(data: str, cmd: str) -> None:
    s = Session()
    run(s, f"use {data}")
    run(s, f"quietly {cmd}")
    fit = s.e.fit
    beta, b, C = dense(fit)
    np.testing.assert_allclose(fit.beta, beta, rtol=1e-8, atol=1e-10)
    ours = np.concatenate([x.reshape(-1) for x in fit.blups()])
    np.testing.assert_allclose(ours, b, rtol=1e-7, atol=1e-9)
    var = np.concatenate(
        [
            np.array([v[g] for g in range(len(v))])
            .reshape(len(v), -1)[:, :: v.shape[1] + 1]
            .reshape(-1)
            for v in fit.blup_variances()
        ]
    )
    np.testing.assert_allclose(var, np.diag(C), rtol=1e-7, atol=1e-12)


def test_predict_reffects_puts_blups_on_observations() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework i.schtype || schid: homework, cov(un)")
    run(s, "predict u*, reffects reses(s*)")
    fit = s.e.fit
    b = fit.blups()[0]
    lv = fit.design.levels[0]
    u1, u2 = s.data.values("u1"), s.data.values("u2")
    np.testing.assert_allclose(u1, b[lv.groups, 0].astype(np.float32), rtol=1e-6)
    np.testing.assert_allclose(u2, b[lv.groups, 1].astype(np.float32), rtol=1e-6)
    assert s.data.info["u2"].label == "BLUP r.e. for schid: _cons"
    assert s.data.info["s1"].label == "S.E. of BLUP r.e. for schid: homework"
    run(s, "predict f, fitted")
    run(s, "predict r, residuals")
    y = s.data.values("math")
    np.testing.assert_allclose(s.data.values("f") + s.data.values("r"), y, atol=1e-4)
