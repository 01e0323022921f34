"""``menl`` ([ME] menl): nonlinear mixed-effects regression; replay with ``menl`` alone.

The fit is :func:`bayes_magic.fit.nonlinear.fit_nonlinear` (Lindstrom-Bates). The display is
Stata's: the header with "Linearization log likelihood", the table of the fixed-effects
parameters (``/b1``), and the random-effects table of ``mixed``.
"""

from __future__ import annotations

import numpy as np

from ..design.factors import Column
from ..design.nonlinear import build_nonlinear_design
from ..errors import StataError
from ..fit.estimates import Estimates
from ..fit.mixed import stored_values
from ..fit.nonlinear import NonlinearFit, fit_nonlinear
from ..report.coeftable import (
    DISPLAY_OPTIONS,
    CoefTable,
    Equation,
    ml_table,
    restyle,
    table_results,
)
from ..report.format import abbrev, fmt_g, iteration_line
from ..report.output import Output, Text
from ..spec.nonlinear import build_menl
from ..syntax.ast import Command
from ..syntax.unparse import cmdline
from . import mixed_display as D
from .estimates import replay_active, replayer
from .registry import command

__all__ = ["menl_outputs"]


def _full_b(fit: NonlinearFit) -> tuple[list[str], np.ndarray, np.ndarray]:
    """e(b)'s fixed part: each linear combination's columns (base and omitted levels as
    zeros, ``xb:1b.g``, as ``mixed`` stores them), then the scalar parameters; and its V."""
    d, V_beta = fit.design, fit.lme.V_beta
    names: list[str] = []
    where: list[int | None] = []
    for eq, cols, pos in d.equations:
        est = iter(pos)
        for c in cols:
            names.append(f"{eq}:{c.name}")
            where.append(next(est) if c.kind == "coef" and c.name in _estimated(d, eq) else None)
    k = sum(len(p) for _, _, p in d.equations)
    for j, n in enumerate(d.pnames[k:]):
        names.append("/:" + n[1:])  # /b1: Stata's free parameter /:b1
        where.append(k + j)
    b = np.array([fit.beta[w] if w is not None else 0.0 for w in where])
    V = np.zeros((len(b), len(b)))
    live = [i for i, w in enumerate(where) if w is not None]
    src = [where[i] for i in live]
    V[np.ix_(live, live)] = V_beta[np.ix_(src, src)]
    return names, b, V


def _estimated(d, eq: str) -> set[str]:
    return {n.split(":", 1)[1] for n in d.pnames if n.startswith(f"{eq}:")}


def _estimates(fit: NonlinearFit, cmd: Command, line: str, spec) -> Estimates:
    lme, d = fit.lme, fit.design
    fnames, fb, fV = _full_b(fit)
    names = fnames + [f"{p.name}:_cons" for p in lme.params]
    pvals = stored_values(lme.params)  # finite at the boundary, as mixed's
    b = np.concatenate([fb, pvals])
    k = len(b)
    f = len(fb)
    V = np.zeros((k, k))
    V[:f, :f] = fV
    live = [i for i, p in enumerate(lme.params) if not p.boundary]
    for a, i in enumerate(live):
        for c, j in enumerate(live):
            V[f + i, f + j] = lme.V_params[a, c]
    method = "REML" if fit.reml else "ML"
    scalars = {
        "N": float(d.n),
        "k": float(k),
        "k_f": float(d.p),
        "k_r": float(len(lme.params)),
        "k_rs": float(d.q),
        "ll": fit.ll,
        "converged": float(fit.converged),
        "ic": float(len(fit.iterations)),
        "rank": float(d.p + len(lme.params)),  # estimated columns only, not base levels
    }
    if len(d.levels) == 1:
        lv = d.levels[0]
        sizes = np.bincount(lv.groups, minlength=lv.G)
        scalars.update(
            N_g=float(lv.G),
            g_min=float(sizes.min()),
            g_avg=float(sizes.mean()),
            g_max=float(sizes.max()),
        )
    macros = {
        "cmd": "menl",
        "depvar": d.depvar,
        "title": _title(fit),
        "method": method,
        "ivars": " ".join(lv.name for lv in d.levels),
        "redim": " ".join(str(lv.q) for lv in d.levels),
        "vartypes": " ".join(D.cov_title(lv) for lv in lme.design.levels),
        "expressions": spec.expr_text,
        "hierarchy": ", ".join(f"{'>'.join(lv.path)}: {' '.join(lv.reffects)}" for lv in d.levels),
    }
    return Estimates.of_fit(
        "menl", line, names, b, V, scalars, macros, fit=fit, command=cmd, spec=spec
    )


def _title(fit: NonlinearFit) -> str:
    method = "REML" if fit.reml else "ML"
    return (
        f"Mixed-effects {method} nonlinear regression"
        if fit.design.q
        else f"Nonlinear {method} regression"
    )


def _header(fit: NonlinearFit, est: Estimates, nogroup: bool) -> str:
    d = fit.design
    group = None
    if len(d.levels) == 1 and not nogroup:
        lv = d.levels[0]
        group = (lv.name, np.bincount(lv.groups, minlength=lv.G))
    lines = [ln.rstrip() for ln in D.title_lines(est.macros["title"], d.n, group)]
    if len(d.levels) > 1 and not nogroup:
        lines += ["", *D.group_table_lines(fit.lme)]
    label = (
        "Linearization log restricted-likelihood" if fit.reml else "Linearization log likelihood"
    )
    lines += ["", f"{label} = {fmt_g(fit.ll, 10)}"]
    return "\n".join(lines)


