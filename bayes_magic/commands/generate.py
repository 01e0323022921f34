"""``generate``, ``replace`` ([D] generate) and ``egen`` ([D] egen).

``generate`` makes a ``float`` (or ``set type``) variable unless a type is given, a ``str#``
for string expressions (cut to ``#`` bytes when the type is given), and reports missing values
generated. ``replace`` counts real changes and promotes the storage type when new values do not
fit (``variable x was int now float``). Both evaluate their expression only at the observations
of their ``if`` and ``in``, so ``sum()`` runs over those alone. A ``replace`` whose expression
refers to the variable it replaces at another observation (``replace x = x[_n-1] if
missing(x)``) is evaluated observation by observation, each seeing the values written above it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import egen as eg
from ..dataset.dataset import INT_RANGES, coerce, missing_mask, string_type
from ..dataset.evaluate import Context, evaluate, subscripted
from ..dataset.varnames import check_new_name, expand_terms, resolve
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Assignment, Command, EgenCall, Expr
from ..syntax.tables import EGEN_EXP, EGEN_VARLIST
from .data import plural
from .listing import cell_text
from .registry import command

_NUMERIC = ("byte", "int", "long", "float", "double")


def _missing_count(vals: np.ndarray) -> int:
    return int(missing_mask(vals).sum())


def evaluate_at(s, e: Expr, mask: np.ndarray) -> np.ndarray:
    """``e`` evaluated at the observations in ``mask``; missing elsewhere."""
    rows = np.flatnonzero(mask)
    v = evaluate(e, s.context(rows))
    out = np.full(len(mask), "", dtype=object) if v.dtype == object else np.full(len(mask), np.nan)
    out[rows] = v
    return out


def _truncate(text: str, width: int) -> str:
    """``text`` cut to ``width`` bytes of UTF-8 (never inside a character)."""
    b = text.encode("utf-8")
    return text if len(b) <= width else b[:width].decode("utf-8", errors="ignore")


def _string_result(vals: np.ndarray, vtype: str | None) -> tuple[np.ndarray, str]:
    """String values and their type: ``str#`` given cuts them to ``#`` bytes, as Stata does;
    ``str`` or none gives the narrowest type; ``strL`` keeps them whole."""
    if vtype in (None, "str"):
        return vals, string_type(vals)
    if vtype == "strL":
        return vals, vtype
    width = int(vtype[3:])
    return np.array([_truncate(x, width) for x in vals], dtype=object), vtype


@command("generate", byable="data")
def generate(s, cmd: Command) -> list[Output]:
    body = cmd.body
    assert isinstance(body, Assignment)
    name, _, vlabel = body.name.partition(":")
    check_new_name(s.data, name)
    mask = s.touse(cmd)
    vals = evaluate_at(s, body.expr, mask)
    vtype = body.type
    is_str = vals.dtype == object
    if vtype is not None and (vtype.startswith("str") != is_str):
        raise StataError("type mismatch", 109)
    if is_str:
        vals, vtype = _string_result(vals, vtype)
    else:
        vtype = vtype or s.settings.type
    opts = {"after": cmd.option("after"), "before": cmd.option("before")}
    for k, v in opts.items():
        if v is not None:
            opts[k] = resolve(s.data, v)
    s.data.set_values(name, vals, vtype, **opts)
    if vlabel:
        s.data.info[name].vlabel = vlabel
    miss = _missing_count(s.data.values(name))
    return [Text(f"({plural(miss, 'missing value')} generated)")] if miss else []


def _needs_sequential(e, target: str, ds) -> bool:
    for nm in subscripted(e):
        try:
            if resolve(ds, nm, in_expr=True) == target:
                return True
        except StataError:
            continue
    return False


def promote_type(old_type: str, vals: np.ndarray) -> str:
    """The storage type that holds ``vals`` starting from ``old_type`` (Stata's promotion)."""
    v = vals[~np.isnan(vals)]
    if old_type in INT_RANGES:
        if v.size == 0:
            return old_type
        if np.all(v == np.trunc(v)):
            for t in ("byte", "int", "long"):
                if _NUMERIC.index(t) < _NUMERIC.index(old_type):
                    continue
                lo, hi = INT_RANGES[t]
                if v.min() >= lo and v.max() <= hi:
                    return t
            return "double" if np.abs(v).max() > 16777216 else "float"
        # non-integers: float if they are exactly floats, else double (long needs double)
        if old_type == "long":
            return "double"
        return "float"
    return old_type


@command("replace", byable="data")
def replace(s, cmd: Command) -> list[Output]:
    body = cmd.body
    assert isinstance(body, Assignment)
    ds = s.data
    name = body.name if body.name in ds.info else resolve(ds, body.name)
    mask = s.touse(cmd)
    old = ds.values(name)
    is_str = ds.is_string(name)
    if _needs_sequential(body.expr, name, ds):
        new = _sequential(s, body, name, mask)
    else:
        new = evaluate_at(s, body.expr, mask)
    if (new.dtype == object) != is_str:
        raise StataError("type mismatch", 109)
    outs: list[Output] = []
    old_type = ds.info[name].type
    if is_str:
        result = np.where(mask, new, old).astype(object)
        changed = mask & (result != old)
        to_missing = changed & (result == "")
        new_type = old_type
        if old_type != "strL":
            need = string_type(result)
            if int(need[3:] if need != "strL" else 10**9) > int(old_type[3:]):
                new_type = need
    else:
        result = np.where(mask, new, old)
        new_type = old_type
        if not cmd.has("nopromote"):
            new_type = promote_type(old_type, result[mask])
        stored = coerce(result, new_type)
        same = (stored == old) | (np.isnan(stored) & np.isnan(old))
        changed = mask & ~same
        to_missing = changed & np.isnan(stored)
        result = stored
    if new_type != old_type:
        outs.append(Text(f"variable {name} was {old_type} now {new_type}"))
    ds.set_values(name, result, new_type)
    n_ch, n_miss = int(changed.sum()), int(to_missing.sum())
    msg = f"({plural(n_ch, 'real change')} made"
    if n_miss:
        msg += f", {n_miss:,} to missing"
    outs.append(Text(msg + ")"))
    return outs


def _sequential(s, body: Assignment, name: str, mask: np.ndarray) -> np.ndarray:
    """Evaluate row by row, storing each result before the next row sees it.

    The expression reads ``name`` from one array that each row's result is written into, so a
    row costs one evaluation at one observation; nothing is copied per row.
    """
    ds = s.data
    col = ds.values(name).copy()
    is_str = ds.is_string(name)
    groups = None if s.by is None else (s.by.starts, s.by.sizes)
    columns = {name: col}
    for i in np.flatnonzero(mask):
        ctx = Context(ds, np.array([i]), groups, s.lookup, s.rng, columns)
        v = evaluate(body.expr, ctx)
        if (v.dtype == object) != is_str:
            raise StataError("type mismatch", 109)
        col[i] = v[0]
    return col


# ---------------------------------------------------------------------------------------------
# egen

#: functions of a varlist that neither the by prefix nor by() may group
_UNGROUPED = ("tag", "group", "anycount", "anymatch", "anyvalue", "diff", "concat")
#: the row functions (of several variables, observation by observation)
_ROW = tuple(f for f in EGEN_VARLIST if f.startswith("row"))
#: functions that fill every used observation of a group with one statistic
_GROUP_STATS = (
    *("mean", "sd", "max", "min", "median", "pctile"),
    *("iqr", "mad", "mdev", "skew", "kurt"),
)


def _group_ids(s, cmd: Command) -> np.ndarray:
    """Each observation's group from the by prefix and the ``by()`` option (all one group
    without either). ``by()`` groups need not be sorted; missing values form a group."""
    parts = [] if s.by is None else [s.by.ids]
    for v in expand_terms(s.data, cmd.option("by", ())):
        parts.append(pd.factorize(s.data.values(v), use_na_sentinel=False)[0])
    if not parts:
        return np.zeros(s.data.nobs, dtype=np.int64)
    return np.unique(np.column_stack(parts), axis=0, return_inverse=True)[1].ravel()


@command("egen", byable="data")
def egen(s, cmd: Command) -> list[Output]:
    body = cmd.body
    assert isinstance(body, EgenCall)
    ds = s.data
    check_new_name(ds, body.name)
    mask = s.touse(cmd)
    f = body.func
    if f in EGEN_EXP:
        out = _egen_exp(s, cmd, body, mask)
        vtype = body.type or ("long" if f == "count" else s.settings.type)
    else:
        if (s.by is not None or cmd.has("by")) and (f in _UNGROUPED or f in _ROW):
            raise StataError(f"egen ... {f}() may not be combined with by", 190)
        out = _egen_varlist(s, cmd, body, mask)
        vtype = body.type or s.settings.type
        if f == "tag":
            vtype = body.type or "byte"
        elif f == "group":
            vtype = body.type or ("int" if np.nanmax(np.append(out, 0)) < 32740 else "long")
    if out.dtype == object:
        out = np.where(mask, out, "").astype(object)
        vtype = string_type(out)
    else:
        out = np.where(mask, out, np.nan)
    ds.set_values(body.name, out, vtype)
    if f == "group" and cmd.has("label"):
        _label_groups(s, cmd, body, out)
    if f == "cut" and cmd.has("label"):
        ds.info[body.name].vlabel = body.name
    miss = _missing_count(ds.values(body.name))
    return [Text(f"({plural(miss, 'missing value')} generated)")] if miss else []


def _egen_exp(s, cmd: Command, body: EgenCall, mask: np.ndarray) -> np.ndarray:
    """The functions of an expression: group statistics and per-observation ones."""
    f = body.func
    x = evaluate_at(s, body.args[0], mask)
    if x.dtype == object and f not in ("mode", "count"):
        raise StataError("type mismatch", 109)
    g = _group_ids(s, cmd)
    valid = ~missing_mask(x)
    use = mask & valid
    if f in _GROUP_STATS:
        return eg.fill_groups(x, use, mask, g, eg.stat_function(f, cmd.option("p", 50)))
    if f == "total":
        out = eg.fill_groups(np.where(valid, x, 0.0), mask, mask, g, np.sum)
        if cmd.has("missing"):
            out[eg.fill_groups(valid.astype(float), mask, mask, g, np.max) == 0] = np.nan
        return out
    if f == "count":
        return eg.fill_groups(valid.astype(float), mask, mask, g, np.sum)
    if f == "mode":
        pick = "min" if cmd.has("minmode") else "max" if cmd.has("maxmode") else ""
        return eg.mode(x, mask if cmd.has("missing") else use, mask, g, cmd.option("nummode", pick))
    if f == "rank":
        how = next((h for h in ("field", "track", "unique") if cmd.has(h)), "average")
        return eg.rank(x, use, g, how)
    total = eg.fill_groups(x, use, use, g, np.sum)
    if f == "pc":
        return np.where(use, x / total * (1 if cmd.has("prop") else 100), np.nan)
    # std
    m = eg.fill_groups(x, use, use, g, np.mean)
    sd = eg.fill_groups(x, use, use, g, eg.stat_function("sd"))
    return np.where(use, (x - m) / sd * cmd.option("std", 1.0) + cmd.option("mean", 0.0), np.nan)


def _missing_any(ds, names: list[str]) -> np.ndarray:
    out = np.zeros(ds.nobs, dtype=bool)
    for v in names:
        out |= ds.missing(v)
    return out


def _egen_varlist(s, cmd: Command, body: EgenCall, mask: np.ndarray) -> np.ndarray:
    """The functions of a varlist."""
    ds = s.data
    f = body.func
    names = expand_terms(ds, body.args) if body.args else []
    if not names and f != "seq":
        raise StataError("varlist required", 100)
    if f in ("tag", "group"):
        use = mask & (~_missing_any(ds, names) if not cmd.has("missing") else True)
        return _tag(ds, names, use) if f == "tag" else _group(ds, names, use)
    if f == "seq":
        return _seq(cmd, _group_ids(s, cmd), mask)
    cols = [ds.values(v) for v in names]
    strings = [c.dtype == object for c in cols]
    if f == "concat":
        return _concat(s, cmd, names)
    if f == "diff":
        if len(set(strings)) > 1:
            raise StataError("type mismatch", 109)
        return eg.differ(cols)
    if any(strings) and not (
        f in ("rowmiss", "rownonmiss") and (f == "rowmiss" or cmd.has("strok"))
    ):
        raise StataError("type mismatch", 109)
    if f in _ROW:
        return eg.row_stat(f, cols, p=cmd.option("p", 50), missing=cmd.has("missing"))
    if f in ("anymatch", "anycount", "anyvalue"):
        if not cmd.has("values"):
            raise StataError("option values() required", 198)
        return eg.any_of(f, cols, list(cmd.option("values")))
    if f == "cut":
        if len(cols) != 1:
            raise StataError("cut() takes one variable", 198)
        return _cut(s, cmd, body, cols[0], mask)
    raise StataError(f"egen function {f}() is not available in bayes_magic", 133)


def _cut(s, cmd: Command, body: EgenCall, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``egen newvar = cut(var), at(#,#,...)|group(#) [icodes label]`` as ``_gcut.ado`` does
    it: each value gets the largest breakpoint at or below it (or that breakpoint's index from
    0 with ``icodes``); values below the first or at or above the last ``at()`` are missing;
    ``group(#)`` breaks at the minimum, the ``pctile, nq(#)`` quantiles and the maximum + 1,
    and implies ``icodes``; ``label`` labels the codes ``"cut-"`` (and implies ``icodes``)."""
    from ..dataset.stats import percentile
    from .macros import macro_value

    at_text, group = cmd.option("at"), cmd.option("group")
    if (at_text is None) == (group is None):
        raise StataError(
            "one of at() or group() must be specified"
            if at_text is None
            else "cannot specify both at() and group() option",
            198,
        )
    x = np.where(mask, x, np.nan)
    icodes = cmd.has("icodes") or cmd.has("label") or group is not None
    if at_text is not None:
        from ..syntax.numlist import numlist

        cuts = numlist(str(at_text).replace(",", " "))  # a numlist: 18(5)45, 0/10 ...
        if cuts != sorted(cuts) or not cuts:
            raise StataError(f"at({at_text}) invalid: numbers in ascending order expected", 198)
        x = np.where(x >= cuts[-1], np.nan, x)
    else:
        ok = x[~np.isnan(x)]
        if ok.size == 0:
            raise StataError("no observations", 2000)
        cuts = [float(ok.min())]
        cuts += [percentile(ok, None, 100.0 * k / group) for k in range(1, int(group))]
        cuts.append(float(ok.max()) + 1)
    out = np.full(len(x), np.nan)
    for i, c in enumerate(cuts):
        out = np.where(~np.isnan(x) & (x >= c), i if icodes else c, out)
    if cmd.has("label"):
        s.data.value_labels[body.name] = {i: f"{macro_value(c)}-" for i, c in enumerate(cuts)}
    return out


#: a missing number in a key: one value for all missing observations (nan never equals
#: itself), sorting after every number
MISSING_KEY = float("inf")


def group_keys(ds, names: list[str]) -> list[tuple]:
    """Each observation's values of ``names`` as a hashable key, missing numbers as
    :data:`MISSING_KEY` (``egen group()``, ``contract`` and ``fillin`` count missing as one
    value)."""
    cols = []
    for v in names:
        x = ds.values(v)
        if not ds.is_string(v):
            x = np.where(np.isnan(x.astype(float)), MISSING_KEY, x.astype(float)).tolist()
        cols.append(x)
    return list(zip(*cols)) if cols else [()] * ds.nobs


def group_sort_key(k: tuple) -> tuple:
    """A tuple of values in Stata's sort order: missing values after every number."""
    return tuple((1, "") if (isinstance(x, float) and x != x) else (0, x) for x in k)


def _tag(ds, names: list[str], use: np.ndarray) -> np.ndarray:
    """1 at the first used observation of each distinct value of ``names``, else 0."""
    out = np.zeros(ds.nobs)
    keys = group_keys(ds, names)
    seen: set = set()
    for i in np.flatnonzero(use):
        if keys[i] not in seen:
            seen.add(keys[i])
            out[i] = 1.0
    return out


def _group(ds, names: list[str], use: np.ndarray) -> np.ndarray:
    """Groups numbered 1, 2, ... in the sort order of ``names`` (missing where not used)."""
    keys = group_keys(ds, names)
    uniq = sorted({keys[i] for i in np.flatnonzero(use)}, key=group_sort_key)
    code = {k: j + 1 for j, k in enumerate(uniq)}
    return np.array([code[keys[i]] if use[i] else np.nan for i in range(ds.nobs)], dtype=float)


def _label_groups(s, cmd: Command, body: EgenCall, codes: np.ndarray) -> None:
    """``group(), label``: a value label giving each group its variables' values (or their
    value labels) joined by blanks; ``label(name[, replace])`` or ``lname()`` names it."""
    ds = s.data
    names = expand_terms(ds, body.args)
    raw = cmd.option("label")
    spec, _, rest = (raw if isinstance(raw, str) else "").partition(",")
    lname = spec.strip() or cmd.option("lname") or body.name
    if lname in ds.value_labels and "replace" not in rest.split():
        raise StataError(f"label {lname} already defined", 110)
    width = cmd.option("truncate")
    labels: dict[int, str] = {}
    for i in np.flatnonzero(~np.isnan(codes)):
        if int(codes[i]) not in labels:
            parts = [cell_text(ds, v, ds.df[v].iloc[i]) for v in names]
            labels[int(codes[i])] = " ".join(p[:width] if width else p for p in parts)
    ds.value_labels[lname] = labels
    ds.info[body.name].vlabel = lname


def _seq(cmd: Command, g: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``seq()``: 1, 2, ... (``from()``, ``to()``, ``block()``) within each group."""
    frm, to, block = cmd.option("from", 1), cmd.option("to"), cmd.option("block", 1)
    out = np.full(len(mask), np.nan)
    for rows in eg.group_rows(g):
        rows = rows[mask[rows]]
        k = np.arange(len(rows)) // block
        if to is not None:
            k = k % (abs(to - frm) + 1)
            out[rows] = frm + k if to >= frm else frm - k
        else:
            out[rows] = frm + k
    return out


def _concat(s, cmd: Command, names: list[str]) -> np.ndarray:
    """``concat()``: the variables' values as text joined by ``punct()``; numbers shown with
    ``format()`` (default ``%12.0g``-like), or by their value labels with ``decode``."""
    from ..report.format import check_format, fmt_number

    ds = s.data
    fmt = check_format(cmd.option("format")) if cmd.has("format") else None
    parts = []
    for v in names:
        col = ds.values(v)
        if ds.is_string(v):
            parts.append(col)
        elif cmd.has("decode"):
            parts.append(np.array([cell_text(ds, v, x) for x in col], dtype=object))
        else:
            parts.append(
                np.array(
                    ["." if x != x else fmt_number(x, fmt or "%12.0g").strip() for x in col],
                    dtype=object,
                )
            )
    punct = cmd.option("punct", "")
    out = [punct.join(row) for row in zip(*parts)]
    width = cmd.option("maxlength")
    return np.array([x[:width] if width else x for x in out], dtype=object)
