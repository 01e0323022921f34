"""``bitest`` and ``bitesti`` ([R] bitest): the one- and two-sided p-values against scipy's
``binomtest`` (its two-sided p-value sums the outcomes no more probable than the observed
one, as Stata's opposite tail does), including empty opposite tails; the layout of
bitesti.ado."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayes_magic.dataset.dataset import Dataset
from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.mark.parametrize(
    ("n", "k", "p"),
    [(15, 7, 0.3), (10, 10, 0.5), (20, 0, 0.1), (40, 31, 0.6), (7, 3, 0.5), (100, 2, 0.01)],
)
def test_p_values_match_scipy(n, k, p) -> None:
    s = Session()
    run(s, f"bitesti {n} {k} {p}, detail")
    assert s.r["p"] == pytest.approx(stats.binomtest(k, n, p).pvalue, rel=1e-9)
    assert s.r["p_u"] == pytest.approx(stats.binomtest(k, n, p, "greater").pvalue, rel=1e-9)
    assert s.r["p_l"] == pytest.approx(stats.binomtest(k, n, p, "less").pvalue, rel=1e-9)
    assert s.r["P_k"] == pytest.approx(stats.binom.pmf(k, n, p), rel=1e-12)


def test_layout() -> None:
    s = Session()
    out = run(s, "bitesti 15 7 .3")
    assert out.strip("\n").splitlines() == [
        "        N   Observed k   Expected k   Assumed p   Observed p",
        "-" * 60,
        "       15          7          4.5       0.30000      0.46667",
        "",
        f"  Pr(k >= 7)           = {s.r['p_u']:8.6f}  (one-sided test)",
        f"  Pr(k <= 7)           = {s.r['p_l']:8.6f}  (one-sided test)",
        f"  Pr(k <= 1 or k >= 7) = {s.r['p']:8.6f}  (two-sided test)",
    ]
    out = run(s, "bitesti 20 19 .5")  # symmetric
    assert "Pr(k <= 1 or k >= 19)" in out
    out = run(s, "bitesti 6 5 .1")  # the lower tail is empty
    assert "note: lower tail of two-sided p-value is empty" in out
    assert np.isnan(s.r["k_opp"]) and s.r["p"] == s.r["p_u"]


def test_bitest_on_data_and_weights() -> None:
    s = Session()
    s.data = Dataset.from_dataframe(
        pd.DataFrame({"y": [1, 0, 1, 1, 0, 1, np.nan, 1], "w": [1, 2, 1, 1, 1, 3, 1, 1]})
    )
    out = run(s, "bitest y == .4")
    assert (s.r["N"], s.r["k"]) == (7, 5) and "           y |" in out
    run(s, "bitest y == .4 [fw=w]")
    assert (s.r["N"], s.r["k"]) == (10, 7)
    assert s.r["p"] == pytest.approx(stats.binomtest(7, 10, 0.4).pvalue, rel=1e-9)
    run(s, "replace y = 2 in 1")
    assert fails(s, "bitest y == .4") == ("y is not a 0/1 variable", 450)
    assert fails(s, "bitesti 10 11 .5")[1] == 450
    assert fails(s, "bitesti 10 3 1.5")[1] == 450
