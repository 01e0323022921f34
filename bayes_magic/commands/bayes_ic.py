"""``bayesstats ic`` and ``bayestest model``: DIC, log marginal likelihood, Bayes factors and
posterior model probabilities ([BAYES] bayesstats ic, [BAYES] bayestest model).

DIC = 2·D̄ − D(θ̄) with D(θ) = −2 log p(y | θ) (Spiegelhalter, Best, Carlin and van der Linde
2002): D̄ is the mean deviance over the draws and θ̄ the posterior mean of the simulated
parameters, random effects included (the likelihood is the one the sampler uses, conditional on
the random effects, as Stata's DIC for ``bayes:`` multilevel models). The log marginal likelihood
is the Laplace-Metropolis approximation (:mod:`bayes_magic.diagnostics.lml`), missing under an
improper prior; log BF_j = log ML_j − log ML_base.
"""

from __future__ import annotations

import math

import numpy as np

from ..diagnostics.lml import harmonic_mean, laplace_metropolis
from ..errors import StataError
from ..matrix import Matrix
from ..posterior import Posterior
from ..report.format import fmt_g
from ..report.output import Block, Output, html_table
from ..syntax.ast import Command, Name, ParamList
from .registry import command

__all__ = ["dic", "lml", "mean_loglik", "mu_draws", "reports_lml"]


def _mu(post: Posterior, beta: np.ndarray, b: np.ndarray) -> np.ndarray:
    """X β + Σ_levels Z b over the estimation sample, for one set of values."""
    d = post.design
    mu = d.X @ beta
    first_of = [lo for lo, _ in post.layout.re_levels]
    for lev, dl, first in zip(post.model.levels, d.levels, first_of):
        k = lev.k
        B = b[first : first + dl.G * k].reshape(dl.G, k)
        for j, eff in enumerate(lev.effects):
            mu = mu + dl.Z[:, dl.znames.index(eff)] * B[dl.groups, j]
    return mu


def mu_draws(post: Posterior) -> np.ndarray:
    """The linear predictor of every observation at every draw: (chains, draws, n)."""
    d = post.design
    bi = [post.names.index(n) for n in post.linear_coef_names()]
    C, T = post.draws.shape[:2]
    out = np.empty((C, T, d.n))
    beta = post.draws[:, :, bi]
    out[:] = beta @ d.X.T
    first_of = [lo for lo, _ in post.layout.re_levels]
    for lev, dl, first in zip(post.model.levels, d.levels, first_of):
        k = lev.k
        R = post.re_draws[:, :, first : first + dl.G * k].reshape(C, T, dl.G, k)
        for j, eff in enumerate(lev.effects):
            out += dl.Z[:, dl.znames.index(eff)] * R[:, :, dl.groups, j]
    return out


def _loglik(post: Posterior, mu: np.ndarray, s2: float) -> float:
    d = post.design
    w = d.weights if d.weights is not None else 1.0
    r = d.y - mu
    return float(np.sum(w * (-0.5 * (np.log(2 * np.pi * s2) + r * r / s2))))


def mean_loglik(post: Posterior) -> float:
    """log p(y | θ̄) at the posterior means of the coefficients, random effects and variance."""
    gone = post.info.get("excluded") if post.info else None
    if gone:  # exclude()d: the likelihood at the posterior means needs them
        name = str(gone[0]).split("[")[0]
        raise StataError(
            f"DIC needs {{{name}}}, which was excluded from the results by exclude()", 198
        )
    if getattr(post.model, "nonlinear", False):
        from .bayes_nonlinear import nl_mean_loglik

        return nl_mean_loglik(post)
    gone = [n for n in post.layout.coef_names if n not in post.names]
    if gone:  # exclude()d: the likelihood at the posterior means needs them
        raise StataError(
            f"DIC needs {{{gone[0]}}}, which was excluded from the results by exclude()", 198
        )
    q = post.re_draws.shape[2]
    lost = [n for n in post.layout.re_names if n not in set(post.re_names)]
    if lost:  # exclude({U0}): the effects' draws were dropped
        raise StataError(
            f"DIC needs {{{lost[0].split('[')[0]}}}, which was excluded from the results by "
            "exclude()",
            198,
        )
    beta = np.array([post.chains_of(n).mean() for n in post.layout.coef_names])  # with aux
    b = post.re_draws.reshape(-1, q).mean(axis=0) if q else np.zeros(0)
    if post.model.family is not None:  # bayes: melogit ...
        from .bayes_glmm import glmm_loglik

        p = post.design.p  # cutpoints or ln α follow the coefficients
        aux = beta[p:] if len(beta) > p else None
        return glmm_loglik(post, _mu(post, beta[:p], b), aux)
    bm = post.model
    fixed = getattr(bm, "sigma2_fixed", None)
    s2 = fixed if fixed is not None else float(post.chains_of(bm.sigma2_name).mean())
    return _loglik(post, _mu(post, beta, b), s2)


