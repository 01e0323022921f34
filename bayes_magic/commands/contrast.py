"""``contrast`` ([R] contrast): contrasts of the margins of factors, with their joint test.

``contrast x`` tests that the ``asbalanced`` linear-prediction margins of x are all equal (F on
(k−1, e(df_r)) after ``regress``/``anova``, χ² otherwise): after ``anova`` this is the
partial (type III) test of x. An operator before the factor gives the contrasts themselves,
each with its own test and a table of estimates: ``r.`` each level against the first,
``ar.`` each against the one before, ``a.`` each against the next, ``g.`` each against the
mean of all, ``h.`` each against the mean of the later ones, ``j.`` each against the mean of
the earlier ones ([R] contrast, contrast operators).
"""

from __future__ import annotations

import math
import re

import numpy as np
from scipy import stats

from ..errors import StataError
from ..matrix import Matrix
from ..report.format import fmt_f, fmt_g
from ..report.output import Block, Output
from ..syntax.ast import Command, Words
from .pwcompare import balanced_margins
from .registry import command

__all__ = ["contrast", "contrast_rows"]

_OPS = ("r", "ar", "a", "g", "h", "j")


def contrast_rows(op: str, labels: list[str]) -> list[tuple[str, np.ndarray]]:
    """The contrasts of operator ``op`` over k levels: (label, weights over the margins)."""
    k = len(labels)
    out = []
    for i in range(k):
        w = np.zeros(k)
        if op == "r" and i > 0:
            w[i], w[0] = 1, -1
            out.append((f"({labels[i]} vs {labels[0]})", w))
        elif op == "ar" and i > 0:
            w[i], w[i - 1] = 1, -1
            out.append((f"({labels[i]} vs {labels[i - 1]})", w))
        elif op == "a" and i < k - 1:
            w[i], w[i + 1] = 1, -1
            out.append((f"({labels[i]} vs {labels[i + 1]})", w))
        elif op == "g":
            w[:] = -1 / k
            w[i] += 1
            out.append((f"({labels[i]} vs mean)", w))
        elif op == "h" and i < k - 1:
            w[i] = 1
            w[i + 1 :] = -1 / (k - i - 1)
            out.append((f"({labels[i]} vs >{labels[i]})", w))
        elif op == "j" and i > 0:
            w[i] = 1
            w[:i] = -1 / i
            out.append((f"({labels[i]} vs <{labels[i]})", w))
    return out


def _terms(cmd: Command) -> list[tuple[str | None, str]]:
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    if not words:
        raise StataError("varlist required", 100)
    out = []
    for w in words:
        m = re.fullmatch(r"(?:(ar|r|a|g|h|j|i)\.)?([A-Za-z_]\w*)", w)
        if m is None:
            if re.fullmatch(r"\w+\.\w+", w):
                raise StataError(
                    f"{w}: this contrast operator is not available in bayes_magic yet "
                    "(r. ar. a. g. h. j. are)",
                    198,
                )
            raise StataError(f"{w}: interactions in contrast are not available yet", 198)
        op = m.group(1)
        out.append((None if op in (None, "i") else op, m.group(2)))
    return out


