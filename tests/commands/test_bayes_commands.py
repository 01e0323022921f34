"""bayes: mixed, bayesmh and bayesstats as a user types them: layouts, options, errors."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.posterior import Posterior, load
from bayes_magic.session import Session
from tests.conftest import fails, run

TALK = "mixed math homework i.schtype || schid: homework, covariance(unstructured)"
BAYESMH = (
    "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, "
    "likelihood(normal({e.math:sigma2})) prior({math:}, normal(0,10000)) "
    "prior({e.math:sigma2}, igamma(0.01,0.01)) prior({U0 U1}, mvnormal(2,0,0,{Sigma,matrix})) "
    "prior({Sigma,m}, iwishart(2,3,I(2))) block({math:}, gibbs) "
    "block({U0 U1} {e.math:sigma2} {Sigma,m}, split gibbs) rseed(317)"
)


@pytest.fixture(scope="module")
def fitted() -> Session:
    s = Session()
    run(s, "use math")
    run(s, f"bayes, rseed(317): {TALK}")
    return s


def test_talk_output_layout() -> None:
    s = Session()
    run(s, "use math")
    out = run(s, f"bayes, rseed(317): {TALK}")
    # the multilevel structure and model summary of the talk's "Default priors" slide
    for line in [
        "Multilevel structure",
        "    {U0}: random intercepts",
        "    {U1}: random coefficients for homework",
        "  math ~ normal(xb_math,{e.math:sigma2})",
        "  {math:homework 1.schtype _cons} ~ normal(0,10000)                        (1)",
        "                          {U0 U1} ~ mvnormal(2,{U:Sigma,m})                (1)",
        "                  {e.math:sigma2} ~ igamma(.01,.01)",
        "  {U:Sigma,m} ~ iwishart(2,3,I(2))",
        "(1) Parameters are elements of the linear form xb_math.",
        "Bayesian multilevel regression                   MCMC iterations  =     12,500",
        "Gibbs sampling                                   Burn-in          =      2,500",
        "                                                 MCMC sample size =     10,000",
        "Group variable: schid                            Number of groups =         23",
        "                                                              min =          5",
        "                                                              avg =       22.6",
        "                                                              max =         67",
        "                                                 Number of obs    =        519",
        "             |                                                Equal-tailed",
        "             |      Mean   Std. dev.     MCSE     Median  [95% cred. interval]",
        "math         |",
        "     Private |         0  (base)",
        "Note: Default priors are used for model parameters.",
    ]:
        assert line in out.splitlines(), line
    lines = out.splitlines()
    row = next(r for r in lines if r.startswith("    homework |"))
    assert len(row) == 78


def test_minimum_efficiency_on_the_talk_model(fitted: Session) -> None:
    # issue bar: with default options the minimum efficiency is at least 0.2
    assert fitted.e.scalars["eff_min"] >= 0.2


def test_replay_options(fitted: Session) -> None:
    s = fitted
    hpd = run(s, "bayes, hpd clevel(90)")
    assert "HPD" in hpd and "[90% cred. interval]" in hpd
    assert "Multilevel structure" not in hpd
    me = run(s, "bayes, melabel")
    assert "  var(_cons) |" in me and "      var(Residual) |" in me
    # mixed's order and labels in full: var(homework), var(_cons), cov(homework,_cons)
    rows = [line.split("|")[0].strip() for line in me.splitlines() if "(" in line.split("|")[0]]
    assert rows[:3] == ["var(homework)", "var(_cons)", "cov(homework,_cons)"]
    sr = run(s, "bayes, showreffects({U0}) noheader")
    assert "U0[schid]    |" in sr and "        6053 |" in sr and "U1[schid]" not in sr
    _msg, rc = fails(s, "bayes, nosuchoption")
    assert rc == 198


def test_bayesmh_gibbs_blocks_and_showreffects() -> None:
    s = Session()
    run(s, "use math")
    out = run(s, BAYESMH)
    assert "{U0[schid] U1[schid]} ~ mvnormal(2,0,0,{Sigma,m})" in out
    # the talk's slide: the priors as written, in the order of the prior() options
    at = [out.index(t) for t in ("{math:homework", "{e.math:sigma2} ~ igamma(0.01,0.01)", "{U0[")]
    assert at == sorted(at)
    assert "   Sigma_2_1 |" in out
    out = run(s, "bayesmh, showreffects")
    assert "U1[schid]    |" in out
    assert isinstance(s.e, Posterior) and s.e.cmd == "bayesmh"


def test_bayesstats_summary_expression_and_matrix(fitted: Session) -> None:
    s = fitted
    out = run(s, "bayesstats summary (corr: {U:Sigma_2_1}/sqrt({U:Sigma_1_1}*{U:Sigma_2_2}))")
    assert "        corr : {U:Sigma_2_1}/sqrt({U:Sigma_1_1}*{U:Sigma_2_2})" in out
    M = s.r["summary"]
    e = s.e
    corr = e.chains_of("U:Sigma_2_1") / np.sqrt(
        e.chains_of("U:Sigma_1_1") * e.chains_of("U:Sigma_2_2")
    )
    assert M.values[0, 0] == pytest.approx(corr.mean(), rel=1e-12)
    assert M.colnames[:4] == ["Mean", "Std. dev.", "MCSE", "Median"]
    out = run(s, "bayesstats summary {U0}")
    assert "   U0[schid] |      Mean" in out
    assert s.r["summary"].shape == (23, 6)
    out = run(s, "bayesstats summary {U:Sigma,m} {e.math:sigma2}")
    assert s.r["summary"].rownames == ["U:Sigma_1_1", "U:Sigma_2_1", "U:Sigma_2_2", "e.math:sigma2"]


def test_bayesstats_ess_and_grubin() -> None:
    s = Session()
    run(s, "use math")
    run(s, f"quietly bayes, rseed(317) nchains(3) burnin(1000) mcmcsize(2000): {TALK}")
    out = run(s, "bayesstats ess")
    assert "             |        ESS   Corr. time    Efficiency" in out
    assert s.r["ess"].shape == (7, 3)
    out = run(s, "bayesstats grubin")
    assert "Number of chains     =            3" in out
    assert 1.0 <= s.r["Rc_max"] < 1.1
    assert s.e.scalars["Rc_max"] == pytest.approx(s.r["Rc_max"])
    out = run(s, "bayesstats summary {math:homework}, sepchains")
    assert out.count("Chain ") == 3


@pytest.mark.parametrize(
    ("cmd", "rc", "words"),
    [
        ("bayes, rseed(1): mixed math homework || schid:, reml", 198, "reml"),
        ("bayes, iwishartprior(0.5): " + TALK, 198, "degrees of freedom"),
        ("bayes, prior({math:nosuch}, normal(0,1)): " + TALK, 111, "not found"),
        ("bayes, block({math:nosuch}): " + TALK, 111, "{math:nosuch} not found"),
        ("bayes, initsummary: " + TALK, 198, "initsummary is not available"),
        ("bayes, prior({math:}, normall(0,1)): " + TALK, 198, "unknown distribution"),
        ("bayes, prior({math:}, normal(0)): " + TALK, 198, "requires 2 arguments"),
        (
            "bayesmh math homework, likelihood(normal({s2})) prior({math:}, normal(0,100))",
            198,
            "prior for {s2} not specified",
        ),
        ("bayesmh math homework, prior({math:}, normal(0,100))", 198, "likelihood() required"),
        ("bayes: meglm math homework || schid:", 198, "family(gaussian)"),
        ("bayes, rseed(1): mixed nosuch homework || schid:", 111, "nosuch"),
    ],
)
def test_errors_leave_results_alone(fitted: Session, cmd: str, rc: int, words: str) -> None:
    before = fitted.e
    msg, code = fails(fitted, cmd)
    assert code == rc and words in msg, msg
    assert fitted.e is before


def test_postestimation_without_results() -> None:
    s = Session()
    run(s, "use math")
    for cmd in ("bayes", "bayesmh", "bayesstats ess", "bayesstats summary"):
        assert fails(s, cmd)[1] == 301
    run(s, "quietly mixed math homework || schid:")
    assert fails(s, "bayesstats summary")[1] == 301
    run(s, "quietly bayes, rseed(1) mcmcsize(500) burnin(200): mixed math homework || schid:")
    msg, rc = fails(s, "bayesstats summary {nosuch}")
    assert rc == 111
    msg, rc = fails(s, "bayesstats grubin")
    assert rc == 198 and "two chains" in msg


def test_saving_reloads_with_its_model(tmp_path, fitted: Session) -> None:
    s = fitted
    path = tmp_path / "m1"
    out = run(s, f'bayes, saving("{path}")')
    assert "saved" in out
    back = load(path)
    np.testing.assert_array_equal(back.draws, s.e.draws)
    assert back.model.levels[0].matrix == "U:Sigma"
    _msg, rc = fails(s, f'bayes, saving("{path}")')
    assert rc == 602


def test_dryrun_shows_the_model_without_sampling() -> None:
    s = Session()
    run(s, "use math")
    out = run(s, "bayes, dryrun: mixed math homework i.schtype || schid: homework")
    assert "{U0} ~ normal(0,{U0:sigma2})" in out and "{U1} ~ normal(0,{U1:sigma2})" in out
    assert "MCMC iterations" not in out
    assert s.e is None


def test_remargl_reports_a_marginal_likelihood(fitted: Session) -> None:
    s = Session()
    run(s, "use math")
    out = run(s, f"bayes, rseed(3) remargl nodots mcmcsize(3000): {TALK}")
    lml = s.e.scalars["lml"]
    assert np.isfinite(lml) and "Log marginal-likelihood = " in out
    assert "lml" not in fitted.e.scalars or not np.isfinite(fitted.e.scalars["lml"])


def test_interrupt_between_chunks_stores_nothing() -> None:
    # a KeyboardInterrupt between chunks (what Jupyter's interrupt delivers) stops sampling,
    # reports Stata's --Break--, and leaves the earlier results in place
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework || schid:")
    before = s.e

    def factory():
        def cb(chain: int, done: int, total: int) -> None:
            raise KeyboardInterrupt

        return cb

    s.progress_factory = factory
    res = s.execute("bayes, rseed(1) nodots: mixed math homework || schid:")
    s.progress_factory = None
    assert res.error is not None and res.error.rc == 1
    assert s.e is before
    assert "519" in run(s, "count")


@pytest.mark.parametrize(
    "opts",
    [
        "prior({math:homework}, normal(0,-1))",
        "prior({e.math:sigma2}, igamma(-1,2))",
        "prior({math:homework}, uniform(5,3))",
        "prior({math:homework}, t(0,1,0))",
        "normalprior(0)",
        "igammaprior(-1 2)",
        "iwishartprior(1)",
    ],
)
def test_impossible_priors_are_refused_before_sampling(opts: str) -> None:
    s = Session()
    run(s, "use math")
    msg, rc = fails(s, f"bayes, {opts} dryrun: {TALK}")
    assert rc == 198 and s.e is None, msg


def test_bayesmh_refuses_an_impossible_prior() -> None:
    s = Session()
    run(s, "use math")
    msg, rc = fails(
        s,
        "bayesmh math homework, likelihood(normal({var})) prior({math:}, normal(0,-100)) "
        "prior({var}, igamma(.01,.01))",
    )
    assert rc == 198 and "variance must be positive" in msg


def test_showreffects_of_some_groups(fitted: Session) -> None:
    out = run(fitted, "bayes, showreffects({U0[6053 6327]} {U1[7474]}) noheader")
    rows = [line.split("|")[0].strip() for line in out.splitlines() if "|" in line]
    i, j = rows.index("U0[schid]"), rows.index("U1[schid]")
    assert rows[i + 1 : i + 3] == ["6053", "6327"] and rows[j + 1 :] == ["7474"]


def test_dots_log_as_stata_prints_it() -> None:
    from types import SimpleNamespace

    from bayes_magic.commands.bayes import dots_text

    text = dots_text(SimpleNamespace(nchains=1), 2500, 10000, 1)
    burn, sim = text.splitlines()
    assert burn == "Burn-in 2500 aaaaaaaaa1000aaaaaaaaa2000aaaaa done"
    assert sim.startswith("Simulation 10000 .........1000") and sim.endswith(
        "9000.........10000 done"
    )


def test_dots_spacing_options() -> None:
    """dots(#) marks every # iterations, dots(#, every(#)) numbers them every every(#); a
    trial saw dots(200) still marking every 100."""
    from types import SimpleNamespace

    from bayes_magic.commands.bayes import dots_text
    from bayes_magic.spec.bayes import dots_spacing

    assert dots_spacing(True) == (100, 1000) and dots_spacing("200") == (200, 1000)
    assert dots_spacing("50, every(500)") == (50, 500)
    assert dots_spacing("0")[0] == 0  # dots(0): no dots
    step, every = dots_spacing("200")
    burn, sim = dots_text(SimpleNamespace(nchains=1), 600, 1000, 1, step, every).splitlines()
    assert burn == "Burn-in 600 aaa done" and sim == "Simulation 1000 ....1000 done"
    s = Session()
    run(s, "use math")
    assert (
        fails(
            s,
            "bayesmh math, likelihood(normal({s2})) prior({math:}, flat) "
            "prior({s2}, jeffreys) dots(x)",
        )[1]
        == 198
    )


@pytest.mark.parametrize(
    "model", ["mixed math homework || schid:", "melogit schtype homework || schid:"]
)
def test_thinning_keeps_draws_one_plus_k_thin_as_stata(model) -> None:
    """[BAYES] bayesmh, thinning(): the draws kept after the burn-in are iterations
    1, 1 + thin, 1 + 2·thin ...: the same seed without thinning gives them as every third
    draw, and the header counts burnin + (mcmcsize - 1)·thin + 1 iterations."""
    s = Session()
    run(s, "use math")
    out = run(s, f"bayes, rseed(7) thinning(3) mcmcsize(100) burnin(50): {model}")
    thinned = s.e.draws.copy()
    assert s.e.scalars["mcmciter"] == 50 + 99 * 3 + 1
    assert "MCMC iterations  =        348" in out
    assert "Simulation 298 .. done" in out
    run(s, f"bayes, rseed(7) mcmcsize(298) burnin(50) nodots: {model}")
    np.testing.assert_array_equal(thinned, s.e.draws[:, ::3])


def test_noconstant_flag_is_menl_only(math_session) -> None:
    """{xb: ..., noconstant} belongs to menl's linear combinations; a prior() naming a
    parameter with it is refused, not silently read without it."""
    from tests.conftest import fails

    msg, rc = fails(
        math_session,
        "bayesmh math homework, likelihood(normal({var})) "
        "prior({math:homework, noconstant}, normal(0,1000)) prior({math:_cons}, normal(0,1000)) "
        "prior({var}, igamma(1,1)) dryrun",
    )
    assert rc == 198 and "noconstant not allowed" in msg


def test_set_seed_drives_bayes_without_rseed() -> None:
    """``set seed`` seeds a Bayesian command that has no ``rseed()``, as in Stata; the stream
    moves on, so the next run differs."""
    s = Session()
    run(s, "use hospital")
    cmd = "quietly bayes, mcmcsize(200) burnin(100): regress hosp loginc"
    run(s, f"set seed 42\n{cmd}")
    first = (s.e.info["rseed"], s.e.draws.copy())
    run(s, f"set seed 42\n{cmd}")
    assert s.e.info["rseed"] == first[0]
    np.testing.assert_array_equal(s.e.draws, first[1])
    run(s, cmd)
    assert s.e.info["rseed"] != first[0]


def test_default_start_outside_a_bounded_prior_moves_inside() -> None:
    """ML starting values outside a uniform prior's support start at its centre (the chain
    then moves); a start the user gives outside it is refused with r(498)."""
    s = Session()
    run(s, "use hospital")
    opts = "rseed(1) mcmcsize(500) burnin(200) prior({hosp:loginc}, uniform(5,6))"
    run(s, f"quietly bayes, {opts}: logit hosp loginc")
    d = s.e.draws[0, :, 0]
    assert np.all((d >= 5) & (d <= 6)) and np.unique(d).size > 10
    m, rc = fails(s, f"bayes, {opts} initial({{hosp:loginc}} 1): logit hosp loginc")
    assert rc == 498 and "{hosp:loginc} = 1 has zero prior density" in m
    m, rc = fails(s, "bayes, rseed(1) initial({hosp:loginc} 1e300): logit hosp loginc")
    assert rc == 498


def test_thinning_note() -> None:
    """thinning(): Stata's note on the draws kept (_bayesmh_note_skip.ado), before the run."""
    from bayes_magic.commands.bayes_display import skip_note

    assert skip_note(1, 500, True) == (
        "note: discarding every other sample observation; using observations 1,3,5,..."
    )
    assert (
        skip_note(3, 6, False)
        == "note: skipping every 3 sample observations; using observations 1 and 5"
    )
    assert skip_note(0, 100, True) is None
    s = Session()
    run(s, "use math")
    out = run(
        s, "bayes, rseed(1) thinning(2) mcmcsize(200) burnin(100) nodots: regress math homework"
    )
    assert out.startswith("note: discarding every other sample observation")


