"""``estimates`` ([R] estimates), ``lrtest`` ([R] lrtest) and ``test`` ([R] test)."""

from __future__ import annotations

import copy
import fnmatch
import math
import re

import numpy as np
from scipy import stats

from ..dataset.dataset import valid_name
from ..errors import StataError
from ..fit.estimates import T_COMMANDS, Estimates
from ..report.format import abbrev, check_format, fmt_f, fmt_g, fmt_number
from ..report.output import Block, Output, Rule, Text, html_table
from ..syntax.ast import Command, FactorVar, Interaction, Varlist, VarName, Words
from .estimates_files import describe_using
from .lincom import describe_constraint, linear_form, ml_results
from .registry import command

_REPLAY = {}


def replayer(cmd_name: str):
    """Register the display function used by ``estimates replay`` for a command's results."""

    def deco(f):
        _REPLAY[cmd_name] = f
        return f

    return deco


def replay_active(s, cmd: Command, name: str, allowed, outputs) -> list[Output]:
    """``cmd`` typed alone: the active results of ``name`` displayed again by ``outputs``
    under the display options typed now (``allowed``), as Stata's replay; r(301) without
    such results."""
    if s.e is None or getattr(s.e, "cmd", None) != name:
        raise StataError("last estimates not found", 301)
    bad = [o.name for o in cmd.options if o.name not in allowed]
    if bad:
        raise StataError(f"option {bad[0]} not allowed", 198)
    return outputs(s.e, {o.name: o.value for o in cmd.options})


def replay(est: Estimates) -> list[Output]:
    if est.cmd == "mixed":
        from .mixed import mixed_outputs

        return mixed_outputs(est, {k: v for k, v in est.options.items()})
    if est.cmd in ("bayes", "bayesmh"):
        from .bayes import display_options
        from .bayes_display import bayes_outputs

        return bayes_outputs(est, display_options({}), summaries=False)
    if est.cmd == "margins" and isinstance(est.fit, dict) and "shown" in est.fit:
        from ..report.output import LazyBlock

        text, html = est.fit["shown"]  # margins, post keeps its table
        return [LazyBlock(lambda: (text, html), data=None)]
    f = _REPLAY.get(est.cmd)
    if f is None:
        raise StataError(f"cannot replay {est.cmd} results", 321)
    return f(est)


def _words(cmd: Command) -> list[str]:
    return list(cmd.body.words) if isinstance(cmd.body, Words) else []


def resolve_names(s, names: list[str], *, allow_active: bool = True) -> list[tuple[str, Estimates]]:
    """Stored results by name; ``.`` is the active results; ``*`` wildcards; ``_all``."""
    out: list[tuple[str, Estimates]] = []
    if names in (["_all"], ["*"]):
        names = list(s.estimates)
    for n in names:
        if n == "." and allow_active:
            if s.e is None:
                raise StataError("last estimates not found", 301)
            out.append((".", s.e))
            continue
        hits = [k for k in s.estimates if fnmatch.fnmatchcase(k, n)]
        if not hits:
            raise StataError(f"estimation result {n} not found", 111)
        out += [(k, s.estimates[k]) for k in hits if (k, s.estimates[k]) not in out]
    return out


@command("estimates", "store")
def store(s, cmd: Command) -> list[Output]:
    (name,) = _words(cmd)
    # a Stata name of at most 27 characters (e(sample) is kept as the variable _est_name),
    # none of the reserved words such as _all ([U] 11.3)
    if len(name) > 27 or not valid_name(name):
        raise StataError(f"{name} invalid name", 198)
    if s.e is None:
        raise StataError("last estimates not found", 301)
    est = copy.copy(s.e)
    est.name = name
    s.estimates[name] = est
    s.e = est
    return []


@command("estimates", "restore")
def restore(s, cmd: Command) -> list[Output]:
    (name,) = _words(cmd)
    if name not in s.estimates:
        raise StataError(f"estimation result {name} not found", 111)
    s.e = s.estimates[name]
    return [Text(f"(results {name} are active now)")]


