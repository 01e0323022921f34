"""Rank correlations ([R] spearman): ``spearman`` and ``ktau``.

``spearman [varlist] [if] [in] [, stats(rho obs p) print(#) star(#) bonferroni sidak pw
matrix]``: each variable is ranked (ties at their mean rank) over the observations used — every
variable nonmissing, or with ``pw`` each pair's own — and rho is the correlation of the ranks;
its p-value is the t test 2·P(t(N−2) > |rho|√((N−2)/(1−rho²))).

``ktau [varlist] [if] [in] [, stats(taua taub score se obs p) ...]``: Kendall's score S (the
concordant minus the discordant pairs), tau-a = 2S/(N(N−1)), tau-b = 2S/√((N(N−1) − Σt(t−1))
(N(N−1) − Σu(u−1))) over the tie groups t, u of the two variables, the tie-corrected standard
error of S, and the continuity-corrected p = 2(1 − Φ((|S| − 1)/se)).

p-values are multiplied by k(k−1)/2 for ``bonferroni`` or become 1 − (1 − p)^(k(k−1)/2) for
``sidak``. Two variables (without ``matrix``) give the short report; more give the lower
triangle in blocks. Layouts as Stata's spearman.ado and ktau.ado.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..dataset.varnames import expand_terms
from ..errors import StataError
from ..matrix import Matrix
from ..report.format import abbrev, fmt_fw, fmt_g
from ..report.output import Block, Output, Text
from ..syntax.ast import Command, Varlist
from .registry import command

__all__ = ["spearman", "ktau", "kendall"]


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
    if rho <= -1 or n < 3:  # spearman.ado: ttail() of a division by zero is missing
        return float("nan")
    t = abs(rho) * math.sqrt(n - 2) / math.sqrt(1 - rho * rho)
    return float(2 * stats.t.sf(t, n - 2))


def kendall(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """N, tau_a, tau_b, score, se_score and p of Kendall's test of two columns."""
    n = len(a)
    if n < 3:
        raise StataError("insufficient observations", 2001)

    def ties(x: np.ndarray) -> tuple[float, float, float]:
        t = np.unique(x, return_counts=True)[1].astype(float)
        return (
            float((t * (t - 1) * (2 * t + 5)).sum()),
            float((t * (t - 1)).sum()),
            float((t * (t - 1) * (t - 2)).sum()),
        )

    xt, xt2, xt3 = ties(a)
    yt, yt2, yt3 = ties(b)
    NN = n * (n - 1.0)
    denom = math.sqrt((NN - xt2) * (NN - yt2))
    tau_b = float(stats.kendalltau(a, b).statistic) if denom > 0 else float("nan")
    score = float(round(tau_b * denom / 2)) if denom > 0 else 0.0
    se = math.sqrt(
        (NN * (2 * n + 5) - xt - yt) / 18 + xt3 * yt3 / (9 * NN * (n - 2)) + xt2 * yt2 / (2 * NN)
    )
    p = 1.0 if score == 0 else float(2 * stats.norm.sf((abs(score) - 1) / se))
    return {
        "N": float(n),
        "tau_a": 2 * score / NN,
        "tau_b": 2 * score / denom if denom > 0 else float("nan"),
        "score": score,
        "se_score": se,
        "p": p,
        "xt2": xt2,
        "yt2": yt2,
    }


def _setup(s, cmd: Command, allowed: tuple[str, ...], default: str, what: str):
    """The numeric variables (strings noted and ignored), the requested statistics, the
    star()/print() levels, the sample and the columns."""
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms) if terms else list(ds.varnames)
    notes: list[Output] = []
    kept = []
    for v in names:
        if ds.is_string(v):
            notes.append(Text(f"({v} ignored because string variable)"))
        else:
            kept.append(v)
    if len(kept) < 2:
        raise StataError("too few variables specified", 102)
    if cmd.has("bonferroni") and cmd.has("sidak"):
        raise StataError("only one of bonferroni and sidak can be specified", 198)
    wanted = str(cmd.option("stats", default)).split()
    for w in wanted:
        if w not in allowed:
            raise StataError(f"stats() must contain one or more of {what}", 198)
    levels = {}
    for name in ("star", "print"):
        lev = cmd.option(name)
        if lev is not None and not 0 < float(lev) < 1:
            raise StataError(f"{name}() must be between 0 and 1", 198)
        levels[name] = -1.0 if lev is None else float(lev)
    touse = s.touse(cmd)
    cols = [np.asarray(ds.values(v), float) for v in kept]
    if not cmd.has("pw"):
        for c in cols:
            touse = touse & ~np.isnan(c)
    return kept, notes, wanted, levels, touse, cols


