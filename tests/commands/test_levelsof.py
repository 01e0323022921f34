"""``levelsof`` ([P] levelsof), checked against pandas' distinct values and against the
``%21x`` examples of [U] 12.5.1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_magic.commands.levelsof import hex21
from bayes_magic.dataset.dataset import Dataset
from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture
def s() -> Session:
    s = Session()
    s.data = Dataset.from_dataframe(
        pd.DataFrame(
            {
                "g": [3, 1, 2, 3, np.nan, 10],
                "x": [0.5, 2.0, 0.25, 0.5, np.nan, 2.0],
                "name": ["b", "a", "", "b", "c d", "a"],
            }
        )
    )
    return s


def test_numbers_sorted_with_stored_results(s: Session) -> None:
    assert run(s, "levelsof g") == "1 2 3 10"
    assert s.r == {"N": 5.0, "r": 4.0, "levels": "1 2 3 10"}
    assert run(s, "levelsof x") == ".25 .5 2"
    assert run(s, "levelsof x, missing") == ".25 .5 2 ."
    assert s.r["N"] == 6.0 and s.r["r"] == 4.0
    assert run(s, "levelsof g if x < 1, separate(,)") == "2,3"


def test_strings_compound_quoted_unless_clean(s: Session) -> None:
    assert run(s, "levelsof name") == '`"a"\' `"b"\' `"c d"\''
    assert run(s, "levelsof name, clean") == "a b c d"
    assert run(s, "levelsof name, clean missing sep(|)") == "|a|b|c d"
    assert s.r["r"] == 4.0 and s.r["N"] == 6.0


def test_local_feeds_a_loop(s: Session) -> None:
    run(s, "levelsof g, local(gs)")
    assert s.locals["gs"] == "1 2 3 10"
    out = run(s, 'foreach k of local gs {\ndisplay "g=`k\'"\n}')
    assert out.split("\n") == ["g=1", "g=2", "g=3", "g=10"]
    run(s, "quietly levelsof name, local(ns)")
    assert run(s, "display `:word count `ns''") == "3"  # "c d" stays one word
    run(s, "levelsof g if g > 100, local(gs)")  # no observations: the macro is cleared
    assert "gs" not in s.locals
    assert s.r == {"N": 0.0, "r": 0.0}


def test_matrow_matcell_against_pandas(s: Session) -> None:
    run(s, "levelsof x, missing matrow(R) matcell(C)")
    counts = pd.Series([0.5, 2.0, 0.25, 0.5, np.nan, 2.0]).value_counts(dropna=False)
    R = s.matrices["R"].values[:, 0]
    np.testing.assert_array_equal(R[:-1], [0.25, 0.5, 2.0])
    assert np.isnan(R[-1])
    np.testing.assert_array_equal(
        s.matrices["C"].values[:, 0], [counts[0.25], counts[0.5], counts[2.0], counts[np.nan]]
    )
    run(s, "levelsof name, matcell(F)")
    np.testing.assert_array_equal(s.matrices["F"].values[:, 0], [2, 2, 1])


def test_hexadecimal() -> None:
    # [U] 12.5.1: 1 is +1.0000000000000X+000 and .1 is +1.999999999999aX-004
    assert hex21(1.0) == "+1.0000000000000X+000"
    assert hex21(0.1) == "+1.999999999999aX-004"
    assert hex21(-1024.0) == "-1.0000000000000X+00a"
    assert hex21(0.0) == "+0.0000000000000X-3ff"
    s = Session()
    s.data = Dataset.from_dataframe(pd.DataFrame({"x": [2.0, 0.5]}))
    assert run(s, "levelsof x, hexadecimal") == "+1.0000000000000X-001 +1.0000000000000X+001"


@pytest.mark.parametrize(
    "text, rc",
    [
        ("levelsof g x", 103),
        ("levelsof nosuch", 111),
        ("levelsof name, hexadecimal", 198),
        ("levelsof name, matrow(R)", 198),
        ("levelsof", 100),
    ],
)
def test_bad_input(s: Session, text: str, rc: int) -> None:
    assert fails(s, text)[1] == rc
