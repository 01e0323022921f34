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
    assert fails(s, "oneway math schtype, bonferroni")[1] == 198
