"""Minimizing a smooth criterion of a few bounded parameters to full precision.

Quasi-Newton (L-BFGS-B) gets close; a Newton polish with central-difference derivatives then
converges quadratically, so that estimates agree with Stata's and lme4's to every printed digit
even where the surface is flat (crossed and nested variance components). Parameters held at a
bound with the gradient pushing outwards stay there (a variance estimated as zero).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize

__all__ = [
    "minimize_bounded",
    "gradient",
    "hessian",
    "jacobian",
    "covariance_of",
    "newton_ascent",
]

Bounds = list[tuple[float | None, float | None]]


def covariance_of(H: np.ndarray) -> np.ndarray:
    """The inverse of an observed information matrix, or NaN where it is not a covariance
    (singular, or a negative variance): the standard errors are then missing, as Stata shows."""
    try:
        V = np.linalg.inv(H)
        if not np.all(np.isfinite(V)) or np.any(np.diag(V) < 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        V = np.full(H.shape, np.nan)
    return V


def gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Fourth-order central differences (steps h and 2h)."""
    g = np.empty(len(x))
    for i in range(len(x)):
        e = np.zeros(len(x))
        e[i] = h[i]
        g[i] = (8 * (f(x + e) - f(x - e)) - (f(x + 2 * e) - f(x - 2 * e))) / (12 * h[i])
    return g


def hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Central second differences, Richardson-extrapolated from steps ``h`` and ``h/2``.

    The error is O(h⁴) plus rounding of order eps·|f|/h², so steps of about 1e-3 of the
    parameters' scale give 7 or more correct digits for log likelihoods of a few thousand.
    """

    def plain(step: np.ndarray) -> np.ndarray:
        d = len(x)
        H = np.empty((d, d))
        f0 = f(x)
        for i in range(d):
            ei = np.zeros(d)
            ei[i] = step[i]
            H[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / step[i] ** 2
            for j in range(i):
                ej = np.zeros(d)
                ej[j] = step[j]
                H[i, j] = H[j, i] = (
                    f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)
                ) / (4 * step[i] * step[j])
        return H

    return (4 * plain(h / 2) - plain(h)) / 3


def jacobian(g: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Central differences of a gradient: the Hessian from 2d gradient evaluations."""
    d = len(x)
    H = np.empty((d, d))
    for i in range(d):
        e = np.zeros(d)
        e[i] = h[i]
        H[:, i] = (g(x + e) - g(x - e)) / (2 * h[i])
    return 0.5 * (H + H.T)


def _project(x: np.ndarray, bounds: Bounds) -> np.ndarray:
    lo = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
    hi = np.array([np.inf if b[1] is None else b[1] for b in bounds])
    return np.clip(x, lo, hi)


