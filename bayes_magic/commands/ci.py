"""``ci means|proportions|variances varlist [if] [in] [weight] [, options]`` ([R] ci):
confidence intervals for means (t, or exact Poisson with ``poisson [exposure()]``), for
proportions of 0/1 variables (Clopper-Pearson ``exact`` by default, ``wald``, ``wilson``,
``agresti``, ``jeffreys``) and for variances (χ² intervals; ``sd`` for standard deviations).
``ci varlist`` is ``ci means``. Each row leaves ``r(N)``, ``r(mean)``/``r(proportion)``/
``r(Var)``, ``r(se)``, ``r(lb)``, ``r(ub)`` and ``r(level)`` of the last variable.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..dataset.varnames import expand_terms
from ..errors import StataError
from ..report.format import fmt_g
from ..report.output import Block, Output
from ..syntax.ast import Command, Varlist, Words
from .registry import command

__all__: list[str] = []

_PROP_METHODS = ("exact", "wald", "wilson", "agresti", "jeffreys")
_PROP_TITLE = {
    "exact": "-- Binomial exact --",
    "wald": "-- Binomial Wald ---",
    "wilson": "------ Wilson ------",
    "agresti": "-- Agresti–Coull ---",
    "jeffreys": "----- Jeffreys -----",
}


def _data(s, cmd: Command):
    ds = s.data
    names = expand_terms(ds, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    if not names:
        raise StataError("varlist required", 100)
    for v in names:
        if ds.is_string(v):
            raise StataError("string variables not allowed in varlist", 109)
    touse = s.touse(cmd)
    w = None
    if cmd.weight is not None:
        from ..dataset.evaluate import Context, evaluate
        from ..dataset.weights import check_weights

        w = np.asarray(evaluate(cmd.weight.expr, Context(ds)), dtype=float)
        touse = check_weights(w, cmd.weight.kind, touse)
        if cmd.weight.kind not in ("fweight", "aweight"):
            raise StataError(f"{cmd.weight.kind}s not allowed", 101)
    return ds, names, touse, w


def _level(cmd: Command) -> float:
    level = float(cmd.option("level", 95))
    return level


def _head(stat: str, level: float, extra: str = "") -> list[str]:
    lv = f"{level:g}"
    return [
        *([extra] if extra else []),
        f"    Variable |        Obs{stat:>12}    Std. err.       [{lv}% conf. interval]",
        "-------------+---------------------------------------------------------------",
    ]


def _row(name: str, n: float, est: float, se: float, lo: float, hi: float) -> str:
    lab = name if len(name) <= 12 else name[:10] + "~" + name[-1]
    return (
        f"{lab:>12} |{int(n):>11,}{fmt_g(est, 9):>12}{fmt_g(se, 9):>12}"
        f"{fmt_g(lo, 9):>15}{fmt_g(hi, 9):>12}"
    )


def mean_interval(n: float, mean: float, sd: float, level: float):
    """The mean's standard error and t interval on n − 1 df."""
    if not n > 1:
        return math.nan, math.nan, math.nan
    se = sd / math.sqrt(n)
    q = float(stats.t.ppf(0.5 + level / 200, n - 1))
    return se, mean - q * se, mean + q * se


def poisson_interval(count: float, exposure: float, level: float):
    """The rate count/exposure, its standard error and the exact Poisson interval (χ²
    quantiles)."""
    a = 1 - level / 100
    if not exposure > 0:
        return math.nan, math.nan, math.nan, math.nan
    lo = stats.chi2.ppf(a / 2, 2 * count) / 2 / exposure if count > 0 else 0.0
    hi = stats.chi2.ppf(1 - a / 2, 2 * (count + 1)) / 2 / exposure
    return count / exposure, math.sqrt(count) / exposure, float(lo), float(hi)


