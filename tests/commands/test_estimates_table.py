"""``estimates table`` of several models ([R] estimates table): coefficients merged by
equation with ``_cons`` last, long names abbreviated with ``~``, and ``star()``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture(scope="module")
def two() -> Session:
    s = Session()
    run(s, "use bangladesh")
    run(s, "quietly melogit c_use urban age || district:")
    run(s, "estimates store m1")
    run(s, "quietly melogit c_use urban age i.children || district:")
    run(s, "estimates store m2")
    return s


def _rows(out: str) -> list[str]:
    return [ln.split("|")[0].strip() for ln in out.splitlines() if "|" in ln]


def test_rows_merge_by_equation_with_the_constant_last(two: Session) -> None:
    rows = _rows(run(two, "estimates table m1 m2"))
    assert rows[rows.index("urban") : rows.index("_cons") + 1] == [
        "urban",
        "age",
        "0b.children",
        "1.children",
        "2.children",
        "3.children",
        "_cons",
    ]
    # the variance on two lines, without a "/" heading (Stata 17's estimates table after
    # melogit, grodri.github.io multilevel/hospmle.html: "var(" / "_cons[mot~r])")
    assert rows.index("_cons") < rows.index("var(") < rows.index("_cons[dis~t])")
    assert "/" not in rows


def test_stars_follow_the_normal_p_values(two: Session) -> None:
    out = run(two, "estimates table m1 m2, star")
    assert out.splitlines()[-1].strip() == "Legend: * p<0.05; ** p<0.01; *** p<0.001"
    e = two.estimates["m1"]
    i = e.bnames.index("c_use:age")
    p = 2 * stats.norm.sf(abs(e.b[i] / np.sqrt(e.V[i, i])))
    line = next(ln for ln in out.splitlines() if ln.split("|")[0].strip() == "age")
    m1_cell = line.split("|")[1][:15]
    want = "*" * sum(p < lev for lev in (0.05, 0.01, 0.001))
    assert m1_cell.count("*") == len(want)  # age: p = .095 in m1, no star
    out = run(two, "estimates table m1, star(.1)")
    assert "Legend: * p<0.1" in out
    assert fails(two, "estimates table m1, star se")[1] == 198
    assert fails(two, "estimates table m1, star(2)")[1] == 198


def test_eform_matches_logit_or_and_regress_p_uses_t() -> None:
    """eform: exp(b) and exp(b)·se, as logit, or prints them; after regress p comes from t on
    e(df_r), as regress's own table (a new-user trial found eform refused)."""
    s = Session()
    run(s, "use hospital\nquietly logit hosp loginc distance\nestimates store a")
    out = run(s, "estimates table a, eform se")
    b, V = s.e.b, s.e.V
    rows = out.splitlines()
    assert float(rows[4].split("|")[1]) == pytest.approx(np.exp(b[0]), rel=1e-6)
    assert float(rows[5].split("|")[1]) == pytest.approx(np.exp(b[0]) * np.sqrt(V[0, 0]), rel=1e-5)
    run(s, "use math, clear\nquietly regress math homework\nestimates store r")
    out = run(s, "estimates table r, p")
    t = s.e.b[0] / np.sqrt(s.e.V[0, 0])
    p = 2 * stats.t.sf(abs(t), s.e.scalars["df_r"])
    assert f"{p:.3f}".lstrip("0") in out


def test_a_model_without_equations_lines_up_with_its_depvar_equation() -> None:
    """regress's coefficients sit in mixed's math equation, next to mixed's, not in a block
    of their own below (a new-user trial); the same model stored twice is fine."""
    s = Session()
    run(s, "use math\nquietly mixed math homework || schid:\nestimates store m")
    run(s, "quietly regress math homework\nestimates store r\nestimates store r2")
    rows = run(s, "estimates table m r r2").splitlines()
    hw = next(r for r in rows if r.strip().startswith("homework"))
    assert len(hw.split("|")[1].split()) == 3
    assert rows.count("-" * 13 + "+" + "-" * 39) == 3  # header, lns1_1_1, lnsig_e


def test_layout_follows_stata17_estimates_table() -> None:
    """Stata 17's estimates table after logit and melogit (Rodríguez's log,
    grodri.github.io multilevel/hospmle.html): names centred over their columns, values with
    eight significant digits ending two columns short of the column's end, the variance on
    two lines without a "/" heading."""
    s = Session()
    run(s, "use hospital")
    run(s, "quietly melogit hosp loginc distance dropout college || mother:, intpoints(12)")
    run(s, "estimates store me")
    run(s, "estimates store xt")
    lines = run(s, "estimates table xt me").splitlines()
    assert lines[1] == "    Variable |     xt           me"
    row = next(ln for ln in lines if ln.startswith("      loginc |"))
    b = s.e.b[s.e.bnames.index("hosp:loginc")]
    cell = f"{b:.8f}".lstrip("0")[:9]  # .56220xxx: eight significant digits
    assert row == f"      loginc |  {cell}    {cell}"
    i = lines.index("        var( |")
    assert lines[i + 1].startswith("_cons[mot~r])|")