@command("contrast")
def contrast(s, cmd: Command) -> list[Output]:
    for o in ("post", "asobserved", "over", "within", "mcompare", "emptycells", "predict"):
        if cmd.has(o):
            raise StataError(f"option {o}() is not available in bayes_magic's contrast yet", 198)
    level = float(cmd.option("level", 95))
    terms = _terms(cmd)
    blocks = []
    t_df = None
    for op, var in terms:
        labels, b, V, t_df = balanced_margins(s, var)
        blocks.append((op, var, labels, b, V))
    f_test = t_df is not None
    tests: list[tuple[str, str, int, float, float]] = []  # term, label, df, stat, p
    ests: list[tuple[str, str, float, float]] = []
    for op, var, labels, b, V in blocks:
        k = len(labels)
        if k < 2:
            raise StataError(f"{var}: at least two levels are needed for a contrast", 198)
        # the joint test: every margin equal (k - 1 independent differences)
        L = np.zeros((k - 1, k))
        L[:, 0] = -1
        L[np.arange(k - 1), np.arange(1, k)] = 1
        rows = contrast_rows(op, labels) if op else []
        for lab, w in rows:
            c = float(w @ b)
            se = math.sqrt(max(float(w @ V @ w), 0.0))
            tests.append((var, lab, 1, *_test(np.atleast_2d(w), b, V, t_df)))
            ests.append((var, lab, c, se))
        tests.append((var, "Joint" if op else "", k - 1, *_test(L, b, V, t_df)))
    text = _layout(tests, ests, f_test, t_df, level)
    s.r = {
        "df": Matrix(
            np.array([[t[2] for t in tests]], float), ["r1"], [t[1] or t[0] for t in tests]
        ),
        "F" if f_test else "chi2": Matrix(
            np.array([[t[3] for t in tests]]), ["r1"], [t[1] or t[0] for t in tests]
        ),
        "p": Matrix(np.array([[t[4] for t in tests]]), ["r1"], [t[1] or t[0] for t in tests]),
        "level": level,
    }
    if f_test:
        s.r["df_r"] = float(t_df)
    if ests:
        s.r["b"] = Matrix(np.array([[e[2] for e in ests]]), ["y1"], [e[1] for e in ests])
    return [Block(text, f"<pre style='margin:0'>{text}</pre>", data=s.r)]


def _test(L: np.ndarray, b: np.ndarray, V: np.ndarray, df_r) -> tuple[float, float]:
    """Wald test of L b = 0: F (chi2 / rows, on the residual df) or chi2."""
    d = L @ b
    chi2 = float(d @ np.linalg.pinv(L @ V @ L.T) @ d)
    q = L.shape[0]
    if df_r is not None:
        F = chi2 / q
        return F, float(stats.f.sf(F, q, df_r))
    return chi2, float(stats.chi2.sf(chi2, q))


def _layout(tests, ests, f_test: bool, df_r, level: float) -> str:
    labels = [t[1] for t in tests] + [e[1] for e in ests]
    w = max([13, *(len(x) + 2 for x in labels), *(len(t[0]) + 1 for t in tests)])
    stat = "F" if f_test else "chi2"
    out = ["Contrasts of marginal linear predictions", "", "Margins: asbalanced", ""]
    out += [
        "-" * (w + 35),
        f"{'':{w}}|         df{stat:>12}{'P>' + stat:>11}",
        "-" * w + "+" + "-" * 34,
    ]
    last = None
    for term, lab, df, st, p in tests:
        cells = f"{df:>11}{fmt_f(st, 2):>12}{fmt_f(p, 4):>11}"
        if not lab:  # contrast x: the term's joint test on its own line
            out.append(f"{term:>{w - 1}} |{cells}")
            last = term
            continue
        if term != last:
            if last is not None:
                out.append(f"{'':{w}}|")
            out.append(f"{term:>{w - 1}} |")
            last = term
        out.append(f"{lab:>{w - 2}}  |{cells}")
    if f_test:
        out += [f"{'':{w}}|", f"{'Denominator':>{w - 1}} |{int(df_r):>11}"]
    out.append("-" * (w + 35))
    if ests:
        lvl = f"[{fmt_g(level, 9).strip()}% conf. interval]"
        q = stats.t.ppf(0.5 + level / 200, df_r) if f_test else stats.norm.ppf(0.5 + level / 200)
        out += [
            "",
            "-" * (w + 49),
            f"{'':{w}}|   Contrast   Std. err.     {lvl}",
            "-" * w + "+" + "-" * 48,
        ]
        last = None
        for term, lab, c, se in ests:
            if term != last:
                if last is not None:
                    out.append(f"{'':{w}}|")
                out.append(f"{term:>{w - 1}} |")
                last = term
            cells = f"{fmt_g(c, 9):>11}{fmt_g(se, 9):>11}"
            cells += f"{fmt_g(c - q * se, 9):>14}{fmt_g(c + q * se, 9):>12}"
            out.append(f"{lab:>{w - 2}}  |{cells}")
        out.append("-" * (w + 49))
    return "\n".join(line.rstrip() for line in out)
