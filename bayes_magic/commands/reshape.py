"""``reshape long`` and ``reshape wide`` ([D] reshape), as ``reshape.ado`` (4.5.3) does them,
with Stata 17's report.

* ``reshape long stubs, i(varlist) [j(varname [values]) string atwl()]``: each stub's
  variables ``stub#`` (or ``st@ub`` with ``@`` where the value goes) become one variable, one
  observation per ``i`` and value of ``j``; the values of ``j`` are the suffixes found (numbers,
  or any text with ``string``), or those given; a missing combination is missing; the other
  variables are repeated. ``i`` must identify the wide observations.
* ``reshape wide stubs, i(varlist) j(varname [values]) [string]``: the reverse; variables
  other than ``i``, ``j`` and the stubs must be constant within ``i``, and ``i`` and ``j``
  together must identify the observations.
* ``reshape long`` or ``reshape wide`` alone reverses the last reshape of these data;
  ``reshape clear`` forgets it.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..dataset.dataset import (
    Dataset,
    VarInfo,
    default_format,
    smallest_numeric_type,
    string_type,
    widest_type,
)
from ..dataset.varnames import resolve
from ..errors import StataError
from ..report.format import fmt_g
from ..report.output import Output, Text
from ..syntax.ast import Command, Words
from .registry import command

__all__ = ["reshape_long", "reshape_wide"]

_RULE = "-" * 77


def _spec(s, cmd: Command) -> dict:
    """The stubs, i, j (and its values) of a reshape, typed or remembered."""
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    last = s.data.reshape_spec
    if not words:
        if last is None:
            raise StataError("no xij variables specified, and no previous reshape to reverse", 198)
        return dict(last)
    i_text = cmd.option("i")
    if not i_text:
        raise StataError("option i() required", 198)
    i_vars = [resolve(s.data, v) for v in i_text]
    jopt = cmd.option("j")
    j_text = jopt.split() if isinstance(jopt, str) else []
    if jopt is True or (isinstance(jopt, str) and not j_text):
        raise StataError("j() requires a variable name", 198)
    jvar = j_text[0] if j_text else "_j"
    return {
        "stubs": words,
        "i": list(i_vars),
        "j": jvar,
        "values": _values_of(j_text[1:], cmd.has("string")),
        "string": cmd.has("string"),
        "atwl": cmd.option("atwl") or "",
    }


def _values_of(words: list[str], string: bool) -> list[str] | None:
    """``j(year 80 81 82)``, ``j(year 80-82)``: the values given, as text."""
    if not words:
        return None
    out: list[str] = []
    for w in words:
        m = re.fullmatch(r"(-?\d+)-(-?\d+)", w)
        if m and not string:
            a, b = int(m.group(1)), int(m.group(2))
            if a >= b:
                raise StataError(f"{w}:  invalid range", 198)
            out += [str(v) for v in range(a, b + 1)]
        elif string or re.fullmatch(r"-?\d+", w):
            out.append(w)
        else:  # reshape.ado's J: values that are not integers need the string option
            raise StataError("must specify option string if string values are to be specified", 198)
    return out


def _name(stub: str, value: str) -> str:
    """The wide name of a stub at a value: ``inc80``, or ``@`` replaced (``ainc`` ...)."""
    return stub.replace("@", value) if "@" in stub else stub + value


def _long_name(stub: str, atwl: str) -> str:
    return stub.replace("@", atwl) if "@" in stub else stub


def _suffix_pattern(stub: str, string: bool) -> re.Pattern:
    value = r"(.+)" if string else r"(-?\d+)"
    if "@" in stub:
        a, b = stub.split("@", 1)
        return re.compile(re.escape(a) + value + re.escape(b))
    return re.compile(re.escape(stub) + value)


def _j_sort_key(v: str, string: bool):
    return v if string else int(v)


def _report(before: tuple[int, int], after: tuple[int, int], a: str, b: str) -> list[str]:
    head = f"{'Data':<35}{a:<7}->   {b}"
    return [
        head,
        _RULE,
        f"{'Number of observations':<31}{fmt_g(before[0], 8):>8}   ->   {fmt_g(after[0], 8)}",
        f"{'Number of variables':<31}{fmt_g(before[1], 8):>8}   ->   {fmt_g(after[1], 8)}",
    ]


def _xij_text(names: list[str]) -> str:
    """reshape.ado's RepF: the first two, ``...`` and the last of more than three."""
    if len(names) > 3:
        return f"{names[0]} {names[1]} ... {names[-1]}"
    return " ".join(names)


