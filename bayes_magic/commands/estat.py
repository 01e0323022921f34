"""``estat`` after ``mixed`` ([ME] mixed postestimation, [ME] estat sd, [R] estat ic,
[R] estat summarize)."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
from scipy import stats

from ..errors import StataError
from ..fit.mixed import MixedFit
from ..matrix import Matrix
from ..report.format import fmt_g
from ..report.output import Block, Output, html_table
from ..syntax.ast import Command, Varlist
from . import mixed_display as D
from .registry import command


def _mixed_fit(s, *, menl: bool = False) -> MixedFit:
    """The fit of ``mixed`` or of an ``me*`` command (whose fit has the same shape); with
    ``menl``, also the last LME step of a ``menl`` fit (its variance components)."""
    if s.e is None:
        raise StataError("last estimates not found", 301)
    if menl and s.e.cmd == "menl":
        return s.e.fit.lme
    if s.e.cmd not in ("mixed", "meglm"):
        raise StataError(f"estat: not available after {s.e.cmd}", 321)
    return s.e.fit


#: the variance of the latent residual of binary-outcome models ([ME] estat icc): logistic
#: π²/3, standard normal 1, extreme-value π²/6
_LATENT_VAR = {"logit": math.pi**2 / 3, "probit": 1.0, "cloglog": math.pi**2 / 6}


@command("estat", "sd")
def estat_sd(s, cmd: Command) -> list[Output]:
    fit = _mixed_fit(s, menl=True)
    level = float(s.e.options.get("level", 95))
    if cmd.has("verbose") and s.e.cmd == "mixed":
        from .mixed import mixed_outputs

        return mixed_outputs(s.e, {"stddeviations": not cmd.has("variance"), "noheader": True})
    rows = D.re_rows(fit, level, sd=not cmd.has("variance"))
    s.r = {"level": level}
    return [Block(D.re_table_text(rows, level), D.re_table_html(rows, level))]


@command("estat", "group")
def estat_group(s, cmd: Command) -> list[Output]:
    fit = _mixed_fit(s, menl=True)
    lines = D.grouping_table(D.group_rows(fit), titled=False)
    rows = [
        [n, f"{g:,}", f"{mn:,}", f"{avg:.1f}", f"{mx:,}"] for n, g, mn, avg, mx in D.group_rows(fit)
    ]
    html = html_table([["Group variable", "No. of groups", "Minimum", "Average", "Maximum"]], rows)
    return [Block("\n".join(lines), html)]


def ic_table(rows: list[tuple[str, float, float, float, int]], *, user_n: bool = False) -> Block:
    """Stata's ``estat ic`` / ``estimates stats`` table: name, N, ll(null), ll(model), df; the
    footnote on N unless ``n()`` gave it (estimates.ado, Stats)."""
    head = [
        "Akaike's information criterion and Bayesian information criterion",
        "",
        "-" * 77,
        "       Model |          N   ll(null)  ll(model)      df        AIC        BIC",
        "-------------+" + "-" * 63,
    ]
    body, hrows = [], []
    for name, n, ll0, ll, df in rows:
        aic = -2 * ll + 2 * df
        bic = -2 * ll + math.log(n) * df
        cells = [f"{int(n):,}", fmt_g(ll0, 9), fmt_g(ll, 9), str(df), fmt_g(aic, 9), fmt_g(bic, 9)]
        shown = name if len(name) <= 12 else name[:10] + "~" + name[-1]  # abbrev(name, 12)
        body.append(
            f"{shown:>12} |{cells[0]:>11}{cells[1]:>11}{cells[2]:>11}"
            f"{cells[3]:>8}{cells[4]:>11}{cells[5]:>11}"
        )
        hrows.append([name, *cells])
    tail = ["-" * 77]
    if not user_n:
        tail.append("Note: BIC uses N = number of observations. See [R] BIC note.")
    html = html_table(
        [["Model", "N", "ll(null)", "ll(model)", "df", "AIC", "BIC"]],
        hrows,
        caption=head[0],
        notes=tail[1:] or None,
    )
    return Block("\n".join(head + body + tail), html)


def _bayesian(e) -> bool:
    return e.cmd in ("bayes", "bayesmh") or e.macros.get("prefix") == "bayes"


@command("estat", "ic")
def estat_ic(s, cmd: Command) -> list[Output]:
    if s.e is None:
        raise StataError("last estimates not found", 301)
    e = s.e
    if _bayesian(e):
        # [BAYES] bayesian postestimation: the Bayesian information criterion is bayesstats ic
        raise StataError(
            "estat ic is not available after Bayesian estimation; use bayesstats ic for "
            "Bayesian information criteria",
            321,
        )
    n = float(cmd.option("n", e.scalars.get("N", np.nan)))
    df = int(e.scalars.get("rank", len(e.b)))
    ll = e.scalars.get("ll", np.nan)
    s.r = {
        "S_N": n,
        "S_ll": ll,
        "S_df": df,
        "S_aic": -2 * ll + 2 * df,
        "S_bic": -2 * ll + math.log(n) * df,
    }
    ll0 = float(e.scalars.get("ll_0", np.nan))  # logit ... report the constant-only model's
    if ll0 == ll0:
        s.r["S_ll0"] = ll0
    from ..matrix import Matrix

    aic, bic = -2 * ll + 2 * df, -2 * ll + math.log(n) * df
    s.r["S"] = Matrix(np.array([[n, ll0, ll, df, aic, bic]]), ["."], _IC_COLS)
    return [ic_table([(".", n, ll0, ll, df)], user_n=cmd.option("n") is not None)]


_IC_COLS = ["N", "ll0", "ll", "df", "AIC", "BIC"]


@command("estat", "recovariance")
def estat_recov(s, cmd: Command) -> list[Output]:
    fit = _mixed_fit(s)
    d = fit.design
    want = cmd.option("relevel")
    corr = cmd.has("correlation")
    outs: list[Output] = []
    for lv, S in zip(d.levels, fit.Sigmas):
        if want is not None and want != lv.name:
            continue
        names = [f"R.{lv.crossed}"] if lv.crossed else lv.znames
        M = S.copy()
        if corr:
            sd = np.sqrt(np.diag(M))
            with np.errstate(invalid="ignore", divide="ignore"):
                M = M / np.outer(sd, sd)
        title = (
            f"Random-effects {'correlation' if corr else 'covariance'} matrix for level {lv.name}"
        )
        k = len(names)
        lines = [
            title,
            "",
            # each column ten wide and a blank after it, as Stata 17's estat recovariance
            # (grodri.github.io multilevel/egm.html: "│      year      _cons ")
            f"{'':>12} |" + "".join(f"{n[:10]:>10} " for n in names).rstrip(),
            "-" * 13 + "+" + "-" * (11 * k),
        ]
        hrows = []
        for i in range(k):
            cells = [fmt_g(M[i, j], 9) for j in range(i + 1)]
            row = f"{names[i][:12]:>12} |" + "".join(f"{c:>10} " for c in cells)
            lines.append(row.rstrip())
            hrows.append([names[i], *cells, *[""] * (k - i - 1)])
        outs.append(Block("\n".join(lines), html_table([["", *names]], hrows, caption=title)))
    if not outs:
        raise StataError(f"relevel({want}): level not found", 198)
    return outs


@command("estat", "icc")
def estat_icc(s, cmd: Command) -> list[Output]:
    fit = _mixed_fit(s)
    d = fit.design
    if getattr(fit, "residual", None) is not None:
        # with correlated errors the within-group correlation depends on the pair, not one ICC
        raise StataError("estat icc is not available after mixed with residuals()", 321)
    if not d.levels:
        raise StataError(
            "requested action not valid after mixed because there are no random effects in "
            "the model",
            321,
        )
    if any(lv.crossed or lv.level == "_all" for lv in d.levels):
        raise StataError("estat icc not allowed after crossed-effects models", 321)
    # one variance per level: its random intercept's ([ME] estat icc; _estat_icc.ado), the
    # levels in order, several equations at one level counted once
    order: list[str] = []
    icc_param: dict[str, str] = {}
    for li, lv in enumerate(d.levels, start=1):
        if lv.level not in order:
            order.append(lv.level)
        if "_cons" in lv.znames and lv.level not in icc_param:
            j = 1 if lv.covariance in ("identity", "exchangeable") else lv.znames.index("_cons") + 1
            icc_param[lv.level] = f"lns{li}_1_{j}"
    if any(name not in icc_param for name in order):
        raise StataError(
            "estat icc not allowed after random-effects models with random-level "
            "specifications that do not contain random intercepts",
            321,
        )
    has_r = any(z != "_cons" for lv in d.levels for z in lv.znames)
    has_f = any(x != "_cons" for x in d.xnames)
    title = (
        "Conditional intraclass correlation"
        if has_r
        else "Residual intraclass correlation"
        if has_f
        else "Intraclass correlation"
    )
    level = float(cmd.option("level", 95))
    z = float(stats.norm.ppf(0.5 + level / 200))
    idx = {p.name: i for i, p in enumerate(fit.params)}
    glmm = s.e.cmd == "meglm"
    if glmm and fit.family.link not in _LATENT_VAR:
        raise StataError(f"estat icc not allowed after {s.e.macros.get('cmd2', 'meglm')}", 321)
    names = [icc_param[name] for name in order] + ([] if glmm else ["lnsig_e"])
    ids = [idx[n] for n in names]
    if any(fit.params[i].boundary for i in ids):
        raise StataError("estat icc: a variance component is on the boundary", 498)
    lv_ = np.array([fit.params[i].value for i in ids])
    V = np.array([[fit.param_cov(a, b) for b in ids] for a in ids])
    var = np.exp(2 * lv_)
    if glmm:  # the latent residual's variance is a constant: no row in V
        var = np.append(var, _LATENT_VAR[fit.family.link])
        V = np.pad(V, ((0, 1), (0, 1)))
    total = var.sum()
    rows, hrows = [], []
    labels = []
    s.r = {}  # estat icc replaces r() (the previous command's results do not leak in)
    for j, name in enumerate(order):
        labels.append("|".join([name, *reversed(order[:j])]))
    for j in range(len(order)):
        num = var[: j + 1].sum()
        icc = num / total
        # gradient of icc in (lns..., lnsig_e)
        g = np.array(
            [
                (2 * var[i] * (1 if i <= j else 0) * total - 2 * var[i] * num) / total**2
                for i in range(len(var))
            ]
        )
        se = float(np.sqrt(g @ V @ g))
        logit = math.log(icc / (1 - icc))
        se_l = se / (icc * (1 - icc))
        lo = 1 / (1 + math.exp(-(logit - z * se_l)))
        hi = 1 / (1 + math.exp(-(logit + z * se_l)))
        rows.append(
            f"{labels[j][:28]:>28} |{fmt_g(icc, 9):>11}{fmt_g(se, 9):>11}"
            f"{fmt_g(lo, 9):>14}{fmt_g(hi, 9):>12}"
        )
        hrows.append([labels[j], fmt_g(icc, 9), fmt_g(se, 9), fmt_g(lo, 9), fmt_g(hi, 9)])
        k = j + 2
        s.r = {**s.r, f"icc{k}": icc, f"se{k}": se, f"label{k}": labels[j]}
        s.r[f"ci{k}"] = Matrix(np.array([[lo, hi]]), ["icc"], ["ll", "ul"])
    s.r["level"] = level
    ci = int(level) if level == int(level) else level
    note = (
        ["Note: ICC is conditional on zero values of random-effects covariates."] if has_r else []
    )
    text = "\n".join(
        [
            title,
            "",
            "-" * 78,
            f"{'Level':>28} |        ICC   Std. err.     [{ci}% conf. interval]",
            "-" * 29 + "+" + "-" * 48,
            *rows,
            "-" * 78,
            *note,
        ]
    )
    html = html_table(
        [["Level", "ICC", "Std. err.", f"[{ci}% conf.", "interval]"]],
        hrows,
        caption=title,
        notes=note or None,
    )
    return [Block(text, html)]


def _model_terms(e) -> list[str]:
    """The dependent variable and the covariates of the fixed part (``e(b)``'s first
    equation), without the constant and base or omitted factor levels."""
    depvar = str(e.macros.get("depvar", "")).split()
    eq0 = e.bnames[0].partition(":")[0] if e.bnames else ""
    equations = any(":" in n for n in e.bnames)
    out = list(depvar[:1])
    for n in e.bnames:
        eq, sep, coef = n.partition(":")
        coef = coef if sep else n
        # with equations, only the first one's coefficients (not {var}, {sigma2} ...)
        if (equations and (not sep or eq != eq0)) or coef == "_cons":
            continue
        if any(re.match(r"\d*[bo]+\.", part) for part in coef.split("#")):
            continue  # base (0b.schtype) or omitted (o.x) levels
        if coef not in out:
            out.append(coef)
    return out


@command("estat", "summarize")
def estat_summarize(s, cmd: Command) -> list[Output]:
    """``estat summarize [varlist] [, labels noheader noweights]`` ([R] estat summarize):
    mean, standard deviation, minimum and maximum over the estimation sample of the model's
    variables (or of ``varlist``); ``r(stats)`` holds them."""
    from ..dataset.varnames import expand_terms
    from ..design.newdata import fixed_columns

    if s.e is None:
        raise StataError("last estimates not found", 301)
    e = s.e
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    if terms:
        names = expand_terms(ds, terms)
        for v in names:
            if ds.is_string(v):
                raise StataError("type mismatch", 109)
    else:
        names = _model_terms(e)
    if not names:
        raise StataError("no variables in the estimation results", 111)
    sample = s.lookup("e", "sample")
    if sample is None or np.shape(sample) != (ds.nobs,) or not np.any(np.asarray(sample) != 0):
        raise StataError("estimation sample of the active results not found; no observations", 2000)
    mask = np.asarray(sample) != 0
    X = fixed_columns(ds, names)[mask]
    stats_rows: list[list[float]] = []
    for j in range(len(names)):
        x = X[:, j]
        x = x[~np.isnan(x)]
        if len(x):
            sd = float(np.std(x, ddof=1)) if len(x) > 1 else float("nan")
            stats_rows.append([float(x.mean()), sd, float(x.min()), float(x.max())])
        else:
            stats_rows.append([float("nan")] * 4)
    labels = [(ds.info[n].label or n) if cmd.has("labels") and n in ds.info else n for n in names]
    w = max(12, min(32, max(len(lb) for lb in labels)))
    inner = 13 * 4
    lines: list[str] = []
    if not cmd.has("noheader"):
        left = f"Estimation sample {e.cmd}"
        right = f"Number of obs = {int(mask.sum()):>10,}"
        lines += ["", "  " + left + right.rjust(max(w + 2 + inner - len(left), len(right) + 1)), ""]
    lines += [
        "  " + "-" * (w + 2 + inner),
        f"  {'Variable':>{w}} |{'Mean':>13}{'Std. dev.':>13}{'Min':>13}{'Max':>13}",
        "  " + "-" * (w + 1) + "+" + "-" * inner,
    ]
    hrows: list = []
    for lb, row in zip(labels, stats_rows):
        cells = [fmt_g(v, 9) for v in row]
        lines.append(f"  {lb[:w]:>{w}} |" + "".join(f"{c:>13}" for c in cells))
        hrows.append([lb, *cells])
    lines.append("  " + "-" * (w + 2 + inner))
    s.r = {
        "stats": Matrix(np.array(stats_rows), list(names), ["mean", "sd", "min", "max"]),
    }
    html = html_table([["Variable", "Mean", "Std. dev.", "Min", "Max"]], hrows)
    return [Block("\n".join(line.rstrip() for line in lines), html)]


@command("estat", "vce")
def estat_vce(s, cmd: Command) -> list[Output]:
    """``estat vce [, covariance correlation format(%fmt) nolines]`` ([R] estat vce): the
    covariance (or correlation) matrix of the coefficients, its lower triangle in panels of
    five columns; equations, where the model has several, head their rows and columns.
    ``r(V)`` holds it. After the Bayesian commands it is the posterior covariance."""
    from ..report.format import abbrev, check_format, fmt_number

    e = s.e
    if e is None:
        raise StataError("last estimates not found", 301)
    for o in ("block", "diag", "equation"):
        if cmd.has(o):
            raise StataError(f"estat vce, {o} is not available in bayes_magic yet", 198)
    if cmd.has("correlation") and cmd.has("covariance"):
        raise StataError("options correlation and covariance may not be combined", 198)
    names = list(e.bnames)
    if getattr(e, "draws", None) is not None:  # a posterior: its sample covariance
        flat = np.asarray(e.draws).reshape(-1, len(names))
        V = np.atleast_2d(np.cov(flat, rowvar=False))
    else:
        V = np.asarray(e.V, float)
    corr = cmd.has("correlation")
    M = V
    if corr:
        sd = np.sqrt(np.diag(V))
        with np.errstate(invalid="ignore", divide="ignore"):
            M = V / np.outer(sd, sd)
        M[np.outer(sd, sd) == 0] = 0.0
    fmt = cmd.option("format")
    if fmt is not None:
        check_format(str(fmt))

    def cell(x: float) -> str:
        if fmt is not None:
            return fmt_number(x, str(fmt)).strip()
        return f"{x:.4f}" if corr else fmt_g(x, 10)

    split = [n.rpartition(":") for n in names]
    eqs = [eq for eq, _sep, _nm in split]
    several = len(set(eqs)) > 1
    what = "Correlation" if corr else "Covariance"
    model = e.cmd if e.cmd not in ("bayes", "bayesmh") else "bayesmh"
    lines = ["", f"{what} matrix of coefficients of {model} model", ""]
    k = len(names)
    for start in range(0, k, 5):
        cols = list(range(start, min(k, start + 5)))
        if start:
            lines.append("")
        if several:
            lines.append(f"{'':12} |" + "".join(f"{abbrev(eqs[j], 10):>12}" for j in cols))
        stub = "e(V)"
        lines.append(f"{stub:>12} |" + "".join(f"{abbrev(split[j][2], 10):>12}" for j in cols))
        lines.append("-" * 13 + "+" + "-" * (12 * len(cols)))
        last_eq = None
        for i in range(start, k):
            if several and eqs[i] != last_eq:
                if last_eq is not None and not cmd.has("nolines"):
                    lines.append("-" * 13 + "+" + "-" * (12 * len(cols)))
                lines.append(f"{abbrev(eqs[i], 12):<12} |")
                last_eq = eqs[i]
            shown = [j for j in cols if j <= i]
            lines.append(
                f"{abbrev(split[i][2], 12):>12} |" + "".join(f"{cell(M[i, j]):>12}" for j in shown)
            )
    text = "\n".join(ln.rstrip() for ln in lines)
    s.r = {"V": Matrix(M.copy(), names, names)}
    html = html_table(
        [["", *names]],
        [[names[i], *(cell(M[i, j]) if j <= i else "" for j in range(k))] for i in range(k)],
        caption=f"{what} matrix of coefficients of {model} model",
    )
    return [Block(text, html, data=s.r["V"])]


def _binary_fit(s, cmd: Command, what: str) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """The active logit/logistic/probit/cloglog fit, its estimation sample's outcome (0/1),
    predicted probabilities and frequency weights (within the command's ``if``/``in``; no
    weights with ``noweights``)."""
    from ..design.newdata import fixed_columns

    e = s.e
    if e is None:
        raise StataError("last estimates not found", 301)
    if e.cmd not in ("logit", "logistic", "probit", "cloglog"):
        raise StataError(f"{what} not allowed after {e.cmd}", 321)
    fit = e.fit
    ds = s.data
    mask = s.lookup("e", "sample")
    mask = np.asarray(mask) != 0 if mask is not None else np.zeros(ds.nobs, bool)
    if not mask.any():
        raise StataError("estimation sample of the active results not found", 2000)
    mask &= s.touse(cmd)
    if not mask.any():
        raise StataError("no observations", 2000)
    X = fixed_columns(ds, fit.design.xnames)[mask]
    off = np.zeros(mask.sum())
    gd = fit.gdesign
    if gd is not None and gd.offset_name:
        from ..design.glmm import trials_offset_now

        off = trials_offset_now(ds, gd)[1][mask]
    p = fit.family.mean(np.ones(len(X)), X @ fit.beta + off)
    y = (np.asarray(ds.values(fit.design.depvar), float)[mask] != 0).astype(float)
    w = np.ones(len(y))
    weighted = fit.design.weights is not None and fit.design.weight_kind == "fweight"
    if weighted and not cmd.has("noweights"):
        from ..design.newdata import current_weights

        w = current_weights(ds, e.spec)[mask]
    return e, y, p, w


_MODEL = {"logit": "Logistic", "logistic": "Logistic", "probit": "Probit", "cloglog": "Cloglog"}


@command("estat", "classification")
def estat_classification(s, cmd: Command) -> list[Output]:
    """``estat classification [, cutoff(#)]`` ([R] estat classification): the 2x2 table of
    predicted (Pr(D) >= cutoff) against true outcomes over the estimation sample, with
    sensitivity, specificity, predictive values, error rates and the share correctly
    classified."""
    e, y, p, w = _binary_fit(s, cmd, "estat classification")
    if cmd.has("all"):
        raise StataError("estat classification, all is not available in bayes_magic yet", 198)
    cut = float(cmd.option("cutoff", 0.5))
    if not 0 <= cut <= 1:
        raise StataError("cutoff() must be between 0 and 1", 198)
    pos = p >= cut
    a = float(w[pos & (y == 1)].sum())  # + and D
    b = float(w[pos & (y == 0)].sum())  # + and ~D
    c = float(w[~pos & (y == 1)].sum())
    d = float(w[~pos & (y == 0)].sum())

    def pct(num: float, den: float) -> float:
        return 100 * num / den if den else math.nan

    def fp(x: float) -> str:
        return f"{x:6.2f}%" if x == x else "     .%"

    n = a + b + c + d
    rows = [
        ("Sensitivity", "Pr( +| D)", pct(a, a + c)),
        ("Specificity", "Pr( -|~D)", pct(d, b + d)),
        ("Positive predictive value", "Pr( D| +)", pct(a, a + b)),
        ("Negative predictive value", "Pr(~D| -)", pct(d, c + d)),
        None,
        ("False + rate for true ~D", "Pr( +|~D)", pct(b, b + d)),
        ("False - rate for true D", "Pr( -| D)", pct(c, a + c)),
        ("False + rate for classified +", "Pr(~D| +)", pct(b, a + b)),
        ("False - rate for classified -", "Pr( D| -)", pct(c, c + d)),
        None,
        ("Correctly classified", "", pct(a + d, n)),
    ]

    def num(x: float) -> str:
        return f"{x:,.0f}"

    rule = "-" * 50
    lines = [
        f"{_MODEL[e.cmd]} model for {e.macros.get('depvar', '')}",
        "",
        "              -------- True --------",
        "Classified |         D            ~D  |      Total",
        "-----------+--------------------------+-----------",
        f"     +     |{num(a):>10}{num(b):>14}  |{num(a + b):>11}",
        f"     -     |{num(c):>10}{num(d):>14}  |{num(c + d):>11}",
        "-----------+--------------------------+-----------",
        f"   Total   |{num(a + c):>10}{num(b + d):>14}  |{num(n):>11}",
        "",
        f"Classified + if predicted Pr(D) >= {fmt_g(cut, 9).strip()}",
        f"True D defined as {e.macros.get('depvar', '')} != 0",
        rule,
    ]
    for r in rows:
        lines.append(rule if r is None else f"{r[0]:<32}{r[1]:<10}{fp(r[2]):>8}")
    lines.append(rule)
    s.r = {
        "P_corr": pct(a + d, n),
        "P_p1": pct(a, a + c),
        "P_n0": pct(d, b + d),
        "P_1p": pct(a, a + b),
        "P_0n": pct(d, c + d),
        "P_p0": pct(b, b + d),
        "P_n1": pct(c, a + c),
        "P_0p": pct(b, a + b),
        "P_1n": pct(c, c + d),
        "N": n,
        "ctable": Matrix(
            np.array([[a, b, a + b], [c, d, c + d], [a + c, b + d, n]]),
            ["+", "-", "Total"],
            ["D", "~D", "Total"],
        ),
    }
    return [Block("\n".join(lines), kind="result")]


# estat gof after logit, probit, poisson; estat vif, hettest, imtest, ovtest after regress
from . import estat_gof, estat_regress  # noqa: E402, F401
