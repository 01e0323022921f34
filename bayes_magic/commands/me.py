"""``melogit``, ``meprobit``, ``mecloglog``, ``mepoisson``, ``menbreg``, ``meologit``,
``meoprobit`` ([ME] melogit, meprobit, mecloglog, mepoisson, menbreg, meologit, meoprobit): fit,
store ``e()``, display, and replay. The family's own parameters follow the coefficients: the
ordered models' cutpoints ``/cut1`` ..., ``menbreg``'s ``/lnalpha`` (``/lndelta`` with
``dispersion(constant)``).

The layout is Stata's ``meglm`` display: the header with the integration method, one table with
the fixed effects and, under a rule per level, the variances and covariances of the random
effects (``var(_cons)`` rows without z and p), then the LR test against the model without random
effects. ``or`` / ``irr`` / ``eform`` show exponentiated coefficients.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy import stats

from ..design.glmm import build_glmm_design
from ..design.mixed import without_constant
from ..errors import StataError
from ..fit.estimates import Estimates
from ..fit.glmm import GLMMFit, GLMMStart, fit_glmm, robust_vce
from ..fit.glmm_family import FAMILIES, NEGBIN_FAMILIES, ORDINAL_FAMILIES, Family, NegBinFamily
from ..fit.mixed import param_template
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
from ..report.format import abbrev, fmt_f, fmt_g, iteration_line
from ..report.output import LazyBlock, Output, Text
from ..spec.model import build_mixed, dispersion_option, me_option, meglm_as, vce_option
from ..syntax.ast import Command, MultilevelModel
from ..syntax.unparse import cmdline
from . import mixed_display as D
from .estimates import replayer
from .registry import command
from .start_values import init_specs

__all__ = ["me_outputs"]

_DISPLAY = (
    "level",
    "or",
    "irr",
    "eform",
    "noheader",
    "nogroup",
    "notable",
    "nolrtest",
    "nolog",
    "log",
    "nocnsreport",
    *DISPLAY_OPTIONS,
)
_NOT_YET = (
    "constraints",
    "startvalues",
    "startgrid",
    "noestimate",
    "dnumerical",
)


def _eform(family: Family, opts: dict) -> str | None:
    """The exponentiated column's title, or None."""
    if opts.get("or"):
        if family.link != "logit":
            raise StataError("option or not allowed", 198)
        return "Odds ratio"
    if opts.get("irr"):
        if not family.count:
            raise StataError("option irr not allowed", 198)
        return "IRR"
    if "eform" in opts:
        v = opts.get("eform")
        return v if isinstance(v, str) and v else "exp(b)"
    return None


def _level_name(lv) -> str:
    if lv.crossed and lv.path == (lv.crossed,):
        return "_all"
    return ">".join(lv.path) if lv.path else lv.name


def _re_param_names(levels, params) -> list[tuple[str, str, list[int]]]:
    """Stata's ``e(b)`` names of the variance components, in table order, with their kind and
    the indices of the params (``lns``, ``atr``) behind them."""
    out = []
    idx = {p.name: i for i, p in enumerate(params)}
    for li, lv in enumerate(levels, start=1):
        lvn = _level_name(lv)
        names = [f"R.{lv.crossed}" if lv.crossed else z for z in lv.znames]
        k = lv.k
        if lv.covariance in ("identity", "exchangeable"):
            # one variance shared by all the level's effects: var(urban _cons), as mixed
            joint = " ".join(names)
            out.append(("var", f"var({joint}[{lvn}])", [idx[f"lns{li}_1_1"]]))
            if lv.covariance == "exchangeable" and k > 1:
                out.append(
                    (
                        "cov",
                        f"cov({joint}[{lvn}])",
                        [idx[f"lns{li}_1_1"], idx[f"lns{li}_1_1"], idx[f"atr{li}_1_1_2"]],
                    )
                )
            continue
        for j in range(k):
            out.append(("var", f"var({names[j]}[{lvn}])", [idx[f"lns{li}_1_{j + 1}"]]))
        if lv.covariance == "unstructured":
            for a in range(k):
                for b in range(a + 1, k):
                    out.append(
                        (
                            "cov",
                            f"cov({names[a]}[{lvn}],{names[b]}[{lvn}])",
                            [
                                idx[f"lns{li}_1_{a + 1}"],
                                idx[f"lns{li}_1_{b + 1}"],
                                idx[f"atr{li}_1_{a + 1}_{b + 1}"],
                            ],
                        )
                    )
    return out


