"""Stata's number formats (``%9.0g``, ``%9.2f``, ``%8.0gc``, ``%-18s`` ...) and helpers.

[D] format: ``%w.0g`` shows as many significant digits as fit in ``w`` columns with room for a
sign and a decimal point (``w - 2`` digits: ``%9.0g`` gives ``3.405797``, ``-.367167``,
``6165.257``), drops the leading zero of numbers below one and trailing zeros, prints integers
in full when they fit, and switches to ``1.23e+08`` notation otherwise. ``%w.df`` is fixed with
``d`` decimals (``%0w.df`` pads with zeros); a trailing ``c`` adds thousands separators. The
date formats (``%td``, ``%tc`` ... with optional detail codes) follow [D] Datetime display
formats.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import struct
from dataclasses import dataclass

from ..errors import Span, StataError

__all__ = [
    "abbrev",
    "Fmt",
    "parse_format",
    "check_format",
    "fmt_g",
    "fmt_f",
    "fmt_number",
    "fmt_hex",
    "pad_text",
    "commas",
]

_NUM = re.compile(r"%(-)?(0)?(\d+)(?:\.(\d+))?([gfe])(c)?")
_STR = re.compile(r"%([-~])?(\d+)s")
_HEX = re.compile(r"%-?(21[xX]|16[HL]|8[HL])")
_DATE = re.compile(r"%(-)?t([cCdwmqhyg])(.*)")


@dataclass(frozen=True)
class Fmt:
    """A parsed display format."""

    kind: str  # "g", "f", "e", "s", "t" (dates), "x", or "other" (not a valid format)
    width: int
    decimals: int = 0
    left: bool = False
    comma: bool = False
    text: str = ""
    zero: bool = False  # %09.2f: pad with zeros
    center: bool = False  # %~12s


def exp_or_inf(x: float) -> float:
    """exp(x), infinite instead of overflowing (odds ratios of diverging coefficients)."""
    return math.exp(x) if x < 709.7 else math.inf


def abbrev(name: str, width: int = 12) -> str:
    """Stata's abbreviation of a long name: ``entrance_exam`` in 12 is ``entrance_e~m``."""
    if len(name) <= width:
        return name
    return name[: width - 2] + "~" + name[-1]


def parse_format(text: str) -> Fmt:
    """Parse a Stata display format; one that is not valid gives ``kind="other"``."""
    if m := _NUM.fullmatch(text):
        width, dec = int(m.group(3)), int(m.group(4) or 0)
        if 1 <= width <= 244 and dec < width and not (m.group(6) and m.group(5) == "e"):
            return Fmt(
                m.group(5), width, dec, bool(m.group(1)), bool(m.group(6)), text, bool(m.group(2))
            )
    elif m := _STR.fullmatch(text):
        if 1 <= int(m.group(2)) <= 2045:
            return Fmt(
                "s", int(m.group(2)), left=m.group(1) == "-", text=text, center=m.group(1) == "~"
            )
    elif m := _HEX.fullmatch(text):
        return Fmt("x", int(m.group(1)[:-1]), left=text[1] == "-", text=text)
    elif (m := _DATE.fullmatch(text)) and _date_details_ok(m.group(3)):
        return Fmt("t", len(fmt_date(0.0, text)), left=bool(m.group(1)), text=text)
    w = re.match(r"^%-?(\d+)", text)
    return Fmt("other", int(w.group(1)) if w else 9, text=text)


def _date_details_ok(details: str) -> bool:
    return "%" not in details and not any(c.isspace() for c in details)


def check_format(text: str, *, span: Span | None = None) -> Fmt:
    """Parse a display format, refusing one Stata would refuse.

    Raises
    ------
    StataError
        ``invalid %format`` (r(120)).
    """
    f = parse_format(text)
    if f.kind == "other":
        raise StataError("invalid %format", 120, span=span)
    return f


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
    # %g keeps two of the w positions for a sign and a decimal point, so %9.0g shows at most
    # 7 digits: 1234567, but 1.23e+07 ([FN] strofreal(); Statalist 2003-04 msg00205)
    if x == int(x) and abs(x) < 1e15:
        s = str(int(x))
        # %12.0gc: 12,345,678 but 123456789 (the commas no longer fit)
        if comma and len(commas(s).lstrip("-")) <= width - 2:
            return commas(s)
        if len(s.lstrip("-")) <= width - 2:
            return s
    # room for sign and point; at most 15 significant digits (a double holds 15 exactly)
    digits = max(1, min(width - 2, 15))
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
        plain = s
        if comma:
            s = commas(s)
        # Stata keeps a column for the sign even when there is none: `.0640156`, `-.8565706`
        if len(s.lstrip("-")) <= width - 1:
            return s
        if comma and len(plain.lstrip("-")) <= width - 1:
            return plain  # the commas no longer fit; the digits do
        if ax < 1:
            # a small number: as many decimals as fit, down to 1e-4 (C's %g rule, which
            # Stata's %9.0g follows: .0005179 in regress's classic table, 1.23e-05 below)
            room = width - 2
            if exp10 >= -4:
                s = _strip_zero(f"{x:.{room}f}".rstrip("0").rstrip("."))
                if len(s) <= width:
                    return s
    elif exp10 < width:
        s = f"{int(math.copysign(math.floor(abs(x) + 0.5), x)):d}"  # halves away from zero
        if comma:
            s = commas(s)
        if len(s.lstrip("-")) <= width - 2:
            return s
    # exponential: mantissa digits that fit in the width
    edigits = 3 if abs(exp10) >= 100 else 2  # e-204 takes a column more than e-18
    # a column is kept for the sign even without one: %9.0g is 1.23e+07 and -1.23e+07
    mant = width - 1 - 2 - 2 - edigits  # sign, "d." and "e+NN"
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


