"""``robvar varname [if] [in], by(groupvar)`` ([R] sdtest): Levene's (1960) test of equal
variances and Brown and Forsythe's (1974) robust versions.

With zᵢⱼ = |xᵢⱼ − cᵢ| for cᵢ group i's mean (W0), median (W50) or mean of the values between
its 10th and 90th percentiles (W10), W = [Σ nᵢ(z̄ᵢ − z̄)²/(g − 1)] / [ΣΣ(zᵢⱼ − z̄ᵢ)²/(N − g)] on
F(g − 1, N − g). The summary table is ``tabulate groupvar, summarize(varname)``; the three lines
and their number formats follow Stata's robvar.ado.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..dataset.stats import percentile
from ..errors import StataError
from ..report.format import fmt_g
from ..report.output import Output, Text
from ..syntax.ast import Command
from .ranksum import grouped_sample
from .registry import command

__all__ = ["robvar", "levene"]


def levene(x: np.ndarray, groups: list[np.ndarray], centre: str) -> tuple[float, float, int, int]:
    """(W, p, df1, df2) of the test with the given ``centre`` (mean, median or trimmed)."""
    z, zbar_g, n_g = [], [], []
    for idx in groups:
        xi = x[idx]
        if centre == "mean":
            c = xi.mean()
        elif centre == "median":
            c = np.median(xi)
        else:
            lo, hi = percentile(xi, None, 10), percentile(xi, None, 90)
            c = xi[(xi >= lo) & (xi <= hi)].mean()
        zi = np.abs(xi - c)
        z.append(zi)
        zbar_g.append(zi.mean())
        n_g.append(len(zi))
    g, N = len(groups), sum(n_g)
    zbar = np.concatenate(z).mean()
    den = sum(n * (m - zbar) ** 2 for n, m in zip(n_g, zbar_g)) / (g - 1)
    num = sum(float(((zi - m) ** 2).sum()) for zi, m in zip(z, zbar_g)) / (N - g)
    W = den / num if num > 0 else float("nan")
    return float(W), float(stats.f.sf(W, g - 1, N - g)), g - 1, N - g


def _shown(x: float) -> str:
    """``display``'s default rendering."""
    return fmt_g(x, 10)


@command("robvar", byable="repeat", readonly=True)
def robvar(s, cmd: Command) -> list[Output]:
    ds = s.data
    v, by, use, xs, g, levels = grouped_sample(s, cmd)
    if not len(xs):
        raise StataError("no observations", 2000)
    groups = [np.flatnonzero(g == lv) for lv in levels]
    if len(groups) < 2:
        raise StataError("at least two groups are required", 420)
    res = {c: levene(xs, groups, c) for c in ("mean", "median", "trimmed")}
    # the table of means, as robvar runs it, over the same observations
    mark, changed = "__robvar_touse", ds.changed
    ds.set_values(mark, use.astype(float), "byte")
    try:
        outs = s.run_text(f"tabulate {by} if {mark}, summarize({v})")
    finally:
        ds.drop_vars([mark])
        ds.changed = changed  # a marker made and dropped is no change
    Ws = [res[c][0] for c in ("mean", "median", "trimmed")]
    width, right = 0, -1
    for w in Ws:
        val = _shown(w)
        width = max(width, len(val) + (1 if val.startswith(".") else 0))
        right = max(right, len(val) - val.index(".") - 1 if "." in val else -1)
    lines = []
    df1, df2 = res["mean"][2], res["mean"][3]
    for label, c in (("W0  = ", "mean"), ("W50 = ", "median"), ("W10 = ", "trimmed")):
        W, p = res[c][0], res[c][1]
        wtext = f"{W:{width + 1}.{right}f}" if right >= 0 else _shown(W)
        pval = _shown(p)
        digits = len(pval) - 1
        ptext = pval if p == 0 else f"{p:0{digits + 2}.{digits}f}"
        lines += ["", f"{label}{wtext}   df({df1}, {df2})     Pr > F = {ptext}"]
    s.r = {
        "N": float(len(xs)),
        "w0": res["mean"][0],
        "p_w0": res["mean"][1],
        "w50": res["median"][0],
        "p_w50": res["median"][1],
        "w10": res["trimmed"][0],
        "p_w10": res["trimmed"][1],
        "df_1": float(df1),
        "df_2": float(df2),
    }
    return [*outs, Text("\n".join(lines))]
