"""Predictions marginal in the random effects after ``me*`` (``predict, marginal``; the
default of ``margins``), checked against closed forms (probit, log link) and integrals done
here with scipy's adaptive quadrature, and the margins' delta-method standard errors against a
gradient taken by differences of those integrals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats

from bayes_magic.session import Session
from tests.conftest import fails, run


def _quad_logit(eta: float, s: float) -> float:
    return integrate.quad(lambda z: special.expit(eta + s * z) * stats.norm.pdf(z), -12, 12)[0]


@pytest.fixture
def bangladesh() -> Session:
    s = Session()
    run(s, "use bangladesh")
    return s


def test_logit_marginal_means_and_margins(bangladesh: Session) -> None:
    s = bangladesh
    run(s, "quietly melogit c_use urban age || district:")
    run(s, "predict double pm, marginal")
    run(s, "predict double xb, xb")
    fit = s.e.fit
    sd = float(np.sqrt(fit.Sigmas[0][0, 0]))
    xb, pm = s.data.values("xb"), s.data.values("pm")
    for i in range(0, len(xb), 97):
        assert pm[i] == pytest.approx(_quad_logit(xb[i], sd), rel=1e-10)
    out = run(s, "margins")
    assert "Expression: Marginal predicted mean, predict()" in out
    assert "Marginal Pr(c_use), predict(pr)" in run(s, "margins, predict(pr)")
    b, se = s.r["b"].values[0, 0], float(np.sqrt(s.r["V"].values[0, 0]))
    assert b == pytest.approx(pm.mean(), rel=1e-10)
    # the delta method over (β, ln σ): a gradient by differences of the quadrature integrals
    X = np.column_stack([s.data.values("urban"), s.data.values("age"), np.ones(len(xb))])

    def margin(par: np.ndarray) -> float:
        e = X @ par[:3]
        sig = np.exp(par[3])
        z, w = np.polynomial.hermite.hermgauss(60)
        return float(
            np.mean(special.expit(e[:, None] + sig * np.sqrt(2) * z) @ (w / np.sqrt(np.pi)))
        )

    par = np.concatenate([fit.beta, [np.log(sd)]])
    J = np.array([(margin(par + h) - margin(par - h)) / (2 * 1e-6) for h in np.eye(4) * 1e-6])
    assert se == pytest.approx(float(np.sqrt(J @ fit.V_full @ J)), rel=1e-5)
    # fixedonly is still the conditional prediction at u = 0
    run(s, "margins, predict(mu fixedonly)")
    assert s.r["b"].values[0, 0] == pytest.approx(special.expit(xb).mean(), rel=1e-10)
    assert fails(s, "margins, predict(mu conditional(ebmeans))")[1] == 198


def test_probit_and_poisson_closed_forms_with_random_slopes(bangladesh: Session) -> None:
    s = bangladesh
    run(s, "quietly meprobit c_use urban age || district:")
    run(s, "predict double pm, marginal")
    run(s, "predict double xb, xb")
    s2 = s.e.fit.Sigmas[0][0, 0]
    np.testing.assert_allclose(
        s.data.values("pm"), special.ndtr(s.data.values("xb") / np.sqrt(1 + s2)), rtol=1e-11
    )
    run(s, "use epilepsy, clear")
    run(s, "quietly mepoisson count Trt || patient: Trt, covariance(unstructured)")
    run(s, "predict double nm, marginal")
    run(s, "predict double xb, xb")
    S = s.e.fit.Sigmas[0]
    Z = np.column_stack([s.data.values("Trt"), np.ones(s.data.nobs)])
    v = np.einsum("ij,jk,ik->i", Z, S, Z)
    np.testing.assert_allclose(s.data.values("nm"), np.exp(s.data.values("xb") + v / 2), rtol=1e-10)
    assert fails(s, "margins")[1] == 198  # random slopes: not here yet
    assert fails(s, "predict r, pearson marginal")[1] == 198
    assert fails(s, "predict r, marginal fixedonly")[1] == 198


def test_ordered_probit_marginal_probabilities(bangladesh: Session) -> None:
    s = bangladesh
    run(s, "generate byte k = children")
    run(s, "quietly meoprobit k urban age || district:")
    run(s, "predict double q*, marginal")
    run(s, "predict double xb, xb")
    fit = s.e.fit
    c = np.concatenate([[-np.inf], fit.cuts, [np.inf]])
    sc = np.sqrt(1 + fit.Sigmas[0][0, 0])
    xb = s.data.values("xb")
    for j in range(4):
        want = special.ndtr((c[j + 1] - xb) / sc) - special.ndtr((c[j] - xb) / sc)
        np.testing.assert_allclose(s.data.values(f"q{j + 1}"), want, rtol=1e-9, atol=1e-14)
    run(s, "margins")
    got = s.r["b"].values[0]
    want = [s.data.values(f"q{j + 1}").mean() for j in range(4)]
    np.testing.assert_allclose(got, want, rtol=1e-10)