def _equations(fit: NonlinearFit, level: float) -> list[Equation]:
    """The coefficient table's equations: one per linear combination, then the scalar
    parameters (``/b1``) under the dependent variable's name or, after equations, none."""
    d, V = fit.design, fit.lme.V_beta
    eqs: list[Equation] = []
    for eq, cols, pos in d.equations:
        index = [i for i, c in enumerate(cols) if c.kind == "coef" and c.name in _estimated(d, eq)]
        rows = D.fixed_rows(cols, index, fit.beta[pos], V[np.ix_(pos, pos)], level)
        eqs.append(Equation(eq, rows))
    k = sum(len(p) for _, _, p in d.equations)
    if k < d.p:
        pos = list(range(k, d.p))
        cols = [Column(n, "coef", None, n) for n in d.pnames[k:]]
        rows = D.fixed_rows(cols, list(range(len(pos))), fit.beta[pos], V[np.ix_(pos, pos)], level)
        eqs.append(Equation("" if eqs else d.depvar, rows))
    return eqs


def menl_outputs(est: Estimates, opts: dict) -> list[Output]:
    """The display of a menl fit under display options ``opts`` (replay or estimation)."""
    level = float(opts.get("level", 95))
    results = None
    if not opts.get("notable") and not opts.get("nofetable"):
        results = table_results(_fixed_table(est.fit, level), est.bnames, level)
    return D.with_convergence_note(est, lambda: _render(est, opts), results)


def _fixed_table(fit: NonlinearFit, level: float) -> CoefTable:
    table = ml_table(_equations(fit, level), level)
    if fit.design.equations:  # linear combinations: the depvar heads the stub, as Stata
        table.stub_title = abbrev(fit.design.depvar, 12)
        table.named = True
    return table


def _render(est: Estimates, opts: dict) -> tuple[str, str]:
    fit: NonlinearFit = est.fit
    lme = fit.lme
    level = float(opts.get("level", 95))
    parts: list[str] = []
    html: list[str] = []
    if not opts.get("noheader"):
        head = _header(fit, est, bool(opts.get("nogroup")))
        parts.append(head)
        html.append(f"<pre style='margin:0'>{head}</pre>")
    notable = bool(opts.get("notable"))
    if not notable and not opts.get("nofetable"):
        t = restyle(_fixed_table(fit, level), opts, eq_names=bool(fit.design.equations))
        parts.append(t.text())
        html.append(t.html())
    if not notable and not opts.get("noretable"):
        rrows = D.re_rows(lme, level, sd=bool(opts.get("stddeviations")))
        parts.append(
            D.re_table_text(
                rrows, level, noci=bool(opts.get("noci")), cformat=opts.get("cformat") or None
            )
        )
        html.append(D.re_table_html(rrows, level))
    return "\n\n".join(parts), "".join(html)


def _log(fit: NonlinearFit) -> str:
    label = "log restricted-likelihood" if fit.reml else "log likelihood"
    lines = ["Alternating PNLS/LME algorithm:" if fit.design.q else "Gauss-Newton algorithm:", ""]
    for i, ll in fit.iterations:
        lines.append(iteration_line(i, f"linearization {label} = {fmt_g(ll, 10)}"))
    lines += ["", "Computing standard errors:"]
    return "\n".join(lines)


_DISPLAY = (
    "level",
    "variance",
    "stddeviations",
    "noheader",
    "nogroup",
    "notable",
    "nofetable",
    "noretable",
    "nolegend",
    "nolog",
    "log",
    *DISPLAY_OPTIONS,
)

_SUPPORTED = {
    *_DISPLAY,
    "mle",
    "reml",
    "covariance",
    "initial",
    "iterate",
    "tolerance",
}


@command("menl", byable="repeat")
def menl(s, cmd: Command) -> list[Output]:
    if cmd.body is None:
        return replay_active(s, cmd, "menl", _DISPLAY, menl_outputs)
    spec = build_menl(cmd)
    for o in cmd.options:
        if o.name not in _SUPPORTED and o.name != "define":
            raise StataError(f"option {o.name}() is not available in bayes_magic's menl yet", 198)
    design = build_nonlinear_design(s.data, spec, s.touse(cmd))
    unknown = [n for n in spec.init if ":" in n and n not in design.pnames]
    if unknown:
        raise StataError(f"initial(): parameter {unknown[0]} not found in the model", 198)
    beta0 = np.array([spec.init.get(n.lstrip("/"), 0.0) for n in design.pnames])
    fit = fit_nonlinear(
        design,
        beta0,
        spec.reml,
        iterate=int(cmd.option("iterate", 100)),
        tolerance=float(cmd.option("tolerance", 1e-6)),
    )
    est = _estimates(fit, cmd, cmdline(cmd), spec)
    est.ids = s.data.ids[design.sample]
    s.e = est
    outs: list[Output] = [Text(n, kind="note") for n in design.notes]
    if not cmd.has("nolog"):
        outs.append(Text(_log(fit), kind="log"))
    outs += menl_outputs(est, {o.name: o.value for o in cmd.options})
    return outs


replayer("menl")(lambda est: menl_outputs(est, dict(est.options)))
