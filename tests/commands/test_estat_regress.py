"""``estat vif``, ``estat hettest`` and ``estat ovtest`` after ``regress``, against
statsmodels (``variance_inflation_factor``, ``het_breuschpagan``, ``linear_reset``), which
nobody here wrote; Stata 17's layout; bad input."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run

sm = pytest.importorskip("statsmodels.api")
from statsmodels.stats.diagnostic import het_breuschpagan, linear_reset  # noqa: E402
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


def test_bad_input(exam) -> None:
    run(exam, 'generate girl = sex == "F"\nlogit girl standlrt')
    assert fails(exam, "estat vif") == ("estat vif not valid after logit", 321)
    run(exam, "regress normexam standlrt, noconstant")
    assert fails(exam, "estat vif")[1] == 301
    run(exam, "estat vif, uncentered")
    assert fails(exam, "estat hettest standlrt, rhs")[1] == 198
