"""``lincom`` ([R] lincom): a linear combination of the coefficients, its standard error, test
and interval; and the parser of linear forms in coefficient names that ``test`` shares.

A term is a coefficient (``homework``, ``1.schtype``, ``_b[homework]``, ``[math]homework``,
``[lns1_1_1]_cons``), optionally multiplied or divided by a number (``2*homework``,
``homework*2``, ``homework/2``), or a number. The estimate is R·b + c with variance R V R';
after ``regress`` the test is t on e(df_r) degrees of freedom, otherwise z.
"""

from __future__ import annotations

import math
import re

import numpy as np
from scipy import stats

from ..errors import StataError
from ..fit.estimates import T_COMMANDS, Estimates
from ..report.coeftable import CoefRow, CoefTable, Equation, stat_columns
from ..report.format import exp_or_inf, fmt_g
from ..report.output import Block, LazyBlock, Output
from ..syntax.ast import Command, Words
from .registry import command

__all__ = ["linear_form", "describe_constraint", "lincom", "ml_results"]

_NUM = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def _split_terms(text: str) -> list[str]:
    """Split at + and - outside brackets, keeping each sign with its term (and not splitting
    a number's exponent, 1e-3)."""
    terms, cur, depth = [], "", 0
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        exponent = re.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)[eE]", cur) is not None
        if ch in "+-" and depth == 0 and cur.strip() and not exponent:
            terms.append(cur)
            cur = ""
        cur += ch
    if cur.strip():
        terms.append(cur)
    return terms


def _coef(e: Estimates, ref: str) -> int:
    ref = ref.strip()
    m = re.fullmatch(r"_b\[(.+)\]", ref)
    if m:
        ref = m.group(1)
    m = re.fullmatch(r"\[([^\]]+)\](.+)", ref)
    if m:
        ref = f"{m.group(1)}:{m.group(2)}"
    i = e._index(ref)
    if i is None:
        raise StataError(f"{ref} not found", 111)
    return i


def linear_form(e: Estimates, text: str) -> tuple[np.ndarray, float]:
    """``text`` as R·b + c: the row R over e(b) and the constant c.

    Raises
    ------
    StataError
        r(111) for an unknown coefficient; r(198) for a term that is not linear.
    """
    row = np.zeros(len(e.b))
    const = 0.0
    body = text.replace(" ", "")
    if not body:
        raise StataError("expression required", 198)
    for term in _split_terms(body):
        sign = -1.0 if term.startswith("-") else 1.0
        t = term.lstrip("+-")
        if re.fullmatch(_NUM, t):
            const += sign * float(t)
            continue
        factor = 1.0
        m = re.fullmatch(rf"({_NUM})\*(.+)", t)
        if m:
            factor, t = float(m.group(1)), m.group(2)
        m = re.fullmatch(rf"(.+)\*({_NUM})", t)
        if m:
            t, factor = m.group(1), factor * float(m.group(2))
        m = re.fullmatch(rf"(.+)/({_NUM})", t)
        if m:
            t, factor = m.group(1), factor / float(m.group(2))
        # a free parameter (/b1, _b[/b1], as menl names them) is a coefficient, not a ratio
        bare = re.sub(r"\[[^\]]*\]", "", t)
        if re.fullmatch(r"/[A-Za-z_]\w*", t):
            bare = ""
        if not t or any(c in bare for c in "*/()^"):
            raise StataError(f"{term.strip()}: not a linear term; see nlcom", 198)
        row[_coef(e, t)] += sign * factor
    return row, const


