"""``predict, pearson|deviance|anscombe`` after ``me*`` ([ME] meglm postestimation), checked
against statsmodels' GLM families and, where it has none, against likelihoods from scipy.stats
and numerical integrals of the variance function."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import integrate, stats

from bayes_magic.session import Session
from tests.conftest import fails, run


def _predict_all(s: Session, cond: str = "conditional(fixedonly)") -> dict[str, np.ndarray]:
    for k in ("pearson", "deviance", "anscombe", "mu"):
        run(s, f"predict double r_{k}, {k} {cond}")
    return {k: s.data.values(f"r_{k}") for k in ("pearson", "deviance", "anscombe", "mu")}


@pytest.mark.parametrize(
    "model, family",
    [
        ("mepoisson count Trt || patient:", lambda a: sm.families.Poisson()),
        ("menbreg count Trt || patient:", lambda a: sm.families.NegativeBinomial(alpha=a)),
    ],
)
def test_count_residuals_match_statsmodels(model: str, family) -> None:
    s = Session()
    run(s, "use epilepsy")
    run(s, f"quietly {model}")
    fam = s.e.fit.family
    a = float(np.exp(fam.lnalpha)) if hasattr(fam, "lnalpha") else 0.0
    got = _predict_all(s)
    y, mu = s.data.values("count"), got["mu"]
    ref = family(a)
    np.testing.assert_allclose(got["pearson"], (y - mu) / np.sqrt(ref.variance(mu)), rtol=1e-12)
    np.testing.assert_allclose(got["deviance"], ref.resid_dev(y, mu), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got["anscombe"], ref.resid_anscombe(y, mu), rtol=1e-10, atol=1e-12)


def test_bernoulli_residuals_match_statsmodels_with_random_effects() -> None:
    s = Session()
    run(s, "use bangladesh")
    run(s, "quietly melogit c_use urban age || district:")
    got = _predict_all(s, "")  # the default: posterior means of the random effects
    y, mu = s.data.values("c_use"), got["mu"]
    ref = sm.families.Binomial()
    np.testing.assert_allclose(got["pearson"], (y - mu) / np.sqrt(ref.variance(mu)), rtol=1e-10)
    np.testing.assert_allclose(got["deviance"], ref.resid_dev(y, mu), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got["anscombe"], ref.resid_anscombe(y, mu), rtol=1e-9, atol=1e-12)


def test_binomial_trials_and_constant_dispersion_from_first_principles() -> None:
    s = Session()
    run(s, "use cbpp")
    run(s, "quietly melogit incidence i.period || herd:, binomial(size)")
    got = _predict_all(s)
    y, m, mu = s.data.values("incidence"), s.data.values("size"), got["mu"]
    p = mu / m
    ll = stats.binom.logpmf(y, m, p)
    sat = stats.binom.logpmf(y, m, y / m)
    np.testing.assert_allclose(
        got["deviance"], np.sign(y - mu) * np.sqrt(2 * (sat - ll)), rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(got["pearson"], (y - mu) / np.sqrt(m * p * (1 - p)), rtol=1e-12)

    def A(x: float, mi: float) -> float:  # ∫₀ˣ V(t)^(-1/3) dt, V(t) = t(1 - t/m)
        return integrate.quad(lambda t: (t * (1 - t / mi)) ** (-1 / 3), 0, x)[0]

    for i in range(0, len(y), 7):
        want = (A(y[i], m[i]) - A(mu[i], m[i])) / (mu[i] * (1 - p[i])) ** (1 / 6)
        assert got["anscombe"][i] == pytest.approx(want, rel=1e-6, abs=1e-9)
    # menbreg, dispersion(constant): Var = μ(1 + δ), the negative binomial of size μ/δ
    run(s, "use epilepsy, clear")
    run(s, "quietly menbreg count Trt || patient:, dispersion(constant)")
    d = float(np.exp(s.e.fit.family.lnalpha))
    for k in ("pearson", "anscombe", "mu"):
        run(s, f"predict double c_{k}, {k} conditional(fixedonly)")
    got = {k: s.data.values(f"c_{k}") for k in ("pearson", "anscombe", "mu")}
    y, mu = s.data.values("count"), got["mu"]
    np.testing.assert_allclose(got["pearson"], (y - mu) / np.sqrt(mu * (1 + d)), rtol=1e-12)
    assert fails(s, "predict r, deviance")[1] == 198  # not a maximum at mu = y there
    A1 = np.array([integrate.quad(lambda t: (t * (1 + d)) ** (-1 / 3), 0, v)[0] for v in y[:20]])
    A2 = np.array([integrate.quad(lambda t: (t * (1 + d)) ** (-1 / 3), 0, v)[0] for v in mu[:20]])
    np.testing.assert_allclose(
        got["anscombe"][:20], (A1 - A2) / (mu[:20] * (1 + d)) ** (1 / 6), rtol=1e-7
    )


def test_ordered_models_have_no_residuals() -> None:
    s = Session()
    run(s, "use bangladesh")
    run(s, "generate byte k = children")
    run(s, "quietly meologit k urban || district:")
    assert fails(s, "predict r, pearson")[1] == 198
