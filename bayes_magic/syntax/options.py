"""Option tables with Stata's minimal abbreviations, and the parser of an option list.

A table entry is written as in Stata's help files and ``syntax`` statements: the capitalised
prefix is the shortest abbreviation (``COVariance`` accepts ``cov``, ``cova`` ...,
``covariance``); an all-lower-case name must be typed in full. ``INIT#`` matches ``init1``,
``init2`` ... Each entry names how its argument is read (:class:`Arg` subclasses).

Stata's rules ([P] syntax): options follow the first top-level comma, are separated by blanks,
and an option given twice keeps its rightmost value unless the option is repeatable
(``prior()``, ``block()``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import Span, StataError
from .ast import FileArg, Option, ParamRef, ParamsWithOptions, Suboptions, Term
from .lexer import END, NAME, NUMBER, PARAM, STRING, Token
from .stream import TokenStream

__all__ = [
    "Arg",
    "Flag",
    "Int",
    "Real",
    "Reals",
    "Numlist",
    "Bound",
    "Keyword",
    "Text",
    "NameArg",
    "Names",
    "VarlistArg",
    "ExprArg",
    "Dist",
    "Params",
    "SubOpts",
    "File",
    "Raw",
    "OptSpec",
    "OptionTable",
    "opt",
    "table",
    "parse_options",
]


# ---------------------------------------------------------------------------------------------
# argument readers


class Arg:
    """How an option's argument is read. ``optional`` lets the option appear without ``()``."""

    optional: bool = False

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> Any:
        raise NotImplementedError

    def default_value(self) -> Any:
        return True


def _bad(ts: TokenStream, spec: OptSpec, span: Span) -> StataError:
    return StataError(f"option {spec.name}() incorrectly specified", 198, span=span, source=ts.text)


def _number(ts: TokenStream) -> tuple[float, Token] | None:
    """Read a signed number or ``.`` (missing, as +inf semantics are the caller's)."""
    sign = 1.0
    t = ts.peek()
    if t.is_op("-", "+"):
        sign = -1.0 if t.text == "-" else 1.0
        ts.next()
        t = ts.peek()
    if t.kind == NUMBER:
        ts.next()
        value = float(t.text)
        return (sign * value, t) if value != float("inf") else None
    if t.is_op("."):
        ts.next()
        return float("nan"), t
    return None


@dataclass(frozen=True)
class Flag(Arg):
    """No argument."""


@dataclass(frozen=True)
class Int(Arg):
    """``(#)``, an integer, with optional bounds checked here."""

    lo: int | None = None
    hi: int | None = None
    optional: bool = False

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> int:
        got = _number(ts)
        if got is None or not ts.at_end or got[0] != got[0] or got[0] != int(got[0]):
            raise _bad(ts, spec, span)
        v = int(got[0])
        if (self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi):
            raise StataError(
                _range_msg(spec.name, self.lo, self.hi), 198, span=span, source=ts.text
            )
        return v


