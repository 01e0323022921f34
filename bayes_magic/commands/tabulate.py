"""``tabulate`` one- and two-way ([R] tabulate oneway, [R] tabulate twoway).

One-way: ``Freq.``, ``Percent`` and ``Cum.`` columns and a ``Total`` row; ``missing`` adds the
missing category, ``generate(stub)`` makes indicator variables, ``sort`` orders by frequency.
Two-way: counts with row and column totals, ``row``/``column``/``cell`` percentages with their
key (``key``/``nokey``), ``expected``, ``rowsort``/``colsort``, and the Pearson (``chi2``) and
likelihood-ratio (``lrchi2``) tests and Cramér's ``V``. Weights are checked as Stata checks
them; ``aweight`` weights are rescaled to sum to the number of observations tabulated. The
options this version cannot honour are refused, never ignored.
"""

from __future__ import annotations

import textwrap

import numpy as np

from ..dataset.stats import group_moments
from ..dataset.varnames import check_new_name, expand_terms
from ..dataset.weights import rescale_aweights
from ..errors import StataError
from ..report.format import fmt_f, fmt_fw, fmt_g
from ..report.output import Block, Output, Rule, Text, html_table
from ..syntax.ast import Command, Varlist
from .data import refuse_options
from .listing import cell_text
from .registry import command
from .summarize import weights

#: options Stata's tabulate has that this version refuses (no matrices; contributions and
#: plots not laid out yet)
_REFUSED = (
    "matcell",
    "matrow",
    "matcol",
    "subpop",
    "plot",
    "cchi2",
    "clrchi2",
)


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
    refuse_options(cmd, _REFUSED)
    ds = s.data
    names = expand_terms(ds, cmd.body.terms)
    w, touse = weights(s, cmd, s.touse(cmd))
    if w is None:
        w = np.ones(ds.nobs)
    if len(names) == 1:
        return _oneway(s, cmd, names[0], touse, w)
    return _twoway(s, cmd, names, touse, w)


@command("tab1", readonly=True)
def tab1(s, cmd: Command) -> list[Output]:
    """``tab1 varlist [if] [in] [weight] [, missing nolabel sort]`` ([R] tabulate oneway): a
    one-way table of each variable, headed ``-> tabulation of var``; ``r()`` is the last's."""
    assert isinstance(cmd.body, Varlist)
    refuse_options(cmd, ("plot",))
    ds = s.data
    names = expand_terms(ds, cmd.body.terms)
    w, touse = weights(s, cmd, s.touse(cmd))
    if w is None:
        w = np.ones(ds.nobs)
    outs: list[Output] = []
    for v in names:
        outs.append(Text(f"\n-> tabulation of {v}"))
        outs += _oneway(s, cmd, v, touse, w)
    return outs


def _freq_text(x: float) -> str:
    """A frequency: whole (within rounding error: rescaled aweights) or with 2 decimals."""
    return f"{x:,.0f}" if abs(x - round(x)) <= 1e-9 * max(1.0, abs(x)) else f"{x:,.2f}"


def _used(codes: list[np.ndarray], w: np.ndarray, cmd: Command) -> tuple[np.ndarray, np.ndarray]:
    """The tabulated observations (every variable in a category) and their weights, aweights
    rescaled to sum to their number."""
    keep = np.all([c >= 0 for c in codes], axis=0)
    ww = w[keep]
    if cmd.weight is not None and cmd.weight.kind == "aweight":
        ww = rescale_aweights(ww)
    return keep, ww


def _by_frequency(freq: np.ndarray) -> np.ndarray:
    """Category order by descending frequency, ties in their value order."""
    return np.argsort(-freq, kind="stable")


