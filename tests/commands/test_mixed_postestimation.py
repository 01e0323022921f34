"""Postestimation after mixed: estat, predict, estimates, lrtest, test, replay options."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture
def s() -> Session:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework i.schtype || schid: homework, cov(un)")
    return s


def test_talk_steps_after_predict(s: Session) -> None:
    run(s, "predict u*, reffects reses(s*)")
    run(s, "egen tagme = tag(schid)")
    assert run(s, "egen rank = rank(u2) if tagme") == "(496 missing values generated)"
    r = s.data.values("rank")
    assert sorted(r[~np.isnan(r)]) == list(range(1, 24))


def test_estat_ic(s: Session) -> None:
    out = run(s, "estat ic").splitlines()
    ll = s.e.scalars["ll"]
    assert out[3] == "       Model |          N   ll(null)  ll(model)      df        AIC        BIC"
    assert out[5].split() == [
        ".",
        "|",
        "519",
        ".",
        "-1817.421",
        "7",
        f"{-2 * ll + 14:.3f}",
        f"{-2 * ll + 7 * math.log(519):.3f}",
    ]
    # Stata 16+'s footnote, left out when n() gives N (estimates.ado, Stats)
    assert out[-1] == "Note: BIC uses N = number of observations. See [R] BIC note."
    out = run(s, "estat ic, n(23)").splitlines()
    assert out[-1] == "-" * 77 and out[5].split()[2] == "23"
    assert s.r["S"].values[0, 5] == pytest.approx(-2 * ll + 7 * math.log(23))
    run(s, "estimates store a_very_long_name")
    assert "a_very_lon~e |" in run(s, "estimates stats a_very_long_name")


def test_estat_recov_and_group(s: Session) -> None:
    out = run(s, "estat recov").splitlines()
    assert out[0] == "Random-effects covariance matrix for level schid"
    assert out[4].split()[:2] == ["homework", "|"]
    assert out[5].split()[0] == "_cons"
    # columns ten wide with a blank after each (Stata 17's log, egm.html:
    # "│      year      _cons " / "       _cons │  .3994262          1 ")
    assert out[2] == "             |  homework      _cons"
    assert out[5][14:24].strip() == out[5].split("|")[1].split()[0] and out[5][24] == " "
    g = run(s, "estat group").splitlines()
    assert g[4] == "          schid |         23          5       22.6         67"


def test_estat_icc_against_formula() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math || schid:")
    out = run(s, "estat icc")
    fit = s.e.fit
    vu, ve = fit.Sigmas[0][0, 0], fit.sigma2
    assert s.r["icc2"] == pytest.approx(vu / (vu + ve))
    assert "schid |" in out and out.lstrip().startswith("Intraclass correlation")
    # with a fixed covariate: the residual ICC; with a random slope: the ICC conditional on
    # the slope's covariate at zero, the intercept's variance over the total
    # (_estat_icc.ado's titles and note)
    run(s, "quietly mixed math homework || schid:")
    assert run(s, "estat icc").lstrip().startswith("Residual intraclass correlation")
    run(s, "quietly mixed math homework || schid: homework, cov(un)")
    out = run(s, "estat icc")
    fit = s.e.fit
    vu, ve = fit.Sigmas[0][1, 1], fit.sigma2  # _cons is the second effect
    assert s.r["icc2"] == pytest.approx(vu / (vu + ve))
    assert out.lstrip().startswith("Conditional intraclass correlation")
    assert out.rstrip().endswith("conditional on zero values of random-effects covariates.")
    lo, hi = s.r["ci2"].values[0]
    assert lo < s.r["icc2"] < hi and s.r["label2"] == "schid"
    run(s, "quietly mixed math homework || schid: homework, nocons")
    assert fails(s, "estat icc")[1] == 321  # no random intercept
    run(s, "quietly mixed math || _all: R.schid")
    assert fails(s, "estat icc") == ("estat icc not allowed after crossed-effects models", 321)


def test_lrtest_and_test_match_hand_computation(s: Session) -> None:
    run(s, "estimates store full")
    ll_full = s.e.scalars["ll"]
    run(s, "quietly mixed math homework i.schtype || schid:")
    run(s, "estimates store ri")
    ll_ri = s.e.scalars["ll"]
    out = run(s, "lrtest full ri")
    chi2 = 2 * (ll_full - ll_ri)
    assert f"LR chi2(2) = {chi2:6.2f}" in out
    # the active results go by their stored name; the layout of Stata 17's log
    # (grodri.github.io multilevel/oxboys.html: "Assumption: ols nested within ri")
    run(s, "estimates restore full")
    out = run(s, "lrtest ri .").splitlines()
    assert out[:2] == ["Likelihood-ratio test", "Assumption: ri nested within full"]
    assert out[3] == f" LR chi2(2) = {chi2:6.2f}"
    assert out[4] == f"Prob > chi2 = {s.r['p']:6.4f}"
    assert "space. If this" in "\n".join(out)
    assert s.r["p"] == pytest.approx(stats.chi2.sf(chi2, 2))
    run(s, "test homework 1.schtype")
    fit = s.e.fit
    b, V = fit.beta[:2], fit.V_beta[:2, :2]
    assert s.r["chi2"] == pytest.approx(float(b @ np.linalg.solve(V, b)))
    assert s.r["chi2"] == pytest.approx(s.e.scalars["chi2"])  # the header's Wald test


def test_estimates_store_restore_replay(s: Session) -> None:
    run(s, "estimates store m1")
    run(s, "quietly mixed math || schid:")
    assert s.e.name is None
    assert run(s, "estimates restore m1") == "(results m1 are active now)"
    assert s.e.macros["depvar"] == "math" and s.e.name == "m1"
    out = run(s, "estimates replay m1")
    assert "Model m1" in out and "Mixed-effects ML regression" in out
    assert "m1 | mixed" in run(s, "estimates dir")
    run(s, "estimates drop m1")
    assert fails(s, "estimates restore m1") == ("estimation result m1 not found", 111)


def test_replay_display_options(s: Session) -> None:
    sd = run(s, "mixed, stddeviations")
    assert "sd(homework)" in sd and "corr(homework,_cons)" in sd
    assert "var(homework)" not in sd
    assert "Random-effects" not in run(s, "mixed, noretable")
    assert "Coefficient" not in run(s, "mixed, nofetable")
    assert "[90% conf. interval]" in run(s, "mixed, level(90)")
    em = run(s, "mixed, estmetric")
    assert "lns1_1_1" in em and "lnsig_e" in em


def test_e_results_in_expressions(s: Session) -> None:
    run(s, "gen double b = _b[homework]")
    assert s.data.values("b")[0] == pytest.approx(s.e.fit.beta[0])
    run(s, "count if e(sample)")
    assert s.r["N"] == 519
    run(s, "gen double ll = e(ll)")
    assert s.data.values("ll")[0] == pytest.approx(s.e.scalars["ll"])


def test_if_in_and_missing_values_define_the_sample() -> None:
    s = Session()
    run(s, "use math")
    run(s, "replace homework = . in 1/10")
    run(s, "quietly mixed math homework if schtype == 1 || schid:")
    assert s.e.scalars["N"] == 317
    run(s, "quietly mixed math homework || schid:")
    assert s.e.scalars["N"] == 509
    assert s.e.sample[:10].sum() == 0


def test_postestimation_errors() -> None:
    s = Session()
    run(s, "use math")
    assert fails(s, "estat sd") == ("last estimates not found", 301)
    assert fails(s, "predict x") == ("last estimates not found", 301)
    assert fails(s, "mixed") == ("last estimates not found", 301)
    assert fails(s, "mixed math homework || nosuch:") == ("variable nosuch not found", 111)
    assert fails(s, "mixed math homework if math > 100 || schid:") == ("no observations", 2000)
    run(s, "quietly mixed math homework || schid:")
    assert fails(s, "predict u*, reffects reses(s1 s2)")[1] == 103


def test_weights_and_collinearity() -> None:
    s = Session()
    run(s, "use math")
    run(s, "gen byte one = 1")
    run(s, "gen hw2 = 2*homework")
    out = run(s, "mixed math homework hw2 || schid:")
    assert "note: hw2 omitted because of collinearity." in out
    assert "hw2 |          0  (omitted)" in out
    run(s, "quietly mixed math homework [fw=one] || schid:")
    assert s.e.scalars["N"] == 519


def test_fitted_and_residuals_at_a_level() -> None:
    """predict fitted/residuals with relevel(): xb plus the random effects of that level and
    those above it ([ME] mixed postestimation); a new-user trial found relevel() ignored."""
    s = Session()
    run(s, "use pastes\nquietly mixed strength || batch: || sample:")
    run(s, "predict double xb, xb\npredict double bb ss, reffects\npredict double f, fitted")
    run(s, "predict double f1, fitted relevel(batch)")
    run(s, "predict double r1, residuals relevel(batch)")
    run(s, "predict double f2, fitted relevel(sample)")
    xb, bb, ss, f = (s.data.values(v) for v in ("xb", "bb", "ss", "f"))
    assert np.allclose(s.data.values("f1"), xb + bb, rtol=1e-12)
    assert np.allclose(s.data.values("r1"), s.data.values("strength") - xb - bb, rtol=1e-12)
    assert np.allclose(s.data.values("f2"), xb + bb + ss, rtol=1e-12)
    assert np.allclose(f, xb + bb + ss, rtol=1e-12)
    assert fails(s, "predict x2, xb relevel(batch)") == (
        "option relevel() not allowed with xb",
        198,
    )
    assert fails(s, "predict x2, fitted relevel(strength)")[1] == 198


def test_crossed_effects_within_a_level_are_shown_at_that_level() -> None:
    """|| batch: R.cask: Stata's header names batch and its 10 groups, and the variance sits
    under "batch: Identity"; || _all: R.schid alone is one group, _all (a new-user trial)."""
    s = Session()
    out = run(s, "use pastes\nmixed strength || batch: R.cask, nolog")
    assert "Group variable: batch" in out and "Number of groups  =         10" in out
    assert "batch: Identity" in out and "var(R.cask)" in out
    out = run(s, "use math\nmixed math || _all: R.schid, nolog")
    assert "Group variable: _all" in out and "Number of groups  =          1" in out


def test_no_random_effects_still_shows_the_residual_variance() -> None:
    s = Session()
    out = run(s, "use math\nmixed math homework, nolog")
    assert "var(Residual) |" in out and "Random-effects parameters" in out
    assert "LR test" not in out


def test_old_command_names() -> None:
    """xtmixed (REML by default, as before Stata 13), meqrlogit and xtmelogit still run, as in
    Stata, where old lab do-files use them (a new-user trial found them unrecognized)."""
    s = Session()
    run(s, "use math\nquietly xtmixed math homework || schid:")
    ll_old = s.e.scalars["ll"]
    run(s, "quietly mixed math homework || schid:, reml")
    assert s.e.scalars["ll"] == pytest.approx(ll_old, rel=1e-12)
    run(s, "quietly xtmixed math homework || schid:, mle")
    assert s.e.macros.get("method") == "ML"
    # xtmixed shows standard deviations unless variance (Stata's xtmixed logs, e.g.
    # grodri.github.io multilevel/lang1.html: sd(_cons), sd(Residual))
    out = run(s, "xtmixed math homework || schid:, nolog")
    assert "sd(_cons) |" in out and "sd(Residual) |" in out
    out = run(s, "xtmixed math homework || schid:, variance nolog")
    assert "var(_cons) |" in out and "sd(_cons)" not in out
    assert "var(_cons) |" in run(s, "xtmixed")  # a replay (review: it failed r(198))
    run(s, "use bangladesh\nquietly meqrlogit c_use urban || district:")
    ll_qr = s.e.scalars["ll"]
    run(s, "quietly melogit c_use urban || district:")
    assert s.e.scalars["ll"] == pytest.approx(ll_qr, rel=1e-12)


def test_reffects_outside_the_sample_are_counted() -> None:
    s = Session()
    run(s, "use math\nquietly mixed math homework if schid < 50000 || schid:")
    out = run(s, "predict u, reffects")
    miss = int(np.isnan(s.data.values("u")).sum())
    assert miss > 0 and out == f"({miss} missing values generated)"


@pytest.mark.parametrize(
    "setup",
    [
        "generate double r2 = math\nmixed math r2 || schid:",  # an exact copy
    ],
)
def test_an_exact_fit_is_r430(setup) -> None:
    s = Session()
    run(s, "use math")
    lines = setup.splitlines()
    run(s, "\n".join(lines[:-1]))
    msg, rc = fails(s, lines[-1])
    assert rc == 430 and "fits" in msg


def test_level_weights_and_pattern_are_refused() -> None:
    s = Session()
    run(s, "use math\ngenerate w = 1 + mod(schid, 2)")
    msg, rc = fails(s, "mixed math homework || schid:, fweight(w)")
    assert rc == 198 and "fweight()" in msg
    assert fails(s, "mixed math homework || schid: homework, cov(pattern)")[1] == 198


def test_residuals_log_ends_at_the_reported_likelihood() -> None:
    """residuals(exchangeable) with a random intercept (not identified): the search starts at
    the independent-errors optimum, so the log and the header agree (a new-user trial)."""
    s = Session()
    out = run(s, "use math\nmixed math homework || schid:, residuals(exchangeable)")
    last = [ln for ln in out.splitlines() if ln.startswith("Iteration")][-1]
    assert float(last.split("=")[1]) == pytest.approx(s.e.scalars["ll"], abs=1e-3)


@pytest.mark.slow
def test_melogit_without_a_maximum_is_not_converged() -> None:
    """An outcome separated by group (one school all 1): the likelihood has no maximum and
    the log see-saws; e(converged) is 0 with the warning (a new-user trial saw 1)."""
    s = Session()
    out = run(s, "use math\ngenerate y = schid == 7472\nmelogit y homework || schid:")
    assert s.e.scalars["converged"] == 0 and "convergence not achieved" in out
