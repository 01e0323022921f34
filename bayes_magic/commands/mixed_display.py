"""How ``mixed`` lays out its results (Stata's ``_xtmixed_display``, see tests/reference).

Header: title and sample size on the first line, the group structure (one level: "Group
variable" and obs per group; several: the "No. of groups / Observations per group" table), the
Wald test and the log likelihood. Then the fixed-effects table, the random-effects table
(variances and covariances by default, standard deviations and correlations with
``stddeviations``), and the LR test against the linear model.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..design.factors import Column
from ..fit.mixed import MixedFit
from ..report.coeftable import CoefRow, Equation, fmt_coef, ml_table
from ..report.format import fmt_f, fmt_g
from ..report.output import Rule, html_table

__all__ = [
    "fixed_rows",
    "header_lines",
    "group_rows",
    "re_rows",
    "re_table_text",
    "re_table_html",
    "lr_lines",
]

COV_TITLES = {
    "independent": "Independent",
    "exchangeable": "Exchangeable",
    "identity": "Identity",
    "unstructured": "Unstructured",
}


def cov_title(lv) -> str:
    """Title of a level's covariance structure; one effect is ``Identity``, as Stata prints it."""
    return "Identity" if lv.k == 1 else COV_TITLES[lv.covariance]


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 200.0))


def fixed_rows(
    columns: list[Column], coef_index: list[int], beta: np.ndarray, V: np.ndarray, level: float
) -> list[CoefRow]:
    """Rows of the fixed-effects table, with factor headings and blank separators."""
    z = _z(level)
    pos = {ci: k for k, ci in enumerate(coef_index)}
    rows: list[CoefRow] = []
    last_group: str | None = None
    for i, c in enumerate(columns):
        if c.group is not None and c.group != last_group:
            if rows and rows[-1].kind != "blank":
                rows.append(CoefRow("", kind="blank"))
            rows.append(CoefRow(c.group, kind="heading"))
        elif c.group is None and last_group is not None:
            rows.append(CoefRow("", kind="blank"))
        last_group = c.group
        if c.kind in ("base", "omitted", "empty"):
            kind = c.kind if c.group is not None else "omitted_var"
            rows.append(CoefRow(c.label, kind=kind, param=c.name))
            continue
        k = pos[i]
        b = float(beta[k])
        se = float(np.sqrt(V[k, k]))
        zz = b / se if se > 0 else float("nan")
        p = 2 * float(stats.norm.sf(abs(zz)))
        # a long interaction of continuous variables takes two lines (c.x#| c.x |), set off by
        # blank lines as Stata sets off its interaction terms
        split = c.group is None and "#" in c.label and len(c.label) > 12
        if split and rows and rows[-1].kind != "blank":
            rows.append(CoefRow("", kind="blank"))
        rows.append(
            CoefRow(
                c.label,
                [b, se, zz, p, b - z * se, b + z * se],
                kind="level" if c.group is not None else "coef",
                param=c.name,
            )
        )
        if split and i < len(columns) - 1:
            rows.append(CoefRow("", kind="blank"))
    return rows


def fixed_table(fit: MixedFit, level: float):
    d = fit.design
    rows = fixed_rows(d.columns, d.coef_index, fit.beta, fit.V_beta, level)
    return ml_table([Equation(d.depvar, rows)], level)


def _right(label: str, value: str, *, align: str = "<") -> str:
    """A right-hand header cell: ``Number of obs     =        519`` (``=`` at column 67)."""
    if align == ">":
        return f"{label:>17} ={value:>11}"
    return f"{label:<18}={value:>11}"


def cluster_note(fit) -> str | None:
    """``(Std. err. adjusted for 501 clusters in mother)``, right-aligned above the table of a
    fit with ``vce(cluster)``; None otherwise."""
    if getattr(fit, "vce", None) != "cluster":
        return None
    n = f"{fit.n_clust:,}"
    return f"{f'(Std. err. adjusted for {n} clusters in {fit.design.cluster_var})':>78}"


def with_convergence_note(est, render, results: dict | None = None) -> list:
    """A fit's display, laid out on first view, and Stata's warning when the optimizer did not
    converge (``mixed``, ``menl``); ``results`` are the ``r()`` its table leaves."""
    from ..report.output import LazyBlock, Text

    outs: list = [LazyBlock(render, data=est, results=results)]
    if not est.fit.converged:
        outs.append(
            Text("Warning: convergence not achieved; estimates are the last iterate.", kind="note")
        )
    return outs