def fmt_fw(x: float, width: int, decimals: int) -> str:
    """Stata's ``%width.decimalsf`` right-aligned, a missing value as ``.`` (never ``nan``)."""
    return f"{fmt_f(x, decimals):>{width}}"


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
    if x != x:
        s = "."
    elif f.kind == "f":
        s = fmt_f(x, f.decimals, comma=f.comma, zero=True)
        if len(s) > f.width and s.lstrip("-").startswith("0."):
            s = s.replace("0.", ".", 1)  # .031 in %4.3f: the leading 0 goes first
        if len(s) > f.width:  # too wide for %w.df: Stata shows %w.de (3567890 in %9.2f)
            s = f"{x:.{f.decimals}e}"
    elif f.kind == "e":
        s = f"{x:.{f.decimals}e}"
    elif f.kind == "t":
        s = fmt_date(x, f.text)
    elif f.kind == "x":
        s = fmt_hex(x, f.text[-1], f.width)
    else:
        s = fmt_g(x, f.width if f.kind == "g" else 9, comma=f.comma)
    if f.zero and s != "." and len(s) < f.width:
        sign = "-" if s.startswith("-") else ""
        s = sign + s[len(sign) :].rjust(f.width - len(sign), "0")
    if pad:
        s = pad_text(s, f)
    return s


def fmt_hex(x: float, letter: str = "x", width: int = 21) -> str:
    """Stata's binary formats ([D] format).

    ``%21x``: sign, one hex digit, 13 hex fraction digits, ``X`` and a signed 3-digit hex
    exponent (5.125 is ``+1.4800000000000X+002``); ``%21X`` in capitals. ``%16H``/``%16L`` are
    the IEEE double's bytes most/least significant first, ``%8H``/``%8L`` the single's.
    """
    if letter in "HL":
        raw = struct.pack(">d" if width == 16 else ">f", x)
        return (raw if letter == "H" else raw[::-1]).hex()
    if x == 0:
        s = "+0.0000000000000X-3ff"
    else:
        m, e = math.frexp(abs(x))  # |x| = m 2^e, 1/2 <= m < 1
        frac = round((2 * m - 1) * 16**13)
        s = f"{'-' if x < 0 else '+'}1.{frac:013x}X{'-' if e - 1 < 0 else '+'}{abs(e - 1):03x}"
    return s.upper() if letter == "X" else s


def pad_text(s: str, f: Fmt) -> str:
    """``s`` padded to the format's width: right-aligned, or left (``%-``) or centred (``%~``)."""
    if f.left:
        return s.ljust(f.width)
    if f.center:
        return s.center(f.width)
    return s.rjust(f.width)


# ---------------------------------------------------------------------------------------------
# dates and times ([D] Datetime, [D] Datetime display formats)

_EPOCH = _dt.datetime(1960, 1, 1)
#: each %t code's default details: %td is %tdDDmonCCYY, %tc is %tcDDmonCCYY_HH:MM:SS ...
_DEFAULT_DETAILS = {"d": "DDmonCCYY", "c": "DDmonCCYY_HH:MM:SS", "C": "DDmonCCYY_HH:MM:SS"}
_MONTHS = "January February March April May June July August September October November December"
_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"


def _moment(x: float, code: str) -> _dt.datetime:
    """The calendar time of a %td (days) or %tc/%tC (milliseconds) value since 01jan1960."""
    if code == "d":
        return _EPOCH + _dt.timedelta(days=math.floor(x))
    return _EPOCH + _dt.timedelta(milliseconds=math.floor(x))


