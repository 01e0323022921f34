"""``egen``'s functions over arrays ([D] egen).

The group statistics (``mean``, ``sd``, ``max`` ... ``mode``, ``total``, ``count``) are
"constant within group": every observation of a group that the command uses (its ``if``/``in``)
gets the statistic of the group's nonmissing values, also where its own value is missing.
``pc``, ``std`` and ``rank`` are per observation, defined where the argument is not missing.
Groups are integer codes per observation (any order: the ``by()`` option does not sort).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from .dataset import missing_mask
from .stats import percentile

__all__ = [
    "group_rows",
    "stat_function",
    "fill_groups",
    "rank",
    "mode",
    "row_stat",
    "differ",
    "any_of",
]


def group_rows(g: np.ndarray) -> list[np.ndarray]:
    """The observations of each group (in data order), one array per group code."""
    order = np.argsort(g, kind="stable")
    cuts = np.flatnonzero(np.diff(g[order])) + 1
    return np.split(order, cuts) if len(g) else []


def _sd(v: np.ndarray) -> float:
    return float(v.std(ddof=1)) if len(v) > 1 else np.nan


def _skew(v: np.ndarray) -> float:
    d = v - v.mean()
    m2 = (d**2).mean()
    return float((d**3).mean() / m2**1.5) if m2 > 0 else np.nan


def _kurt(v: np.ndarray) -> float:
    d = v - v.mean()
    m2 = (d**2).mean()
    return float((d**4).mean() / m2**2) if m2 > 0 else np.nan


def _pct(p: float) -> Callable[[np.ndarray], float]:
    return lambda v: percentile(v, None, p)


def _mad(v: np.ndarray) -> float:
    """Median absolute deviation from the median."""
    return percentile(np.abs(v - percentile(v, None, 50)), None, 50)


def stat_function(name: str, p: float = 50) -> Callable[[np.ndarray], float]:
    """The statistic ``egen name()`` computes from a group's nonmissing values."""
    return {
        "mean": np.mean,
        "sd": _sd,
        "max": np.max,
        "min": np.min,
        "median": _pct(50),
        "pctile": _pct(p),
        "iqr": lambda v: percentile(v, None, 75) - percentile(v, None, 25),
        "mad": _mad,
        "mdev": lambda v: float(np.mean(np.abs(v - v.mean()))),
        "skew": _skew,
        "kurt": _kurt,
        "total": np.sum,
    }[name]


def fill_groups(
    x: np.ndarray,
    use: np.ndarray,
    fill: np.ndarray,
    g: np.ndarray,
    f: Callable[[np.ndarray], float],
) -> np.ndarray:
    """``f`` of each group's ``use`` values, put at every ``fill`` observation of the group
    (missing where the group has no ``use`` value)."""
    out = np.full(len(x), np.nan)
    for rows in group_rows(g):
        vals = x[rows[use[rows]]]
        if len(vals):
            out[rows[fill[rows]]] = f(vals)
    return out


def rank(x: np.ndarray, use: np.ndarray, g: np.ndarray, how: str) -> np.ndarray:
    """Ranks within groups: ``average`` for ties, or ``field`` (1 = highest), ``track``
    (1 = lowest, ties get the lowest rank) and ``unique`` (ties broken by data order)."""
    from scipy.stats import rankdata  # scipy only when ranks are asked for

    method = {"field": "min", "track": "min", "unique": "ordinal"}.get(how, "average")
    out = np.full(len(x), np.nan)
    for rows in group_rows(g):
        r = rows[use[rows]]
        if len(r):
            out[r] = rankdata(-x[r] if how == "field" else x[r], method=method)
    return out


def mode(
    x: np.ndarray,
    use: np.ndarray,
    fill: np.ndarray,
    g: np.ndarray,
    pick: str | int = "",
) -> np.ndarray:
    """The most frequent value in each group.

    With several modes the result is missing unless ``pick`` is ``"min"``, ``"max"`` or the
    1-based number of the mode to take, counting from the lowest ([D] egen ``minmode``,
    ``maxmode``, ``nummode()``).
    """
    is_str = x.dtype == object
    out = np.full(len(x), "", dtype=object) if is_str else np.full(len(x), np.nan)
    for rows in group_rows(g):
        vals = x[rows[use[rows]]]
        if not len(vals):
            continue
        uniq, counts = np.unique(vals, return_counts=True, equal_nan=True)
        best = uniq[counts == counts.max()]
        if len(best) == 1 or pick == "min":
            value = best[0]
        elif pick == "max":
            value = best[-1]
        elif isinstance(pick, int) and pick <= len(best):
            value = best[pick - 1]
        else:
            continue
        out[rows[fill[rows]]] = value
    return out


def _quiet(f: Callable[[np.ndarray], np.ndarray], m: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return f(m)


def _row_pctile(m: np.ndarray, p: float) -> np.ndarray:
    out = np.full(m.shape[1], np.nan)
    for j in range(m.shape[1]):
        v = m[:, j][~np.isnan(m[:, j])]
        if len(v):
            out[j] = percentile(v, None, p)
    return out


def row_stat(name: str, cols: list[np.ndarray], *, p: float = 50, missing: bool = False):
    """``egen rowmean()`` and friends: a statistic across variables within each observation.

    ``rowtotal`` counts missing as 0 (missing everywhere gives missing with ``missing``);
    ``rowmiss``/``rownonmiss`` count (string variables included); ``rowfirst``/``rowlast``
    take the first/last nonmissing value.
    """
    if name in ("rowmiss", "rownonmiss"):
        miss = sum(missing_mask(c).astype(float) for c in cols)
        return miss if name == "rowmiss" else len(cols) - miss
    m = np.vstack(cols)
    if name in ("rowfirst", "rowlast"):
        order = range(len(cols)) if name == "rowfirst" else reversed(range(len(cols)))
        out = np.full(m.shape[1], np.nan)
        for j in order:
            take = np.isnan(out) & ~np.isnan(m[j])
            out[take] = m[j][take]
        return out
    if name == "rowtotal":
        out = np.nansum(m, axis=0)
        if missing:
            out[np.all(np.isnan(m), axis=0)] = np.nan
        return out
    if name == "rowpctile":
        return _row_pctile(m, p)
    f = {
        "rowmean": lambda a: np.nanmean(a, axis=0),
        "rowmax": lambda a: np.nanmax(a, axis=0),
        "rowmin": lambda a: np.nanmin(a, axis=0),
        "rowsd": lambda a: np.nanstd(a, axis=0, ddof=1),
        "rowmedian": lambda a: np.nanmedian(a, axis=0),
    }[name]
    return _quiet(f, m)


def _equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Stata's equality: two missing values are equal."""
    if a.dtype == object:
        return a == b
    return (a == b) | (np.isnan(a) & np.isnan(b))


def differ(cols: list[np.ndarray]) -> np.ndarray:
    """``egen diff()``: 1 where the variables are not all equal, else 0."""
    out = np.zeros(len(cols[0]), dtype=bool)
    for c in cols[1:]:
        out |= ~_equal(c, cols[0])
    return out.astype(np.float64)


def any_of(name: str, cols: list[np.ndarray], values: list[float]) -> np.ndarray:
    """``anymatch`` (any variable equals one of ``values``), ``anycount`` (how many do) and
    ``anyvalue`` (the first variable's value where it is one of them, else missing)."""
    hits = [np.isin(c, values) for c in cols]
    if name == "anymatch":
        return np.any(hits, axis=0).astype(np.float64)
    if name == "anycount":
        return np.sum(hits, axis=0).astype(np.float64)
    return np.where(hits[0], cols[0], np.nan)