def add_table(parts: list[str], html: list[str], table, fit) -> None:
    """Append a coefficient table to a display's text and HTML parts, under the
    "(Std. err. adjusted for # clusters in var)" line of a ``vce(cluster)`` fit."""
    note = cluster_note(fit)
    parts.append(table.text() if note is None else f"{note}\n{table.text()}")
    if note is not None:
        html.append(f"<pre style='margin:0'>{note.strip()}</pre>")
    html.append(table.html())


def title_lines(title: str, nobs: int, group: tuple[str, np.ndarray] | None) -> list[str]:
    """The title with ``Number of obs``, and for one level (``group``: its name and the group
    sizes) ``Group variable`` with the observations per group."""
    pairs: list[tuple[str, str]] = [(title, _right("Number of obs", f"{nobs:,}"))]
    if group is not None:
        name, sizes = group
        pairs += [
            (f"Group variable: {name}", _right("Number of groups", f"{len(sizes):,}")),
            ("", "Obs per group:"),
            ("", _right("min", f"{int(sizes.min()):,}", align=">")),
            ("", _right("avg", fmt_f(sizes.mean(), 1), align=">")),
            ("", _right("max", f"{int(sizes.max()):,}", align=">")),
        ]
    return [f"{a:<48}{b}" for a, b in pairs]


def shown_level(lv, n: int) -> tuple[str, np.ndarray]:
    """A level as Stata names it, with its group sizes: ``|| _all: R.x`` is the one group
    _all; ``|| batch: R.cask`` is batch's groups (the cask effects are within them)."""
    if lv.crossed and lv.path == (lv.crossed,):
        return "_all", np.array([n])
    if lv.crossed and len(lv.path) > 1:
        parents: dict[tuple, int] = {}
        for ids, size in zip(lv.ids, lv.sizes()):
            parents[tuple(ids[:-1])] = parents.get(tuple(ids[:-1]), 0) + int(size)
        return lv.path[-2], np.array(list(parents.values()))
    return lv.name, lv.sizes()


def header_lines(fit: MixedFit, title: str, *, nogroup: bool, ll_label: str) -> list[str]:
    """The header: title, group structure, Wald test and log likelihood."""
    d = fit.design
    nobs = int(fit.n if d.weights is None else d.weights.sum())
    single = len(d.levels) == 1 and not nogroup
    group = shown_level(d.levels[0], fit.n) if single else None
    resid = getattr(fit, "residual", None)
    if not d.levels and resid is not None and resid.get("panel_name") and not nogroup:
        group = (resid["panel_name"], np.bincount(resid["panels"]))  # a marginal model's groups
    lines = title_lines(title, nobs, group)
    if len(d.levels) > 1 and not nogroup:
        lines += ["", *group_table_lines(fit), ""]
    chi2, df, p = fit.wald()
    lines.append(" " * 48 + _right(f"Wald chi2({df})", fmt_f(chi2, 2) if df else "."))
    ll = f"{ll_label} = {fmt_g(fit.ll, 10)}"
    lines.append(f"{ll:<48}" + _right("Prob > chi2", fmt_f(p, 4) if df else "."))
    return [ln.rstrip() for ln in lines]


def group_rows(fit: MixedFit) -> list[tuple[str, int, int, float, int]]:
    out = []
    for lv in fit.design.levels:
        name, sizes = shown_level(lv, fit.n)  # _all: R.x is one group of all observations
        out.append((name, len(sizes), int(sizes.min()), float(sizes.mean()), int(sizes.max())))
    return out


def group_table_lines(fit: MixedFit) -> list[str]:
    return grouping_table(group_rows(fit))


