"""Rank and sign tests ([R] signrank, [R] kwallis): ``signrank``, ``signtest`` and ``kwallis``.

``signrank varname = exp`` is Wilcoxon's matched-pairs signed-rank test. The absolute
differences are ranked with the zeros included (ties at their mean rank); the zeros' ranks then
drop out of the sums (Pratt's treatment), so the adjusted variance is Σ r² / 4 over the nonzero
differences and z = (T₊ − T₋) / (2 √V). The exact p-value (by default up to 200 observations,
or with ``exact`` up to 2,000) is the permutation probability of the signed-rank sum under
random signs, P(|S| ≥ |s|), counted by dynamic programming over the doubled ranks.

``signtest varname = exp`` is the sign test: binomial tail probabilities of the numbers of
positive and negative differences out of the nonzero ones.

``kwallis varname, by(groupvar)`` is the Kruskal–Wallis test: H = 12/(N(N+1)) Σ Rⱼ²/nⱼ −
3(N+1) on k − 1 degrees of freedom, and H divided by 1 − Σ(t³ − t)/(N³ − N) for ties.

The layouts and ``r()`` follow Stata's ado-files for the three commands (signrank 2.3.1,
signtest 2.3.14, kwallis 2.4.2).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..dataset.varnames import resolve
from ..errors import StataError
from ..report.format import abbrev, fmt_f, fmt_g
from ..report.output import Block, Output, Rule, html_table
from ..syntax.ast import Command, Words
from ..syntax.expr import parse_expr_text
from .generate import evaluate_at
from .listing import cell_text
from .ranksum import grouped_sample
from .registry import command

__all__ = ["signrank", "signtest", "kwallis", "signed_rank_exact"]

_NEXACT = 200  # signrank's exact p-value is the default up to this many observations
_MAXEX = 2000  # and refused beyond this many


def signed_rank_exact(ranks: np.ndarray, observed: float) -> tuple[float, float, float]:
    """Exact permutation p-values of the signed-rank sum S = Σ ±rᵢ, every sign pattern equally
    likely: (P(|S| ≥ |s|), P(S ≤ s), P(S ≥ s)) for the observed sum ``s``.

    ``ranks`` are the nonzero differences' ranks (midranks allowed); they are doubled so that
    the sums are integers.
    """
    v = np.sort(np.rint(2 * np.asarray(ranks, dtype=float)).astype(np.int64))
    total = int(v.sum())
    # dist[t]: P(T = t) for T the doubled sum of the ranks given a plus sign, built one rank
    # at a time (smallest first) over the support reached so far. T is symmetric about
    # total/2, so only t <= total/2 is built; S = 2T - total.
    cap = total // 2
    dist = np.zeros(cap + 1)
    dist[0] = 1.0
    reach = 0
    for x in v:
        top = min(reach, cap)
        seg = dist[: top + 1].copy()
        dist[: top + 1] *= 0.5
        hi = min(x + reach, cap)
        if x <= hi:
            dist[x : hi + 1] += 0.5 * seg[: hi + 1 - x]
        reach += int(x)
    dist = np.concatenate([dist, dist[: total - cap][::-1]])
    sums = 2 * np.arange(total + 1) - total
    s2 = round(2 * observed)
    two = float(dist[np.abs(sums) >= abs(s2)].sum())
    lower = float(dist[sums <= s2].sum())
    upper = float(dist[sums >= s2].sum())
    return min(1.0, two), min(1.0, lower), min(1.0, upper)


def _pair(s, cmd: Command) -> tuple[str, str, np.ndarray, np.ndarray]:
    """``varname = exp``: the variable, the expression's text, the differences and the rows
    used (``if``/``in``, both sides nonmissing)."""
    text = " ".join(cmd.body.words) if isinstance(cmd.body, Words) else ""
    if "=" not in text:
        raise StataError("= expected" if text else "varlist required", 198 if text else 100)
    left, right = text.split("=", 1)
    right = right.removeprefix("=").strip()
    if not right:
        raise StataError("= exp required", 198)
    ds = s.data
    names = left.split()
    if len(names) != 1:
        raise StataError("too many variables specified" if names else "varlist required", 103)
    v = resolve(ds, names[0])
    if ds.is_string(v):
        raise StataError("type mismatch", 109)
    touse = s.touse(cmd)
    x = np.asarray(ds.values(v), dtype=float)
    e = evaluate_at(s, parse_expr_text(right), touse)
    if e.dtype == object:
        raise StataError("type mismatch", 109)
    d = x - e
    use = touse & ~np.isnan(d)
    if not use.any():
        raise StataError("no observations", 2000)
    return v, right, d[use], use


def _line(label: str, cells: list[tuple[int, str]]) -> str:
    """One row: the label right-aligned in 12 columns, `` |``, then each cell ending at its
    column (Stata's ``ditablin``)."""
    out = f"{label:>12} |"
    for end, text in cells:
        out += " " * max(1, end - len(out) - len(text)) + text
    return out


def _html(text: str) -> str:
    return f"<pre style='margin:0'>{text}</pre>"


@command("signrank", byable="repeat", readonly=True)
def signrank(s, cmd: Command) -> list[Output]:
    """``signrank varname = exp [if] [in] [, exact noexact]`` ([R] signrank)."""
    if cmd.has("exact") and cmd.has("noexact"):
        raise StataError("options exact and noexact may not be combined", 184)
    v, expr, d, _use = _pair(s, cmd)
    n = len(d)
    unv = n * (n + 1) * (2 * n + 1) / 24.0
    want_exact = cmd.has("exact") or (n <= _NEXACT and not cmd.has("noexact"))
    if want_exact and n > _MAXEX:
        raise StataError(f"number of observations must be <= {_MAXEX:,} for option exact", 459)
    ranks = stats.rankdata(np.abs(d))
    pos, neg, zero = d > 0, d < 0, d == 0
    tp, tn = float(ranks[pos].sum()), float(ranks[neg].sum())
    var = float((ranks[~zero] ** 2).sum()) / 4.0
    z = (tp - tn) / (2 * math.sqrt(var)) if var > 0 else float("nan")
    p = float(2 * stats.norm.sf(abs(z))) if z == z else float("nan")
    n0, np_, nn = int(zero.sum()), int(pos.sum()), int(neg.sum())
    adj0 = -n0 * (n0 + 1) * (2 * n0 + 1) / 24.0
    vfmt = (lambda x: f"{x:10.2f}") if unv < 1e7 else (lambda x: f"{fmt_g(x, 10):>10}")
    cols = (23, 35, 47)

    def row(label: str, a: float, b: float, c: float) -> str:
        return _line(label, list(zip(cols, (fmt_g(a, 7), fmt_g(b, 10), fmt_g(c, 10)))))

    half = (tp + tn) / 2
    lines = [
        "",
        "Wilcoxon signed-rank test",
        "",
        "        sign |      obs   sum ranks    expected",
        "-" * 13 + "+" + "-" * 33,
        row("positive", np_, tp, half),
        row("negative", nn, tn, half),
        row("zero", n0, n0 * (n0 + 1) / 2, n0 * (n0 + 1) / 2),
        "-" * 13 + "+" + "-" * 33,
        row("all", n, n * (n + 1) / 2, n * (n + 1) / 2),
        "",
        f"{'unadjusted variance':<21}{vfmt(unv)}",
        f"{'adjustment for ties':<21}{vfmt(var - unv - adj0)}",
        f"{'adjustment for zeros':<21}{vfmt(adj0)}",
        " " * 21 + "-" * 10,
        f"{'adjusted variance':<21}{vfmt(var)}",
        "",
        f"Ho: {v} = {expr}",
        f"{'z = ':>17}{fmt_f(z, 3):>7}",
        f"    Prob > |z| = {fmt_f(p, 4):>8}",
    ]
    r: dict[str, float] = {}
    if want_exact:
        p2, pl, pu = signed_rank_exact(ranks[~zero], tp - tn)
        r.update({"p_exact": p2, "p_l_exact": pl, "p_u_exact": pu})
        lines.append(f"    Exact Prob = {fmt_f(p2, 4):>8}")
    elif not cmd.has("noexact") and n <= _MAXEX:
        lines += [
            "",
            f"Note: Exact p-value is not computed by default for sample sizes > {_NEXACT}.",
            "      Use option exact to compute it.",
        ]
    r.update(
        {
            "p_u": float(stats.norm.sf(z)),
            "p_l": float(stats.norm.cdf(z)),
            "p": p,
            "z": z,
            "Var_a": var,
            "sum_neg": tn,
            "sum_pos": tp,
            "N_tie": float(n0),
            "N_neg": float(nn),
            "N_pos": float(np_),
            "N": float(n),
        }
    )
    s.r = r
    text = "\n".join(lines).lstrip("\n")  # the log puts one blank line first
    return [Block(text, _html(text), data=s.r)]


@command("signtest", byable="repeat", readonly=True)
def signtest(s, cmd: Command) -> list[Output]:
    """``signtest varname = exp [if] [in]`` ([R] signrank)."""
    v, expr, d, _use = _pair(s, cmd)
    np_, nn, n0 = int((d > 0).sum()), int((d < 0).sum()), int((d == 0).sum())
    ns = np_ + nn
    # Stata's Binomial(n, k, p) is P(X >= k)
    pp = float(stats.binom.sf(np_ - 1, ns, 0.5))
    pn = float(stats.binom.sf(nn - 1, ns, 0.5))
    p2 = min(1.0, 2 * min(pp, pn))
    top = max(np_, nn)
    name = abbrev(v, 10)
    stem = f"{name} = 0" if expr.strip() == "0" else f"{name} - {expr}"
    if expr.strip() == "0":
        ho, har, hal, ha2 = stem, f"{name} > 0", f"{name} < 0", f"{name} != 0"
    else:
        ho, har, hal, ha2 = (f"{stem} {op} 0" for op in ("=", ">", "<", "!="))
    cols = (26, 38)

    def row(label: str, a: float, b: float) -> str:
        return _line(label, list(zip(cols, (fmt_g(a, 10), fmt_g(b, 10)))))

    lines = [
        "",
        "Sign test",
        "",
        "        sign |    observed    expected",
        "-" * 13 + "+" + "-" * 24,
        row("positive", np_, ns / 2),
        row("negative", nn, ns / 2),
        row("zero", n0, n0),
        "-" * 13 + "+" + "-" * 24,
        row("all", ns + n0, ns + n0),
        "",
        "One-sided tests:",
        f"  Ho: median of {ho} vs.",
        f"  Ha: median of {har}",
        f"      Pr(#positive >= {np_}) =",
        f"         Binomial(n = {ns}, x >= {np_}, p = 0.5) = {fmt_f(pp, 4):>7}",
        "",
        f"  Ho: median of {ho} vs.",
        f"  Ha: median of {hal}",
        f"      Pr(#negative >= {nn}) =",
        f"         Binomial(n = {ns}, x >= {nn}, p = 0.5) = {fmt_f(pn, 4):>7}",
        "",
        "Two-sided test:",
        f"  Ho: median of {ho} vs.",
        f"  Ha: median of {ha2}",
        f"      Pr(#positive >= {top} or #negative >= {top}) =",
        f"         min(1, 2*Binomial(n = {ns}, x >= {top}, p = 0.5)) = {fmt_f(p2, 4):>7}",
    ]
    s.r = {
        "p_u": pp,
        "p_l": pn,
        "p": p2,
        "N_tie": float(n0),
        "N_neg": float(nn),
        "N_pos": float(np_),
        "N": float(ns + n0),
    }
    text = "\n".join(lines).lstrip("\n")  # the log puts one blank line first
    return [Block(text, _html(text), data=s.r)]


@command("kwallis", readonly=True)
def kwallis(s, cmd: Command) -> list[Output]:
    """``kwallis varname [if] [in], by(groupvar)`` ([R] kwallis)."""
    ds = s.data
    _yv, gv, _use, yy, g, levels = grouped_sample(s, cmd)
    if not len(yy):
        raise StataError("no observations", 2000)
    if len(levels) < 2:
        raise StataError("at least two populations are required", 498)
    N = len(yy)
    ranks = stats.rankdata(yy)
    counts = np.array([int((g == lv).sum()) for lv in levels])
    sums = np.array([float(ranks[g == lv].sum()) for lv in levels])
    H = 12.0 / (N * (N + 1)) * float((sums**2 / counts).sum()) - 3.0 * (N + 1)
    _vals, ties = np.unique(yy, return_counts=True)
    adj = 1.0 - float((ties.astype(float) ** 3 - ties).sum()) / (float(N) ** 3 - N)
    H_ties = H / adj if adj > 0 else float("nan")
    df = len(levels) - 1
    p = max(float(stats.chi2.sf(H + 1e-20, df)), 1e-4)
    p_ties = max(float(stats.chi2.sf(H_ties + 1e-20, df)), 1e-4) if H_ties == H_ties else H_ties
    labels = [cell_text(ds, gv, lv) for lv in levels]
    obs = [f"{c:,}" for c in counts]
    rank_sums = [f"{x:.2f}" for x in sums]
    head = [gv, "Obs", "Rank Sum"]
    left = ds.is_string(gv)
    table = _divided_list(head, [labels, obs, rank_sums], left)
    lines = [
        "",
        "Kruskal-Wallis equality-of-populations rank test",
        "",
        *table,
        "",
        f"chi-squared = {H:9.3f} with {df} d.f.",
        f"probability = {p:10.4f}",
        "",
        f"chi-squared with ties = {fmt_f(H_ties, 3):>9} with {df} d.f.",
        f"probability = {fmt_f(p_ties, 4):>10}",
    ]
    s.r = {"chi2": H, "df": float(df), "chi2_adj": H_ties}
    text = "\n".join(lines).lstrip("\n")  # the log puts one blank line first
    rows: list = []
    for k in range(len(levels)):
        if k and k % 5 == 0:
            rows.append(Rule())
        rows.append([labels[k], obs[k], rank_sums[k]])
    html = (
        "<pre style='margin:0'>\nKruskal-Wallis equality-of-populations rank test\n</pre>"
        + html_table([head], rows, align=["l" if left else "r", "r", "r"], stub=0)
        + _html("\n".join(lines[4 + len(table) :]))
    )
    return [Block(text, html, data=s.r)]


def _divided_list(head: list[str], cols: list[list[str]], left_first: bool) -> list[str]:
    """``list ..., noobs subvarname divider``: a boxed table with a rule between columns and one
    after every fifth row."""
    widths = [max(len(h), *(len(c) for c in col)) for h, col in zip(head, cols)]

    def cells(values: list[str], first_left: bool) -> str:
        out = []
        for j, (x, w) in enumerate(zip(values, widths)):
            out.append(x.ljust(w) if j == 0 and first_left else x.rjust(w))
        return "  | " + " | ".join(out) + " |"

    rule = "  |" + "+".join("-" * (w + 2) for w in widths) + "|"
    edge = "  +" + "-" * (sum(w + 2 for w in widths) + len(widths) - 1) + "+"
    lines = [edge, cells(head, left_first), rule]
    for k in range(len(cols[0])):
        if k and k % 5 == 0:
            lines.append(rule)
        lines.append(cells([c[k] for c in cols], left_first))
    lines.append(edge)
    return lines
