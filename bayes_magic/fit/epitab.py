"""The 2 × 2 statistics of Stata's epitab commands ([ST] epitab; the formulas of csi.ado,
cci.ado, iri.ado and their helpers _crcrd, _crcrr, _crcor, _crcrnfd, _crcchi2, _crcird and
_crcirr).

Cells, as the immediate commands take them: ``a`` exposed cases, ``b`` unexposed cases, ``c``
exposed noncases (controls) and ``d`` unexposed noncases; for incidence-rate data ``a`` and
``b`` are the cases and ``n1``, ``n0`` the person-time of the exposed and the unexposed.

Intervals (``z`` is the normal quantile of the level):

* risk difference: Wald, sd² = a(n1−a)/n1³ + b(n0−b)/n0³; ``tb``: RD·(1 ± z/χ) with χ the
  test statistic (a − n1m1/t)/sqrt(m1m0n1n0/(t²(t−1)));
* risk ratio: exp(ln RR ± z·sqrt(c/(a n1) + d/(b n0))); ``tb``: RR^(1 ± z/χ);
* odds ratio: Cornfield's approximation (cs, or; cci, cornfield) by Stata's own iteration,
  Woolf's exp(ln OR ± z·sqrt(1/a+1/b+1/c+1/d)), test-based, or exact (cci's default: the
  odds ratios at which the noncentral hypergeometric tail beyond ``a`` is α/2);
* incidence-rate difference: ± z·sqrt(a/n1² + b/n0²); ratio: exact, from the binomial
  (Clopper–Pearson) interval of a/(a+b), or test-based.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats
from scipy.special import gammaln

__all__ = [
    "z_of",
    "div",
    "ln",
    "root",
    "expo",
    "power",
    "risk_difference",
    "risk_ratio",
    "odds_ratio",
    "exact_or_interval",
    "stata_exact_or_interval",
    "chi2_2x2",
    "rate_difference",
    "rate_ratio",
    "midp",
]


def z_of(level: float) -> float:
    return float(stats.norm.ppf(1 - (1 - level / 100) / 2))


# Stata's arithmetic: a division by zero, the log of zero or a negative, the root of a
# negative are missing (nan here), and missing propagates; the helpers keep that
def div(x: float, y: float) -> float:
    return math.nan if y == 0 or x != x or y != y else x / y


def ln(x: float) -> float:
    return math.log(x) if x > 0 else math.nan


def root(x: float) -> float:
    return math.sqrt(x) if x >= 0 else math.nan


def expo(x: float) -> float:
    return math.exp(x) if x == x and x < 709 else math.nan


def power(x: float, y: float) -> float:
    try:
        out = x**y if x == x and y == y else math.nan
    except (ZeroDivisionError, OverflowError):
        return math.nan
    return out if isinstance(out, float) and math.isfinite(out) else math.nan


def _test_x(a: float, b: float, c: float, d: float) -> float:
    """The test statistic of _crcrd/_crcrr/_crcor's test-based intervals."""
    n1, n0, m1, m0 = a + c, b + d, a + b, c + d
    t = n1 + n0
    return div(a - div(n1 * m1, t), root(div(m1 * m0 * n1 * n0, t * t * (t - 1))))


def _tb(est: float, z: float, x: float, use_power: bool) -> tuple[float, float]:
    if use_power:
        lo, hi = power(est, 1 - div(z, x)), power(est, 1 + div(z, x))
    else:
        lo, hi = est * (1 - div(z, x)), est * (1 + div(z, x))
    return (hi, lo) if lo > hi else (lo, hi)


def risk_difference(a, b, c, d, level: float, tb: bool = False) -> tuple[float, float, float]:
    """_crcrd: (RD, lower, upper)."""
    z = z_of(level)
    n1, n0 = a + c, b + d
    rd = div(a, n1) - div(b, n0)
    if tb:
        lo, hi = _tb(rd, z, _test_x(a, b, c, d), False)
        return rd, lo, hi
    sd = root(div(a * (n1 - a), n1**3) + div(b * (n0 - b), n0**3))
    return rd, rd - z * sd, rd + z * sd


def risk_ratio(a, b, c, d, level: float, tb: bool = False) -> tuple[float, float, float]:
    """_crcrr: (RR, lower, upper); missing where a cell makes them undefined."""
    z = z_of(level)
    n1, n0 = a + c, b + d
    rr = div(div(a, n1), div(b, n0))
    if tb:
        if a == 0:
            return rr, math.nan, math.nan
        lo, hi = _tb(rr, z, _test_x(a, b, c, d), True)
        return rr, lo, hi
    sd = root(div(c, a * n1) + div(d, b * n0))
    return rr, expo(ln(rr) - z * sd), expo(ln(rr) + z * sd)


