"""The talk's postestimation figures (tests/reference/math.md) against ours, on the talk's model
with its seed and default sizes. Stata's figures carry Stata's Monte Carlo error, so each
comparison allows 4 combined MCSE, sqrt(MCSE_Stata² + MCSE_ours²), with Stata's MCSE as the
talk prints it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.commands.test_bayes_commands import BAYESMH
from tests.conftest import run

TALK = "mixed math homework i.schtype || schid: homework, covariance(unstructured)"


@pytest.fixture(scope="module")
def s() -> Session:
    s = Session()
    run(s, "use math")
    run(s, f"quietly bayes, rseed(317): {TALK}")
    return s


def test_correlation_summary(s: Session) -> None:
    run(s, "bayesstats summary (corr: {U:Sigma_2_1}/sqrt({U:Sigma_1_1}*{U:Sigma_2_2}))")
    mean, _sd, mcse = s.r["summary"].values[0, :3]
    tol = 4 * np.hypot(0.002396, mcse)  # the talk: mean -.8470514, MCSE .002396
    assert abs(mean - (-0.8470514)) < tol


def test_interval_probability(s: Session) -> None:
    run(s, "bayestest interval {math:1.schtype}, upper(0)")
    mean, _sd, mcse = s.r["summary"].values[0]
    tol = 4 * np.hypot(0.0081267, mcse)  # the talk: .9764, MCSE .0081267
    assert abs(mean - 0.9764) < tol


@pytest.mark.slow
def test_dic_of_the_four_prior_variants() -> None:
    s = Session()
    run(s, "use math")
    variants = {
        "m1": "",
        "m2": "normalprior(5)",
        "m3": "iwishartprior(10)",
        "m4": "prior({e.math:sigma2}, jeffreys)",
    }
    for name, opt in variants.items():
        run(s, f"quietly bayes, rseed(317) {opt}: {TALK}")
        run(s, f"estimates store {name}")
    run(s, "bayesstats ic m1 m2 m3 m4, diconly")
    dic = dict(zip(s.r["ic"].rownames, s.r["ic"].values[:, 0]))
    # the talk: 3581.631, 3582.73, 3584.731, 3582.641. Stata prints no MCSE for DIC; its
    # deviance draws mix slowly (efficiency .0016 on this model), so we check the ordering the
    # talk draws its conclusion from: the default priors (m1) and Jeffreys' (m4) fit best,
    # normalprior(5) (m2) is worse, iwishartprior(10) (m3) worst (ours has m1 and m4 within
    # .01 of each other, where the talk has them a unit apart)
    assert max(dic["m1"], dic["m4"]) < dic["m2"] < dic["m3"]


@pytest.fixture(scope="module")
def ppvalues(tmp_path_factory) -> tuple[np.ndarray, np.ndarray, float, float, np.ndarray]:
    """The talk's model check: ``bayespredict {_ysim}`` then ``bayesstats ppvalues
    (@max({_resid}))``; the per-draw statistics (from the prediction file), our ESS of each,
    and the row the command reports (Mean, Std. dev., E(T_obs), P(T>=T_obs))."""
    from bayes_magic.commands.bayespredict import load_predictions
    from bayes_magic.diagnostics.mcmc import ess_stata

    path = tmp_path_factory.mktemp("pp") / "prdata"
    s = Session()
    run(s, "use math")
    run(s, f"quietly {BAYESMH}")  # the talk's Gibbs bayesmh model
    run(s, f"quietly bayespredict {{_ysim}}, saving({path}) rseed(1)")
    p = load_predictions(str(path))
    mu = p.mu.reshape(-1, len(p.y))
    t_rep = (p.ysim.reshape(-1, len(p.y)) - mu).max(axis=1)
    t_obs = (p.y - mu).max(axis=1)
    run(s, f"bayesstats ppvalues (@max({{_resid}})) using {path}")
    row = s.r["summary"].values[0]
    return t_rep, t_obs, float(ess_stata(t_rep)[0]), float(ess_stata(t_obs)[0]), row


# Stata prints no MCSE for ppvalues. T_rep = max(y_rep - mu) is the largest of fresh normal
# noise, so its draws are as dependent as those of sigma2: we take the talk's ESS of
# {e.math:sigma2}, 7646.01, for Stata's T_rep (and for the MCSE of its standard deviation,
# sd/sqrt(2 ESS)).
STATA_ESS_SIGMA2 = 7646.01


@pytest.mark.slow
def test_replicated_statistic_agrees_with_the_talk(ppvalues) -> None:
    t_rep, _t_obs, ess_rep, _, _ = ppvalues
    mean, sd = t_rep.mean(), t_rep.std(ddof=1)
    tol_mean = 4 * np.hypot(2.773591 / np.sqrt(STATA_ESS_SIGMA2), sd / np.sqrt(ess_rep))
    assert abs(mean - 22.35586) < tol_mean
    tol_sd = 4 * np.hypot(2.773591 / np.sqrt(2 * STATA_ESS_SIGMA2), sd / np.sqrt(2 * ess_rep))
    assert abs(sd - 2.773591) < tol_sd


PPCHECK = Path(__file__).resolve().parents[2] / "bench" / "reference" / "talk_ppcheck.json"


@pytest.mark.slow
def test_observed_statistic_agrees_with_a_long_nuts_run(ppvalues) -> None:
    """E(T_obs) and P(T>=T_obs) against NumPyro NUTS with the random effects drawn from their
    exact conditionals (bench/ppcheck_reference.py, 200,000 draws), within 4 combined MCSE."""
    from bayes_magic.diagnostics.mcmc import ess_stata

    ref = json.loads(PPCHECK.read_text())["results"]
    t_rep, t_obs, _, ess_obs, row = ppvalues
    mean, _sd, e_obs, p_value = row  # what bayesstats ppvalues reports
    # the command's figures are these statistics of the saved draws ...
    assert e_obs == pytest.approx(t_obs.mean()) and mean == pytest.approx(t_rep.mean())
    hit = (t_rep >= t_obs).astype(float)
    assert p_value == pytest.approx(hit.mean())
    # ... and agree with the reference within 4 combined MCSE
    r = ref["T_obs"]
    tol = 4 * np.hypot(r["mcse_mean"], t_obs.std(ddof=1) / np.sqrt(ess_obs))
    assert abs(e_obs - r["mean"]) < tol
    r = ref["P(T>=T_obs)"]
    tol = 4 * np.hypot(r["mcse_mean"], hit.std(ddof=1) / np.sqrt(ess_stata(hit)[0]))
    assert abs(p_value - r["mean"]) < tol


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="known difference (README): our E(T_obs) is 20.65 against the talk's 21.27",
)
def test_observed_statistic_agrees_with_the_talk(ppvalues) -> None:
    _t_rep, t_obs, _, ess_obs, _row = ppvalues
    # even allowing Stata an MCSE as large as the one of its slowest parameter (homework, ESS
    # 205.55), the talk's E(T_obs) is out of reach
    tol = 4 * np.hypot(t_obs.std(ddof=1) / np.sqrt(205.55), t_obs.std(ddof=1) / np.sqrt(ess_obs))
    assert abs(t_obs.mean() - 21.27055) < tol
