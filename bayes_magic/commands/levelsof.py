"""``levelsof`` ([P] levelsof): the distinct values of a variable, shown and kept in a macro.

Laid out as Stata's ``levelsof.ado`` (version 3.1.2) does it:

* numbers in ascending order; integers as ``%21.0g`` trimmed, other values as a macro holds
  them (``.5``); with ``hexadecimal``, each in ``%21x`` (``+1.0000000000000X+000``);
* strings in sort order, each in compound quotes (`` `"a"' `"b"' ``) unless ``clean``;
* missing values (``.`` and ``""``) only with ``missing``;
* ``separate()`` between values (a blank by default), ``local()`` copies the list into a
  local macro, ``matrow()``/``matcell()`` keep the values and their frequencies as column
  vectors (``matrow()`` only for numbers);
* stored: ``r(N)`` observations, ``r(r)`` distinct values, ``r(levels)`` the list (not set
  when no observation qualifies).
"""

from __future__ import annotations

import math

import numpy as np

from ..dataset.varnames import expand_terms
from ..errors import StataError
from ..matrix import Matrix
from ..report.output import Output, Text
from ..syntax.ast import Command, Varlist
from .macros import macro_value
from .registry import command

__all__ = ["hex21", "levelsof"]


def hex21(x: float) -> str:
    """``x`` in Stata's ``%21x`` format: sign, 13 hexadecimal digits of the mantissa, ``X``
    and the power of two in three hexadecimal digits (``+1.8000000000000X+001`` is 3)."""
    if math.isnan(x):
        return "."
    sign = "-" if math.copysign(1.0, x) < 0 else "+"
    if x == 0:
        return f"{sign}0.0000000000000X-3ff"
    mant, exp = abs(x).hex()[2:].split("p")  # '1.8p+1'
    head, _, frac = mant.partition(".")
    e = int(exp)
    return f"{sign}{head}.{frac:0<13}X{'-' if e < 0 else '+'}{abs(e):03x}"


def _numbers(x: np.ndarray, missing: bool) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values (missing last) and their frequencies."""
    ok = ~np.isnan(x)
    vals, freq = np.unique(x[ok], return_counts=True)
    if missing and (~ok).any():
        vals = np.append(vals, np.nan)
        freq = np.append(freq, int((~ok).sum()))
    return vals, freq


def _level_text(vals: np.ndarray, hexadecimal: bool) -> list[str]:
    if hexadecimal:
        return [hex21(float(v)) for v in vals]
    ok = vals[~np.isnan(vals)]
    if np.all(ok == np.floor(ok)) and not np.isnan(vals).any():
        return [str(int(v)) if abs(v) < 1e21 else macro_value(float(v)) for v in vals]
    return [macro_value(float(v)) for v in vals]


@command("levelsof", readonly=True)
def levelsof(s, cmd: Command) -> list[Output]:
    """``levelsof varname [if] [in] [, separate(str) missing local(name) clean matrow(name)
    matcell(name) hexadecimal]``.

    Raises
    ------
    StataError
        r(103) for more than one variable; r(198) for ``matrow()`` or ``hexadecimal`` with a
        string variable.
    """
    ds = s.data
    names = expand_terms(ds, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    if len(names) != 1:
        raise StataError("too many variables specified", 103)
    var = names[0]
    sep = cmd.option("separate")
    sep = " " if sep is None or sep == "" else sep
    missing = cmd.has("missing")
    touse = s.touse(cmd)
    x = ds.values(var)[touse]
    matrow, matcell = cmd.option("matrow"), cmd.option("matcell")
    if ds.is_string(var):
        for o in ("hexadecimal", "matrow"):
            if cmd.has(o):
                raise StataError(f"option {o} not allowed with string variable", 198)
        if not missing:
            x = x[x != ""]
        vals, freq = np.unique(x.astype(str), return_counts=True)
        words = [str(v) for v in vals]
        if cmd.has("clean"):
            text = sep.join(words)
        else:
            text = '`"' + f'"\'{sep}`"'.join(words) + "\"'" if words else ""
    else:
        if not missing:
            x = x[~np.isnan(x)]
        vals, freq = _numbers(x, missing)
        text = sep.join(_level_text(vals, cmd.has("hexadecimal")))
        if matrow:
            s.matrices[matrow] = Matrix(
                vals.reshape(-1, 1).astype(float), [f"r{i + 1}" for i in range(len(vals))], ["c1"]
            )
    if matcell:
        s.matrices[matcell] = Matrix(
            freq.reshape(-1, 1).astype(float), [f"r{i + 1}" for i in range(len(freq))], ["c1"]
        )
    s.r = {"N": float(len(x)), "r": float(len(vals))}
    if len(x):
        s.r["levels"] = text
    local = cmd.option("local")
    if local and text:
        s.locals[local] = text
    elif local:
        s.locals.pop(local, None)
    return [Text(text)]
