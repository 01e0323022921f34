"""Tests of normality ([R] swilk, [R] sktest): ``swilk`` (Shapiro–Wilk W), ``sfrancia``
(Shapiro–Francia W') and ``sktest`` (skewness and kurtosis).

Both correlate the sorted data with normal scores Φ⁻¹((r − 3/8)/(n + 1/4)), r the ranks (tied
values share their mean rank unless ``noties``). Shapiro–Wilk renormalizes the two most extreme
scores at each end by Royston's (1992) polynomial approximations to the W coefficients; W is
the squared correlation, V = (1 − W) over the median of 1 − W, and z is Royston's normalizing
transformation of log(1 − W) (for 4 ≤ n ≤ 11 through γ − log(γ − ·)), with the exact p-value at
n = 3. Shapiro–Francia's W' uses the scores as they are, with Royston's (1993) log
transformation (or, with ``boxcox``, his 1983 Box–Cox transformation).

``sktest`` transforms the sample skewness and kurtosis (``summarize, detail``'s, weights
allowed) to normal deviates by D'Agostino, Belanger and D'Agostino (1990) and combines them
into K² = Z₁² + Z₂², which Royston's (1991) empirical adjustment maps to the adjusted χ²(2)
unless ``noadjust``.

The formulas, layouts and ``r()`` follow Stata's swilk 3.2.0, sfrancia 2.3.0 and sktest 3.1.0
ado-files.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
from scipy import stats

from ..dataset.stats import moments
from ..dataset.varnames import check_new_name, expand_terms
from ..errors import StataError
from ..matrix import Matrix
from ..report.format import abbrev, fmt_fw
from ..report.output import Block, Output
from ..syntax.ast import Command, Varlist
from .registry import command
from .summarize import weights

__all__ = [
    "swilk",
    "sfrancia",
    "sktest",
    "swilk_coefficients",
    "swilk_test",
    "sfrancia_test",
    "sk_test",
]


def _scores(x: np.ndarray, noties: bool) -> np.ndarray:
    """Blom's normal scores of the sorted values ``x``: positions, or mean ranks for ties."""
    n = len(x)
    r = np.arange(1, n + 1, dtype=float) if noties else stats.rankdata(x)
    return stats.norm.ppf((r - 0.375) / (n + 0.25))


def swilk_coefficients(x: np.ndarray, noties: bool = False) -> np.ndarray:
    """Royston's (1992) approximate Shapiro–Wilk coefficients for the sorted values ``x``."""
    n = len(x)
    if n == 3:
        return math.sqrt(0.5) * np.array([-1.0, 0.0, 1.0])
    m = _scores(x, noties)
    summ2 = float(((m - m.mean()) ** 2).sum())
    u = 1 / math.sqrt(n)
    a = m.copy()
    a1 = m[-1] / math.sqrt(summ2) + u * (
        0.221157 + u * (-0.147981 + u * (-2.071190 + u * (4.434685 - u * 2.706056)))
    )
    if n > 5:
        a2 = m[-2] / math.sqrt(summ2) + u * (
            0.042981 + u * (-0.293762 + u * (-1.752461 + u * (5.682633 - u * 3.582633)))
        )
        fac = math.sqrt((summ2 - 2 * m[-1] ** 2 - 2 * m[-2] ** 2) / (1 - 2 * a1**2 - 2 * a2**2))
        a[2:-2] /= fac
        a[[0, 1, -2, -1]] = -a1, -a2, a2, a1
    else:
        fac = math.sqrt((summ2 - 2 * m[-1] ** 2) / (1 - 2 * a1**2))
        a[1:-1] /= fac
        a[[0, -1]] = -a1, a1
    return a


