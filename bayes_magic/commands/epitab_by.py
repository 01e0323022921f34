"""``cs``, ``cc`` and ``ir`` with ``by()``: stratum-specific estimates, the crude one, and the
Mantel–Haenszel combined estimate (or a standardized one) with its test of homogeneity, as
Stata's cs.ado, cc.ado and ir.ado compute and print them ([ST] epitab, Methods and formulas).

* cs (risk ratio; ``or`` odds ratio; ``rd`` with standardization): M-H weights b·n1/t, the
  Greenland–Robins variance of ln RR_MH; homogeneity Σ (ln RRᵢ − ln RR_MH)²/var(ln RRᵢ).
* cc (odds ratio): M-H weights b·c/t, the Robins–Breslow–Greenland variance, the M-H χ² that
  the combined OR is 1, homogeneity by the same sum (and ``bd`` Breslow–Day, ``tarone``).
* ir (rate ratio; ``ird`` with standardization): M-H weights b·n1/T and Greenland–Robins'
  variance; the strata's intervals exact.
* ``pool``: the directly pooled (inverse-variance) estimate and its homogeneity test;
  ``estandard``, ``istandard``, ``standard(var)``: standardized estimates.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..dataset.varnames import resolve
from ..errors import StataError
from ..fit import epitab as E
from ..fit.epitab import div, expo, ln, root
from ..report.format import abbrev
from ..report.output import Block, Output
from ..syntax.ast import Command
from .epitab import _fx, _g

__all__ = ["stratified"]

_RULE = "-" * 17 + "+" + "-" * 49
_NAN = math.nan


def _chi_p(x: float, df: int) -> float:
    return float(stats.chi2.sf(x, df)) if x == x and df > 0 else _NAN


def _by_spec(s, cmd: Command, kind: str) -> tuple[str, bool]:
    """``by(varname [, missing])``: the variable and whether missing values form a stratum."""
    raw = str(cmd.option("by") or "").strip()
    text, _, opts = raw.partition(",")
    words = text.split()
    if not words:
        raise StataError("by() requires a variable", 198)
    if len(words) > 1:
        if kind == "cs":  # cs.ado combines them into one; cc.ado and ir.ado refuse (r(103))
            raise StataError(
                "by() with several variables is not available in bayes_magic's cs yet", 198
            )
        raise StataError("too many variables specified", 103)
    missing = opts.strip().lower()
    if missing and not "missing".startswith(missing):
        raise StataError(f"by(): {opts.strip()} invalid", 198)
    return resolve(s.data, words[0]), bool(missing)


def _strata(s, by: str, missing: bool, touse: np.ndarray):
    """The strata in order, each (label, mask): the values, and one stratum of the missing
    ones last with ``missing``. A value's label is its value label, as decode gives it (blank
    for a value the label leaves out), or the value itself when the variable has none."""
    v = s.data.values(by)
    is_str = v.dtype == object
    miss = (v == "") if is_str else np.isnan(np.asarray(v, dtype=float))
    use = touse if missing else touse & ~miss
    if not use.any():
        raise StataError("no observations", 2000)
    inf = s.data.info[by]
    labelled = bool(inf.vlabel) and inf.vlabel in s.data.value_labels
    labels = s.data.value_labels.get(inf.vlabel, {}) if labelled else {}
    out = []
    for lv in sorted(set(v[use & ~miss].tolist())):
        mask = use & (v == lv)
        if is_str:
            text = str(lv)
        elif labelled:
            text = labels.get(int(lv), "") if lv == int(lv) else ""
        else:
            text = format(lv, ".15g")
        out.append((text, mask))
    if (use & miss).any():
        out.append(("" if is_str else ".", use & miss))
    return out


def _stub(s, by: str, kind: str) -> str:
    lbl = s.data.info[by].label
    if lbl:
        return lbl[:16]
    return by if kind == "cs" else abbrev(by, 12)


def _standard_weights(s, cmd: Command, strata, by: str) -> np.ndarray | None:
    if not cmd.has("standard"):
        return None
    name = resolve(s.data, str(cmd.option("standard")).strip())
    x = np.asarray(s.data.values(name), dtype=float)
    out = []
    for _lab, mask in strata:
        vals = x[mask]
        if np.any(vals < 0):
            raise StataError(f"{name} has negative values", 498)
        if np.any(vals != vals[0]):
            raise StataError(f"{name} not constant within {by}", 198)
        out.append(vals[0])
    return np.array(out)


def _std_flag(cmd: Command) -> str:
    flags = [o for o in ("estandard", "istandard", "standard") if cmd.has(o)]
    if len(flags) > 1:
        raise StataError("only one method of standardization may be specified", 198)
    return flags[0] if flags else ""


def _header(stub: str, what: str, col: int, level: float, std: str) -> list[str]:
    lev = f"{level:g}"
    head = f"{stub:>16} |"
    head = f"{head:<{col - 1}}{what}"
    weight = f"{'M-H' if not std else '   '} Weight"
    return [f"{head:<{36 - len(lev)}}[{lev}% conf. interval]   {weight}", _RULE]


def _row(label: str, est, lo, hi, wgt=None, how: str = "", wide: bool = True) -> str:
    """A stratum's (or the summaries') row: cs.ado puts three spaces after the bar and four
    before the lower end, cc.ado and ir.ado two and five."""
    gap = ("   ", "    ") if wide else ("  ", "     ")
    text = f"{label[:16]:>16} |{gap[0]}{_g(est)}{gap[1]}{_g(lo)}  {_g(hi)}"
    if wgt is not None:
        return f"{text}    {_g(wgt)} {how}".rstrip()
    return text


def _with_type(text: str, how: str) -> str:
    return f"{text:<68}{how}".rstrip() if how else text


def _hom_sum(est: list[float], var: list[float], center: float, log: bool) -> tuple[float, int]:
    """Σ (estᵢ − center)²/varᵢ as Stata's sum() adds it (a missing term adds nothing), and the
    strata with an estimate, less one."""
    total = 0.0
    for e, v in zip(est, var):
        d = (ln(e) - ln(center)) if log else (e - center)
        term = div(d * d, v)
        if term == term:
            total += term
    return total, sum(1 for e in est if e == e) - 1


def _stratum_cells(kind: str, strata, w, cols, touse):
    """(label, a, b, c, d) per stratum; for ir (label, a, b, n1, n0) with the cases rounded
    as ir.ado rounds their sums."""
    out = []
    for label, mask in strata:
        m = mask[touse]  # the stratum among the observations w and cols hold
        ww = w[m]
        if kind == "ir":
            case, exp, time = (c[m] for c in cols)
            e = exp == 1
            a = float(np.floor((ww * case)[e].sum() + 0.5))
            b = float(np.floor((ww * case)[~e].sum() + 0.5))
            out.append((label, a, b, float((ww * time)[e].sum()), float((ww * time)[~e].sum())))
            continue
        y, e = (c[m] == 1 for c in cols)
        out.append(
            (
                label,
                float(ww[y & e].sum()),
                float(ww[y & ~e].sum()),
                float(ww[~y & e].sum()),
                float(ww[~y & ~e].sum()),
            )
        )
    return out


class _Acc(dict):
    """Running sums as Stata's locals keep them: a missing term makes the sum missing."""

    def add(self, key: str, x: float) -> None:
        self[key] = self.get(key, 0.0) + x


