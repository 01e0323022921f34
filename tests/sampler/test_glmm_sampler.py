"""``bayes: melogit`` and friends: the GLMM kernel and its posterior.

* The compiled observation log likelihood against the scipy-based one of the ML fit, for the
  four families, and log Φ against scipy's ``log_ndtr`` in both tails.
* The posterior of four models against long NUTS runs of another sampler (NumPyro,
  bench/reference/glmm_nuts.json, made by bench/glmm_reference.py): each coefficient's, the
  variance's and five random effects' posterior mean and SD within 4 combined Monte Carlo
  standard errors, |ours - ref| <= 4 sqrt(mcse_ours² + mcse_ref²), our MCSEs from Stata's ESS
  (as tests/sampler/test_nuts_reference.py). The seeds are fixed and were not tuned.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import special

from bayes_magic.fit.glmm_family import FAMILIES
from bayes_magic.session import Session
from tests.conftest import fails, run
from tests.sampler.test_nuts_reference import mcse_mean, mcse_sd

REF = Path(__file__).resolve().parents[2] / "bench" / "reference" / "glmm_nuts.json"
K = 4.0


@pytest.mark.parametrize("name", ["melogit", "meprobit", "mecloglog", "mepoisson"])
def test_compiled_loglik_matches_the_ml_fits(name) -> None:
    from bayes_magic.sampler.glmm import ll_obs
    from bayes_magic.sampler.glmm_driver import FAMILY_CODE

    fam = FAMILIES[name]
    rng = np.random.default_rng(3)
    eta = np.concatenate([rng.normal(0, 2, 200), [-30.0, -12.0, 12.0, 30.0]])
    n = (
        rng.integers(1, 20, eta.size).astype(float)
        if fam.family != "poisson"
        else np.ones(eta.size)
    )
    y = (
        rng.poisson(3, eta.size).astype(float)
        if fam.family == "poisson"
        else np.floor(rng.random(eta.size) * (n + 1))
    )
    want = fam.loglik(y, n, eta)[0]
    got = np.array(
        [ll_obs(FAMILY_CODE[fam.link], y[i], n[i], eta[i], np.zeros(0)) for i in range(eta.size)]
    )
    assert np.allclose(got, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", ["meologit", "meoprobit"])
def test_compiled_ordinal_loglik_and_derivatives_match_the_ml_family(name) -> None:
    from bayes_magic.fit.glmm_family import ORDINAL_FAMILIES
    from bayes_magic.sampler.glmm import derivs, ll_obs
    from bayes_magic.sampler.glmm_driver import ORDINAL_CODE

    cuts = np.array([-2.0, -0.3, 1.1, 4.0])
    fam = ORDINAL_FAMILIES[name].with_cuts(cuts)
    rng = np.random.default_rng(4)
    eta = np.concatenate([rng.normal(0, 3, 300), [-40.0, -9.0, 9.0, 40.0]])
    y = rng.integers(0, 5, eta.size).astype(float)
    y[-4:] = [4, 0, 4, 0]  # far tails of the likely outcomes
    ll, d1, d2 = fam.loglik(y, np.ones_like(y), eta)
    code = ORDINAL_CODE[fam.link]
    got = np.array([ll_obs(code, y[i], 1.0, eta[i], cuts) for i in range(eta.size)])
    g = np.array([derivs(code, y[i], 1.0, eta[i], cuts) for i in range(eta.size)])
    assert np.allclose(got, ll, rtol=1e-10, atol=1e-12)
    assert np.allclose(g[:, 0], d1, rtol=1e-8, atol=1e-10)
    # in the far tail (|κ - η| ≈ 44) d²ℓ/dη² ≈ -1 is a difference of terms of order 44² ≈ 2000,
    # computed by two different routes: they agree to 1e-7 absolute there
    assert np.allclose(g[:, 1], d2, rtol=1e-8, atol=1e-7)


@pytest.mark.parametrize("disp", ["mean", "constant"])
@pytest.mark.parametrize("lnalpha", [-12.0, -2.0, 0.4, 3.0])
def test_compiled_negbin_loglik_and_derivatives_match_the_ml_family(disp, lnalpha) -> None:
    """The kernel's negative binomial (sums of logarithms over the count, to 500) against the
    ML family's (lnΓ and ln B from scipy), with counts on both sides of 500."""
    from dataclasses import replace

    from bayes_magic.fit.glmm_family import NEGBIN_FAMILIES
    from bayes_magic.sampler.glmm import derivs, ll_obs
    from bayes_magic.sampler.glmm_driver import NEGBIN_CODE

    fam = replace(NEGBIN_FAMILIES["menbreg"], dispersion=disp, lnalpha=lnalpha)
    rng = np.random.default_rng(6)
    eta = np.concatenate([rng.normal(1.0, 2.0, 300), [6.5, 7.0]])
    y = rng.poisson(np.exp(np.minimum(eta, 5.0))).astype(float)
    y[-2:] = [499.0, 1500.0]
    ll, d1, d2 = fam.loglik(y, np.ones_like(y), eta)
    code = NEGBIN_CODE[disp]
    la = np.array([lnalpha])
    got = np.array([ll_obs(code, y[i], 1.0, eta[i], la) for i in range(eta.size)])
    g = np.array([derivs(code, y[i], 1.0, eta[i], la) for i in range(eta.size)])
    # lnΓ differences at sizes of e^12 round at about 1e-7 of lnΓ's magnitude there
    assert np.allclose(got, ll, rtol=1e-9, atol=1e-6 if lnalpha < -10 else 1e-9)
    # the ML family's differences of ψ at sizes m = μ/δ near 1e7 (δ = e^-12) round at about
    # 1e-15·m relative to the derivative; elsewhere they agree to 1e-8
    tol = 1e-6 if lnalpha < -10 and disp == "constant" else 1e-8
    assert np.allclose(g[:, 0], d1, rtol=tol, atol=tol)
    # the kernel caps the constant dispersion's curvature at 0 (proposals only)
    want2 = d2 if disp == "mean" else np.minimum(d2, 0.0)
    assert np.allclose(g[:, 1], want2, rtol=tol, atol=tol)


