"""``median varname [if] [in] [fweight], by(groupvar) [exact medianties(below|above|drop)]``
([R] ranksum): the nonparametric k-sample test of equal medians.

As Stata's median.ado: the pooled median (``summarize, detail``'s 50th percentile, weights
included) splits the observations into "greater than the median" or not — values equal to it
go below (``medianties(below)``, the default), above, or are dropped — and the two-way table of
that split by the groups is tested with Pearson's chi2 (``exact``: Fisher's exact test too);
with two groups the continuity-corrected chi2 N(|AD − BC| − N/2)²/((A+B)(C+D)(A+C)(B+D))
follows. ``medianties(split)`` (ties shared out at random by Stata's own random-number stream)
is refused.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..dataset.stats import percentile
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command
from .ranksum import numeric_by
from .registry import command
from .summarize import weights

__all__ = ["median"]

_TMP = ("__median_hi", "__median_touse", "__median_w")


@command("median", byable="repeat", readonly=True)
def median(s, cmd: Command) -> list[Output]:
    ds = s.data
    v, by = numeric_by(s, cmd)
    ties = str(cmd.option("medianties", "below")).strip()
    if ties not in ("below", "above", "drop", "split"):
        raise StataError(f"medianties({ties}) option invalid", 198)
    if ties == "split":
        raise StataError(
            "medianties(split) is not available in bayes_magic (Stata shares the ties out at "
            "random with its own random-number stream)",
            198,
        )
    x = np.asarray(ds.values(v), dtype=float)
    w, touse = weights(s, cmd, s.touse(cmd))
    touse = touse & ~np.isnan(x) & ~ds.missing(by)
    if not touse.any():
        raise StataError("no observations", 2000)
    g = ds.values(by)
    if len(set(g[touse].tolist())) < 2:
        raise StataError("1 group found, 2 required", 499)
    ww = None if w is None else np.asarray(w, dtype=float)
    med = percentile(x[touse], None if ww is None else ww[touse], 50)
    hi = np.where(x > med, 1.0, 0.0)
    label = "Greater than the median"
    if ties == "above":
        hi = np.where(x >= med, 1.0, 0.0)
        label = "Greater or equal to the median"
    elif ties == "drop":
        touse = touse & (x != med)
    hi[~touse] = np.nan
    changed = ds.changed
    by_var = by  # a string one is tabulated as is: its levels in order, as encode makes them
    ds.set_values(_TMP[0], hi, "byte")
    ds.info[_TMP[0]].label = label
    ds.value_labels[_TMP[0]] = {0: "no", 1: "yes"}
    ds.info[_TMP[0]].vlabel = _TMP[0]
    ds.set_values(_TMP[1], touse.astype(float), "byte")
    wt = ""
    if ww is not None:
        ds.set_values(_TMP[2], ww, "double")
        wt = f" [fw={_TMP[2]}]"
    exact = " exact" if cmd.has("exact") else ""
    try:
        outs = s.run_text(f"tabulate {_TMP[0]} {by_var} if {_TMP[1]}{wt}, chi2{exact}")
        r = dict(s.r)
        table = _table(ds, by_var, hi, touse, ww)
    finally:
        ds.drop_vars([t for t in _TMP if t in ds.varnames])
        ds.value_labels.pop(_TMP[0], None)
        ds.changed = changed
    lines = [""]
    res = {"N": r["N"], "groups": r["c"], "chi2": r["chi2"], "p": r["p"]}
    if cmd.has("exact"):
        res["p_exact"] = r.get("p_exact", float("nan"))
        res["p1_exact"] = r.get("p1_exact", float("nan"))
    if table.shape[1] == 2:
        (A, B), (C, D) = table
        N = table.sum()
        chi2 = N * (abs(A * D - B * C) - N / 2) ** 2 / ((A + B) * (C + D) * (A + C) * (B + D))
        p_cc = float(stats.chi2.sf(chi2, 1))
        lines += [
            "   Continuity corrected:",
            f"          Pearson chi2(1) = {chi2:8.4f}   Pr = {p_cc:5.3f}",
        ]
        res.update(chi2_cc=float(chi2), p_cc=p_cc)
    s.r = res
    tail = [Text("\n".join(lines))] if len(lines) > 1 else []
    return [Text("\nMedian test"), *outs, *tail]


def _table(ds, by: str, hi: np.ndarray, touse: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """The 2 × k counts (below/above by group) the continuity correction uses."""
    g = ds.values(by)[touse]
    levels = sorted(set(g.tolist()))
    out = np.zeros((2, len(levels)))
    ww = np.ones(int(touse.sum())) if w is None else w[touse]
    for j, lv in enumerate(levels):
        m = g == lv
        out[0, j] = ww[m & (hi[touse] == 0)].sum()
        out[1, j] = ww[m & (hi[touse] == 1)].sum()
    return out
