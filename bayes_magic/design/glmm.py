"""The design of a generalized linear mixed model (``melogit``, ``meprobit``, ``mecloglog``,
``mepoisson``): the linear mixed design plus binomial trials and an offset ([ME] meglm).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..dataset.dataset import Dataset
from ..dataset.varnames import resolve
from ..errors import StataError
from ..spec.model import LinearMixedSpec
from .mixed import MixedDesign, _omitted_name, build_mixed_design, drop_collinear
from .newdata import LEVEL_PART

__all__ = [
    "GLMMDesign",
    "build_glm_design",
    "build_glmm_design",
    "drop_perfect_predictors",
    "ordinal_codes",
]


_NO_VARIATION = (
    "outcome does not vary; remember:\n"
    "                                  0 = negative outcome,\n"
    "        all other nonmissing values = positive outcome"
)


@dataclass
class GLMMDesign:
    """The mixed design, the number of trials of each observation and its offset."""

    base: MixedDesign
    trials: np.ndarray
    offset: np.ndarray
    binomial: str | None  # the binomial variable's name or the number typed
    offset_name: str | None
    exposure: bool = False  # the offset is log(offset_name)
    #: covariates omitted as perfect predictors: (name, the outcome where it is nonzero)
    rules: list[tuple[str, int]] = field(default_factory=list)
    #: ordered outcomes: the outcome values (e(cat)), whose codes 0 .. J-1 ``base.y`` holds
    #: once :func:`ordinal_codes` has run
    values: np.ndarray | None = None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def build_glmm_design(
    ds: Dataset,
    spec: LinearMixedSpec,
    touse: np.ndarray,
    *,
    family: str,
    binomial: str | None = None,
    offset: str | None = None,
    exposure: str | None = None,
    cluster: str | None = None,
) -> GLMMDesign:
    """Arrays of a GLMM; checks the response against its family.

    Raises
    ------
    StataError
        r(2000) for a Bernoulli response outside 0/1 of a binomial one outside [0, trials],
        or negative counts; r(111) for unknown variables; r(198) for bad ``binomial()``.
    """
    extra: list[str] = []
    trials_const: float | None = None
    bin_var = None
    if binomial is not None:
        trials_const = _number(binomial)
        if trials_const is None:
            bin_var = resolve(ds, binomial)
            if ds.is_string(bin_var):
                raise StataError(f"{bin_var}: string variables not allowed in binomial()", 109)
            extra.append(bin_var)
        elif trials_const < 1 or trials_const != int(trials_const):
            raise StataError("binomial() must be a positive integer or a variable", 198)
    off_var = _offset_variable(ds, offset, exposure, extra)
    d = build_mixed_design(ds, spec, touse, extra=tuple(extra), cluster=cluster)
    y = d.y
    n = len(y)
    if bin_var is not None:
        trials = ds.values(bin_var)[d.sample].astype(float)
    else:
        trials = np.full(n, trials_const if trials_const is not None else 1.0)
    if off_var is not None:
        off = ds.values(off_var)[d.sample].astype(float)
        if exposure is not None:
            if np.any(off <= 0):
                raise StataError(f"{off_var} has values <= 0 in exposure()", 459)
            off = np.log(off)
    else:
        off = np.zeros(n)
    if family == "poisson":
        if np.any(y < 0):
            raise StataError(f"{d.depvar} must be greater than or equal to zero", 459)
        if np.all(y == 0):
            raise StataError(f"{d.depvar} is zero for all observations", 2000)
    elif family == "ordinal":
        if len(np.unique(y)) < 2:
            raise StataError("outcome does not vary", 2000)
        return GLMMDesign(d, trials, off, None, off_var, False)
    elif binomial is not None:
        if np.any(trials < 0) or np.any(trials != np.round(trials)):
            raise StataError(f"{bin_var or binomial} must contain nonnegative integers", 459)
        if np.any((y < 0) | (y > trials)):
            raise StataError(f"{d.depvar} must be between 0 and the number of trials", 459)
    else:
        # Bernoulli: Stata reads 0 as failure and every other value as success
        y = (y != 0).astype(float)
        d.y = y
    if family != "poisson" and (np.all(d.y == 0) or np.all(d.y == trials)):
        raise StataError(_NO_VARIATION, 2000)
    return GLMMDesign(d, trials, off, binomial, off_var, exposure is not None)


def _offset_variable(
    ds: Dataset, offset: str | None, exposure: str | None, extra: list[str]
) -> str | None:
    """The ``offset()`` or ``exposure()`` variable (appended to ``extra``, the variables whose
    missing values leave the sample); r(109) for a string variable."""
    off_var = None
    for name in (offset, exposure):
        if name is not None:
            off_var = resolve(ds, name)
            if ds.is_string(off_var):
                raise StataError(f"{off_var}: string variables not allowed", 109)
            extra.append(off_var)
    return off_var


def build_glm_design(
    ds: Dataset,
    spec: LinearMixedSpec,
    touse: np.ndarray,
    *,
    denominator: str = "1",
    offset: str | None = None,
    exposure: str | None = None,
    cluster: str | None = None,
) -> GLMMDesign:
    """Arrays of ``glm`` ([R] glm): the response as it is (no recoding: the family checks its
    range), the binomial ``denominator`` (a number or a variable, whose missing values leave
    the sample, as ``markout``), and the offset (log of ``exposure()``).

    Raises
    ------
    StataError
        r(111) for unknown variables; r(109) for string ones; r(459) for an exposure not above
        zero.
    """
    extra: list[str] = []
    m_const = _number(denominator)
    m_var = None
    if m_const is None:
        m_var = resolve(ds, denominator)
        if ds.is_string(m_var):
            raise StataError(f"{m_var}: string variables not allowed", 109)
        extra.append(m_var)
    off_var = _offset_variable(ds, offset, exposure, extra)
    d = build_mixed_design(ds, spec, touse, extra=tuple(extra), cluster=cluster)
    n = d.n
    m = (
        np.asarray(ds.values(m_var)[d.sample], dtype=float)
        if m_var is not None
        else np.full(n, m_const)
    )
    off = np.zeros(n)
    if off_var is not None:
        off = np.asarray(ds.values(off_var)[d.sample], dtype=float)
        if exposure is not None:
            if np.any(off <= 0):
                raise StataError("exposure() must be greater than zero", 459)
            off = np.log(off)
    name = m_var if m_var is not None else denominator
    return GLMMDesign(d, m, off, None if name == "1" else name, off_var, exposure is not None)


def drop_perfect_predictors(gd: GLMMDesign, ds: Dataset) -> None:
    """Omit each covariate whose nonzero values all have the same binary outcome, with the
    observations where it is nonzero, as ``logit`` and ``probit`` do ([R] logit, Model
    identification): ``note: 2.group != 0 predicts failure perfectly; 2.group omitted and 10
    obs not used.`` Factor variables' base levels are checked too (the other levels then
    become collinear with the constant, and one more is omitted). Repeats until no such
    covariate is left; the design is changed in place.

    Raises
    ------
    StataError
        r(2000) when the outcome no longer varies in the observations left.
    """
    d = gd.base
    while True:
        hit = None
        in_x = {ci: k for k, ci in enumerate(d.coef_index)}
        rows = np.flatnonzero(d.sample)
        for i, col in enumerate(d.columns):
            if col.name == "_cons":
                continue
            if i in in_x:
                x = d.X[:, in_x[i]]
            elif col.kind == "base" and (m := LEVEL_PART.fullmatch(col.name)) is not None:
                x = (ds.values(m.group(2))[rows] == float(m.group(1))).astype(float)
            else:
                continue
            nz = x != 0
            if nz.all() or not nz.any():
                continue
            outcomes = np.unique(d.y[nz])
            if len(outcomes) == 1:
                hit = (i, nz, outcomes[0])
                break
        if hit is None:
            return
        i, nz, outcome = hit
        col = d.columns[i]
        name = col.name.replace("b.", ".", 1) if col.kind == "base" else col.name
        what = "success" if outcome != 0 else "failure"
        used = (
            int(np.sum(d.weights[nz]))
            if d.weight_kind == "fweight" and d.weights is not None
            else int(nz.sum())
        )
        d.notes.append(
            f"note: {name} != 0 predicts {what} perfectly;\n"
            f"      {name} omitted and {used} obs not used."
        )
        keep = ~nz
        d.sample[rows[nz]] = False
        d.y, d.X = d.y[keep], d.X[keep]
        if i in in_x:
            d.X = np.delete(d.X, in_x[i], axis=1)
            d.coef_index = [ci for ci in d.coef_index if ci != i]
        if d.weights is not None:
            d.weights = d.weights[keep]
        if d.cluster is not None:
            d.cluster = np.unique(d.cluster[keep], return_inverse=True)[1].ravel()
        gd.trials, gd.offset = gd.trials[keep], gd.offset[keep]
        gd.rules.append((name, int(outcome != 0)))
        # a factor level loses all its observations: Stata calls it empty; a variable, omitted
        col.kind = "empty" if col.group is not None else "omitted"
        col.name = _omitted_name(name)
        if np.all(d.y == 0) or np.all(d.y == gd.trials):
            raise StataError(_NO_VARIATION, 2000)
        # without the base level's observations its factor's other levels sum to the constant
        d.X, d.coef_index = drop_collinear(d.X, d.columns, d.coef_index, d.notes)


def trials_offset_now(ds: Dataset, gd: GLMMDesign) -> tuple[np.ndarray, np.ndarray]:
    """Binomial trials and offset of every observation in memory, for ``predict``."""
    n = np.ones(ds.nobs)
    if gd.binomial is not None:
        c = _number(gd.binomial)
        n = np.full(ds.nobs, c) if c is not None else ds.values(resolve(ds, gd.binomial))
        n = np.asarray(n, dtype=float)
    off = np.zeros(ds.nobs)
    if gd.offset_name is not None:
        off = np.asarray(ds.values(resolve(ds, gd.offset_name)), dtype=float)
        if gd.exposure:
            with np.errstate(divide="ignore", invalid="ignore"):
                off = np.where(off > 0, np.log(off), np.nan)
    return n, off


def ordinal_codes(gd: GLMMDesign) -> None:
    """An ordered model's design: the constant dropped (the cutpoints replace it, after it has
    found the columns collinear with it) and the outcome recoded 0 .. J-1 in the order of its
    values, which ``gd.values`` keeps.

    Raises
    ------
    StataError
        r(149) with more than 50 outcomes, as ``ologit``.
    """
    from .mixed import without_constant

    gd.base = without_constant(gd.base)
    values, codes = np.unique(gd.base.y, return_inverse=True)
    if len(values) > 50:
        raise StataError(f"{len(values)} outcomes detected; 50 is the maximum", 149)
    gd.values = values
    gd.base.y = codes.astype(float).ravel()
