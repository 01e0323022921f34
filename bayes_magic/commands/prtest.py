"""``prtest`` ([R] prtest): one- and two-sample tests of proportions.

``prtest v == #p`` tests the proportion of a 0/1 variable, z = (p̂ − p₀)/√(p₀(1−p₀)/n);
``prtest v, by(g)`` and ``prtest v1 == v2`` test the difference of two proportions with the
pooled standard error √(p̄(1−p̄)(1/n₁ + 1/n₂)), p̄ the pooled proportion. Confidence intervals
use the unpooled (Wald) standard errors √(p̂(1−p̂)/n) ([R] prtest, Methods and formulas). The
layout and ``r()`` are Stata's.
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
from .ttest import _right, _tails

__all__ = ["prtest", "prtesti"]

_RULE = "-" * 78
_SEP = "-" * 13 + "+" + "-" * 64


def _zero_one(s, name: str, x: np.ndarray) -> np.ndarray:
    ok = x[~np.isnan(x)]
    if np.any((ok != 0) & (ok != 1)):
        raise StataError(f"{name} is not a 0/1 variable", 450)
    return x


def _var(s, name: str) -> tuple[str, np.ndarray]:
    v = resolve(s.data, name.strip())
    if s.data.is_string(v):
        raise StataError(f"{v} is a string variable", 109)
    return v, _zero_one(s, v, np.asarray(s.data.values(v), dtype=float))


def _g(x: float) -> str:
    return fmt_g(x, 9) if x == x else "."


def _ci(p: float, se: float, q: float) -> str:
    return f"{_g(p - q * se):>13}{_g(p + q * se):>12}"


@command("prtest", byable="repeat", readonly=True)
def prtest(s, cmd: Command) -> list[Output]:
    """``prtest varname == #p|varname [if] [in] [, by(groupvar) level(#)]``."""
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    text = " ".join(words).replace(" ", "")
    level = float(cmd.option("level", 95))
    q = float(stats.norm.ppf(0.5 + level / 200))
    touse = s.touse(cmd)
    by = cmd.option("by")
    if by is not None:
        if "==" in text:
            raise StataError("option by() not allowed with ==", 198)
        v, x = _var(s, text)
        g = resolve(s.data, str(by).strip())
        gv = s.data.values(g)
        missing = s.data.missing(g)
        use = touse & ~np.isnan(x) & ~missing
        levels = sorted(set(gv[use].tolist()))
        if len(levels) != 2:
            raise two_groups_error(len(levels))
        names = [s.value_text(g, int(np.flatnonzero(use & (gv == lv))[0])) for lv in levels]
        a, b = (_props(x[use & (gv == lv)]) for lv in levels)
        return _two(s, names, a, b, q, level, f"prop({names[0]}) - prop({names[1]})")
    if "==" not in text:
        raise StataError("== expected; or specify by()", 198)
    left, right = text.split("==", 1)
    v, x = _var(s, left)
    try:
        p0 = float(right)
    except ValueError:
        p0 = None
    if p0 is None:
        v2, x2 = _var(s, right)
        a = _props(x[touse & ~np.isnan(x)])
        b = _props(x2[touse & ~np.isnan(x2)])
        return _two(s, [v, v2], a, b, q, level, f"prop({v}) - prop({v2})", variables=True)
    if not 0 < p0 < 1:
        raise StataError("hypothesized proportion must be between 0 and 1", 198)
    return _one(s, v, _props(x[touse & ~np.isnan(x)]), p0, q, level)


def _props(x: np.ndarray) -> tuple[int, float]:
    """(n, proportion) of a 0/1 sample."""
    if x.size == 0:
        raise StataError("no observations", 2000)
    return x.size, float(x.mean())


def _one(s, v: str, summ: tuple[int, float], p0: float, q: float, level: float) -> list[Output]:
    """The one-sample test from (n, p̂)."""
    n, p = summ
    se = math.sqrt(p * (1 - p) / n)
    z = (p - p0) / math.sqrt(p0 * (1 - p0) / n)
    h0 = fmt_g(p0, 9).strip()
    tails, ps = _tails(z, None, "p", h0)
    ci = f"[{fmt_g(level, 9).strip()}% conf. interval]"
    lines = [
        _right("One-sample test of proportion", f"Number of obs      ={n:>10,}"),
        "",
        _RULE,
        f"{'Variable':>12} |       Mean   Std. err.{'':21}{ci}",
        _SEP,
        f"{abbrev(v, 12):>12} |{_g(p):>11}{_g(se):>11}{'':17}{_ci(p, se, q)}",
        _RULE,
        _right(f"    p = proportion({v})", f"z = {fmt_f(z, 4):>8}"),
        f"H0: p = {h0}",
        "",
        *tails,
    ]
    s.r = {"N_1": float(n), "P_1": p, "se_1": se, "z": z, **ps, "level": level}
    return [Block("\n".join(lines), kind="result")]


