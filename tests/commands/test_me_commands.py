"""The ``me*`` commands as a user meets them: the display, stored results, replay,
``estimates``, ``predict``, and bad input (Stata's messages and return codes, nothing changed)."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture(scope="module")
def bang() -> Session:
    s = Session()
    run(s, "use bangladesh")
    run(s, "melogit c_use urban age child1 child2 child3 || district:")
    return s


def test_display_follows_statas_melogit_layout(bang) -> None:
    out = run(bang, "melogit")
    lines = out.splitlines()
    assert lines[0].startswith("Mixed-effects logistic regression")
    assert lines[0].endswith("Number of obs     =      1,934")
    # Stata 17 writes the group variable after its label (Rodríguez's melogit log of the same
    # model, grodri.github.io multilevel/bangladesh.html); Stata 16's _me_display right-aligned
    assert "Group variable: district                        Number of groups  =         60" in out
    # and the table follows the log likelihood's line without a blank line
    i = lines.index(next(ln for ln in lines if ln.startswith("Log likelihood =")))
    assert lines[i + 1] == "-" * 78
    assert "                                                Wald chi2(5)      =     109.60" in out
    assert "       c_use | Coefficient  Std. err.      z    P>|z|     [95% conf. interval]" in out
    i = lines.index("district     |")
    assert lines[i + 1].startswith("   var(_cons)|   .21561")
    # a variance row has no z or P>|z|
    assert lines[i + 1][37:54].strip() == ""
    assert lines[-1].startswith("LR test vs. logistic model: chibar2(01) = 43.39")


def test_iteration_log_and_nolog() -> None:
    s = Session()
    run(s, "use cbpp")
    out = run(s, "melogit incidence i.period || herd:, binomial(size)")
    assert out.startswith("Fitting fixed-effects model:")
    assert "Fitting full model:" in out
    assert "Binomial variable:         size" in out
    quiet = run(s, "melogit incidence i.period || herd:, binomial(size) nolog")
    assert "Iteration" not in quiet


def test_odds_ratios_at_estimation_and_replay(bang) -> None:
    out = run(bang, "melogit, or")
    assert "c_use |  Odds ratio  Std. err." in out
    b = bang.e.b[bang.e.bnames.index("c_use:urban")]
    se = np.sqrt(bang.e.V[0, 0])
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("urban |"))
    cells = row.split("|")[1].split()
    assert float(cells[0]) == pytest.approx(np.exp(b), rel=1e-6)
    assert float(cells[1]) == pytest.approx(np.exp(b) * se, rel=1e-6)
    assert "Note: _cons estimates baseline odds (conditional on zero random effects)." in out
    # the variance is not transformed
    assert "   var(_cons)|   .21561" in out


def test_stored_results(bang) -> None:
    e = bang.e
    assert e.cmd == "meglm" and e.macros["cmd2"] == "melogit"
    assert e.macros["family"] == "bernoulli" and e.macros["link"] == "logit"
    assert e.bnames[-1] == "/:var(_cons[district])"
    assert run(bang, "display _b[urban]").strip().startswith(".73227")
    assert e.V.shape == (7, 7)
    # e(V) holds the covariances of coefficients and variance together (not block diagonal)
    assert abs(e.V[-1, 5]) > 0
    assert e.scalars["N"] == 1934 and e.scalars["k_r"] == 1


def test_estimates_store_restore_replay_and_files(bang, tmp_path) -> None:
    run(bang, "estimates store full")
    run(bang, "quietly melogit c_use urban age || district:")
    lr = run(bang, "lrtest full .")
    assert "LR chi2(3) =" in lr
    out = run(bang, "estimates replay full")
    assert "Log likelihood = -1206.8322" in out
    run(bang, "estimates restore full")
    assert bang.e.scalars["ll"] == pytest.approx(-1206.8322, abs=5e-5)
    f = tmp_path / "m.bmster"
    run(bang, f"estimates save {f}")
    s2 = Session()
    run(s2, f"estimates use {f}")
    assert "Log likelihood = -1206.8322" in run(s2, "melogit")


def test_predict_statistics(bang) -> None:
    s = bang
    out = run(s, "predict p")
    assert "(option mu assumed)" in out
    run(s, "predict p0, conditional(fixedonly)")
    run(s, "predict eta, eta")
    run(s, "predict xb, xb")
    run(s, "predict u, reffects reses(use)")
    p, p0, eta, xb, u = (s.data.values(v) for v in ("p", "p0", "eta", "xb", "u"))
    assert np.allclose(p, 1 / (1 + np.exp(-eta)))
    assert np.allclose(eta, xb + u)
    assert np.allclose(p0, 1 / (1 + np.exp(-xb)))
    assert s.data.info["u"].label == "empirical Bayes' means for _cons[district]"
    assert np.all(s.data.values("use") > 0)
    # one effect per district
    d = s.data.values("district")
    for g in np.unique(d)[:5]:
        assert np.ptp(u[d == g]) == 0


def test_binomial_mu_is_the_expected_count() -> None:
    s = Session()
    run(s, "use cbpp")
    run(s, "quietly melogit incidence i.period || herd:, binomial(size)")
    run(s, "predict mu")
    run(s, "predict eta, eta")
    size = s.data.values("size")
    assert np.allclose(s.data.values("mu"), size / (1 + np.exp(-s.data.values("eta"))))


def test_poisson_with_exposure_and_irr() -> None:
    s = Session()
    run(s, "use cbpp")
    out = run(s, "mepoisson incidence i.period || herd:, exposure(size) irr nolog")
    assert out.startswith("Mixed-effects Poisson regression")
    assert "incidence |         IRR  Std. err." in out
    assert "LR test vs. Poisson model" in out
    run(s, "predict n, conditional(fixedonly)")
    run(s, "predict xb, xb")
    size, period = s.data.values("size"), s.data.values("period")
    xb = s.data.values("xb")
    # xb includes the exposure's log; the fixed-only mean is its exponential
    cons = s.e.b[s.e.bnames.index("incidence:_cons")]
    assert np.allclose(xb[period == 1] - np.log(size[period == 1]), cons)
    assert np.allclose(s.data.values("n"), np.exp(xb))


def test_random_slopes_with_unstructured_covariance(bang) -> None:
    s = Session()
    run(s, "use bangladesh")
    out = run(
        s, "melogit c_use urban age child1 child2 child3 || district: urban, cov(unstr) nolog"
    )
    assert "   var(urban)|" in out and "   var(_cons)|" in out
    # the covariance in a block of its own, broken after the comma (Stata 17's log of this
    # model, grodri.github.io multilevel/bangladesh.html)
    lines = out.splitlines()
    i = lines.index("   cov(urban,|")
    assert lines[i - 1] == "district     |" and lines[i - 2].startswith("-------------+")
    assert lines[i + 1].startswith("       _cons)|  -.40")
    assert s.e.bnames[-1] == "/:cov(urban[district],_cons[district])"
    assert "LR test vs. logistic model: chi2(3) =" in out


def test_probit_and_cloglog_run() -> None:
    s = Session()
    run(s, "use bangladesh")
    assert "Mixed-effects probit regression" in run(s, "meprobit c_use urban age || district:")
    assert "LR test vs. probit model" in run(s, "meprobit")
    out = run(s, "mecloglog c_use urban age || district:")
    assert "Mixed-effects cloglog regression" in out


@pytest.mark.parametrize(
    ("cmd", "rc", "text"),
    [
        ("melogit incidence i.period || herd:, binomial(1.5)", 198, "binomial()"),
        ("melogit incidence i.period || herd:, binomial(foo)", 111, "foo not found"),
        ("melogit incidence i.period || herd:, binomial(size) irr", 198, "irr not allowed"),
        ("meprobit incidence i.period || herd:, binomial(size) or", 198, "or not allowed"),
        ("mepoisson incidence || herd:, binomial(size)", 198, "binomial() not allowed"),
        ("melogit incidence || herd:, exposure(size)", 198, "exposure() not allowed"),
        ("melogit incidence || herd:, vce(opg)", 198, "vce(opg)"),
        ("melogit incidence || herd: || period:, vce(robust)", 198, "more than one level"),
        ("melogit incidence || herd:, laplace intpoints(3)", 198, "intpoints()"),
        ("melogit incidence || _all: R.period || herd:, intpoints(3)", 198, "laplace"),
        ("melogit incidence i.period, binomial(size)", 198, "random-effects equation"),
        ("melogit sv i.period || herd:", 109, "string"),
        ("melogit incidence if herd > 100 || herd:", 2000, "no observations"),
        ("melogit zero || herd:", 2000, "outcome does not vary"),
        ("melogit incidence || herd:, binomial(one)", 459, "between 0 and the number"),
        ("mepoisson incidence || herd:, exposure(zero)", 459, "exposure()"),
        ("mepoisson incidence || herd:, offset(size) exposure(size)", 198, "only one"),
        ("melogit incidence [pw=size] || herd:", 101, "pweight"),
        ("meglm incidence || herd:", 198, "family(gaussian) link(identity)"),
        ("meglm incidence || herd:, family(gamma)", 198, "not available"),
        ("meglm incidence || herd:, family(ordinal) link(cloglog)", 198, "not available"),
        # pairs [ME] meglm does not allow at all
        ("meglm incidence || herd:, family(poisson) link(logit)", 198, "not allowed with"),
        ("meglm incidence || herd:, family(bernoulli) link(log)", 198, "not allowed with"),
        ("meglm incidence || herd:, family(nbinomial foo)", 198, "mean or constant"),
        ("meglm incidence || herd:, family(poisson 2)", 198, "invalid"),
        ("meglm incidence || herd:, family(binomial) binomial(size)", 198, "family(binomial"),
        ("meglm incidence || herd:, family(pois) link(lo)", 198, "link(lo) invalid"),
        ("melogit incidence || herd:, family(poisson)", 198, "family() not allowed"),
    ],
)
def test_bad_input_is_a_stata_error_and_changes_nothing(cmd, rc, text) -> None:
    s = Session()
    run(s, "use cbpp")
    run(s, "generate obs = _n")
    run(s, 'generate sv = "a"')
    run(s, "generate zero = 0")
    run(s, "generate one = 1")
    run(s, "quietly mixed incidence || herd:")
    before = s.data.df.copy()
    e = s.e
    msg, got = fails(s, cmd)
    assert got == rc and text in msg
    assert s.last_traceback is None
    assert s.data.df.equals(before) and s.e is e


def test_replay_needs_its_own_results() -> None:
    s = Session()
    run(s, "use cbpp")
    run(s, "quietly mixed incidence || herd:")
    assert fails(s, "melogit") == ("last estimates not found", 301)
    run(s, "quietly melogit incidence || herd:, binomial(size)")
    assert fails(s, "meprobit")[1] == 301
    assert fails(s, "melogit, binomial(size)")[1] == 198


def test_html_and_text_show_the_same_table(bang) -> None:
    res = bang.execute("melogit")
    html = res._repr_mimebundle_()["text/html"]
    assert "var(_cons)" in html and "Coefficient" in html


# -- from a trial of the commands as a Stata user types them, and a code review ---------------


def test_exchangeable_and_identity_slopes() -> None:
    s = Session()
    run(s, "use bangladesh")
    out = run(s, "melogit c_use urban age || district: urban, covariance(exchangeable) nolog")
    assert "var(urban _~)|" in out and "cov(urban _~)|" in out
    assert np.all(np.isfinite(s.e.V))
    out = run(s, "melogit c_use urban age || district: urban, covariance(identity) nolog")
    assert s.e.bnames[-1] == "/:var(urban _cons[district])"


def test_one_point_is_laplace_and_ghermite_needs_two() -> None:
    s = Session()
    run(s, "use cbpp")
    run(s, "quietly melogit incidence i.period || herd:, binomial(size) intpoints(1)")
    one = s.e.scalars["ll"]
    assert s.e.macros["intmethod"] == "laplace"
    run(s, "quietly melogit incidence i.period || herd:, binomial(size) laplace")
    assert s.e.scalars["ll"] == pytest.approx(one, abs=1e-9)
    msg, rc = fails(s, "melogit incidence || herd:, binomial(size) intm(ghermite) intp(1)")
    assert rc == 198 and "at least 2" in msg


def test_no_fixed_effects() -> None:
    s = Session()
    run(s, "use bangladesh")
    out = run(s, "melogit c_use, noconstant || district:, nolog")
    assert "var(_cons)|" in out and s.e.scalars["k_f"] == 0


def test_offset_and_exposure_in_the_fixed_effects_equation() -> None:
    s = Session()
    run(s, "use cbpp")
    run(s, "quietly mepoisson incidence i.period, exposure(size) || herd:")
    a = s.e.b.copy()
    out = run(s, "mepoisson")
    assert "    ln(size) |          1  (exposure)" in out and "Offset:" not in out
    run(s, "quietly mepoisson incidence i.period || herd:, exposure(size)")
    np.testing.assert_allclose(s.e.b, a)
    run(s, "generate lsize = ln(size)")
    run(s, "quietly mepoisson incidence i.period, offset(lsize) || herd:")
    np.testing.assert_allclose(s.e.b, a, rtol=1e-6)
    assert "       lsize |          1  (offset)" in run(s, "mepoisson")


def test_a_constant_regressor_is_omitted_not_the_constant() -> None:
    s = Session()
    run(s, "use bangladesh")
    run(s, "generate one = 1")
    out = run(s, "melogit c_use one urban age || district:, nolog")
    assert "note: one omitted because of collinearity." in out
    assert "Wald chi2(2)" in out and "_cons |  -.70" in out
    out = run(s, "mixed c_use one urban || district:, nolog")
    assert "note: one omitted because of collinearity." in out


def test_degenerate_outcomes_are_errors() -> None:
    s = Session()
    run(s, "use bangladesh")
    run(s, "generate x = c_use")
    msg, rc = fails(s, "melogit c_use x age || district:")
    assert rc == 2000 and "perfectly" in msg
    run(s, "generate y0 = 0")
    msg, rc = fails(s, "mepoisson y0 urban || district:")
    assert rc == 2000 and "zero for all observations" in msg


def test_pr_is_a_probability_and_mu_an_expected_count() -> None:
    s = Session()
    run(s, "use cbpp")
    run(s, "quietly melogit incidence i.period || herd:, binomial(size)")
    run(s, "predict mu, mu")
    run(s, "predict pr, pr")
    np.testing.assert_allclose(s.data.values("mu"), s.data.values("pr") * s.data.values("size"))
    assert np.all(s.data.values("pr") < 1)


def test_eform_tables_print_base_levels_as_one() -> None:
    s = Session()
    run(s, "use cbpp")
    run(s, "quietly melogit incidence i.period || herd:, binomial(size)")
    out = run(s, "melogit, or")
    assert "          1  |          1  (base)" in out  # exp(0), as Stata's odds-ratio tables
    run(s, "quietly mecloglog incidence i.period || herd:, binomial(size)")
    out = run(s, "mecloglog, eform")
    assert "transformed only in the first equation to exp(b)" in out
    assert "baseline" not in out


def test_estat_icc_sd_group_after_melogit(bang) -> None:
    run(bang, "quietly melogit c_use urban age child1 child2 child3 || district:")
    out = run(bang, "estat icc")
    e = bang.e
    i = e.bnames.index("/:var(_cons[district])")
    v, se_v = float(e.b[i]), float(np.sqrt(e.V[i, i]))
    c = np.pi**2 / 3  # the logistic distribution's variance
    icc = v / (v + c)
    se = c / (v + c) ** 2 * se_v  # delta method from e(V)'s variance
    assert bang.r["icc2"] == pytest.approx(icc, rel=1e-9)
    assert bang.r["se2"] == pytest.approx(se, rel=1e-6)
    assert "district |   .06150" in out
    sd = run(bang, "estat sd")
    assert f"sd(_cons) |   {np.sqrt(v):.7f}".replace("0.", ".", 1) in sd
    assert "Residual" not in sd
    assert "district |         60          2       32.2        118" in run(bang, "estat group")
    s = Session()
    run(s, "use cbpp")
    run(s, "quietly mepoisson incidence i.period || herd:, exposure(size)")
    assert fails(s, "estat icc")[1] == 321


def test_frequency_weights_equal_duplicated_observations(tmp_path) -> None:
    import pandas as pd

    s = Session()
    run(s, "use cbpp")
    df = s.data.df[["herd", "incidence", "size", "period"]]
    pd.concat([df, df]).to_csv(tmp_path / "twice.csv", index=False)
    run(s, "generate w = 2")
    run(s, "quietly melogit incidence i.period [fw=w] || herd:, binomial(size)")
    b, ll = s.e.b.copy(), s.e.scalars["ll"]
    d = Session()
    run(d, f"use {tmp_path / 'twice.csv'}")
    run(d, "quietly melogit incidence i.period || herd:, binomial(size)")
    np.testing.assert_allclose(d.e.b, b, atol=1e-8)
    assert d.e.scalars["ll"] == pytest.approx(ll, abs=1e-8) and s.e.scalars["N"] == 112


def test_expand_duplicates_observations() -> None:
    s = Session()
    run(s, "use cbpp")
    ids = s.data.ids.copy()
    assert run(s, "expand 2") == "(56 observations created)"
    assert s.data.nobs == 112 and len(set(s.data.ids)) == 112 and np.all(s.data.ids[:56] == ids)
    # = and if; generate() marks the copies; exp below 1 or missing keeps the observation once
    assert run(s, "expand = period if herd == 1, generate(dup)") == "(12 observations created)"
    assert s.data.values("dup").sum() == 12 and s.data.nobs == 124
    run(s, "expand . in 1")
    run(s, "expand 0.5 in 1")
    assert s.data.nobs == 124
    assert fails(s, 'expand "a"')[1] == 109
    assert fails(s, "expand 2, generate(dup)")[1] == 110
    # the fit on expanded data equals the frequency-weighted one
    t = Session()
    run(t, "use cbpp")
    run(t, "expand 2")
    run(t, "quietly melogit incidence i.period || herd:, binomial(size)")
    u = Session()
    run(u, "use cbpp")
    run(u, "generate w = 2")
    run(u, "quietly melogit incidence i.period [fw=w] || herd:, binomial(size)")
    np.testing.assert_allclose(t.e.b, u.e.b, atol=1e-8)


def test_group_header_and_ivars_of_crossed_and_nested_levels() -> None:
    """``_all: R.x`` alone is one group of every observation in the header, as e(N_g) says;
    e(ivars) names the level variables (batch cask), not the table's batch>cask paths."""
    s = Session()
    run(s, "use penicillin")
    run(s, "generate byte big = diameter > 23")
    out = run(s, "melogit big || _all: R.sample, nolog")
    assert "Group variable: _all                            Number of groups  =          1" in out
    assert "                                                              avg =      144.0" in out
    assert s.e.macros["ivars"] == "_all"
    run(s, "use pastes, clear")
    run(s, "generate byte hi = strength > 60")
    run(s, "quietly melogit hi || batch: || cask:")
    assert s.e.macros["ivars"] == "batch cask"