def _check_i(ds: Dataset, i_vars: list[str], extra: list[str], message: str) -> None:
    keys = ds.df[i_vars + extra]
    if keys.duplicated().any():
        raise StataError(message, 9)


@command("reshape", "long")
def reshape_long(s, cmd: Command) -> list[Output]:
    """``reshape long``: wide data to one observation per ``i`` and ``j``."""
    ds: Dataset = s.data
    spec = _spec(s, cmd)
    i_vars, jvar, string = spec["i"], spec["j"], spec["string"]
    if jvar in ds.info:
        if not (isinstance(cmd.body, Words) and cmd.body.words):
            return [Text("(already long)")]  # reshape long typed alone: nothing to do
        raise StataError(f"variable {jvar} already exists\nData are already long.", 110)
    for v in i_vars:
        resolve(ds, v)
    # the wide variables of each stub, by value of j (numbers by value: x01 is j = 1)
    found: dict[str, dict[str, str]] = {}
    for stub in spec["stubs"]:
        pat = _suffix_pattern(stub, string)
        hits: dict[str, str] = {}
        for v in ds.varnames:
            m = pat.fullmatch(v)
            if m and v not in i_vars:
                key = m.group(1) if string else str(int(m.group(1)))
                if key in hits:
                    raise StataError(f"variables {hits[key]} and {v} both give j = {key}", 198)
                hits[key] = v
        found[stub] = hits
    values = spec["values"]
    if values is not None and not string:
        values = [str(int(v)) for v in values]
    if values is None:
        values = sorted(
            {k for h in found.values() for k in h}, key=lambda v: _j_sort_key(v, string)
        )
    for stub, hits in found.items():
        if not any(v in hits for v in values):
            raise StataError(f"variable {_name(stub, '#')} not found", 111)
    _check_i(
        ds,
        i_vars,
        [],
        f"variable {' '.join(i_vars)} does not uniquely identify the observations\n"
        "Your data are currently wide.  You are performing a reshape long.  You specified "
        f"i({' '.join(i_vars)}) and j({jvar}).  In the current wide form, variable "
        f"{' '.join(i_vars)} should uniquely identify the observations.",
    )
    wide_vars = {v for h in found.values() for k, v in h.items() if k in values}
    n, nv = ds.nobs, ds.nvars
    J = len(values)
    rows = np.repeat(np.arange(n), J)
    new = Dataset(pd.DataFrame(index=pd.RangeIndex(n * J)))
    # variable order: i, j, then the others in place, each stub where its first variable was
    order: list[str] = [*i_vars, jvar]
    placed: set[str] = set()
    for v in ds.varnames:
        if v in i_vars:
            continue
        stub = next((st for st, h in found.items() if v in h.values() and v in wide_vars), None)
        if stub is None:
            if v not in wide_vars:
                order.append(v)
        elif stub not in placed:
            placed.add(stub)
            order.append("\0" + stub)
    for name in order:
        if name == jvar:
            if string:
                jv = np.array(values * n, dtype=object)
                new.set_values(jvar, jv, string_type(jv))
            else:
                jv = np.tile(np.array([float(v) for v in values]), n)
                new.set_values(jvar, jv, smallest_numeric_type(jv, "byte"))
            continue
        if name.startswith("\0"):
            stub = name[1:]
            target = _long_name(stub, spec["atwl"])
            srcs = [found[stub].get(v) for v in values]
            some = next(x for x in srcs if x is not None)
            is_str = any(x is not None and ds.is_string(x) for x in srcs)
            cols = []
            for x in srcs:
                if x is None:
                    cols.append(
                        np.full(n, "" if is_str else np.nan, dtype=object if is_str else float)
                    )
                else:
                    vals = ds.values(x)
                    cols.append(np.asarray(vals, dtype=object if is_str else float))
            mat = np.column_stack(cols).reshape(-1)
            vtype = (
                string_type(mat) if is_str else widest_type([ds.info[x].type for x in srcs if x])
            )
            new.set_values(target, mat, vtype)
            new.info[target].format = ds.info[some].format
            continue
        vals = ds.values(name)
        inf = ds.info[name]
        new.set_values(name, np.asarray(vals)[rows], inf.type)
        new.info[name] = VarInfo(inf.type, inf.format, inf.label, inf.vlabel)
    new.value_labels = {k: dict(v) for k, v in ds.value_labels.items()}
    new.label = ds.label
    new.changed = True
    new.reorder(new.sort_order([*i_vars, jvar]))
    new.sortedby = (*i_vars, jvar)
    new.reshape_spec = {**spec, "values": values}
    s.data = new
    missing = [
        f"(variable {_name(stub, v)} not found)"
        for v in values
        for stub in spec["stubs"]
        if v not in found[stub]
    ]
    lines = [
        f"(j = {' '.join(values)})",
        *missing,  # reshape.ado's Longdo: a combination without a variable is missing
        "",
        *_report((n, nv), (new.nobs, new.nvars), "Wide", "Long"),
    ]
    lines.append(f"{f'j variable ({J} values)':<42}->   {jvar}")
    lines.append("xij variables:")
    for stub in spec["stubs"]:
        names = [found[stub].get(v, _name(stub, v)) for v in values]
        lines.append(f"{_xij_text(names):>39}   ->   {_long_name(stub, spec['atwl'])}")
    lines.append(_RULE)
    return [Text("\n".join(lines))]