@pytest.mark.slow
def test_a_diverged_chain_is_reported_not_summarized() -> None:
    """A school-level outcome with school random intercepts (a student's mistake): under the
    default igamma(.01,.01) the variance's posterior is improper and its chain overflows.
    The draws that are not finite leave the parameter's summaries, the efficiencies and Rc
    missing, with a warning, rather than a header that claims convergence."""
    s = Session()
    run(s, "use math")
    out = run(
        s,
        "bayes, rseed(1) nchains(2) nodots burnin(500) mcmcsize(2000): "
        "melogit schtype homework || schid:",
    )
    post = s.e
    bad = ~np.isfinite(post.draws).all(axis=(0, 1))
    assert bad.any()  # the chain of U0:sigma2 diverged
    assert "Warning: draws of {U0:sigma2} are not finite" in out
    assert "Max Gelman–Rubin Rc =       ." in out and "Avg efficiency: min =       ." in out


def test_bayes_prefix_passes_on_the_commands_notes() -> None:
    """A regressor omitted as collinear gets regress's note before the model summary, as
    the command under the prefix prints it."""
    s = Session()
    run(s, "use math\ngenerate h2 = 2*homework")
    out = run(s, "bayes, rseed(1) nodots mcmcsize(200) burnin(50): regress math homework h2")
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert lines[0] == "note: h2 omitted because of collinearity."
    assert lines[1] == "Model summary"
