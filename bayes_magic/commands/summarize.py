"""``summarize`` ([R] summarize), with ``detail``, ``meanonly`` and weights.

Methods and formulas follow [R] summarize: the standard deviation divides by ``N - 1`` (by the
sum of the weights minus one for ``fweight``); ``aweight`` weights are rescaled to sum to the
number of observations; skewness is ``m3 / m2^1.5`` and kurtosis ``m4 / m2^2`` with ``N`` in the
moments' denominators; the ``p``-th percentile with cumulative weights ``W_i`` and ``P = W p /
100`` is ``(x_i + x_{i+1}) / 2`` when ``W_i = P`` and ``x_{i+1}`` when ``W_i < P < W_{i+1}``.
"""

from __future__ import annotations

import numpy as np

from ..dataset.evaluate import evaluate
from ..dataset.varnames import expand_terms
from ..report.format import fmt_g, fmt_number
from ..report.output import Block, Output, Rule, html_table
from ..syntax.ast import Command, Varlist
from .describe import abbrev
from .registry import command

__all__ = ["moments", "percentile"]


def _weights(s, cmd: Command, n: int) -> tuple[np.ndarray | None, str | None]:
    if cmd.weight is None:
        return None, None
    w = evaluate(cmd.weight.expr, s.context())
    return w, cmd.weight.kind


def moments(x: np.ndarray, w: np.ndarray | None, kind: str | None) -> dict[str, float]:
    """Summary statistics of non-missing ``x`` with optional weights (r() of summarize)."""
    n = len(x)
    if w is None:
        w = np.ones(n)
        kind = None
    sum_w = float(w.sum())
    out: dict[str, float] = {"N": float(n), "sum_w": sum_w}
    if n == 0:
        return out
    if kind == "aweight":
        wn = w * n / sum_w
        denom_n = n
    elif kind in ("fweight", "iweight"):
        wn = w
        denom_n = sum_w
        out["N"] = sum_w
    else:
        wn = w
        denom_n = n
    mean = float((wn * x).sum() / wn.sum())
    dev = x - mean
    m2 = float((wn * dev**2).sum() / wn.sum())
    var = float((wn * dev**2).sum() / (denom_n - 1)) if denom_n > 1 else np.nan
    out.update(
        mean=mean,
        Var=var,
        sd=float(np.sqrt(var)) if var == var else np.nan,
        min=float(x.min()),
        max=float(x.max()),
        sum=float((w * x).sum()) if kind != "aweight" else float((wn * x).sum()),
    )
    if m2 > 0:
        out["skewness"] = float((wn * dev**3).sum() / wn.sum()) / m2**1.5
        out["kurtosis"] = float((wn * dev**4).sum() / wn.sum()) / m2**2
    else:
        out["skewness"] = np.nan
        out["kurtosis"] = np.nan
    return out


