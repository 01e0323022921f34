"""``signrank``, ``signtest`` and ``kwallis`` ([R] signrank, [R] kwallis).

z and its p-value against scipy's Wilcoxon test with Pratt's treatment of zeros (Stata ranks
the zeros and then leaves their ranks out of the sums); the exact p-value against enumerating
every sign pattern of a small sample with ties and zeros; the sign test against scipy's
binomial test; Kruskal–Wallis against scipy's (tie-corrected) statistic and, on untied data,
the uncorrected one. Layouts are those of Stata's ado-files for the three commands.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayes_magic.commands.nonparametric import signed_rank_exact
from bayes_magic.dataset.dataset import Dataset
from bayes_magic.session import Session
from tests.conftest import col, fails, run

# twelve matched pairs with ties and one zero difference
_A = [20, 23, 21, 25, 18, 17, 18, 24, 20, 24, 23, 19]
_B = [24, 25, 21, 22, 23, 18, 17, 28, 24, 27, 21, 23]


def _pairs() -> Session:
    s = Session()
    s.data = Dataset.from_dataframe(pd.DataFrame({"a": _A, "b": _B}))
    return s


def _enumerate(d: np.ndarray) -> tuple[float, float, float]:
    """P(|S| >= |s|), P(S <= s), P(S >= s) over all 2^n sign patterns of the nonzero
    differences' ranks (ranks taken with the zeros included, as Stata does)."""
    ranks = stats.rankdata(np.abs(d))
    nz = d != 0
    r = ranks[nz]
    s_obs = float((np.sign(d[nz]) * r).sum())
    sums = np.array([np.dot(signs, r) for signs in itertools.product((-1, 1), repeat=len(r))])
    tol = 1e-9
    return (
        float(np.mean(np.abs(sums) >= abs(s_obs) - tol)),
        float(np.mean(sums <= s_obs + tol)),
        float(np.mean(sums >= s_obs - tol)),
    )


