"""The dataset in memory: a DataFrame plus Stata's metadata.

Stata keeps, beside the values, each variable's storage type, display format, variable label and
value-label name, the value labels themselves, a dataset label and time stamp, the sort order and
whether the data changed since they were last saved ([D] describe, [D] label, [D] format). The
:class:`Dataset` holds exactly that, over a pandas DataFrame whose numeric columns are float64
(missing is NaN) and whose string columns hold Python strings (missing is ``""``).

Values follow their storage type as Stata stores them: ``float`` values are rounded to single
precision, integer types hold integers in their ranges ([D] data types).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import StataError

__all__ = ["Dataset", "VarInfo", "INT_RANGES", "default_format", "is_string_type"]

#: Stata's ranges of the integer storage types ([D] data types)
INT_RANGES = {
    "byte": (-127, 100),
    "int": (-32767, 32740),
    "long": (-2147483647, 2147483620),
}
_NUMERIC_ORDER = ("byte", "int", "long", "float", "double")


def is_string_type(t: str) -> bool:
    return t.startswith("str")


def default_format(t: str) -> str:
    """Stata's default display format for a storage type."""
    if t in ("byte", "int"):
        return "%8.0g"
    if t == "long":
        return "%12.0g"
    if t == "float":
        return "%9.0g"
    if t == "double":
        return "%10.0g"
    if t == "strL":
        return "%9s"
    n = int(t[3:]) if t[3:].isdigit() else 9
    return f"%{max(n, 9)}s"


@dataclass
class VarInfo:
    """A variable's metadata: storage type, display format, label, value-label name."""

    type: str
    format: str
    label: str = ""
    vlabel: str = ""


def _fits(values: np.ndarray, t: str) -> bool:
    v = values[~np.isnan(values)]
    if v.size == 0:
        return True
    if t in INT_RANGES:
        lo, hi = INT_RANGES[t]
        return bool(np.all(v == np.trunc(v)) and v.min() >= lo and v.max() <= hi)
    if t == "float":
        return bool(np.all(v.astype(np.float32).astype(np.float64) == v))
    return True


def smallest_numeric_type(values: np.ndarray, least: str = "byte") -> str:
    """The smallest storage type that holds ``values`` exactly (at least ``least``)."""
    for t in _NUMERIC_ORDER[_NUMERIC_ORDER.index(least) :]:
        if t in INT_RANGES and _fits(values, t):
            return t
    return "float" if least == "float" else "double"


def coerce(values: np.ndarray, t: str) -> np.ndarray:
    """Store ``values`` in type ``t`` as Stata does: truncate to integers, round floats."""
    v = np.asarray(values, dtype=np.float64)
    if t in INT_RANGES:
        lo, hi = INT_RANGES[t]
        with np.errstate(invalid="ignore"):
            out = np.trunc(v)
            out[(out < lo) | (out > hi)] = np.nan
        return out
    if t == "float":
        with np.errstate(over="ignore", invalid="ignore"):
            out = v.astype(np.float32).astype(np.float64)
        out[np.isinf(out)] = np.nan
        return out
    return v


def string_type(values: np.ndarray) -> str:
    n = max((len(s.encode("utf-8")) for s in values), default=1)
    return "strL" if n > 2045 else f"str{max(n, 1)}"


