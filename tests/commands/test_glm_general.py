"""``glm`` ([R] glm) and ``predict`` after it, against statsmodels' GLM, which nobody here wrote.

* Estimates, deviance, Pearson χ², log likelihood for every family; OIM standard errors
  against statsmodels' Newton fit (observed Hessian), EIM ones (``irls``, ``vce(eim)``)
  against its IRLS fit; the sandwich and OPG from statsmodels' per-observation scores and
  observed Hessian; Gaussian identity equals OLS (SEs with RSS/(N-k), ll of ``regress``).
* Stata's own definitions where they are not statsmodels': AIC = (-2 ll + 2k)/N, BIC =
  D - df ln N, the Gaussian ll at σ² = RSS/N, the gamma ll Σ(-y/μ - ln μ), the scale of a
  discrete family's ``scale(x2)`` applied to V with e(phi) = 1.
* ``predict`` residuals, leverage (expected-information weights, as glim_p) and Cook's
  distance against statsmodels' GLM influence.
* Layout, options and bad input.
"""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run

sm = pytest.importorskip("statsmodels.api")
links = sm.families.links


def _session(extra: str = "") -> Session:
    s = Session()
    run(s, "use epilepsy\ngen n = count + 5\ngen cy = count + 0.5\n" + extra)
    return s


def _X(s: Session) -> np.ndarray:
    return np.column_stack([col(s, "Trt"), col(s, "Age"), col(s, "zBase"), np.ones(s.data.nobs)])


def _se(s: Session) -> np.ndarray:
    return np.sqrt(np.diag(s.e.V))


CASES = [
    ("count", "family(poisson)", lambda: sm.families.Poisson(), False),
    ("count", "family(nbinomial 0.5)", lambda: sm.families.NegativeBinomial(alpha=0.5), False),
    ("count", "family(gaussian) link(log)", lambda: sm.families.Gaussian(links.Log()), True),
    ("cy", "family(gamma) link(log)", lambda: sm.families.Gamma(links.Log()), True),
    ("cy", "family(igaussian) link(log)", lambda: sm.families.InverseGaussian(links.Log()), True),
    (
        "count",
        "family(poisson) link(identity)",
        lambda: sm.families.Poisson(links.Identity()),
        False,
    ),
    ("count", "family(poisson) link(power 0.5)", lambda: sm.families.Poisson(links.Sqrt()), False),
]


@pytest.mark.parametrize(("y", "opts", "family", "continuous"), CASES)
def test_ml_fit_against_statsmodels(y, opts, family, continuous) -> None:
    s = _session()
    run(s, f"glm {y} Trt Age zBase, {opts} nolog")
    X, yy = _X(s), col(s, y)
    mod = sm.GLM(yy, X, family=family())
    ref = mod.fit(tol=1e-12)
    np.testing.assert_allclose(s.e.b, ref.params, rtol=1e-6, atol=1e-8)
    e = s.e.scalars
    assert e["deviance"] == pytest.approx(ref.deviance, rel=1e-8)
    assert e["deviance_p"] == pytest.approx(ref.pearson_chi2, rel=1e-6)
    N, k = len(yy), 4
    assert e["df"] == N - k
    phi = ref.pearson_chi2 / (N - k) if continuous else 1.0
    assert e["phi"] == pytest.approx(phi, rel=1e-6)
    # OIM: the inverse observed Hessian of statsmodels' log likelihood, times φ
    H = mod.hessian(ref.params, observed=True, scale=1.0)
    np.testing.assert_allclose(s.e.V, phi * np.linalg.inv(-H), rtol=1e-5)
    # Stata's information criteria from statsmodels' pieces
    if not continuous:
        assert e["ll"] == pytest.approx(ref.llf, rel=1e-9)
    assert e["aic"] == pytest.approx((-2 * e["ll"] + 2 * k) / N, rel=1e-12)
    assert e["bic"] == pytest.approx(ref.deviance - (N - k) * np.log(N), rel=1e-8)


