"""Stata's expression rules over data ([U] 12.2.1 missing values, [U] 13 expressions)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture
def s() -> Session:
    s = Session()
    run(s, "set obs 5")
    run(s, "gen double x = _n")
    run(s, "replace x = . in 3")
    run(s, 'gen str3 t = "ab" in 1/2')
    return s


def col(s: Session, name: str) -> list:
    v = s.data.values(name)
    return [None if (isinstance(a, float) and math.isnan(a)) else a for a in v.tolist()]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("x > 3", [0, 0, 1, 1, 1]),  # missing is larger than any number
        ("x == .", [0, 0, 1, 0, 0]),
        ("x < .", [1, 1, 0, 1, 1]),
        ("missing(x)", [0, 0, 1, 0, 0]),
        ("x + 1", [2, 3, None, 5, 6]),
        ("x / 0", [None] * 5),  # division by zero is missing
        ("!x", [0, 0, 0, 0, 0]),  # missing is true, so !. is 0
        ("x & 1", [1, 1, 1, 1, 1]),
        ("-2^2", [-4] * 5),
        ("2^3^2", [64] * 5),
        ("max(x, 2)", [2, 2, 2, 4, 5]),  # max ignores missing
        ("min(x, .)", [1, 2, None, 4, 5]),
        ("cond(x > 2, 1, 0)", [0, 0, 1, 1, 1]),
        ("cond(x > 2, 1, 0, 9)", [0, 0, 1, 1, 1]),  # x > 2 is never missing
        ("cond(x - 1, 1, 0, 9)", [0, 1, 9, 1, 1]),  # the 4th argument is for a missing condition
        ("inrange(x, 2, 4)", [0, 1, 0, 1, 0]),
        ("inlist(x, 1, 5)", [1, 0, 0, 0, 1]),
        ("round(x / 3, .1)", [0.3, 0.7, None, 1.3, 1.7]),
        ("int(-x / 2)", [0, -1, None, -2, -2]),
        ("mod(x, 2)", [1, 0, None, 0, 1]),
        ("_n", [1, 2, 3, 4, 5]),
        ("_N", [5] * 5),
        ("x[_n-1]", [None, 1, 2, None, 4]),
        ("x[_N]", [5] * 5),
        ("sum(x)", [1, 3, 3, 7, 12]),  # running sum, missing counts 0
        ("strlen(t)", [2, 2, 0, 0, 0]),
        ('t == ""', [0, 0, 1, 1, 1]),
        ("missing(t)", [0, 0, 1, 1, 1]),
        ("real(string(x))", [1, 2, None, 4, 5]),
    ],
)
def test_expression_values(s: Session, expr: str, expected: list) -> None:
    run(s, f"gen double r = {expr}")
    got = col(s, "r")
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if e is None:
            assert g is None
        else:
            assert g == pytest.approx(e)


def test_string_functions(s: Session) -> None:
    run(s, 'gen u = upper(t) + "!"')
    assert col(s, "u")[:3] == ["AB!", "AB!", "!"]
    run(s, 'gen w = substr("hello", 2, 3)')
    assert col(s, "w")[0] == "ell"
    run(s, 'gen k = word("a b c", -1)')
    assert col(s, "k")[0] == "c"


@pytest.mark.parametrize(
    ("expr", "message", "rc"),
    [
        ('x + "a"', "type mismatch", 109),
        ("t > 1", "type mismatch", 109),
        ("nosuch + 1", "nosuch not found", 111),
        ("nosuchfn(x)", "unknown function nosuchfn()", 133),
    ],
)
def test_expression_errors(s: Session, expr: str, message: str, rc: int) -> None:
    assert fails(s, f"gen r = {expr}") == (message, rc)


def test_variable_abbreviation_and_ambiguity(s: Session) -> None:
    run(s, "gen double xlong = 1")
    run(s, "gen r = xl")  # unique abbreviation of xlong
    assert col(s, "r") == [1.0] * 5
    run(s, "gen r3 = x")  # x names x exactly even though xlong starts with it
    assert col(s, "r3")[:2] == [1.0, 2.0]
    run(s, "gen double xlast = 2")
    assert fails(s, "gen r4 = xl") == ("xl ambiguous abbreviation", 111)
    assert fails(s, "summarize xl") == ("xl ambiguous abbreviation", 111)


def test_float_storage_rounds_like_stata(s: Session) -> None:
    run(s, "gen a = 0.1")
    run(s, "gen double b = 0.1")
    assert s.data.values("a")[0] == np.float32(0.1)
    assert s.data.values("b")[0] == 0.1
    # the famous gotcha: a float 0.1 is not the double 0.1
    assert run(s, "count if a == 0.1").strip() == "0"
    assert run(s, "count if a == float(0.1)").strip() == "5"


def test_stored_results_in_expressions(s: Session) -> None:
    run(s, "summarize x")
    run(s, "gen double m = r(mean)")
    assert col(s, "m")[0] == pytest.approx(3.0)
    run(s, "gen double nn = c(N)")
    assert col(s, "nn")[0] == 5


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (6165.2567, "6165.257"),  # 7 significant digits in %9.0g
        (22 / 74, ".2972973"),  # no leading zero
        (-0.367167, "-.367167"),
        (-6.82e-06, "-6.82e-06"),  # too small for fixed notation
        (0.0026558, ".0026558"),
        (0.00051788, ".0005179"),  # regress mpg weight's classic standard error
        (-0.00028201, "-.000282"),
        (15906.0, "15906"),
        (8699526.0, "8699526"),
        (-4.08201, "-4.08201"),
        (0.0, "0"),
        (float("nan"), "."),
    ],
)
def test_stata_g_format(x: float, text: str) -> None:
    from bayes_magic.report.format import fmt_g

    assert fmt_g(x, 9) == text
