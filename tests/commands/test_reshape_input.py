"""``reshape long|wide`` ([D] reshape) against pandas' own reshaping of the same data, and
``input`` ([D] input)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run

WIDE = """input id sex inc80 inc81 inc82 ue80 ue81 ue82
1 0 5000 5500 6000 0 1 0
2 1 2000 2200 3300 1 0 0
3 0 3000 2000 1000 0 0 1
end"""


def test_input_makes_the_data_and_echoes_the_lines(session: Session) -> None:
    s = session
    out = run(s, 'input str8 name age\n"Ann Lee" 31\nBob .\nend')
    assert list(s.data.values("name")) == ["Ann Lee", "Bob"]
    assert s.data.info["name"].type == "str8" and s.data.info["age"].type == "float"
    assert np.isnan(col(s, "age")[1])
    assert out.splitlines()[-1] == "  3. end" and '  1. "Ann Lee" 31' in out
    run(s, "input name age\nCarl 40\nend")  # existing variables: observations at the end
    assert s.data.nobs == 3 and col(s, "age")[2] == 40
    m, rc = fails(s, "input x\n1\n2")
    assert rc == 198 and "end" in m
    m, rc = fails(s, "input str4 z\n1 2\nend")
    assert rc == 198 and "too many values" in m
    m, rc = fails(s, "clear\ninput q\nabc\nend")
    assert rc == 198 and "cannot be read as a number" in m


def test_reshape_long_and_back_matches_pandas(session: Session) -> None:
    s = session
    run(s, WIDE)
    wide = s.data.to_dataframe()
    out = run(s, "reshape long inc ue, i(id) j(year)")
    assert out.splitlines()[0] == "(j = 80 81 82)"
    assert "Number of observations                3   ->   9" in out
    assert "                      inc80 inc81 inc82   ->   inc" in out
    ref = pd.wide_to_long(wide, ["inc", "ue"], i="id", j="year").reset_index()
    ref = ref.sort_values(["id", "year"]).reset_index(drop=True)
    got = s.data.to_dataframe()
    assert list(got.columns) == ["id", "year", "sex", "inc", "ue"]
    for c in got.columns:
        np.testing.assert_array_equal(got[c].to_numpy(float), ref[c].to_numpy(float))
    assert s.data.sortedby == ("id", "year")
    out = run(s, "reshape wide")  # reverses the last reshape
    assert "j variable (3 values)              year   ->   (dropped)" in out
    back = s.data.to_dataframe()
    # reshape.ado's order: i, each value's stubs, then the variables constant within i
    order = ["id", "inc80", "ue80", "inc81", "ue81", "inc82", "ue82", "sex"]
    assert list(back.columns) == order
    pd.testing.assert_frame_equal(back[list(wide.columns)].astype(float), wide.astype(float))
    assert s.data.info["inc81"].label == "81 inc"
    assert run(s, "reshape wide") == "(already wide)"


def test_reshape_suffixes_with_leading_zeros_keep_their_data(session: Session) -> None:
    s = session
    run(s, "input id x01 x02 x10\n1 5 6 7\n2 8 9 10\nend")
    out = run(s, "reshape long x, i(id) j(t)")
    assert out.splitlines()[0] == "(j = 1 2 10)"
    assert list(col(s, "x")) == [5, 6, 7, 8, 9, 10]
    assert run(s, "reshape long") == "(already long)"
    run(s, "reshape wide x, i(id) j(t 01 02 10 11)")
    assert list(col(s, "x01")) == [5, 8] and list(col(s, "x10")) == [7, 10]
    assert "x11" not in s.data.info  # no data for t == 11: no variable, as Stata


def test_reshape_wide_of_real_data_matches_pivot(session: Session) -> None:
    s = session
    run(s, "use sleepstudy")
    long = s.data.to_dataframe()
    run(s, "reshape wide Reaction, i(Subject) j(Days)")
    assert s.data.nobs == 18 and "Reaction9" in s.data.info
    piv = long.pivot(index="Subject", columns="Days", values="Reaction")
    for d in range(10):
        np.testing.assert_array_equal(col(s, f"Reaction{d}"), piv[d].to_numpy())
    run(s, "reshape long Reaction, i(Subject) j(Days)")
    got = s.data.to_dataframe()
    ref = long.sort_values(["Subject", "Days"]).reset_index(drop=True)
    np.testing.assert_array_equal(got["Reaction"].to_numpy(), ref["Reaction"].to_numpy())


def test_reshape_string_j_missing_cells_and_at(session: Session) -> None:
    s = session
    run(s, "input id xa xb ya\n1 1 2 3\n2 4 5 6\nend")
    out = run(s, "reshape long x y, i(id) j(k) string")
    assert "(variable yb not found)" in out
    assert list(s.data.values("k")) == ["a", "b", "a", "b"]
    assert np.isnan(col(s, "y")[1]) and col(s, "y")[2] == 6  # yb does not exist: missing
    run(s, "clear\ninput id a1b a2b\n1 7 8\nend")
    run(s, "reshape long a@b, i(id) j(t)")
    assert list(col(s, "ab")) == [7, 8]


@pytest.mark.parametrize(
    "setup, cmd, rc, words",
    [
        (WIDE, "reshape long inc, j(year)", 198, "option i() required"),
        (WIDE, "reshape long inc, i(sex) j(year)", 9, "does not uniquely identify"),
        (WIDE, "reshape long inc, i(id) j(sex)", 110, "already exists"),
        (WIDE, "reshape long nosuch, i(id) j(year)", 111, "nosuch# not found"),
        (WIDE, "reshape wide inc80, i(id) j(year)", 111, "year not found"),
        ("use sleepstudy", "reshape wide Days, i(Subject) j(Reaction)", 498, "noninteger"),
        ("use math", "reshape wide math, i(schid) j(homework)", 9, "not unique within schid"),
    ],
)
def test_reshape_bad_input(setup: str, cmd: str, rc: int, words: str) -> None:
    s = Session()
    run(s, setup)
    before = s.data.df.copy()
    m, code = fails(s, cmd)
    assert code == rc and words in m
    assert s.data.df.equals(before)


def test_input_under_a_prefix_reads_its_lines_and_dots_in_strings(math_session: Session) -> None:
    s = math_session
    run(s, "capture input str10 w\nclear\nend")  # the line "clear" is data, not a command
    assert s.data.nobs == 519 and list(s.data.values("w"))[:2] == ["clear", ""]
    run(s, "clear\nquietly input str3 a b\nx 1\n. 2\ny\nend")
    assert list(s.data.values("a")) == ["x", ".", "y"]
    assert np.isnan(col(s, "b")[2])


@pytest.mark.parametrize(
    "cmd, words",
    [
        ("reshape long inc, i(id) j()", "requires a variable name"),
        ("reshape long inc, i(id) j(year 80/81)", "must specify option string"),
        ("reshape long inc, i(id) j(year a b)", "must specify option string"),
        ("reshape long inc, i(id) j(year 82-80)", "invalid range"),
    ],
)
def test_reshape_bad_j(session: Session, cmd: str, words: str) -> None:
    run(session, WIDE)
    m, rc = fails(session, cmd)
    assert rc == 198 and words in m