def test_gaussian_identity_is_ols() -> None:
    s = _session()
    run(s, "glm count Trt Age zBase")
    X, y = _X(s), col(s, "count")
    ols = sm.OLS(y, X).fit()
    np.testing.assert_allclose(s.e.b, ols.params, rtol=1e-10)
    np.testing.assert_allclose(_se(s), ols.bse, rtol=1e-8)
    assert s.e.scalars["ll"] == pytest.approx(ols.llf, rel=1e-10)  # σ² = RSS/N
    assert s.e.scalars["phi"] == pytest.approx(ols.mse_resid, rel=1e-10)
    assert s.e.macros["opt1"] == "ML" and s.e.macros["vcetype"] == "OIM"


def test_stata_gamma_and_igaussian_log_likelihoods() -> None:
    """glm reports Σ(-y/μ - ln μ) for the gamma and the unit-dispersion inverse Gaussian."""
    s = _session()
    run(s, "glm cy Trt Age zBase, family(gamma) link(log) nolog\npredict double m")
    y, m = col(s, "cy"), col(s, "m")
    assert s.e.scalars["ll"] == pytest.approx(np.sum(-y / m - np.log(m)), rel=1e-10)
    run(s, "glm cy Trt Age zBase, family(igaussian) link(log) nolog\npredict double m2")
    m = col(s, "m2")
    ll = -0.5 * ((y - m) ** 2 / (y * m * m) + 3 * np.log(y) + np.log(2 * np.pi))
    assert s.e.scalars["ll"] == pytest.approx(ll.sum(), rel=1e-10)


def test_binomial_denominator_and_probit() -> None:
    s = _session()
    run(s, "glm count Trt Age zBase, family(binomial n) link(probit) nolog")
    X, y, n = _X(s), col(s, "count"), col(s, "n")
    mod = sm.GLM(np.c_[y, n - y], X, family=sm.families.Binomial(links.Probit()))
    ref = mod.fit(tol=1e-12)
    np.testing.assert_allclose(s.e.b, ref.params, rtol=1e-6)
    H = mod.hessian(ref.params, observed=True)
    np.testing.assert_allclose(s.e.V, np.linalg.inv(-H), rtol=1e-5)
    assert s.e.scalars["ll"] == pytest.approx(ref.llf, rel=1e-9)
    assert s.e.macros["varfuncf"] == "u*(1-u/n)" and s.e.macros["linkf"] == "invnorm(u/n)"
    # a constant denominator
    run(s, "gen y10 = min(count, 10)\nglm y10 Trt Age zBase, family(binomial 10) nolog")
    y = col(s, "y10")
    ref = sm.GLM(np.c_[y, 10 - y], X, family=sm.families.Binomial()).fit(tol=1e-12)
    np.testing.assert_allclose(s.e.b, ref.params, rtol=1e-6)
    assert s.e.macros["varfunct"] == "Binomial" and s.e.macros["linkf"] == "ln(u/(10-u))"


def test_bernoulli_logit_equals_logit_and_eform() -> None:
    s = _session("gen hi = count > 5")
    out = run(s, "glm hi Trt Age zBase, family(binomial) eform nolog")
    b_glm, V_glm = s.e.b.copy(), s.e.V.copy()
    run(s, "logit hi Trt Age zBase, nolog")
    np.testing.assert_allclose(b_glm, s.e.b, rtol=1e-7)
    np.testing.assert_allclose(V_glm, s.e.V, rtol=1e-6)
    assert "Odds ratio" in out and "[Bernoulli]" in out and "ln(u/(1-u))" in out


