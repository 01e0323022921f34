"""``foreach`` and ``forvalues`` ([P] foreach, [P] forvalues): the values each form gives, the
block run once per value with its macros substituted anew, nesting, the log's numbered lines,
and errors."""

from __future__ import annotations

import pytest

from bayes_magic.session import Session
from tests.conftest import run


@pytest.fixture()
def epi() -> Session:
    s = Session()
    run(s, "use epilepsy")
    return s


def _lines(s: Session, program: str) -> list[str]:
    res = s.execute(program)
    assert res.error is None, res.text()
    return res.text().splitlines()


@pytest.mark.parametrize(
    "header, values",
    [
        ("forvalues i = 1/3", ["1", "2", "3"]),
        ("forvalues i = 10(-5)0", ["10", "5", "0"]),
        ("forv i = 0.5 1 to 2", [".5", "1", "1.5", "2"]),
        ("forvalues i = 1 3 : 7", ["1", "3", "5", "7"]),
        ('foreach i in a "b c" d', ["a", "b c", "d"]),
        ("foreach i of numlist 1/2 5", ["1", "2", "5"]),
        ("foreach i of varlist z*", ["zAge", "zBase"]),
        ("foreach i of varlist Age-Trt", ["Age", "Base", "Trt"]),
        ("foreach i of newlist n1 n2", ["n1", "n2"]),
    ],
)
def test_each_form_gives_its_values(epi: Session, header: str, values: list[str]) -> None:
    assert _lines(epi, f'{header} {{\n    display "`i\'"\n}}') == values


def test_blocks_nest_and_see_the_session(epi: Session) -> None:
    program = """
local models mepoisson menbreg
foreach m of local models {
    quietly `m' count Trt || patient:
    forvalues k = 1/2 {
        display "`m' `k'"
    }
    local last `m'
}
display "`last'"
"""
    out = _lines(epi, program)
    assert out == ["mepoisson 1", "mepoisson 2", "menbreg 1", "menbreg 2", "menbreg"]
    assert epi.e.macros["cmd2"] == "menbreg"


def test_the_log_numbers_the_block_and_errors_end_the_loop(epi: Session) -> None:
    res = epi.execute(
        'forvalues i = 1/3 {\n display `i\'\n display nosuch\n}\ndisplay "x"', echo=True
    )
    text = res.text().splitlines()
    assert text[:4] == [
        ". forvalues i = 1/3 {",
        "  2. display `i'",
        "  3. display nosuch",
        "  4. }",
    ]
    assert text[4] == "1" and res.rc == 111 and "x" not in text  # stopped at the first error
    res = epi.execute("forvalues i = 1/2 {\n display `i'")
    assert res.rc == 198 and "} expected" in res.text()
    res = epi.execute("forvalues i = 1/x {\n display `i'\n}")
    assert res.rc == 198 and "invalid range" in res.text()


def test_while_if_else_and_continue(epi: Session) -> None:
    program = """
local i = 0
while `i' < 5 {
    local ++i
    if `i' == 2 {
        continue
    }
    else if `i' == 4 {
        display "four"
    }
    else {
        display "i=`i'"
    }
    if `i' >= 5 {
        continue, break
    }
}
display "done `i'"
scalar s = 3
if s > 2 {
    display "big"
}
else {
    display "small"
}
forvalues k = 1/5 {
    if `k' == 3 {
        continue, break
    }
    display `k'
}
"""
    assert _lines(epi, program) == ["i=1", "i=3", "four", "i=5", "done 5", "big", "1", "2"]
    res = epi.execute("continue")
    assert res.rc == 198 and "only be used in a loop" in res.text()
    res = epi.execute('if "a" {\n display 1\n}')
    assert res.rc == 109
    res = epi.execute("if 1 {\n display 1\n}\nelse display 2")  # else command: one line
    assert res.error is None and res.text() == "1"
    res = epi.execute("if 1 {\n display 1\n}\nelse")
    assert res.rc == 198 and "else" in res.text()


def test_quietly_capture_and_noisily_blocks(epi: Session) -> None:
    program = """
quietly {
    summarize count
    local m = r(mean)
}
display "mean `m'"
capture {
    display "inside"
    display nosuch
    display "not shown"
}
display "rc = " _rc
noisily {
    display "loud"
}
"""
    assert _lines(epi, program) == ["mean 8.254237288135593", "rc = 111", "loud"]
    res = epi.execute("capture noisily {\n display 1\n display nosuch\n}\ndisplay _rc")
    assert res.error is None and res.text().splitlines()[0] == "1"
    assert res.text().splitlines()[-1] == "111"
    res = epi.execute('quietly {\n display nosuch\n}\ndisplay "after"')
    assert res.rc == 111 and "after" not in res.text()


def test_idioms_from_a_new_user_trial(epi: Session, tmp_path, monkeypatch) -> None:
    """Stored results in macros, macro lists, one-line if/else, prefixed loops, descending
    numlists, a do-file's own locals."""
    program = """
quietly summarize count
display "mean `r(mean)' N=`r(N)'"
local mylist a b c b a
local u : list uniq mylist
local n : list sizeof mylist
local q `"a b "new item""'
local nw : word count `q'
local w3 : word 3 of `q'
display "`u' | `n' | `nw' | `w3'"
foreach k of numlist 3/1 {
    display `k'
}
local z = 5
if `z' > 4 display "big"
if `z' > 9 display "huge"
else display "not huge"
quietly forvalues i = 1/2 {
    display "hidden `i'"
}
capture noisily foreach x in a {
    display "cn `x'"
}
"""
    assert _lines(epi, program) == [
        "mean 8.254237288135593 N=236",
        "a b c | 5 | 3 | new item",
        "3",
        "2",
        "1",
        "big",
        "not huge",
        "cn a",
    ]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub.do").write_text('local fromsub yes\ndisplay "in sub"\n')
    out = _lines(epi, "local mine outer\ndo sub\ndisplay \"[`fromsub'] [`mine']\"")
    assert out[-2:] == ["end of do-file", "[] [outer]"]  # the do-file's locals are its own
    res = epi.execute("forvalues i = 1/3\ndisplay 1")
    assert res.rc == 100 and "{ required" in res.text()


def test_a_do_file_is_shown_once_as_it_runs(tmp_path, monkeypatch) -> None:
    """The outputs a nested ``do`` shows as it runs (the CLI's and notebooks' sink) are not
    shown again when the ``do`` command ends; ``run`` shows nothing."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub.do").write_text('display "in sub"\n')
    s = Session()
    shown: list[str] = []
    s.sink = lambda o: shown.append(o.text())
    res = s.execute("forvalues k = 1/2 {\n    do sub\n}\nrun sub")
    assert res.error is None
    assert shown.count("in sub") == 2


def test_an_error_in_a_loop_ends_the_loop_and_interactively_the_next_command_runs() -> None:
    s = Session()
    text = 'forvalues i = 1/3 {\ndisplay `i\'\nnosuchcmd\n}\ndisplay "after"'
    res = s.execute(text, stop=False)
    assert res.rc == 199 and res.text().startswith("1\n") and res.text().endswith("after")
    res = s.execute(text)  # a do-file stops at the error
    assert res.rc == 199 and "after" not in res.text()
