"""``margins`` ([R] margins) after ``regress``, ``mixed``, ``logit``, ``probit``, ``poisson``.

* Against statsmodels' ``get_margeff``, which nobody here wrote: average marginal effects
  (``dydx(*)``) and, with ``atmeans``, marginal effects at the means, of logit, probit and
  Poisson models, continuous covariates by derivative and a 0/1 factor by discrete change,
  with their delta-method standard errors.
* In a linear model every margin is a linear combination of the coefficients: predictive
  margins over a factor and at covariate values equal ``lincom`` of the same combination
  (value and standard error), after ``regress`` (t) and ``mixed`` (z).
* Frequency weights: the margins of the expanded data. Stata's layout, ``r()``, bad input.
"""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run

sm = pytest.importorskip("statsmodels.api")


def _se(s: Session) -> np.ndarray:
    return np.sqrt(np.diag(s.r["V"].values))


@pytest.fixture
def hospital() -> Session:
    s = Session()
    run(s, "use hospital")
    return s


@pytest.mark.parametrize(("cmd", "model"), [("logit", sm.Logit), ("probit", sm.Probit)])
def test_binary_marginal_effects_against_statsmodels(hospital, cmd, model) -> None:
    s = hospital
    run(s, f"quietly {cmd} hosp loginc distance i.dropout")
    y = col(s, "hosp")
    X = np.column_stack([col(s, "loginc"), col(s, "distance"), col(s, "dropout"), np.ones(len(y))])
    res = model(y, X).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(s.e.b[[0, 1, 3, 4]], res.params, rtol=1e-6)
    for opt, at in (("", "overall"), (" atmeans", "mean")):
        run(s, f"margins, dydx(*){opt}")
        ref = res.get_margeff(at=at, method="dydx", dummy=True)
        np.testing.assert_allclose(s.r["b"].values.ravel(), ref.margeff, rtol=1e-6)
        np.testing.assert_allclose(_se(s), ref.margeff_se, rtol=1e-5)


def test_poisson_marginal_effects_against_statsmodels(hospital) -> None:
    s = hospital
    run(s, "quietly poisson hosp loginc distance")
    y = col(s, "hosp")
    X = np.column_stack([col(s, "loginc"), col(s, "distance"), np.ones(len(y))])
    res = sm.Poisson(y, X).fit(disp=0, tol=1e-12)
    run(s, "margins, dydx(loginc distance)")
    ref = res.get_margeff(at="overall", method="dydx")
    np.testing.assert_allclose(s.r["b"].values.ravel(), ref.margeff, rtol=1e-6)
    np.testing.assert_allclose(_se(s), ref.margeff_se, rtol=1e-5)
    # the average predicted count is the mean outcome (Poisson with a constant), exactly
    run(s, "margins")
    assert s.r["b"].values[0, 0] == pytest.approx(y.mean(), rel=1e-8)


def test_linear_margins_are_lincom() -> None:
    s = Session()
    run(s, "use math")
    for fit in ("regress math homework i.schtype", "mixed math homework i.schtype || schid:"):
        run(s, f"quietly {fit}")
        hw = float(col(s, "homework").mean())
        run(s, "margins schtype")
        b, se = s.r["b"].values.ravel(), _se(s)
        for k, lev in enumerate(("0b.schtype", "1.schtype")):
            run(s, f"lincom _cons + {hw!r}*homework + {lev}")
            assert b[k] == pytest.approx(s.r["estimate"], rel=1e-10)
            assert se[k] == pytest.approx(s.r["se"], rel=1e-8)
        run(s, "margins, at(homework=(1 3)) atmeans")
        b, se = s.r["b"].values.ravel(), _se(s)
        p1 = float(np.mean(col(s, "schtype") == 1))
        for k, h in enumerate((1, 3)):
            run(s, f"lincom _cons + {h}*homework + {p1!r}*1.schtype")
            assert b[k] == pytest.approx(s.r["estimate"], rel=1e-10)
            assert se[k] == pytest.approx(s.r["se"], rel=1e-8)


def test_effects_at_values_by_their_formula(hospital) -> None:
    """dydx(loginc) at distance = 1, 5: mean p(1-p)·b_loginc with distance set, and its
    gradient mean(p(1-p)(1-2p)x)·b_loginc + mean(p(1-p))·e_loginc for the delta method."""
    s = hospital
    run(s, "quietly logit hosp loginc distance")
    out = run(s, "margins, dydx(loginc) at(distance=(1 5))")
    b, V = s.e.b, s.e.V
    x1 = col(s, "loginc")
    for k, dist in enumerate((1.0, 5.0)):
        X = np.column_stack([x1, np.full(len(x1), dist), np.ones(len(x1))])
        p = 1 / (1 + np.exp(-(X @ b)))
        g = p * (1 - p)
        ame = g.mean() * b[0]
        J = ((g * (1 - 2 * p))[:, None] * X).mean(axis=0) * b[0]
        J[0] += g.mean()
        assert s.r["b"].values[0, k] == pytest.approx(ame, rel=1e-7)
        assert _se(s)[k] == pytest.approx(float(np.sqrt(J @ V @ J)), rel=1e-6)
    lines = out.splitlines()
    i = lines.index("loginc       |")
    assert lines[i + 1 : i + 3] == ["         _at |", lines[i + 2]]
    assert lines[i + 2].startswith("          1  |")
    # a marginlist with dydx(): the derivative at each level, under the derivative's name
    out = run(s, "margins, dydx(distance) at(loginc=(5 6)) atmeans")
    assert "Conditional marginal effects" in out and "distance     |" in out


