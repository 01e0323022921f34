"""``estat gof`` ([R] estat gof, [R] poisson postestimation): goodness-of-fit tests.

* After ``logit``, ``logistic`` and ``probit``: Pearson's χ² over the covariate patterns
  (the distinct rows of the covariates), Σ_j (y_j − m_j p_j)² / (m_j p_j (1 − p_j)) on J − k
  degrees of freedom; with ``group(#)`` the Hosmer-Lemeshow test over # groups of the
  observations ordered by predicted probability (Stata's quantiles, ties kept together),
  Σ_g (O_g − E_g)² / (E_g (1 − E_g / n_g)) on # − 2 degrees of freedom; ``table`` lists the
  groups (Hosmer, Lemeshow and Sturdivant 2013).
* After ``poisson``: the deviance 2 Σ [y ln(y/μ) − (y − μ)] and Pearson Σ (y − μ)²/μ
  statistics on N − k degrees of freedom.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..dataset.stats import percentile
from ..errors import StataError
from ..report.format import fmt_f, fmt_g
from ..report.output import Block, Output
from ..syntax.ast import Command
from .registry import command

__all__: list[str] = []


def _sample(s, cmd: Command):
    """The active fit's estimation sample within ``if``/``in``: covariates, outcome,
    predicted mean (probability, or count) and frequency weights."""
    from ..design.glmm import trials_offset_now
    from ..design.newdata import current_weights, fixed_columns

    e = s.e
    fit = e.fit
    ds = s.data
    mask = np.asarray(s.lookup("e", "sample")) != 0
    mask &= s.touse(cmd)
    if not mask.any():
        raise StataError("no observations", 2000)
    X = fixed_columns(ds, fit.design.xnames)[mask]
    off = trials_offset_now(ds, fit.gdesign)[1][mask] if fit.gdesign is not None else 0.0
    eta = X @ fit.beta + off
    mu = fit.family.mean(np.ones(len(X)), eta)
    y = np.asarray(ds.values(fit.design.depvar), float)[mask]
    w = np.ones(len(y))
    if fit.design.weights is not None:
        if fit.design.weight_kind != "fweight":
            raise StataError(f"estat gof after {fit.design.weight_kind}s is not allowed", 498)
        w = current_weights(ds, e.spec)[mask]
    return e, X, y, mu, w


@command("estat", "gof")
def estat_gof(s, cmd: Command) -> list[Output]:
    e = s.e
    if e is None:
        raise StataError("last estimates not found", 301)
    if e.cmd == "poisson":
        return _poisson(s, cmd)
    if e.cmd not in ("logit", "logistic", "probit"):
        raise StataError(f"estat gof not valid after {e.cmd}", 321)
    e, X, y, p, w = _sample(s, cmd)
    y = (y != 0).astype(float)
    k = len(e.fit.design.coef_index)
    depvar = e.macros.get("depvar", "")
    title = f"Goodness-of-fit test after {'probit' if e.cmd == 'probit' else 'logistic'} model"
    groups = cmd.option("group")
    N = float(w.sum())
    if groups is None:
        if cmd.has("table"):
            raise StataError("option table requires option group()", 198)
        keys = np.unique(X, axis=0, return_inverse=True)[1].ravel()
        J = int(keys.max()) + 1
        m = np.bincount(keys, weights=w, minlength=J)
        obs = np.bincount(keys, weights=w * y, minlength=J)
        pj = np.bincount(keys, weights=p, minlength=J) / np.bincount(keys, minlength=J)
        chi2 = float(np.sum((obs - m * pj) ** 2 / (m * pj * (1 - pj))))
        df = J - k
        pval = float(stats.chi2.sf(chi2, df)) if df > 0 else float("nan")
        s.r = {"N": N, "m": float(J), "df": float(df), "chi2": chi2, "p": pval}
        rows = [
            ("Number of observations", f"{int(N):,}"),
            ("Number of covariate patterns", f"{J:,}"),
            (f"Pearson chi2({df})", fmt_f(chi2, 2)),
            ("Prob > chi2", fmt_f(pval, 4)),
        ]
        lines = [title, f"Variable: {depvar}", "", *_aligned(rows)]
        return [Block("\n".join(lines), f"<pre>{chr(10).join(lines)}</pre>", kind="result")]
    g = int(groups)
    if g < 1:
        raise StataError("group() must be positive", 198)
    cuts = np.array([percentile(p, w, 100.0 * j / g) for j in range(1, g)])
    cuts = np.unique(cuts)
    grp = np.searchsorted(cuts, p, side="left")
    used = np.unique(grp)
    G = len(used)
    n_g = np.array([w[grp == u].sum() for u in used])
    o1 = np.array([(w * y)[grp == u].sum() for u in used])
    e1 = np.array([(w * p)[grp == u].sum() for u in used])
    top = np.array([p[grp == u].max() for u in used])
    chi2 = float(np.sum((o1 - e1) ** 2 / (e1 * (1 - e1 / n_g))))
    df = G - 2
    pval = float(stats.chi2.sf(chi2, df)) if df > 0 else float("nan")
    s.r = {"N": N, "m": float(G), "df": float(df), "chi2": chi2, "p": pval}
    lines = [f"note: obs collapsed on {g} quantiles of estimated probabilities.", ""]
    lines += [title, f"Variable: {depvar}", ""]
    if g > G:
        lines.insert(
            1, f"note: {G} groups formed; ties in the predicted probabilities kept together"
        )
    if cmd.has("table"):
        lines += _hl_table(top, o1, e1, n_g)
    rows = [
        ("Number of observations", f"{int(N):,}"),
        ("Number of groups", f"{G:,}"),
        (f"Hosmer–Lemeshow chi2({df})", fmt_f(chi2, 2)),
        ("Prob > chi2", fmt_f(pval, 4)),
    ]
    lines += _aligned(rows)
    return [Block("\n".join(lines), f"<pre>{chr(10).join(lines)}</pre>", kind="result")]


def _aligned(rows: list[tuple[str, str]]) -> list[str]:
    """Stata 17's right-aligned ``label = value`` block."""
    lw = max(len(a) for a, _ in rows)
    vw = max(len(b) for _, b in rows)
    return [f"{a:>{lw}} = {b:>{vw}}" for a, b in rows]


