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
