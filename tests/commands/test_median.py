"""``median`` ([R] ranksum): against scipy's ``median_test`` (the same split at the pooled
median, ties below by default or above) without and with the continuity correction, and the
exact p-value against scipy's Fisher test of the 2 × 2 table."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.conftest import col, fails, run


@pytest.fixture(scope="module")
def exam() -> Session:
    s = Session()
    run(s, "sysuse exam, clear")
    return s


@pytest.mark.parametrize("ties", ["below", "above"])
def test_two_groups_match_scipy(exam, ties) -> None:
    out = run(exam, f"median normexam if school < 3, by(school) medianties({ties}) exact")
    y, g = col(exam, "normexam"), col(exam, "school")
    groups = [y[g == 1], y[g == 2]]
    plain = stats.median_test(*groups, ties=ties, correction=False)
    yates = stats.median_test(*groups, ties=ties, correction=True)
    assert exam.r["chi2"] == pytest.approx(plain.statistic, rel=1e-10)
    assert exam.r["p"] == pytest.approx(plain.pvalue, rel=1e-9)
    assert exam.r["chi2_cc"] == pytest.approx(yates.statistic, rel=1e-10)
    assert exam.r["p_exact"] == pytest.approx(stats.fisher_exact(plain.table).pvalue, rel=1e-9)
    assert out.lstrip("\n").startswith("Median test")
    assert "   Continuity corrected:" in out


def test_several_groups_strings_and_drop(exam) -> None:
    before = exam.data.df.copy()
    run(exam, "median normexam if school < 6, by(school) medianties(drop)")
    y, g = col(exam, "normexam"), col(exam, "school")
    groups = [y[g == k] for k in range(1, 6)]
    ref = stats.median_test(*groups, ties="ignore")
    assert exam.r["chi2"] == pytest.approx(ref.statistic, rel=1e-10)
    assert exam.r["groups"] == 5 and "chi2_cc" not in exam.r
    out = run(exam, "median normexam, by(sex)")
    assert "         F          M |" in out
    pd.testing.assert_frame_equal(exam.data.df, before)
    assert not exam.data.changed
    assert fails(exam, "median normexam, by(sex) medianties(split)")[1] == 198
    assert fails(exam, "median normexam if school == 1, by(school)")[1] == 499
