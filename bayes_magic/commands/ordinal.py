"""``ologit`` and ``oprobit`` ([R] ologit, [R] oprobit): fit, store ``e()``, display, replay.

The layout is Stata's: the iteration log from the constant-only model, the header of the ML
commands (LR test and pseudo R²), and the table of coefficients followed by the cutpoints
``/cut1`` ... (no z test for them); ``ologit, or`` shows odds ratios. The fit is
:func:`bayes_magic.fit.ordinal.fit_ordinal`.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy import stats

from ..dataset.varnames import resolve
from ..design.mixed import build_mixed_design, without_constant
from ..design.newdata import numeric_values
from ..errors import StataError
from ..fit.estimates import Estimates, vce_entries
from ..fit.ordinal import OrdinalFit, fit_ordinal
from ..report.coeftable import (
    DISPLAY_OPTIONS,
    CoefRow,
    CoefTable,
    Equation,
    exponentiate,
    ml_columns,
    restyle,
    table_results,
)
from ..report.format import abbrev
from ..report.output import LazyBlock, Output, Text
from ..spec.model import build_mixed, me_option, vce_option
from ..syntax.ast import Command, MultilevelModel
from ..syntax.unparse import cmdline, weight_text
from . import mixed_display as D
from .estimates import replay_active, replayer
from .glm import ml_header, ml_log
from .registry import command

__all__ = ["ordinal_outputs"]

TITLES = {"ologit": "Ordered logistic regression", "oprobit": "Ordered probit regression"}
_DISPLAY = (
    "level",
    "or",
    "noheader",
    "notable",
    "nolog",
    "log",
    "nocnsreport",
    *DISPLAY_OPTIONS,
)


def _table(fit: OrdinalFit, level: float, eform: bool, vcetype: str | None) -> CoefTable:
    """Coefficients (odds ratios with ``or``), then the cutpoints without z and p."""
    d = fit.design
    rows = D.fixed_rows(d.columns, d.coef_index, fit.beta, fit.V_beta, level)
    if fit.offset_name:
        if rows and rows[-1].kind != "coef":  # after a factor's levels, a separating line
            rows.append(CoefRow("", kind="blank"))
        rows.append(CoefRow(fit.offset_name, kind="offset"))
    if eform:
        exponentiate(rows)
    zq = float(stats.norm.ppf(0.5 + level / 200))
    p = len(fit.beta)
    cuts = []
    for j, c in enumerate(fit.cuts):
        se = float(np.sqrt(fit.V[p + j, p + j]))
        cuts.append(
            CoefRow(
                f"/cut{j + 1}",
                [c, se, math.nan, math.nan, c - zq * se, c + zq * se],
                param=f"/cut{j + 1}",
            )
        )
    ci = f"[{int(level) if level == int(level) else f'{level:g}'}% conf. interval]"
    first = "Odds ratio" if eform else "Coefficient"
    header, fmt_row, titles, cells, pre = ml_columns(first, "z", ci, vcetype)
    # the depvar heads the stub; a rule, not an equation name, separates the cutpoints
    eqs = [Equation("", rows)] if rows else []  # the constant-only model: cutpoints only
    return CoefTable(
        [*eqs, Equation("", cuts)],
        header,
        fmt_row,
        titles,
        cells,
        stub_title=abbrev(d.depvar, 12),
        base_text="1" if eform else "0",
        pre_header=pre,
    )


def ordinal_outputs(est: Estimates, opts: dict) -> list[Output]:
    """The display of an ordered-outcome fit under display options ``opts``."""
    fit: OrdinalFit = est.fit
    if opts.get("or") and est.cmd != "ologit":
        raise StataError("option or not allowed", 198)
    level = float(opts.get("level", 95))
    table = None
    results = None
    if not opts.get("notable"):
        eform = bool(opts.get("or"))
        table = _table(fit, level, eform, "Robust" if fit.vce != "oim" else None)
        results = table_results(table, est.bnames, level, eform=eform)

    def render() -> tuple[str, str]:
        parts, html = [], []
        if not opts.get("noheader"):
            head = "\n".join(ml_header(est, opts))
            parts.append(head)
            html.append(f"<pre style='margin:0'>{head}</pre>")
        if table is not None:
            D.add_table(parts, html, restyle(table, opts), fit)
        return "\n\n".join(parts), "".join(html)

    outs: list[Output] = [LazyBlock(render, data=est, results=results)]
    if not fit.converged:
        outs.append(Text("Warning: convergence not achieved", kind="note"))
    return outs


def _estimates(fit: OrdinalFit, name: str, cmd: Command, spec) -> Estimates:
    d = fit.design
    names = [f"{d.depvar}:{c.name}" for c in d.columns]
    k = len(d.columns)
    J1 = len(fit.cuts)
    b = np.zeros(k + J1)
    b[d.coef_index] = fit.beta
    b[k:] = fit.cuts
    pos = [*d.coef_index, *range(k, k + J1)]
    V = np.zeros((k + J1, k + J1))
    V[np.ix_(pos, pos)] = fit.V
    names += [f"/:cut{j + 1}" for j in range(J1)]  # Stata's free parameters
    chi2, df, p = fit.lr_test()
    w = np.ones(d.n) if d.weights is None or d.weight_kind != "fweight" else d.weights
    scalars = {
        "N": float(w.sum()),
        "ll": fit.ll,
        "ll_0": fit.ll0,
        "chi2": chi2,
        "p": p,
        "df_m": float(df),
        "r2_p": 1.0 - fit.ll / fit.ll0 if fit.ll0 != 0 else float("nan"),
        "k": float(k + J1),
        "k_cat": float(len(fit.values)),
        "k_eq": float(len(fit.values)),  # the coefficients' equation and one per cutpoint
        "k_eq_model": 1.0,
        "k_dv": 1.0,
        "k_aux": float(J1),
        "rank": float(len(pos)),
        "ic": float(len(fit.iterations) - 1),
        "converged": float(fit.converged),
    }
    macros = {
        "cmd": name,
        "depvar": d.depvar,
        "title": TITLES[name],
        "chi2type": "Wald" if fit.wald_test else "LR",
        "vce": fit.vce,
        "predict": f"{name}_p",
        "offset": fit.offset_name or "",
    }
    vce_entries(fit, "Robust" if fit.vce != "oim" else None, weight_text(cmd), macros, scalars)
    return Estimates.of_fit(
        name, cmdline(cmd), names, b, V, scalars, macros, fit=fit, command=cmd, spec=spec
    )


def _make(name: str):
    link = "logit" if name == "ologit" else "probit"

    def handler(s, cmd: Command) -> list[Output]:
        body = cmd.body
        assert isinstance(body, MultilevelModel)
        if body.depvar is None:
            return replay_active(s, cmd, name, _DISPLAY, ordinal_outputs)
        if body.levels:
            raise StataError(f"||: random effects are not allowed with {name}; see me{name}", 198)
        for o in ("irr", "coef", "eform", "exposure", "asis"):
            if cmd.has(o) or me_option(cmd, o) is not None:
                raise StataError(f"option {o} not allowed", 198)
        for o in ("constraints", "collinear", "from"):
            if cmd.has(o):
                raise StataError(f"option {o} is not available in bayes_magic's {name} yet", 198)
        if any(o.name == "noconstant" for o in body.fixed_options):
            raise StataError("option noconstant not allowed", 198)
        if cmd.weight is not None and cmd.weight.kind not in ("fweight", "pweight"):
            raise StataError(
                f"{cmd.weight.kind}s are not available in bayes_magic's {name} yet", 101
            )
        opts = {o.name: o.value for o in cmd.options}
        vce = vce_option(cmd, "oim")
        spec = build_mixed(cmd)
        # the constant stands in for the cutpoints while collinear columns are found (a
        # variable constant in the sample is omitted, as Stata's _rmcoll does), then goes
        offset = me_option(cmd, "offset")
        d = build_mixed_design(
            s.data,
            replace(spec, constant=True),
            s.touse(cmd),
            (offset,) if offset else (),
            cluster=vce.cluster,
        )
        d = without_constant(d)
        off = numeric_values(s.data, offset)[d.sample] if offset else None
        offset_name = resolve(s.data, offset) if offset else None
        if vce.kind == "cluster" and d.n_clusters == 1:
            raise StataError("only one cluster in the estimation sample", 459)
        fit = fit_ordinal(
            d,
            link,
            vce=vce.kind,
            iterate=int(cmd.option("iterate", 300)),
            offset=off,
            offset_name=offset_name,
        )
        est = _estimates(fit, name, cmd, spec)
        est.ids = s.data.ids[d.sample]
        s.e = est
        outs: list[Output] = [Text(n, kind="note") for n in d.notes]
        if not cmd.has("nolog"):
            if outs:
                outs.append(Text(""))
            outs.append(Text(ml_log(fit) + "\n", kind="log"))
        return outs + ordinal_outputs(est, opts)  # refuses oprobit, or before any output

    return handler


for _name in TITLES:
    command(_name, byable="repeat")(_make(_name))
    replayer(_name)(lambda est: ordinal_outputs(est, dict(est.options)))
