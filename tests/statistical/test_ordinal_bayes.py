"""``bayes: meologit`` and ``bayes: oprobit`` against NumPyro's NUTS on the same posteriors
(``bench/ordinal_reference.py`` wrote ``bench/reference/wine_nuts.json``: 4 chains of 50,000
draws each, Stata's default priors, cutpoints flat on the ordered region).

A posterior mean must agree within K = 4 combined MCSEs (ours by batch means as Stata's
``bayesstats ess``, the reference's from ArviZ), a posterior SD within K combined MCSEs of
the SD; one seed, fixed in advance.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import run
from tests.sampler.test_glmm_sampler import compare_with_nuts

REF = Path(__file__).resolve().parents[2] / "bench" / "reference" / "wine_nuts.json"


@pytest.mark.slow
def test_meologit_posterior_agrees_with_nuts() -> None:
    ref = json.loads(REF.read_text())["meologit"]["posterior"]
    s = Session()
    run(s, "use wine")
    run(s, "quietly bayes, rseed(1) mcmcsize(20000): meologit rating temp contact || judge:")
    assert set(ref) <= set(s.e.names)
    compare_with_nuts(s, ref, "mcse_mean")


@pytest.mark.slow
def test_oprobit_posterior_agrees_with_nuts() -> None:
    ref = json.loads(REF.read_text())["oprobit"]["posterior"]
    s = Session()
    run(s, "use wine")
    run(s, "quietly bayes, rseed(1) mcmcsize(20000): oprobit rating temp contact")
    compare_with_nuts(s, ref, "mcse_mean")


def test_cutpoints_start_ordered_and_stay_ordered() -> None:
    """Dispersed starting values of several chains are put in order (typed ones that do not
    increase are an error, tests/commands/test_bayes_ordinal.py); every draw has increasing
    cutpoints (their prior is zero elsewhere)."""
    s = Session()
    run(s, "use wine")
    run(
        s,
        "quietly bayes, rseed(5) nchains(3) mcmcsize(500) burnin(200) "
        "initial({cut1} -6 {cut4} 9): meologit rating temp contact || judge:",
    )
    C = np.stack([s.e.chains_of(f"cut{j}") for j in range(1, 5)], axis=-1)
    assert np.all(np.diff(C, axis=-1) > 0)


@pytest.mark.parametrize("cmd", ["meologit rating temp contact || judge:", "oprobit rating temp"])
def test_replicates_follow_the_category_probabilities(cmd: str) -> None:
    """``bayespredict`` after ordered models: each replicate is an outcome value drawn with
    P(y = v_k) = F(cut_k - eta) - F(cut_{k-1} - eta) at its draw ([R] ologit), written out
    here from the draws with scipy. Pooled over draws and observations (independent given the
    draws), each category's frequency is within 4 binomial standard errors of its mean
    probability, and ``{_mu}`` is sum_k v_k P(y = v_k) exactly."""
    from scipy import special, stats

    from bayes_magic.commands.bayespredict import simulate

    s = Session()
    run(s, "use wine")
    run(s, f"quietly bayes, rseed(3) mcmcsize(2000) burnin(500) nodots: {cmd}")
    post = s.e
    pred = simulate(s, post, np.random.default_rng(11), np.ones(s.data.nobs, bool))
    df = s.data.to_dataframe()
    rows = pred.obs - 1
    b = {n: post.chains_of(n)[0] for n in post.names}  # one chain: (draws,)
    eta = b["rating:temp"][:, None] * df["temp"].to_numpy(float)[rows]
    if "rating:contact" in b:
        eta = eta + b["rating:contact"][:, None] * df["contact"].to_numpy(float)[rows]
    if "judge" in cmd:
        judges = np.unique(df["judge"])
        g = np.searchsorted(judges, df["judge"].to_numpy()[rows])
        eta = eta + post.re_draws[0][:, g]
    F = special.expit if "ologit" in cmd else stats.norm.cdf
    values = np.unique(df["rating"])
    cuts = [b[f"cut{k}"][:, None] for k in range(1, len(values))]
    cum = [np.zeros_like(eta), *(F(c - eta) for c in cuts), np.ones_like(eta)]
    probs = np.stack([cum[k + 1] - cum[k] for k in range(len(values))], axis=-1)
    np.testing.assert_allclose(pred.mu[0], probs @ values, rtol=1e-12, atol=1e-12)
    ysim = pred.ysim[0]
    assert set(np.unique(ysim)) <= set(values)
    for k, v in enumerate(values):
        p = probs[..., k]
        se = np.sqrt(np.sum(p * (1 - p))) / p.size
        assert abs(np.mean(ysim == v) - p.mean()) < 4 * se, (v, np.mean(ysim == v), p.mean(), se)
