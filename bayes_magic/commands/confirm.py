"""``confirm`` ([P] confirm): fail with Stata's return code unless something is so, most often
as ``capture confirm ...`` followed by a test of ``_rc``.

``confirm [new|numeric|string] variable varlist``, ``confirm [integer] number string``,
``confirm [new] file filename``, ``confirm matrix name``, ``confirm scalar name``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import StataError
from ..report.output import Output
from ..syntax.ast import Command, Words
from .registry import command

__all__: list[str] = []

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|\.")


@command("confirm", readonly=True)
def confirm(s, cmd: Command) -> list[Output]:
    text = cmd.body.words[0] if isinstance(cmd.body, Words) and cmd.body.words else ""
    words = text.split()
    if not words:
        raise StataError("invalid syntax", 198)
    kind = words[0].lower()
    qualifier = None
    if kind in ("new", "numeric", "string", "integer", "str", "byte", "int", "long", "float"):
        qualifier, words = kind, words[1:]
        kind = words[0].lower() if words else ""
    rest = words[1:]
    if kind in ("v", "var", "vari", "varia", "variab", "variabl", "variable"):
        _variables(s, qualifier, rest)
    elif kind in ("n", "number"):
        value = " ".join(rest)
        ok = bool(_NUMBER.fullmatch(value))
        if ok and qualifier == "integer":
            ok = value != "." and float(value) == int(float(value))
        if not ok:
            raise StataError(f"{value or 'nothing'} found where number expected", 7)
    elif kind in ("file", "fi", "fil"):
        name = " ".join(rest).strip('"')
        exists = Path(name).exists()
        if qualifier == "new" and exists:
            raise StataError(f"file {name} already exists", 602)
        if qualifier != "new" and not exists:
            raise StataError(f"file {name} not found", 601)
    elif kind in ("matrix", "mat", "matr", "matri"):
        for n in rest:
            if n not in s.matrices:
                raise StataError(f"matrix {n} not found", 111)
    elif kind in ("scalar", "sca", "scal", "scala"):
        for n in rest:
            if n not in s.scalars:
                raise StataError(f"scalar {n} not found", 111)
    else:
        raise StataError(f"confirm {kind}: not available in bayes_magic", 198)
    return []


def _variables(s, qualifier: str | None, names: list[str]) -> None:
    from ..dataset.varnames import expand

    if not names:
        raise StataError("varlist required", 100)
    if qualifier == "new":
        for n in names:
            if n in s.data.varnames:
                raise StataError(f"variable {n} already defined", 110)
            if not re.fullmatch(r"[A-Za-z_]\w{0,31}", n):
                raise StataError(f"{n} invalid name", 198)
        return
    for pattern in names:
        for v in expand(s.data, pattern):
            string = s.data.is_string(v)
            if qualifier == "numeric" and string:
                raise StataError(f"{v} found where numeric variable expected", 7)
            if qualifier in ("string", "str") and not string:
                raise StataError(f"{v} found where string variable expected", 7)
            if qualifier in ("byte", "int", "long", "float") and s.data.info[v].type != qualifier:
                raise StataError(f"{v} found where {qualifier} variable expected", 7)
