"""``sdtest`` and ``sdtesti`` ([R] sdtest): tests of standard deviations.

``sdtest v == #`` is the one-sample chi2 test, c = (n − 1)s²/σ₀² on n − 1 degrees of freedom;
``sdtest v1 == v2`` and ``sdtest v, by(g)`` the variance ratio test, f = s₁²/s₂² on
(n₁ − 1, n₂ − 1). The two-sided p-value is twice the smaller tail. ``sdtesti`` takes the
summary statistics (the mean may be ``.``). The tables are ``ttest``'s; the lines under them
follow Stata's sdtest.ado and sdtesti.ado.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..errors import StataError
from ..report.format import fmt_f, fmt_g
from ..report.output import Block, Output
from ..syntax.ast import Command, Words
from .immediate import typed_numbers
from .ranksum import two_groups_error
from .registry import command
from .ttest import _RULE, _SEP, _centred, _head, _numeric, _right, _row

__all__ = ["sdtest", "sdtesti"]

Summary = tuple[int, float, float]  # n, mean, sd


def _summ(x: np.ndarray) -> Summary:
    if len(x) < 2:
        raise StataError("too few observations", 2001)
    return len(x), float(x.mean()), float(x.std(ddof=1))


def _table_row(name: str, summ: Summary, level: float) -> str:
    n, m, sd = summ
    se = sd / math.sqrt(n)
    q = float(stats.t.ppf(0.5 + level / 200, n - 1))
    return _row(name, n, m, se, sd, q)


def _tails(stat: float, dist, left: str, right: str, what: str, h0: str, stat_name: str):
    """The three alternatives and their p-values (the two-sided one twice the smaller tail)."""
    p_u = float(dist.sf(stat))
    p_l = 1 - p_u
    p = 2 * min(p_l, p_u)
    two = f"2*Pr({left} < {stat_name})" if p_l < p_u else f"2*Pr({left} > {stat_name})"
    lines = [
        "",
        _centred([f"Ha: {what} < {h0}", f"Ha: {what} != {h0}", f"Ha: {what} > {h0}"]),
        _centred(
            [
                f" Pr({left} < {stat_name}) = {fmt_f(p_l, 4)}",
                f"{two} = {fmt_f(p, 4)}",
                f"{right}Pr({left} > {stat_name}) = {fmt_f(p_u, 4)}",
            ]
        ),
    ]
    return lines, {"p_l": p_l, "p_u": p_u, "p": p}


def _one(s, name: str, summ: Summary, s0: float, level: float, stub: str) -> list[Output]:
    n, _m, sd = summ
    df = n - 1
    chi2 = df * sd**2 / s0**2
    h0 = fmt_g(s0, 7).strip()
    tails, ps = _tails(chi2, stats.chi2(df), "C", " ", "sd", h0, "c")
    lines = [
        "",
        "One-sample test of variance",
        _RULE,
        _head(stub, level),
        _SEP,
        _table_row(name, summ, level),
        _RULE,
        _right(f"    sd = sd({name})", f"c = chi2 = {chi2:8.4f}"),
        _right(f"H0: sd = {h0}", f"Degrees of freedom = {df:8.0f}"),
        *tails,
    ]
    s.r = {"N": float(n), "df": float(df), "chi2": chi2, "sd": sd, **ps}
    return [Block("\n".join(ln.rstrip() for ln in lines).lstrip("\n"), kind="result")]


def _ratio(
    s, one: tuple[str, Summary], two: tuple[str, Summary], level: float, stub: str
) -> list[Output]:
    (name1, (n1, m1, s1)), (name2, (n2, m2, s2)) = one, two
    F = (s1 / s2) ** 2 if s2 > 0 else math.nan
    df1, df2 = n1 - 1, n2 - 1
    n = n1 + n2
    m = (n1 * m1 + n2 * m2) / n
    sdc = math.sqrt(
        ((n1 - 1) * s1**2 + n1 * (m - m1) ** 2 + (n2 - 1) * s2**2 + n2 * (m - m2) ** 2) / (n - 1)
    )
    tails, ps = _tails(F, stats.f(df1, df2), "F", "   ", "ratio", "1", "f")
    combined = "Combined" if stub.strip() == "Group" else "combined"
    lines = [
        "",
        "Variance ratio test",
        _RULE,
        _head(stub, level),
        _SEP,
        _table_row(name1, (n1, m1, s1), level),
        _table_row(name2, (n2, m2, s2), level),
        _SEP,
        _table_row(combined, (n, m, sdc), level),
        _RULE,
        _right(f"    ratio = sd({name1[:16]}) / sd({name2[:16]})", f"f = {F:8.4f}"),
        _right("H0: ratio = 1", f"Degrees of freedom = {df1}, {df2}"),
        *tails,
    ]
    s.r = {
        "N": float(n),
        "df_1": float(df1),
        "df_2": float(df2),
        "F": F,
        "sd_1": s1,
        "sd_2": s2,
        "sd": sdc,
        **ps,
    }
    return [Block("\n".join(ln.rstrip() for ln in lines).lstrip("\n"), kind="result")]


@command("sdtest", byable="repeat", readonly=True)
def sdtest(s, cmd: Command) -> list[Output]:
    """``sdtest v == # | v2 [if] [in] [, level(#)]`` or ``sdtest v [if] [in], by(g)``."""
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    text = " ".join(words).replace(" ", "")
    level = float(cmd.option("level", 95))
    ds = s.data
    touse = s.touse(cmd)
    by = cmd.option("by")
    if "==" in text or ("=" in text and "==" not in text):
        if by is not None:
            raise StataError("may not combine = and by()", 198)
        left, right = text.split("==", 1) if "==" in text else text.split("=", 1)
        v = _numeric(s, left)
        x = np.asarray(ds.values(v), float)
        try:
            s0 = float(right)
        except ValueError:
            v2 = _numeric(s, right)
            x2 = np.asarray(ds.values(v2), float)
            use = touse & ~np.isnan(x) & ~np.isnan(x2)
            return _ratio(s, (v, _summ(x[use])), (v2, _summ(x2[use])), level, "Variable")
        if s0 <= 0:
            raise StataError("standard deviation must be positive", 198)
        use = touse & ~np.isnan(x)
        return _one(s, v, _summ(x[use]), s0, level, "Variable")
    if by is None:
        raise StataError("by() option required", 100)
    from ..dataset.varnames import resolve

    v = _numeric(s, text)
    g = resolve(ds, str(by).strip())
    gv = ds.values(g)
    x = np.asarray(ds.values(v), float)
    use = touse & ~np.isnan(x) & ~ds.missing(g)
    levels = sorted(set(gv[use].tolist()))
    if len(levels) != 2:
        raise two_groups_error(len(levels))
    names = [s.value_text(g, int(np.flatnonzero(use & (gv == lv))[0])) for lv in levels]
    groups = [(names[k], _summ(x[use & (gv == lv)])) for k, lv in enumerate(levels)]
    return _ratio(s, groups[0], groups[1], level, "   Group")


@command("sdtesti")
def sdtesti(s, cmd: Command) -> list[Output]:
    """``sdtesti #obs {#mean|.} #sd #val`` and ``sdtesti #obs1 {#mean1|.} #sd1 #obs2
    {#mean2|.} #sd2 [, level(#)]``."""
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    if len(words) not in (4, 6):
        raise StataError("invalid syntax", 198)
    nums = typed_numbers(words, missing_ok=True)
    level = float(cmd.option("level", 95))
    counts = nums[0::3][: len(nums) // 3]
    for n in counts:
        if n != n or n != int(n) or n < 1:
            raise StataError(f"{fmt_g(n, 9).strip()} found where integer expected", 7)
    for sd in nums[2::3][: len(nums) // 3]:
        if not sd >= 0:
            raise StataError("standard deviation must be nonnegative", 198)
    if len(nums) == 4:
        if not nums[3] > 0:
            raise StataError("standard deviation must be positive", 198)
        return _one(s, "x", (int(nums[0]), nums[1], nums[2]), nums[3], level, "")
    one = ("x", (int(nums[0]), nums[1], nums[2]))
    two = ("y", (int(nums[3]), nums[4], nums[5]))
    return _ratio(s, one, two, level, "")
