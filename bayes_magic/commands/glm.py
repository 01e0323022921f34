"""``logit``, ``logistic``, ``probit``, ``cloglog``, ``poisson`` ([R] logit, [R] logistic,
[R] probit, [R] cloglog, [R] poisson): fit, store ``e()``, display, replay.

The layout is Stata's: the iteration log from the constant-only model's log likelihood, the
header with the LR test against that model (and McFadden's pseudo R², or the zero and nonzero
outcome counts for ``cloglog``), and the coefficient table with ``(offset)`` / ``(exposure)``
rows; ``logistic`` (and ``or``) shows odds ratios, ``irr`` incidence-rate ratios, ``eform``
exp(b). The models are the ``me*`` families without random effects
(:mod:`bayes_magic.fit.glmm_family`), fitted by :func:`bayes_magic.fit.glm.fit_glm_model`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..design.glmm import build_glmm_design, drop_perfect_predictors
from ..errors import StataError
from ..fit.estimates import Estimates, over_columns, vce_entries
from ..fit.glm import GLMFit, fit_glm_model
from ..fit.glmm_family import FAMILIES, Family
from ..report.coeftable import DISPLAY_OPTIONS, CoefTable, restyle, table_results
from ..report.format import fmt_f, fmt_g, iteration_line
from ..report.output import LazyBlock, Output, Text
from ..spec.model import GLM_COMMANDS, build_mixed, me_option, vce_option
from ..syntax.ast import Command, MultilevelModel
from ..syntax.unparse import cmdline, weight_text
from . import mixed_display as D
from .estimates import replay_active, replayer
from .me import _eform, _table
from .registry import command

__all__ = ["glm_outputs"]

_DISPLAY = (
    "level",
    "or",
    "irr",
    "eform",
    "coef",
    "noheader",
    "notable",
    "nolog",
    "log",
    *DISPLAY_OPTIONS,
)
#: options that would change the answer and are not implemented (maximize options such as
#: difficult and technique() only steer the optimizer, as for me*, and are accepted)
_NOT_YET = ("constraints", "collinear", "from")


def _eform_of(name: str, family: Family, opts: dict) -> str | None:
    if name == "logistic" and not opts.get("coef"):
        return "Odds ratio"
    return _eform(family, opts)


def ml_header(est: Estimates, opts: dict) -> list[str]:
    """Stata 17's compact header of the ML commands: the right-hand cells' labels padded to the
    longest, `` = `` and values of at least six characters, ending at column 78."""
    fit: GLMFit = est.fit
    title = est.macros["title"]
    nobs = int(est.scalars["N"])
    chi2, df, p = fit.lr_test()
    ll = f"Log {_ll_word(fit)} = {fmt_g(fit.ll, 10)}"
    kind = "Wald" if fit.wald_test else "LR"
    chi = (f"{kind} chi2({df})", fmt_f(chi2, 2) if chi2 == chi2 else ".")
    prob = ("Prob > chi2", fmt_f(p, 4) if df and p == p else ".")
    rows: list[tuple[str, tuple[str, str] | None]] = [(title, ("Number of obs", f"{nobs:,}"))]
    if est.cmd == "cloglog" or not fit.constant:
        if est.cmd == "cloglog":
            rows += [
                ("", ("Zero outcomes", f"{int(est.scalars['N_f']):,}")),
                ("", ("Nonzero outcomes", f"{int(est.scalars['N_s']):,}")),
                ("", None),
            ]
        rows += [("", chi), (ll, prob)]
    else:
        r2 = est.scalars["r2_p"]
        rows += [("", chi), ("", prob), (ll, ("Pseudo R2", fmt_f(r2, 4) if r2 == r2 else "."))]
    cells = [c for _t, c in rows if c is not None]
    lw = max(len(lab) for lab, _v in cells)
    vw = max(6, *(len(v) for _l, v in cells))
    start = 78 - (lw + 3 + vw)
    out = []
    for left, cell in rows:
        right = f"{cell[0]:<{lw}} = {cell[1]:>{vw}}" if cell is not None else ""
        out.append(f"{left:<{start}}{right}".rstrip() if len(left) < start else f"{left} {right}")
    return out


def _ll_word(fit: GLMFit) -> str:
    """Stata's name of the maximized criterion: a pseudolikelihood with a sandwich variance."""
    return "pseudolikelihood" if fit.vce != "oim" else "likelihood"


