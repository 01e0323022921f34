"""The command parser: prefixes, command name, body, qualifiers, options.

``parse(text)`` parses one logical command line into a :class:`~bayes_magic.syntax.ast.Command`;
``parse_program(text)`` splits a do-file or cell into commands first. Every failure is a
:class:`~bayes_magic.errors.StataError` with Stata's message and return code, pointing at the
offending text.
"""

from __future__ import annotations

from ..errors import Span, StataError
from . import tables as T
from .ast import Command, Option, Prefix
from .grammar import _PLOT_NAMES, COMMANDS, Grammar, lookup, read_qualifiers
from .lexer import END, NAME, OP, split_commands, tokenize
from .options import Int, OptionTable, opt, parse_options, table
from .stream import TokenStream
from .varlist import parse_varlist

__all__ = ["parse", "parse_program", "parse_tokens"]

_SIMPLE_PREFIXES = {"quietly": 3, "noisily": 1, "capture": 3}
BAYESPARALLEL = table(opt("nproc", Int(1)), opt("NOIsily"))


def parse(text: str) -> Command:
    """Parse one command line.

    Parameters
    ----------
    text
        A logical line: comments removed and ``///`` continuations joined (see
        :func:`~bayes_magic.syntax.lexer.split_commands`).

    Raises
    ------
    StataError
        With Stata's message and return code.
    """
    try:
        ts = TokenStream(text)
        return parse_tokens(ts)
    except StataError as e:
        raise e.with_source(text) from None


def parse_program(text: str) -> list[Command]:
    """Split and parse every command of a program; stops at the first error."""
    return [parse(src.text) for src in split_commands(text)]


def _simple_prefix(word: str) -> str | None:
    for name, n in _SIMPLE_PREFIXES.items():
        if len(word) >= n and name.startswith(word):
            return name
    return None


def _has_top_colon(ts: TokenStream) -> bool:
    depth = 0
    for t in ts.toks[ts.i :]:
        if t.kind == "OP" and t.text in ("(", "["):
            depth += 1
        elif t.kind == "OP" and t.text in (")", "]"):
            depth -= 1
        elif depth == 0 and t.is_op(":"):
            return True
    return False


def _prefix_tokens(ts: TokenStream) -> tuple[list, Span]:
    """Tokens up to the first top-level ``:`` (consumed)."""
    depth, out = 0, []
    start = ts.peek().start
    while not ts.at_end:
        t = ts.next()
        if t.kind == "OP" and t.text in ("(", "["):
            depth += 1
        elif t.kind == "OP" and t.text in (")", "]"):
            depth -= 1
        elif depth == 0 and t.is_op(":"):
            return out, Span(start, t.end)
        out.append(t)
    raise StataError("invalid syntax", 198, span=Span(start, ts.peek().end), source=ts.text)


def _parse_prefixes(ts: TokenStream) -> list[Prefix]:
    prefixes: list[Prefix] = []
    while ts.peek().kind == NAME:
        t = ts.peek()
        word = t.text
        simple = _simple_prefix(word)
        if simple:
            ts.next()
            ts.accept_op(":")
            prefixes.append(Prefix(simple, span=t.span))
            continue
        if word in ("by", "bysort") or (len(word) >= 3 and "bysort".startswith(word)):
            name = "by" if word == "by" else "bysort"
            ts.next()
            toks, span = _prefix_tokens(ts)
            sub = ts.sub(toks)
            varlist = parse_varlist(sub, factor=False, allow_empty=False)
            sortvars: tuple = ()
            if sub.at_op("("):
                inner, _ = sub.balanced()
                sortvars = parse_varlist(sub.sub(inner), factor=False)
            opts: tuple = ()
            if sub.accept_op(","):
                opts = parse_options(sub, T.BY_PREFIX)
            if not sub.at_end:
                raise sub.error("invalid syntax", sub.peek())
            prefixes.append(Prefix(name, varlist, sortvars, opts, t.span + span))
            continue
        if word in ("bayes", "bayesparallel") and (word == "bayesparallel" or _has_top_colon(ts)):
            ts.next()
            toks, span = _prefix_tokens(ts)
            sub = ts.sub(toks)
            opts = ()
            if sub.accept_op(","):
                opts = parse_options(sub, T.BAYES_PREFIX if word == "bayes" else BAYESPARALLEL)
            if not sub.at_end:
                raise sub.error("invalid syntax", sub.peek())
            prefixes.append(Prefix(word, options=opts, span=t.span + span))
            continue
        break
    return prefixes


def _has_top_bars(ts: TokenStream) -> bool:
    """Whether ``||`` follows outside brackets (the plots of a twoway graph)."""
    depth = 0
    for t in ts.toks[ts.i :]:
        if t.kind == OP and t.text in ("(", "["):
            depth += 1
        elif t.kind == OP and t.text in (")", "]"):
            depth -= 1
        elif depth == 0 and t.kind == OP and t.text == "||":
            return True
    return False


