"""The talk's postestimation figures (tests/reference/math.md) against ours, on the talk's model
with its seed and default sizes. Stata's figures carry Stata's Monte Carlo error, so each
comparison allows 4 combined MCSE, sqrt(MCSE_Stata² + MCSE_ours²), with Stata's MCSE as the
talk prints it."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
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
