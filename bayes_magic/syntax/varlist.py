"""Varlists: names, wildcards, ranges, factor variables and random-effects terms.

Stata's varlist syntax ([U] 11.4 varname and varlists; [U] 11.4.3 Factor variables;
[BAYES] bayesmh *Random effects*): ``x``, ``u*``, ``x?``, ``x1-x5``; ``i.x``, ``c.x``, ``o.x``,
``ib2.x``, ``ibn.x``, ``ib(first).x``, ``ib(last).x``, ``ib(freq).x``, ``i(1 3).x``,
``io(2).x``, ``2.x``, ``2bn.x``, ``i.(a b)``; interactions ``a#b`` and ``a##b``; ``R.x`` in
``mixed``'s crossed random effects; and ``U0[schid]``, ``R0[family>subject]``,
``U1[schid]#c.homework`` in ``bayesmh``.

A varlist is read word by word (a word is a run of tokens with no blank between them, brackets
and parentheses kept whole); each word is parsed by a small regular grammar.
"""

from __future__ import annotations

import re

from ..errors import Span, StataError
from .ast import FactorVar, Interaction, REVar, Term, VarName, VarRange
from .lexer import END, NAME, Token
from .stream import TokenStream

__all__ = ["parse_varlist", "read_word", "parse_term_text", "is_weight_start", "WEIGHT_KINDS"]

WEIGHT_KINDS = {
    "fw": "fweight",
    "fweight": "fweight",
    "frequency": "fweight",
    "pw": "pweight",
    "pweight": "pweight",
    "aw": "aweight",
    "aweight": "aweight",
    "cellsize": "aweight",
    "iw": "iweight",
    "iweight": "iweight",
    "weight": "weight",
}

_VARPAT = r"[A-Za-z_*?~][A-Za-z0-9_*?~]*"
_VARNAME = r"[A-Za-z_][A-Za-z0-9_]*"
_RE_TERM = re.compile(rf"^({_VARNAME})\[({_VARNAME}(?:>{_VARNAME})*)\]$")
_RANGE = re.compile(rf"^({_VARNAME})-({_VARNAME})$")
_PLAIN = re.compile(rf"^{_VARPAT}$")
# operator part before the "." of a factor variable
_OP = re.compile(
    r"""^(?:
        (?P<i>i)(?:(?P<b>b(?:n|\d+|\((?:first|last|freq|\d+)\))?)|(?P<io>o)?\((?P<lv>[0-9 /]+)\))?
      | (?P<c>c)
      | (?P<o>o)
      | (?P<R>R)
      | (?P<level>\d+)(?P<lb>bn|b|o)?
      | (?P<ts>[LFDS]\d*)
    )$""",
    re.X,
)


def is_weight_start(ts: TokenStream) -> bool:
    """Whether the cursor is at ``[fw=...]``-style weights."""
    t = ts.peek()
    return (
        t.is_op("[")
        and ts.peek(1).kind == NAME
        and ts.peek(1).text in WEIGHT_KINDS
        and ts.peek(2).is_op("=")
    )


def read_word(ts: TokenStream) -> tuple[str, Span] | None:
    """Read one blank-delimited word (keeping ``(...)`` and ``[...]`` whole); None at a stop.

    Stops (returning None, consuming nothing) at the end, a top-level ``,``, ``||``, ``=``, ``:``,
    a ``(`` that starts a word, weights, or the words ``if``, ``in``, ``using``.
    """
    t = ts.peek()
    if t.kind == END or t.is_op(",", "||", "=", ":", "("):
        return None
    if t.kind == NAME and t.text in ("if", "in", "using"):
        return None
    if is_weight_start(ts):
        return None
    start = t.start
    end = t.end
    first = True
    while True:
        t = ts.peek()
        if t.kind == END or (not first and t.space):
            break
        if not first and (t.is_op(",", "||", "=") or (t.is_op(":"))):
            break
        if not first and t.is_op("[") and is_weight_start(ts):
            break
        if t.is_op("(", "["):
            _, span = ts.balanced()
            end = span.end
        else:
            ts.next()
            end = t.end
        first = False
    return ts.source(start, end), Span(start, end)


def parse_varlist(
    ts: TokenStream,
    *,
    factor: bool = True,
    reffects: bool = False,
    allow_empty: bool = True,
) -> tuple[Term, ...]:
    """Parse the words at the cursor as a varlist.

    Parameters
    ----------
    ts
        Token stream at the first word.
    factor
        Whether factor-variable notation is allowed (``i.``, ``c.``, ``#``); when False it is
        refused with Stata's r(101) message.
    reffects
        Whether ``bayesmh`` random-effects terms ``U0[schid]`` are allowed.
    allow_empty
        When False an empty varlist is ``r(100) varlist required``.
    """
    terms: list[Term] = []
    pending_dash: Span | None = None
    while True:
        word = read_word(ts)
        if word is None:
            break
        text, span = word
        if text == "-":
            if not terms or not isinstance(terms[-1], VarName):
                raise StataError("- invalid name", 198, span=span, source=ts.text)
            pending_dash = span
            continue
        if pending_dash is not None:
            first = terms.pop()
            assert isinstance(first, VarName)
            if not re.match(rf"^{_VARNAME}$", text):
                raise StataError(f"{text} invalid name", 198, span=span, source=ts.text)
            terms.append(VarRange(first.name, text, first.span + span))
            pending_dash = None
            continue
        terms.extend(parse_term_text(text, span, ts.text, factor=factor, reffects=reffects))
    if pending_dash is not None:
        raise StataError("- invalid name", 198, span=pending_dash, source=ts.text)
    if not terms and not allow_empty:
        raise StataError("varlist required", 100, span=ts.peek().span, source=ts.text)
    return tuple(terms)


