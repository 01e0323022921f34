"""``ksmirnov`` ([R] ksmirnov): Kolmogorov–Smirnov tests of equality of distributions.

``ksmirnov v, by(g)`` compares the empirical distribution functions of g's two groups: D₁ is
the largest F₁ − F₂ (the first group has smaller values), D₂ the most negative, D their larger
absolute value. With A = mk/(m + k), the one-sided p-values are exp(−2A·D²) and the combined
one 2 Σⱼ₌₁⁵ (−1)ʲ⁻¹ exp(−2j²A·D²) (capped at 1); ``corrected`` adds Stata's small-sample
correction Φ(Φ⁻¹(p) + 1.04/min(m,k) + 2.09/max(m,k) − 1.35/√A), ``exact`` the exact p-value by
counting the lattice paths that stay within D. ``ksmirnov v = exp`` tests the sample against
the distribution function ``exp`` evaluated at v. Formulas, layout and ``r()`` are those of
Stata's ksmirnov.ado.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats
from scipy.special import gammaln

from ..dataset.varnames import resolve
from ..errors import StataError
from ..report.format import abbrev
from ..report.output import Block, Output
from ..syntax.ast import Command, Words
from ..syntax.expr import parse_expr_text
from .generate import evaluate_at
from .listing import cell_text
from .registry import command

__all__ = ["ksmirnov", "exact_ks_p"]


def exact_ks_p(m: int, k: int, D: float) -> float:
    """P(D' ≥ D) of the two-sample statistic: 1 − (paths through the m × k lattice that stay
    strictly within D of the diagonal) / C(m + k, m)."""
    eps = 1 / m / k / 2
    n = np.arange(m + k + 2)  # row index n - 1 = steps taken in the first sample
    G1 = np.zeros(m + k + 2)
    G1[0] = 1.0
    for i in range(1, m + k + 1):
        G2 = np.empty_like(G1)
        G2[1:] = G1[:-1] + G1[1:]
        G2[0] = 1.0
        G2[i] = 1.0
        outside = np.abs(n / m - (i - n) / k) >= D - eps
        G2[outside | (n > i)] = 0.0
        G1 = G2
    if G1[m] == 0:
        return 1.0
    den = gammaln(m + k + 1) - gammaln(m + 1) - gammaln(k + 1)
    return float(-math.expm1(math.log(G1[m]) - den))


def _p_values(Dp: float, Dm: float, m: float, k: float) -> tuple[float, float, float, float]:
    D = max(-Dm, Dp)
    A = m * k / (m + k)
    Pm, Pp = math.exp(-2 * A * Dm**2), math.exp(-2 * A * Dp**2)
    Z2 = A * D**2
    P = min(2 * sum((-1) ** (j - 1) * math.exp(-2 * j * j * Z2) for j in range(1, 6)), 1.0)
    Pc = P
    if 0 < P < 1:
        Pz = stats.norm.ppf(P) + 1.04 / min(m, k) + 2.09 / max(m, k) - 1.35 / math.sqrt(A)
        Pc = float(stats.norm.cdf(Pz))
    return Pm, Pp, P, Pc


@command("ksmirnov", byable="repeat", readonly=True)
def ksmirnov(s, cmd: Command) -> list[Output]:
    """``ksmirnov varname [= exp] [if] [in] [, by(groupvar) exact corrected]``."""
    if cmd.has("exact") and cmd.has("corrected"):
        raise StataError("options exact and corrected may not be combined", 184)
    text = " ".join(cmd.body.words) if isinstance(cmd.body, Words) else ""
    name, eq, expr = text.partition("=")
    ds = s.data
    v = resolve(ds, name.strip())
    if ds.is_string(v):
        raise StataError(f"variable {v} is a string variable", 109)
    x = np.asarray(ds.values(v), float)
    touse = s.touse(cmd) & ~np.isnan(x)
    by = cmd.option("by")
    if by is not None:
        g = resolve(ds, str(by))
        touse &= ~ds.missing(g)
    if not touse.any():
        raise StataError("no observations", 2000)
    corrected = cmd.has("corrected")
    if by is not None:
        if eq:
            raise StataError("invalid syntax", 198)
        gv = ds.values(g)
        levels = sorted(set(gv[touse].tolist()))
        if len(levels) != 2:
            raise StataError(f"{g} takes on {len(levels)} values, not 2", 450)
        names = [cell_text(ds, g, lv)[:16] for lv in levels]
        a, b = x[touse & (gv == levels[0])], x[touse & (gv == levels[1])]
        m, k = len(a), len(b)
        vals = np.sort(np.concatenate([a, b]))
        diff = np.searchsorted(np.sort(a), vals, "right") / m
        diff -= np.searchsorted(np.sort(b), vals, "right") / k
        Dp, Dm = float(diff.max()), float(diff.min())
        title = ["", "Two-sample Kolmogorov-Smirnov test for equality of distribution functions"]
    else:
        if cmd.has("exact"):
            raise StataError("invalid syntax", 198)
        if not eq or not expr.strip():
            raise StataError("= exp or by() required", 198)
        V = evaluate_at(s, parse_expr_text(expr.strip()), touse)
        if V.dtype == object or np.isnan(V[touse]).any():
            raise StataError(
                "=exp evaluate to missing in some or all observations\n"
                f"=exp should evaluate to cumulative density evaluated at {v}",
                450,
            )
        order = np.argsort(x[touse], kind="stable")
        cdf = V[touse][order]
        m, k = int(touse.sum()), 10e6
        G = np.arange(1, m + 1) / m - cdf
        Dp, Dm = float(G.max()), float(G.min()) - 1 / m
        names = [abbrev(v, 12), "Cumulative"]
        title = [
            "",
            "One-sample Kolmogorov-Smirnov test against theoretical distribution",
            " " * 11 + expr.strip(),
        ]
    D = max(-Dm, Dp)
    Pm, Pp, P, Pc = _p_values(Dp, Dm, m, k)
    if cmd.has("exact") and P < 1:
        Pc = exact_ks_p(m, int(k), D)
    label = "    Exact" if cmd.has("exact") else ("Corrected" if corrected else "")
    wide = cmd.has("exact") or corrected
    lines = [
        *title,
        "",
        f" Smaller group       D       P-value  {label}".rstrip(),
        " " + "-" * (46 if wide else 35),
        f"{' ' + names[0] + ':':<19}{Dp:8.4f}{Pp:9.3f}",
        f"{' ' + names[1] + ':':<19}{Dm:8.4f}{Pm:9.3f}",
        f"{' Combined K-S:':<19}{D:8.4f}{P:9.3f}" + (f"{Pc:11.3f}" if wide else ""),
    ]
    total = int(touse.sum())
    unique = len(np.unique(x[touse]))
    if unique != total:
        where = "combined dataset" if by is not None else "dataset"
        lines += [
            "",
            f"Note: Ties exist in {where};",
            f"      there are {unique} unique values out of {total} observations.",
        ]
    s.r = {
        "group1": names[0],
        "group2": names[1],
        "D_1": Dp,
        "D_2": Dm,
        "p_1": Pp,
        "p_2": Pm,
        "D": D,
        "p": P,
        ("p_exact" if cmd.has("exact") else "p_cor"): Pc,
    }
    text = "\n".join(lines).lstrip("\n")  # the log puts one blank line first
    return [Block(text, f"<pre style='margin:0'>{text}</pre>")]