def swilk_test(x: np.ndarray, noties: bool = False) -> tuple[float, float, float, float]:
    """(W, V, z, p) of the Shapiro–Wilk test of the values ``x`` (at least 3)."""
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    if np.ptp(x) == 0:  # a constant: no correlation, as Stata's correlate leaves it missing
        return (math.nan,) * 4
    a = swilk_coefficients(x, noties)
    W = float(np.corrcoef(x, a)[0, 1] ** 2)
    Y = math.log1p(-W) if W < 1 else -math.inf
    if n == 3:
        sw = math.sqrt(W)
        ang = 1.5707288 + sw * (-0.2121144 + sw * (0.074261 - 0.0187293 * sw))
        ang = math.pi / 2 - ang * math.sqrt(1 - sw)
        stqr = 1.047198  # arcsin(sqrt(0.75))
        p = (6 / math.pi) * (ang - stqr)
        z = float(-stats.norm.ppf(p))
        V = (1 - W) / (1 - math.sin(math.pi / 12 + stqr) ** 2)
        return W, V, z, p
    M, S = 0.0, 1.0
    if n <= 11:
        gamma = n * 0.459 - 2.273
        if gamma <= Y:
            Y, V = 9.9999, float("nan")
        else:
            Y = -math.log(gamma - Y)
            M = 0.5440 + n * (-0.39978 + n * (0.025054 - n * 0.0006714))
            S = math.exp(1.3822 + n * (-0.77857 + n * (0.062767 - n * 0.0020322)))
            V = (1 - W) / math.exp(gamma - math.exp(-M))
    else:
        lx = math.log(n)
        M = -1.5861 + lx * (-0.31082 + lx * (-0.083751 + lx * 0.0038915))
        S = math.exp(-0.4803 + lx * (-0.082676 + lx * 0.0030302))
        V = (1 - W) / math.exp(M)
    z = (Y - M) / S
    return W, V, z, float(stats.norm.sf(z))


def sfrancia_test(
    x: np.ndarray, noties: bool = False, boxcox: bool = False
) -> tuple[float, float, float, float]:
    """(W', V', z, p) of the Shapiro–Francia test of the values ``x``."""
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    if np.ptp(x) == 0:
        return (math.nan,) * 4
    R = float(np.corrcoef(x, _scores(x, noties))[0, 1] ** 2)
    if boxcox:  # Royston (1983)
        lx = math.log(n) - 5
        L = -0.0480157 + lx * (0.01971964 - 0.0119065 * lx * lx)
        M = -math.exp(
            1.6930674
            + lx * (0.1441647 + lx * (-0.01849276 + lx * (0.031074485 + lx * 0.0055717663)))
        )
        S = math.exp(
            -0.510725
            + lx * (-0.1160364 + lx * (-0.006702098 + lx * (0.054465944 + lx * 0.0087397329)))
        )
        Y = ((1 - R) ** L - 1) / L
        z = (Y - M) / S
        V = (1 - R) / (L * M + 1) ** (1 / L)
    else:  # Royston (1993)
        u = math.log(n)
        v = math.log(u)
        M = -1.2725 + 1.0521 * (v - u)
        S = 1.0308 - 0.26758 * (v + 2 / u)
        z = (math.log1p(-R) - M) / S
        V = (1 - R) * math.exp(-M)
    return R, V, z, float(stats.norm.sf(z))


def _note(text: str) -> list[str]:
    """A ``{p 0 6 2 67}`` paragraph: wrapped, continuation lines indented six."""
    return ["", *textwrap.wrap(text, 65, subsequent_indent=" " * 6)]


def _setup(s, cmd: Command) -> tuple[list[str], np.ndarray]:
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    if not terms:
        raise StataError("varlist required", 100)
    return expand_terms(ds, terms), s.touse(cmd)


def _values(s, v: str, touse: np.ndarray) -> np.ndarray:
    if s.data.is_string(v):
        return np.array([])
    x = np.asarray(s.data.values(v), dtype=float)[touse]
    return x[~np.isnan(x)]


@command("swilk", byable="repeat", readonly=False)
def swilk(s, cmd: Command) -> list[Output]:
    """``swilk varlist [if] [in] [, generate(newvar) noties]`` ([R] swilk)."""
    if cmd.has("lnnormal"):
        raise StataError("option lnnormal is not available in bayes_magic", 198)
    names, touse = _setup(s, cmd)
    gen = cmd.option("generate")
    if gen is not None:
        gen = str(gen)
        check_new_name(s.data, gen)
    noties = cmd.has("noties")
    lines = [
        "",
        " " * 19 + "Shapiro-Wilk W test for normal data",
        "",
        "    Variable |        Obs       W           V         z       Prob>z",
        "-" * 13 + "+" + "-" * 54,
    ]
    res: tuple[int, float, float, float, float] = (0, *[float("nan")] * 4)
    coef = None
    for v in names:
        x = _values(s, v, touse)
        n = len(x)
        if n < 3:
            W = V = z = p = float("nan")
            coef = None
        else:
            W, V, z, p = swilk_test(x, noties)
            if gen is not None:
                coef = _coefficients_by_observation(s, v, touse, noties)
        res = (n, W, V, z, p)
        lines.append(
            f"{abbrev(v, 12):>12} | {n:>10,}   {fmt_fw(W, 8, 5)}   {fmt_fw(V, 8, 3)}  "
            f"{fmt_fw(z, 8, 3)}    {fmt_fw(p, 7, 5)}"
        )
    n_used = int(touse.sum())
    if n_used < 4 or n_used > 2000:
        lines += _note(
            "Note: The normal approximation to the sampling distribution of W' is valid for "
            "4<=n<=2000."
        )
    if gen is not None:
        col = np.full(s.data.nobs, np.nan) if coef is None else coef
        s.data.set_values(gen, col, "float")
    s.r = dict(zip(("N", "W", "V", "z", "p"), map(float, res)))
    text = "\n".join(lines).lstrip("\n")  # the log puts one blank line first
    return [Block(text, f"<pre style='margin:0'>{text}</pre>", data=s.r)]


