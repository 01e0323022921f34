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
    # the by() column is as wide as the longest label (Private) or the name (tabstat.ado)
    assert lines[3] == "schtype |      math  homework"
    assert lines[5].startswith("Private |   56.4901")
    # several statistics per group: a rule between the groups
    assert lines[4 + 7 + 1] == "--------+--------------------"


def test_columns_statistics_and_weights(math_session) -> None:
    s = math_session
    out = run(s, "tabstat math homework, s(mean max) c(s)").splitlines()
    # Stata 17: "    Variable |      Mean        SD" (a 12-column stub, varwidth())
    assert out[0] == "    Variable |      Mean       Max"
    assert out[2] == f"        math |  {col(s, 'math').mean():8.7g}        71"
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
        ("tabstat math, columns(foo)", 198),
        ("tabstat math if math > 1000", 2000),
        ("tabstat", 100),
    ],
)
def test_bad_input(math_session, text, rc) -> None:
    assert fails(math_session, text)[1] == rc


def test_layouts_follow_tabstat_ado(math_session) -> None:
    """The rules of Stata's tabstat.ado (version 2.9.1), as Stata 17 logs show them (code
    index: ``tabstat price, by(foreign)``; ``tabstat price mpg weight, by(foreign)
    statistics(mean sd min max n) columns(statistics)``; ``tabstat eta_*, stat(mean)
    by(brand)``): one variable puts its statistics across; one row per group gets no rule
    between the groups, only before Total; columns(statistics) with by() lists each group's
    variables under its label."""
    s = math_session
    one = run(s, "tabstat math, by(schtype)").splitlines()
    assert one[:5] == [
        "Summary for variables: math",
        "Group variable: schtype (School type)",
        "",
        "schtype |      Mean",
        "--------+----------",
    ]
    assert [ln[:8] for ln in one[5:9]] == ["Private ", " Public ", "--------", "  Total "]
    assert one[-1] == "-" * 19
    two = run(s, "tabstat math homework, by(schtype) stats(mean sd n) columns(statistics)")
    lines = two.splitlines()
    assert lines[0] == "Summary for variables: math homework"
    assert lines[3] == "schtype |      Mean        SD         N"
    assert lines[5].startswith("Private |") and lines[6].startswith("        |")
    assert lines[7] == "--------+------------------------------"
    nosep = run(s, "tabstat math homework, by(schtype) stats(mean sd) noseparator").splitlines()
    assert sum(ln.startswith("--------+") for ln in nosep) == 2  # under the header, before Total
    long_ = run(s, "tabstat math homework, by(schtype) stats(mean sd) longstub").splitlines()
    assert long_[0] == "schtype    Stats |      math  homework"
    assert long_[2] == "Private     Mean |" + long_[2].split("|", 1)[1]
