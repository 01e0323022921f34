"""``split`` ([D] split): a string variable's parts in new string variables.

``split strvar [if] [in] [, generate(stub) parse(strings) limit(#) notrim destring ignore()
force float percent]``: the parts are separated by blanks (runs of blanks count once) or by
any of the ``parse()`` strings (each occurrence separates, so ``a,,b`` has an empty middle
part); they are trimmed of blanks unless ``notrim``. The new variables are ``stub1``,
``stub2`` ... (``stub`` the variable's name by default), as many as the most parts any
observation has, or ``limit()``; ``destring`` then converts those that hold numbers, as
``destring, replace`` does with its options.
"""

from __future__ import annotations

import re

import numpy as np

from ..dataset.dataset import string_type
from ..dataset.varnames import check_new_name, expand_terms
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command, Varlist
from .macros import split_words
from .registry import command

__all__: list[str] = []


def _parts(text: str, seps: list[str] | None, trim: bool) -> list[str]:
    if not seps:
        return text.split() if trim else [p for p in re.split(r" +", text)]
    rx = "|".join(re.escape(x) for x in sorted(seps, key=len, reverse=True))
    parts = re.split(rx, text)
    return [p.strip() for p in parts] if trim else parts


@command("split")
def split(s, cmd: Command) -> list[Output]:
    ds = s.data
    assert isinstance(cmd.body, Varlist)
    names = expand_terms(ds, cmd.body.terms)
    if len(names) != 1:
        raise StataError("too many variables specified", 103)
    var = names[0]
    if not ds.is_string(var):
        raise StataError(f"{var} is not a string variable", 109)
    raw = cmd.option("parse")
    seps = split_words(str(raw)) if raw is not None else None
    if seps is not None and not seps:
        seps = [" "]
    trim = not cmd.has("notrim")
    limit = cmd.option("limit")
    touse = s.touse(cmd)
    values = ds.values(var)
    pieces: list[list[str]] = [
        _parts(str(values[i]), seps, trim) if touse[i] and values[i] != "" else []
        for i in range(ds.nobs)
    ]
    n = max((len(p) for p in pieces), default=0)
    if limit is not None:
        n = min(n, int(limit))
    if n == 0:
        return [Text("(no observations: nothing to split)")]
    stub = cmd.option("generate") or var
    new = [f"{stub}{k + 1}" for k in range(n)]
    for name in new:
        check_new_name(ds, name)
    for k, name in enumerate(new):
        col = np.array([p[k] if k < len(p) else "" for p in pieces], dtype=object)
        ds.set_values(name, col, string_type(col))
    outs: list[Output] = [Text("variables created as string: \n" + "  ".join(new))]
    if cmd.has("destring"):
        opts = [o for o in ("force", "float", "percent") if cmd.has(o)]
        if cmd.option("ignore") is not None:
            opts.append(f"ignore({cmd.option('ignore')})")
        res = s.execute(f"destring {' '.join(new)}, replace {' '.join(opts)}")
        outs += [o for o in res if not getattr(o, "final", False)]
        if res.error is not None:
            raise StataError(res.error.message, res.error.rc, keep_state=True)
        s.r = {"nvars": float(n), "varlist": " ".join(new)}
    return outs
