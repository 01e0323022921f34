"""``tabstat`` ([R] tabstat): summary statistics of variables, optionally by the groups of a
variable, as ``summarize`` computes them (:mod:`bayes_magic.dataset.stats`).

Statistics as in [R] tabstat: ``mean count n sum max min range sd variance cv semean skewness
kurtosis median p1 p5 p10 p25 p50 p75 p90 p95 p99 iqr q``. ``columns(variables)`` (the
default) puts variables in columns; ``columns(statistics)`` statistics. With ``by()`` each
group is a block of rows and ``Total`` the last (``nototal`` drops it). ``save`` leaves the
tables in ``r(StatTotal)``, ``r(Stat1)`` ... and the group names in ``r(name1)`` ...
"""

from __future__ import annotations

import math

import numpy as np

from ..dataset.stats import moments, percentile
from ..dataset.varnames import expand_terms, resolve
from ..errors import StataError
from ..matrix import Matrix
from ..report.format import abbrev, check_format, fmt_g, fmt_number
from ..report.output import Block, Output
from ..syntax.ast import Command, Varlist
from .registry import command
from .summarize import weights

__all__ = ["tabstat"]

_SYNONYMS = {"n": "count", "var": "variance", "se(mean)": "semean", "p50": "median"}
#: each statistic's label in the table (Stata 17 capitalizes them)
_LABELS = {
    "mean": "Mean",
    "count": "N",
    "sum": "Sum",
    "max": "Max",
    "min": "Min",
    "range": "Range",
    "sd": "SD",
    "variance": "Variance",
    "cv": "CV",
    "semean": "SE(mean)",
    "skewness": "Skewness",
    "kurtosis": "Kurtosis",
    "median": "p50",
    "iqr": "IQR",
}


def _names(raw) -> list[str]:
    words = str(raw or "mean").lower().split()
    out: list[str] = []
    for w in words:
        if w == "q":
            out += ["p25", "median", "p75"]
            continue
        w = _SYNONYMS.get(w, w)
        if w not in _LABELS and not (
            w.startswith("p") and w[1:] in ("1", "5", "10", "25", "75", "90", "95", "99")
        ):
            raise StataError(f"{w} is not a valid statistic", 198)
        out.append(w)
    return out


def _stat(name: str, x: np.ndarray, w: np.ndarray | None, kind: str | None) -> float:
    m = moments(x, w, kind)
    if name == "count":
        return m["N"]
    if m["N"] == 0:
        return math.nan
    if name == "median" or (name.startswith("p") and name[1:].isdigit()):
        return percentile(x, w, 50.0 if name == "median" else float(name[1:]))
    if name == "iqr":
        return percentile(x, w, 75.0) - percentile(x, w, 25.0)
    if name == "range":
        return m["max"] - m["min"]
    if name == "cv":
        return m["sd"] / m["mean"] if m["mean"] else math.nan
    if name == "semean":
        return m["sd"] / math.sqrt(m["N"]) if m["N"] > 0 else math.nan
    key = {"variance": "Var"}.get(name, name)
    return float(m.get(key, math.nan))


def _by_width(s, by_var: str, labelwidth: int, total: bool) -> int:
    """tabstat.ado's width of the by() column: a labelled variable's longest label (at most
    ``labelwidth``), 8 for an unlabelled number, a string's width (at most ``labelwidth``); at
    least the variable's name, and 6 (``Total``) with the total row."""
    ds = s.data
    inf = ds.info[by_var]
    if inf.type.startswith("str"):
        vals = ds.values(by_var)
        wid = (
            int(inf.type[3:])
            if inf.type[3:].isdigit()
            else max((len(str(v)) for v in vals), default=1)
        )
        byw = min(wid, labelwidth)
    elif inf.vlabel and inf.vlabel in ds.value_labels and ds.value_labels[inf.vlabel]:
        byw = min(labelwidth, max(len(x) for x in ds.value_labels[inf.vlabel].values()))
    else:
        byw = 8
    byw = max(len(by_var), byw)
    return max(byw, 6) if total else byw


def _width_option(cmd: Command, name: str, default: int, lo: int, hi: int) -> tuple[int, str]:
    raw = cmd.option(name)
    if raw is None:
        return default, ""
    try:
        v = int(str(raw).strip())
    except ValueError:
        raise StataError(f"option {name}() incorrectly specified", 198) from None
    if lo <= v <= hi:
        return v, ""
    v = min(max(v, lo), hi)
    return v, f"(option {name}() outside valid range {lo}..{hi}; {v} assumed)"