def _display_b_V(fit: GLMMFit) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``e(b)`` and ``e(V)``: coefficients, then variances and covariances (delta method)."""
    d = fit.design
    p = d.p
    live = [i for i, q in enumerate(fit.params) if not q.boundary]
    comps = _re_param_names(fit.design.levels, fit.params)
    vals = np.array([q.value for q in fit.params])
    est, J = [], np.zeros((len(comps), len(live)))
    for r, (kind, _nm, ids) in enumerate(comps):
        if kind == "var":
            i = ids[0]
            v = math.exp(2 * vals[i]) if np.isfinite(vals[i]) else 0.0
            est.append(v)
            if i in live:
                J[r, live.index(i)] = 2 * v
        else:
            a, b, t = ids
            la, lb, at = vals[a], vals[b], vals[t]
            if not (np.isfinite(la) and np.isfinite(lb)):
                est.append(0.0)
                continue
            th = math.tanh(at) if np.isfinite(at) else math.copysign(1.0, at)
            c = th * math.exp(la + lb)
            est.append(c)
            for i, dv in ((a, c), (b, c), (t, (1 - th * th) * math.exp(la + lb))):
                if i in live:
                    J[r, live.index(i)] += dv
    na = len(fit.aux)
    assert fit.family is not None
    names = [f"{d.depvar}:{c.name}" for c in d.columns]
    names += [f"/:{a}" for a in fit.family.aux_names] + [f"/:{nm}" for _k, nm, _i in comps]
    b_full = np.zeros(len(d.columns))
    b_full[d.coef_index] = fit.beta
    b = np.concatenate([b_full, fit.aux, est])
    kk = len(b)
    Vf = fit.V_full
    # map: beta (p), the family's parameters (na) and live params -> display vector
    T = np.zeros((kk, p + na + len(live)))
    for j, ci in enumerate(d.coef_index):
        T[ci, j] = 1.0
    k0 = len(d.columns)
    T[k0 : k0 + na, p : p + na] = np.eye(na)
    T[k0 + na :, p + na :] = J
    V = T @ np.nan_to_num(Vf) @ T.T
    return names, b, V


def _family_name(fam: Family, gd) -> str:
    """e(family): ``bernoulli``, ``binomial``, ``poisson``, ``nbinomial`` or ``ordinal``."""
    if fam.family in ("poisson", "ordinal", "nbinomial"):
        return fam.family
    return "binomial" if gd is not None and gd.binomial is not None else "bernoulli"


def estimates_of(fit: GLMMFit, cmd: Command, line: str, spec, name: str) -> Estimates:
    d = fit.design
    names, b, V = _display_b_V(fit)
    chi2, df, p = fit.wald()
    lr, lrdf, lrp = fit.lr_test()
    fam = fit.family
    assert fam is not None
    gd = fit.gdesign
    scalars = {
        "N": float(d.n if d.weights is None else d.weights.sum()),
        "k": float(len(b)),
        "k_f": float(len(d.coef_index)),
        "k_r": float(len(b) - len(d.columns) - len(fit.aux)),
        "ll": fit.ll,
        "chi2": chi2,
        "p": p,
        "df_m": float(df),
        "ll_c": fit.ll0,
        "chi2_c": lr,
        "df_c": float(lrdf),
        "p_c": lrp,
        "n_quad": float(fit.intpoints),
        "converged": float(fit.converged),
        "rank": float(len(d.coef_index) + len(fit.aux) + sum(not q.boundary for q in fit.params)),
    }
    family = _family_name(fam, gd)
    if fit.values is not None:
        scalars["k_cat"] = float(len(fit.values))
    macros = {
        "cmd": "meglm",
        "cmd2": name,
        "depvar": d.depvar,
        "title": "Mixed-effects GLM" if name == "meglm" else fam.title,
        # as _me_display reads it: "LR test vs. logistic model", "... Poisson model"
        "model": {"poisson": "Poisson", "nbinomial": "nbinomial", "ordinal": "o" + fam.link}.get(
            fam.family, "logistic" if fam.link == "logit" else fam.link
        ),
        "family": family,
        "link": fam.link,
        "intmethod": fit.method,
        "ivars": " ".join(r[0] for r in D.group_rows(fit)),  # the level variables, _all
        "redim": " ".join(str(lv.k) for lv in d.levels),
        "vartypes": " ".join(D.cov_title(lv) for lv in d.levels),
        "chi2type": "Wald",
        "vce": fit.vce,
        "properties": "b V",
        "binomial": gd.binomial if gd is not None and gd.binomial else "",
        "offset": gd.offset_name if gd is not None and gd.offset_name else "",
    }
    if isinstance(fam, NegBinFamily):
        macros["dispersion"] = fam.dispersion
    if fit.vce != "oim":  # [ME] meglm, Stored results
        macros.update(vcetype="Robust", clustvar=fit.clustvar or "")
        scalars["N_clust"] = float(fit.n_clust)
    return Estimates.of_fit(
        "meglm", line, names, b, V, scalars, macros, fit=fit, command=cmd, spec=spec
    )


# -- display --------------------------------------------------------------------------------------
def _left(label: str, value: str) -> str:
    """A left-hand header cell as ``_me_display`` writes it: the value ends in column 31
    (``Group variable:        district``), or follows the label when it is too long."""
    return f"{label}{value:>{max(31 - len(label), len(value))}}"


def _header(fit: GLMMFit, opts: dict, glm: bool = False) -> list[str]:
    """Stata's ``_me_display`` header: the title, with ``glm`` (``meglm``) the family and link,
    the binomial trials, the overdispersion, the groups, the integration method, the Wald
    test and the log likelihood."""
    d = fit.design
    fam = fit.family
    assert fam is not None
    R = D._right
    nobs = int(d.n if d.weights is None else d.weights.sum())
    title = "Mixed-effects GLM" if glm else fam.title
    lines = [f"{title:<48}{R('Number of obs', f'{nobs:,}')}"]
    gd = fit.gdesign
    if glm:
        family = _family_name(fam, gd)
        shown = {"nbinomial": "negative binomial"}.get(family, family)
        if family in ("gaussian", "bernoulli", "poisson"):
            shown = family.capitalize()
        link = {"cloglog": "complementary log-log"}.get(fam.link, fam.link)
        lines += [_left("Family: ", shown), _left("Link: ", link)]
    if gd is not None and gd.binomial is not None:
        b = str(gd.binomial)
        numeric = b.replace(".", "", 1).isdigit()
        lines.append(
            _left("Binomial trials: ", b)
            if numeric
            else _left("Binomial variable: ", abbrev(b, 12))  # as _me_display abbreviates
        )
    if isinstance(fam, NegBinFamily):
        lines.append(_left("Overdispersion: ", fam.dispersion))
    nogroup = bool(opts.get("nogroup"))
    if len(d.levels) == 1 and not nogroup:
        # e(N_g) ...: _all (R.x alone) is one group of every observation
        name, G, mn, avg, mx = D.group_rows(fit)[0]
        lines += [
            f"{'Group variable: ' + abbrev(name, 14):<48}{R('Number of groups', f'{G:,}')}",
            "",
            " " * 48 + "Obs per group:",
            " " * 48 + R("min", f"{mn:,}", align=">"),
            " " * 48 + R("avg", fmt_f(avg, 1), align=">"),
            " " * 48 + R("max", f"{mx:,}", align=">"),
        ]
    elif len(d.levels) > 1 and not nogroup:
        lines += ["", *D.group_table_lines(fit)]
    lines.append("")
    meth = _left("Integration method: ", fit.method)
    if fit.method == "laplace":
        lines.append(meth)
    else:
        lines.append(f"{meth:<48}{R('Integration pts.', str(fit.intpoints))}")
    lines.append("")
    chi2, df, p = fit.wald()
    lines.append(" " * 48 + R(f"Wald chi2({df})", fmt_f(chi2, 2) if df else "."))
    crit = "Log likelihood" if fit.vce == "oim" else "Log pseudolikelihood"
    ll = f"{crit} = {fmt_g(fit.ll, 10):>10}"
    lines.append(f"{ll:<48}" + R("Prob > chi2", fmt_f(p, 4) if df else "."))
    return [ln.rstrip() for ln in lines]


def _table(
    est: Estimates,
    level: float,
    eform: str | None,
    df_r: float | None = None,
    vcetype: str | None = None,
    std_beta: np.ndarray | None = None,
) -> CoefTable:
    """The coefficient table; with ``df_r`` (``regress``) t statistics and intervals on
    ``df_r`` degrees of freedom instead of z; ``vcetype`` (``Robust``) is printed above the
    standard errors' column, as Stata's ``std. err.`` under ``Robust``; ``std_beta`` (one per
    coefficient, nan for the constant: ``regress, beta``) replaces the interval by a Beta
    column."""
    fit: GLMMFit = est.fit
    d = fit.design
    z = float(stats.norm.ppf(0.5 + level / 200))
    rows = D.fixed_rows(d.columns, d.coef_index, fit.beta, fit.V_beta, level)
    if df_r is not None:
        tq = float(stats.t.ppf(0.5 + level / 200, df_r))
        for r in rows:
            if r.values:
                b, se = r.values[0], r.values[1]
                t = b / se if se > 0 else math.nan
                p = 2 * float(stats.t.sf(abs(t), df_r)) if t == t else math.nan
                r.values = [b, se, t, p, b - tq * se, b + tq * se]
    if std_beta is not None:
        k = 0
        for r in rows:
            if r.values:
                r.values[4], r.values[5] = float(std_beta[k]), math.nan
                k += 1
    if eform:
        exponentiate(rows)
    gd = fit.gdesign
    if gd is not None and gd.offset_name:
        label = f"ln({gd.offset_name})" if gd.exposure else gd.offset_name
        rows.append(CoefRow(label, kind="exposure" if gd.exposure else "offset"))
    eqs = [Equation("", rows)] if rows else []
    k0 = len(d.columns)
    aux = getattr(fit, "aux", ())  # regress and glm share this table
    if len(aux):  # cutpoints or ln α, without z and p, as ologit and nbreg show them
        aux_rows = []
        Vf = getattr(fit, "V_full", None)  # nan where the information is singular
        pb = len(d.coef_index)
        for j, (c, nm) in enumerate(zip(aux, fit.family.aux_names)):
            v = float(Vf[pb + j, pb + j]) if Vf is not None else float(est.V[k0 + j, k0 + j])
            se = math.sqrt(v) if v >= 0 else math.nan
            vals = [float(c), se, math.nan, math.nan, c - z * se, c + z * se]
            aux_rows.append(CoefRow(f"/{nm}", vals, param=f"/{nm}"))
        eqs.append(Equation("", aux_rows))
        k0 += len(aux)
    comps = _re_param_names(fit.design.levels, fit.params)
    by_level: dict[tuple[str, bool], list[CoefRow]] = {}
    for r, (kind, nm, _ids) in enumerate(comps):
        lvn = nm[nm.index("[") + 1 : nm.index("]")]
        label = nm.replace(f"[{lvn}]", "")
        i = k0 + r
        v = float(est.b[i])
        se = math.sqrt(est.V[i, i]) if est.V[i, i] > 0 else float("nan")
        if kind == "var":
            if v > 0 and se == se:
                sl = se / v  # SE of log(var): the interval is built on the log scale
                lo = math.log(v) - z * sl
                hi = math.log(v) + z * sl
                vals = [
                    v,
                    se,
                    math.nan,
                    math.nan,
                    math.exp(max(lo, -745.0)),
                    math.exp(hi) if hi < 709 else math.inf,
                ]
            else:
                vals = [v, math.nan, math.nan, math.nan, math.nan, math.nan]
        else:
            zz = v / se if se == se and se > 0 else math.nan
            pp = 2 * float(stats.norm.sf(abs(zz))) if zz == zz else math.nan
            vals = [v, se, zz, pp, v - z * se, v + z * se]
        # covariances follow the variances in a block of their own under the level's name,
        # as Stata 17's me tables (Rodríguez's melogit log, grodri.github.io bangladesh.html)
        block = (lvn, kind == "cov")
        by_level.setdefault(block, []).append(CoefRow(label, vals, kind="re"))
    for (lvn, _cov), rows_ in by_level.items():
        eqs.append(Equation(lvn, rows_))
    ci = f"[{int(level) if level == int(level) else level}% conf. interval]"
    first = eform or "Coefficient"
    zt = "z" if df_r is None else "t"
    header, fmt_row, titles, cells, pre = ml_columns(
        first, zt, ci, vcetype, beta=std_beta is not None
    )

    return CoefTable(
        eqs,
        header,
        fmt_row,
        titles,
        cells,
        stub_title=d.depvar,
        base_text="1" if eform else "0",  # exp(0): odds ratios ... of the base level are 1
        pre_header=pre,
    )


def _notes(fit: GLMMFit, eform: str | None) -> list[str]:
    out = []
    if eform and "_cons" in fit.design.xnames:
        fam = fit.family
        assert fam is not None
        what = {"Odds ratio": "odds ratios", "IRR": "incidence-rate ratios"}.get(eform, "exp(b)")
        out.append(f"Note: Estimates are transformed only in the first equation to {what}.")
        base = {"logit": "baseline odds", "log": "baseline incidence rate"}.get(fam.link)
        if base:
            out.append(f"Note: _cons estimates {base} (conditional on zero random effects).")
    return out


def _lr_lines(fit: GLMMFit) -> list[str]:
    fam = fit.family
    assert fam is not None
    return D.lr_lines(fit, fam.model)


def me_outputs(est: Estimates, opts: dict) -> list[Output]:
    """The display of a fitted ``me*`` model under display options ``opts``."""
    fit: GLMMFit = est.fit
    assert fit.family is not None
    eform = _eform(fit.family, opts)
    level = float(opts.get("level", 95))

    robust = fit.vce != "oim"
    table = None
    results = None
    if not opts.get("notable"):
        table = _table(est, level, eform, vcetype="Robust" if robust else None)
        results = table_results(table, est.bnames, level, eform=eform is not None)

    def render() -> tuple[str, str]:
        parts, html = [], []
        if not opts.get("noheader"):
            head = "\n".join(_header(fit, opts, glm=est.macros.get("cmd2") == "meglm"))
            parts.append(head)
            html.append(f"<pre style='margin:0'>{head}</pre>")
        if table is not None:
            t = restyle(table, opts, eq_names=True)
            note = f"(Std. err. adjusted for {fit.n_clust:,} clusters in {fit.clustvar})"
            parts.append(f"{note:>78}\n{t.text()}" if robust else t.text())
            html.append((f"<pre style='margin:0'>{note:>78}</pre>" if robust else "") + t.html())
        tail = _notes(fit, eform) if not opts.get("notable") else []
        # no LR test of a pseudolikelihood (_me_display's _LR_test skips vce other than oim)
        if not opts.get("nolrtest") and fit.design.levels and fit.vce == "oim":
            lr = _lr_lines(fit)
            if tail and lr:
                tail.append("")
            tail += lr
        # Stata 17 starts the table on the line after the header's log likelihood (its logs
        # of melogit, grodri.github.io multilevel/bangladesh.html and hospmle.html)
        text = "\n".join(parts)
        if tail:
            text += "\n" + "\n".join(tail)
            html.append("<pre style='margin:0'>" + "\n".join(tail) + "</pre>")
        return text, "".join(html)

    outs: list[Output] = [LazyBlock(render, data=est, results=results)]
    if fit.V_full is not None and not np.all(np.isfinite(fit.V_full)):
        # ml's warning when the information matrix cannot be inverted (a parameter that the
        # data do not identify, such as a variance of groups of one observation)
        outs.append(
            Text("Warning: variance matrix is nonsymmetric or highly singular.", kind="note")
        )
    if not fit.converged:
        outs.append(
            Text("Warning: convergence not achieved; estimates are the last iterate.", kind="note")
        )
    return outs


def glmm_log(fit: GLMMFit, first: str = "Fitting fixed-effects model:") -> str:
    """The iteration log of a GLMM fit: the model without random effects (``first`` names
    it: xtlogit calls it the comparison model), then the full model, a repeated last value
    shown at most twice."""
    lines = [first, ""]
    for i, ll in fit.fe_iterations:
        lines.append(iteration_line(i, f"Log likelihood = {fmt_g(ll, 10)}"))
    lines += ["", "Fitting full model:", ""]
    shown: list[str] = []
    for _i, ll in fit.iterations:
        text = fmt_g(ll, 10)
        if len(shown) >= 2 and shown[-1] == shown[-2] == text:
            continue
        shown.append(text)
        lines.append(iteration_line(len(shown) - 1, f"Log likelihood = {text}"))
    return "\n".join(lines)


def _method(cmd: Command, crossed: bool) -> tuple[str, int, list[str]]:
    notes: list[str] = []
    meth = cmd.option("intmethod")
    if cmd.has("laplace"):
        if meth is not None and meth != "laplace":
            raise StataError("options laplace and intmethod() may not be combined", 198)
        meth = "laplace"
    q = cmd.option("intpoints")
    if meth == "laplace" and q is not None and int(q) != 1:
        raise StataError("intpoints() may not be specified with intmethod(laplace)", 198)
    if crossed:  # [ME] meglm: crossed random effects are integrated by laplace
        if meth not in (None, "laplace") or q not in (None, 1):
            raise StataError(
                "quadrature over crossed random effects is not available; Stata uses "
                "intmethod(laplace) for them too",
                198,
            )
        return "laplace", 1, notes
    if meth is None:
        meth = "mvaghermite"
    if meth == "laplace":
        return "laplace", 1, notes
    q = 7 if q is None else int(q)
    if q == 1:
        if meth == "ghermite":  # one node at zero: the likelihood ignores the variances
            raise StataError("intpoints() must be at least 2 with intmethod(ghermite)", 198)
        return "laplace", 1, notes  # one adaptive point is the Laplace approximation
    return meth, q, notes


def _dispersion(cmd: Command, family: Family) -> Family:
    """``menbreg``'s ``dispersion(mean|constant)``."""
    if not cmd.has("dispersion"):
        return family
    if not isinstance(family, NegBinFamily):
        raise StataError("option dispersion() not allowed", 198)
    return replace(family, dispersion=dispersion_option(cmd))


