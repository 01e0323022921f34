"""``bayespredict`` after a nonlinear ``bayesmh``: the compiled expression evaluated at every
draw over the data in memory ([BAYES] bayespredict)."""

from __future__ import annotations

import numpy as np

from ..design.bayes_nonlinear import build_bayes_nonlinear_design
from ..errors import StataError
from ..posterior import Posterior
from ..spec.bayes_nonlinear import BayesNonlinearModel

__all__ = ["nl_simulate"]


def nl_simulate(s, post: Posterior, rng: np.random.Generator, touse: np.ndarray):
    """``{_mu}`` (the expression at every draw; the probability or the Poisson mean with those
    likelihoods) and ``{_ysim}`` over the observations in memory in ``touse`` whose groups are
    among the fit's, as :func:`bayespredict.simulate` returns them for linear models."""
    from ..sampler import nonlinear as N
    from ..sampler.nonlinear_driver import compile_trees
    from .bayespredict import Predictions

    bm: BayesNonlinearModel = post.model
    lay = post.layout
    if len(bm.equations) > 1:
        raise StataError(
            "bayespredict after a multivariate bayesmh is not available in bayes_magic yet", 198
        )
    missing = [n for n in lay.theta_names if n not in post.names]
    missing += [n.split("[")[0] for n in lay.re_names if n not in post.re_names][:1]
    if missing:
        raise StataError(
            f"bayespredict needs every parameter of the expression; {{{missing[0]}}} was "
            "excluded at estimation",
            198,
        )
    d = build_bayes_nonlinear_design(s.data, bm, touse)
    keep = np.ones(d.n, bool)
    g = np.zeros((d.n, max(len(bm.levels), 1)), np.int64)
    for li, (dl, fit_ids) in enumerate(zip(d.levels, post.info["nl_group_ids"])):
        pos = {gid: j for j, gid in enumerate(fit_ids)}
        now = np.array([pos.get(gid, -1) for gid in dl.ids], np.int64)[dl.groups]
        keep &= now >= 0
        g[:, li] = np.maximum(now, 0)
    if not keep.any():
        raise StataError("no observations", 2000)
    index = {n: j for j, n in enumerate(lay.theta_names)}
    effects = {nm: e for e, nm in enumerate(nm for lv in bm.levels for nm in lv.names)}
    prog, pstart, consts, depth = compile_trees(d.trees, index, effects)
    fit = post.kernel  # type: ignore[attr-defined]
    pr = fit.pr._replace(
        prog=prog,
        pstart=pstart,
        consts=consts,
        cols=np.ascontiguousarray(d.cols[keep]),
        g=g[keep],
    )
    m = fit._replace(
        pr=pr,
        y=np.ascontiguousarray(d.y[keep]),
        pstart=pstart,
        cols=pr.cols,
        g=pr.g,
        prog=prog,
        consts=consts,
        depth=int(max(depth, 1)),
    )
    C, T = post.draws.shape[:2]
    ti = [post.names.index(n) for n in lay.theta_names]
    thetas = post.draws[:, :, ti].reshape(C * T, -1)
    q = post.re_draws.shape[2]
    bs = post.re_draws.reshape(C * T, q) if q else np.zeros((C * T, 0))
    with np.errstate(all="ignore"):
        eta = N.predict_means(m, np.ascontiguousarray(thetas), np.ascontiguousarray(bs))
    eta = eta[:, :, 0].reshape(C, T, -1)
    if bm.likelihood == "normal":
        s2 = (
            post.chains_of(bm.sigma2_name)[:, :, None]
            if bm.sigma2_name
            else np.full((C, T, 1), float(bm.sigma2))  # type: ignore[arg-type]
        )
        mu = eta
        ysim = mu + np.sqrt(s2) * rng.standard_normal(mu.shape)
    elif bm.likelihood == "poisson":
        mu = np.exp(eta)
        ysim = rng.poisson(mu).astype(float)
    else:
        from scipy.special import expit, ndtr

        mu = expit(eta) if bm.likelihood == "logit" else ndtr(eta)
        ysim = (rng.random(mu.shape) < mu).astype(float)
    rows = np.flatnonzero(d.sample)[keep]
    return Predictions(post.cmdline, bm.eq, d.y[keep, 0], mu, ysim, None, rows + 1)