@command("reshape", "wide")
def reshape_wide(s, cmd: Command) -> list[Output]:
    """``reshape wide``: one observation per ``i``, a variable per stub and value of ``j``."""
    ds: Dataset = s.data
    spec = _spec(s, cmd)
    i_vars, jvar, string = spec["i"], spec["j"], spec["string"]
    if jvar not in ds.info:
        if jvar == "_j":
            raise StataError("option j() required", 198)
        if not (isinstance(cmd.body, Words) and cmd.body.words):
            return [Text("(already wide)")]  # reshape wide typed alone: nothing to do
        raise StataError(f"variable {jvar} not found\nData are already wide.", 111)
    stubs = [_long_name(st, spec["atwl"]) for st in spec["stubs"]]
    for st in stubs:
        resolve(ds, st)
    if ds.is_string(jvar) and not string:
        raise StataError(f"variable {jvar} is string; specify string option", 109)
    jraw = ds.values(jvar)
    if string:
        jtext = np.array([str(x) for x in jraw], dtype=object)
    else:
        jf = np.asarray(jraw, dtype=float)
        if np.any(np.isnan(jf)) or np.any(jf != np.round(jf)):
            raise StataError(f"variable {jvar} contains missing or noninteger values", 498)
        jtext = np.array([str(int(v)) for v in jf], dtype=object)
    values = spec["values"]
    if values is None:
        values = sorted(set(jtext), key=lambda v: _j_sort_key(v, string))
    # the observations of each value, numbers compared by value (j(t 01 02) finds t == 1)
    where = {v: jtext == (v if string else str(int(v))) for v in values}
    notes = [f"(note: no data for {jvar} == {v})" for v in values if not where[v].any()]
    values = [v for v in values if where[v].any()]
    _check_i(
        ds,
        i_vars,
        [jvar],
        f"values of variable {jvar} not unique within {' '.join(i_vars)}\n"
        f"Your data are currently long.  You are performing a reshape wide.  You specified "
        f"i({' '.join(i_vars)}) and j({jvar}).  There are observations within "
        f"i({' '.join(i_vars)}) with the same value of j({jvar}).  In the long data, "
        "variables i() and j() together must uniquely identify the observations.",
    )
    others = [v for v in ds.varnames if v not in i_vars and v != jvar and v not in stubs]
    key = ds.df[i_vars].apply(tuple, axis=1) if len(i_vars) > 1 else ds.df[i_vars[0]]
    codes, uniques = pd.factorize(key, sort=True)
    G = len(uniques)
    for v in others:
        col = pd.Series(np.asarray(ds.values(v), dtype=object)).fillna("\0missing")
        if (pd.DataFrame({"g": codes, "x": col}).groupby("g")["x"].nunique() > 1).any():
            raise StataError(
                f"variable {v} not constant within {' '.join(i_vars)}\n"
                f"Your data are currently long.  You are performing a reshape wide.  You typed "
                f"something like\n\n        . reshape wide a b, i({' '.join(i_vars)}) "
                f"j({jvar})\n\nThere are variables other than a, b, {' '.join(i_vars)}, "
                f"{jvar} in your data.  They must be constant within {' '.join(i_vars)} "
                "because that is the only way they can fit into wide data without loss of "
                "information.",
                9,
            )
    first = np.full(G, -1)
    for r in range(ds.nobs - 1, -1, -1):
        first[codes[r]] = r
    new = Dataset(pd.DataFrame(index=pd.RangeIndex(G)))
    # reshape.ado's order: i, then each value's stubs (in the data's order), then the
    # variables constant within i
    for name in i_vars:
        inf = ds.info[name]
        new.set_values(name, np.asarray(ds.values(name))[first], inf.type)
        new.info[name] = VarInfo(inf.type, inf.format, inf.label, inf.vlabel)
    in_order = [v for v in ds.varnames if v in stubs]
    for v in values:
        rows = np.flatnonzero(where[v])
        for name in in_order:
            inf = ds.info[name]
            is_str = ds.is_string(name)
            src = np.asarray(ds.values(name), dtype=object if is_str else float)
            out = np.full(G, "" if is_str else np.nan, dtype=object if is_str else float)
            out[codes[rows]] = src[rows]
            target = _name(spec["stubs"][stubs.index(name)], v)
            if target in new.info or target in others:
                raise StataError(f"variable {target} already defined", 110)
            vtype = string_type(out) if is_str else inf.type
            new.set_values(target, out, vtype)
            fmt = inf.format if not is_str else default_format(vtype)
            new.info[target] = VarInfo(vtype, fmt, f"{v} {name}", inf.vlabel)
    for name in others:
        inf = ds.info[name]
        new.set_values(name, np.asarray(ds.values(name))[first], inf.type)
        new.info[name] = VarInfo(inf.type, inf.format, inf.label, inf.vlabel)
    new.value_labels = {k: dict(v) for k, v in ds.value_labels.items()}
    new.label = ds.label
    new.sortedby = tuple(i_vars)
    new.changed = True
    new.reshape_spec = {**spec, "values": values}
    s.data = new
    J = len(values)
    lines = [
        f"(j = {' '.join(values)})",
        *notes,
        "",
        *_report((ds.nobs, ds.nvars), (new.nobs, new.nvars), "Long", "Wide"),
    ]
    lines.append(f"{f'j variable ({J} values)':<30}{jvar:>9}   ->   (dropped)")
    lines.append("xij variables:")
    for stub, name in zip(spec["stubs"], stubs):
        lines.append(f"{name:>39}   ->   {_xij_text([_name(stub, v) for v in values])}")
    lines.append(_RULE)
    return [Text("\n".join(lines))]


@command("reshape", "clear")
def reshape_clear(s, cmd: Command) -> list[Output]:
    s.data.reshape_spec = None
    return []
