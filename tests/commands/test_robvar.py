"""``robvar`` ([R] sdtest): W0 and W50 against scipy's Levene test (centre mean and median);
W10 against the trimmed-mean definition of robvar.ado (the mean of the values between the
10th and 90th percentiles); the layout of its lines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayes_magic.dataset.dataset import Dataset
from bayes_magic.session import Session
from tests.conftest import col, fails, run


def test_robvar_matches_scipy_levene() -> None:
    s = Session()
    run(s, "sysuse exam, clear")
    out = run(s, "robvar normexam if school < 6, by(school)")
    y, g = col(s, "normexam"), col(s, "school")
    groups = [y[g == k] for k in range(1, 6)]
    assert s.r["w0"] == pytest.approx(stats.levene(*groups, center="mean").statistic, rel=1e-10)
    assert s.r["p_w0"] == pytest.approx(stats.levene(*groups, center="mean").pvalue, rel=1e-9)
    assert s.r["w50"] == pytest.approx(stats.levene(*groups, center="median").statistic)
    assert (s.r["df_1"], s.r["df_2"], s.r["N"]) == (4, sum(map(len, groups)) - 5, 294)
    assert "Summary of Normalized exam score (GCSE)" in out
    lines = out.strip("\n").splitlines()
    assert lines[-5].startswith("W0  = ") and "   df(4, 289)     Pr > F = 0." in lines[-5]
    assert lines[-1].startswith("W10 = ")
    assert not s.data.changed and "__robvar_touse" not in s.data.varnames


def _pct(xi: np.ndarray, p: float) -> float:
    """Stata's percentile of sorted values (summarize's definition)."""
    P = len(xi) * p / 100
    i = int(np.ceil(P)) - 1
    return (xi[i] + xi[i + 1]) / 2 if int(P) == P else xi[i]


def test_w10_trimmed_centre() -> None:
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(0, 1, 40), rng.standard_t(2, 37)])
    g = np.repeat([1, 2], [40, 37])
    s = Session()
    s.data = Dataset.from_dataframe(pd.DataFrame({"x": x, "g": g}))
    run(s, "robvar x, by(g)")
    z = []
    for k in (1, 2):
        xi = np.sort(x[g == k])

        c = xi[(xi >= _pct(xi, 10)) & (xi <= _pct(xi, 90))].mean()
        z.append(np.abs(x[g == k] - c))
    ref = stats.f_oneway(*z)  # Levene's W is the one-way F of the |deviations|
    assert s.r["w10"] == pytest.approx(ref.statistic, rel=1e-10)
    assert s.r["p_w10"] == pytest.approx(ref.pvalue, rel=1e-9)


def test_robvar_errors() -> None:
    s = Session()
    run(s, "sysuse exam, clear")
    assert fails(s, "robvar normexam")[1] == 198
    assert fails(s, "robvar sex, by(school)")[1] == 109
    assert fails(s, "robvar normexam if school == 1, by(school)")[1] == 420
