"""The estimation display options ([R] Estimation options) of the ML commands: noci,
nopvalues, cformat/pformat/sformat, coeflegend, noomitted, vsquish, nofvlabel; at estimation
and on replay; the ones not implemented are refused, never ignored."""

from __future__ import annotations

from tests.conftest import fails, run


def _table(out: str) -> list[str]:
    lines = out.splitlines()
    i = next(k for k, ln in enumerate(lines) if "Coefficient" in ln or "Odds ratio" in ln)
    return lines[i:]


def test_columns_and_formats(math_session) -> None:
    s = math_session
    run(s, "quietly regress math homework i.schtype")
    t = _table(run(s, "regress, noci"))
    assert t[0] == "        math | Coefficient  Std. err.      t    P>|t|"
    assert t[2] == "    homework |   2.600431   .2883906     9.02   0.000"
    t = _table(run(s, "regress, nopvalues"))
    assert t[0] == "        math | Coefficient  Std. err.     [95% conf. interval]"
    t = _table(run(s, "regress, cformat(%9.2f) pformat(%5.2f) sformat(%8.3f)"))
    assert t[2] == "    homework |       2.60       0.29    9.017    0.00         2.03        3.17"
    t = _table(run(s, "regress, coeflegend"))
    assert t[0] == "        math | Coefficient  Legend"
    assert t[2] == "    homework |   2.600431  _b[homework]"
    assert "    Private  |          0  _b[0b.schtype]" in t
    t = _table(run(s, "regress, vsquish nofvlabel"))
    assert "             |" not in t and "          1  |   -5.51161   .8768387" in "\n".join(t)
    assert fails(s, "regress, cformat(%9.2x)")[1] == 120
    for opt in ("noemptycells", "fvwrap(2)", "fvwrapon(width)"):
        assert fails(s, f"regress, {opt}")[1] == 198


def test_other_commands(math_session) -> None:
    s = math_session
    out = run(s, "logit schtype homework math, or noci nolog")
    assert "     schtype |  Odds ratio  Std. err.      z    P>|z|" in out.splitlines()
    run(s, "generate z = schtype == 1 & math > 60")
    assert "           z |          0  (omitted)" in run(s, "logit schtype z homework, nolog")
    out = run(s, "logit, noomitted")
    assert "(omitted)" not in out and "    homework |" in out
    out = run(s, "mixed math homework || schid:, coeflegend nolog")
    assert "    homework |   2.401972  _b[math:homework]" in out.splitlines()
    out = run(s, "mixed, noci cformat(%6.2f)")
    assert "                  var(_cons) |      20.23       7.07" in out.splitlines()
