"""``generate``, ``replace`` ([D] generate) and ``egen`` ([D] egen).

``generate`` makes a ``float`` (or ``set type``) variable unless a type is given, a ``str#``
for string expressions, and reports missing values generated. ``replace`` counts real changes
and promotes the storage type when new values do not fit (``variable x was int now float``).
A ``replace`` whose expression refers to the variable it replaces at another observation
(``replace x = x[_n-1] if missing(x)``) is evaluated observation by observation, as in Stata.
"""

from __future__ import annotations

import numpy as np

from ..dataset.dataset import INT_RANGES, coerce, string_type
from ..dataset.evaluate import Context, evaluate, subscripted
from ..dataset.varnames import check_new_name, expand_terms, resolve
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Assignment, Command, EgenCall
from .data import plural
from .registry import command

_NUMERIC = ("byte", "int", "long", "float", "double")


def _mask(s, cmd: Command) -> np.ndarray:
    return s.touse(cmd)


def _missing_count(vals: np.ndarray) -> int:
    return int((vals == "").sum()) if vals.dtype == object else int(np.isnan(vals).sum())


@command("generate", byable="data")
def generate(s, cmd: Command) -> list[Output]:
    body = cmd.body
    assert isinstance(body, Assignment)
    name, _, vlabel = body.name.partition(":")
    check_new_name(s.data, name)
    mask = _mask(s, cmd)
    vals = evaluate(body.expr, s.context())
    vtype = body.type
    is_str = vals.dtype == object
    if vtype is not None and (vtype.startswith("str") != is_str):
        raise StataError("type mismatch", 109)
    if is_str:
        vals = np.where(mask, vals, "").astype(object)
        if vtype in (None, "str") or (
            vtype.startswith("str")
            and vtype[3:].isdigit()
            and int(vtype[3:]) < len(string_type(vals)) - 3
        ):
            vtype = string_type(vals)
        elif vtype != "strL":
            width = int(vtype[3:])
            vals = np.array([x[:width] for x in vals], dtype=object)
    else:
        vals = np.where(mask, vals, np.nan)
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


def _promote(old_type: str, vals: np.ndarray) -> str:
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
    if body.name not in ds.info:
        # replace may not abbreviate ([D] generate: "replace ... cannot be abbreviated" is about
        # the command; variable names follow varabbrev)
        name = resolve(ds, body.name)
    else:
        name = body.name
    mask = _mask(s, cmd)
    old = ds.values(name)
    is_str = ds.is_string(name)
    if _needs_sequential(body.expr, name, ds):
        new = _sequential(s, body, name, mask)
    else:
        new = evaluate(body.expr, s.context())
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
        same = (result == old) | (np.isnan(result) & np.isnan(old))
        new_type = old_type
        if not cmd.has("nopromote"):
            new_type = _promote(old_type, result[mask])
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
    """Evaluate row by row, storing each result before the next row sees it."""
    ds = s.data
    col = ds.values(name).copy()
    work = ds.copy()
    is_str = ds.is_string(name)
    for i in np.flatnonzero(mask):
        work.df[name] = col
        ctx = Context(
            work,
            np.array([i]),
            None if s.by is None else (s.by.starts, s.by.sizes),
            s.lookup,
            s.rng,
        )
        v = evaluate(body.expr, ctx)
        if (v.dtype == object) != is_str:
            raise StataError("type mismatch", 109)
        col[i] = v[0]
    return col


# ---------------------------------------------------------------------------------------------
# egen


def _groups(s, extra: list[str] | None = None) -> np.ndarray:
    """Group ids per observation from the ``by`` prefix (all one group without it)."""
    if s.by is None:
        return np.zeros(s.data.nobs, dtype=np.int64)
    return s.by.ids


def _group_apply(x: np.ndarray, use: np.ndarray, g: np.ndarray, f) -> np.ndarray:
    out = np.full(len(x), np.nan)
    for gid in np.unique(g):
        rows = (g == gid) & use
        if rows.any():
            out[(g == gid) & use] = f(x[rows])
    return out


def _rank(x: np.ndarray, how: str) -> np.ndarray:
    from scipy.stats import rankdata

    if how == "field":
        return rankdata(-x, method="min").astype(float)
    if how == "track":
        return rankdata(x, method="min").astype(float)
    if how == "unique":
        return rankdata(x, method="ordinal").astype(float)
    return rankdata(x, method="average").astype(float)


def _row_stat(vals: list[np.ndarray], f) -> np.ndarray:
    import warnings

    m = np.vstack(vals)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return f(m)


