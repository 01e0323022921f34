"""Stata's layout for Bayesian results ([BAYES] bayesmh, [BAYES] bayes: mixed).

Four parts, each as Stata prints them: the multilevel structure (which random effects each
level has), the model summary (likelihood, priors, hyperpriors, with ``(1)`` marking parameters
of the linear form), the header (MCMC sizes, groups, acceptance rate, efficiency, log marginal
likelihood, Gelman-Rubin Rc) and the table (Mean, Std. dev., MCSE, Median and an equal-tailed or
HPD credible interval). The table is shared with ``bayesstats summary``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..diagnostics.mcmc import summary_row
from ..errors import StataError
from ..posterior import Posterior
from ..report.coeftable import CoefRow, CoefTable, Equation
from ..report.format import fmt_g
from ..report.output import Block, Output, Text, escape
from ..spec.bayes import BayesLinearModel, ReLevel

__all__ = [
    "multilevel_structure",
    "model_summary",
    "header_lines",
    "posterior_table",
    "table_equations",
    "bayes_outputs",
    "fmt_mcse",
    "fmt_sig4",
    "stats_of",
]

RULE = "-" * 78


# ---------------------------------------------------------------------------------------------
# number formats


def fmt_mcse(x: float) -> str:
    """MCSE as Stata's tables print it: six decimals, trailing zeros dropped (``.253736``,
    ``.16501``), no leading zero; tiny or large values fall back to ``%9.0g``."""
    if not math.isfinite(x):
        return "."
    if x != 0 and abs(x) < 5e-7:
        return fmt_g(x, 9)
    whole = len(str(int(abs(x)))) if abs(x) >= 1 else 0
    s = f"{x:.{max(0, min(6, 7 - whole))}f}".rstrip("0").rstrip(".")
    if s in ("", "-0", "0"):
        return "0"
    if s.startswith("0."):
        s = s[1:]
    return s if len(s) <= 9 else fmt_g(x, 9)


def fmt_sig4(x: float) -> str:
    """Four significant digits without a leading zero (``.7085``, ``.001621``): the header's
    acceptance rate and efficiencies."""
    if not math.isfinite(x):
        return "."
    if x == int(x) and abs(x) < 1e6:
        return str(int(x))
    s = f"{x:.4g}"
    if "e" in s:
        return fmt_g(x, 9)
    if s.startswith("0."):
        s = s[1:]
    elif s.startswith("-0."):
        s = "-" + s[2:]
    return s


# ---------------------------------------------------------------------------------------------
# multilevel structure and model summary


def _effect_text(effect: str) -> str:
    return "random intercepts" if effect == "_cons" else f"random coefficients for {effect}"


def multilevel_structure(bm: BayesLinearModel) -> str:
    """``Multilevel structure``: each level and what its random effects are."""
    if not bm.levels:
        return ""
    lines = ["Multilevel structure", RULE]
    for lev in bm.levels:
        lines.append(lev.level)
        for name, eff in zip(lev.names, lev.effects):
            lines.append(f"    {{{name}}}: {_effect_text(eff)}")
    lines.append(RULE)
    return "\n".join(lines)


def _short_matrix(text: str) -> str:
    """``{Sigma,matrix}`` as the model summary writes it: ``{Sigma,m}``."""
    return text.replace(",matrix}", ",m}")


def _re_ref(bm: BayesLinearModel, lev: ReLevel, names: Sequence[str]) -> str:
    if bm.command == "bayesmh":
        return "{" + " ".join(f"{n}[{lev.level}]" for n in names) + "}"
    return "{" + " ".join(names) + "}"


def _re_prior_lines(bm: BayesLinearModel, lev: ReLevel) -> list[tuple[str, str]]:
    """(parameters, distribution) of a level's random effects."""
    k = lev.k
    if lev.typed and lev.typed.startswith("mvn"):  # one joint prior, as the user wrote it
        return [(_re_ref(bm, lev, lev.names), _short_matrix(lev.typed))]
    if lev.structure == "unstructured":  # the talk's bayes: mixed summary
        return [(_re_ref(bm, lev, lev.names), f"mvnormal({k},{{{lev.matrix},m}})")]
    if lev.dist == "t":
        v = lev.var_names
        return [
            (
                _re_ref(bm, lev, [n]),
                f"t(0,{{{v[j] if len(v) > 1 else v[0]}}},{{{lev.df_name}}})",
            )
            for j, n in enumerate(lev.names)
        ]
    if lev.structure == "independent":
        return [
            (_re_ref(bm, lev, [n]), f"normal(0,{{{v}}})") for n, v in zip(lev.names, lev.var_names)
        ]
    if lev.structure == "identity":
        if k == 1:
            return [(_re_ref(bm, lev, lev.names), f"normal(0,{{{lev.var_names[0]}}})")]
        return [(_re_ref(bm, lev, lev.names), f"mvnidentity0({k},{{{lev.var_names[0]}}})")]
    return [
        (
            _re_ref(bm, lev, lev.names),
            f"mvnexchangeable0({k},{{{lev.var_names[0]}}},{{{lev.rho_name}}})",
        )
    ]


