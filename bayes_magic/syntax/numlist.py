"""Stata's numlists of reals ([U] 11.1.8 numlist): ``1 2 3``, ``1/4``, ``0(.5)2``."""

from __future__ import annotations

import math
import re

from ..errors import StataError

__all__ = ["numlist"]


def numlist(text: str) -> list[float]:
    """Stata's numlist of reals: ``1 2 3``, ``1/4``, ``0(.5)2``."""
    out: list[float] = []
    for part in text.split():
        m = re.fullmatch(r"(-?[\d.]+)\((-?[\d.]+)\)(-?[\d.]+)", part)
        try:
            if m:
                a, step, b = (float(g) for g in m.groups())
                if step == 0 or (b - a) / step < 0:
                    raise ValueError
                n = math.floor((b - a) / step + 1e-9) + 1
                out += [a + i * step for i in range(n)]
            elif re.fullmatch(r"-?\d+/-?\d+", part):
                a, b = (int(x) for x in part.split("/"))
                step = 1 if b >= a else -1  # 5/1 is 5 4 3 2 1
                out += [float(x) for x in range(a, b + step, step)]
            elif re.fullmatch(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", part):
                out.append(float(part))
            else:
                raise StataError(f"invalid numlist: {text}", 121)
        except ValueError:
            raise StataError(f"invalid numlist has elements out of order: {text}", 124) from None
    return out
