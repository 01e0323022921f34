"""``tabstat`` ([R] tabstat): statistics against numpy and [R] summarize's percentile formula,
by() groups and the total, columns(statistics), save, frequency weights as the expanded data,
layout, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from tests.commands.test_graphs import stata_pctile
from tests.conftest import col, fails, run


def test_statistics_by_groups(math_session) -> None:
    s = math_session
    out = run(s, "tabstat math homework, by(schtype) stats(mean sd n p25 iqr cv semean) save")
    y, g = col(s, "math"), col(s, "schtype")
    for k, level in ((1, 0), (2, 1)):
        x = y[g == level]
        want = [
            x.mean(),
            x.std(ddof=1),
            len(x),
            stata_pctile(x, 25),
            stata_pctile(x, 75) - stata_pctile(x, 25),
            x.std(ddof=1) / x.mean(),
            x.std(ddof=1) / np.sqrt(len(x)),
        ]
        np.testing.assert_allclose(s.r[f"Stat{k}"].values[:, 0], want, rtol=1e-12)
    np.testing.assert_allclose(s.r["StatTotal"].values[0], [y.mean(), col(s, "homework").mean()])
    assert s.r["name1"] == "Private"
    lines = out.splitlines()
    assert lines[:2] == [
        "Summary statistics: Mean, SD, N, p25, IQR, CV, SE(mean)",
        "Group variable: schtype (School type)",
    ]
    assert lines[3] == " schtype |      math  homework"
    assert lines[5].startswith(" Private |   56.4901")


def test_columns_statistics_and_weights(math_session) -> None:
    s = math_session
    out = run(s, "tabstat math homework, s(mean max) c(s)").splitlines()
    assert out[0] == "Variable |      Mean       Max"
    assert out[2] == f"    math |  {col(s, 'math').mean():8.7g}        71"
    run(s, "generate f = 1 + mod(_n, 3)")
    run(s, "tabstat math [fw=f], stats(mean sd p50) save")
    got = s.r["StatTotal"].values.copy()
    run(s, "expand f")
    run(s, "tabstat math, stats(mean sd p50) save")
    np.testing.assert_allclose(s.r["StatTotal"].values, got, rtol=1e-12)


@pytest.mark.parametrize(
    ("text", "rc"),
    [
        ("tabstat math, stats(foo)", 198),
        ("tabstat math, by(schtype) columns(statistics)", 198),
        ("tabstat math, longstub", 198),
        ("tabstat", 100),
    ],
)
def test_bad_input(math_session, text, rc) -> None:
    assert fails(math_session, text)[1] == rc
