"""``correlate`` and ``pwcorr`` ([R] correlate) against numpy and scipy: Pearson's r with
casewise and pairwise deletion, covariances, weighted correlations (frequency weights equal
the expanded data), the t-test p-values (scipy's pearsonr) and their Bonferroni and Šidák
adjustments; Stata's layout and r()."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tests.conftest import col, fails, run


def test_correlate_and_covariance(math_session) -> None:
    s = math_session
    out = run(s, "correlate math homework schtype")
    X = np.column_stack([col(s, v) for v in ("math", "homework", "schtype")])
    R = np.corrcoef(X, rowvar=False)
    np.testing.assert_allclose(s.r["C"].values, R, rtol=1e-12)
    assert s.r["rho"] == pytest.approx(R[1, 0], rel=1e-12) and s.r["N"] == 519
    assert out.splitlines()[:4] == [
        "(obs=519)",
        "",
        "             |     math homework  schtype",
        "-------------+---------------------------",
    ]
    assert out.splitlines()[5] == f"    homework |{R[1, 0]:9.4f}   1.0000"
    run(s, "correlate math homework, covariance")
    np.testing.assert_allclose(s.r["C"].values, np.cov(X[:, :2], rowvar=False), rtol=1e-12)
    assert s.r["Var_2"] == pytest.approx(np.var(X[:, 1], ddof=1), rel=1e-12)


def test_weights_and_casewise_deletion(math_session) -> None:
    s = math_session
    run(s, "generate f = 1 + mod(_n, 3)")
    run(s, "replace homework = . in 1/5")
    run(s, "correlate math homework [fw=f]")
    rho, n = s.r["rho"], s.r["N"]
    run(s, "preserve")
    run(s, "expand f")
    run(s, "correlate math homework")
    assert s.r["rho"] == pytest.approx(rho, rel=1e-12) and s.r["N"] == n
    run(s, "restore")
    run(s, "pwcorr math homework schtype, obs")
    assert s.r["Nobs"].values[2, 0] == 519 and s.r["Nobs"].values[1, 0] == 514


def test_pwcorr_significance_against_scipy(math_session) -> None:
    s = math_session
    out = run(s, "pwcorr math homework schtype, sig star(0.01)")
    names = ("math", "homework", "schtype")
    for i in range(3):
        for j in range(i):
            r, p = stats.pearsonr(col(s, names[i]), col(s, names[j]))
            assert s.r["C"].values[i, j] == pytest.approx(r, rel=1e-12)
            assert s.r["sig"].values[i, j] == pytest.approx(p, rel=1e-8, abs=1e-300)
    assert f"{s.r['C'].values[1, 0]:9.4f}*" in out  # starred at 1%
    p = s.r["sig"].values.copy()
    run(s, "pwcorr math homework schtype, sig bonferroni")
    np.testing.assert_allclose(s.r["sig"].values[1, 0], min(1, 3 * p[1, 0]))
    run(s, "pwcorr math homework schtype, sig sidak")
    np.testing.assert_allclose(s.r["sig"].values[2, 1], 1 - (1 - p[2, 1]) ** 3, rtol=1e-10)


@pytest.mark.parametrize(
    ("text", "rc"),
    [
        ("correlate math nosuch", 111),
        ("correlate math homework, _coef", 198),
        ("pwcorr math homework, bonferroni sidak", 198),
        ("pwcorr math homework, star(5)", 198),
        ("correlate math homework [pw=schid]", 101),
    ],
)
def test_bad_input(math_session, text, rc) -> None:
    assert fails(math_session, text)[1] == rc