def _cs(cells, cmd, typ: str, std: str, std_w, level: float):
    """cs.ado's loop: each stratum's estimate, interval and weight, and the sums behind the
    combined estimate. Returns rows, estimates, variances, the combined (est, lo, hi, note),
    the M-H χ² (OR) and the pooled sums (pnum, pden)."""
    z, tb = E.z_of(level), cmd.has("tb")
    acc, rows, est_i, var_i = _Acc(), [], [], []
    pnum = pden = 0.0
    for k, (label, a, b, c, d) in enumerate(cells):
        n1, n0, m1, m0 = a + c, b + d, a + b, c + d
        t = n1 + n0
        how = ""
        if not std:
            if typ == "OR":
                wgt = div(b * c, t)
                P, Q, R, S = div(a + d, t), div(b + c, t), div(a * d, t), div(b * c, t)
                for key, x in (("PR", P * R), ("R", R), ("PSQR", P * S + Q * R), ("S", S)):
                    acc.add(key, x)
                acc.add("QS", Q * S)
                acc.add("Xnum", a - div(n1 * m1, t))
                acc.add("Xden", div(n1 * n0 * m1 * m0, t * t * (t - 1)))
                acc.add("num", div(a * d, t))
                if cmd.has("fast"):
                    lo = hi = _NAN
                else:
                    method = "woolf" if cmd.has("woolf") else "tb" if tb else "cornfield"
                    _r, lo, hi, how = E.odds_ratio(a, b, c, d, level, method)
                est = div(a * d, b * c)
                v = div(1, a) + div(1, b) + div(1, c) + div(1, d)
            else:
                wgt = div(b * n1, t)
                est, lo, hi = E.risk_ratio(a, b, c, d, level, tb)
                how = "(tb)" if tb else ""
                acc.add("S1", div(m1 * n1 * n0 - a * b * t, t * t))
                acc.add("S2", div(a * n0, t))
                acc.add("num", div(a * n0, t))
                v = div(c, a * n1) + div(d, b * n0)
        else:
            wgt = {"estandard": n0, "istandard": n1}.get(std, std_w[k] if std_w is not None else 0)
            r1, r0 = div(a, n1), div(b, n0)
            v1, v0 = div(a * c, n1**3), div(b * d, n0**3)
            if typ == "RR":
                est, lo, hi = E.risk_ratio(a, b, c, d, level, tb)
                acc.add("Xnum", wgt * r1)
                acc.add("Xden", wgt * r0)
                acc.add("PR", wgt**2 * v1)
                acc.add("R", wgt**2 * v0)
                v = div(c, a * n1) + div(d, b * n0)
            else:
                est, lo, hi = E.risk_difference(a, b, c, d, level, tb)
                acc.add("num", wgt * est)
                acc.add("Xnum", wgt**2 * (v0 + v1))
                v = v1 + v0
            how = "(tb)" if tb else ""
        acc.add("wgt", wgt)
        est_i.append(est)
        var_i.append(v)
        q = div(est if typ == "RD" else ln(est), v)
        if q == q:  # cs.ado adds a stratum to the direct pool only where it is defined
            pnum += q
            pden += div(1, v)
        rows.append(_row(label, est, lo, hi, wgt, how, wide=True))
    x2 = _NAN
    note = ""
    if not std:
        comb = div(acc["num"], acc["wgt"])
        if typ == "OR":
            se = root(
                div(acc["PR"], 2 * acc["R"] ** 2)
                + div(acc["PSQR"], 2 * acc["R"] * acc["S"])
                + div(acc["QS"], 2 * acc["S"] ** 2)
            )
            x2 = div(acc["Xnum"] ** 2, acc["Xden"])
            if tb:
                x = div(acc["Xnum"], root(acc["Xden"]))
                lo, hi = E.power(comb, 1 - div(z, x)), E.power(comb, 1 + div(z, x))
                note = "(tb)"
            else:
                lo, hi = expo(ln(comb) - z * se), expo(ln(comb) + z * se)
        else:
            se = root(div(acc["S1"], acc["S2"] * acc["wgt"]))
            lo, hi = expo(ln(comb) - z * se), expo(ln(comb) + z * se)
    elif typ == "RR":
        comb = div(acc["Xnum"], acc["Xden"])
        se = root(div(acc["PR"], acc["Xnum"] ** 2) + div(acc["R"], acc["Xden"] ** 2))
        lo, hi = expo(ln(comb) - z * se), expo(ln(comb) + z * se)
    else:
        comb = div(acc["num"], acc["wgt"])
        se = root(div(acc["Xnum"], acc["wgt"] ** 2))
        lo, hi = comb - z * se, comb + z * se
    return rows, est_i, var_i, (comb, lo, hi, note), x2, (pnum, pden)