def dic(post: Posterior) -> float:
    """The deviance information criterion, 2·D̄ − D(θ̄)."""
    dbar = float(np.mean(-2.0 * post.loglik))
    return 2.0 * dbar + 2.0 * mean_loglik(post)


def reports_lml(post: Posterior) -> bool:
    """Whether the log marginal likelihood is reported: always without random effects; for
    multilevel models only after ``remargl`` ([BAYES] bayes, option remargl: it is not
    reported by default because it loses accuracy as the random effects add dimensions)."""
    return not post.re_names or bool(post.info.get("remargl"))


def lml(post: Posterior, method: str = "lmetropolis", *, force: bool = False) -> float:
    """Log marginal likelihood by Laplace-Metropolis or, with ``method="hmean"``, the harmonic
    mean; missing with an improper prior and, unless ``force``, for a multilevel model fitted
    without ``remargl``."""
    from .bayes import _improper

    if post.logprior is None or _improper(post.model) or not (force or reports_lml(post)):
        return math.nan
    if post.info.get("excluded"):  # exclude(): not available ([BAYES] bayesmh)
        return math.nan
    if method == "hmean":
        return harmonic_mean(post.loglik)
    draws = np.concatenate([post.draws, post.re_draws], axis=2)
    return laplace_metropolis(draws, post.loglik + post.logprior, post.logpost_mean)


def _method(cmd: Command) -> str:
    m = str(cmd.option("marglmethod", "lmetropolis")).lower()
    return "hmean" if m == "hmean" else "lmetropolis"


def _lml_notes(cmd: Command, posts: list[tuple[str, Posterior]]) -> list[str]:
    how = "harmonic mean" if _method(cmd) == "hmean" else "Laplace–Metropolis"
    notes = [f"Note: Marginal likelihood (ML) is computed using {how} approximation."]
    hidden = [n for n, p in posts if not reports_lml(p)]
    if hidden:
        notes.append(
            f"Note: log(ML) of multilevel model{'s' if len(hidden) > 1 else ''} "
            f"{', '.join(hidden)} is not computed; refit or replay with option remargl."
        )
    return notes


def _models(s, cmd: Command) -> list[tuple[str, Posterior]]:
    from .estimates import resolve_names

    items = cmd.body.items if isinstance(cmd.body, ParamList) else ()
    words = [it.name for it in items if isinstance(it, Name)]
    if len(words) != len(items):
        raise StataError("model names expected", 198)
    if not words:
        if not isinstance(s.e, Posterior):
            raise StataError("last estimates not found", 301)
        return [("active", s.e)]
    out = resolve_names(s, words)
    for name, e in out:
        if not isinstance(e, Posterior):
            raise StataError(f"estimation results {name} are not Bayesian", 322)
    return out


def _chain_view(post: Posterior, idx: list[int]) -> Posterior:
    """The results of some chains only (for ``chains()`` and ``sepchains``)."""
    import copy

    view = copy.copy(post)  # keeps what is attached besides the fields (the design)
    view.draws = post.draws[idx]
    view.re_draws = post.re_draws[idx]
    view.loglik = post.loglik[idx]
    view.logprior = None if post.logprior is None else post.logprior[idx]
    view.logpost_mean = None if post.logpost_mean is None else post.logpost_mean[idx]
    return view


