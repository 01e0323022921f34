"""``vce(robust)`` and ``vce(cluster)`` of ``mepoisson`` against a sandwich built here from
scratch.

[ME] meglm: with ``vce(robust)`` the standard errors are clustered at the highest level, the
patient here; [U] 20.22 and [P] _robust: V = C/(C-1) · B (Σ_c s_c s_c') B with B the inverse of
the negative Hessian and s_c the score of cluster c. Each patient's marginal likelihood is
written out afresh and integrated by ``scipy.integrate.quad``; its scores and the Hessian of
their sum are central differences. The reported standard errors (the coefficients', and the
variance's by the delta method 2·var·SE(ln sd)) must equal this sandwich's.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats

from bayes_magic.session import Session
from tests.conftest import fails, run

_X = ["Trt", "zBase"]


def _patient_ll(y: np.ndarray, eta0: np.ndarray, lns: float) -> float:
    sd = np.exp(lns)

    def f(u: float) -> float:
        eta = eta0 + u
        return float(np.sum(y * eta - np.exp(eta) - special.gammaln(y + 1))) + float(
            stats.norm.logpdf(u, 0.0, sd)
        )

    # the integrand's mode (on a grid, vectorized), to scale it and to centre the range
    grid = np.linspace(-6 * sd, 6 * sd, 241)
    eta = eta0[:, None] + grid[None, :]
    fg = (y[:, None] * eta - np.exp(eta)).sum(axis=0) - 0.5 * (grid / sd) ** 2
    m = grid[np.argmax(fg)]
    fm = f(m)
    val, _err = integrate.quad(lambda u: np.exp(f(u) - fm), m - 8 * sd, m + 8 * sd, limit=200)
    return fm + np.log(val)


def _per_patient(theta: np.ndarray, data) -> np.ndarray:
    X, y, groups = data
    eta0 = X @ theta[:-1]
    return np.array(
        [_patient_ll(y[groups == g], eta0[groups == g], theta[-1]) for g in np.unique(groups)]
    )


@pytest.fixture(scope="module")
def epilepsy():
    s = Session()
    run(s, "use epilepsy")
    run(s, "generate c5 = floor(patient/5)")
    df = s.data.to_dataframe()
    X = np.column_stack([df[_X].to_numpy(float), np.ones(len(df))])
    data = (X, df["count"].to_numpy(float), df["patient"].to_numpy())
    return s, data, df


@pytest.fixture(scope="module")
def parts(epilepsy):
    """The estimates (the same under every vce()), the patients' scores and the Hessian of
    the summed log likelihood, in (β, ln sd)."""
    s, data, _df = epilepsy
    run(s, f"quietly mepoisson count {' '.join(_X)} || patient:, intpoints(15)")
    b = np.asarray(s.e.b, float)
    theta = np.concatenate([b[:3], [0.5 * np.log(b[3])]])
    k = len(theta)
    h = 1e-4
    S = np.empty((len(np.unique(data[2])), k))
    for j in range(k):
        up, dn = theta.copy(), theta.copy()
        up[j] += h
        dn[j] -= h
        S[:, j] = (_per_patient(up, data) - _per_patient(dn, data)) / (2 * h)
    H = np.empty((k, k))
    hh = 2e-3
    for a in range(k):
        for c in range(a, k):
            ea, ec = np.eye(k)[a] * hh, np.eye(k)[c] * hh
            t = [
                _per_patient(theta + sa * ea + sc * ec, data).sum()
                for sa, sc in ((1, 1), (1, -1), (-1, 1), (-1, -1))
            ]
            H[a, c] = H[c, a] = (t[0] - t[1] - t[2] + t[3]) / (4 * hh * hh)
    return b, S, np.linalg.inv(-H)


@pytest.mark.slow
@pytest.mark.parametrize("vce", ["robust", "cluster c5"])
def test_sandwich_of_the_patients_scores(epilepsy, parts, vce: str) -> None:
    s, _data, df = epilepsy
    b, S, B = parts
    run(s, f"quietly mepoisson count {' '.join(_X)} || patient:, intpoints(15) vce({vce})")
    e = s.e
    np.testing.assert_array_equal(e.b, b)
    if vce == "robust":
        totals = S
    else:  # the patients' scores summed within their clusters
        cl = df.groupby("patient")["c5"].first().to_numpy()
        totals = np.array([S[cl == c].sum(axis=0) for c in np.unique(cl)])
    C = len(totals)
    V = C / (C - 1) * B @ (totals.T @ totals) @ B
    se = np.sqrt(np.diag(V))
    ours = np.sqrt(np.diag(e.V))
    assert e.scalars["N_clust"] == C
    # 15-point quadrature against adaptive quad: the SEs agree to 0.1%
    np.testing.assert_allclose(ours[:3], se[:3], rtol=1e-3)
    assert ours[3] == pytest.approx(2 * b[3] * se[3], rel=1e-3)


def test_robust_display_and_refusals(epilepsy) -> None:
    s, _data, _df = epilepsy
    out = run(s, "mepoisson count Trt zBase || patient:, vce(robust) nolog")
    assert "Log pseudolikelihood = " in out
    assert "(Std. err. adjusted for 59 clusters in patient)" in out
    assert "             |               Robust" in out and "LR test" not in out
    assert s.e.macros["vce"] == "robust" and s.e.macros["vcetype"] == "Robust"
    msg, rc = fails(s, "mepoisson count Trt || patient:, vce(cluster visit)")
    assert rc == 498 and "not nested within visit" in msg
    run(s, "estimates store full")
    run(s, "quietly mepoisson count Trt || patient:, vce(robust)")
    msg, rc = fails(s, "lrtest full .")  # a pseudolikelihood ratio ([R] lrtest)
    assert rc == 498 and "robust vce" in msg
    msg, rc = fails(s, "mepoisson count Trt || patient: || visit:, vce(robust)")
    assert rc == 198 and "more than one level" in msg