def _start(s, cmd: Command, gd, family: Family, ordinal: bool) -> GLMMStart | None:
    """``from()``: starting values by ``e(b)`` name, variances and covariances as shown."""
    if not cmd.has("from"):
        return None
    d = gd.base
    if ordinal:  # the cutpoints' number is the outcome's values less one
        aux = [f"cut{j}" for j in range(1, len(np.unique(d.y)))]
    else:
        aux = list(family.aux_names)
    template = param_template(d.levels)[:-1]  # no residual variance
    comps = _re_param_names(d.levels, template)
    names = [f"{d.depvar}:{c.name}" for c in d.columns] + [f"/:{a}" for a in aux]
    names += [f"/:{nm}" for _k, nm, _i in comps]
    given = init_specs(s, cmd, names, numbers=False) or {}
    out = GLMMStart()
    for c in d.columns:
        if f"{d.depvar}:{c.name}" in given:
            out.beta[c.name] = given[f"{d.depvar}:{c.name}"]
    for a in aux:
        if f"/:{a}" in given:
            out.aux[a] = given[f"/:{a}"]
    for kind, nm, ids in comps:
        if f"/:{nm}" in given:
            out.var[template[ids[0] if kind == "var" else ids[2]].name] = given[f"/:{nm}"]
    return out