def _two(s, names, a, b, q, level, what: str, *, variables: bool = False) -> list[Output]:
    """The two-sample test from each sample's (n, p̂)."""
    (n1, p1), (n2, p2) = a, b
    se1, se2 = math.sqrt(p1 * (1 - p1) / n1), math.sqrt(p2 * (1 - p2) / n2)
    diff = p1 - p2
    se_d = math.sqrt(se1**2 + se2**2)
    pool = (p1 * n1 + p2 * n2) / (n1 + n2)
    se0 = math.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
    z = diff / se0 if se0 > 0 else float("nan")
    tails, ps = _tails(z, None, "diff", "0")
    stub = "Variable" if variables else "Group"
    ci = f"[{fmt_g(level, 9).strip()}% conf. interval]"
    head = [
        _right("Two-sample test of proportions", f"{names[0][:12]}: Number of obs = {n1:>8,}"),
        _right("", f"{names[1][:12]}: Number of obs = {n2:>8,}"),
    ]
    lines = [
        *head,
        _RULE,
        f"{stub:>12} |       Mean   Std. err.      z    P>|z|     {ci}",
        _SEP,
        f"{abbrev(names[0], 12):>12} |{_g(p1):>11}{_g(se1):>11}{'':17}{_ci(p1, se1, q)}",
        f"{abbrev(names[1], 12):>12} |{_g(p2):>11}{_g(se2):>11}{'':17}{_ci(p2, se2, q)}",
        _SEP,
        f"{'diff':>12} |{_g(diff):>11}{_g(se_d):>11}{'':17}{_ci(diff, se_d, q)}",
        f"{'':12} |  under H0:{_g(se0):>11}{fmt_f(z, 2):>9}{fmt_f(ps['p'], 3):>8}",
        _RULE,
        _right(f"        diff = {what}", f"z = {fmt_f(z, 4):>8}"),
        "    H0: diff = 0",
        "",
        *tails,
    ]
    s.r = {
        "N_1": float(n1),
        "N_2": float(n2),
        "P_1": p1,
        "P_2": p2,
        "se_1": se1,
        "se_2": se2,
        "se_diff": se_d,
        "se_diff0": se0,
        "z": z,
        **ps,
        "level": level,
    }
    return [Block("\n".join(lines), kind="result")]


@command("prtesti")
def prtesti(s, cmd: Command) -> list[Output]:
    """``prtesti #obs1 #p1 #p2 [, level(#) count]`` and ``prtesti #obs1 #p1 #obs2 #p2 [,
    level(#) count]`` ([R] prtest): the tests from counts; with ``count`` the #p are numbers
    of successes. The samples are called x and y."""
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    nums = typed_numbers(words)
    if len(nums) not in (3, 4):
        raise StataError("invalid syntax", 198)
    level = float(cmd.option("level", 95))
    q = float(stats.norm.ppf(0.5 + level / 200))
    count = cmd.has("count")

    def sample(n: float, p: float) -> tuple[int, float]:
        if n != int(n) or n < 1:
            raise StataError(f"{fmt_g(n, 9).strip()} found where integer expected", 7)
        if count:
            if p != int(p) or not 0 <= p <= n:
                raise StataError("number of successes must be an integer in [0, #obs]", 198)
            p = p / n
        elif not 0 <= p <= 1:
            raise StataError("proportion must be between 0 and 1", 198)
        return int(n), p

    if len(nums) == 3:
        p0 = nums[2]
        if not 0 < p0 < 1:
            raise StataError("hypothesized proportion must be between 0 and 1", 198)
        return _one(s, "x", sample(nums[0], nums[1]), p0, q, level)
    a, b = sample(nums[0], nums[1]), sample(nums[2], nums[3])
    return _two(s, ["x", "y"], a, b, q, level, "prop(x) - prop(y)", variables=True)
