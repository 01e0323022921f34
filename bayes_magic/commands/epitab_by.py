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
from ..report.format import abbrev
from ..report.output import Block, Output
from ..syntax.ast import Command

__all__ = ["stratified"]

_RULE = "-" * 17 + "+" + "-" * 49


def _g(x: float) -> str:
    from .epitab import _g as g

    return g(x)


def _chi_p(x: float, df: int) -> float:
    return float(stats.chi2.sf(x, df)) if x == x and df > 0 else math.nan


def _by_spec(s, cmd: Command) -> tuple[str, bool]:
    """``by(varname [, missing])``: the variable and whether missing values form a stratum."""
    raw = str(cmd.option("by") or "").strip()
    text, _, opts = raw.partition(",")
    words = text.split()
    if len(words) != 1:
        raise StataError(
            "by() with more than one variable is not available in bayes_magic yet"
            if len(words) > 1
            else "by() requires a variable",
            103 if len(words) > 1 else 198,
        )
    missing = opts.strip().lower()
    if missing and not "missing".startswith(missing):
        raise StataError(f"by(): {opts.strip()} invalid", 198)
    return resolve(s.data, words[0]), bool(missing)


def _strata(s, by: str, missing: bool, touse: np.ndarray):
    """The strata in order: (label, mask over the used observations)."""
    v = s.data.values(by)
    is_str = v.dtype == object
    miss = (v == "") if is_str else np.isnan(np.asarray(v, dtype=float))
    use = touse if missing else touse & ~miss
    if not use.any():
        raise StataError("no observations", 2000)
    out = []
    levels = sorted(set(v[use].tolist()), key=lambda x: (x != x, x) if not is_str else (0, x))
    inf = s.data.info[by]
    labels = s.data.value_labels.get(inf.vlabel, {}) if inf.vlabel else {}
    for lv in levels:
        mask = use & ((v == lv) if lv == lv else miss)
        if is_str:
            text = str(lv)
        elif lv != lv:
            text = "."
        elif lv == int(lv) and int(lv) in labels:
            text = labels[int(lv)]
        else:
            text = format(lv, ".15g")
        out.append((text, mask))
    return out, use


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
    head = f"{head:<{36 - len(lev)}}[{lev}% conf. interval]   {'M-H' if not std else '   '} Weight"
    return [head, _RULE]


def _row(label: str, est, lo, hi, wgt=None, how: str = "", wide: bool = True) -> str:
    gap = ("   ", "    ") if wide else ("  ", "     ")
    text = f"{label[:16]:>16} |{gap[0]}{_g(est)}{gap[1]}{_g(lo)}  {_g(hi)}"
    if wgt is not None:
        return f"{text}    {_g(wgt)} {how}".rstrip()
    return text


def _with_type(text: str, how: str) -> str:
    return f"{text:<68}{how}".rstrip() if how else text


def _hom_sum(est: np.ndarray, var: np.ndarray, center: float, log: bool) -> tuple[float, int]:
    """Σ (estᵢ − center)²/varᵢ over the strata (Stata's sum() skips missing terms), and the
    degrees of freedom: the strata with an estimate, less one."""
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (np.log(est) - math.log(center)) if log else (est - center)
        terms = d * d / var
    chi = float(np.nansum(np.where(np.isfinite(terms), terms, np.nan)))
    return chi, int(np.sum(np.isfinite(est) & (est == est))) - 1