def _prior_rank(bm: BayesLinearModel, lhs: str) -> int:
    """Which ``prior()`` option (0, 1, ...) sets the parameters on the left of ``lhs``."""
    inner = lhs.strip("{}")
    eq, _, names = inner.rpartition(":")
    tokens = {f"{eq}:", *(f"{eq}:{n}" for n in names.split())} if eq else set()
    tokens |= {n.split("[")[0] for n in inner.split()}
    for k, given in enumerate(bm.prior_order):
        if tokens & set(given):
            return k
    return len(bm.prior_order)


def _aligned(pairs: list[tuple[str, str, bool]]) -> list[str]:
    """``  {lhs} ~ dist`` lines with the ``~`` aligned, and ``(1)`` at the right margin."""
    if not pairs:
        return []
    w = max(len(a) for a, _, _ in pairs)
    out = []
    for lhs, dist, mark in pairs:
        line = f"  {lhs:>{w}} ~ {dist}"
        if mark:
            line = f"{line:<75}(1)" if len(line) < 75 else f"{line}  (1)"
        out.append(line)
    return out


def _by_prior(names: Sequence[str], prior_of) -> list[tuple[str, list[str]]]:
    """Consecutive parameters with the same prior, as one line of the model summary each."""
    groups: list[tuple[str, list[str]]] = []
    for c in names:
        p = prior_of(c)
        text = str(p) if p is not None else "."
        if groups and groups[-1][0] == text:
            groups[-1][1].append(c)
        else:
            groups.append((text, [c]))
    return groups