def _coefficients_by_observation(s, v: str, touse: np.ndarray, noties: bool) -> np.ndarray:
    """``generate()``: each used observation's W coefficient (by its place in sorted order)."""
    x = np.asarray(s.data.values(v), dtype=float)
    rows = np.flatnonzero(touse & ~np.isnan(x))
    order = rows[np.argsort(x[rows], kind="stable")]
    out = np.full(s.data.nobs, np.nan)
    out[order] = swilk_coefficients(x[order], noties)
    return out


@command("sfrancia", byable="repeat", readonly=True)
def sfrancia(s, cmd: Command) -> list[Output]:
    """``sfrancia varlist [if] [in] [, boxcox noties]`` ([R] swilk)."""
    names, touse = _setup(s, cmd)
    boxcox, noties = cmd.has("boxcox"), cmd.has("noties")
    nmin, nmax, label = (5, 1000, "Box-Cox") if boxcox else (10, 5000, "log")
    lines = [
        "",
        " " * 18 + "Shapiro-Francia W' test for normal data",
        "",
        "    Variable |       Obs       W'          V'        z       Prob>z",
        "-" * 13 + "+" + "-" * 53,
    ]
    res: tuple[int, float, float, float, float] = (0, *[float("nan")] * 4)
    n = 0
    for v in names:
        x = _values(s, v, touse)
        n = len(x)
        if n < nmin:
            W = V = z = p = float("nan")
            shown = p
        else:
            W, V, z, p = sfrancia_test(x, noties, boxcox)
            shown = max(p, 0.00001)
        res = (n, W, V, z, p)
        lines.append(
            f"{abbrev(v, 12):>12} |{n:>10,}   {fmt_fw(W, 8, 5)}   {fmt_fw(V, 8, 3)}  "
            f"{fmt_fw(z, 8, 3)}    {fmt_fw(shown, 7, 5)}"
        )
    if n < nmin or n > nmax:
        lines += _note(
            "Note: The normal approximation to the sampling distribution of W' is valid for "
            f"{nmin}<=n<={nmax} under the {label} transformation."
        )
    s.r = dict(zip(("N", "W", "V", "z", "p"), map(float, res)))
    text = "\n".join(lines).lstrip("\n")  # the log puts one blank line first
    return [Block(text, f"<pre style='margin:0'>{text}</pre>", data=s.r)]