@command("estimates", "replay")
def replay_(s, cmd: Command) -> list[Output]:
    outs: list[Output] = []
    for name, est in resolve_names(s, _words(cmd) or ["."]):
        label = "active results" if name == "." else f"Model {name}"
        outs.append(Text("-" * 78 + f"\n{label}\n" + "-" * 78, kind="result"))
        outs += replay(est)
    return outs


@command("estimates", "dir")
def dir_(s, cmd: Command) -> list[Output]:
    items = resolve_names(s, _words(cmd) or list(s.estimates), allow_active=False)
    lines = [
        "-" * 64,
        "        Name | Command      Depvar       npar  Title",
        "-" * 13 + "+" + "-" * 50,
    ]
    rows = []
    for name, e in items:
        npar = int(e.scalars.get("k", len(e.b)))
        title = e.macros.get("title", "")
        lines.append(
            f"{name[:12]:>12} | {e.cmd[:12]:<12} {e.macros.get('depvar', '')[:12]:<12}"
            f"{npar:>5}  {title}"
        )
        rows.append([name, e.cmd, e.macros.get("depvar", ""), str(npar), title])
    lines.append("-" * 64)
    html = html_table(
        [["Name", "Command", "Depvar", "npar", "Title"]], rows, align=["r", "l", "l", "r", "l"]
    )
    return [Block("\n".join(line.rstrip() for line in lines), html)]


@command("estimates", "drop")
def drop(s, cmd: Command) -> list[Output]:
    for name, _ in resolve_names(s, _words(cmd), allow_active=False):
        del s.estimates[name]
    return []


@command("estimates", "clear")
def clear(s, cmd: Command) -> list[Output]:
    s.estimates = {}
    return []


@command("estimates", "describe")
def describe(s, cmd: Command) -> list[Output]:
    if cmd.using is not None:
        return describe_using(cmd)
    outs: list[Output] = []
    for name, e in resolve_names(s, _words(cmd) or ["."]):
        outs.append(
            Text(
                f"Estimation results {'' if name == '.' else name}\n\n"
                f"  command line:  . {e.cmdline}",
                kind="result",
            )
        )
    return outs


def _fmt_option(cmd: Command, name: str) -> str | None:
    """A format given with ``b(%9.3f)``, ``se(%9.3f)`` ...; None for the bare option."""
    v = cmd.option(name)
    if v is None or v is True or not str(v).strip():
        return None
    fmt = str(v).strip()
    check_format(fmt)
    return fmt


def _cell(x: float, fmt: str | None, width: int = 10) -> str:
    """A value in ``fmt``, or as estimates table shows it by default: eight significant
    digits (``.56220088``, ``-1.9977529`` in Stata 17's logs), the statistics in %9.0g."""
    return fmt_number(x, fmt).strip() if fmt else fmt_g(x, width)


def _free_label(coef: str, vw: int, cells: str) -> list[str]:
    """A long free parameter's label on two lines, broken after its parenthesis, the second
    reaching the bar with the group's name shortened (``var(`` / ``_cons[mot~r])``), as
    Stata 17 lays out ``var(_cons[mother])``."""
    import re

    first, rest = coef.split("(", 1)
    over = len(rest) - (vw + 1)
    m = re.search(r"\[([^\]]+)\]", rest)
    if over > 0 and m and len(m.group(1)) - over >= 3:
        rest = rest[: m.start(1)] + abbrev(m.group(1), len(m.group(1)) - over) + rest[m.end(1) :]
    return [f"{first + '(':>{vw}} |", f"{abbrev(rest, vw + 1):>{vw + 1}}|" + cells]


def _match(name: str, patterns: list[str]) -> bool:
    eq, _, coef = name.rpartition(":")  # regress's names have no equation
    for p in patterns:
        if p.startswith("/") and ":" not in p:  # a free parameter /cut1 is /:cut1
            p = "/:" + p[1:]
        if ":" in p:
            pe, _, pc = p.partition(":")
            if fnmatch.fnmatchcase(eq, pe) and fnmatch.fnmatchcase(coef, pc or "*"):
                return True
        elif fnmatch.fnmatchcase(coef, p) or fnmatch.fnmatchcase(coef.replace("b.", "."), p):
            return True
        elif p.startswith("i.") and re.fullmatch(rf"\d+[bno]*\.{re.escape(p[2:])}", coef):
            return True  # i.schtype: every level of the factor
    return False


