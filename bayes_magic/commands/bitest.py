"""``bitest`` and ``bitesti`` ([R] bitest): exact binomial tests.

For k successes in n trials with assumed probability p: the one-sided p-values P(X ≥ k) and
P(X ≤ k), and the two-sided one P(X ≤ k₁) + P(X ≥ k₂), where the opposite tail starts at the
value nearest the centre on the other side of np whose probability does not exceed the observed
one's (relative tolerance 1e-7). With no such value the opposite tail is empty and the
two-sided p-value is the one-sided one, with a note. ``detail`` adds the probabilities of the
observed value, the opposite extreme and the value next to it. Layout and ``r()`` as Stata's
bitesti.ado.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..dataset.varnames import resolve
from ..errors import StataError
from ..report.format import abbrev, fmt_g
from ..report.output import Block, Output
from ..syntax.ast import Command, Words
from .immediate import typed_numbers
from .registry import command
from .summarize import weights

__all__ = ["bitest", "bitesti", "opposite_k"]


def opposite_k(n: int, k: int, p: float) -> int:
    """The first value of the opposite tail: −1 or n + 1 when that tail is empty."""
    if abs(p - 0.5) < 1e-7:
        return n - k
    pmf = stats.binom.pmf(np.arange(n + 1), n, p)
    limit = pmf[k] * (1 + 1e-7)
    if k > n * p:  # the opposite tail is below the centre: the largest value in it
        below = np.flatnonzero((np.arange(n + 1) <= n * p) & (pmf <= limit))
        below = below[below < k]
        return int(below.max()) if below.size else -1
    above = np.flatnonzero((np.arange(n + 1) >= n * p) & (pmf <= limit))
    above = above[above > k]
    return int(above.min()) if above.size else n + 1


def _line(col: int, left: str, coleq: int, p: float, note: str | None) -> str:
    text = " " * (col - 1) + left
    text += " " * max(1, coleq - 1 - len(text)) + f"= {p:8.6f}"
    return text + (f"  ({note})" if note else "")


def _report(s, n: int, k: int, p: float, xname: str | None, detail: bool) -> list[Output]:
    dist = stats.binom(n, p)
    p_u = float(dist.sf(k - 1))
    p_l = float(dist.cdf(k))
    kopp = opposite_k(n, k, p)
    col = 3
    head = " " * 8 + "N   Observed k   Expected k   Assumed p   Observed p"
    row = f"{n:9.0f}{k:11.0f}    {fmt_g(n * p, 9):>9}{p:14.5f}{k / n:13.5f}"
    if xname is not None:
        lines = ["", "    Variable |" + head, "-" * 13 + "+" + "-" * 60]
        lines.append(f"{abbrev(xname, 12):>12} |" + row)
    else:
        lines = ["", head, "-" * 60, row]
    r: dict[str, float] = {"p_u": p_u, "p_l": p_l, "N": float(n), "P_p": p, "k": float(k)}
    lines.append("")
    if kopp in (-1, n + 1):
        coleq = col + len(str(k)) + 10
        lines.append(_line(col, f"Pr(k >= {k})", coleq, p_u, "one-sided test"))
        lines.append(_line(col, f"Pr(k <= {k})", coleq, p_l, "one-sided test"))
        r["k_opp"] = math.nan
        upper = k > n * p
        r["p"] = p_u if upper else p_l
        sign = ">=" if upper else "<="
        lines.append(_line(col, f"Pr(k {sign} {k})", coleq, r["p"], "two-sided test"))
        lines += [
            "",
            " " * (col - 1) + f"note: {'lower' if upper else 'upper'} tail of "
            "two-sided p-value is empty",
        ]
    else:
        k1, k2 = min(k, kopp), max(k, kopp)
        r["p"] = min(1.0, float(dist.sf(k2 - 1) + dist.cdf(k1)))
        r["k_opp"] = float(kopp)
        coleq = col + len(f"{k1}{k2}") + 19
        lines.append(_line(col, f"Pr(k >= {k})", coleq, p_u, "one-sided test"))
        lines.append(_line(col, f"Pr(k <= {k})", coleq, p_l, "one-sided test"))
        lines.append(_line(col, f"Pr(k <= {k1} or k >= {k2})", coleq, r["p"], "two-sided test"))
    if detail:
        r["P_k"] = float(dist.pmf(k))
        lines += ["", _line(col, f"Pr(k == {k})", coleq, r["P_k"], "observed")]
        nopp = None
        if kopp not in (-1, n + 1):
            k1 = kopp - int(np.sign(kopp - k))
            if k1 not in (k, kopp):
                nopp = k1
        else:
            nopp = 0 if kopp == -1 else n
        if nopp is not None:
            r["k_nopp"] = float(nopp)
            r["P_noppk"] = float(dist.pmf(nopp))
            lines.append(_line(col, f"Pr(k == {nopp})", coleq, r["P_noppk"], None))
        if kopp not in (-1, n + 1):
            r["P_oppk"] = float(dist.pmf(kopp))
            lines.append(_line(col, f"Pr(k == {kopp})", coleq, r["P_oppk"], "opposite extreme"))
    s.r = r
    text = "\n".join(lines).lstrip("\n")  # the log puts one blank line first
    return [Block(text, f"<pre style='margin:0'>{text}</pre>", data=r)]


def _check(n: float, k: float, p: float) -> tuple[int, int, float]:
    if n != int(n) or n < 1:
        raise StataError("too few observations", 2001)
    n = int(n)
    if k != int(k):  # a proportion of successes, as bitesti reads it
        k = round(k * n)
    if not 0 <= k <= n:
        raise StataError("number of successes invalid", 450)
    if not 0 < p < 1:
        raise StataError("p invalid", 450)
    return n, int(k), p


@command("bitesti")
def bitesti(s, cmd: Command) -> list[Output]:
    """``bitesti #N #succ #p [, detail]``."""
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    if len(words) != 3:
        raise StataError("invalid syntax", 198)
    n, k, p = typed_numbers(words)
    return _report(s, *_check(n, k, p), None, cmd.has("detail"))


@command("bitest", byable="repeat", readonly=True)
def bitest(s, cmd: Command) -> list[Output]:
    """``bitest varname == #p [if] [in] [fweight] [, detail]``."""
    text = " ".join(cmd.body.words) if isinstance(cmd.body, Words) else ""
    left, sep, right = text.partition("==")
    if not sep:
        left, sep, right = text.partition("=")
    if not sep or not right.strip():
        raise StataError("= exp required", 198)
    v = resolve(s.data, left.strip())
    if s.data.is_string(v):
        raise StataError("type mismatch", 109)
    try:
        p = float(right)
    except ValueError:
        raise StataError(f"'{right.strip()}' found where number expected", 7) from None
    x = np.asarray(s.data.values(v), float)
    w, touse = weights(s, cmd, s.touse(cmd))
    use = touse & ~np.isnan(x)
    if not np.isin(x[use], (0.0, 1.0)).all():
        raise StataError(f"{v} is not a 0/1 variable", 450)
    ww = np.ones(int(use.sum())) if w is None else np.asarray(w, float)[use]
    n, k = float(ww.sum()), float((ww * x[use]).sum())
    return _report(s, *_check(n, k, p), v, cmd.has("detail"))
