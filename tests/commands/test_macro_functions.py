"""Macro extended functions ([P] macro, [P] macro lists), inline `` `:fn' ``, matrix
elements and matrix functions in expressions ([FN] Matrix functions), and ``display``'s comma
directives ([P] display)."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture
def s() -> Session:
    s = Session()
    run(s, "use math")
    return s


def test_text_functions(s: Session) -> None:
    run(s, 'local x "hello world hello"')
    assert run(s, "display `:length local x'") == "17"
    run(s, "global g abc")
    assert run(s, "display `:strlen global g'") == "3"
    run(s, 'local y : subinstr local x "hello" "bye"')  # the first occurrence only
    assert s.locals["y"] == "bye world hello"
    run(s, 'local y : subinstr local x "hello" "bye", all count(local n)')
    assert (s.locals["y"], s.locals["n"]) == ("bye world bye", "2")
    run(s, 'local y : subinstr local x "hell" "H", all word count(global m)')
    assert (s.locals["y"], s.globals["m"]) == ("hello world hello", "0")
    assert fails(s, 'local y : subinstr local x "a" "b", bogus')[1] == 198


def test_variable_and_label_functions(s: Session) -> None:
    run(s, 'label define yn 0 "No" 1 "Yes"')
    run(s, "generate byte public = homework > 2")
    run(s, "label values public yn")
    got = run(s, "display \"`:label yn 1'|`:label yn 5'|`:label yn 5, strict'|`:label yn 1 2'\"")
    assert got == "Yes|5||Ye"
    assert run(s, 'display "`:label (public) 0\'"') == "No"
    run(s, "format math %6.2f")
    assert run(s, 'display "`:format math\'"') == "%6.2f"
    assert fails(s, 'display "`:label nosuch 1\'"')[1] == 111


def test_matrix_names(s: Session) -> None:
    run(s, "quietly regress math homework")
    assert run(s, 'display "`:colnames e(b)\'"') == "homework _cons"
    assert run(s, 'display "`:coleq e(b)\'"') == "_ _"
    run(s, "quietly mixed math homework || schid:")
    full = run(s, 'display "`:colfullnames e(b)\'"').split()
    assert full[:2] == ["math:homework", "math:_cons"]
    assert run(s, 'display "`:colnames e(b)\'"').split()[:2] == ["homework", "_cons"]


def test_lists() -> None:
    s = Session()
    run(s, 'local a "x y z x"')
    run(s, 'local b "z w"')
    got = {
        op: run(s, f'display "`:list {op}\'"')
        for op in ("uniq a", "dups a", "sort a", "a | b", "a & b", "a - b", "sizeof a")
    }
    assert got == {
        "uniq a": "x y z",
        "dups a": "x",
        "sort a": "x x y z",
        "a | b": "x y z x w",
        "a & b": "z",
        "a - b": "x y x",
        "sizeof a": "4",
    }
    assert run(s, "display `:list a == a' `:list a == b' `:list b in a'") == "100"
    run(s, 'local c "z x y"')
    assert run(s, "display `:list a === c' `:list c in a'") == "11"
    assert run(s, 'display `:list posof "z" in a\' `:list posof "q" in a\'') == "30"
    run(s, 'local q `"a "b c" a"\'')
    run(s, "local u : list uniq q")
    assert s.locals["u"] == 'a "b c"'
    assert run(s, "display `:word count `u''") == "2"


def test_inline_function_inside_other_macros() -> None:
    s = Session()
    run(s, 'local names "alpha beta gamma"')
    out = run(s, "forvalues i = 1/`:word count `names'' {\ndisplay \"`:word `i' of `names''\"\n}")
    assert out.split("\n") == ["alpha", "beta", "gamma"]
    assert fails(s, 'display "`:nosuch thing\'"')[1] == 198


def test_matrix_elements_and_functions(s: Session) -> None:
    run(s, "quietly regress math homework")
    run(s, "matrix b = e(b)")
    run(s, "matrix V = e(V)")
    b = s.matrices["b"].values[0]
    V = s.matrices["V"].values
    assert float(run(s, "display %21.0g b[1,1]")) == pytest.approx(b[0], rel=1e-15)
    assert float(run(s, 'display %21.0g b[1,"_cons"]')) == pytest.approx(b[1], rel=1e-15)
    assert float(run(s, "display %21.0g sqrt(V[1,1])")) == pytest.approx(
        float(run(s, "display %21.0g _se[homework]")), rel=1e-12
    )
    assert run(s, "display el(b,1,3)") == "."  # el(): missing out of range
    assert fails(s, "display b[1,3]")[1] == 503  # A[r,c]: an error
    got = run(s, 'display rowsof(b), colsof(e(V)), colnumb(b,"_cons"), rownumb(V,"x")')
    assert got == "1 2 2 ."
    assert float(run(s, "display %21.0g trace(V)")) == pytest.approx(np.trace(V), rel=1e-12)
    assert float(run(s, "display %21.0g det(e(V))")) == pytest.approx(np.linalg.det(V), rel=1e-9)
    assert run(s, "display issymmetric(V), issymmetric(b), matmissing(b)") == "1 0 0"
    run(s, "generate double z = b[1,1]*homework")
    np.testing.assert_allclose(s.data.values("z"), b[0] * s.data.values("homework"))
    assert fails(s, "display el(nosuch,1,1)")[1] == 111
    assert fails(s, "display trace(b)")[1] == 503
    assert fails(s, "display rowsof(3)")[1] == 198


def test_display_commas() -> None:
    s = Session()
    assert run(s, "display 1, 2") == "1 2"
    assert run(s, 'display "a",,"b", "c"') == "ab c"


def test_display_continue_joins_lines_also_as_they_are_shown() -> None:
    s = Session()
    shown: list[str] = []
    s.sink = lambda o: shown.append(o.text())
    out = run(s, 'forvalues i = 1/3 {\ndisplay `i\' _c\n}\ndisplay " done"\ndisplay "x" _cont')
    assert out == "123 done\nx"
    assert shown == ["123 done", "x"]  # the open line is shown when the input ends
    assert run(s, 'display "a" _n(2) "b" _skip(2) "c" _col(10) "d" _dup(3) "-"') == (
        "a\n\nb  c     d---"
    )