def _hl_table(top, o1, e1, n_g) -> list[str]:
    head = "  | Group |   Prob | Obs_1 | Exp_1 | Obs_0 | Exp_0 | Total |"
    rule = "  +" + "-" * (len(head) - 4) + "+"
    mid = "  |-------+--------+-------+-------+-------+-------+-------|"
    out = ["  Table collapsed on quantiles of estimated probabilities", rule, head, mid]
    for j in range(len(top)):
        out.append(
            f"  | {j + 1:>5} | {top[j]:6.4f} | {o1[j]:>5,.0f} | {e1[j]:>5.1f} | "
            f"{n_g[j] - o1[j]:>5,.0f} | {n_g[j] - e1[j]:>5.1f} | {n_g[j]:>5,.0f} |"
        )
    out += [rule, ""]
    return out


def _poisson(s, cmd: Command) -> list[Output]:
    e, _X, y, mu, w = _sample(s, cmd)
    k = len(e.fit.design.coef_index)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev_i = 2 * (np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu))
    dev = float(np.sum(w * dev_i))
    pear = float(np.sum(w * (y - mu) ** 2 / mu))
    df = round(float(w.sum())) - k
    pd_, pp = float(stats.chi2.sf(dev, df)), float(stats.chi2.sf(pear, df))
    s.r = {"chi2_d": dev, "p_d": pd_, "chi2_p": pear, "p_p": pp, "df": float(df)}
    chi = f"Prob > chi2({df})"
    lines = [
        f"         {'Deviance goodness-of-fit':<24} = {fmt_g(dev, 9):>9}",
        f"         {chi:<24} = {pd_:9.4f}",
        "",
        f"         {'Pearson goodness-of-fit':<24} = {fmt_g(pear, 9):>9}",
        f"         {chi:<24} = {pp:9.4f}",
    ]
    return [Block("\n".join(lines), f"<pre>{chr(10).join(lines)}</pre>", kind="result")]