@command("egen", byable="data")
def egen(s, cmd: Command) -> list[Output]:
    body = cmd.body
    assert isinstance(body, EgenCall)
    ds = s.data
    check_new_name(ds, body.name)
    mask = _mask(s, cmd)
    g = _groups(s)
    f = body.func
    vtype = body.type or s.settings.type
    n = ds.nobs
    if (
        f in ("tag", "group")
        or f.startswith("row")
        or f
        in (
            "anycount",
            "anymatch",
            "anyvalue",
            "diff",
            "concat",
            "fill",
            "cut",
            "ends",
            "seq",
            "mtr",
        )
    ):
        if s.by is not None and f not in ("seq",):
            raise StataError(f"egen ... {f}() may not be combined with by", 190)
        out = _egen_varlist(s, cmd, body, mask)
        if f == "tag":
            vtype = body.type or "byte"
        elif f == "group":
            vtype = body.type or ("int" if np.nanmax(np.append(out, 0)) < 32740 else "long")
    else:
        x = evaluate(body.args[0], s.context())
        if x.dtype == object and f not in ("mode", "count"):
            raise StataError("type mismatch", 109)
        if x.dtype == object:
            isnum = False
            valid = x != ""
        else:
            isnum = True
            valid = ~np.isnan(x)
        use = mask & valid
        out = np.full(n, np.nan)
        if f == "mean":
            out = _group_apply(x, use, g, np.mean)
        elif f == "sd":
            out = _group_apply(x, use, g, lambda v: v.std(ddof=1) if len(v) > 1 else np.nan)
        elif f == "total":
            out = _group_apply(np.where(valid, x, 0.0) if isnum else x, mask, g, np.sum)
            if cmd.has("missing"):
                anyv = _group_apply(valid.astype(float), mask, g, np.max)
                out[anyv == 0] = np.nan
        elif f == "count":
            out = _group_apply(valid.astype(float), mask, g, np.sum)
            vtype = body.type or "long"
        elif f == "max":
            out = _group_apply(x, use, g, np.max)
        elif f == "min":
            out = _group_apply(x, use, g, np.min)
        elif f == "median":
            out = _group_apply(x, use, g, lambda v: _pct(v, 50))
        elif f == "pctile":
            p = cmd.option("p", 50)
            out = _group_apply(x, use, g, lambda v: _pct(v, p))
        elif f == "iqr":
            out = _group_apply(x, use, g, lambda v: _pct(v, 75) - _pct(v, 25))
        elif f == "mad":
            out = _group_apply(x, use, g, lambda v: _pct(np.abs(v - _pct(v, 50)), 50))
        elif f == "mdev":
            out = _group_apply(x, use, g, lambda v: np.mean(np.abs(v - v.mean())))
        elif f == "skew":
            out = _group_apply(x, use, g, _skew)
        elif f == "kurt":
            out = _group_apply(x, use, g, _kurt)
        elif f == "pc":
            tot = _group_apply(x, use, g, np.sum)
            out = np.where(use, x / tot * (1 if cmd.has("prop") else 100), np.nan)
        elif f == "std":
            m = _group_apply(x, use, g, np.mean)
            sd = _group_apply(x, use, g, lambda v: v.std(ddof=1) if len(v) > 1 else np.nan)
            out = np.where(
                use, (x - m) / sd * cmd.option("std", 1.0) + cmd.option("mean", 0.0), np.nan
            )
        elif f == "rank":
            how = next((h for h in ("field", "track", "unique") if cmd.has(h)), "average")
            out = np.full(n, np.nan)
            for gid in np.unique(g):
                rows = np.flatnonzero((g == gid) & use)
                if len(rows):
                    out[rows] = _rank(x[rows], how)
        elif f == "mode":
            out = _mode(x, use, g, cmd)
        else:  # pragma: no cover - grammar lists the functions
            raise StataError(f"unknown egen function {f}()", 133)
        out = np.where(mask, out, np.nan)
    is_str = out.dtype == object
    if is_str:
        vtype = string_type(out)
    s.data.set_values(body.name, out, vtype)
    miss = _missing_count(s.data.values(body.name))
    return [Text(f"({plural(miss, 'missing value')} generated)")] if miss else []


def _pct(v: np.ndarray, p: float) -> float:
    from .summarize import percentile

    return percentile(v, None, p)


def _skew(v: np.ndarray) -> float:
    d = v - v.mean()
    m2 = (d**2).mean()
    return float((d**3).mean() / m2**1.5) if m2 > 0 else np.nan


def _kurt(v: np.ndarray) -> float:
    d = v - v.mean()
    m2 = (d**2).mean()
    return float((d**4).mean() / m2**2) if m2 > 0 else np.nan


def _mode(x: np.ndarray, use: np.ndarray, g: np.ndarray, cmd: Command) -> np.ndarray:
    out = np.full(len(x), np.nan) if x.dtype != object else np.full(len(x), "", dtype=object)
    for gid in np.unique(g):
        rows = np.flatnonzero((g == gid) & use)
        if not len(rows):
            continue
        vals, counts = np.unique(x[rows], return_counts=True)
        best = np.flatnonzero(counts == counts.max())
        if len(best) > 1 and not (cmd.has("minmode") or cmd.has("maxmode")):
            continue  # several modes: missing, as Stata
        k = best[-1] if cmd.has("maxmode") else best[0]
        out[g == gid] = vals[k]
    return out