def _cc(cells, cmd, std: str, std_w, level: float):
    """cc.ado's loop (see :func:`_cs`); also whether a stratum's OR is 0 or missing, which
    suppresses the homogeneity tests but Tarone's."""
    z, tb = E.z_of(level), cmd.has("tb")
    acc, rows, est_i, var_i = _Acc(), [], [], []
    pnum = pden = 0.0
    suphom = False
    chosen = next((m for m in ("woolf", "tb", "cornfield") if cmd.has(m)), None)
    for k, (label, a, b, c, d) in enumerate(cells):
        n1, n0, m1, m0 = a + c, b + d, a + b, c + d
        t = n1 + n0
        est = div(a * d, b * c)
        suphom = suphom or est == 0 or est != est
        if not std:
            wgt = div(b * c, t)
            acc.add("num", div(a * d, t))
            P, Q, R, S = div(a + d, t), div(b + c, t), div(a * d, t), div(b * c, t)
            for key, x in (("PR", P * R), ("R", R), ("PSQR", P * S + Q * R), ("S", S)):
                acc.add(key, x)
            acc.add("QS", Q * S)
            acc.add("Xnum", a - div(n1 * m1, t))
            acc.add("Xden", div(n1 * n0 * m1 * m0, t * t * (t - 1)))
            acc.add("wgt", wgt)
        else:
            wgt = {"istandard": c, "estandard": d}.get(std, std_w[k] if std_w is not None else 0)
            waoc = div(wgt * a, c)
            acc.add("wgt", waoc)
            acc.add("num", div(wgt * b, d))
            acc.add("R", waoc**2 * (div(1, a) + div(1, b) + div(1, c) + div(1, d)))
        if cmd.has("fast"):
            lo = hi = _NAN
            how = ""
        elif chosen is None:  # cci's interval (Cornfield's when a cell is 0), labelled exact
            if min(a, b, c, d) > 0:
                lo, hi = E.stata_exact_or_interval(a, b, c, d, level)
            else:
                _r, lo, hi, _h = E.odds_ratio(a, b, c, d, level, "cornfield")
            how = "(exact)"
        else:
            _r, lo, hi, how = E.odds_ratio(a, b, c, d, level, chosen)
        v = div(1, a) + div(1, b) + div(1, c) + div(1, d)
        est_i.append(est)
        var_i.append(v)
        pnum += div(ln(est), v)  # cc.ado pools without a guard: one bad stratum, no pool
        pden += div(1, v)
        rows.append(_row(label, est, lo, hi, wgt, how, wide=False))
    x2, note = _NAN, ""
    if not std:
        comb = div(acc["num"], acc["wgt"])
        se = root(
            div(acc["PR"], 2 * acc["R"] ** 2)
            + div(acc["PSQR"], 2 * acc["R"] * acc["S"])
            + div(acc["QS"], 2 * acc["S"] ** 2)
        )
        if tb:
            x = div(acc["Xnum"], root(acc["Xden"]))
            lo, hi = E.power(comb, 1 - div(z, x)), E.power(comb, 1 + div(z, x))
            if lo > hi:
                lo, hi = hi, lo
            note = "(tb)"
        else:
            lo, hi = expo(ln(comb) - z * se), expo(ln(comb) + z * se)
        x2 = div(acc["Xnum"] ** 2, acc["Xden"])
    else:
        comb = div(acc["wgt"], acc["num"])
        se = div(root(acc["R"]), acc["wgt"])
        lo, hi = expo(ln(comb) - z * se), expo(ln(comb) + z * se)
    return rows, est_i, var_i, (comb, lo, hi, note), x2, (pnum, pden), suphom


