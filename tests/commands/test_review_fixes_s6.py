"""Fixes from the review of the graph, prediction, prior and estimates-table work: saved
prediction functions, typed prior numbers, showreffects filters, estimates table keep()."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.commands.bayespredict import load_predictions
from bayes_magic.session import Session
from tests.conftest import fails, run

FIT = "bayes, rseed(2) mcmcsize(300) burnin(100) nodots"


@pytest.fixture(scope="module")
def fitted() -> Session:
    s = Session()
    run(s, "use math")
    run(s, f"quietly {FIT}: mixed math homework || schid:")
    return s


def test_saved_functions_with_missing_outcomes(fitted: Session, tmp_path) -> None:
    s = fitted
    run(s, "preserve")
    try:
        run(s, "replace math = . in 1/5")
        f = tmp_path / "p"
        run(s, f'bayespredict (mx: @max({{_ysim}})), saving("{f}") rseed(1)')
        out = run(s, f'bayesstats ppvalues {{mx}} using "{f}"')
        assert "5 observations with a missing outcome left out" in out
        msg, rc = fails(s, f'bayesstats ppvalues {{_ysim[2]}} using "{f}"')
        assert rc == 198 and "missing outcome" in msg
        pred = load_predictions(str(f))
        keep = ~np.isnan(pred.y)
        t_rep = pred.ysim[:, :, keep].max(axis=-1)
        t_obs = pred.y[keep].max()
        assert s.r["summary"].values[0] == pytest.approx(
            [t_rep.mean(), t_rep.std(ddof=1), t_obs, np.mean(t_rep >= t_obs)]
        )
    finally:
        run(s, "restore")


@pytest.mark.parametrize(
    "funcs",
    [
        "(mx: @max({_ysim})) (mx: @min({_ysim}))",  # one label twice
        "(_ysim: @max({_ysim}))",  # a simulated quantity's name
        "(mx: @max({mx}))",  # a function of itself
        "(mx: @max({_ysim})) (my: {mx} + 1)",  # of another function
        "(mx: @max({math:homework}))",  # of a model parameter
    ],
)
def test_bayespredict_refuses_bad_function_labels(fitted: Session, tmp_path, funcs) -> None:
    f = tmp_path / "bad"
    assert fails(fitted, f'bayespredict {funcs}, saving("{f}") rseed(1)')[1] == 198
    assert not (tmp_path / "bad.bmpred").exists()


def test_model_summary_echoes_prior_numbers_as_typed() -> None:
    s = Session()
    run(s, "use math")
    out = run(
        s,
        "bayesmh math homework, likelihood(normal({var})) prior({math:}, normal(0, 1e4)) "
        "prior({var}, igamma(.01, 0.010)) dryrun",
    )
    assert "igamma(.01,0.010)" in out and "normal(0,1e4)" in out
    out = run(
        s,
        "bayesmh math homework, likelihood(normal({var})) prior({math:}, normal(-5, 100)) "
        "prior({var}, igamma(1, 2)) dryrun",
    )
    assert "normal(-5,100)" in out and "igamma(1,2)" in out


def test_showreffects_bare_name_means_every_group(fitted: Session) -> None:
    s = fitted
    every = run(s, "bayes, showreffects({U0})")
    both = run(s, "bayes, showreffects({U0[7472]} {U0})")
    assert both == every and "72991 |" in both
    two = run(s, "bayes, showreffects({U0[7472 7829]})")
    assert "7472 |" in two and "7829 |" in two and "72991 |" not in two


def test_showreffects_unknown_effects_or_groups(fitted: Session) -> None:
    s = fitted
    before = s.e
    assert fails(s, "bayes, showreffects({U9})")[1] == 111
    assert fails(s, "bayes, showreffects({U0[1]})")[1] == 111
    assert fails(s, f"{FIT} showreffects({{U9}}): mixed math homework || schid:")[1] == 111
    assert s.e is before


def test_estimates_table_keep_order_and_narrow_names() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework || schid:")
    run(s, "estimates store a")
    out = run(s, "estimates table a, keep(_cons homework)")
    assert out.index("_cons |") < out.index("homework |")
    out = run(s, "estimates table a, keep(homework _cons)")
    assert out.index("homework |") < out.index("_cons |")
    out = run(s, "estimates table a, varwidth(5)")
    header = next(line for line in out.splitlines() if "|" in line)
    assert header.index("|") == 6 and header.startswith("Varia")
    before = s.e
    assert fails(s, "estimates table a, keep(nosuch)")[1] == 111
    assert s.e is before


def test_estimates_table_of_two_models_lists_each_row_once() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework || schid:")
    run(s, "estimates store a")
    run(s, "quietly mixed math homework i.schtype || schid:")
    run(s, "estimates store b")
    out = run(s, "estimates table a b")
    assert out.count("homework |") == 1 and out.count("_cons |") == 3  # math, var(U0), var(e)
    out = run(s, "estimates table a b, keep(homework)")
    assert out.count("homework |") == 1


@pytest.fixture(scope="module")
def two_chains() -> Session:
    s = Session()
    run(s, "use math")
    run(s, f"quietly {FIT} nchains(2): mixed math homework || schid:")
    return s


@pytest.mark.parametrize("sub", ["summary", "ess", "grubin"])
def test_bayesstats_showreffects(two_chains: Session, sub: str) -> None:
    s = two_chains
    out = run(s, f"bayesstats {sub}, showreffects({{U0[7472 7829]}})")
    assert "U0[schid]" in out and "7472 |" in out and "7829 |" in out and "72991 |" not in out
    M = next(v for k, v in s.r.items() if k in ("summary", "ess", "Rc"))
    names = M.rownames if sub != "grubin" else M.colnames
    assert names[-2:] == ["U0[7472]", "U0[7829]"]
    i = s.e.re_names.index("U0[7829]")
    draws = s.e.re_draws[:, :, i]
    if sub == "summary":
        assert M.values[-1, 0] == pytest.approx(draws.mean())
    every = run(s, f"bayesstats {sub}, showreffects")
    assert "72991 |" in every
    assert fails(s, f"bayesstats {sub}, showreffects({{U9}})")[1] == 111


def test_bayestest_interval_options(two_chains: Session, tmp_path) -> None:
    s = two_chains
    d = s.e.chains_of("math:homework")
    out = run(s, "bayestest interval {math:homework}, lower(2.4) skip(9)")
    assert s.r["mcmcsize"] == d[:, ::10].size
    head = out.strip().splitlines()[:2]  # the chain count above the sample size, as summary's
    assert head[0].split()[-1] == "2" and "Number of chains" in head[0]
    assert head[1].split()[-1] == f"{d[:, ::10].size:,}"
    assert s.r["prob1"] == pytest.approx(np.mean(d[:, ::10] > 2.4))
    run(s, "bayestest interval {math:homework}, lower(2.4) chains(2)")
    assert s.r["prob1"] == pytest.approx(np.mean(d[1] > 2.4))
    out = run(s, "bayestest interval {math:homework}, lower(2.4) sepchains")
    assert "Chain 1" in out and "Chain 2" in out
    assert s.r["prob1"] == pytest.approx(np.mean(d[1] > 2.4))
    out = run(s, "bayestest interval (pm:{math:homework}), lower(2.4) nolegend")
    assert "pm |" in out and "2.4 <" not in out
    f = tmp_path / "p"
    run(s, f'bayespredict {{_ysim}}, saving("{f}") rseed(1)')
    pred = load_predictions(str(f))
    run(s, f'bayestest interval (@mean({{_ysim}})) using "{f}", lower(51)')
    assert s.r["prob1"] == pytest.approx(np.mean(pred.ysim.mean(axis=-1) > 51))
    before = s.e
    assert fails(s, "bayestest interval {math:homework}, lower(2.4) chains(3)")[1] == 198
    assert s.e is before


def test_bayesstats_ic_averages_chains(two_chains: Session) -> None:
    from bayes_magic.commands.bayes_ic import _chain_view, dic

    s = two_chains
    per = [dic(_chain_view(s.e, [c])) for c in (0, 1)]
    out = run(s, "bayesstats ic")
    assert "Avg DIC" in out and "Chains" in out
    assert s.r["ic"].values[0, :2] == pytest.approx([2, np.mean(per)])
    run(s, "bayesstats ic, chains(2)")
    assert s.r["ic"].values[0, 0] == pytest.approx(per[1])
    out = run(s, "bayesstats ic, sepchains diconly")
    assert "Chain 1" in out and "Chain 2" in out
    assert s.r["ic"].values[0, 0] == pytest.approx(per[1])
    assert fails(s, "bayesstats ic, chains(3)")[1] == 198


def test_bayestest_model_with_a_missing_marginal_likelihood() -> None:
    s = Session()
    run(s, "use math")
    run(s, f"quietly {FIT} remargl: mixed math homework || schid:")
    run(s, "estimates store a")
    run(
        s,
        f"quietly {FIT} remargl prior({{e.math:sigma2}}, jeffreys): mixed math homework || schid:",
    )
    run(s, "estimates store j")
    out = run(s, "bayestest model a j")
    M = s.r["test"].values
    assert np.isfinite(M[0, 0]) and np.isnan(M[1, 0]) and np.isnan(M[:, 2]).all()
    assert "Marginal likelihood of j is missing" in out
    html = s.execute("bayestest model a j")[0].html()
    assert "Marginal likelihood of j is missing" in html and "Laplace" in html


def test_loglikelihood_synonyms(fitted: Session) -> None:
    s = fitted
    run(s, "bayesstats summary _ll _lp")
    short = s.r["summary"].values
    run(s, "bayesstats summary _loglikelihood _logposterior")
    np.testing.assert_allclose(short, s.r["summary"].values)
    assert s.r["summary"].values[0, 0] == pytest.approx(s.e.loglik.mean())


@pytest.mark.parametrize("sub", ["summary", "ess", "grubin"])
def test_nolegend(two_chains: Session, sub: str) -> None:
    s = two_chains
    expr = "(r: {math:homework}/{math:_cons})"
    assert "r : {math:homework}/{math:_cons}" in run(s, f"bayesstats {sub} {expr}")
    out = run(s, f"bayesstats {sub} {expr}, nolegend")
    assert "{math:homework}/" not in out and "r |" in out


def test_batch_means_footnote(fitted: Session) -> None:
    s = fitted
    note = "Note: Mean and MCSE are estimated using batch means."
    assert note not in run(s, "bayesstats summary {math:homework}")
    assert note in run(s, "bayesstats summary {math:homework}, batch(30)")
    assert note in run(s, "bayesstats summary, batch(30)")
    assert note in run(s, "bayes, batch(30)")


def test_bayesstats_stored_results(two_chains: Session) -> None:
    from bayes_magic.diagnostics.mcmc import gelman_rubin_parts

    s = two_chains
    run(
        s, "bayesstats summary {math:homework} (r: {math:homework}/{math:_cons}), batch(10) skip(1)"
    )
    assert s.r["mcmcsize"] == s.e.chains_of("math:homework")[:, ::2].size
    assert (s.r["batch"], s.r["skip"]) == (10, 1)
    assert s.r["names"] == "math:homework r" and s.r["expr_1"] == "{math:homework}/{math:_cons}"
    run(s, "bayesstats ess {math:homework}")
    assert s.r["mcmcsize"] == s.e.chains_of("math:homework").size
    run(s, "bayesstats grubin")
    names = s.r["Rc"].colnames
    j = names.index("math:homework")
    parts = gelman_rubin_parts(s.e.chains_of("math:homework"))
    for k in ("B", "W", "V", "t_df"):
        assert s.r[k].values[0, j] == pytest.approx(parts[k])
    assert s.r["Rc"].values[0, j] == pytest.approx(parts["Rc"])
    # Brooks and Gelman's quantities from the draws themselves: B = N var(chain means),
    # W = mean within-chain variance, V = (N-1)/N W + (M+1)/(MN) B
    x = s.e.chains_of("math:homework")
    M, N = x.shape
    B = N * x.mean(axis=1).var(ddof=1)
    W = x.var(axis=1, ddof=1).mean()
    assert s.r["B"].values[0, j] == pytest.approx(B)
    assert s.r["W"].values[0, j] == pytest.approx(W)
    assert s.r["V"].values[0, j] == pytest.approx((N - 1) / N * W + (M + 1) / (M * N) * B)


def test_several_chains_headers(two_chains: Session) -> None:
    s = two_chains
    n = s.e.chains_of("math:homework").size
    for cmd in (
        "bayesstats summary",
        "bayesstats summary {math:homework}",
        "bayesstats ess",
        "bayesstats ess {math:homework}",
    ):
        out = run(s, cmd)
        assert "Number of chains =          2" in out, cmd
        assert f"MCMC sample size ={n:>11,}" in out, cmd
    out = run(s, "bayesstats summary {math:homework}, chains(2)")
    assert "Number of chains" not in out and f"MCMC sample size ={n // 2:>11,}" in out
    out = run(s, "bayesstats summary {math:homework}, chains(2) sepchains")
    assert "Chain 2" in out and "Chain 1" not in out


def test_prediction_file_forms(two_chains: Session, tmp_path) -> None:
    from bayes_magic.diagnostics.mcmc import ess_stata

    s = two_chains
    f = tmp_path / "p"
    run(s, f'bayespredict {{_ysim}}, saving("{f}") rseed(1)')
    pred = load_predictions(str(f))
    out = run(s, f'bayesstats ess {{_ysim[1/2]}} using "{f}"')
    assert "_ysim1_2 |" in out and "Number of chains" in out
    assert s.r["ess"].values[1, 0] == pytest.approx(ess_stata(pred.ysim[:, :, 1])[0])
    out = run(s, f'bayesstats ess {{_ysim[1]}} using "{f}", sepchains')
    assert "Chain 2" in out
    run(s, f'bayesstats ppvalues {{_ysim1[1 3]}} using "{f}"')
    M = s.r["summary"]
    assert M.rownames == ["_ysim1_1", "_ysim1_3"]
    assert M.values[1, 3] == pytest.approx(np.mean(pred.ysim[:, :, 2] >= pred.y[2]))
    assert fails(s, f'bayesstats ppvalues {{_ysim}} using "{f}"')[1] == 198


def test_bayespredict_variable_options(fitted: Session) -> None:
    from bayes_magic.diagnostics.mcmc import ess_stata

    s = fitted
    run(s, "preserve")
    try:
        run(s, "bayespredict pm, mean mcse(se) rseed(4)")
        assert s.data.info["se"].label.startswith("MCSE")
        assert np.all(s.data.values("se") > 0)
        # the MCSE of the mean of the conditional means, observation 1
        from bayes_magic.commands.bayes_ic import mu_draws

        m = mu_draws(s.e)[:, :, 0]
        assert s.data.values("se")[0] == pytest.approx(m.std(ddof=1) / np.sqrt(ess_stata(m)[0]))
        run(s, "bayespredict lo hi, cri hpd clevel(90) rseed(4)")
        assert np.all(s.data.values("hi") - s.data.values("lo") > 0)
        for bad in (
            "bayespredict p1",
            "bayespredict p2, median clevel(90)",
            "bayespredict p3, std hpd",
            "bayespredict p4, median mcse(s4)",
        ):
            assert fails(s, bad)[1] == 198
            assert "p1" not in s.data.varnames and "s4" not in s.data.varnames
    finally:
        run(s, "restore")


def test_second_review_fixes(two_chains: Session, fitted: Session, tmp_path) -> None:
    s = two_chains
    # ic, sepchains over models with different numbers of chains
    run(s, "estimates store two")
    run(fitted, "estimates store one")
    s.estimates["one"] = fitted.estimates["one"]
    out = run(s, "bayesstats ic two one, sepchains")
    assert "Chain 1" in out and "Chain 2" in out
    out = run(s, "bayesstats ic one two, sepchains basemodel(one)")
    assert np.isnan(s.r["ic"].values[0, 2])  # chain 2: the base model has none
    # sepchains keeps its title with one chain chosen, and summary keeps showreffects
    assert "Chain 2" in run(s, "bayestest interval {math:homework}, lower(2) sepchains chains(2)")
    out = run(s, "bayesstats summary, showreffects({U0[7472]}) sepchains")
    assert out.count("7472 |") == 2 and "Chain 2" in out
    # yaxis(1 2) graphs can be saved; the right-hand axis line is drawn on the right
    run(s, f"scatter math homework, yaxis(1 2) saving({tmp_path / 'm12.gph'})")
    assert (tmp_path / "m12.gph").exists()
    res = s.execute("scatter math homework, yaxis(2)")
    ax = next(o for o in res if hasattr(o, "_fig"))._fig.axes[0]
    assert ax.spines["right"].get_visible() and not ax.spines["left"].get_visible()
    # graph use of a picture file is r(610)
    run(s, f"scatter math homework, saving({tmp_path / 'pic'})")
    assert Session().execute(f"graph use {tmp_path / 'pic.png'}").error.rc == 610
    # duplicate interval labels
    assert fails(s, "bayestest interval (p:{math:homework}) (p:{math:_cons}), lower(0)")[1] == 198


def test_prediction_functions_use_the_shared_evaluator(fitted: Session, tmp_path) -> None:
    """Test quantities take the same operators and functions as bayesstats expressions."""
    s = fitted
    f = tmp_path / "p"
    run(s, f'bayespredict {{_ysim}}, saving("{f}") rseed(1)')
    pred = load_predictions(str(f))
    run(s, f'bayesstats summary (t: max(@max({{_ysim}}), 80) + invlogit(0)) using "{f}"')
    want = np.maximum(pred.ysim.max(axis=-1), 80) + 0.5
    assert s.r["summary"].values[0, 0] == pytest.approx(want.mean())
    assert fails(s, f'bayesstats summary (t: nosuch(@max({{_ysim}}))) using "{f}"')[1] == 133
    assert fails(s, f'bayesstats summary (t: @nosuch({{_ysim}})) using "{f}"')[1] == 198