def test_compiled_negbin_poisson_limit() -> None:
    """ln α below -700 (α = 0 in floating point: a random-walk proposal can reach it when an
    observation-level effect leaves α unidentified) is the Poisson log likelihood, not a
    division by zero."""
    from bayes_magic.sampler.glmm import derivs, ll_obs
    from bayes_magic.sampler.glmm_driver import NEGBIN_CODE

    for code in NEGBIN_CODE.values():
        for la in (-701.0, -800.0, -np.inf):
            y, eta = 3.0, 0.7
            assert ll_obs(code, y, 1.0, eta, np.array([la])) == pytest.approx(
                y * eta - np.exp(eta), rel=1e-14
            )
            assert derivs(code, y, 1.0, eta, np.array([la]))[0] == pytest.approx(y - np.exp(eta))


def test_log_ndtr_in_both_tails() -> None:
    from bayes_magic.sampler.glmm import _log_ndtr

    x = np.concatenate([np.linspace(-60, 10, 1401), [-36.9, -37.0, -37.1, 8.3]])
    got = np.array([_log_ndtr(v) for v in x])
    want = special.log_ndtr(x)
    assert np.allclose(got, want, rtol=1e-10, atol=1e-14)


def compare_with_nuts(s: Session, ref: dict, mcse_key: str = "mcse") -> None:
    """Every parameter of ``ref`` (a NUTS run's mean, SD and MCSEs) against the active
    posterior: means within K combined MCSEs, SDs within K combined MCSEs of the SD."""
    post = s.e
    bad = []
    for name, r in ref.items():
        x = post.chains_of(name)
        m, sd = float(x.mean()), float(x.reshape(-1).std(ddof=1))
        tol_m = K * math.hypot(mcse_mean(x), r[mcse_key])
        tol_s = K * math.hypot(mcse_sd(x), r["mcse_sd"])
        if abs(m - r["mean"]) > tol_m or abs(sd - r["sd"]) > tol_s:
            bad.append((name, m, r["mean"], tol_m, sd, r["sd"], tol_s))
    assert not bad, bad


@pytest.mark.slow
def test_cbpp_posterior_agrees_with_nuts() -> None:
    ref = json.loads(REF.read_text())["models"]["cbpp"]["posterior"]
    s = Session()
    run(s, "use cbpp")
    run(
        s,
        "quietly bayes, rseed(1) mcmcsize(20000): "
        "melogit incidence i.period || herd:, binomial(size)",
    )
    compare_with_nuts(s, ref)


@pytest.mark.slow
def test_bangladesh_posterior_agrees_with_nuts() -> None:
    ref = json.loads(REF.read_text())["models"]["bangladesh"]["posterior"]
    s = Session()
    run(s, "use bangladesh")
    run(
        s,
        "quietly bayes, rseed(1) mcmcsize(20000): "
        "melogit c_use urban age child1 child2 child3 || district:",
    )
    compare_with_nuts(s, ref)