def proportion_interval(n: float, k: float, method: str, level: float):
    """The proportion k/n, its standard error and the interval of ``method``."""
    a = 1 - level / 100
    z = float(stats.norm.ppf(1 - a / 2))
    p = k / n if n else math.nan
    se = math.sqrt(p * (1 - p) / n) if n else math.nan
    if method == "exact":
        lo = float(stats.beta.ppf(a / 2, k, n - k + 1)) if k > 0 else 0.0
        hi = float(stats.beta.ppf(1 - a / 2, k + 1, n - k)) if k < n else 1.0
    elif method == "wald":
        lo, hi = p - z * se, p + z * se
    elif method == "wilson":
        c = (p + z * z / (2 * n)) / (1 + z * z / n)
        h = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        lo, hi = c - h, c + h
    elif method == "agresti":
        nt = n + z * z
        pt = (k + z * z / 2) / nt
        h = z * math.sqrt(pt * (1 - pt) / nt)
        lo, hi = pt - h, pt + h
    else:  # jeffreys: the Beta(k + ½, n − k + ½) posterior's equal-tailed interval
        lo = float(stats.beta.ppf(a / 2, k + 0.5, n - k + 0.5)) if k > 0 else 0.0
        hi = float(stats.beta.ppf(1 - a / 2, k + 0.5, n - k + 0.5)) if k < n else 1.0
    if method in ("wilson", "agresti"):  # no rounding noise past the [0, 1] limits
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    return p, se, lo, hi


def variance_interval(n: float, var: float, level: float):
    """The χ² interval of a variance on n − 1 df."""
    a = 1 - level / 100
    if not n > 1:
        return math.nan, math.nan
    return (
        (n - 1) * var / float(stats.chi2.ppf(1 - a / 2, n - 1)),
        (n - 1) * var / float(stats.chi2.ppf(a / 2, n - 1)),
    )


@command("ci", "means", byable="repeat", readonly=True)
def ci_means(s, cmd: Command) -> list[Output]:
    return _means(s, cmd)


@command("ci", "proportions", byable="repeat", readonly=True)
def ci_proportions(s, cmd: Command) -> list[Output]:
    return _proportions(s, cmd)


@command("ci", "variances", byable="repeat", readonly=True)
def ci_variances(s, cmd: Command) -> list[Output]:
    return _variances(s, cmd)


def _means(s, cmd: Command) -> list[Output]:
    ds, names, touse, w = _data(s, cmd)
    level = _level(cmd)
    poisson = cmd.has("poisson")
    expo = cmd.option("exposure")
    if expo is not None and not poisson:
        raise StataError("option exposure() requires option poisson", 198)
    lines = _head("Mean", level, f"{'-- Poisson  Exact --':>77}" if poisson else "")
    r: dict = {}
    for v in names:
        x = np.asarray(ds.values(v), dtype=float)
        use = touse & ~np.isnan(x)
        wv = np.ones(int(use.sum())) if w is None else w[use]
        xv = x[use]
        if poisson:
            t = np.ones(len(xv))
            if expo is not None:
                from ..dataset.varnames import resolve

                t = np.asarray(ds.values(resolve(ds, expo)), dtype=float)[use]
            if np.any(xv < 0) or np.any(xv != np.round(xv)):
                raise StataError(f"{v} must be nonnegative integers for poisson", 459)
            n = float(wv.sum())
            est, se, lo, hi = poisson_interval(float(np.sum(wv * xv)), float(np.sum(wv * t)), level)
        else:
            aw = cmd.weight is not None and cmd.weight.kind == "aweight"
            wn = wv * (len(wv) / wv.sum()) if aw and len(wv) else wv  # aweights sum to N
            n = float(wn.sum())
            est = float(np.average(xv, weights=wn)) if n else math.nan
            var = float(np.sum(wn * (xv - est) ** 2) / (n - 1)) if n > 1 else math.nan
            se, lo, hi = mean_interval(n, est, math.sqrt(var), level)
        lines.append(_row(v, n, est, se, lo, hi))
        r = {"N": n, "mean": est, "se": se, "lb": lo, "ub": hi, "level": level}
    s.r = r
    text = "\n".join(lines)
    return [Block(text, f"<pre>{text}</pre>", kind="result")]