def _stars(cmd: Command) -> list[float]:
    """``star[(#1 #2 #3)]``: the p-value thresholds of one, two and three stars (.05 .01 .001
    by default), from the largest down; none without the option."""
    if not cmd.has("star"):
        return []
    raw = cmd.option("star")
    words = [] if raw is True or raw is None else str(raw).replace(",", " ").split()
    try:
        levels = [float(w) for w in words] if words else [0.05, 0.01, 0.001]
    except ValueError:
        raise StataError(f"star({raw}) invalid: numbers expected", 198) from None
    if len(levels) > 3 or any(not 0 < x < 1 for x in levels):
        raise StataError(f"star({raw}) invalid: up to three levels between 0 and 1", 198)
    return sorted(levels, reverse=True)


def _pfmt(x: float) -> str:
    return f"{x:g}" if x >= 1e-4 else f"{x:.0e}"


def _merged_names(lists: list[list[str]]) -> list[str]:
    """The coefficients of several results in one list, as [R] estimates table merges them:
    equations in order of first appearance, and in each the coefficients in order of first
    appearance with ``_cons`` last."""
    eqs: dict[str, list[str]] = {}
    for names in lists:
        for n in names:
            eq = n.rpartition(":")[0]
            row = eqs.setdefault(eq, [])
            if n not in row:
                row.append(n)
    out: list[str] = []
    for row in eqs.values():
        cons = [n for n in row if n.rpartition(":")[2] == "_cons"]
        out += [n for n in row if n not in cons] + cons
    return out


#: the widest name column ``estimates table`` draws (Stata's widest line is 255 characters)
_MAX_VARWIDTH = 244


@command("estimates", "stats")
def stats_(s, cmd: Command) -> list[Output]:
    """``estimates stats [namelist] [, n(#)]`` ([R] estimates stats): AIC and BIC of each
    result (the active one by default), as ``estat ic`` lays them out."""
    from .estat import ic_table

    words = _words(cmd) or ["."]
    rows = []
    for name, e in resolve_names(s, words):
        if (
            not hasattr(e, "scalars")
            or "ll" not in e.scalars
            or getattr(e, "draws", None) is not None
        ):
            raise StataError(f"estimation result {name} has no log likelihood (e(ll))", 498)
        n = float(cmd.option("n", e.scalars.get("N", float("nan"))))
        rows.append(
            (
                name,
                n,
                float(e.scalars.get("ll_0", float("nan"))),
                e.scalars["ll"],
                int(e.scalars.get("rank", len(e.b))),
            )
        )
    import math as _m

    from ..matrix import Matrix

    S = np.array(
        [
            [n, ll0, ll, df, -2 * ll + 2 * df, -2 * ll + _m.log(n) * df]
            for _nm, n, ll0, ll, df in rows
        ]
    )
    s.r = {"S": Matrix(S, [nm for nm, *_ in rows], ["N", "ll0", "ll", "df", "AIC", "BIC"])}
    return [ic_table(rows, user_n=cmd.option("n") is not None)]


