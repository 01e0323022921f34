"""Variable names in a dataset: abbreviations, wildcards, ranges, new names.

Stata resolves a variable name typed in a varlist or expression as the variable of that name, or
else the one variable whose name it abbreviates ([U] 11.2 Abbreviation rules); ``*``, ``?`` and
``~`` are wildcards and ``x1-x5`` a range in dataset order ([U] 11.4 varlists).
"""

from __future__ import annotations

import re

from ..errors import Span, StataError
from ..syntax.ast import FactorVar, Interaction, REVar, Term, VarName, VarRange
from .dataset import RESERVED, Dataset, valid_name

__all__ = [
    "resolve",
    "expand",
    "expand_terms",
    "check_new_name",
    "RESERVED",
]


def _err(msg: str, rc: int, span: Span | None) -> StataError:
    return StataError(msg, rc, span=span)


def resolve(ds: Dataset, name: str, *, span: Span | None = None, in_expr: bool = False) -> str:
    """The variable ``name`` names or abbreviates (abbreviations only while ``ds.varabbrev``).

    Raises
    ------
    StataError
        ``variable x not found`` (``x not found`` inside expressions), ``x ambiguous
        abbreviation``, both r(111); ``no variables defined`` when the dataset is empty.
    """
    if name in ds.info:
        return name
    if ds.nvars == 0 and not in_expr:
        raise _err("no variables defined", 111, span)
    hits = [v for v in ds.info if v.startswith(name)] if ds.varabbrev else []
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise _err(f"{name} ambiguous abbreviation", 111, span)
    raise _err(f"{name} not found" if in_expr else f"variable {name} not found", 111, span)


def expand(ds: Dataset, pattern: str, *, span: Span | None = None) -> list[str]:
    """Names matching ``pattern`` (with ``*``, ``?``, ``~``), in dataset order."""
    if pattern == "_all" or pattern == "*":
        if ds.nvars == 0:
            raise _err("no variables defined", 111, span)
        return ds.varnames
    if not any(c in pattern for c in "*?~"):
        return [resolve(ds, pattern, span=span)]
    rx = re.compile(
        "^"
        + "".join(".*" if c in "*~" else "." if c == "?" else re.escape(c) for c in pattern)
        + "$"
    )
    hits = [v for v in ds.varnames if rx.match(v)]
    if not hits:
        raise _err(f"variable {pattern} not found", 111, span)
    if "~" in pattern and len(hits) > 1:
        raise _err(f"{pattern} ambiguous abbreviation", 111, span)
    return hits


def expand_terms(
    ds: Dataset, terms: tuple[Term, ...] | list[Term], *, repeats: bool = False
) -> list[str]:
    """Expand a plain varlist (no factor variables) into variable names, keeping repeats out
    (or in, with ``repeats``: a plot's ``line y y`` is y against itself)."""
    out: list[str] = []
    for t in terms:
        if isinstance(t, VarName):
            names = expand(ds, t.name, span=t.span)
        elif isinstance(t, VarRange):
            a = resolve(ds, t.first, span=t.span)
            b = resolve(ds, t.last, span=t.span)
            cols = ds.varnames
            i, j = cols.index(a), cols.index(b)
            if j < i:
                raise _err(f"{t.first}-{t.last}: invalid varlist", 198, t.span)
            names = cols[i : j + 1]
        elif isinstance(t, (FactorVar, Interaction, REVar)):
            raise _err("factor-variable and time-series operators not allowed", 101, t.span)
        else:  # pragma: no cover - grammar guarantees term types
            raise _err("invalid varlist", 198, None)
        for n in names:
            if repeats or n not in out:
                out.append(n)
    return out


def check_new_name(ds: Dataset, name: str, *, span: Span | None = None) -> str:
    """Validate a name for a new variable.

    Raises
    ------
    StataError
        ``x invalid name`` (r(198)) or ``variable x already defined`` (r(110)).
    """
    if not valid_name(name):
        raise _err(f"{name} invalid name", 198, span)
    if name in ds.info:
        raise _err(f"variable {name} already defined", 110, span)
    return name
