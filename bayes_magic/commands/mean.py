"""``mean varlist [if] [in] [fweight] [, over(varlist) level(#)]`` ([R] mean): means with
their standard errors and t intervals as an estimation command (``e(b)``, ``e(V)``, so that
``test``, ``lincom`` and ``nlcom`` work on them).

The observations with any variable missing are left out (casewise). Without ``over()``,
e(V) = S/N with S the variables' sample covariance; with ``over()`` each group's means
have the covariance S_g/N_g and groups are independent. Intervals are t on N − 1 degrees of
freedom, N the observations used (e(df_r)), as Stata's.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..dataset.varnames import expand_terms
from ..errors import StataError
from ..fit.estimates import Estimates
from ..report.coeftable import CoefRow, CoefTable, Equation, table_results
from ..report.format import fmt_g
from ..report.output import LazyBlock, Output
from ..syntax.ast import Command, Varlist
from ..syntax.unparse import cmdline
from .estimates import replayer
from .listing import cell_text
from .registry import command

__all__: list[str] = []


def _table(est: Estimates, level: float) -> CoefTable:
    df = est.scalars["df_r"]
    tq = float(stats.t.ppf(0.5 + level / 200, df)) if df > 0 else math.nan
    eqs: list[Equation] = []
    groups = est.fit["groups"]
    names = est.fit["vars"]
    se = np.sqrt(np.diag(est.V))

    def values(j: int) -> list[float]:
        """b se t p ll ul: the t test of a zero mean is in r(table), not in the display."""
        b, s_ = float(est.b[j]), float(se[j])
        t = b / s_ if s_ > 0 else math.nan
        p = 2 * float(stats.t.sf(abs(t), df)) if t == t and df > 0 else math.nan
        return [b, s_, t, p, b - tq * s_, b + tq * s_]

    if not groups:
        eqs.append(Equation("", [CoefRow(v, values(j), param=v) for j, v in enumerate(names)]))
    else:
        over = est.macros["over"]
        k = 0
        for v in names:
            rows = []
            for label in groups:
                rows.append(CoefRow(label, values(k), kind="level", param=est.bnames[k]))
                k += 1
            eqs.append(Equation(f"c.{v}@{over}", rows))

    def row_format(r: CoefRow) -> str:
        b, s_, _t, _p, lo, hi = r.values
        return f"{fmt_g(b, 9):>11}{fmt_g(s_, 9):>11}{fmt_g(lo, 9):>13}{fmt_g(hi, 9):>12}"

    head = f"{'Mean':>11}{'Std. err.':>12}{f'[{level:g}% conf. interval]':>25}"

    def cells(r: CoefRow) -> list[str]:
        b, s_, _t, _p, lo, hi = r.values
        return [r.label, *(fmt_g(x, 9) for x in (b, s_, lo, hi))]

    return CoefTable(
        eqs,
        head,
        row_format,
        ["", "Mean", "Std. err.", "Lower", "Upper"],
        cells,
        width=62,
        blocks=bool(groups),
        named=bool(groups),
    )


def mean_outputs(est: Estimates, opts: dict) -> list[Output]:
    level = float(opts.get("level", 95))
    t = _table(est, level)
    results = table_results(t, est.bnames, level, stat="t", df=est.scalars["df_r"])

    def render() -> tuple[str, str]:
        n = f"{int(est.scalars['N']):,}"
        head = f"{'Mean estimation':<{62 - 16 - len(n)}}Number of obs = {n}"
        if opts.get("noheader"):
            return t.text(), t.html()
        return f"{head}\n\n{t.text()}", f"<pre>{head}</pre>" + t.html()

    return [LazyBlock(render, data=est, results=results)]


@command("mean", byable="repeat")
def mean(s, cmd: Command) -> list[Output]:
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    if not terms:
        from .estimates import replay_active

        return replay_active(s, cmd, "mean", ("level", "noheader"), mean_outputs)
    for o in ("vce", "stdize", "stdweight", "coeflegend"):
        if cmd.has(o):
            raise StataError(f"option {o}() is not available in bayes_magic's mean yet", 198)
    names = expand_terms(ds, terms)
    for v in names:
        if ds.is_string(v):
            raise StataError("string variables not allowed in varlist", 109)
    over = cmd.option("over")
    over_vars = expand_terms(ds, _over_terms(str(over))) if over else []
    touse = s.touse(cmd)
    X = np.column_stack([np.asarray(ds.values(v), dtype=float) for v in names])
    touse &= ~np.isnan(X).any(axis=1)
    w = np.ones(ds.nobs)
    if cmd.weight is not None:
        if cmd.weight.kind != "fweight":
            raise StataError(f"{cmd.weight.kind}s are not available in bayes_magic's mean yet", 101)
        from ..dataset.evaluate import Context, evaluate
        from ..dataset.weights import check_weights

        w = np.asarray(evaluate(cmd.weight.expr, Context(ds)), dtype=float)
        touse = check_weights(w, "fweight", touse)
    for v in over_vars:
        vals = ds.values(v)
        touse &= ~(np.isnan(vals) if vals.dtype != object else (vals == ""))
    if not touse.any():
        raise StataError("no observations", 2000)
    Xs, ws = X[touse], w[touse]
    N = float(ws.sum())
    if N < 2:
        raise StataError("insufficient observations", 2001)
    bnames: list[str] = []
    groups: list[str] = []
    if not over_vars:
        b = np.average(Xs, axis=0, weights=ws)
        S = np.atleast_2d(np.cov(Xs, rowvar=False, fweights=ws.astype(int)))
        V = S / N
        bnames = list(names)
    else:
        keys = [ds.values(v)[touse] for v in over_vars]
        combos = sorted({tuple(k[i] for k in keys) for i in range(len(Xs))})
        labels = [", ".join(cell_text(ds, v, val) for v, val in zip(over_vars, c)) for c in combos]
        G, K = len(combos), len(names)
        b = np.zeros(K * G)  # variables outer, groups inner: position j * G + g
        V = np.zeros((K * G, K * G))
        for g, c in enumerate(combos):  # one pass per group: its means and covariance / N_g
            sel = np.all([k == val for k, val in zip(keys, c)], axis=0)
            Xg, wg = Xs[sel], ws[sel]
            ng = float(wg.sum())
            m = np.average(Xg, axis=0, weights=wg)
            D = Xg - m
            S = (D * wg[:, None]).T @ D / (ng - 1) if ng > 1 else np.full((K, K), math.nan)
            idx = np.arange(K) * G + g
            b[idx] = m
            V[np.ix_(idx, idx)] = S / ng
        for j in range(K):
            for c in combos:
                cname = "#".join(f"{_code(val)}.{ov}" for ov, val in zip(over_vars, c))
                bnames.append(f"c.{names[j]}@{cname}")
        groups = labels
    est = Estimates(
        "mean",
        cmdline(cmd),
        bnames,
        np.asarray(b, dtype=float),
        V,
        touse.copy(),
        {
            "N": N,
            "df_r": N - 1,
            "k_eq": 1.0,
            "N_over": float(len(groups) or 1),
            "rank": float(len(b)),
        },
        {
            "cmd": "mean",
            "title": "Mean estimation",
            "varlist": " ".join(names),
            "over": " ".join(over_vars),
            "vce": "analytic",
            "wtype": cmd.weight.kind if cmd.weight is not None else "",
        },
        fit={"vars": names, "groups": groups},
        options={o.name: o.value for o in cmd.options},
    )
    est.ids = ds.ids[touse]
    s.e = est
    return mean_outputs(est, {o.name: o.value for o in cmd.options})


def _over_terms(text: str):
    from ..syntax.ast import VarName

    return tuple(VarName(w) for w in text.replace(",", " ").split() if w != "nolabel")


def _code(val) -> str:
    if isinstance(val, str):
        return val
    f = float(val)
    return str(int(f)) if f.is_integer() else fmt_g(f, 9).strip()


replayer("mean")(lambda est: mean_outputs(est, dict(est.options)))