def test_irls_is_eim_and_scale_options() -> None:
    s = _session()
    X, y = _X(s), col(s, "cy")
    mod = sm.GLM(y, X, family=sm.families.Gamma(links.Log()))
    ref = mod.fit(tol=1e-12)  # statsmodels' IRLS: EIM with Pearson scale
    # IRLS stops when the deviance changes by less than ltolerance() (1e-6 by default)
    out = run(s, "glm cy Trt Age zBase, family(gamma) link(log) irls ltolerance(1e-13)")
    np.testing.assert_allclose(s.e.b, ref.params, rtol=1e-7)
    np.testing.assert_allclose(_se(s), ref.bse, rtol=1e-7)
    assert "MQL Fisher scoring" in out and "(IRLS EIM)" in out and "deviance =" in out
    assert "ll" not in s.e.scalars and "AIC" not in out and "BIC" in out
    run(s, "glm cy Trt Age zBase, family(gamma) link(log) vce(eim) nolog")
    np.testing.assert_allclose(_se(s), ref.bse, rtol=1e-6)
    assert s.e.macros["vcetype"] == "EIM"
    # scale(dev): the deviance-based dispersion
    run(s, "glm cy Trt Age zBase, family(gamma) link(log) irls scale(dev) ltol(1e-13)")
    dispd = ref.deviance / ref.df_resid
    np.testing.assert_allclose(_se(s), ref.bse * np.sqrt(dispd / ref.scale), rtol=1e-7)
    # scale(#) of a continuous family sets φ
    run(s, "glm cy Trt Age zBase, family(gamma) link(log) scale(2) nolog")
    assert s.e.scalars["phi"] == 2.0


def test_discrete_scale_x2_scales_V_not_phi() -> None:
    s = _session()
    run(s, "glm count Trt Age zBase, family(poisson) nolog")
    V1 = s.e.V.copy()
    out = run(s, "glm count Trt Age zBase, family(poisson) scale(x2) nolog")
    x2 = s.e.scalars["dispers_p"]
    np.testing.assert_allclose(s.e.V, x2 * V1, rtol=1e-9)
    assert s.e.scalars["phi"] == 1.0
    assert "(Standard errors scaled using square root of Pearson X2-based dispersion.)" in out


def test_robust_cluster_opg_from_statsmodels_scores() -> None:
    s = _session()
    X, y = _X(s), col(s, "cy")
    mod = sm.GLM(y, X, family=sm.families.Gamma(links.Log()))
    ref = mod.fit(tol=1e-12)
    A = np.linalg.inv(-mod.hessian(ref.params, observed=True, scale=1.0))
    S = mod.score_obs(ref.params, scale=1.0)
    N = len(y)
    run(s, "glm cy Trt Age zBase, family(gamma) link(log) vce(robust) nolog")
    np.testing.assert_allclose(s.e.V, N / (N - 1) * A @ S.T @ S @ A, rtol=1e-5)
    assert s.e.macros["vcetype"] == "Robust"
    run(s, "glm cy Trt Age zBase, family(gamma) link(log) vce(cluster patient) nolog")
    g = col(s, "patient")
    Sg = np.array([S[g == k].sum(0) for k in np.unique(g)])
    G = len(Sg)
    np.testing.assert_allclose(s.e.V, G / (G - 1) * A @ Sg.T @ Sg @ A, rtol=1e-5)
    assert s.e.scalars["N_clust"] == G
    run(s, "glm cy Trt Age zBase, family(gamma) link(log) vce(opg) nolog")
    phi = ref.pearson_chi2 / ref.df_resid
    np.testing.assert_allclose(s.e.V, phi**2 * np.linalg.inv(S.T @ S), rtol=1e-5)