@pytest.mark.slow
def test_district_level_covariate_agrees_with_nuts() -> None:
    """d_illit is constant within districts: its coefficient also moves with the random
    intercepts, by a shift step with the districts' values as multipliers."""
    ref = json.loads(REF.read_text())["models"]["bangladesh_district"]["posterior"]
    s = Session()
    run(s, "use bangladesh")
    run(
        s,
        "quietly bayes, rseed(1) mcmcsize(20000): melogit c_use urban age d_illit || district:",
    )
    compare_with_nuts(s, ref)
    blocks = run(s, "bayes, blocksummary")
    assert "{c_use:d_illit} with {U0}  (Gibbs shift)" in blocks


@pytest.mark.slow
def test_poisson_with_patient_level_covariates_agrees_with_nuts() -> None:
    """Every covariate of the epilepsy model is patient-level; without their shift steps the
    coefficients' ESS was 131-552 of 10,000 draws, with them 2,771-7,394 (bench/README.md)."""
    ref = json.loads(REF.read_text())["models"]["epilepsy"]["posterior"]
    s = Session()
    run(s, "use epilepsy")
    run(s, "quietly bayes, rseed(1) mcmcsize(20000): mepoisson count zBase Trt zAge || patient:")
    compare_with_nuts(s, ref)


@pytest.fixture(scope="module")
def cbpp() -> Session:
    s = Session()
    run(s, "use cbpp")
    run(
        s,
        "bayes, rseed(5) mcmcsize(2000) burnin(1000) nodots: "
        "melogit incidence i.period || herd:, binomial(size)",
    )
    return s


def test_display_and_blocks(cbpp) -> None:
    out = run(cbpp, "bayes")
    assert out.startswith("Bayesian multilevel logistic regression")
    assert "sigma2" in out and "var(Residual)" not in out and "e.incidence" not in out
    summ = run(cbpp, "bayes, blocksummary")
    assert "{incidence:}  (MH, Newton (IRLS) proposal)" in summ
    assert "{U0}  (MH, Newton proposal, a block per group)" in summ
    assert "{U0:sigma2}  (Gibbs)" in summ
    assert "{U0:sigma2} with {U0}  (adaptive MH, joint rescaling)" in summ
    s = Session()
    run(s, "use cbpp")
    dry = run(s, "bayes, dryrun: melogit incidence i.period || herd:, binomial(size)")
    assert "incidence ~ melogit(xb_incidence,size)" in dry
    assert "{U0} ~ normal(0,{U0:sigma2})" in dry


def test_postestimation(cbpp, tmp_path) -> None:
    s = cbpp
    ic = run(s, "bayesstats ic")
    assert "DIC" in ic
    # DIC = 2 D̄ - D(θ̄) with the binomial log likelihood the sampler records
    post = s.e
    from bayes_magic.commands.bayes_ic import dic

    assert math.isfinite(dic(post))
    assert np.all(post.loglik < 0)
    run(s, f"bayespredict {{_ysim}}, saving({tmp_path / 'p'}) rseed(2)")
    pp = run(s, f"bayesstats ppvalues (@mean({{_ysim}})) using {tmp_path / 'p'}")
    assert "P(T>=T_obs)" in pp
    run(s, "bayespredict pm, mean rseed(2)")
    pm = s.data.values("pm")
    size = s.data.values("size")
    assert np.all((pm >= 0) & (pm <= size))
    # replicates are counts of successes out of size
    from bayes_magic.commands.bayespredict import simulate

    pred = simulate(s, post, np.random.default_rng(1), np.ones(s.data.nobs, bool))
    assert np.all(pred.ysim == np.round(pred.ysim)) and np.all(pred.ysim <= size[None, None, :])
    run(s, f"estimates save {tmp_path / 'b'}")
    s2 = Session()
    run(s2, "use cbpp")
    run(s2, f"estimates use {tmp_path / 'b'}")
    assert "Bayesian multilevel logistic regression" in run(s2, "bayes")
    assert "U0:sigma2" in run(s2, "bayesstats summary {U0:sigma2}")


def test_same_seed_same_draws_and_chain_one_of_several() -> None:
    s = Session()
    run(s, "use cbpp")
    cmd = "melogit incidence i.period || herd:, binomial(size)"
    run(s, f"quietly bayes, rseed(9) mcmcsize(300) burnin(200): {cmd}")
    a = s.e.draws.copy()
    run(s, f"quietly bayes, rseed(9) mcmcsize(300) burnin(200) nchains(2): {cmd}")
    assert np.array_equal(s.e.draws[0], a[0])


