"""The epitab commands for cohort, case–control, incidence-rate and matched case–control
2 × 2 tables and odds by level ([ST] epitab): ``csi``/``cs``, ``cci``/``cc``, ``iri``/``ir``,
``mcci``/``mcc`` and ``tabodds``, laid out as Stata's csi.ado, cci.ado, iri.ado, mcci.ado and
tabodds.ado (with their helper _crc4fld) print them, with the labels of Stata 17
(``[95% conf. interval]``). :mod:`bayes_magic.fit.epitab` has the statistics.

``cs``, ``cc`` and ``ir`` tabulate the data (frequency weights allowed) and print the
immediate command's table with the exposure's label over the columns, as cs.ado, cc.ado and
ir.ado do; with ``by()`` they give the stratified analysis of
:mod:`bayes_magic.commands.epitab_by`.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

from ..dataset.varnames import expand_terms
from ..errors import StataError
from ..fit import epitab as E
from ..report.format import abbrev, fmt_g
from ..report.output import Block, Output
from ..syntax.ast import Command, Varlist, Words
from .immediate import typed_numbers
from .registry import command
from .summarize import weights

__all__ = ["csi", "cci", "iri", "mcci", "tabodds", "cs", "cc", "ir", "mcc"]

_BAR = " " * 17 + "|" + " " * 24 + "|"
_BOTTOM = " " * 17 + "+" + "-" * 49


def _g(x: float) -> str:
    """%9.0g, right-aligned in nine columns; missing (nan or infinite) is "."."""
    return f"{fmt_g(x, 9) if x == x and math.isfinite(x) else '.':>9}"


def _fx(x: float, width: int, decimals: int) -> str:
    """%w.df, or "." right-aligned in its width when missing."""
    if x == x and math.isfinite(x):
        return f"{x:{width}.{decimals}f}"
    return f"{'.':>{width}}"


def _fourfold(
    a,
    b,
    c,
    d,
    stub1: str,
    row1: str,
    row2: str,
    *,
    total: bool = True,
    proportion: bool = False,
    stub2: str = "",
) -> list[str]:
    """_crc4fld: the header (``stub1``, the exposure's label, over the columns in pieces of
    23; ``stub2`` at the left of the column titles), the two rows and the total; with
    ``proportion`` cc's "Proportion Exposed" column. As Stata 17 prints it (a Stata 17 log of
    ``mcci``): the label centred over the columns, and the total column's rule as wide as
    the column (Stata 15's _crc4fld put the label flush left and drew the rule one wider)."""
    lines: list[str] = []
    pieces = textwrap.wrap(stub1, 23) if stub1 else []
    for i, s in enumerate(pieces):
        left = (24 - len(s)) // 2
        line = f"{'':17}|{' ' * left}{s}{' ' * (24 - left - len(s))}|"
        if proportion and i == len(pieces) - 1:
            line += " " * 13 + "Proportion"
        lines.append(line)
    if proportion and not pieces:
        lines.append(" " * 57 + "Proportion")
    head = f"{stub2:<17}|   Exposed   Unexposed  |      Total"
    rule = "-" * 17 + "+" + "-" * 24 + "+" + "-" * (24 if proportion else 11)

    def row(label: str, x: float, y: float) -> str:
        text = f"{label[:16]:>16} | {_g(x)}   {_g(y)}  |  {_g(x + y)}"
        return text + (f" {_fx(E.div(x, x + y), 12, 4)}" if proportion else "")

    lines += [head + ("     Exposed" if proportion else ""), rule]
    lines += [row(row1, a, b), row(row2, c, d), rule]
    if total:
        text = f"{'Total':>16} | {_g(a + c)}   {_g(b + d)}  |  {_g(a + b + c + d)}"
        lines.append(text + (f" {_fx(E.div(a + c, a + b + c + d), 12, 4)}" if proportion else ""))
    return lines


def _ci_head(level: float) -> list[str]:
    lev = f"{level:g}"
    spaces = {2: "    ", 4: "  "}.get(len(lev), " ")
    return [
        f"{'':17}|      Point estimate    |{spaces}[{lev}% conf. interval]",
        f"{'':17}|" + "-" * 24 + "+" + "-" * 24,
    ]


def _est(
    label: str, x: float, lo: float | None = None, hi: float | None = None, how: str = ""
) -> str:
    """A row of the estimates: the value from column 27, the interval after column 43."""
    left = f"{label:>16} | "
    left = f"{left:<26}{_g(x)}"
    left = f"{left:<42}|"
    if lo is None:
        return left
    return f"{left}   {_g(lo)}   {_g(hi)} {how}".rstrip()


def _fraction_rows(est: float, lo: float, hi: float, how: str, afp: float, attr: bool) -> list[str]:
    hdr = " Attr. frac." if attr else " Prev. frac."
    return [
        _est(f"{hdr} ex.", est, lo, hi, how),
        _est(f"{hdr} pop", afp),
    ]


def _tests(s, a, b, c, d, exact: bool) -> list[str]:
    """The χ² line, or with ``exact`` Fisher's one- and two-sided p-values (tabi's)."""
    from .tabulate_tests import fisher_exact

    if exact:
        p2, p1 = fisher_exact(np.array([[a, b], [c, d]], dtype=float))
        s.r.update(p1_exact=float(p1), p_exact=float(p2))
        return [
            _BOTTOM,
            f"{'':34}1-sided Fisher's exact P = {_fx(p1, 6, 4)}",
            f"{'':34}2-sided Fisher's exact P = {_fx(p2, 6, 4)}",
        ]
    chi2 = E.chi2_2x2(a, b, c, d)
    from scipy import stats

    p = float(stats.chi2.sf(chi2, 1)) if chi2 == chi2 else math.nan
    s.r.update(chi2=chi2, p=p)
    return [_BOTTOM, f"{'':31}chi2(1) = {_fx(chi2, 8, 2)}  Pr>chi2 = {_fx(p, 6, 4)}"]


def _level(cmd: Command) -> float:
    return float(cmd.option("level", 95))


def _cells(cmd: Command, n: int, integer: tuple[bool, ...]) -> list[float]:
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    if len(words) != n:
        raise StataError("invalid syntax", 198)
    vals = typed_numbers(words)
    for w, x, must in zip(words, vals, integer):
        if must and x != int(x):
            raise StataError(f"'{w}' found where integer expected", 7)
    if any(x < 0 for x in vals):
        raise StataError("negative numbers invalid", 498)
    return vals


# -- cohort ------------------------------------------------------------------------------------


def _cs_table(s, cmd: Command, a, b, c, d, stub1: str = "") -> list[Output]:
    level = _level(cmd)
    tb = cmd.has("tb")
    n1, n0, m1, t = a + c, b + d, a + b, a + b + c + d
    div = E.div
    lines = _fourfold(a, b, c, d, stub1, "Cases", "Noncases")
    risk = f"{'Risk':>16} | {_g(div(a, n1))}   {_g(div(b, n0))}  |  {_g(div(m1, t))}"
    lines += [_BAR, risk, _BAR]
    lines += _ci_head(level)
    s.r = {}
    rd, rd0, rd1 = E.risk_difference(a, b, c, d, level, tb)
    lines.append(_est("Risk difference", rd, rd0, rd1, "(tb)" if tb else ""))
    rr, rr0, rr1 = E.risk_ratio(a, b, c, d, level, tb)
    how = "(tb)" if tb else ""
    lines.append(_est("Risk ratio", rr, rr0, rr1, how))
    if rr >= 1:
        afe = 1.0 if (b == 0 and a > 0) else div(rr - 1, rr)
        afe0, afe1 = div(rr0 - 1, rr0), div(rr1 - 1, rr1)
        afp = div(a, m1) * afe
    else:  # a missing RR (Stata's ., larger than any number) takes the first branch there
        afe, afe0, afe1 = 1 - rr, 1 - rr1, 1 - rr0
        afp = div(n1, t) * afe
    lines += _fraction_rows(afe, afe0, afe1, how, afp, rr >= 1 or rr != rr)
    if cmd.has("or"):
        method = "woolf" if cmd.has("woolf") else "tb" if tb else "cornfield"
        r, r0, r1, label = E.odds_ratio(a, b, c, d, level, method)
        lines.append(_est("Odds ratio", r, r0, r1, label))
        s.r.update(**{"or": r, "lb_or": r0, "ub_or": r1})
    lines += _tests(s, a, b, c, d, cmd.has("exact"))
    s.r.update(
        rd=rd,
        lb_rd=rd0,
        ub_rd=rd1,
        rr=rr,
        lb_rr=rr0,
        ub_rr=rr1,
        afe=afe,
        lb_afe=afe0,
        ub_afe=afe1,
        afp=afp,
    )
    return [Block("\n".join(ln.rstrip() for ln in lines), kind="result")]


@command("csi")
def csi(s, cmd: Command) -> list[Output]:
    """``csi #a #b #c #d [, or woolf tb exact level(#)]``: exposed and unexposed cases, then
    exposed and unexposed noncases."""
    a, b, c, d = _cells(cmd, 4, (True,) * 4)
    return _cs_table(s, cmd, a, b, c, d)


# -- case-control ------------------------------------------------------------------------------


def _cc_table(s, cmd: Command, a, b, c, d, stub1: str = "") -> list[Output]:
    level = _level(cmd)
    m1 = a + b
    div = E.div
    methods = [m for m in ("woolf", "tb", "cornfield") if cmd.has(m)]
    if len(methods) > 1:
        raise StataError(f"options {methods[0]} and {methods[1]} may not be combined", 198)
    note = None
    if not methods and min(a, b, c, d) == 0:
        methods = ["cornfield"]
        note = " Note: Exact confidence levels not possible with zero count cells."
    lines = _fourfold(a, b, c, d, stub1, "Cases", "Controls", proportion=True)
    lines += [_BAR, *_ci_head(level)]
    s.r = {}
    r = div(a * d, b * c)
    if methods:
        r, r0, r1, how = E.odds_ratio(a, b, c, d, level, methods[0])
    else:
        r0, r1 = E.stata_exact_or_interval(a, b, c, d, level)
        how = "(exact)"
    lines.append(_est("Odds ratio", r, r0, r1, how))
    if r >= 1 or r != r:  # Stata's missing is larger than any number
        attr = True
        afe = 1.0 if (a > 0 and b > 0 and c == 0 and d > 0) else div(r - 1, r)
        afe0, afe1 = div(r0 - 1, r0), div(r1 - 1, r1)
        afp = div(a, m1) * afe
    else:
        attr = False
        afe, afe0, afe1 = 1 - r, 1 - r1, 1 - r0
        afp = div(div(a, m1) * afe, div(a, m1) * afe + r)
    lines += _fraction_rows(afe, afe0, afe1, how, afp, attr)
    lines += _tests(s, a, b, c, d, cmd.has("exact"))
    if note:
        lines += ["", note]
    s.r.update(**{"or": r}, lb_or=r0, ub_or=r1, afe=afe, lb_afe=afe0, ub_afe=afe1, afp=afp)
    return [Block("\n".join(ln.rstrip() for ln in lines), kind="result")]


@command("cci")
def cci(s, cmd: Command) -> list[Output]:
    """``cci #a #b #c #d [, exact cornfield woolf tb level(#)]``: exposed and unexposed cases,
    then exposed and unexposed controls; the odds ratio's interval is exact by default."""
    a, b, c, d = _cells(cmd, 4, (True,) * 4)
    return _cc_table(s, cmd, a, b, c, d)


# -- incidence rates ---------------------------------------------------------------------------


def _ir_table(
    s, cmd: Command, a, b, n1, n0, stub1: str = "", row1: str = "Cases", row2: str = "Person-time"
) -> list[Output]:
    level = _level(cmd)
    tb = cmd.has("tb")
    div = E.div
    lines = _fourfold(a, b, n1, n0, stub1, row1, row2, total=False)
    rates = (_g(div(a, n1)), _g(div(b, n0)), _g(div(a + b, n1 + n0)))
    rate = f"{'Incidence rate':>16} | {rates[0]}   {rates[1]}  |  {rates[2]}"
    lines += [_BAR, rate, _BAR, *_ci_head(level)]
    ird, ird0, ird1 = E.rate_difference(a, b, n1, n0, level, tb)
    lines.append(_est("Inc. rate diff.", ird, ird0, ird1, "(tb)" if tb else ""))
    irr, irr0, irr1, how = E.rate_ratio(a, b, n1, n0, level, tb)
    lines.append(_est("Inc. rate ratio", irr, irr0, irr1, how))
    aom1 = div(a, a + b)
    attr = irr >= 1 or irr != irr  # Stata's missing is larger than any number
    if attr:
        afe = 1.0 if (a > 0 and b == 0) else div(irr - 1, irr)
        afe0 = div(irr0 - 1, irr0)
        afe1 = 1.0 if (a > 0 and b == 0) else div(irr1 - 1, irr1)
        afp = aom1 * afe
    else:
        afe, afe0, afe1 = 1 - irr, 1 - irr1, 1 - irr0
        afp = 1.0 if irr == 0 else div(aom1 * (1 - irr), aom1 * (1 - irr) + irr)
    lines += _fraction_rows(afe, afe0, afe1, how, afp, attr)
    p, rel = E.midp(a, b, n1, n0, irr)
    k = f"{int(a)}"
    one = f"{'':21}(midp)   Pr(k{rel}{k}) ="
    two = f"{'':21}(midp) 2*Pr(k{rel}{k}) ="
    lines += [
        _BOTTOM,
        f"{one:<60}{_fx(p, 7, 4)} (exact)",
        f"{two:<60}{_fx(2 * p, 7, 4)} (exact)",
    ]
    s.r = {
        "ird": ird,
        "lb_ird": ird0,
        "ub_ird": ird1,
        "irr": irr,
        "lb_irr": irr0,
        "ub_irr": irr1,
        "p": p,
        "afe": afe,
        "lb_afe": afe0,
        "ub_afe": afe1,
        "afp": afp,
    }
    return [Block("\n".join(ln.rstrip() for ln in lines), kind="result")]


@command("iri")
def iri(s, cmd: Command) -> list[Output]:
    """``iri #a #b #N1 #N2 [, tb level(#)]``: exposed and unexposed cases, then their
    person-time."""
    a, b, n1, n0 = _cells(cmd, 4, (True, True, False, False))
    return _ir_table(s, cmd, a, b, n1, n0)


# -- matched case-control ----------------------------------------------------------------------


def _mcc_table(s, cmd: Command, a, b, c, d) -> list[Output]:
    """mcci.ado: pairs by the case's (rows) and the control's (columns) exposure; McNemar's
    χ² and its exact p-value, the proportions with the factor and their difference, ratio and
    relative difference (Wald intervals, the difference with a 1/n correction), and the
    matched odds ratio b/c with its exact (binomial) or test-based interval."""
    from scipy import stats

    level = _level(cmd)
    z = E.z_of(level)
    n = a + b + c + d
    div, root, expo, ln = E.div, E.root, E.expo, E.ln
    lines = _fourfold(a, b, c, d, "Controls", "Exposed", "Unexposed", stub2="Cases")
    den, low = b + c, min(b, c)
    # 2·(1 − Binomial(den, low+1, .5)): twice P(X ≤ low), Stata's Binomial() being P(X ≥ k)
    pval = 1.0 if low == den / 2 else 2 * float(stats.binom.cdf(low, den, 0.5))
    chi2 = div((b - c) ** 2, b + c)
    p_chi = float(stats.chi2.sf(chi2, 1)) if chi2 == chi2 else math.nan
    lines += [
        "",
        f"McNemar's chi2(1) = {_fx(chi2, 9, 2)}    Prob > chi2 = {_fx(p_chi, 6, 4)}",
        f"Exact McNemar significance probability       = {_fx(pval, 6, 4)}",
    ]
    p1, p2 = div(a + c, n), div(a + b, n)
    lev = f"{level:g}"
    spaces, width = {4: ("   ", 22), 5: ("  ", 23)}.get(len(lev), ("     ", 20))
    pd = div(b - c, n)
    sepd = div(root((a + d) * (b + c) + 4 * b * c), n * root(n))
    pd0, pd1 = pd - z * sepd - div(1, n), pd + z * sepd + div(1, n)
    pr = div(a + b, a + c)
    selnpr = root(div(b + c, (a + b) * (a + c)))
    pr0, pr1 = expo(ln(pr) - z * selnpr), expo(ln(pr) + z * selnpr)
    pe = div(b - c, b + d)
    sepe = div(root((b + c + d) * (b * c + b * d + c * d) - b * c * d), (b + d) ** 2)
    pe0, pe1 = pe - z * sepe, pe + z * sepe
    o = div(b, c)
    t = b + c
    if cmd.has("tb"):
        x = div(b - c, root(t))
        o0, o1 = E.power(o, 1 + div(z, x)), E.power(o, 1 - div(z, x))
        if o0 > o1:
            o0, o1 = o1, o0
        note = "(tb)"
    else:
        half = (1 - level / 100) / 2
        lo = math.nan if t == 0 else 0.0 if b == 0 else float(stats.beta.ppf(half, b, t - b + 1))
        hi = (
            math.nan if t == 0 else 1.0 if b == t else float(stats.beta.ppf(1 - half, b + 1, t - b))
        )
        o0, o1 = div(lo, 1 - lo), div(hi, 1 - hi)
        note = "(exact)"
    lines += [
        "",
        "Proportion with factor",
        f"{'':8}Cases      {_g(p2)}",
        f"{'':8}Controls   {_g(p1)}{spaces}[{lev}% conf. interval]",
        f"{'':19}{'-' * 9}{spaces}{'-' * width}",
        f"{'':8}difference {_g(pd)}     {_g(pd0)}  {_g(pd1)}",
        f"{'':8}ratio      {_g(pr)}     {_g(pr0)}  {_g(pr1)}",
        f"{'':8}rel. diff. {_g(pe)}     {_g(pe0)}  {_g(pe1)}",
        "",
        f"{'':8}odds ratio {_g(o)}     {_g(o0)}  {_g(o1)}   {note}",
    ]
    s.r = {
        "chi2": chi2,
        "or": o,
        "lb_or": o0,
        "ub_or": o1,
        "D_f": pd,
        "lb_D_f": pd0,
        "ub_D_f": pd1,
        "R_f": pr,
        "lb_R_f": pr0,
        "ub_R_f": pr1,
        "RD_f": pe,
        "lb_RD_f": pe0,
        "ub_RD_f": pe1,
        "p_exact": pval,
    }
    return [Block("\n".join(ln.rstrip() for ln in lines), kind="result")]


@command("mcci")
def mcci(s, cmd: Command) -> list[Output]:
    """``mcci #a #b #c #d [, tb level(#)]``: pairs with the case and the control exposed,
    the case only, the control only, neither."""
    a, b, c, d = _cells(cmd, 4, (True,) * 4)
    return _mcc_table(s, cmd, a, b, c, d)


@command("mcc")
def mcc(s, cmd: Command) -> list[Output]:
    """``mcc exposed_case exposed_control [if] [in] [fweight] [, tb level(#)]``: one
    observation per matched pair."""
    names = _vars(s, cmd, 2)
    w, cols, _touse = _weighted(s, cmd, names)
    for v, x in zip(names, cols):
        _binary(v, x)
    ec, eo = cols[0] == 1, cols[1] == 1
    a, b = float(w[ec & eo].sum()), float(w[ec & ~eo].sum())
    c, d = float(w[~ec & eo].sum()), float(w[~ec & ~eo].sum())
    return _mcc_table(s, cmd, a, b, c, d)


# -- odds by level -----------------------------------------------------------------------------


@command("tabodds")
def tabodds(s, cmd: Command) -> list[Output]:
    """``tabodds case [expvar] [if] [in] [fweight] [, level(#)]`` (tabodds.ado): the odds of
    a case at each level of ``expvar`` (cases and controls, with their interval
    exp(± z·sqrt(1/d + 1/h))), the test that the odds are equal and the score test for a
    trend of the odds over the levels' values."""
    from scipy import stats

    for o in ("or", "adjust", "base", "binomial", "cornfield", "woolf", "tb", "graph", "ciplot"):
        if cmd.has(o):
            shown = f"{o}()" if o in ("adjust", "base", "binomial") else o
            raise StataError(f"option {shown} of tabodds is not available in bayes_magic yet", 198)
    names = expand_terms(s.data, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    if not 1 <= len(names) <= 2:
        raise StataError(
            "too many variables specified" if names else "varlist required", 103 if names else 100
        )
    for v in names:
        if s.data.is_string(v):
            raise StataError(f"nonnumeric variable {v} not allowed", 198)
    w, cols, _touse = _weighted(s, cmd, names)
    y = cols[0]
    if not np.isin(y, (0.0, 1.0)).all():
        raise StataError(f"response {names[0]} not coded 0/1", 198)
    x = cols[1] if len(names) == 2 else np.ones_like(y)
    level = _level(cmd)
    z = E.z_of(level)
    values = np.unique(x)
    d = np.array([w[(x == v) & (y == 1)].sum() for v in values])
    h = np.array([w[(x == v) & (y == 0)].sum() for v in values])
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = d / h
        efac = np.exp(z * np.sqrt(1 / d + 1 / h))
    lo, hi = odds / efac, odds * efac
    lev = f"{level:g}"
    spaces = {4: "    ", 5: "   "}.get(len(lev), "      ")
    head = f"controls       odds{spaces}[{lev}% conf. interval]"
    lines: list[str] = []

    def cells(i: int) -> str:
        return f"{_g(d[i])}    {_g(h[i])}  {odds[i]:9.5f}      {lo[i]:9.5f} {hi[i]:9.5f}"

    if len(names) == 2:
        inf = s.data.info[names[1]]
        labels = s.data.value_labels.get(inf.vlabel, {}) if inf.vlabel else {}
        lines += [
            "-" * 74,
            f"{abbrev(names[1], 9):>10}  |      cases     {head}",
            "-" * 12 + "+" + "-" * 61,
        ]
        for i, v in enumerate(values):
            lab = labels.get(int(v)) if v == int(v) else None
            text = abbrev(lab, 9) if lab is not None else _g(v)
            lines.append(f"{text:>11} |  {cells(i)}")
        lines.append("-" * 74)
    else:
        lines += ["   " + "-" * 61, f" {'':8}cases     {head}", "   " + "-" * 61]
        lines += [f"     {cells(0)}", "   " + "-" * 61]
        s.r = {"odds": float(odds[0]), "lb_odds": float(lo[0]), "ub_odds": float(hi[0])}
        return [Block("\n".join(ln.rstrip() for ln in lines), kind="result")]
    n = d + h
    nd, nh = d.sum(), h.sum()
    nt = nd + nh
    md, mh = float((values * d).sum() / nd), float((values * h).sum() / nh)
    mean_n = float((values * n).sum() / nt)
    var_n = float((n * (values - mean_n) ** 2).sum() / (nt - 1))
    v = var_n * nt / (nd * nh)
    chitr = (md - mh) ** 2 / v if v > 0 else math.nan
    e = nd * n / nt
    het = float(((d - e) ** 2 / n).sum() * nt * (nt - 1) / (nd * nh))
    df = len(values) - 1
    p_hom = float(stats.chi2.sf(het, df)) if df > 0 else math.nan
    p_tr = float(stats.chi2.sf(chitr, 1)) if chitr == chitr else math.nan
    lines += [
        f"Test of homogeneity (equal odds): chi2({df})  = {het:8.2f}",
        f"{'':{34 if df < 10 else 35}}Pr>chi2  = {p_hom:8.4f}",
        "",
        f"Score test for trend of odds:     chi2(1)  = {chitr:8.2f}",
        f"{'':34}Pr>chi2  = {p_tr:8.4f}",
    ]
    s.r = {
        "p_hom": p_hom,
        "df_hom": float(df),
        "chi2_hom": het,
        "p_trend": p_tr,
        "chi2_tr": chitr,
    }
    return [Block("\n".join(ln.rstrip() for ln in lines), kind="result")]


# -- the data forms ----------------------------------------------------------------------------


#: the options of cs, cc and ir that belong to a by() analysis
_BY_ONLY = ("estandard", "istandard", "standard", "pool", "nocrude", "nohom", "rd", "ird")
_BY_ONLY += ("bd", "tarone", "fast")


#: the by() options each of cs, cc and ir takes (the grammar reads them all)
_OWN_BY = {
    "cs": ("estandard", "istandard", "standard", "pool", "nocrude", "nohom", "rd", "fast"),
    "cc": ("estandard", "istandard", "standard", "pool", "nocrude", "nohom", "bd", "tarone"),
    "ir": ("estandard", "istandard", "standard", "pool", "nocrude", "nohom", "ird", "fast"),
}


def _vars(s, cmd: Command, k: int, kind: str = "") -> list[str]:
    names = expand_terms(s.data, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    if len(names) < k:
        raise StataError("too few variables specified", 102)
    if len(names) > k:
        raise StataError("too many variables specified", 103)
    for v in names:
        if s.data.is_string(v):
            raise StataError(f"{v}: string variables not allowed", 109)
    if cmd.has("binomial"):
        raise StataError("option binomial() is not available in bayes_magic yet", 198)
    own = _OWN_BY.get(kind, ())
    for o in _BY_ONLY:
        if cmd.has(o) and kind and o not in (*own, "fast"):
            shown = f"{o}()" if o == "standard" else o
            raise StataError(f"option {shown} not allowed", 198)
    if not cmd.has("by"):
        for o in _BY_ONLY:
            if cmd.has(o) and o not in ("fast",):
                raise StataError("missing by() option", 198)
    return names


def _weighted(s, cmd: Command, names: list[str]):
    """The frequency weights and the variables over the observations used (none missing),
    and those observations."""
    touse = s.touse(cmd)
    cols = [np.asarray(s.data.values(v), dtype=float) for v in names]
    for x in cols:
        touse &= ~np.isnan(x)
    w, touse = weights(s, cmd, touse)
    if not touse.any():
        raise StataError("no observations", 2000)
    w = np.ones(s.data.nobs) if w is None else np.asarray(w, dtype=float)
    return w[touse], [x[touse] for x in cols], touse


def _binary(v: str, x: np.ndarray) -> np.ndarray:
    if not np.isin(x, (0.0, 1.0)).all():
        raise StataError(f"{v} must be 0 or 1", 450)
    return x == 1


def _label(s, v: str) -> str:
    return s.data.info[v].label or v


def _data_form(s, cmd: Command, kind: str) -> list[Output]:
    """cs, cc (case and exposure 0/1) and ir (cases, exposure 0/1 and person-time)."""
    names = _vars(s, cmd, 3 if kind == "ir" else 2, kind)
    w, cols, touse = _weighted(s, cmd, names)
    if kind == "ir":
        if np.any(cols[0] < 0) or np.any(cols[2] < 0):
            raise StataError(f"{names[0]} or {names[2]} takes on negative values", 499)
        _binary(names[1], cols[1])
    else:
        for v, x in zip(names, cols):
            _binary(v, x)
    if cmd.has("by"):
        from .epitab_by import stratified

        return stratified(s, cmd, kind, w, cols, touse)
    if kind == "ir":
        case, exp, time = cols
        e = exp == 1
        a, b = (float(np.floor((w * case)[m].sum() + 0.5)) for m in (e, ~e))
        n1, n0 = float((w * time)[e].sum()), float((w * time)[~e].sum())
        labels = [_label(s, v) for v in names]
        return _ir_table(s, cmd, a, b, n1, n0, labels[1], labels[0], labels[2])
    y, e = cols[0] == 1, cols[1] == 1
    a, b = float(w[y & e].sum()), float(w[y & ~e].sum())
    c, d = float(w[~y & e].sum()), float(w[~y & ~e].sum())
    table = _cs_table if kind == "cs" else _cc_table
    return table(s, cmd, a, b, c, d, _label(s, names[1]))


@command("cs")
def cs(s, cmd: Command) -> list[Output]:
    """``cs case exposed [if] [in] [fweight] [, by(varname[, missing]) or woolf tb exact
    estandard istandard standard(var) pool nocrude nohom rd fast level(#)]``."""
    if cmd.has("woolf") and not cmd.has("or"):
        raise StataError("woolf option only valid with OR", 198)
    return _data_form(s, cmd, "cs")


@command("cc")
def cc(s, cmd: Command) -> list[Output]:
    """``cc case exposed [if] [in] [fweight] [, by(varname[, missing]) exact cornfield woolf
    tb bd tarone estandard istandard standard(var) pool nocrude nohom fast level(#)]``."""
    return _data_form(s, cmd, "cc")


@command("ir")
def ir(s, cmd: Command) -> list[Output]:
    """``ir case exposed time [if] [in] [fweight] [, by(varname[, missing]) tb estandard
    istandard standard(var) ird pool nocrude nohom fast level(#)]``: the cases are counted
    and the person-time summed over the exposed and the unexposed."""
    return _data_form(s, cmd, "ir")
