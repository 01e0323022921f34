"""``nbreg`` against statsmodels' ``NegativeBinomial`` (an independent ML fit: NB2 for
``dispersion(mean)``, NB1 for ``dispersion(constant)``), on the epilepsy seizure counts:
log likelihoods (the model, the constant-only model of the LR test, the Poisson model of the
test of α = 0), estimates, standard errors (observed information; robust and clustered
sandwiches from statsmodels' own per-observation scores, with Stata's N/(N-1) and G/(G-1)),
and Stata's layout."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run

_X = ["zAge", "zBase", "Trt"]


@pytest.fixture(scope="module")
def epi() -> Session:
    s = Session()
    run(s, "use epilepsy")
    return s


def _sm(s: Session, loglike: str, cols=_X):
    from statsmodels.discrete.discrete_model import NegativeBinomial

    df = s.data.to_dataframe()
    X = np.column_stack([df[cols].to_numpy(float), np.ones(len(df))])
    y = df["count"].to_numpy(float)
    m = NegativeBinomial(y, X, loglike_method=loglike)
    # Newton from statsmodels' default start diverges for the constant-only models: BFGS
    # first, then Newton to full precision
    start = np.r_[np.zeros(len(cols)), np.log(y.mean()), 1.0]
    r = m.fit(start_params=start, method="bfgs", maxiter=5000, disp=0)
    return m, m.fit(start_params=r.params, method="newton", maxiter=200, tol=1e-12, disp=0)


@pytest.mark.parametrize("disp, loglike", [("mean", "nb2"), ("constant", "nb1")])
def test_against_statsmodels(epi: Session, disp: str, loglike: str) -> None:
    from statsmodels.discrete.discrete_model import Poisson

    run(epi, f"nbreg count zAge zBase Trt, dispersion({disp}) nolog")
    e = epi.e
    _m, sm = _sm(epi, loglike)
    _m0, sm0 = _sm(epi, loglike, [])
    assert e.scalars["ll"] == pytest.approx(sm.llf, abs=1e-7)
    assert e.scalars["ll_0"] == pytest.approx(sm0.llf, abs=1e-7)
    df = epi.data.to_dataframe()
    X = np.column_stack([df[_X].to_numpy(float), np.ones(len(df))])
    po = Poisson(df["count"].to_numpy(float), X).fit(method="newton", tol=1e-12, disp=0)
    assert e.scalars["ll_c"] == pytest.approx(po.llf, abs=1e-7)
    assert e.scalars["chi2_c"] == pytest.approx(2 * (sm.llf - po.llf), abs=1e-6)
    b = np.asarray(e.b)
    se = np.sqrt(np.diag(e.V))
    np.testing.assert_allclose(b[:4], sm.params[:4], rtol=1e-6, atol=1e-7)
    alpha = sm.params[4]
    assert np.exp(b[4]) == pytest.approx(alpha, rel=1e-6)
    np.testing.assert_allclose(se[:4], sm.bse[:4], rtol=1e-5)
    # ln α's SE from α's by the delta method
    assert se[4] == pytest.approx(sm.bse[4] / alpha, rel=1e-5)
    name = "alpha" if disp == "mean" else "delta"
    assert e.scalars[name] == pytest.approx(alpha, rel=1e-6)


@pytest.mark.parametrize("vce", ["robust", "cluster patient"])
def test_sandwich_from_statsmodels_scores(epi: Session, vce: str) -> None:
    run(epi, f"nbreg count zAge zBase Trt, vce({vce}) nolog")
    m, sm = _sm(epi, "nb2")
    u = m.score_obs(sm.params)  # per observation, in (β, α)
    u[:, 4] *= sm.params[4]  # in ln α: ∂/∂ln α = α ∂/∂α
    J = np.diag([1.0, 1.0, 1.0, 1.0, sm.params[4]])
    H = J @ m.hessian(sm.params) @ J  # the Hessian in (β, ln α) at the optimum (score zero)
    B = np.linalg.inv(-H)
    n = u.shape[0]
    if vce == "robust":
        meat, q = u.T @ u, n / (n - 1)
    else:
        g = epi.data.to_dataframe()["patient"].to_numpy()
        codes = np.unique(g, return_inverse=True)[1]
        tot = np.zeros((codes.max() + 1, 5))
        np.add.at(tot, codes, u)
        G = tot.shape[0]
        meat, q = tot.T @ tot, G / (G - 1)
    V = q * B @ meat @ B
    np.testing.assert_allclose(np.sqrt(np.diag(epi.e.V)), np.sqrt(np.diag(V)), rtol=1e-5)
    assert epi.e.macros["vce"] == ("robust" if vce == "robust" else "cluster")


def test_layout_and_predictions(epi: Session) -> None:
    out = run(epi, "nbreg count zAge zBase i.Trt")
    lines = out.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("Negative binomial regression"))
    assert lines[i].endswith("Number of obs =    236")
    assert lines[i + 2].startswith("Dispersion: mean") and "Prob > chi2" in lines[i + 2]
    assert lines[i + 3].startswith("Log likelihood = ") and "Pseudo R2" in lines[i + 3]
    j = next(k for k, ln in enumerate(lines) if ln.strip().startswith("/lnalpha |"))
    assert lines[j + 1].startswith("-------------+")
    assert lines[j + 2].strip().startswith("alpha |")
    b = dict(zip(epi.e.bnames, epi.e.b))
    alpha_row = lines[j + 2].split("|")[1].split()
    assert float(alpha_row[0]) == pytest.approx(np.exp(b["/:lnalpha"]), rel=1e-6)
    assert lines[-1].startswith("LR test of alpha=0: chibar2(01) =")
    # nbreg.ado (Stata 16): "Prob >= chibar2 = " at column 56, the p-value as %5.3f
    assert lines[-1][55:] == "Prob >= chibar2 = 0.000"
    # irr exponentiates the coefficients, not ln α
    out = run(epi, "nbreg, irr")
    assert "count |         IRR" in out
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("/lnalpha |"))
    assert float(row.split("|")[1].split()[0]) == pytest.approx(b["/:lnalpha"], abs=1e-6)
    run(epi, "predict double n")
    run(epi, "predict double xb, xb")
    np.testing.assert_allclose(col(epi, "n"), np.exp(col(epi, "xb")), rtol=1e-12)
    m = run(epi, "margins Trt")
    assert "Expression: Predicted number of events, predict()" in m
    run(epi, "drop n xb")


def test_noconstant_iterate_and_nolrtest(epi: Session) -> None:
    out = run(epi, "nbreg count zAge zBase, noconstant nolog")
    lines = out.splitlines()
    # no constant: a Wald test, and the dispersion on the test's line
    assert lines[1].startswith("Dispersion: mean") and "Wald chi2(2)" in lines[1]
    assert lines[2].startswith("Log likelihood = ") and "Prob > chi2" in lines[2]
    # iterate(): the estimates as they stand after the last iteration allowed
    out = run(epi, "nbreg count zAge zBase, iterate(2)")
    assert "Warning: convergence not achieved" in out
    logged = [ln for ln in out.splitlines() if ln.startswith("Iteration")][-1]
    assert float(logged.split("=")[1]) == pytest.approx(epi.e.scalars["ll"], abs=1e-4)
    run(epi, "nbreg count zAge zBase, nolog")
    assert epi.e.scalars["ll"] > float(logged.split("=")[1]) + 1e-3
    assert "LR test of alpha=0" not in run(epi, "nbreg, nolrtest")


def _nb_pmf(k: int, mu: np.ndarray, alpha: float) -> np.ndarray:
    """Pr(y = k) of the NB2 written out: Γ(k + m)/(Γ(m) k!) p^m (1 - p)^k, m = 1/α."""
    from scipy.special import gammaln

    m = 1.0 / alpha
    p = 1.0 / (1.0 + alpha * mu)
    return np.exp(gammaln(k + m) - gammaln(m) - gammaln(k + 1) + m * np.log(p) + k * np.log1p(-p))


def test_predicted_count_probabilities(epi: Session) -> None:
    """``predict, pr(n)`` and ``pr(a,b)`` after ``nbreg`` and ``poisson`` ([R] nbreg
    postestimation) against the probability functions written out."""
    run(epi, "nbreg count zAge zBase, nolog")
    b = dict(zip(epi.e.bnames, epi.e.b))
    alpha = float(np.exp(b["/:lnalpha"]))
    run(epi, "predict double xb, xb")
    mu = np.exp(col(epi, "xb"))
    run(epi, "predict double p0, pr(0)")
    np.testing.assert_allclose(col(epi, "p0"), (1 + alpha * mu) ** (-1 / alpha), rtol=1e-10)
    run(epi, "predict double p25, pr(2,5)")
    want = sum(_nb_pmf(k, mu, alpha) for k in range(2, 6))
    np.testing.assert_allclose(col(epi, "p25"), want, rtol=1e-9)
    run(epi, "predict double p10, pr(10,.)")
    want = 1 - sum(_nb_pmf(k, mu, alpha) for k in range(10))
    np.testing.assert_allclose(col(epi, "p10"), want, rtol=1e-8, atol=1e-12)
    assert epi.data.info["p25"].label == "Pr(2<=count<=5)"
    run(epi, "poisson count zAge zBase, nolog")
    run(epi, "predict double q0, pr(0)")
    run(epi, "predict double n, n")
    np.testing.assert_allclose(col(epi, "q0"), np.exp(-col(epi, "n")), rtol=1e-10)
    assert fails(epi, "predict z, pr")[1] == 198
    assert fails(epi, "predict z, pr(3,1)")[1] == 198
    run(epi, "logit Trt zAge, nolog")
    assert fails(epi, "predict z, pr(1)") == ("option pr() not allowed", 198)
    run(epi, "drop xb p0 p25 p10 q0 n")


def test_bad_input(epi: Session) -> None:
    before = epi.data.to_dataframe().copy()
    run(epi, "nbreg count zAge, nolog")
    est = epi.e
    for text, msg, rc in [
        ("nbreg count zAge, dispersion(big)", "dispersion(big) invalid", 198),
        ("nbreg count zAge || patient:", "||: random effects are not allowed with nbreg", 198),
        ("nbreg count zAge, or", "option or not allowed", 198),
        ("nbreg zAge count", "zAge must be greater than or equal to zero", 459),
        ("logit count zAge, dispersion(mean)", "option dispersion not allowed", 198),
        ("predict p, pr", "option pr requires pr(#) or pr(#a,#b)", 198),
    ]:
        m, r = fails(epi, text)
        assert m.startswith(msg) and r == rc, (text, m, r)
    assert epi.e is est
    assert epi.data.to_dataframe().equals(before)
