"""Parameter references ``{...}`` as ``bayesmh``, ``bayes:`` and ``bayesstats`` write them.

Forms ([BAYES] bayesmh, *Remarks: Declaring model parameters*): ``{math:homework}``, ``{math:}``
(every parameter of an equation), ``{e.math:sigma2}``, ``{Sigma,matrix}`` / ``{Sigma,m}``,
``{U0 U1}`` (several), ``{U0[schid]}`` (random effects and their level), ``{U0}``, ``{d=0.5}``
(with an initial value), ``{math:homework 1.schtype _cons}`` (several of one equation), and
matrix elements ``{U:Sigma_2_1}`` (also accepted as ``{U:Sigma_2 1}``).
"""

from __future__ import annotations

import re

from ..errors import Span, StataError
from .ast import ParamItem, ParamRef

__all__ = ["parse_param", "top_index"]

# a parameter or equation name: Stata names plus factor levels (1.schtype, 2.a#1.b) and
# the o./b. markers Stata puts in coefficient names
_ITEM = re.compile(
    r"""(?P<name>(?:[0-9]+[bno]*\.|[A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*
                 (?:\#\#?(?:[0-9]+[bno]*\.|[A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*)*)
        (?:\[(?P<index>[^\]]*)\])?$""",
    re.X,
)
_EQ = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?$")
_MATRIX = ("m", "ma", "mat", "matr", "matri", "matrix")


def parse_param(content: str, span: Span, source: str) -> ParamRef:
    """Parse the text between ``{`` and ``}``.

    Parameters
    ----------
    content
        The text inside the braces.
    span
        Span of the whole ``{...}`` in ``source``.
    source
        The command line, for error messages.

    Raises
    ------
    StataError
        ``r(198)`` naming the invalid specification.
    """

    def bad(msg: str | None = None) -> StataError:
        return StataError(
            msg or f"invalid parameter specification {{{content}}}",
            198,
            span=span,
            source=source,
        )

    init = None
    body = content
    # initial value: {d=0.5}; the "=" must be outside brackets
    eq_pos = top_index(body, "=")
    if eq_pos >= 0:
        from .expr import parse_expr_text

        init_text = body[eq_pos + 1 :]
        if not init_text.strip():
            raise bad()
        init = parse_expr_text(init_text, source=source, offset=span.start + 1 + eq_pos + 1)
        body = body[:eq_pos]
    matrix = noconstant = False
    comma = top_index(body, ",")
    if comma >= 0:
        flag = body[comma + 1 :].strip()
        if len(flag) >= 5 and "noconstant".startswith(flag):  # NOCONstant
            noconstant = True
        elif flag not in _MATRIX:
            raise bad(f"invalid parameter specification {{{content}}}: {flag} not allowed")
        matrix = not noconstant
        body = body[:comma]
    eq: str | None = None
    colon = top_index(body, ":")
    if colon >= 0:
        eq = body[:colon].strip()
        if not _EQ.match(eq):
            raise bad(f"invalid equation name {eq or '(empty)'} in {{{content}}}")
        body = body[colon + 1 :]
    words = _split_words(body)
    if not words and eq is None:
        raise bad("nothing found where parameter name expected")
    items: list[ParamItem] = []
    for w in words:
        if w.isdigit() and items and re.search(r"_\d+$", items[-1].name or ""):
            # {U:Sigma_2 1} means the matrix element Sigma_2_1
            last = items.pop()
            items.append(ParamItem(last.eq, f"{last.name}_{w}", last.index))
            continue
        m = _ITEM.match(w)
        if not m:
            raise bad(f"invalid parameter name {w}")
        items.append(ParamItem(eq, m.group("name"), m.group("index")))
    if not items:
        items.append(ParamItem(eq, None))
    return ParamRef(tuple(items), matrix, init, span, noconstant)


def top_index(text: str, ch: str) -> int:
    """The position of the first ``ch`` outside parentheses and brackets, or -1."""
    depth = 0
    for i, c in enumerate(text):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == ch and depth == 0:
            return i
    return -1


def _split_words(text: str) -> list[str]:
    words, cur, depth = [], [], 0
    for c in text:
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
        if c.isspace() and depth == 0:
            if cur:
                words.append("".join(cur))
                cur = []
        else:
            cur.append(c)
    if cur:
        words.append("".join(cur))
    return words
