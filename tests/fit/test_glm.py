"""``logit``, ``logistic``, ``probit``, ``cloglog``, ``poisson`` and their ``bayes:`` versions.

* Stata's printed figure: the hospital data's logit log likelihood (-537.45771, the comparison
  model of Stata's ``xtlogit, re``, docs/research/glmm-reference.md), to the digits printed.
* Closed forms: with one binary covariate each binary model's ML estimates are the two
  groups' proportions on the link scale, logit's standard errors Woolf's sqrt(Σ 1/cell), the log
  likelihoods and LR statistics those of the saturated binomial; Poisson with a factor and an
  exposure has log rates log(Σy / Σexposure) per level with SE 1/sqrt(Σy).
* ``bayes: logit`` is the model ``bayesmh ..., likelihood(logit)`` fits with Stata's default
  priors (the same draws); display, ``predict``, replay and bad input.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from bayes_magic.report.coeftable import fmt_coef
from bayes_magic.session import Session
from tests.conftest import fails, run


def _b(s: Session, name: str) -> float:
    return float(s.e.b[s.e.bnames.index(f"{s.e.macros['depvar']}:{name}")])


def _se(s: Session, name: str) -> float:
    i = s.e.bnames.index(f"{s.e.macros['depvar']}:{name}")
    return math.sqrt(s.e.V[i, i])


def _col(s: Session, name: str) -> np.ndarray:
    return np.asarray(s.data.values(name), dtype=float)


def test_logit_matches_statas_printed_log_likelihood() -> None:
    s = Session()
    run(s, "use hospital")
    out = run(s, "logit hosp loginc distance dropout college")
    assert abs(s.e.scalars["ll"] - -537.45771) <= 0.5e-5
    assert "Log likelihood = -537.45771" in out
    assert s.e.macros["cmd"] == "logit" and s.e.macros["chi2type"] == "LR"


_LINKS = {
    "logit": special.logit,
    "probit": special.ndtri,
    "cloglog": lambda p: np.log(-np.log1p(-p)),
}


@pytest.mark.parametrize("cmd", ["logit", "probit", "cloglog"])
def test_binary_models_with_one_binary_covariate_are_closed_form(cmd: str) -> None:
    s = Session()
    run(s, "use hospital")
    run(s, f"quietly {cmd} hosp dropout")
    y, x = _col(s, "hosp"), _col(s, "dropout")
    p0, p1 = y[x == 0].mean(), y[x == 1].mean()
    link = _LINKS[cmd]
    assert _b(s, "_cons") == pytest.approx(link(p0), abs=1e-7)
    assert _b(s, "dropout") == pytest.approx(link(p1) - link(p0), abs=1e-7)

    def ll_of(p, yy):
        return float(np.sum(yy * np.log(p) + (1 - yy) * np.log1p(-p)))

    ll = ll_of(p0, y[x == 0]) + ll_of(p1, y[x == 1])
    ll0 = ll_of(y.mean(), y)
    assert s.e.scalars["ll"] == pytest.approx(ll, abs=1e-8)
    assert s.e.scalars["ll_0"] == pytest.approx(ll0, abs=1e-8)
    assert s.e.scalars["chi2"] == pytest.approx(2 * (ll - ll0), abs=1e-7)
    if cmd == "logit":
        cells = [np.sum((x == a) & (y == b)) for a in (0, 1) for b in (0, 1)]
        assert _se(s, "dropout") == pytest.approx(math.sqrt(sum(1 / c for c in cells)), rel=1e-7)
        assert s.e.scalars["r2_p"] == pytest.approx(1 - ll / ll0, rel=1e-10)
    if cmd == "cloglog":
        assert s.e.scalars["N_s"] == y.sum() and s.e.scalars["N_f"] == len(y) - y.sum()


def test_poisson_with_a_factor_and_exposure_is_closed_form() -> None:
    s = Session()
    run(s, "use cbpp")
    out = run(s, "poisson incidence i.period, exposure(size)")
    assert "ln(size) |          1  (exposure)" in out
    y, n, per = _col(s, "incidence"), _col(s, "size"), _col(s, "period")
    r1 = y[per == 1].sum() / n[per == 1].sum()
    assert _b(s, "_cons") == pytest.approx(math.log(r1), abs=1e-8)
    assert _se(s, "_cons") == pytest.approx(1 / math.sqrt(y[per == 1].sum()), rel=1e-6)
    for k in (2, 3, 4):
        rk = y[per == k].sum() / n[per == k].sum()
        assert _b(s, f"{k}.period") == pytest.approx(math.log(rk / r1), abs=1e-8)
        se = math.sqrt(1 / y[per == k].sum() + 1 / y[per == 1].sum())
        assert _se(s, f"{k}.period") == pytest.approx(se, rel=1e-6)
    mu = n * np.where(per == 1, r1, 0.0)
    for k in (2, 3, 4):
        mu = np.where(per == k, n * y[per == k].sum() / n[per == k].sum(), mu)
    ll = float(np.sum(stats.poisson.logpmf(y, mu)))
    assert s.e.scalars["ll"] == pytest.approx(ll, abs=1e-8)
    # predict: n (the default) with the exposure, ir without it
    run(s, "predict double nhat")
    run(s, "predict double rate, ir")
    assert np.allclose(_col(s, "nhat"), mu, rtol=1e-8)
    assert np.allclose(_col(s, "rate"), mu / n, rtol=1e-8)
    irr = run(s, "poisson, irr")
    assert "IRR" in irr and "Note: _cons estimates baseline incidence rate." in irr
    assert "1  |          1  (base)" in irr  # exp(0): the base level's ratio is 1


def test_without_a_constant_the_model_test_is_wald() -> None:
    s = Session()
    run(s, "use hospital")
    out = run(s, "logit hosp loginc, noconstant nolog")
    b, v = s.e.b[0], s.e.V[0, 0]
    assert s.e.scalars["chi2"] == pytest.approx(b * b / v, rel=1e-10)
    assert s.e.macros["chi2type"] == "Wald" and "r2_p" not in s.e.scalars
    assert "Wald chi2(1)" in out and "Pseudo R2" not in out


def test_logistic_reports_odds_ratios_and_predicts_probabilities() -> None:
    s = Session()
    run(s, "use hospital")
    out = run(s, "logistic hosp loginc dropout")
    assert "Odds ratio" in out and "Note: _cons estimates baseline odds." in out
    assert "Logistic regression" in out and "Pseudo R2" in out
    b = _b(s, "dropout")
    assert f"dropout | {fmt_coef(math.exp(b)):>10}" in out
    assert "Coefficient" in run(s, "logistic, coef")
    run(s, "predict double p")
    xb = _b(s, "_cons") + _b(s, "loginc") * _col(s, "loginc") + b * _col(s, "dropout")
    assert np.allclose(_col(s, "p"), special.expit(xb), rtol=1e-10)


def test_bayes_logit_is_bayesmh_with_default_priors() -> None:
    s = Session()
    run(s, "use hospital")
    out = run(s, "bayes, rseed(3) mcmcsize(500) burnin(100): logit hosp loginc dropout")
    assert "Bayesian logistic regression" in out and "hosp ~ logit(xb_hosp)" in out
    assert "Prior:" in out and "Metropolis–Hastings sampling" in out
    ref = s.e.draws.copy()
    run(
        s,
        "bayesmh hosp loginc dropout, likelihood(logit) prior({hosp:}, normal(0,10000)) "
        "rseed(3) mcmcsize(500) burnin(100)",
    )
    assert np.array_equal(s.e.draws, ref)
    assert s.e.macros["cmd"] == "bayesmh"


def test_bayes_odds_ratios_summarize_the_posterior_of_exp_b() -> None:
    """``bayes: logistic`` (and ``or``, ``irr``, ``eform`` at estimation or on replay) shows the
    posterior of exp(b): its mean, SD, median and interval, not exp() of b's."""
    s = Session()
    run(s, "use hospital")
    out = run(s, "bayes, rseed(3) mcmcsize(500) burnin(100): logistic hosp loginc dropout")
    x = np.exp(s.e.chains_of("hosp:dropout").reshape(-1))
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("dropout |"))
    cells = row.split("|")[1].split()
    assert float(cells[0]) == pytest.approx(x.mean(), rel=1e-6)
    assert float(cells[1]) == pytest.approx(x.std(ddof=1), rel=1e-6)
    assert float(cells[3]) == pytest.approx(np.median(x), rel=1e-6)
    assert "| Odds ratio  Std. dev." in out
    assert "Mean" in run(s, "bayes, coef")  # coefficients on request; e(b) stays b
    assert s.e.b[s.e.bnames.index("hosp:dropout")] == pytest.approx(np.log(x).mean())
    run(s, "use cbpp, clear")
    run(
        s,
        "quietly bayes, rseed(3) mcmcsize(300) burnin(100): mepoisson incidence i.period "
        "|| herd:, exposure(size)",
    )
    irr = run(s, "bayes, irr")
    assert "       IRR   Std. dev." in irr and "1 |         1  (base)" in irr


