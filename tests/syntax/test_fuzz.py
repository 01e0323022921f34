"""Property-based tests: random text through the lexer and parser raises nothing but the
project's own syntax error, and canonical text re-parses to the same tree."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bayes_magic.errors import StataError
from bayes_magic.syntax import parse, split_commands
from bayes_magic.syntax.unparse import unparse

from .seed_commands import SEED_COMMANDS

# text built from the pieces Stata's syntax is made of, so the parser gets past its first token
PIECES = [
    "use",
    "describe",
    "summarize",
    "generate",
    "egen",
    "replace",
    "mixed",
    "bayes",
    "bayesmh",
    "bayesstats",
    "summary",
    "ess",
    "bayestest",
    "interval",
    "twoway",
    "scatter",
    "by",
    "bysort",
    "quietly",
    "capture",
    "label",
    "define",
    "list",
    "estimates",
    "store",
    "predict",
    "math",
    "homework",
    "schid",
    "x",
    "_n",
    "_N",
    "if",
    "in",
    "using",
    "i.",
    "c.",
    "ib2.",
    "#",
    "##",
    "||",
    ":",
    ",",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "{U0}",
    "{math:}",
    "{Sigma,m}",
    "=",
    "==",
    "!=",
    "<",
    ">",
    "&",
    "|",
    "!",
    "~",
    "+",
    "-",
    "*",
    "/",
    "^",
    ".",
    ".a",
    "1",
    "2.5",
    "1e3",
    '"s"',
    '`"q"\'',
    "/*",
    "*/",
    "//",
    "///",
    "\n",
    ";",
    "#delimit ;",
    "#delimit cr",
    "@max",
    "U0[schid]",
    "prior(",
    "cov(un)",
    "normal(0,1)",
    "fw=",
    "pw=",
    "1/5",
    "f/l",
    "_all",
    "u*",
    "x1-x5",
]

text_from_pieces = st.lists(st.sampled_from(PIECES), max_size=25).map(" ".join)
any_text = st.text(max_size=80)


def _run(text: str) -> None:
    try:
        for src in split_commands(text):
            parse(src.text)
    except StataError as e:
        assert e.rc > 0
        assert isinstance(e.message, str) and e.message
        e.render()


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_from_pieces)
def test_pieces_never_crash(text: str) -> None:
    _run(text)


@settings(max_examples=800, deadline=None)
@given(any_text)
def test_any_text_never_crashes(text: str) -> None:
    _run(text)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([t for t, _ in SEED_COMMANDS]), st.integers(0, 400), st.integers(1, 5))
def test_truncated_seed_commands_never_crash(text: str, cut: int, drop: int) -> None:
    _run(text[:cut] + text[cut + drop :])


@settings(max_examples=300, deadline=None)
@given(text_from_pieces)
def test_canonical_text_round_trips(text: str) -> None:
    try:
        cmds = [parse(src.text) for src in split_commands(text)]
    except StataError:
        return
    for c in cmds:
        assert parse(unparse(c)) == c


@settings(max_examples=1500, deadline=None)
@given(
    st.sampled_from([t for t, _ in SEED_COMMANDS]),
    st.integers(0, 400),
    st.integers(0, 4),
    st.sampled_from(PIECES),
)
def test_mutated_seed_commands_never_crash_and_round_trip(
    text: str, cut: int, drop: int, piece: str
) -> None:
    mutated = text[:cut] + piece + text[cut + drop :]
    _run(mutated)
    try:
        cmds = [parse(src.text) for src in split_commands(mutated)]
    except StataError:
        return
    for c in cmds:
        assert parse(unparse(c)) == c