def _summarize(s, cmd: Command, v: str, touse: np.ndarray, w: np.ndarray) -> list[Output]:
    """``tabulate g, summarize(y)`` ([R] tabulate, summarize()): the mean, standard deviation
    and frequency of y in each category of g, with the total, laid out as ``oneway, tabulate``
    lays them out; aweights are rescaled as ``summarize`` does."""
    from ..dataset.varnames import resolve

    ds = s.data
    yv = resolve(ds, str(cmd.option("summarize")))
    if ds.is_string(yv):
        raise StataError("type mismatch", 109)
    y = np.asarray(ds.values(yv), dtype=float)
    g = ds.values(v)
    use = touse & ~np.isnan(y)
    if not cmd.has("missing"):
        use &= ~ds.missing(v)
    if not use.any():
        raise StataError("no observations", 2000)
    yy, gg, ww = y[use], g[use], w[use].astype(float)
    if cmd.weight is not None and cmd.weight.kind == "aweight":
        ww = rescale_aweights(ww)
    levels = sorted(set(gg.tolist()), key=lambda a: (a != a, a))
    n_g, m_g, v_g = group_moments(yy, gg, ww, levels)
    N = float(ww.sum())
    grand = float(np.average(yy, weights=ww))
    ss_t = float(np.sum(ww * (yy - grand) ** 2))
    s.r = {"N": N, "r": float(len(levels))}
    obs = [int(np.sum((gg == lv) if lv == lv else np.isnan(gg.astype(float)))) for lv in levels]
    lines = summary_table(ds, yv, v, levels, n_g, m_g, v_g, N, grand, ss_t, cmd, obs)
    text = "\n".join(lines)
    return [Block(text, f"<pre>{text}</pre>", kind="result")]


def summary_table(
    ds, yv, gv, levels, n_g, m_g, v_g, N, grand, ss_t, cmd, obs: list[int] | None = None
) -> list[str]:
    """The mean, standard deviation and frequency of y per category of g and in total, as
    ``tabulate, summarize()`` and ``oneway, tabulate`` lay them out (``nomeans``,
    ``nostandard``, ``nofreq`` leave columns out; ``obs`` adds the number of observations)."""
    cols = [
        (name, f)
        for name, f, on in (
            ("Mean", lambda m, sd, n, o: fmt_g(m, 10), not cmd.has("nomeans")),
            ("Std. dev.", lambda m, sd, n, o: fmt_g(sd, 10), not cmd.has("nostandard")),
            ("Freq.", lambda m, sd, n, o: _freq_text(n), not cmd.has("nofreq")),
            ("Obs.", lambda m, sd, n, o: f"{o:,}", cmd.has("obs") and not cmd.has("noobs")),
        )
        if on
    ]
    if not cols:
        raise StataError("nothing to display", 198)
    width = 12 * len(cols)
    title = f"Summary of {ds.info[yv].label or yv}"
    # the group's label, bottom-aligned; the title on the line above the column heads
    head = _title_lines(ds.info[gv].label or gv, 11)
    head = [""] * max(0, 2 - len(head)) + head
    lines = [f"{h:>11} |" for h in head[:-2]]
    centred = f"{title:^{width}}" if len(title) < width else f" {title}"  # never on the bar
    lines.append(f"{head[-2]:>11} |{centred}".rstrip())
    lines.append(f"{head[-1]:>11} |" + "".join(f"{c:>12}" for c, _f in cols))
    rule = "-" * 12 + "+" + "-" * width
    lines.append(rule)

    def row(label: str, m: float, var: float, n: float, o: int) -> str:
        sd = float(np.sqrt(var)) if var == var else float("nan")
        return f"{label[:11]:>11} |" + "".join(f"{f(m, sd, n, o):>12}" for _c, f in cols)

    counts = list(obs) if obs is not None else [round(n) for n in n_g]
    for lv, n, m, var, o in zip(levels, n_g, m_g, v_g, counts, strict=True):
        lines.append(row(cell_text(ds, gv, lv), m, var, n, o))
    lines.append(rule)
    lines.append(row("Total", grand, ss_t / (N - 1) if N > 1 else float("nan"), N, sum(counts)))
    return lines


def _oneway(s, cmd: Command, v: str, touse: np.ndarray, w: np.ndarray) -> list[Output]:
    ds = s.data
    if cmd.has("summarize"):
        return _summarize(s, cmd, v, touse, w)
    x = ds.values(v)[touse]
    missing = cmd.has("missing")
    vals, labs = _levels(ds, v, x, missing)
    if cmd.has("nolabel"):
        labs = [str(a) if x.dtype == object else cell_text(ds, v, a, nolabel=True) for a in vals]
    codes = _codes(x, vals)
    keep, ww = _used([codes], w[touse], cmd)
    freq = np.bincount(codes[keep], weights=ww, minlength=len(vals))
    n = float(freq.sum())
    if n == 0:
        raise StataError("no observations", 2000)
    gen = cmd.option("generate")
    if gen:
        _indicators(ds, v, gen, vals, labs, touse, missing)
    s.r = {"N": n, "r": len(vals)}
    if cmd.has("nofreq"):
        return []
    order = _by_frequency(freq) if cmd.has("sort") else np.arange(len(vals))
    return [_oneway_block(ds.info[v].label or v, [labs[k] for k in order], freq[order], n)]


