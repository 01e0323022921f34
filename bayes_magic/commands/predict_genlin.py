"""``predict`` after ``glm`` ([R] glm postestimation): ``mu`` (the default), ``xb``/``eta``,
``stdp``, and the residuals ``response``, ``pearson``, ``deviance`` (``adjusted``),
``anscombe``, ``working``, ``score``, ``likelihood``, the leverage ``hat`` and ``cooksd``;
``standardized`` divides a residual by √(1 - h), ``studentized`` by √φ, ``modified`` by
√(disp / w). ``nooffset`` drops the offset.

The leverage is that of the IRLS regression at the estimate, h = W x (X'WX)⁻¹ x' with
W = (dμ/dη)² / V(μ) over the estimation sample; Cook's distance is
h r²/(k φ (1-h)²) with r the Pearson residual; the likelihood residual is
sign(y-μ) √(h r_P'² + d) with r_P' the standardized Pearson residual and d the deviance
contribution (Hardin and Hilbe; Pierce and Schafer 1986).
"""

from __future__ import annotations

import numpy as np

from ..dataset.varnames import resolve
from ..dataset.weights import rescale_aweights
from ..design.glmm import trials_offset_now
from ..design.newdata import fixed_columns
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command
from .predict import _newnames, new_variables, store_prediction

_STATS = (
    "mu",
    "xb",
    "eta",
    "stdp",
    "anscombe",
    "cooksd",
    "deviance",
    "hat",
    "likelihood",
    "pearson",
    "response",
    "scores",
    "working",
)
_MODS = ("standardized", "studentized", "modified", "adjusted")
_LABELS = {
    "deviance": "deviance residual",
    "response": "response residual",
    "pearson": "Pearson residual",
    "anscombe": "Anscombe residual",
    "scores": "score residual",
    "working": "working residual",
}


def predict_genlin(s, cmd: Command) -> list[Output]:
    est = s.e
    r = est.fit
    f = r.gfit
    fam, link = f.family, f.link
    stat = [o.name for o in cmd.options if o.name in _STATS]
    if len(stat) > 1:
        raise StataError("only one statistic may be specified", 198)
    bad = [o for o in cmd.options if o.name not in (*_STATS, *_MODS, "nooffset")]
    if bad:
        raise StataError(f"option {bad[0].name} not allowed", 198, span=bad[0].span)
    mods = [m for m in _MODS if cmd.has(m)]
    which = stat[0] if stat else "mu"
    if cmd.has("adjusted") and which != "deviance":
        raise StataError("option adjusted allowed only with option deviance", 198)
    if which in ("hat", "likelihood", "cooksd") and [m for m in mods if m != "adjusted"]:
        m = next(m for m in mods if m != "adjusted")
        raise StataError(f"option {m} not allowed with {which} residuals", 198)
    if which in ("mu", "xb", "eta", "stdp") and mods:
        raise StataError(f"option {mods[0]} not allowed", 198)
    words, vtype = new_variables(cmd)
    name = _newnames(s, words, 1)[0]
    ds = s.data
    d = r.design
    outs: list[Output] = []
    if not stat:
        outs.append(Text(f"(option mu assumed; predicted mean {d.depvar})"))
    X = fixed_columns(ds, d.xnames)
    m, off = trials_offset_now(ds, r.gdesign)
    if cmd.has("nooffset"):
        off = np.zeros(ds.nobs)
    eta = X @ f.beta + off
    p, dp, _ = link.inverse(eta)
    mu, dmu = m * p, m * dp
    touse = s.touse(cmd)
    vtype = vtype or s.settings.type
    if which == "mu":
        return outs + store_prediction(s, name, mu, vtype, f"Predicted mean {d.depvar}", touse)
    if which in ("xb", "eta"):
        return outs + store_prediction(s, name, eta, vtype, "Linear prediction", touse)
    if which == "stdp":
        se = np.sqrt(np.einsum("ij,jk,ik->i", X, f.V, X))
        return outs + store_prediction(s, name, se, vtype, "S.E. of the prediction", touse)
    y = np.asarray(ds.values(resolve(ds, d.depvar)), dtype=float)
    with np.errstate(all="ignore"):
        v, _ = fam.variance(mu, m)
        dev = fam.deviance(y, mu, m)
        val = {
            "deviance": np.sign(y - mu) * np.sqrt(dev),
            "response": y - mu,
            "pearson": (y - mu) / np.sqrt(v),
            "anscombe": fam.anscombe(y, mu, m),
            "scores": dmu * (y - mu) / v / (f.phi if f.method == "ml" else 1.0),
            "working": (y - mu) / dmu,
        }.get(which)
    label = _LABELS.get(which, "")
    if cmd.has("adjusted"):
        adj = fam.adjustment(mu, m, f.phi)
        if adj is None:
            raise StataError("Adjusted deviance residuals not supported for this family", 198)
        val, label = val + adj, "adjusted deviance residual"
    if val is not None and not [x for x in mods if x in ("standardized",)]:
        val, label = _modify(val, label, mods, est, f, ds, d)
        return outs + store_prediction(s, name, val, vtype, label, touse)
    if est.macros.get("vcetype") in ("Robust", "Semirobust") or r.vce in ("robust", "cluster"):
        raise StataError("option standardized not allowed after robust estimation", 198)
    h = _hat(r, X, dmu, v, ds)
    with np.errstate(all="ignore"):
        if which == "hat":
            return outs + store_prediction(s, name, h, vtype, "hat diagonal", touse)
        if which == "likelihood":
            spe = (y - mu) / np.sqrt(v * (1 - h))
            val = np.sign(y - mu) * np.sqrt(h * spe * spe + dev)
            return outs + store_prediction(s, name, val, vtype, "likelihood residual", touse)
        if which == "cooksd":
            pp = (y - mu) / np.sqrt(v * f.phi)
            val = h * pp * pp / (f.rank * (1 - h) ** 2)
            return outs + store_prediction(s, name, val, vtype, "Cook's distance", touse)
        val, label = _modify(val, label, mods, est, f, ds, d)
        val = val / np.sqrt(1 - h)
    return outs + store_prediction(s, name, val, vtype, f"standardized {label}", touse)


def _modify(val, label, mods, est, f, ds, d):
    """``studentized`` (÷ √φ) and ``modified`` (÷ √(disp / w)) residuals."""
    if "studentized" in mods:
        val, label = val / np.sqrt(f.phi), f"Studentized {label}"
    if "modified" in mods:
        w = np.full(ds.nobs, np.nan)
        if d.weights is None:
            w[d.sample] = 1.0
        else:
            ww = np.asarray(d.weights, dtype=float)
            w[d.sample] = rescale_aweights(ww) if d.weight_kind == "aweight" else ww
        val, label = val * np.sqrt(w / f.disp), f"modified {label}"
    return val, label


def _hat(r, X: np.ndarray, dmu: np.ndarray, v: np.ndarray, ds) -> np.ndarray:
    """The diagonal of the IRLS hat matrix over the estimation sample (missing elsewhere)."""
    d = r.design
    W = dmu * dmu / v
    wt = np.ones(d.n) if d.weights is None else np.asarray(d.weights, dtype=float)
    if d.weights is not None and d.weight_kind == "aweight":
        wt = rescale_aweights(wt)
    Xs = X[d.sample]
    Ws = W[d.sample]
    B = np.linalg.pinv(Xs.T @ (Xs * (Ws * wt)[:, None]))
    h = np.full(ds.nobs, np.nan)
    h[d.sample] = Ws * np.einsum("ij,jk,ik->i", Xs, B, Xs)
    return h
