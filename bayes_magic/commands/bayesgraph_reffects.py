"""``bayesgraph reffects``: a ``mixed`` fit's BLUPs against the posterior of the random effects.

Not a Stata subcommand: it draws in one command the comparison the talk builds by hand with
``predict u*, reffects``, ``bayesstats summary {U0}``, ``svmat`` and ``twoway kdensity``, for
two results of the same model::

    bayesgraph reffects [{U0} {U1} ...] , blup(m0) [bayes(bayes1) clevel(95) chains() skip()]

``blup(name)`` names stored ``mixed`` results; the Bayesian results are the current ones or
``bayes(name)``. For each random-effects stub ({U0} is the intercept, {U1} the coefficient of
the first variable of the level's equation ..., as [BAYES] bayes: mixed names them; all stubs
by default) one graph with two panels:

1. the kernel densities ([R] kdensity's Epanechnikov) across groups of the BLUPs
   ("BLUP (mixed)") and of the posterior means ("Posterior mean (bayes)");
2. posterior mean (y) against BLUP (x), one point per group, with BLUP +- 1.96 SE
   horizontal bars (the SEs of ``predict, reses``), the equal-tailed credible interval
   (quantiles as ``bayesstats summary``) as vertical bars, and the 45-degree line.

The two results must have the same levels, effects and groups, otherwise r(498).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..diagnostics.mcmc import quantile
from ..errors import StataError
from ..fit.mixed import MixedFit
from ..posterior import Posterior
from ..report.figure import new_figure
from ..report.output import Output
from ..syntax.ast import Command, ParamList, ParamRef
from .bayesgraph import graph_options, posterior_of, publish, select
from .bayesgraph_figures import Drawn
from .bayesgraph_plots import COLORS, kdensity
from .registry import command

__all__ = ["reffects", "compare"]


def _fmt_id(x: object) -> str:
    """A group id as random-effect names show it (``U0[6053]``)."""
    if isinstance(x, float) and x == int(x):
        return str(int(x))
    return str(x)


def _bayes_result(s, cmd: Command) -> tuple[Posterior, str]:
    name = cmd.option("bayes")
    if name is None:
        post = posterior_of(s)
        return post, post.name or "the active results"
    post = s.estimates.get(name)
    if post is None:
        raise StataError(f"estimation result {name} not found", 111)
    if not isinstance(post, Posterior):
        raise StataError(f"bayes({name}): {name} does not hold Bayesian results", 498)
    return post, name


def _mixed_result(s, cmd: Command) -> tuple[MixedFit, str]:
    name = cmd.option("blup")
    if name is None:
        raise StataError("option blup() required", 198)
    est = s.estimates.get(name)
    if est is None:
        raise StataError(f"estimation result {name} not found", 111)
    fit = getattr(est, "fit", None)
    if getattr(est, "cmd", None) not in ("mixed", "meglm") or not isinstance(fit, MixedFit):
        raise StataError(f"blup({name}): {name} does not hold mixed or me* results", 498)
    # melogit and friends give empirical Bayes means (their "BLUPs") from their own quadrature
    if est.cmd == "mixed" and (fit.problem is None or fit.solution is None):
        raise StataError(f"blup({name}): the BLUPs of {name} are not available", 498)
    return fit, name


def _likelihood(x) -> str:
    """A model's conditional distribution in words: a bayes: model's family name (None for
    the normal model) or an ML fit (its Family, or none for mixed)."""
    from ..fit.glmm_family import FAMILIES, NEGBIN_FAMILIES, ORDINAL_FAMILIES

    fam = x if x is None or isinstance(x, str) else getattr(x, "family", None)
    if isinstance(fam, str):
        fam = {**FAMILIES, **NEGBIN_FAMILIES, **ORDINAL_FAMILIES}[fam]
    if fam is None:
        return "normal"
    kind = "ordered " if fam.family == "ordinal" else ""
    return f"{kind}{fam.family if fam.count else fam.link}"


def _check_same_model(post: Posterior, fit: MixedFit, mname: str, bname: str) -> None:
    """Same dependent variable, levels, effects and groups, or r(498)."""
    bm = post.model
    if getattr(bm, "nonlinear", False):
        raise StataError(
            f"{bname}: the BLUP comparison needs a linear multilevel model (bayes: mixed or a "
            "linear bayesmh); these results are a nonlinear bayesmh",
            498,
        )
    if bm is None or not getattr(bm, "levels", None):
        raise StataError(f"{bname}: the Bayesian results have no random effects", 498)
    what = f"{bname} and {mname} are not the same model"
    lik_b, lik_f = _likelihood(getattr(bm, "family", None)), _likelihood(fit)
    if lik_b != lik_f:
        raise StataError(f"{what}: likelihoods {lik_b} and {lik_f}", 498)
    dep_b = getattr(getattr(bm, "linear", None), "depvar", None)
    if dep_b is not None and dep_b != fit.design.depvar:
        raise StataError(f"{what}: dependent variables {dep_b} and {fit.design.depvar}", 498)
    dls = fit.design.levels
    if len(bm.levels) != len(dls):
        raise StataError(f"{what}: {len(bm.levels)} and {len(dls)} random-effects levels", 498)
    for lev, dl in zip(bm.levels, dls):
        if lev.level != dl.name:
            raise StataError(f"{what}: levels {lev.level} and {dl.name}", 498)
        if sorted(lev.effects) != sorted(dl.znames):
            raise StataError(
                f"{what}: random effects at {lev.level} are "
                f"{' '.join(lev.effects)} and {' '.join(dl.znames)}",
                498,
            )
        ids = [_group_id(t) for t in dl.ids]
        have = [
            r[len(lev.names[0]) + 1 : -1] for r in post.re_names if r.startswith(f"{lev.names[0]}[")
        ]
        if ids != have:
            raise StataError(
                f"{what}: the groups of {lev.level} differ ({len(have)} and {len(ids)} groups)",
                498,
            )


def _group_id(ids: tuple) -> str:
    return "#".join(_fmt_id(x) for x in ids)


def _stubs(post: Posterior, cmd: Command) -> list[tuple[int, int, str]]:
    """(level, effect, stub) of each stub asked for, or of all."""
    levels = post.model.levels
    every = [(li, j, n) for li, lev in enumerate(levels) for j, n in enumerate(lev.names)]
    items = cmd.body.items if isinstance(cmd.body, ParamList) else ()
    if not items:
        return every
    out = []
    for it in items:
        if not isinstance(it, ParamRef) or it.matrix:
            raise StataError("bayesgraph reffects takes random-effects stubs such as {U0}", 198)
        for p in it.items:
            hit = [e for e in every if e[2] == p.name]
            if p.eq is not None or p.index is not None or not hit:
                raise StataError(f"random-effects stub {{{p}}} not found", 111)
            out.append(hit[0])
    return list(dict.fromkeys(out))


def compare(
    post: Posterior,
    fit: MixedFit,
    li: int,
    j: int,
    stub: str,
    idx: list[int],
    step: int,
    level: float,
) -> dict[str, Any]:
    """The numbers of one stub's comparison.

    Parameters
    ----------
    post, fit
        The Bayesian results and the ``mixed`` fit of the same model.
    li, j, stub
        The level, the effect's position in the Bayesian level and its stub (``U0``).
    idx, step
        Chains (0-based) and thinning step kept by ``chains()`` and ``skip()``.
    level
        The credible level, in percent.

    Returns
    -------
    dict
        ``groups`` (ids as in ``U0[6053]``), ``blup`` and ``se`` (``predict, reffects`` and
        ``reses``), ``mean``, ``lower`` and ``upper`` (posterior mean and equal-tailed
        interval, as ``bayesstats summary``), with ``stub``, ``level``, ``effect``, ``clevel``.
    """
    lev, dl = post.model.levels[li], fit.design.levels[li]
    effect = lev.effects[j]
    k = dl.znames.index(effect)
    blup = np.asarray(fit.blups()[li])[:, k]
    se = np.sqrt(np.maximum(np.asarray(fit.blup_variances()[li])[:, k, k], 0.0))
    groups = [_group_id(t) for t in dl.ids]
    a = (1 - level / 100) / 2
    mean, lo, hi = (np.empty(len(groups)) for _ in range(3))
    for g, gid in enumerate(groups):
        d = post.chains_of(f"{stub}[{gid}]")[idx][:, ::step].reshape(-1)
        mean[g], lo[g], hi[g] = d.mean(), quantile(d, a), quantile(d, 1 - a)
    return {
        "stub": stub,
        "level": lev.level,
        "effect": effect,
        "groups": groups,
        "blup": blup,
        "se": se,
        "mean": mean,
        "lower": lo,
        "upper": hi,
        "clevel": level,
    }


def _estimator(fit: MixedFit) -> tuple[str, str]:
    """What the frequentist fit's predictions are called, and the command that made them:
    ``mixed``'s BLUPs, or the empirical Bayes means of ``melogit`` and friends."""
    fam = getattr(fit, "family", None)
    if fam is None:
        return "BLUP", "mixed"
    from ..fit.glmm_family import FAMILIES

    return "EB mean", next((k for k, v in FAMILIES.items() if v == fam), "meglm")


