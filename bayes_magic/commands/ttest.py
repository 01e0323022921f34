"""``ttest`` ([R] ttest): one-sample, paired and two-sample t tests of means.

``ttest v == #`` tests the mean of v; ``ttest v1 == v2`` the mean of the paired differences
(``unpaired``: two samples); ``ttest v, by(g)`` the difference of the means of g's two groups,
with the pooled variance, or with ``unequal`` Satterthwaite's (``welch``: Welch's) degrees of
freedom (Methods and formulas). The layout and ``r()`` are Stata's.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..dataset.varnames import resolve
from ..errors import StataError
from ..report.format import abbrev, fmt_f, fmt_g
from ..report.output import Block, Output
from ..syntax.ast import Command, Words
from .immediate import typed_numbers
from .ranksum import two_groups_error
from .registry import command
from .summarize import weights

__all__ = ["ttest"]

_RULE = "-" * 78
_SEP = "-" * 9 + "+" + "-" * 68


def _row(label: str, n: int | None, mean: float, se: float, sd: float | None, q: float) -> str:
    def g(x: float | None) -> str:
        return "" if x is None or x != x else fmt_g(x, 9)

    lo, hi = mean - q * se, mean + q * se
    nn = f"{n:,}" if n is not None else ""
    return (
        f"{abbrev(label, 8):>8} |{nn:>8}{g(mean):>12}{g(se):>12}{g(sd):>12}{g(lo):>12}{g(hi):>12}"
    )


def _head(stub: str, level: float) -> str:
    ci = f"[{fmt_g(level, 9).strip()}% conf. interval]"
    return f"{stub:>8} |     Obs        Mean    Std. err.   Std. dev.   {ci}"


def _centred(texts: list[str], centres: tuple[int, ...] = (10, 39, 69)) -> str:
    line = ""
    for text, c in zip(texts, centres, strict=True):
        start = max(c - len(text) // 2, len(line) + 1 if line else 0)
        line += " " * (start - len(line)) + text
    return line


def _tails(t: float, df: float | None, what: str, h0: str) -> tuple[list[str], dict[str, float]]:
    """The three alternatives' p-values under Stata's test output: t on ``df`` degrees of
    freedom, or the normal (``Pr(Z < z)``, as ``prtest`` shows it) when ``df`` is None."""
    dist = stats.t(df) if df is not None else stats.norm()
    T, x = ("T", "t") if df is not None else ("Z", "z")
    p_l = float(dist.cdf(t))
    p_u = float(dist.sf(t))
    p = 2 * min(p_l, p_u)
    lines = [
        _centred([f"Ha: {what} < {h0}", f"Ha: {what} != {h0}", f"Ha: {what} > {h0}"]),
        _centred(
            [
                f"Pr({T} < {x}) = {fmt_f(p_l, 4)}",
                f"Pr(|{T}| > |{x}|) = {fmt_f(p, 4)}",
                f"Pr({T} > {x}) = {fmt_f(p_u, 4)}",
            ]
        ),
    ]
    return lines, {"p_l": p_l, "p": p, "p_u": p_u}


def _right(left: str, right: str) -> str:
    return f"{left}{right:>{78 - len(left)}}"


def _result(
    s, lines: list[str], groups: dict, se: float, t: float, df: float, ps: dict, level: float
) -> list[Output]:
    """Store r() (the groups' statistics, the test's, its tails' p-values) and show ``lines``."""
    s.r = {**groups, "se": se, "t": t, "df_t": float(df), **ps, "level": level}
    return [Block("\n".join(lines).lstrip("\n"), kind="result")]


def _numeric(s, name: str) -> str:
    v = resolve(s.data, name)
    if s.data.is_string(v):
        raise StataError(f"{v} is a string variable", 109)
    return v


@command("ttest", byable="repeat", readonly=True)
def ttest(s, cmd: Command) -> list[Output]:
    """``ttest varname == #|varname [if] [in] [, by() unequal welch unpaired level(#)]``
    (``=`` is read as ``==``, as Stata reads it)."""
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    text = " ".join(words).replace(" ", "")
    if "=" in text and "==" not in text:
        text = text.replace("=", "==", 1)
    level = float(cmd.option("level", 95))
    by = cmd.option("by")
    ds = s.data
    w, touse = weights(s, cmd, s.touse(cmd))  # fweights: each observation counts w times
    w = np.ones(ds.nobs) if w is None else np.asarray(w, float)
    if by is not None:
        if "==" in text:
            raise StataError("option by() not allowed with ==", 198)
        return _two_groups(s, cmd, _numeric(s, text), str(by), touse, w, level)
    if "==" not in text:
        raise StataError("== expected; or specify by()", 198)
    left, right = text.split("==", 1)
    if not left or not right:
        raise StataError("invalid syntax", 198)
    v = _numeric(s, left)
    x = np.asarray(ds.values(v), float)
    try:
        mu0 = float(right)
    except ValueError:
        mu0 = None
    if mu0 is not None:  # one-sample
        use = touse & ~np.isnan(x)
        return _one_sample(s, v, _stats(x[use], w[use]), mu0, level)
    v2 = _numeric(s, right)
    x2 = np.asarray(ds.values(v2), float)
    if cmd.has("unpaired"):
        ua, ub = touse & ~np.isnan(x), touse & ~np.isnan(x2)
        a, b = _stats(x[ua], w[ua]), _stats(x2[ub], w[ub])
        return _two_samples(s, cmd, (v, a), (v2, b), level, stub="Variable")
    use = touse & ~np.isnan(x) & ~np.isnan(x2)
    return _paired(s, v, v2, x[use], x2[use], w[use], level)


def _stats(x: np.ndarray, w: np.ndarray | None = None) -> tuple[int, float, float, float]:
    """(n, mean, sd, se) of a sample, each value counted ``w`` times (frequency weights)."""
    w = np.ones(len(x)) if w is None else w
    n = round(float(w.sum()))
    if n < 2:
        raise StataError("too few observations", 2001)
    m = float((w * x).sum() / n)
    sd = math.sqrt(float((w * (x - m) ** 2).sum()) / (n - 1))
    return n, m, sd, sd / math.sqrt(n)


def _summary(n: int, m: float, sd: float) -> tuple[int, float, float, float]:
    """(n, mean, sd, se) from summary statistics (``ttesti``)."""
    if n < 2:
        raise StataError("too few observations", 2001)
    return n, m, sd, sd / math.sqrt(n)


def _one_sample(
    s,
    v: str,
    summ: tuple[int, float, float, float],
    mu0: float,
    level: float,
    stub: str = "Variable",
) -> list[Output]:
    n, m, sd, se = summ
    df = n - 1
    q = float(stats.t.ppf(0.5 + level / 200, df))
    t = (m - mu0) / se if se > 0 else math.nan
    h0 = fmt_g(mu0, 9).strip()
    tails, ps = _tails(t, df, "mean", h0)
    lines = [
        "",
        "One-sample t test",
        _RULE,
        _head(stub, level),
        _SEP,
        _row(v, n, m, se, sd, q),
        _RULE,
        _right(f"    mean = mean({v})", f"t = {fmt_f(t, 4):>8}"),
        _right(f"H0: mean = {h0}", f"Degrees of freedom = {df:>8}"),
        "",
        *tails,
    ]
    return _result(s, lines, {"N_1": float(n), "mu_1": m, "sd_1": sd}, se, t, df, ps, level)


def _paired(
    s, v1: str, v2: str, a: np.ndarray, b: np.ndarray, w: np.ndarray, level: float
) -> list[Output]:
    n, m, sd, se = _stats(a - b, w)
    df = n - 1
    q = float(stats.t.ppf(0.5 + level / 200, df))
    t = m / se if se > 0 else math.nan
    tails, ps = _tails(t, df, "mean(diff)", "0")
    rows, summ = [], []
    for name, x in ((v1, a), (v2, b)):
        nn, mm, ss, ee = _stats(x, w)
        summ.append((mm, ss))
        rows.append(_row(name, nn, mm, ee, ss, q))
    lines = [
        "",
        "Paired t test",
        _RULE,
        _head("Variable", level),
        _SEP,
        *rows,
        _SEP,
        _row("diff", n, m, se, sd, q),
        _RULE,
        _right(f"     mean(diff) = mean({v1} - {v2})", f"t = {fmt_f(t, 4):>8}"),
        _right(" H0: mean(diff) = 0", f"Degrees of freedom = {df:>8}"),
        "",
        *tails,
    ]
    groups = {
        "N_1": float(n),
        "N_2": float(n),
        "mu_1": summ[0][0],
        "mu_2": summ[1][0],
        "sd_1": summ[0][1],
        "sd_2": summ[1][1],
    }
    return _result(s, lines, groups, se, t, df, ps, level)


def _two_groups(s, cmd: Command, v: str, by: str, touse, w, level: float) -> list[Output]:
    ds = s.data
    g = resolve(ds, by.strip())
    gv = ds.values(g)
    x = np.asarray(ds.values(v), float)
    missing_g = (gv == "") if gv.dtype == object else np.isnan(np.asarray(gv, float))
    use = touse & ~np.isnan(x) & ~missing_g
    levels = sorted(set(gv[use].tolist()))
    if len(levels) != 2:
        raise two_groups_error(len(levels))
    names = [s.value_text(g, int(np.flatnonzero(use & (gv == lv))[0])) for lv in levels]
    masks = [use & (gv == lv) for lv in levels]
    groups = [(names[k], _stats(x[m], w[m])) for k, m in enumerate(masks)]
    return _two_samples(s, cmd, groups[0], groups[1], level, stub="   Group")


def _two_samples(s, cmd, one, two, level: float, *, stub: str) -> list[Output]:
    """The two-sample test from each sample's name and (n, mean, sd, se)."""
    (name1, (n1, m1, sd1, se1)), (name2, (n2, m2, sd2, se2)) = one, two
    welch = cmd.has("welch")
    unequal = cmd.has("unequal") or welch
    diff = m1 - m2
    if unequal:
        v1, v2 = sd1**2 / n1, sd2**2 / n2
        se = math.sqrt(v1 + v2)
        if welch:  # Welch (1947)
            df = -2 + (v1 + v2) ** 2 / (v1**2 / (n1 + 1) + v2**2 / (n2 + 1))
        else:  # Satterthwaite (1946)
            df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    else:
        pooled = ((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2)
        se = math.sqrt(pooled * (1 / n1 + 1 / n2))
        df = n1 + n2 - 2
    t = diff / se if se > 0 else math.nan
    q = float(stats.t.ppf(0.5 + level / 200, df))
    qs = [float(stats.t.ppf(0.5 + level / 200, n - 1)) for n in (n1, n2)]
    # the combined sample from the two summaries
    nc = n1 + n2
    mc = (n1 * m1 + n2 * m2) / nc
    varc = ((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2 + n1 * n2 / nc * diff**2) / (nc - 1)
    sdc = math.sqrt(varc)
    sec = sdc / math.sqrt(nc)
    qc = float(stats.t.ppf(0.5 + level / 200, nc - 1))
    tails, ps = _tails(t, df, "diff", "0")
    title = "Two-sample t test with " + ("unequal" if unequal else "equal") + " variances"
    what = f"mean({name1}) - mean({name2})"
    if welch:
        dof = f"Welch's degrees of freedom = {fmt_g(df, 9).strip():>8}"
    elif unequal:
        dof = f"Satterthwaite's degrees of freedom = {fmt_g(df, 9).strip():>8}"
    else:
        dof = f"Degrees of freedom = {int(df):>8}"
    lines = [
        "",
        title,
        _RULE,
        _head(stub, level),
        _SEP,
        _row(name1, n1, m1, se1, sd1, qs[0]),
        _row(name2, n2, m2, se2, sd2, qs[1]),
        _SEP,
        _row("Combined", nc, mc, sec, sdc, qc),
        _SEP,
        _row("diff", None, diff, se, None, q),
        _RULE,
        _right(f"    diff = {what}", f"t = {fmt_f(t, 4):>8}"),
        _right("H0: diff = 0", dof),
        "",
        *tails,
    ]
    groups = {
        "N_1": float(n1),
        "N_2": float(n2),
        "mu_1": m1,
        "mu_2": m2,
        "sd_1": sd1,
        "sd_2": sd2,
        "sd": sdc,
    }
    return _result(s, lines, groups, se, t, df, ps, level)


@command("ttesti")
def ttesti(s, cmd: Command) -> list[Output]:
    """``ttesti #obs #mean #sd #val [, level(#)]`` and ``ttesti #obs1 #mean1 #sd1 #obs2 #mean2
    #sd2 [, unequal welch level(#)]`` ([R] ttest): the tests from summary statistics; the
    samples are called x and y, as Stata's immediate form names them."""
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    if len(words) not in (4, 6):
        raise StataError("invalid syntax", 198)
    nums = typed_numbers(words)
    level = float(cmd.option("level", 95))
    for n in nums[0::3][: len(nums) // 3]:
        if n != int(n) or n < 1:
            raise StataError(f"{fmt_g(n, 9).strip()} found where integer expected", 7)
    for sd in (nums[2], nums[5]) if len(nums) == 6 else (nums[2],):
        if sd < 0:
            raise StataError("standard deviation must be nonnegative", 198)
    if len(nums) == 4:
        for name in ("unequal", "welch"):
            if cmd.has(name):
                raise StataError(f"option {name} not allowed", 198)
        summ = _summary(int(nums[0]), nums[1], nums[2])
        return _one_sample(s, "x", summ, nums[3], level, stub="")
    one = ("x", _summary(int(nums[0]), nums[1], nums[2]))
    two = ("y", _summary(int(nums[3]), nums[4], nums[5]))
    return _two_samples(s, cmd, one, two, level, stub="")