def test_signrank_matches_scipy_pratt_and_enumeration() -> None:
    s = _pairs()
    out = run(s, "signrank a = b")
    d = np.array(_A, float) - np.array(_B, float)
    ref = stats.wilcoxon(d, zero_method="pratt", correction=False, method="approx")
    assert s.r["p"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert abs(s.r["z"]) == pytest.approx(abs(ref.zstatistic), rel=1e-9)
    assert s.r["z"] < 0  # more negative than positive ranks
    two, lo, up = _enumerate(d)
    assert s.r["p_exact"] == pytest.approx(two, abs=1e-12)
    assert s.r["p_l_exact"] == pytest.approx(lo, abs=1e-12)
    assert s.r["p_u_exact"] == pytest.approx(up, abs=1e-12)
    assert (s.r["N_pos"], s.r["N_neg"], s.r["N_tie"], s.r["N"]) == (3, 8, 1, 12)
    assert s.r["sum_pos"] + s.r["sum_neg"] == 78 - 1  # the zero's rank 1 is left out
    lines = out.strip("\n").splitlines()
    assert lines[:4] == [
        "Wilcoxon signed-rank test",
        "",
        "        sign |      obs   sum ranks    expected",
        "-------------+---------------------------------",
    ]
    assert lines[4] == "    positive |        3        13.5        38.5"
    assert lines[7] == "-------------+---------------------------------"
    assert lines[8] == "         all |       12          78          78"
    assert "adjustment for zeros      -0.25" in lines
    assert lines[-4] == "Ho: a = b"
    assert lines[-3] == f"             z = {s.r['z']:7.3f}"
    assert lines[-1] == f"    Exact Prob = {s.r['p_exact']:8.4f}"


def test_signrank_exact_dp_against_enumeration_random() -> None:
    rng = np.random.default_rng(3)
    for _ in range(5):
        d = rng.integers(-4, 5, size=11).astype(float)
        ranks = stats.rankdata(np.abs(d))
        nz = d != 0
        s_obs = float((np.sign(d[nz]) * ranks[nz]).sum())
        got = signed_rank_exact(ranks[nz], s_obs)
        assert got == pytest.approx(_enumerate(d), abs=1e-12)


def test_signrank_against_a_constant_and_exact_options() -> None:
    s = _pairs()
    run(s, "signrank a = 20")
    d = np.array(_A, float) - 20
    ref = stats.wilcoxon(d, zero_method="pratt", correction=False, method="approx")
    assert s.r["p"] == pytest.approx(ref.pvalue, rel=1e-9)
    out = run(s, "signrank a = b, noexact")
    assert "Exact" not in out and "p_exact" not in s.r
    _msg, rc = fails(s, "signrank a = b, exact noexact")
    assert rc == 184


def test_signrank_large_sample_note_and_exact() -> None:
    rng = np.random.default_rng(1)
    s = Session()
    s.data = Dataset.from_dataframe(pd.DataFrame({"x": rng.normal(0.1, 1, 250).round(1)}))
    out = run(s, "signrank x = 0")
    assert "Exact p-value is not computed by default for sample sizes > 200." in out
    run(s, "signrank x = 0, exact")
    # beyond 200 pairs the exact and normal p-values agree closely
    assert s.r["p_exact"] == pytest.approx(s.r["p"], abs=0.01)


def test_signtest_matches_binomial() -> None:
    s = _pairs()
    out = run(s, "signtest a = b")
    assert s.r["p"] == pytest.approx(stats.binomtest(3, 11, 0.5).pvalue, rel=1e-9)
    assert s.r["p_u"] == pytest.approx(stats.binomtest(3, 11, 0.5, "greater").pvalue)
    assert s.r["p_l"] == pytest.approx(stats.binomtest(8, 11, 0.5, "greater").pvalue)
    assert "  Ha: median of a - b != 0" in out
    assert "      Pr(#positive >= 8 or #negative >= 8) =" in out
    assert f"min(1, 2*Binomial(n = 11, x >= 8, p = 0.5)) = {s.r['p']:7.4f}" in out
    out = run(s, "signtest a = 0")
    assert "  Ho: median of a = 0 vs." in out


def test_kwallis_matches_scipy() -> None:
    s = Session()
    run(s, "sysuse exam, clear")
    out = run(s, "kwallis normexam if school <= 7, by(school)")
    y, g = col(s, "normexam"), col(s, "school")
    groups = [y[g == k] for k in range(1, 8)]
    assert s.r["chi2_adj"] == pytest.approx(stats.kruskal(*groups).statistic, rel=1e-10)
    assert s.r["df"] == 6
    lines = out.strip("\n").splitlines()
    assert lines[0] == "Kruskal-Wallis equality-of-populations rank test"
    assert lines[3] == "  | school | Obs | Rank Sum |"
    assert lines[4] == "  |--------+-----+----------|"
    assert lines[10] == lines[4]  # the rule after the fifth group
    assert lines[-2] == f"chi-squared with ties = {s.r['chi2_adj']:9.3f} with 6 d.f."
    assert lines[-1] == "probability =     0.0001"  # Stata shows p below 1e-4 as 0.0001


def test_kwallis_without_ties_and_string_groups() -> None:
    rng = np.random.default_rng(2)
    y = rng.normal(size=30)
    g = np.repeat(["c", "a", "b"], 10)
    s = Session()
    s.data = Dataset.from_dataframe(pd.DataFrame({"y": y, "grp": g}))
    out = run(s, "kwallis y, by(grp)")
    H = stats.kruskal(*(y[g == k] for k in "abc")).statistic
    assert s.r["chi2"] == pytest.approx(H, rel=1e-10)
    assert s.r["chi2_adj"] == pytest.approx(H, rel=1e-10)
    assert f"probability = {stats.chi2.sf(H, 2):10.4f}" in out
    assert "  | a   | " in out  # strings left-aligned, in sorted order


def test_errors_leave_data_alone() -> None:
    s = _pairs()
    before = s.data.df.copy()
    assert fails(s, "signrank a")[1] == 198
    assert fails(s, "signrank a b = 0")[1] == 103
    assert fails(s, "kwallis a")[1] == 198
    run(s, "generate one = 1")
    assert fails(s, "kwallis a, by(one)") == ("at least two populations are required", 498)
    run(s, "drop one")
    pd.testing.assert_frame_equal(s.data.df, before)


def test_by_prefix() -> None:
    s = _pairs()
    run(s, "generate half = _n > 6")
    out = run(s, "by half, sort: signrank a = b")
    assert out.count("Wilcoxon signed-rank test") == 2
    assert s.r["N"] == 6