def _notes(est: Estimates, eform: str | None) -> list[str]:
    out = []
    if eform and "_cons" in est.fit.design.xnames:
        base = {"Odds ratio": "baseline odds", "IRR": "baseline incidence rate"}.get(eform)
        out += [f"Note: _cons estimates {base}."] if base else []
    f, s_ = int(est.scalars.get("N_cdf", 0)), int(est.scalars.get("N_cds", 0))
    if f or s_:
        out.append(f"Note: {f:,} failures and {s_:,} successes completely determined.")
    return out


def glm_outputs(
    est: Estimates,
    opts: dict,
    *,
    header: Callable[[Estimates, dict], list[str]] = ml_header,
    amend: Callable[[CoefTable, float], None] | None = None,
    footer: Callable[[Estimates], list[str]] | None = None,
) -> list[Output]:
    """The display of a fitted GLM under display options ``opts``; ``nbreg`` passes its own
    ``header``, rows to ``amend`` the table with (at the confidence level) and ``footer``
    lines after the notes."""
    fit: GLMFit = est.fit
    eform = _eform_of(est.cmd, fit.family, opts)
    level = float(opts.get("level", 95))

    t = None
    results = None
    if not opts.get("notable"):
        t = _table(est, level, eform, vcetype="Robust" if fit.vce != "oim" else None)
        if amend is not None:
            amend(t, level)
        results = table_results(t, est.bnames, level, eform=eform is not None)

    def render() -> tuple[str, str]:
        parts, html = [], []
        if not opts.get("noheader"):
            head = "\n".join(header(est, opts))
            parts.append(head)
            html.append(f"<pre style='margin:0'>{head}</pre>")
        tail: list[str] = []
        if t is not None:
            D.add_table(parts, html, restyle(t, opts), fit)
            tail = _notes(est, eform) + (footer(est) if footer is not None else [])
        text = "\n\n".join(parts)
        if tail:
            text += "\n" + "\n".join(tail)
            html.append("<pre style='margin:0'>" + "\n".join(tail) + "</pre>")
        return text, "".join(html)

    outs: list[Output] = [LazyBlock(render, data=est, results=results)]
    if not fit.converged:
        outs.append(Text("Warning: convergence not achieved", kind="note"))
    return outs


def ml_log(fit) -> str:
    """The iteration log of an ML fit (``iterations``, ``vce``), ending at the first repeat of
    the converged value (as Stata's)."""
    shown: list[str] = []
    for _i, ll in fit.iterations:
        text = fmt_g(ll, 10)
        if len(shown) >= 2 and shown[-1] == shown[-2] == text:
            break
        shown.append(text)
    word = _ll_word(fit)
    return "\n".join(iteration_line(i, f"Log {word} = {t}") for i, t in enumerate(shown))


def _estimates(fit: GLMFit, name: str, title: str, cmd: Command, spec) -> Estimates:
    d = fit.design
    gd = fit.gdesign
    names, b, V = over_columns(d, fit.beta, fit.V_beta)
    chi2, df, p = fit.lr_test()
    w = np.ones(d.n) if d.weights is None or d.weight_kind != "fweight" else d.weights
    nobs = float(w.sum())  # frequency weights count; sampling weights do not
    scalars = {
        "N": nobs,
        "ll": fit.ll,
        "ll_0": fit.ll0,
        "chi2": chi2,
        "p": p,
        "df_m": float(df),
        "k": float(len(d.columns)),
        "rank": float(len(d.coef_index)),
        "ic": float(len(fit.iterations) - 1),
        "converged": float(fit.converged),
    }
    if not fit.family.count:  # observations fitted with probability 0 or 1 ([R] logit)
        p = fit.family.mean(np.ones(d.n), fit.linear_predictor() + gd.offset)
        scalars["N_cdf"] = float(np.sum(w * ((p < 1e-10) & (d.y == 0))))
        scalars["N_cds"] = float(np.sum(w * ((p > 1 - 1e-10) & (d.y != 0))))
    if name == "cloglog":
        nz = float(np.sum(w * (d.y != 0)))
        scalars["N_s"], scalars["N_f"] = nz, nobs - nz
    elif fit.constant:
        scalars["r2_p"] = 1.0 - fit.ll / fit.ll0 if fit.ll0 != 0 else float("nan")
    macros = {
        "cmd": name,
        "depvar": d.depvar,
        "title": title,
        "chi2type": "Wald" if fit.wald_test else "LR",
        "vce": fit.vce,
        "predict": f"{name}_p",
        "offset": (f"ln({gd.offset_name})" if gd.exposure else gd.offset_name)
        if gd.offset_name
        else "",
    }
    vce_entries(fit, "Robust" if fit.vce != "oim" else None, weight_text(cmd), macros, scalars)
    return Estimates.of_fit(
        name, cmdline(cmd), names, b, V, scalars, macros, fit=fit, command=cmd, spec=spec
    )