def _adjust(cmd: Command, p: float, k: int) -> float:
    pairs = k * (k - 1) / 2
    if cmd.has("bonferroni") and p == p:
        return min(1.0, p * pairs)
    if cmd.has("sidak") and p == p:
        return min(1.0, 1 - (1 - p) ** pairs)
    return p


def _matrix_report(
    cmd: Command,
    names: list[str],
    touse: np.ndarray,
    cols: list[np.ndarray],
    wanted: list[str],
    levels: dict[str, float],
    rows: list[tuple[str, str, np.ndarray, str]],
    P: np.ndarray,
    width: int,
    linesize: int = 79,
) -> str:
    """The lower triangle in blocks: ``rows`` are (stat, key label, matrix, kind) in display
    order, kind ``star`` (the correlations, starred), ``num``, ``obs`` or ``p`` (below the
    diagonal only); each cell is ``width`` wide."""
    k = len(names)
    d = width - 2  # the %w.4f width
    if cmd.has("pw") and any((~np.isnan(c[touse])).sum() != touse.sum() for c in cols):
        head = "(obs=varies)"
    else:
        head = f"(obs={int((touse & ~np.isnan(cols[0])).sum())})"
    lines: list[str] = [] if "obs" in wanted else [head]
    if len(wanted) > 1 or wanted[0] != rows[0][0]:
        lines += ["", "+-----------------+", "|  Key            |", "|-----------------|"]
        lines += [f"|  {label:<15}|" for stat, label, _m, _k in rows if stat in wanted]
        lines.append("+-----------------+")
    star, show = levels["star"], levels["print"]
    per = int((linesize - 15) / width)  # columns per block: int((c(linesize)-15)/w)
    shown_rows = [r for r in rows if r[0] in wanted]
    for j0 in range(0, k, per):
        j1 = min(j0 + per - 1, k - 1)
        heads = "".join(f"{abbrev(names[j], 8):>{width}}" for j in range(j0, j1 + 1))
        lines += ["", " " * 13 + "|" + heads, "-" * 13 + "+" + "-" * (width * (j1 - j0 + 1))]
        for i in range(j0, k):
            for n_row, (_stat, _label, M, kind) in enumerate(shown_rows):
                stub = f"{abbrev(names[i], 12):>12} | " if n_row == 0 else " " * 13 + "| "
                cells = ""
                for j in range(j0, min(j1, i) + 1):
                    if kind == "p" and j == i:
                        continue
                    visible = P[i, j] <= show or show == -1 or (i == j and kind != "p")
                    x = M[i, j]
                    if not visible:
                        cells += " " * width
                    elif kind == "obs":
                        cells += f" {fmt_g(x, d):>{d}} "
                    else:
                        mark = "*" if kind == "star" and P[i, j] <= star and i != j else " "
                        cells += (f" {x:{d}.4f}" if x == x else f" {'.':>{d}}") + mark
                lines.append(stub + cells)
            if len(wanted) > 1:
                lines.append(" " * 13 + "|")
    return "\n".join(ln.rstrip() for ln in lines)


def _obs_and_table(text: str) -> list[Output]:
    """``(obs=N)`` right under the command, as ``correlate`` prints it, then the table."""
    head, _, rest = text.partition("\n")
    if not head.startswith("(obs="):
        return [Block(text, f"<pre style='margin:0'>{text}</pre>")]
    rest = rest.lstrip("\n")
    return [Text(head + "\n"), Block(rest, f"<pre style='margin:0'>{rest}</pre>")]


