"""Reading and writing data sets: bundled sets, ``.dta``, ``.csv``, ``.parquet``.

``.dta`` files keep Stata's metadata (storage types, display formats, variable and value labels,
dataset label, time stamp, sort order) through pandas' Stata reader and writer, the formats,
value-label sets and sort order written into pandas' file afterwards (it writes its own formats,
one label set per variable and no sort order); ``byte``, ``int`` and ``long``
variables with missing values are written as those types (through pandas' nullable integers),
strL as strL. pandas' writer sizes each ``str#`` to its longest value, so a ``str8`` holding at
most 6 characters comes back as ``str6``. ``.parquet`` files written here carry the same
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


def checked_path(name: str, suffix: str | None = None) -> Path:
    """A file name as the user typed it, checked once for every command that reads or writes
    a file: r(198) "invalid file specification" when it names no file (empty, ``.``, ``..``,
    or a suffix alone such as ``.gph``); r(603) when it names a folder (it ends in ``/`` or is
    one). ``~`` is expanded and ``suffix`` added to a name without one."""
    text = str(name).strip()
    full = os.path.expanduser(text)
    base = os.path.basename(full)  # "" for a name ending in /
    if not text or base in (".", "..") or (base and not base.rsplit(".", 1)[0].strip()):
        raise StataError("invalid file specification", 198)
    if text.endswith(("/", os.sep)) or os.path.isdir(full):
        raise StataError(f"file {text} could not be opened: it is a folder, not a file", 603)
    p = Path(full)
    if suffix and not p.suffix:
        p = p.with_name(p.name + suffix)
        if p.is_dir():
            raise StataError(f"file {p} could not be opened: it is a folder, not a file", 603)
    return p


def resolve_path(name: str, default_ext: str = ".dta") -> Path:
    """Stata's rule: a file name without an extension gets ``.dta`` (checked by
    :func:`checked_path`)."""
    return checked_path(name, default_ext)


def stamp(t: datetime | None = None) -> str:
    """A time stamp as ``describe`` shows it: ``5 May 2020 14:37``."""
    t = t or datetime.now()
    return f"{t.day} {t:%b %Y %H:%M}"


def _pyarrow_parquet():
    """``pyarrow.parquet``, or Stata's kind of error when pyarrow is not installed."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise StataError("parquet files need pyarrow: pip install pyarrow", 198) from None
    return pq


def read(path: Path, *, nolabel: bool = False, notes: list[str] | None = None) -> Dataset:
    """Read a ``.dta``, ``.csv`` or ``.parquet`` file.

    ``notes`` receives the lines to show the user (renamed CSV headers).

    Raises
    ------
    StataError
        ``file x not found`` (r(601)), ``file x not Stata format`` (r(610)); r(198) when reading
        a parquet file without pyarrow.
    """
    if not path.exists():
        raise StataError(f"file {path} not found", 601)
    ext = path.suffix.lower()
    try:
        if ext == ".dta":
            ds = _read_dta(path)
        elif ext == ".csv":
            ds = _read_csv(path, notes)
        elif ext in (".parquet", ".pq"):
            ds = _read_parquet(path, notes)
        elif _is_dta(path):
            ds = _read_dta(path)  # a Stata file under another name (a tempfile, foo.xyz)
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


def _is_dta(path: Path) -> bool:
    """A Stata file by its first bytes: ``<stata_dta>`` (formats 117+) or the format number
    113-115 of the older ones."""
    with open(path, "rb") as f:
        head = f.read(11)
    # formats 113-115: the release byte, the byte order (1 or 2) and the file type 1
    old = len(head) >= 3 and head[0] in (113, 114, 115) and head[1] in (1, 2) and head[2] == 1
    return head == b"<stata_dta>" or old


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
        srtlist = [int(k) for k in getattr(r, "_srtlist", [])]
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
        if t.startswith("str") and t != "strL" and fmt == f"%{t[3:]}s" and int(t[3:]) < 9:
            # pandas' writer stores %#s for a str# (Stata's default is %9s up to str9)
            fmt = default_format(t)
        lbl = lbllist[k] if k < len(lbllist) else ""
        info[c] = VarInfo(t, fmt, varlabels.get(c, ""), lbl or "")
    frame = pd.DataFrame(cols, index=pd.RangeIndex(len(df)))
    for c in frame.columns:
        if info[c].type.startswith("str"):
            frame[c] = frame[c].astype(object)
    vl = {name: {int(a): str(b) for a, b in m.items()} for name, m in vlabels.items()}
    sortedby = []  # the <sortlist>: 1-based variable numbers up to the first 0
    for k in srtlist:
        if not 0 < k <= len(df.columns):
            break
        sortedby.append(str(df.columns[k - 1]))
    return Dataset(frame, info, vl, label=data_label, timestamp=stamp, sortedby=tuple(sortedby))


