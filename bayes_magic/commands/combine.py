"""Combining data sets: ``append`` ([D] append) and ``merge`` ([D] merge), as ``merge.ado``
(3.2.5) and Stata's builtin do them, with Stata 17's report.

The using data are a ``.dta``/``.csv``/``.parquet`` file, a bundled data set, or a pandas
DataFrame of the notebook by name (as ``use`` finds them).

* ``append using f1 [f2 ...] [, generate() keep() nolabel force]``: the using observations
  after the master's; variables in both keep the master's place and labels, with the storage
  type widened to hold both; a variable string in one and numeric in the other is refused
  (r(106)) unless ``force`` (the using values are then missing).
* ``merge 1:1|m:1|1:m|m:m varlist using f`` (or ``1:1 _n``) with ``keepusing()``,
  ``generate()``/``nogenerate``, ``update``/``replace``, ``keep()``, ``assert()``,
  ``nolabel``, ``noreport``, ``force``: the master sorted by the key, matched observations
  side by side, using-only observations at the end; ``_merge`` 1 master only, 2 using only,
  3 matched (4 missing updated, 5 nonmissing conflict under ``update``).
"""

from __future__ import annotations

import shlex

import numpy as np
import pandas as pd

from ..dataset.dataset import Dataset, VarInfo, default_format, is_string_type, widest_type
from ..dataset.varnames import check_new_name, resolve
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command, Words
from .data import load
from .registry import command

__all__ = ["append", "merge"]

_RESULTS = {
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
    "5": 5,
}
_MERGE_LABELS = {
    1: "Master only (1)",
    2: "Using only (2)",
    3: "Matched (3)",
    4: "Missing updated (4)",
    5: "Nonmissing conflict (5)",
}


def _result_code(word: str) -> int:
    """merge.ado's result(): 1-5, or master/using/match/match_update/match_conflict."""
    w = word.lower()
    if w in _RESULTS:
        return _RESULTS[w]
    n = len(w)
    for full, least, code in (
        ("masters", 3, 1),
        ("usings", 2, 2),
        ("matches", 3, 3),
        ("matched", 3, 3),
        ("match_updates", 8, 4),
        ("match_conflicts", 8, 5),
    ):
        if n >= least and full.startswith(w):
            return code
    raise StataError(
        f"{word}:  invalid resulttype\nresults, specified in options assert() and keep(), are "
        "the integers 1 through 5, or master (equivalent to 1), using (2), match (3), "
        "match_update (4), or match_conflict (5).",
        198,
    )


def _values(ds: Dataset, name: str) -> np.ndarray:
    v = ds.values(name)
    return np.asarray(v, dtype=object if ds.is_string(name) else float)


def _missing(n: int, string: bool) -> np.ndarray:
    return np.full(n, "", dtype=object) if string else np.full(n, np.nan)


def _kind_clash(name: str, tm: str, tu: str, command: str, key: bool = False) -> StataError:
    what = "key variable" if key else "variable"
    hint = (
        f"\nYou could specify {command}'s force option to ignore this string/numeric mismatch.  "
        "The using variable would then be treated as if it contained missing values."
    )
    return StataError(
        f"{what} {name} is {tm} in master but {tu} in using data" + ("" if key else hint), 106
    )


def _finish(new: Dataset, master: Dataset, using: Dataset, nolabel: bool) -> None:
    new.value_labels = {k: dict(v) for k, v in master.value_labels.items()}
    if not nolabel:
        for k, v in using.value_labels.items():
            new.value_labels.setdefault(k, dict(v))
    new.label = master.label
    new.changed = True


