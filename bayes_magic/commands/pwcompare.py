"""``pwcompare`` ([R] pwcompare): pairwise comparisons of the margins of a factor (or of the
cells of an interaction of factors) after an estimation command.

The margins are ``margins term, asbalanced``'s (Stata's default for ``pwcompare``), computed by
:mod:`bayes_magic.commands.margins`; each comparison ``j vs i`` is b_j − b_i with variance
from the margins' covariance. ``mcompare()`` adjusts the p-values and intervals for the m =
k(k−1)/2 comparisons of each term: ``bonferroni`` (p·m; α/m), ``sidak`` (1 − (1 − p)^m;
1 − (1 − α)^(1/m)), ``scheffe`` (F = t²/(k−1) on k−1 and the residual df, χ² without one),
``tukey`` (the studentized range of k means, q = |t|√2). t statistics on e(df_r) after
``regress`` and ``anova``, z otherwise.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..errors import StataError
from ..matrix import Matrix
from ..report.format import fmt_f, fmt_g
from ..report.output import Block, Output
from ..syntax.ast import Command, Varlist
from ..syntax.unparse import unparse_term
from .registry import command

__all__ = ["pwcompare"]

_METHODS = {"noadjust": "Unadjusted", "bonferroni": "Bonferroni", "sidak": "Sidak"}
_METHODS.update({"scheffe": "Scheffe", "tukey": "Tukey"})


def _method(raw) -> str:
    word = str(raw or "noadjust").strip().lower()
    for full in _METHODS:
        if len(word) >= 3 and full.startswith(word):
            return full
    if word in ("snk", "duncan", "dunnett"):
        raise StataError(f"mcompare({word}) is not available in bayes_magic yet", 198)
    raise StataError(f"mcompare({raw}) invalid", 198)


def _adjust(method: str, t: float, k: int, m: int, df: float | None) -> float:
    """The adjusted two-sided p-value of one comparison."""
    if t != t:
        return float("nan")
    if method == "tukey":
        return float(stats.studentized_range.sf(abs(t) * math.sqrt(2), k, df or 1e7))
    if method == "scheffe":
        if df is None:
            return float(stats.chi2.sf(t * t, k - 1))
        return float(stats.f.sf(t * t / (k - 1), k - 1, df))
    p = float(2 * (stats.t.sf(abs(t), df) if df is not None else stats.norm.sf(abs(t))))
    if method == "bonferroni":
        return min(1.0, p * m)
    if method == "sidak":
        return float(1 - (1 - p) ** m)
    return p


def _critical(method: str, level: float, k: int, m: int, df: float | None) -> float:
    """The multiplier of the standard error in the (adjusted) interval."""
    a = 1 - level / 100
    if method == "tukey":
        return float(stats.studentized_range.ppf(1 - a, k, df or 1e7) / math.sqrt(2))
    if method == "scheffe":
        if df is None:
            return float(math.sqrt(stats.chi2.ppf(1 - a, k - 1)))
        return float(math.sqrt((k - 1) * stats.f.ppf(1 - a, k - 1, df)))
    if method == "bonferroni":
        a = a / m
    elif method == "sidak":
        a = 1 - (1 - a) ** (1 / m)
    return float(stats.t.ppf(1 - a / 2, df) if df is not None else stats.norm.ppf(1 - a / 2))


def _centred(label: str, centre: int) -> str:
    """``label`` placed so that it is centred on column ``centre`` (after the bar)."""
    return " " * (centre - math.ceil(len(label) / 2)) + label


@command("pwcompare")
def pwcompare(s, cmd: Command) -> list[Output]:
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    if not terms:
        raise StataError("varlist required", 100)
    for o in ("post", "asobserved", "emptycells", "over", "within", "predict"):
        if cmd.has(o):
            raise StataError(f"option {o}() is not available in bayes_magic's pwcompare yet", 198)
    method = _method(cmd.option("mcompare"))
    level = float(cmd.option("level", 95))
    effects = cmd.has("effects") or cmd.has("pveffects")
    show_ci = not cmd.has("pveffects")
    blocks: list[tuple[str, list[str], np.ndarray, np.ndarray]] = []
    t_df = None
    for t in terms:
        text = unparse_term(t)
        labels, b, V, t_df = balanced_margins(s, text)
        blocks.append((text.replace("i.", ""), labels, b, V))
    stat = "t" if t_df is not None else "z"
    rows: list[tuple[str, str, list[float]]] = []  # (term, label, values)
    nums: list[tuple[str, int]] = []
    names_vs: list[str] = []
    est: list[float] = []
    cov_blocks: list[np.ndarray] = []
    for term, labels, b, V in blocks:
        k = len(labels)
        if k < 2:
            raise StataError(f"{term}: at least two levels are needed for comparisons", 198)
        m = k * (k - 1) // 2
        nums.append((term, m))
        crit = _critical(method, level, k, m, t_df)
        L = []
        for i in range(k):
            for j in range(i + 1, k):
                c = b[j] - b[i]
                se = math.sqrt(max(V[j, j] + V[i, i] - 2 * V[i, j], 0.0))
                tt = c / se if se > 0 else float("nan")
                p = _adjust(method, tt, k, m, t_df)
                vs = f"{labels[j]} vs {labels[i]}"
                rows.append((term, vs, [c, se, tt, p, c - crit * se, c + crit * se]))
                names_vs.append(vs)
                est.append(c)
                row = np.zeros(len(b))
                row[j], row[i] = 1.0, -1.0
                L.append(row)
        cov_blocks.append(np.array(L) @ V @ np.array(L).T)
    text = _layout(rows, nums, method, level, stat, effects, show_ci)
    tab = np.array([r[2] for r in rows])
    n = len(est)
    Vvs = np.zeros((n, n))
    at = 0
    for C in cov_blocks:  # comparisons of different terms: blocks of their own margins
        Vvs[at : at + len(C), at : at + len(C)] = C
        at += len(C)
    s.r = {
        "b_vs": Matrix(np.array(est).reshape(1, -1), ["y1"], names_vs),
        "V_vs": Matrix(Vvs, names_vs, names_vs),
        "table_vs": Matrix(tab.T.copy(), ["b", "se", stat, "pvalue", "ll", "ul"], names_vs),
        "level": level,
    }
    if t_df is not None:
        s.r["df_r"] = float(t_df)
    return [Block(text, f"<pre style='margin:0'>{text}</pre>", data=s.r)]


def balanced_margins(s, term: str) -> tuple[list[str], np.ndarray, np.ndarray, float | None]:
    """``margins term, asbalanced predict(xb)`` (the linear prediction: log odds after logit,
    [R] pwcompare and [R] contrast): the levels' labels, the margins, their covariance and the
    t test's df (None for z), leaving ``r()`` and the last margins as they were. Margins over
    an empty cell are refused (not estimable)."""
    from ..syntax.parser import parse
    from .margins import margins

    if s.e is not None and getattr(s.e, "cmd", None) == "mlogit":
        raise StataError(
            "contrasts and pairwise comparisons after mlogit are not available in bayes_magic "
            "yet; margins term, predict(outcome(k)) gives an outcome's margins",
            321,
        )
    saved_r, saved_m = s.r, getattr(s, "margins_result", None)
    try:
        margins(s, parse(f"margins {term}, asbalanced predict(xb)"))
        b = np.asarray(s.r["b"].values[0], float)
        V = np.asarray(s.r["V"].values, float)
        labels = [_level_label(s, n) for n in s.r["b"].colnames]
        t_df = s.margins_result.t_df if s.margins_result is not None else None
    finally:
        s.r, s.margins_result = saved_r, saved_m
    _check_estimable(labels, V)
    return labels, b, V, t_df


def _check_estimable(labels: list[str], V: np.ndarray) -> None:
    """Margins over an empty cell are not estimable (margins shows them so, with no variance):
    comparisons of them are refused."""
    bad = [lab for lab, v in zip(labels, np.diag(V), strict=True) if not v > 0]
    if bad:
        raise StataError(f"the margin of {bad[0]} is not estimable (an empty cell)", 498)


def _level_label(s, name: str) -> str:
    """``1.schtype`` as ``Public``; ``0.a#1.b`` as ``lab#lab``."""
    from .listing import cell_text

    parts = []
    for piece in name.split("#"):
        val, _, var = piece.partition(".")
        val = val.rstrip("bno")
        try:
            parts.append(cell_text(s.data, var, float(val)))
        except (KeyError, ValueError):
            parts.append(val)
    return "#".join(parts)


