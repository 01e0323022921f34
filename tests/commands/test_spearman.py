"""``spearman`` ([R] spearman): rho and its p-value against scipy's ``spearmanr`` (ranks with
ties averaged, the t test on N−2 degrees of freedom); casewise and ``pw`` samples; the two
layouts of Stata's spearman.ado."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayes_magic.dataset.dataset import Dataset
from bayes_magic.session import Session
from tests.conftest import fails, run


def _data() -> Session:
    rng = np.random.default_rng(11)
    x = rng.integers(0, 8, 60).astype(float)  # ties
    y = x + rng.normal(0, 3, 60)
    z = rng.normal(size=60)
    z[:7] = np.nan
    s = Session()
    s.data = Dataset.from_dataframe(pd.DataFrame({"x": x, "y": y, "z": z}))
    return s


def test_two_variables() -> None:
    s = _data()
    out = run(s, "spearman x y")
    d = s.data.df
    ref = stats.spearmanr(d["x"], d["y"])
    assert s.r["rho"] == pytest.approx(ref.statistic, rel=1e-12)
    assert s.r["p"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert out.strip("\n").splitlines() == [
        f" Number of obs = {60:7.0f}",
        f"Spearman's rho = {ref.statistic:12.4f}",
        "",
        "Test of Ho: x and y are independent",
        f"    Prob > |t| = {ref.pvalue:12.4f}",
    ]


def test_matrix_casewise_and_pairwise() -> None:
    s = _data()
    d = s.data.df
    out = run(s, "spearman x y z, stats(rho p) bonferroni")
    ok = d["z"].notna()
    ref = stats.spearmanr(d.loc[ok, "x"], d.loc[ok, "z"])
    assert s.r["Rho"].values[2, 0] == pytest.approx(ref.statistic, rel=1e-12)
    assert s.r["P"].values[2, 0] == pytest.approx(min(1, 3 * ref.pvalue), rel=1e-9)
    assert s.r["Nobs"].values[1, 0] == 53  # casewise: z's missing drop the row everywhere
    assert "             |        x        y        z" in out
    run(s, "spearman x y z, pw")
    assert s.r["Nobs"].values[1, 0] == 60
    assert s.r["Rho"].values[1, 0] == pytest.approx(stats.spearmanr(d["x"], d["y"]).statistic)


def test_errors() -> None:
    s = _data()
    assert fails(s, "spearman x")[1] == 102
    assert fails(s, "spearman x y z, bonferroni sidak")[1] == 198
    assert fails(s, "spearman x y, stats(tau)")[1] == 198


def test_ktau_two_variables_against_pair_counts_and_scipy() -> None:
    s = _data()
    d = s.data.df
    out = run(s, "ktau x y")
    x, y = d["x"].to_numpy(), d["y"].to_numpy()
    i, j = np.triu_indices(len(x), 1)
    score = float(np.sum(np.sign(x[i] - x[j]) * np.sign(y[i] - y[j])))
    n = len(x)
    assert s.r["score"] == score
    assert s.r["tau_a"] == pytest.approx(2 * score / (n * (n - 1)))
    assert s.r["tau_b"] == pytest.approx(stats.kendalltau(x, y).statistic, rel=1e-12)
    # scipy's asymptotic test is z = S/se without the continuity correction: recover se
    z = stats.norm.isf(stats.kendalltau(x, y, method="asymptotic").pvalue / 2)
    assert s.r["se_score"] == pytest.approx(abs(score) / z, rel=1e-8)
    assert s.r["p"] == pytest.approx(2 * stats.norm.sf((abs(score) - 1) / s.r["se_score"]))
    assert "    SE of score = " in out and "(corrected for ties)" in out
    assert out.strip("\n").splitlines()[-1].endswith("  (continuity corrected)")


def test_ktau_matrix() -> None:
    s = _data()
    d = s.data.df
    out = run(s, "ktau x y z, stats(taub p) pw")
    ok = d["z"].notna()
    ref = stats.kendalltau(d.loc[ok, "y"], d.loc[ok, "z"]).statistic
    assert s.r["Tau_b"].values[2, 1] == pytest.approx(ref, rel=1e-12)
    assert s.r["Nobs"].values[1, 0] == 60 and s.r["Nobs"].values[2, 0] == 53
    assert "(obs=varies)" in out
    assert "             |          x          y          z" in out
