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
from .data import refuse_options
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


@command("tabstat")
def tabstat(s, cmd: Command) -> list[Output]:
    """``tabstat varlist [if] [in] [weight] [, by() statistics() columns() format casewise
    nototal missing save]``."""
    refuse_options(cmd, ("longstub", "varwidth", "labelwidth", "noseparator"))
    ds = s.data
    names = expand_terms(ds, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    for v in names:
        if ds.is_string(v):
            raise StataError(f"{v} is a string variable", 109)
    stats_ = _names(cmd.option("statistics") or cmd.option("stats"))
    cols = str(cmd.option("columns") or "variables").strip().lower()
    if not ("variables".startswith(cols) or "statistics".startswith(cols)) or not cols:
        raise StataError(f"columns({cols}) invalid", 198)
    by_stat = "statistics".startswith(cols)
    fmt = cmd.option("format")
    if isinstance(fmt, str) and fmt:
        check_format(fmt)
    touse = s.touse(cmd)
    if cmd.has("casewise"):
        for v in names:
            touse &= ~ds.missing(v)
    w, touse = weights(s, cmd, touse)
    kind = cmd.weight.kind if cmd.weight is not None else None
    by = cmd.option("by")
    groups: list[tuple[str, np.ndarray]] = []
    by_var = None
    if by is not None:
        if by_stat:
            raise StataError(
                "columns(statistics) with by() is not available in bayes_magic yet", 198
            )
        by_var = resolve(ds, str(by).strip())
        g = ds.values(by_var)
        miss = (g == "") if g.dtype == object else np.isnan(np.asarray(g, float))
        use_g = touse if cmd.has("missing") else touse & ~miss
        for lv in sorted(set(g[use_g].tolist()), key=lambda x: (x != x, x)):
            mask = use_g & ((g == lv) if lv == lv else miss)
            groups.append((s.value_text(by_var, int(np.flatnonzero(mask)[0])), mask))
    shown = [*groups, ("Total", touse)] if not groups or not cmd.has("nototal") else groups

    def cell(x: float) -> str:
        if x != x:
            return f"{'.':>10}"
        if fmt:
            return f"{fmt_number(x, fmt if isinstance(fmt, str) else '%9.0g').strip():>10}"
        return f"{fmt_g(x, 9):>10}"

    def table_of(mask: np.ndarray) -> np.ndarray:
        M = np.zeros((len(stats_), len(names)))
        for j, v in enumerate(names):
            x = np.asarray(ds.values(v), float)
            m = mask & ~np.isnan(x)
            ww = None if w is None else np.asarray(w, float)[m]
            for i, st in enumerate(stats_):
                M[i, j] = _stat(st, x[m], ww, kind)
        return M

    tables = [table_of(mask) for _label, mask in shown]
    labels = [_LABELS.get(st, st) for st in stats_]
    lines: list[str] = []
    if by_var is not None:
        lines += [
            f"Summary statistics: {', '.join(labels)}",
            f"Group variable: {by_var}"
            + (f" ({ds.info[by_var].label})" if ds.info[by_var].label else ""),
            "",
        ]
    if by_stat:  # variables in rows, statistics in columns
        M = tables[-1]  # the total: by() is refused with columns(statistics)
        width = 10 * len(stats_)
        lines.append(f"{'Variable':>8} |" + "".join(f"{abbrev(lb, 9):>10}" for lb in labels))
        lines.append("-" * 9 + "+" + "-" * width)
        for j, v in enumerate(names):
            lines.append(
                f"{abbrev(v, 8):>8} |" + "".join(cell(M[i, j]) for i in range(len(stats_)))
            )
        lines.append("-" * (10 + width))
    else:
        width = 10 * len(names)
        stub = abbrev(by_var, 8) if by_var is not None else "Stats"
        lines.append(f"{stub:>8} |" + "".join(f"{abbrev(v, 9):>10}" for v in names))
        lines.append("-" * 9 + "+" + "-" * width)
        for k, ((label, _mask), M) in enumerate(zip(shown, tables, strict=True)):
            if by_var is not None and k:
                lines.append("-" * 9 + "+" + "-" * width)
            for i, lb in enumerate(labels):
                head = (abbrev(label, 8) if i == 0 else "") if by_var is not None else lb
                lines.append(f"{head:>8} |" + "".join(cell(M[i, j]) for j in range(len(names))))
        lines.append("-" * (10 + width))
    s.r = {}
    if cmd.has("save"):
        s.r["StatTotal"] = Matrix(table_of(touse), labels, list(names))
        for k, (label, mask) in enumerate(groups):
            s.r[f"Stat{k + 1}"] = Matrix(table_of(mask), labels, list(names))
            s.r[f"name{k + 1}"] = label
    return [Block("\n".join(ln.rstrip() for ln in lines), kind="result")]