def grouping_table(
    rows: list[tuple[str, int, int, float, int]], *, titled: bool = True
) -> list[str]:
    """Stata 17's "Grouping information" table of a model with several levels: per level its
    name, number of groups and the minimum, average and maximum observations per group,
    indented eight columns under its title (as in Stata 17's logs of ``mixed`` and ``me*``);
    without ``titled`` the bare table flush left (``estat group``)."""
    pad = " " * 8 if titled else ""
    lines = [f"{pad}Grouping information"] if titled else []
    lines += [
        pad + "-" * 61,
        pad + "                |     No. of       Observations per group",
        pad + " Group variable |     groups    Minimum    Average    Maximum",
        pad + "----------------+--------------------------------------------",
    ]
    for name, g, mn, avg, mx in rows:
        lines.append(f"{pad}{name[:15]:>15} |{g:>11,}{mn:>11,}{fmt_f(avg, 1):>11}{mx:>11,}")
    lines.append(pad + "-" * 61)
    return lines


def _effect_label(names: list[str], crossed: str | None) -> list[str]:
    if crossed:
        return [f"R.{crossed}"]
    return names


def re_rows(fit: MixedFit, level: float, *, sd: bool) -> list:
    """Rows of the random-effects table: level titles, then (label, est, se, lo, hi)."""
    z = _z(level)
    d = fit.design
    rows: list = []
    params = fit.params
    idx = {p.name: i for i, p in enumerate(params)}
    for li, (lv, _S) in enumerate(zip(d.levels, fit.Sigmas), start=1):
        if rows:  # a rule between levels, as Stata's nested and crossed tables
            rows.append(Rule())
        rows.append(f"{shown_level(lv, fit.n)[0]}: {cov_title(lv)}")
        names = _effect_label(lv.znames, lv.crossed)
        k = lv.k
        if lv.covariance in ("identity", "exchangeable"):
            lab = " ".join(names) if k > 1 else names[0]
            p = idx[f"lns{li}_1_1"]
            rows.append(_var_row(fit, p, f"{'sd' if sd else 'var'}({lab})", sd, z))
            if lv.covariance == "exchangeable" and k > 1:
                a = idx[f"atr{li}_1_1_2"]
                if sd:
                    rows.append(_corr_row(fit, a, f"corr({lab})", z))
                else:
                    rows.append(_cov_row(fit, p, p, a, f"cov({lab})", z))
            continue
        for j in range(k):
            p = idx[f"lns{li}_1_{j + 1}"]
            rows.append(_var_row(fit, p, f"{'sd' if sd else 'var'}({names[j]})", sd, z))
        if lv.covariance == "unstructured":
            for a in range(k):
                for b in range(a + 1, k):
                    r = idx[f"atr{li}_1_{a + 1}_{b + 1}"]
                    lab = f"{names[a]},{names[b]}"
                    if sd:
                        rows.append(_corr_row(fit, r, f"corr({lab})", z))
                    else:
                        pa, pb = idx[f"lns{li}_1_{a + 1}"], idx[f"lns{li}_1_{b + 1}"]
                        rows.append(_cov_row(fit, pa, pb, r, f"cov({lab})", z))
    resid = getattr(fit, "residual", None)
    if resid is not None:  # residuals(): the structure's parameters, then var(e)
        rows.append(Rule())
        rows.append(f"Residual: {resid['label']}")
        rows.append(_corr_row(fit, idx["r_atr1"], "rho", z))
        rows.append(_var_row(fit, idx["lnsig_e"], "sd(e)" if sd else "var(e)", sd, z))
    elif "lnsig_e" in idx:  # me* models have no residual variance
        rows.append(Rule())
        label = "sd(Residual)" if sd else "var(Residual)"
        rows.append(_var_row(fit, idx["lnsig_e"], label, sd, z))
    return rows


def _var_row(fit: MixedFit, k: int, label: str, sd: bool, z: float) -> tuple:
    p = fit.params[k]
    if p.boundary:
        return (label, 0.0, math.nan, math.nan, math.nan)
    se = fit.param_se(k)
    m = 1.0 if sd else 2.0
    est = math.exp(m * p.value)
    return (
        label,
        est,
        m * est * se,
        _exp(m * (p.value - z * se)),
        _exp(m * (p.value + z * se)),  # a nearly flat likelihood: "." beyond double range
    )


def _exp(x: float) -> float:
    return math.exp(x) if x < 709.0 else math.inf


def _corr_row(fit: MixedFit, k: int, label: str, z: float) -> tuple:
    p = fit.params[k]
    if p.boundary:
        return (label, math.copysign(1.0, p.value), math.nan, math.nan, math.nan)
    se = fit.param_se(k)
    r = math.tanh(p.value)
    return (label, r, (1 - r * r) * se, math.tanh(p.value - z * se), math.tanh(p.value + z * se))