def _robust(fit: GLMMFit, gd) -> None:
    """``vce(robust)`` (clusters at the level of the random effects) or ``vce(cluster v)``
    (v constant within each group: the groups nest in its clusters), [ME] meglm."""
    d = gd.base
    lv = d.levels[0]
    codes = None
    if d.cluster is not None:
        first = np.full(lv.G, -1)
        first[lv.groups[::-1]] = d.cluster[::-1]  # a cluster of each group
        if np.any(first[lv.groups] != d.cluster):
            raise StataError(f"highest-level groups are not nested within {d.cluster_var}", 498)
        codes = np.unique(first, return_inverse=True)[1]
    V, C = robust_vce(fit, codes)
    p, pa = d.p, d.p + len(fit.aux)
    fit.V_full, fit.V_beta, fit.V_params = V, V[:p, :p], V[pa:, pa:]
    fit.vce = "cluster" if d.cluster is not None else "robust"
    fit.n_clust, fit.clustvar = C, d.cluster_var or _level_name(lv)


def _replay_me(s, cmd: Command, name: str) -> list[Output]:
    """``melogit`` ... alone: the last fit of that command again; ``meglm`` alone replays any
    me* fit (they are all ``e(cmd)`` meglm)."""
    mine = s.e is not None and (s.e.macros.get("cmd2") == name or name == s.e.cmd == "meglm")
    if not mine:
        raise StataError("last estimates not found", 301)
    bad = [o.name for o in cmd.options if o.name not in _DISPLAY]
    if bad:
        raise StataError(f"option {bad[0]} not allowed", 198)
    return me_outputs(s.e, {o.name: o.value for o in cmd.options})