def minimize_bounded(
    f: Callable[[np.ndarray], float],
    x0: np.ndarray,
    bounds: Bounds,
    *,
    fg: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
    callback: Callable[[int, float], None] | None = None,
    maxiter: int = 2000,
    escape: bool = False,
    canonical: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, float, bool]:
    """Minimize ``f`` within ``bounds``; returns ``(x, f(x), converged)``.

    ``fg``, when given, returns ``(f(x), ∇f(x))`` analytically; the quasi-Newton search and the
    Newton polish then use it instead of differences of ``f``. ``escape`` probes coordinates
    stopped on a lower bound of 0 that is always stationary (``mixed``'s relative scales θ,
    whose criterion is even in each diagonal θ) and searches again from a better point;
    ``canonical`` maps a point to an equivalent one (same ``f``) to probe from.
    """
    it = [0]

    def cb(intermediate_result) -> None:
        it[0] += 1
        if callback is not None:
            callback(it[0], float(intermediate_result.fun))

    if callback is not None:
        callback(0, f(x0))
    if maxiter <= 0:  # iterate(0): the starting values, not converged ([R] maximize)
        x = _project(np.asarray(x0, dtype=float), bounds)
        return x, f(x), False

    def search(start: np.ndarray, exact: bool = fg is not None):
        return minimize(
            fg if exact else f,
            start,
            jac=exact,
            method="L-BFGS-B",
            bounds=bounds,
            callback=cb,
            # an exact gradient reaches the optimum to ~1e-7 relative with these tolerances
            # (the reference tests hold it to 1e-4); differences of f need the tighter ones and
            # a polish
            options={
                "ftol": 1e-12 if exact else 1e-14,
                "gtol": 1e-8 if exact else 1e-9,
                "maxiter": maxiter,
                "maxfun": 20 * maxiter,
            },
        )

    def attempt(start: np.ndarray, exact: bool = fg is not None):
        r2 = search(start, exact)
        x2 = _project(np.asarray(r2.x, dtype=float), bounds)
        return r2, x2, f(x2)

    r, x, fx = attempt(x0)
    converged = bool(r.success)
    for _ in range(3 if fg is not None else 0):
        # L-BFGS-B also stops when f barely falls (ftol) though the gradient is large (a line
        # search misled by one poor evaluation): search again from there, with fresh memory
        if not (r.success and _projected_gradient(fg(x)[1], x, bounds) > 1e-4 * max(1, abs(fx))):
            break
        r2, x2, f2 = attempt(x)
        if not f2 < fx:
            break
        x, fx, r, converged = x2, f2, r2, bool(r2.success)
    if fg is not None and not r.success and it[0] < maxiter:
        # the line search failed: ∇ from fg is that of a rule adapted at the current point
        # (adaptive quadrature), which f re-adapts; go on with differences of f itself
        r2, x2, f2 = attempt(x, exact=False)
        if f2 <= fx:
            x, fx, r, converged = x2, f2, r2, bool(r2.success)
    # A parameter on its lower bound may be a false stop: a variance component's criterion is
    # even in its scale θ, so θ = 0 is always stationary, and a first line search that
    # overshoots to the bound stays there. Probe inwards at several scales (covariates in
    # large units give small θ) and search again from any point that is better.
    for _ in range(5 if escape else 0):
        start = _escape(f, canonical(x) if canonical is not None else x, fx, bounds)
        if start is None:
            break
        r2, x2, f2 = attempt(start)
        if not f2 < fx:
            break
        x, fx, r, converged = x2, f2, r2, bool(r2.success)
    if fg is not None and r.success:
        # with an exact gradient the quasi-Newton answer is converged to gtol: no polish
        return x, fx, True
    # Newton polish on the coordinates that are not held at a bound
    lo = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
    # the polish steps count against the same iteration limit as the quasi-Newton ones
    for _ in range(min(50, max(0, maxiter - it[0]))):
        # steps large enough that rounding in f (a solve of size q) stays below the curvature
        h = 1e-3 * np.maximum(np.abs(x), 0.1)
        at_lo = (x - lo) < 3 * h
        xs = np.where(at_lo, x + 3 * h, x)  # evaluate derivatives inside the domain
        g = fg(xs)[1] if fg is not None else gradient(f, xs, h)
        free = ~(at_lo & (g > 0))
        if not free.any():
            converged = True  # every coordinate held at its bound by a gradient pointing out
            break
        idx = np.flatnonzero(free)
        if fg is not None:
            full = fg(x)[1]
            gi = full[idx]
            H = jacobian(
                lambda z, idx=idx, x=x: fg(_embed(x, idx, z))[1][idx], x[idx], 0.1 * h[idx]
            )
        else:
            H = hessian(lambda z, idx=idx, x=x: f(_embed(x, idx, z)), x[idx], h[idx])
            gi = gradient(lambda z, idx=idx, x=x: f(_embed(x, idx, z)), x[idx], h[idx])
        try:
            w, V = np.linalg.eigh(H)
        except np.linalg.LinAlgError:
            break
        if w.min() <= 0:
            break  # not locally convex here: keep the quasi-Newton answer
        step = -(V @ ((V.T @ gi) / w))
        # Stata's convergence test: the scaled gradient g'H^{-1}g (ml's nrtolerance(1e-5), on
        # the log-likelihood scale; f is a deviance, -2 ll, so the same test reads 2e-5 here)
        if float(-gi @ step) < 2e-5:
            converged = True
        improved = False
        for scale in (1.0, 0.5, 0.25, 0.1):
            cand = x.copy()
            cand[idx] = x[idx] + scale * step
            cand = _project(cand, bounds)
            fc = f(cand)
            if fc <= fx:
                improved = True
                break
        if not improved:
            break
        done = np.max(np.abs(cand - x)) < 1e-10 * max(1.0, np.max(np.abs(x))) or fx - fc < 1e-13
        x, fx = cand, fc
        if callback is not None:
            it[0] += 1
            callback(it[0], fx)
        if done:
            converged = True
            break
    return x, fx, converged


