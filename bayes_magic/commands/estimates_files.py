"""``estimates save``, ``estimates use`` and ``estimates describe using`` ([R] estimates save,
[R] estimates describe): estimation results in files, to reload in another session.

The file holds the results whole: for ``mixed`` the estimates and the model spec (so
``predict`` works on the data in memory), for ``bayes:``/``bayesmh`` the draws with their model
(so ``bayesstats``, ``bayestest``, ``bayesgraph`` and ``bayespredict`` work without sampling
again). It is bayes_magic's own format (``.bmster``; Stata's ``.ster`` files cannot be read,
nor can Stata read ours). ``estimates use`` also reads the ``.bmpost`` file that
``bayes, saving(file)`` writes beside the Stata dataset of draws.

As in Stata, results read back have no ``e(sample)``: it is 0 in every observation.
"""

from __future__ import annotations

import copy
import datetime as _dt
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from ..dataset.io import checked_path
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command, Words
from .registry import command

__all__ = ["save_estimates", "read_estimates"]

_MAGIC = "bayes_magic.estimates.v1"
SUFFIX = ".bmster"


def _not_folder(path: Path) -> Path:
    if path.is_dir():
        raise StataError(f"file {path} could not be opened: it is a folder, not a file", 603)
    return path


def _path(name: str) -> Path:
    """The file ``estimates save`` writes: ``name``, with ``.bmster`` when it has no suffix."""
    return checked_path(name, SUFFIX)


def _file_word(cmd: Command) -> str:
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    if not words:
        raise StataError("invalid file specification", 198)
    return words[0]


def save_estimates(path: Path, est: Any, *, append: bool) -> int:
    """Write ``est`` to ``path`` (after the results already there with ``append``); return
    how many results the file holds."""
    entries = read_estimates(path) if append and path.exists() else []
    entries.append(
        {
            "saved": _dt.datetime.now().strftime("%d %b %Y %H:%M"),
            "est": est,
        }
    )
    from .bayespredict import write_atomic

    try:
        write_atomic(path, (_MAGIC, entries))
    except OSError:
        raise StataError(f"file {path} could not be opened", 603) from None
    return len(entries)


def read_estimates(path: Path) -> list[dict[str, Any]]:
    """The results in an estimates file, or the one result of a ``saving()`` file."""
    from ..posterior import _MAGIC as POST_MAGIC

    try:
        with open(path, "rb") as f:
            magic, payload = pickle.load(f)
    except FileNotFoundError:
        raise StataError(f"file {path} not found", 601) from None
    except Exception:  # not ours, damaged, or from a version whose classes have changed
        raise StataError(f"file {path} not bayes_magic estimation results", 610) from None
    if magic == _MAGIC:
        return payload
    if magic == POST_MAGIC:
        return [{"saved": "", "est": payload}]
    raise StataError(f"file {path} not bayes_magic estimation results", 610)


def _find(name: str) -> Path:
    """``name`` as typed, else ``name.bmster``, else the ``saving()`` file ``name.bmpost``."""
    p = checked_path(name)  # r(198) for no file name, r(603) for a folder
    if p.suffix:
        return p
    for suffix in (SUFFIX, ".bmpost"):
        if p.with_suffix(suffix).exists():
            return _not_folder(p.with_suffix(suffix))
    return p.with_suffix(SUFFIX)


def _pick(entries: list[dict[str, Any]], number: int | None, path: Path) -> dict[str, Any]:
    k = number or 1
    if k > len(entries):
        raise StataError(f"file {path} contains only {len(entries)} estimation results", 198)
    return entries[k - 1]


def _without_sample(est: Any) -> Any:
    """A copy whose ``e(sample)`` is 0 everywhere (the data it came from is not known)."""
    out = copy.copy(est)
    if getattr(out, "ids", None) is not None:
        out.ids = np.zeros(0, dtype=np.int64)
    if getattr(out, "sample", None) is not None and isinstance(out.sample, np.ndarray):
        out.sample = np.zeros(0, dtype=bool)
    out.name = None
    return out


@command("estimates", "save")
def estimates_save(s, cmd: Command) -> list[Output]:
    """``estimates save filename [, replace append]``: the active results to a file."""
    path = _path(_file_word(cmd))
    if s.e is None:
        raise StataError("last estimates not found", 301)
    if path.exists() and not (cmd.has("replace") or cmd.has("append")):
        raise StataError(f"file {path} already exists", 602)
    n = save_estimates(path, s.e, append=cmd.has("append"))
    what = f"file {path} saved" if n == 1 else f"file {path} saved ({n} estimation results)"
    return [Text(what)]


@command("estimates", "use")
def estimates_use(s, cmd: Command) -> list[Output]:
    """``estimates use filename [, number(#)]``: make saved results the active results."""
    path = _find(_file_word(cmd))
    entry = _pick(read_estimates(path), cmd.option("number"), path)
    s.e = _without_sample(entry["est"])
    return []


def describe_using(cmd: Command) -> list[Output]:
    """``estimates describe using filename [, number(#)]``."""
    path = _find(cmd.using or "")
    entries = read_estimates(path)
    picked = [cmd.option("number")] if cmd.option("number") else range(1, len(entries) + 1)
    outs: list[Output] = []
    for k in picked:
        entry = _pick(entries, k, path)
        est = entry["est"]
        head = (
            f"Estimation results {k} saved on {entry['saved']}"
            if entry["saved"]
            else (f"Estimation results in {path}")
        )
        outs.append(Text(f"{head}\n\n  command line:  . {est.cmdline}", kind="result"))
    return outs
