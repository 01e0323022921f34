"""The layout of models with several levels, as Stata 17 prints them (Rodríguez's logs of
``mixed math || schoolid: || childid:, mle`` in grodri.github.io multilevel/egm.html): the
indented "Grouping information" table, and a rule between the levels' blocks of the
random-effects table."""

from __future__ import annotations

from bayes_magic.session import Session
from tests.conftest import run


def test_nested_mixed_has_grouping_information_and_rules_between_levels() -> None:
    s = Session()
    run(s, "use pastes")
    out = run(s, "mixed strength || batch: || sample:, nolog")
    lines = out.splitlines()
    i = lines.index("        Grouping information")
    assert lines[i + 1] == "        " + "-" * 61
    assert lines[i + 3] == "         Group variable |     groups    Minimum    Average    Maximum"
    assert lines[i + 5].startswith("                  batch |         10          6")
    sep = "-" * 29 + "+" + "-" * 48
    b = lines.index("batch: Identity              |")
    assert lines[b + 2] == sep and lines[b + 3].startswith("sample: Identity")
    assert lines[b + 5] == sep and "var(Residual)" in lines[b + 6]
    # estat group keeps the bare table, flush left
    grp = run(s, "estat group").splitlines()
    assert " Group variable |     groups    Minimum    Average    Maximum" in grp
    assert "Grouping information" not in "\n".join(grp)