def describe_constraint(e: Estimates, row: np.ndarray, const: float) -> str:
    """Stata's display of a constraint: ``2*homework - 1.schtype = 0``, coefficients of named
    equations as ``[math]homework``."""
    parts = []
    for j in np.flatnonzero(row):
        name = e.bnames[j]
        if ":" in name:
            eq, nm = name.split(":", 1)
            name = f"[{eq}]{nm}"
        c = row[j]
        mag = abs(c)
        body = name if mag == 1 else f"{fmt_g(mag, 9).strip()}*{name}"
        parts.append(("- " if c < 0 else "+ ") + body)
    text = " ".join(parts) if parts else "0"
    if text.startswith("+ "):
        text = text[2:]  # a leading minus keeps its blank: "- 1bn.educ + 2.educ = 0", as Stata
    return f"{text} = {fmt_g(-const, 9).strip() if const else '0'}"


_EFORM = {"or": "Odds ratio", "irr": "IRR", "hr": "Haz. ratio", "rrr": "RRR"}


def ml_results(s, command: str, instead: str) -> Estimates:
    """The active results of an ML fit, for ``command``; after the Bayesian commands r(321)
    pointing to ``instead`` (their own tool), and r(301) without results."""
    e = s.e
    if e is None:
        raise StataError("last estimates not found", 301)
    if not isinstance(e, Estimates):
        raise StataError(
            f"{command} is not available after Bayesian estimation; use {instead}", 321
        )
    return e


@command("lincom")
def lincom(s, cmd: Command) -> list[Output]:
    """``lincom exp [, level(#) eform or irr hr rrr]``."""
    e = ml_results(s, "lincom", "bayesstats summary with an expression")
    text = " ".join(cmd.body.words) if isinstance(cmd.body, Words) else ""
    row, const = linear_form(e, text)
    level = float(cmd.option("level", 95))
    eforms = [o.name for o in cmd.options if o.name in (*_EFORM, "eform")]
    if len(eforms) > 1:
        raise StataError(f"options {eforms[0]} and {eforms[1]} may not be combined", 198)
    eform = None
    if not eforms and e.cmd == "logistic":  # [R] lincom: or is the default after logistic
        eforms = ["or"]
    if eforms:
        eform = cmd.option("eform") if eforms[0] == "eform" else _EFORM[eforms[0]]
        eform = eform if isinstance(eform, str) and eform.strip() else "exp(b)"
    est = float(row @ e.b + const)
    se = float(math.sqrt(max(row @ e.V @ row, 0.0)))
    df_r = e.scalars.get("df_r") if e.cmd in T_COMMANDS else None
    stat = est / se if se > 0 else math.nan
    if df_r is not None:
        p = 2 * float(stats.t.sf(abs(stat), df_r)) if stat == stat else math.nan
        q = float(stats.t.ppf(0.5 + level / 200, df_r))
    else:
        p = 2 * float(stats.norm.sf(abs(stat))) if stat == stat else math.nan
        q = float(stats.norm.ppf(0.5 + level / 200))
    lo, hi = est - q * se, est + q * se
    s.r = {"estimate": est, "se": se, "p": p, "lb": lo, "ub": hi, "level": level}
    s.r["t" if df_r is not None else "z"] = stat
    if df_r is not None:
        s.r["df"] = float(df_r)
    shown = [est, se, stat, p, lo, hi]
    if eform:
        x = exp_or_inf(est)
        shown = [x, x * se, stat, p, exp_or_inf(lo), exp_or_inf(hi)]
    zt = "t" if df_r is not None else "z"
    ci = f"[{int(level) if level == int(level) else level}% conf. interval]"
    first = eform or "Coefficient"
    header, fmt_row, titles, cells = stat_columns(first, zt, ci)

    table = CoefTable(
        [Equation("", [CoefRow("(1)", shown)])],
        header,
        fmt_row,
        titles,
        cells,
        stub_title=e.macros.get("depvar", "").split()[0] if e.macros.get("depvar") else "",
    )
    constraint = f" ( 1)  {describe_constraint(e, row, const)}\n"
    return [
        Block(constraint, kind="result"),
        # the table follows the constraint's blank line: no second one in a log
        LazyBlock(lambda: (table.text(), table.html()), data=None, kind="text"),
    ]
