"""``estat vif``, ``estat hettest`` and ``estat ovtest`` after ``regress``, against
statsmodels (``variance_inflation_factor``, ``het_breuschpagan``, ``linear_reset``), which
nobody here wrote; Stata 17's layout; bad input."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run

sm = pytest.importorskip("statsmodels.api")
from statsmodels.stats.diagnostic import het_breuschpagan, het_white, linear_reset  # noqa: E402
from statsmodels.stats.outliers_influence import variance_inflation_factor  # noqa: E402


@pytest.fixture
def exam() -> Session:
    s = Session()
    run(s, "use exam\nencode intake, generate(vrn)\nregress normexam standlrt schavg vrn")
    return s


def _ols(s: Session):
    X = np.column_stack([col(s, "standlrt"), col(s, "schavg"), col(s, "vrn")])
    X = sm.add_constant(X)
    return sm.OLS(col(s, "normexam"), X).fit(), X


def test_vif(exam) -> None:
    out = run(exam, "estat vif")
    _res, X = _ols(exam)
    ref = {
        n: variance_inflation_factor(X, j)
        for j, n in enumerate(["", "standlrt", "schavg", "vrn"])
        if n
    }
    order = sorted(ref, key=lambda n: -ref[n])
    assert [exam.r[f"name_{k}"] for k in (1, 2, 3)] == order
    for k, n in enumerate(order, 1):
        assert exam.r[f"vif_{k}"] == pytest.approx(ref[n], rel=1e-10)
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert lines[0] == "    Variable |       VIF       1/VIF  "
    assert lines[-1].startswith("    Mean VIF |")
    assert f"{1 / ref[order[0]]:.6f}" in lines[2]


def test_hettest_versions(exam) -> None:
    res, X = _ols(exam)
    e = res.resid
    Zf = sm.add_constant(res.fittedvalues)
    out = run(exam, "estat hettest")
    lm, p, _f, _fp = het_breuschpagan(e, Zf, robust=False)
    # the statistic is near 0 here (half a tiny explained sum of squares of ~4,000 terms):
    # compared in absolute terms
    assert exam.r["chi2"] == pytest.approx(lm, abs=1e-9)
    assert exam.r["p"] == pytest.approx(p, abs=1e-9)
    assert "Assumption: Normal error terms\nVariable: Fitted values of normexam" in out
    assert out.strip().splitlines()[-2] == f"    chi2(1) = {lm:6.2f}"
    run(exam, "estat hettest, rhs iid")
    lm, p, _f, _fp = het_breuschpagan(e, X, robust=True)
    assert exam.r["chi2"] == pytest.approx(lm, rel=1e-9) and exam.r["df"] == 3
    run(exam, "estat hettest standlrt schavg, fstat")
    _lm, _p, f, fp = het_breuschpagan(e, X[:, :3], robust=True)
    assert exam.r["F"] == pytest.approx(f, rel=1e-9) and exam.r["p"] == pytest.approx(fp, rel=1e-7)
    assert (exam.r["df_m"], exam.r["df_r"]) == (2, len(e) - 3)


def test_ovtest(exam) -> None:
    res, _X = _ols(exam)
    out = run(exam, "estat ovtest")
    ref = linear_reset(res, power=4, test_type="fitted", use_f=True)
    assert exam.r["F"] == pytest.approx(float(ref.fvalue), rel=1e-7)
    assert (exam.r["df"], exam.r["df_r"]) == (3, ref.df_denom)
    assert "Omitted: Powers of fitted values of normexam" in out
    # rhs: the powers of each regressor (vrn has three values, so its cube and fourth power
    # are collinear with the model; a model of the continuous ones)
    run(exam, "regress normexam standlrt schavg\nestat ovtest, rhs")
    X = sm.add_constant(np.column_stack([col(exam, "standlrt"), col(exam, "schavg")]))
    res = sm.OLS(col(exam, "normexam"), X).fit()
    ref = linear_reset(res, power=4, test_type="exog", use_f=True)
    assert exam.r["F"] == pytest.approx(float(ref.fvalue), rel=1e-7)
    assert exam.r["df"] == 6


def test_imtest(exam) -> None:
    """White's test against statsmodels' het_white; Cameron and Trivedi's parts are N times
    the uncentered R² of the moments imtest.ado regresses, here by statsmodels' OLS; the
    layout is Stata 17's (a published log of ``estat imtest, white``)."""
    res, X = _ols(exam)
    e, N = res.resid, len(res.resid)
    out = run(exam, "estat imtest, white")
    lm, p, _f, _fp = het_white(e, X)
    assert exam.r["chi2"] == pytest.approx(lm, rel=1e-9)
    assert exam.r["p"] == pytest.approx(p, rel=1e-7)
    assert exam.r["df"] == 9  # 3 regressors, 6 squares and products, vrn² collinear: 8 + 1
    s2 = float(np.mean(e**2))

    def n_r2(y, Z):
        return N * (1 - sm.OLS(y, Z).fit().ssr / float(np.sum(y**2)))

    assert exam.r["chi2_h"] == pytest.approx(lm, rel=1e-9)  # e² - s² is centered already
    skew = n_r2(e**3 - 3 * s2 * e, X)
    kurt = n_r2(e**4 - 6 * s2 * e**2 + 3 * s2**2, np.ones((N, 1)))
    assert exam.r["chi2_s"] == pytest.approx(skew, rel=1e-9) and exam.r["df_s"] == 3
    assert exam.r["chi2_k"] == pytest.approx(kurt, rel=1e-9) and exam.r["df_k"] == 1
    assert exam.r["chi2_t"] == pytest.approx(lm + skew + kurt, rel=1e-9)
    assert exam.r["df_t"] == 13
    lines = out.strip("\n").splitlines()
    assert lines[:3] == [
        "White's test",
        "H0: Homoskedasticity",
        "Ha: Unrestricted heteroskedasticity",
    ]
    assert lines[4:6] == [f"    chi2(9) = {lm:6.2f}", f"Prob > chi2 = {p:6.4f}"]
    assert lines[9:12] == [
        "-" * 50,
        "              Source |       chi2     df         p",
        "---------------------+----------------------------",
    ]
    assert lines[13] == f"            Skewness | {skew:10.2f}      3    {_p(skew, 3):.4f}"
    assert lines[-2].startswith("               Total |") and lines[-1] == "-" * 50
    # without white, only the decomposition; factor variables and an interaction
    run(exam, "regress normexam i.vrn c.standlrt##c.schavg")
    out = run(exam, "estat imtest")
    assert out.strip("\n").startswith("Cameron & Trivedi's") and "chi2" not in exam.r
    # 5 regressors and 15 squares and products, of which vrn's squares, the product of its
    # two indicators and standlrt × schavg (the interaction again) are collinear
    assert exam.r["df_h"] == 16 and exam.r["df_s"] == 5


def _p(chi2: float, df: int) -> float:
    from scipy import stats

    return float(stats.chi2.sf(chi2, df))


def test_imtest_refusals(exam) -> None:
    run(exam, "regress normexam standlrt [aweight=schavg+3]")
    assert fails(exam, "estat imtest") == ("imtest does not support weights", 101)
    run(exam, "regress normexam standlrt, vce(cluster school)")
    assert fails(exam, "estat imtest") == ("imtest does not support cluster()", 498)
    run(exam, "regress normexam")
    assert "(imtest not allowed without covariates)" in run(exam, "estat imtest")
    run(exam, 'generate girl = sex == "F"\nlogit girl standlrt')
    assert fails(exam, "estat imtest") == ("estat imtest not valid after logit", 321)


def test_bad_input(exam) -> None:
    run(exam, 'generate girl = sex == "F"\nlogit girl standlrt')
    assert fails(exam, "estat vif") == ("estat vif not valid after logit", 321)
    run(exam, "regress normexam standlrt, noconstant")
    assert fails(exam, "estat vif")[1] == 301
    run(exam, "estat vif, uncentered")
    assert fails(exam, "estat hettest standlrt, rhs")[1] == 198