def model_summary(bm: BayesLinearModel, coef_names: Sequence[str]) -> str:
    """``Model summary``: likelihood, priors and hyperpriors, as the talk's slide shows them."""
    eq = bm.eq
    lines = ["Model summary", RULE, "Likelihood:"]
    if bm.family is not None:  # bayes: melogit ...: Stata names the command's distribution
        trials = bm.glmm_options.get("binomial")
        name = bm.likelihood_text or bm.family
        extra = f",{trials}" if trials else ""
        if bm.aux_names:  # cutpoints, ln α: the likelihood's parameters
            extra = "".join(f",{{{c}}}" for c in bm.aux_names)
        lines.append(f"  {eq} ~ {name}(xb_{eq}{extra})")
    else:
        name = "regress" if bm.likelihood_text == "regress" else "normal"
        fixed = getattr(bm, "sigma2_fixed", None)
        var = fmt_g(fixed, 9).strip() if fixed is not None else f"{{{bm.sigma2_name}}}"
        lines.append(f"  {eq} ~ {name}(xb_{eq},{var})")
    lines.append("")
    prior_at = len(lines)
    lines.append("Priors:")
    pairs: list[tuple[str, str, bool]] = []
    # coefficients, then the likelihood's parameters (cutpoints, ln α), grouped by prior
    for text, names in _by_prior(coef_names, lambda c: bm.coef_priors.get(c, bm.coef_default)):
        pairs.append((f"{{{eq}:{' '.join(names)}}}", text, True))
    for text, names in _by_prior(bm.aux_names, bm.aux_prior):
        pairs.append((f"{{{' '.join(names)}}}", text, False))
    hyper: list[tuple[str, str, bool]] = []
    for lev in bm.levels:
        for lhs, dist in _re_prior_lines(bm, lev):
            pairs.append((lhs, dist, True))
        if lev.structure == "unstructured":
            hyper.append((f"{{{lev.matrix},m}}", str(lev.cov_prior), False))
        else:
            for vn, vp in zip(lev.var_names, lev.var_priors):
                hyper.append((f"{{{vn}}}", str(vp), False))
            if lev.rho_name:
                hyper.append((f"{{{lev.rho_name}}}", str(lev.rho_prior), False))
        if lev.df_name:
            hyper.append((f"{{{lev.df_name}}}", str(lev.df_prior), False))
    if bm.sigma2_name:
        pairs.append((f"{{{bm.sigma2_name}}}", str(bm.sigma2_prior), False))
    if bm.command == "bayesmh" and getattr(bm, "prior_order", None):
        pairs.sort(key=lambda p: _prior_rank(bm, p[0]))  # as the prior() options were given
    if len(pairs) == 1:
        lines[prior_at] = "Prior:"
    lines += _aligned(pairs)
    if hyper:
        lines += ["", "Hyperprior:" if len(hyper) == 1 else "Hyperpriors:"]
        lines += _aligned(hyper)
    lines.append(RULE)
    lines.append(f"(1) Parameters are elements of the linear form xb_{eq}.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# header


def _right(label: str, value: str, *, indent: bool = False) -> str:
    if indent:
        return f"{label:>16} ={value:>11}"
    return f"{label:<17}={value:>11}"


def _rc(label: str, value: str, *, indent: bool = False) -> str:
    """A right-hand cell of the several-chains header, whose labels are longer: ``=`` at
    column 69."""
    return f"{label:>19} ={value:>8}" if indent else f"{label:<19} ={value:>8}"


def _pairs_text(pairs: list[tuple[str, str]]) -> list[str]:
    return [(f"{a:<49}{b}" if b else a).rstrip() for a, b in pairs]


def _sampling_title(post: Posterior) -> str:
    info = post.info
    if info.get("all_gibbs"):
        return "Gibbs sampling"
    if info.get("no_gibbs"):
        return "Metropolis–Hastings sampling"
    return "Metropolis–Hastings and Gibbs sampling"


def header_lines(post: Posterior) -> list[str]:
    """Stata's header: sizes on the right from column 50, title and sampler on the left."""
    info = post.info
    sc = post.scalars
    title = post.macros.get("title", "Bayesian multilevel regression")
    chains = post.nchains
    groups = info.get("groups", [])
    left = [title, _sampling_title(post)]
    right: list[str] = []
    if chains > 1:
        right += [
            _right("Number of chains", f"{chains:,}"),
            "Per MCMC chain:",  # indented, with "=" under Number of chains' (Stata 17)
            _right("    Iterations", f"{int(sc['mcmciter']):,}"),
            _right("    Burn-in", f"{int(sc['burnin']):,}"),
            _right("    Sample size", f"{int(sc['mcmcsize']):,}"),
        ]
    else:
        right += [
            _right("MCMC iterations", f"{int(sc['mcmciter']):,}"),
            _right("Burn-in", f"{int(sc['burnin']):,}"),
            _right("MCMC sample size", f"{int(sc['mcmcsize']):,}"),
        ]
    pairs = list(zip(left + [""] * (len(right) - len(left)), right))
    if len(groups) == 1:
        name, G, mn, avg, mx = groups[0]
        pairs += [
            (f"Group variable: {name}", _right("Number of groups", f"{G:,}")),
            ("", "Obs per group:"),
            ("", _right("min", f"{mn:,}", indent=True)),
            ("", _right("avg", f"{avg:.1f}", indent=True)),
            ("", _right("max", f"{mx:,}", indent=True)),
        ]
    pairs.append(("", _right("Number of obs", f"{int(sc['N']):,}")))
    if chains > 1:
        pairs.append(("", _rc("Avg acceptance rate", fmt_sig4(sc["arate"]))))
    else:
        pairs.append(("", _right("Acceptance rate", fmt_sig4(sc["arate"]))))
    eff = [sc.get("eff_min", math.nan), sc.get("eff_avg", math.nan), sc.get("eff_max", math.nan)]
    lml = sc.get("lml")
    lml_text = "Log marginal-likelihood"
    if lml is not None and math.isfinite(lml):
        lml_text += f" = {fmt_g(lml, 10)}"
    if chains > 1:
        lml_text = "Avg " + lml_text[0].lower() + lml_text[1:]
    row = _rc if chains > 1 else _right
    lead = "Avg efficiency:" if chains > 1 else "Efficiency:"
    # with several chains the log marginal likelihood goes on the Rc line, as Stata prints it
    rc_line = chains > 1 and "Rc_max" in sc
    last = "" if rc_line else lml_text
    # bayes: nbreg's "Dispersion = mean" before the efficiencies, which it always spreads
    # out (_bayes_model_headers' headerstr3 in _mcmc_report, Stata 16)
    disp = post.macros.get("dispersion") if post.macros.get("cmdname") == "nbreg" else None
    first = f"Dispersion{' ' * 13} = {' ' * max(10 - len(disp), 0)}{disp}" if disp else ""
    if eff[0] == eff[2] and not disp:
        pairs.append((last, row(lead.rstrip(":"), fmt_sig4(eff[1]))))
    else:
        label = f"{lead}  min" if chains == 1 else f"{lead} min"
        pairs.append((first, row(label, fmt_sig4(eff[0]))))
        pairs.append(("", row("avg", fmt_sig4(eff[1]), indent=True)))
        pairs.append((last, row("max", fmt_sig4(eff[2]), indent=True)))
    if rc_line:
        pairs.append((lml_text, _rc("Max Gelman–Rubin Rc", fmt_sig4(sc["Rc_max"]))))
    lines = _pairs_text(pairs)
    if len(groups) > 1:
        lines += ["", *_group_table(groups)]
    return lines


def _group_table(groups: list) -> list[str]:
    from .mixed_display import grouping_table

    return grouping_table(groups)


# ---------------------------------------------------------------------------------------------
# the table


def stats_of(chains: np.ndarray, opts: dict[str, Any]) -> list[float]:
    """Mean, Std. dev., MCSE, Median, lower, upper of one parameter's draws."""
    batch = int(opts.get("batch", 0))
    if batch < 0 or 2 * batch > chains.size:
        raise StataError(
            f"batch({batch}) must be between 0 and half the MCMC sample size ({chains.size // 2})",
            198,
        )
    r = summary_row(
        chains,
        level=float(opts.get("clevel", 95.0)),
        use_hpd=bool(opts.get("hpd", False)),
        batch=int(opts.get("batch", 0)),
        corrlag=opts.get("corrlag"),
        corrtol=float(opts.get("corrtol", 0.01)),
    )
    return [r["mean"], r["sd"], r["mcse"], r["median"], r["lo"], r["hi"]]


Values = Callable[[np.ndarray], list[float]]


def _coef_rows(post: Posterior, opts: dict[str, Any], values: Values) -> list[CoefRow]:
    info = post.info
    eq = post.model.eq
    rows: list[CoefRow] = []
    last: str | None = None
    for c in info["columns"]:
        if c.group is not None and c.group != last:
            if rows and rows[-1].kind != "blank":
                rows.append(CoefRow("", kind="blank"))
            rows.append(CoefRow(c.group, kind="heading"))
        elif c.group is None and last is not None:
            rows.append(CoefRow("", kind="blank"))
        last = c.group
        label = c.label
        if opts.get("_numeric_levels") and c.group is not None:
            label = c.name.split(".", 1)[0].rstrip("bno") or c.label  # 1.schtype -> 1
        if c.kind in ("base", "omitted"):
            rows.append(CoefRow(label, kind=c.kind if c.group is not None else "omitted_var"))
            continue
        if f"{eq}:{c.name}" not in post.names:  # exclude()d
            continue
        full = f"{eq}:{c.name}"
        draws = post.chains_of(full)
        # or/irr/eform: the posterior of exp(b), summarized as any other parameter
        vals = values(np.exp(draws) if opts.get("_eform") else draws)
        kind = "level" if c.group is not None else "coef"
        rows.append(CoefRow(label, vals, kind=kind, param=full))
    return rows


def _me_label(lev: ReLevel, name: str) -> str:
    """``melabel`` row labels: ``var(homework)``, ``cov(homework,_cons)``, ``corr(...)``."""
    effects = lev.effects
    if lev.structure == "unstructured" and lev.matrix and name.startswith(lev.matrix + "_"):
        i, j = (int(x) - 1 for x in name[len(lev.matrix) + 1 :].split("_"))
        if i == j:
            return f"var({effects[i]})"
        return f"cov({effects[i]},{effects[j]})"
    if name in lev.var_names:
        if lev.structure == "independent":
            return f"var({effects[lev.var_names.index(name)]})"
        return f"var({' '.join(effects)})" if len(effects) > 1 else f"var({effects[0]})"
    if name == lev.rho_name:
        return f"corr({' '.join(effects)})"
    if name == lev.df_name:
        return "df"
    return name


def _me_order(lev: ReLevel, names: list[str]) -> list[str]:
    """``melabel`` lists a level's parameters as ``mixed`` does: the variances with the slopes
    first and ``_cons`` last, then the covariances pair by pair in that order."""
    effects = lev.effects
    order = [e for e in effects if e != "_cons"] + [e for e in effects if e == "_cons"]
    pos = {e: k for k, e in enumerate(order)}

    def key(name: str) -> tuple:
        label = _me_label(lev, name)
        inner = label[label.find("(") + 1 : -1].split(",")
        ranks = sorted(pos.get(x.strip(), len(pos)) for x in inner)
        return (0 if label.startswith("var(") else 1, *ranks)

    return sorted(names, key=key)


def table_equations(
    post: Posterior, opts: dict[str, Any], values: Values | None = None
) -> list[Equation]:
    """The table's equations: coefficients, each level's covariance parameters, the residual
    variance, and the random effects asked for with ``showreffects``. ``values`` turns a
    parameter's draws into the row's numbers (the posterior summaries by default; ``bayesstats
    ess`` and ``grubin`` lay out their own numbers the same way)."""
    bm: BayesLinearModel = post.model
    melabel = bool(opts.get("melabel"))
    # the talk's `bayes, melabel` shows "0 (base)"; nofvlabel numbers the levels anywhere
    if (melabel and bm.command != "bayesmh") or opts.get("nofvlabel"):
        opts = {**opts, "_numeric_levels": True}
    if values is None:

        def values(draws: np.ndarray) -> list[float]:
            return stats_of(draws, opts)

    if getattr(bm, "nonlinear", False):
        from .bayes_nonlinear_display import nl_table_equations

        eqs = nl_table_equations(post, values)
        if opts.get("show") is not None or opts.get("noshow") is not None:
            eqs = _shown(post, eqs, opts)
        show = opts.get("showreffects")
        if show is not None:
            eqs += _reffect_equations(post, opts, show, values)
        return eqs
    rows = _coef_rows(post, opts, values)
    eqs = [Equation(bm.eq, rows)] if rows else []  # an ordered model may have no covariates
    cuts = [c for c in getattr(bm, "aux_names", []) if c in post.names]
    if cuts:  # cutpoints {cut1} ... or {lnalpha}; meologit's /cut1 ... with melabel
        rows = [
            CoefRow(f"/{c}" if melabel else c, values(post.chains_of(c)), param=c) for c in cuts
        ]
        eqs.append(Equation("", rows))
    prefix = bm.command != "bayesmh"
    loose: list[CoefRow] = []
    for lev in bm.levels:
        names = [n for n in lev.cov_names() if n in post.names]
        if melabel and prefix:
            names = _me_order(lev, names)
        rows = [
            CoefRow(_me_label(lev, n) if melabel else n, values(post.chains_of(n)), param=n)
            for n in names
        ]
        if prefix:
            eqs.append(Equation(lev.level, rows))
        else:
            for n, r in zip(names, rows):
                if ":" in n:
                    e, short = n.split(":", 1)
                    r.label = short
                    eqs.append(Equation(e, [r]))
                else:
                    loose.append(r)
    if loose:
        eqs.append(Equation("", loose))
    s2 = values(post.chains_of(bm.sigma2_name)) if bm.sigma2_name in post.names else None
    if s2 is None:
        pass
    elif melabel:
        eqs.append(Equation("", [CoefRow("var(Residual)", s2, param=bm.sigma2_name)]))
    elif ":" in bm.sigma2_name:
        e, short = bm.sigma2_name.split(":", 1)
        eqs.append(Equation(e, [CoefRow(short, s2, param=bm.sigma2_name)]))
    else:
        eqs.append(Equation("", [CoefRow(bm.sigma2_name, s2, param=bm.sigma2_name)]))
    if opts.get("show") is not None or opts.get("noshow") is not None:
        eqs = _shown(post, eqs, opts)
    show = opts.get("showreffects")
    if show is not None:
        eqs += _reffect_equations(post, opts, show, values)
    if opts.get("vsquish"):  # [R] Estimation options: no blank lines between factor terms
        for eq in eqs:
            eq.rows = [r for r in eq.rows if r.kind != "blank"]
    return eqs


def _shown(post: Posterior, eqs: list[Equation], opts: dict[str, Any]) -> list[Equation]:
    """The rows ``show(paramlist)`` keeps, or those ``noshow(paramlist)`` does not drop
    ([BAYES] bayesmh, Reporting); a factor's heading stays while one of its levels does."""

    def names(key: str) -> set[str] | None:
        arg = opts.get(key)
        if arg is None:
            return None
        out: set[str] = set()
        for ref in getattr(arg, "params", arg):
            out |= _named(post, ref, key)
        return out

    keep, drop = names("show"), names("noshow") or set()
    if keep is not None and drop & keep:
        raise StataError("options show() and noshow() may not name the same parameter", 198)

    def kept(r: CoefRow) -> bool:
        return r.param is not None and (keep is None or r.param in keep) and r.param not in drop

    out = []
    for eq in eqs:
        rows: list[CoefRow] = []
        pending: list[CoefRow] = []  # a heading or blank waits for a kept row after it
        for r in eq.rows:
            if r.kind == "blank":  # a new group: what waited for the last one goes
                pending = [r] if rows else []
            elif r.param is None or r.kind in ("heading", "base", "omitted", "empty"):
                pending.append(r)  # a heading or base level stays with a kept level
            elif kept(r):
                rows += [*pending, r]
                pending = []
        if rows:
            out.append(Equation(eq.name, rows))
    if not out and not opts.get("showreffects"):
        raise StataError("show()/noshow(): no parameters left to display", 198)
    return out


def _named(post: Posterior, ref: Any, key: str) -> set[str]:
    """The full names one ``show()``/``noshow()`` reference stands for: parameters, or the
    levels of a factor-variable term (``{y:i.x}``); random effects are refused (they are
    displayed with ``showreffects()``)."""
    from .bayes_params import resolve_items
    from .bayes_run import factor_columns

    try:
        found = {sr.full for sr in resolve_items(post, [ref])}
    except StataError:
        found = set()
        for it in getattr(ref, "items", ()):
            eq = it.eq or ""
            cols = [n.split(":", 1)[1] for n in post.names if n.startswith(eq + ":")]
            hits = factor_columns(it.name or "", cols) if it.name else []
            if not hits:
                raise
            found |= {f"{eq}:{c}" for c in hits}
    if found & set(post.re_names):
        raise StataError(
            f"{key}(): random effects are displayed with showreffects(), not {key}()", 198
        )
    return found


def _reffect_equations(
    post: Posterior, opts: dict[str, Any], show: Any, values: Values
) -> list[Equation]:
    bm: BayesLinearModel = post.model
    wanted: set[str] | None = None
    # {U0[6053 6327]}: only those groups of U0; a bare {U0} (None) means all of them
    groups: dict[str, set[str] | None] = {}
    names = {n for lev in bm.levels for n in lev.names}
    if show is not True and getattr(show, "params", None):
        wanted = set()
        for ref in show.params:
            for it in ref.items:
                stub = str(it.name).split("[")[0]
                if stub not in names:
                    raise StataError(
                        f"showreffects(): random effects {{{stub}}} not found", 111, span=ref.span
                    )
                wanted.add(stub)
                index = it.index or (
                    str(it.name).split("[", 1)[1].rstrip("]") if "[" in str(it.name) else None
                )
                # the level itself, as declared ({U0[schid]}, {C[batch>cask]}): every group
                lev = next(lv for lv in bm.levels if stub in lv.names)
                if index in (lev.level, ">".join(getattr(lev, "path", ()) or ())):
                    index = None
                if not index:
                    groups[stub] = None
                elif stub not in groups or groups[stub] is not None:
                    from .bayes_params import group_numlist

                    listed = group_numlist(str(index))  # {U0[1/5]}: a numlist of groups
                    asked = set(listed if listed is not None else str(index).split())
                    pre = stub + "["
                    have = {r[len(pre) : -1] for r in post.re_names if r.startswith(pre)}
                    if asked - have:
                        bad = sorted(asked - have)[0]
                        raise StataError(
                            f"showreffects(): {{{stub}[{bad}]}} not found", 111, span=ref.span
                        )
                    groups[stub] = (groups.get(stub) or set()) | asked
    out = []
    for lev in bm.levels:
        for n in lev.names:
            if wanted is not None and n not in wanted:
                continue
            prefix = f"{n}["
            keep = groups.get(n)
            rows = [
                CoefRow(r[len(prefix) : -1], values(post.re_draws[:, :, i]), param=r)
                for i, r in enumerate(post.re_names)
                if r.startswith(prefix) and (keep is None or r[len(prefix) : -1] in keep)
            ]
            if not rows:  # left out by exclude()
                if wanted is not None:
                    raise StataError(
                        f"showreffects(): random effects {{{n}}} not found: excluded from the "
                        "results by exclude()",
                        111,
                    )
                continue
            out.append(Equation(f"{n}[{lev.level}]", rows))
    return out


def posterior_table(equations: list[Equation], opts: dict[str, Any]) -> CoefTable:
    """``Mean  Std. dev.  MCSE  Median  [95% cred. interval]`` with its interval label."""
    level = float(opts.get("clevel", 95.0))
    lv = str(int(level)) if level == int(level) else f"{level:g}"
    ci = f"[{lv}% cred. interval]"
    first = opts.get("_eform") or "Mean"
    head = f"{first:>10}   " if len(first) < 10 else f" {first}  "  # "Odds ratio" is 10 wide
    header = f"{head}Std. dev.     MCSE     Median  {ci}"
    pre = " " * 48 + "Equal-tailed" if not opts.get("hpd") else " " * 52 + "HPD"

    def fmt_row(r: CoefRow) -> str:
        m, sd, se, med, lo, hi = r.values
        return (
            f"{fmt_g(m, 9):>10}{fmt_g(sd, 9):>11}{fmt_mcse(se):>10}{fmt_g(med, 9):>11}"
            f"{fmt_g(lo, 9):>11}{fmt_g(hi, 9):>11}"
        )

    def cells(r: CoefRow) -> list[str]:
        m, sd, se, med, lo, hi = r.values
        return [fmt_g(m, 9), fmt_g(sd, 9), fmt_mcse(se), fmt_g(med, 9), fmt_g(lo, 9), fmt_g(hi, 9)]

    kind = "HPD" if opts.get("hpd") else "Equal-tailed"
    return CoefTable(
        equations,
        header,
        fmt_row,
        [first, "Std. dev.", "MCSE", "Median", f"{kind} [{lv}% cred.", "interval]"],
        cells,
        stub_title="",
        pre_header=pre,
        blocks=True,
        level_stub=12,
        base_width=10,
        stub=stub_width(equations, opts),
        base_text="1" if opts.get("_eform") else "0",
    )


def stub_width(equations: list[Equation], opts: dict[str, Any]) -> int:
    """12, Stata's stub; with ``melabel`` wide enough for ``cov(homework,_cons)``."""
    if not opts.get("melabel"):
        return 12
    return max([12, *(len(r.label) for eq in equations for r in eq.rows if r.kind == "coef")])


# ---------------------------------------------------------------------------------------------
# the whole display


def batch_note(opts: dict[str, Any]) -> list[str]:
    """Stata's footnote under ``batch(#)`` (``_mcmc_batchnote.ado``)."""
    try:
        batch = int(opts.get("batch", 0) or 0)
    except (TypeError, ValueError):
        return []
    return ["Note: Mean and MCSE are estimated using batch means."] if batch > 0 else []


def _notes(post: Posterior) -> list[str]:
    bm: BayesLinearModel = post.model
    out = []
    if bm.command != "bayesmh" and post.info.get("default_priors"):
        out.append("Note: Default priors are used for model parameters.")
    if post.info.get("adapt_not_met"):
        out.append("Note: Adaptation tolerance is not met in at least one of the blocks.")
    out += post.warnings
    return out


def summary_outputs(post: Posterior, opts: dict[str, Any]) -> list[Output]:
    """The multilevel structure and the model summary (shown before the simulation)."""
    return model_outputs(post.model, post.linear_coef_names(), opts)


def skip_note(skip: int, mcmcsize: int, storing: bool) -> str | None:
    """The note Stata's _bayesmh_note_skip.ado prints for ``thinning()`` (``storing``, of
    the simulation) and ``skip()`` (of a summary): which draws are used."""
    if skip <= 0:
        return None
    verb = "discarding" if storing else "skipping"
    what = "every other sample observation" if skip == 1 else f"every {skip} sample observations"
    shifts = [1 + k * (skip + 1) for k in range(5)]
    if shifts[1] > mcmcsize:
        used = "using observation 1"
    elif shifts[2] > mcmcsize:
        used = f"using observations 1 and {shifts[1]}"
    elif shifts[3] > mcmcsize:
        used = f"using observations 1,{shifts[1]},{shifts[2]}"
    elif shifts[4] > mcmcsize:
        used = f"using observations 1,{shifts[1]},{shifts[2]},{shifts[3]}"
    else:
        used = f"using observations 1,{shifts[1]},{shifts[2]},..."
    return f"note: {verb} {what}; {used}"


def model_outputs(
    bm: BayesLinearModel, coef_names: list[str], opts: dict[str, Any]
) -> list[Output]:
    """The multilevel structure and the model summary of ``bm`` with its coefficients."""
    outs: list[Output] = []
    if getattr(bm, "nonlinear", False):
        from .bayes_nonlinear_display import nl_model_summary

        if not opts.get("nomodelsummary"):
            outs.append(Text(nl_model_summary(bm), kind="result"))
        return outs
    prefix = bm.command != "bayesmh"  # bayesmh prints no multilevel structure
    if prefix and not opts.get("nomesummary") and not opts.get("melabel") and bm.levels:
        outs.append(Text(multilevel_structure(bm), kind="result"))
    if not opts.get("nomodelsummary") and not opts.get("melabel"):
        names = [c.split(":", 1)[1] for c in coef_names if ":" in c]  # not {cut1} ...
        outs.append(Text(model_summary(bm, names), kind="result"))
    return outs


def bayes_outputs(post: Posterior, opts: dict[str, Any], *, summaries: bool = True) -> list[Output]:
    """Everything a ``bayes:``/``bayesmh`` run or replay shows, in Stata's order."""
    outs: list[Output] = summary_outputs(post, opts) if summaries else []
    if opts.get("blocksummary"):
        lines = ["Block summary", RULE]
        lines += [f"  {k + 1:>2}: {b}" for k, b in enumerate(post.layout.blocks)]
        lines.append(RULE)
        outs.append(Text("\n".join(lines), kind="result"))
    head = [] if opts.get("noheader") else header_lines(post)
    notes = batch_note(opts) + _notes(post)
    if opts.get("notable"):
        if head:
            outs.append(Block("\n".join(head), _header_html(head), kind="result"))
        if notes:
            outs.append(Text("\n".join(notes), kind="note"))
        return outs
    table = posterior_table(table_equations(post, opts), opts)
    text = "\n".join([*head, *([""] if head else []), table.text(), *notes])
    html = _header_html(head) + table.html(notes=notes)
    outs.append(Block(text, html, kind="result", data=table))
    return outs


def _header_html(lines: list[str]) -> str:
    if not lines:
        return ""
    return '<pre class="bm-header">' + escape("\n".join(lines)) + "</pre>"
