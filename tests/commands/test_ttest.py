"""``ttest`` ([R] ttest) against scipy: one-sample, paired and two-sample (pooled and
Satterthwaite) t statistics, degrees of freedom and p-values; Welch's degrees of freedom by
their formula; Stata's layout; bad input."""

from __future__ import annotations

import pytest
from scipy import stats

from tests.conftest import col, fails, run


def test_one_sample_and_paired(math_session) -> None:
    s = math_session
    out = run(s, "ttest math == 50").splitlines()
    ref = stats.ttest_1samp(col(s, "math"), 50)
    assert s.r["t"] == pytest.approx(ref.statistic, rel=1e-12)
    assert s.r["p"] == pytest.approx(ref.pvalue, rel=1e-10) and s.r["df_t"] == 518
    assert out[0] == "One-sample t test"  # the log's blank line comes before it, not the block's
    assert out[2] == (
        "Variable |     Obs        Mean    Std. err.   Std. dev.   [95% conf. interval]"
    )
    assert out[6].endswith(f"t = {ref.statistic:8.4f}")
    run(s, "ttest math == homework")
    ref = stats.ttest_rel(col(s, "math"), col(s, "homework"))
    assert s.r["t"] == pytest.approx(ref.statistic, rel=1e-12)


def test_two_groups(math_session) -> None:
    s = math_session
    y, g = col(s, "math"), col(s, "schtype")
    a, b = y[g == 0], y[g == 1]
    out = run(s, "ttest math, by(schtype)").splitlines()
    ref = stats.ttest_ind(a, b)
    assert s.r["t"] == pytest.approx(ref.statistic, rel=1e-12)
    assert s.r["p"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert out[4].startswith(" Private |     202") and out[7].startswith("Combined |     519")
    run(s, "ttest math, by(schtype) unequal")
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert s.r["t"] == pytest.approx(ref.statistic, rel=1e-12)
    assert s.r["p"] == pytest.approx(ref.pvalue, rel=1e-10)
    run(s, "ttest math, by(schtype) welch")
    v1, v2 = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = -2 + (v1 + v2) ** 2 / (v1**2 / (len(a) + 1) + v2**2 / (len(b) + 1))
    assert s.r["df_t"] == pytest.approx(df, rel=1e-12)
    run(s, "ttest math == homework, unpaired")
    ref = stats.ttest_ind(y, col(s, "homework"))
    assert s.r["t"] == pytest.approx(ref.statistic, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "rc"),
    [
        ("ttest math", 198),
        ("ttest math, by(schid)", 420),
        ("ttest nosuch == 1", 111),
        ("ttest math == 1, by(schtype)", 198),
    ],
)
def test_bad_input(math_session, text, rc) -> None:
    assert fails(math_session, text)[1] == rc
