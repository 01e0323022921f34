"""The design of a linear mixed model: y, X, and the random-effects structure per level.

The estimation sample drops every observation with a missing value in any variable the model
uses (Stata's listwise deletion, ``e(sample)``), and those outside ``if``/``in``. Nested levels
``|| school: || class:`` group by the combination of the level variables so far; ``_all: R.x``
becomes one random intercept per level of ``x`` (an identity covariance over the indicators).
Collinear fixed-effects columns are dropped from X and shown as ``(omitted)``, as Stata does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..dataset.dataset import Dataset
from ..dataset.varnames import resolve
from ..errors import StataError
from ..spec.model import LinearMixedSpec
from .factors import Column, expand_columns, term_variables

__all__ = ["MixedDesign", "RELevel", "build_mixed_design", "drop_collinear"]


@dataclass
class RELevel:
    """The random effects of one equation.

    Attributes
    ----------
    name
        The level as Stata labels it (``schid``, ``_all``, or the crossed variable for ``R.x``).
    groups
        Group code (0..G-1) of each observation in the sample.
    ids
        The level variables' values of each group (tuples, in group order).
    Z
        The n-by-k design of the equation's random effects.
    znames
        Names of the k effects (slopes first, ``_cons`` last, as Stata orders them).
    covariance
        ``independent``, ``exchangeable``, ``identity`` or ``unstructured``.
    """

    name: str
    groups: np.ndarray
    G: int
    ids: list[tuple]
    Z: np.ndarray
    znames: list[str]
    covariance: str
    path: tuple[str, ...]
    crossed: str | None = None
    level_vars: tuple[str, ...] = ()
    level: str = ""  # the equation's level variable (batch in || batch: R.cask) or _all

    @property
    def k(self) -> int:
        return self.Z.shape[1]

    def sizes(self) -> np.ndarray:
        return np.bincount(self.groups, minlength=self.G)


@dataclass
class MixedDesign:
    """Arrays of a linear mixed model over its estimation sample."""

    depvar: str
    y: np.ndarray
    X: np.ndarray
    columns: list[Column]
    coef_index: list[int]  # positions in `columns` of X's columns
    levels: list[RELevel]
    sample: np.ndarray  # bool over the dataset's observations
    weights: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    #: the weights' kind: ``fweight``, ``aweight`` (``regress``) or ``pweight``
    weight_kind: str = "fweight"
    #: ``vce(cluster v)``: each observation's cluster, numbered 0 .. G-1, and v's name
    cluster: np.ndarray | None = None
    cluster_var: str | None = None

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def p(self) -> int:
        return self.X.shape[1]

    @property
    def n_clusters(self) -> int:
        """The number of ``vce(cluster)`` clusters in the sample (0 without)."""
        return int(self.cluster.max()) + 1 if self.cluster is not None else 0

    @property
    def xnames(self) -> list[str]:
        return [self.columns[i].name for i in self.coef_index]


def drop_collinear(
    X: np.ndarray, columns: list[Column], index: list[int], notes: list[str]
) -> tuple[np.ndarray, list[int]]:
    """Drop columns of X that are linear combinations of earlier ones (later ones go first),
    the constant being considered first, as Stata's _rmcoll keeps ``_cons`` and omits a
    variable that is constant in the sample. A cell of an interaction of factors that has no
    observations is ``(empty)`` in the table, without a note, as Stata shows it."""
    if X.shape[1] == 0:
        return X, index
    keep: list[int] = []
    scale = np.sqrt((X**2).sum(axis=0))
    scale[scale == 0] = 1.0
    Xs = X / scale
    basis = np.zeros((X.shape[0], 0))
    cons = [j for j in range(X.shape[1]) if columns[index[j]].name == "_cons"]
    order = cons + [j for j in range(X.shape[1]) if j not in cons]
    for j in order:
        v = Xs[:, j]
        if basis.shape[1]:
            coef, *_ = np.linalg.lstsq(basis, v, rcond=None)
            r = v - basis @ coef
        else:
            r = v
        if np.linalg.norm(r) > 1e-9 * max(1.0, np.linalg.norm(v)):
            keep.append(j)
            basis = np.column_stack([basis, v])
        else:
            col = columns[index[j]]
            col.kind = "omitted"
            col.name = _omitted_name(col.name)
            if "#" in col.name and "c." not in col.name and not np.any(X[:, j]):
                # a cell of an interaction of factors without observations: (empty), no note
                col.kind = "empty"
                continue
            if col.group is None:
                notes.append(f"note: {col.label} omitted because of collinearity.")
            else:
                notes.append(
                    f"note: {col.name.replace('o.', '.', 1)} omitted because of collinearity."
                )
    keep.sort()
    return X[:, keep], [index[j] for j in keep]


def without_constant(d: MixedDesign) -> MixedDesign:
    """The design without its ``_cons`` column: ordered models' cutpoints take its place, after
    it has served to find the columns collinear with a constant ([R] ologit)."""
    j = next(i for i, c in enumerate(d.columns) if c.name == "_cons")
    k = d.coef_index.index(j)
    d.X = np.delete(d.X, k, axis=1)
    d.columns = [c for i, c in enumerate(d.columns) if i != j]
    d.coef_index = [i - (i > j) for i in d.coef_index if i != j]
    return d


def fixed_design(
    ds: Dataset, terms: tuple, sample: np.ndarray, constant: bool, notes: list[str]
) -> tuple[list[Column], np.ndarray, list[int]]:
    """A fixed-effects varlist's columns (Stata's order, base levels shown, ``_cons`` last),
    X over the sample, and the positions of its estimated columns, collinear ones omitted
    with Stata's notes added to ``notes``."""
    cols = expand_columns(ds, terms, sample, constant=constant)
    if constant:
        cols.append(Column("_cons", "coef", None, "_cons", np.ones(ds.nobs)))
    index = [i for i, c in enumerate(cols) if c.kind == "coef"]
    X = (
        np.column_stack([cols[i].values[sample] for i in index])
        if index
        else np.zeros((int(sample.sum()), 0))
    )
    X, index = drop_collinear(X, cols, index, notes)
    for c in cols:
        c.values = None  # the columns over the whole dataset are not kept
    return cols, X, index


