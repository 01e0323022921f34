"""``from(init_specs)``: starting values of a maximum likelihood fit ([R] maximize).

*init_specs* is one of

* ``matname [, skip copy]``: a row vector matched to the model's ``e(b)`` names (``copy``: by
  position, with as many columns as the model has parameters). Without ``skip``, a column the
  model does not have is an error;
* ``[eqname:]name = # ...`` and ``/name = #``: values by name (``/lnalpha``, ``/cut1``,
  ``/lns1_1_1``; a name without an equation is the first equation's coefficient);
* ``# [# ...], copy``: values by position.

Parameters not given keep the command's own starting values. The values are in ``e(b)``'s
metric, so the ``e(b)`` of an earlier fit of the same model is a valid ``from()``.
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import StataError
from ..syntax.ast import Command
from ..syntax.params import top_index
from .matrices import find_matrix

__all__ = ["init_specs"]

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def init_specs(
    s, cmd: Command, names: list[str], *, numbers: bool = True
) -> dict[str, float] | None:
    """The values ``from()`` gives, by ``e(b)`` name (``names``, in order); None without it.
    Without ``numbers``, ``# ..., copy`` is refused, as [ME] meglm says of the me* commands
    ("A list of values is not allowed").

    Raises
    ------
    StataError
        r(111) for a matrix or a name not found, r(503) for a ``copy`` of the wrong length,
        r(198) for anything else that is not an *init_specs*.
    """
    raw = cmd.option("from")
    if raw is None:
        return None
    text, tail = _split_options(str(raw))
    flags = tail.split()
    bad = [f for f in flags if f not in ("skip", "copy")]
    if bad or not text.strip():
        raise StataError(f"from(): {bad[0] if bad else 'nothing'} invalid", 198)
    copy, skip = "copy" in flags, "skip" in flags
    text = text.strip()
    if "=" in text:
        if copy or skip:
            raise StataError("from(): options skip and copy go with a matrix", 198)
        return _by_name(_assignments(text), names, skip=False)
    if re.fullmatch(rf"{_NUM}(\s+{_NUM})*", text):
        if not numbers:
            raise StataError(
                f"from(): a list of values is not allowed with {cmd.name}; give a matrix or "
                "name = # pairs",
                198,
            )
        if not copy:
            raise StataError("from(): a list of numbers needs option copy", 198)
        return _by_position([float(t) for t in text.split()], names)
    if len(text.split()) > 1:
        raise StataError(
            f"from({text}) invalid: give one matrix, name = # pairs, or numbers with copy", 198
        )
    _ref, M = find_matrix(s, text)
    if M.values.shape[0] != 1:
        raise StataError(f"from(): matrix {text} is not a row vector", 503)
    vals = [float(v) for v in M.values[0]]
    if copy:
        return _by_position(vals, names)
    return _by_name(dict(zip(M.colnames, vals)), names, skip=skip)


def _split_options(raw: str) -> tuple[str, str]:
    """``spec, options`` at the first comma outside parentheses and brackets (names such as
    ``cov(visit[id],_cons[id])`` hold commas)."""
    i = top_index(raw, ",")
    return (raw, "") if i < 0 else (raw[:i], raw[i + 1 :])


def _assignments(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for m in re.finditer(rf"\s*([^\s=]+)\s*=\s*({_NUM})\s*|(\S+)", text):
        if m.group(3) is not None:
            raise StataError(f"from(): {m.group(3)} invalid", 198)
        out[m.group(1)] = float(m.group(2))
    return out


def _by_position(vals: list[float], names: list[str]) -> dict[str, float]:
    if len(vals) != len(names):
        raise StataError(
            f"from(): {len(vals)} values given with copy; the model has {len(names)} parameters",
            503,
        )
    return dict(zip(names, vals))


def _by_name(given: dict[str, float], names: list[str], *, skip: bool) -> dict[str, float]:
    first_eq = names[0].split(":", 1)[0] if names and ":" in names[0] else ""
    known = set(names)
    out: dict[str, float] = {}
    for name, v in given.items():
        if name.startswith("/") and not name.startswith("/:"):
            # /name: the free parameter /:name (lnalpha, cut1, var(...)), or the constant of
            # a one-parameter equation (mixed's lns1_1_1:_cons)
            full = f"/:{name[1:]}" if f"/:{name[1:]}" in known else f"{name[1:]}:_cons"
        else:
            full = name if ":" in name else f"{first_eq}:{name}"  # the first equation's
        if full not in known:
            if skip:
                continue
            raise StataError(f"from(): {name} is not a parameter of the model", 111)
        if not np.isfinite(v):
            raise StataError(f"from(): the value of {name} is missing", 198)
        out[full] = v
    return out
