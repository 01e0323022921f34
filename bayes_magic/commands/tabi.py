"""``tabi #11 #12 [...] \\ #21 #22 [...] [\\ ...] [, replace tabulate's options]`` ([R] tabulate
twoway): the immediate two-way table of counts typed on the command line.

As Stata's tabi.ado: the counts become variables ``row``, ``col`` and ``pop`` of a dataset
tabulated with ``[fw=pop]``; without options a 2 × 2 table gets ``exact`` and a larger one
``chi2``; the data in memory are left alone unless ``replace`` puts the table there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset.dataset import Dataset
from ..errors import StataError
from ..report.output import Output
from ..syntax.ast import Command, Words
from .immediate import typed_numbers
from .registry import command

__all__ = ["tabi"]


def _counts(text: str) -> np.ndarray:
    rows: list[list[int]] = [[]]
    for word in text.replace("\\", " \\ ").split():
        if word == "\\":
            rows.append([])
            continue
        (x,) = typed_numbers([word])
        if x != int(x):
            raise StataError(f"'{word}' found where integer expected", 7)
        if x < 0:
            raise StataError("negative counts not allowed", 411)
        rows[-1].append(int(x))
    widths = {len(r) for r in rows}
    if len(rows[0]) < 2:
        raise StataError("too few columns", 198)
    if len(widths) != 1 or len(rows) < 2:  # tabi.ado: at least two rows, all as wide
        raise StataError("invalid syntax", 198)
    return np.array(rows, dtype=float)


@command("tabi")
def tabi(s, cmd: Command) -> list[Output]:
    text = " ".join(cmd.body.words) if isinstance(cmd.body, Words) else ""
    table = _counts(text)
    r, c = np.indices(table.shape)
    frame = pd.DataFrame({"row": r.ravel() + 1, "col": c.ravel() + 1, "pop": table.ravel()}).astype(
        {"row": "int16", "col": "int16", "pop": "float64"}  # counts beyond 2^31 too
    )
    opts = [cmd.text[o.span.start : o.span.end] for o in cmd.options if o.name != "replace"]
    if not opts:
        opts = ["exact"] if table.shape == (2, 2) else ["chi2"]
    before = s.data
    s.data = Dataset.from_dataframe(frame)
    try:
        outs = s.run_text(f"tabulate row col [fw=pop], {' '.join(opts)}")
    finally:
        if not cmd.has("replace"):
            s.data = before
    return outs
