"""``contrast`` ([R] contrast): the joint test of a factor's asbalanced margins is, after
``anova``, its partial (type III) F, computed there by another route (the rise in the residual
sum of squares); the operators' contrasts are the differences of ``margins``'s estimates; after
``logit`` the χ² of one binary factor is its Wald test."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


def _two_way() -> Session:
    s = Session()
    run(s, "use math\ngenerate hw3 = min(homework, 3)\nquietly anova math hw3##schtype")
    return s


def test_joint_test_is_anovas_partial_f() -> None:
    s = _two_way()
    F_anova = [s.e.scalars[f"F_{k}"] for k in (1, 2, 3)]
    run(s, "contrast hw3")
    assert s.r["F"].values[0, 0] == pytest.approx(F_anova[0], rel=1e-8)
    assert s.r["df"].values[0, 0] == 3 and s.r["df_r"] == s.e.scalars["df_r"]
    run(s, "contrast schtype")
    assert s.r["F"].values[0, 0] == pytest.approx(F_anova[1], rel=1e-8)


def test_operators_are_differences_of_the_margins() -> None:
    s = _two_way()
    run(s, "quietly margins hw3, asbalanced")
    m = s.r["b"].values[0]
    cases = {
        "r": [m[1] - m[0], m[2] - m[0], m[3] - m[0]],
        "ar": [m[1] - m[0], m[2] - m[1], m[3] - m[2]],
        "a": [m[0] - m[1], m[1] - m[2], m[2] - m[3]],
        "g": list(m - m.mean()),
        "h": [m[0] - m[1:].mean(), m[1] - m[2:].mean(), m[2] - m[3]],
        "j": [m[1] - m[0], m[2] - m[:2].mean(), m[3] - m[:3].mean()],
    }
    for op, want in cases.items():
        out = run(s, f"contrast {op}.hw3")
        assert np.allclose(s.r["b"].values[0], want, rtol=1e-9), op
        # every operator's joint test is the same hypothesis
        assert s.r["F"].values[0, -1] == pytest.approx(s.e.scalars["F_1"], rel=1e-8), op
    assert "   (1 vs 0)  |          1" in run(s, "contrast r.hw3")
    assert " Denominator |        511" in out


def test_after_logit_chi2_is_the_wald_test() -> None:
    s = Session()
    run(s, "use hospital\nquietly logit hosp i.dropout\ntest 1.dropout")
    chi2 = s.r["chi2"]
    out = run(s, "contrast dropout")
    assert s.r["chi2"].values[0, 0] == pytest.approx(chi2, rel=1e-6)
    assert "|         df        chi2     P>chi2" in out and "Denominator" not in out


def test_bad_input() -> None:
    s = _two_way()
    assert fails(s, "contrast p.hw3")[1] == 198
    assert fails(s, "contrast hw3, post")[1] == 198
    assert fails(s, "contrast nosuch")[1] in (111, 322)