def sk_test(
    skewness: float, kurtosis: float, n: float, adjust: bool = True
) -> tuple[float, float, float, float]:
    """(Pr(skewness), Pr(kurtosis), χ², Prob > χ²) of the skewness–kurtosis test; missing
    below 8 observations."""
    nan = float("nan")
    if n < 8 or skewness != skewness or kurtosis != kurtosis:
        return nan, nan, nan, nan
    Y = skewness * math.sqrt(((n + 1) * (n + 3)) / (6 * (n - 2)))
    beta2 = (3 * (n * n + 27 * n - 70) * (n + 1) * (n + 3)) / (
        (n - 2) * (n + 5) * (n + 7) * (n + 9)
    )
    W2 = -1 + math.sqrt(2 * (beta2 - 1))
    delta = 1 / math.sqrt(math.log(math.sqrt(W2)))
    alpha = math.sqrt(2 / (W2 - 1))
    Z1 = delta * math.log(Y / alpha + math.sqrt((Y / alpha) ** 2 + 1))
    Eb2 = (3 * (n - 1)) / (n + 1)
    Vb2 = (24 * n * (n - 2) * (n - 3)) / ((n + 1) ** 2 * (n + 3) * (n + 5))
    X = (kurtosis - Eb2) / math.sqrt(Vb2)
    rbeta1 = ((6 * (n * n - 5 * n + 2)) / ((n + 7) * (n + 9))) * math.sqrt(
        (6 * (n + 3) * (n + 5)) / (n * (n - 2) * (n - 3))
    )
    A = 6 + (8 / rbeta1) * (2 / rbeta1 + math.sqrt(1 + 4 / (rbeta1 * rbeta1)))
    base = (1 - 2 / A) / (1 + X * math.sqrt(2 / (A - 4)))
    Z2 = ((1 - 2 / (9 * A)) - np.cbrt(base)) / math.sqrt(2 / (9 * A))
    K2 = Z1 * Z1 + Z2 * Z2
    if adjust:  # Royston's (1991) modification
        zc2 = float(-stats.norm.ppf(math.exp(-0.5 * K2)))
        logn = math.log(n)
        cut = 0.55 * n**0.2 - 0.21
        a1 = (-5 + 3.46 * logn) * math.exp(-1.37 * logn)
        b1 = 1 + (0.854 - 0.148 * logn) * math.exp(-0.55 * logn)
        b2mb1 = 2.13 / (1 - 2.37 * logn)
        a2 = a1 - b2mb1 * cut
        b2 = b2mb1 + b1
        if zc2 < -1:
            Z = zc2
        elif zc2 < cut:
            Z = a1 + b1 * zc2
        else:
            Z = a2 + b2 * zc2
        P = float(1 - stats.norm.cdf(Z))  # as sktest.ado: 0 beyond z ≈ 8.3, chi2 missing
        K2 = -2 * math.log(P) if P > 0 else math.nan
    else:
        P = float(stats.chi2.sf(K2, 2))
    return float(2 * stats.norm.sf(abs(Z1))), float(2 * stats.norm.sf(abs(Z2))), K2, P


@command("sktest", readonly=True)
def sktest(s, cmd: Command) -> list[Output]:
    """``sktest varlist [if] [in] [aw fw] [, noadjust]`` ([R] sktest)."""
    names, touse = _setup(s, cmd)
    w_all, touse = weights(s, cmd, touse)
    kind = None if cmd.weight is None else cmd.weight.kind
    adjust = not cmd.has("noadjust")
    ds = s.data
    rows, ns = [], []
    for v in names:
        if ds.is_string(v):
            n, res = 0.0, sk_test(float("nan"), float("nan"), 0)
        else:
            m = touse & ~ds.missing(v)
            st = moments(ds.values(v)[m], None if w_all is None else w_all[m], kind)
            n = st["N"]
            nan = float("nan")
            res = sk_test(st.get("skewness", nan), st.get("kurtosis", nan), n, adjust)
        rows.append(res)
        ns.append(n)
    adj = "adj" if adjust else "   "
    lines = [
        "",
        " " * 20 + "Skewness/Kurtosis tests for Normality",
        " " * 58 + "------ joint ------",
        f"    Variable |        Obs  Pr(Skewness)  Pr(Kurtosis) {adj} chi2(2)   Prob>chi2",
        "-" * 13 + "+" + "-" * 63,
    ]
    for v, n, (ps, pk, chi2, pc) in zip(names, ns, rows):
        cells = [
            (16, f"{n:>10,.0f}"),
            (31, fmt_fw(ps, 5, 4)),
            (45, fmt_fw(pk, 5, 4)),
            (54, fmt_fw(chi2, 9, 2)),
            (72, fmt_fw(pc, 6, 4)),
        ]
        line = f"{abbrev(v, 12):>12} |"
        for column, cell in cells:  # display's _col(#)
            line += " " * max(0, column - 1 - len(line)) + cell
        lines.append(line)
    utest = Matrix(np.array(rows, dtype=float), list(names), ["P_skew", "P_kurt", "chi2", "P_chi2"])
    s.r = dict(zip(("P_skew", "P_kurt", "chi2", "P_chi2"), rows[-1]))
    s.r["Utest"] = utest
    s.r["N"] = Matrix(np.array(ns, dtype=float).reshape(-1, 1), list(names), ["c1"])
    text = "\n".join(lines).lstrip("\n")  # the log puts one blank line first
    return [Block(text, f"<pre style='margin:0'>{text}</pre>", data=s.r)]