@command("spearman", byable="repeat", readonly=True)
def spearman(s, cmd: Command) -> list[Output]:
    names, outs, wanted, levels, touse, cols = _setup(
        s, cmd, ("rho", "obs", "p"), "rho", "rho, obs, and p"
    )
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
            f"Spearman's rho = {fmt_fw(rho, 12, 4)}",
            "",
            f"Test of Ho: {abbrev(names[0], 20)} and {abbrev(names[1], 20)} are independent",
            f"    Prob > |t| = {fmt_fw(p, 12, 4)}",
        ]
        s.r = {"N": float(n), "rho": rho, "p": p}
        text = "\n".join(lines).lstrip("\n")  # the log puts one blank line first
        return [*outs, Block(text, f"<pre style='margin:0'>{text}</pre>", data=s.r)]
    R, P, N = (np.full((k, k), np.nan) for _ in range(3))
    for i in range(k):
        for j in range(i + 1):
            use = touse & ~np.isnan(cols[i]) & ~np.isnan(cols[j])
            rho, n = _rho(cols[i][use], cols[j][use])
            R[i, j] = R[j, i] = rho
            P[i, j] = P[j, i] = _adjust(cmd, _p(rho, n), k)
            N[i, j] = N[j, i] = n
    rows = [
        ("rho", " rho", R, "star"),
        ("obs", " Number of obs", N, "obs"),
        ("p", " Sig. level", P, "p"),
    ]
    text = _matrix_report(cmd, names, touse, cols, wanted, levels, rows, P, 9, s.settings.linesize)
    s.r = {
        "Nobs": Matrix(N, list(names), list(names)),
        "Rho": Matrix(R.copy(), list(names), list(names)),
        "P": Matrix(P.copy(), list(names), list(names)),
        "p": float(P[k - 1, k - 2]),
        "rho": float(R[k - 1, k - 2]),
        "N": float(N[k - 1, k - 2]),
    }
    return [*outs, *_obs_and_table(text)]


@command("ktau", byable="repeat", readonly=True)
def ktau(s, cmd: Command) -> list[Output]:
    names, outs, wanted, levels, touse, cols = _setup(
        s,
        cmd,
        ("taua", "taub", "score", "se", "obs", "p"),
        "taua",
        "taua, taub, score, se, obs, and p",
    )
    k = len(names)
    if k == 2 and not cmd.has("matrix"):
        r = kendall(cols[0][touse], cols[1][touse])
        ties = "   (corrected for ties)" if r["xt2"] > 0 or r["yt2"] > 0 else ""
        lines = [
            "",
            f"  Number of obs = {r['N']:7.0f}",
            f"Kendall's tau-a = {fmt_fw(r['tau_a'], 12, 4)}",
            f"Kendall's tau-b = {fmt_fw(r['tau_b'], 12, 4)}",
            f"Kendall's score = {fmt_fw(r['score'], 7, 0)}",
            f"    SE of score = {fmt_fw(r['se_score'], 11, 3)}{ties}",
            "",
            f"Test of Ho: {abbrev(names[0], 20)} and {abbrev(names[1], 20)} are independent",
            f"     Prob > |z| = {fmt_fw(r['p'], 12, 4)}  (continuity corrected)",
        ]
        s.r = {key: r[key] for key in ("p", "se_score", "score", "tau_b", "tau_a", "N")}
        text = "\n".join(lines).lstrip("\n")  # the log puts one blank line first
        return [*outs, Block(text, f"<pre style='margin:0'>{text}</pre>", data=s.r)]
    keys = ("N", "tau_a", "tau_b", "score", "se_score", "p")
    M = {key: np.full((k, k), np.nan) for key in keys}
    for i in range(k):
        for j in range(i + 1):
            use = touse & ~np.isnan(cols[i]) & ~np.isnan(cols[j])
            try:
                r = kendall(cols[i][use], cols[j][use])
            except StataError:  # fewer than 3 observations: missing, as ktau.ado's capture
                r = {key: float("nan") for key in keys} | {"N": float(use.sum())}
            r["p"] = _adjust(cmd, r["p"], k)
            for key in keys:
                M[key][i, j] = M[key][j, i] = r[key]
    P = M["p"]
    rows = [
        ("taua", " tau_a", M["tau_a"], "star"),
        ("taub", " tau_b", M["tau_b"], "star"),
        ("score", " score", M["score"], "num"),
        ("se", " se of score", M["se_score"], "num"),
        ("obs", " Number of obs", M["N"], "obs"),
        ("p", " Sig. level", P, "p"),
    ]
    text = _matrix_report(cmd, names, touse, cols, wanted, levels, rows, P, 11, s.settings.linesize)
    nm = list(names)
    s.r = {
        "P": Matrix(P.copy(), nm, nm),
        "Se_Score": Matrix(M["se_score"].copy(), nm, nm),
        "Score": Matrix(M["score"].copy(), nm, nm),
        "Tau_b": Matrix(M["tau_b"].copy(), nm, nm),
        "Tau_a": Matrix(M["tau_a"].copy(), nm, nm),
        "Nobs": Matrix(M["N"].copy(), nm, nm),
    }
    for key in keys:
        s.r[key] = float(M[key][k - 1, k - 2])
    return [*outs, *_obs_and_table(text)]