def _cornfield_end(a, b, c, d, z: float, sign: float, tol: float, averaged: bool) -> float:
    """One end of Cornfield's interval by Stata's fixed-point iteration for the expected
    exposed-case cell (_crcrnfd with tolerance .001; _xcrnfd, cci's starting values, with
    tolerance 1e-7, a continuity correction of 1/2 and averaged iterates). Stata's missing
    values (division by zero, the root of a negative) are nan here."""
    m1, n1, n2 = a + c, a + b, c + d  # exposed, cases, noncases (the ado's "sic" swap)
    al, alold, i = float(a), math.nan, 0
    while (math.isnan(alold) or abs(al - alold) > tol) and not math.isnan(al):
        alold = al
        s = 0.0
        for den in (al, m1 - al, n1 - al, n2 - m1 + al):
            s += div(1.0, den)
        rt = math.sqrt(s) if s >= 0 else math.nan
        step = div(1.0, rt) if not math.isnan(rt) else math.nan
        al = a + sign * (0.5 if averaged else 0.0) + sign * z * step
        if averaged and not math.isnan(al):
            i += 1
            al = (i * al + (i - 1) * alold) / (2 * i - 1)
        if math.isnan(al):
            i += 1
            al = a + sign * i
            if sign < 0 and (al < 0 or n2 - m1 + al < 0):
                al = math.nan
            if sign > 0 and (al > n1 or al > m1):
                al = math.nan
    if math.isnan(al):
        if sign > 0:
            return math.nan
        al = 0.0
    return div(al * (n2 - m1 + al), (m1 - al) * (n1 - al))


def odds_ratio(
    a, b, c, d, level: float, method: str = "cornfield"
) -> tuple[float, float, float, str]:
    """_crcor: (OR, lower, upper, label) with ``method`` cornfield, woolf or tb."""
    r = div(a * d, b * c)
    z = z_of(level)
    if method == "cornfield":  # the lower end iterates a - z/sqrt(...), the upper a + z/...
        lo = _cornfield_end(a, b, c, d, z, -1.0, 0.001, False)
        hi = _cornfield_end(a, b, c, d, z, 1.0, 0.001, False)
        return r, lo, hi, "(Cornfield)"
    if method == "woolf":
        sd = root(div(1, a) + div(1, b) + div(1, c) + div(1, d))
        return r, expo(ln(r) - z * sd), expo(ln(r) + z * sd), "(Woolf)"
    lo, hi = _tb(r, z, _test_x(a, b, c, d), True)
    return r, lo, hi, "(tb)"


def _nchg_logpmf(a, b, c, d):
    """log P(X = k) under the odds ratio ψ, up to the normalizing constant, for the support of
    the exposed-case cell given the margins: (support, log weights at ψ = 1)."""
    n1, n0, m1 = a + c, b + d, a + b
    lo, hi = max(0, m1 - n0), min(n1, m1)
    k = np.arange(lo, hi + 1, dtype=float)
    base = -(gammaln(k + 1) + gammaln(n1 - k + 1) + gammaln(m1 - k + 1) + gammaln(n0 - m1 + k + 1))
    return k, base


def exact_or_interval(a, b, c, d, level: float) -> tuple[float, float]:
    """cci's exact interval: the odds ratios ψ at which P(X ≥ a; ψ) and P(X ≤ a; ψ) are α/2
    under the noncentral hypergeometric distribution of the exposed-case cell (Stata's
    xcnfint finds them by the secant method; here by Brent's method on ln ψ)."""
    k, base = _nchg_logpmf(a, b, c, d)
    half = (1 - level / 100) / 2

    def tail(log_psi: float, upper: bool) -> float:
        lw = base + k * log_psi
        lw -= lw.max()
        w = np.exp(lw)
        return float(w[k >= a].sum() / w.sum()) if upper else float(w[k <= a].sum() / w.sum())

    def root(upper: bool) -> float:
        f = lambda x: tail(x, upper) - half  # noqa: E731
        lo, hi = -1.0, 1.0
        while f(lo) * f(hi) > 0 and hi - lo < 200:
            lo, hi = lo - (hi - lo), hi + (hi - lo)
        return math.exp(optimize.brentq(f, lo, hi, xtol=1e-13, rtol=1e-14))

    lower = 0.0 if a == k[0] else root(True)
    upper = math.inf if a == k[-1] else root(False)
    return lower, upper


