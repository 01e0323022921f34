"""``menl`` as a user meets it: the display, stored results, predict, replay, postestimation,
and bad input (each refused with Stata's return code, leaving data and results as they were).
The estimates themselves are checked against ``mixed`` and nlme in tests/fit/test_nonlinear.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run

MODEL = (
    "menl circumference = ({b1}+{U1[Tree]})/(1+exp(-(age-{b2})/{b3})), "
    "initial(b1 190 b2 700 b3 350)"
)


@pytest.fixture(scope="module")
def orange() -> Session:
    s = Session()
    run(s, "use orange")
    return s


@pytest.fixture
def fitted(orange: Session) -> Session:
    run(orange, "capture drop yh yf r rs u*")
    run(orange, f"quietly {MODEL}")
    return orange


def test_display_layout(orange: Session) -> None:
    out = run(orange, MODEL)
    lines = out.splitlines()
    assert lines[0] == "Alternating PNLS/LME algorithm:"
    assert any(ln.startswith("Iteration 1:  linearization log likelihood = ") for ln in lines)
    head = out[out.index("Mixed-effects ML nonlinear regression") :].splitlines()
    assert head[0].endswith("Number of obs     =         35")
    assert head[1] == (
        "Group variable: Tree                            Number of groups  =          5"
    )
    assert "Linearization log likelihood = -131.58458" in out
    assert "circumfere~e | Coefficient  Std. err.      z    P>|z|     [95% conf. interval]" in out
    assert [ln.split("|")[0].strip() for ln in lines if ln.strip().startswith("/b")] == [
        "/b1",
        "/b2",
        "/b3",
    ]
    assert "Tree: Identity               |" in out
    assert "                     var(U1) |" in out
    assert "               var(Residual) |" in out


def test_stored_results(fitted: Session) -> None:
    e = fitted.e
    assert e.cmd == "menl"
    assert e.bnames == ["/:b1", "/:b2", "/:b3", "lns1_1_1:_cons", "lnsig_e:_cons"]
    assert e.macros["depvar"] == "circumference"
    assert e.macros["ivars"] == "Tree"
    assert e.macros["method"] == "ML"
    assert e.scalars["N"] == 35 and e.scalars["N_g"] == 5 and e.scalars["converged"] == 1
    out = run(fitted, 'display %9.4f _b[/b1] " " %9.4f _se[/b1]')
    b, se = (float(x) for x in out.split())
    assert b == pytest.approx(e.b[0], abs=1e-4) and se == pytest.approx(
        np.sqrt(e.V[0, 0]), abs=1e-4
    )


def test_replay_and_stddeviations(fitted: Session) -> None:
    out = run(fitted, "menl, stddeviations noheader")
    assert "Mixed-effects" not in out
    assert "sd(U1)" in out and "sd(Residual)" in out
    assert fails(fitted, "menl, reml") == ("option reml not allowed", 198)


def test_predict(fitted: Session) -> None:
    run(fitted, "predict double yh")
    run(fitted, "predict double yf, fixedonly")
    run(fitted, "predict double r, residuals")
    run(fitted, "predict double rs, rstandard")
    run(fitted, "predict double u*, reffects")
    fit = fitted.e.fit
    b1, b2, b3 = fitted.e.b[:3]
    age, tree = col(fitted, "age"), col(fitted, "Tree")
    u = col(fitted, "u1")
    # the random effect is constant within a tree and equals the fit's estimate
    for t in np.unique(tree):
        assert np.ptp(u[tree == t]) == 0
    np.testing.assert_allclose(np.unique(u), np.sort(fit.Bs[0][:, 0]))
    np.testing.assert_allclose(col(fitted, "yf"), b1 / (1 + np.exp(-(age - b2) / b3)), rtol=1e-12)
    np.testing.assert_allclose(
        col(fitted, "yh"), (b1 + u) / (1 + np.exp(-(age - b2) / b3)), rtol=1e-12
    )
    y = col(fitted, "circumference")
    np.testing.assert_allclose(col(fitted, "r"), y - col(fitted, "yh"), atol=1e-9)
    np.testing.assert_allclose(
        col(fitted, "rs"), col(fitted, "r") / np.sqrt(fit.lme.sigma2), atol=1e-9
    )
    # the random effects minimize PNLS's penalized sum of squares: moving them all raises it
    D = fit.lme.Sigmas[0][0, 0] / fit.lme.sigma2
    obj = np.sum(col(fitted, "r") ** 2) + np.sum(fit.Bs[0][:, 0] ** 2) / D
    u2 = u + 0.01
    r2 = y - (b1 + u2) / (1 + np.exp(-(age - b2) / b3))
    assert np.sum(r2**2) + np.sum((fit.Bs[0][:, 0] + 0.01) ** 2) / D > obj


def test_predict_outside_sample_groups(orange: Session) -> None:
    run(orange, "capture drop yh yf")
    run(orange, f"quietly {MODEL.replace(', initial', ' if Tree != 5, initial')}")
    out = run(orange, "predict yh")
    assert "(7 missing values generated)" in out
    run(orange, "predict yf, fixedonly")
    assert not np.isnan(col(orange, "yf")).any()
    run(orange, "drop yh yf")


def test_postestimation(fitted: Session) -> None:
    out = run(fitted, "estat ic")
    assert "-131.5846" in out and "273.1692" in out
    assert "sd(U1)" in run(fitted, "estat sd")
    assert "Tree |          5" in run(fitted, "estat group")
    out = run(fitted, "test _b[/b1] = 190")
    assert "( 1)  [/]b1 = 190" in out
    out = run(fitted, "lincom _b[/b1] - _b[/b3]")
    assert "(1) |" in out
    run(fitted, "estimates store full")
    run(
        fitted,
        "quietly menl circumference = {b1}/(1+exp(-(age-{b2})/{b3})), "
        "initial(b1 190 b2 700 b3 350)",
    )
    assert "Nonlinear ML regression" in run(fitted, "menl")
    out = run(fitted, "lrtest full .")
    assert "LR chi2(1) =  53.63" in out  # six columns, as Stata 17's lrtest


def test_reml(orange: Session) -> None:
    out = run(orange, MODEL + " reml nolog")
    assert "Mixed-effects REML nonlinear regression" in out
    assert "Linearization log restricted-likelihood" in out
    assert orange.e.macros["method"] == "REML"


@pytest.mark.parametrize(
    ("cmd", "rc", "msg"),
    [
        (
            "menl circumference = {b1}*age + {U[Tree]} + {U[age]}",
            198,
            "already used at level Tree",
        ),
        (
            "menl circumference = {b1}*age + {U[Tree]} + {V[Tree>age]}, cov(U V, un)",
            198,
            "at different levels",
        ),
        ("menl circumference = {b1}*age + {U[Tree>Tree]}", 198, "repeated"),
        ("menl circumference = {xb:} + {U[Tree]}", 198, "xb is not defined"),
        ("menl circumference = {a:}, define(a: {b:}) define(b: {a:})", 198, "refers to itself"),
        ("menl circumference = {b1}*age, define(a 1)", 198, "name: expression expected"),
        ("menl circumference = {xb: age} + {xb: age Tree}", 198, "defined more than once"),
        ("menl circumference = {xb: agex}", 111, "agex not found"),
        ("menl circumference = {b1}*age, rescovariance(ar 1)", 198, "rescovariance()"),
        ("menl circumference = {b1}*agex", 111, "agex not found"),
        ("menl circumference = {b1}*age, covariance(U V, un)", 198, "requires random effects"),
        (
            "menl circumference = {b1}*age + {U[Tree]} + {V[Tree]}*age, cov(U W, un)",
            198,
            "random effect W not found",
        ),
        (
            "menl circumference = {b1}*age + {U[Tree]} + {V[Tree]}*age, cov(U V, foo)",
            198,
            "unknown structure foo",
        ),
        ("menl circumference = 3*age", 198, "no {parameters}"),
        ("menl circumference = {b1}*age + {U[Tree]}, initial(b9 1)", 198, "b9 not found"),
        ("menl circumference = {b1=abc}*age", 198, "must be a number"),
        ("menl circumference = {b1}*age + {U[Tree]} [fw=age]", 101, "weights not allowed"),
        ("menl circumference = {b1}*age, reml mle", 184, "may not be combined"),
        (
            "menl circumference = {b1}/(1+exp(-(age-{b2})/{b3})) + {U[Tree]}",
            480,
            "starting values invalid",
        ),
        ("menl circumference = {b1}*age + {b1[Tree]}", 198, "both as a parameter"),
        ("menl circumference = {b0} + {U1}", 430, "parameters not identified"),
        ("menl circumference = {xb: age} + {ab: age} + {U1[Tree]}", 430, "ab:age"),
        ("menl circumference = {xb: age} + {U1[Tree]}*{U2[Tree]}", 430, "U1[Tree] not identified"),
        ("menl circumference = {b1}*age, emiterate(5)", 198, "emiterate() is not available"),
        ("menl circumference = {xb: c.age#U1[Tree]}", 198, "random slopes in a linear"),
        (
            "menl circumference = {b1}*sqrt(age-{b2}), initial(b1 5 b2 117.9999)",
            430,
            "not finite",
        ),
    ],
)
def test_bad_input(orange: Session, cmd: str, rc: int, msg: str) -> None:
    run(orange, f"quietly {MODEL}")
    before = orange.e
    data = orange.data.df.copy()
    got, code = fails(orange, cmd)
    assert code == rc and msg in got
    assert orange.e is before
    assert orange.data.df.equals(data)


def test_replay_without_results() -> None:
    s = Session()
    assert fails(s, "menl") == ("last estimates not found", 301)


def test_linear_combination_predict_and_legend(orange: Session) -> None:
    run(orange, "capture drop yf")
    out = run(orange, "menl circumference = {xb: age} + {U[Tree]}, nolog")
    assert "circumfere~e | Coefficient" in out and "\nxb           |\n" in out
    assert orange.e.bnames[:2] == ["xb:age", "xb:_cons"]
    run(orange, "predict double yf, fixedonly")
    b = orange.e.b
    np.testing.assert_allclose(col(orange, "yf"), b[0] * col(orange, "age") + b[1], rtol=1e-12)
    out = run(orange, "menl, coeflegend")
    assert "_b[xb:age]" in out
    run(orange, "drop yf")


def test_replay_tables_and_predict_after_changes(orange: Session) -> None:
    run(orange, f"quietly {MODEL}")
    run(orange, "estimates store m")
    assert "Model m" in run(orange, "estimates replay m")
    out = run(orange, "menl, noretable")
    assert "/b1" in out and "var(U1)" not in out
    out = run(orange, "menl, nofetable")
    assert "/b1" not in out and "var(U1)" in out
    run(orange, "preserve")
    run(orange, "drop Tree")
    assert fails(orange, "predict f3") == ("variable Tree not found", 111)
    run(orange, "restore")


def test_predict_relevel_nested() -> None:
    s = Session()
    run(s, "use pastes")
    run(s, "quietly menl strength = {b0} + {U[batch]} + {V[batch>cask]}")
    run(s, "predict double v, reffects relevel(batch>cask)")
    run(s, "predict double u, reffects relevel(batch)")
    run(s, "predict double y1, relevel(batch)")
    run(s, "predict double y2")
    b0 = s.e.b[0]
    np.testing.assert_allclose(col(s, "y1"), b0 + col(s, "u"), rtol=1e-12)
    np.testing.assert_allclose(col(s, "y2"), b0 + col(s, "u") + col(s, "v"), rtol=1e-12)
    assert s.data.info["v"].label == "Random effect V[batch>cask]"


def test_rank_counts_estimated_columns_and_abbreviations(orange: Session) -> None:
    run(
        orange,
        "quietly menl circumference = {xb: i.Tree}/(1+exp(-(age-{b2})/{b3})), "
        "initial(b2 700 b3 350)",
    )
    # 4 Tree levels and _cons (1b.Tree is a base), b2, b3, and the residual variance
    assert orange.e.scalars["rank"] == 8
    run(orange, "quietly estat ic")
    assert orange.r["S_df"] == 8  # the information criteria count the same parameters
    run(
        orange,
        "quietly menl circumference = {xb: age, nocon} + {U[Tree]} + {V[Tree]}, cov(U V, ex)",
    )
    assert orange.e.macros["vartypes"] == "Exchangeable"
