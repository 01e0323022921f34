"""testparm, equal ([R] test; testparm.ado tests each coefficient equal to the first),
against statsmodels' f_test, which nobody here wrote (a new-user trial found equal ignored)."""

from __future__ import annotations

import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run

smf = pytest.importorskip("statsmodels.formula.api")


def test_equal_against_statsmodels() -> None:
    s = Session()
    run(s, "use exam\nencode intake, generate(vrn)\ngenerate z = standlrt^2")
    df = s.data.to_dataframe()
    out = run(s, "quietly regress normexam standlrt schavg z\ntestparm standlrt schavg z, equal")
    ref = smf.ols("normexam ~ standlrt + schavg + z", df).fit()
    f = ref.f_test("standlrt = schavg, standlrt = z")
    assert s.r["F"] == pytest.approx(float(f.fvalue), rel=1e-8)
    assert s.r["p"] == pytest.approx(float(f.pvalue), rel=1e-6)
    assert (s.r["df"], s.r["df_r"]) == (2, len(df) - 4)
    assert " ( 1)  - standlrt + schavg = 0" in out
    F = s.r["F"]
    out = run(s, "test standlrt = schavg = z")  # [R] test: exp=exp=exp, jointly
    assert s.r["F"] == pytest.approx(F, rel=1e-10) and " ( 2)  standlrt - z = 0" in out
    run(s, "quietly regress normexam standlrt i.vrn\ntestparm i.vrn, equal")
    ref = smf.ols("normexam ~ standlrt + C(vrn)", df).fit()
    names = [n for n in ref.params.index if n.startswith("C(vrn)")]
    f = ref.f_test(f"{names[0]} = {names[1]}")
    assert s.r["F"] == pytest.approx(float(f.fvalue), rel=1e-8) and s.r["df"] == 1
    assert fails(s, "testparm standlrt, equal") == ("too few variables specified", 102)


def test_interaction_base_cells_are_hidden_unless_allbaselevels() -> None:
    """Stata shows an interaction's estimated cells only; its base cells with allbaselevels
    (main effects keep their base rows); a new-user trial found 1#1 0 (base) rows."""
    s = Session()
    run(s, "use exam\nencode intake, generate(vrn)\nencode sex, generate(g)")
    out = run(s, "regress normexam i.vrn##i.g")
    assert "mid 50%#M  |" in out and "mid 50%#F  |" not in out
    assert "          F  |          0  (base)" in out  # the main effect's base level
    assert "mid 50%#F  |          0  (base)" in run(s, "regress, allbaselevels")


def test_interaction_base_shown_without_main_effects() -> None:
    """i.a#i.b alone: the base cell is not implied by main effects, so it stays (code review)."""
    s = Session()
    run(s, "use exam\nencode intake, generate(vrn)\nencode sex, generate(g)")
    out = run(s, "regress normexam i.vrn#i.g")
    assert "(base)" in out.split("vrn#g |")[1]