def _make(name: str):
    title = GLM_COMMANDS[name].title
    family = FAMILIES[GLM_COMMANDS[name].family]

    def handler(s, cmd: Command) -> list[Output]:
        body = cmd.body
        assert isinstance(body, MultilevelModel)
        if body.depvar is None:
            pair = ("logit", "logistic")
            if name in pair and s.e is not None and s.e.cmd in pair and s.e.cmd != name:
                # [R] logistic: "to view coefficients, type logit after running logistic";
                # logistic after logit shows the odds ratios
                bad = [o.name for o in cmd.options if o.name not in _DISPLAY]
                if bad:
                    raise StataError(f"option {bad[0]} not allowed", 198)
                opts = {o.name: o.value for o in cmd.options}
                if name == "logit" and not opts.get("or"):
                    opts["coef"] = True
                elif name == "logistic" and not opts.get("coef"):
                    opts["or"] = True
                return glm_outputs(s.e, opts)
            return replay_active(s, cmd, name, _DISPLAY, glm_outputs)
        if body.levels:
            raise StataError(f"||: random effects are not allowed with {name}; see me{name}", 198)
        for o in _NOT_YET:
            if cmd.has(o):
                raise StataError(f"option {o} is not available in bayes_magic's {name} yet", 198)
        if cmd.weight is not None and cmd.weight.kind not in ("fweight", "pweight"):
            raise StataError(
                f"{cmd.weight.kind}s are not available in bayes_magic's {name} yet", 101
            )
        vce = vce_option(cmd, "oim")
        offset, exposure = me_option(cmd, "offset"), me_option(cmd, "exposure")
        asis = bool(me_option(cmd, "asis"))
        if asis and name == "poisson":
            raise StataError("option asis not allowed", 198)
        if offset is not None and exposure is not None:
            raise StataError("only one of offset() or exposure() can be specified", 198)
        if name != "poisson" and exposure is not None:
            raise StataError("option exposure() not allowed", 198)
        opts = {o.name: o.value for o in cmd.options}
        if name != "logistic" and opts.get("coef"):
            raise StataError("option coef not allowed", 198)
        _eform_of(name, family, opts)  # refuse or/irr where they do not belong, before fitting
        spec = build_mixed(cmd)
        gd = build_glmm_design(
            s.data,
            spec,
            s.touse(cmd),
            family=family.family,
            offset=offset,
            exposure=exposure,
            cluster=vce.cluster,
        )
        if name != "poisson" and not asis:  # asis keeps perfect predictors ([R] logit)
            drop_perfect_predictors(gd, s.data)
        if vce.kind == "cluster" and gd.base.n_clusters == 1:
            raise StataError("only one cluster in the estimation sample", 459)
        fit = fit_glm_model(gd, family, vce.kind)
        est = _estimates(fit, name, title, cmd, spec)
        est.ids = s.data.ids[gd.base.sample]
        s.e = est
        outs: list[Output] = [Text(n, kind="note") for n in gd.base.notes]
        y = gd.base.y
        if name == "poisson" and np.any(y != np.round(y)):
            outs.append(
                Text("note: you are responsible for interpretation of non-count dep. variable.")
            )
        if not cmd.has("nolog"):  # Stata leaves a blank line after the notes and the log
            if outs:
                outs.append(Text(""))
            outs.append(Text(ml_log(fit) + "\n", kind="log"))
        return outs + glm_outputs(est, opts)

    return handler


for _name in GLM_COMMANDS:
    command(_name, byable="repeat")(_make(_name))
    replayer(_name)(lambda est: glm_outputs(est, dict(est.options)))
