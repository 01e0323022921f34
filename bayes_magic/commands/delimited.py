"""``import delimited`` and ``export delimited`` ([D] import delimited), with the older
``insheet`` / ``outsheet`` spellings.

``import delimited [using] filename [, clear delimiters() varnames(#|nonames) case()
rowrange() asdouble asfloat encoding()]`` reads a text file of delimited values: the delimiter
is guessed among comma, tab and semicolon unless given; names are lowercased unless
``case(preserve)``; only empty fields, and "." among numbers, are missing; numbers with
decimals are stored in the default type (``set type``, float) unless ``asdouble``, integers in
the smallest type that holds them (double beyond long's range), text as ``str#``;
``rowrange()`` counts the data rows after the variable names. ``export delimited [varlist]
using filename [if] [in] [, replace delimiter() novarnames nolabel]`` (or ``export delimited
filename``) writes one, comma-separated by default, value labels as their text unless
``nolabel``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from ..dataset.dataset import Dataset, coerce, default_format, smallest_numeric_type
from ..dataset.varnames import expand_terms
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command, Varlist, Words
from .data import _check_clear, _finish_load, plural
from .registry import command

_DELIMS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "space": " "}


def _delimiter(value: object) -> str | None:
    if value is None:
        return None
    text = str(value.path if hasattr(value, "path") else value).strip().strip('"')
    text = _DELIMS.get(text.lower(), text)
    if len(text) != 1:
        raise StataError(f'delimiters("{text}"): a delimiter is one character', 198)
    return text


def _file(cmd: Command) -> Path:
    name = cmd.using
    if name is None and isinstance(cmd.body, Words) and cmd.body.words:
        name = cmd.body.words[0]
    if not name:
        raise StataError("invalid file specification", 198)
    path = Path(str(name)).expanduser()
    if not path.suffix and not path.exists():
        path = path.with_suffix(".csv")
    return path


def _rowrange(text: str | None, nrows: int) -> slice:
    if not text:
        return slice(None)
    first, _, last = str(text).partition(":")
    try:
        lo = int(first) - 1 if first.strip() else 0
        hi = int(last) if last.strip() else nrows
    except ValueError:
        raise StataError(f"rowrange({text}) invalid", 198) from None
    return slice(max(lo, 0), hi)


def _number(v: float, digits: int) -> str:
    if v != v:
        return ""
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v) if digits == 17 else f"{v:.{digits}g}"


def _is_number(x: str) -> bool:
    """A number as Stata reads one (not nan, inf or 1_000), or missing, which fits a
    numeric column."""
    from ..dataset.evaluate import real_value

    x = x.strip()
    return x in ("", ".") or real_value(x) == real_value(x)


def _numeric_first_row(path: Path, sep: str | None, enc: str | None) -> bool:
    """Whether the first row is data rather than names: it is names when some column holds
    numbers below a first cell that is not one (``id`` over 1, 2 ...), and data when every
    first cell fits its column (``1,x`` over ``2,y``). A file of text columns only keeps its
    first row as names, unless that row has a number in it."""
    with open(path, newline="", encoding=enc or "utf-8", errors="replace") as f:
        head = [f.readline() for _ in range(200)]
    head = [ln for ln in head if ln.strip()]
    if not head:
        return False
    if sep is None:
        try:
            sep = csv.Sniffer().sniff(head[0], delimiters=",\t;|").delimiter
        except csv.Error:
            sep = ","
    rows = list(csv.reader(head, delimiter=sep))
    first, rest = rows[0], rows[1:]
    if not first:
        return False
    numeric_first = [_is_number(x) for x in first]
    if all(numeric_first):
        return True
    for j in range(len(first)):
        below = [r[j] for r in rest if j < len(r) and r[j].strip() not in ("", ".")]
        if below and all(_is_number(x) for x in below) and not numeric_first[j]:
            return False  # a name over numbers
    # no column says so: names if the row has no number in it
    return any(numeric_first[j] and first[j].strip() not in ("", ".") for j in range(len(first)))


@command("import", "delimited")
@command("insheet")
def import_delimited(s, cmd: Command) -> list[Output]:
    _check_clear(s, cmd)
    path = _file(cmd)
    if not path.exists():
        raise StataError(f"file {path} not found", 601)
    sep = _delimiter(cmd.option("delimiters") or cmd.option("delimiter"))
    if sep is None and (cmd.has("tab") or cmd.has("comma")):  # insheet's tab, comma
        sep = "\t" if cmd.has("tab") else ","
    names = cmd.option("varnames")
    header: int | None = 0
    if names is None and _numeric_first_row(path, sep, cmd.option("encoding")):
        header = None  # Stata's default: the first row is names only if it is not all numbers
    if names is not None:
        word = str(names).strip().lower()
        if word == "nonames":
            header = None
        else:
            try:
                header = int(word) - 1
            except ValueError:
                raise StataError(f"varnames({names}) invalid", 198) from None
    if cmd.has("nonames"):
        header = None
    enc = cmd.option("encoding")
    try:
        if sep is None:
            with open(path, newline="", encoding=enc or "utf-8", errors="replace") as f:
                sample = f.read(65536)
            try:
                sep = csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
            except csv.Error:
                sep = ","
        # only empty fields (and Stata's "." in numbers) are missing: text such as NA stays
        df = pd.read_csv(
            path,
            sep=sep,
            header=header,
            encoding=enc or "utf-8",
            skipinitialspace=True,
            keep_default_na=False,
            na_values=["", "."],
        )
    except (UnicodeDecodeError, LookupError) as exc:
        raise StataError(f"file {path} could not be read: {exc}", 610) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise StataError(f"file {path} could not be read: {exc}", 610) from None
    if header is None:
        df.columns = [f"v{j + 1}" for j in range(df.shape[1])]
    case = str(cmd.option("case", "lower")).lower()  # Stata lowercases names by default
    if case not in ("preserve", "lower", "upper"):
        raise StataError(f"case({case}) invalid", 198)
    if case != "preserve":
        df.columns = [str(c).lower() if case == "lower" else str(c).upper() for c in df.columns]
    df = df.iloc[_rowrange(cmd.option("rowrange"), len(df))].reset_index(drop=True)
    notes: list[str] = []
    ds = Dataset.from_dataframe(df, notes=notes)
    floating = "double" if cmd.has("asdouble") else ("float" if cmd.has("asfloat") else None)
    floating = floating or s.settings.type
    for c, info in ds.info.items():
        if info.type.startswith("str"):
            continue
        v = ds.df[c].to_numpy(dtype=np.float64)
        ok = v[~np.isnan(v)]
        if ok.size and np.all(ok == np.round(ok)):
            # integers in the smallest type that holds them; beyond long's range, double
            info.type = smallest_numeric_type(v) if np.all(np.abs(ok) < 2_147_483_621) else "double"
        else:
            info.type = floating
            ds.df[c] = coerce(v, floating)
        info.format = default_format(info.type)
    ds.filename = None
    out = _finish_load(s, cmd, ds, notes)
    s.data.changed = False
    msg = f"({plural(ds.nvars, 'var')}, {plural(ds.nobs, 'obs', 'obs')})"
    return [*out, Text(msg)]


@command("export", "delimited")
@command("outsheet")
def export_delimited(s, cmd: Command) -> list[Output]:
    ds = s.data
    body = cmd.body
    target = cmd.using
    if target is None and isinstance(body, Words) and body.words:
        target = body.words[0]  # export delimited filename
    if target is None:
        raise StataError("using required", 100)
    path = Path(str(target)).expanduser()
    if not path.suffix:
        path = path.with_suffix(".csv")
    if path.exists() and not cmd.has("replace"):
        raise StataError(f"file {path} already exists", 602)
    names = (
        expand_terms(ds, body.terms) if isinstance(body, Varlist) and body.terms else ds.varnames
    )
    rows = s.touse(cmd)
    sep = _delimiter(cmd.option("delimiter")) or (
        "\t" if cmd.name == "outsheet" and not cmd.has("comma") else ","
    )
    frame = pd.DataFrame(index=range(int(rows.sum())))
    for name in names:
        values = ds.df[name].to_numpy()[rows]
        labels = ds.value_labels.get(ds.info[name].vlabel) if ds.info[name].vlabel else None
        if labels and not cmd.has("nolabel"):
            frame[name] = [
                labels.get(int(v), _number(v, 17)) if v == v and v == int(v) else _number(v, 17)
                for v in values.astype(float)
            ]
        elif ds.is_string(name):
            frame[name] = values
        else:  # integers as integers; floats to their precision (9 digits), doubles exactly
            digits = 9 if ds.info[name].type == "float" else 17
            frame[name] = [_number(float(v), digits) for v in values]
    try:
        header = not (cmd.has("novarnames") or cmd.has("nonames"))
        frame.to_csv(path, sep=sep, index=False, header=header, na_rep="")
    except OSError:
        raise StataError(f"file {path} could not be opened", 603) from None
    return [Text(f"file {path} saved")]
