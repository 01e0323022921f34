"""The columns behind ``anova``'s sums of squares ([R] anova).

Each term gets a block of sum-to-zero (effect) coded columns: a factor with levels
l₁ … l_k codes as k − 1 columns, column j being 1 at l_j, −1 at l_k and 0 elsewhere; a
continuous variable is its own value; an interaction is the row-wise product of its components'
columns; a nested term ``c|t`` is, within each observed cell of ``t``, the coding of ``c`` over
the levels seen in that cell (zero outside it). With a constant these blocks span the same space
as the model's indicator columns, and dropping one block tests the hypothesis behind Stata's
partial (SAS type III) sums of squares when no cell is empty (Searle 1987, *Linear Models for
Unbalanced Data*, ch. 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dataset.dataset import Dataset
from ..dataset.varnames import resolve
from ..errors import StataError

__all__ = ["AnovaComponent", "effect_block"]


@dataclass(frozen=True)
class AnovaComponent:
    """One variable of an ``anova`` term: its name and whether it is continuous (``c.``)."""

    var: str
    continuous: bool = False


def _values(ds: Dataset, name: str) -> np.ndarray:
    if ds.is_string(name):
        raise StataError(
            f"string variables not allowed in varlist;\n{name} is a string variable", 109
        )
    return np.asarray(ds.values(name), dtype=float)


def _codes(x: np.ndarray, name: str) -> np.ndarray:
    if np.any(x != np.round(x)):
        raise StataError(f"{name}:  factor variables may not contain noninteger values", 452)
    if np.any(x < 0):
        raise StataError(f"{name}:  factor variables may not contain negative values", 452)
    return x


def _effect(codes: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Sum-to-zero columns of a factor over ``rows`` (the levels seen there); zero elsewhere."""
    levels = np.unique(codes[rows])
    out = np.zeros((codes.size, max(levels.size - 1, 0)))
    last = rows & (codes == levels[-1])
    for j, lv in enumerate(levels[:-1]):
        out[rows & (codes == lv), j] = 1.0
        out[last, j] = -1.0
    return out


def _product(blocks: list[np.ndarray]) -> np.ndarray:
    out = blocks[0]
    for b in blocks[1:]:
        out = (out[:, :, None] * b[:, None, :]).reshape(out.shape[0], -1)
    return out


def effect_block(
    ds: Dataset,
    sample: np.ndarray,
    components: tuple[AnovaComponent, ...],
    within: tuple[str, ...] = (),
) -> np.ndarray:
    """The effect-coded columns of one ``anova`` term over the estimation sample.

    Parameters
    ----------
    ds
        The data.
    sample
        Boolean mask of the estimation sample over the observations.
    components
        The crossed variables of the term (``a#c.x`` is ``a`` and continuous ``x``).
    within
        The factors the term is nested in (``c|t`` has ``within=("t",)``).

    Returns
    -------
    numpy.ndarray
        An (n_sample, k) matrix; k is 0 when the term has no free level.
    """
    n = int(sample.sum())
    raw = {c.var: _values(ds, resolve(ds, c.var))[sample] for c in components}
    cells = [_codes(_values(ds, resolve(ds, w))[sample], w) for w in within]
    if cells:
        keys = np.stack(cells, axis=1)
        _, cell = np.unique(keys, axis=0, return_inverse=True)
        cell = cell.ravel()
        groups = [cell == g for g in range(cell.max() + 1)]
    else:
        groups = [np.ones(n, dtype=bool)]
    parts: list[np.ndarray] = []
    for rows in groups:
        cols = []
        for c in components:
            x = raw[c.var]
            if c.continuous:
                cols.append(np.where(rows, x, 0.0)[:, None])
            else:
                cols.append(_effect(_codes(x, c.var), rows))
        parts.append(_product(cols))
    return np.hstack(parts) if parts else np.zeros((n, 0))