def _cov_row(fit: MixedFit, a: int, b: int, r: int, label: str, z: float) -> tuple:
    la, lb, at = fit.params[a].value, fit.params[b].value, fit.params[r].value
    if fit.params[r].boundary or fit.params[a].boundary or fit.params[b].boundary:
        est = (
            math.tanh(at) * math.exp(la + lb)
            if math.isfinite(at)
            else math.copysign(math.exp(la + lb), at)
        )
        return (label, est, math.nan, math.nan, math.nan)
    t = math.tanh(at)
    est = t * math.exp(la + lb)
    # delta method over (lns_a, lns_b, atr)
    if a == b:
        g = np.array([2 * est, (1 - t * t) * math.exp(2 * la)])
        ids = [a, r]
    else:
        g = np.array([est, est, (1 - t * t) * math.exp(la + lb)])
        ids = [a, b, r]
    V = np.array([[fit.param_cov(i, j) for j in ids] for i in ids])
    se = float(np.sqrt(g @ V @ g))
    return (label, est, se, est - z * se, est + z * se)


def _re_num(x: float, fmt: str | None) -> str:
    from ..report.format import fmt_number

    return fmt_number(x, fmt).strip() if fmt else fmt_coef(x)


def re_table_text(rows: list, level: float, *, noci: bool = False, cformat=None) -> str:
    """The random-effects table; ``noci`` drops the interval, ``cformat()`` formats the
    numbers ([R] Estimation options)."""
    ci = f"[{int(level) if level == int(level) else level}% conf. interval]"
    rule = "-" * 78
    sep = "-" * 29 + "+" + "-" * 48
    head = "  Random-effects parameters  |   Estimate   Std. err."
    lines = [rule, head if noci else f"{head}     {ci}", sep]
    if rows and isinstance(rows[0], Rule):  # no random effects: the residual's row only
        rows = rows[1:]
    for r in rows:
        if isinstance(r, str):
            lines.append(f"{r:<29}|")
        elif isinstance(r, Rule):
            lines.append(sep)
        else:
            lab, est, se, lo, hi = r
            if math.isnan(se):  # on the boundary: no standard error or interval
                lines.append(f"{lab[:28]:>28} |{_re_num(est, cformat):>11}")
                continue
            ends = "" if noci else f"{_re_num(lo, cformat):>14}{_re_num(hi, cformat):>12}"
            lines.append(
                f"{lab[:28]:>28} |{_re_num(est, cformat):>11}{_re_num(se, cformat):>11}{ends}"
            )
    lines.append(rule)
    return "\n".join(line.rstrip() for line in lines)


def re_table_html(rows: list, level: float) -> str:
    out: list = []
    for r in rows:
        if isinstance(r, (str, Rule)):
            out.append(r)
            continue
        lab, est, se, lo, hi = r
        out.append(
            [
                "  " + lab,
                fmt_coef(est),
                fmt_coef(se) if se == se else "",
                fmt_coef(lo) if lo == lo else "",
                fmt_coef(hi) if hi == hi else "",
            ]
        )
    ci = int(level) if level == int(level) else level
    return html_table(
        [["Random-effects parameters", "Estimate", "Std. err.", f"[{ci}% conf.", "interval]"]], out
    )


def lr_lines(fit: MixedFit, model: str = "linear model") -> list[str]:
    """The LR test against the model without random effects (``model`` names it: ``linear
    model`` after ``mixed``, ``logistic model`` after ``melogit`` ...)."""
    chi2, df, p = fit.lr_test()
    if df == 0:
        return []
    txt = fmt_f(chi2, 2) if 0.005 < chi2 < 1e5 or chi2 == 0 else f"{chi2:.2e}"
    if df == 1 and getattr(fit, "boundary_test", True):
        left = f"LR test vs. {model}: chibar2(01) = {txt}"
        return [f"{left:<54}Prob >= chibar2 = {fmt_f(p, 4)}"]
    left = f"LR test vs. {model}: chi2({df}) = {txt}"
    out = [f"{left:<58}Prob > chi2 = {fmt_f(p, 4)}"]
    if getattr(fit, "boundary_test", True):
        out += ["", "Note: LR test is conservative and provided only for reference."]
    return out