def _chosen(post: Posterior, cmd: Command) -> list[int]:
    """The chains (0-based) ``chains(_all | numlist)`` chooses, all by default; r(198) for an
    empty list or a chain the results do not have."""
    from .bayesstats import _numlist

    raw = cmd.option("chains")
    if raw is True or (raw is not None and not str(raw).strip()):
        raise StataError("chains() incorrectly specified", 198)
    idx = [c - 1 for c in _numlist(raw)] if raw is not None else list(range(post.nchains))
    bad = [c + 1 for c in idx if not 0 <= c < post.nchains]
    if bad:
        raise StataError(f"chains(): chain {bad[0]} not found", 198)
    return idx


def _views(post: Posterior, idx: list[int]) -> list[Posterior]:
    return [_chain_view(post, [c]) for c in idx] if len(idx) > 1 else [_chain_view(post, idx)]


def _criteria(post: Posterior, idx: list[int], diconly: bool, method: str) -> tuple[float, float]:
    """DIC and log ML of the chains ``idx``, averaged over them ([BAYES] bayesstats ic: with
    several chains, "Avg DIC" and "Avg log(ML)")."""
    views = _views(post, idx)
    d = float(np.mean([dic(v) for v in views]))
    m = math.nan if diconly else float(np.mean([lml(v, method) for v in views]))
    return d, m


@command("bayesstats", "ic")
def bayesstats_ic(s, cmd: Command) -> list[Output]:
    """``bayesstats ic [names] [, bayesfactor basemodel() diconly chains() sepchains]``."""
    models = _models(s, cmd)
    names = [n for n, _ in models]
    base = cmd.option("basemodel")
    if base is not None and str(base) not in names:
        raise StataError(f"basemodel({base}): model not found among those listed", 198)
    return _tables(s, cmd, models, _ic_table)


def _tables(s, cmd: Command, models, table) -> list[Output]:
    """``table`` of the models over the chains ``chains()`` chooses; with ``sepchains`` one
    table per chain (the #th chosen chain of every model that has one)."""
    chosen = [_chosen(p, cmd) for _, p in models]
    if cmd.has("sepchains") and max(len(c) for c in chosen) > 1:
        outs: list[Output] = []
        for k in range(max(len(c) for c in chosen)):
            ms = [(n, p, [c[k]]) for (n, p), c in zip(models, chosen) if k < len(c)]
            outs += table(s, cmd, ms, title=f"Chain {ms[0][2][0] + 1}")
        return outs
    return table(s, cmd, [(n, p, c) for (n, p), c in zip(models, chosen)])


def _ic_table(s, cmd: Command, models, title: str | None = None) -> list[Output]:
    diconly = cmd.has("diconly")
    base = cmd.option("basemodel")
    names = [n for n, _, _ in models]
    bi: int | None = 0
    if base is not None:
        bi = names.index(str(base)) if str(base) in names else None
    crit = [_criteria(p, idx, diconly, _method(cmd)) for _, p, idx in models]
    dics = [d for d, _ in crit]
    lmls = [m for _, m in crit]
    # the base model has no such chain (sepchains): no Bayes factors in this table
    lbf = [lm - lmls[bi] if bi is not None and k != bi else math.nan for k, lm in enumerate(lmls)]
    bf = cmd.has("bayesfactor")
    avg = any(len(idx) > 1 for _, _, idx in models)
    pre = ["Chains"] if avg else []
    nch = [[float(len(idx))] if avg else [] for _, _, idx in models]
    if diconly:
        cols = [*pre, "Avg DIC" if avg else "DIC"]
        vals = [[*c, d] for c, d in zip(nch, dics)]
        head = "Deviance information criterion"
    else:
        cols = [*pre, "Avg DIC" if avg else "DIC", "Avg log(ML)" if avg else "log(ML)"]
        cols.append("BF" if bf else "log(BF)")
        vals = [
            [*c, d, m, (math.exp(x) if math.isfinite(x) else math.nan) if bf else x]
            for c, d, m, x in zip(nch, dics, lmls, lbf)
        ]
        head = "Bayesian information criteria"
    cw = 12 if avg else 11  # "Avg log(ML)" needs a wider column
    width = 14 + cw * len(cols)
    lines = [*([title, ""] if title else []), head, "", "-" * width]
    lines.append(f"{'':>12} |" + "".join(f"{c:>{cw}}" for c in cols))
    lines.append("-" * 13 + "+" + "-" * (width - 14))
    for n, v in zip(names, vals):
        cells = [
            f"{int(x):>{cw}}" if avg and j == 0 else f"{fmt_g(x, 9):>{cw}}" for j, x in enumerate(v)
        ]
        lines.append(f"{n[:12]:>12} |" + "".join(cells))
    lines.append("-" * width)
    notes = [] if diconly else _lml_notes(cmd, [(n, p) for n, p, _ in models])
    text = "\n".join(lines + notes)
    html = html_table(
        [["", *cols]],
        [[n, *(fmt_g(x, 9) for x in v)] for n, v in zip(names, vals)],
        caption=head if not title else f"{title}: {head}",
        notes=notes,
    )
    M = Matrix(np.array(vals, dtype=float), names, cols)
    s.r = {"ic": M}
    return [Block(text, html, data=M)]