def percentile(x: np.ndarray, w: np.ndarray | None, p: float) -> float:
    """Stata's summarize percentile of ``x`` (weights optional)."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    ws = np.ones(len(xs)) if w is None else w[order]
    cum = np.cumsum(ws)
    P = cum[-1] * p / 100.0
    i = int(np.searchsorted(cum, P, side="left"))  # first i with W_i >= P
    if i < len(xs) and np.isclose(cum[i], P, rtol=0, atol=1e-12 * max(1.0, cum[-1])):
        return float((xs[i] + xs[min(i + 1, len(xs) - 1)]) / 2)
    return float(xs[min(i, len(xs) - 1)])


_PCTS = (1, 5, 10, 25, 50, 75, 90, 95, 99)


def _detail_text(title: str, st: dict[str, float], x: np.ndarray, fmt) -> str:
    n = len(x)
    xs = np.sort(x)
    pct = {p: st.get(f"p{p}", np.nan) for p in _PCTS}
    small = [xs[k] if k < n else np.nan for k in range(4)]
    large = [xs[n - 1 - k] if k < n else np.nan for k in range(4)]
    f = fmt
    lines = [" " * ((61 - len(title)) // 2) + title, "-" * 61, "      Percentiles      Smallest"]
    right = {
        2: ("Obs", fmt_g(st["N"], 12, comma=True) if st["N"] else "0"),
        3: ("Sum of wgt.", fmt_g(st["sum_w"], 12, comma=True)),
        4: ("Mean", f(st.get("mean", np.nan))),
        5: ("Std. dev.", f(st.get("sd", np.nan))),
        7: ("Variance", f(st.get("Var", np.nan))),
        8: ("Skewness", f(st.get("skewness", np.nan))),
        9: ("Kurtosis", f(st.get("kurtosis", np.nan))),
    }

    def rhs(k: int) -> str:
        if k not in right:
            return ""
        lab, val = right[k]
        return f"       {lab:<11}{val:>12}"

    # rows: (label, percentile, smallest/largest)
    lines.append(f"{' 1%':<3}{f(pct[1]):>13}{f(small[0]):>15}")
    lines.append(f"{' 5%':<3}{f(pct[5]):>13}{f(small[1]):>15}")
    lines.append(f"{'10%':<3}{f(pct[10]):>13}{f(small[2]):>15}" + rhs(2))
    lines.append(f"{'25%':<3}{f(pct[25]):>13}{f(small[3]):>15}" + rhs(3))
    lines.append("")
    lines.append(f"{'50%':<3}{f(pct[50]):>13}{'':>15}" + rhs(4))
    lines.append(f"{'':<16}{'Largest':>15}" + rhs(5))
    lines.append(f"{'75%':<3}{f(pct[75]):>13}{f(large[3]):>15}")
    lines.append(f"{'90%':<3}{f(pct[90]):>13}{f(large[2]):>15}" + rhs(7))
    lines.append(f"{'95%':<3}{f(pct[95]):>13}{f(large[1]):>15}" + rhs(8))
    lines.append(f"{'99%':<3}{f(pct[99]):>13}{f(large[0]):>15}" + rhs(9))
    return "\n".join(line.rstrip() for line in lines)


@command("summarize", byable="repeat", readonly=True)
def summarize(s, cmd: Command) -> list[Output]:
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms) if terms else ds.varnames
    touse = s.touse(cmd)
    w_all, wkind = _weights(s, cmd, ds.nobs)
    if w_all is not None:
        touse = touse & ~np.isnan(w_all) & (w_all != 0)
    use_fmt = cmd.has("format")
    detail = cmd.has("detail")
    meanonly = cmd.has("meanonly")
    rows: list[tuple[str, dict[str, float], np.ndarray, str | None]] = []
    for v in names:
        if ds.is_string(v):
            rows.append((v, {"N": 0.0, "sum_w": 0.0}, np.zeros(0), None))
            continue
        col = ds.values(v)
        m = touse & ~np.isnan(col)
        x = col[m]
        w = None if w_all is None else w_all[m]
        st = moments(x, w, wkind)
        if detail and len(x):
            for p in _PCTS:
                st[f"p{p}"] = percentile(x, w, p)
        rows.append((v, st, x, ds.info[v].format if use_fmt else None))
    # r() of the last variable, as Stata leaves them
    if rows:
        last = rows[-1][1]
        s.r = {k: v for k, v in last.items()}
    if meanonly:
        return []
    outs: list[Output] = []
    if detail:
        for v, st, x, fmt in rows:
            lab = ds.info[v].label or v
            f = (lambda z, fmt=fmt: fmt_number(z, fmt)) if fmt else (lambda z: fmt_g(z, 9))
            if ds.is_string(v):
                continue
            text = _detail_text(lab, st, x, f)
            outs.append(Block(text, _detail_html(lab, st, x, f), data=st))
        return outs
    sep = cmd.option("separator", 5)
    head = "    Variable |        Obs        Mean    Std. dev.       Min        Max"
    rule = "-------------+---------------------------------------------------------"
    lines = [head, rule]
    hrows: list = []
    for k, (v, st, _x, fmt) in enumerate(rows):
        if k and sep and k % sep == 0:
            lines.append(rule)
            hrows.append(Rule())
        f = (lambda z, fmt=fmt: fmt_number(z, fmt)) if fmt else (lambda z: fmt_g(z, 9))
        nobs = st["N"]
        obs_txt = f"{int(nobs):,}" if nobs == int(nobs) else fmt_g(nobs, 9)
        if nobs == 0:
            lines.append(f"{abbrev(v, 12):>12} |{obs_txt:>11}")
            hrows.append([v, obs_txt, "", "", "", ""])
            continue
        cells = [f(st["mean"]), f(st["sd"]), f(st["min"]), f(st["max"])]
        lines.append(
            f"{abbrev(v, 12):>12} |{obs_txt:>11}{cells[0]:>12}{cells[1]:>12}"
            f"{cells[2]:>11}{cells[3]:>11}"
        )
        hrows.append([v, obs_txt, *cells])
    html = html_table([["Variable", "Obs", "Mean", "Std. dev.", "Min", "Max"]], hrows)
    return [Block("\n".join(lines), html, data={v: st for v, st, _, _ in rows})]


def _detail_html(title: str, st: dict, x: np.ndarray, f) -> str:
    n = len(x)
    xs = np.sort(x)
    rows = []
    small = [f(xs[k]) if k < n else "" for k in range(4)]
    large = [f(xs[n - 1 - k]) if k < n else "" for k in range(4)]
    stats = [
        ("Obs", f"{int(st['N']):,}"),
        ("Sum of wgt.", fmt_g(st["sum_w"], 12)),
        ("Mean", f(st["mean"])),
        ("Std. dev.", f(st["sd"])),
        ("Variance", f(st["Var"])),
        ("Skewness", f(st["skewness"])),
        ("Kurtosis", f(st["kurtosis"])),
    ]
    extremes = [*small, "", *reversed(large)]
    for k, p in enumerate(_PCTS):
        lab, val = stats[k] if k < len(stats) else ("", "")
        rows.append([f"{p}%", f(st[f"p{p}"]), extremes[k] if k < len(extremes) else "", lab, val])
    return html_table(
        [["", "Percentiles", "Smallest / Largest", "", ""]],
        rows,
        align=["r", "r", "r", "l", "r"],
        caption=title,
    )