def _ir(cells, cmd, typ: str, std: str, std_w, level: float):
    """ir.ado's loop (see :func:`_cs`)."""
    z, tb = E.z_of(level), cmd.has("tb")
    acc, rows, est_i, var_i = _Acc(), [], [], []
    pnum = pden = 0.0
    for k, (label, a, b, n1, n0) in enumerate(cells):
        t = n1 + n0
        if not std:
            wgt = div(b * n1, t)
            est = div(div(a, n1), div(b, n0))
            acc.add("num", div(a * n0, t))
            acc.add("V1", div((a + b) * n1 * n0, t * t))
            acc.add("V2", div(a * n0, t))
            acc.add("V3", div(b * n1, t))
        else:
            wgt = {"estandard": n0, "istandard": n1}.get(std, std_w[k] if std_w is not None else 0)
            if typ == "IRD":
                est = div(a, n1) - div(b, n0)
                acc.add("num", wgt * est)
                acc.add("V1", wgt**2 * (div(a, n1**2) + div(b, n0**2)))
            else:
                est = div(div(a, n1), div(b, n0))
                acc.add("V1", wgt**2 * div(a, n1**2))
                acc.add("V2", wgt * div(a, n1))
                acc.add("V3", wgt**2 * div(b, n0**2))
                acc.add("V4", wgt * div(b, n0))
        acc.add("wgt", wgt)
        if typ == "IRD":
            v = div(a, n1**2) + div(b, n0**2)
            pw = div(1, v)
            pnum += pw * est
        else:
            v = div(1, a) + div(1, b)
            pw = div(a * b, a + b)
            pnum += pw * ln(est)  # ir.ado pools without a guard
        pden += pw
        if cmd.has("fast"):
            lo = hi = _NAN
            how = ""
        elif typ == "IRD":
            _e, lo, hi = E.rate_difference(a, b, n1, n0, level, tb)
            how = "(tb)" if tb else ""
        else:
            _e, lo, hi, how = E.rate_ratio(a, b, n1, n0, level, tb)
        est_i.append(est)
        var_i.append(v)
        rows.append(_row(label, est, lo, hi, wgt, how, wide=False))
    if not std:
        comb = div(acc["num"], acc["wgt"])
        sd = root(div(acc["V1"], acc["V2"] * acc["V3"]))
        lo, hi = expo(ln(comb) - z * sd), expo(ln(comb) + z * sd)
    elif typ == "IRD":
        comb = div(acc["num"], acc["wgt"])
        sd = root(div(acc["V1"], acc["wgt"] ** 2))
        lo, hi = comb - z * sd, comb + z * sd
    else:
        comb = div(acc["V2"], acc["V4"])
        sd = root(div(acc["V1"], acc["V2"] ** 2) + div(acc["V3"], acc["V4"] ** 2))
        lo, hi = expo(ln(comb) - z * sd), expo(ln(comb) + z * sd)
    return rows, est_i, var_i, (comb, lo, hi, ""), _NAN, (pnum, pden)


