"""``describe`` and ``label list`` print what the talk shows (tests/reference/seed-talk.txt)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import fails, run

SEED = (Path(__file__).parents[1] / "reference" / "seed-talk.txt").read_text()

DESCRIBE = """\
Contains data from math.dta
 Observations:           519
    Variables:             4                  21 Feb 2022 14:12
-------------------------------------------------------------------------------
Variable      Storage   Display    Value
    name         type    format    label      Variable label
-------------------------------------------------------------------------------
schid           float   %9.0g                 School ID
homework        float   %9.0g                 Time spent on math homework each week
schtype         float   %9.0g      public     School type
math            float   %9.0g                 Math score
-------------------------------------------------------------------------------
Sorted by:"""


def _seed_block(start: str, stop: str) -> list[list[str]]:
    """Lines of the talk's slide between two markers, split into words (OCR lost the spacing)."""
    i = SEED.index(start)
    j = SEED.index(stop, i)
    words = []
    for line in SEED[i:j].splitlines():
        w = line.replace("©", "0").split()
        if w:
            words.append(w)
    return words


def _words(text: str) -> list[list[str]]:
    return [ln.split() for ln in text.splitlines() if ln.split() and not set(ln) <= {"-", " "}]


def test_describe_exact_layout(math_session) -> None:
    assert run(math_session, "describe") == DESCRIBE


def test_describe_matches_the_talk(math_session) -> None:
    ours = _words(run(math_session, "describe"))
    seed = _seed_block("Contains data from math.dta", ". label list public")
    # the talk's slide shows everything but the closing "Sorted by:" line
    assert ours[: len(seed)] == seed


def test_label_list_matches_the_talk(math_session) -> None:
    out = run(math_session, "label list public")
    assert out == "public:\n           0 Private\n           1 Public"
    seed = _seed_block("public:\n", "\n\n\n\nExample")
    assert _words(out) == seed


def test_describe_varlist_short_simple(math_session) -> None:
    assert run(math_session, "describe homework math").splitlines() == [
        "Variable      Storage   Display    Value",
        "    name         type    format    label      Variable label",
        "-" * 79,
        "homework        float   %9.0g                 Time spent on math homework each week",
        "math            float   %9.0g                 Math score",
    ]
    assert run(math_session, "d, s").splitlines() == [
        "Contains data from math.dta",
        " Observations:           519",
        "    Variables:             4                  21 Feb 2022 14:12",
        "Sorted by:",
    ]
    assert run(math_session, "describe, simple") == "schid         homework      schtype       math"


def test_describe_after_changes_notes_it(math_session) -> None:
    run(math_session, "sort schid homework")
    out = run(math_session, "describe, short").splitlines()
    assert out[-2:] == [
        "Sorted by: schid  homework",
        "     Note: Dataset has changed since last saved.",
    ]


def test_label_define_values_variable(math_session) -> None:
    run(math_session, 'label define yesno 0 "No" 1 Yes')
    run(math_session, "gen byte hw = homework > 2")
    run(math_session, "label values hw yesno")
    run(math_session, 'label variable hw "More than two hours"')
    out = run(math_session, "describe hw").splitlines()[-1]
    assert out == "hw              byte    %8.0g      yesno      More than two hours"
    assert run(math_session, "label list yesno") == "yesno:\n           0 No\n           1 Yes"
    assert fails(math_session, 'label define yesno 2 "Maybe"') == (
        "label yesno already defined",
        110,
    )
    run(math_session, 'label define yesno 2 "Maybe", add')
    assert run(math_session, "label list yesno").splitlines()[-1] == "           2 Maybe"
    assert fails(math_session, "label list nosuch") == ("value label nosuch not found", 111)
    run(math_session, "label drop yesno")
    assert fails(math_session, "label list yesno") == ("value label yesno not found", 111)


def test_describe_empty(session) -> None:
    assert run(session, "describe").splitlines()[:3] == [
        "Contains data",
        " Observations:             0",
        "    Variables:             0",
    ]