def _draw(
    c: dict[str, Any], mname: str, bname: str, title: str | None, source: tuple[str, str]
) -> Drawn:
    kind, src = source
    fig, axes = new_figure(1, 2, size=(10.24, 4.48))
    left, right = axes[0, 0], axes[0, 1]
    both = np.concatenate([c["blup"], c["mean"]])
    pad = 0.25 * (both.max() - both.min() or 1.0)
    grid = np.linspace(both.min() - pad, both.max() + pad, 300)
    _, db, _ = kdensity(c["blup"], grid)
    _, dm, _ = kdensity(c["mean"], grid)
    left.plot(grid, db, color=COLORS[0], linewidth=1.5, label=f"{kind} ({src})")
    left.plot(
        grid, dm, color=COLORS[1], linewidth=1.5, linestyle="--", label="Posterior mean (bayes)"
    )
    left.set_title("Across groups", fontsize="medium")
    left.set_xlabel(f"{{{c['stub']}}}")
    left.set_ylabel("Density")
    left.legend(fontsize="small", frameon=False, loc="upper right")

    z = 1.959963984540054
    right.errorbar(
        c["blup"],
        c["mean"],
        xerr=z * c["se"],
        fmt="none",
        ecolor=COLORS[0],
        elinewidth=0.8,
        alpha=0.7,
        label=f"{kind} ± 1.96 SE",
    )
    yerr = np.vstack([c["mean"] - c["lower"], c["upper"] - c["mean"]])
    right.errorbar(
        c["blup"],
        c["mean"],
        yerr=yerr,
        fmt="o",
        color=COLORS[1],
        ecolor=COLORS[1],
        markersize=3.5,
        elinewidth=0.8,
        alpha=0.85,
        label=f"{c['clevel']:g}% credible interval",
    )
    lo = min(np.min(c["blup"] - z * c["se"]), np.min(c["lower"]))
    hi = max(np.max(c["blup"] + z * c["se"]), np.max(c["upper"]))
    right.plot([lo, hi], [lo, hi], color="#7f7f7f", linewidth=1.0, linestyle=":", label="45° line")
    right.set_title(f"Posterior mean against {kind}", fontsize="medium")
    right.set_xlabel(f"{kind} ({src})")
    right.set_ylabel("Posterior mean (bayes)")
    right.legend(fontsize="small", frameon=False, loc="upper left")
    fig.suptitle(title or f"{{{c['stub']}}}: {_effect_label(c)} by {c['level']}", fontweight="bold")
    fig.tight_layout()
    what = f"reffects {{{c['stub']}}}, {kind}s of {mname} against posterior means of {bname}"
    return Drawn(fig, what, 2, "reffects", {c["stub"]: c})