def _crude(cmd, kind: str, typ: str, cells, level: float):
    """The command without by() over the same observations: (est, lo, hi) and its label as
    the by() table prints it (cs.ado none, cc.ado the interval's method, ir.ado exact)."""
    tb = cmd.has("tb")
    tot = [sum(c[i] for c in cells) for i in range(1, 5)]
    if kind == "ir":
        if typ == "IRD":
            return E.rate_difference(*tot, level, tb), "(tb)" if tb else ""
        return E.rate_ratio(*tot, level, tb)[:3], "(tb)" if tb else "(exact)"
    if kind == "cc":
        a, b, c, d = tot
        chosen = next((m for m in ("woolf", "tb", "cornfield") if cmd.has(m)), None)
        if chosen is None and min(tot) > 0:
            return (div(a * d, b * c), *E.stata_exact_or_interval(a, b, c, d, level)), "(exact)"
        r, lo, hi, how = E.odds_ratio(a, b, c, d, level, chosen or "cornfield")
        return (r, lo, hi), "(exact)" if chosen is None else how
    if typ == "OR":
        method = "woolf" if cmd.has("woolf") else "tb" if tb else "cornfield"
        return E.odds_ratio(*tot, level, method)[:3], ""
    if typ == "RD":
        return E.risk_difference(*tot, level, tb), ""
    return E.risk_ratio(*tot, level, tb), ""