def _proportions(s, cmd: Command) -> list[Output]:
    ds, names, touse, w = _data(s, cmd)
    level = _level(cmd)
    chosen = [m for m in _PROP_METHODS if cmd.has(m)]
    if len(chosen) > 1:
        raise StataError(f"options {chosen[0]} and {chosen[1]} may not be combined", 198)
    method = chosen[0] if chosen else "exact"
    lines = _head("Proportion", level, f"{_PROP_TITLE[method]:>77}")
    r: dict = {}
    one_sided = False
    for v in names:
        x = np.asarray(ds.values(v), dtype=float)
        use = touse & ~np.isnan(x)
        xv = x[use]
        if np.any((xv != 0) & (xv != 1)):
            raise StataError(f"{v} is not a 0/1 variable", 450)
        wv = np.ones(len(xv)) if w is None else w[use]
        n = float(wv.sum())
        k = float(np.sum(wv * xv))
        p, se, lo, hi = proportion_interval(n, k, method, level)
        row = _row(v, n, p, se, lo, hi)
        if method == "exact" and k in (0, n):  # Stata's star: the one-sided bound
            row += "*"
            one_sided = True
        lines.append(row)
        r = {"N": n, "proportion": p, "se": se, "lb": lo, "ub": hi, "level": level}
    if one_sided:
        lines.append(f"(*) one-sided, {100 - (100 - level) / 2:g}% confidence interval")
    s.r = r
    text = "\n".join(lines)
    return [Block(text, f"<pre>{text}</pre>", kind="result")]


def _variances(s, cmd: Command) -> list[Output]:
    ds, names, touse, w = _data(s, cmd)
    if cmd.has("bonett"):
        raise StataError("ci variances, bonett is not available in bayes_magic yet", 198)
    level = _level(cmd)
    sd = cmd.has("sd")
    stat = "Std. dev." if sd else "Variance"
    lines = [
        f"    Variable |        Obs{stat:>12}       [{level:g}% conf. interval]",
        "-------------+--------------------------------------------------",
    ]
    r: dict = {}
    for v in names:
        x = np.asarray(ds.values(v), dtype=float)
        use = touse & ~np.isnan(x)
        xv = x[use]
        wv = np.ones(len(xv)) if w is None else w[use]
        n = float(wv.sum())
        m = float(np.average(xv, weights=wv)) if n else math.nan
        var = float(np.sum(wv * (xv - m) ** 2) / (n - 1)) if n > 1 else math.nan
        lo, hi = variance_interval(n, var, level)
        est = math.sqrt(var) if sd else var
        if sd:
            lo, hi = math.sqrt(lo), math.sqrt(hi)
        lab = v if len(v) <= 12 else v[:10] + "~" + v[-1]
        lines.append(
            f"{lab:>12} |{int(n):>11,}{fmt_g(est, 9):>12}{fmt_g(lo, 9):>15}{fmt_g(hi, 9):>12}"
        )
        r = {"N": n, "sd" if sd else "Var": est, "lb": lo, "ub": hi, "level": level}
    s.r = r
    text = "\n".join(lines)
    return [Block(text, f"<pre>{text}</pre>", kind="result")]


def _numbers(cmd: Command, count: int, usage: str) -> list[float]:
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    if len(words) != count:
        raise StataError(f"invalid syntax; {usage}", 198)
    try:
        return [float(w) for w in words]
    except ValueError:
        raise StataError(f"invalid syntax; {usage}", 198) from None


def _immediate(s, lines: list[str], r: dict) -> list[Output]:
    s.r = r
    text = "\n".join(lines)
    return [Block(text, f"<pre>{text}</pre>", kind="result")]


