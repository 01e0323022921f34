"""``mlogit`` ([R] mlogit): multinomial logistic regression: fit, store ``e()``, display,
replay.

The layout is Stata's: the iteration log from the constant-only model, the header of the ML
commands (LR test and pseudo R²), and one equation per outcome, the base outcome's reading
``(base outcome)``; ``rrr`` shows relative-risk ratios with Stata's note on the constants.
Equations are named by the outcomes' value labels (made names, as ``strtoname()`` makes them)
or values.
``e(b)`` holds every outcome's equation, the base outcome's coefficients zero and marked
omitted (``Indemnity:o.age``), as Stata stores them. The fit is
:func:`bayes_magic.fit.mlogit.fit_mlogit`.
"""

from __future__ import annotations

import math
import re

import numpy as np

from ..dataset.string_functions import _strtoname
from ..design.mixed import build_mixed_design
from ..errors import StataError
from ..fit.estimates import Estimates, vce_entries
from ..fit.mlogit import MlogitFit, fit_mlogit
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
from ..report.format import abbrev, fmt_g
from ..report.output import LazyBlock, Output, Text
from ..spec.model import build_mixed, vce_option
from ..syntax.ast import Command, MultilevelModel
from ..syntax.unparse import cmdline, weight_text
from . import mixed_display as D
from .estimates import replay_active, replayer
from .glm import ml_header, ml_log
from .registry import command

__all__ = ["mlogit_outputs", "outcome_names"]

TITLE = "Multinomial logistic regression"
_DISPLAY = (
    "level",
    "rrr",
    "noheader",
    "notable",
    "nolog",
    "log",
    "nocnsreport",
    *DISPLAY_OPTIONS,
)
_RRR_NOTE = "Note: _cons estimates baseline relative risk for each outcome."


def outcome_names(ds, depvar: str, values: np.ndarray) -> list[str]:
    """The equation name of each outcome: its value label made a name as ``strtoname()``
    makes one (``mid 50%`` is ``mid_50_``), or its value, as ``mlogit`` names its equations
    by their labels."""
    inf = ds.info.get(depvar) if hasattr(ds.info, "get") else ds.info[depvar]
    labels = ds.value_labels.get(inf.vlabel, {}) if inf is not None and inf.vlabel else {}
    out = []
    for v in values:
        lab = labels.get(int(v)) if float(v) == int(v) else None
        out.append(_strtoname(lab.strip()) if lab else fmt_g(float(v), 9).strip())
    return out


def _omitted_name(name: str) -> str:
    """A base outcome's coefficient name, marked omitted: ``o.age``, ``2o.site``, ``1b.site``
    (a base level keeps its mark), ``1o.g#co.x`` in an interaction."""
    parts = []
    for p in name.split("#"):
        if p.startswith("c."):  # a continuous part of an interaction: co.x
            parts.append("co." + p[2:])
            continue
        m = re.fullmatch(r"(\d+)([bno]*)\.(.+)", p)
        if m:
            marks = m.group(2) if "b" in m.group(2) or "o" in m.group(2) else m.group(2) + "o"
            parts.append(f"{m.group(1)}{marks}.{m.group(3)}")
        else:
            parts.append(p if p.startswith("o.") else f"o.{p}")
    return "#".join(parts)


def _table(
    fit: MlogitFit, eqs: list[str], level: float, eform: bool, vcetype: str | None
) -> CoefTable:
    d = fit.design
    p = len(d.coef_index)
    equations = []
    for k, name in enumerate(eqs):
        if k == fit.base:
            equations.append(Equation(name, [CoefRow("", kind="base_outcome")]))
            continue
        m = fit.others.index(k)
        sl = slice(m * p, (m + 1) * p)
        rows = D.fixed_rows(d.columns, d.coef_index, fit.B[:, k], fit.V[sl, sl], level)
        if eform:
            exponentiate(rows)
        equations.append(Equation(name, rows))
    ci = f"[{int(level) if level == int(level) else f'{level:g}'}% conf. interval]"
    header, fmt_row, titles, cells, pre = ml_columns(
        "RRR" if eform else "Coefficient", "z", ci, vcetype
    )
    return CoefTable(
        equations,
        header,
        fmt_row,
        titles,
        cells,
        stub_title=abbrev(d.depvar, 12),
        base_text="1" if eform else "0",
        pre_header=pre,
    )


def mlogit_outputs(est: Estimates, opts: dict) -> list[Output]:
    """The display of an ``mlogit`` fit under display options ``opts``."""
    fit: MlogitFit = est.fit
    level = float(opts.get("level", 95))
    eform = bool(opts.get("rrr"))
    eqs = est.macros["eqnames"].split()
    table = None
    results = None
    if not opts.get("notable"):
        table = _table(fit, eqs, level, eform, "Robust" if fit.vce != "oim" else None)
        shown = [n for n in est.bnames if n.split(":", 1)[0] != eqs[fit.base]]
        results = table_results(table, shown, level, eform=eform)

    def render() -> tuple[str, str]:
        parts, html = [], []
        if not opts.get("noheader"):
            head = "\n".join(ml_header(est, opts))
            parts.append(head)
            html.append(f"<pre style='margin:0'>{head}</pre>")
        if table is not None:
            D.add_table(parts, html, restyle(table, opts, eq_names=True), fit)
            if eform and fit.constant:
                parts[-1] += "\n" + _RRR_NOTE
                html.append(f"<pre style='margin:0'>{_RRR_NOTE}</pre>")
        return "\n\n".join(parts), "".join(html)

    outs: list[Output] = [LazyBlock(render, data=est, results=results)]
    if not fit.converged:
        outs.append(Text("Warning: convergence not achieved", kind="note"))
    return outs


