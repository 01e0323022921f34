"""``misstable summarize [varlist] [if] [in] [, all showzeros]`` ([R] misstable): for each
numeric variable with missing values (every variable with ``all``), the counts of system
missing (``.``), extended missing (``.a``-``.z``; this version stores none) and nonmissing
values, and the nonmissing values' number of unique values, minimum and maximum. String
variables are not reported, as Stata's. Leaves ``r(N_eq_dot)``, ``r(N_gt_dot)``,
``r(N_lt_dot)``, ``r(K_uniq)``, ``r(min)``, ``r(max)`` of the last variable listed.
``misstable patterns`` tabulates the patterns of missing values.
"""

from __future__ import annotations

import numpy as np

from ..dataset.varnames import expand_terms
from ..errors import StataError
from ..report.format import fmt_g
from ..report.output import Block, Output
from ..syntax.ast import Command, Varlist
from .registry import command

__all__: list[str] = []


@command("misstable", "summarize")
def misstable_summarize(s, cmd: Command) -> list[Output]:
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms) if terms else list(ds.varnames)
    touse = s.touse(cmd)
    rows = []
    r: dict = {}
    for v in names:
        if ds.is_string(v):
            continue
        x = np.asarray(ds.values(v), dtype=float)[touse]
        miss = np.isnan(x)
        n_miss = int(miss.sum())
        if n_miss == 0 and not cmd.has("all"):
            continue
        ok = x[~miss]
        uniq = len(np.unique(ok))
        lo = float(ok.min()) if len(ok) else float("nan")
        hi = float(ok.max()) if len(ok) else float("nan")
        rows.append((v, n_miss, 0, len(ok), uniq, lo, hi))
        r = {
            "N_eq_dot": float(n_miss),
            "N_gt_dot": 0.0,
            "N_lt_dot": float(len(ok)),
            "K_uniq": float(uniq),
            "min": lo,
            "max": hi,
        }
    s.r = r
    if not rows:
        return [Block("(variables nonmissing or string)", kind="result")]
    zeros = cmd.has("showzeros")

    def count(n: int) -> str:
        return f"{n:>10,}" if n or zeros else " " * 10

    lines = [
        f"{'Obs<.':>68}",
        " " * 48 + "+" + "-" * 30,
        f"{'':>15}|{'':>32}| Unique",
        f"{'Variable':>14} |     Obs=.     Obs>.     Obs<.  | values        Min         Max",
        "  " + "-" * 13 + "+" + "-" * 32 + "+" + "-" * 30,
    ]
    for v, eq, gt, lt, uniq, lo, hi in rows:
        lab = v if len(v) <= 13 else v[:11] + "~" + v[-1]
        u = f"{uniq:>6,}" if uniq <= 500 else "  >500"
        lines.append(
            f"{lab:>14} |{count(eq)}{count(gt)}{lt:>10,}  | {u}{fmt_g(lo, 9):>11}{fmt_g(hi, 9):>12}"
        )
    lines.append("  " + "-" * 77)
    text = "\n".join(lines)
    return [Block(text, f"<pre>{text}</pre>", kind="result")]


@command("misstable", "patterns")
def misstable_patterns(s, cmd: Command) -> list[Output]:
    """``misstable patterns [varlist] [, asis frequency]``: the patterns of missing values
    over the variables with any (1 observed, 0 missing), by decreasing frequency, as percent
    of the observations (or counts with ``frequency``); the variables are ordered by their
    number of missing values unless ``asis``."""
    for o in ("exok", "replace", "clear", "bypatterns"):
        if cmd.has(o):
            raise StataError(f"misstable patterns, {o} is not available in bayes_magic yet", 198)
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms) if terms else list(ds.varnames)
    touse = s.touse(cmd)
    miss: dict[str, np.ndarray] = {}
    for v in names:
        if ds.is_string(v):
            continue
        m = np.isnan(np.asarray(ds.values(v), dtype=float)[touse])
        if m.any():
            miss[v] = m
    N = int(touse.sum())
    if not miss:
        s.r = {"N_complete": float(N), "N_incomplete": 0.0, "K": 0.0}
        return [Block("(no missing values)", kind="result")]
    order = list(miss) if cmd.has("asis") else sorted(miss, key=lambda v: miss[v].sum())
    M = np.column_stack([~miss[v] for v in order]).astype(int)  # 1 observed
    pats, counts = np.unique(M, axis=0, return_counts=True)
    rank = sorted(range(len(pats)), key=lambda i: (-counts[i], -pats[i].sum(), tuple(-pats[i])))
    freq = cmd.has("frequency")
    k = len(order)
    rule = "    ----------+" + "-" * (3 * k + 4)
    head = "Frequency" if freq else "Percent"
    lines = [
        "    Missing-value patterns",
        "      (1 means complete)",
        "",
        f"{'':>14}|   Pattern",
        f"{head:>13} |" + "".join(f"{j + 1:>3}" for j in range(k)),
        rule,
    ]

    def amount(c: int, first: bool) -> str:
        if freq:
            return f"{c:>11,}   |"
        pct = 100 * c / N
        text = "<1" if 0 < pct < 0.5 else f"{pct:.0f}"
        return f"{text:>11}{'%' if first else ' '}  |"

    for j, i in enumerate(rank):
        lines.append(amount(int(counts[i]), j == 0) + "".join(f"{x:>3}" for x in pats[i]))
        if j == 0 and len(rank) > 1:
            lines.append(f"{'':>14}|")
    lines += [rule, (f"{N:>11,}   |" if freq else f"{'100%':>12}  |"), ""]
    lines.append("    Variables are  " + "  ".join(f"({j + 1}) {v}" for j, v in enumerate(order)))
    complete = int(np.sum(M.all(axis=1)))
    s.r = {"N_complete": float(complete), "N_incomplete": float(N - complete), "K": float(k)}
    text = "\n".join(lines)
    return [Block(text, f"<pre>{text}</pre>", kind="result")]