def parse_tokens(ts: TokenStream, *, allowed: tuple[str, ...] | None = None) -> Command:
    """Parse a command from a token stream (also used for the plots inside ``twoway``)."""
    start = ts.peek().start
    prefixes = _parse_prefixes(ts) if allowed is None else []
    t = ts.peek()
    if t.kind == END:
        if prefixes:
            raise StataError("invalid syntax", 198, span=t.span, source=ts.text)
        raise StataError("nothing to do", 198, span=t.span, source=ts.text)
    if t.kind != NAME:
        raise StataError(f"{t.text} is not a valid command name", 199, span=t.span, source=ts.text)
    pool = COMMANDS if allowed is None else tuple(c for c in COMMANDS if c.name in allowed)
    grammar = lookup(t.text, pool)
    if grammar is None:
        if allowed is not None:
            raise StataError(
                f"{t.text} is not a twoway plot type", 198, span=t.span, source=ts.text
            )
        raise StataError(f"command {t.text} is unrecognized", 199, span=t.span, source=ts.text)
    if allowed is None and grammar.name in _PLOT_NAMES and _has_top_bars(ts):
        # "scatter y x || lfit y x": the plots of a twoway graph ([G-2] graph twoway); the
        # plot command's name stays, as the first plot's
        grammar = lookup("twoway", pool)
    else:
        ts.next()
    name = grammar.name
    subcommand = None
    if grammar.subcommands:
        s = ts.peek()
        if s.kind != NAME:
            choices = ", ".join(g.name for g in grammar.subcommands[:-1])
            raise StataError(
                f"{name} requires subcommand {choices}, or {grammar.subcommands[-1].name}",
                198,
                span=s.span,
                source=ts.text,
            )
        sub_g = grammar.sub(s.text)
        if sub_g is None and name == "estat":  # [R] estat: Stata's message and code
            raise StataError(f"invalid subcommand {s.text}", 321, span=s.span, source=ts.text)
        if sub_g is None:
            raise StataError(
                f"subcommand {s.text} is not supported by {name}", 198, span=s.span, source=ts.text
            )
        ts.next()
        subcommand = sub_g.name
        grammar = sub_g
    cmd = _finish(ts, grammar, name, subcommand, tuple(prefixes), start)
    if t.text == "xtmixed" and getattr(cmd.body, "depvar", None) is not None:  # not a replay
        # xtmixed, as before Stata 13, fits by REML unless told mle, and shows standard
        # deviations unless told variance (Stata's xtmixed logs: sd(_cons), sd(Residual))
        from dataclasses import replace

        extra = []
        if not (cmd.has("mle") or cmd.has("reml")):
            extra.append(Option("reml"))
        if not (cmd.has("variance") or cmd.has("stddeviations")):
            extra.append(Option("stddeviations"))
        cmd = replace(cmd, options=(*cmd.options, *extra))
    return cmd


def _finish(
    ts: TokenStream,
    grammar: Grammar,
    name: str,
    subcommand: str | None,
    prefixes: tuple[Prefix, ...],
    start: int,
) -> Command:
    if grammar.custom:
        assert grammar.body is not None
        body = grammar.body(ts)
        q = ts.qualifiers  # type: ignore[attr-defined]
        options = ts.global_options  # type: ignore[attr-defined]
        if not ts.at_end:
            raise ts.error("invalid syntax", ts.peek())
        return Command(
            name,
            subcommand,
            body,
            prefixes,
            q.if_,
            q.in_,
            q.weight,
            q.using,
            options,
            ts.text,
            Span(start, ts.peek().end),
        )
    body = grammar.body(ts) if grammar.body is not None else None
    q = read_qualifiers(
        ts,
        if_=grammar.if_,
        in_=grammar.in_,
        weights=grammar.weights,
        using=grammar.using,
    )
    options: tuple = ()
    if ts.accept_op(","):
        tbl: OptionTable = grammar.table_for(body)
        options = parse_options(ts, tbl)
    if not ts.at_end:
        t = ts.peek()
        if grammar.body is None:
            raise StataError("invalid syntax", 198, span=t.span, source=ts.text)
        raise StataError(
            f"{t.text} invalid" if t.text else "invalid syntax", 198, span=t.span, source=ts.text
        )
    return Command(
        name,
        subcommand,
        body,
        prefixes,
        q.if_,
        q.in_,
        q.weight,
        q.using,
        options,
        ts.text,
        Span(start, ts.peek().end),
    )


def command_names() -> list[str]:
    """Every command name the language knows (for completion and help)."""
    return [c.name for c in COMMANDS]


__all__ += ["command_names", "tokenize"]
