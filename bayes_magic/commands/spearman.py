"""``spearman [varlist] [if] [in] [, stats(rho obs p) print(#) star(#) bonferroni sidak pw
matrix]`` ([R] spearman): Spearman's rank correlation.

Each variable is ranked (ties at their mean rank) over the observations used — every variable
nonmissing, or with ``pw`` each pair's own — and rho is the correlation of the ranks; its
p-value is the t test 2·P(t(N−2) > |rho|√((N−2)/(1−rho²))), multiplied by k(k−1)/2 for
``bonferroni`` or 1 − (1 − p)^(k(k−1)/2) for ``sidak``. Two variables (without ``matrix``) give
the short report; more give the lower triangle in blocks of seven columns. Layouts as Stata's
spearman.ado.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..dataset.varnames import expand_terms
from ..errors import StataError
from ..matrix import Matrix
from ..report.format import abbrev, fmt_g
from ..report.output import Block, Output, Text
from ..syntax.ast import Command, Varlist
from .registry import command

__all__ = ["spearman"]


def _rho(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    n = len(a)
    if n < 2:
        return float("nan"), n
    ra, rb = stats.rankdata(a), stats.rankdata(b)
    if ra.std() == 0 or rb.std() == 0:
        return float("nan"), n
    return float(np.corrcoef(ra, rb)[0, 1]), n


def _p(rho: float, n: int) -> float:
    if rho != rho:
        return float("nan")
    if rho >= 1:
        return 0.0
    t = abs(rho) * math.sqrt(n - 2) / math.sqrt(1 - rho * rho)
    return float(2 * stats.t.sf(t, n - 2))


@command("spearman", byable="repeat", readonly=True)
def spearman(s, cmd: Command) -> list[Output]:
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms) if terms else list(ds.varnames)
    outs: list[Output] = []
    kept = []
    for v in names:
        if ds.is_string(v):
            outs.append(Text(f"({v} ignored because string variable)"))
        else:
            kept.append(v)
    names = kept
    if len(names) < 2:
        raise StataError("too few variables specified", 102)
    if cmd.has("bonferroni") and cmd.has("sidak"):
        raise StataError("only one of bonferroni and sidak can be specified", 198)
    wanted = str(cmd.option("stats", "rho")).split()
    for w in wanted:
        if w not in ("rho", "obs", "p"):
            raise StataError("stats() must contain one or more of rho, obs, and p", 198)
    levels = {}
    for name in ("star", "print"):
        lev = cmd.option(name)
        if lev is not None and not 0 < float(lev) < 1:
            raise StataError(f"{name}() must be between 0 and 1", 198)
        levels[name] = -1.0 if lev is None else float(lev)
    touse = s.touse(cmd)
    pw = cmd.has("pw")
    cols = [np.asarray(ds.values(v), float) for v in names]
    if not pw:
        for c in cols:
            touse = touse & ~np.isnan(c)
    k = len(names)
    if k == 2 and not cmd.has("matrix"):
        a, b = cols[0][touse], cols[1][touse]
        if len(a) == 0:
            raise StataError("no observations", 2000)
        rho, n = _rho(a, b)
        p = _p(rho, n)
        lines = [
            "",
            f" Number of obs = {n:7.0f}",
            f"Spearman's rho = {rho:12.4f}",
            "",
            f"Test of Ho: {abbrev(names[0], 20)} and {abbrev(names[1], 20)} are independent",
            f"    Prob > |t| = {p:12.4f}",
        ]
        s.r = {"N": float(n), "rho": rho, "p": p}
        text = "\n".join(lines)
        return [*outs, Block(text, f"<pre style='margin:0'>{text}</pre>", data=s.r)]
    pairs = k * (k - 1) / 2
    R, P, N = (np.full((k, k), np.nan) for _ in range(3))
    for i in range(k):
        for j in range(i + 1):
            use = touse & ~np.isnan(cols[i]) & ~np.isnan(cols[j])
            rho, n = _rho(cols[i][use], cols[j][use])
            p = _p(rho, n)
            if cmd.has("bonferroni") and p == p:
                p = min(1.0, p * pairs)
            elif cmd.has("sidak") and p == p:
                p = min(1.0, 1 - (1 - p) ** pairs)
            R[i, j] = R[j, i] = rho
            P[i, j] = P[j, i] = p
            N[i, j] = N[j, i] = n
    if pw and any((~np.isnan(c[touse])).sum() != touse.sum() for c in cols):
        head = "(obs=varies)"
    else:
        head = f"(obs={int((touse & ~np.isnan(cols[0])).sum())})"
    lines: list[str] = [] if "obs" in wanted else [head]
    if not (len(wanted) <= 1 and "rho" in wanted):
        lines += ["", "+-----------------+", "|  Key            |", "|-----------------|"]
        for w, label in (("rho", " rho"), ("obs", " Number of obs"), ("p", " Sig. level")):
            if w in wanted:
                lines.append(f"|  {label:<15}|")
        lines.append("+-----------------+")
    star, show = levels["star"], levels["print"]
    for j0 in range(0, k, 7):
        j1 = min(j0 + 6, k - 1)
        lines += [
            "",
            " " * 13 + "|" + "".join(f"{abbrev(names[j], 8):>9}" for j in range(j0, j1 + 1)),
        ]
        lines.append("-" * 13 + "+" + "-" * (9 * (j1 - j0 + 1)))
        for i in range(j0, k):
            shown = range(j0, min(j1, i) + 1)
            visible = [P[i, j] <= show or show == -1 or i == j for j in shown]
            if "rho" in wanted:
                cells = "".join(
                    (f" {R[i, j]:7.4f}" if R[i, j] == R[i, j] else f"{'.':>8}")
                    + ("*" if P[i, j] <= star and i != j else " ")
                    if vis
                    else " " * 9
                    for j, vis in zip(shown, visible)
                )
                lines.append(f"{abbrev(names[i], 12):>12} | " + cells)
            if "obs" in wanted:
                cells = "".join(
                    f" {fmt_g(N[i, j], 7):>7} " if vis else " " * 9
                    for j, vis in zip(shown, visible)
                )
                stub = " " * 13 + "| " if "rho" in wanted else f"{abbrev(names[i], 12):>12} | "
                lines.append(stub + cells)
            if "p" in wanted:
                cells = "".join(
                    (f" {P[i, j]:7.4f} " if P[i, j] == P[i, j] else f"{'.':>8} ")
                    if (P[i, j] <= show or show == -1)
                    else " " * 9
                    for j in shown
                    if j < i
                )
                stub = (
                    " " * 13 + "| "
                    if ("rho" in wanted or "obs" in wanted)
                    else f"{abbrev(names[i], 12):>12} | "
                )
                lines.append(stub + cells)
            if len(wanted) > 1:
                lines.append(" " * 13 + "|")
    text = "\n".join(ln.rstrip() for ln in lines)
    s.r = {
        "Nobs": Matrix(N, list(names), list(names)),
        "Rho": Matrix(R.copy(), list(names), list(names)),
        "P": Matrix(P.copy(), list(names), list(names)),
        "p": float(P[k - 1, k - 2]),
        "rho": float(R[k - 1, k - 2]),
        "N": float(N[k - 1, k - 2]),
    }
    return [*outs, Block(text, f"<pre style='margin:0'>{text}</pre>")]
