"""mlogit ([R] mlogit) against statsmodels' MNLogit on the bundled exam data: coefficients,
standard errors (OIM and robust), log likelihoods, predictions, average marginal effects;
and Stata's layout, stored results and messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run

sm = pytest.importorskip("statsmodels.api")


@pytest.fixture(scope="module")
def fitted() -> tuple[Session, object, pd.DataFrame]:
    s = Session()
    run(s, "use exam")
    run(s, "encode vr, generate(band)")  # 1 bottom 25_, 2 mid 50_ (the most frequent), 3 top
    run(s, "encode sex, generate(gender)")  # 1 F, 2 M
    run(s, "mlogit band normexam standlrt i.gender, nolog")
    df = s.data.to_dataframe()
    X = sm.add_constant(
        pd.DataFrame(
            {"normexam": df.normexam, "standlrt": df.standlrt, "boy": (df.sex == "M") * 1.0}
        )
    )
    # statsmodels' base is its first outcome: recode so that Stata's base (2) comes first
    y = df.band.map({2: 0, 1: 1, 3: 2})
    res = sm.MNLogit(y, X).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    return s, res, X


def test_mlogit_matches_statsmodels(fitted) -> None:
    s, res, _X = fitted
    e = s.e
    assert e.macros["eqnames"] == "bottom_25_ mid_50_ top_25_"
    assert e.scalars["baseout"] == 2 and e.scalars["ibaseout"] == 2
    np.testing.assert_allclose(e.scalars["ll"], res.llf, rtol=1e-10)
    np.testing.assert_allclose(e.scalars["ll_0"], res.llnull, rtol=1e-10)
    np.testing.assert_allclose(e.scalars["chi2"], res.llr, rtol=1e-8)
    np.testing.assert_allclose(e.scalars["r2_p"], res.prsquared, rtol=1e-8)
    assert e.scalars["df_m"] == 6
    params = res.params.to_numpy()  # columns: outcome 1 (bottom), outcome 2 (top)
    bse = res.bse.to_numpy()
    for j, eq in enumerate(("bottom_25_", "top_25_")):
        for i, name in enumerate(("_cons", "normexam", "standlrt", "2.gender")):
            k = e.bnames.index(f"{eq}:{name}")
            np.testing.assert_allclose(e.b[k], params[i, j], rtol=1e-7, atol=1e-10)
            np.testing.assert_allclose(np.sqrt(e.V[k, k]), bse[i, j], rtol=1e-6)
    base = [n for n in e.bnames if n.startswith("mid_50_:")]
    assert base == ["mid_50_:o.normexam", "mid_50_:o.standlrt", "mid_50_:1b.gender",
                    "mid_50_:2o.gender", "mid_50_:o._cons"]  # fmt: skip
    assert np.all(e.b[[e.bnames.index(n) for n in base]] == 0)


def test_mlogit_layout(fitted) -> None:
    s, _res, _X = fitted
    out = run(s, "mlogit")
    assert "Multinomial logistic regression" in out
    assert "LR chi2(6)" in out and "Pseudo R2" in out
    assert "mid_50_      |  (base outcome)" in out
    assert out.index("bottom_25_   |") < out.index("mid_50_") < out.index("top_25_      |")
    rrr = run(s, "mlogit, rrr")
    assert "|         RRR  Std. err." in rrr
    assert rrr.rstrip().endswith("Note: _cons estimates baseline relative risk for each outcome.")
    k = s.e.bnames.index("top_25_:standlrt")
    assert f"{np.exp(s.e.b[k]):.6f}"[:7] in rrr


def test_mlogit_predictions_match_statsmodels(fitted) -> None:
    s, res, X = fitted
    run(s, "capture drop p*")
    run(s, "predict p1 p2 p3")
    P = res.predict(X).to_numpy()  # columns in statsmodels' order: mid, bottom, top
    np.testing.assert_allclose(col(s, "p1"), P[:, 1], rtol=1e-7)
    np.testing.assert_allclose(col(s, "p2"), P[:, 0], rtol=1e-7)
    np.testing.assert_allclose(col(s, "p3"), P[:, 2], rtol=1e-7)
    run(s, "predict ptop, outcome(top_25_)")
    np.testing.assert_allclose(col(s, "ptop"), P[:, 2], rtol=1e-7)
    run(s, "predict xb3, xb outcome(#3)")
    np.testing.assert_allclose(col(s, "xb3"), X.to_numpy() @ res.params.to_numpy()[:, 1])
    assert s.data.info["p1"].label == "Pr(band==bottom_25_)"
    m, rc = fails(s, "predict q1 q2")
    assert rc == 102 and "3 outcomes" in m
    m, rc = fails(s, "predict q, outcome(9)")
    assert rc == 111 and "value of band" in m


def test_mlogit_margins_match_statsmodels_average_effects(fitted) -> None:
    """margins, dydx() predict(outcome()) against statsmodels' average marginal effects and
    their delta-method standard errors; the default margins are the sample shares."""
    s, res, _X = fitted
    me = res.get_margeff(at="overall", method="dydx")
    out = run(s, "margins, dydx(standlrt) predict(outcome(3))")
    r = s.r["table"]
    # statsmodels' margeff rows: exog without the constant; columns: outcomes in its order
    np.testing.assert_allclose(r.values[0, 0], me.margeff[1, 2], rtol=1e-5)
    np.testing.assert_allclose(r.values[1, 0], me.margeff_se[1, 2], rtol=1e-4)
    assert "Expression: Pr(band==top_25_), predict(outcome(3))" in out
    run(s, "margins")
    shares = s.data.to_dataframe().band.value_counts(normalize=True).sort_index().to_numpy()
    np.testing.assert_allclose(s.r["table"].values[0, :3], shares, rtol=1e-7)


def test_mlogit_robust_matches_statsmodels_hc0(fitted) -> None:
    """vce(robust) is the sandwich with the N/(N-1) factor ([U] 20.22)."""
    s, _res, X = fitted
    df = s.data.to_dataframe()
    y = df.band.map({2: 0, 1: 1, 3: 2})
    rob = sm.MNLogit(y, X).fit(disp=0, method="newton", tol=1e-12, cov_type="HC0")
    run(s, "mlogit band normexam standlrt i.gender, vce(robust) nolog")
    n = len(df)
    k = s.e.bnames.index("top_25_:normexam")
    np.testing.assert_allclose(
        np.sqrt(s.e.V[k, k]), rob.bse.to_numpy()[1, 1] * np.sqrt(n / (n - 1)), rtol=1e-6
    )
    assert s.e.macros["vcetype"] == "Robust"


def test_mlogit_options_and_errors() -> None:
    s = Session()
    run(s, "use exam")
    run(s, "encode vr, generate(band)")
    run(s, "mlogit band standlrt, baseoutcome(1) nolog")
    assert s.e.scalars["baseout"] == 1
    run(s, "mlogit band standlrt, b(#3) nolog")
    assert s.e.scalars["ibaseout"] == 3
    _m, rc = fails(s, "mlogit band standlrt, baseoutcome(7)")
    assert rc == 111
    _m, rc = fails(s, "mlogit vr standlrt")
    assert rc == 109
    run(s, "generate one = 1")
    _m, rc = fails(s, "mlogit one standlrt")
    assert rc == 2000
    _m, rc = fails(s, "mlogit band standlrt || school:")
    assert rc == 198
    run(s, "test [top_25_]standlrt")
    run(s, "lincom [top_25_]standlrt - [mid_50_]standlrt")


def test_equation_forms_of_test_after_mlogit() -> None:
    """test [eq1=eq2]: varlist, [eq1=eq2], [eq] and [eq]: varlist ([R] test) expand to one
    constraint per coefficient; the statistic is the Wald test of those constraints."""
    s = Session()
    run(s, "use exam\nencode vr, generate(band)\nquietly mlogit band standlrt normexam")
    out = run(s, "test [bottom_25_=top_25_]: standlrt")
    assert "[bottom_25_]standlrt - [top_25_]standlrt = 0" in out
    i = s.e.bnames.index("bottom_25_:standlrt")
    j = s.e.bnames.index("top_25_:standlrt")
    d = s.e.b[i] - s.e.b[j]
    v = s.e.V[i, i] + s.e.V[j, j] - 2 * s.e.V[i, j]
    assert s.r["chi2"] == pytest.approx(d * d / v, rel=1e-10)
    run(s, "test [bottom_25_=top_25_]")
    assert s.r["df"] == 3
    run(s, "test [top_25_]: standlrt normexam")
    assert s.r["df"] == 2
    assert fails(s, "test [nope]")[1] == 303


def test_mlogit_stored_outcomes_interaction_names_and_refusals() -> None:
    s = Session()
    run(s, "use exam\nencode vr, generate(band)\nencode sex, generate(g)")
    run(s, "quietly mlogit band i.g##c.standlrt")
    from bayes_magic.commands.returns import e_matrices

    assert e_matrices(s.e)["out"].values.tolist() == [[1.0, 2.0, 3.0]]
    base = [n for n in s.e.bnames if n.startswith("mid_50_:")]
    assert "mid_50_:2o.g#co.standlrt" in base and "mid_50_:1b.g#co.standlrt" in base
    assert fails(s, "contrast g")[1] == 321
    assert fails(s, "pwcompare g")[1] == 321
