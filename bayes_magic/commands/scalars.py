"""``scalar`` ([P] scalar): named numbers (or strings) that expressions see by name where no
variable has it, and through ``scalar(name)`` always.

``scalar [define] name = exp`` (evaluated as ``display`` evaluates: variables at the first
observation), ``scalar list [names | _all]`` (also ``scalar dir``), ``scalar drop names | _all``.
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import StataError
from ..report.format import fmt_g
from ..report.output import Output, Text
from ..syntax.ast import Command, Words
from .registry import command

__all__: list[str] = []

_NAME = re.compile(r"[A-Za-z_]\w{0,31}")


@command("scalar")
def scalar(s, cmd: Command) -> list[Output]:
    text = cmd.body.words[0] if isinstance(cmd.body, Words) and cmd.body.words else ""
    head, _, rest = text.strip().partition(" ")
    if head in ("list", "li", "l", "dir", "di"):
        return _list(s, rest.split())
    if head == "drop":
        names = rest.split()
        if not names:
            raise StataError("nothing found where name expected", 198)
        if names == ["_all"]:
            s.scalars.clear()
            return []
        missing = [n for n in names if n not in s.scalars]
        if missing:
            raise StataError(f"scalar {missing[0]} not found", 111)
        for n in names:
            del s.scalars[n]
        return []
    if head in ("define", "de", "def", "defi", "defin"):
        text = rest
    name, eq, exp = text.partition("=")
    name = name.strip()
    if not eq or not exp.strip():
        raise StataError("invalid syntax", 198)
    if not _NAME.fullmatch(name):
        raise StataError(f"{name} invalid name", 198)
    from ..dataset.evaluate import evaluate
    from ..syntax.expr import parse_expr_text
    from .data import scalar_context

    ctx = s.context(np.array([0])) if s.data.nobs else scalar_context(s)
    v = evaluate(parse_expr_text(exp.strip()), ctx)
    x = v[0] if len(v) else np.nan
    s.scalars[name] = x if isinstance(x, str) else float(x)
    return []


def _list(s, names: list[str]) -> list[Output]:
    if not names or names == ["_all"]:
        names = sorted(s.scalars)
    missing = [n for n in names if n not in s.scalars]
    if missing:
        raise StataError(f"scalar {missing[0]} not found", 111)
    lines = []
    for n in names:
        v = s.scalars[n]
        shown = v if isinstance(v, str) else fmt_g(float(v), 10)
        lines.append(f"{n:>17} = {shown:>10}")
    return [Text("\n".join(lines))] if lines else []
