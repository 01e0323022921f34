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
from ..syntax.ast import Command, Varlist
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


@command("ci", "means")
def ci_means(s, cmd: Command) -> list[Output]:
    return _means(s, cmd)


@command("ci", "proportions")
def ci_proportions(s, cmd: Command) -> list[Output]:
    return _proportions(s, cmd)


@command("ci", "variances")
def ci_variances(s, cmd: Command) -> list[Output]:
    return _variances(s, cmd)


def _means(s, cmd: Command) -> list[Output]:
    ds, names, touse, w = _data(s, cmd)
    level = _level(cmd)
    a = 1 - level / 100
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
            count, T = float(np.sum(wv * xv)), float(np.sum(wv * t))
            est = count / T if T > 0 else math.nan
            se = math.sqrt(count) / T if T > 0 else math.nan
            lo = stats.chi2.ppf(a / 2, 2 * count) / 2 / T if count > 0 else 0.0
            hi = stats.chi2.ppf(1 - a / 2, 2 * (count + 1)) / 2 / T
        else:
            wn = wv * (len(wv) / wv.sum()) if (cmd.weight and cmd.weight.kind == "aweight") else wv
            n = float(wn.sum()) if not (cmd.weight and cmd.weight.kind == "aweight") else len(wv)
            if n == 0:
                est = se = lo = hi = math.nan
            else:
                est = float(np.average(xv, weights=wn))
                var = float(np.sum(wn * (xv - est) ** 2) / (n - 1)) if n > 1 else math.nan
                se = math.sqrt(var / n) if n > 1 else math.nan
                q = float(stats.t.ppf(1 - a / 2, n - 1)) if n > 1 else math.nan
                lo, hi = est - q * se, est + q * se
        lines.append(_row(v, n, est, se, lo, hi))
        r = {"N": n, "mean": est, "se": se, "lb": lo, "ub": hi, "level": level}
    s.r = r
    text = "\n".join(lines)
    return [Block(text, f"<pre>{text}</pre>", kind="result")]


def _proportions(s, cmd: Command) -> list[Output]:
    ds, names, touse, w = _data(s, cmd)
    level = _level(cmd)
    a = 1 - level / 100
    z = float(stats.norm.ppf(1 - a / 2))
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
    a = 1 - level / 100
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
        lo = (n - 1) * var / float(stats.chi2.ppf(1 - a / 2, n - 1)) if n > 1 else math.nan
        hi = (n - 1) * var / float(stats.chi2.ppf(a / 2, n - 1)) if n > 1 else math.nan
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
