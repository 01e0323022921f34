"""``nbreg`` ([R] nbreg): fit, store ``e()``, display, replay.

The layout is Stata's: the iteration log, the header of the ML commands with a
``Dispersion: mean`` line (LR test against the constant-only negative binomial model, pseudo
R²), the coefficients, ``/lnalpha`` (``/lndelta`` with ``dispersion(constant)``) without a z
test, ``alpha`` (``delta``) with its interval transformed from ln α's, and the LR test of
α = 0 against the Poisson model (a boundary test: chibar2(01)). ``irr`` shows incidence-rate
ratios. The fit is :func:`bayes_magic.fit.nbreg.fit_nbreg_model`; ``predict`` is
``poisson``'s (``n``, ``ir``, ``xb``, ``stdp``).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy import stats

from ..design.glmm import build_glmm_design
from ..errors import StataError
from ..fit.estimates import Estimates
from ..fit.glmm_family import NEGBIN_FAMILIES
from ..fit.nbreg import NBRegFit, fit_nbreg_model
from ..report.coeftable import CoefRow, CoefTable, Equation
from ..report.format import exp_or_inf, fmt_f
from ..report.output import Output, Text
from ..spec.model import build_mixed, dispersion_option, me_option, vce_option
from ..syntax.ast import Command, MultilevelModel
from .estimates import replay_active, replayer
from .glm import _DISPLAY, _NOT_YET, _estimates, glm_outputs, ml_header, ml_log
from .me import _eform
from .registry import command

__all__ = ["nbreg_outputs"]

TITLE = "Negative binomial regression"


def _header(est: Estimates, opts: dict) -> list[str]:
    """The ML header with ``Dispersion: mean`` on its last line without a left-hand text (the
    ``Prob > chi2`` line, as Stata's; the test's line without a constant)."""
    lines = ml_header(est, opts)
    fit: NBRegFit = est.fit
    free = [k for k, ln in enumerate(lines) if k > 0 and ln.startswith(" ")]
    left = f"Dispersion: {fit.family.dispersion}"
    if not free:
        return [lines[0], left, *lines[1:]]
    i = free[-1]
    start = len(lines[i]) - len(lines[i].lstrip())
    lines[i] = f"{left:<{start}}{lines[i][start:]}"
    return lines


def _lr_alpha(fit: NBRegFit, opts: dict) -> list[str]:
    """The LR test of α = 0 (δ = 0): the Poisson model, on the boundary."""
    if fit.vce != "oim" or opts.get("nolrtest"):  # not with a pseudolikelihood, as Stata
        return []
    name = "alpha" if fit.family.dispersion == "mean" else "delta"
    chi2 = max(2.0 * (fit.ll - fit.ll_poisson), 0.0)
    p = 0.5 * float(stats.chi2.sf(chi2, 1)) if chi2 > 0 else 1.0
    # nbreg.ado's Display: %8.2f inside (0.005, 1e4), %8.2e outside, the p-value %5.3f at
    # column 56
    txt = fmt_f(chi2, 2) if 0.005 < chi2 < 1e4 or chi2 == 0 else f"{chi2:.2e}"
    left = f"LR test of {name}=0: chibar2(01) = {txt}"
    return [f"{left:<55}Prob >= chibar2 = {p:5.3f}"]


def nbreg_outputs(est: Estimates, opts: dict) -> list[Output]:
    """The display of an ``nbreg`` fit under display options ``opts``: ``poisson``'s, with
    the ``Dispersion:`` header line, the ``alpha`` row and the LR test of α = 0."""
    fit: NBRegFit = est.fit

    def alpha_row(t: CoefTable, level: float) -> None:
        z = float(stats.norm.ppf(0.5 + level / 200))
        la, se = float(fit.aux[0]), math.sqrt(max(float(fit.V_full[-1, -1]), 0.0))
        a = exp_or_inf(la)
        row = [a, a * se, math.nan, math.nan, exp_or_inf(la - z * se), exp_or_inf(la + z * se)]
        name = "alpha" if fit.family.dispersion == "mean" else "delta"
        t.equations.append(Equation("", [CoefRow(name, row)]))

    return glm_outputs(
        est, opts, header=_header, amend=alpha_row, footer=lambda e: _lr_alpha(fit, opts)
    )


def _estimates_nb(fit: NBRegFit, cmd: Command, spec) -> Estimates:
    """``poisson``'s ``e()`` with ``/lnalpha`` in ``e(b)`` and ``e(V)``, ``e(alpha)``,
    ``e(chi2_c)`` (the LR test of α = 0) and ``e(dispersion)``."""
    est = _estimates(fit, "nbreg", TITLE, cmd, spec)
    aux = fit.family.aux_names[0]
    d = fit.design
    k0 = len(est.b)
    b = np.concatenate([est.b, fit.aux])
    V = np.zeros((k0 + 1, k0 + 1))
    V[:k0, :k0] = est.V
    idx = np.asarray(d.coef_index)  # the displayed coefficients in e(b)'s order
    V[idx, k0] = V[k0, idx] = fit.V_full[:-1, -1]
    V[k0, k0] = fit.V_full[-1, -1]
    est.bnames = [*est.bnames, f"/:{aux}"]
    est.b, est.V = b, V
    chi2 = max(2.0 * (fit.ll - fit.ll_poisson), 0.0)
    name = "alpha" if fit.family.dispersion == "mean" else "delta"
    est.scalars.update(
        {
            name: float(np.exp(fit.aux[0])),
            "k": float(len(b)),
            "k_aux": 1.0,
            "k_eq": 2.0,
            "rank": est.scalars["rank"] + 1.0,
            "ll_c": fit.ll_poisson,
            "chi2_c": chi2,
        }
    )
    est.macros.update({"dispersion": fit.family.dispersion, "predict": "nbreg_p"})
    if fit.vce == "oim":
        est.macros["chi2_ct"] = "LR"
    return est


@command("nbreg", byable="repeat")
def nbreg(s, cmd: Command) -> list[Output]:
    body = cmd.body
    assert isinstance(body, MultilevelModel)
    if body.depvar is None:
        return replay_active(s, cmd, "nbreg", (*_DISPLAY, "nolrtest"), nbreg_outputs)
    if body.levels:
        raise StataError("||: random effects are not allowed with nbreg; see menbreg", 198)
    for o in _NOT_YET:
        if cmd.has(o):
            raise StataError(f"option {o} is not available in bayes_magic's nbreg yet", 198)
    if cmd.weight is not None and cmd.weight.kind not in ("fweight", "pweight"):
        raise StataError(f"{cmd.weight.kind}s are not available in bayes_magic's nbreg yet", 101)
    vce = vce_option(cmd, "oim")
    offset, exposure = me_option(cmd, "offset"), me_option(cmd, "exposure")
    if me_option(cmd, "asis"):
        raise StataError("option asis not allowed", 198)
    if offset is not None and exposure is not None:
        raise StataError("only one of offset() or exposure() can be specified", 198)
    opts = {o.name: o.value for o in cmd.options}
    if opts.get("coef"):
        raise StataError("option coef not allowed", 198)
    family = replace(NEGBIN_FAMILIES["menbreg"], dispersion=dispersion_option(cmd) or "mean")
    _eform(family, opts)  # refuse or where it does not belong, before fitting
    spec = build_mixed(cmd)
    gd = build_glmm_design(
        s.data,
        spec,
        s.touse(cmd),
        family="poisson",
        offset=offset,
        exposure=exposure,
        cluster=vce.cluster,
    )
    if vce.kind == "cluster" and gd.base.n_clusters == 1:
        raise StataError("only one cluster in the estimation sample", 459)
    fit = fit_nbreg_model(gd, family, vce.kind, iterate=int(cmd.option("iterate", 300)))
    est = _estimates_nb(fit, cmd, spec)
    est.ids = s.data.ids[gd.base.sample]
    s.e = est
    outs: list[Output] = [Text(n, kind="note") for n in gd.base.notes]
    if np.any(gd.base.y != np.round(gd.base.y)):
        outs.append(
            Text("note: you are responsible for interpretation of non-count dep. variable.")
        )
    if not cmd.has("nolog"):
        if outs:
            outs.append(Text(""))
        outs.append(Text(ml_log(fit) + "\n", kind="log"))
    return outs + nbreg_outputs(est, opts)


replayer("nbreg")(lambda est: nbreg_outputs(est, dict(est.options)))