@pytest.mark.parametrize(
    ("cmd", "rc", "text"),
    [
        ("bayes: melogit c_use urban || district:, cov(exch)", 198, "exchangeable"),
        ("bayes: melogit c_use urban || district:, intpoints(3)", 198, "intpoints()"),
        ("bayes: melogit c_use urban", 198, "random-effects"),
        ("bayes: meglm c_use urban || district:", 198, "family(gaussian)"),
        ("bayes: melogit c_use urban || district:, vce(robust)", 198, "vce()"),
    ],
)
def test_bad_input(cmd, rc, text) -> None:
    s = Session()
    run(s, "use bangladesh")
    msg, got = fails(s, cmd)
    assert got == rc and text in msg
    assert s.e is None and s.last_traceback is None


def test_probit_random_slopes_and_poisson_run() -> None:
    s = Session()
    run(s, "use bangladesh")
    run(
        s,
        "quietly bayes, rseed(3) mcmcsize(500) burnin(500): "
        "meprobit c_use urban age || district: urban, cov(unstructured)",
    )
    assert "U:Sigma_2_1" in s.e.names
    assert np.all(np.isfinite(s.e.draws))
    s = Session()
    run(s, "use cbpp")
    out = run(
        s,
        "bayes, rseed(3) mcmcsize(500) burnin(500) nodots: "
        "mepoisson incidence i.period || herd:, exposure(size)",
    )
    assert "Bayesian multilevel Poisson regression" in out


def test_reffects_graph_compares_melogit_with_bayes_melogit() -> None:
    from bayes_magic.commands.bayesgraph_plots import BayesFigure

    s = Session()
    run(s, "use cbpp")
    run(s, "quietly melogit incidence i.period || herd:, binomial(size)")
    run(s, "estimates store ml")
    run(
        s,
        "quietly bayes, rseed(4) mcmcsize(1000) burnin(500): "
        "melogit incidence i.period || herd:, binomial(size)",
    )
    run(s, "estimates store bay")
    res = s.execute("bayesgraph reffects, blup(ml) bayes(bay)")
    assert res.error is None
    fig = next(o for o in res if isinstance(o, BayesFigure))
    c = fig.data["U0"]
    # the x axis holds melogit's empirical Bayes means, the y axis the posterior means
    np.testing.assert_allclose(c["blup"], s.estimates["ml"].fit.blups()[0][:, 0])
    post = s.estimates["bay"]
    np.testing.assert_allclose(
        c["mean"][:3], [post.chains_of(f"U0[{g}]").mean() for g in (1, 2, 3)]
    )
    assert fig.legends[0] == ["EB mean (melogit)", "Posterior mean (bayes)"]
    assert "EB means of ml against posterior means of bay" in fig.text()


def test_stored_results_name_the_command_under_the_prefix(cbpp) -> None:
    e = cbpp.e
    assert e.lookup("cmd") == "bayesmh" and e.lookup("cmdname") == "melogit"
    assert e.lookup("prefix") == "bayes"
    # a Newton block accepts most proposals by design: no note about a high acceptance rate
    assert not any("is high" in w for w in e.warnings)


@pytest.mark.parametrize(
    ("cmd", "text"),
    [
        ("bayes: meprobit incidence i.period || herd:, binomial(size) or", "option or not"),
        ("bayes: melogit incidence i.period || herd:, binomial(size) irr", "option irr not"),
        ("bayes, block({incidence:_cons}): melogit incidence || herd:, binomial(size)", "block()"),
        ("bayes: melogit incidence || herd:, binomial(size) noestimate", "option noestimate not"),
    ],
)
def test_options_not_available_under_the_prefix(cmd, text) -> None:
    s = Session()
    run(s, "use cbpp")
    msg, rc = fails(s, cmd)
    assert rc == 198 and text in msg


def test_bayespredict_skips_observations_without_trials() -> None:
    s = Session()
    run(s, "use cbpp")
    run(
        s,
        "quietly bayes, rseed(2) mcmcsize(300) burnin(300): "
        "melogit incidence i.period || herd:, binomial(size)",
    )
    run(s, "replace size = . in 1")
    run(s, "bayespredict pm, mean rseed(1)")
    pm = s.data.values("pm")
    assert np.isnan(pm[0]) and np.all(np.isfinite(pm[1:]))
