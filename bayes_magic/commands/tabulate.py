"""``tabulate`` one- and two-way ([R] tabulate oneway, [R] tabulate twoway).

One-way: ``Freq.``, ``Percent`` and ``Cum.`` columns and a ``Total`` row; ``missing`` adds the
missing category, ``generate(stub)`` makes indicator variables. Two-way: counts with row and
column totals, ``row``/``column``/``cell`` percentages with their key, ``expected``, and the
Pearson (``chi2``) and likelihood-ratio (``lrchi2``) tests and Cramér's ``V``.
"""

from __future__ import annotations

import textwrap

import numpy as np

from ..dataset.evaluate import evaluate
from ..dataset.varnames import check_new_name, expand_terms
from ..errors import StataError
from ..report.format import fmt_f
from ..report.output import Block, Output, Rule, html_table
from ..syntax.ast import Command, Varlist
from .listing import cell_text
from .registry import command


def _levels(ds, v: str, x: np.ndarray, missing: bool) -> tuple[list, list[str]]:
    if x.dtype == object:
        vals = sorted(set(x) - ({""} if not missing else set()))
        return vals, [str(a) for a in vals]
    ok = ~np.isnan(x)
    vals: list = sorted(set(x[ok].tolist()))
    if missing and (~ok).any():
        vals.append(np.nan)
    return vals, [cell_text(ds, v, a) for a in vals]


def _codes(x: np.ndarray, vals: list) -> np.ndarray:
    out = np.full(len(x), -1, dtype=np.int64)
    for k, a in enumerate(vals):
        if isinstance(a, float) and a != a:
            out[np.isnan(x)] = k
        else:
            out[x == a] = k
    return out


def _title_lines(title: str, width: int) -> list[str]:
    return textwrap.wrap(title, width) or [""]


@command("tabulate", byable="repeat", readonly=True)
def tabulate(s, cmd: Command) -> list[Output]:
    assert isinstance(cmd.body, Varlist)
    ds = s.data
    names = expand_terms(ds, cmd.body.terms)
    touse = s.touse(cmd)
    w = np.ones(ds.nobs)
    if cmd.weight is not None:
        w = evaluate(cmd.weight.expr, s.context())
        touse &= ~np.isnan(w)
    for o in ("matcell", "matrow", "matcol", "exact", "gamma", "taub", "plot", "subpop"):
        if cmd.has(o):
            raise StataError(f"option {o}() is not available in bayes_magic's tabulate", 198)
    if len(names) == 1:
        return _oneway(s, cmd, names[0], touse, w)
    return _twoway(s, cmd, names, touse, w)


def _oneway(s, cmd: Command, v: str, touse: np.ndarray, w: np.ndarray) -> list[Output]:
    ds = s.data
    x = ds.values(v)[touse]
    ww = w[touse]
    missing = cmd.has("missing")
    nolabel = cmd.has("nolabel")
    vals, labs = _levels(ds, v, x, missing)
    if nolabel:
        labs = [str(a) if x.dtype == object else cell_text(ds, v, a, nolabel=True) for a in vals]
    codes = _codes(x, vals)
    keep = codes >= 0
    freq = np.bincount(codes[keep], weights=ww[keep], minlength=len(vals))
    n = float(freq.sum())
    if n == 0:
        raise StataError("no observations", 2000)
    gen = cmd.option("generate")
    if gen:
        for k in range(len(vals)):
            name = f"{gen}{k + 1}"
            check_new_name(ds, name)
        full = ds.values(v)
        for k in range(len(vals)):
            col = np.where(touse, (_codes(full, vals) == k).astype(float), np.nan)
            if not missing:
                col[touse & (_codes(full, vals) < 0)] = np.nan
            ds.set_values(f"{gen}{k + 1}", col, "byte")
            ds.info[f"{gen}{k + 1}"].label = f"{v}=={labs[k]}"
    s.r = {"N": n, "r": len(vals)}
    title = ds.info[v].label or v
    width = max([10, *(len(lab) for lab in labs)])
    tl = _title_lines(title, width + 1)
    lines = [f"{t:>{width + 1}} |" for t in tl[:-1]]
    lines.append(f"{tl[-1]:>{width + 1}} |      Freq.     Percent        Cum.")
    rule = "-" * (width + 2) + "+" + "-" * 35
    lines.append(rule)
    cum = 0.0
    hrows: list = []
    for lab, f in zip(labs, freq):
        pct = 100 * f / n
        cum += pct
        fs = f"{f:,.0f}" if f == int(f) else f"{f:,.2f}"
        lines.append(f"{lab:>{width + 1}} |{fs:>11}{fmt_f(pct, 2):>12}{fmt_f(cum, 2):>12}")
        hrows.append([lab, fs, fmt_f(pct, 2), fmt_f(cum, 2)])
    lines.append(rule)
    ns = f"{n:,.0f}" if n == int(n) else f"{n:,.2f}"
    lines.append(f"{'Total':>{width + 1}} |{ns:>11}{'100.00':>12}")
    hrows += [Rule(), ["Total", ns, "100.00", ""]]
    if cmd.has("nofreq"):
        return []
    html = html_table([[title, "Freq.", "Percent", "Cum."]], hrows)
    return [Block("\n".join(lines), html)]