@command("estimates", "table")
def table(s, cmd: Command) -> list[Output]:
    """``estimates table [names] [, b[(%fmt)] se[(%fmt)] t[(%fmt)] p[(%fmt)] stats(...)
    stfmt(%fmt) keep(coeflist) drop(coeflist) varwidth(#) eform]`` ([R] estimates table):
    ``eform`` shows exp(b) with standard errors exp(b)·se (t and p unchanged), the variance
    components' equations as they are; p from t on e(df_r) when the results have it."""
    for o in ("varlabel", "newpanel", "style", "coded", "equations"):
        if cmd.has(o):  # parsed, not yet drawn: say so rather than ignore it
            raise StataError(
                f"option {o} of estimates table is not available in bayes_magic yet", 198
            )
    items = resolve_names(s, _words(cmd) or ["."])
    bfmt = _fmt_option(cmd, "b")
    # [R] estimates table: se in b's format unless given; t in %7.2f, p in %4.3f
    default = {"se": bfmt, "t": "%7.2f", "p": "%4.3f"}
    extra = [(k, _fmt_option(cmd, k) or default[k]) for k in ("se", "t", "p") if cmd.has(k)]
    stars = _stars(cmd)
    if stars and extra:
        raise StataError("option star not allowed with se, t, or p", 198)
    stfmt = _fmt_option(cmd, "stfmt")
    want_stats = str(cmd.option("stats", "")).split()
    keep = str(cmd.option("keep", "")).split()
    drop = str(cmd.option("drop", "")).split()
    names: list[str] = []
    # a model without equation names (regress) joins the others' equation of its dependent
    # variable, so that its coefficients line up with theirs (mixed's math:homework)
    eq_names = {n.rpartition(":")[0] for _, e in items for n in e.bnames if ":" in n}
    shown = []
    for _, e in items:
        dep = str(e.macros.get("depvar", "")).split()[:1]
        plain = all(":" not in n for n in e.bnames)
        if plain and dep and dep[0] in eq_names:
            shown.append([f"{dep[0]}:{n}" for n in e.bnames])
        else:
            shown.append(list(e.bnames))
    every = _merged_names(shown)
    # keep() lists the coefficients in its own order ([R] estimates table)
    for pats in [[p] for p in keep] if keep else [None]:
        found = [n for n in every if pats is None or _match(n, pats)]
        if pats is not None and not found:
            raise StataError(f"keep(): coefficient {pats[0]} not found", 111)
        names += [n for n in found if n not in names and not _match(n, drop)]
    heads = ["Active" if n == "." else n for n, _ in items]
    w = 15 if stars else 12  # three places for the stars
    vw = int(cmd.option("varwidth", 12) or 12)
    if not 1 <= vw <= _MAX_VARWIDTH:
        raise StataError(f"varwidth() must be between 1 and {_MAX_VARWIDTH}", 198)
    rule_n = vw + 2 + (w + 1) * len(items)

    def cols(cells: list[str]) -> str:
        # Stata 17 right-aligns a value two columns short of the column's end (hospmle.html)
        if stars:
            return "".join(f"{c:>{w}} " for c in cells)
        # a cell as wide as the column (b(%12.4f)) takes the last place too
        return "".join(f"{c:>{w - 1}}  " if len(c) < w else f"{c:>{w}} " for c in cells)

    def centred(h: str) -> str:
        h = h[:w]
        left = (w + 1 - len(h)) // 2
        return " " * left + h + " " * (w + 1 - left - len(h))

    lines = [
        "-" * rule_n,
        f"{'Variable'[:vw]:>{vw}} |" + "".join(centred(h) for h in heads),
        "-" * (vw + 1) + "+" + "-" * ((w + 1) * len(items)),
    ]
    hrows: list = []
    last_eq = None
    for n in names:
        eq, _, coef = n.rpartition(":")  # regress's and menl's names have no equation
        if eq != last_eq:
            if last_eq is not None:
                lines.append("-" * (vw + 1) + "+" + "-" * ((w + 1) * len(items)))
                hrows.append(Rule())
            if eq and eq != "/":  # free parameters (/cut1, var(...)) have no heading
                lines.append(f"{eq[:vw]:<{vw}} |")
                hrows.append(eq)
            last_eq = eq
        cells: list[str] = []
        more: dict[str, list[str]] = {k: [] for k, _ in extra}
        for names_e, (_, e) in zip(shown, items):
            if n not in names_e:
                cells.append("")
                for k, _ in extra:
                    more[k].append("")
                continue
            i = names_e.index(n)
            b = float(e.b[i])
            base = "b." in coef or "o." in coef
            se = float(np.sqrt(e.V[i, i])) if e.V[i, i] > 0 else float("nan")
            z = b / se if se == se and se > 0 else float("nan")
            df_r = e.scalars.get("df_r") if e.cmd in T_COMMANDS else None
            p = 2 * (stats.t.sf(abs(z), df_r) if df_r else stats.norm.sf(abs(z)))
            vals = {"se": se, "t": z, "p": p if z == z else z}
            dep = str(e.macros.get("depvar", "")).split()
            if cmd.has("eform") and not (_auxiliary(eq) and eq not in dep):
                b = math.exp(b) if not base else 1.0
                vals["se"] = b * se
            mark = ""
            if stars and not base and vals["p"] == vals["p"]:
                mark = "*" * sum(vals["p"] < lev for lev in stars)
            cell = f"{_cell(b, bfmt):>{w - 3}}{mark:<3}" if stars else _cell(b, bfmt)
            cells.append(("(base)" if "b." in coef else "(omitted)") if base else cell)
            for k, f in extra:
                more[k].append("" if base else _cell(vals[k], f))
        if eq == "/" and len(coef) > vw and "(" in coef:
            lines += _free_label(coef, vw, cols(cells))
        elif eq == "/" and "(" not in coef:  # a cutpoint: /cut1, as Stata shows it
            lines.append(f"{abbrev('/' + coef, vw):>{vw}} |" + cols(cells))
        else:
            lines.append(f"{abbrev(coef, vw):>{vw}} |" + cols(cells))
        hrows.append([coef, *cells])
        for k, _ in extra:
            lines.append(f"{'':>{vw}} |" + cols(more[k]))
            hrows.append(["", *more[k]])
    if want_stats:
        lines.append("-" * (vw + 1) + "+" + "-" * ((w + 1) * len(items)))
        hrows.append(Rule())
        for st in want_stats:
            cells = []
            for _, e in items:
                ll = e.scalars.get("ll", np.nan)
                k = e.scalars.get("rank", len(e.b))
                v = {
                    "aic": -2 * ll + 2 * k,
                    "bic": -2 * ll + np.log(e.scalars.get("N", 1)) * k,
                }.get(st, e.scalars.get(st, np.nan))
                cells.append(_cell(v, stfmt, width=9))
            lines.append(f"{st[:vw]:>{vw}} |" + cols(cells))
            hrows.append([st, *cells])
    lines.append("-" * rule_n)
    if extra:
        legend = "Legend: b/" + "/".join(k for k, _ in extra)
        lines.append(f"{legend:>{rule_n}}")
    if stars:
        legend = "; ".join(f"{'*' * (k + 1)} p<{_pfmt(lev)}" for k, lev in enumerate(stars))
        lines.append(f"{'Legend: ' + legend:>{rule_n}}")
    return [
        Block("\n".join(line.rstrip() for line in lines), html_table([["Variable", *heads]], hrows))
    ]