@command("bayestest", "model")
def bayestest_model(s, cmd: Command) -> list[Output]:
    """``bayestest model [names] [, prior() marglmethod() chains() sepchains]``; with several
    chains each model's log ML is averaged over the chains chosen, as ``bayesstats ic`` does."""
    return _tables(s, cmd, _models(s, cmd), _model_table)


def _model_table(s, cmd: Command, models, title: str | None = None) -> list[Output]:
    names = [n for n, _, _ in models]
    method = _method(cmd)
    lmls = np.array([np.mean([lml(v, method) for v in _views(p, idx)]) for _, p, idx in models])
    avg = any(len(idx) > 1 for _, _, idx in models)
    missing = [n for n, m in zip(names, lmls) if not np.isfinite(m)]
    pri = cmd.option("prior")
    if pri is not None:
        text = "" if pri is True else str(pri)
        try:
            prior = np.array([float(x) for x in text.replace(",", " ").split()])
        except ValueError:
            raise StataError(f"prior({text}): numbers expected, one per model", 198) from None
        if (
            pri is True
            or len(prior) != len(names)
            or np.any(prior <= 0)
            or abs(prior.sum() - 1) > 1e-8
        ):
            raise StataError(
                "prior() must give one positive probability per model, summing to 1", 198
            )
    else:
        prior = np.full(len(names), 1.0 / len(names))
    if missing:  # [BAYES] bayesmh (marglmiss): the posterior probabilities are missing too
        post_p = np.full(len(names), np.nan)
    else:
        lp = lmls + np.log(prior)
        post_p = np.exp(lp - lp.max())
        post_p /= post_p.sum()
    ml = "Avg log(ML)" if avg else "log(ML)"
    cw = 12 if avg else 11  # "Avg log(ML)" needs a column wider by one, as in bayesstats ic
    lines = [
        *([title, ""] if title else []),
        "Bayesian model tests",
        "",
        "-" * (35 + cw),
        f"{'':>12} |{ml:>{cw}}        P(M)    P(M|y)",
        "-" * 13 + "+" + "-" * (21 + cw),
    ]
    for n, m, p0, p1 in zip(names, lmls, prior, post_p):
        lines.append(f"{n[:12]:>12} |{fmt_g(m, 9):>{cw}}{p0:>12.4f}{_prob(p1):>10}")
    notes = _lml_notes(cmd, [(n, p) for n, p, _ in models])
    if missing:
        notes.append(
            f"Note: Marginal likelihood of {', '.join(missing)} is missing, "
            "so the posterior model probabilities are missing."
        )
    lines += ["-" * (35 + cw), *notes]
    vals = np.column_stack([lmls, prior, post_p])
    M = Matrix(vals, names, [ml, "P(M)", "P(M|y)"])
    s.r = {"test": M}
    head = "Bayesian model tests"
    html = html_table(
        [["", ml, "P(M)", "P(M|y)"]],
        [[n, fmt_g(m, 9), f"{a:.4f}", _prob(b)] for n, m, a, b in zip(names, lmls, prior, post_p)],
        caption=head if not title else f"{title}: {head}",
        notes=notes,
    )
    return [Block("\n".join(lines), html, data=M)]


def _prob(p: float) -> str:
    return f"{p:.4f}" if np.isfinite(p) else "."