def _egen_varlist(s, cmd: Command, body: EgenCall, mask: np.ndarray) -> np.ndarray:
    ds = s.data
    f = body.func
    names = expand_terms(ds, body.args) if body.args else []
    n = ds.nobs
    if f == "tag":
        miss = np.zeros(n, dtype=bool)
        for v in names:
            col = ds.values(v)
            miss |= (col == "") if col.dtype == object else np.isnan(col)
        use = mask & (~miss if not cmd.has("missing") else True)
        out = np.zeros(n)
        keys = _keys(ds, names)
        seen: set = set()
        for i in np.flatnonzero(use):
            if keys[i] not in seen:
                seen.add(keys[i])
                out[i] = 1.0
        return out
    if f == "group":
        miss = np.zeros(n, dtype=bool)
        for v in names:
            col = ds.values(v)
            miss |= (col == "") if col.dtype == object else np.isnan(col)
        use = mask & (~miss if not cmd.has("missing") else np.ones(n, dtype=bool))
        keys = _keys(ds, names)
        uniq = sorted({keys[i] for i in np.flatnonzero(use)}, key=_sort_key)
        code = {k: j + 1 for j, k in enumerate(uniq)}
        return np.array([code[keys[i]] if use[i] else np.nan for i in range(n)], dtype=float)
    if f == "seq":
        frm, to, block = cmd.option("from", 1), cmd.option("to"), cmd.option("block", 1)
        g = _groups(s)
        out = np.full(n, np.nan)
        for gid in np.unique(g):
            rows = np.flatnonzero((g == gid) & mask)
            k = np.arange(len(rows)) // block
            if to is not None:
                span = abs(to - frm) + 1
                k = k % span
                out[rows] = frm + k if to >= frm else frm - k
            else:
                out[rows] = frm + k
        return out
    cols = [ds.values(v) for v in names]
    if any(c.dtype == object for c in cols) and f not in (
        "rowmiss",
        "rownonmiss",
        "concat",
        "rowfirst",
        "rowlast",
    ):
        raise StataError("type mismatch", 109)
    if f == "rowmean":
        out = _row_stat(cols, lambda m: np.nanmean(m, axis=0))
    elif f == "rowtotal":
        out = _row_stat(cols, lambda m: np.nansum(m, axis=0))
        if cmd.has("missing"):
            out[np.all(np.isnan(np.vstack(cols)), axis=0)] = np.nan
    elif f == "rowmax":
        out = _row_stat(cols, lambda m: np.nanmax(m, axis=0))
    elif f == "rowmin":
        out = _row_stat(cols, lambda m: np.nanmin(m, axis=0))
    elif f == "rowsd":
        out = _row_stat(cols, lambda m: np.nanstd(m, axis=0, ddof=1))
    elif f == "rowmedian":
        out = _row_stat(cols, lambda m: np.nanmedian(m, axis=0))
    elif f == "rowmiss":
        out = sum(((c == "") if c.dtype == object else np.isnan(c)).astype(float) for c in cols)
    elif f == "rownonmiss":
        out = sum((~((c == "") if c.dtype == object else np.isnan(c))).astype(float) for c in cols)
    elif f in ("rowfirst", "rowlast"):
        m = np.vstack(cols)
        out = np.full(n, np.nan)
        order = range(len(cols)) if f == "rowfirst" else reversed(range(len(cols)))
        for j in order:
            fill = np.isnan(out) & ~np.isnan(m[j])
            out[fill] = m[j][fill]
    elif f in ("anymatch", "anycount", "anyvalue"):
        vals = [float(x) for x in str(cmd.option("values", "")).replace(",", " ").split()]
        if not vals:
            raise StataError("values() required", 198)
        hits = [np.isin(c, vals) for c in cols]
        if f == "anymatch":
            out = np.any(hits, axis=0).astype(float)
        elif f == "anycount":
            out = np.sum(hits, axis=0).astype(float)
        else:
            out = np.where(hits[0], cols[0], np.nan)
    elif f == "diff":
        m = np.vstack(cols)
        out = np.any(m != m[0], axis=0).astype(float)
    else:
        raise StataError(f"egen function {f}() is not available in bayes_magic", 133)
    return np.where(mask, out, np.nan)


def _keys(ds, names: list[str]) -> list[tuple]:
    cols = [ds.values(v) for v in names]
    return list(zip(*cols)) if cols else [()] * ds.nobs


def _sort_key(k: tuple) -> tuple:
    return tuple((1, "") if (isinstance(x, float) and x != x) else (0, x) for x in k)
