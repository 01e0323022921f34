"""``mixed`` must not stop at a variance of zero that is not the maximum.

A variance component's criterion is even in its scale θ, so θ = 0 is always a stationary
point; a first quasi-Newton line search that overshoots to the bound used to stay there
(radon's county variance with a county-level covariate; a random slope on a covariate in large
units). Checked against a direct maximization of the exact log likelihood of the
random-intercept model (closed form per group; Nelder-Mead from several starts), and against
the same model with the covariate rescaled.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from bayes_magic.session import Session
from tests.conftest import col, run


def _ri_loglik(y, X, g, log_tau2: float, log_s2: float) -> float:
    """The ML log likelihood of y = Xβ + u_g + e at β's GLS value: V_g = s2 I + tau2 11'."""
    tau2, s2 = np.exp(log_tau2), np.exp(log_s2)
    groups = np.unique(g)
    # V⁻¹ = (I - c 11')/s2 with c = tau2/(s2 + n tau2); log|V_g| = n log s2 + log(1 + n tau2/s2)
    XtVX = np.zeros((X.shape[1], X.shape[1]))
    XtVy = np.zeros(X.shape[1])
    logdet = 0.0
    parts = []
    for k in groups:
        m = g == k
        n = int(m.sum())
        c = tau2 / (s2 + n * tau2)
        Xg, yg = X[m], y[m]
        sx, sy = Xg.sum(axis=0), yg.sum()
        XtVX += (Xg.T @ Xg - c * np.outer(sx, sx)) / s2
        XtVy += (Xg.T @ yg - c * sx * sy) / s2
        logdet += n * np.log(s2) + np.log1p(n * tau2 / s2)
        parts.append((m, c))
    beta = np.linalg.solve(XtVX, XtVy)
    r = y - X @ beta
    quad = sum((r[m] @ r[m] - c * r[m].sum() ** 2) / s2 for m, c in parts)
    return -0.5 * (len(y) * np.log(2 * np.pi) + logdet + quad)


def test_radon_county_variance_is_the_maximum() -> None:
    s = Session()
    run(s, "use radon")
    run(s, "quietly mixed log_radon uranium || county:")
    ll = s.e.scalars["ll"]
    y, u, g = col(s, "log_radon"), col(s, "uranium"), col(s, "county")
    ok = ~np.isnan(y) & ~np.isnan(u)
    X = np.column_stack([u[ok], np.ones(ok.sum())])
    best = min(
        (
            minimize(
                lambda t: -_ri_loglik(y[ok], X, g[ok], *t),
                start,
                method="Nelder-Mead",
                options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000},
            )
            for start in ([np.log(0.1), np.log(0.5)], [np.log(1e-3), 0.0], [0.0, 0.0])
        ),
        key=lambda r: r.fun,
    )
    assert ll == pytest.approx(-best.fun, abs=1e-6)
    var_u = float(np.exp(2 * s.e.b[s.e.bnames.index("lns1_1_1:_cons")]))
    assert var_u == pytest.approx(np.exp(best.x[0]), rel=1e-3)
    assert var_u > 0.005  # not the boundary


def test_random_slope_in_large_units_does_not_depend_on_units() -> None:
    lls, vs = [], []
    for scale in ("age", "age/1000"):
        s = Session()
        run(s, "use orange")
        run(s, f"generate double a = {scale}")
        run(s, "quietly mixed circumference a || Tree: a")
        lls.append(s.e.scalars["ll"])
        vs.append(np.exp(2 * s.e.b[s.e.bnames.index("lns1_1_1:_cons")]))
    assert lls[0] == pytest.approx(lls[1], abs=1e-6)
    assert vs[0] * 1e6 == pytest.approx(vs[1], rel=1e-4)  # var(slope) in days⁻² vs years⁻²


def test_unstructured_slope_leaves_a_zero_pivot() -> None:
    """London exam scores (``use exam``), ``|| school: standlrt, cov(un)``: the first search
    stopped with both diagonal θ at 0 and var(_cons) carried below the slope's zero pivot,
    where moving one coordinate off zero imposes a correlation of -1; the refactored Λ lets the
    escape find the maximum. Checked against statsmodels' MixedLM (ML) and against the same
    model with the slope's covariate doubled (the log likelihood must not change)."""
    sm = pytest.importorskip("statsmodels.formula.api")
    s = Session()
    run(s, "use exam")
    run(s, "quietly mixed normexam standlrt || school: standlrt, cov(un)")
    ll = s.e.scalars["ll"]
    S = s.e.fit.Sigmas[0]
    df = s.data.df[["normexam", "standlrt", "school"]].astype(float)
    ref = sm.mixedlm("normexam ~ standlrt", df, groups=df["school"], re_formula="~standlrt")
    r = ref.fit(reml=False, method=["lbfgs"])
    assert ll == pytest.approx(r.llf, abs=1e-3)
    G = np.asarray(r.cov_re)  # (Intercept, standlrt); ours is (standlrt, _cons)
    np.testing.assert_allclose(S[::-1, ::-1], G, rtol=2e-3)
    run(s, "gen z = 2*standlrt")
    run(s, "quietly mixed normexam z || school: z, cov(un)")
    assert s.e.scalars["ll"] == pytest.approx(ll, abs=1e-6)