@command("meglm", byable="repeat")
def meglm(s, cmd: Command) -> list[Output]:
    """``meglm depvar ... || ..., family() link()`` ([ME] meglm): the families and links the
    me* commands fit (:func:`~bayes_magic.spec.model.meglm_as`), shown as ``meglm`` shows them
    (``Mixed-effects GLM``, ``Family:``, ``Link:``)."""
    body = cmd.body
    assert isinstance(body, MultilevelModel)
    if body.depvar is None:
        return _replay_me(s, cmd, "meglm")
    inner = meglm_as(cmd)
    return _make(inner.name, label="meglm", line=cmdline(cmd))(s, inner)


def _make(name: str, label: str | None = None, line: str | None = None):
    """The handler of ``name`` (``melogit`` ...); with ``label`` and ``line``, that command's
    fit under another command's name and command line (``meglm``)."""
    family0 = {**FAMILIES, **NEGBIN_FAMILIES, **ORDINAL_FAMILIES}[name]
    ordinal = name in ORDINAL_FAMILIES
    shown_name = label or name

    def handler(s, cmd: Command) -> list[Output]:
        body = cmd.body
        assert isinstance(body, MultilevelModel)
        if body.depvar is None:  # replay
            return _replay_me(s, cmd, name)
        for o in ("family", "link"):  # meglm's options
            if cmd.has(o):
                raise StataError(f"option {o}() not allowed", 198)
        for o in _NOT_YET:
            if cmd.has(o):
                shown = o if o in ("noestimate", "dnumerical") else f"{o}()"
                raise StataError(
                    f"option {shown} is not available in bayes_magic's {shown_name} yet", 198
                )
        if name != "melogit" and name != "meprobit" and name != "mecloglog" and cmd.has("binomial"):
            raise StataError("option binomial() not allowed", 198)
        offset, exposure = me_option(cmd, "offset"), me_option(cmd, "exposure")
        if offset is not None and exposure is not None:
            raise StataError("only one of offset() or exposure() can be specified", 198)
        if not family0.count and exposure is not None:
            raise StataError("option exposure() not allowed", 198)
        if cmd.weight is not None and cmd.weight.kind != "fweight":
            raise StataError(
                f"{cmd.weight.kind}s are not available in bayes_magic's {shown_name} yet", 101
            )
        opts = {o.name: o.value for o in cmd.options}
        family = _dispersion(cmd, family0)
        _eform(family, opts)  # refuse or/irr where they do not belong, before fitting
        spec = build_mixed(cmd)
        if ordinal and not spec.constant:  # the cutpoints replace the constant
            raise StataError("option noconstant not allowed", 198)
        crossed = any(lv.crossed for lv in spec.levels)
        nlev = len(spec.levels)
        method, q, notes = _method(cmd, crossed and nlev > 1)
        touse = s.touse(cmd)
        vce = vce_option(cmd, "oim")
        if vce.kind != "oim" and nlev > 1:
            raise StataError(
                f"vce({vce.kind}) with more than one level of random effects is not available "
                f"in bayes_magic's {shown_name} yet",
                198,
            )
        gd = build_glmm_design(
            s.data,
            spec,
            touse,
            binomial=cmd.option("binomial"),
            offset=offset,
            exposure=exposure,
            family="ordinal" if ordinal else ("poisson" if family.count else family.family),
            cluster=vce.cluster,
        )
        if ordinal:
            gd.base = without_constant(gd.base)
        if not gd.base.levels:
            plain = f"use {name[2:]}" if ordinal else "this version has no plain GLM command"
            raise StataError(
                f"{shown_name} requires at least one random-effects equation here; {plain}", 198
            )
        fit = fit_glmm(
            gd,
            family,
            method=method,
            intpoints=q,
            iterate=int(cmd.option("iterate", 300)),
            start=_start(s, cmd, gd, family, ordinal),
        )
        if vce.kind != "oim":
            _robust(fit, gd)
        est = estimates_of(fit, cmd, line or cmdline(cmd), spec, shown_name)
        est.ids = s.data.ids[gd.base.sample]
        s.e = est
        outs: list[Output] = [Text(n, kind="note") for n in gd.base.notes + notes]
        if not cmd.has("nolog"):
            outs.append(Text(glmm_log(fit), kind="log"))
        outs += me_outputs(est, opts)
        return outs

    return handler


for _name in (*FAMILIES, *NEGBIN_FAMILIES, *ORDINAL_FAMILIES):
    command(_name, byable="repeat")(_make(_name))


@replayer("meglm")
def _replay(est: Estimates) -> list[Output]:
    return me_outputs(est, dict(est.options))
