"""``estat vif``, ``estat hettest``, ``estat imtest`` and ``estat ovtest`` after ``regress``
([R] regress postestimation).

* ``vif``: 1/(1 - R²ⱼ) of each regressor on the others (with the constant; ``uncentered``:
  uncentered R² without it, the constant included as a regressor), sorted by size.
* ``hettest``: the Breusch-Pagan (1979) / Cook-Weisberg (1983) score test of the squared
  residuals on z (the fitted values, the regressors with ``rhs``, or a varlist). Under normal
  errors (the default) the statistic is half the explained sum of squares of e²/σ̂² on z,
  σ̂² = RSS/N; ``iid`` (Koenker 1981) N·R² of e² on z; ``fstat`` the regression's F test.
* ``imtest``: Cameron and Trivedi's (1990) decomposition of the information-matrix test into
  heteroskedasticity, skewness and kurtosis parts, each N times the uncentered R² of a moment
  of the residuals on the regressors (and, for heteroskedasticity, their centered squares and
  cross-products), as Stata's imtest.ado; ``white`` adds White's (1980) test, N·R² of e² on the
  same regressors.
* ``ovtest``: Ramsey's RESET, the F test of ŷ², ŷ³, ŷ⁴ added to the model (``rhs``: the
  second to fourth powers of each regressor).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..errors import StataError
from ..fit.estimates import OLS_COMMANDS
from ..report.format import fmt_f
from ..report.output import Block, Output, html_table
from ..syntax.ast import Command, Varlist
from .registry import command

__all__: list[str] = []


def regress_pieces(s, what: str):
    """The active ``regress`` (r(321) after another command; ``what`` names the caller, as
    "estat vif" or "rvfplot"): its design, fitted values and residuals."""
    e = s.e
    if e is None:
        raise StataError("last estimates not found", 301)
    if e.cmd not in OLS_COMMANDS:
        verb = "not valid after" if what.startswith("estat") else "not allowed after"
        raise StataError(f"{what} {verb} {e.cmd}", 321)
    fit = e.fit
    d = fit.design
    fitted = d.X @ fit.beta
    return d, fitted, d.y - fitted


def _ols(y: np.ndarray, Z: np.ndarray, w: np.ndarray | None = None):
    """Weighted least squares of y on Z: fitted values."""
    sw = np.sqrt(w) if w is not None else np.ones(len(y))
    b = np.linalg.lstsq(Z * sw[:, None], y * sw, rcond=None)[0]
    return Z @ b


def _r2(y: np.ndarray, Z: np.ndarray, w: np.ndarray, centered: bool) -> float:
    fit = _ols(y, Z, w)
    ybar = float(np.average(y, weights=w)) if centered else 0.0
    tss = float(np.sum(w * (y - ybar) ** 2))
    rss = float(np.sum(w * (y - fit) ** 2))
    return 1 - rss / tss if tss > 0 else float("nan")


@command("estat", "vif")
def estat_vif(s, cmd: Command) -> list[Output]:
    d, _fitted, _res = regress_pieces(s, "estat vif")
    names = d.xnames
    has_cons = "_cons" in names
    uncentered = cmd.has("uncentered")
    if not has_cons and not uncentered:
        raise StataError(
            "not appropriate after regress, nocons;\nuse option uncentered to get uncentered VIFs",
            301,
        )
    w = np.ones(d.n) if d.weights is None else np.asarray(d.weights, float)
    cols = [j for j, nm in enumerate(names) if nm != "_cons" or uncentered]
    rows = []
    for j in cols:
        others = [k for k in range(len(names)) if k != j]  # with the constant if any
        r2 = _r2(d.X[:, j], d.X[:, others], w, centered=not uncentered)
        vif = 1 / (1 - r2) if r2 < 1 else float("inf")
        rows.append((names[j], vif))
    rows.sort(key=lambda r: -r[1])
    mean = float(np.mean([v for _n, v in rows]))
    lines = [
        "    Variable |       VIF       1/VIF  ",
        "-------------+----------------------",
    ]
    for nm, v in rows:
        lab = nm if len(nm) <= 12 else nm[:10] + "~" + nm[-1]
        lines.append(f"{lab:>12} | {fmt_f(v, 2):>9}  {_g6(1 / v):>10}")
    lines += ["-------------+----------------------", f"{'Mean VIF':>12} | {fmt_f(mean, 2):>9}"]
    s.r = {}
    for k, (nm, v) in enumerate(rows, 1):
        s.r[f"vif_{k}"] = v
        s.r[f"name_{k}"] = nm
    text = "\n".join(lines)
    hrows = [[nm, fmt_f(v, 2), _g6(1 / v)] for nm, v in rows] + [["Mean VIF", fmt_f(mean, 2), ""]]
    return [Block(text, html_table([["Variable", "VIF", "1/VIF"]], hrows))]


def _g6(x: float) -> str:
    return f"{x:.6f}" if np.isfinite(x) else "."


def _z_columns(s, cmd: Command, d, fitted: np.ndarray) -> tuple[np.ndarray, str, bool]:
    """The z variables of hettest / the powers of ovtest: the fitted values, the regressors
    (``rhs``) or a varlist; their description, and whether they are several."""
    from ..dataset.varnames import expand_terms
    from ..design.newdata import fixed_columns

    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    if terms and cmd.has("rhs"):
        raise StataError("varlist and option rhs may not be combined", 198)
    if terms:
        names = expand_terms(s.data, terms)
        Z = fixed_columns(s.data, names)[d.sample]
        if np.isnan(Z).any():
            raise StataError("missing values in the variables of varlist", 416)
        return Z, " ".join(names), len(names) > 1
    if cmd.has("rhs"):
        keep = [j for j, nm in enumerate(d.xnames) if nm != "_cons"]
        return d.X[:, keep], "All independent variables", True
    return fitted[:, None], f"Fitted values of {d.depvar}", False


@command("estat", "hettest")
def estat_hettest(s, cmd: Command) -> list[Output]:
    d, fitted, res = regress_pieces(s, "estat hettest")
    if d.weights is not None:
        raise StataError(
            "estat hettest after weighted regress is not available in bayes_magic yet", 198
        )
    if cmd.option("mtest") is not None:
        raise StataError("estat hettest, mtest is not available in bayes_magic yet", 198)
    iid, fstat = cmd.has("iid"), cmd.has("fstat")
    if iid + fstat + cmd.has("normal") > 1:
        raise StataError("only one of normal, iid and fstat may be specified", 198)
    Z, desc, several = _z_columns(s, cmd, d, fitted)
    N = d.n
    Zc = np.column_stack([Z, np.ones(N)])
    df = np.linalg.matrix_rank(Zc) - 1
    e2 = res**2
    sigma2 = float(e2.sum()) / N
    label = "Variables" if several else "Variable"
    head = [
        "Breusch–Pagan/Cook–Weisberg test for heteroskedasticity",
        f"Assumption: {'i.i.d.' if iid or fstat else 'Normal'} error terms",
        f"{label}: {desc}",
        "",
        "H0: Constant variance",
        "",
    ]
    if fstat:
        g = e2 / sigma2
        fit = _ols(g, Zc)
        mss = float(np.sum((fit - g.mean()) ** 2))
        rss = float(np.sum((g - fit) ** 2))
        df_r = N - df - 1
        F = (mss / df) / (rss / df_r)
        p = float(stats.f.sf(F, df, df_r))
        s.r = {"F": F, "df_m": float(df), "df_r": float(df_r), "p": p}
        left = f"F({df}, {df_r})"
        w = max(len(left), len("Prob > F"))
        body = [f"{left:>{w}} = {fmt_f(F, 2):>6}", f"{'Prob > F':>{w}} = {fmt_f(p, 4)}"]
    else:
        if iid:
            chi2 = N * _r2(e2, Zc, np.ones(N), centered=True)
        else:
            g = e2 / sigma2
            fit = _ols(g, Zc)
            chi2 = float(np.sum((fit - g.mean()) ** 2)) / 2
        p = float(stats.chi2.sf(chi2, df))
        s.r = {"chi2": chi2, "df": float(df), "p": p}
        left = f"chi2({df})"
        w = max(len(left), len("Prob > chi2"))
        body = [f"{left:>{w}} = {fmt_f(chi2, 2):>6}", f"{'Prob > chi2':>{w}} = {fmt_f(p, 4)}"]
    text = "\n".join(head + body)
    return [Block(text, f"<pre>{text}</pre>")]


def _n_r2(y: np.ndarray, Z: np.ndarray, centered: bool) -> tuple[float, int]:
    """N·R² of y on Z (with a constant; R² uncentered unless ``centered``) and the model's
    degrees of freedom, the rank of Z beside the constant, as ``regress`` drops collinear
    columns."""
    N = len(y)
    Zc = np.column_stack([np.ones(N), Z])
    rss = float(np.sum((y - _ols(y, Zc)) ** 2))
    tss = float(np.sum((y - y.mean()) ** 2)) if centered else float(np.sum(y**2))
    df = int(np.linalg.matrix_rank(Zc)) - 1
    return (N * (1 - rss / tss) if tss > 0 else float("nan")), df


@command("estat", "imtest")
def estat_imtest(s, cmd: Command) -> list[Output]:
    d, _fitted, e = regress_pieces(s, "estat imtest")
    if d.weights is not None:
        raise StataError("imtest does not support weights", 101)
    if getattr(d, "cluster_var", None):
        raise StataError("imtest does not support cluster()", 498)
    keep = [j for j, nm in enumerate(d.xnames) if nm != "_cons"]
    X = d.X[:, keep]
    if X.shape[1] == 0:
        text = "(imtest not allowed without covariates)"
        return [Block(text, f"<pre>{text}</pre>")]
    N = d.n
    Xc = X - X.mean(axis=0)
    k = Xc.shape[1]
    cross = np.column_stack([Xc[:, i] * Xc[:, j] for i in range(k) for j in range(i + 1)])
    Z2 = np.column_stack([X, cross])
    s2 = float(np.sum(e**2)) / N
    r: dict[str, float] = {}
    if cmd.has("white"):
        chi2, df = _n_r2(e**2, Z2, centered=True)
        r.update(chi2=chi2, df=float(df), p=float(stats.chi2.sf(chi2, df)))
    parts = [
        ("h", e**2 - s2, Z2),
        ("s", e**3 - 3 * s2 * e, X),
        ("k", e**4 - 6 * s2 * e**2 + 3 * s2**2, np.empty((N, 0))),
    ]
    for key, y, Z in parts:
        chi2, df = _n_r2(y, Z, centered=False)
        r[f"chi2_{key}"], r[f"df_{key}"] = chi2, float(max(df, 1) if key == "k" else df)
    r["chi2_t"] = r["chi2_h"] + r["chi2_s"] + r["chi2_k"]
    r["df_t"] = r["df_h"] + r["df_s"] + r["df_k"]
    s.r = r
    lines: list[str] = []
    if "chi2" in r:
        left = f"chi2({int(r['df'])})"
        w = max(len(left), len("Prob > chi2"))
        c2, p = fmt_f(r["chi2"], 2), fmt_f(r["p"], 4)
        v = max(6, len(c2), len(p))
        lines += [
            "White's test",
            "H0: Homoskedasticity",
            "Ha: Unrestricted heteroskedasticity",
            "",
            f"{left:>{w}} = {c2:>{v}}",
            f"{'Prob > chi2':>{w}} = {p:>{v}}",
            "",
        ]
    lines += [
        "Cameron & Trivedi's decomposition of IM-test",
        "",
        "-" * 50,
        f"{'Source':>20} |       chi2     df         p",
        "-" * 21 + "+" + "-" * 28,
    ]
    rows = [("Heteroskedasticity", "h"), ("Skewness", "s"), ("Kurtosis", "k"), ("Total", "t")]
    html_rows = []
    for label, key in rows:
        chi2, df = r[f"chi2_{key}"], r[f"df_{key}"]
        p = float(stats.chi2.sf(chi2, df))
        if key == "t":
            lines.append("-" * 21 + "+" + "-" * 28)
        lines.append(f"{label:>20} | {fmt_f(chi2, 2):>10} {int(df):>6} {fmt_f(p, 4):>9}")
        html_rows.append([label, fmt_f(chi2, 2), str(int(df)), fmt_f(p, 4)])
    lines.append("-" * 50)
    text = "\n".join(lines)
    head = "\n".join(lines[: lines.index("Cameron & Trivedi's decomposition of IM-test") + 1])
    html = f"<pre>{head}</pre>" + html_table([["Source", "chi2", "df", "p"]], html_rows)
    return [Block(text, html)]


@command("estat", "ovtest")
def estat_ovtest(s, cmd: Command) -> list[Output]:
    d, fitted, res = regress_pieces(s, "estat ovtest")
    w = None if d.weights is None else np.asarray(d.weights, float)
    if cmd.has("rhs"):
        keep = [j for j, nm in enumerate(d.xnames) if nm != "_cons"]
        base = d.X[:, keep]
        desc = "Powers of independent variables"
        extra = np.column_stack([base**k for k in (2, 3, 4)])
    else:
        # ŷ rescaled to [0, 1] first, as ovtest.ado, so that its powers are not collinear
        # numerically; the F test is the same for any affine rescaling
        lo, hi = float(fitted.min()), float(fitted.max())
        z = (fitted - lo) / (hi - lo) if hi > lo else fitted
        extra = np.column_stack([z**2, z**3, z**4])
        desc = f"Powers of fitted values of {d.depvar}"
    X = d.X
    Xa = np.column_stack([X, extra])
    # the added columns that are not linear combinations of the model and earlier ones
    rank0 = np.linalg.matrix_rank(X)
    keep_cols = list(range(X.shape[1]))
    for j in range(extra.shape[1]):
        trial = [*keep_cols, X.shape[1] + j]
        if np.linalg.matrix_rank(Xa[:, trial]) == len(trial) - (X.shape[1] - rank0):
            keep_cols = trial
    Xa = Xa[:, keep_cols]
    q = len(keep_cols) - X.shape[1]
    if q == 0:
        raise StataError("no variables to test; the powers are collinear with the model", 2000)
    ww = np.ones(d.n) if w is None else w
    n_eff = float(ww.sum()) if (w is not None and d.weight_kind == "fweight") else d.n
    rss1 = float(np.sum(ww * (d.y - _ols(d.y, Xa, ww)) ** 2))
    rss0 = float(np.sum(ww * res**2))
    df_r = round(n_eff) - int(np.linalg.matrix_rank(Xa))
    F = ((rss0 - rss1) / q) / (rss1 / df_r)
    p = float(stats.f.sf(F, q, df_r))
    s.r = {"F": F, "df": float(q), "df_r": float(df_r), "p": p}
    left = f"F({q}, {df_r})"
    width = max(len(left), len("Prob > F"))
    lines = [
        "Ramsey RESET test for omitted variables",
        f"Omitted: {desc}",
        "",
        "H0: Model has no omitted variables",
        "",
        f"{left:>{width}} = {fmt_f(F, 2):>6}",
        f"{'Prob > F':>{width}} = {fmt_f(p, 4)}",
    ]
    text = "\n".join(lines)
    return [Block(text, f"<pre>{text}</pre>")]


@command("dfbeta")
def dfbeta(s, cmd: Command) -> list[Output]:
    """``dfbeta [varlist] [, stub(name)]`` ([R] regress postestimation): one DFBETA variable
    per covariate (all of them but the constant by default), named ``_dfbeta_1``, ... (the
    next free numbers), each made by ``predict float name, dfbeta(x)`` as Stata's dfbeta.ado."""
    from .regress import _dfbeta_column

    regress_pieces(s, "dfbeta")
    fit = s.e.fit
    if isinstance(cmd.body, Varlist) and cmd.body.terms:
        names = _dfbeta_names(s, fit, cmd.body.terms)
    else:
        names = [
            x for j, x in enumerate(fit.design.xnames) if x != "_cons" and fit.V_beta[j, j] > 0
        ]
    for x in names:
        _dfbeta_column(fit, x)  # every name checked before any variable is made
    stub = str(cmd.option("stub", "_dfbeta_"))
    if len(stub) > 20:
        raise StataError("stub name too long, must be at most 20 characters", 198)
    lines, i = [], 1
    for x in names:
        while f"{stub}{i}" in s.data.varnames:
            i += 1
        s.run_text(f"quietly predict float {stub}{i}, dfbeta({x})")
        lines.append(f"{stub + str(i):>32}: dfbeta({x})")
    text = "\n".join(lines)
    return [Block(text, f"<pre style='margin:0'>{text}</pre>")]


def _dfbeta_names(s, fit, terms) -> list[str]:
    """The coefficients a dfbeta varlist names: variables, and factor variables' levels in the
    model (``i.foreign`` is ``1.foreign``; base and omitted levels have no DFBETA)."""
    from ..dataset.varnames import expand_terms, resolve
    from ..syntax.ast import FactorVar

    xnames = list(fit.design.xnames)
    names: list[str] = []
    for term in terms:
        if isinstance(term, FactorVar) and term.op == "i":
            var = resolve(s.data, term.var)
            hits = [
                x
                for j, x in enumerate(xnames)
                if x.split(".", 1)[-1] == var
                and "#" not in x
                and fit.V_beta[j, j] > 0
                and (term.levels is None or _level(x) in term.levels)
            ]
            if not hits:
                raise StataError(f"{term.var}: no levels of it in the model", 198)
            names += hits
        elif isinstance(term, FactorVar):
            names.append(resolve(s.data, term.var))
        else:
            names += expand_terms(s.data, [term])
    return names


def _level(xname: str) -> int:
    head = xname.split(".", 1)[0].rstrip("bno")
    return int(head) if head.isdigit() else -1
