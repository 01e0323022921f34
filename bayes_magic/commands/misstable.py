"""``misstable summarize [varlist] [if] [in] [, all showzeros]`` ([R] misstable): for each
numeric variable with missing values (every variable with ``all``), the counts of system
missing (``.``), extended missing (``.a``-``.z``; this version stores none) and nonmissing
values, and the nonmissing values' number of unique values, minimum and maximum. String
variables are not reported, as Stata's. Leaves ``r(N_eq_dot)``, ``r(N_gt_dot)``,
``r(N_lt_dot)``, ``r(K_uniq)``, ``r(min)``, ``r(max)`` of the last variable listed.
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
    raise StataError("misstable patterns is not available in bayes_magic yet", 198)
