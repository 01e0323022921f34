"""``pwcompare`` ([R] pwcompare): pairwise comparisons of asbalanced margins. After a one-way
model the margins are the group means, so Tukey's comparisons must equal statsmodels'
``pairwise_tukeyhsd`` and the Bonferroni, Šidák and Scheffé ones ``oneway``'s (checked against a
published Stata log in test_oneway); the layout follows Stata 17's printed tables."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run

mc = pytest.importorskip("statsmodels.stats.multicomp")


def _one_way() -> Session:
    s = Session()
    run(s, "use math\ngenerate hw3 = min(homework, 3)\nquietly anova math hw3")
    return s


def test_tukey_matches_statsmodels() -> None:
    s = _one_way()
    run(s, "pwcompare hw3, mcompare(tukey) effects")
    ref = mc.pairwise_tukeyhsd(col(s, "math"), col(s, "hw3"))
    T = s.r["table_vs"].values  # rows b se t pvalue ll ul; a column per comparison
    assert s.r["table_vs"].colnames[:3] == ["1 vs 0", "2 vs 0", "3 vs 0"]
    assert np.allclose(T[0], ref.meandiffs, rtol=1e-10)
    assert np.allclose(T[3], ref.pvalues, atol=2e-5)  # statsmodels' own range approximation
    assert np.allclose(T[4:6].T, ref.confint, rtol=1e-4)


def test_bonferroni_sidak_scheffe_match_oneway() -> None:
    s = _one_way()
    for method in ("bonferroni", "sidak", "scheffe"):
        one = run(s, f"oneway math hw3, {method} noanova")
        run(s, f"pwcompare hw3, mcompare({method}) effects")
        T = s.r["table_vs"].values
        prow = [ln for ln in one.splitlines() if ln.startswith(" " * 9 + "|")]
        ps = [float(t) for ln in prow for t in ln.split("|")[1].split()]
        # oneway's table is by rows (row mean - column mean), pwcompare's by reference level
        order = {
            (j, i): k for k, (j, i) in enumerate((j, i) for i in range(4) for j in range(i + 1, 4))
        }
        ours = [round(T[3, order[(j, i)]], 3) for j in range(1, 4) for i in range(j)]
        assert ours == ps, method


def test_layout_and_stored_results() -> None:
    s = _one_way()
    out = run(s, "pwcompare hw3")
    lines = out.strip("\n").splitlines()
    assert lines[:3] == [
        "Pairwise comparisons of marginal linear predictions",
        "",
        "Margins: asbalanced",
    ]
    assert "             |                                 Unadjusted" in lines
    assert "             |   Contrast   Std. err.     [95% conf. interval]" in lines
    assert "         hw3 |" in lines and any(ln.startswith("     3 vs 2  |") for ln in lines)
    out = run(s, "pwcompare hw3, effects mcompare(bonferroni)")
    assert "             |                            Bonferroni           Bonferroni" in out
    assert "         hw3 |            6" in out  # the number of comparisons
    b = s.r["b_vs"].values[0]
    V = s.r["V_vs"].values
    T = s.r["table_vs"].values
    assert np.allclose(np.sqrt(np.diag(V)), T[1]) and np.allclose(b, T[0])


def test_bad_input() -> None:
    s = _one_way()
    assert fails(s, "pwcompare hw3, mcompare(dunnett)")[1] == 198
    assert fails(s, "pwcompare hw3, post")[1] == 198
    assert fails(s, "pwcompare nosuch")[1] == 111


def test_after_logit_compares_log_odds() -> None:
    """The comparisons are of linear predictions: after logit, log odds (z statistics); with
    one factor the contrast is its coefficient."""
    s = Session()
    run(s, "use hospital\nquietly logit hosp i.dropout college\npwcompare dropout, effects")
    names = [n.split(":")[-1] for n in s.e.bnames]
    i = names.index("1.dropout")
    T = s.r["table_vs"]
    assert T.rownames[2] == "z"
    assert T.values[0, 0] == pytest.approx(s.e.b[i], rel=1e-9)
    assert T.values[1, 0] == pytest.approx(np.sqrt(s.e.V[i, i]), rel=1e-6)