def _hom_line(kind: str, paren: str, df: int, chi: float) -> str:
    p = _chi_p(chi, df)
    if kind == "ir":
        tag = f"({paren})".ljust(9)
        return f" Test of homogeneity {tag}chi2({df}) = {_fx(chi, 9, 2)}  Pr>chi2 = {_fx(p, 6, 4)}"
    left = f"Test of homogeneity ({paren})"
    if kind == "cs":
        return f"{left:<31}chi2({df}) ={_fx(chi, 9, 3)}  Pr>chi2 = {_fx(p, 6, 4)}"
    return f"{left:<31}chi2({df}) = {_fx(chi, 8, 2)}  Pr>chi2 = {_fx(p, 6, 4)}"


def _breslow_day(cells, or_mh: float) -> tuple[float, float, int]:
    """cc.ado's HOMOBD1: Breslow–Day's statistic at the M-H odds ratio, summed over the
    strata where it is defined, Tarone's correction, and the number of strata (HOMOBD1
    counts every stratum: its running total is never missing)."""
    test = suma = sumamh = sumvar = 0.0
    for _label, a0, b0, c0, d0 in cells:
        n1, n0, m1 = a0 + b0, c0 + d0, a0 + c0  # HOMOBD's margins (its own naming)
        qa = 1 - or_mh
        qb = n0 - m1 + m1 * or_mh + n1 * or_mh
        qc = -or_mh * n1 * m1
        disc = root(qb * qb - 4 * qa * qc)
        r1, r2 = div(-qb + disc, 2 * qa), div(-qb - disc, 2 * qa)
        amh = r1 if (r1 <= n1 and r1 <= m1 and r1 >= 0) else r2
        var = div(1, div(1, amh) + div(1, n1 - amh) + div(1, m1 - amh) + div(1, n0 - m1 + amh))
        homo = div((a0 - amh) ** 2, var)
        if homo == homo:
            test += homo
        if amh == amh:
            sumamh += amh
        suma += a0
        if var == var:
            sumvar += var
    tarone = test - div((suma - sumamh) ** 2, sumvar)
    return test, tarone, len(cells)