def stratified(s, cmd: Command, kind: str, names: list[str], w, cols, touse) -> list[Output]:
    """The by() analysis of ``cs`` (kind "cs"), ``cc`` or ``ir`` over the used observations."""
    level = float(cmd.option("level", 95))
    z = E.z_of(level)
    by, missing = _by_spec(s, cmd)
    strata, _use = _strata(s, by, missing, touse)
    std = _std_flag(cmd)
    std_w = _standard_weights(s, cmd, strata, by)
    tb = cmd.has("tb")
    if kind == "cs" and cmd.has("woolf") and not cmd.has("or"):
        raise StataError("woolf option only valid with OR", 198)
    typ = {"cs": "OR" if cmd.has("or") else ("RD" if cmd.has("rd") else "RR"), "cc": "OR"}
    typ = typ.get(kind, "IRD" if cmd.has("ird") else "IRR")
    if typ in ("RD", "IRD") and not std:
        what = "rd" if typ == "RD" else "ird"
        raise StataError(
            f"{what} may be used only with one of estandard, istandard, or standard()", 198
        )
    if kind == "cs" and typ == "OR" and std:
        raise StataError("or may not be combined with standardization", 198)
    # the cells of every stratum, over the used observations
    cells = []
    for label, mask in strata:
        m = mask[touse]  # the stratum among the observations w and cols hold
        if kind == "ir":
            case, exp, time = (c[m] for c in cols)
            ww = w[m]
            e = exp == 1
            a = float(np.floor((ww * case)[e].sum() + 0.5))
            b = float(np.floor((ww * case)[~e].sum() + 0.5))
            cells.append((label, a, b, float((ww * time)[e].sum()), float((ww * time)[~e].sum())))
        else:
            y, e = (c[m] == 1 for c in cols)
            ww = w[m]
            cells.append(
                (
                    label,
                    float(ww[y & e].sum()),
                    float(ww[y & ~e].sum()),
                    float(ww[~y & e].sum()),
                    float(ww[~y & ~e].sum()),
                )
            )
    stub = _stub(s, by, kind)
    lines = _header(stub, typ, 25 if kind == "ir" else 26, level, std)
    wide = kind == "cs"
    s.r = {}
    # the crude estimate: the command without by() over the same observations
    crude = None
    if not cmd.has("nocrude"):
        tot = [sum(c[i] for c in cells) for i in range(1, 5)]
        if kind == "ir":
            irr = E.rate_ratio(*tot, level, tb)
            crude = (
                E.rate_difference(*tot, level, tb) if typ == "IRD" else irr[:3],
                "(tb)" if tb else ("" if typ == "IRD" else "(exact)"),
            )
        elif kind == "cc":
            a, b, c, d = tot
            method = next((m for m in ("woolf", "tb", "cornfield") if cmd.has(m)), None)
            if method is None and min(tot) > 0:
                crude = (
                    (a * d / (b * c), *E.stata_exact_or_interval(a, b, c, d, level)),
                    "(exact)",
                )
            else:
                r, lo, hi, how = E.odds_ratio(a, b, c, d, level, method or "cornfield")
                crude = ((r, lo, hi), how)
        else:
            if typ == "OR":
                method = "woolf" if cmd.has("woolf") else "tb" if tb else "cornfield"
                crude = (E.odds_ratio(*tot, level, method)[:3], "")
            elif typ == "RD":
                crude = (E.risk_difference(*tot, level, tb), "")
            else:
                crude = (E.risk_ratio(*tot, level, tb), "")
        s.r.update(crude=crude[0][0], lb_crude=crude[0][1], ub_crude=crude[0][2])
    est_i, var_i, rows = [], [], []
    acc: dict[str, float] = {}

    def add(key: str, x: float) -> None:
        acc[key] = acc.get(key, 0.0) + x

    pnum = pden = 0.0
    for k, (label, a, b, c, d) in enumerate(cells):
        wstd = None
        if std:
            n1_, n0_ = (a + c, b + d) if kind != "ir" else (c, d)
            if kind == "cc":
                wstd = {"istandard": c, "estandard": d}.get(
                    std, std_w[k] if std_w is not None else 0
                )
            else:
                wstd = {"estandard": n0_, "istandard": n1_}.get(
                    std, std_w[k] if std_w is not None else 0
                )
        if kind == "ir":
            n1, n0 = c, d
            t = n1 + n0
            with np.errstate(divide="ignore", invalid="ignore"):
                irr = (a / n1) / (b / n0) if b > 0 and n1 > 0 else (math.inf if a > 0 else math.nan)
            if not std:
                wgt = b * n1 / t
                add("num", a * n0 / t)
                add("wgt", wgt)
                add("V1", (a + b) * n1 * n0 / t**2)
                add("V2", a * n0 / t)
                add("V3", b * n1 / t)
                est = irr
            else:
                wgt = wstd
                add("wgt", wgt)
                if typ == "IRD":
                    est = a / n1 - b / n0
                    vrd = a / n1**2 + b / n0**2
                    add("num", wgt * est)
                    add("V1", wgt**2 * vrd)
                else:
                    est = irr
                    add("V1", wgt**2 * a / n1**2)
                    add("V2", wgt * a / n1)
                    add("V3", wgt**2 * b / n0**2)
                    add("V4", wgt * b / n0)
            if typ == "IRD":
                vrd = a / n1**2 + b / n0**2
                pw = 1 / vrd if vrd > 0 else math.nan
                var_i.append(vrd)
                pnum += pw * est if pw == pw else 0.0
                pden += pw if pw == pw else 0.0
                _e, lo, hi = E.rate_difference(a, b, n1, n0, level, tb)
                how = "(tb)" if tb else ""
            else:
                pw = a * b / (a + b) if a + b > 0 else math.nan
                with np.errstate(divide="ignore", invalid="ignore"):
                    var_i.append(1 / a + 1 / b if a > 0 and b > 0 else math.inf)
                if pw == pw and est > 0 and math.isfinite(est):
                    pnum += pw * math.log(est)
                    pden += pw
                _e, lo, hi, how = E.rate_ratio(a, b, n1, n0, level, tb)
            est_i.append(est)
            rows.append(_row(label, est, lo, hi, wgt, how, wide=False))
            continue
        n1, n0, m1, m0 = a + c, b + d, a + b, c + d
        t = n1 + n0
        with np.errstate(divide="ignore", invalid="ignore"):
            orr = a * d / (b * c) if b * c > 0 else (math.inf if a * d > 0 else math.nan)
            rr = (a / n1) / (b / n0) if b > 0 and n1 > 0 else (math.inf if a > 0 else math.nan)
        how = ""
        if typ == "OR" and not std:
            wgt = b * c / t
            add("num", a * d / t)
            add("wgt", wgt)
            P, Q, R, S = (a + d) / t, (b + c) / t, a * d / t, b * c / t
            add("PR", P * R)
            add("R", R)
            add("PSQR", P * S + Q * R)
            add("S", S)
            add("QS", Q * S)
            add("Xnum", a - n1 * m1 / t)
            add("Xden", n1 * n0 * m1 * m0 / (t * t * (t - 1)) if t > 1 else 0.0)
            est = orr
        elif typ == "OR":  # cc standardized
            wgt = wstd
            waoc = wgt * a / c if c > 0 else math.nan
            add("wgt", waoc)
            add("num", wgt * b / d if d > 0 else math.nan)
            add("R", waoc**2 * (1 / a + 1 / b + 1 / c + 1 / d) if min(a, b, c, d) > 0 else math.nan)
            est = orr
        elif not std:  # cs M-H RR
            wgt = b * n1 / t
            add("S1", (m1 * n1 * n0 - a * b * t) / t**2)
            add("S2", a * n0 / t)
            add("num", a * n0 / t)
            add("wgt", wgt)
            est = rr
        else:  # cs standardized RR or RD
            wgt = wstd
            add("wgt", wgt)
            r1, r0 = a / n1, b / n0
            v1, v0 = a * c / n1**3, b * d / n0**3
            if typ == "RR":
                add("Xnum", wgt * r1)
                add("Xden", wgt * r0)
                add("PR", wgt**2 * v1)
                add("R", wgt**2 * v0)
                est = rr
            else:
                est = r1 - r0
                add("num", wgt * est)
                add("Xnum", wgt**2 * (v0 + v1))
        # the stratum's interval
        if cmd.has("fast"):
            lo = hi = math.nan
        elif typ == "OR":
            if kind == "cc" and not any(cmd.has(m) for m in ("woolf", "tb", "cornfield")):
                if min(a, b, c, d) > 0:
                    lo, hi = E.stata_exact_or_interval(a, b, c, d, level)
                    how = "(exact)"
                else:
                    _r, lo, hi, how = E.odds_ratio(a, b, c, d, level, "cornfield")
            else:
                method = "woolf" if cmd.has("woolf") else "tb" if tb else "cornfield"
                _r, lo, hi, how = E.odds_ratio(a, b, c, d, level, method)
        elif typ == "RR":
            _r, lo, hi = E.risk_ratio(a, b, c, d, level, tb)
            how = "(tb)" if tb else ""
        else:
            _r, lo, hi = E.risk_difference(a, b, c, d, level, tb)
            how = "(tb)" if tb else ""
        if typ == "OR":
            v = 1 / a + 1 / b + 1 / c + 1 / d if min(a, b, c, d) > 0 else math.inf
        elif typ == "RR":
            v = c / (a * n1) + d / (b * n0) if a > 0 and b > 0 else math.inf
        else:
            v = a * c / n1**3 + b * d / n0**3
        est_i.append(est)
        var_i.append(v)
        if math.isfinite(v) and est == est and (typ == "RD" or est > 0):
            pnum += (est if typ == "RD" else math.log(est)) / v
            pden += 1 / v
        rows.append(_row(label, est, lo, hi, wgt, how, wide=wide))
    lines += rows
    lines.append(_RULE)
    est_arr, var_arr = np.array(est_i, dtype=float), np.array(var_i, dtype=float)
    log_scale = typ not in ("RD", "IRD")
    # the combined estimate
    note = ""
    if kind == "ir":
        if not std:
            comb = acc["num"] / acc["wgt"]
            sd = math.sqrt(acc["V1"] / (acc["V2"] * acc["V3"]))
            lo, hi = comb * math.exp(-z * sd), comb * math.exp(z * sd)
            hdr2, paren = "   M-H combined", "M-H"
        else:
            hdr2 = {"estandard": "E. Standardized", "istandard": "I. Standardized"}.get(
                std, "   Standardized"
            )
            paren = {"estandard": "E.S.", "istandard": "I.S."}.get(std, "std.")
            if typ == "IRD":
                comb = acc["num"] / acc["wgt"]
                sd = math.sqrt(acc["V1"] / acc["wgt"] ** 2)
                lo, hi = comb - z * sd, comb + z * sd
            else:
                comb = acc["V2"] / acc["V4"]
                sd = math.sqrt(acc["V1"] / acc["V2"] ** 2 + acc["V3"] / acc["V4"] ** 2)
                lo, hi = comb * math.exp(-z * sd), comb * math.exp(z * sd)
    elif not std:
        comb = acc["num"] / acc["wgt"]
        if typ == "OR":
            se = math.sqrt(
                acc["PR"] / (2 * acc["R"] ** 2)
                + acc["PSQR"] / (2 * acc["R"] * acc["S"])
                + acc["QS"] / (2 * acc["S"] ** 2)
            )
            x2 = acc["Xnum"] ** 2 / acc["Xden"]
            s.r["chi2"] = x2
            if tb:
                x = acc["Xnum"] / math.sqrt(acc["Xden"])
                lo, hi = sorted((comb ** (1 - z / x), comb ** (1 + z / x)))
                note = "(tb)"
            else:
                lo, hi = comb * math.exp(-z * se), comb * math.exp(z * se)
        else:
            se = math.sqrt(acc["S1"] / (acc["S2"] * acc["wgt"]))
            lo, hi = comb * math.exp(-z * se), comb * math.exp(z * se)
        hdr2, paren = "   M-H combined", "M-H"
    else:
        hdr2 = {"estandard": "E. Standardized", "istandard": "I. Standardized"}.get(
            std, "   Standardized"
        )
        paren = {"estandard": "E.S.", "istandard": "I.S."}.get(std, "STD.")
        if kind == "cc":
            comb = acc["wgt"] / acc["num"]
            se = math.sqrt(acc["R"]) / acc["wgt"]
            lo, hi = comb * math.exp(-z * se), comb * math.exp(z * se)
            s.r["chi2"] = math.nan
        elif typ == "RR":
            comb = acc["Xnum"] / acc["Xden"]
            se = math.sqrt(acc["PR"] / acc["Xnum"] ** 2 + acc["R"] / acc["Xden"] ** 2)
            lo, hi = comb * math.exp(-z * se), comb * math.exp(z * se)
        else:
            comb = acc["num"] / acc["wgt"]
            se = math.sqrt(acc["Xnum"] / acc["wgt"] ** 2)
            lo, hi = comb - z * se, comb + z * se
    if crude is not None:
        (ce, c0, c1), ctype = crude
        lines.append(_with_type(_row("Crude", ce, c0, c1, wide=wide), ctype))
    pool = None
    if cmd.has("pool"):
        if log_scale:
            pool = math.exp(pnum / pden)
            sdp = math.sqrt(1 / pden)
            p0, p1 = pool * math.exp(-z * sdp), pool * math.exp(z * sdp)
        else:
            pool = pnum / pden
            sdp = math.sqrt(1 / pden)
            p0, p1 = pool - z * sdp, pool + z * sdp
        s.r.update(pooled=pool, lb_pooled=p0, ub_pooled=p1)
        lines.append(_row("Pooled (direct)", pool, p0, p1, wide=wide))
    lines.append(_with_type(_row(hdr2, comb, lo, hi, wide=wide), note))
    suphom = kind == "cc" and not std and any(not (e > 0 and math.isfinite(e)) for e in est_arr)
    if not cmd.has("nohom"):
        if cmd.has("pool") or not std:
            lines.append("-" * 67)
        if cmd.has("pool") and not suphom:
            pchi, cdf = _hom_sum(est_arr, var_arr, pool, log_scale)
            if cdf > 0:
                lines.append(_hom_line(kind, "direct", cdf, pchi))
                s.r.update(df=float(cdf), chi2_p=pchi)
        if paren == "M-H":
            mchi, cdf = _hom_sum(est_arr, var_arr, comb, log_scale)
            if cdf > 0 and not suphom:
                lines.append(_hom_line(kind, "M-H", cdf, mchi))
                s.r.update(
                    df=float(cdf), **({"chi2_p": mchi} if kind == "cc" else {"chi2_mh": mchi})
                )
            if kind == "cc" and (cmd.has("bd") or cmd.has("tarone") or suphom):
                bd, tarone, bddf = _breslow_day(cells, comb)
                if bddf - 1 > 0:
                    if cmd.has("bd"):
                        lines.append(_hom_line(kind, "B-D", bddf - 1, bd))
                        s.r.update(chi2_bd=bd, df_bd=float(bddf - 1))
                    if cmd.has("tarone") or suphom:
                        lines.append(_hom_line(kind, "Tarone", bddf - 1, tarone))
                        s.r.update(chi2_t=tarone, df_t=float(bddf - 1))
    if typ == "OR" and not std:
        x2 = s.r["chi2"]
        lines += [
            "",
            f"{'':19}Test that combined OR = 1:",
            f"{'':32}Mantel-Haenszel chi2(1) ={x2:10.2f}",
            f"{'':48}Pr>chi2 ={_chi_p(x2, 1):10.4f}",
        ]
    key = {"OR": "or", "RR": "rr", "RD": "rd", "IRR": "irr", "IRD": "ird"}[typ]
    s.r.update(**{key: comb, f"lb_{key}": lo, f"ub_{key}": hi})
    return [Block("\n".join(ln.rstrip() for ln in lines), kind="result")]


