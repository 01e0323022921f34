"""``summarize`` ([R] summarize), with ``detail``, ``meanonly``, ``format`` and weights.

The statistics are those of :mod:`bayes_magic.dataset.stats` (Methods and formulas of [R]
summarize). With ``aweight`` and ``iweight`` weights the table has Stata's ``Weight`` column (the
sum of the weights as given); with ``fweight`` weights ``Obs`` is the sum of the weights.
"""

from __future__ import annotations

import numpy as np

from ..dataset.evaluate import evaluate
from ..dataset.stats import moments, percentile
from ..dataset.varnames import expand_terms
from ..dataset.weights import check_weights
from ..errors import StataError
from ..report.format import abbrev, fmt_g, fmt_number
from ..report.output import Block, Output, Rule, html_table
from ..syntax.ast import Command, Varlist
from .data import refuse_options
from .registry import command

#: the factor-variable display options summarize parses (factor variables are not supported)
_FV_OPTIONS = (
    "vsquish",
    "noemptycells",
    "baselevels",
    "allbaselevels",
    "nofvlabel",
    "fvwrap",
    "fvwrapon",
)


def weights(s, cmd: Command, touse: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """The weights of ``cmd`` (None without) and the observations to use, checked as Stata
    checks them (:func:`~bayes_magic.dataset.weights.check_weights`)."""
    if cmd.weight is None:
        return None, touse
    w = evaluate(cmd.weight.expr, s.context())
    if w.dtype == object:
        raise StataError("type mismatch", 109)
    return w, check_weights(w, cmd.weight.kind, touse)


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
    refuse_options(cmd, _FV_OPTIONS)
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms) if terms else ds.varnames
    w_all, touse = weights(s, cmd, s.touse(cmd))
    wkind = None if cmd.weight is None else cmd.weight.kind
    use_fmt = cmd.has("format")
    detail = cmd.has("detail")
    rows: list[tuple[str, dict[str, float], np.ndarray, str | None]] = []
    for v in names:
        if ds.is_string(v):
            rows.append((v, {"N": 0.0, "sum_w": 0.0}, np.zeros(0), None))
            continue
        m = touse & ~ds.missing(v)
        x = ds.values(v)[m]
        w = None if w_all is None else w_all[m]
        st = moments(x, w, wkind)
        if detail and len(x):
            for p in _PCTS:
                st[f"p{p}"] = percentile(x, w, p)
        rows.append((v, st, x, ds.info[v].format if use_fmt else None))
    # r() of the last variable, as Stata leaves them
    if rows:
        s.r = dict(rows[-1][1])
        if not detail:  # Stata's r() without detail: N sum_w mean Var sd min max sum
            for k in ("skewness", "kurtosis"):
                s.r.pop(k, None)
    if cmd.has("meanonly"):  # [R] summarize: N, sum_w, sum, mean, min and max only
        for k in ("Var", "sd"):
            s.r.pop(k, None)
        return []
    if detail:
        return [
            _detail_block(ds.info[v].label or v, st, x, fmt) for v, st, x, fmt in rows if len(x)
        ]
    return [_table(rows, cmd.option("separator", 5), wkind in ("aweight", "iweight"))]


def _cell_format(fmt: str | None):
    """How a statistic is shown: in the variable's format (``format``) or as ``%9.0g``."""
    return (lambda z: fmt_number(z, fmt)) if fmt else (lambda z: fmt_g(z, 9))


def _detail_block(title: str, st: dict, x: np.ndarray, fmt: str | None) -> Block:
    f = _cell_format(fmt)
    return Block(_detail_text(title, st, x, f), _detail_html(title, st, x, f), data=st)


def _obs_text(n: float) -> str:
    return f"{int(n):,}" if n == int(n) else fmt_g(n, 9)


#: the plain table: Obs (right edge 25), Mean 37, Std. dev. 49, Min 60, Max 71; with
#: ``aweight``/``iweight`` weights, as Stata's logs show it: Obs (right edge 22), Weight 34 (the
#: sum of the weights, a ``%11.0g``-like number such as ``486061.372`` or ``2.5918e+13`` read off
#: real logs, not documented), Mean 46, Std. dev. 57, Min 68, Max 79
_LAYOUT = {
    False: (
        "    Variable |        Obs        Mean    Std. dev.       Min        Max",
        57,
        11,
        (12, 12, 11, 11),
    ),
    True: (
        "    Variable |     Obs      Weight        Mean   Std. dev.       Min        Max",
        65,
        8,
        (12, 12, 11, 11, 11),
    ),
}


def _table(rows: list, sep: int, weighted: bool = False) -> Block:
    """The summary table, plain or with the Weight column (see :data:`_LAYOUT`)."""
    head, dashes, obs_w, widths = _LAYOUT[weighted]
    rule = "-------------+" + "-" * dashes
    lines = [head, rule]
    hrows: list = []
    for k, (v, st, _x, fmt) in enumerate(rows):
        if k and sep and k % sep == 0:
            lines.append(rule)
            hrows.append(Rule())
        obs = _obs_text(st["N"])
        if st["N"] == 0:
            lines.append(f"{abbrev(v, 12):>12} |{obs:>{obs_w}}")
            hrows.append([v, obs] + [""] * len(widths))
            continue
        f = _cell_format(fmt)
        cells = [fmt_g(st["sum_w"], 11)] if weighted else []
        cells += [f(st["mean"]), f(st["sd"]), f(st["min"]), f(st["max"])]
        lines.append(
            f"{abbrev(v, 12):>12} |{obs:>{obs_w}}"
            + "".join(f"{c:>{w}}" for c, w in zip(cells, widths))
        )
        hrows.append([v, obs, *cells])
    names = ["Variable", "Obs", *(["Weight"] if weighted else []), "Mean", "Std. dev.", "Min"]
    html = html_table([[*names, "Max"]], hrows)
    return Block("\n".join(lines), html, data={v: st for v, st, _, _ in rows})


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
