"""``oneway`` ([R] oneway) against scipy's ``f_oneway`` and ``bartlett``; frequency weights
as the expanded data; the table's layout; bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.conftest import col, fails, run


def test_anova_and_bartlett() -> None:
    s = Session()
    out = run(s, "use math\noneway math homework, tabulate")
    y, g = col(s, "math"), col(s, "homework")
    groups = [y[g == v] for v in np.unique(g)]
    F, _p = stats.f_oneway(*groups)
    assert s.r["F"] == pytest.approx(F, rel=1e-10)
    assert s.r["df_m"] == len(groups) - 1 and s.r["df_r"] == len(y) - len(groups)
    chi2, _pb = stats.bartlett(*groups)
    assert s.r["chi2bart"] == pytest.approx(chi2, rel=1e-10)
    assert "Analysis of variance" in out and f"{F:.2f}" in out
    assert f"Bartlett's equal-variances test: chi2({len(groups) - 1}) =" in out
    assert "    homework |" in out or "homework |" in out


def test_weights_and_bad_input() -> None:
    s = Session()
    run(s, "use math\ngenerate w = 1 + mod(_n, 3)\noneway math schtype [fw=w]")
    F = s.r["F"]
    run(s, "expand w\noneway math schtype")
    assert s.r["F"] == pytest.approx(F, rel=1e-10)
    assert fails(s, "oneway math") == ("too few variables specified", 102)


#: Field's libido-by-dose data and the Bonferroni and Scheffe tables of a published Stata log
_LIBIDO = """clear
input libido dose
3 3
2 3
1 3
1 3
4 3
5 2
2 2
4 2
2 2
3 2
7 1
4 1
5 1
3 1
6 1
end
label define d 1 "HighDose" 2 "LowDose" 3 "Placebo"
label values dose d"""

_BONFERRONI = """
                         Comparison of libido by dose
                                (Bonferroni)
Row Mean-|
Col Mean |   HighDose    LowDose
---------+----------------------
 LowDose |       -1.8
         |      0.196
         |
 Placebo |       -2.8         -1
         |      0.025      0.845"""

_SCHEFFE = """
                         Comparison of libido by dose
                                  (Scheffe)
Row Mean-|
Col Mean |   HighDose    LowDose
---------+----------------------
 LowDose |       -1.8
         |      0.170
         |
 Placebo |       -2.8         -1
         |      0.027      0.547"""


def test_multiple_comparisons_match_a_published_table() -> None:
    s = Session()
    run(s, _LIBIDO)
    out = run(s, "oneway libido dose, bonferroni scheffe")
    assert _BONFERRONI in out and _SCHEFFE in out


def test_sidak_and_column_panels() -> None:
    """Šidák's p is 1 - (1 - p)^m from the pooled t; more than seven groups wrap into panels
    of six columns."""
    s = Session()
    run(s, _LIBIDO)
    out = run(s, "oneway libido dose, sidak noanova")
    y = {1: [7, 4, 5, 3, 6], 2: [5, 2, 4, 2, 3], 3: [3, 2, 1, 1, 4]}
    mse = sum(((np.array(v) - np.mean(v)) ** 2).sum() for v in y.values()) / 12
    t = (np.mean(y[3]) - np.mean(y[1])) / np.sqrt(mse * 2 / 5)
    p = 1 - (1 - 2 * stats.t.sf(abs(t), 12)) ** 3
    assert f" Placebo |       -2.8         -1\n         |{p:>11.3f}" in out
    run(s, "use math, clear\ngenerate g = mod(_n, 9)")
    out = run(s, "oneway math g, bonferroni noanova")
    head = [ln for ln in out.splitlines() if ln.startswith("Col Mean |")]
    assert len(head) == 2 and head[1].split("|")[1].split() == ["6", "7"]