def _effect_label(c: dict[str, Any]) -> str:
    return (
        "random intercepts" if c["effect"] == "_cons" else f"random coefficients of {c['effect']}"
    )


@command("bayesgraph", "reffects")
def reffects(s, cmd: Command) -> list[Output]:
    """``bayesgraph reffects [{U0} ...], blup(name) [bayes(name)]``: BLUPs versus posterior
    means of the random effects (see the module's documentation; [BAYES] bayesgraph draws
    the diagnostics of single random effects)."""
    for bad in ("combine", "byparm", "sepchains", "lags", "bin", "normal", "showreffects"):
        if cmd.has(bad):
            raise StataError(f"option {bad} not allowed with bayesgraph reffects", 198)
    go = graph_options(cmd)
    fit, mname = _mixed_result(s, cmd)
    post, bname = _bayes_result(s, cmd)
    _check_same_model(post, fit, mname, bname)
    idx, _iters, step = select(post, cmd)
    level = float(cmd.option("clevel", 95.0))
    stubs = _stubs(post, cmd)

    def maker(li: int, j: int, stub: str) -> Callable[[], Drawn]:
        return lambda: _draw(
            compare(post, fit, li, j, stub, idx, step, level),
            mname,
            bname,
            go.title,
            _estimator(fit),
        )

    return publish(s, [maker(*st) for st in stubs], go)
