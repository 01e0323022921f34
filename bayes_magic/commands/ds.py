"""Finding variables: ``ds`` ([D] ds) and ``lookfor`` ([D] lookfor).

* ``ds [varlist] [, not alpha detail has(spec) not(spec) insensitive]``: the names, laid out
  in columns (``describe``'s layout with ``detail``); ``has()``/``not()`` select by ``type``
  (``numeric``, ``string``, ``byte`` ... ``str#``), ``varlabel``, ``vallabel`` or ``format``
  patterns; ``r(varlist)`` holds them.
* ``lookfor string [string ...]``: the variables whose name or variable label contains any of
  the strings (case ignored), in ``describe``'s layout; ``r(varlist)``.
"""

from __future__ import annotations

import fnmatch

from ..dataset.dataset import is_string_type
from ..dataset.varnames import expand_terms
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command, Varlist, Words
from .describe import _simple, describe_text
from .registry import command

__all__ = ["ds", "lookfor"]


def _matches(s, v: str, spec: str, insensitive: bool = False) -> bool:
    if insensitive:  # ds's insensitive: patterns in has()/not() match regardless of case
        info = s.data.info[v]
        low = type(info)(info.type, info.format, info.label.lower(), info.vlabel.lower())
        return _match_info(low, spec.lower() if spec.split()[0] != "type" else spec)
    return _match_info(s.data.info[v], spec)


def _match_info(info, spec: str) -> bool:
    words = spec.split()
    if not words:
        raise StataError("has()/not(): nothing specified", 198)
    kind, rest = words[0], words[1:]
    if kind == "type":
        for t in rest:
            if t == "numeric" and not is_string_type(info.type):
                return True
            if t == "string" and is_string_type(info.type):
                return True
            if fnmatch.fnmatch(info.type, t):
                return True
        return False
    if kind == "varlabel":
        return bool(info.label) and (not rest or any(fnmatch.fnmatch(info.label, p) for p in rest))
    if kind == "vallabel":
        return bool(info.vlabel) and (
            not rest or any(fnmatch.fnmatch(info.vlabel, p) for p in rest)
        )
    if kind == "format":
        return any(fnmatch.fnmatch(info.format, p) for p in rest)
    raise StataError(f"has({spec}) invalid", 198)


@command("ds", readonly=True)
def ds(s, cmd: Command) -> list[Output]:
    data = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(data, terms) if terms else list(data.varnames)
    if cmd.has("not") and terms:
        names = [v for v in data.varnames if v not in names]
    has, hasnot = cmd.option("has"), cmd.option("not")
    if isinstance(has, str):
        names = [v for v in names if _matches(s, v, has, cmd.has("insensitive"))]
    if isinstance(hasnot, str):
        names = [v for v in names if not _matches(s, v, hasnot, cmd.has("insensitive"))]
    if cmd.has("alpha"):
        names = sorted(names)
    s.r = {"varlist": " ".join(names)}
    if not names:
        return []
    if cmd.has("detail"):
        return [Text(describe_text(data, names, short=False, linesize=s.settings.linesize))]
    return [Text(_simple(names, s.settings.linesize))]


@command("lookfor", readonly=True)
def lookfor(s, cmd: Command) -> list[Output]:
    words = [w.lower() for w in (cmd.body.words if isinstance(cmd.body, Words) else ())]
    if not words:
        raise StataError("nothing to look for", 198)
    data = s.data
    found = [
        v
        for v in data.varnames
        if any(w in v.lower() or w in data.info[v].label.lower() for w in words)
    ]
    s.r = {"varlist": " ".join(found)}
    if not found:
        return []
    return [Text("\n" + describe_text(data, found, short=False, linesize=s.settings.linesize))]
