"""The model summary and the table of a nonlinear (or multivariate) ``bayesmh`` model, in
Stata's layout ([BAYES] bayesmh): the likelihood with ``<expr1>``, priors and hyperpriors, the
expressions; rows in the order of the parameters, ``{eq:name}`` under its equation."""

from __future__ import annotations

from ..posterior import Posterior
from ..report.coeftable import CoefRow, Equation
from ..spec.bayes_nonlinear import BayesNonlinearModel

__all__ = ["nl_model_summary", "nl_table_equations"]

RULE = "-" * 78


def nl_model_summary(bm: BayesNonlinearModel) -> str:
    """``Model summary``: the likelihood with ``<expr1>``, priors, hyperpriors, the expression."""
    from .bayes_display import _aligned

    neq = len(bm.equations)
    lines = ["Model summary", RULE, "Likelihood:"]
    if bm.residual:
        exprs = ",".join(f"<expr{e + 1}>" for e in range(neq))
        lines.append(f"  {' '.join(bm.depvars)} ~ mvnormal({neq},{exprs},{{{bm.residual},m}})")
    else:
        for e, eq in enumerate(bm.equations):
            s2 = eq.sigma2
            x = f"<expr{e + 1}>"
            lik = (
                f"normal({x},{{{s2}}})"
                if isinstance(s2, str)
                else f"normal({x},{s2:g})"
                if s2 is not None
                else f"{bm.likelihood}({x})"
            )
            lines.append(f"  {eq.depvar} ~ {lik}")
    lines.append("")
    hyper_names = {p.name for p in bm.params if p.role == "hyper"}
    hyper_names |= {lv.matrix for lv in bm.levels if lv.matrix}
    priors: list[tuple[str, str, bool]] = []
    hyper: list[tuple[str, str, bool]] = []
    for shown, text in bm.prior_text:
        dist = text.replace(",matrix}", ",m}")
        for target, names in (
            (priors, [x for x in shown if x.strip("{}").split(",")[0] not in hyper_names]),
            (hyper, [x for x in shown if x.strip("{}").split(",")[0] in hyper_names]),
        ):
            for lhs in _merge_braces(names):
                target.append((lhs, dist, False))
    lines.append("Prior:" if len(priors) == 1 else "Priors:")
    lines += _aligned(priors)
    if hyper:
        lines += ["", "Hyperprior:" if len(hyper) == 1 else "Hyperpriors:"]
        lines += _aligned(hyper)
    lines += ["", "Expression:" if neq == 1 else "Expressions:"]
    lines += [f"  expr{e + 1} : {eq.text}" for e, eq in enumerate(bm.equations)]
    lines.append(RULE)
    return "\n".join(lines)


def _merge_braces(shown: list[str]) -> list[str]:
    """``{b1} {b2}`` as ``{b1 b2}`` and ``{xb:x1} {xb:x2}`` as ``{xb:x1 x2}``: one brace per
    equation, as Stata's model summary groups parameters."""
    out: list[tuple[str, list[str]]] = []
    for x in shown:
        inner = x.strip("{}")
        if "[" in inner or ",m" in inner or inner.endswith(":"):
            out.append(("\0", [x]))
            continue
        eq, _, name = inner.rpartition(":")
        if out and out[-1][0] == eq:
            out[-1][1].append(name)
        else:
            out.append((eq, [name]))
    return [
        names[0] if eq == "\0" else "{" + (f"{eq}:" if eq else "") + " ".join(names) + "}"
        for eq, names in out
    ]


def nl_table_equations(post: Posterior, values) -> list[Equation]:
    """Rows in the order of ``post.names``: ``{eq:name}`` under its equation, free parameters
    on their own."""
    eqs: list[Equation] = []
    for n in post.names:
        eq, _, short = n.rpartition(":")
        row = CoefRow(short, values(post.chains_of(n)), param=n)
        if eqs and eqs[-1].name == eq:
            eqs[-1].rows.append(row)
        else:
            eqs.append(Equation(eq, [row]))
    return eqs