def _build(
    master: Dataset,
    using: Dataset,
    names: list[str],
    m_rows: np.ndarray,
    u_rows: np.ndarray,
    from_using: dict[str, np.ndarray],
    force: bool,
    nolabel: bool,
    notes: list[str],
    command: str = "append",
) -> Dataset:
    """A data set of ``names`` whose row r takes master row ``m_rows[r]`` (or nothing, -1) and,
    for variables only in the using data or where ``from_using[name][r]``, using row
    ``u_rows[r]``."""
    n = len(m_rows)
    new = Dataset(pd.DataFrame(index=pd.RangeIndex(n)))
    for name in names:
        in_m, in_u = name in master.info, name in using.info
        im = master.info.get(name)
        iu = using.info.get(name)
        s_m = in_m and is_string_type(im.type)
        s_u = in_u and is_string_type(iu.type)
        clash = in_m and in_u and s_m != s_u
        if clash and not force:
            raise _kind_clash(name, im.type, iu.type, command)
        string = s_m if in_m else s_u
        out = _missing(n, string)
        if in_m:
            src = _values(master, name)
            ok = m_rows >= 0
            out[ok] = src[m_rows[ok]]
        take = from_using.get(name)
        if in_u and not clash:
            src = _values(using, name)
            if in_m:  # a variable in both: the using value where there is no master (and, under
                # update, in the matched observations it fills or replaces)
                use = (m_rows < 0) | (take if take is not None else False)
            else:
                use = np.ones(n, dtype=bool)
            mask = (u_rows >= 0) & use
            out[mask] = src[u_rows[mask]]
        if in_m and in_u and not clash:
            vtype = widest_type([im.type, iu.type])
            if vtype != im.type:
                notes.append(
                    f"(variable {name} was {im.type}, now {vtype} to accommodate using data's "
                    "values)"
                )
        else:
            vtype = (im or iu).type
        if string and vtype != "strL":
            width = max([len(str(x).encode()) for x in out] + [1])
            vtype = widest_type([vtype, f"str{min(width, 2045)}"])
        base = im if in_m else iu
        new.set_values(name, out, vtype)
        new.info[name] = VarInfo(
            vtype,
            base.format if (vtype == base.type or not string) else default_format(vtype),
            base.label,
            "" if (nolabel and not in_m) else base.vlabel,
        )
    _finish(new, master, using, nolabel)
    return new


def _using_words(cmd: Command) -> tuple[list[str], list[str]]:
    """The words before ``using`` and the file names after it (quoted names kept whole)."""
    text = cmd.body.words[0] if isinstance(cmd.body, Words) and cmd.body.words else ""
    words = shlex.split(text, posix=True)
    if "using" not in words:
        raise StataError("using required", 100)
    k = words.index("using")
    files = words[k + 1 :]
    if not files:
        raise StataError("invalid file specification", 198)
    return words[:k], files


@command("append")
def append(s, cmd: Command) -> list[Output]:
    """``append using filename [filename ...] [, generate(newvar) keep(varlist) nolabel
    force]``."""
    before, files = _using_words(cmd)
    if before:
        raise StataError(f"{before[0]} invalid", 198)
    gen = cmd.option("generate")
    master = s.data
    if gen:
        check_new_name(master, gen)
    keep = cmd.option("keep")
    nolabel = cmd.has("nolabel")
    notes: list[str] = []
    result = master
    source = np.zeros(master.nobs)
    for k, f in enumerate(files, start=1):
        using = load(s, f, nolabel=nolabel)
        if keep:
            wanted = {resolve(using, w) for w in keep}
            using = using.copy()
            using.drop_vars([v for v in using.varnames if v not in wanted])
        names = list(result.varnames) + [v for v in using.varnames if v not in result.info]
        m_rows = np.r_[np.arange(result.nobs), np.full(using.nobs, -1)]
        u_rows = np.r_[np.full(result.nobs, -1), np.arange(using.nobs)]
        result = _build(result, using, names, m_rows, u_rows, {}, cmd.has("force"), nolabel, notes)
        source = np.r_[source, np.full(using.nobs, float(k))]
    if gen:
        result.set_values(gen, source, "byte")
    result.sortedby = ()
    result.filename = master.filename
    s.data = result
    return [Text("\n".join(notes))] if notes else []


def _keys(ds: Dataset, names: list[str]) -> pd.Series:
    """Each observation's key, as one hashable value (missing values match each other)."""
    cols = []
    for v in names:
        x = _values(ds, v)
        cols.append(x if ds.is_string(v) else np.where(np.isnan(x), np.inf, x))
    if len(cols) == 1:
        return pd.Series(cols[0])
    return pd.Series(list(zip(*cols)))


