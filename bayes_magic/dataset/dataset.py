"""The dataset in memory: a DataFrame plus Stata's metadata.

Stata keeps, beside the values, each variable's storage type, display format, variable label and
value-label name, the value labels themselves, a dataset label and time stamp, the sort order and
whether the data changed since they were last saved ([D] describe, [D] label, [D] format). The
:class:`Dataset` holds exactly that, over a pandas DataFrame whose numeric columns are float64
(missing is NaN) and whose string columns hold Python strings (missing is ``""``).

Each observation also carries an identity (``Dataset.ids``) drawn from one process-wide counter:
sorting, dropping and adding observations carry the ids along, and no two datasets ever share an
id, so a result attached to observations (``e(sample)``) follows them, not their row positions.

Values follow their storage type as Stata stores them: ``float`` values are rounded to single
precision, integer types hold integers in their ranges ([D] data types).
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "Dataset",
    "VarInfo",
    "INT_RANGES",
    "default_format",
    "is_string_type",
    "missing_mask",
    "new_ids",
    "stata_names",
    "valid_name",
    "RESERVED",
]

#: Stata's ranges of the integer storage types ([D] data types)
INT_RANGES = {
    "byte": (-127, 100),
    "int": (-32767, 32740),
    "long": (-2147483647, 2147483620),
}
_NUMERIC_ORDER = ("byte", "int", "long", "float", "double")


class _IdCounter:
    """Hands out observation ids, never the same one twice in a process."""

    def __init__(self) -> None:
        self._next = 0
        self._lock = threading.Lock()

    def take(self, n: int) -> np.ndarray:
        with self._lock:
            start = self._next
            self._next += n
        return np.arange(start, start + n, dtype=np.int64)


_IDS = _IdCounter()


def new_ids(n: int) -> np.ndarray:
    """``n`` fresh observation ids (int64), unique in this process."""
    return _IDS.take(n)


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


def fits_type(values: np.ndarray, t: str) -> bool:
    """Whether storage type ``t`` holds ``values`` exactly (missing values aside)."""
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
        if t in INT_RANGES and fits_type(values, t):
            return t
    return "float" if least == "float" else "double"


def compressed_type(values: np.ndarray) -> str:
    """``compress``'s type for ``values``: the smallest integer type that holds them, else
    ``float`` when they are all exactly floats, else ``double`` (also ``destring``'s)."""
    t = smallest_numeric_type(values, "byte")
    return "float" if t == "double" and fits_type(values, "float") else t


def widest_type(types: list[str]) -> str:
    """The storage type that holds values of every type in ``types`` (all numeric or all
    string): the widest, ``double`` for ``long`` with ``float`` (a float cannot hold every long),
    the longest ``str#`` (``strL`` beyond that)."""
    if all(is_string_type(t) for t in types):
        if "strL" in types:
            return "strL"
        return f"str{max(int(t[3:]) for t in types)}"
    rank = ["byte", "int", "long", "float", "double"]
    if "double" in types or ("long" in types and "float" in types):
        return "double"
    return max(types, key=rank.index)


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


def missing_mask(values: np.ndarray) -> np.ndarray:
    """Stata's missing values of a column: NaN for numbers, ``""`` for strings."""
    if values.dtype == object:
        return values == ""
    return np.isnan(values)


def string_type(values: np.ndarray) -> str:
    n = max((len(s.encode("utf-8")) for s in values), default=1)
    return "strL" if n > 2045 else f"str{max(n, 1)}"


#: names Stata reserves ([U] 11.3 Naming conventions)
RESERVED = frozenset(
    "_all _b byte _coef _cons double float if in int long _n _N _pi _pred _rc _se _skip "
    "str strL using with".split()
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")


def valid_name(name: str) -> bool:
    """Whether ``name`` may name a new variable ([U] 11.3 Naming conventions)."""
    return (
        bool(_NAME.fullmatch(name)) and name not in RESERVED and not re.fullmatch(r"str\d+", name)
    )


def stata_names(columns: list[str]) -> list[str]:
    """Valid, distinct Stata names for column headers, as ``import delimited`` makes them.

    Accented letters lose their accents (``âge`` becomes ``age``), other characters than
    letters, digits and ``_`` are removed and the rest is cut to 32 characters (``my var``
    becomes ``myvar``); a header that still is no valid name (it starts
    with a digit, is empty or reserved) or repeats an earlier name becomes ``v#``, ``#`` being its
    column number (``2x`` in column 2 becomes ``v2``).
    """
    import unicodedata

    out: list[str] = []
    for k, col in enumerate(columns, start=1):
        # accented letters keep their base letter (âge -> age, résultat -> resultat)
        plain = "".join(
            ch for ch in unicodedata.normalize("NFKD", str(col)) if not unicodedata.combining(ch)
        )
        name = re.sub(r"[^A-Za-z0-9_]", "", plain)[:32]
        if not valid_name(name) or name in out:
            name = f"v{k}"
        while name in out:
            name = "_" + name
        out.append(name)
    return out


def _datetime_column(s: pd.Series) -> tuple[np.ndarray, VarInfo]:
    """Datetimes as Stata stores them: ``%td`` days when every value is a date, else ``%tc``
    milliseconds since 01jan1960 00:00:00 (time-zone-aware values converted to UTC first)."""
    aware = s.dt.tz is not None
    if aware:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    ms = ((s - pd.Timestamp("1960-01-01")) / pd.Timedelta(milliseconds=1)).to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    day = 86_400_000.0
    if not aware and np.all(np.nan_to_num(ms) % day == 0):
        return ms / day, VarInfo("long", "%td")
    return ms, VarInfo("double", "%tc")


def _numeric_column(s: pd.Series) -> tuple[np.ndarray, VarInfo]:
    """Numbers as float64 with the smallest storage type that holds them (NaN and inf missing)."""
    v = np.array(s.to_numpy(dtype=np.float64, na_value=np.nan), copy=True)
    v[np.isinf(v)] = np.nan
    if pd.api.types.is_integer_dtype(s.dtype):
        t = smallest_numeric_type(v)
    elif s.dtype == np.float32:
        t = "float"
    else:
        t = "double"
    return v, VarInfo(t, default_format(t))


def _string_column(s: pd.Series) -> tuple[np.ndarray, VarInfo]:
    vals = np.array(
        [
            "" if (x is None or x is pd.NA or (isinstance(x, float) and x != x)) else str(x)
            for x in s
        ],
        dtype=object,
    )
    t = string_type(vals)
    return vals, VarInfo(t, default_format(t))


def _column(s: pd.Series) -> tuple[np.ndarray, VarInfo, dict[int, str] | None]:
    """One DataFrame column as values, metadata and (for a categorical) its value labels."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy().astype(np.float64) + 1
        codes[codes == 0] = np.nan
        labels = {i + 1: str(c) for i, c in enumerate(s.cat.categories)}
        return codes, VarInfo("long", "%12.0g"), labels
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan), VarInfo("byte", "%8.0g"), None
    if pd.api.types.is_numeric_dtype(s.dtype):
        return (*_numeric_column(s), None)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return (*_datetime_column(s), None)
    return (*_string_column(s), None)


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
    ids
        One int64 identity per observation, in row order; fresh ids (:func:`new_ids`) are drawn
        when none are given.
    varabbrev
        Whether variable names may be abbreviated (``set varabbrev``).
    reshape_spec
        The last ``reshape`` of these data (stubs, i, j and its values), which ``reshape long``
        or ``reshape wide`` typed alone reverses (Stata keeps it in the data's characteristics).
    tsset
        The panel and time variables ``xtset``/``tsset`` declared (``panel`` may be None) and
        the time step ``delta``; the time-series operators (``L.x``) read them.
    """

    df: pd.DataFrame = field(default_factory=pd.DataFrame)
    info: dict[str, VarInfo] = field(default_factory=dict)
    value_labels: dict[str, dict[int, str]] = field(default_factory=dict)
    label: str = ""
    filename: str | None = None
    timestamp: str | None = None
    sortedby: tuple[str, ...] = ()
    changed: bool = False
    ids: np.ndarray = field(default=None, repr=False, compare=False)  # type: ignore[assignment]
    varabbrev: bool = True
    reshape_spec: dict | None = field(default=None, repr=False, compare=False)
    tsset: dict | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.ids is None:
            self.ids = new_ids(len(self.df))

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_dataframe(
        cls, df: pd.DataFrame, *, name: str | None = None, notes: list[str] | None = None
    ) -> Dataset:
        """Convert a user's DataFrame (which is not modified) into a dataset.

        Numbers become float64 with the smallest storage type that holds them; booleans become
        ``byte``; strings ``str#``; a categorical becomes a ``long`` with a value label named after
        the variable, as ``encode`` would make it; datetimes become ``%td`` or ``%tc`` values. The
        index is dropped unless it is named, in which case it becomes the first variable. Column
        names that are not valid Stata names are changed as :func:`stata_names` says, keeping
        the original as the variable label; a line saying so is appended to ``notes``.
        """
        src = df
        if src.index.name is not None or (
            isinstance(src.index, pd.MultiIndex) and any(src.index.names)
        ):
            src = src.reset_index()
        headers = [str(c) for c in src.columns]
        names = stata_names(headers)
        out: dict[str, np.ndarray] = {}
        info: dict[str, VarInfo] = {}
        vlabels: dict[str, dict[int, str]] = {}
        for k, (header, vname) in enumerate(zip(headers, names)):
            values, inf, labels = _column(src.iloc[:, k])
            if vname != header:
                inf.label = header[:80]
            if labels is not None:
                vlabels[vname] = labels
                inf.vlabel = vname
            out[vname] = values
            info[vname] = inf
        renamed = [f"{h} -> {n}" for h, n in zip(headers, names) if h != n]
        if renamed and notes is not None:
            notes.append(f"(variable names changed to valid Stata names: {', '.join(renamed)})")
        frame = pd.DataFrame(out, index=pd.RangeIndex(len(src)))
        for c in frame.columns:
            if info[c].type.startswith("str"):
                frame[c] = frame[c].astype(object)
        return cls(frame, info, vlabels, filename=name)

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
            self.ids.copy(),
            self.varabbrev,
            copy.deepcopy(self.reshape_spec),
            copy.deepcopy(self.tsset),
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

    def missing(self, name: str) -> np.ndarray:
        """Where variable ``name`` is missing (``.`` for numbers, ``""`` for strings)."""
        return missing_mask(self.values(name))

    def mask_of(self, ids: np.ndarray) -> np.ndarray:
        """Which observations (in current row order) have an id in ``ids``."""
        return np.isin(self.ids, ids)

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
        if self.tsset is not None and {self.tsset.get("panel"), self.tsset.get("time")} & set(
            names
        ):
            self.tsset = None  # Stata forgets the settings with their variable
        if self.reshape_spec is not None and set(self.reshape_spec.get("i", ())) & set(names):
            self.reshape_spec = None
        self.changed = True

    def keep_rows(self, mask: np.ndarray) -> int:
        """Keep the rows where ``mask`` is true; return how many were dropped."""
        n_drop = int((~mask).sum())
        if n_drop:
            self.df = self.df.loc[mask].reset_index(drop=True)
            self.ids = self.ids[mask]
            self.changed = True
        return n_drop

    def extend(self, n: int) -> None:
        """Grow to ``n`` observations (``set obs``): new ones are missing and get fresh ids."""
        old = self.nobs
        if n <= old:
            return
        df = self.df.reindex(range(n))
        for c, i in self.info.items():
            if i.type.startswith("str"):
                df[c] = df[c].fillna("").astype(object)
        self.df = df
        self.ids = np.concatenate([self.ids, new_ids(n - old)])
        self.changed = True

    def append_copies(self, rows: np.ndarray) -> None:
        """Append copies of the observations at positions ``rows`` (``expand``); the copies
        get fresh ids."""
        if not len(rows):
            return
        self.df = pd.concat([self.df, self.df.iloc[rows]], ignore_index=True)
        self.ids = np.concatenate([self.ids, new_ids(len(rows))])
        self.sortedby = ()
        self.changed = True

    def reorder(self, order: np.ndarray) -> None:
        """Put the observations in ``order`` (a permutation of row positions), ids with them."""
        self.df = self.df.iloc[order].reset_index(drop=True)
        self.ids = self.ids[order]
        self.changed = True

    def rename(self, old: str, new: str) -> None:
        self.df = self.df.rename(columns={old: new})
        self.info = {(new if k == old else k): v for k, v in self.info.items()}
        self.sortedby = tuple(new if v == old else v for v in self.sortedby)
        if self.tsset is not None:  # the panel and time settings follow their variables
            self.tsset = {k: (new if v == old else v) for k, v in self.tsset.items()}
        if self.reshape_spec is not None:
            spec = self.reshape_spec
            spec["i"] = [new if v == old else v for v in spec.get("i", [])]
            if spec.get("j") == old:
                spec["j"] = new
        self.changed = True

    def sort(
        self, names: list[str], *, descending: list[bool] | None = None, mfirst: bool = False
    ) -> None:
        """Sort stably by ``names`` (see :meth:`sort_order`). The data are then sorted by the
        names before the first descending one (``gsort schid -math`` leaves them sorted by
        ``schid``, as gsort.ado's sort on temporary keys does once they are dropped)."""
        if not names:
            return
        self.reorder(self.sort_order(names, descending=descending, mfirst=mfirst))
        desc = list(descending or [])
        first = desc.index(True) if True in desc else len(names)
        self.sortedby = tuple(names[:first])

    def sort_order(
        self,
        names: list[str],
        *,
        descending: list[bool] | None = None,
        mfirst: bool = False,
        rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """The stable sorting permutation of ``rows`` (all rows by default) by ``names``.

        Missing values sort last, as Stata sorts them, also in a descending order (``gsort
        -x``) unless ``mfirst`` puts them first there ([D] gsort).
        """
        idx = np.arange(self.nobs) if rows is None else np.asarray(rows)
        desc = descending or [False] * len(names)
        keys = []
        for n, d in zip(names, desc):
            v = self.values(n)[idx]
            if v.dtype == object:
                codes, _ = pd.factorize(v, sort=True)
                keys.append(-codes if d else codes)
                continue
            key = -v if d else v.copy()
            key[np.isnan(key)] = -np.inf if (d and mfirst) else np.inf
            keys.append(key)
        return idx[np.lexsort(tuple(reversed(keys)))]

    def is_sorted_by(self, names: list[str]) -> bool:
        return tuple(self.sortedby[: len(names)]) == tuple(names)
