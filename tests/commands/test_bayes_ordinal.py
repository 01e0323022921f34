"""``bayes: meologit``, ``meoprobit``, ``ologit``, ``oprobit`` as a user meets them: the
model summary (the cutpoints in the likelihood, flat priors), the table (``{cut1}`` rows;
``/cut1`` with ``melabel``), the block summary, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture(scope="module")
def wine() -> Session:
    s = Session()
    run(s, "use wine")
    return s


def test_summary_table_and_blocks(wine) -> None:
    out = run(
        wine,
        "bayes, rseed(3) mcmcsize(1000) burnin(500) dots(0): "
        "meologit rating temp contact || judge:",
    )
    assert "  rating ~ meologit(xb_rating,{cut1},{cut2},{cut3},{cut4})" in out
    assert "  {cut1 cut2 cut3 cut4} ~ 1 (flat)" in out
    assert "{U0} ~ normal(0,{U0:sigma2})" in out
    assert out.count("Bayesian multilevel ordered logistic regression") == 1
    lines = out.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.split("|")[0].strip() == "cut1")
    assert [ln.split("|")[0].strip() for ln in lines[i : i + 4]] == [
        "cut1",
        "cut2",
        "cut3",
        "cut4",
    ]
    assert lines[i - 1].startswith("-------------+")
    # an improper (flat) prior: no log marginal likelihood
    assert np.isnan(wine.e.scalars.get("lml", np.nan))
    me = run(wine, "bayes, melabel")
    assert "       /cut1 |" in me and "  var(_cons) |" in me
    blocks = run(wine, "bayes, blocksummary notable noheader")
    assert "{rating:} with {cut1} {cut2} {cut3} {cut4}  (MH, joint Newton proposal)" in blocks
    assert "{cut1} {cut2} {cut3} {cut4} with {U0}  (Gibbs shift)" in blocks


def test_priors_on_cutpoints_and_odds_ratios(wine) -> None:
    out = run(
        wine,
        "bayes, rseed(4) mcmcsize(1000) burnin(500) dots(0) "
        "prior({cut1 cut2}, normal(0,10)): meologit rating i.temp contact || judge:, or",
    )
    assert "  {cut1 cut2} ~ normal(0,10)" in out
    assert "  {cut3 cut4} ~ 1 (flat)" in out
    assert "Odds ratio" in out
    # the cutpoints are not exponentiated
    row = next(ln for ln in out.splitlines() if ln.split("|")[0].strip() == "cut1")
    mean = float(row.split("|")[1].split()[0])
    assert mean == pytest.approx(float(wine.e.chains_of("cut1").mean()), abs=1e-6)


def test_without_random_effects(wine) -> None:
    out = run(wine, "bayes, rseed(5) mcmcsize(1000) burnin(500) dots(0): oprobit rating temp")
    assert out.count("Bayesian ordered probit regression") == 1
    assert "  rating ~ oprobit(xb_rating,{cut1},{cut2},{cut3},{cut4})" in out
    assert wine.e.names == ["rating:temp", "cut1", "cut2", "cut3", "cut4"]


def test_bad_input(wine) -> None:
    est = wine.e
    for text, msg, rc in [
        ("bayes, prior({cut5}, normal(0,1)): meologit rating temp || judge:", "{cut5}", 111),
        ("bayes, prior({cut1}, normal(0,1)): mixed rating temp || judge:", "{cut1}", 111),
        ("bayes: meologit rating temp || judge:, binomial(bottle)", "binomial()", 198),
        ("bayes: meoprobit rating temp, noconstant || judge:", "noconstant", 198),
        ("bayes: meoprobit rating temp || judge:, or", "option or not allowed", 198),
        ("bayes: ologit rating temp if rating == 2", "outcome does not vary", 2000),
    ]:
        m, r = fails(wine, text)
        assert msg in m and r == rc, (text, m, r)
    assert wine.e is est
    run(wine, "bayes, rseed(6) mcmcsize(200) burnin(100) dots(0): ologit rating temp")
    run(wine, "bayespredict p, mean")  # E(y) = sum_k v_k P(y = v_k), averaged over draws
    p = wine.data.to_dataframe()["p"]
    assert p.notna().all() and p.between(1, 5).all()  # a mean of the outcome values 1..5


def test_dryrun_shows_the_model_that_would_run(wine) -> None:
    out = run(wine, "bayes, dryrun prior({cut1}, normal(0,1)): meologit rating i.temp || judge:")
    assert "  rating ~ meologit(xb_rating,{cut1},{cut2},{cut3},{cut4})" in out
    assert "_cons" not in out
    assert "{cut1} ~ normal(0,1)" in out and "{cut2 cut3 cut4} ~ 1 (flat)" in out
    m, r = fails(wine, "bayes, dryrun prior({cut9}, normal(0,1)): ologit rating temp")
    assert r == 111 and "{cut9}" in m


def test_typed_cutpoints_must_increase(wine) -> None:
    m, r = fails(wine, "bayes, rseed(1) initial({cut1} 5 {cut2} 1): meologit rating temp || judge:")
    assert r == 498 and "initial values not feasible" in m and "must increase" in m


def test_blup_comparison_needs_the_same_likelihood(wine) -> None:
    run(wine, "quietly meoprobit rating temp || judge:")
    run(wine, "estimates store mlp")
    run(wine, "quietly bayes, rseed(1) mcmcsize(300) burnin(200): meologit rating temp || judge:")
    run(wine, "estimates store bay")
    m, r = fails(wine, "bayesgraph reffects, blup(mlp) bayes(bay)")
    assert r == 498 and "likelihoods ordered logit and ordered probit" in m
    run(wine, "quietly meologit rating temp || judge:")
    run(wine, "estimates store mll")
    run(wine, "bayesgraph reffects, blup(mll) bayes(bay)")


def test_no_covariates_and_excluded_cutpoints(wine) -> None:
    out = run(wine, "bayes, rseed(2) mcmcsize(300) burnin(100) dots(0): ologit rating")
    assert "rating       |" not in out  # no empty coefficient equation
    assert "        cut1 |" in out
    run(
        wine,
        "quietly bayes, rseed(2) mcmcsize(300) burnin(100) exclude({cut1}): "
        "meologit rating temp || judge:",
    )
    m, r = fails(wine, "bayesstats ic")
    assert r == 198 and "{cut1}" in m and "exclude()" in m