def _indicators(ds, v: str, stub: str, vals: list, labs: list[str], touse, missing) -> None:
    """``generate(stub)``: one 0/1 variable per category."""
    for k in range(len(vals)):
        check_new_name(ds, f"{stub}{k + 1}")
    full = _codes(ds.values(v), vals)
    for k in range(len(vals)):
        col = np.where(touse, (full == k).astype(float), np.nan)
        if not missing:
            col[touse & (full < 0)] = np.nan
        ds.set_values(f"{stub}{k + 1}", col, "byte")
        ds.info[f"{stub}{k + 1}"].label = f"{v}=={labs[k]}"


def _oneway_block(title: str, labs: list[str], freq: np.ndarray, n: float) -> Block:
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
        fs = _freq_text(f)
        lines.append(f"{lab:>{width + 1}} |{fs:>11}{fmt_f(pct, 2):>12}{fmt_f(cum, 2):>12}")
        hrows.append([lab, fs, fmt_f(pct, 2), fmt_f(cum, 2)])
    lines.append(rule)
    ns = _freq_text(n)
    lines.append(f"{'Total':>{width + 1}} |{ns:>11}{'100.00':>12}")
    hrows += [Rule(), ["Total", ns, "100.00", ""]]
    html = html_table([[title, "Freq.", "Percent", "Cum."]], hrows)
    return Block("\n".join(lines), html)


_KEY = {
    "freq": "frequency",
    "expected": "expected frequency",
    "row": "row percentage",
    "column": "column percentage",
    "cell": "cell percentage",
}


def _twoway(s, cmd: Command, names: list[str], touse: np.ndarray, w: np.ndarray) -> list[Output]:
    ds = s.data
    rv, cv = names
    missing = cmd.has("missing")
    xr, xc = ds.values(rv)[touse], ds.values(cv)[touse]
    rvals, cvals = _levels(ds, rv, xr, missing)[0], _levels(ds, cv, xc, missing)[0]
    # the categories of the observations in both variables' categories: a value seen only
    # where the other variable is missing has no row (column), as Stata's casewise deletion
    both = (_codes(xr, rvals) >= 0) & (_codes(xc, cvals) >= 0)
    rvals, rlabs = _levels(ds, rv, xr[both], missing)
    cvals, clabs = _levels(ds, cv, xc[both], missing)
    if cmd.has("nolabel"):
        rlabs = [cell_text(ds, rv, a, nolabel=True) if xr.dtype != object else a for a in rvals]
        clabs = [cell_text(ds, cv, a, nolabel=True) if xc.dtype != object else a for a in cvals]
    rc, cc = _codes(xr, rvals), _codes(xc, cvals)
    keep, ww = _used([rc, cc], w[touse], cmd)
    table = np.zeros((len(rvals), len(cvals)))
    np.add.at(table, (rc[keep], cc[keep]), ww)
    if table.sum() == 0:
        raise StataError("no observations", 2000)
    ro = _by_frequency(table.sum(1)) if cmd.has("rowsort") else np.arange(len(rvals))
    co = _by_frequency(table.sum(0)) if cmd.has("colsort") else np.arange(len(cvals))
    table = table[np.ix_(ro, co)]
    rlabs, clabs = [rlabs[k] for k in ro], [clabs[k] for k in co]
    s.r = {"N": table.sum(), "r": len(rvals), "c": len(cvals)}
    notes = _tests(s, cmd, table)
    show = [
        k for k in _KEY if (k == "freq" and not cmd.has("nofreq")) or (k != "freq" and cmd.has(k))
    ]
    if not show:  # nofreq and no other cell statistic: the tests alone, as Stata prints them
        return [Block("\n".join(notes), html_table(None, [], notes=notes))] if notes else []
    key = cmd.has("key") or (show != ["freq"] and not cmd.has("nokey"))
    titles = (ds.info[rv].label or rv, ds.info[cv].label or cv)
    text, hrows = _crosstab(titles, rlabs, clabs, table, show, key)
    if notes:
        text += "\n\n" + "\n".join(notes)
    header = [["", (titles[1], len(clabs)), ""], [titles[0], *clabs, "Total"]]
    return [Block(text, html_table(header, hrows, notes=notes or None))]


