"""Reading and writing data sets: bundled sets, ``.dta``, ``.csv``, ``.parquet``.

``.dta`` files keep Stata's metadata (storage types, formats, variable and value labels, dataset
label, time stamp) through pandas' Stata reader. ``.parquet`` files written here carry the same
metadata as JSON in the schema, so they round-trip. ``.csv`` files have none: integers get the
smallest integer type, other numbers ``double`` (as ``import delimited, asdouble``).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import StataError
from .dataset import Dataset, VarInfo, default_format, smallest_numeric_type, string_type

__all__ = ["bundled_names", "load_bundled", "read", "write", "resolve_path", "stamp"]

_META_KEY = b"bayes_magic.stata"


def bundled_names() -> list[str]:
    """Names of the data sets shipped with the package (``use math``)."""
    root = resources.files("bayes_magic.dataset") / "bundled"
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".json"))


def load_bundled(name: str) -> Dataset:
    root = resources.files("bayes_magic.dataset") / "bundled"
    meta = json.loads((root / f"{name}.json").read_text())
    with resources.as_file(root / f"{name}.csv") as p:
        df = pd.read_csv(p, keep_default_na=False, na_values=[""])
    ds = _from_meta(df, meta)
    ds.filename = meta.get("filename", f"{name}.dta")
    return ds


def _from_meta(df: pd.DataFrame, meta: dict) -> Dataset:
    info: dict[str, VarInfo] = {}
    cols: dict[str, np.ndarray] = {}
    for c, m in meta["variables"].items():
        t = m["type"]
        if t.startswith("str"):
            cols[c] = np.array(
                ["" if (isinstance(x, float) and x != x) else str(x) for x in df[c]], dtype=object
            )
        else:
            cols[c] = df[c].to_numpy(dtype=np.float64)
        info[c] = VarInfo(
            t, m.get("format") or default_format(t), m.get("label", ""), m.get("vlabel", "")
        )
    frame = pd.DataFrame(cols, index=pd.RangeIndex(len(df)))
    for c in frame.columns:
        if info[c].type.startswith("str"):
            frame[c] = frame[c].astype(object)
    vlabels = {
        k: {int(a): b for a, b in v.items()} for k, v in meta.get("value_labels", {}).items()
    }
    return Dataset(
        frame,
        info,
        vlabels,
        label=meta.get("label", ""),
        timestamp=meta.get("timestamp"),
        sortedby=tuple(meta.get("sortedby", ())),
    )


def _meta(ds: Dataset) -> dict:
    return {
        "label": ds.label,
        "timestamp": ds.timestamp,
        "sortedby": list(ds.sortedby),
        "variables": {
            c: {"type": i.type, "format": i.format, "label": i.label, "vlabel": i.vlabel}
            for c, i in ds.info.items()
        },
        "value_labels": {k: {str(a): b for a, b in v.items()} for k, v in ds.value_labels.items()},
    }


def resolve_path(name: str, default_ext: str = ".dta") -> Path:
    """Stata's rule: a file name without an extension gets ``.dta``."""
    p = Path(os.path.expanduser(name))
    if not p.suffix:
        p = p.with_suffix(default_ext)
    return p


def stamp(t: datetime | None = None) -> str:
    """A time stamp as ``describe`` shows it: ``5 May 2020 14:37``."""
    t = t or datetime.now()
    return f"{t.day} {t:%b %Y %H:%M}"


def read(path: Path, *, nolabel: bool = False) -> Dataset:
    """Read a ``.dta``, ``.csv`` or ``.parquet`` file.

    Raises
    ------
    StataError
        ``file x not found`` (r(601)), ``file x not Stata format`` (r(610)).
    """
    if not path.exists():
        raise StataError(f"file {path} not found", 601)
    ext = path.suffix.lower()
    try:
        if ext == ".dta":
            ds = _read_dta(path)
        elif ext == ".csv":
            ds = _read_csv(path)
        elif ext in (".parquet", ".pq"):
            ds = _read_parquet(path)
        else:
            raise StataError(f"file {path} not Stata format", 610)
    except StataError:
        raise
    except Exception as exc:  # a corrupt or foreign file
        raise StataError(f"file {path} could not be read: {exc}", 610) from None
    if nolabel:
        for i in ds.info.values():
            i.vlabel = ""
        ds.value_labels = {}
    ds.filename = str(path)
    ds.changed = False
    return ds


def _read_dta(path: Path) -> Dataset:
    with pd.io.stata.StataReader(path) as r:
        df = r.read(convert_categoricals=False, convert_dates=False, convert_missing=False)
        vlabels = r.value_labels()
        varlabels = r.variable_labels()
        data_label = r.data_label or ""
        stamp = r.time_stamp or None
        typlist = list(getattr(r, "_typlist", []))
        fmtlist = list(getattr(r, "_fmtlist", []))
        lbllist = list(getattr(r, "_lbllist", []))
    info: dict[str, VarInfo] = {}
    cols: dict[str, np.ndarray] = {}
    for k, c in enumerate(df.columns):
        s = df[c]
        if pd.api.types.is_numeric_dtype(s.dtype):
            v = np.array(s.to_numpy(dtype=np.float64, na_value=np.nan), copy=True)
            t = _stata_type(typlist[k] if k < len(typlist) else None, v)
            cols[c] = v
        else:
            v = np.array(
                ["" if x is None or (isinstance(x, float) and x != x) else str(x) for x in s],
                dtype=object,
            )
            t = _stata_type(typlist[k] if k < len(typlist) else None, v)
            cols[c] = v
        fmt = fmtlist[k] if k < len(fmtlist) and fmtlist[k] else default_format(t)
        lbl = lbllist[k] if k < len(lbllist) else ""
        info[c] = VarInfo(t, fmt, varlabels.get(c, ""), lbl or "")
    frame = pd.DataFrame(cols, index=pd.RangeIndex(len(df)))
    for c in frame.columns:
        if info[c].type.startswith("str"):
            frame[c] = frame[c].astype(object)
    vl = {name: {int(a): str(b) for a, b in m.items()} for name, m in vlabels.items()}
    return Dataset(frame, info, vl, label=data_label, timestamp=stamp)


