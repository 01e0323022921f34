"""``anova`` ([R] anova): analysis of variance and covariance.

Terms are categorical unless marked ``c.``; ``a##b`` expands to ``a b a#b`` in Stata's order and
``c|t`` nests ``c`` within ``t``. The fit is the linear regression of the same factor-variable
model (so ``regress`` replays its coefficients, and ``predict``, ``margins``, ``test`` and
``lincom`` work after it), and the table gives each term's partial (or, with ``sequential``,
type I) sum of squares from :func:`bayes_magic.fit.anova.term_sums_of_squares`, with its F test
against the residual mean square.
"""

from __future__ import annotations

from scipy import stats

from ..dataset.varnames import resolve
from ..dataset.weights import rescale_aweights
from ..design.anova import AnovaComponent, effect_block
from ..design.mixed import build_mixed_design
from ..errors import StataError
from ..fit.anova import NotEstimableError, blocks_rank, term_sums_of_squares
from ..fit.estimates import Estimates
from ..fit.ols import OLSFit, fit_ols
from ..report.format import fmt_f, fmt_g
from ..report.output import Block, Output, Text
from ..spec.model import build_mixed
from ..syntax.ast import (
    AnovaModel,
    AnovaTerm,
    Command,
    FactorVar,
    Interaction,
    MultilevelModel,
    Term,
    VarName,
)
from ..syntax.unparse import cmdline
from .estimates import replayer
from .registry import command
from .regress import _estimates

__all__ = ["anova_outputs"]

#: options Stata documents that this version refuses by name
_NOT_YET = {
    "repeated": "repeated-measures corrections (repeated())",
    "bse": "repeated-measures corrections (bse())",
    "bseunit": "repeated-measures corrections (bseunit())",
    "grouping": "repeated-measures corrections (grouping())",
    "dropemptycells": "dropemptycells",
    "noconstant": "noconstant",
}


class _Term:
    """One expanded term: its components, the factors it is nested in, and its label."""

    def __init__(self, parts: list[Term], within: tuple[Term, ...]) -> None:
        self.parts = parts
        self.within = within

    def key(self, ds) -> tuple:
        return (tuple(self.components(ds)), self.within_names(ds))

    def components(self, ds) -> list[AnovaComponent]:
        out = []
        for p in self.parts:
            if isinstance(p, VarName):
                out.append(AnovaComponent(resolve(ds, p.name, span=p.span)))
            elif isinstance(p, FactorVar) and p.op in ("i", "c"):
                out.append(AnovaComponent(resolve(ds, p.var, span=p.span), p.op == "c"))
            else:
                raise StataError("invalid term in anova", 198, span=getattr(p, "span", None))
        return out

    def within_names(self, ds) -> tuple[str, ...]:
        names = []
        for w in self.within:
            if isinstance(w, VarName):
                names.append(resolve(ds, w.name, span=w.span))
            elif isinstance(w, FactorVar) and w.op == "i":
                names.append(resolve(ds, w.var, span=w.span))
            else:
                raise StataError("only categorical variables may nest a term", 198)
        return tuple(names)

    def label(self, ds) -> str:
        comps = self.components(ds)
        many = len(comps) > 1
        text = "#".join(("c." if c.continuous and many else "") + c.var for c in comps)
        return "|".join([text, *self.within_names(ds)])

    def regress_term(self, ds) -> Term:
        """The term in ``regress``'s notation: nested terms are the interaction with the cells
        they sit in (``c|t`` is ``i.t#i.c``), as Stata's e(b) has them."""
        fv: list[Term] = [FactorVar("i", w) for w in self.within_names(ds)]
        for p, c in zip(self.parts, self.components(ds), strict=True):
            if isinstance(p, FactorVar) and not c.continuous:
                fv.append(p)  # keeps ib#. for e(b)'s base level
            else:
                fv.append(FactorVar("c" if c.continuous else "i", c.var))
        return fv[0] if len(fv) == 1 else Interaction(tuple(fv))


