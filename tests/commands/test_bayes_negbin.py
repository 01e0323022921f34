"""``bayes: menbreg`` and ``bayes: nbreg`` as a user meets them: the model summary (``{lnalpha}`` in the likelihood,
its default prior from ``normalprior()``), the table (an ``lnalpha`` row; ``/lnalpha`` with
``melabel``), the block summary, ``irr``, ``dispersion(constant)`` (``{lndelta}``),
``initial()``, posterior predictions, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture(scope="module")
def epi() -> Session:
    s = Session()
    run(s, "use epilepsy")
    return s


def test_summary_table_and_blocks(epi) -> None:
    out = run(
        epi,
        "bayes, rseed(3) mcmcsize(1000) burnin(500) dots(0): "
        "menbreg count zAge zBase Trt || patient:",
    )
    assert "  count ~ menbreg(xb_count,{lnalpha})" in out
    assert "           {lnalpha} ~ normal(0,10000)" in out
    assert out.count("Bayesian multilevel negative binomial regression") == 1
    lines = out.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.split("|")[0].strip() == "lnalpha")
    assert lines[i - 1].startswith("-------------+") and lines[i + 1].startswith("-------------+")
    assert "lnalpha" in epi.e.names
    me = run(epi, "bayes, melabel")
    assert "    /lnalpha |" in me and "  var(_cons) |" in me
    blocks = run(epi, "bayes, blocksummary notable noheader")
    assert "{count:}  (MH, Newton (IRLS) proposal)" in blocks
    assert "{lnalpha}  (adaptive MH)" in blocks
    # the linear predictor's coefficients, without {lnalpha} (bayespredict, replays)
    assert epi.e.linear_coef_names() == [f"count:{c}" for c in ("zAge", "zBase", "Trt", "_cons")]
    # proper priors throughout, so DIC and the log marginal likelihood are defined
    ic = run(epi, "bayesstats ic")
    assert "active |" in ic


def test_irr_priors_and_constant_dispersion(epi) -> None:
    out = run(
        epi,
        "bayes, rseed(4) mcmcsize(1000) burnin(500) dots(0) normalprior(10): "
        "menbreg count zAge zBase || patient:, irr dispersion(constant)",
    )
    assert "  count ~ menbreg(xb_count,{lndelta})" in out
    assert "           {lndelta} ~ normal(0,100)" in out
    assert "IRR" in out
    # ln δ is not exponentiated
    row = next(ln for ln in out.splitlines() if ln.split("|")[0].strip() == "lndelta")
    mean = float(row.split("|")[1].split()[0])
    assert mean == pytest.approx(float(epi.e.chains_of("lndelta").mean()), abs=1e-6)
    out = run(
        epi,
        "bayes, dryrun prior({lnalpha}, uniform(-10,10)): menbreg count zAge || patient:",
    )
    assert "           {lnalpha} ~ uniform(-10,10)" in out


def test_initial_values_and_several_chains(epi) -> None:
    run(
        epi,
        "quietly bayes, rseed(5) nchains(2) mcmcsize(300) burnin(0) "
        "initial({lnalpha} 1.5): menbreg count zAge || patient:",
    )
    first = epi.e.chains_of("lnalpha")[0, 0]
    # the first draw moved from the typed start by one random-walk step at most
    assert abs(first - 1.5) < 1.5


def test_posterior_predictions_are_overdispersed(epi, tmp_path) -> None:
    """Replicates from the posterior predictive.

    * Given each draw's mean μ and α, a replicate is negative binomial: the standardized
      z = (y_rep − μ)/sqrt(μ + αμ²) has mean 0 and variance 1. The replicates are independent
      given the draws, so the mean's MCSE is 1/sqrt(N) exactly and the variance's
      sqrt(Var(z²)/N); both agree within K = 4 MCSEs.
    * The observed maximum of 102 seizures: its posterior predictive p-value P(T_rep ≥ 102)
      is not extreme under ``bayes: menbreg`` (above .05 by more than 4 batch-means MCSEs of
      the indicator series), while under ``bayes: mepoisson`` it is below .05 by as much (the
      spread the Poisson model misses, the reason for the model)."""
    from bayes_magic.commands.bayespredict import load_predictions
    from tests.sampler.test_nuts_reference import mcse_mean

    s = epi
    K = 4.0
    p_max, mcse = {}, {}
    for cmd in ("menbreg", "mepoisson"):
        run(
            s,
            f"quietly bayes, rseed(6) mcmcsize(2000) burnin(1000): "
            f"{cmd} count zAge zBase Trt || patient:",
        )
        f = tmp_path / cmd
        run(s, f"bayespredict {{_ysim}} {{_mu}}, saving({f}) rseed(7)")
        pred = load_predictions(str(f))
        if cmd == "menbreg":
            alpha = np.exp(s.e.chains_of("lnalpha"))[:, :, None]
            z = (pred.ysim - pred.mu) / np.sqrt(pred.mu + alpha * pred.mu**2)
            n = z.size
            assert abs(z.mean()) < K / np.sqrt(n)
            assert abs((z**2).mean() - 1.0) < K * np.sqrt((z**2).var() / n)
        hit = (pred.ysim.max(axis=-1) >= pred.y.max()).astype(float)  # (chains, draws)
        p_max[cmd], mcse[cmd] = float(hit.mean()), mcse_mean(hit)
        run(s, f"quietly bayesstats ppvalues (@max({{_ysim}})) using {f}")
        assert float(s.r["summary"].values[0, -1]) == pytest.approx(p_max[cmd], abs=1e-12)
    assert p_max["menbreg"] - K * mcse["menbreg"] > 0.05
    assert p_max["mepoisson"] + K * mcse["mepoisson"] < 0.05


def test_bad_input(epi) -> None:
    before = epi.data.to_dataframe().copy()
    for text, msg, rc in [
        (
            "bayes, dryrun prior({lndelta}, normal(0,1)): menbreg count zAge || patient:",
            "parameter {lndelta} not found",
            111,
        ),
        ("bayes, dryrun: mepoisson count zAge || patient:, dispersion(mean)", "option disp", 198),
        ("bayes, dryrun: menbreg count zAge || patient:, dispersion(x)", "dispersion(x) inv", 198),
        ("bayes, dryrun: menbreg count zAge || patient:, binomial(visit)", "option binomial", 198),
        ("bayes, dryrun: menbreg count zAge || patient:, or", "option or not allowed", 198),
        ("bayes, dryrun: menbreg zAge count || patient:", "zAge must be greater", 459),
    ]:
        m, r = fails(epi, text)
        assert m.startswith(msg) and r == rc, (text, m, r)
    assert epi.data.to_dataframe().equals(before)


def test_observation_level_effects_leave_alpha_to_its_prior(epi) -> None:
    """With an observation-level random effect (``|| visit:`` within patients) the data say
    little of α: ln α wanders far below zero, where α is 0 in floating point, without error."""
    run(
        epi,
        "quietly bayes, rseed(1) mcmcsize(500) burnin(500): "
        "menbreg count zAge zBase || patient: || visit:",
    )
    la = epi.e.chains_of("lnalpha")
    assert np.all(np.isfinite(la)) and float(la.mean()) < -3.0


def test_dic_after_excluding_the_random_effects() -> None:
    s = Session()
    run(s, "use epilepsy")
    run(
        s,
        "quietly bayes, rseed(8) mcmcsize(300) burnin(200) exclude({U0}): "
        "menbreg count zAge || patient:",
    )
    assert fails(s, "bayesstats ic") == (
        "DIC needs {U0}, which was excluded from the results by exclude()",
        198,
    )


def test_bayes_nbreg(epi) -> None:
    """Without random effects: the ``nbreg`` fit starts the chain; the log marginal
    likelihood is reported (every prior is proper)."""
    out = run(
        epi,
        "bayes, rseed(9) mcmcsize(1000) burnin(500) dots(0): nbreg count zAge zBase Trt, irr",
    )
    assert "  count ~ nbreg(xb_count,{lnalpha})" in out
    assert out.count("Bayesian negative binomial regression") == 1
    assert "IRR" in out
    assert np.isfinite(epi.e.scalars["lml"])
    # _mcmc_report (Stata 16): "Dispersion = mean" before "Efficiency:  min", its "=" under
    # the log marginal likelihood's
    lines = out.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("Dispersion"))
    assert lines[i].startswith("Dispersion              =       mean")
    assert "Efficiency:  min =" in lines[i] and lines[i + 2].startswith("Log marginal-likelihood")
    assert lines[i].index("=") == lines[i + 2].index("=") == 24
    assert epi.e.macros["dispersion"] == "mean"
    m, r = fails(epi, "bayes: nbreg count zAge || patient:")
    assert r == 198 and "random effects are not allowed" in m
