"""``nlcom`` ([R] nlcom): nonlinear combinations of the estimates by the delta method.

``nlcom exp``, ``nlcom name: exp`` or ``nlcom (name1: exp1) (name2: exp2) ...``: each
expression of ``_b[]`` (and ``_se[]``, stored results, numbers) is evaluated at e(b), its
gradient in e(b) by central differences, and the covariance of the combinations is G V G'.
After ``regress`` the tests and intervals use t on e(df_r), as Stata's; elsewhere z. Stores
``r(b)``, ``r(V)`` (and ``r(N)``, ``r(df_r)``); ``post`` makes the combinations the active
estimation results (``e(b)``, ``e(V)``, ``e(cmd)`` nlcom), for ``test`` and ``lincom``.
"""

from __future__ import annotations

import math
import re

import numpy as np
from scipy import stats

from ..dataset.evaluate import evaluate
from ..errors import StataError
from ..fit.estimates import OLS_COMMANDS, Estimates
from ..matrix import Matrix
from ..report.coeftable import CoefRow, CoefTable, Equation, stat_columns
from ..report.output import Block, LazyBlock, Output
from ..syntax.ast import Command, Words
from ..syntax.expr import parse_expr_text
from ..syntax.unparse import cmdline
from .data import scalar_context
from .lincom import ml_results
from .registry import command

_NAME = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*:(?!:)(.*)", re.S)


def _split(text: str) -> list[tuple[str | None, str]]:
    """``(n1: e1) (n2: e2)`` or one ``[name:] exp`` as (name, expression) pairs."""
    text = text.strip()
    parts: list[str] = []
    if text.startswith("("):
        depth, start = 0, 0
        for i, ch in enumerate(text):
            if ch == "(":
                depth += 1
                if depth == 1:
                    start = i + 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    parts.append(text[start:i])
            elif depth == 0 and not ch.isspace():
                parts = [text]  # one expression that merely starts with a parenthesis
                break
        if depth != 0:
            raise StataError("unmatched parentheses", 132)
    else:
        parts = [text]
    out: list[tuple[str | None, str]] = []
    for p in parts:
        m = _NAME.fullmatch(p)
        # a name followed by a colon, not a _b[eq:x] reference
        if m and "[" not in p[: p.index(":")]:
            out.append((m.group(1), m.group(2).strip()))
        else:
            out.append((None, p.strip()))
    if not out or any(not e for _n, e in out):
        raise StataError("expression required", 198)
    return out


_EQ_B = re.compile(r"(?<![\w\]])\[([^\]]+)\]_b\[([^\]]+)\]")
_EQ_NAME = re.compile(r"(?<![\w\]])\[([^\]]+)\]([A-Za-z_][\w.#]*)")


def _eq_refs(text: str) -> str:
    """Stata's ``[eq]x`` and ``[eq]_b[x]`` as ``_b[eq:x]`` ([R] nlcom, [R] test)."""
    return _EQ_NAME.sub(r"_b[\1:\2]", _EQ_B.sub(r"_b[\1:\2]", text))


