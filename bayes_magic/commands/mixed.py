"""``mixed`` ([ME] mixed): fit, store ``e()``, and display; replay with ``mixed`` alone."""

from __future__ import annotations

import numpy as np

from ..dataset.varnames import resolve
from ..design.mixed import build_mixed_design
from ..errors import StataError
from ..fit.estimates import Estimates
from ..fit.mixed import MixedFit, fit_mixed, param_template, stored_values
from ..report.coeftable import (
    DISPLAY_OPTIONS,
    CoefRow,
    CoefTable,
    Equation,
    ml_table,
    restyle,
    table_results,
)
from ..report.format import fmt_g, iteration_line
from ..report.output import Block, Output, Text
from ..spec.model import build_mixed
from ..syntax.ast import Command, MultilevelModel
from ..syntax.unparse import cmdline
from . import mixed_display as D
from .registry import command
from .start_values import init_specs

__all__ = ["mixed_outputs", "estimates_of"]


def estimates_of(fit: MixedFit, cmd: Command, cmdline: str, spec=None) -> Estimates:
    d = fit.design
    names = [f"{d.depvar}:{c.name}" for c in d.columns]
    b_full = np.zeros(len(d.columns))
    b_full[d.coef_index] = fit.beta
    pnames = [f"{p.name}:_cons" for p in fit.params]
    pvals = stored_values(fit.params)  # finite at the boundary
    b = np.concatenate([b_full, pvals])
    k = len(b)
    V = np.zeros((k, k))
    idx = np.array(d.coef_index, dtype=int)
    if len(idx):
        V[np.ix_(idx, idx)] = fit.V_beta
    off = len(d.columns)
    live = [i for i, p in enumerate(fit.params) if not p.boundary]
    for a, i in enumerate(live):
        for c, j in enumerate(live):
            V[off + i, off + j] = fit.V_params[a, c]
    chi2, df, p = fit.wald()
    lr, lrdf, lrp = fit.lr_test()
    scalars = {
        "N": float(fit.n if d.weights is None else d.weights.sum()),
        "k": float(k),
        "k_f": float(len(d.coef_index)),
        "k_r": float(len(fit.params)),
        "k_rs": float(sum(lv.k for lv in d.levels)),
        "ll": fit.ll,
        "chi2": chi2,
        "p": p,
        "df_m": float(df),
        "ll_c": fit.ll0,
        "chi2_c": lr,
        "df_c": float(lrdf),
        "p_c": lrp,
        "converged": float(fit.converged),
        "rank": float(len(d.coef_index) + len(fit.params)),
    }
    method = "REML" if fit.reml else "ML"
    macros = {
        "cmd": "mixed",
        "depvar": d.depvar,
        "title": f"Mixed-effects {method} regression",
        "method": method,
        "ivars": " ".join(r[0] for r in D.group_rows(fit)),  # _all for R.x levels
        "redim": " ".join(str(lv.k) for lv in d.levels),
        "vartypes": " ".join(D.cov_title(lv) for lv in d.levels),
        "chi2type": "Wald",
        "vce": "oim",
        "properties": "b V",
    }
    return Estimates.of_fit(
        "mixed", cmdline, names + pnames, b, V, scalars, macros, fit=fit, command=cmd, spec=spec
    )


def mixed_outputs(est: Estimates, opts: dict) -> list[Output]:
    """The display of a mixed fit under display options ``opts`` (replay or estimation)."""
    level = float(opts.get("level", 95))
    results = None
    if opts.get("estmetric"):  # _coef_table over all of e(b)
        results = table_results(_estmetric_table(est, level), est.bnames, level)
    elif not opts.get("nofetable"):  # the fixed effects' table; the others keep r() as it was
        results = table_results(D.fixed_table(est.fit, level), est.bnames, level)
    return D.with_convergence_note(est, lambda: _render(est, opts), results)


def _render(est: Estimates, opts: dict) -> tuple[str, str]:
    fit: MixedFit = est.fit
    level = float(opts.get("level", 95))
    d = fit.design
    title = est.macros["title"]
    ll_label = "Log restricted-likelihood" if fit.reml else "Log likelihood"
    if opts.get("estmetric"):
        b = _estmetric(est, level)
        return b.text(), b.html()
    parts: list[str] = []
    html: list[str] = []
    if not opts.get("noheader"):
        head = "\n".join(
            D.header_lines(fit, title, nogroup=bool(opts.get("nogroup")), ll_label=ll_label)
        )
        parts.append(head)
        html.append(f"<pre style='margin:0'>{head}</pre>")
    if not opts.get("nofetable"):
        t = restyle(D.fixed_table(fit, level), opts, eq_names=True)
        parts.append(t.text())
        html.append(t.html())
    # the random-effects table also without random effects: var(Residual) is estimated
    if not opts.get("noretable"):
        rows = D.re_rows(fit, level, sd=bool(opts.get("stddeviations")))
        parts.append(
            D.re_table_text(
                rows, level, noci=bool(opts.get("noci")), cformat=opts.get("cformat") or None
            )
        )
        html.append(D.re_table_html(rows, level))
    lr = D.lr_lines(fit)
    text = "\n\n".join(parts)
    marginal = fit.residual is not None  # residuals() without random effects: its LR test
    if lr and (d.levels or marginal) and not opts.get("noretable"):
        text += "\n" + "\n".join(lr)
        html.append("<pre style='margin:0'>" + "\n".join(lr) + "</pre>")
    return text, "".join(html)