def _stata_type(code: object, values: np.ndarray) -> str:
    """Map pandas' reader type codes back to Stata's storage types."""
    if isinstance(code, (int, np.integer)):
        return "strL" if int(code) == 32768 else f"str{int(code)}"
    if code is not None:
        dt = np.dtype(code)
        return {
            np.dtype("int8"): "byte",
            np.dtype("int16"): "int",
            np.dtype("int32"): "long",
            np.dtype("float32"): "float",
            np.dtype("float64"): "double",
        }.get(dt, "double")
    if values.dtype == object:
        return string_type(values)
    return "double"


def _read_csv(path: Path) -> Dataset:
    df = pd.read_csv(path)
    ds = Dataset.from_dataframe(df)
    for c, i in ds.info.items():
        if i.type in ("float",):
            i.type, i.format = "double", default_format("double")
        if not i.type.startswith("str") and i.type != "double":
            i.type = smallest_numeric_type(ds.df[c].to_numpy(dtype=np.float64))
            i.format = default_format(i.type)
    return ds


def _read_parquet(path: Path) -> Dataset:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    meta = (table.schema.metadata or {}).get(_META_KEY)
    df = table.to_pandas()
    if meta is not None:
        m = json.loads(meta)
        if set(m.get("variables", {})) == {str(c) for c in df.columns}:
            return _from_meta(df, m)
    return Dataset.from_dataframe(df)


def write(ds: Dataset, path: Path, *, nolabel: bool = False) -> None:
    """Write the dataset to ``.dta`` (format 118), ``.csv`` or ``.parquet``."""
    ext = path.suffix.lower()
    if ext == ".dta":
        _write_dta(ds, path, nolabel=nolabel)
    elif ext == ".csv":
        ds.to_dataframe().to_csv(path, index=False)
    elif ext in (".parquet", ".pq"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(ds.to_dataframe(), preserve_index=False)
        md = dict(table.schema.metadata or {})
        md[_META_KEY] = json.dumps(_meta(ds)).encode()
        pq.write_table(table.replace_schema_metadata(md), path)
    else:
        raise StataError(f"file {path}: cannot save in format {ext or '(none)'}", 198)


def _write_dta(ds: Dataset, path: Path, *, nolabel: bool) -> None:
    out: dict[str, pd.Series] = {}
    for c, i in ds.info.items():
        v = ds.df[c]
        if i.type.startswith("str"):
            out[c] = v.astype(object)
            continue
        arr = v.to_numpy(dtype=np.float64)
        has_missing = bool(np.isnan(arr).any())
        if i.type == "float":
            out[c] = pd.Series(arr.astype(np.float32))
        elif i.type in ("byte", "int", "long") and not has_missing:
            out[c] = pd.Series(
                arr.astype({"byte": np.int8, "int": np.int16, "long": np.int32}[i.type])
            )
        else:
            out[c] = pd.Series(arr)
    frame = pd.DataFrame(out)
    value_labels = None
    if not nolabel:
        value_labels = {
            c: ds.value_labels[i.vlabel]
            for c, i in ds.info.items()
            if i.vlabel and i.vlabel in ds.value_labels and not i.type.startswith("str")
        } or None
    frame.to_stata(
        path,
        write_index=False,
        version=118,
        data_label=ds.label or None,
        variable_labels={c: i.label for c, i in ds.info.items() if i.label} or None,
        value_labels=value_labels,
    )
    if value_labels:
        _rename_value_labels(path, {c: ds.info[c].vlabel for c in value_labels})


def _rename_value_labels(path: Path, names: dict[str, str]) -> None:
    """pandas names each value-label set after its variable; give them their Stata names.

    In format 118 a name is a 129-byte, NUL-padded field, both in ``<value_label_names>`` and in
    each ``<lbl>`` of ``<value_labels>``; the fields are rewritten in place. A set shared by
    several variables keeps pandas' per-variable copies (their names stay the variables').
    """
    users: dict[str, int] = {}
    for lab in names.values():
        users[lab] = users.get(lab, 0) + 1
    raw = bytearray(path.read_bytes())
    for var, lab in names.items():
        if var == lab or users[lab] > 1:
            continue
        old = var.encode().ljust(129, b"\0")
        new = lab.encode().ljust(129, b"\0")
        for tag in (b"<value_label_names>", b"<value_labels>"):
            start = raw.find(tag)
            end = raw.find(b"</" + tag[1:], start)
            if start < 0 or end < 0:
                continue
            k = raw.find(old, start, end)
            while k >= 0:
                raw[k : k + 129] = new
                k = raw.find(old, k + 129, end)
    path.write_bytes(bytes(raw))