def _key_lines(show: list[str]) -> list[str]:
    # the box is as wide as its longest line and a space either side: `| row percentage |`
    # (Stata 17 logs of tabulate, row and tabulate, col: 16 and 19 columns inside)
    kw = max(len(_KEY[x]) for x in show)
    return [
        "+" + "-" * (kw + 2) + "+",
        "| Key" + " " * (kw - 2) + "|",
        "|" + "-" * (kw + 2) + "|",
        *(f"| {_KEY[x]:^{kw}} |" for x in show),
        "+" + "-" * (kw + 2) + "+",
        "",
    ]


def _cells(table: np.ndarray, i: int | None, what: str) -> tuple[list[str], str]:
    """One row's cells of statistic ``what`` and its total (``i`` None: the Total row)."""
    n = table.sum()
    rows_t, cols_t = table.sum(1), table.sum(0)
    row = cols_t if i is None else table[i]
    tot = n if i is None else rows_t[i]
    if what == "freq":
        return [_freq_text(x) for x in row], _freq_text(tot)
    if what == "expected":
        exp = cols_t * (n if i is None else rows_t[i]) / n
        return [fmt_f(x, 1) for x in exp], fmt_f(tot, 1)
    if what == "row":
        return [fmt_f(100 * x / tot if tot else 0, 2) for x in row], "100.00"
    if what == "column":
        return [fmt_f(100 * x / c if c else 0, 2) for x, c in zip(row, cols_t)], fmt_f(
            100 * tot / n, 2
        )
    return [fmt_f(100 * x / n, 2) for x in row], fmt_f(100 * tot / n, 2)


def _crosstab(titles, rlabs, clabs, table, show, key) -> tuple[str, list]:
    """The two-way table's text (key, titles, body, totals) and its HTML rows."""
    rtitle, ctitle = titles
    stubw = max([10, *(len(x) for x in rlabs)])
    cw = max([10, *(len(x) for x in clabs)])
    block = (cw + 1) * len(clabs)
    lines = _key_lines(show) if key else []
    pad = (block - len(ctitle) + 1) // 2
    rlines = _title_lines(rtitle, stubw)
    if len(rlines) == 1:
        rlines = ["", *rlines]
    for k, line in enumerate(rlines[:-1]):
        tail = " " * max(pad, 1) + ctitle if k == len(rlines) - 2 else ""
        lines.append(f"{line:>{stubw}} |" + tail)
    lines.append(
        f"{rlines[-1]:>{stubw}} |" + "".join(f"{c:>{cw}} " for c in clabs) + "|" + f"{'Total':>10}"
    )
    rule = "-" * (stubw + 1) + "+" + "-" * block + "+" + "-" * 10
    lines.append(rule)
    hrows: list = []
    for i, lab in [*enumerate(rlabs), (None, "Total")]:
        if i is None and len(show) == 1:
            lines.append(rule)
            hrows.append(Rule())
        for j, what in enumerate(show):
            vals, tot = _cells(table, i, what)
            stub = lab if j == 0 else ""
            lines.append(
                f"{stub:>{stubw}} |" + "".join(f"{v:>{cw}} " for v in vals) + f"|{tot:>10}"
            )
            hrows.append([stub, *vals, tot])
        if i is not None and len(show) > 1:
            lines.append(rule)
            hrows.append(Rule())
    # Stata ends body rows with a blank; trailing blanks are not printed here
    return "\n".join(ln.rstrip() for ln in lines), hrows


def _stat(label: str, rest: str) -> str:
    """A line under the table: the label right-aligned to column 27, then its numbers."""
    return f"{label + ' =':>27} {rest}"