def _estimates(fit: MlogitFit, eqs: list[str], cmd: Command, spec) -> Estimates:
    d = fit.design
    k = len(d.columns)
    J = len(fit.values)
    names: list[str] = []
    b = np.zeros(k * J)
    V = np.zeros((k * J, k * J))
    p = len(d.coef_index)
    for j, eq in enumerate(eqs):
        if j == fit.base:
            names += [f"{eq}:{_omitted_name(c.name)}" for c in d.columns]
            continue
        names += [f"{eq}:{c.name}" for c in d.columns]
        b[[j * k + i for i in d.coef_index]] = fit.B[:, j]
    pos = [j * k + i for j in fit.others for i in d.coef_index]
    V[np.ix_(pos, pos)] = fit.V
    chi2, df, pv = fit.lr_test()
    w = np.ones(d.n) if d.weights is None or d.weight_kind != "fweight" else d.weights
    scalars = {
        "N": float(w.sum()),
        "ll": fit.ll,
        "ll_0": fit.ll0,
        "chi2": chi2,
        "p": pv,
        "df_m": float(df),
        "k": float(k * J),
        "k_out": float(J),
        "k_eq": float(J),
        "k_eq_model": float(J - 1),
        "k_dv": 1.0,
        "ibaseout": float(fit.base + 1),
        "baseout": float(fit.values[fit.base]),
        "rank": float(p * (J - 1)),
        "ic": float(len(fit.iterations) - 1),
        "converged": float(fit.converged),
    }
    if fit.constant:
        scalars["r2_p"] = 1.0 - fit.ll / fit.ll0 if fit.ll0 != 0 else math.nan
    macros = {
        "cmd": "mlogit",
        "depvar": d.depvar,
        "title": TITLE,
        "chi2type": "Wald" if fit.wald_test else "LR",
        "vce": fit.vce,
        "predict": "mlogit_p",
        "eqnames": " ".join(eqs),
        "k_eq_model_skip": str(fit.base + 1),
        "properties": "b V",
        "marginsok": "default Pr",
    }
    vce_entries(fit, "Robust" if fit.vce != "oim" else None, weight_text(cmd), macros, scalars)
    return Estimates.of_fit(
        "mlogit", cmdline(cmd), names, b, V, scalars, macros, fit=fit, command=cmd, spec=spec
    )


def _base_option(cmd: Command) -> tuple[float | None, int | None]:
    raw = cmd.option("baseoutcome")
    if raw is None or raw is True:
        return None, None
    t = str(raw).strip()
    try:
        if t.startswith("#"):
            return None, int(t[1:])
        return float(t), None
    except ValueError:
        raise StataError("baseoutcome() must be a value of the outcome or #k", 198) from None


@command("mlogit", byable="repeat")
def mlogit(s, cmd: Command) -> list[Output]:
    body = cmd.body
    assert isinstance(body, MultilevelModel)
    if body.depvar is None:
        return replay_active(s, cmd, "mlogit", _DISPLAY, mlogit_outputs)
    if body.levels:
        raise StataError("||: random effects are not allowed with mlogit", 198)
    for o in ("constraints", "collinear", "from"):
        if cmd.has(o):
            raise StataError(f"option {o} is not available in bayes_magic's mlogit yet", 198)
    if cmd.weight is not None and cmd.weight.kind not in ("fweight", "pweight"):
        raise StataError(f"{cmd.weight.kind}s are not available in bayes_magic's mlogit yet", 101)
    opts = {o.name: o.value for o in cmd.options}
    base, base_pos = _base_option(cmd)
    vce = vce_option(cmd, "oim")
    spec = build_mixed(cmd)
    constant = not any(o.name == "noconstant" for o in body.fixed_options)
    d = build_mixed_design(s.data, spec, s.touse(cmd), (), cluster=vce.cluster)
    if vce.kind == "cluster" and d.n_clusters == 1:
        raise StataError("only one cluster in the estimation sample", 459)
    fit = fit_mlogit(
        d,
        base=base,
        base_position=base_pos,
        vce=vce.kind,
        iterate=int(cmd.option("iterate", 300)),
        constant=constant,
    )
    eqs = outcome_names(s.data, d.depvar, fit.values)
    if len(set(eqs)) < len(eqs):
        eqs = [fmt_g(float(v), 9).strip() for v in fit.values]
    est = _estimates(fit, eqs, cmd, spec)
    est.ids = s.data.ids[d.sample]
    s.e = est
    outs: list[Output] = [Text(n, kind="note") for n in d.notes]
    if not cmd.has("nolog"):
        if outs:
            outs.append(Text(""))
        outs.append(Text(ml_log(fit) + "\n", kind="log"))
    return outs + mlogit_outputs(est, opts)


replayer("mlogit")(lambda est: mlogit_outputs(est, dict(est.options)))