def parse_term_text(
    text: str,
    span: Span,
    source: str,
    *,
    factor: bool = True,
    reffects: bool = False,
) -> list[Term]:
    """Parse one varlist word into terms (``i.(a b)`` gives two)."""

    def bad(msg: str, rc: int = 198) -> StataError:
        return StataError(msg, rc, span=span, source=source)

    if "#" in text:
        if not factor:
            raise bad("factor-variable and time-series operators not allowed", 101)
        full = "##" in text
        pieces = _split_interaction(text)
        if any(p == "" for p in pieces):
            raise bad(f"{text} invalid name")
        if full and "#" in text.replace("##", ""):
            raise bad(f"{text}: cannot mix # and ## in one term")
        parts: list[list[Term]] = []
        for p in pieces:
            sub = _factor(p, span, source, reffects=reffects, in_interaction=True)
            parts.append(sub)
        # i.(a b)#c.x expands like Stata: one interaction per combination
        combos: list[list[Term]] = [[]]
        for sub in parts:
            combos = [[*c, s] for c in combos for s in sub]
        return [Interaction(tuple(c), full, span) for c in combos]
    return _factor(text, span, source, reffects=reffects, factor=factor)


def _split_interaction(text: str) -> list[str]:
    pieces, cur, depth, i = [], [], 0, 0
    while i < len(text):
        c = text[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        if c == "#" and depth == 0:
            pieces.append("".join(cur))
            cur = []
            i += 2 if text.startswith("##", i) else 1
            continue
        cur.append(c)
        i += 1
    pieces.append("".join(cur))
    return pieces


def _factor(
    text: str,
    span: Span,
    source: str,
    *,
    reffects: bool,
    factor: bool = True,
    in_interaction: bool = False,
) -> list[Term]:
    def bad(msg: str, rc: int = 198) -> StataError:
        return StataError(msg, rc, span=span, source=source)

    m = _RE_TERM.match(text)
    if m:
        if not reffects:
            raise bad(f"{text} invalid name")
        return [REVar(m.group(1), tuple(m.group(2).split(">")), span)]
    if "." not in text:
        if _RANGE.match(text) and not in_interaction:
            a, b = text.split("-")
            return [VarRange(a, b, span)]
        if not _PLAIN.match(text):
            raise bad(f"{text} invalid name")
        if in_interaction:
            # a bare name in an interaction is a factor variable: a#b means i.a#i.b
            return [FactorVar("i", text, span=span)]
        return [VarName(text, span)]
    if not factor:
        raise bad("factor-variable and time-series operators not allowed", 101)
    dot = _top_dot(text)
    if dot < 0:
        raise bad(f"{text} invalid name")
    op_text, var_text = text[:dot], text[dot + 1 :]
    om = _OP.match(op_text)
    if not om:
        raise bad(f"{op_text}. invalid factor-variable operator")
    if om.group("ts"):
        raise bad("time-series operators not allowed", 101)
    if var_text.startswith("(") and var_text.endswith(")"):
        names = var_text[1:-1].split()
        if not names:
            raise bad(f"{text} invalid name")
    else:
        names = [var_text]
    for name in names:
        if not _PLAIN.match(name):
            raise bad(f"{name} invalid name")
    out: list[Term] = []
    for name in names:
        out.append(_make_factor(om, name, span, bad))
    return out


def _make_factor(om: re.Match[str], name: str, span: Span, bad) -> FactorVar:
    if om.group("c"):
        return FactorVar("c", name, span=span)
    if om.group("o"):
        return FactorVar("o", name, span=span)
    if om.group("R"):
        return FactorVar("R", name, span=span)
    if om.group("level"):
        level = int(om.group("level"))
        lb = om.group("lb")
        base: int | str | None = None
        if lb == "b":
            base = level
        elif lb == "bn":
            base = "none"
        omit = (level,) if lb == "o" else ()
        return FactorVar("i", name, base=base, levels=(level,), omit=omit, span=span)
    # i-operator
    b = om.group("b")
    base = None
    if b:
        if b == "bn":
            base = "none"
        elif b.startswith("b("):
            arg = b[2:-1]
            base = int(arg) if arg.isdigit() else arg
        else:
            base = int(b[1:])
    levels = None
    omit: tuple[int, ...] = ()
    if om.group("lv"):
        lv = _numlist(om.group("lv"), bad)
        if om.group("io"):
            omit = lv
        else:
            levels = lv
    return FactorVar("i", name, base=base, levels=levels, omit=omit, span=span)


def _numlist(text: str, bad) -> tuple[int, ...]:
    out: list[int] = []
    for part in text.split():
        if "/" in part:
            a, _, b = part.partition("/")
            if not (a.isdigit() and b.isdigit()) or int(b) < int(a):
                raise bad(f"invalid numlist {text}")
            out.extend(range(int(a), int(b) + 1))
        elif part.isdigit():
            out.append(int(part))
        else:
            raise bad(f"invalid numlist {text}")
    return tuple(out)


def _top_dot(text: str) -> int:
    depth = 0
    for i, c in enumerate(text):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "." and depth == 0:
            return i
    return -1


def tokens_text(tokens: list[Token], source: str) -> str:
    """The source text covered by ``tokens``."""
    if not tokens:
        return ""
    return source[tokens[0].start : tokens[-1].end]
