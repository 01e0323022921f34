"""``meologit`` and ``meoprobit`` as a user meets them: Stata's layout (cutpoints ``/cut1`` ...
between the coefficients and the variance components), stored results, replay, ``predict``
(``pr`` with ``outcome()``, ``eta``, ``xb``, ``reffects``) and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run


@pytest.fixture(scope="module")
def wine() -> Session:
    s = Session()
    run(s, "use wine")
    run(s, "meologit rating i.temp i.contact || judge:")
    return s


def test_layout(wine) -> None:
    out = run(wine, "meologit")
    lines = out.splitlines()
    assert lines[0].startswith("Mixed-effects ologit regression")
    assert "Integration method: mvaghermite                 Integration pts.  =          7" in out
    i = next(k for k, ln in enumerate(lines) if ln.strip().startswith("/cut1"))
    # a rule above the cutpoints, no z or P>|z| on their rows
    assert lines[i - 1].startswith("-------------+")
    assert [ln.split("|")[0].strip() for ln in lines[i : i + 4]] == [
        "/cut1",
        "/cut2",
        "/cut3",
        "/cut4",
    ]
    assert lines[i][37:54].strip() == ""
    assert lines[i + 4].startswith("-------------+")
    assert lines[i + 5] == "judge        |"
    assert lines[i + 6].startswith("   var(_cons)|")
    assert lines[-1].startswith("LR test vs. ologit model: chibar2(01) =")


def test_stored_results(wine) -> None:
    e = wine.e
    assert e.macros["cmd"] == "meglm" and e.macros["cmd2"] == "meologit"
    assert e.macros["family"] == "ordinal" and e.macros["link"] == "logit"
    assert e.macros["model"] == "ologit"
    assert e.scalars["k_cat"] == 5
    assert e.bnames[-5:] == ["/:cut1", "/:cut2", "/:cut3", "/:cut4", "/:var(_cons[judge])"]
    assert e.scalars["k_r"] == 1
    assert "e(cat)" in run(wine, "ereturn list")
    assert run(wine, "matrix list e(cat)").split() == [
        "e(cat)[1,5]",
        *["c1", "c2", "c3", "c4", "c5"],
        "r1",
        *["1", "2", "3", "4", "5"],
    ]
    # cutpoints increase
    assert np.all(np.diff(e.b[-5:-1]) > 0)


def test_odds_ratios_and_probit() -> None:
    s = Session()
    run(s, "use wine")
    out = run(s, "meologit rating temp contact || judge:, or nolog")
    assert "rating |  Odds ratio  Std. err." in out
    b = dict(zip(s.e.bnames, s.e.b))
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("temp |"))
    assert float(row.split("|")[1].split()[0]) == pytest.approx(np.exp(b["rating:temp"]), 1e-6)
    # cutpoints stay on their scale
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("/cut1 |"))
    assert float(row.split("|")[1].split()[0]) == pytest.approx(b["/:cut1"], abs=1e-6)
    out = run(s, "meoprobit rating temp contact || judge:, nolog")
    assert out.startswith("Mixed-effects oprobit regression")
    assert "LR test vs. oprobit model" in out
    assert fails(s, "meoprobit, or") == ("option or not allowed", 198)


def test_predict_probabilities(wine) -> None:
    s = wine
    out = run(s, "predict p*")
    assert "(option pr assumed; predicted probabilities)" in out
    assert "posterior means of random effects" in out
    P = np.column_stack([col(s, f"p{j}") for j in range(1, 6)])
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    assert s.data.info["p3"].label == "Pr(rating==3)"
    run(s, "predict one")  # one variable: the first outcome
    np.testing.assert_array_equal(col(s, "one"), col(s, "p1"))
    run(s, "predict five, outcome(#5)")
    np.testing.assert_array_equal(col(s, "five"), col(s, "p5"))
    run(s, "predict three, outcome(3)")
    np.testing.assert_array_equal(col(s, "three"), col(s, "p3"))
    # fixed portion only: the ordered logit formula at the estimates
    run(s, "predict double f4, outcome(4) conditional(fixedonly)")
    run(s, "predict double xb, xb")
    b = dict(zip(s.e.bnames, s.e.b))
    xb = col(s, "xb")
    expit = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    want = expit(b["/:cut4"] - xb) - expit(b["/:cut3"] - xb)
    np.testing.assert_allclose(col(s, "f4"), want, rtol=1e-12)
    # eta adds each judge's empirical Bayes mean
    run(s, "predict double eta, eta")
    run(s, "predict double u, reffects")
    np.testing.assert_allclose(col(s, "eta"), xb + col(s, "u"), atol=1e-12)
    run(s, "drop p1-p5 one five three f4 xb eta u")


def test_bad_input_changes_nothing(wine) -> None:
    s = wine
    before = s.data.to_dataframe().copy()
    est = s.e
    for text, msg, rc in [
        ("predict m, mu", "option mu not allowed", 198),
        ("predict a b", "rating has 5 outcomes and so you must specify 5 new variables", 102),
        ("predict z, outcome(7)", "outcome() must be either a value of rating or #1, #2, ...", 111),
        ("predict z, outcome(#6)", "there is no outcome #6", 111),
        ("predict z, xb outcome(1)", "option outcome() not allowed with xb", 198),
        ("meologit rating temp || judge:, binomial(bottle)", "option binomial() not allowed", 198),
        ("meologit rating temp, noconstant || judge:", "option noconstant not allowed", 198),
        ("meologit rating temp || judge:, exposure(bottle)", "option exposure() not allowed", 198),
        ("meologit rating temp || judge:, irr", "option irr not allowed", 198),
        ("meologit rating temp if rating == 3 || judge:", "outcome does not vary", 2000),
        ("meologit rating temp", "meologit requires at least one random-effects", 198),
    ]:
        m, r = fails(s, text)
        assert m.startswith(msg) and r == rc, (text, m, r)
    assert s.e is est
    assert s.data.to_dataframe().equals(before)


def test_replay_and_estimates_store(wine) -> None:
    s = wine
    run(s, "estimates store ord")
    first = run(s, "meologit")
    run(s, "meoprobit rating temp contact || judge:, nolog")
    assert fails(s, "meologit")[1] == 301
    run(s, "estimates restore ord")
    assert run(s, "meologit") == first
    run(s, "estimates replay ord")


def test_margins_of_the_fixed_portion() -> None:
    s = Session()
    run(s, "use wine")
    run(s, "meologit rating i.temp contact || judge:, nolog")
    out = run(s, "margins temp, predict(pr outcome(2) fixedonly)")
    assert "Expression: Pr(rating==2), fixed portion only, predict(pr outcome(2) fixedonly)" in out
    m0 = float(s.r["b"].values[0, 0])  # temp = 0 (cold)
    # the margin is the sample mean of the predicted probability with temp set to 0
    run(s, "preserve")
    run(s, "replace temp = 0")
    run(s, "predict double p2, outcome(2) fixedonly")
    want = float(np.mean(col(s, "p2")))
    run(s, "restore")
    row = next(ln for ln in out.splitlines() if ln.split("|")[0].strip() == "cold")
    assert float(row.split("|")[1].split()[0]) == pytest.approx(want, abs=5e-7)
    assert m0 == pytest.approx(want, rel=1e-10)
    out = run(s, "margins temp")  # marginal in the random effects by default
    assert "1._predict: Marginal Pr(rating==1), predict(pr outcome(1))" in out