@dataclass
class Dataset:
    """Data in memory with Stata's metadata.

    Attributes
    ----------
    df
        The values; column order is the dataset's variable order.
    info
        Per-variable metadata, keyed by name, in the same order as ``df``'s columns.
    value_labels
        Value-label sets by name: ``{"public": {0: "Private", 1: "Public"}}``.
    label
        The dataset label shown by ``describe``.
    filename
        Where the data came from (``describe``'s "Contains data from ...").
    timestamp
        The file's time stamp as ``describe`` shows it (``21 Feb 2022 14:12``).
    sortedby
        Variables the data are known to be sorted by.
    changed
        Whether the data changed since they were last loaded or saved.
    """

    df: pd.DataFrame = field(default_factory=pd.DataFrame)
    info: dict[str, VarInfo] = field(default_factory=dict)
    value_labels: dict[str, dict[int, str]] = field(default_factory=dict)
    label: str = ""
    filename: str | None = None
    timestamp: str | None = None
    sortedby: tuple[str, ...] = ()
    changed: bool = False

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_dataframe(cls, df: pd.DataFrame, *, name: str | None = None) -> Dataset:
        """Convert a user's DataFrame (which is not modified) into a dataset.

        Numbers become float64 with the smallest storage type that holds them; booleans become
        ``byte``; strings ``str#``; a categorical becomes a ``long`` with a value label named after
        the variable, as ``encode`` would make it. The index is dropped unless it is named, in
        which case it becomes the first variable.
        """
        src = df
        if src.index.name is not None or (
            isinstance(src.index, pd.MultiIndex) and any(src.index.names)
        ):
            src = src.reset_index()
        out: dict[str, np.ndarray] = {}
        info: dict[str, VarInfo] = {}
        vlabels: dict[str, dict[int, str]] = {}
        for col in src.columns:
            vname = str(col)
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", vname):
                raise StataError(
                    f"{vname} invalid name: variable names must start with a letter or _ and "
                    "have at most 32 letters, digits or _",
                    198,
                )
            if vname in out:
                raise StataError(f"variable {vname} defined more than once", 110)
            s = src[col]
            if isinstance(s.dtype, pd.CategoricalDtype):
                codes = s.cat.codes.to_numpy().astype(np.float64) + 1
                codes[codes == 0] = np.nan
                vlabels[vname] = {i + 1: str(c) for i, c in enumerate(s.cat.categories)}
                out[vname] = codes
                info[vname] = VarInfo("long", "%12.0g", vlabel=vname)
                continue
            if pd.api.types.is_bool_dtype(s.dtype):
                out[vname] = s.to_numpy(dtype=np.float64, na_value=np.nan)
                info[vname] = VarInfo("byte", "%8.0g")
                continue
            if pd.api.types.is_numeric_dtype(s.dtype):
                v = np.array(s.to_numpy(dtype=np.float64, na_value=np.nan), copy=True)
                v[np.isinf(v)] = np.nan
                if pd.api.types.is_integer_dtype(s.dtype):
                    t = smallest_numeric_type(v)
                    if t == "double" and not _fits(v, "double"):
                        t = "double"
                elif s.dtype == np.float32:
                    t = "float"
                else:
                    t = "double"
                out[vname] = v
                info[vname] = VarInfo(t, default_format(t))
                continue
            if pd.api.types.is_datetime64_any_dtype(s.dtype):
                # Stata's %td: days since 01jan1960
                days = (s - pd.Timestamp("1960-01-01")).dt.total_seconds() / 86400.0
                out[vname] = days.to_numpy(dtype=np.float64, na_value=np.nan)
                info[vname] = VarInfo(
                    "float" if (days.dropna() % 1 == 0).all() else "double", "%td"
                )
                continue
            vals = np.array(
                [
                    "" if (x is None or x is pd.NA or (isinstance(x, float) and x != x)) else str(x)
                    for x in s
                ],
                dtype=object,
            )
            out[vname] = vals
            t = string_type(vals)
            info[vname] = VarInfo(t, default_format(t))
        frame = pd.DataFrame(out, index=pd.RangeIndex(len(src)))
        for c in frame.columns:
            if info[c].type.startswith("str"):
                frame[c] = frame[c].astype(object)
        ds = cls(frame, info, vlabels, filename=name)
        return ds

    def copy(self) -> Dataset:
        """A copy sharing the column data (pandas copy-on-write), with copied metadata."""
        return Dataset(
            self.df.copy(deep=False),
            copy.deepcopy(self.info),
            copy.deepcopy(self.value_labels),
            self.label,
            self.filename,
            self.timestamp,
            self.sortedby,
            self.changed,
        )

    def to_dataframe(self, *, labels: bool = False) -> pd.DataFrame:
        """The values as a new DataFrame; with ``labels`` value-labelled variables become
        categoricals."""
        out = self.df.copy()
        if labels:
            for v, inf in self.info.items():
                if inf.vlabel and inf.vlabel in self.value_labels:
                    lab = self.value_labels[inf.vlabel]
                    out[v] = out[v].map(lambda x, lab=lab: lab.get(int(x), x) if x == x else x)
        return out

    # -- shape ----------------------------------------------------------------------------------
    @property
    def nobs(self) -> int:
        return len(self.df)

    @property
    def nvars(self) -> int:
        return self.df.shape[1]

    @property
    def varnames(self) -> list[str]:
        return list(self.df.columns)

    def is_string(self, name: str) -> bool:
        return is_string_type(self.info[name].type)

    def values(self, name: str) -> np.ndarray:
        """The column as a numpy array (float64 or object)."""
        col = self.df[name]
        if self.is_string(name):
            return col.to_numpy(dtype=object)
        return col.to_numpy(dtype=np.float64)

    # -- changing -------------------------------------------------------------------------------
    def set_values(
        self,
        name: str,
        values: np.ndarray,
        vtype: str | None = None,
        *,
        after: str | None = None,
        before: str | None = None,
    ) -> None:
        """Create or replace variable ``name``, storing ``values`` in ``vtype``.

        A new variable goes last (or ``after``/``before`` another); an existing one keeps its
        place, label and format unless its type changes.
        """
        is_str = values.dtype == object
        if vtype is None:
            if name in self.info:
                vtype = self.info[name].type
            else:
                vtype = string_type(values) if is_str else "float"
        if is_str:
            col = pd.Series(values, index=self.df.index, dtype=object)
        else:
            col = pd.Series(coerce(values, vtype), index=self.df.index, dtype=np.float64)
        if name in self.info:
            self.df[name] = col
            inf = self.info[name]
            if inf.type != vtype:
                fmt_is_default = inf.format == default_format(inf.type)
                inf.type = vtype
                if fmt_is_default:
                    inf.format = default_format(vtype)
        else:
            self.df[name] = col
            self.info[name] = VarInfo(vtype, default_format(vtype))
            if after is not None or before is not None:
                self.move(name, after=after, before=before)
            else:
                self._order_info()
        if name in self.sortedby:
            self.sortedby = self.sortedby[: self.sortedby.index(name)]
        self.changed = True

    def move(self, name: str, *, after: str | None = None, before: str | None = None) -> None:
        cols = [c for c in self.df.columns if c != name]
        if after is not None:
            cols.insert(cols.index(after) + 1, name)
        elif before is not None:
            cols.insert(cols.index(before), name)
        else:
            cols.append(name)
        self.df = self.df[cols]
        self._order_info()

    def _order_info(self) -> None:
        self.info = {c: self.info[c] for c in self.df.columns}

    def drop_vars(self, names: list[str]) -> None:
        self.df = self.df.drop(columns=names)
        for n in names:
            del self.info[n]
        # a sort order survives only up to the first dropped variable
        for k, v in enumerate(self.sortedby):
            if v in names:
                self.sortedby = self.sortedby[:k]
                break
        self.changed = True

    def keep_rows(self, mask: np.ndarray) -> int:
        """Keep the rows where ``mask`` is true; return how many were dropped."""
        n_drop = int((~mask).sum())
        if n_drop:
            self.df = self.df.loc[mask].reset_index(drop=True)
            self.changed = True
        return n_drop

    def rename(self, old: str, new: str) -> None:
        self.df = self.df.rename(columns={old: new})
        self.info = {(new if k == old else k): v for k, v in self.info.items()}
        self.sortedby = tuple(new if v == old else v for v in self.sortedby)
        self.changed = True

    def sort(
        self, names: list[str], *, descending: list[bool] | None = None, mfirst: bool = False
    ) -> None:
        """Sort stably by ``names`` (missing values last, as Stata sorts them)."""
        if not names:
            return
        desc = descending or [False] * len(names)
        keys = []
        for n, d in zip(names, desc):
            v = self.values(n)
            if v.dtype == object:
                codes, _ = pd.factorize(v, sort=True)
                key = codes.astype(np.float64)
            else:
                key = v.copy()
                if mfirst and d:
                    key[np.isnan(key)] = -np.inf
                else:
                    key[np.isnan(key)] = np.inf
            keys.append(-key if d else key)
        order = np.lexsort(tuple(reversed(keys)))
        self.df = self.df.iloc[order].reset_index(drop=True)
        self.sortedby = tuple(names) if not any(desc) else ()
        self.changed = True

    def is_sorted_by(self, names: list[str]) -> bool:
        return tuple(self.sortedby[: len(names)]) == tuple(names)