def _auxiliary(eq: str) -> bool:
    """Equations eform leaves as they are: variance components, cutpoints, ln(alpha)."""
    return eq.startswith(("lns", "atr", "lnsig", "/", "cut", "lnalpha"))


@command("lrtest")
def lrtest(s, cmd: Command) -> list[Output]:
    words = _words(cmd)
    if len(words) == 1:
        words.append(".")
    if len(words) != 2:
        raise StataError("lrtest compares two models", 198)
    (na, a), (nb, b) = (resolve_names(s, [w])[0] for w in words)
    # the active results go by the name they are stored under, as Stata's log shows
    # ("lrtest ols ." after estimates store ri: "Assumption: ols nested within ri")
    stored = next((k for k, v in s.estimates.items() if v is s.e), None)
    na, nb = (stored if n == "." and stored else n for n in (na, nb))
    for e in (a, b):
        if "ll" not in e.scalars:
            raise StataError(f"{e.cmd} does not report a log likelihood", 498)
        if e.macros.get("vce") in ("robust", "cluster", "hc2", "hc3") and not cmd.has("force"):
            # a pseudolikelihood ratio has no chi² distribution ([R] lrtest)
            raise StataError("LR test likely invalid for models with robust vce", 498)
    # [R] lrtest: the same estimator (unless force) and the same dependent variable
    if not cmd.has("force"):
        if a.cmd != b.cmd:
            raise StataError(f"test involves different estimators: {a.cmd} vs. {b.cmd}", 498)
        da, db = a.macros.get("depvar"), b.macros.get("depvar")
        if da != db:
            raise StataError(f"dependent variables differ: {da} vs. {db}", 498)
    ma, mb = a.macros.get("method"), b.macros.get("method")
    if (ma == "REML") != (mb == "REML"):
        raise StataError(
            "cannot compare a REML fit with an ML fit; refit both models with the same method",
            498,
        )
    if ma == "REML" or mb == "REML":
        fa = [n for n in a.bnames if not n.startswith(("lns", "atr", "lnsig"))]
        fb = [n for n in b.bnames if not n.startswith(("lns", "atr", "lnsig"))]
        if fa != fb:
            raise StataError(
                "LR tests based on REML are valid only when the fixed-effects specification "
                "is identical for both models",
                498,
            )
    if a.scalars.get("N") != b.scalars.get("N"):
        raise StataError("observations differ: the models were fit on different samples", 498)
    ka, kb = a.scalars.get("rank", len(a.b)), b.scalars.get("rank", len(b.b))
    big, small = (a, b) if ka >= kb else (b, a)
    nbig, nsmall = (na, nb) if ka >= kb else (nb, na)
    df = int(abs(ka - kb))
    if df == 0:
        raise StataError("df(unrestricted) = df(restricted) = " + str(int(ka)), 498)
    chi2 = 2 * (big.scalars["ll"] - small.scalars["ll"])
    p = float(stats.chi2.sf(max(chi2, 0.0), df))
    s.r = {"chi2": chi2, "df": df, "p": p}
    lines = [
        "Likelihood-ratio test",
        f"Assumption: {nsmall} nested within {nbig}",
        "",
        # "= " and the value in six columns: " LR chi2(3) =  52.93" (grodri.github.io
        # multilevel/oxboys.html, Stata 17)
        f"{f'LR chi2({df}) =':>13} {fmt_f(chi2, 2):>6}",
        f"Prob > chi2 = {fmt_f(p, 4):>6}",
    ]
    if big.cmd in ("mixed", "meglm", "menl"):
        lines += [
            "",
            "Note: The reported degrees of freedom assumes the null hypothesis is not on",
            "      the boundary of the parameter space. If this is not true, then the",
            "      reported test is conservative.",
        ]
    return [Block("\n".join(lines), kind="result")]