@command("cii", "means")
def cii_means(s, cmd: Command) -> list[Output]:
    """``cii means #obs #mean #sd`` or, with ``poisson``, ``cii means #exposure #events``."""
    level = _level(cmd)
    if cmd.has("poisson"):
        T, count = _numbers(cmd, 2, "cii means #exposure #events, poisson")
        if T <= 0 or count < 0 or count != int(count):
            raise StataError("exposure must be positive and events a nonnegative integer", 198)
        est, se, lo, hi = poisson_interval(count, T, level)
        head = _head("Mean", level, f"{'-- Poisson  Exact --':>77}")
        r = {"N": T, "mean": est, "se": se, "lb": lo, "ub": hi, "level": level}
        return _immediate(s, [*head, _row("", T, est, se, lo, hi)], r)
    n, mean, sd = _numbers(cmd, 3, "cii means #obs #mean #sd")
    if n != int(n) or n < 1 or sd < 0:
        raise StataError("#obs must be a positive integer and #sd nonnegative", 198)
    se, lo, hi = mean_interval(n, mean, sd, level)
    r = {"N": n, "mean": mean, "se": se, "lb": lo, "ub": hi, "level": level}
    return _immediate(s, [*_head("Mean", level), _row("", n, mean, se, lo, hi)], r)


@command("cii", "proportions")
def cii_proportions(s, cmd: Command) -> list[Output]:
    """``cii proportions #obs #succ`` (#succ may be a proportion between 0 and 1)."""
    level = _level(cmd)
    n, k = _numbers(cmd, 2, "cii proportions #obs #succ")
    if 0 < k < 1:  # a proportion
        k = round(k * n)
    if n != int(n) or n < 1 or k < 0 or k > n or k != int(k):
        raise StataError("#succ must be an integer between 0 and #obs", 198)
    chosen = [m for m in _PROP_METHODS if cmd.has(m)]
    if len(chosen) > 1:
        raise StataError(f"options {chosen[0]} and {chosen[1]} may not be combined", 198)
    method = chosen[0] if chosen else "exact"
    p, se, lo, hi = proportion_interval(n, k, method, level)
    lines = [*_head("Proportion", level, f"{_PROP_TITLE[method]:>77}"), _row("", n, p, se, lo, hi)]
    if method == "exact" and k in (0, n):
        lines[-1] += "*"
        lines.append(f"(*) one-sided, {100 - (100 - level) / 2:g}% confidence interval")
    r = {"N": n, "proportion": p, "se": se, "lb": lo, "ub": hi, "level": level}
    return _immediate(s, lines, r)


@command("cii", "variances")
def cii_variances(s, cmd: Command) -> list[Output]:
    """``cii variances #obs #sd`` (the standard deviation), with ``sd`` for its interval."""
    if cmd.has("bonett"):
        raise StataError("cii variances, bonett is not available in bayes_magic yet", 198)
    level = _level(cmd)
    n, sd_in = _numbers(cmd, 2, "cii variances #obs #sd")
    if n != int(n) or n < 2 or sd_in < 0:
        raise StataError("#obs must be an integer of 2 or more and #sd nonnegative", 198)
    lo, hi = variance_interval(n, sd_in**2, level)
    sd = cmd.has("sd")
    est = sd_in if sd else sd_in**2
    if sd:
        lo, hi = math.sqrt(lo), math.sqrt(hi)
    stat = "Std. dev." if sd else "Variance"
    lines = [
        f"    Variable |        Obs{stat:>12}       [{level:g}% conf. interval]",
        "-------------+--------------------------------------------------",
        f"{'':>12} |{int(n):>11,}{fmt_g(est, 9):>12}{fmt_g(lo, 9):>15}{fmt_g(hi, 9):>12}",
    ]
    r = {"N": n, "sd" if sd else "Var": est, "lb": lo, "ub": hi, "level": level}
    return _immediate(s, lines, r)
