"""Checking keys: ``isid`` ([D] isid) and ``duplicates`` ([D] duplicates).

* ``isid varlist [, sort missok]``: silent when the variables identify the observations;
  r(459) otherwise, or when a key is missing (unless ``missok``).
* ``duplicates report|tag|drop [varlist] [if] [in] [, generate() force]``: copies of
  observations that agree on the variables (all variables by default); ``tag`` counts the other
  copies of each observation, ``drop`` keeps the first of each set (``force`` required with a
  varlist).
* ``duplicates list|examples [varlist] [if] [in] [, list_options]``: every duplicated
  observation, or the first of each set with the set's size, as ``list`` lays them out with the
  columns ``group:`` and ``obs:`` (``#`` and ``e.g. obs:`` for examples) ahead of the variables.
  Sets are numbered in the sort order of their values, as duplicates.ado sorts by the varlist.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset.varnames import check_new_name, expand_terms
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command, Varlist
from .registry import command

__all__ = [
    "isid",
    "duplicates_report",
    "duplicates_tag",
    "duplicates_drop",
    "duplicates_list",
]


def _frame(s, names: list[str]) -> pd.DataFrame:
    ds = s.data
    return pd.DataFrame({v: ds.values(v) for v in names})


@command("isid")
def isid(s, cmd: Command) -> list[Output]:
    ds = s.data
    names = expand_terms(ds, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    frame = _frame(s, names)
    if not cmd.has("missok"):
        for v in names:
            x = frame[v]
            miss = (x == "") if ds.is_string(v) else x.isna()
            if miss.any():
                raise StataError(f"variable {v} should never be missing", 459)
    if frame.duplicated().any():
        word = "variable" if len(names) == 1 else "variables"
        verb = "does" if len(names) == 1 else "do"
        raise StataError(
            f"{word} {' '.join(names)} {verb} not uniquely identify the observations", 459
        )
    if cmd.has("sort"):
        ds.sort(names)
    return []


def _setup(s, cmd: Command) -> tuple[list[str], np.ndarray, np.ndarray, str]:
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms) if terms else list(ds.varnames)
    touse = s.touse(cmd)
    frame = _frame(s, names)
    rows = np.flatnonzero(touse)
    codes = frame.iloc[rows].groupby(names, dropna=False, sort=False).ngroup().to_numpy()
    what = "all variables" if not terms else " ".join(names)
    return names, rows, codes, what


@command("duplicates", "report")
def duplicates_report(s, cmd: Command) -> list[Output]:
    _names, rows, codes, what = _setup(s, cmd)
    sizes = np.bincount(codes) if len(codes) else np.zeros(0, dtype=int)
    per_obs = sizes[codes] if len(codes) else np.zeros(0, dtype=int)
    lines = [
        "",
        f"Duplicates in terms of {what}",
        "",
        "-" * 38,
        "   Copies | Observations       Surplus",
        "----------+" + "-" * 27,
    ]
    for c in sorted(set(per_obs.tolist())):
        n_obs = int(np.sum(per_obs == c))
        lines.append(f"{c:>9} | {n_obs:>12,}  {n_obs - n_obs // c:>12,}")
    lines.append("-" * 38)
    s.r = {"N": float(len(rows)), "unique_value": float(len(sizes))}
    return [Text("\n".join(lines))]


@command("duplicates", "tag")
def duplicates_tag(s, cmd: Command) -> list[Output]:
    gen = cmd.option("generate")
    if not gen:
        raise StataError("option generate() required", 198)
    ds = s.data
    check_new_name(ds, gen)
    _names, rows, codes, what = _setup(s, cmd)
    out = np.full(ds.nobs, np.nan)
    if len(codes):
        out[rows] = np.bincount(codes)[codes] - 1
    ds.set_values(gen, out, "byte" if np.nanmax(np.r_[out, 0]) <= 100 else "long")
    return [Text(f"\nDuplicates in terms of {what}")]


@command("duplicates", "drop")
def duplicates_drop(s, cmd: Command) -> list[Output]:
    ds = s.data
    if isinstance(cmd.body, Varlist) and cmd.body.terms and not cmd.has("force"):
        raise StataError("force option required with duplicates drop varlist", 198)
    _names, rows, codes, what = _setup(s, cmd)
    keep = np.ones(ds.nobs, dtype=bool)
    seen: set[int] = set()
    for r, c in zip(rows, codes):
        if c in seen:
            keep[r] = False
        seen.add(int(c))
    dropped = int((~keep).sum())
    ds.keep_rows(keep)
    n = "observation" if dropped == 1 else "observations"
    return [Text(f"\nDuplicates in terms of {what}\n\n({dropped:,} {n} deleted)")]


@command("duplicates", "list", readonly=True)
@command("duplicates", "examples", readonly=True)
def duplicates_list(s, cmd: Command) -> list[Output]:
    from .listing import list_table

    names, rows, codes, what = _setup(s, cmd)
    head = Text(f"\nDuplicates in terms of {what}")
    sizes = np.bincount(codes) if len(codes) else np.zeros(0, dtype=int)
    dup = sizes[codes] > 1 if len(codes) else np.zeros(0, dtype=bool)
    if not dup.any():
        return [head, Text("\n(0 observations are duplicates)")]
    rows, codes = rows[dup], codes[dup]
    # sets numbered in the sort order of their values; observations in data order within a set
    frame = _frame(s, names).iloc[rows].reset_index(drop=True)
    order = np.lexsort((rows, *[_sort_key(frame[v]) for v in reversed(names)]))
    rows, codes = rows[order], codes[order]
    first = np.r_[True, codes[1:] != codes[:-1]]
    group = np.cumsum(first)
    examples = cmd.subcommand == "examples"
    lead: list[tuple[str, list[str]]] = []
    if group[-1] > 1:
        lead.append(("group:", group))
    if examples:
        lead.append(("#", sizes[codes]))
        lead.append(("e.g. obs:", rows + 1))
        keep = first
    else:
        lead.append(("obs:", rows + 1))
        keep = np.ones(len(rows), dtype=bool)
    lead = [(h, [f"{int(v)}" for v in vals[keep]]) for h, vals in lead]
    return [head, *list_table(s, cmd, names, rows[keep], lead=lead, noobs=True)]


def _sort_key(x: pd.Series) -> np.ndarray:
    """Sortable codes for one key column, missing values last (as Stata sorts them)."""
    codes, _uniques = pd.factorize(x, sort=True, use_na_sentinel=True)
    return np.where(codes < 0, np.iinfo(np.int64).max, codes)