@command("test")
def test(s, cmd: Command) -> list[Output]:
    """``test`` ([R] test) with ``accumulate`` (jointly with the previous test's constraints),
    ``notest`` (constraints only) and ``df(#)`` (an F test on # denominator df)."""
    if s.e is None:
        raise StataError("last estimates not found", 301)
    for o in ("mtest", "coef", "common", "constant", "minimum", "small"):
        if cmd.has(o):
            raise StataError(f"test, {o} is not available in bayes_magic yet", 198)
    return _wald(
        s,
        " ".join(_words(cmd)),
        accumulate=cmd.has("accumulate"),
        notest=cmd.has("notest"),
        df_r=cmd.option("df"),
    )


@command("testparm")
def testparm(s, cmd: Command) -> list[Output]:
    """``testparm varlist [, equal df(#)]`` ([R] test): every coefficient of the variables is
    zero, or with ``equal`` all equal; ``i.x`` stands for the coefficients of x's levels other
    than the base."""
    if s.e is None:
        raise StataError("last estimates not found", 301)
    e = s.e
    if not isinstance(e, Estimates):
        return _wald(s, "")  # refused there, as test
    body = cmd.body
    terms = body.terms if isinstance(body, Varlist) else ()
    if not terms:
        raise StataError("varlist required", 100)
    names: list[str] = []
    shorts = [b.split(":", 1)[-1] for b in e.bnames]
    for t in terms:
        if isinstance(t, VarName) or (isinstance(t, FactorVar) and t.op == "c"):
            var = t.name if isinstance(t, VarName) else t.var
            hits = [n for n in shorts if n == var]
        elif isinstance(t, FactorVar) and t.op == "i":
            pat = re.compile(rf"\d+[n]?\.{re.escape(t.var)}")
            hits = [n for n in shorts if pat.fullmatch(n)]
        elif isinstance(t, Interaction):
            # a#b: the interaction's coefficients that are estimated (no b. or o. level);
            # a##b: those of a, b and a#b
            hits = []
            for sub in _interaction_terms(t):
                pat = re.compile("#".join(_piece(p) for p in sub))
                hits += [n for n in shorts if pat.fullmatch(n) and n not in hits]
        else:
            raise StataError("testparm: this term is not available in bayes_magic yet", 198)
        if not hits:
            from ..syntax.unparse import unparse_term

            shown = t.name if isinstance(t, VarName) else getattr(t, "var", None)
            raise StataError(f"variable {shown or unparse_term(t)} not found", 111)
        names += [n for n in hits if n not in names]
    if cmd.has("equal"):  # every coefficient equal to the first (testparm.ado's tests)
        if len(names) < 2:
            raise StataError("too few variables specified", 102)
        first = names[0]
        return _wald(s, " ".join(f"({n} = {first})" for n in names[1:]), df_r=cmd.option("df"))
    return _wald(s, " ".join(names), df_r=cmd.option("df"))