def test_weights() -> None:
    s = _session("gen w = 1 + mod(_n, 3)")
    run(s, "glm count Trt Age zBase [fw=w], family(poisson) nolog")
    b, V, ll = s.e.b.copy(), s.e.V.copy(), s.e.scalars["ll"]
    assert s.e.scalars["N"] == col(s, "w").sum()
    run(s, "expand w\nglm count Trt Age zBase, family(poisson) nolog")
    np.testing.assert_allclose(s.e.b, b, rtol=1e-8)
    np.testing.assert_allclose(s.e.V, V, rtol=1e-7)
    assert s.e.scalars["ll"] == pytest.approx(ll, rel=1e-10)
    s = _session("gen w = 1 + mod(_n, 3)")
    run(s, "glm count Trt Age zBase [pw=w], family(poisson) nolog")
    assert s.e.macros["vcetype"] == "Robust"
    X, y, w = _X(s), col(s, "count"), col(s, "w")
    ref = sm.GLM(y, X, family=sm.families.Poisson(), var_weights=w).fit(tol=1e-12)
    np.testing.assert_allclose(s.e.b, ref.params, rtol=1e-6)
    run(s, "glm count Trt Age zBase [aw=w], family(poisson) nolog")
    wa = w / w.mean()
    ref = sm.GLM(y, X, family=sm.families.Poisson(), var_weights=wa).fit(tol=1e-12)
    np.testing.assert_allclose(s.e.b, ref.params, rtol=1e-6)
    np.testing.assert_allclose(_se(s), ref.bse, rtol=1e-5)


def test_offset_exposure_and_nbinomial_ml() -> None:
    s = _session("gen t = 1 + Age / 10")
    run(s, "glm count Trt zBase, family(poisson) exposure(t) nolog")
    X = np.column_stack([col(s, "Trt"), col(s, "zBase"), np.ones(s.data.nobs)])
    ref = sm.GLM(col(s, "count"), X, family=sm.families.Poisson(), exposure=col(s, "t")).fit()
    np.testing.assert_allclose(s.e.b[:3], ref.params, rtol=1e-6)
    assert s.e.macros["offset"] == "ln(t)"
    run(s, "nbreg count Trt zBase, nolog")
    alpha = float(np.exp(s.e.b[-1]))
    out = run(s, "glm count Trt zBase, family(nbinomial ml) nolog")
    assert s.e.scalars["nbml"] == 1.0
    assert "Note: Negative binomial parameter estimated via ML and treated as fixed" in out
    assert float(s.e.macros["a"]) == pytest.approx(alpha, rel=1e-8)
    ref = sm.GLM(col(s, "count"), X, family=sm.families.NegativeBinomial(alpha=alpha)).fit()
    np.testing.assert_allclose(s.e.b, ref.params, rtol=1e-5)


def test_predict_residuals_against_statsmodels() -> None:
    s = _session()
    run(s, "glm cy Trt Age zBase, family(gamma) link(log) nolog")
    for stat in ("pearson", "deviance", "anscombe", "working", "response", "hat", "cooksd"):
        run(s, f"predict r_{stat}, {stat}")
    run(
        s,
        "predict m\npredict e, eta\npredict ps, pearson standardized\npredict pt, pearson studentized",
    )
    X, y = _X(s), col(s, "cy")
    ref = sm.GLM(y, X, family=sm.families.Gamma(links.Log())).fit(tol=1e-12)
    h = ref.get_hat_matrix_diag(observed=False)  # glim_p: the IRLS (expected) weights
    expect = {
        "pearson": ref.resid_pearson,
        "deviance": ref.resid_deviance,
        "anscombe": ref.resid_anscombe_unscaled,
        "working": ref.resid_working,
        "response": ref.resid_response,
        "hat": h,
        "cooksd": ref.resid_pearson**2 * h / (ref.scale * 4 * (1 - h) ** 2),
    }
    for stat, v in expect.items():
        np.testing.assert_allclose(col(s, f"r_{stat}"), v, rtol=1e-5, atol=1e-7, err_msg=stat)
    np.testing.assert_allclose(col(s, "m"), ref.mu, rtol=1e-6)
    np.testing.assert_allclose(col(s, "ps"), ref.resid_pearson / np.sqrt(1 - h), rtol=1e-5)
    np.testing.assert_allclose(col(s, "pt"), ref.resid_pearson / np.sqrt(ref.scale), rtol=1e-5)
    assert s.data.info["m"].label == "Predicted mean cy"


