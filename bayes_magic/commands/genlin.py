"""``glm`` ([R] glm): generalized linear models with any of Stata's families and links, by
maximum likelihood (the default) or IRLS; fit, store ``e()``, display, replay.

The display is Stata's: the iteration log (log likelihood, or deviance with ``irls``), the
header of ``glm.ado`` (residual df, scale parameter, deviance and Pearson χ² with their
values per df, variance and link functions, AIC = (-2 ll + 2k)/N and BIC = D - df ln N),
and the coefficient table under the variance estimator's name (OIM, EIM, OPG, Robust).
The computations are :func:`bayes_magic.fit.glm_general.fit_general_glm`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..dataset.weights import rescale_aweights
from ..design.glmm import GLMMDesign, build_glm_design
from ..design.mixed import MixedDesign
from ..errors import StataError
from ..fit.estimates import Estimates, over_columns, vce_entries
from ..fit.glm_general import GeneralGLMFit, GLMData, fit_general_glm
from ..fit.glm_links import Link, parse_link
from ..fit.glm_variance import Family, parse_family
from ..report.coeftable import DISPLAY_OPTIONS, restyle, table_results
from ..report.format import fmt_g, iteration_line
from ..report.output import LazyBlock, Output, Text
from ..spec.model import build_mixed, me_option, vce_option
from ..syntax.ast import Command, MultilevelModel
from ..syntax.unparse import cmdline, weight_text
from . import mixed_display as D
from .estimates import replay_active, replayer
from .me import _table
from .registry import command

__all__ = ["genlin_outputs"]

_DISPLAY = ("level", "eform", "noheader", "notable", "nolog", "log", *DISPLAY_OPTIONS)
_NOT_YET = ("constraints", "collinear", "from", "search")
#: Stata's program names for e(varfunc) and e(link)
_VARFUNC = {
    "gaussian": "glim_v1",
    "binomial": "glim_v2",
    "poisson": "glim_v3",
    "gamma": "glim_v4",
    "igaussian": "glim_v5",
    "nbinomial": "glim_v6",
}
_LINKPROG = {
    "identity": "glim_l01",
    "logit": "glim_l02",
    "log": "glim_l03",
    "nbinomial": "glim_l04",
    "logc": "glim_l05",
    "loglog": "glim_l06",
    "cloglog": "glim_l07",
    "probit": "glim_l08",
    "reciprocal": "glim_l09",
    "power-2": "glim_l10",
    "power": "glim_l11",
    "opower": "glim_l12",
}


@dataclass
class GLMResult:
    """A ``glm`` fit with its design: what the coefficient table, ``predict`` and ``margins``
    read."""

    gfit: GeneralGLMFit
    gdesign: GLMMDesign
    vce: str  # oim, eim, opg, robust, cluster
    params: list = field(default_factory=list)  # no variance components

    @property
    def design(self) -> MixedDesign:
        return self.gdesign.base

    @property
    def beta(self) -> np.ndarray:
        return self.gfit.beta

    @property
    def V_beta(self) -> np.ndarray:
        return self.gfit.V

    @property
    def n_clust(self) -> int:
        return self.design.n_clusters if self.vce == "cluster" else 0

    @property
    def converged(self) -> bool:
        return self.gfit.converged


def _eform_label(fam: Family, link: Link) -> str:
    """The column title of ``eform`` (Eform in glm.ado)."""
    if fam.code in ("poisson", "nbinomial") and link.code == "log":
        return "IRR"
    if fam.code == "binomial":
        return {"logit": "Odds ratio", "log": "Risk ratio", "logc": "Hlth ratio"}.get(
            link.code, "exp(b)"
        )
    return "exp(b)"


def _at(text: str, col: int) -> str:
    """``text`` padded so that what follows starts at 1-based column ``col`` (one space at
    least, as Stata's _col() past the column)."""
    return text.ljust(col - 1) if len(text) < col - 1 else text + " "


def header(est: Estimates) -> list[str]:
    """The header of glm.ado's Head program."""
    r: GLMResult = est.fit
    f = r.gfit
    sc, mc = est.scalars, est.macros

    def right(label: str, value: str, col: int = 70, width: int = 9) -> str:
        return f"{label:<16}=" + " " * (col - 68) + f"{value:>{width}}"

    lines = [
        _at("Generalized linear models", 51) + right("Number of obs", f"{int(sc['N']):,}", 69, 10),
        _at(f"Optimization     : {mc['opt1']}", 51)
        + right("Residual df", f"{int(sc['df']):,}", 69, 10),
        _at(" " * 19 + mc.get("opt2", ""), 51) + right("Scale parameter", fmt_g(sc["phi"], 9)),
        _at(f"Deviance{'':9}= {fmt_g(sc['deviance'], 12):>12}", 51)
        + right("(1/df) Deviance", fmt_g(sc["dispers"], 9)),
        _at(f"Pearson{'':10}= {fmt_g(sc['deviance_p'], 12):>12}", 51)
        + right("(1/df) Pearson", fmt_g(sc["dispers_p"], 9)),
        "",
        _at("Variance function: V(u) = " + mc["varfuncf"], 51) + f"[{mc['varfunct']}]",
        _at("Link function    : g(u) = " + mc["linkf"], 51) + f"[{mc['linkt']}]",
    ]
    if f.ll is not None:
        crit = "Log pseudolikelihood" if _pseudo(r) else "Log likelihood"
        lines += [
            "",
            " " * 50 + right("AIC", fmt_g(sc["aic"], 9)),
            _at(f"{crit:<{max(18, len(crit) + 2) - 1}}= {fmt_g(f.ll, 12):>12}", 51)
            + right("BIC", fmt_g(sc["bic"], 9)),
        ]
    else:
        lines += ["", " " * 50 + right("BIC", fmt_g(sc["bic"], 9))]
    return [ln.rstrip() for ln in lines]


def _pseudo(r: GLMResult) -> bool:
    """Whether the criterion is a pseudolikelihood: sampling weights or a sandwich variance,
    as Stata's ml labels it."""
    d = r.design
    return r.vce in ("robust", "cluster") or (d.weights is not None and d.weight_kind == "pweight")


def _notes(est: Estimates, eform: bool) -> list[str]:
    r: GLMResult = est.fit
    out = []
    if r.gfit.scale_note:
        out.append(f"(Standard errors scaled using {r.gfit.scale_note}.)")
    f = r.gfit
    if f.family.code == "binomial" and f.link.code == "identity" and not eform:
        out.append("Coefficients are the risk differences.")
    if est.scalars.get("nbml"):
        out.append(
            "Note: Negative binomial parameter estimated via ML and treated as fixed once\n"
            "      estimated."
        )
    if est.macros.get("adm_warn"):
        out.append(
            "Warning: parameter estimates produce inadmissible mean estimates in one or\n"
            "         more observations."
        )
    return out


def genlin_outputs(est: Estimates, opts: dict) -> list[Output]:
    """The display of a ``glm`` fit under display options ``opts``."""
    r: GLMResult = est.fit
    eform = _eform_label(r.gfit.family, r.gfit.link) if opts.get("eform") else None
    level = float(opts.get("level", 95))
    t = None
    results = None
    if not opts.get("notable"):
        t = _table(est, level, eform, vcetype=r.gfit.vcetype)
        results = table_results(t, est.bnames, level, eform=eform is not None)

    def render() -> tuple[str, str]:
        parts, html = [], []
        if not opts.get("noheader"):
            head = "\n".join(header(est))
            parts.append(head)
            html.append(f"<pre style='margin:0'>{head}</pre>")
        tail: list[str] = []
        if t is not None:
            D.add_table(parts, html, restyle(t, opts), r)
            tail = _notes(est, eform is not None)
        text = "\n\n".join(parts)
        if tail:
            text += "\n" + "\n".join(tail)
            html.append("<pre style='margin:0'>" + "\n".join(tail) + "</pre>")
        return text, "".join(html)

    outs: list[Output] = []
    if t is not None or not opts.get("noheader"):
        outs.append(LazyBlock(render, data=est, results=results))
    if not r.converged:
        outs.append(Text("Warning: convergence not achieved", kind="note"))
    return outs


def _shown(f: GeneralGLMFit) -> list[str]:
    """The ML log's values, ending at the first repeat of the converged value (as Stata's)."""
    shown: list[str] = []
    for _i, ll in f.iterations:
        text = fmt_g(ll, 10)
        if len(shown) >= 2 and shown[-1] == shown[-2] == text:
            break
        shown.append(text)
    return shown


def _shown_iterations(f: GeneralGLMFit) -> int:
    """The iterations the log shows (after the start, for ML): e(ic)."""
    return len(f.iterations) if f.method == "irls" else len(_shown(f)) - 1


def _log(f: GeneralGLMFit, pseudo: bool) -> str:
    if f.method == "irls":
        return "\n".join(
            f"{f'Iteration {i}:':<15}deviance = {fmt_g(v, 9)}" for i, v in f.iterations
        )
    word = "Log pseudolikelihood" if pseudo else "Log likelihood"
    return "\n".join(iteration_line(i, f"{word} = {t}") for i, t in enumerate(_shown(f)))


def _family_link(cmd: Command) -> tuple[Family, Link, bool]:
    try:
        fam_text, link_text = cmd.option("family"), cmd.option("link")
        fam, alpha_ml = parse_family(fam_text if isinstance(fam_text, str) else "")
        link = parse_link(link_text if isinstance(link_text, str) else "")
    except ValueError as e:
        raise StataError(str(e), 198) from None
    if link is None:
        link = fam.canonical()
    return fam, link, alpha_ml


def _scale(cmd: Command, irls: bool, vce: str) -> str | float | None:
    raw = cmd.option("scale")
    if raw is None:
        return None
    if vce not in ("oim", "eim"):
        raise StataError("cannot use scale() with alternate variances", 198)
    text = str(raw).strip().lower()
    if text == "x2":
        return "x2"
    if text == "dev":
        if not irls:
            raise StataError("option scale(dev) allowed only with option irls", 198)
        return "dev"
    try:
        v = float(text)
    except ValueError:
        raise StataError("invalid scale()", 198) from None
    if not v > 0:
        raise StataError("scale(#) must be positive", 198)
    return v


def _check_response(fam: Family, y: np.ndarray, m: np.ndarray, depvar: str, mname: str):
    """glm.ado's checks of the response against its family; notes for noninteger counts."""
    notes: list[str] = []
    if fam.code == "binomial":
        if np.any(m <= 0):
            raise StataError(f"{mname} has nonpositive values", 499)
        if np.any(m != np.round(m)):
            notes.append(f"note: {mname} has noninteger values")
    if fam.code in ("binomial", "poisson", "igaussian", "nbinomial") and np.any(y < 0):
        raise StataError(f"dependent variable {depvar} has negative values", 499)
    if fam.code in ("gamma", "igaussian") and np.any(y <= 0):
        # their deviance (ln y, 1/y) is not defined at 0
        raise StataError(f"dependent variable {depvar} has nonpositive values", 499)
    if fam.code == "binomial" and np.any(y > m):
        raise StataError(f"{depvar} > {mname} in some cases", 499)
    if fam.code in ("binomial", "nbinomial") and np.any(y != np.round(y)):
        notes.append(f"note: {depvar} has noninteger values")
    return notes


def _estimates(r: GLMResult, cmd: Command, spec, alpha_ml: bool, y: np.ndarray) -> Estimates:
    f = r.gfit
    d = r.design
    gd = r.gdesign
    names, b, V = over_columns(d, f.beta, f.V)
    fam, link = f.family, f.link
    m = fam.m if fam.code == "binomial" else "1"
    dfm = f.rank - (1 if "_cons" in d.xnames else 0)
    scalars = {
        "N": f.nobs,
        "k": float(len(d.columns)),
        "k_eq": 1.0,
        "k_eq_model": 0.0,
        "k_dv": 1.0,
        "df_m": float(dfm),
        "df": f.df,
        "phi": f.phi,
        "disp": f.disp,
        "aic": f.aic,
        "bic": f.bic,
        "deviance": abs(f.deviance),
        "deviance_s": abs(f.deviance) / f.phi,
        "deviance_p": abs(f.pearson),
        "deviance_ps": abs(f.pearson) / f.phi,
        # a saturated model has no residual df: the dispersions are missing, as in Stata
        "dispers": abs(f.deviance) / f.df if f.df else math.nan,
        "dispers_s": abs(f.deviance) / f.phi / f.df if f.df else math.nan,
        "dispers_p": abs(f.pearson) / f.df if f.df else math.nan,
        "dispers_ps": abs(f.pearson) / f.phi / f.df if f.df else math.nan,
        "nbml": float(alpha_ml),
        "vf": float(cmd.option("vfactor") or 1.0),
        "rank": float(f.rank),
        "ic": float(_shown_iterations(f)),
        "rc": 0.0 if f.converged else 430.0,
        "converged": float(f.converged),
        "canonical": float(fam.is_canonical(link)),
    }
    if f.ll is not None:
        scalars["ll"] = f.ll
    if link.code in ("power", "opower"):
        scalars["power"] = link.power
    elif link.code in ("identity", "log", "reciprocal", "power-2", "logit"):
        scalars["power"] = {"identity": 1, "log": 0, "reciprocal": -1, "power-2": -2}.get(
            link.code, 0
        )
    macros = {
        "cmd": "glm",
        "depvar": d.depvar,
        "title": "Generalized linear models",
        "varfunc": _VARFUNC[fam.code],
        "varfunct": fam.title(y),
        "varfuncf": fam.formula(y),
        "link": _LINKPROG[link.code],
        "linkt": link.title,
        "linkf": link.formula(m),
        "m": m,
        "opt": f.method,
        "opt1": "ML" if f.method == "ml" else "MQL Fisher scoring",
        "opt2": "" if f.method == "ml" else "(IRLS EIM)",
        "vce": r.vce,
        "predict": "glim_p",
        "cons": "" if "_cons" in d.xnames else "noconstant",
        "offset": (f"ln({gd.offset_name})" if gd.exposure else gd.offset_name)
        if gd.offset_name
        else "",
        "marginsok": "default",
        "properties": "b V",
        "crittype": (
            ("log pseudolikelihood" if _pseudo(r) else "log likelihood")
            if f.method == "ml"
            else "deviance"
        ),
    }
    if f.method == "irls" and r.vce == "oim":
        macros["opt1"], macros["opt2"] = "MQL Newton-Raphson", "(IRLS OIM)"
    if fam.code == "nbinomial":
        macros["a"] = f"{fam.alpha:.10g}"
    if fam.code == "binomial" and link.code in ("identity", "log"):
        eta = f.eta  # the proportion (identity) or its log: inadmissible outside [0, 1]
        bad = np.any((eta < 0) | (eta > 1)) if link.code == "identity" else np.any(eta > 0)
        if bad:
            macros["adm_warn"] = "warn"
    vce_entries(r, f.vcetype, weight_text(cmd), macros, scalars)
    est = Estimates.of_fit("glm", cmdline(cmd), names, b, V, scalars, macros, fit=r, command=cmd)
    est.spec = spec
    return est


@command("glm", byable="repeat")
def glm(s, cmd: Command) -> list[Output]:
    body = cmd.body
    assert isinstance(body, MultilevelModel)
    if body.depvar is None:
        return replay_active(s, cmd, "glm", _DISPLAY, genlin_outputs)
    if body.levels:
        raise StataError("||: random effects are not allowed with glm; see meglm", 198)
    for o in _NOT_YET:
        if cmd.has(o):
            raise StataError(f"option {o} is not available in bayes_magic's glm yet", 198)
    irls = cmd.has("irls")
    if irls and cmd.has("ml"):
        raise StataError("ml and irls options may not be combined", 198)
    fam, link, alpha_ml = _family_link(cmd)
    vce = _vce(cmd, irls)
    scale = _scale(cmd, irls, vce.kind)
    disp = float(cmd.option("disp") or 1.0)
    if disp != 1 and not irls:
        raise StataError("disp() allowed only with irls option", 198)
    fisher = cmd.option("fisher")
    if fisher is not None and irls:
        raise StataError("fisher() only valid with Newton-Raphson optimization", 198)
    offset, exposure = me_option(cmd, "offset"), me_option(cmd, "exposure")
    lnoffset = cmd.option("lnoffset")
    if sum(x is not None for x in (offset, exposure, lnoffset)) > 1:
        raise StataError("only one of offset() or exposure() can be specified", 198)
    exposure = exposure if exposure is not None else lnoffset
    if cmd.has("asis") and not (fam.code == "binomial" and fam.m == "1"):
        raise StataError(
            "option asis not allowed; option asis is only allowed with family(binomial) "
            "with a denominator of 1",
            198,
        )
    mu_var = cmd.option("mu") or cmd.option("init")
    if cmd.option("mu") and cmd.option("init") and cmd.option("mu") != cmd.option("init"):
        raise StataError("mu() and init() should use the same varname", 198)
    spec = build_mixed(cmd)
    gd = build_glm_design(
        s.data,
        spec,
        s.touse(cmd),
        denominator=fam.m,
        offset=offset,
        exposure=exposure,
        cluster=vce.cluster,
    )
    d = gd.base
    if d.n == 0:
        raise StataError("no observations", 2000)
    if d.n == 1:
        raise StataError("insufficient observations", 2001)
    notes = _check_response(fam, d.y, gd.trials, d.depvar, fam.m)
    if alpha_ml:
        fam = Family("nbinomial", alpha=_alpha_ml(s, cmd, gd))
    if link.code == "nbinomial":
        link = Link("nbinomial", alpha=fam.alpha)
    kind = d.weight_kind if d.weights is not None else None
    w = np.ones(d.n) if d.weights is None else np.asarray(d.weights, dtype=float)
    if kind == "aweight":
        w = rescale_aweights(w)
    if vce.kind == "opg" and kind not in (None, "fweight"):
        raise StataError(
            "only fweights (if any) are available for non-hessian, non-bootstrap matrices", 198
        )
    if vce.kind == "cluster" and d.n_clusters == 1:
        raise StataError("only one cluster in the estimation sample", 459)
    mu0 = None
    if mu_var:
        from ..dataset.varnames import resolve

        mu0 = np.asarray(s.data.values(resolve(s.data, mu_var))[d.sample], dtype=float)
    data = GLMData(d.y, d.X, gd.offset, gd.trials, w, w if kind == "fweight" else None, d.cluster)
    f = fit_general_glm(
        data,
        fam,
        link,
        irls=irls,
        vce=vce.kind,
        scale=scale,
        disp=disp,
        fisher=int(fisher) if fisher is not None else 0,
        iterate=int(cmd.option("iterate") if cmd.option("iterate") is not None else 300),
        ltol=cmd.option("ltolerance"),
        mu0=mu0,
        vfactor=float(cmd.option("vfactor") or 1.0),
    )
    r = GLMResult(f, gd, vce.kind)
    est = _estimates(r, cmd, spec, alpha_ml, d.y)
    est.ids = s.data.ids[d.sample]
    s.e = est
    outs: list[Output] = [Text(n, kind="note") for n in d.notes + notes]
    if not cmd.has("nolog"):
        if outs:
            outs.append(Text(""))
        outs.append(Text(_log(f, _pseudo(r)) + "\n", kind="log"))
    if cmd.has("nodisplay"):
        return outs
    opts = {o.name: o.value for o in cmd.options}
    return outs + genlin_outputs(est, opts)


def _vce(cmd: Command, irls: bool):
    """vce(oim|eim|opg|robust|cluster v): ML's default is OIM, IRLS's EIM."""
    raw = cmd.option("vce")
    words = str(raw).replace(",", " ").split() if isinstance(raw, str) else []
    if words and words[0].lower() in ("eim", "oim", "opg"):
        if len(words) > 1:
            raise StataError(f"option vce({raw}) invalid", 198)
        from ..spec.model import VCE

        if cmd.has("robust") or cmd.option("cluster") is not None:
            raise StataError(f"options robust and vce({words[0]}) may not be combined", 198)
        if cmd.weight is not None and cmd.weight.kind == "pweight" and words[0].lower() != "opg":
            raise StataError(f"vce({words[0].lower()}) not allowed with pweights", 198)
        return VCE(words[0].lower())
    return vce_option(cmd, "eim" if irls else "oim")


def _alpha_ml(s, cmd: Command, gd: GLMMDesign) -> float:
    """``family(nbinomial ml)``: α of ``nbreg`` on the same model (mean dispersion), then held
    fixed, as glm.ado does."""
    from ..fit.glmm_family import NEGBIN_FAMILIES
    from ..fit.negbin import fit_negbin

    start, _fam = fit_negbin(gd, NEGBIN_FAMILIES["menbreg"])
    return float(np.exp(start.lnalpha))


replayer("glm")(lambda est: genlin_outputs(est, dict(est.options)))