def _estmetric(est: Estimates, level: float) -> Output:
    t = _estmetric_table(est, level)
    return Block(t.text(), t.html())


def _estmetric_table(est: Estimates, level: float) -> CoefTable:
    """``estmetric``: every parameter of ``e(b)`` as estimated (log standard deviations ...)."""
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + level / 200))
    eqs: dict[str, list[CoefRow]] = {}
    for i, nm in enumerate(est.bnames):
        eq, _, name = nm.partition(":")
        se = float(np.sqrt(est.V[i, i])) if est.V[i, i] > 0 else float("nan")
        b = float(est.b[i])
        if "b." in name or "o." in name:
            eqs.setdefault(eq, []).append(CoefRow(name, kind="base"))
            continue
        zz = b / se if se == se and se > 0 else float("nan")
        p = 2 * float(stats.norm.sf(abs(zz))) if zz == zz else float("nan")
        eqs.setdefault(eq, []).append(CoefRow(name, [b, se, zz, p, b - z * se, b + z * se]))
    return ml_table([Equation(k, v) for k, v in eqs.items()], level)


def _log(fit: MixedFit, reml: bool) -> str:
    label = "Log restricted-likelihood" if reml else "Log likelihood"
    lines = ["Performing gradient-based optimization:"]
    shown: list[str] = []
    for _i, ll in fit.iterations:
        text = fmt_g(ll, 10)
        if len(shown) >= 2 and shown[-1] == shown[-2] == text:
            continue  # converged to the printed digits: Stata stops printing here too
        shown.append(text)
        lines.append(iteration_line(len(shown) - 1, f"{label} = {text}"))
    lines += ["", "Computing standard errors ..."]
    return "\n".join(lines)


_DISPLAY = (
    "level",
    "variance",
    "stddeviations",
    "noheader",
    "nogroup",
    "nofetable",
    "noretable",
    "estmetric",
    "nolog",
    "log",
    *DISPLAY_OPTIONS,
)


def _start(s, cmd: Command, design) -> dict[str, float] | None:
    """``from()``: starting values by ``e(b)`` name, the variance parameters' in Stata's
    estimation metric (``lns1_1_1:_cons`` ...)."""
    if not cmd.has("from"):
        return None
    names = [f"{design.depvar}:{c.name}" for c in design.columns]
    params = param_template(design.levels)
    names += [f"{p.name}:_cons" for p in params]
    given = init_specs(s, cmd, names) or {}
    eqs = {p.name for p in params}
    return {k.split(":", 1)[0]: v for k, v in given.items() if k.split(":", 1)[0] in eqs}


@command("mixed", byable="repeat")
def mixed(s, cmd: Command) -> list[Output]:
    body = cmd.body
    assert isinstance(body, MultilevelModel)
    if body.depvar is None:  # replay: only the display options typed now count
        from .estimates import replay_active

        return replay_active(s, cmd, "mixed", _DISPLAY, mixed_outputs)
    spec = build_mixed(cmd)
    touse = s.touse(cmd)
    rtext = cmd.option("residuals")
    rspec = None
    if rtext is True:  # residuals() with nothing inside
        raise StataError("residuals(): structure required", 198)
    if spec.residual_panel is not None and not isinstance(rtext, str):
        raise StataError(f"{spec.residual_panel}: random-effects equation is empty", 198)
    if isinstance(rtext, str):
        from ..fit.mixed_residuals import parse_residuals

        rspec = parse_residuals(rtext)
        if rspec["kind"] == "independent":
            rspec = None
        elif "t" in rspec:
            rspec["t"] = resolve(s.data, rspec["t"])
            tv = np.asarray(s.data.values(rspec["t"]), dtype=float)
            touse = touse & ~np.isnan(tv)
    design = build_mixed_design(s.data, spec, touse)
    iterate = int(cmd.option("iterate", 2000))
    if rspec is not None:
        from ..fit.mixed_residuals import fit_mixed_residuals

        if cmd.has("from"):
            raise StataError("from() with residuals() is not available in bayes_magic yet", 198)
        times = (
            np.asarray(s.data.values(rspec["t"]), dtype=float)[design.sample]
            if "t" in rspec
            else None
        )
        panels = None
        if spec.residual_panel is not None:  # || id:, noconstant: no random effects
            pv = s.data.values(resolve(s.data, spec.residual_panel))
            _u, panels = np.unique(np.asarray(pv)[design.sample], return_inverse=True)
            rspec["panel_name"] = spec.residual_panel  # the header's group variable
        fit = fit_mixed_residuals(design, spec.reml, rspec, times, iterate=iterate, panels=panels)
    else:
        fit = fit_mixed(design, spec.reml, iterate=iterate, start=_start(s, cmd, design))
    est = estimates_of(fit, cmd, cmdline(cmd), spec)
    est.ids = s.data.ids[design.sample]
    s.e = est
    outs: list[Output] = [Text(n, kind="note") for n in design.notes]
    if not cmd.has("nolog"):
        outs.append(Text(_log(fit, spec.reml), kind="log"))
    outs += mixed_outputs(est, {o.name: o.value for o in cmd.options})
    return outs
