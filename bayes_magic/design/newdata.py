"""A fitted model's design over the data in memory, for predictions: ``predict`` after
``mixed`` and ``bayespredict`` work on whatever observations are there now, as Stata's do
([ME] mixed postestimation, [BAYES] bayespredict), not only on the estimation sample.

The fixed-effects columns are rebuilt from the coefficient names Stata gives them
(``homework``, ``1.schtype``, ``2.a#c.x``, ``_cons``), so a factor level missing from the data
in memory is simply a column of zeros; random effects exist for the groups of the estimation
sample only.
"""

from __future__ import annotations

import re

import numpy as np

from ..dataset.dataset import Dataset
from ..dataset.varnames import resolve
from ..errors import StataError
from .mixed import RELevel

__all__ = [
    "LEVEL_PART",
    "current_weights",
    "fixed_columns",
    "column_variables",
    "group_rows",
    "re_columns",
    "outcome",
]

#: one factor level of a column name, ``2.a`` or ``0b.a``: its value and variable
LEVEL_PART = re.compile(r"(\d+)[bno]*\.([^#]+)")


def _numeric(ds: Dataset, name: str, at: dict[str, np.ndarray] | None = None) -> np.ndarray:
    v = resolve(ds, name)
    if at is not None and v in at:
        return at[v]
    x = ds.values(v)
    if x.dtype == object:
        raise StataError(f"string variables not allowed;\n{v} is a string variable", 109)
    return np.asarray(x, dtype=float)


def numeric_values(ds: Dataset, name: str) -> np.ndarray:
    """A numeric variable over the data in memory (NaN where missing): an ``offset()``;
    r(111) when it no longer exists, r(109) for a string variable."""
    return _numeric(ds, name)


def _column(ds: Dataset, name: str, at: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """One coefficient's column: a product of level indicators and continuous variables."""
    if name == "_cons":
        return np.ones(ds.nobs)
    out = np.ones(ds.nobs)
    for part in name.split("#"):
        m = LEVEL_PART.fullmatch(part)
        if m:
            x = _numeric(ds, m.group(2), at)
            ind = (x == float(m.group(1))).astype(float)
            ind[np.isnan(x)] = np.nan
            out = out * ind
        else:
            base = part[2:] if part.startswith(("c.", "o.")) else part
            out = out * _numeric(ds, base, at)
    return out


def fixed_columns(
    ds: Dataset, xnames: list[str], at: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    """X (observations by coefficients) over the data in memory; NaN where a covariate is
    missing. ``at`` gives some variables (by their full names) other values, as ``margins``
    sets them: a counterfactual design."""
    X = np.zeros((ds.nobs, len(xnames)))
    for j, name in enumerate(xnames):
        X[:, j] = _column(ds, name, at)
    return X


def column_variables(name: str) -> list[str]:
    """The variables a coefficient's column is made of (``2.a#c.x``: a and x)."""
    if name == "_cons":
        return []
    out = []
    for part in name.split("#"):
        m = LEVEL_PART.fullmatch(part)
        out.append(m.group(2) if m else (part[2:] if part.startswith(("c.", "o.")) else part))
    return out


def group_rows(ds: Dataset, lv: RELevel) -> np.ndarray:
    """Each observation's group among the level's groups of the fit (-1: not among them)."""
    if not lv.path:
        return np.zeros(ds.nobs, dtype=np.int64)
    pos = {t: i for i, t in enumerate(lv.ids)}
    cols = [ds.values(resolve(ds, v)) for v in lv.path]
    keys = list(zip(*(c.tolist() for c in cols)))
    return np.array([pos.get(k, -1) for k in keys], dtype=np.int64)


def re_columns(ds: Dataset, lv: RELevel) -> np.ndarray:
    """The level's random-effects design Z over the data in memory (columns ``lv.znames``)."""
    return np.column_stack(
        [np.ones(ds.nobs) if nm == "_cons" else _numeric(ds, nm) for nm in lv.znames]
    )


def outcome(ds: Dataset, depvar: str) -> np.ndarray:
    """The outcome's values in memory (NaN where missing), for the observed statistics."""
    return _numeric(ds, depvar)


def current_weights(ds: Dataset, spec) -> np.ndarray:
    """The weights of a fitted model's spec over the data in memory (ones without weights),
    for postestimation averages (``margins``, ``estat classification``)."""
    if spec is None or getattr(spec, "weight", None) is None:
        return np.ones(ds.nobs)
    from ..dataset.evaluate import Context, evaluate

    return np.asarray(evaluate(spec.weight.expr, Context(ds)), dtype=float)