#: pandas' StataReader type codes of the numeric storage types (its ``_typlist``)
_NUMERIC_CODES = {"b": "byte", "h": "int", "l": "long", "f": "float", "d": "double"}
#: the code of a strL in ``_typlist`` (formats 117+): 32768 or ``'Q'``, by pandas version
_STRL_CODES = (32768, "Q")


def _stata_type(code: object, values: np.ndarray) -> str:
    """Map pandas' reader type codes back to Stata's storage types.

    The codes are struct characters (``'b'`` byte, ``'h'`` int, ``'l'`` long, ``'f'`` float,
    ``'d'`` double), a string width (an int), or 32768 / ``'Q'`` for a strL; they are mapped
    explicitly, not through ``np.dtype`` (whose ``'l'`` is int64 on Linux).
    """
    if code in _STRL_CODES:
        return "strL"
    if isinstance(code, (int, np.integer)):
        return f"str{int(code)}"
    if isinstance(code, str) and code in _NUMERIC_CODES:
        return _NUMERIC_CODES[code]
    if values.dtype == object:
        return string_type(values)
    return "double"


def _read_csv(path: Path, notes: list[str] | None) -> Dataset:
    df = pd.read_csv(path)
    ds = Dataset.from_dataframe(df, notes=notes)
    for c, i in ds.info.items():
        if i.type in ("float",):
            i.type, i.format = "double", default_format("double")
        if not i.type.startswith("str") and i.type != "double":
            i.type = smallest_numeric_type(ds.df[c].to_numpy(dtype=np.float64))
            i.format = default_format(i.type)
    return ds


def _read_parquet(path: Path, notes: list[str] | None) -> Dataset:
    table = _pyarrow_parquet().read_table(path)
    meta = (table.schema.metadata or {}).get(_META_KEY)
    df = table.to_pandas()
    if meta is not None:
        m = json.loads(meta)
        if set(m.get("variables", {})) == {str(c) for c in df.columns}:
            return _from_meta(df, m)
    return Dataset.from_dataframe(df, notes=notes)


def write(ds: Dataset, path: Path, *, nolabel: bool = False, orphans: bool = False) -> None:
    """Write the dataset to ``.dta`` (format 118), ``.csv`` or ``.parquet``.

    Raises
    ------
    StataError
        ``file x could not be opened`` (r(603)) when the file cannot be written; r(198) for a
        parquet file without pyarrow. An extension other than .csv and .parquet writes .dta.

    The file is written beside ``path`` under a temporary name and renamed into place, so a
    failed save leaves an existing file as it was.
    """
    ext = path.suffix.lower()
    writers = {".dta": _write_dta, ".csv": _write_csv, ".parquet": _write_parquet}
    # any other extension is a Stata file under that name, as Stata's save (tempfiles too)
    writer = writers.get(".parquet" if ext == ".pq" else ext, _write_dta)
    tmp = path.parent / f".{path.stem}.{os.getpid()}.tmp{path.suffix}"
    try:
        if writer is _write_dta:
            _write_dta(ds, tmp, nolabel=nolabel, orphans=orphans)
        else:
            writer(ds, tmp, nolabel=nolabel)
        os.replace(tmp, path)
    except OSError:
        raise StataError(f"file {path} could not be opened", 603) from None
    finally:
        if tmp.exists():
            tmp.unlink()


def _write_csv(ds: Dataset, path: Path, *, nolabel: bool) -> None:
    ds.to_dataframe().to_csv(path, index=False)


def _write_parquet(ds: Dataset, path: Path, *, nolabel: bool) -> None:
    pq = _pyarrow_parquet()
    import pyarrow as pa

    table = pa.Table.from_pandas(ds.to_dataframe(), preserve_index=False)
    md = dict(table.schema.metadata or {})
    md[_META_KEY] = json.dumps(_meta(ds)).encode()
    pq.write_table(table.replace_schema_metadata(md), path)


#: the nullable pandas dtypes that pandas' Stata writer stores as byte, int and long, with
#: Stata's missing value where the value is ``pd.NA``
_INT_DTYPES = {"byte": "Int8", "int": "Int16", "long": "Int32"}


def _dta_column(values: pd.Series, vtype: str) -> pd.Series:
    """A column as pandas' Stata writer must see it to store it in ``vtype``."""
    if vtype.startswith("str"):
        return values.astype(object)
    arr = values.to_numpy(dtype=np.float64)
    if vtype == "float":
        return pd.Series(arr.astype(np.float32))
    if vtype in _INT_DTYPES:
        return pd.Series(pd.array(arr, dtype="Float64").astype(_INT_DTYPES[vtype]))
    return pd.Series(arr)


