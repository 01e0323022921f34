"""``oneway response_var factor_var [if] [in] [weight] [, tabulate noanova nostandard
nofreq noobs nomeans bonferroni scheffe sidak]`` ([R] oneway): the one-way analysis of variance
table (between and within groups, F and its p-value) and Bartlett's test of equal variances;
``tabulate`` adds the groups' means, standard deviations and frequencies; the multiple-
comparison options add the table of differences of means (row minus column) with their
adjusted p-values, from t = d / √(MSE (1/nᵢ + 1/nⱼ)) on the within-groups df: Bonferroni
min(1, m·p), Šidák 1 − (1 − p)^m over the m = k(k−1)/2 pairs, Scheffé from F = t²/(k−1) on
(k−1, N−k) df ([R] oneway, Methods and formulas).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..dataset.stats import group_moments
from ..dataset.varnames import expand_terms
from ..errors import StataError
from ..report.format import fmt_f, fmt_g
from ..report.output import Block, Output
from ..syntax.ast import Command, Varlist
from .listing import cell_text
from .registry import command

__all__: list[str] = []


@command("oneway", byable="repeat", readonly=True)
def oneway(s, cmd: Command) -> list[Output]:
    ds = s.data
    names = expand_terms(ds, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    if len(names) > 2:
        raise StataError("too many variables specified", 103)
    if len(names) < 2:
        raise StataError("too few variables specified", 102)
    yv, gv = names
    if ds.is_string(yv):
        raise StataError("type mismatch", 109)
    y = np.asarray(ds.values(yv), dtype=float)
    g = ds.values(gv)
    touse = s.touse(cmd) & ~np.isnan(y)
    touse &= ~ds.missing(gv)
    w = np.ones(ds.nobs)
    if cmd.weight is not None:
        from ..dataset.evaluate import Context, evaluate
        from ..dataset.weights import check_weights

        if cmd.weight.kind != "fweight":
            raise StataError(
                f"{cmd.weight.kind}s are not available in bayes_magic's oneway yet", 101
            )
        w = np.asarray(evaluate(cmd.weight.expr, Context(ds)), dtype=float)
        touse = check_weights(w, "fweight", touse)
    if not touse.any():
        raise StataError("no observations", 2000)
    yy, gg, ww = y[touse], g[touse], w[touse]
    levels = sorted(set(gg.tolist()))
    if len(levels) > 376:
        raise StataError("too many groups", 134)
    N = float(ww.sum())
    grand = float(np.average(yy, weights=ww))
    n_g, m_g, v_g = group_moments(yy, gg, ww, levels)
    k = len(levels)
    ss_b = float(np.sum(n_g * (m_g - grand) ** 2))
    ss_t = float(np.sum(ww * (yy - grand) ** 2))
    ss_w = ss_t - ss_b
    df_b, df_w = k - 1, N - k
    ms_b = ss_b / df_b if df_b > 0 else math.nan
    ms_w = ss_w / df_w if df_w > 0 else math.nan
    F = ms_b / ms_w if ms_w > 0 else math.nan
    p = float(stats.f.sf(F, df_b, df_w)) if F == F else math.nan
    out: list[str] = []
    if cmd.has("tabulate"):
        out += _tabulate(ds, yv, gv, levels, n_g, m_g, v_g, N, grand, ss_t, cmd)
    r = {"N": N, "F": F, "df_r": df_w, "df_m": float(df_b), "mss": ss_b, "rss": ss_w}
    if not cmd.has("noanova"):
        out += [
            f"{'Analysis of variance':>44}",
            "    Source              SS         df      MS            F     Prob > F",
            "-" * 72,
            f"Between groups  {fmt_g(ss_b, 11):>11}{df_b:>7,}  {fmt_g(ms_b, 11):>11}"
            f"{fmt_f(F, 2):>11}{fmt_f(p, 4):>11}",
            f" Within groups  {fmt_g(ss_w, 11):>11}{df_w:>7,.0f}  {fmt_g(ms_w, 11):>11}",
            "-" * 72,
            f"    Total       {fmt_g(ss_t, 11):>11}{N - 1:>7,.0f}  {fmt_g(ss_t / (N - 1), 11):>11}",
        ]
        # Bartlett's test over groups with variances (two or more observations)
        ok = n_g > 1
        if ok.sum() > 1 and np.all(v_g[ok] > 0):
            nu = n_g[ok] - 1
            sp = float(np.sum(nu * v_g[ok]) / nu.sum())
            num = nu.sum() * math.log(sp) - float(np.sum(nu * np.log(v_g[ok])))
            c = 1 + (float(np.sum(1 / nu)) - 1 / nu.sum()) / (3 * (ok.sum() - 1))
            chi2 = num / c
            df = int(ok.sum()) - 1
            pb = float(stats.chi2.sf(chi2, df))
            out += [
                "",
                f"Bartlett's equal-variances test: chi2({df}) = {fmt_f(chi2, 4):>8}"
                f"    Prob>chi2 = {fmt_f(pb, 3)}",
            ]
            r.update({"chi2bart": chi2, "df_bart": float(df)})
    for method in ("bonferroni", "scheffe", "sidak"):
        if cmd.has(method):
            out += _comparisons(ds, yv, gv, levels, n_g, m_g, ms_w, df_w, method)
    s.r = r
    text = "\n".join(out)
    return [Block(text, f"<pre>{text}</pre>", kind="result")] if out else []


def _tabulate(ds, yv, gv, levels, n_g, m_g, v_g, N, grand, ss_t, cmd) -> list[str]:
    """``oneway, tabulate``: the groups' means, SDs and frequencies, as ``tabulate g,
    summarize(y)`` lays them out."""
    from .tabulate import summary_table

    return [*summary_table(ds, yv, gv, levels, n_g, m_g, v_g, N, grand, ss_t, cmd), ""]


_METHOD = {"bonferroni": "Bonferroni", "scheffe": "Scheffe", "sidak": "Sidak"}


def _comparisons(ds, yv, gv, levels, n_g, m_g, ms_w, df_w, method) -> list[str]:
    """The table of pairwise differences, in panels of six columns as Stata wraps it."""
    k = len(levels)
    pairs = k * (k - 1) / 2
    labels = [cell_text(ds, gv, lv)[:8] for lv in levels]

    def p_of(i: int, j: int) -> float:
        se = math.sqrt(ms_w * (1 / n_g[i] + 1 / n_g[j]))
        t = (m_g[i] - m_g[j]) / se
        if method == "scheffe":
            return float(stats.f.sf(t * t / (k - 1), k - 1, df_w))
        p = float(2 * stats.t.sf(abs(t), df_w))
        if method == "bonferroni":
            return min(1.0, p * pairs)
        return float(1 - (1 - p) ** pairs)

    title = f"Comparison of {ds.info[yv].label or yv} by {ds.info[gv].label or gv}"
    name = f"({_METHOD[method]})"
    lines = ["", " " * max((78 - len(title)) // 2, 0) + title]
    lines.append(" " * max(math.ceil((76 - len(name)) / 2), 0) + name)
    for start in range(0, k - 1, 6):
        cols = list(range(start, min(start + 6, k - 1)))
        if start:
            lines.append("")
        lines += [
            "Row Mean-|",
            "Col Mean |" + "".join(f"{labels[j]:>11}" for j in cols),
            "-" * 9 + "+" + "-" * (11 * len(cols)),
        ]
        rows = range(cols[0] + 1, k)
        for n, i in enumerate(rows):
            shown = [j for j in cols if j < i]
            if n:
                lines.append(" " * 9 + "|")
            lines.append(
                f"{labels[i]:>8} |" + "".join(f"{fmt_g(m_g[i] - m_g[j], 8):>11}" for j in shown)
            )
            lines.append(" " * 9 + "|" + "".join(f"{fmt_f(p_of(i, j), 3):>11}" for j in shown))
    return lines