@command("merge")
def merge(s, cmd: Command) -> list[Output]:
    """``merge 1:1|m:1|1:m|m:m varlist using filename [, options]``."""
    words, files = _using_words(cmd)
    if len(files) != 1:
        raise StataError(f"{files[1]} invalid", 198)
    if not words:
        raise StataError("merge type required: 1:1, 1:m, m:1 or m:m", 198)
    mtype = {"1:n": "1:m", "n:1": "m:1", "n:n": "m:m", "n:m": "m:m", "m:n": "m:m"}.get(
        words[0], words[0]
    )
    if mtype not in ("1:1", "1:m", "m:1", "m:m"):
        if ":" not in words[0]:
            raise StataError(
                "old merge syntax (merge varlist using) is not available; give the merge "
                "type: merge 1:1 varlist using ...",
                198,
            )
        raise StataError(
            f"merge {words[0]}:  invalid merge type\nmerge types are 1:1, 1:m, m:1, or m:m", 198
        )
    master = s.data
    keyw = words[1:]
    sequential = keyw == ["_n"]
    if sequential and mtype != "1:1":
        raise StataError(f"{words[0]} _n invalid", 198)
    if not keyw:
        raise StataError(
            "varlist or _n required after merge 1:1"
            if mtype == "1:1"
            else f"varlist must be specified after merge {words[0]}",
            198,
        )
    keys = [] if sequential else [resolve(master, w) for w in keyw]
    gen = cmd.option("generate")
    if gen and cmd.has("nogenerate"):
        raise StataError("options generate() and nogenerate may not be specified together", 198)
    mergevar = None if cmd.has("nogenerate") else (gen or "_merge")
    if mergevar is not None and mergevar in master.info:
        raise StataError(f"variable {mergevar} already defined", 110)
    update = cmd.has("update")
    if cmd.has("replace") and not update:
        raise StataError(
            "option replace not allowed\noption replace requires you also specify option "
            "update, thus demonstrating your understanding that an update will be performed",
            198,
        )
    keep_codes = [_result_code(w) for w in (cmd.option("keep") or "").split()]
    assert_codes = [_result_code(w) for w in (cmd.option("assert") or "").split()]
    nolabel = cmd.has("nolabel")
    using = load(s, files[0], nolabel=nolabel)
    for k in keys:
        if k not in using.info:
            raise StataError(f"variable {k} not found in using data", 111)
        if master.is_string(k) != using.is_string(k):
            raise _kind_clash(k, master.info[k].type, using.info[k].type, "merge", key=True)
    kusing = cmd.option("keepusing")
    if kusing:
        wanted = {resolve(using, w) for w in kusing} | set(keys)
        using = using.copy()
        using.drop_vars([v for v in using.varnames if v not in wanted])
    if mergevar is not None and mergevar in using.info:
        raise StataError(f"variable {mergevar} already defined in using data", 110)

    # the master sorted by the key, as merge.ado sorts it
    if keys:
        master = master.copy()
        master.sort(keys)
        using = using.copy()
        using.sort(keys)
    nm, nu = master.nobs, using.nobs
    if sequential:
        km = pd.Series(np.arange(nm))
        ku = pd.Series(np.arange(nu))
    else:
        km, ku = _keys(master, keys), _keys(using, keys)
    for side, kk, uniq in (("master", km, mtype[0] == "1"), ("using", ku, mtype[2] == "1")):
        if uniq and kk.duplicated().any():
            raise StataError(
                f"variable{'s' if len(keys) > 1 else ''} {' '.join(keys)} "
                f"do{'' if len(keys) > 1 else 'es'} not uniquely identify observations in the "
                f"{side} data",
                459,
            )
    # pair rows: within each key, the k-th master row with the k-th using row (the last of the
    # shorter side repeated: m:m's rule; 1:1, 1:m and m:1 are its special cases)
    u_by_key: dict = {}
    for r, k in enumerate(ku):
        u_by_key.setdefault(k, []).append(r)
    m_by_key: dict = {}
    for r, k in enumerate(km):
        m_by_key.setdefault(k, []).append(r)
    m_rows: list[int] = []
    u_rows: list[int] = []
    for k, mr in m_by_key.items():
        ur = u_by_key.get(k, [])
        if not ur:
            m_rows += mr
            u_rows += [-1] * len(mr)
            continue
        n = max(len(mr), len(ur))
        m_rows += [mr[min(i, len(mr) - 1)] for i in range(n)]
        u_rows += [ur[min(i, len(ur) - 1)] for i in range(n)]
    for k, ur in u_by_key.items():  # using-only observations, at the end
        if k not in m_by_key:
            m_rows += [-1] * len(ur)
            u_rows += ur
    m_arr, u_arr = np.array(m_rows, dtype=int), np.array(u_rows, dtype=int)
    matched = (m_arr >= 0) & (u_arr >= 0)
    code = np.where(matched, 3, np.where(m_arr >= 0, 1, 2)).astype(float)
    common = [v for v in using.varnames if v in master.info and v not in keys]
    from_using: dict[str, np.ndarray] = {}
    if update:
        upd = np.zeros(len(m_arr), dtype=bool)
        conflict = np.zeros(len(m_arr), dtype=bool)
        for v in common:
            if master.is_string(v) != using.is_string(v):
                continue
            a = _values(master, v)[np.where(m_arr >= 0, m_arr, 0)]
            b = _values(using, v)[np.where(u_arr >= 0, u_arr, 0)]
            if master.is_string(v):
                miss_a, miss_b = a == "", b == ""
            else:
                miss_a, miss_b = np.isnan(a.astype(float)), np.isnan(b.astype(float))
            fill = matched & miss_a & ~miss_b
            diff = matched & ~miss_a & ~miss_b & (a != b)
            upd |= fill
            conflict |= diff
            from_using[v] = fill | (diff if cmd.has("replace") else False)
        code = np.where(matched & conflict, 5, np.where(matched & upd, 4, code))
    names = list(master.varnames) + [v for v in using.varnames if v not in master.info]
    notes: list[str] = []
    new = _build(
        master,
        using,
        names,
        m_arr,
        u_arr,
        from_using,
        cmd.has("force"),
        nolabel,
        notes,
        "merge",
    )
    if mergevar is not None:
        new.set_values(mergevar, code, "byte")
        new.value_labels.setdefault("_merge", dict(_MERGE_LABELS))
        new.info[mergevar].vlabel = "_merge"
    new.filename = s.data.filename
    all_counts = {c: int(np.sum(code == c)) for c in range(1, 6)}
    if assert_codes and any(all_counts[c] for c in range(1, 6) if c not in assert_codes):
        # merge.ado checks assert() before keep(), and leaves the whole result in memory
        s.data = new
        what = {
            1: "from master",
            2: "from using",
            3: "matched",
            4: "matched and updated",
            5: "matched and conflicting",
        }
        texts = [what[c] for c in sorted(set(assert_codes))]
        listed = texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " or " + texts[-1]
        raise StataError(
            f"merge:  after merge, not all observations {listed}\n"
            "        (merged result left in memory)",
            9,
            keep_state=True,
            outputs=[Text("\n".join(notes))] if notes else [],
        )
    if keep_codes:
        kept = np.isin(code, keep_codes)
        new.keep_rows(kept)
        code = code[kept]
    counts = {c: int(np.sum(code == c)) for c in range(1, 6)}  # the table counts what is kept
    if keys and mtype == "1:1" and counts[2] == 0:  # merge.ado re-sorts then
        new.sort(keys)
    else:
        new.sortedby = ()
    lines = [] if cmd.has("noreport") else _table(counts, update, mergevar)
    s.data = new
    return [Text("\n".join([*notes, *lines]))] if lines or notes else []


def _table(counts: dict[int, int], update: bool, mergevar: str | None) -> list[str]:
    """merge.ado's present_table, in Stata 17's words."""

    def row(label: str, n: int, code: int | None = None, indent: int = 4) -> str:
        tag = f"  ({mergevar}=={code})" if code is not None and mergevar else ""
        return f"{' ' * indent}{label:<{29 - indent}}{n:>16,}{tag}"

    m1, m2 = counts[1], counts[2]
    out = ["", f"    {'Result':<28}Number of obs", "    " + "-" * 41]
    out.append(row("Not matched", m1 + m2))
    if m1 or m2:
        out += [row("from master", m1, 1, 8), row("from using", m2, 2, 8), ""]
    if not update:
        out.append(row("Matched", counts[3], 3))
    else:
        if not (m1 or m2):
            out.append("")
        out.append(row("Matched", counts[3] + counts[4] + counts[5]))
        out += [
            row("not updated", counts[3], 3, 8),
            row("missing updated", counts[4], 4, 8),
            row("nonmissing conflict", counts[5], 5, 8),
        ]
    out.append("    " + "-" * 41)
    return out