def _projected_gradient(g: np.ndarray, x: np.ndarray, bounds: Bounds) -> float:
    """The largest gradient component that could still lower f within the bounds."""
    out = 0.0
    for gi, xi, (lo, hi) in zip(g, x, bounds):
        if lo is not None and xi - lo <= 1e-10 and gi > 0:
            continue
        if hi is not None and hi - xi <= 1e-10 and gi < 0:
            continue
        out = max(out, abs(float(gi)))
    return out


def _escape(
    f: Callable[[np.ndarray], float], x: np.ndarray, fx: float, bounds: Bounds
) -> np.ndarray | None:
    """A point better than ``x`` with one coordinate moved off its lower bound, or None."""
    tol = 1e-10 * max(1.0, abs(fx))
    for i, (lo, hi) in enumerate(bounds):
        if lo is None or x[i] - lo > 1e-8:
            continue
        for t in (1.0, 0.3, 0.1, 0.03, 0.01, 1e-3, 1e-4):
            cand = x.copy()
            cand[i] = lo + t if hi is None else min(lo + t, (lo + hi) / 2)
            try:
                fc = f(cand)
            except (np.linalg.LinAlgError, ValueError, FloatingPointError):
                continue
            if fc < fx - tol:
                return cand
    return None


def _embed(x: np.ndarray, idx: np.ndarray, z: np.ndarray) -> np.ndarray:
    out = x.copy()
    out[idx] = z
    return out


def newton_ascent(
    loglik: Callable[[np.ndarray, bool], tuple[float, np.ndarray | None, np.ndarray | None]],
    theta: np.ndarray,
    iterate: int,
    valid: Callable[[np.ndarray], bool] | None = None,
) -> tuple[np.ndarray, float, list[tuple[int, float]], bool]:
    """Maximize a concave log likelihood by Newton's method with step halving, as Stata's
    ``ml`` iterates ([R] Maximize): ``loglik(θ, derivatives)`` gives ℓ and, when asked, its
    gradient and Hessian; a step is halved until ℓ does not fall (and ``valid(θ)`` holds:
    ordered cutpoints). Returns (θ, ℓ, the iteration log [(k, ℓ_k)], converged)."""
    ll, g, H = loglik(theta, True)
    log = [(0, ll)]
    converged = False
    for it in range(1, iterate + 1):
        try:
            step = np.linalg.solve(-H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(-H, g, rcond=None)[0]
        t = 1.0
        while True:
            cand = theta + t * step
            if valid is None or valid(cand):
                ll_new = loglik(cand, False)[0]
                if np.isfinite(ll_new) and ll_new >= ll - 1e-10 * abs(ll):
                    break
            t /= 2
            if t < 1e-10:
                break
        if t < 1e-10:
            break
        dec = float(g @ step)  # g'H⁻¹g: the predicted gain
        theta = cand
        ll, g, H = loglik(theta, True)
        log.append((it, ll))
        if dec < 1e-13 or (abs(log[-1][1] - log[-2][1]) < 1e-12 * abs(ll) and dec < 1e-8):
            converged = True
            break
    return theta, ll, log, converged