def _range_msg(name: str, lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"{name}() must be between {_g(lo)} and {_g(hi)}"
    if lo is not None:
        return (
            f"{name}() must be greater than or equal to {_g(lo)}"
            if lo != 1
            else (f"{name}() must be a positive integer")
        )
    return f"{name}() must be less than or equal to {_g(hi)}"


def _g(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


@dataclass(frozen=True)
class Real(Arg):
    """``(#)``, a real number; ``.`` allowed when ``missing_ok``."""

    lo: float | None = None
    hi: float | None = None
    missing_ok: bool = False

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> float:
        got = _number(ts)
        if got is None or not ts.at_end:
            raise _bad(ts, spec, span)
        v = got[0]
        if v != v and not self.missing_ok:
            raise _bad(ts, spec, span)
        if v == v and (
            (self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi)
        ):
            raise StataError(
                _range_msg(spec.name, self.lo, self.hi), 198, span=span, source=ts.text
            )
        return v


@dataclass(frozen=True)
class Bound(Arg):
    """``lower(# [, inclusive])`` of ``bayestest interval``: ``(value, inclusive)``; ``.`` = inf."""

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> tuple[float, bool]:
        got = _number(ts)
        if got is None:
            raise _bad(ts, spec, span)
        inclusive = False
        if ts.accept_op(","):
            subs = parse_options(ts, table(opt("INCLusive")))
            inclusive = any(o.name == "inclusive" for o in subs)
        if not ts.at_end:
            raise _bad(ts, spec, span)
        return got[0], inclusive


@dataclass(frozen=True)
class Reals(Arg):
    """``(# # ...)``: between ``least`` and ``most`` numbers, ``.`` allowed (meaning default)."""

    least: int = 1
    most: int = 99

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> tuple[float, ...]:
        vals: list[float] = []
        while not ts.at_end:
            ts.accept_op(",")
            got = _number(ts)
            if got is None:
                raise _bad(ts, spec, span)
            vals.append(got[0])
        if not (self.least <= len(vals) <= self.most):
            raise _bad(ts, spec, span)
        return tuple(vals)


@dataclass(frozen=True)
class Numlist(Arg):
    """A numlist ([U] 11.1.8 numlist): ``1 3 5``, ``1/3``, ``1(2)9`` (or ``1[2]9``),
    ``10(-1)1``; blanks or commas between the elements."""

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> tuple[float, ...]:
        vals: list[float] = []
        while not ts.at_end:
            if ts.accept_op(","):
                continue
            first = self._one(ts, span)
            if ts.accept_op("/"):
                last = self._one(ts, span)
                vals += self._range(ts, first, 1.0 if last >= first else -1.0, last, span)
            elif ts.at_op("(", "["):
                inner, _ = ts.balanced()
                step = self._one(ts.sub(inner), span)
                vals += self._range(ts, first, step, self._one(ts, span), span)
            else:
                vals.append(first)
        return tuple(vals)

    @staticmethod
    def _error(ts: TokenStream, span: Span) -> StataError:
        return StataError("invalid numlist", 121, span=span, source=ts.text)

    def _one(self, ts: TokenStream, span: Span) -> float:
        got = _number(ts)
        if got is None or got[0] != got[0]:
            raise self._error(ts, span)
        return got[0]

    def _range(
        self, ts: TokenStream, first: float, step: float, last: float, span: Span
    ) -> list[float]:
        if step == 0 or (last - first) * step < 0:
            raise self._error(ts, span)
        count = math.floor((last - first) / step + 1e-9) + 1
        return [first + k * step for k in range(count)]


@dataclass(frozen=True)
class Keyword(Arg):
    """One word of a list with capitalised abbreviations, e.g. ``"INDependent UNstructured"``.

    ``args`` lists keywords that take their own parenthesised argument (returned as
    ``(keyword, raw text)``).
    """

    choices: str = ""
    args: tuple[str, ...] = ()
    optional: bool = False

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> Any:
        t = ts.peek()
        if t.kind != NAME:
            raise self._invalid(ts, spec, span)
        word = ts.next().text
        full = _resolve_word(word, self.choices.split())
        if full is None:
            raise self._invalid(ts, spec, span)
        if ts.at_op("("):
            if full not in self.args:
                raise self._invalid(ts, spec, span)
            inner, _ = ts.balanced()
            value: Any = (full, ts.source(inner[0].start, inner[-1].end) if inner else "")
        elif full in self.args:  # pattern(matname) without its argument
            raise self._invalid(ts, spec, span)
        else:
            value = full
        if not ts.at_end:
            raise self._invalid(ts, spec, span)
        return value

    def _invalid(self, ts: TokenStream, spec: OptSpec, span: Span) -> StataError:
        return StataError(f"{spec.name}() invalid", 198, span=span, source=ts.text)


@dataclass(frozen=True)
class Text(Arg):
    """Any text: a quoted string (quotes removed) or the raw text."""

    optional: bool = False

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> str:
        if ts.peek().kind == STRING and ts.peek(1).kind == END:
            return ts.next().text
        if ts.at_end:
            return ""
        start, end = ts.peek().start, ts.toks[-1].start
        ts.i = len(ts.toks) - 1
        return ts.source(start, end).strip()


@dataclass(frozen=True)
class NameArg(Arg):
    """One Stata name (``names(u2b)``, ``relevel(schid)``)."""

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> str:
        t = ts.peek()
        if t.kind != NAME or ts.peek(1).kind != END:
            raise _bad(ts, spec, span)
        return ts.next().text


@dataclass(frozen=True)
class Names(Arg):
    """One or more words, possibly with wildcards (``reses(s*)``)."""

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> tuple[str, ...]:
        from .varlist import read_word

        words = []
        while not ts.at_end:
            w = read_word(ts)
            if w is None:
                raise _bad(ts, spec, span)
            words.append(w[0])
        if not words:
            raise _bad(ts, spec, span)
        return tuple(words)


@dataclass(frozen=True)
class VarlistArg(Arg):
    """A varlist (``by(schid)``, ``sepby(x)``); factor variables refused unless ``factor``."""

    factor: bool = False
    optional: bool = False

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> tuple[Term, ...]:
        from .varlist import parse_varlist

        terms = parse_varlist(ts, factor=self.factor)
        if not ts.at_end:
            raise _bad(ts, spec, span)
        return terms


@dataclass(frozen=True)
class ExprArg(Arg):
    """An expression (``if()``-style options, distribution arguments)."""

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> Any:
        from .expr import parse_expr

        e = parse_expr(ts)
        if not ts.at_end:
            raise ts.error(f"{ts.peek().text} invalid", ts.peek())
        return e


@dataclass(frozen=True)
class Dist(Arg):
    """``likelihood(normal({e.y:sigma2}))``: a distribution expression, then ``, suboptions``."""

    table: OptionTable | None = None

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> ParamsWithOptions:
        from .expr import parse_expr

        if ts.at_end:
            raise _bad(ts, spec, span)
        dist = parse_expr(ts)
        subs = self._subs(ts, spec, span)
        return ParamsWithOptions((), dist, subs)

    def _subs(self, ts: TokenStream, spec: OptSpec, span: Span) -> Suboptions:
        if ts.at_end:
            return Suboptions(())
        if not ts.at_op(","):
            raise ts.error(f"{ts.peek().text} invalid", ts.peek())
        ts.next()
        table = self.table or OptionTable(())
        return Suboptions(parse_options(ts, table))


@dataclass(frozen=True)
class Params(Arg):
    """``prior({a} {b}, dist [, opts])`` (``dist=True``) or ``block({a} {b} [, opts])``.

    With ``dist=False`` and ``optional=True`` this also reads ``showreffects[({U0})]``.
    """

    dist: bool = False
    table: OptionTable | None = None
    optional: bool = False
    names: bool = False  # accept bare names too (exclude(), noshow())

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> ParamsWithOptions:
        from .expr import parse_expr
        from .params import parse_param

        params: list[ParamRef] = []
        while ts.peek().kind == PARAM or (self.names and ts.peek().kind == NAME):
            t = ts.next()
            if t.kind == PARAM:
                params.append(parse_param(t.text, t.span, ts.text))
            else:
                params.append(ParamRef((_name_item(t.text),), span=t.span))
        if not params:
            raise StataError(
                f"option {spec.name}() incorrectly specified: parameters in braces {{}} expected",
                198,
                span=ts.peek().span if not ts.at_end else span,
                source=ts.text,
            )
        dist = None
        if self.dist:
            if not ts.at_op(","):
                raise StataError(
                    f"option {spec.name}() incorrectly specified: prior distribution expected",
                    198,
                    span=span,
                    source=ts.text,
                )
            ts.next()
            if ts.at_end:
                raise _bad(ts, spec, span)
            dist = parse_expr(ts)
        subs = Suboptions(())
        if not ts.at_end:
            if not ts.at_op(","):
                raise ts.error(f"{ts.peek().text} invalid", ts.peek())
            ts.next()
            subs = Suboptions(parse_options(ts, self.table or OptionTable(())))
        return ParamsWithOptions(tuple(params), dist, subs)

    def default_value(self) -> Any:
        return ParamsWithOptions((), None, Suboptions(()))


def _name_item(text: str):
    from .ast import ParamItem

    return ParamItem(None, text)


@dataclass(frozen=True)
class SubOpts(Arg):
    """An argument that is an option list itself (``adaptation(every(100) maxiter(50))``)."""

    table: OptionTable | None = None

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> Suboptions:
        assert self.table is not None
        return Suboptions(parse_options(ts, self.table))


@dataclass(frozen=True)
class File(Arg):
    """``saving(filename [, replace])``: a file name (quoted or not) and suboptions."""

    table: OptionTable | None = None

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> FileArg:
        if ts.at_end or ts.at_op(","):
            raise _bad(ts, spec, span)
        if ts.peek().kind == STRING:
            path = ts.next().text
        else:
            start = ts.peek().start
            end = start
            while not ts.at_end and not ts.at_op(","):
                end = ts.next().end
            path = ts.source(start, end).strip()
        subs: tuple[Option, ...] = ()
        if ts.accept_op(","):
            subs = parse_options(ts, self.table or OptionTable((opt("replace"),)))
        if not ts.at_end:
            raise _bad(ts, spec, span)
        return FileArg(path, Suboptions(subs))


@dataclass(frozen=True)
class Raw(Arg):
    """Keep the tokens' text for a later stage (twoway graph options and the like)."""

    optional: bool = False

    def parse(self, ts: TokenStream, spec: OptSpec, span: Span) -> str:
        if ts.at_end:
            return ""
        start = ts.peek().start
        end = ts.toks[-1].start
        ts.i = len(ts.toks) - 1
        return ts.source(start, end).strip()


# ---------------------------------------------------------------------------------------------
# tables


@dataclass(frozen=True)
class OptSpec:
    """One option: full name, minimal abbreviation length, argument reader."""

    name: str
    min: int
    arg: Arg = field(default_factory=Flag)
    repeat: bool = False
    numbered: bool = False  # INIT#: init1(), init2() ...

    def matches(self, word: str) -> str | None:
        """The canonical name if ``word`` names this option, else None."""
        if "#" in self.name:  # graph#opts: graph1opts, graph2opts ... typed in full
            pre, post = self.name.split("#", 1)
            m = re.fullmatch(re.escape(pre) + r"(\d+)" + re.escape(post), word)
            return f"{pre}{m.group(1)}{post}" if m else None
        if self.numbered:
            m = re.fullmatch(r"([A-Za-z_]+)(\d+)", word)
            if m and self._prefix_ok(m.group(1)):
                return f"{self.name}{m.group(2)}"
            return None
        return self.name if self._prefix_ok(word) else None

    def _prefix_ok(self, w: str) -> bool:
        # Stata's options are case-sensitive: "cov" abbreviates covariance, "COV" does not
        return len(w) >= self.min and self.name.startswith(w)


def opt(
    pattern: str,
    arg: Arg | None = None,
    *,
    repeat: bool = False,
) -> OptSpec:
    """Build an :class:`OptSpec` from Stata's notation: ``opt("COVariance", Keyword(...))``.

    The capitalised prefix is the minimal abbreviation; ``#`` at the end makes a numbered option
    (``INIT#``). A name that is entirely upper case (Stata's ``N`` and ``V``) is kept as is.
    """
    numbered = pattern.endswith("#")
    p = pattern.rstrip("#")
    if p.isupper() and len(p) == 1:
        name, n_min = p, 1
    else:
        n_min = 0
        while n_min < len(p) and p[n_min].isupper():
            n_min += 1
        if n_min == 0:
            n_min = len(p)
        name = p.lower()
    return OptSpec(name, n_min, arg or Flag(), repeat, numbered)


@dataclass(frozen=True)
class OptionTable:
    """An ordered set of option specs; later tables can be added with ``+``."""

    specs: tuple[OptSpec, ...]

    def __add__(self, other: OptionTable) -> OptionTable:
        return OptionTable(self.specs + other.specs)

    def find(self, word: str) -> OptSpec | None:
        hits = [s for s in self.specs if s.matches(word)]
        if not hits:
            return None
        # an exact full name wins over an abbreviation of a longer one
        for s in hits:
            if s.name == word.lower() or s.name == word:
                return s
        return hits[0]

    def names(self) -> list[str]:
        return [s.name for s in self.specs]


def table(*specs: OptSpec) -> OptionTable:
    return OptionTable(tuple(specs))


def _resolve_word(word: str, choices: list[str]) -> str | None:
    for c in choices:
        spec = opt(c)
        if spec.matches(word):
            return spec.name
    return None


def parse_options(ts: TokenStream, tbl: OptionTable, *, strict: bool = True) -> tuple[Option, ...]:
    """Parse blank-separated options up to the end of ``ts``.

    Parameters
    ----------
    ts
        Stream positioned after the comma.
    tbl
        The options this command accepts.
    strict
        When False, options not in ``tbl`` are returned with ``name`` prefixed by ``"?"`` and their
        raw text as value, for the caller to route elsewhere (``mixed``'s last equation).

    Raises
    ------
    StataError
        ``option foo not allowed`` (r(198)) for an unknown option, and the argument errors of
        each reader.
    """
    out: list[Option] = []
    while not ts.at_end:
        t = ts.peek()
        if t.kind != NAME:
            if t.is_op(","):
                raise ts.error("invalid syntax", t)
            raise ts.error(f"{t.text} invalid", t)
        ts.next()
        has_args = ts.at_op("(") and not ts.peek().space
        inner: list[Token] = []
        span = t.span
        if has_args:
            inner, paren_span = ts.balanced()
            span = t.span + paren_span
        spec = tbl.find(t.text)
        if spec is None:
            if not strict:
                raw = ts.source(span.start, span.end)
                out.append(Option("?" + t.text, (raw, inner), span))
                continue
            raise StataError(f"option {t.text} not allowed", 198, span=span, source=ts.text)
        canonical = spec.matches(t.text) or spec.name
        if isinstance(spec.arg, Flag):
            if has_args:
                raise StataError(
                    f"option {canonical}() not allowed", 198, span=span, source=ts.text
                )
            value: Any = True
        elif not has_args:
            if not spec.arg.optional:
                raise StataError(
                    f"option {canonical}() incorrectly specified", 198, span=span, source=ts.text
                )
            value = spec.arg.default_value()
        else:
            sub = ts.sub(inner)
            if not inner and not spec.arg.optional and not isinstance(spec.arg, (Text, Raw)):
                raise StataError(
                    f"option {canonical}() incorrectly specified", 198, span=span, source=ts.text
                )
            value = spec.arg.parse(sub, spec, span) if inner else spec.arg.default_value()
            if not sub.at_end:
                raise sub.error(f"{sub.peek().text} invalid", sub.peek())
        out.append(Option(canonical, value, span))
    return tuple(out)


def option_value_text(opt_: Option) -> str:
    """A readable rendering of an option (for model summaries and tests)."""
    if opt_.value is True:
        return opt_.name
    return f"{opt_.name}({opt_.value})"