@command("nlcom")
def nlcom(s, cmd: Command) -> list[Output]:
    """``nlcom [name:] exp [(name: exp) ...] [, level(#) df(#)]``."""
    e = ml_results(s, "nlcom", "bayesstats summary with an expression")
    text = cmd.body.words[0] if isinstance(cmd.body, Words) and cmd.body.words else ""
    typed = _split(text)
    pairs = [(n, _eq_refs(x)) for n, x in typed]
    # spans into the command line, so that errors point at the expression as typed (an
    # expression rewritten from [eq]x is parsed on its own)
    start = cmd.body.spans[0].start if isinstance(cmd.body, Words) and cmd.body.spans else 0
    source = getattr(cmd, "text", None)
    exprs = []
    for (_n, x), (_m, orig) in zip(pairs, typed):
        if source and x == orig and text.find(x) >= 0:
            exprs.append(parse_expr_text(x, source=source, offset=start + text.find(x)))
        else:
            exprs.append(parse_expr_text(x))
    names = [n or f"_nl_{k + 1}" for k, (n, _x) in enumerate(pairs)]
    b0 = np.asarray(e.b, float)
    V = np.asarray(e.V, float)
    cur = {"b": b0}
    used: set[int] = set()

    def lookup(kind: str, key: str):
        if kind == "_b":
            i = e._index(key)
            if i is None:
                return None
            used.add(i)
            return float(cur["b"][i])
        return s.lookup(kind, key)

    ctx = scalar_context(s)  # the expressions are scalars: one observation
    ctx.results = lookup

    def values(b: np.ndarray) -> np.ndarray:
        cur["b"] = b
        ctx.columns.clear()
        with np.errstate(all="ignore"):
            out = [evaluate(x, ctx) for x in exprs]
        if any(v.dtype == object for v in out):
            raise StataError("type mismatch", 109)
        return np.array([float(v[0]) for v in out])

    est = values(b0)
    for nm, v in zip(names, est):
        if not math.isfinite(v):
            raise StataError(f"expression ({nm}) evaluates to missing", 498)
    G = np.zeros((len(exprs), len(b0)))
    for i in sorted(used):
        h = 1e-6 * max(abs(b0[i]), 1.0)
        up, dn = b0.copy(), b0.copy()
        up[i] += h
        dn[i] -= h
        G[:, i] = (values(up) - values(dn)) / (2 * h)
    cur["b"] = b0
    Vn = G @ V @ G.T
    Vn = (Vn + Vn.T) / 2
    level = float(cmd.option("level", 95))
    df_r = cmd.option("df")
    if df_r is not None and float(df_r) <= 0:
        raise StataError("df() must be positive", 198)
    if df_r is None and e.cmd in (*OLS_COMMANDS, "mean"):
        df_r = e.scalars.get("df_r")
    if df_r is not None:
        q = float(stats.t.ppf(0.5 + level / 200, float(df_r)))
    else:
        q = float(stats.norm.ppf(0.5 + level / 200))
    rows = []
    for k, nm in enumerate(names):
        b, se = float(est[k]), math.sqrt(max(Vn[k, k], 0.0))
        z = b / se if se > 0 else math.nan
        if z != z:
            p = math.nan
        elif df_r is not None:
            p = 2 * float(stats.t.sf(abs(z), float(df_r)))
        else:
            p = 2 * float(stats.norm.sf(abs(z)))
        rows.append(CoefRow(nm, [b, se, z, p, b - q * se, b + q * se]))
    ci = f"[{int(level) if level == int(level) else level}% conf. interval]"
    header, fmt_row, titles, cells = stat_columns(
        "Coefficient", "t" if df_r is not None else "z", ci
    )
    depvar = str(e.macros.get("depvar", "")).split()
    table = CoefTable(
        [Equation("", rows)],
        header,
        fmt_row,
        titles,
        cells,
        stub_title=depvar[0] if depvar else "",
    )
    legend = "\n".join(f"{nm[:12]:>12}: {x}" for nm, (_n, x) in zip(names, typed))
    s.r = {
        "b": Matrix(est.reshape(1, -1), ["y1"], names),
        "V": Matrix(Vn, names, names),
        "N": float(e.scalars.get("N", math.nan)),
    }
    if df_r is not None:
        s.r["df_r"] = float(df_r)
    if cmd.has("post"):  # the combinations become the active results, with e()'s sample
        posted = Estimates(
            "nlcom",
            cmdline(cmd),
            list(names),
            est.copy(),
            Vn.copy(),
            e.sample.copy(),
            {"N": float(e.scalars.get("N", math.nan)), "rank": float(len(names))}
            | ({"df_r": float(df_r)} if df_r is not None else {}),
            {"cmd": "nlcom", "depvar": str(e.macros.get("depvar", ""))},
        )
        posted.ids = getattr(e, "ids", None)
        s.e = posted
    outs: list[Output] = [] if cmd.has("noheader") else [Block(legend + "\n", kind="result")]
    # after the legend's blank line the table needs no second one in a log
    kind = "text" if outs else "result"
    return [*outs, LazyBlock(lambda: (table.text(), table.html()), data=None, kind=kind)]
