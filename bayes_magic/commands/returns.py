"""``return list`` and ``ereturn list`` ([P] return): the stored results ``r()`` of the last
r-class command and ``e()`` of the active estimation results, laid out as Stata lists them
(scalars, macros, matrices, functions; names right-aligned to column 22).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..matrix import Matrix
from ..report.output import Output, Text
from ..syntax.ast import Command
from .registry import command

__all__ = ["e_matrices", "listing"]


def _scalar_text(x: float) -> str:
    if x != x:
        return "."
    if float(x).is_integer() and abs(x) < 1e16:
        return str(int(x))
    text = format(float(x), ".16g")
    # Stata's %18.0g-style listing drops the 0 before the decimal point
    if text.startswith(("0.", "-0.")):
        text = text.replace("0.", ".", 1)
    return text


def listing(kind: str, items: dict[str, Any], functions: tuple[str, ...] = ()) -> str:
    """Stata's listing of stored results ``items`` (name -> number, string or Matrix)."""
    sections: dict[str, list[str]] = {"scalars": [], "macros": [], "matrices": []}
    for name, v in items.items():
        key = f"{kind}({name})"
        if isinstance(v, Matrix):
            r, c = v.shape
            sections["matrices"].append(f"{key:>22} :  {r} x {c}")
        elif isinstance(v, str):
            if v:  # Stata does not list empty macros
                sections["macros"].append(f'{key:>22} : "{v}"')
        elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            sections["scalars"].append(f"{key:>22} =  {_scalar_text(float(v))}")
    out: list[str] = []
    for title, lines in sections.items():
        if lines:
            out += ["", f"{title}:", *lines]
    if functions:
        out += ["", "functions:", *(f"{f'{kind}({f})':>22}" for f in functions)]
    return "\n".join(out)


def e_matrices(e: Any) -> dict[str, Matrix]:
    """The matrices of the active results: ``e(b)``, ``e(V)`` and, after the Bayesian commands,
    ``e(mean)``, ``e(sd)``, ``e(mcse)``, ``e(median)``, ``e(cri)``, ``e(Cov)``, ``e(ess)``
    ([BAYES] bayesmh, Stored results)."""
    names = list(e.bnames)
    out = {
        "b": Matrix(np.asarray(e.b, float).reshape(1, -1), ["y1"], names),
        "V": Matrix(np.atleast_2d(np.asarray(e.V, float)), names, names),
    }
    fit = getattr(e, "fit", None)
    if getattr(e, "cmd", None) == "regress" and (e.options or {}).get("beta"):
        # e(beta): the standardized coefficients over e(b)'s columns but the constant
        d = fit.design
        full = np.zeros(len(d.columns))
        full[d.coef_index] = fit.std_beta
        keep = [i for i, c in enumerate(d.columns) if c.name != "_cons"]
        out["beta"] = Matrix(full[keep].reshape(1, -1), ["y1"], [names[i] for i in keep])
    if getattr(e, "cmd", None) in ("ologit", "oprobit") or (
        getattr(e, "cmd", None) == "meglm" and getattr(fit, "values", None) is not None
    ):
        # e(cat): the outcome values, in order ([R] ologit, Stored results)
        cats = np.asarray(fit.values, float).reshape(1, -1)
        out["cat"] = Matrix(cats, ["r1"], [f"c{j + 1}" for j in range(cats.shape[1])])
    if getattr(e, "cmd", None) == "mlogit":
        # e(out): the outcome values, in order ([R] mlogit, Stored results)
        outs = np.asarray(fit.values, float).reshape(1, -1)
        out["out"] = Matrix(outs, ["r1"], [f"c{j + 1}" for j in range(outs.shape[1])])
    draws = getattr(e, "draws", None)
    levels = getattr(getattr(fit, "design", None), "levels", None)
    if draws is None and levels and getattr(e, "cmd", None) in ("mixed", "meglm"):
        # e(N_g), e(g_min), e(g_avg), e(g_max): one column per level, named by its variable
        # ([ME] mixed, [ME] meglm, Stored results; menl stores them as scalars)
        from .mixed_display import group_rows

        rows = group_rows(fit)
        cols = [r[0] for r in rows]
        for key, j in (("N_g", 1), ("g_min", 2), ("g_avg", 3), ("g_max", 4)):
            out[key] = Matrix(np.array([[float(r[j]) for r in rows]]), ["r1"], cols)
    if draws is None:
        return out
    from ..diagnostics.mcmc import ess_stata
    from .bayes_display import stats_of

    opts = e.options if isinstance(e.options, dict) else {}
    rows = np.array([stats_of(draws[:, :, j], opts) for j in range(draws.shape[2])])
    flat = draws.reshape(-1, draws.shape[2])
    ess = np.array([ess_stata(draws[:, :, j])[0] for j in range(draws.shape[2])])
    for k, col in (("mean", 0), ("sd", 1), ("mcse", 2), ("median", 3)):
        out[k] = Matrix(rows[:, col].reshape(1, -1), ["y1"], names)
    out["ess"] = Matrix(ess.reshape(1, -1), ["y1"], names)
    out["cri"] = Matrix(rows[:, 4:6].T.copy(), ["lower", "upper"], names)
    out["Cov"] = Matrix(np.atleast_2d(np.cov(flat, rowvar=False)), names, names)
    return out


@command("return", "list")
def return_list(s, cmd: Command) -> list[Output]:
    text = listing("r", s.r)
    return [Text(text)] if text else []


@command("ereturn", "list")
def ereturn_list(s, cmd: Command) -> list[Output]:
    e = s.e
    if e is None:
        return []
    items: dict[str, Any] = {}
    items.update(e.scalars)
    macros = dict(e.macros)
    macros.setdefault("cmd", e.cmd)
    macros.setdefault("cmdline", e.cmdline)
    items.update(macros)
    items.update(e_matrices(e))
    return [Text(listing("e", items, ("sample",)))]