def test_binomial_anscombe_against_statsmodels() -> None:
    s = _session()
    run(s, "glm count Trt Age zBase, family(binomial n) nolog\npredict a, anscombe")
    X, y, n = _X(s), col(s, "count"), col(s, "n")
    ref = sm.GLM(np.c_[y, n - y], X, family=sm.families.Binomial()).fit(tol=1e-12)
    np.testing.assert_allclose(col(s, "a"), ref.resid_anscombe_unscaled, rtol=1e-5, atol=1e-7)


def test_layout() -> None:
    s = _session()
    out = run(s, "glm count Trt Age zBase, family(poisson)")
    lines = out.splitlines()
    head = lines.index(next(ln for ln in lines if ln.startswith("Generalized linear models")))
    assert lines[head] == "Generalized linear models" + " " * 25 + "Number of obs   =        236"
    assert lines[head + 1].startswith("Optimization     : ML")
    assert lines[head + 1].endswith("Residual df     =        232")
    assert lines[head + 2] == " " * 50 + "Scale parameter =          1"
    assert lines[head + 3].startswith("Deviance         =  956.8691")
    assert lines[head + 6].startswith("Variance function: V(u) = u")
    assert lines[head + 6].endswith("[Poisson]") and lines[head + 6].index("[") == 50
    assert lines[head + 7].endswith("[Log]")
    assert lines[head + 10].startswith("Log likelihood   = -861.38692")
    assert "BIC" in lines[head + 10] and "AIC" in lines[head + 9]
    assert "|                 OIM" in out
    assert lines[head - 1] == "" and lines[head - 2].startswith("Iteration 4:")
    # replay and estimates replay
    assert "Generalized linear models" in run(s, "glm")
    assert "IRR" in run(s, "glm, eform")


def test_bad_input() -> None:
    s = _session()
    assert fails(s, "glm count Trt, family(poisson) irls ml") == (
        "ml and irls options may not be combined",
        198,
    )
    assert fails(s, "glm count Trt, family(wald)") == ("unknown family() wald", 198)
    assert fails(s, "glm count Trt, link(foo)") == ("unknown link() foo", 198)
    assert fails(s, "glm count Trt, family(poisson) scale(dev)")[1] == 198
    assert fails(s, "glm count Trt, family(poisson) vce(robust) scale(x2)") == (
        "cannot use scale() with alternate variances",
        198,
    )
    assert fails(s, "glm count Trt, family(binomial 2)") == ("count > 2 in some cases", 499)
    run(s, "gen neg = -count")
    assert fails(s, "glm neg Trt, family(poisson)") == (
        "dependent variable neg has negative values",
        499,
    )
    assert fails(s, "glm count Trt, family(poisson) disp(2)")[1] == 198
    assert fails(s, "glm count Trt, family(nbinomial -1)")[1] == 198
    assert fails(s, "glm count Trt, link(power)") == ("invalid # in link(power #)", 198)
    before = s.e
    assert fails(s, "glm count nosuch, family(poisson)")[1] == 111
    assert s.e is before


def test_margins_after_glm() -> None:
    """Predictive margins average n·Φ(xb) with Trt set; the AME of Age is the average
    derivative; both with delta-method SEs from e(V) (computed here by hand)."""
    s = _session()
    run(s, "glm count i.Trt Age zBase, family(binomial n) link(probit) nolog")
    b, V = s.e.b, s.e.V  # columns 0b.Trt 1.Trt Age zBase _cons
    age, zb, n = col(s, "Age"), col(s, "zBase"), col(s, "n")
    from scipy import stats

    run(s, "margins Trt")
    for level in (0, 1):
        X = np.column_stack(
            [np.zeros_like(age), np.full_like(age, level), age, zb, np.ones_like(age)]
        )
        eta = X @ b
        value = np.mean(n * stats.norm.cdf(eta))
        grad = (n * stats.norm.pdf(eta)) @ X / len(age)
        assert s.r["table"].values[0, level] == pytest.approx(value, rel=1e-9)
        assert s.r["table"].values[1, level] == pytest.approx(np.sqrt(grad @ V @ grad), rel=1e-6)
    out = run(s, "margins, predict(xb)")
    assert "Linear prediction, predict(xb)" in out