def _interaction_terms(t) -> list[list]:
    """``a##b`` as ``a``, ``b``, ``a#b`` (Stata's expansion); ``a#b`` as itself."""
    if not t.full:
        return [list(t.terms)]
    sets: list[list] = []
    for c in t.terms:
        sets += [[c]] + [[*x, c] for x in sets]
    return sets


def _piece(p) -> str:
    """The pattern of one piece of an e(b) name: an estimated level of ``i.x`` or ``c.x``."""
    if isinstance(p, FactorVar) and p.op == "c":
        return rf"(?:c\.)?{re.escape(p.var)}"
    var = p.var if isinstance(p, FactorVar) else p.name  # a bare name in a#b is a factor
    return rf"\d+n?\.{re.escape(var)}"


def _equation_form(e: Estimates, text: str) -> str:
    """``test [eq]``, ``test [eq]: varlist`` (the coefficients are zero) and ``test
    [eq1=eq2]``, ``test [eq1=eq2]: varlist`` (equal across the equations; all the names the
    two share without a varlist) written as one hypothesis per coefficient ([R] test)."""
    m = re.fullmatch(r"\s*\[([^\]=]+?)(?:=([^\]]+?))?\]\s*(?::\s*(.*?))?\s*", text)
    if m is None:
        return text
    eq1, eq2, given = m.group(1).strip(), m.group(2), m.group(3)
    eq2 = eq2.strip() if eq2 else None

    def names_of(eq: str) -> list[str]:
        found = [n.split(":", 1)[1] for n in e.bnames if n.split(":", 1)[0] == eq]
        if not found:
            raise StataError(f"equation [{eq}] not found", 303)
        # base and omitted terms are not coefficients to test
        return [n for n in found if not re.search(r"(?:^|#|\d)[bo]+\.|^o\.", n)]

    first = names_of(eq1)
    if given is not None and given.strip():
        names = given.split()
    elif eq2 is not None:
        other = names_of(eq2)
        names = [n for n in first if n in other]
    else:
        names = first
    if not names:
        raise StataError("no coefficients to test", 198)
    if eq2 is None:
        return " ".join(f"([{eq1}]{n})" for n in names)
    return " ".join(f"([{eq1}]{n} = [{eq2}]{n})" for n in names)