def stratified(s, cmd: Command, kind: str, w, cols, touse) -> list[Output]:
    """The by() analysis of ``cs`` (kind "cs"), ``cc`` or ``ir`` over the used observations."""
    level = float(cmd.option("level", 95))
    z = E.z_of(level)
    by, missing = _by_spec(s, cmd, kind)
    strata = _strata(s, by, missing, touse)
    std = _std_flag(cmd)
    std_w = _standard_weights(s, cmd, strata, by)
    typ = {"cs": "OR" if cmd.has("or") else ("RD" if cmd.has("rd") else "RR"), "cc": "OR"}
    typ = typ.get(kind, "IRD" if cmd.has("ird") else "IRR")
    if typ in ("RD", "IRD") and not std:
        what = "rd" if typ == "RD" else "ird"
        raise StataError(
            f"{what} may be used only with one of estandard, istandard, or standard()", 198
        )
    if kind == "cs" and typ == "OR" and std:
        raise StataError("or may not be combined with standardization", 198)
    cells = _stratum_cells(kind, strata, w, cols, touse)
    lines = _header(_stub(s, by, kind), typ, 25 if kind == "ir" else 26, level, std)
    wide = kind == "cs"
    s.r = {}
    suphom = False
    if kind == "cs":
        rows, est, var, comb, x2, (pnum, pden) = _cs(cells, cmd, typ, std, std_w, level)
    elif kind == "cc":
        rows, est, var, comb, x2, (pnum, pden), suphom = _cc(cells, cmd, std, std_w, level)
    else:
        rows, est, var, comb, x2, (pnum, pden) = _ir(cells, cmd, typ, std, std_w, level)
    lines += [*rows, _RULE]
    if not cmd.has("nocrude"):
        (ce, c0, c1), ctype = _crude(cmd, kind, typ, cells, level)
        s.r.update(crude=ce, lb_crude=c0, ub_crude=c1)
        lines.append(_with_type(_row("Crude", ce, c0, c1, wide=wide), ctype))
    log_scale = typ not in ("RD", "IRD")
    sdp = root(div(1, pden))
    if log_scale:
        pool = expo(div(pnum, pden))
        p0, p1 = expo(ln(pool) - z * sdp), expo(ln(pool) + z * sdp)
    else:
        pool = div(pnum, pden)
        p0, p1 = pool - z * sdp, pool + z * sdp
    if cmd.has("pool") or kind == "ir":  # ir.ado leaves the pooled estimate in r() always
        s.r.update(pooled=pool, lb_pooled=p0, ub_pooled=p1)
    if cmd.has("pool"):
        lines.append(_row("Pooled (direct)", pool, p0, p1, wide=wide))
    hdr2 = {"estandard": "E. Standardized", "istandard": "I. Standardized"}.get(
        std, "   Standardized" if std else "   M-H combined"
    )
    c_est, c_lo, c_hi, note = comb
    lines.append(_with_type(_row(hdr2, c_est, c_lo, c_hi, wide=wide), note))
    if not cmd.has("nohom"):
        if cmd.has("pool") or not std:
            lines.append("-" * 67)
        if cmd.has("pool") and not suphom:
            pchi, cdf = _hom_sum(est, var, pool, log_scale)
            if kind == "cs":  # dispcs: every stratum counts, and the line is always shown
                cdf = len(cells) - 1
            if cdf > 0 or kind == "cs":
                lines.append(_hom_line(kind, "direct", cdf, pchi))
                s.r.update(df=float(cdf), chi2_p=pchi)
        if not std:
            mchi, cdf = _hom_sum(est, var, c_est, log_scale)
            if cdf > 0 and not suphom:
                lines.append(_hom_line(kind, "M-H", cdf, mchi))
                s.r["df"] = float(cdf)
                s.r["chi2_p" if kind == "cc" else "chi2_mh"] = mchi
            if kind == "cc" and (cmd.has("bd") or cmd.has("tarone") or suphom):
                bd, tarone, bddf = _breslow_day(cells, c_est)
                if bddf - 1 > 0:
                    if cmd.has("bd"):
                        lines.append(_hom_line(kind, "B-D", bddf - 1, bd))
                        s.r.update(chi2_bd=bd, df_bd=float(bddf - 1))
                    if cmd.has("tarone") or suphom:
                        lines.append(_hom_line(kind, "Tarone", bddf - 1, tarone))
                        s.r.update(chi2_t=tarone, df_t=float(bddf - 1))
    if typ == "OR" and not std:
        s.r["chi2"] = x2
        lines += [
            "",
            f"{'':19}Test that combined OR = 1:",
            f"{'':32}Mantel-Haenszel chi2(1) ={_fx(x2, 10, 2)}",
            f"{'':48}Pr>chi2 ={_fx(_chi_p(x2, 1), 10, 4)}",
        ]
    key = {"OR": "or", "RR": "rr", "RD": "rd", "IRR": "irr", "IRD": "ird"}[typ]
    s.r.update(**{key: c_est, f"lb_{key}": c_lo, f"ub_{key}": c_hi})
    return [Block("\n".join(ln_.rstrip() for ln_ in lines), kind="result")]
