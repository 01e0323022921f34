"""``ranksum varname, by(groupvar) [porder exact]`` ([R] ranksum): the Wilcoxon rank-sum
(Mann–Whitney) test of two groups.

With the observations ranked together (ties at their mean rank), T is the rank sum of the first
group (the lower value of ``by()``), E(T) = n₁(N+1)/2, the variance n₁n₂(N+1)/12 less the tie
adjustment n₁n₂Σ(t³−t)/(12N(N−1)), z = (T − E)/√V. The exact p-value (shown for N ≤ 200, or
with ``exact``) is P(|T' − E| ≥ |T − E|) over every way of splitting the observed ranks into
groups of n₁ and n₂, counted by dynamic programming over the doubled ranks (ties included).
``porder`` adds Pr(x₁ > x₂) = U/(n₁n₂), ties counting one half (Stata 17's layout).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import stats

from ..dataset.varnames import resolve
from ..errors import StataError
from ..report.format import abbrev, fmt_f, fmt_g
from ..report.output import Block, Output
from ..syntax.ast import Command, Varlist
from .listing import cell_text
from .registry import command

__all__ = ["ranksum", "exact_rank_sum_p", "grouped_sample", "numeric_by", "two_groups_error"]

_EXACT_MAX = 200  # Stata computes the exact p-value by default up to this many observations
_EXACT_LIMIT = 300  # the dynamic program's size beyond which exact is refused


def exact_rank_sum_p(ranks: np.ndarray, n1: int, observed: float) -> float:
    """P(|T − E| ≥ |observed − E|) for T the sum of ``n1`` of ``ranks`` drawn without
    replacement, every subset equally likely (the permutation null, ties kept)."""
    v = np.rint(2 * np.asarray(ranks)).astype(np.int64)  # doubled midranks are integers
    total = int(v.sum())
    # ways[k, s]: subsets of size k with doubled sum s, scaled to probabilities at the end
    ways = np.zeros((n1 + 1, total + 1))
    ways[0, 0] = 1.0
    for x in v:  # counts stay below C(N, k) < 1e90 for N <= 300: no overflow
        ways[1:, x:] += ways[:-1, : total + 1 - x].copy()
    dist = ways[n1]
    dist = dist / dist.sum()
    sums = np.arange(total + 1) / 2.0
    E = n1 * (len(v) + 1) / 2.0
    dev = abs(observed - E)
    return float(min(1.0, dist[np.abs(sums - E) >= dev - 1e-9].sum()))


@command("ranksum", byable="repeat", readonly=True)
def ranksum(s, cmd: Command) -> list[Output]:
    ds = s.data
    yv, gv, _use, yy, gg, levels = grouped_sample(s, cmd)
    if len(levels) != 2:
        raise two_groups_error(len(levels))
    first = gg == levels[0]
    n1, n2 = int(first.sum()), int((~first).sum())
    N = n1 + n2
    ranks = stats.rankdata(yy)
    T = float(ranks[first].sum())
    E = n1 * (N + 1) / 2.0
    var_u = n1 * n2 * (N + 1) / 12.0
    _vals, counts = np.unique(yy, return_counts=True)
    adj = -n1 * n2 * float(np.sum(counts**3 - counts)) / (12.0 * N * (N - 1)) if N > 1 else 0.0
    var = var_u + adj
    z = (T - E) / math.sqrt(var) if var > 0 else float("nan")
    p = float(2 * stats.norm.sf(abs(z))) if z == z else float("nan")
    want_exact = cmd.has("exact") or N <= _EXACT_MAX
    if cmd.has("exact") and N > _EXACT_LIMIT:
        raise StataError(
            f"exact is not available in bayes_magic beyond {_EXACT_LIMIT} observations", 198
        )
    # the smaller group's rank sum determines the other's: count over the smaller
    small = first if n1 <= n2 else ~first
    if want_exact and N <= _EXACT_LIMIT:
        p_exact = exact_rank_sum_p(ranks, int(small.sum()), float(ranks[small].sum()))
    else:
        p_exact = None
    labs = [cell_text(ds, gv, lv) for lv in levels]
    whole = N * (N + 1) / 2.0
    lines = [
        "",
        "Two-sample Wilcoxon rank-sum (Mann–Whitney) test",
        "",
        f"{abbrev(gv, 12):>12} |      Obs    Rank sum    Expected",
        "-" * 13 + "+" + "-" * 33,
        f"{labs[0][:12]:>12} |{n1:>9,}{fmt_g(T, 10):>12}{fmt_g(E, 10):>12}",
        f"{labs[1][:12]:>12} |{n2:>9,}{fmt_g(N * (N + 1) / 2 - T, 10):>12}"
        f"{fmt_g(n2 * (N + 1) / 2.0, 10):>12}",
        "-" * 13 + "+" + "-" * 33,
        f"{'Combined':>12} |{N:>9,}{fmt_g(whole, 10):>12}{fmt_g(whole, 10):>12}",
        "",
        f"{'Unadjusted variance':<21}{var_u:>10.2f}",
        f"{'Adjustment for ties':<21}{adj:>10.2f}",
        " " * 21 + "-" * 10,
        f"{'Adjusted variance':<21}{var:>10.2f}",
        "",
        f"H0: {abbrev(yv, 8)}({abbrev(gv, 8)}=={_value(levels[0])}) = "
        f"{abbrev(yv, 8)}({abbrev(gv, 8)}=={_value(levels[1])})",
        f"{'z':>10} = {fmt_f(z, 3):>6}",
        f"Prob > |z| = {fmt_f(p, 4):>6}",
    ]
    if p_exact is not None:
        lines.append(f"Exact prob = {fmt_f(p_exact, 4):>6}")
    porder = None
    if cmd.has("porder"):
        U = T - n1 * (n1 + 1) / 2.0
        porder = U / (n1 * n2)
        lines += [
            "",
            f"P{{{abbrev(yv, 8)}({abbrev(gv, 8)}=={_value(levels[0])}) > "
            f"{abbrev(yv, 8)}({abbrev(gv, 8)}=={_value(levels[1])})}} = {fmt_f(porder, 3)}",
        ]
    s.r = {
        "N_1": float(n1),
        "N_2": float(n2),
        "sum_obs": T,
        "sum_exp": E,
        "Var_a": var,
        "z": z,
        "p": p,
        "p_l": float(stats.norm.cdf(z)),
        "p_u": float(stats.norm.sf(z)),
        "group1": float(levels[0]) if not isinstance(levels[0], str) else levels[0],
    }
    if p_exact is not None:
        s.r["p_exact"] = p_exact
    if porder is not None:
        s.r["porder"] = porder
    text = "\n".join(lines).lstrip("\n")  # the log puts one blank line first
    return [Block(text, f"<pre style='margin:0'>{text}</pre>", data=s.r)]


def numeric_by(s, cmd: Command) -> tuple[str, str]:
    """``varname, by(groupvar)`` of ranksum, kwallis, robvar and median: the numeric variable
    and the group variable, with Stata's errors."""
    ds = s.data
    names = [t.name for t in cmd.body.terms] if isinstance(cmd.body, Varlist) else []
    if len(names) != 1:
        raise StataError("too many variables specified" if names else "varlist required", 103)
    if cmd.option("by") is None:
        raise StataError("option by() required", 198)
    yv = resolve(ds, names[0])
    gv = resolve(ds, str(cmd.option("by")))
    if ds.is_string(yv):
        raise StataError("type mismatch", 109)
    return yv, gv


class GroupedSample(NamedTuple):
    """A variable over the groups of ``by()``: the observations used (``if``/``in``, both
    nonmissing), the variable's and the group's values there, the sorted group levels."""

    yv: str
    gv: str
    use: np.ndarray
    y: np.ndarray
    g: np.ndarray
    levels: list


def grouped_sample(s, cmd: Command) -> GroupedSample:
    """:func:`numeric_by`'s variables and their sample (ranksum, kwallis, robvar)."""
    ds = s.data
    yv, gv = numeric_by(s, cmd)
    y = np.asarray(ds.values(yv), dtype=float)
    use = s.touse(cmd) & ~np.isnan(y) & ~ds.missing(gv)
    g = ds.values(gv)[use]
    return GroupedSample(yv, gv, use, y[use], g, sorted(set(g.tolist())))


def two_groups_error(found: int) -> StataError:
    """r(420) when a by() variable does not take exactly two values (ranksum, ttest, prtest,
    sdtest)."""
    if found > 2:
        return StataError("more than 2 groups found, only 2 allowed", 420)
    return StataError(f"{found} group{'s' if found != 1 else ''} found, 2 required", 420)


def _value(v) -> str:
    return str(v) if isinstance(v, str) else fmt_g(float(v), 9).strip()
