"""``nlcom`` against closed-form delta-method standard errors, and ``estimates stats``
against the log likelihoods it tabulates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture(scope="module")
def reg() -> Session:
    s = Session()
    run(s, "use math")
    run(s, "quietly regress math homework i.schtype")
    return s


def test_delta_method_closed_forms(reg: Session) -> None:
    e = reg.e
    i, j = e.bnames.index("homework"), e.bnames.index("_cons")
    b, V = e.b, e.V
    out = run(reg, "nlcom (g: exp(_b[homework])) (r: _b[homework]/_b[_cons])")
    assert "           g: exp(_b[homework])" in out
    assert "        math | Coefficient  Std. err.      t    P>|t|" in out  # t after regress
    rb, rV = reg.r["b"].values.ravel(), reg.r["V"].values
    # exp(b): gradient exp(b); b1/b0: gradient (1/b0, -b1/b0²)
    g1 = np.zeros(len(b))
    g1[i] = math.exp(b[i])
    g2 = np.zeros(len(b))
    g2[i], g2[j] = 1 / b[j], -b[i] / b[j] ** 2
    G = np.vstack([g1, g2])
    np.testing.assert_allclose(rb, [math.exp(b[i]), b[i] / b[j]], rtol=1e-12)
    np.testing.assert_allclose(rV, G @ V @ G.T, rtol=1e-6)
    assert reg.r["df_r"] == e.scalars["df_r"]


def test_names_and_errors(reg: Session) -> None:
    out = run(reg, "nlcom 2*_b[homework]")
    assert "       _nl_1: 2*_b[homework]" in out
    msg, rc = fails(reg, "nlcom (a: _b[nope])")
    assert (msg, rc) == ("[nope] not found", 111)
    assert fails(reg, "nlcom (a: _b[homework]")[1] == 132
    assert fails(reg, "nlcom _b[homework], df(0)") == ("df() must be positive", 198)
    assert "      z    P>|z|" not in run(reg, "nlcom _b[homework], df(30)")


def test_z_after_ml_and_equation_names() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework || schid:")
    out = run(s, "nlcom _b[math:homework]^2")
    assert "      z    P>|z|" in out
    b = s.e.b[s.e.bnames.index("math:homework")]
    assert s.r["b"].values.ravel()[0] == pytest.approx(b * b, rel=1e-12)


def test_estimates_stats(reg: Session) -> None:
    run(reg, "estimates store ols")
    run(reg, "quietly mixed math homework i.schtype || schid:")
    run(reg, "estimates store ri")
    out = run(reg, "estimates stats ols ri")
    rows = {
        ln.split("|")[0].strip(): ln.split("|")[1].split() for ln in out.splitlines() if "|" in ln
    }
    ll = reg.e.scalars["ll"]
    n, _ll0, llm, df, aic, bic = rows["ri"]
    assert n == "519"
    assert float(llm) == pytest.approx(ll, abs=1e-3)
    assert float(aic) == pytest.approx(-2 * ll + 2 * int(df), abs=1e-3)
    assert float(bic) == pytest.approx(-2 * ll + math.log(519) * int(df), abs=1e-3)
    assert rows["ols"][3] == "3"  # regress: homework, 1.schtype, _cons


def test_equation_brackets_and_noheader() -> None:
    s = Session()
    run(s, "use hospital")
    run(s, "quietly logit hosp loginc distance")
    out = run(s, "nlcom [hosp]loginc/[hosp]_b[distance], noheader")
    assert "_nl_1:" not in out
    b = s.e.b
    assert s.r["b"].values.ravel()[0] == pytest.approx(b[0] / b[1], rel=1e-12)
    assert "       _nl_1: [hosp]loginc*2" in run(s, "nlcom [hosp]loginc*2")


def test_estimates_stats_stores_r_S(reg: Session) -> None:
    run(reg, "estimates store one")
    run(reg, "estimates stats one .")
    S = reg.r["S"]
    assert S.rownames == ["one", "."] and S.colnames == ["N", "ll0", "ll", "df", "AIC", "BIC"]
    assert S.values[0, 2] == pytest.approx(reg.e.scalars["ll"])


def test_aweighted_regress_counts_observations_exactly() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly regress math homework [aw=homework+1] if schtype == 1")
    assert s.e.scalars["N"] == 317.0  # not 316.99999999999994


def test_post_makes_the_combinations_the_active_results() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly regress math homework")
    b = s.e.b.copy()
    run(s, "quietly nlcom (r: _b[homework]/_b[_cons]) (g: exp(_b[homework])), post")
    e = s.e
    assert e.cmd == "nlcom" and e.bnames == ["r", "g"]
    assert e.b[0] == pytest.approx(b[0] / b[1], rel=1e-12)
    out = run(s, "test r = 0")
    assert "F(  1,   517)" in out  # regress's residual df carried over
    run(s, "quietly lincom g - 1")
    assert s.r["df"] == 517
