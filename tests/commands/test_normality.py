"""``swilk`` and ``sfrancia`` ([R] swilk).

W and its p-value against scipy's Shapiro–Wilk (Royston's AS R94, the algorithm Stata's
ado-file implements) at n = 3, in the small-sample range 4–11 and beyond; with ties, ``noties``
(sorted positions, as scipy ranks) against scipy. W' and its p-value against the formula of
R's nortest::sf.test (Royston 1993). The layout is that of Stata's ado-files, checked against
a row of a published Stata log for the column positions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayes_magic.commands.normality import sfrancia_test, swilk_test
from bayes_magic.dataset.dataset import Dataset
from bayes_magic.session import Session
from tests.conftest import col, fails, run


@pytest.mark.parametrize("n", [3, 4, 5, 6, 9, 11, 12, 30, 200, 1500])
def test_swilk_matches_scipy(n: int) -> None:
    rng = np.random.default_rng(n)
    x = rng.gamma(3.0, size=n)  # skewed, so p spans a range
    W, _V, z, p = swilk_test(x)
    ref = stats.shapiro(x)
    assert pytest.approx(ref.statistic, abs=2e-6) == W
    assert p == pytest.approx(ref.pvalue, abs=2e-5)
    assert z == pytest.approx(stats.norm.isf(p), rel=1e-9)


def test_swilk_noties_matches_scipy_with_ties() -> None:
    x = np.array([1, 2, 2, 3, 3, 3, 4, 4, 5, 7, 9, 9, 12, 15, 15, 20], dtype=float)
    W, _, _, p = swilk_test(x, noties=True)
    ref = stats.shapiro(x)
    assert pytest.approx(ref.statistic, abs=2e-6) == W
    assert p == pytest.approx(ref.pvalue, abs=2e-5)
    W_mid, *_ = swilk_test(x)  # Stata's default shares scores among ties
    assert W_mid != pytest.approx(W, abs=1e-6)


def _sf_test(x: np.ndarray) -> tuple[float, float]:
    """nortest::sf.test (R), transcribed."""
    x = np.sort(x)
    n = len(x)
    y = stats.norm.ppf((np.arange(1, n + 1) - 3 / 8) / (n + 1 - 2 * 3 / 8))
    W = np.corrcoef(x, y)[0, 1] ** 2
    u = np.log(n)
    v = np.log(u)
    mu = -1.2725 + 1.0521 * (v - u)
    sig = 1.0308 - 0.26758 * (v + 2 / u)
    z = (np.log(1 - W) - mu) / sig
    return float(W), float(stats.norm.sf(z))


@pytest.mark.parametrize("n", [10, 57, 400, 4000])
def test_sfrancia_matches_nortest(n: int) -> None:
    rng = np.random.default_rng(n)
    x = rng.standard_t(5, size=n)
    W, _V, _z, p = sfrancia_test(x)
    W_ref, p_ref = _sf_test(x)
    assert pytest.approx(W_ref, rel=1e-12) == W
    assert p == pytest.approx(p_ref, rel=1e-9)
    # Royston's 1983 Box-Cox approximation targets the same null distribution
    if n <= 1000:
        assert sfrancia_test(x, boxcox=True)[3] == pytest.approx(p, abs=0.05)


def test_swilk_command_layout_and_returns() -> None:
    rng = np.random.default_rng(7)
    s = Session()
    s.data = Dataset.from_dataframe(
        pd.DataFrame({"u_hat": rng.normal(size=120), "name": ["a"] * 120})
    )
    out = run(s, "swilk u_hat name")
    lines = out.strip("\n").splitlines()
    assert lines[0] == " " * 19 + "Shapiro-Wilk W test for normal data"
    assert lines[2] == "    Variable |        Obs       W           V         z       Prob>z"
    assert lines[3] == "-" * 13 + "+" + "-" * 54
    W, V, z, p = swilk_test(col(s, "u_hat"))
    # the row of a published Stata log: "       u_hat |        120    0.99021      0.942 ..."
    assert lines[4] == f"       u_hat |        120   {W:8.5f}   {V:8.3f}  {z:8.3f}    {p:7.5f}"
    assert lines[5] == "        name |          0          .          .         .          ."
    assert s.r["N"] == 0 and np.isnan(s.r["W"])  # r() holds the last variable's test
    run(s, "swilk u_hat in 1/50, generate(coef)")
    a = col(s, "coef")
    assert np.isnan(a[50:]).all()
    assert np.sum(a[:50] ** 2) == pytest.approx(1.0, abs=1e-3)  # coefficients of unit length
    x = col(s, "u_hat")[:50]
    assert a[np.argmax(x)] == a[:50].max() and a[np.argmin(x)] == a[:50].min()


def test_sfrancia_command_and_note() -> None:
    s = Session()
    run(s, "sysuse exam, clear")
    out = run(s, "sfrancia normexam if school == 1")
    x = col(s, "normexam")[col(s, "school") == 1]
    assert s.r["W"] == pytest.approx(sfrancia_test(x)[0])
    assert "    Variable |       Obs       W'          V'        z       Prob>z" in out
    assert "Note" not in out
    out = run(s, "sfrancia normexam in 1/8")
    assert out.strip("\n").splitlines()[-2:] == [
        "Note: The normal approximation to the sampling distribution of W'",
        "      is valid for 10<=n<=5000 under the log transformation.",
    ]
    assert np.isnan(s.r["p"])


def test_errors() -> None:
    s = Session()
    run(s, "sysuse exam, clear")
    assert fails(s, "swilk normexam, lnnormal")[1] == 198
    assert fails(s, "swilk normexam, generate(school)")[1] == 110
    assert fails(s, "swilk")[1] in (100, 198)


@pytest.mark.parametrize("n", [8, 20, 73, 500, 4000])
def test_sktest_matches_scipy_dagostino(n: int) -> None:
    rng = np.random.default_rng(n)
    x = rng.gamma(8.0, size=n)
    s = Session()
    s.data = Dataset.from_dataframe(pd.DataFrame({"x": x}))
    run(s, "sktest x, noadjust")
    assert s.r["P_skew"] == pytest.approx(stats.skewtest(x).pvalue, rel=1e-9)
    assert s.r["P_kurt"] == pytest.approx(stats.kurtosistest(x).pvalue, rel=1e-9)
    assert s.r["chi2"] == pytest.approx(stats.normaltest(x).statistic, rel=1e-9)
    assert s.r["P_chi2"] == pytest.approx(stats.normaltest(x).pvalue, rel=1e-9)
    unadjusted = s.r["P_chi2"]
    run(s, "sktest x")
    # Royston's adjustment leaves the marginal tests alone and matters less as n grows
    assert s.r["P_skew"] == pytest.approx(stats.skewtest(x).pvalue, rel=1e-9)
    if s.r["P_chi2"] > 0:
        assert s.r["chi2"] == pytest.approx(-2 * np.log(s.r["P_chi2"]), rel=1e-9)
    else:  # sktest.ado's 1 - normal(z) underflows: the adjusted chi2 is missing
        assert np.isnan(s.r["chi2"])
    if n >= 500:
        assert s.r["P_chi2"] == pytest.approx(unadjusted, abs=0.02)


def test_sktest_layout_weights_and_small_samples() -> None:
    rng = np.random.default_rng(120)
    x = rng.normal(size=120)
    s = Session()
    s.data = Dataset.from_dataframe(pd.DataFrame({"u_hat": x, "f": np.tile([1, 2, 3], 40)}))
    out = run(s, "sktest u_hat")
    lines = out.strip("\n").splitlines()
    assert lines[0] == " " * 20 + "Skewness/Kurtosis tests for Normality"
    assert lines[1] == " " * 58 + "------ joint ------"
    assert lines[2] == (
        "    Variable |        Obs  Pr(Skewness)  Pr(Kurtosis) adj chi2(2)   Prob>chi2"
    )
    r = s.r
    # column positions of a published Stata log row
    # "       u_hat |        120     0.8841        0.1027        2.74         0.2539"
    assert lines[4] == (
        f"       u_hat |        120     {r['P_skew']:.4f}        {r['P_kurt']:.4f}"
        f"   {r['chi2']:9.2f}         {r['P_chi2']:.4f}"
    )
    run(s, "sktest u_hat [fw=f]")
    xw = np.repeat(x, np.tile([1, 2, 3], 40))
    assert s.r["P_skew"] == pytest.approx(stats.skewtest(xw).pvalue, rel=1e-9)
    assert s.r["N"].values[0, 0] == 240
    run(s, "sktest u_hat in 1/7")
    assert np.isnan(s.r["P_chi2"])