def _expand(terms: tuple[AnovaTerm, ...]) -> list[_Term]:
    out: list[_Term] = []
    for t in terms:
        if isinstance(t.term, Interaction):
            comps = list(t.term.terms)
            if t.term.full:  # a##b##c: a b a#b c a#c b#c a#b#c
                sets: list[list[Term]] = []
                for c in comps:
                    sets += [[c]] + [[*s, c] for s in sets]
                out += [_Term(s, t.within) for s in sets]
            else:
                out.append(_Term(comps, t.within))
        else:
            out.append(_Term([t.term], t.within))
    return out


def _row(label: str, width: int, ss: float, df: int, F: float | None, p: float | None) -> str:
    ms = ss / df if df > 0 else float("nan")
    tail = f"{fmt_f(F, 2):>10}{fmt_f(p, 4):>8}" if F is not None and F == F else "  "
    return f"{label:>{width}} | {fmt_g(ss, 10):>10}{df:>11}{fmt_g(ms, 10):>12}{tail}"


def _table(est: Estimates) -> str:
    sc, mac = est.scalars, est.macros
    labels = [mac[f"term_{k + 1}"] for k in range(int(sc["k_terms"]))]
    width = max(24, max((len(x) for x in labels), default=0))
    dashes = max(11, max((len(x) for x in labels), default=0) + 1)
    rule = " " * (width + 1 - dashes) + "-" * dashes + "+" + "-" * 52
    blank = " " * (width + 1) + "|"
    ss_name = "Partial SS" if mac.get("sstype") == "partial" else "Seq. SS"
    pad = " " * (width + 1)
    lines = [
        f"{pad}Number of obs = {fmt_g(sc['N'], 10, comma=True):>10}"
        f"    R-squared     = {fmt_f(sc['r2'], 4):>7}",
        f"{pad}Root MSE      = {_g6(sc['rmse']):>10}    Adj R-squared = {fmt_f(sc['r2_a'], 4):>7}",
        "",
        f"{'Source':>{width}} | {ss_name:>10}         df         MS        F    Prob>F",
        rule,
        _row("Model", width, sc["mss"], int(sc["df_m"]), sc["F"], _p(sc["F"], sc["df_m"], sc)),
        blank,
    ]
    for k, lab in enumerate(labels, start=1):
        F = sc.get(f"F_{k}", float("nan"))
        lines.append(
            _row(lab, width, sc[f"ss_{k}"], int(sc[f"df_{k}"]), F, _p(F, sc[f"df_{k}"], sc))
        )
    lines += [
        blank,
        _row("Residual", width, sc["rss"], int(sc["df_r"]), None, None),
        rule,
        _row("Total", width, sc["mss"] + sc["rss"], int(sc["df_m"] + sc["df_r"]), None, None),
    ]
    return "\n".join(ln.rstrip() for ln in lines)


def _g6(x: float) -> str:
    """Root MSE as ``anova`` prints it: six significant digits, no leading zero."""
    if x != x:
        return "."
    t = f"{x:.6g}"
    return t[1:] if t.startswith("0.") else t


def _p(F: float, df: float, sc: dict) -> float:
    if F != F or df <= 0:
        return float("nan")
    return float(stats.f.sf(F, df, sc["df_r"]))


def anova_outputs(est: Estimates) -> list[Output]:
    """The ANOVA table of an ``anova`` fit, as Stata prints it."""
    text = _table(est)
    return [Block(text, f"<pre style='margin:0'>{text}</pre>", data=est)]