def stata_exact_or_interval(a, b, c, d, level: float) -> tuple[float, float]:
    """cci's printed "exact" interval, by its own algorithm (cci.ado's xcnfint): secant steps
    on the tail probabilities from Cornfield's ends (_crcrnfd) and the continuity-corrected,
    averaged Cornfield iteration (_xcrnfd), stopped once a step changes ψ by less than .5%
    of it. The printed ends therefore differ from the exact roots
    (:func:`exact_or_interval`) by up to a few parts in 10⁴; this reproduces Stata's."""
    z = z_of(level)
    half = (1 - level / 100) / 2
    k, base = _nchg_logpmf(a, b, c, d)

    def tail(psi: float, upper: bool) -> float:
        if not (psi > 0 and math.isfinite(psi)):
            return math.nan
        lw = base + k * math.log(psi)
        w = np.exp(lw - lw.max())
        cum = np.cumsum(w / w.sum())
        i = int(np.searchsorted(k, a))
        if upper:  # 1 - cum[a - 1]: P(X >= a)
            return 1.0 if i == 0 else 1.0 - float(cum[i - 1])
        return float(cum[i])

    adj_lb = _cornfield_end(a, b, c, d, z, -1.0, 1e-7, True)
    adj_ub = _cornfield_end(a, b, c, d, z, 1.0, 1e-7, True)
    flag_lb, flag_ub = not adj_lb > 0, math.isnan(adj_ub)
    _r, un_lb, un_ub, _l = odds_ratio(a, b, c, d, level)
    if un_lb < 0 or math.isnan(un_ub) or flag_lb or flag_ub:
        r = a * d / (b * c)
        sd = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        if un_lb < 0 or flag_lb:
            un_lb = math.exp(math.log(r) - z * sd)
            adj_lb = un_lb * 0.75
        if math.isnan(un_ub) or flag_ub:
            un_ub = math.exp(math.log(r) + z * sd)
            adj_ub = un_ub * 1.3

    def secant(prev: float, cur: float, upper: bool) -> float:
        if math.isnan(cur) or math.isnan(prev) or not abs(cur - prev) >= 0.005 * cur:
            return cur
        p_prev, p_cur = tail(prev, upper), tail(cur, upper)
        for _ in range(100):
            if not abs(cur - prev) >= 0.005 * cur:
                break
            slope = div(p_cur - p_prev, cur - prev)
            if slope != slope or slope == 0:
                break
            nxt = (half + slope * cur - p_cur) / slope
            prev, p_prev = cur, p_cur
            cur, p_cur = nxt, tail(nxt, upper)
        return cur

    lower = secant(un_lb, adj_lb, True)
    return (0.0 if math.isnan(lower) else lower), secant(un_ub, adj_ub, False)


def chi2_2x2(a, b, c, d) -> float:
    """_crcchi2: Pearson's χ² without continuity correction (missing with an empty margin)."""
    t = a + b + c + d
    if t == 0:
        return math.nan
    out = 0.0
    for x, r, k in ((a, a + b, a + c), (b, a + b, b + d), (c, c + d, a + c), (d, c + d, b + d)):
        e = div(r * k, t * t)
        out += div((x / t - e) ** 2, e)
    return t * out


def rate_difference(a, b, n1, n0, level: float, tb: bool = False) -> tuple[float, float, float]:
    """_crcird: (IRD, lower, upper)."""
    z = z_of(level)
    ird = div(a, n1) - div(b, n0)
    if tb:
        m1, t = a + b, n1 + n0
        x = div(a - div(n1 * m1, t), root(div(m1 * n1 * n0, t**2)))
        return ird, ird * (1 - div(z, x)), ird * (1 + div(z, x))
    se = root(div(a, n1**2) + div(b, n0**2))
    return ird, ird - z * se, ird + z * se


def rate_ratio(a, b, n1, n0, level: float, tb: bool = False) -> tuple[float, float, float, str]:
    """_crcirr: (IRR, lower, upper, label), exact from the binomial interval of a among the
    a+b cases (cii's exact interval) unless ``tb``."""
    m1 = a + b
    irr = div(div(a, n1), div(b, n0))
    if n1 == 0 or n0 == 0:
        return math.nan, math.nan, math.nan, ""
    if tb:
        z = z_of(level)
        t = n1 + n0
        x = div(a - div(n1 * m1, t), root(div(m1 * n1 * n0, t**2)))
        lo, hi = _tb(irr, z, x, True)
        return irr, lo, hi, "(tb)"
    if m1 == 0:
        return irr, math.nan, math.nan, "(exact)"
    half = (1 - level / 100) / 2
    plo = 0.0 if a == 0 else float(stats.beta.ppf(half, a, m1 - a + 1))
    phi = 1.0 if a == m1 else float(stats.beta.ppf(1 - half, a + 1, m1 - a))
    return irr, div(plo * n0, (1 - plo) * n1), div(phi * n0, (1 - phi) * n1), "(exact)"


def midp(a, b, n1, n0, irr: float) -> tuple[float, str]:
    """iri's one-sided mid-p value of a among the a+b cases, Binomial(a+b, n1/(n1+n0)), in
    the direction of the estimate: (p, ">=" or "<=")."""
    m1 = int(a + b)
    p = div(n1, n1 + n0)
    up = irr >= 1 or irr != irr  # Stata's missing is larger than any number
    if p != p:
        return math.nan, ">=" if up else "<="
    upper = float(stats.binom.sf(a - 1, m1, p))  # P(X >= a), Stata's Binomial(m1, a, p)
    at = float(stats.binom.pmf(a, m1, p))
    if up:
        return upper - at / 2, ">="
    return 1 - upper + at / 2, "<="
