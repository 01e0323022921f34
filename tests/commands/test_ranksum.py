"""``ranksum`` ([R] ranksum): z and its p-value against scipy's Mann–Whitney test (tie
correction, no continuity correction); the exact p-value against scipy's exact distribution
without ties and against enumerating every split of a small tied sample; the layout of a
printed Stata 17 log."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayes_magic.commands.ranksum import exact_rank_sum_p
from bayes_magic.dataset.dataset import Dataset
from bayes_magic.session import Session
from tests.conftest import col, fails, run


def test_normal_approximation_matches_scipy() -> None:
    s = Session()
    out = run(s, "use math\nranksum math, by(schtype)")
    y, g = col(s, "math"), col(s, "schtype")
    ref = stats.mannwhitneyu(y[g == 0], y[g == 1], use_continuity=False, method="asymptotic")
    assert s.r["p"] == pytest.approx(ref.pvalue, rel=1e-9)
    U = s.r["sum_obs"] - s.r["N_1"] * (s.r["N_1"] + 1) / 2
    assert pytest.approx(ref.statistic) == U
    assert "Exact prob" not in out  # 519 observations: beyond Stata's default of 200
    lines = out.strip("\n").splitlines()
    assert lines[0] == "Two-sample Wilcoxon rank-sum (Mann–Whitney) test"
    assert lines[2] == "     schtype |      Obs    Rank sum    Expected"
    assert lines[-3] == "H0: math(schtype==0) = math(schtype==1)"
    assert lines[-2].startswith("         z =  ") and lines[-1].startswith("Prob > |z| = ")


def test_exact_p_without_ties_matches_scipy() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(0.5, 1, 9), rng.normal(0, 1, 12)
    ranks = stats.rankdata(np.concatenate([a, b]))
    got = exact_rank_sum_p(ranks, 9, float(ranks[:9].sum()))
    ref = stats.mannwhitneyu(a, b, method="exact").pvalue
    assert got == pytest.approx(ref, rel=1e-9)


def test_exact_p_with_ties_matches_enumeration() -> None:
    y = np.array([1, 2, 2, 3, 3, 3, 4, 5, 5, 6.0])
    ranks = stats.rankdata(y)
    first = np.array([0, 3, 6, 7])
    t = ranks[first].sum()
    E = 4 * 11 / 2
    sums = [ranks[list(c)].sum() for c in itertools.combinations(range(10), 4)]
    want = np.mean([abs(x - E) >= abs(t - E) - 1e-9 for x in sums])
    assert exact_rank_sum_p(ranks, 4, float(t)) == pytest.approx(want, rel=1e-12)
    s = Session()
    g = np.zeros(10)
    g[first] = 0
    g[np.setdiff1d(np.arange(10), first)] = 1
    s.data = Dataset.from_dataframe(pd.DataFrame({"y": y, "g": g}))
    out = run(s, "ranksum y, by(g) porder")
    assert s.r["p_exact"] == pytest.approx(want, rel=1e-12)
    assert f"Exact prob = {want:.4f}" in out
    assert "P{y(g==0) > y(g==1)} = " in out


def test_bad_input() -> None:
    s = Session()
    run(s, "use math")
    assert fails(s, "ranksum math")[1] == 198
    assert fails(s, "ranksum math, by(homework)")[1] == 420
    assert fails(s, "ranksum math if schtype == 0, by(schtype)")[1] == 420