@pytest.mark.parametrize(
    "cmd, msg, rc",
    [
        ("logit hosp loginc || mother:", "random effects are not allowed with logit", 198),
        ("logit hosp loginc, exposure(distance)", "option exposure() not allowed", 198),
        ("logit hosp loginc, irr", "option irr not allowed", 198),
        ("probit hosp loginc, or", "option or not allowed", 198),
        ("logit hosp loginc, vce(bootstrap)", "vce(bootstrap) is not available", 198),
        ("logit hosp loginc [aweight=distance]", "aweights not allowed", 101),
        ("logit hosp nosuch", "variable nosuch not found", 111),
        ("poisson hosp loginc, offset(a) exposure(b)", "only one of offset() or exposure()", 198),
        ("bayes: probit hosp loginc, or", "option or not allowed", 198),
    ],
)
def test_bad_input(cmd: str, msg: str, rc: int) -> None:
    s = Session()
    run(s, "use hospital")
    run(s, "quietly logit hosp loginc")
    before = s.e
    m, code = fails(s, cmd)
    assert msg in m and code == rc
    assert s.e is before


@pytest.mark.parametrize("cmd", ["logit", "probit", "cloglog"])
def test_perfect_predictors_are_omitted_with_their_observations(cmd: str) -> None:
    """[R] logit, Model identification: a covariate whose nonzero values all fail is omitted
    with those observations; the fit is the fit without them, and predict is missing there
    unless ``rules`` (probability 0) or ``asif``."""
    s = Session()
    run(s, "use math")
    run(s, "generate g = mod(_n, 5)")
    run(s, "replace schtype = 0 if g == 3")
    run(s, "replace schtype = 1 if g == 1 & homework > 5")
    out = run(s, f"{cmd} schtype homework i.g")
    assert out.splitlines()[:2] == [
        "note: 3.g != 0 predicts failure perfectly;",
        "      3.g omitted and 104 obs not used.",
    ]
    b, V, ll, n = s.e.b.copy(), s.e.V.copy(), s.e.scalars["ll"], s.e.scalars["N"]
    kept = [i for i, nm in enumerate(s.e.bnames) if nm != "schtype:3o.g"]
    b, V = b[kept], V[np.ix_(kept, kept)]
    assert n == 519 - 104
    assert "schtype:3.g" not in s.e.bnames and "schtype:3o.g" in s.e.bnames
    assert "          3  |          0  (empty)" in out  # the level has no observations left
    run(s, "predict double p")
    run(s, "predict double p0, rules")
    run(s, "predict double pa, asif")
    g = _col(s, "g")
    assert np.isnan(_col(s, "p")[g == 3]).all() and (_col(s, "p0")[g == 3] == 0).all()
    assert np.isfinite(_col(s, "pa")).all()
    assert fails(s, "predict q, rules asif")[1] == 198
    run(s, f"{cmd} schtype homework i.g if g != 3")
    np.testing.assert_allclose(s.e.b, b, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(s.e.V, V, rtol=1e-7, atol=1e-12)
    assert s.e.scalars["ll"] == pytest.approx(ll, rel=1e-10)


def test_perfect_prediction_of_success_and_no_variation_left() -> None:
    s = Session()
    run(s, "use math")
    run(s, "generate z = schtype == 1")
    run(s, "generate y = schtype")
    msg, rc = fails(s, "logit y z homework")
    assert rc == 2000 and msg.startswith("outcome does not vary")
    run(s, "replace y = 1 - y if mod(_n, 7) == 0 & z == 0")
    out = run(s, "logit y z homework, nolog")
    nz = int(np.sum(_col(s, "z")))
    assert out.splitlines()[:2] == [
        "note: z != 0 predicts success perfectly;",
        f"      z omitted and {nz} obs not used.",
    ]


def test_asis_keeps_perfect_predictors_and_counts_determined_outcomes() -> None:
    """[R] logit, asis: the predictor and its observations stay; the coefficient diverges and
    Stata's note counts the outcomes fitted with probability 0 or 1."""
    s = Session()
    run(s, "use hospital")
    run(s, "generate x1 = hosp == 1 & mother <= 250")
    n_x1 = int(np.sum(_col(s, "x1")))
    out = run(s, "logit hosp loginc x1, asis nolog")
    assert s.e.scalars["N"] == 1060
    assert s.e.b[1] > 20 and s.e.scalars["N_cds"] == n_x1 and s.e.scalars["N_cdf"] == 0
    assert out.splitlines()[-1] == f"Note: 0 failures and {n_x1} successes completely determined."
    assert fails(s, "poisson hosp loginc, asis") == ("option asis not allowed", 198)
    run(s, "logit hosp loginc x1, nolog")  # without asis: omitted with its observations
    assert s.e.scalars["N"] == 1060 - n_x1


def test_a_perfectly_predicting_base_level_is_found() -> None:
    """The base level is checked too: the fit equals the one with another base."""
    s = Session()
    run(s, "use hospital")
    run(s, "generate g = 1 + (mother > 200) + (mother > 400)")
    run(s, "replace g = 0 if hosp == 0 & mother < 30")
    out = run(s, "logit hosp loginc i.g, nolog")
    assert out.splitlines()[:3] == [
        "note: 0.g != 0 predicts failure perfectly;",
        "      0.g omitted and 42 obs not used.",
        "note: 3.g omitted because of collinearity.",
    ]
    ll = s.e.scalars["ll"]
    run(s, "predict double p, rules")
    assert (_col(s, "p")[_col(s, "g") == 0] == 0).all()
    run(s, "logit hosp loginc ib1.g, nolog")
    assert s.e.scalars["ll"] == pytest.approx(ll, rel=1e-12)


def test_odds_ratio_tables_of_diverging_and_omitted_coefficients() -> None:
    s = Session()
    run(s, "use hospital")
    run(s, "generate l2 = 2*loginc")  # a float copy: nearly collinear, the fit diverges
    run(s, "logistic hosp loginc l2")  # no overflow in exp(b)
    run(s, "generate x1 = hosp == 1 & mother <= 250")
    out = run(s, "logit hosp loginc x1, or nolog")
    assert "          x1 |          1  (omitted)" in out
    assert "(omitted)" in run(s, "estimates table")
    out = run(s, "test x1")  # an omitted coefficient: its constraint is dropped
    assert " ( 1)  [hosp]o.x1 = 0" in out and "Constraint 1 dropped" in out


def test_stata17_compact_header_and_blank_lines() -> None:
    """Stata 17's ML header: right-hand cells end at column 78 with labels padded to the
    longest; a blank line after the iteration log (and after the notes before it)."""
    s = Session()
    run(s, "use hospital")
    out = run(s, "logit hosp loginc distance").splitlines()
    i = out.index("")
    assert out[i - 1].startswith("Iteration 4:  Log likelihood = -611.37222")
    assert out[i + 1 : i + 5] == [
        "Logistic regression" + " " * 37 + "Number of obs =  1,060",
        " " * 56 + "LR chi2(2)    =  67.16",
        " " * 56 + "Prob > chi2   = 0.0000",
        "Log likelihood = -611.37222" + " " * 29 + "Pseudo R2     = 0.0521",
    ]
    out = run(s, "cloglog hosp loginc, nolog").splitlines()
    assert out[:6] == [
        "Complementary log-log regression" + " " * 21 + "Number of obs    =  1,060",
        " " * 53 + "Zero outcomes    =    745",
        " " * 53 + "Nonzero outcomes =    315",
        "",
        " " * 53 + "LR chi2(1)       =  62.79",
        "Log likelihood = -613.55957" + " " * 26 + "Prob > chi2      = 0.0000",
    ]
    run(s, "generate z = hosp == 1 & mother < 100")
    out = run(s, "logit hosp z loginc").splitlines()
    assert out[2] == "" and out[3].startswith("Iteration 0:")
