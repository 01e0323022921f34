"""Operator precedence and operands of Stata expressions ([U] 13.2)."""

from __future__ import annotations

import pytest

from bayes_magic.errors import StataError
from bayes_magic.syntax.expr import parse_expr_text
from bayes_magic.syntax.unparse import unparse_expr


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2^-1", "2^(-1)"),
        ("a + b*c", "a + b*c"),
        ("(a + b)*c", "(a + b)*c"),
        ("a - b - c", "a - b - c"),
        ("a - (b - c)", "a - (b - c)"),
        ("!a == b", "!a == b"),
        ("a | b & c", "a | b & c"),
        ("(a | b) & c", "(a | b) & c"),
        ("x > 5 & x < .", "x > 5 & x < ."),
        ("x ~= .a", "x != .a"),
        ("-x*y", "-x*y"),
        ("x[_n-1] + sum(y)", "x[_n - 1] + sum(y)"),
        ("r(mean) + _b[homework]", "r(mean) + _b[homework]"),
        ("@max({_resid})", "@max({_resid})"),
        ('"a" + "b"', '"a" + "b"'),
        ("invlogit({b0} + {b1}*x)", "invlogit({b0} + {b1}*x)"),
        ("cond(x > 1, 1, 0)", "cond(x > 1,1,0)"),
    ],
)
def test_precedence(text: str, canonical: str) -> None:
    e = parse_expr_text(text)
    assert unparse_expr(e) == canonical
    assert parse_expr_text(canonical) == e


def test_power_binds_tighter_than_negation() -> None:
    from bayes_magic.syntax.ast import Binary, Num, Unary

    assert parse_expr_text("-2^2") == Unary("-", Binary("^", Num(2), Num(2)))
    assert unparse_expr(parse_expr_text("-2^2")) == "-2^2"


def test_power_is_left_associative() -> None:
    from bayes_magic.syntax.ast import Binary, Num

    assert parse_expr_text("2^3^2") == Binary("^", Binary("^", Num(2), Num(3)), Num(2))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1 +", "invalid syntax"),
        ("(1", "unmatched open parenthesis"),
        ("1)", ") invalid"),
        ("f(1,", "invalid syntax"),
        ("x[1", "unmatched open bracket"),
        ("@max", "@max invalid: ( expected"),
    ],
)
def test_expression_errors(text: str, message: str) -> None:
    with pytest.raises(StataError) as e:
        parse_expr_text(text)
    assert e.value.message == message