def test_atmeans_with_an_interaction_is_the_product_of_means() -> None:
    """atmeans sets each factor level at its share and each covariate at its mean; an
    interaction column is their product (not the mean of the product): lincom of that row."""
    s = Session()
    run(s, "use math")
    run(s, "quietly regress math i.schtype##c.homework")
    run(s, "margins, atmeans")
    b, se = s.r["b"].values[0, 0], _se(s)[0]
    hw, p1 = float(np.mean(col(s, "homework"))), float(np.mean(col(s, "schtype") == 1))
    run(s, f"lincom _cons + {p1!r}*1.schtype + {hw!r}*homework + {p1 * hw!r}*1.schtype#c.homework")
    assert b == pytest.approx(s.r["estimate"], rel=1e-12)
    assert se == pytest.approx(s.r["se"], rel=1e-10)


def test_levels_without_a_coefficient_have_no_margin() -> None:
    """A level omitted as a perfect predictor (empty) gets no margin and no effect."""
    s = Session()
    run(s, "use math")
    run(s, "generate g = mod(_n, 4)")
    run(s, "replace schtype = 0 if g == 3")
    run(s, "quietly logit schtype homework i.g")
    run(s, "margins g")
    assert s.r["b"].colnames == ["0.g", "1.g", "2.g"]
    run(s, "margins, dydx(g)")
    assert s.r["b"].colnames == ["1.g", "2.g"]


def test_one_at_scenario_and_names(hospital) -> None:
    """One at() scenario is no _at dimension (the legend says where); r(b)'s names are
    Stata's (1._at#0.dropout, loginc:1._at); (mean) shows its value."""
    s = hospital
    run(s, "quietly logit hosp loginc distance i.dropout")
    out = run(s, "margins dropout, at(distance=2)").splitlines()
    assert "At: distance = 2" in out and "     dropout |" in out
    assert s.r["b"].colnames == ["0.dropout", "1.dropout"]
    run(s, "margins dropout, at(distance=(1 2))")
    assert s.r["b"].colnames[:2] == ["1._at#0.dropout", "1._at#1.dropout"]
    run(s, "margins, dydx(loginc) at(distance=(1 2))")
    assert s.r["b"].colnames == ["loginc:1._at", "loginc:2._at"]
    mean = float(np.mean(col(s, "distance")))
    out = run(s, "margins, at((mean) distance)")
    assert f"At: distance = {mean:.7g}".replace("= 0.", "= .") + " (mean)" in out


def test_fweights_are_the_expanded_data() -> None:
    s = Session()
    run(s, "use hospital")
    run(s, "generate f = 1 + mod(_n, 3)")
    run(s, "quietly logit hosp loginc i.dropout [fw=f]")
    run(s, "margins dropout")
    b, se, n = s.r["b"].values.copy(), _se(s), s.r["N"]
    run(s, "expand f")
    run(s, "quietly logit hosp loginc i.dropout")
    run(s, "margins dropout")
    np.testing.assert_allclose(s.r["b"].values, b, rtol=1e-7)
    np.testing.assert_allclose(_se(s), se, rtol=1e-6)
    assert s.r["N"] == n


def test_layout() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly regress math homework i.schtype")
    out = run(s, "margins, dydx(*)").splitlines()
    assert out[0] == "Average marginal effects" + " " * 35 + "Number of obs = 519"
    assert out[1:5] == [
        "Model VCE: OLS",
        "",
        "Expression: Linear prediction, predict()",
        "dy/dx wrt:  homework 1.schtype",
    ]
    assert out[7] == "             |            Delta-method"
    assert out[8] == (
        "             |      dy/dx   std. err.      t    P>|t|     [95% conf. interval]"
    )
    assert out[10].startswith("    homework |   2.600431   .2883906     9.02   0.000")
    assert out[12:14] == ["     schtype |", out[13]] and out[13].startswith("     Public  |")
    assert out[-1] == "Note: dy/dx for factor levels is the discrete change from the base level."
    out = run(s, "margins, at(homework=(1 2))").splitlines()
    assert out[4:6] == ["1._at: homework = 1", "2._at: homework = 2"]
    assert "         _at |" in out and "          2  |" in "\n".join(out)


