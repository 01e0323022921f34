"""``hausman`` ([R] hausman): Hausman's specification test.

``hausman consistent [efficient] [, constant df(#) force]`` (``force``: even after
``vce(robust)``, ``vce(cluster)`` or pweights) compares the coefficients the two
stored (or active, ``.``) results share in their first equation: with b the consistent and B the
efficient estimates, chi2 = (b-B)'(V_b-V_B)⁻¹(b-B) on the rank of V_b-V_B (a generalized
inverse when that difference is not positive definite, as Stata notes). Hausman (1978),
*Econometrica* 46: 1251-1271.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..errors import StataError
from ..fit.estimates import Estimates
from ..report.format import fmt_f, fmt_g
from ..report.output import Block, Output
from ..syntax.ast import Command, Words
from .estimates import resolve_names
from .registry import command

__all__ = ["hausman"]

_W = 78


def _first_equation(e: Estimates) -> dict[str, int]:
    """Short name -> e(b) index of the first equation's coefficients with a variance."""
    eq0 = e.bnames[0].rpartition(":")[0] if e.bnames else ""
    out: dict[str, int] = {}
    for i, n in enumerate(e.bnames):
        eq, _c, short = n.rpartition(":")
        if eq == eq0 and e.V[i, i] > 0:
            out[short] = i
    return out


def _cell(x: float, width: int) -> str:
    return f"{fmt_g(x, 9) if x == x else '.':>{width}}"


@command("hausman")
def hausman(s, cmd: Command) -> list[Output]:
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    if not words or len(words) > 2:
        raise StataError("hausman requires the names of the consistent and efficient results", 198)
    for o in ("sigmamore", "sigmaless", "alleqs", "skipeqs", "equations"):
        if cmd.has(o):
            raise StataError(f"option {o} is not available in bayes_magic's hausman yet", 198)
    if len(words) == 1:
        words.append(".")
    (na, a), (nb, b) = (resolve_names(s, [w])[0] for w in words)
    for e in (a, b):
        if not isinstance(e, Estimates):
            raise StataError("hausman is not available after Bayesian estimation", 321)
        robust = e.macros.get("vce") in ("robust", "cluster") or e.macros.get("wtype") == "pweight"
        if robust and not cmd.has("force"):
            # [R] hausman: the test needs the efficient estimator's usual variance
            raise StataError(
                "hausman cannot be used with vce(robust), vce(cluster cvar), or p-weighted "
                "data; specify force to run it anyway",
                198,
            )
    if cmd.option("df") is not None and int(cmd.option("df")) < 1:
        raise StataError("df() must be a positive integer", 198)
    if a is b:
        raise StataError("the consistent and efficient results are the same", 198)
    ca, cb = _first_equation(a), _first_equation(b)
    names = [n for n in ca if n in cb and (n != "_cons" or cmd.has("constant"))]
    if not names:
        raise StataError("no coefficients in common; specify equations() or constant", 498)
    ia, ib = [ca[n] for n in names], [cb[n] for n in names]
    bb, BB = a.b[ia], b.b[ib]
    Vd = a.V[np.ix_(ia, ia)] - b.V[np.ix_(ib, ib)]
    d = bb - BB
    # invsym's generalized inverse: V_b-V_B may be indefinite (then chi2 can be negative)
    w, U = np.linalg.eigh((Vd + Vd.T) / 2)
    tol = float(np.abs(w).max(initial=0.0)) * len(w) * np.finfo(float).eps * 10
    keep = np.abs(w) > tol
    rank = int(keep.sum())
    pd_ = bool(np.all(w > tol))
    ginv = (U[:, keep] / w[keep]) @ U[:, keep].T
    chi2 = float(d @ ginv @ d)
    df = int(cmd.option("df")) if cmd.option("df") is not None else rank
    p = float(stats.chi2.sf(chi2, df)) if df > 0 and chi2 >= 0 else float("nan")
    label_a = str(cmd.option("tconsistent") or na).strip().strip('"')
    label_b = str(cmd.option("tefficient") or nb).strip().strip('"')
    diag = np.diag(Vd)
    lines = [
        " " * 17 + "---- Coefficients ----",
        " " * 13 + "|      (b)          (B)            (b-B)     sqrt(diag(V_b-V_B))",
        " " * 13 + f"|  {label_a[:12]:^12} {label_b[:12]:^12}    Difference       Std. err.",
        "-" * 13 + "+" + "-" * 64,
    ]
    for k, n in enumerate(names):
        label = n if len(n) <= 12 else n[:10] + "~" + n[-1]
        se = float(np.sqrt(diag[k])) if diag[k] > 0 else float("nan")
        lines.append(
            f"{label:>12} | {_cell(bb[k], 11)}{_cell(BB[k], 13)}{_cell(d[k], 16)}{_cell(se, 16)}"
        )
    lines += [
        "-" * _W,
        f"{'b = Consistent under H0 and Ha; obtained from ' + a.cmd + '.':>{_W}}",
        f"{'B = Inconsistent under Ha, efficient under H0; obtained from ' + b.cmd + '.':>{_W}}",
        "",
        "Test of H0: Difference in coefficients not systematic",
        "",
        f"{f'chi2({df})':>11} = (b-B)'[(V_b-V_B)^(-1)](b-B)",
        f"{'':>11} = {fmt_f(chi2, 2):>6}",
    ]
    if chi2 < 0:  # Stata's warning instead of a p-value
        lines += [
            "chi2<0 ==> model fitted on these data fails to meet the asymptotic",
            "           assumptions of the Hausman test; see suest for a generalized test",
        ]
    else:
        lines.append(f"Prob > chi2 = {fmt_f(p, 4)}")
    if not pd_:
        lines.append("(V_b-V_B is not positive definite)")
    text = "\n".join(lines)
    s.r = {"chi2": chi2, "df": float(df), "p": p, "rank": float(rank)}
    return [Block(text, f"<pre style='margin:0'>{text}</pre>", data=s.r)]