def _write_dta(ds: Dataset, path: Path, *, nolabel: bool, orphans: bool = False) -> None:
    frame = pd.DataFrame({c: _dta_column(ds.df[c], i.type) for c, i in ds.info.items()})
    frame.to_stata(
        path,
        write_index=False,
        version=118,
        data_label=ds.label or None,
        variable_labels={c: i.label for c, i in ds.info.items() if i.label} or None,
        convert_strl=[c for c, i in ds.info.items() if i.type == "strL"],
    )
    names = list(ds.info)
    raw = bytearray(path.read_bytes())
    order = "big" if b"<byteorder>MSF</byteorder>" in raw[:200] else "little"
    # formats and value-label names are fixed-width fields, rewritten in place (pandas writes
    # its own %9.0g-style formats and names a label set after its variable)
    _fill_fields(raw, b"formats", 57, [_dta_format(ds.info[c]) for c in names], order)
    attached = ["" if i.type.startswith("str") else (i.vlabel or "") for i in ds.info.values()]
    _fill_fields(raw, b"value_label_names", 129, attached, order)
    if ds.sortedby:
        _fill_fields(
            raw, b"sortlist", 2, [names.index(v) + 1 for v in ds.sortedby if v in names], order
        )
    # the sets attached to a variable, or with ``orphans`` every defined set ([D] save; nolabel
    # omits the sets but keeps the names attached)
    used = {i.vlabel for i in ds.info.values() if i.vlabel and not i.type.startswith("str")}
    sets = {n: m for n, m in ds.value_labels.items() if orphans or n in used}
    if nolabel:
        sets = {}
    raw = _replace_value_labels(raw, sets, order)
    path.write_bytes(bytes(raw))


def _dta_format(info: VarInfo) -> str:
    """The display format stored for a variable: its own, unless pandas' width for a string
    variable makes it invalid there (a %#s wider than the stored str# is fine in Stata)."""
    fmt = info.format or default_format(info.type)
    return fmt if len(fmt.encode()) <= 56 else default_format(info.type)


#: the sections of a format-118 file in the order of its <map> (14 offsets, [D] dta)
_MAP = (
    "stata_dta",
    "map",
    "variable_types",
    "varnames",
    "sortlist",
    "formats",
    "value_label_names",
    "variable_labels",
    "characteristics",
    "data",
    "strls",
    "value_labels",
    "/stata_dta",
    "eof",
)


def _map_at(raw: bytearray, order: str) -> int:
    """Where the <map>'s offsets start, read through the header's fields (not by searching
    the file for a tag, which a label or a string value could contain)."""
    pos = raw.index(b"<N>") + 3 + 8 + len(b"</N><label>")
    n = int.from_bytes(raw[pos : pos + 2], order)
    pos += 2 + n + len(b"</label><timestamp>")
    t = raw[pos]
    pos += 1 + t + len(b"</timestamp></header><map>")
    return pos


def _section(raw: bytearray, name: str, order: str) -> tuple[int, int]:
    """The body of section ``<name>``: from after its opening tag to its closing tag, by the
    map's offsets."""
    at = _map_at(raw, order)
    k = _MAP.index(name)
    begin = int.from_bytes(raw[at + 8 * k : at + 8 * k + 8], order) + len(name) + 2
    end = int.from_bytes(raw[at + 8 * (k + 1) : at + 8 * k + 16], order) - len(name) - 3
    return begin, end


def _fill_fields(
    raw: bytearray, tag: bytes, width: int, values: list, order: str = "little"
) -> None:
    """Overwrite the leading fixed-width fields of section ``<tag>`` (format 118): strings
    NUL-padded to ``width`` bytes, or ints of ``width`` bytes in byte order ``order``."""
    start, end = _section(raw, tag.decode(), order)
    for k, v in enumerate(values):
        lo = start + k * width
        if lo + width > end:
            return
        if isinstance(v, str):
            field = v.encode()[: width - 1].ljust(width, b"\0")
        else:
            field = int(v).to_bytes(width, order)
        raw[lo : lo + width] = field


def _replace_value_labels(raw: bytearray, sets: dict[str, dict[int, str]], order: str) -> bytearray:
    """Write the ``<value_labels>`` section afresh with ``sets`` and move the map's last two
    offsets (``</stata_dta>`` and the end of file), which follow it, by the change in size."""
    head, end = _section(raw, "value_labels", order)
    body = bytearray()
    for name, mapping in sets.items():
        items = sorted((int(v), str(lab).encode()[:32000]) for v, lab in mapping.items())
        offsets, text = [], bytearray()
        for _v, lab in items:
            offsets.append(len(text))
            text += lab + b"\0"
        n = len(items)
        table = n.to_bytes(4, order) + len(text).to_bytes(4, order)
        table += b"".join(o.to_bytes(4, order) for o in offsets)
        table += b"".join(v.to_bytes(4, order, signed=True) for v, _l in items)
        table += bytes(text)
        body += b"<lbl>" + len(table).to_bytes(4, order)
        body += name.encode()[:128].ljust(129, b"\0") + b"\0\0\0" + table + b"</lbl>"
    shift = len(body) - (end - head)
    out = raw[:head] + body + raw[end:]
    if shift:
        at = _map_at(out, order)
        for k in (12, 13):
            lo = at + 8 * k
            new = int.from_bytes(out[lo : lo + 8], order) + shift
            out[lo : lo + 8] = new.to_bytes(8, order)
    return out