def _hom_line(kind: str, paren: str, df: int, chi: float) -> str:
    p = _chi_p(chi, df)
    if kind == "ir":
        tag = f"({paren})".ljust(9) if paren != "direct" else "(direct) "
        return f" Test of homogeneity {tag}chi2({df}) = {chi:9.2f}  Pr>chi2 = {p:6.4f}"
    left = f"Test of homogeneity ({paren})"
    if kind == "cs":
        return f"{left:<31}chi2({df}) ={chi:9.3f}  Pr>chi2 = {p:6.4f}"
    return f"{left:<31}chi2({df}) = {chi:8.2f}  Pr>chi2 = {p:6.4f}"


def _breslow_day(cells, or_mh: float) -> tuple[float, float, int]:
    """cc.ado's HOMOBD: Breslow–Day's statistic (and Tarone's correction) at the M-H odds
    ratio, over the strata where it is defined."""
    test = suma = sumamh = sumvar = 0.0
    df = 0
    for _label, a0, b0, c0, d0 in cells:
        n1, n0, m1 = a0 + b0, c0 + d0, a0 + c0  # HOMOBD's margins (its own naming)
        qa = 1 - or_mh
        qb = n0 - m1 + m1 * or_mh + n1 * or_mh
        qc = -or_mh * n1 * m1
        disc = qb * qb - 4 * qa * qc
        if qa == 0 or disc < 0:
            continue
        r1 = (-qb + math.sqrt(disc)) / (2 * qa)
        r2 = (-qb - math.sqrt(disc)) / (2 * qa)
        amh = r1 if (r1 <= n1 and r1 <= m1 and r1 >= 0) else r2
        bb, cc_, dd = n1 - amh, m1 - amh, n0 - (m1 - amh)
        with np.errstate(divide="ignore"):
            var = (
                1 / (1 / amh + 1 / bb + 1 / cc_ + 1 / dd) if min(amh, bb, cc_, dd) > 0 else math.nan
            )
        if var == var:
            test += (a0 - amh) ** 2 / var
            sumamh += amh
            suma += a0
            sumvar += var
            df += 1
    tarone = test - (suma - sumamh) ** 2 / sumvar if sumvar > 0 else math.nan
    return test, tarone, df