def _wald(
    s, text: str, *, accumulate: bool = False, notest: bool = False, df_r: int | None = None
) -> list[Output]:
    """The Wald test of the hypotheses written in ``text`` (``test``'s syntax); with
    ``accumulate`` together with the previous test's constraints on the same results."""
    e = ml_results(s, "test", "bayestest interval or bayestest model")
    text = _equation_form(e, text)
    # each hypothesis: "coef" (= 0) or "lhs = rhs" with linear terms in coefficient names
    hyps = [h for h in re.split(r"\)\s*\(", text.strip().strip("()")) if h.strip()]
    if len(hyps) == 1 and "=" not in hyps[0]:
        hyps = hyps[0].split()
    # exp = exp = exp: the first equal to each of the others ([R] test)
    chained = []
    for h in hyps:
        sides = h.split("=")
        chained += [f"{sides[0]}={x}" for x in sides[1:]] if len(sides) > 2 else [h]
    hyps = chained
    R, r, desc = [], [], []
    for h in hyps:
        lhs, eq, rhs = h.partition("=")
        if eq and not rhs.strip():  # test x= and test x==1 are errors, as in Stata
            raise StataError("= invalid: an expression must follow it", 198)
        rl, cl = linear_form(e, lhs)
        rr, cr = linear_form(e, rhs) if rhs.strip() else (np.zeros(len(e.b)), 0.0)
        R.append(rl - rr)
        r.append(cr - cl)
        desc.append(describe_constraint(e, rl - rr, cl - cr))
    prev = s.test_constraints
    if accumulate and prev is not None and prev[0] is e:
        R, r, desc = [*prev[1], *R], [*prev[2], *r], [*prev[3], *desc]
    s.test_constraints = (e, list(R), list(r), list(desc))
    R_ = np.array(R)
    r_ = np.array(r)
    # Stata drops constraints that are implied by earlier ones or that involve only coefficients
    # without variance (base and omitted levels): "Constraint k dropped"
    kept: list[int] = []
    for i in range(len(R_)):
        trial = R_[[*kept, i]]
        M = trial @ e.V @ trial.T
        w = np.linalg.eigvalsh(M) if len(M) else np.zeros(0)
        scale = max(float(np.trace(M)), 1e-300)
        if len(w) and w.min() > 1e-12 * scale and np.any(trial[-1] != 0):
            kept.append(i)
    dropped = [i for i in range(len(R_)) if i not in kept]
    df = len(kept)
    if df:
        Rk = R_[kept]
        nz = np.flatnonzero(np.any(Rk != 0, axis=0))  # ignore e(b) entries no constraint touches
        diff = Rk[:, nz] @ e.b[nz] - r_[kept]
        V = Rk @ e.V @ Rk.T
        chi2 = float(diff @ np.linalg.solve(V, diff))
        p = float(stats.chi2.sf(chi2, df))
    else:
        chi2 = p = float("nan")
    # nlcom, post keeps the df of regress and anova
    if df_r is None and e.cmd in T_COMMANDS:
        df_r = e.scalars.get("df_r")
    lines = [f" ({k + 1:>2})  {d}" for k, d in enumerate(desc)]  # Stata: " ( 1)  x = 0"
    if dropped:
        lines.append("")
        lines += [f"       Constraint {i + 1} dropped" for i in dropped]
    if notest:
        return [Block("\n".join(lines), kind="result")]
    if df_r is not None:  # regress: the F test on the residual degrees of freedom
        F = chi2 / df if df else float("nan")
        pF = float(stats.f.sf(F, df, df_r)) if df else float("nan")
        s.r = {"F": F, "df": df, "df_r": float(df_r), "p": pF, "drop": float(bool(dropped))}
        lines += [
            "",
            f"{'F(' + format(df, '3d') + ',' + format(int(df_r), '6d') + ') =':>22} "
            f"{fmt_f(F, 2):>7}",
            f"{'Prob > F =':>22} {fmt_f(pF, 4):>9}",
        ]
        return [Block("\n".join(lines), kind="result")]
    s.r = {"chi2": chi2, "df": df, "p": p, "drop": float(bool(dropped))}
    lines += [
        "",
        f"{'chi2(' + format(df, '3d') + ') =':>22} {fmt_f(chi2, 2):>7}",
        f"{'Prob > chi2 =':>22} {fmt_f(p, 4):>9}",
    ]
    return [Block("\n".join(lines), kind="result")]
