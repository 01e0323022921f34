"""Stata expressions ([U] 13 Functions and expressions).

Operator precedence, from the lowest ([U] 13.2.5 Order of evaluation, all binary operators
left-associative, including ``^``):

====== =====================================
level  operators
====== =====================================
1      ``|``
2      ``&``
3      ``==`` ``!=`` ``~=`` ``>`` ``<`` ``>=`` ``<=``
4      ``+`` ``-``
5      ``*`` ``/``
6      unary ``-``
7      ``^``        (so ``-2^2`` is ``-4``)
8      ``!`` ``~``
====== =====================================

Operands: numbers, ``.`` and ``.a``-``.z``, strings, variable names (``_n``, ``_N`` too),
subscripts ``x[_n-1]``, ``_b[x]``, ``_se[x]``, stored results ``r(mean)`` and ``e(N)``, function
calls, ``@max(...)``-style functions of simulated quantities, and ``{param}`` references (for
``bayesmh`` substitutable expressions and ``bayesstats`` expressions).
"""

from __future__ import annotations

import re

from ..errors import Span
from .ast import (
    MATRIX_ELEMENT,
    TS_OP,
    VALUE_LABEL,
    Binary,
    Call,
    Expr,
    Missing,
    Name,
    Num,
    Str,
    Subscript,
    Unary,
)
from .lexer import END, NAME, NUMBER, OP, PARAM, STRING
from .params import parse_param
from .stream import TokenStream

__all__ = ["parse_expr", "parse_expr_text", "expr_span", "nodes"]

_REL = ("==", "!=", "~=", ">", "<", ">=", "<=")


def parse_expr_text(text: str, *, source: str | None = None, offset: int = 0) -> Expr:
    """Parse a whole string as one expression (spans shifted by ``offset`` into ``source``)."""
    from .lexer import tokenize

    src = source if source is not None else text
    toks = tokenize(text, offset)
    ts = TokenStream(src, toks)
    e = parse_expr(ts)
    if not ts.at_end:
        raise ts.error(f"{ts.peek().text} invalid", ts.peek())
    return e


def parse_expr(ts: TokenStream) -> Expr:
    """Parse one expression from ``ts``, stopping before a token that cannot continue it."""
    if ts.at_end:
        raise ts.error("invalid syntax", ts.peek())
    return _or(ts)


def nodes(e: Expr):
    """Every node of an expression, depth first."""
    yield e
    if isinstance(e, Subscript):
        yield from nodes(e.index)
    elif isinstance(e, Unary):
        yield from nodes(e.operand)
    elif isinstance(e, Binary):
        yield from nodes(e.left)
        yield from nodes(e.right)
    elif isinstance(e, Call):
        for a in e.args:
            yield from nodes(a)


def expr_span(e: Expr) -> Span:
    return getattr(e, "span", Span(0, 0))


def _binary(op: str, left: Expr, right: Expr) -> Binary:
    return Binary(op, left, right, expr_span(left) + expr_span(right))


def _or(ts: TokenStream) -> Expr:
    e = _and(ts)
    while ts.at_op("|"):
        ts.next()
        e = _binary("|", e, _and(ts))
    return e


def _and(ts: TokenStream) -> Expr:
    e = _rel(ts)
    while ts.at_op("&"):
        ts.next()
        e = _binary("&", e, _rel(ts))
    return e


def _rel(ts: TokenStream) -> Expr:
    e = _add(ts)
    while ts.at_op(*_REL):
        op = ts.next().text
        e = _binary("!=" if op == "~=" else op, e, _add(ts))
    return e


def _add(ts: TokenStream) -> Expr:
    e = _mul(ts)
    while ts.at_op("+", "-"):
        op = ts.next().text
        e = _binary(op, e, _mul(ts))
    return e


def _mul(ts: TokenStream) -> Expr:
    e = _neg(ts)
    while ts.at_op("*", "/"):
        op = ts.next().text
        e = _binary(op, e, _neg(ts))
    return e


def _neg(ts: TokenStream) -> Expr:
    if ts.at_op("-", "+"):
        t = ts.next()
        operand = _neg(ts)
        if t.text == "+":
            return operand
        if isinstance(operand, Num):
            text = f"-{operand.text}" if operand.text is not None else None
            return Num(-operand.value, t.span + operand.span, text)
        return Unary("-", operand, t.span + expr_span(operand))
    return _pow(ts)


def _pow(ts: TokenStream) -> Expr:
    e = _not(ts)
    while ts.at_op("^"):
        ts.next()
        # the exponent may carry its own sign: 2^-1
        if ts.at_op("-", "+"):
            t = ts.next()
            rhs = _not(ts)
            if t.text == "-":
                rhs = (
                    Num(-rhs.value, t.span + rhs.span)
                    if isinstance(rhs, Num)
                    else Unary("-", rhs, t.span + expr_span(rhs))
                )
        else:
            rhs = _not(ts)
        e = _binary("^", e, rhs)
    return e


def _not(ts: TokenStream) -> Expr:
    if ts.at_op("!", "~"):
        t = ts.next()
        operand = _not(ts)
        return Unary("!", operand, t.span + expr_span(operand))
    return _primary(ts)