def _period(x: float, code: str) -> str:
    """%tw, %tm, %tq, %th, %ty and %tg values in their default form (``2020m1``)."""
    k = math.floor(x)
    per_year = {"w": 52, "m": 12, "q": 4, "h": 2}.get(code)
    if per_year is None:
        return str(k) if code == "y" else fmt_g(x, 9)
    return f"{1960 + k // per_year}{code}{k % per_year + 1}"


def _hour12(h: int) -> int:
    return h % 12 or 12


def _date_codes(t: _dt.datetime) -> dict[str, str]:
    """The detail codes of [D] Datetime display formats and their text at time ``t``."""
    month, day = _MONTHS.split()[t.month - 1], _DAYS.split()[t.weekday()]
    return {
        "DAYNAME": day.upper(),
        "Dayname": day,
        "dayname": day.lower(),
        "Month": month,
        "month": month.lower(),
        "Mon": month[:3],
        "mon": month[:3].lower(),
        "Day": day[:3],
        "day": day[:3].lower(),
        "Da": day[:2],
        "da": day[:2].lower(),
        "JJJ": f"{t.timetuple().tm_yday:03d}",
        "jjj": str(t.timetuple().tm_yday),
        ".sss": f".{t.microsecond // 1000:03d}",
        ".ss": f".{t.microsecond // 10000:02d}",
        ".s": f".{t.microsecond // 100000}",
        "CC": f"{t.year // 100:02d}",
        "cc": str(t.year // 100),
        "YY": f"{t.year % 100:02d}",
        "yy": str(t.year % 100),
        "NN": f"{t.month:02d}",
        "nn": str(t.month),
        "DD": f"{t.day:02d}",
        "dd": str(t.day),
        "HH": f"{t.hour:02d}",
        "hH": str(t.hour),
        "Hh": f"{_hour12(t.hour):02d}",
        "hh": str(_hour12(t.hour)),
        "MM": f"{t.minute:02d}",
        "mm": str(t.minute),
        "SS": f"{t.second:02d}",
        "ss": str(t.second),
        "am": "am" if t.hour < 12 else "pm",
        "pm": "am" if t.hour < 12 else "pm",
        "AM": "AM" if t.hour < 12 else "PM",
        "PM": "AM" if t.hour < 12 else "PM",
        "q": str((t.month - 1) // 3 + 1),
        "h": str((t.month - 1) // 6 + 1),
    }


def _render_details(details: str, t: _dt.datetime) -> str:
    """Render a detail string: codes (longest first), ``_`` as a blank, ``!c`` as ``c``."""
    codes = _date_codes(t)
    names = sorted(codes, key=len, reverse=True)
    out, i = [], 0
    while i < len(details):
        if details[i] == "!" and i + 1 < len(details):
            out.append(details[i + 1])
            i += 2
            continue
        hit = next((c for c in names if details.startswith(c, i)), None)
        if hit is None:
            out.append(" " if details[i] == "_" else details[i])
            i += 1
        else:
            out.append(codes[hit])
            i += len(hit)
    return "".join(out)


def fmt_date(x: float, fmt: str) -> str:
    """A Stata date or time value shown with a ``%t`` format: ``%td`` 21915 is ``01jan2020``,
    ``%tc`` 1893493800000 is ``01jan2020 10:30:00``; missing is ``.``."""
    m = _DATE.fullmatch(fmt)
    if m is None or x != x:
        return "."
    code, details = m.group(2), m.group(3)
    if code == "g" or (code not in ("d", "c", "C") and not details):
        return _period(x, code)
    try:
        t = _moment(x, code) if code in ("d", "c", "C") else _period_start(x, code)
    except (OverflowError, ValueError):  # outside the calendar Python knows
        return fmt_g(x, 9)
    return _render_details(details or _DEFAULT_DETAILS[code], t)


def _period_start(x: float, code: str) -> _dt.datetime:
    """The first day of a %tw, %tm, %tq, %th or %ty period (weeks: 52 a year from 1 Jan)."""
    k = math.floor(x)
    if code == "y":
        return _dt.datetime(k, 1, 1)
    per_year = {"w": 52, "m": 12, "q": 4, "h": 2}[code]
    year, j = 1960 + k // per_year, k % per_year
    if code == "w":
        return _dt.datetime(year, 1, 1) + _dt.timedelta(days=7 * j)
    return _dt.datetime(year, 1 + j * (12 // per_year), 1)


def iteration_line(i: int, text: str) -> str:
    """A line of an iteration log, aligned as Stata's: ``Iteration 9:  Log likelihood = ...``
    and ``Iteration 10: Log likelihood = ...``."""
    return f"{f'Iteration {i}:':<13} {text}"