def _layout(rows, nums, method, level, stat, effects, show_ci) -> str:
    label = _METHODS[method]
    w = max([13, *(len(lab) + 2 for _t, lab, _v in rows), *(len(t) + 1 for t, _m in nums)])
    out = ["Pairwise comparisons of marginal linear predictions", "", "Margins: asbalanced", ""]
    if method != "noadjust":
        out += [
            "-" * (w + 14),
            f"{'':{w}}|    Number of",
            f"{'':{w}}|  comparisons",
            "-" * w + "+" + "-" * 13,
            *(f"{t:>{w - 1}} |{m:>13}" for t, m in nums),
            "-" * (w + 14),
            "",
        ]
    width = 64 if effects else 48
    lvl = f"[{fmt_g(level, 9).strip()}% conf. interval]"
    if effects:
        head1 = _centred(label, 33)
        if show_ci:
            head1 += " " * (54 - math.ceil(len(label) / 2) - len(head1)) + label
        head2 = f"   Contrast   Std. err.{stat:>7}    P>|{stat}|"
        if show_ci:
            head2 += f"     {lvl}"
    else:
        head1 = _centred(label, 38)
        head2 = f"   Contrast   Std. err.     {lvl}"
    out += [
        "-" * (w + 1 + width),
        f"{'':{w}}|{head1}",
        f"{'':{w}}|{head2}",
        "-" * w + "+" + "-" * width,
    ]
    last = None
    for term, lab, v in rows:
        if term != last:
            if last is not None:
                out.append(f"{'':{w}}|")
            out.append(f"{term:>{w - 1}} |")
            last = term
        c, se, tt, p, lo, hi = v
        cells = f"{fmt_g(c, 9):>11}{fmt_g(se, 9):>11}"
        if effects:
            cells += f"{fmt_f(tt, 2):>9}{fmt_f(p, 3):>8}"
            if show_ci:
                cells += f"{fmt_g(lo, 9):>13}{fmt_g(hi, 9):>12}"
        else:
            cells += f"{fmt_g(lo, 9):>14}{fmt_g(hi, 9):>12}"
        out.append(f"{lab:>{w - 2}}  |{cells}")
    out.append("-" * (w + 1 + width))
    return "\n".join(line.rstrip() for line in out)
