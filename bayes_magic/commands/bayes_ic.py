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

from ..diagnostics.lml import laplace_metropolis
from ..errors import StataError
from ..matrix import Matrix
from ..posterior import Posterior
from ..report.format import fmt_g
from ..report.output import Block, Output, html_table
from ..syntax.ast import Command, Name, ParamList
from .registry import command

__all__ = ["dic", "lml", "mean_loglik", "mu_draws"]

_LM_NOTE = "Note: Marginal likelihood (ML) is computed using Laplace–Metropolis approximation."


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
    names = post.layout.coef_names
    bi = [post.names.index(n) for n in names]
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
    beta = np.array([post.chains_of(n).mean() for n in post.layout.coef_names])
    q = post.re_draws.shape[2]
    b = post.re_draws.reshape(-1, q).mean(axis=0) if q else np.zeros(0)
    s2 = float(post.chains_of(post.model.sigma2_name).mean())
    return _loglik(post, _mu(post, beta, b), s2)


def dic(post: Posterior) -> float:
    """The deviance information criterion, 2·D̄ − D(θ̄)."""
    dbar = float(np.mean(-2.0 * post.loglik))
    return 2.0 * dbar + 2.0 * mean_loglik(post)


def lml(post: Posterior) -> float:
    """Laplace-Metropolis log marginal likelihood (missing with an improper prior)."""
    from .bayes import _improper

    if post.logprior is None or _improper(post.model):
        return math.nan
    draws = np.concatenate([post.draws, post.re_draws], axis=2)
    return laplace_metropolis(draws, post.loglik + post.logprior)


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


@command("bayesstats", "ic")
def bayesstats_ic(s, cmd: Command) -> list[Output]:
    models = _models(s, cmd)
    diconly = cmd.has("diconly")
    base = cmd.option("basemodel")
    names = [n for n, _ in models]
    if base is not None and str(base) not in names:
        raise StataError(f"basemodel({base}): model not found among those listed", 198)
    bi = names.index(str(base)) if base is not None else 0
    dics = [dic(p) for _, p in models]
    lmls = [math.nan if diconly else lml(p) for _, p in models]
    lbf = [lm - lmls[bi] if k != bi else math.nan for k, lm in enumerate(lmls)]
    bf = cmd.has("bayesfactor")
    if diconly:
        cols = ["DIC"]
        vals = [[d] for d in dics]
        title = "Deviance information criterion"
    else:
        cols = ["DIC", "log(ML)", "BF" if bf else "log(BF)"]
        vals = [
            [d, m, (math.exp(x) if math.isfinite(x) else math.nan) if bf else x]
            for d, m, x in zip(dics, lmls, lbf)
        ]
        title = "Bayesian information criteria"
    width = 14 + 11 * len(cols)
    lines = [title, "", "-" * width, f"{'':>12} |" + "".join(f"{c:>11}" for c in cols)]
    lines.append("-" * 13 + "+" + "-" * (width - 14))
    for n, v in zip(names, vals):
        lines.append(f"{n[:12]:>12} |" + "".join(f"{fmt_g(x, 9):>11}" for x in v))
    lines.append("-" * width)
    notes = []
    if not diconly:
        notes.append(
            "Note: Marginal likelihood (ML) is computed using Laplace–Metropolis approximation."
        )
    text = "\n".join(lines + notes)
    html = html_table(
        [["", *cols]],
        [[n, *(fmt_g(x, 9) for x in v)] for n, v in zip(names, vals)],
        caption=title,
        notes=notes,
    )
    M = Matrix(np.array(vals, dtype=float), names, cols)
    s.r = {"ic": M}
    return [Block(text, html, data=M)]


@command("bayestest", "model")
def bayestest_model(s, cmd: Command) -> list[Output]:
    models = _models(s, cmd)
    names = [n for n, _ in models]
    lmls = np.array([lml(p) for _, p in models])
    if not np.all(np.isfinite(lmls)):
        bad = names[int(np.argmin(np.isfinite(lmls)))]
        raise StataError(f"log marginal likelihood of {bad} is missing (an improper prior?)", 498)
    pri = cmd.option("prior")
    if pri is not None:
        prior = np.array([float(x) for x in str(pri).replace(",", " ").split()])
        if len(prior) != len(names) or np.any(prior <= 0) or abs(prior.sum() - 1) > 1e-8:
            raise StataError(
                "prior() must give one positive probability per model, summing to 1", 198
            )
    else:
        prior = np.full(len(names), 1.0 / len(names))
    lp = lmls + np.log(prior)
    post_p = np.exp(lp - lp.max())
    post_p /= post_p.sum()
    lines = [
        "Bayesian model tests",
        "",
        "-" * 46,
        f"{'':>12} |    log(ML)        P(M)    P(M|y)",
        "-" * 13 + "+" + "-" * 32,
    ]
    for n, m, p0, p1 in zip(names, lmls, prior, post_p):
        lines.append(f"{n[:12]:>12} |{fmt_g(m, 9):>11}{p0:>12.4f}{p1:>10.4f}")
    lines += [
        "-" * 46,
        "Note: Marginal likelihood (ML) is computed using Laplace–Metropolis approximation.",
    ]
    vals = np.column_stack([lmls, prior, post_p])
    M = Matrix(vals, names, ["log(ML)", "P(M)", "P(M|y)"])
    s.r = {"test": M}
    html = html_table(
        [["", "log(ML)", "P(M)", "P(M|y)"]],
        [
            [n, fmt_g(m, 9), f"{a:.4f}", f"{b:.4f}"]
            for n, m, a, b in zip(names, lmls, prior, post_p)
        ],
        caption="Bayesian model tests",
    )
    return [Block("\n".join(lines), html, data=M)]