@command("tabstat")
def tabstat(s, cmd: Command) -> list[Output]:
    """``tabstat varlist [if] [in] [weight] [, by() statistics() columns() format casewise
    nototal missing noseparator longstub varwidth() labelwidth() save]``, laid out by the rules
    of Stata's tabstat.ado: one variable puts the statistics in columns; a rule between the
    by() groups when each shows several rows; the by() column as wide as the group labels."""
    ds = s.data
    names = expand_terms(ds, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    for v in names:
        if ds.is_string(v):
            raise StataError(f"{v} is a string variable", 109)
    stats_ = _names(cmd.option("statistics") or cmd.option("stats"))
    cols = cmd.option("columns")
    cols = None if cols is None else str(cols).strip().lower()
    if cols is not None and not (
        cols and ("variables".startswith(cols) or "statistics".startswith(cols) or cols == "stats")
    ):
        raise StataError(
            f"option columns({cols}) invalid -- specify columns(variables) or columns(statistics)",
            198,
        )
    nvars, nstats = len(names), len(stats_)
    if cols is None:
        by_stat = nvars == 1  # one variable: its statistics across (tabstat.ado)
    else:
        by_stat = not "variables".startswith(cols)
    fmt = cmd.option("format")
    if isinstance(fmt, str) and fmt:
        check_format(fmt)
    varwidth, note_v = _width_option(cmd, "varwidth", 12, 8, 32)
    labelwidth, note_l = _width_option(cmd, "labelwidth", 16, 8, 32)
    touse = s.touse(cmd)
    if cmd.has("casewise"):
        for v in names:
            touse &= ~ds.missing(v)
    w, touse = weights(s, cmd, touse)
    kind = cmd.weight.kind if cmd.weight is not None else None
    by = cmd.option("by")
    total = not cmd.has("nototal")
    if not total and by is None:
        return [Block("nothing to display", kind="result")]
    groups: list[tuple[str, np.ndarray]] = []
    by_var = None
    if by is not None:
        by_var = resolve(ds, str(by).strip())
        g = ds.values(by_var)
        miss = (g == "") if g.dtype == object else np.isnan(np.asarray(g, float))
        use_g = touse if cmd.has("missing") else touse & ~miss
        if not use_g.any():
            raise StataError("no observations", 2000)
        # the values, then one group of the missing ones (nan != nan: a set keeps each)
        masks = [use_g & (g == lv) for lv in sorted(set(g[use_g & ~miss].tolist()))]
        if (use_g & miss).any():
            masks.append(use_g & miss)
        for mask in masks:
            groups.append((s.value_text(by_var, int(np.flatnonzero(mask)[0])), mask))
        touse = use_g
    elif not touse.any():
        raise StataError("no observations", 2000)
    shown = [*groups, ("Total", touse)] if total else groups

    def cell(x: float) -> str:
        if x != x:
            return f"{'.':>10}"
        if fmt:
            return f"{fmt_number(x, fmt if isinstance(fmt, str) else '%9.0g').strip():>10}"
        return f"{fmt_g(x, 9):>10}"

    def table_of(mask: np.ndarray) -> np.ndarray:
        M = np.zeros((nstats, nvars))
        for j, v in enumerate(names):
            x = np.asarray(ds.values(v), float)
            m = mask & ~np.isnan(x)
            ww = None if w is None else np.asarray(w, float)[m]
            for i, st in enumerate(stats_):
                M[i, j] = _stat(st, x[m], ww, kind)
        return M

    tables = [table_of(mask) for _label, mask in shown]
    labels = [_LABELS.get(st, st) for st in stats_]
    # tabstat.ado: longstub, no by(), or a varwidth() given shows the variables' column
    descr = cmd.has("longstub") or by_var is None or cmd.option("varwidth") is not None
    sepline = not cmd.has("noseparator") and (
        (nstats > 1 and not by_stat) or (nvars > 1 and by_stat)
    )
    byw = _by_width(s, by_var, labelwidth, total) if by_var is not None else 8
    if by_stat:
        lleft = (1 + byw) * (by_var is not None) + (varwidth + 1) * descr
    else:
        lleft = (1 + byw) * (by_var is not None) + 9 * descr
    align = "<" if descr and by_var is not None else ">"
    per_block = max(1, (s.settings.linesize - (lleft + 1)) // 10)
    lines: list[str] = [n for n in (note_v, note_l) if n]
    if not descr:
        bylabel = ds.info[by_var].label
        group = f"Group variable: {by_var}" + (f" ({bylabel})" if bylabel else "")
        if by_stat:
            lines += [f"Summary for variables: {' '.join(names)}", group, ""]
        else:
            lines += [f"Summary statistics: {', '.join(labels)}", group, ""]
    across = stats_ if by_stat else names
    for b0 in range(0, len(across), per_block):
        idx = list(range(b0, min(b0 + per_block, len(across))))
        if b0:
            lines.append("")
        head = f"{abbrev(by_var, byw):{align}{byw}} " if by_var is not None else ""
        if by_stat:
            head += f"{'Variable':>{varwidth}} " if descr else ""
            head += "|" + "".join(f"{labels[i]:>10}" for i in idx)
        else:
            head += "   Stats " if descr else ""
            head += "|" + "".join(f"{abbrev(names[i], 8):>10}" for i in idx)
        ndash = 10 * len(idx)
        lines += [head, "-" * lleft + "+" + "-" * ndash]
        rows_of = names if by_stat else labels
        for k, ((label, _mask), M) in enumerate(zip(shown, tables, strict=True)):
            for r, rname in enumerate(rows_of):
                stub = ""
                if by_var is not None:
                    stub = f"{label[:byw] if r == 0 else '':{align}{byw}} "
                if descr:
                    stub += f"{abbrev(rname, varwidth):>{varwidth}} " if by_stat else f"{rname:>8} "
                vals = [M[i, r] for i in idx] if by_stat else [M[r, i] for i in idx]
                lines.append(stub + "|" + "".join(cell(x) for x in vals))
            last = k == len(shown) - 1
            if last:
                lines.append("-" * (lleft + 1 + ndash))
            elif sepline or (k + 1 == len(shown) - 1 and total):
                lines.append("-" * lleft + "+" + "-" * ndash)
    s.r = {}
    if cmd.has("save"):
        if total:
            s.r["StatTotal"] = Matrix(tables[-1], labels, list(names))
        for k, (label, mask) in enumerate(groups):
            s.r[f"Stat{k + 1}"] = Matrix(table_of(mask), labels, list(names))
            s.r[f"name{k + 1}"] = label
    return [Block("\n".join(ln.rstrip() for ln in lines), kind="result")]