@command("anova", byable="repeat")
def anova(s, cmd: Command) -> list[Output]:
    body = cmd.body
    assert isinstance(body, AnovaModel)
    if body.depvar is None:  # replay
        if s.e is None or getattr(s.e, "cmd", None) != "anova":
            raise StataError("last estimates not found", 301)
        if cmd.options:
            raise StataError(f"option {cmd.options[0].name} not allowed", 198)
        return anova_outputs(s.e)
    for name, what in _NOT_YET.items():
        if cmd.has(name):
            raise StataError(
                f"option {name} is not available in bayes_magic's anova yet ({what})", 198
            )
    if cmd.has("partial") and cmd.has("sequential"):
        raise StataError("options partial and sequential may not be combined", 184)
    ds = s.data
    terms: list[_Term] = []
    seen: set = set()
    for t in _expand(body.terms):
        comps = [c.var for c in t.components(ds)] + list(t.within_names(ds))
        if len(set(comps)) < len(comps):
            raise StataError(f"{t.label(ds)}: a variable may not be interacted with itself", 198)
        k = t.key(ds)
        if k not in seen:
            seen.add(k)
            terms.append(t)
    rcmd = Command(
        "regress",
        body=MultilevelModel(body.depvar, tuple(t.regress_term(ds) for t in terms), (), ()),
        if_=cmd.if_,
        in_=cmd.in_,
        weight=cmd.weight,
        text=cmd.text,
        span=cmd.span,
    )
    spec = build_mixed(rcmd)
    d = build_mixed_design(ds, spec, s.touse(cmd))
    fit = fit_ols(d, "ols")
    w = None if d.weights is None else d.weights.astype(float)
    if w is not None and d.weight_kind == "aweight":
        w = rescale_aweights(w)
    blocks = [
        effect_block(ds, d.sample, tuple(t.components(ds)), t.within_names(ds)) for t in terms
    ]
    if blocks_rank(d.y.size, blocks) != fit.df_m + 1:
        # a#b without a and b (or c|t without t): the effect coding of the terms does not
        # span the model that was fitted, so its sums of squares would be of another model
        raise StataError(
            "anova terms must include their lower-order terms in bayes_magic (a#b needs a and "
            "b, c|t needs t, a#c.x needs a and c.x); type a##b, or add them",
            198,
        )
    sstype = "sequential" if cmd.has("sequential") else "partial"
    try:
        ss = term_sums_of_squares(d.y.astype(float), w, blocks, sequential=sstype == "sequential")
    except NotEstimableError as exc:
        raise StataError(
            f"{terms[exc.k].label(ds)}: its partial sum of squares is not available in "
            "bayes_magic when an interaction containing it has empty cells (or its columns "
            "are collinear with other terms); the sequential option gives sequential sums "
            "of squares",
            198,
        ) from None
    est = _estimates(fit, rcmd, spec)
    est = _as_anova(est, fit, cmd, [t.label(ds) for t in terms], ss, sstype)
    est.ids = ds.ids[d.sample]
    s.e = est
    outs: list[Output] = [Text(n, kind="note") for n in d.notes]
    if d.weight_kind == "aweight" and d.weights is not None:
        outs.append(Text(f"(sum of wgt is {fmt_g(float(d.weights.sum()), 20, comma=True)})"))
    return outs + anova_outputs(est)


def _as_anova(
    est: Estimates,
    fit: OLSFit,
    cmd: Command,
    labels: list[str],
    ss: list[tuple[float, int]],
    sstype: str,
) -> Estimates:
    """Stata's stored results of ``anova`` over those of the regression ([R] anova, Stored
    results): e(ss_#), e(df_#), e(F_#) per term, e(term_#), e(sstype), e(varnames)."""
    est.cmd = "anova"
    est.cmdline = cmdline(cmd)
    est.options = {o.name: o.value for o in cmd.options}
    mse = fit.rss / fit.df_r if fit.df_r > 0 else float("nan")
    sc = est.scalars
    sc["k_terms"] = float(len(labels))
    for k, (lab, (ssk, dfk)) in enumerate(zip(labels, ss, strict=True), start=1):
        sc[f"ss_{k}"] = ssk
        sc[f"df_{k}"] = float(dfk)
        sc[f"F_{k}"] = ssk / dfk / mse if dfk > 0 and mse > 0 else float("nan")
        est.macros[f"term_{k}"] = lab
    est.macros.update(
        {
            "cmd": "anova",
            "sstype": sstype,
            "varnames": " ".join(dict.fromkeys(v for lab in labels for v in _vars(lab))),
        }
    )
    est.macros.pop("title", None)
    return est


def _vars(label: str) -> list[str]:
    return [p.removeprefix("c.") for q in label.split("|") for p in q.split("#")]


replayer("anova")(anova_outputs)