def _twoway(s, cmd: Command, names: list[str], touse: np.ndarray, w: np.ndarray) -> list[Output]:
    ds = s.data
    rv, cv = names
    missing = cmd.has("missing")
    xr, xc = ds.values(rv)[touse], ds.values(cv)[touse]
    ww = w[touse]
    rvals, rlabs = _levels(ds, rv, xr, missing)
    cvals, clabs = _levels(ds, cv, xc, missing)
    if cmd.has("nolabel"):
        rlabs = [cell_text(ds, rv, a, nolabel=True) if xr.dtype != object else a for a in rvals]
        clabs = [cell_text(ds, cv, a, nolabel=True) if xc.dtype != object else a for a in cvals]
    rc, cc = _codes(xr, rvals), _codes(xc, cvals)
    keep = (rc >= 0) & (cc >= 0)
    table = np.zeros((len(rvals), len(cvals)))
    np.add.at(table, (rc[keep], cc[keep]), ww[keep])
    n = table.sum()
    if n == 0:
        raise StataError("no observations", 2000)
    rows_t, cols_t = table.sum(1), table.sum(0)
    expected = np.outer(rows_t, cols_t) / n
    show = [
        k
        for k in ("freq", "expected", "row", "column", "cell")
        if (k == "freq" and not cmd.has("nofreq")) or (k != "freq" and cmd.has(k))
    ]
    stubw = max([10, *(len(x) for x in rlabs)])
    cw = max([10, *(len(x) for x in clabs)])
    k = len(cvals)
    block = (cw + 1) * k
    out_lines: list[str] = []
    if len(show) > 1 or show != ["freq"]:
        key = {
            "freq": "frequency",
            "expected": "expected frequency",
            "row": "row percentage",
            "column": "column percentage",
            "cell": "cell percentage",
        }
        kw = max(len(key[x]) for x in show) + 2
        kw = max(kw, 17)
        out_lines += [
            "+" + "-" * (kw + 2) + "+",
            "| Key" + " " * (kw - 2) + "|",
            "|" + "-" * (kw + 2) + "|",
        ]
        out_lines += [f"| {key[x]:^{kw}} |" for x in show]
        out_lines += ["+" + "-" * (kw + 2) + "+", ""]
    ctitle = ds.info[cv].label or cv
    rtitle = ds.info[rv].label or rv
    pad = (block - len(ctitle) + 1) // 2
    rlines = _title_lines(rtitle, stubw)
    if len(rlines) == 1:
        rlines = ["", *rlines]
    for k, line in enumerate(rlines[:-1]):
        tail = " " * max(pad, 1) + ctitle if k == len(rlines) - 2 else ""
        out_lines.append(f"{line:>{stubw}} |" + tail)
    out_lines.append(
        f"{rlines[-1]:>{stubw}} |" + "".join(f"{c:>{cw}} " for c in clabs) + "|" + f"{'Total':>10}"
    )
    rule = "-" * (stubw + 1) + "+" + "-" * block + "+" + "-" * 10

    def cells(row: np.ndarray, tot: float, what: str, r: int | None) -> str:
        if what == "freq":
            vals = [f"{x:,.0f}" if x == int(x) else f"{x:,.2f}" for x in row]
            t = f"{tot:,.0f}" if tot == int(tot) else f"{tot:,.2f}"
        elif what == "expected":
            vals = [fmt_f(x, 1) for x in row]
            t = fmt_f(tot, 1)
        elif what == "row":
            vals = [fmt_f(100 * x / tot if tot else 0, 2) for x in row]
            t = "100.00"
        elif what == "column":
            vals = [fmt_f(100 * x / c if c else 0, 2) for x, c in zip(row, cols_t)]
            t = fmt_f(100 * tot / n, 2)
        else:
            vals = [fmt_f(100 * x / n, 2) for x in row]
            t = fmt_f(100 * tot / n, 2)
        return "".join(f"{v:>{cw}} " for v in vals) + "|" + f"{t:>10} "

    out_lines.append(rule)
    hrows: list = []
    for i, lab in enumerate(rlabs):
        for j, what in enumerate(show):
            row = expected[i] if what == "expected" else table[i]
            tot = rows_t[i]
            out_lines.append(f"{lab if j == 0 else '':>{stubw}} |" + cells(row, tot, what, i))
            hrows.append(
                [lab if j == 0 else "", *cells(row, tot, what, i).replace("|", " ").split()]
            )
        if len(show) > 1:
            out_lines.append(rule)
            hrows.append(Rule())
    if len(show) == 1:
        out_lines.append(rule)
        hrows.append(Rule())
    for j, what in enumerate(show):
        row = cols_t
        out_lines.append(f"{'Total' if j == 0 else '':>{stubw}} |" + cells(row, n, what, None))
        hrows.append(
            ["Total" if j == 0 else "", *cells(row, n, what, None).replace("|", " ").split()]
        )
    # Stata ends body rows with a blank; trailing blanks are not printed here
    out_lines = [ln.rstrip() for ln in out_lines]
    s.r = {"N": n, "r": len(rvals), "c": len(cvals)}
    notes = []
    df = (len(rvals) - 1) * (len(cvals) - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if cmd.has("chi2") or cmd.has("all") or cmd.has("V"):
            chi2 = float(np.nansum((table - expected) ** 2 / expected))
            from scipy.stats import chi2 as _chi2

            p = float(_chi2.sf(chi2, df)) if df > 0 else np.nan
            s.r.update(chi2=chi2, p=p)
            if cmd.has("chi2") or cmd.has("all"):
                notes.append(f"{'Pearson chi2(' + str(df) + ') =':>26} {chi2:8.4f}   Pr = {p:5.3f}")
            if cmd.has("V") or cmd.has("all"):
                v = np.sqrt(chi2 / n / max(1, min(len(rvals), len(cvals)) - 1))
                if len(rvals) == 2 and len(cvals) == 2:
                    v = (table[0, 0] * table[1, 1] - table[0, 1] * table[1, 0]) / np.sqrt(
                        rows_t.prod() * cols_t.prod()
                    )
                s.r["CramersV"] = float(v)
                notes.append(f"{'Cramér' + chr(39) + 's V =':>26} {v:8.4f}")
        if cmd.has("lrchi2") or cmd.has("all"):
            pos = table > 0
            lr = float(2 * np.sum(table[pos] * np.log(table[pos] / expected[pos])))
            from scipy.stats import chi2 as _chi2

            p = float(_chi2.sf(lr, df)) if df > 0 else np.nan
            s.r.update(chi2_lr=lr, p_lr=p)
            notes.append(
                f"{'likelihood-ratio chi2(' + str(df) + ') =':>26} {lr:8.4f}   Pr = {p:5.3f}"
            )
    text = "\n".join(out_lines)
    if notes:
        text += "\n\n" + "\n".join(notes)
    header = [["", (ctitle, len(cvals)), ""], [rtitle, *clabs, "Total"]]
    html = html_table(header, hrows, notes=notes or None)
    return [Block(text, html)]