@pytest.mark.parametrize(
    ("text", "rc"),
    [
        ("margins homework", 322),
        ("margins nosuch", 111),
        ("margins, dydx(schid)", 322),
        ("margins, over(schid) atmeans", 198),
        ("margins, predict(pr)", 198),
        ("margins, at(homework=)", 198),
        ("margins, dydx(homework) eyex(homework)", 198),
        ("margins, at(schtype=0.5)", 452),
        ("margins, at(schtype=3)", 111),
        ("margins, at((mean) schtype)", 198),
        ("margins, at(homework=.)", 121),
        ("margins, at(homework=(1 2) homework=3)", 198),
        ("margins, predict(xb) predict(xb)", 198),
    ],
)
def test_bad_input(text, rc) -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly regress math homework i.schtype")
    run(s, "margins")
    before, result = s.r["b"].values.copy(), s.margins_result
    assert fails(s, text)[1] == rc
    np.testing.assert_array_equal(s.r["b"].values, before)  # r() and marginsplot's results
    assert s.margins_result is result


def test_after_bayes_and_before_estimation() -> None:
    s = Session()
    run(s, "use math")
    assert fails(s, "margins")[1] == 301
    run(s, "quietly bayes, rseed(1) mcmcsize(200) burnin(100): regress math homework")
    assert fails(s, "margins")[1] == 321


def test_after_melogit_the_fixed_portion() -> None:
    """After melogit, margins of predict(mu fixedonly): the mean of trials·invlogit(xb) with
    the random effects at zero, and its delta-method SE from the fixed effects' covariance;
    without predict() margins are marginal in the random effects (tests/commands/
    test_me_marginal.py)."""
    s = Session()
    run(s, "use cbpp")
    run(s, "quietly melogit incidence i.period || herd:, binomial(size)")
    assert "Expression: Marginal predicted mean, predict()" in run(s, "margins period")
    run(s, "margins period, predict(mu fixedonly)")
    k = 4  # the fixed effects: 1b.period 2.period 3.period 4.period _cons
    b, V = s.e.b[: k + 1], s.e.V[: k + 1, : k + 1]
    size = col(s, "size")
    for j, level in enumerate((1, 2, 3, 4)):
        x = np.zeros(k + 1)
        x[level - 1] = 1.0 if level > 1 else 0.0
        x[k] = 1.0
        p = 1 / (1 + np.exp(-(x @ b)))
        assert s.r["b"].values[0, j] == pytest.approx(np.mean(size) * p, rel=1e-10)
        g = np.mean(size) * p * (1 - p) * x
        assert _se(s)[j] == pytest.approx(float(np.sqrt(g @ V @ g)), rel=1e-8)
    out = run(s, "margins, predict(pr fixedonly)")
    assert "Expression: Pr(incidence), fixed portion only, predict(pr fixedonly)" in out


def test_interaction_in_the_marginlist_gives_cell_margins() -> None:
    """``margins a#b`` ([R] margins): one margin per cell; after the saturated regression they
    are the cell means. ``a##b`` adds the main effects' margins; marginsplot draws a line per
    level of the second factor."""
    import pandas as pd

    from tests.conftest import col

    s = Session()
    run(s, "use math\ngenerate hw3 = min(homework, 2)\nquietly regress math i.schtype##i.hw3")
    out = run(s, "margins schtype#hw3")
    df = pd.DataFrame({"y": col(s, "math"), "a": col(s, "schtype"), "b": col(s, "hw3")})
    cells = df.groupby(["a", "b"])["y"].mean()
    b = s.r["b"]
    assert b.colnames[:2] == ["0.schtype#0.hw3", "0.schtype#1.hw3"]
    for k, (a, h) in enumerate(cells.index):
        assert b.values[0, k] == pytest.approx(cells[(a, h)], rel=1e-10)
    assert " schtype#hw3 |" in out and "   Public#2  |" in out
    run(s, "margins schtype##hw3")
    assert len(s.r["b"].colnames) == 2 + 3 + 6
    res = s.execute("quietly margins schtype#hw3\nmarginsplot")
    assert res.error is None
    fig = [o for o in res if hasattr(o, "data")][-1]
    assert fig.data["title"] == "Predictive margins of schtype#hw3 with 95% CIs"


def test_post_makes_the_margins_the_estimation_results(tmp_path) -> None:
    """margins, post: e(b) and e(V) are the margins (r(b), r(V)), e(cmd) margins, so that
    test, lincom and estimates store/table work on them, with t on e(df_r) after regress;
    margins alone replays them (a new-user trial found post refused)."""
    s = Session()
    run(s, "use math\nquietly regress math homework i.schtype")
    out = run(s, "margins schtype, post")
    rb, rV = s.r["b"].values[0], s.r["V"].values
    assert s.e.cmd == "margins" and np.allclose(s.e.b, rb) and np.allclose(s.e.V, rV)
    assert s.e.scalars["df_r"] == 516
    run(s, "test 0.schtype = 1.schtype")
    diff = rb[0] - rb[1]
    F = diff**2 / (rV[0, 0] + rV[1, 1] - 2 * rV[0, 1])
    assert s.r["F"] == pytest.approx(F, rel=1e-10) and s.r["df_r"] == 516
    run(s, "estimates store m1\nestimates table m1")
    assert run(s, "margins") == out
    assert fails(s, "margins homework")[1] == 321
    assert out in run(s, "estimates replay m1")  # code review: it was r(321)
    run(s, f"estimates save {tmp_path / 'm'}\nestimates use {tmp_path / 'm'}")
    assert run(s, "margins") == out  # the replay survives a save
