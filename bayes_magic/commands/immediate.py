"""The numbers typed after an immediate command (``tabi``, ``ttesti``, ``sdtesti``, ``bitesti``,
``prtesti``), read as Stata reads them: finite numbers only (``nan``, ``inf`` or ``1e400`` are
not Stata numbers), ``.`` where the command allows a missing value."""

from __future__ import annotations

import math

from ..errors import StataError

__all__ = ["typed_numbers"]


def typed_numbers(words: list[str], *, missing_ok: bool = False) -> list[float]:
    """The words as numbers; r(7) at the first one that is not a (finite) Stata number."""
    out = []
    for w in words:
        if w == "." and missing_ok:
            out.append(math.nan)
            continue
        try:
            x = float(w)
        except ValueError:
            x = math.nan
        if not math.isfinite(x) or w.strip().lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise StataError(f"'{w}' found where number expected", 7)
        out.append(x)
    return out
