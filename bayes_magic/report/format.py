"""Stata's number formats (``%9.0g``, ``%9.2f``, ``%8.0gc``, ``%-18s`` ...) and helpers.

[D] format: ``%w.0g`` shows as many significant digits as fit in ``w`` columns with room for a
sign and a decimal point (``w - 2`` digits: ``%9.0g`` gives ``3.405797``, ``-.367167``,
``6165.257``), drops the leading zero of numbers below one and trailing zeros, prints integers
in full when they fit, and switches to ``1.23e+08`` notation otherwise. ``%w.df`` is fixed with
``d`` decimals; a trailing ``c`` adds thousands separators.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = ["Fmt", "parse_format", "fmt_g", "fmt_f", "fmt_number", "commas", "missing_text"]

_FMT = re.compile(r"^%(-)?(0)?(\d+)(?:\.(\d+))?([gfe])(c)?$|^%(-)?(\d+)s$")


@dataclass(frozen=True)
class Fmt:
    """A parsed display format."""

    kind: str  # "g", "f", "e", "s", or "other"
    width: int
    decimals: int = 0
    left: bool = False
    comma: bool = False
    text: str = ""


def parse_format(text: str) -> Fmt:
    """Parse a Stata display format; unknown ones (dates ...) give ``kind="other"``."""
    m = _FMT.match(text)
    if not m:
        w = re.match(r"^%-?(\d+)", text)
        return Fmt("other", int(w.group(1)) if w else 9, text=text)
    if m.group(8):
        return Fmt("s", int(m.group(8)), left=bool(m.group(7)), text=text)
    return Fmt(
        m.group(5),
        int(m.group(3)),
        int(m.group(4) or 0),
        left=bool(m.group(1)),
        comma=bool(m.group(6)),
        text=text,
    )


def missing_text(x: float) -> str:
    return "."


def _strip_zero(s: str) -> str:
    """Drop the leading zero of ``0.xxx`` and ``-0.xxx`` as Stata does."""
    if s.startswith("0."):
        return s[1:]
    if s.startswith("-0."):
        return "-" + s[2:]
    return s


def fmt_g(x: float, width: int = 9, *, comma: bool = False) -> str:
    """Stata's ``%w.0g`` (without padding).

    Parameters
    ----------
    x
        The value; NaN prints as ``.``.
    width
        The format width ``w``.
    comma
        Thousands separators (``%w.0gc``).
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "."
    if math.isinf(x):
        return "."
    x = float(x)
    if x == 0:
        return "0"
    if x == int(x) and abs(x) < 1e15:
        s = str(int(x))
        if comma:
            s = commas(s)
        if len(s) <= width:
            return s
    digits = max(1, width - 2)  # room for sign and point
    ax = abs(x)
    exp10 = math.floor(math.log10(ax))
    # fixed notation with `digits` significant digits
    decimals = digits - 1 - exp10
    if decimals >= 0:
        s = f"{x:.{decimals}f}"
        # rounding may have added a digit (9.9999999 -> 10.000000)
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        s = _strip_zero(s)
        if comma:
            s = commas(s)
        if len(s) <= width:
            return s
        if ax < 1:
            # a small number: as many decimals as fit, if that keeps 5 significant digits
            room = width - 1 - (1 if x < 0 else 0)
            if room + exp10 + 1 >= 5:
                s = _strip_zero(f"{x:.{room}f}".rstrip("0").rstrip("."))
                if len(s) <= width:
                    return s
    elif exp10 < width:
        s = f"{round(x):d}"
        if comma:
            s = commas(s)
        if len(s) <= width:
            return s
    # exponential: mantissa digits that fit in the width
    mant = width - (1 if x < 0 else 0) - 2 - 4  # "d." and "e+NN"
    mant = max(0, mant)
    s = f"{x:.{mant}e}"
    m, e = s.split("e")
    if "." in m:
        m = m.rstrip("0").rstrip(".")
    ei = int(e)
    return f"{m}e{'+' if ei >= 0 else '-'}{abs(ei):02d}"


def fmt_f(x: float, decimals: int, *, comma: bool = False, zero: bool = True) -> str:
    """Stata's ``%w.df``: fixed decimals (Stata keeps the leading zero: ``0.30``)."""
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return "."
    s = f"{float(x):.{decimals}f}"
    if s in ("-0", "-0.0") or re.fullmatch(r"-0\.0*", s):
        s = s[1:]
    if comma:
        s = commas(s)
    return s if zero else _strip_zero(s)


def commas(s: str) -> str:
    """Insert thousands separators into the integer part of a formatted number."""
    neg = s.startswith("-")
    body = s[1:] if neg else s
    if "e" in body:
        return s
    whole, dot, frac = body.partition(".")
    if len(whole) > 3 and whole.isdigit():
        whole = f"{int(whole):,}"
    return ("-" if neg else "") + whole + dot + frac


def fmt_number(x: float, fmt: str | Fmt, *, pad: bool = False) -> str:
    """Format ``x`` with a Stata display format (padded to the width when ``pad``)."""
    f = parse_format(fmt) if isinstance(fmt, str) else fmt
    if f.kind == "f":
        s = fmt_f(x, f.decimals, comma=f.comma, zero=True)
        if not f.comma and s.startswith(("0.", "-0.")) and len(s) > f.width:
            s = fmt_f(x, f.decimals)
    elif f.kind == "e":
        s = "." if x != x else f"{x:.{f.decimals}e}"
    else:
        s = fmt_g(x, f.width if f.kind == "g" else 9, comma=f.comma)
    if pad:
        s = s.ljust(f.width) if f.left else s.rjust(f.width)
    return s
