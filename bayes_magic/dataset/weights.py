"""Weights as Stata checks and applies them ([U] 11.1.6 weight, [U] 20.24 Weighted estimation).

Every weighted command goes through :func:`check_weights`: observations whose weight is missing
or zero are left out; frequency weights must be nonnegative integers; weights other than
``iweight`` may not be negative. ``aweight`` weights are then rescaled to sum to the number of
observations used (:func:`rescale_aweights`).
"""

from __future__ import annotations

import numpy as np

from ..errors import StataError

__all__ = ["check_weights", "rescale_aweights"]


def check_weights(w: np.ndarray, kind: str, touse: np.ndarray) -> np.ndarray:
    """Validate weights over the observations in ``touse``; return the observations to use.

    Parameters
    ----------
    w
        The weight expression's value at every observation.
    kind
        ``"fweight"``, ``"aweight"``, ``"iweight"`` or ``"pweight"``.
    touse
        The observations the command would use without weights.

    Returns
    -------
    numpy.ndarray
        ``touse`` without the observations whose weight is missing or zero.

    Raises
    ------
    StataError
        ``negative weights encountered`` (r(402)) and ``may not use noninteger frequency
        weights`` (r(401)).
    """
    use = touse & ~np.isnan(w)
    used = w[use]
    if kind != "iweight" and (used < 0).any():
        raise StataError("negative weights encountered", 402)
    if kind == "fweight" and (used != np.trunc(used)).any():
        raise StataError("may not use noninteger frequency weights", 401)
    return use & (w != 0)


def rescale_aweights(w: np.ndarray) -> np.ndarray:
    """Analytic weights rescaled to sum to their number (Stata's normalization)."""
    total = float(w.sum())
    return w * (len(w) / total) if total else w