def _omitted_name(name: str) -> str:
    head, dot, tail = name.partition(".")
    if dot and head and head[0].isdigit():
        return f"{head}o.{tail}"
    return f"o.{name}"


def build_mixed_design(
    ds: Dataset,
    spec: LinearMixedSpec,
    touse: np.ndarray,
    extra: tuple[str, ...] = (),
    *,
    cluster: str | None = None,
) -> MixedDesign:
    """Build the arrays of ``spec`` over the observations in ``touse`` (``if``/``in``).

    ``extra`` names further variables whose missing values leave the sample (a binomial
    variable, an offset); ``cluster`` the variable of ``vce(cluster)``, numeric or string,
    whose missing values leave it too ([R] vce_option).

    Raises
    ------
    StataError
        ``no observations`` (r(2000)), ``variable x not found`` (r(111)), string variables
        (r(109)).
    """
    dep = resolve(ds, spec.depvar)
    if ds.is_string(dep):
        raise StataError(
            f"string variables not allowed in varlist;\n{dep} is a string variable", 109
        )
    used = [dep, *term_variables(ds, spec.fixed)]
    level_vars: list[str] = []
    for lv in spec.levels:
        used += term_variables(ds, lv.terms)
        if lv.level != "_all":
            v = resolve(ds, lv.level)
            used.append(v)
            level_vars.append(v)
        if lv.crossed:
            used.append(resolve(ds, lv.crossed))
    used += [resolve(ds, v) for v in extra]
    cluster_var = resolve(ds, cluster) if cluster is not None else None
    if cluster_var is not None:
        used.append(cluster_var)
    sample = touse.copy()
    for v in dict.fromkeys(used):
        col = ds.values(v)
        sample &= (col != "") if col.dtype == object else ~np.isnan(col)
    weights = None
    if spec.weight is not None:
        from ..dataset.evaluate import Context, evaluate
        from ..dataset.weights import check_weights

        w = evaluate(spec.weight.expr, Context(ds))
        sample = check_weights(w, spec.weight.kind, sample)
        weights = w[sample]
    if not sample.any():
        raise StataError("no observations", 2000)
    y = ds.values(dep)[sample]
    notes: list[str] = []
    cols, X, index = fixed_design(ds, spec.fixed, sample, spec.constant, notes)
    levels = _levels(ds, spec, sample)
    kind = spec.weight.kind if spec.weight is not None else "fweight"
    codes = None
    if cluster_var is not None:
        codes = np.unique(ds.values(cluster_var)[sample], return_inverse=True)[1].ravel()
    return MixedDesign(
        dep, y, X, cols, index, levels, sample, weights, notes, kind, codes, cluster_var
    )


def _levels(ds: Dataset, spec: LinearMixedSpec, sample: np.ndarray) -> list[RELevel]:
    out: list[RELevel] = []
    path: list[str] = []
    for eq in spec.levels:
        level = "_all"
        if eq.level != "_all":
            level = v = resolve(ds, eq.level)
            if not path or path[-1] != v:
                path.append(v)
        if eq.crossed:
            var = resolve(ds, eq.crossed)
            keys = [var] if eq.level == "_all" else [*path, var]
            name = var
        else:
            keys = list(path)
            name = keys[-1] if keys else "_all"
        codes, ids = group_codes(ds, keys, sample)
        zcols, znames = [], []
        for v in term_variables(ds, eq.terms):
            if ds.is_string(v):
                raise StataError(
                    f"string variables not allowed in varlist;\n{v} is a string variable", 109
                )
            zcols.append(ds.values(v)[sample])
            znames.append(v)
        if eq.constant or eq.crossed:
            zcols.append(np.ones(int(sample.sum())))
            znames.append("_cons")
        Z = np.column_stack(zcols)
        out.append(
            RELevel(
                name=name,
                groups=codes,
                G=len(ids),
                ids=ids,
                Z=Z,
                znames=znames,
                covariance="identity" if eq.crossed else eq.covariance,
                path=tuple(keys),
                crossed=eq.crossed,
                level_vars=tuple(keys),
                level=level,
            )
        )
    return out


def group_codes(ds: Dataset, keys: list[str], sample: np.ndarray) -> tuple[np.ndarray, list]:
    n = int(sample.sum())
    if not keys:
        return np.zeros(n, dtype=np.int64), [()]
    cols = [ds.values(k)[sample] for k in keys]
    if len(cols) == 1 and cols[0].dtype != object:
        uniq, codes = np.unique(cols[0], return_inverse=True)
        return codes.astype(np.int64), [(u,) for u in uniq.tolist()]
    tuples = list(zip(*(c.tolist() for c in cols)))
    uniq = sorted(set(tuples))
    pos = {t: i for i, t in enumerate(uniq)}
    return np.array([pos[t] for t in tuples], dtype=np.int64), uniq