def _tests(s, cmd: Command, table: np.ndarray) -> list[str]:
    """The requested tests' lines (``chi2``, ``lrchi2``, ``V``, ``gamma``, ``taub``, ``exact``;
    ``all`` is all but ``exact``), their r() results added."""
    from scipy.stats import chi2 as chi2_dist

    from .tabulate_tests import fisher_exact, gamma_taub

    def wants(name: str) -> bool:
        return cmd.has(name) or (cmd.has("all") and name != "exact")

    n = table.sum()
    rows_t, cols_t = table.sum(1), table.sum(0)
    expected = np.outer(rows_t, cols_t) / n
    df = (table.shape[0] - 1) * (table.shape[1] - 1)
    notes = []
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = float(np.nansum((table - expected) ** 2 / expected))
        p = float(chi2_dist.sf(chi2, df)) if df > 0 else np.nan
        if wants("chi2") or wants("V"):
            s.r.update(chi2=chi2, p=p)
        if wants("chi2"):
            notes.append(
                _stat(f"Pearson chi2({df})", f"{fmt_fw(chi2, 8, 4)}   Pr = {fmt_fw(p, 5, 3)}")
            )
        if wants("lrchi2"):
            pos = table > 0
            lr = float(2 * np.sum(table[pos] * np.log(table[pos] / expected[pos])))
            p_lr = float(chi2_dist.sf(lr, df)) if df > 0 else np.nan
            s.r.update(chi2_lr=lr, p_lr=p_lr)
            notes.append(
                _stat(
                    f"Likelihood-ratio chi2({df})",
                    f"{fmt_fw(lr, 8, 4)}   Pr = {fmt_fw(p_lr, 5, 3)}",
                )
            )
        if wants("V"):
            v = np.sqrt(chi2 / n / max(1, min(table.shape) - 1))
            if table.shape == (2, 2):
                v = (table[0, 0] * table[1, 1] - table[0, 1] * table[1, 0]) / np.sqrt(
                    rows_t.prod() * cols_t.prod()
                )
            s.r["CramersV"] = float(v)
            notes.append(_stat("Cramér's V", fmt_fw(v, 8, 4)))
    if wants("gamma") or wants("taub"):
        g, ase_g, tb, ase_tb = gamma_taub(table)
        if wants("gamma"):
            s.r.update(gamma=g, ase_gam=ase_g)
            notes.append(_stat("gamma", f"{fmt_fw(g, 8, 4)}  ASE = {fmt_fw(ase_g, 5, 3)}"))
        if wants("taub"):
            s.r.update(taub=tb, ase_taub=ase_tb)
            notes.append(
                _stat("Kendall's tau-b", f"{fmt_fw(tb, 8, 4)}  ASE = {fmt_fw(ase_tb, 5, 3)}")
            )
    if wants("exact"):
        kind = cmd.weight.kind if cmd.weight is not None else None
        if kind in ("aweight", "iweight") or np.any(table != np.rint(table)):
            raise StataError("exact not allowed with aweights or iweights", 101)
        p_exact, p1 = fisher_exact(table)
        s.r["p_exact"] = p_exact
        notes.append(_stat("Fisher's exact", f"{'':15} {p_exact:5.3f}"))
        if p1 is not None:
            s.r["p1_exact"] = p1
            notes.append(_stat("1-sided Fisher's exact", f"{'':15} {p1:5.3f}"))
    return notes


@command("tab2", readonly=True)
def tab2(s, cmd: Command) -> list[Output]:
    """``tab2 varlist [if] [in] [weight] [, tabulate's two-way options]`` ([R] tabulate twoway):
    the two-way table of every pair of the variables, each headed ``-> tabulation of a by b``;
    ``r()`` is the last table's."""
    assert isinstance(cmd.body, Varlist)
    ds = s.data
    names = expand_terms(ds, cmd.body.terms)
    if len(names) < 2:
        raise StataError("too few variables specified", 102)
    w, touse = weights(s, cmd, s.touse(cmd))
    if w is None:
        w = np.ones(ds.nobs)
    outs: list[Output] = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            outs.append(Text(f"\n-> tabulation of {a} by {b}"))
            outs += _twoway(s, cmd, [a, b], touse, w)
    return outs