def test_review_fixes() -> None:
    """The ML stopping rule does not depend on the units of y (statsmodels at 1e-14 as
    reference); gamma's nonpositive y, vce(oim) with pweights, the pseudolikelihood label of
    a sandwich fit, e(ic) as the log shows it, and an empty link()."""
    s = _session("gen double ys = (count + 1) * 1e-4")
    run(s, "glm ys Trt Age zBase, family(gaussian) link(log) nolog")
    X = _X(s)
    ref = sm.GLM(col(s, "ys"), X, family=sm.families.Gaussian(links.Log())).fit(tol=1e-14)
    np.testing.assert_allclose(s.e.b, ref.params, rtol=1e-7)
    assert fails(s, "glm count Trt, family(gamma)") == (
        "dependent variable count has nonpositive values",
        499,
    )
    run(s, "gen w = 1 + mod(_n, 3)")
    assert fails(s, "glm count Trt [pw=w], family(poisson) vce(oim)")[1] == 198
    out = run(s, "glm count Trt Age, family(poisson) vce(robust)")
    assert "Log pseudolikelihood =" in out and "Log likelihood" not in out
    shown = [ln for ln in out.splitlines() if ln.startswith("Iteration")]
    assert s.e.scalars["ic"] == len(shown) - 1
    run(s, "glm count Trt Age, family(poisson) link() nolog")
    assert s.e.macros["link"] == "glim_l03"


def test_saturated_rate_ratio_fits_in_glm_and_poisson() -> None:
    """The classic two-row person-time table (Stata's ``iri 30 60 54308 51477``): a saturated
    model, n = p, no residual df. The IRR and its SE have closed forms: (30/54308)/(60/51477)
    and IRR·sqrt(1/30 + 1/60); glm's dispersions are missing, as Stata leaves them."""
    s = Session()
    run(s, "input cases exp pt\n30 1 54308\n60 0 51477\nend")
    irr = (30 / 54308) / (60 / 51477)
    se = irr * np.sqrt(1 / 30 + 1 / 60)
    for cmd in (
        "glm cases exp, family(poisson) exposure(pt) eform",
        "poisson cases exp, exposure(pt) irr",
    ):
        out = run(s, cmd)
        row = next(ln for ln in out.splitlines() if ln.strip().startswith("exp |"))
        assert abs(float(row.split()[2]) - irr) < 5e-8 and abs(float(row.split()[3]) - se) < 5e-8
    run(s, "quietly glm cases exp, family(poisson) exposure(pt)")
    assert s.e.scalars["df"] == 0 and np.isnan(s.e.scalars["dispers"])
    assert "(1/df) Deviance =          ." in run(s, "glm")


def test_logit_and_logistic_replay_each_others_results() -> None:
    """[R] logistic: "to view coefficients, type logit after running logistic"; and logistic
    after logit shows odds ratios."""
    s = Session()
    run(s, "use bangladesh\nquietly logistic c_use urban")
    b = s.e.b[0]
    coef = run(s, "logit")
    assert "Coefficient" in coef and f"{b:.7f}".lstrip("0")[:7] in coef
    assert "Odds ratio" in run(s, "logit, or")
    run(s, "quietly logit c_use urban")
    assert "Odds ratio" in run(s, "logistic")
    assert "Coefficient" in run(s, "logistic, coef")
    run(s, "quietly probit c_use urban")
    assert fails(s, "logit") == ("last estimates not found", 301)