def _args(ts: TokenStream) -> tuple[tuple[Expr, ...], Span]:
    """Parse ``( a, b, ... )`` at the cursor."""
    open_tok = ts.expect_op("(")
    args: list[Expr] = []
    if ts.at_op(")"):
        close = ts.next()
        return (), Span(open_tok.start, close.end)
    while True:
        args.append(parse_expr(ts))
        if ts.at_op(","):
            ts.next()
            continue
        if ts.at_op(")"):
            close = ts.next()
            return tuple(args), Span(open_tok.start, close.end)
        if ts.at_end:
            raise ts.error("unmatched open parenthesis", open_tok)
        raise ts.error(f"{ts.peek().text} invalid", ts.peek())


#: time-series operators before a variable: L, F, D, S with optional counts (L2, D2, LD)
_TS_OPS = re.compile(r"(?:[LFDSlfds]\d*)+")
#: date and time literals, whose argument is kept as raw text: td(15jan2020), tc(15jan2020
#: 10:30), tm(2020m1), tq(2020q1), th(2020h1), tw(2020w1), ty(2020) ([FN] Date and time)
DATE_LITERALS = frozenset({"td", "tc", "tm", "tq", "th", "tw", "ty"})


def _primary(ts: TokenStream) -> Expr:
    t = ts.peek()
    if t.kind == NUMBER:
        ts.next()
        value = float(t.text)
        if value == float("inf"):  # a literal beyond double precision is missing, as in Stata
            return Missing("", t.span)
        return Num(value, t.span, t.text)
    if t.kind == STRING:
        ts.next()
        lab = ts.peek(1)
        if ts.at_op(":") and not ts.peek().space and lab.kind == NAME and not lab.space:
            ts.next()
            ts.next()  # "Lots":hwcat, the value labelled Lots in hwcat
            args = (Str(t.text, t.span), Str(lab.text, lab.span))
            return Call(VALUE_LABEL, args, False, t.span + lab.span)
        return Str(t.text, t.span)
    if t.kind == PARAM:
        ts.next()
        return parse_param(t.text, t.span, ts.text)
    if t.is_op("."):
        ts.next()
        nxt = ts.peek()
        if nxt.kind == NAME and not nxt.space and len(nxt.text) == 1 and nxt.text.islower():
            ts.next()
            return Missing(nxt.text, t.span + nxt.span)
        return Missing("", t.span)
    if t.is_op("("):
        open_tok = ts.next()
        e = parse_expr(ts)
        if not ts.at_op(")"):
            if ts.at_end:
                raise ts.error("unmatched open parenthesis", open_tok)
            raise ts.error(f"{ts.peek().text} invalid", ts.peek())
        ts.next()
        return e
    if t.is_op("@"):
        at = ts.next()
        name = ts.expect_name()
        if not ts.at_op("("):
            raise ts.error(f"@{name.text} invalid: ( expected", name)
        args, span = _args(ts)
        return Call(name.text, args, True, at.span + span)
    if t.kind == NAME:
        ts.next()
        nxt = ts.peek()
        if (
            _TS_OPS.fullmatch(t.text)
            and nxt.is_op(".")
            and not nxt.space
            and ts.peek(1).kind == NAME
            and not ts.peek(1).space
        ):
            # L.x, D2.x, LD.x, L.D.x: time-series operators on a variable
            ops = t.text.upper()
            ts.next()
            name = ts.next()
            while ts.at_op(".") and not ts.peek().space and _TS_OPS.fullmatch(name.text):
                ts.next()
                ops += name.text.upper()
                name = ts.expect_name()
            return Call(
                TS_OP, (Str(ops, t.span), Name(name.text, name.span)), False, t.span + name.span
            )
        if nxt.is_op("(") and not nxt.space and t.text in DATE_LITERALS:
            inner, span = ts.balanced()
            raw = ts.source(inner[0].start, inner[-1].end) if inner else ""
            return Call(t.text, (Str(raw.strip(), span),), False, t.span + span)
        if nxt.is_op("(") and not nxt.space:
            args, span = _args(ts)
            return Call(t.text, args, False, t.span + span)
        if nxt.is_op("[") and not nxt.space:
            inner, span = ts.balanced()
            if t.text in ("_b", "_se", "_coef"):
                idx_text = ts.source(inner[0].start, inner[-1].end) if inner else ""
                return Subscript(t.text, Str(idx_text.strip(), span), t.span + span)
            sub = ts.sub(inner)
            idx = parse_expr(sub)
            if sub.at_op(","):  # A[r, c]: a matrix element ([P] matrix define, subscripting)
                sub.next()
                col = parse_expr(sub)
                if not sub.at_end:
                    raise sub.error(f"{sub.peek().text} invalid", sub.peek())
                return Call(MATRIX_ELEMENT, (Name(t.text, t.span), idx, col), False, t.span + span)
            if not sub.at_end:
                raise sub.error(f"{sub.peek().text} invalid", sub.peek())
            return Subscript(t.text, idx, t.span + span)
        return Name(t.text, t.span)
    if t.kind == END:
        raise ts.error("invalid syntax", t)
    if t.kind == OP and t.text in (")", "]"):
        raise ts.error(f"unmatched close {'parenthesis' if t.text == ')' else 'bracket'}", t)
    if t.kind == OP:
        raise ts.error(f"{t.text} invalid", t)
    raise ts.error("invalid syntax", t)
