"""``hausman`` ([R] hausman): the statistic from the two fits' e(b) and e(V), Stata's layout,
a non-positive-definite difference, options and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.conftest import fails, run

_FE_RE = """use exam
encode sex, generate(girl)
xtset school
quietly xtreg normexam standlrt i.girl schavg, fe
estimates store fe
quietly xtreg normexam standlrt i.girl schavg, re
estimates store re"""


def _coefs(s: Session, name: str) -> tuple[dict[str, float], dict[str, int], np.ndarray]:
    e = s.estimates[name]
    idx = {n.split(":")[-1]: i for i, n in enumerate(e.bnames)}
    return {n: float(e.b[i]) for n, i in idx.items()}, idx, e.V


def test_statistic_and_layout() -> None:
    s = Session()
    run(s, _FE_RE)
    out = run(s, "hausman fe re")
    bf, fi, Vf = _coefs(s, "fe")
    br, ri, Vr = _coefs(s, "re")
    # schavg is constant within schools: omitted by fe, so not compared
    common = [n for n in ("standlrt", "2.girl") if n in fi and n in ri]
    assert common == ["standlrt", "2.girl"]
    d = np.array([bf[n] - br[n] for n in common])
    Vd = (
        Vf[np.ix_([fi[n] for n in common], [fi[n] for n in common])]
        - Vr[np.ix_([ri[n] for n in common], [ri[n] for n in common])]
    )
    chi2 = float(d @ np.linalg.solve(Vd, d))
    assert s.r["chi2"] == pytest.approx(chi2, rel=1e-9) and s.r["df"] == 2
    assert s.r["p"] == pytest.approx(stats.chi2.sf(chi2, 2), rel=1e-9)
    lines = out.strip("\n").splitlines()
    assert lines[0] == " " * 17 + "---- Coefficients ----"
    assert lines[2] == "             |       fe           re         Difference       Std. err."
    assert lines[3] == "-" * 13 + "+" + "-" * 64
    assert lines[4].startswith("    standlrt | ")
    assert "                          b = Consistent under H0 and Ha; obtained from xtreg." in lines
    assert "    chi2(2) = (b-B)'[(V_b-V_B)^(-1)](b-B)" in lines
    assert f"            = {chi2:6.2f}" in lines


def test_active_results_and_options() -> None:
    s = Session()
    run(s, _FE_RE)
    run(s, "hausman fe re")
    chi2 = s.r["chi2"]
    run(s, "estimates restore re\nhausman fe")
    assert s.r["chi2"] == pytest.approx(chi2, rel=1e-12)
    assert "|       fe           .          Difference" in run(s, "hausman fe .")
    run(s, "hausman fe re, df(5)")
    assert s.r["p"] == pytest.approx(stats.chi2.sf(chi2, 5), rel=1e-9)
    assert "  FE   " in run(s, "hausman fe re, tconsistent(FE)")


def test_not_positive_definite_is_noted() -> None:
    """Swapping the models makes V_b - V_B negative definite: the statistic is negative, with
    Stata's note and warning instead of a p-value."""
    s = Session()
    run(s, _FE_RE)
    run(s, "hausman fe re")
    chi2 = s.r["chi2"]
    out = run(s, "hausman re fe")
    assert s.r["chi2"] == pytest.approx(-chi2, rel=1e-9) and s.r["df"] == 2
    assert "(V_b-V_B is not positive definite)" in out and "chi2<0 ==>" in out
    assert "Prob > chi2" not in out and np.isnan(s.r["p"])


def test_bad_input() -> None:
    s = Session()
    run(s, _FE_RE)
    assert fails(s, "hausman nosuch re")[1] == 111
    assert fails(s, "hausman")[1] == 198
    assert fails(s, "hausman fe re, sigmamore")[1] == 198
