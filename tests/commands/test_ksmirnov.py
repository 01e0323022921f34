"""``ksmirnov`` ([R] ksmirnov): D, D₁, D₂ against scipy's ``ks_2samp`` (two-sided, less and
greater) and ``kstest``; the asymptotic p-value against the Kolmogorov distribution
(``kstwobign``); ``exact`` against scipy's exact two-sample distribution on untied data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayes_magic.dataset.dataset import Dataset
from bayes_magic.session import Session
from tests.conftest import fails, run


def _data(seed: int = 4) -> tuple[Session, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(0.3, 1, 23), rng.normal(0, 1.3, 31)
    s = Session()
    s.data = Dataset.from_dataframe(
        pd.DataFrame({"y": np.r_[a, b], "g": np.repeat([1, 2], [23, 31])})
    )
    return s, a, b


def test_two_sample_matches_scipy() -> None:
    s, a, b = _data()
    out = run(s, "ksmirnov y, by(g) exact")
    assert s.r["D"] == pytest.approx(stats.ks_2samp(a, b).statistic, rel=1e-12)
    # D_1: group 1's distribution function above group 2's (its values smaller)
    assert s.r["D_1"] == pytest.approx(
        stats.ks_2samp(a, b, alternative="greater").statistic, rel=1e-12
    )
    assert -s.r["D_2"] == pytest.approx(
        stats.ks_2samp(a, b, alternative="less").statistic, rel=1e-12
    )
    A = 23 * 31 / 54
    assert s.r["p"] == pytest.approx(stats.kstwobign.sf(np.sqrt(A) * s.r["D"]), abs=1e-9)
    assert s.r["p_exact"] == pytest.approx(stats.ks_2samp(a, b, method="exact").pvalue, rel=1e-6)
    lines = out.strip("\n").splitlines()
    assert lines[0] == "Two-sample Kolmogorov-Smirnov test for equality of distribution functions"
    assert lines[2] == " Smaller group       D       P-value      Exact"
    assert lines[-1].startswith(" Combined K-S:      ")
    assert "Ties" not in out


def test_one_sample_against_kstest() -> None:
    s, _a, _b = _data(7)
    run(s, "ksmirnov y = normal(y)")
    ref = stats.kstest(s.data.values("y"), "norm")
    assert s.r["D"] == pytest.approx(ref.statistic, rel=1e-12)
    assert s.r["group2"] == "Cumulative"


def test_errors_and_ties() -> None:
    s, _, _ = _data()
    assert fails(s, "ksmirnov y, by(g) exact corrected")[1] == 184
    run(s, "replace g = 3 in 1")
    assert fails(s, "ksmirnov y, by(g)")[1] == 450
    assert fails(s, "ksmirnov y")[1] == 198
    run(s, "replace g = 1 in 1\nreplace y = round(y)")
    out = run(s, "ksmirnov y, by(g)")
    assert "Note: Ties exist in combined dataset;" in out
