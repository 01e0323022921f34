"""``correlate`` and ``pwcorr`` ([R] correlate): correlation (or covariance) matrices.

``correlate`` uses the observations where every variable is nonmissing (casewise deletion);
``pwcorr`` each pair's own observations, with ``obs``, ``sig``, ``star()``, ``print()`` and the
``bonferroni`` / ``sidak`` adjustments of the significance levels (Methods and formulas: the
t test of r with n - 2 degrees of freedom; Bonferroni p·k(k-1)/2, Šidák 1-(1-p)^(k(k-1)/2)).
Frequency weights count observations; analytic weights are rescaled to sum to the number of
observations. Lower triangles wrap into blocks of seven columns, as Stata's at linesize 80.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..dataset.varnames import expand_terms
from ..dataset.weights import rescale_aweights
from ..errors import StataError
from ..matrix import Matrix
from ..report.format import abbrev, fmt_g
from ..report.output import Block, Output, Text
from ..syntax.ast import Command, Varlist
from .data import refuse_options
from .registry import command
from .summarize import weights

__all__ = ["correlate", "pwcorr"]

_COLS = 7  # columns per block at linesize 80: 13 + 1 + 7·9 = 77


def _variables(s, cmd: Command) -> list[str]:
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms) if terms else list(ds.varnames)
    names = [v for v in names if not ds.is_string(v)] if not terms else names
    for v in names:
        if ds.is_string(v):
            raise StataError(f"{v} is a string variable; correlate requires numeric variables", 109)
    if not names:
        raise StataError("no variables", 102)
    return names


def _cov(X: np.ndarray, w: np.ndarray | None, kind: str | None) -> tuple[np.ndarray, float]:
    """The covariance matrix of the columns of X (rows complete) and N."""
    if w is None:
        w = np.ones(len(X))
    elif kind == "aweight":
        w = rescale_aweights(w)
    N = float(w.sum())
    mean = (w @ X) / N
    D = X - mean
    C = (D * w[:, None]).T @ D / (N - 1) if N > 1 else np.full((X.shape[1],) * 2, np.nan)
    return C, N


def _corr(C: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.diag(C))
    with np.errstate(invalid="ignore", divide="ignore"):
        R = C / np.outer(sd, sd)
    np.fill_diagonal(R, np.where(sd > 0, 1.0, np.nan))
    return R


def _blocks(names: list[str], cell, extra=None, *, width: int = 9, wrap: bool = False) -> str:
    """Lower-triangular table in blocks of seven columns (one block with ``wrap``);
    ``cell(i, j)`` is the ``width``-character entry (pwcorr's 10: the number and its star);
    ``extra(i, j)`` gives further lines under row i (pwcorr's sig and obs)."""
    out: list[str] = []
    per = len(names) if wrap else _COLS
    for start in range(0, len(names), per):
        cols = list(range(start, min(start + per, len(names))))
        if out:
            out.append("")
        pad = " " * (width - 9)
        out.append(f"{'':12} |" + "".join(f"{abbrev(names[j], 8):>9}{pad}" for j in cols))
        out.append("-" * 13 + "+" + "-" * (width * len(cols)))
        for i in range(start, len(names)):
            shown = [j for j in cols if j <= i]
            out.append(f"{abbrev(names[i], 12):>12} |" + "".join(cell(i, j) for j in shown))
            if extra is not None:
                for line in extra(i, shown):
                    out.append(f"{'':12} |" + line)
    return "\n".join(ln.rstrip() for ln in out)


@command("correlate", byable="repeat", readonly=True)
def correlate(s, cmd: Command) -> list[Output]:
    """``correlate [varlist] [if] [in] [weight] [, means noformat covariance wrap]``."""
    refuse_options(cmd, ("_coef",))
    ds = s.data
    names = _variables(s, cmd)
    touse = s.touse(cmd)
    for v in names:
        touse &= ~ds.missing(v)
    w, touse = weights(s, cmd, touse)
    if not touse.any():
        raise StataError("no observations", 2000)
    X = np.column_stack([np.asarray(ds.values(v), float)[touse] for v in names])
    kind = cmd.weight.kind if cmd.weight is not None else None
    ww = None if w is None else np.asarray(w, float)[touse]
    C, N = _cov(X, ww, kind)
    R = _corr(C)
    cov = cmd.has("covariance")
    M = C if cov else R
    outs: list[Output] = []
    if ww is not None and kind == "aweight":
        outs.append(Text(f"(sum of wgt is {fmt_g(float(ww.sum()), 20, comma=True)})"))
    outs.append(Text(f"(obs={round(N):,})\n"))
    if cmd.has("means"):
        lines = [
            f"{'Variable':>12} |{'Mean':>13}{'Std. dev.':>13}{'Min':>13}{'Max':>13}",
            "-" * 13 + "+" + "-" * 52,
        ]
        for j, v in enumerate(names):
            mean = float(np.average(X[:, j], weights=ww)) if ww is not None else X[:, j].mean()
            vals = (mean, math.sqrt(C[j, j]), X[:, j].min(), X[:, j].max())
            lines.append(
                f"{abbrev(v, 12):>12} |" + "".join(f"{fmt_g(float(x), 9):>13}" for x in vals)
            )
        outs.append(Block("\n".join(lines) + "\n", kind="result"))

    def cell(i: int, j: int) -> str:
        x = M[i, j]
        if x != x:
            return f"{'.':>9}"
        if cov and not cmd.has("noformat"):
            return f"{fmt_g(float(x), 8):>9}"
        return f"{x:9.4f}" if not cmd.has("noformat") else f"{fmt_g(float(x), 8):>9}"

    text = _blocks(names, cell, wrap=cmd.has("wrap"))
    outs.append(Block(text, kind="result"))
    s.r = {"N": float(round(N)), "C": Matrix(M.copy(), list(names), list(names))}
    if len(names) >= 2:
        s.r["rho"] = float(R[1, 0])
    if cov:
        s.r.update({"cov_12": float(C[1, 0]) if len(names) >= 2 else math.nan})
        for j in range(len(names)):
            s.r[f"Var_{j + 1}"] = float(C[j, j])
    if ww is not None:
        s.r["sum_w"] = float(ww.sum())
    return outs


@command("pwcorr", byable="repeat", readonly=True)
def pwcorr(s, cmd: Command) -> list[Output]:
    """``pwcorr [varlist] [if] [in] [weight] [, obs sig listwise casewise print(#) star(#)
    bonferroni sidak]``."""
    ds = s.data
    names = _variables(s, cmd)
    touse = s.touse(cmd)
    if cmd.has("listwise") or cmd.has("casewise"):
        for v in names:
            touse &= ~ds.missing(v)
    w, touse = weights(s, cmd, touse)
    kind = cmd.weight.kind if cmd.weight is not None else None
    if cmd.has("bonferroni") and cmd.has("sidak"):
        raise StataError("options bonferroni and sidak may not be combined", 198)
    if not touse.any():
        raise StataError("no observations", 2000)
    k = len(names)
    cols = [np.asarray(ds.values(v), float) for v in names]
    R = np.full((k, k), np.nan)
    Nm = np.zeros((k, k))
    P = np.full((k, k), np.nan)
    pairs = k * (k - 1) / 2
    for i in range(k):
        for j in range(i + 1):
            use = touse & ~np.isnan(cols[i]) & ~np.isnan(cols[j])
            if not use.any():
                continue
            ww = None if w is None else np.asarray(w, float)[use]
            C, N = _cov(np.column_stack([cols[i][use], cols[j][use]]), ww, kind)
            r = float(_corr(C)[1, 0]) if i != j else (1.0 if C[0, 0] > 0 else math.nan)
            n = int(use.sum()) if kind != "fweight" else round(N)
            R[i, j] = R[j, i] = r
            Nm[i, j] = Nm[j, i] = n
            if i != j and n > 2 and r == r and abs(r) < 1:
                t = r * math.sqrt((n - 2) / (1 - r * r))
                p = 2 * float(stats.t.sf(abs(t), n - 2))
            elif i != j and r == r:
                p = 0.0 if abs(r) == 1 and n > 2 else math.nan
            else:
                p = math.nan
            if cmd.has("bonferroni") and p == p:
                p = min(1.0, p * pairs)
            elif cmd.has("sidak") and p == p:
                p = min(1.0, 1 - (1 - p) ** pairs)
            P[i, j] = P[j, i] = p
    star = cmd.option("star")
    show = cmd.option("print")
    for name, lev in (("star", star), ("print", show)):
        if lev is not None and not 0 < float(lev) < 1:
            raise StataError(f"{name}() must be between 0 and 1", 198)

    def cell(i: int, j: int) -> str:
        r = R[i, j]
        hidden = show is not None and i != j and not (P[i, j] <= float(show))
        if r != r or hidden:
            return f"{'':9} "
        mark = "*" if star is not None and i != j and P[i, j] <= float(star) else " "
        return f"{r:9.4f}{mark}"

    def extra(i: int, shown: list[int]) -> list[str]:
        lines = []
        if cmd.has("sig"):
            lines.append(
                "".join(
                    f"{P[i, j]:9.4f} " if j != i and P[i, j] == P[i, j] else f"{'':10}"
                    for j in shown
                )
            )
        if cmd.has("obs"):
            lines.append("".join(f"{int(Nm[i, j]):>9} " for j in shown))
        if lines:
            lines.append("")
        return lines

    text = _blocks(names, cell, extra if cmd.has("sig") or cmd.has("obs") else None, width=10)
    s.r = {"C": Matrix(R.copy(), list(names), list(names)), "Nobs": Matrix(Nm, names, names)}
    if k >= 2:
        s.r["rho"] = float(R[1, 0])
        s.r["N"] = float(Nm[1, 0])
    s.r["sig"] = Matrix(P.copy(), list(names), list(names))
    return [Block(text, kind="result")]
