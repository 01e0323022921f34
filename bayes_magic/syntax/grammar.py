"""What each command's line looks like: its body, qualifiers and options.

A :class:`Grammar` names a command (with its minimal abbreviation, as in the help files), says
how its body is read, which of ``if``, ``in``, weights and ``using`` it takes, and which options.
Commands with subcommands (``estimates store``, ``bayesstats ess``) hold a grammar per
subcommand. :data:`COMMANDS` is the one table of commands the language knows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import Span, StataError
from . import tables as T
from .ast import (
    AnovaModel,
    AnovaTerm,
    Assignment,
    Body,
    EgenCall,
    Equation,
    Equations,
    ExprBody,
    IntervalItem,
    JointItem,
    LabelDefine,
    LabeledExpr,
    LevelEq,
    MultilevelModel,
    Name,
    NonlinearModel,
    Option,
    ParamList,
    ParamRef,
    Plots,
    StoredName,
    Term,
    Varlist,
    VarName,
    Words,
)
from .expr import parse_expr
from .lexer import END, FORMAT, NAME, NUMBER, PARAM, STRING
from .options import OptionTable, parse_options
from .params import parse_param
from .stream import TokenStream
from .varlist import parse_term_text, parse_varlist, read_word

__all__ = ["Grammar", "COMMANDS", "lookup", "STORAGE_TYPES"]

BodyParser = Callable[[TokenStream], Body]

STORAGE_TYPES = ("byte", "int", "long", "float", "double", "strL")


@dataclass(frozen=True)
class Grammar:
    """The shape of one command (or subcommand) line.

    ``options`` may be a function of the parsed body (``tabulate`` has one table for one
    variable and another for two). ``custom`` bodies read their own qualifiers and options
    (``mixed``'s random-effects equations carry options of their own).
    """

    name: str
    min: int
    body: BodyParser | None = None
    options: OptionTable | Callable[[Body], OptionTable] = field(
        default_factory=lambda: OptionTable(())
    )
    if_: bool = False
    in_: bool = False
    weights: tuple[str, ...] = ()
    using: str = "no"  # "no", "optional", "required"
    subcommands: tuple[Grammar, ...] = ()
    custom: bool = False
    default_sub: str | None = None  # subcommand used when none is given (estimates replay ...)

    def matches(self, word: str) -> bool:
        return len(word) >= self.min and self.name.startswith(word)

    def table_for(self, body: Body) -> OptionTable:
        return self.options(body) if callable(self.options) else self.options

    def sub(self, word: str) -> Grammar | None:
        for g in self.subcommands:
            if g.matches(word):
                return g
        return None


def g(pattern: str, body: BodyParser | None = None, options=None, **kw) -> Grammar:
    """Grammar from Stata's notation: ``g("SUmmarize", ...)`` accepts ``su``, ``sum`` ..."""
    n_min = 0
    while n_min < len(pattern) and pattern[n_min].isupper():
        n_min += 1
    return Grammar(
        pattern.lower(),
        n_min or len(pattern),
        body,
        options if options is not None else OptionTable(()),
        **kw,
    )


# ---------------------------------------------------------------------------------------------
# body readers


def _stops(ts: TokenStream) -> bool:
    t = ts.peek()
    return (
        t.kind == END
        or t.is_op(",")
        or (t.kind == NAME and t.text in ("if", "in", "using"))
        or (t.is_op("[") and t.space)
    )


def varlist_body(factor: bool = True, *, required: bool = False) -> BodyParser:
    def parse(ts: TokenStream) -> Varlist:
        return Varlist(parse_varlist(ts, factor=factor, allow_empty=not required))

    return parse


def model_body(ts: TokenStream) -> Varlist:
    """``depvar [indepvars]`` (regress-like): the first term is the dependent variable."""
    terms = parse_varlist(ts, factor=True, allow_empty=False)
    if not isinstance(terms[0], VarName):
        raise StataError(
            "depvar may not be a factor variable", 198, span=terms[0].span, source=ts.text
        )
    return Varlist(terms)


def anova_body(ts: TokenStream) -> AnovaModel:
    """``depvar [term [term ...]]`` ([R] anova): factor-variable terms, with ``c|t`` for a term
    nested within another (written with or without blanks round the bar). A bare ``anova`` is a
    replay. The error-term slash of nested designs is refused by name."""
    words: list[tuple[str, Span]] = []
    while (w := read_word(ts)) is not None:
        words.append(w)
    if not words:
        return AnovaModel(None)
    depvar = parse_term_text(*words[0], ts.text)
    if len(depvar) != 1 or not isinstance(depvar[0], VarName):
        raise StataError(
            "depvar may not be a factor variable", 198, span=words[0][1], source=ts.text
        )
    merged: list[tuple[str, Span]] = []
    for text, span in words[1:]:
        if text == "/" or "/" in text:
            raise StataError(
                "error terms (/) are not available in bayes_magic's anova yet; every term is "
                "tested against the residual",
                198,
                span=span,
                source=ts.text,
            )
        if merged and (text.startswith("|") or merged[-1][0].endswith("|")):
            last, lspan = merged.pop()
            merged.append((last + text, lspan + span))
        else:
            merged.append((text, span))
    terms: list[AnovaTerm] = []
    for text, span in merged:
        parts = text.split("|")
        if any(p == "" for p in parts):
            raise StataError(f"{text} invalid term", 198, span=span, source=ts.text)
        main = parse_term_text(parts[0], span, ts.text)
        within: list[Term] = []
        for p in parts[1:]:
            sub = parse_term_text(p, span, ts.text)
            if len(sub) != 1:
                raise StataError(f"{text} invalid term", 198, span=span, source=ts.text)
            within.append(sub[0])
        if within and len(main) != 1:
            raise StataError(f"{text} invalid term", 198, span=span, source=ts.text)
        terms.extend(AnovaTerm(m, tuple(within), text, span) for m in main)
    return AnovaModel(depvar[0], tuple(terms))


def graph_bar_body(ts: TokenStream) -> Words:
    """``[(stat)] varname ... [(stat) varname ...]`` of ``graph bar`` ([G-2] graph bar): each
    ``(stat)`` as one word ``(mean)``, then the variables it applies to."""
    words: list[str] = []
    spans: list[Span] = []
    while not _stops(ts):
        if ts.at_op("("):
            inner, span = ts.balanced()
            words.append("(" + " ".join(t.text for t in inner) + ")")
            spans.append(span)
            continue
        w = read_word(ts)
        if w is None:
            raise ts.error(f"{ts.peek().text} invalid name", ts.peek())
        words.append(w[0])
        spans.append(w[1])
    return Words(tuple(words), tuple(spans))


def rest_body(ts: TokenStream) -> Words:
    """The whole rest of the line, options included: commands the language knows but this
    version refuses by name (their options are not read)."""
    start = ts.peek().start
    end = start
    while not ts.at_end:
        end = ts.next().end
    return Words((ts.source(start, end),) if end > start else ())


def words_body(
    *, least: int = 0, most: int | None = None, what: str = "name", whole: str = STRING
) -> BodyParser:
    """Plain words (names, numbers, file names) up to the options or qualifiers; a token of
    kind ``whole`` (a quoted string, or a ``%fmt`` for ``format``) is one word."""

    def parse(ts: TokenStream) -> Words:
        words: list[str] = []
        spans: list[Span] = []
        while not _stops(ts):
            t = ts.peek()
            if t.kind == whole:
                ts.next()
                words.append(t.text)
                spans.append(t.span)
                continue
            w = read_word(ts)
            if w is None:
                # a "(" or "=" or ":" that a word list does not take
                raise ts.error(f"{ts.peek().text} invalid {what}", ts.peek())
            words.append(w[0])
            spans.append(w[1])
        if len(words) < least:
            raise StataError(
                f"nothing found where {what} expected", 198, span=ts.peek().span, source=ts.text
            )
        if most is not None and len(words) > most:
            raise StataError(
                f"{words[most]} invalid {what}" if what != "name" else "invalid syntax",
                198,
                span=spans[most],
                source=ts.text,
            )
        return Words(tuple(words), tuple(spans))

    return parse


def filename_body(*, required: bool = True) -> BodyParser:
    """A file name: quoted, or the text up to a blank or the options comma."""

    def parse(ts: TokenStream) -> Words:
        t = ts.peek()
        if t.kind == STRING:
            ts.next()
            return Words((t.text,), (t.span,))
        if _stops(ts) and not (t.kind == NAME and t.text in ("if", "in", "using")):
            if required:
                raise StataError("invalid file specification", 198, span=t.span, source=ts.text)
            return Words(())
        if t.is_op("[", "(", "{", "=", ":") or t.kind == STRING:
            raise StataError("invalid file specification", 198, span=t.span, source=ts.text)
        start, end = t.start, t.end
        ts.next()
        while not ts.at_end and not ts.peek().space and not ts.at_op(","):
            end = ts.next().end
        if not _stops(ts):
            raise ts.error("invalid syntax", ts.peek())
        return Words((ts.source(start, end),), (Span(start, end),))

    return parse


def export_body(ts: TokenStream) -> Body:
    """``export delimited [varlist] using filename`` or ``export delimited filename``."""
    if any(t.is_name("using") for t in ts.toks[ts.i :]):
        return Varlist(parse_varlist(ts, factor=False))
    return filename_body(required=False)(ts)


def import_body(ts: TokenStream) -> Words:
    """``import delimited [using] filename``: the file name, or nothing before ``using``."""
    if ts.peek().is_name("using"):
        return Words(())
    return filename_body(required=False)(ts)


def comparison_body(ts: TokenStream) -> Words:
    """``varname == exp`` (``ttest``) up to ``if``/``in``/the options, as one word."""
    start = ts.peek().start
    end = start
    while not _stops(ts):
        end = ts.next().end
    text = ts.source(start, end).strip()
    if not text:
        raise StataError("varlist required", 100, span=ts.peek().span, source=ts.text)
    return Words((text,), (Span(start, end),))


def _text_body(ts: TokenStream, *, definition: bool) -> Words:
    """The text up to the options (a comma outside brackets), as one word; with
    ``definition`` a text with ``=`` is whole (its commas belong to the definition)."""
    start = ts.peek().start
    end = start
    depth = 0
    defines = False
    while not ts.at_end:
        t = ts.peek()
        if t.is_op("(", "["):
            depth += 1
        elif t.is_op(")", "]"):
            depth -= 1
        elif definition and depth == 0 and t.is_op("="):
            defines = True
        elif depth == 0 and t.is_op(",") and not defines:
            break
        end = ts.next().end
    text = ts.source(start, end).strip()
    if not text:
        raise StataError(
            "nothing found where expression expected", 198, span=ts.peek().span, source=ts.text
        )
    return Words((text,), (Span(start, end),))


def raw_body(ts: TokenStream) -> Words:
    """Everything up to the options, as one word (``test`` hypotheses)."""
    return _text_body(ts, definition=False)


def matrix_body(ts: TokenStream) -> Words:
    """``matrix``'s text: a definition (``matrix A = B, C``: a column join, not options)
    whole; other subcommands up to their options (``matrix list A, format(%9.3f)``)."""
    return _text_body(ts, definition=True)


def groups_body(ts: TokenStream) -> Words:
    """Words, ``=`` signs and parenthesized groups kept whole (``recode x (1 2 = 1) (else =
    0)``, ``collapse (mean) m=math (sd) sd=math``), up to the qualifiers or options."""
    words: list[str] = []
    spans: list[Span] = []
    while not _stops(ts):
        t = ts.peek()
        if t.is_op("("):
            _inner, span = ts.balanced()
            words.append(ts.source(span.start, span.end))
            spans.append(span)
        elif t.is_op("="):
            ts.next()
            words.append("=")
            spans.append(t.span)
        else:
            w = read_word(ts)
            if w is None:
                raise ts.error(f"{t.text} invalid", t)
            words.append(w[0])
            spans.append(w[1])
    return Words(tuple(words), tuple(spans))


def use_body(ts: TokenStream) -> Body:
    """``use filename`` or ``use [varlist] [if] [in] using filename`` ([D] use)."""
    if any(t.is_name("using") for t in ts.toks[ts.i :]):
        return Varlist(parse_varlist(ts, factor=False))
    return filename_body(required=False)(ts)


def _type_word(ts: TokenStream) -> str | None:
    t = ts.peek()
    if (
        t.kind == NAME
        and (t.text in STORAGE_TYPES or _is_str_type(t.text))
        and ts.peek(1).kind == NAME
    ):
        ts.next()
        return t.text
    return None


def _is_str_type(word: str) -> bool:
    return word == "str" or (word.startswith("str") and word[3:].isdigit())


def assignment_body(*, typed: bool) -> BodyParser:
    """``[type] name = exp`` (generate) or ``name = exp`` (replace)."""

    def parse(ts: TokenStream) -> Assignment:
        start = ts.peek().start
        vtype = _type_word(ts) if typed else None
        if ts.at_op("="):
            raise StataError(
                "too few variables specified", 102, span=ts.peek().span, source=ts.text
            )
        name_tok = ts.expect_name()
        if ts.at_op(":") and typed:  # newvar:lblname
            ts.next()
            lab = ts.expect_name()
            name = f"{name_tok.text}:{lab.text}"
        else:
            name = name_tok.text
        if ts.peek().kind == NAME and not ts.at_name("if", "in"):
            raise StataError(
                "too many variables specified", 103, span=ts.peek().span, source=ts.text
            )
        if not ts.at_op("=", "=="):
            raise StataError("invalid syntax", 198, span=ts.peek().span, source=ts.text)
        if ts.at_op("=="):
            raise StataError("== invalid", 198, span=ts.peek().span, source=ts.text)
        ts.next()
        if ts.at_end or ts.at_op(","):
            raise StataError("invalid syntax", 198, span=ts.peek().span, source=ts.text)
        if ts.at_name("if", "in") and ts.peek(1).kind != END:
            raise StataError(
                f"{ts.peek().text} not found", 111, span=ts.peek().span, source=ts.text
            )
        e_start = ts.peek().start
        e = parse_expr(ts)
        text = ts.source(e_start, ts.peek().start).strip()
        return Assignment(name, e, vtype, text, Span(start, ts.peek().start))

    return parse


def egen_body(ts: TokenStream) -> EgenCall:
    start = ts.peek().start
    vtype = _type_word(ts)
    if ts.at_op("="):
        raise StataError("too few variables specified", 102, span=ts.peek().span, source=ts.text)
    name = ts.expect_name().text
    if not ts.at_op("="):
        raise StataError("invalid syntax", 198, span=ts.peek().span, source=ts.text)
    ts.next()
    f = ts.peek()
    if f.kind != NAME or not ts.peek(1).is_op("("):
        raise StataError("invalid syntax", 198, span=f.span, source=ts.text)
    func = ts.next().text
    if func not in T.EGEN_EXP and func not in T.EGEN_VARLIST:
        raise StataError(f"unknown egen function {func}()", 133, span=f.span, source=ts.text)
    inner, span = ts.balanced()
    argtext = ts.source(inner[0].start, inner[-1].end) if inner else ""
    sub = ts.sub(inner)
    args: tuple
    if func in T.EGEN_EXP:
        if not inner:
            raise StataError("invalid syntax", 198, span=span, source=ts.text)
        args = (parse_expr(sub),)
        if not sub.at_end:
            raise sub.error(f"{sub.peek().text} invalid", sub.peek())
    else:
        args = parse_varlist(sub, factor=False)
        if not sub.at_end:
            raise sub.error(f"{sub.peek().text} invalid name", sub.peek())
    return EgenCall(name, func, args, argtext, vtype, Span(start, span.end))


def _egen_options(body: Body) -> OptionTable:
    assert isinstance(body, EgenCall)
    return T.EGEN_OPTS.get(body.func, OptionTable(())) + T.EGEN_BY


def _tab_options(body: Body) -> OptionTable:
    assert isinstance(body, Varlist)
    return T.TAB2 if len(body.terms) >= 2 else T.TAB1


def tabulate_body(ts: TokenStream) -> Varlist:
    terms = parse_varlist(ts, factor=False, allow_empty=False)
    if len(terms) > 2:
        raise StataError("too many variables specified", 103, span=terms[2].span, source=ts.text)
    return Varlist(terms)


def items_body(*, names: bool = True) -> BodyParser:
    """Parameters ``{..}``, expressions ``(label: exp)`` and names, as bayesstats takes them."""

    def parse(ts: TokenStream) -> ParamList:
        items: list[ParamRef | LabeledExpr | Name] = []
        while not _stops(ts):
            t = ts.peek()
            if t.kind == PARAM:
                ts.next()
                ref = parse_param(t.text, t.span, ts.text)
                # {param}==# is a point hypothesis in bayestest interval; keep it as an expression
                items.append(ref)
            elif t.is_op("("):
                inner, span = ts.balanced()
                items.append(labeled_expr(ts, inner, span))
            elif (
                (names and t.kind in (NAME, NUMBER))
                or t.is_op(".")
                or (names and t.is_op("*", "?"))
            ):
                w = read_word(ts)
                if w is None:
                    raise ts.error(f"{t.text} invalid", t)
                items.append(Name(w[0], w[1]))
            else:
                raise ts.error(f"{ts.source(t.start, t.end) or t.text} invalid", t)
        return ParamList(tuple(items))

    return parse


def _point(ts: TokenStream) -> float | None:
    """``==#`` after an interval test's target (a point hypothesis), else None."""
    if not ts.peek().is_op("=="):
        return None
    ts.next()
    t, sign = ts.peek(), 1.0
    if t.is_op("-", "+"):
        sign = -1.0 if t.is_op("-") else 1.0
        ts.next()
        t = ts.peek()
    if t.kind != NUMBER:
        raise ts.error(f"{t.text or 'nothing'} found where a number was expected after ==", t)
    ts.next()
    value = sign * float(t.text)
    if not math.isfinite(value):
        raise ts.error(f"{t.text} invalid: the number is too large", t)
    return value


def _interval_target(ts: TokenStream, toks: list, span: Span):
    """``{param}``, ``(exp)``, ``(label: exp)``, each optionally ``==#``: (target, equal)."""
    sub = ts.sub(toks)
    t = sub.peek()
    if t.kind == PARAM and (len(toks) == 1 or toks[1].is_op("==")):
        sub.next()
        target: ParamRef | LabeledExpr = parse_param(t.text, t.span, ts.text)
    elif t.is_op("(") and _group_end(toks) in (len(toks) - 1, -2):
        inner, inner_span = sub.balanced()
        target = labeled_expr(ts, inner, inner_span)
    else:
        return labeled_expr(ts, toks, span), None
    eq = _point(sub)
    if not sub.at_end:
        raise sub.error(f"{sub.peek().text} invalid", sub.peek())
    return target, eq


def _group_end(toks: list) -> int:
    """Where the parenthesized group that opens ``toks`` closes; -2 when ``==`` follows it."""
    depth = 0
    for k, tok in enumerate(toks):
        if tok.is_op("(", "["):
            depth += 1
        elif tok.is_op(")", "]"):
            depth -= 1
            if depth == 0:
                return -2 if k + 1 < len(toks) and toks[k + 1].is_op("==") else k
    return -1


def interval_body(ts: TokenStream) -> ParamList:
    """``bayestest interval`` items ([BAYES] bayestest interval): ``{param}``, ``(exp)``, either
    with ``==#`` (a point hypothesis); ``(exspec, lower() upper())``; and
    ``((testspec) (testspec) ..., joint)``."""
    items: list = []
    while not _stops(ts):
        t = ts.peek()
        if t.is_op("("):
            inner, span = ts.balanced()
            depth, comma = 0, None
            for k, tok in enumerate(inner):
                if tok.is_op("(", "["):
                    depth += 1
                elif tok.is_op(")", "]"):
                    depth -= 1
                elif depth == 0 and tok.is_op(","):
                    comma = k
                    break
            if comma is None:
                target, eq = _interval_target(ts, inner, span)
                items.append(target if eq is None else IntervalItem(target, (), span, eq))
                continue
            head, rest = inner[:comma], inner[comma + 1 :]
            if not head:
                raise ts.error(", invalid", inner[comma])
            if len(rest) == 1 and rest[0].kind == NAME and rest[0].text == "joint":
                group = interval_body(ts.sub(head)).items
                if not all(isinstance(i, IntervalItem) for i in group):
                    raise StataError(
                        "joint tests need bounds in each test: ((exspec, lower() upper()) ...,"
                        " joint)",
                        198,
                        span=span,
                        source=ts.text,
                    )
                items.append(JointItem(tuple(group), span))
                continue
            if head[0].kind != PARAM and not head[0].is_op("("):
                raise ts.error(f"{head[0].text} invalid", head[0])
            target, eq = _interval_target(ts, head, span)
            opts = parse_options(ts.sub(rest), T.BAYESTEST_INTERVAL_SPEC)
            items.append(IntervalItem(target, opts, span, eq))
        elif t.kind == PARAM:
            ts.next()
            ref = parse_param(t.text, t.span, ts.text)
            eq = _point(ts)
            items.append(ref if eq is None else IntervalItem(ref, (), t.span, eq))
        else:
            raise ts.error(f"{t.text} invalid", t)
    return ParamList(tuple(items))


def labeled_expr(ts: TokenStream, inner: list, span: Span) -> LabeledExpr:
    """``(label: exp)`` or ``(exp)`` from the tokens inside the parentheses."""
    sub = ts.sub(inner)
    label = None
    if sub.peek().kind == NAME and sub.peek(1).is_op(":"):
        label = sub.next().text
        sub.next()
    if sub.at_end:
        raise StataError("invalid expression ()", 198, span=span, source=ts.text)
    e_start = sub.peek().start
    e = parse_expr(sub)
    if not sub.at_end:
        raise sub.error(f"{sub.peek().text} invalid", sub.peek())
    text = ts.source(e_start, inner[-1].end).strip()
    return LabeledExpr(label, e, text, span)


def mixed_body(
    re_table: OptionTable,
    glob: OptionTable,
    fe_table: OptionTable,
    weights: tuple[str, ...] = ("fweight", "pweight"),
) -> BodyParser:
    """``depvar fe_eq [|| level: [varlist] [, re_options]] ... [, options]`` ([ME] mixed).

    The ``if``, ``in`` and weights of the fixed-effects equation become the command's
    qualifiers (returned through ``ts.qualifiers``); the options after the last equation are
    split between that equation (``covariance()``, ``noconstant``) and the command.
    """

    def parse(ts: TokenStream) -> MultilevelModel:
        if ts.at_end or ts.at_op(","):  # replay: mixed [, display options]
            ts.qualifiers = Qualifiers()  # type: ignore[attr-defined]
            opts: tuple[Option, ...] = ()
            if ts.accept_op(","):
                opts = parse_options(ts, glob)
            ts.global_options = opts  # type: ignore[attr-defined]
            return MultilevelModel(None, (), (), ())
        segments = ts.split_top("||")
        first = ts.sub(segments[0])
        depvar_terms = parse_varlist(first, factor=True, allow_empty=False)
        depvar, fixed = depvar_terms[0], depvar_terms[1:]
        if not isinstance(depvar, VarName):
            raise StataError(
                "depvar may not be a factor variable", 198, span=depvar.span, source=ts.text
            )
        quals = read_qualifiers(first, if_=True, in_=True, weights=weights)
        fe_opts: tuple[Option, ...] = ()
        glob_opts: list[Option] = []
        if first.accept_op(","):
            if len(segments) == 1:
                raw = parse_options(first, fe_table + glob)
                fe_opts = tuple(o for o in raw if fe_table.find(o.name))
                glob_opts.extend(o for o in raw if not fe_table.find(o.name))
            else:
                fe_opts = parse_options(first, fe_table)
        if not first.at_end:
            raise first.error("invalid syntax", first.peek())
        levels: list[LevelEq] = []
        for k, seg in enumerate(segments[1:], start=1):
            s = ts.sub(seg)
            if s.at_end:
                raise StataError(
                    "invalid random-effects specification",
                    198,
                    span=Span(
                        seg[0].start if seg else first.peek().start,
                        (seg[-1].end if seg else first.peek().start) + 1,
                    ),
                    source=ts.text,
                )
            lv = s.expect_name("level variable expected")
            if not s.at_op(":"):
                raise StataError(
                    f"{lv.text}: level specification requires a colon",
                    198,
                    span=lv.span,
                    source=ts.text,
                )
            s.next()
            terms = parse_varlist(s, factor=True)
            if read_qualifiers(s, if_=False, in_=False, weights=()):
                pass
            re_opts: list[Option] = []
            if s.accept_op(","):
                last = k == len(segments) - 1
                raw = parse_options(s, re_table, strict=not last)
                for o in raw:
                    if o.name.startswith("?"):
                        glob_opts.extend(_reparse(ts, o, glob))
                    else:
                        re_opts.append(o)
            if not s.at_end:
                raise s.error("invalid syntax", s.peek())
            levels.append(LevelEq(lv.text, terms, tuple(re_opts), Span(seg[0].start, seg[-1].end)))
        ts.qualifiers = quals  # type: ignore[attr-defined]
        ts.global_options = tuple(glob_opts)  # type: ignore[attr-defined]
        return MultilevelModel(depvar, fixed, fe_opts, tuple(levels))

    return parse


def _reparse(ts: TokenStream, o: Option, tbl: OptionTable) -> tuple[Option, ...]:
    raw, _inner = o.value
    from .lexer import tokenize

    sub = TokenStream(ts.text, tokenize(raw, o.span.start))
    sub.text = ts.text
    return parse_options(sub, tbl)


def bayesmh_body(ts: TokenStream) -> Equations:
    """``depvar [indepvars]``, ``depvar = (exp)``, or ``(eq) (eq) ...`` ([BAYES] bayesmh)."""
    eqs: list[Equation] = []
    if ts.at_end or ts.at_op(","):  # replay: bayesmh [, options]
        return Equations(())
    if ts.at_op("("):
        while ts.at_op("("):
            inner, span = ts.balanced()
            eqs.append(_equation(ts.sub(inner), span, ts.text, in_parens=True))
        if not _stops(ts):
            raise ts.error(f"{ts.peek().text} invalid", ts.peek())
        return Equations(tuple(eqs))
    start = ts.peek().start
    eq = _equation(ts, Span(start, start), ts.text, in_parens=False)
    return Equations((eq,))


def _equation(s: TokenStream, span: Span, text: str, *, in_parens: bool) -> Equation:
    name = None
    start = s.peek().start
    if s.peek().kind == NAME and s.peek(1).is_op(":"):
        name = s.next().text
        s.next()
    terms = parse_varlist(s, factor=True, reffects=True, allow_empty=False)
    if s.at_op("="):
        s.next()
        if s.at_end or _stops(s):
            raise s.error("invalid syntax", s.peek())
        e_start = s.peek().start
        e = parse_expr(s)
        expr_text = s.source(e_start, s.peek().start).strip()
        eq = Equation(terms, (), e, name, (), expr_text, Span(start, s.peek().start))
    else:
        depvar, rest = terms[0], terms[1:]
        eq = Equation((depvar,), rest, None, name, (), "", Span(start, s.peek().start))
    if in_parens:
        opts: tuple[Option, ...] = ()
        if s.accept_op(","):
            opts = parse_options(
                s,
                T.table(
                    T.opt("NOCONstant"),
                    T.opt("OFFset", T.NameArg()),
                    T.opt("LIKELihood", T.Dist(T.LIKELIHOOD_OPTS)),
                ),
            )
        if not s.at_end:
            raise s.error(f"{s.peek().text} invalid", s.peek())
        eq = Equation(eq.depvars, eq.terms, eq.expr, eq.name, opts, eq.text, span)
    return eq


def menl_body(ts: TokenStream) -> NonlinearModel | None:
    if _stops(ts):  # menl alone replays
        return None
    dep = ts.expect_name("depvar expected")
    if not ts.at_op("="):
        raise ts.error("equal sign expected", ts.peek())
    ts.next()
    start = ts.peek().start
    e = parse_expr(ts)
    return NonlinearModel(
        dep.text, e, ts.source(start, ts.peek().start).strip(), Span(dep.start, ts.peek().start)
    )


def label_define_body(ts: TokenStream) -> LabelDefine:
    name = ts.expect_name("nothing found where name expected").text
    pairs: list[tuple[int, str]] = []
    while not _stops(ts):
        t = ts.peek()
        neg = False
        if t.is_op("-"):
            ts.next()
            neg = True
            t = ts.peek()
        if t.kind != NUMBER or "." in t.text or "e" in t.text.lower():
            raise StataError(
                "may not label non-integers" if t.kind == NUMBER else f"{t.text or t.kind} invalid",
                198,
                span=t.span,
                source=ts.text,
            )
        ts.next()
        lab = ts.peek()
        if lab.kind == NAME or lab.kind == STRING:
            ts.next()
            text = lab.text
        else:
            raise StataError("invalid syntax", 198, span=lab.span, source=ts.text)
        value = int(t.text)
        pairs.append((-value if neg else value, text))
    return LabelDefine(name, tuple(pairs))


def svmat_body(ts: TokenStream) -> Words:
    vtype = _type_word(ts)
    t = ts.expect_name("nothing found where name expected")
    if ts.at_op("(") and t.text in ("r", "e") and not ts.peek().space:
        inner, span = ts.balanced()
        if len(inner) != 1 or inner[0].kind != NAME:
            raise StataError("invalid matrix name", 198, span=span, source=ts.text)
        ref = StoredName(t.text, inner[0].text, t.span + span)
        return Words(tuple(w for w in (vtype, f"{ref.kind}({ref.name})") if w))
    return Words(tuple(w for w in (vtype, t.text) if w))


def plots_body(ts: TokenStream) -> Plots:
    """``twoway (plot) (plot)`` or ``twoway plot || plot``."""
    plots = []
    if ts.at_op("("):
        while ts.at_op("("):
            inner, _ = ts.balanced()
            plots.append(_plot(ts.sub(inner)))
        return Plots(tuple(plots))
    # "||"-separated plots: the options of the last one are read by the caller
    from .parser import parse_tokens

    segs = ts.split_top("||")
    trailing: tuple = ()
    for k, seg in enumerate(segs):
        s = ts.sub(seg)
        if s.at_end:
            continue
        if s.at_op(",") and k == len(segs) - 1:  # "a || b ||, opts": the graph's options
            s.next()
            trailing = parse_options(s, T.GRAPH)
            continue
        plots.append(parse_tokens(s, allowed=_PLOT_NAMES))
    return Plots(tuple(plots), trailing)


def _plot(s: TokenStream):
    from .parser import parse_tokens

    return parse_tokens(s, allowed=_PLOT_NAMES)


def predict_body(ts: TokenStream) -> Words:
    """``[type] newvar`` or ``stub*`` or ``newvarlist``."""
    vtype = _type_word(ts)
    words = words_body(least=1)(ts)
    assert isinstance(words, Words)
    return Words(((f"({vtype})",) if vtype else ()) + words.words, words.spans)


def bayespredict_body(ts: TokenStream) -> Body:
    vtype = _type_word(ts)
    body = items_body()(ts)
    assert isinstance(body, ParamList)
    if vtype:
        return ParamList((Name(f"({vtype})"), *body.items))
    return body


#: ``display``'s styles after ``as`` ([P] display)
DISPLAY_STYLES = ("text", "txt", "result", "res", "error", "err", "input", "inp")


#: ``display in colour`` of Stata before version 7 ([P] display: in smcl, in red ...)
_OLD_COLOURS = frozenset({"smcl", "red", "green", "yellow", "white", "blue", "gr", "ye", "wh"})


def display_body(ts: TokenStream) -> ExprBody:
    """``display`` items: expressions, strings, ``%fmt`` (kept as a ``Name`` such as
    ``%9.2f``), ``as style`` (two ``Name`` items) and directives such as ``_n``, ``_col(#)``,
    ``_skip(#)`` and ``_dup(#)`` (parsed as names and calls); ``,`` is ``_skip(1)`` and
    ``,,`` nothing."""
    from .ast import Call, Num

    start = ts.peek().start
    items: list = []
    while not ts.at_end:
        t = ts.peek()
        if ts.at_op(","):  # [P] display: "," is one blank between directives, ",," none
            ts.next()
            if ts.at_op(",") and not ts.peek().space:
                ts.next()
            else:
                items.append(Call("_skip", (Num(1.0, t.span),), False, t.span))
        elif t.kind == FORMAT:
            items.append(Name(ts.next().text, t.span))
        elif t.is_name("as") and ts.peek(1).kind == NAME:
            ts.next()
            style = ts.next()
            if style.text not in DISPLAY_STYLES:
                raise ts.error(f"{style.text} invalid", style)
            items += [Name("as", t.span), Name(style.text, style.span)]
        elif t.is_name("in") and ts.peek(1).text in _OLD_COLOURS:
            # the old "in red", "in smcl" ([P] display, obsolete but still taken): no colours
            ts.next()
            ts.next()
        else:
            items.append(parse_expr(ts))
    return ExprBody(
        Call("display", tuple(items)) if items else None, ts.source(start, ts.peek().start)
    )


#: ``format varlist %fmt`` or ``format %fmt varlist``: the words, formats included
format_body = words_body(whole=FORMAT)


def expr_body(ts: TokenStream) -> ExprBody:
    start = ts.peek().start
    e = parse_expr(ts)
    return ExprBody(e, ts.source(start, ts.peek().start).strip())


def expand_body(ts: TokenStream) -> ExprBody:
    """``expand [=]exp`` ([D] expand)."""
    if ts.at_op("="):
        ts.next()
    if _stops(ts):
        raise ts.error("expand: an expression is required", ts.peek())
    return expr_body(ts)


def function_body(ts: TokenStream) -> ExprBody:
    """``twoway function [[y] =] f(x)`` ([G-2] graph twoway function): the expression of x."""
    if ts.peek().kind == NAME and ts.peek(1).is_op("="):  # "==" is an operator token of its own
        ts.next()
        ts.next()
    elif ts.at_op("="):
        ts.next()
    if _stops(ts):
        raise ts.error("function: an expression of x is required", ts.peek())
    return expr_body(ts)


def rename_body(ts: TokenStream) -> Words:
    if ts.at_op("("):
        old, _ = ts.balanced()
        if not ts.at_op("("):
            raise ts.error("invalid syntax", ts.peek())
        new, _ = ts.balanced()
        a = words_body()(ts.sub(old))
        b = words_body()(ts.sub(new))
        assert isinstance(a, Words) and isinstance(b, Words)
        if len(a.words) != len(b.words):
            raise StataError(
                "number of old and new names differ" if a.words else "too few variables specified",
                198,
                span=ts.peek().span,
                source=ts.text,
            )
        return Words((*a.words, "=>", *b.words))
    body = words_body(least=1, what="varname")(ts)
    assert isinstance(body, Words)
    if len(body.words) > 2:
        raise StataError("too many variables specified", 103, span=body.spans[2], source=ts.text)
    return body


# ---------------------------------------------------------------------------------------------
# qualifiers


@dataclass
class Qualifiers:
    if_: object = None
    in_: object = None
    weight: object = None
    using: str | None = None


def read_qualifiers(
    ts: TokenStream,
    *,
    if_: bool,
    in_: bool,
    weights: tuple[str, ...],
    using: str = "no",
) -> Qualifiers:
    """Read ``if``, ``in``, ``[weight]`` and ``using`` in any order up to the options."""
    from .ast import InRange, Weight
    from .varlist import WEIGHT_KINDS, is_weight_start

    q = Qualifiers()
    while True:
        t = ts.peek()
        if t.is_name("if"):
            if not if_:
                raise StataError("if not allowed", 101, span=t.span, source=ts.text)
            if q.if_ is not None:
                raise StataError("invalid syntax", 198, span=t.span, source=ts.text)
            ts.next()
            if _stops(ts) and not ts.peek().is_name("if", "in", "using"):
                raise StataError("invalid syntax", 198, span=ts.peek().span, source=ts.text)
            q.if_ = parse_expr(ts)
        elif t.is_name("in"):
            if not in_:
                raise StataError("in range not allowed", 101, span=t.span, source=ts.text)
            if q.in_ is not None:
                raise StataError("invalid syntax", 198, span=t.span, source=ts.text)
            ts.next()
            q.in_ = _in_range(ts)
            assert isinstance(q.in_, InRange)
        elif t.is_op("[") and is_weight_start(ts):
            kind = WEIGHT_KINDS[ts.peek(1).text]
            inner, span = ts.balanced()
            if not weights:
                raise StataError("weights not allowed", 101, span=span, source=ts.text)
            if kind not in weights and kind != "weight":
                raise StataError(f"{kind}s not allowed", 101, span=span, source=ts.text)
            sub = ts.sub(inner[2:])
            if sub.at_end:
                raise StataError("invalid syntax", 198, span=span, source=ts.text)
            e = parse_expr(sub)
            if not sub.at_end:
                raise sub.error(f"{sub.peek().text} invalid", sub.peek())
            q.weight = Weight(kind if kind != "weight" else weights[0], e, span)
        elif t.is_op("["):
            inner, span = ts.balanced()
            raise StataError("invalid weight specification", 198, span=span, source=ts.text)
        elif t.is_name("using"):
            if using == "no":
                raise StataError("using not allowed", 101, span=t.span, source=ts.text)
            ts.next()
            f = filename_body()(ts)
            assert isinstance(f, Words)
            q.using = f.words[0]
        else:
            break
    if using == "required" and q.using is None:
        raise StataError("using required", 100, span=ts.peek().span, source=ts.text)
    return q


def _in_range(ts: TokenStream):
    from .ast import InRange

    start = ts.peek().start

    def bound() -> int:
        t = ts.peek()
        if t.is_name("f", "F"):
            ts.next()
            return 1
        if t.is_name("l", "L"):
            ts.next()
            return -1
        neg = bool(ts.accept_op("-"))
        t = ts.peek()
        if t.kind != NUMBER or not t.text.isdigit():
            raise StataError(
                f"'{t.text}' invalid observation number" if t.text else "invalid syntax",
                198,
                span=t.span,
                source=ts.text,
            )
        ts.next()
        v = int(t.text)
        if v == 0:
            raise StataError("'0' invalid observation number", 198, span=t.span, source=ts.text)
        return -v if neg else v

    first = bound()
    last: int | None = None
    if ts.accept_op("/"):
        last = bound()
    return InRange(first, last, Span(start, ts.peek().start))


# ---------------------------------------------------------------------------------------------
# the table of commands

_MIXED_BODY = mixed_body(T.MIXED_RE, T.MIXED, T.MIXED_FE)
_ME_BODY = mixed_body(T.ME_RE, T.ME, T.ME_FE)
#: Stata commands this version parses only to say they are not available yet (their messages
#: are in commands/unavailable.py)
UNAVAILABLE_COMMANDS = (
    *("syntax", "args", "tokenize", "gettoken", "unab", "marksample", "mata"),
    *("file", "include", "frame", "frames", "putexcel", "putdocx"),
    *("postfile", "post", "postclose", "simulate", "bootstrap", "jackknife", "permute"),
    *("statsby", "mhodds"),
    *("symmetry", "dstdize", "istdize", "nptrend", "roctab", "roccomp", "kap", "power"),
    *("binreg", "stset", "sts", "stcox", "streg", "stsum", "clogit"),
    *("xtpoisson", "xtnbreg", "xtgee", "mprobit", "slogit", "ivregress", "qreg", "tobit"),
    *("heckman", "nl", "sem", "gsem"),
)
_GLM_BODY = mixed_body(T.ME_RE, T.GLM, T.ME_FE)
_NBREG_BODY = mixed_body(T.ME_RE, T.NBREG, T.ME_FE)
_MLOGIT_BODY = mixed_body(T.ME_RE, T.MLOGIT, T.ME_FE, weights=("fweight", "iweight", "pweight"))
_GLMGEN_BODY = mixed_body(
    T.ME_RE, T.GLMGEN, T.ME_FE, weights=("aweight", "fweight", "iweight", "pweight")
)
_REGRESS_BODY = mixed_body(
    T.ME_RE, T.REGRESS, T.table(T.opt("NOCONstant")), weights=("aweight", "fweight", "pweight")
)

_XTREG_BODY = mixed_body(T.ME_RE, T.XTREG, T.table(), weights=())
_XTBIN_BODY = mixed_body(T.ME_RE, T.XTBIN, T.ME_FE)

_PLOT_NAMES = (
    "scatter",
    "line",
    "lowess",
    "connected",
    "lfit",
    "qfit",
    "lfitci",
    "qfitci",
    "kdensity",
    "histogram",
    "rcap",
    "rspike",
    "rarea",
    "area",
    "bar",
    "function",
)


def _plot_grammar(pattern: str) -> Grammar:
    return g(
        pattern,
        varlist_body(False, required=True),
        T.GRAPH,
        if_=True,
        in_=True,
        weights=("fweight", "aweight", "pweight"),
    )


def _me(name: str) -> Grammar:
    return g(name, _ME_BODY, T.ME, custom=True)


_BAYESSTATS = (
    g("SUMMary", items_body(), T.BAYESSTATS_SUMMARY, using="optional"),
    g("ess", items_body(), T.BAYESSTATS_ESS, using="optional"),
    g("GRubin", items_body(), T.BAYESSTATS_GRUBIN),
    g("ic", items_body(), T.BAYESSTATS_IC),
    g("PPVALues", items_body(), T.BAYESSTATS_PPVALUES, using="optional"),
)
_BAYESTEST = (
    g("INTerval", interval_body, T.BAYESTEST_INTERVAL, using="optional"),
    g("model", items_body(), T.BAYESTEST_MODEL),
)
_BAYESGRAPH = tuple(
    g(p, items_body(), T.BAYESGRAPH, using="optional")
    for p in ("DIAGnostics", "trace", "ac", "HISTogram", "KDENSity", "cusum", "matrix", "reffects")
)

_ESTIMATES = (
    g("STOre", words_body(least=1, most=1), T.ESTIMATES_STORE),
    g("RESTore", words_body(least=1, most=1)),
    g("Replay", words_body()),
    g("dir", words_body()),
    g("drop", words_body(least=1)),
    g("clear", words_body(most=0)),
    g("TABle", words_body(), T.ESTIMATES_TABLE),
    g("STats", words_body(), T.table(T.opt("n", T.Real(0)))),
    g("DEScribe", words_body(), T.table(T.opt("number", T.Int(1))), using="optional"),
    g("Query", words_body(most=0)),
    g("save", filename_body(), T.table(T.opt("replace"), T.opt("append"))),
    g("use", filename_body(), T.table(T.opt("number", T.Int(1)))),
)
_MISSTABLE = (
    g(
        "SUMmarize",
        varlist_body(False),
        T.table(T.opt("all"), T.opt("SHOWZeros"), T.opt("GENerate", T.Raw())),
        if_=True,
        in_=True,
    ),
    g(
        "PATterns",
        varlist_body(False),
        T.table(
            T.opt("ASIS"),
            T.opt("FREQuency"),
            T.opt("EXOK"),
            T.opt("REPLACE"),
            T.opt("CLEAR"),
            T.opt("BYPATterns"),
        ),
        if_=True,
        in_=True,
    ),
)
_CI_WEIGHTS = ("fweight", "aweight")
_CI = (
    g(
        "MEans",
        varlist_body(False, required=True),
        T.table(T.opt("poisson"), T.opt("EXPosure", T.NameArg()), T.opt("SEParator", T.Int(0)))
        + T.LEVEL,
        if_=True,
        in_=True,
        weights=_CI_WEIGHTS,
    ),
    g(
        "PROPortions",
        varlist_body(False, required=True),
        T.table(
            T.opt("exact"),
            T.opt("wald"),
            T.opt("wilson"),
            T.opt("agresti"),
            T.opt("jeffreys"),
            T.opt("SEParator", T.Int(0)),
        )
        + T.LEVEL,
        if_=True,
        in_=True,
        weights=("fweight",),
    ),
    g(
        "VARiances",
        varlist_body(False, required=True),
        T.table(T.opt("sd"), T.opt("bonett"), T.opt("SEParator", T.Int(0))) + T.LEVEL,
        if_=True,
        in_=True,
        weights=_CI_WEIGHTS,
    ),
)
_CII = (
    g("MEans", words_body(), T.table(T.opt("poisson")) + T.LEVEL),
    g(
        "PROPortions",
        words_body(),
        T.table(T.opt("exact"), T.opt("wald"), T.opt("wilson"), T.opt("agresti"), T.opt("jeffreys"))
        + T.LEVEL,
    ),
    g("VARiances", words_body(), T.table(T.opt("sd"), T.opt("bonett")) + T.LEVEL),
)
_ESTAT = (
    g("sd", None, T.ESTAT_SD),
    g("ic", None, T.ESTAT_IC),
    g("RECOVariance", None, T.ESTAT_RECOV),
    g("icc", None, T.ESTAT_ICC),
    g("GRoup", None, T.ESTAT_GROUP),
    g(
        "CLASsification",
        None,
        T.table(T.opt("CUToff", T.Real(0)), T.opt("all"), T.opt("NOWEIGHTs")),
        if_=True,
        in_=True,
    ),
    g(
        "vce",
        None,
        T.table(
            T.opt("COVariance"),
            T.opt("CORrelation"),
            T.opt("EQuation", T.Raw()),
            T.opt("Block"),
            T.opt("Diag"),
            T.opt("Format", T.Raw()),
            T.opt("NOLines"),
        ),
    ),
    g("SUmmarize", varlist_body(), T.table(T.opt("Labels"), T.opt("NOHEADer"), T.opt("NOWEights"))),
    g("vif", None, T.table(T.opt("UNCentered"))),
    g(
        "HETtest",
        varlist_body(),
        T.table(
            T.opt("rhs"),
            T.opt("Normal"),
            T.opt("iid"),
            T.opt("fstat"),
            T.opt("Mtest", T.Raw(optional=True)),
        ),
    ),
    g("IMtest", None, T.table(T.opt("White"), T.opt("Preserve"), T.opt("Double"))),
    g("OVtest", None, T.table(T.opt("rhs"))),
    g(
        "gof",
        None,
        T.table(T.opt("Group", T.Int(1)), T.opt("TABle"), T.opt("all"), T.opt("OUTsample")),
        if_=True,
        in_=True,
    ),
)
_LABEL = (
    g("DEfine", label_define_body, T.LABEL_DEFINE),
    g("VALues", words_body(least=1), T.LABEL_VALUES),
    g("VARiable", words_body(least=1, what="varname")),
    g("List", words_body()),
    g("drop", words_body(least=1)),
    g("DIr", words_body(most=0)),
    g("copy", words_body(least=2, most=2), T.LABEL_COPY),
    g("DAta", words_body(most=1)),
    g("save", words_body(), T.table(T.opt("replace")), using="required"),
)
#: the options contrast and pwcompare share ([R] contrast, [R] pwcompare)
_COMPARISONS = T.table(
    T.opt("Level", T.Real(10, 99.99)),
    T.opt("post"),
    T.opt("ASObserved"),
    T.opt("EMPTYcells", T.Raw()),
    T.opt("over", T.Raw()),
    T.opt("within", T.Raw()),
    T.opt("MCOMPare", T.Raw()),
    T.opt("predict", T.Raw()),
)
_CAT_GRAPH = (
    T.table(
        T.opt("over", T.Raw()),
        T.opt("NOOUTsides"),
        T.opt("ASYvars"),
        T.opt("stack"),
        T.opt("PERCENTAGEs"),
        T.opt("percent"),
        T.opt("BLABel", T.Raw()),
        T.opt("missing"),
        T.opt("YVAROPTions", T.Raw()),
        T.opt("MEDType", T.Raw()),
        T.opt("MEDLine", T.Raw()),
        T.opt("MARKer", T.Raw()),
        T.opt("bar", T.Raw()),
        T.opt("box", T.Raw()),
        T.opt("cw"),
    )
    + T.GRAPH
)
_GRAPH = (
    g("TWoway", plots_body, T.GRAPH, if_=True, in_=True),
    # graph box|hbox (a varlist) and bar|hbar ((stat) groups): the same qualifiers and options
    *(
        g(
            name,
            body,
            _CAT_GRAPH,
            if_=True,
            in_=True,
            weights=("aweight", "fweight", "pweight"),
        )
        for name, body in (
            ("box", varlist_body(False, required=True)),
            ("hbox", varlist_body(False, required=True)),
            ("bar", graph_bar_body),
            ("hbar", graph_bar_body),
        )
    ),
    g("export", filename_body(), T.GRAPH_EXPORT),
    g("combine", words_body(least=1), T.GRAPH_COMBINE),
    g("use", filename_body(), T.table(T.opt("name", T.Raw()), T.opt("nodraw"))),
    g("save", words_body(least=1, most=2), T.table(T.opt("replace"), T.opt("asis"), T.opt("live"))),
    g("DIsplay", words_body(most=1)),
    g("dir", words_body(most=0)),
    g("drop", words_body(least=1)),
    g("close", words_body()),
)

#: twoway plot types that are commands of their own (``scatter y x``), capitals as the
#: shortest abbreviation
PLOT_COMMANDS = (
    "SCatter",
    "line",
    "CONnected",
    "lfit",
    "qfit",
    "lfitci",
    "rcap",
    "rspike",
    "rarea",
    "area",
    "bar",
)


COMMANDS: tuple[Grammar, ...] = (
    # data management
    g("Use", use_body, T.USE, if_=True, in_=True, using="optional"),
    g("sysuse", words_body(most=1), T.USE),
    g("webuse", words_body(most=1), T.USE),
    g("Describe", varlist_body(False), T.DESCRIBE, using="optional"),
    g(
        "SUmmarize",
        varlist_body(True),
        T.SUMMARIZE,
        if_=True,
        in_=True,
        weights=("aweight", "fweight", "iweight"),
    ),
    g("List", varlist_body(False), T.LIST, if_=True, in_=True),
    g(
        "CORrelate",
        varlist_body(False),
        T.CORRELATE,
        if_=True,
        in_=True,
        weights=("aweight", "fweight"),
    ),
    g("pwcorr", varlist_body(False), T.PWCORR, if_=True, in_=True, weights=("aweight", "fweight")),
    *(
        g(
            name,
            varlist_body(False),
            T.table(
                T.opt("stats", T.Raw()),
                T.opt("Bonferroni"),
                T.opt("Print", T.Real(0)),
                T.opt("SIDak"),
                T.opt("STar", T.Real(0)),
                T.opt("pw"),
                T.opt("MATrix"),
            ),
            if_=True,
            in_=True,
        )
        for name in ("spearman", "ktau")
    ),
    g(
        "TAbulate",
        tabulate_body,
        _tab_options,
        if_=True,
        in_=True,
        weights=("fweight", "aweight", "iweight"),
    ),
    g(
        "tab1",
        varlist_body(False, required=True),
        T.table(T.opt("Missing"), T.opt("NOLabel"), T.opt("PLot"), T.opt("Sort")),
        if_=True,
        in_=True,
        weights=("fweight", "aweight", "iweight"),
    ),
    g(
        "tab2",
        varlist_body(False, required=True),
        T.TAB2,
        if_=True,
        in_=True,
        weights=("fweight", "aweight", "iweight"),
    ),
    g("COUnt", None, if_=True, in_=True),
    g("Generate", assignment_body(typed=True), T.GENERATE, if_=True, in_=True),
    g("replace", assignment_body(typed=False), T.REPLACE, if_=True, in_=True),
    g("egen", egen_body, _egen_options, if_=True, in_=True),
    g("encode", varlist_body(False, required=True), T.ENCODE, if_=True, in_=True),
    g("decode", varlist_body(False, required=True), T.DECODE, if_=True, in_=True),
    g("destring", varlist_body(False), T.DESTRING),
    g("tostring", varlist_body(False, required=True), T.TOSTRING),
    g("INPut", words_body(what="varname")),
    g("append", raw_body, T.APPEND),
    g("ORDer", varlist_body(False, required=True), T.ORDER),
    g("COMPRESS", varlist_body(False)),
    g("recast", words_body(least=2), T.table(T.opt("force"))),
    g("isid", varlist_body(False, required=True), T.ISID),
    g(
        "duplicates",
        subcommands=(
            g("report", varlist_body(False), if_=True, in_=True),
            g(
                "tag",
                varlist_body(False),
                T.table(T.opt("Generate", T.NameArg())),
                if_=True,
                in_=True,
            ),
            g("drop", varlist_body(False), T.table(T.opt("force")), if_=True, in_=True),
            g("list", varlist_body(False), T.LIST, if_=True, in_=True),
            g("examples", varlist_body(False), T.LIST, if_=True, in_=True),
        ),
    ),
    g(
        "xtile",
        assignment_body(typed=False),
        T.XTILE,
        if_=True,
        in_=True,
        weights=("fweight", "aweight", "pweight"),
    ),
    g("ds", varlist_body(False), T.DS),
    g("lookfor", words_body(least=1, what="string")),
    g("mvdecode", varlist_body(False, required=True), T.MVCODE, if_=True, in_=True),
    g("mvencode", varlist_body(False, required=True), T.MVCODE, if_=True, in_=True),
    g("xtset", words_body(what="varname"), T.XTSET),
    g("tsset", words_body(what="varname"), T.XTSET),
    g("xtsum", varlist_body(False), T.table(T.opt("i", T.NameArg())), if_=True, in_=True),
    g("merge", raw_body, T.MERGE),
    g(
        "reshape",
        subcommands=(
            g("long", words_body(what="stub"), T.RESHAPE),
            g("wide", words_body(what="stub"), T.RESHAPE),
            g("clear", words_body(most=0)),
        ),
    ),
    g("clonevar", assignment_body(typed=False), None, if_=True, in_=True),
    g(
        "contract",
        varlist_body(False, required=True),
        T.table(
            T.opt("Freq", T.NameArg()),
            T.opt("CFreq", T.NameArg()),
            T.opt("Percent", T.NameArg()),
            T.opt("CPercent", T.NameArg()),
            T.opt("float"),
            T.opt("Format", T.Raw()),
            T.opt("Zero"),
            T.opt("NOMiss"),
        ),
        if_=True,
        in_=True,
        weights=("fweight",),
    ),
    g("fillin", varlist_body(False, required=True)),
    g(
        "split",
        varlist_body(False, required=True),
        T.table(
            T.opt("Generate", T.NameArg()),
            T.opt("Parse", T.Raw()),
            T.opt("Limit", T.Int(1)),
            T.opt("NOTrim"),
            T.opt("DESTring"),
            T.opt("IGnore", T.Raw()),
            T.opt("force"),
            T.opt("float"),
            T.opt("percent"),
        ),
        if_=True,
        in_=True,
    ),
    g("recode", groups_body, T.RECODE, if_=True, in_=True),
    g(
        "collapse",
        groups_body,
        T.COLLAPSE,
        if_=True,
        in_=True,
        weights=("aweight", "fweight", "iweight", "pweight"),
    ),
    g("drop", varlist_body(False), if_=True, in_=True),
    g("keep", varlist_body(False), if_=True, in_=True),
    g("EXPand", expand_body, T.table(T.opt("GENerate", T.NameArg())), if_=True, in_=True),
    g("SOrt", varlist_body(False, required=True), T.SORT, in_=True),
    g("gsort", words_body(least=1, what="varname"), T.GSORT),
    g("REName", rename_body, T.RENAME),
    g("SAve", filename_body(required=False), T.SAVE),
    g(
        "import",
        subcommands=(g("DELIMited", import_body, T.IMPORT_DELIMITED, using="optional"),),
    ),
    g("insheet", import_body, T.IMPORT_DELIMITED, using="optional"),
    g(
        "export",
        subcommands=(
            g(
                "DELIMited",
                export_body,
                T.EXPORT_DELIMITED,
                using="optional",
                if_=True,
                in_=True,
            ),
        ),
    ),
    g("outsheet", export_body, T.EXPORT_DELIMITED, using="optional", if_=True, in_=True),
    g("clear", words_body()),
    g("LAbel", subcommands=_LABEL),
    g("set", words_body(least=1), T.SET_OPTS),
    g("svmat", svmat_body, T.SVMAT),
    g("MATrix", matrix_body, T.MATRIX),
    g("SCAlar", raw_body),
    g("CONFirm", raw_body),
    g("preserve", None),
    g("restore", words_body(most=1), T.table(T.opt("not"), T.opt("PREServe"))),
    g("Display", display_body),
    g("FORMat", format_body),
    g("assert", expr_body, T.table(T.opt("rc0"), T.opt("null"), T.opt("fast")), if_=True, in_=True),
    g("do", filename_body(), T.table(T.opt("nostop"))),
    g("exit", rest_body),
    g("error", rest_body),
    g("PRogram", rest_body),
    g("run", filename_body(), T.table(T.opt("nostop"))),
    g("version", words_body(most=1)),
    g("timer", words_body()),
    g("tempvar", words_body(least=1)),
    g("tempname", words_body(least=1)),
    g("tempfile", words_body(least=1)),
    g("help", words_body()),
    g("search", words_body()),
    # estimation
    g("mixed", _MIXED_BODY, T.MIXED, custom=True),
    _me("melogit"),
    _me("meprobit"),
    _me("mecloglog"),
    _me("mepoisson"),
    _me("menbreg"),
    _me("meologit"),
    _me("meoprobit"),
    _me("meglm"),
    g("menl", menl_body, T.MENL, if_=True, in_=True),
    g("logit", _GLM_BODY, T.GLM, custom=True),
    g("ologit", _GLM_BODY, T.GLM, custom=True),
    g("mlogit", _MLOGIT_BODY, T.MLOGIT, custom=True),
    g("oprobit", _GLM_BODY, T.GLM, custom=True),
    g("logistic", _GLM_BODY, T.GLM, custom=True),
    g("probit", _GLM_BODY, T.GLM, custom=True),
    g("cloglog", _GLM_BODY, T.GLM, custom=True),
    g("poisson", _GLM_BODY, T.GLM, custom=True),
    g("nbreg", _NBREG_BODY, T.NBREG, custom=True),
    g("glm", _GLMGEN_BODY, T.GLMGEN, custom=True),
    g("REGress", _REGRESS_BODY, T.REGRESS, custom=True),
    g("xtreg", _XTREG_BODY, T.XTREG, custom=True),
    # the epitab commands ([ST] epitab): immediate forms take four numbers
    g("csi", words_body(least=1), T.EPI_CS),
    g("cci", words_body(least=1), T.EPI_CC),
    g("iri", words_body(least=1), T.EPI_IR),
    g("mcci", words_body(least=1), T.EPI_IR),
    g(
        "tabodds",
        varlist_body(factor=False),
        T.EPI_TABODDS,
        if_=True,
        in_=True,
        weights=("fweight",),
    ),
    g("mcc", varlist_body(factor=False), T.EPI_IR, if_=True, in_=True, weights=("fweight",)),
    *(
        g(n, varlist_body(factor=False), own + T.EPI_BY, if_=True, in_=True, weights=("fweight",))
        for n, own in (("cs", T.EPI_CS), ("cc", T.EPI_CC), ("ir", T.EPI_IR))
    ),
    *(g(n, _XTBIN_BODY, T.XTBIN, custom=True) for n in ("xtlogit", "xtprobit", "xtcloglog")),
    g("bayesmh", bayesmh_body, T.BAYESMH, if_=True, in_=True, weights=("fweight",)),
    g("bayes", None, T.BAYES_PREFIX),
    # postestimation
    g("bayesstats", subcommands=_BAYESSTATS),
    g("bayestest", subcommands=_BAYESTEST),
    g("bayesgraph", subcommands=_BAYESGRAPH),
    g("bayespredict", bayespredict_body, T.BAYESPREDICT, if_=True, in_=True),
    g("ESTimates", subcommands=_ESTIMATES),
    g("ci", subcommands=_CI, default_sub="means"),
    g("cii", subcommands=_CII),
    g("tabi", raw_body, T.TAB2 + T.table(T.opt("replace"))),
    g(
        "median",
        varlist_body(False, required=True),
        T.table(T.opt("by", T.NameArg()), T.opt("Exact"), T.opt("MEDianties", T.Raw())),
        if_=True,
        in_=True,
        weights=("fweight",),
    ),
    g(
        "robvar",
        varlist_body(False, required=True),
        T.table(T.opt("by", T.NameArg())),
        if_=True,
        in_=True,
    ),
    g("misstable", subcommands=_MISSTABLE),
    g(
        "codebook",
        varlist_body(False),
        T.table(
            T.opt("TABulate", T.Int(0)),
            T.opt("COMPact"),
            T.opt("PROBlems"),
            T.opt("mv"),
            T.opt("notes"),
            T.opt("header"),
            T.opt("all"),
            T.opt("dots"),
            T.opt("DETail"),
            T.opt("LANGuages", T.Raw(optional=True)),
        ),
        if_=True,
        in_=True,
    ),
    *(
        g(name, rest_body)
        for name in (
            "bayesreps",
            "table",
            "etable",
            "dtable",
            "collect",
            *UNAVAILABLE_COMMANDS,
        )
    ),
    g(
        "ranksum",
        varlist_body(False, required=True),
        T.table(T.opt("by", T.NameArg()), T.opt("porder"), T.opt("exact")),
        if_=True,
        in_=True,
    ),
    g(
        "kwallis",
        varlist_body(False, required=True),
        T.table(T.opt("by", T.NameArg())),
        if_=True,
        in_=True,
    ),
    g("signrank", comparison_body, T.table(T.opt("exact"), T.opt("noexact")), if_=True, in_=True),
    g("signtest", comparison_body, T.table(), if_=True, in_=True),
    g(
        "swilk",
        varlist_body(False, required=True),
        T.table(T.opt("Generate", T.NameArg()), T.opt("noties"), T.opt("Lnnormal")),
        if_=True,
        in_=True,
    ),
    g(
        "sktest",
        varlist_body(False, required=True),
        T.table(T.opt("noadjust")),
        if_=True,
        in_=True,
        weights=("aweight", "fweight"),
    ),
    g(
        "sfrancia",
        varlist_body(False, required=True),
        T.table(T.opt("noties"), T.opt("boxcox")),
        if_=True,
        in_=True,
    ),
    g("contrast", words_body(least=1), _COMPARISONS),
    g(
        "pwcompare",
        varlist_body(True, required=True),
        _COMPARISONS + T.table(T.opt("EFFects"), T.opt("PVEFFects"), T.opt("CIEFFects")),
    ),
    g(
        "hausman",
        words_body(least=1, most=2),
        T.table(
            T.opt("CONStant"),
            T.opt("df", T.Int()),
            T.opt("force"),
            T.opt("sigmamore"),
            T.opt("sigmaless"),
            T.opt("alleqs"),
            T.opt("skipeqs", T.Raw()),
            T.opt("EQuations", T.Raw()),
            T.opt("TConsistent", T.Raw()),
            T.opt("TEfficient", T.Raw()),
        ),
    ),
    g(
        "log",
        words_body(most=2),
        T.table(
            T.opt("replace"),
            T.opt("append"),
            T.opt("text"),
            T.opt("smcl"),
            T.opt("name", T.Raw()),
            T.opt("nomsg"),
        ),
        using="optional",
    ),
    g("cd", words_body()),
    g("pwd", words_body(most=0)),
    g(
        "anova",
        anova_body,
        T.table(
            T.opt("Partial"),
            T.opt("SEQuential"),
            T.opt("NOConstant"),
            T.opt("DROPemptycells"),
            T.opt("Repeated", T.Raw()),
            T.opt("BSE", T.Raw()),
            T.opt("BSEUnit", T.Raw()),
            T.opt("Grouping", T.Raw()),
        ),
        if_=True,
        in_=True,
        weights=("aweight", "fweight"),
    ),
    g(
        "oneway",
        varlist_body(False, required=True),
        T.table(
            T.opt("TABulate"),
            T.opt("NOANova"),
            T.opt("NOMeans"),
            T.opt("NOSTandard"),
            T.opt("NOFreq"),
            T.opt("NOObs"),
            T.opt("MEans"),
            T.opt("STandard"),
            T.opt("Freq"),
            T.opt("Obs"),
            T.opt("Bonferroni"),
            T.opt("SCheffe"),
            T.opt("SIdak"),
            T.opt("NOLabel"),
            T.opt("WRap"),
            T.opt("MISSing"),
        ),
        if_=True,
        in_=True,
        weights=("aweight", "fweight"),
    ),
    g("estat", subcommands=_ESTAT),
    g("return", subcommands=(g("List", words_body(most=0), T.table(T.opt("all"))),)),
    g("ereturn", subcommands=(g("List", words_body(most=0), T.table(T.opt("all"))),)),
    g("predict", predict_body, T.PREDICT, if_=True, in_=True),
    g("lrtest", words_body(least=1), T.LRTEST),
    g("TEst", raw_body, T.TEST),
    g("lincom", raw_body, T.LINCOM),
    g("nlcom", raw_body, T.NLCOM),
    g("ttest", comparison_body, T.TTEST, if_=True, in_=True, weights=("fweight",)),
    g("ttesti", words_body(least=1), T.table(T.opt("UNEqual"), T.opt("welch")) + T.LEVEL),
    g("sdtest", comparison_body, T.table(T.opt("by", T.NameArg())) + T.LEVEL, if_=True, in_=True),
    g("sdtesti", words_body(least=1), T.LEVEL),
    g(
        "bitest",
        comparison_body,
        T.table(T.opt("Detail")),
        if_=True,
        in_=True,
        weights=("fweight",),
    ),
    g("bitesti", words_body(least=1), T.table(T.opt("Detail"))),
    g("prtesti", words_body(least=1), T.table(T.opt("Count")) + T.LEVEL),
    g(
        "ksmirnov",
        comparison_body,
        T.table(T.opt("by", T.NameArg()), T.opt("Onesamp"), T.opt("Exact"), T.opt("corrected")),
        if_=True,
        in_=True,
    ),
    g("prtest", comparison_body, T.table(T.opt("by", T.NameArg())) + T.LEVEL, if_=True, in_=True),
    g(
        "mean",
        varlist_body(False),
        T.MEAN,
        if_=True,
        in_=True,
        weights=("fweight", "aweight", "pweight", "iweight"),
    ),
    g(
        "tabstat",
        varlist_body(False, required=True),
        T.TABSTAT,
        if_=True,
        in_=True,
        weights=("aweight", "fweight"),
    ),
    g("levelsof", varlist_body(False, required=True), T.LEVELSOF, if_=True, in_=True),
    g("margins", varlist_body(True), T.MARGINS, if_=True, in_=True),
    g(
        "testparm",
        varlist_body(True, required=True),
        T.table(T.opt("Equal"), T.opt("nosvyadjust"), T.opt("DF", T.Int(1))),
    ),
    # graphics
    g("TWoway", plots_body, T.GRAPH, if_=True, in_=True),
    *(_plot_grammar(p) for p in PLOT_COMMANDS),
    g("FUNCtion", function_body, T.GRAPH, if_=True, in_=True),  # twoway function only
    g(
        "HISTogram",
        varlist_body(False, required=True),
        T.GRAPH,
        if_=True,
        in_=True,
        weights=("fweight",),
    ),
    g(
        "kdensity",
        varlist_body(False, required=True),
        T.KDENSITY,
        if_=True,
        in_=True,
        weights=("fweight", "aweight", "iweight"),
    ),
    g("serrbar", varlist_body(False, required=True), T.SERRBAR, if_=True, in_=True),
    g("qnorm", varlist_body(False, required=True), T.QNORM, if_=True, in_=True),
    g("rvfplot", None, T.GRAPH),
    g("rvpplot", varlist_body(False, required=True), T.GRAPH),
    g("lvr2plot", None, T.GRAPH),
    g("avplot", varlist_body(False, required=True), T.GRAPH),
    g("avplots", varlist_body(False), T.GRAPH),
    g("dfbeta", varlist_body(True), T.table(T.opt("stub", T.NameArg()))),
    g("pnorm", varlist_body(False, required=True), T.QNORM, if_=True, in_=True),
    g("marginsplot", words_body(most=0), T.MARGINSPLOT),
    g("lroc", words_body(most=0), T.LROC, if_=True, in_=True),
    g("lsens", words_body(most=0), T.LSENS, if_=True, in_=True),
    g("lowess", varlist_body(False, required=True), T.LOWESS, if_=True, in_=True),
    g("GRaph", subcommands=_GRAPH),
)

_PLOT_NAMES = tuple(c.name for c in COMMANDS if c.name in _PLOT_NAMES)


#: Stata's old names of commands that still run under their new ones ([ME] mixed: xtmixed
#: before Stata 13; meqrlogit/meqrpoisson, xtmelogit/xtmepoisson: the same models by ML,
#: integrated by adaptive quadrature here)
OLD_NAMES = {
    "xtmixed": "mixed",
    "xtmelogit": "melogit",
    "meqrlogit": "melogit",
    "xtmepoisson": "mepoisson",
    "meqrpoisson": "mepoisson",
}


def lookup(word: str, pool: tuple[Grammar, ...] = COMMANDS) -> Grammar | None:
    """The grammar whose name ``word`` spells or abbreviates; exact names win; the old names
    of :data:`OLD_NAMES` stand for their commands."""
    word = OLD_NAMES.get(word, word)
    for c in pool:
        if c.name == word:
            return c
    for c in pool:
        if c.matches(word):
            return c
    return None


def parse_ref(ts: TokenStream) -> ParamRef:
    t = ts.peek()
    if t.kind != PARAM:
        raise ts.error("{ expected", t)
    ts.next()
    return parse_param(t.text, t.span, ts.text)


# terms reused by parser
__all__ += ["Qualifiers", "read_qualifiers", "Term"]
