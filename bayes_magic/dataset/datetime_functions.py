"""Stata's date and time functions ([FN] Date and time functions; [D] Datetime).

Dates (``%td``) count days from 01jan1960, times (``%tc``) milliseconds from 01jan1960 00:00:00
(``clock()`` ignores leap seconds, as Stata's; ``Clock()`` is not provided), and periods
(``%tw``, ``%tm``, ``%tq``, ``%th``) count weeks (52 a year, the 52nd taking the days left), months,
quarters and half-years from 1960; ``%ty`` is the year itself. Dates run from 01jan0100 to
31dec9999; outside that, or from a string that does not match its mask, the result is missing.

String-to-date functions read a mask of ``D``, ``M``, ``Y`` (``h``, ``m``, ``s`` for times), a
two-digit century before ``Y`` (``"MD19Y"``) reading two-digit years in it, and ``#`` for a
token to skip. The string is split into runs of digits and runs of letters (anything else
separates them); a month is a number or an English name or its first three letters; a digit
run without separators (``"20200115"``) is cut to the widths the mask needs. Two-digit years
need a century in the mask or a ``topyear`` argument, else the result is missing.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable

import numpy as np

from ..errors import StataError
from ..report.format import _MONTHS as _MONTH_NAMES
from ..syntax.ast import Call, Str

__all__ = ["DATETIME_FUNCTIONS", "parse_date", "parse_clock"]

_EPOCH = _dt.date(1960, 1, 1)
_EPOCH_ORD = _EPOCH.toordinal()
_MIN_ORD, _MAX_ORD = _dt.date(100, 1, 1).toordinal(), _dt.date(9999, 12, 31).toordinal()
_DAY_MS = 86_400_000.0
_MONTHS = [m.lower() for m in _MONTH_NAMES.split()]
_TOKEN = re.compile(r"\d+|[A-Za-z]+")
_MASK = re.compile(r"(\d\d)?([DMYhmsWQH#])")


def _days(y: int, m: int, d: int) -> float:
    """Days since 01jan1960 of a calendar date, missing outside 01jan0100-31dec9999."""
    if not 100 <= y <= 9999:
        return math.nan
    try:
        return float(_dt.date(y, m, d).toordinal() - _EPOCH_ORD)
    except (ValueError, OverflowError):
        return math.nan


def _date_of(days: float) -> _dt.date | None:
    if days != days:
        return None
    k = math.floor(days) + _EPOCH_ORD
    if not _MIN_ORD <= k <= _MAX_ORD:
        return None
    return _dt.date.fromordinal(k)


def _month_number(tok: str) -> int | None:
    if tok.isdigit():
        m = int(tok)
        return m if 1 <= m <= 12 else None
    t = tok.lower()
    for i, name in enumerate(_MONTHS, 1):
        if len(t) >= 3 and name.startswith(t):
            return i
    return None


def _year(tok: str, century: str | None, topyear: float) -> int | None:
    if not tok.isdigit():
        return None
    if len(tok) <= 2 and century is not None:
        return int(century) * 100 + int(tok)
    if len(tok) <= 2:
        if topyear != topyear:
            return None
        top = int(topyear)
        y = (top // 100) * 100 + int(tok)
        return y - 100 if y > top else y
    return int(tok) if len(tok) <= 4 else None


def _tokens(s: str, mask: list[tuple[str | None, str]]) -> list[str] | None:
    """The tokens of ``s`` for ``mask``'s elements: digit runs and letter runs; 'am'/'pm'
    markers and fractions of seconds are kept apart by the caller. A digit run is cut to the
    widths the mask needs when there are fewer tokens than elements."""
    toks = [m.group() for m in _TOKEN.finditer(s)]
    if len(toks) >= len(mask):
        return toks
    if len(toks) == 1 and toks[0].isdigit():
        widths = []
        for century, code in mask:
            widths.append(2 if code != "Y" or century else 4)
        if sum(widths) != len(toks[0]):
            return None
        out, k = [], 0
        for w in widths:
            out.append(toks[0][k : k + w])
            k += w
        return out
    return toks


def _parse_mask(mask: str) -> list[tuple[str | None, str]] | None:
    m = mask.replace(" ", "")
    out = []
    pos = 0
    while pos < len(m):
        hit = _MASK.match(m, pos)
        if hit is None:
            return None
        if hit.group(1) and hit.group(2) != "Y":
            return None
        out.append((hit.group(1), hit.group(2)))
        pos = hit.end()
    return out


def _fields(s: str, mask: str, topyear: float, allowed: str) -> dict[str, float] | None:
    """The values of the mask's elements in ``s`` (Y, M, D, h, m, s ...), or None."""
    elements = _parse_mask(mask)
    if not elements or any(code not in allowed + "#" for _c, code in elements):
        return None
    text = s.strip()
    ampm = None
    if "h" in allowed:  # 10:30pm, 10:30 p.m.
        hit = re.match(r"^(.*\d)\s*([ap])\.?m?\.?\s*$", text, re.IGNORECASE)
        if hit:
            text, ampm = hit.group(1), hit.group(2).lower()
    # fractions of seconds: digits after a '.' that follows the seconds
    frac = 0.0
    if elements[-1][1] == "s":
        fh = re.search(r"(\d)\.(\d+)\s*$", text)
        if fh:
            frac = float("0." + fh.group(2))
            text = text[: fh.start() + 1]
    toks = _tokens(text, elements)
    if toks is None or len(toks) != len(elements):
        return None
    out: dict[str, float] = {}
    for (century, code), tok in zip(elements, toks):
        if code == "#":
            continue
        if code == "M":
            v = _month_number(tok)
        elif code == "Y":
            v = _year(tok, century, topyear)
        elif tok.isdigit():
            v = int(tok)
        else:
            v = None
        if v is None:
            return None
        out[code] = float(v)
    if "s" in out:
        out["s"] += frac
    if ampm is not None and "h" in out:
        h = out["h"]
        if not 1 <= h <= 12:
            return None
        out["h"] = h % 12 + (12 if ampm == "p" else 0)
    return out


def parse_date(s: str, mask: str, topyear: float = math.nan) -> float:
    """``date(s, mask [, topyear])``: the %td value of ``s``, missing when it does not match."""
    f = _fields(s, mask, topyear, "DMY")
    if f is None or not {"D", "M", "Y"} <= set(f):
        return math.nan
    return _days(int(f["Y"]), int(f["M"]), int(f["D"]))


def parse_clock(s: str, mask: str, topyear: float = math.nan) -> float:
    """``clock(s, mask [, topyear])``: the %tc value of ``s`` (milliseconds), missing when it
    does not match; a mask without a date part reads a time of day."""
    f = _fields(s, mask, topyear, "DMYhms")
    if f is None:
        return math.nan
    has_date = {"D", "M", "Y"} <= set(f)
    if not has_date and set(f) & {"D", "M", "Y"}:
        return math.nan
    days = _days(int(f["Y"]), int(f["M"]), int(f["D"])) if has_date else 0.0
    h, mi, sec = f.get("h", 0.0), f.get("m", 0.0), f.get("s", 0.0)
    if not (0 <= h < 24 and 0 <= mi < 60 and 0 <= sec < 60) or days != days:
        return math.nan
    return round((days * 86400 + h * 3600 + mi * 60 + sec) * 1000, 3)


def _parse_period(s: str, mask: str, per_year: int, code: str, topyear: float) -> float:
    """``monthly()``, ``quarterly()``, ``halfyearly()``, ``weekly()``, ``yearly()``."""
    elements = _parse_mask(mask) or []
    codes = sorted(c for _x, c in elements if c != "#")
    if not elements or codes != sorted(["Y", code] if code else ["Y"]):
        return math.nan
    toks = [t for t in _TOKEN.findall(s) if t.isdigit() or (code == "M" and _month_number(t))]
    if len(toks) != len(elements):
        return math.nan
    y, k = None, 1
    for (century, c), tok in zip(elements, toks):
        if c == "Y":
            y = _year(tok, century, topyear)
        elif c == "M":
            k = _month_number(tok) or 0
        elif c != "#" and tok.isdigit():
            k = int(tok)
        else:
            return math.nan
    if y is None or not 100 <= y <= 9999 or not 1 <= k <= max(per_year, 1):
        return math.nan
    if code == "":
        return float(y)
    return float((y - 1960) * per_year + k - 1)


# ---------------------------------------------------------------------------------------------
# element-wise helpers


def _num_args(e: Call, ctx, k: int | tuple[int, int]) -> list[np.ndarray]:
    from .evaluate import _args_num

    return _args_num(e, ctx, k)


def _vector(f: Callable[..., float], k: int | tuple[int, int]) -> Callable:
    def impl(e: Call, ctx) -> np.ndarray:
        vals = _num_args(e, ctx, k)
        n = ctx.n
        out = np.empty(n)
        for i in range(n):
            args = [float(v[i]) for v in vals]
            out[i] = math.nan if any(a != a for a in args) else f(*args)
        return out

    return impl


def _on_date(f: Callable[[_dt.date], float]) -> Callable[[float], float]:
    def g(d: float) -> float:
        t = _date_of(d)
        return math.nan if t is None else float(f(t))

    return g


def _mdy(m: float, d: float, y: float) -> float:
    if m != int(m) or d != int(d) or y != int(y) or not 100 <= y <= 9999:
        return math.nan
    return _days(int(y), int(m), int(d))


def _week(t: _dt.date) -> int:
    return min((t.timetuple().tm_yday - 1) // 7 + 1, 52)


def _dofw(w: float) -> float:
    w = math.floor(w)
    y, j = 1960 + w // 52, w % 52
    return _days(int(y), 1, 1) + 7 * j if 100 <= y <= 9999 else math.nan


def _dof_period(per_year: int) -> Callable[[float], float]:
    def g(p: float) -> float:
        p = math.floor(p)
        y, j = 1960 + p // per_year, p % per_year
        return _days(int(y), 1 + int(j) * (12 // per_year), 1) if 100 <= y <= 9999 else math.nan

    return g


def _ofd_period(per_year: int) -> Callable[[float], float]:
    def g(t: _dt.date) -> float:
        j = (t.month - 1) // (12 // per_year)
        return (t.year - 1960) * per_year + j

    return _on_date(g)


def _y_period(per_year: int) -> Callable[[float, float], float]:
    def g(y: float, k: float) -> float:
        if y != int(y) or k != int(k) or not 1 <= k <= per_year or not 100 <= y <= 9999:
            return math.nan
        return (y - 1960) * per_year + k - 1

    return g


def _days_in_month(t: _dt.date) -> int:
    nxt = _dt.date(t.year + (t.month == 12), t.month % 12 + 1, 1)
    return (nxt - _dt.date(t.year, t.month, 1)).days


def _leap(y: float) -> float:
    if y != int(y):
        return math.nan
    y = int(y)
    return float(y % 4 == 0 and (y % 100 != 0 or y % 400 == 0))


def _age(dob: float, on: float) -> float:
    """``age(e_d_DOB, e_d)``: completed years; a 29feb birthday comes on 01mar in common years
    (Stata's default; its third argument, "28feb", is not taken)."""
    b, t = _date_of(dob), _date_of(on)
    if b is None or t is None or t < b:
        return math.nan
    years = t.year - b.year
    if (t.month, t.day) < (b.month, b.day):
        years -= 1
    return float(years)


def _hms(h: float, m: float, s: float) -> float:
    return (h * 3600 + m * 60 + s) * 1000


def _clock_part(divisor: float, modulus: float) -> Callable[[float], float]:
    def g(c: float) -> float:
        return math.floor(c / divisor) % modulus

    return g


def _str_date(parse: Callable[..., float]) -> Callable:
    def impl(e: Call, ctx) -> np.ndarray:
        from .evaluate import _is_str, _mismatch, evaluate

        if len(e.args) not in (2, 3):
            raise StataError(f"{e.func}(): invalid number of arguments", 198, span=e.span)
        vals = [evaluate(a, ctx) for a in e.args]
        if not _is_str(vals[0]) or not _is_str(vals[1]):
            raise _mismatch(e)
        if len(vals) == 3 and _is_str(vals[2]):
            raise _mismatch(e)
        top = vals[2] if len(vals) == 3 else np.full(ctx.n, np.nan)
        return np.array(
            [parse(str(s), str(m), float(t)) for s, m, t in zip(vals[0], vals[1], top)], float
        )

    return impl


def _period_parser(per_year: int, code: str) -> Callable[..., float]:
    def parse(s: str, mask: str, top: float = math.nan) -> float:
        return _parse_period(s, mask, per_year, code, top)

    return parse


def _today(e: Call, ctx) -> np.ndarray:
    if e.args:
        raise StataError("today(): invalid number of arguments", 198, span=e.span)
    return np.full(ctx.n, float(_dt.date.today().toordinal() - _EPOCH_ORD))


def _pseudo(parse: Callable[[str], float], what: str) -> Callable:
    """``td(15jan2020)``, ``tc(...)``, ``tm(2020m1)`` ...: a date literal, its text one Str
    argument (the expression parser keeps it raw, ``syntax.expr.DATE_LITERALS``)."""

    def impl(e: Call, ctx) -> np.ndarray:
        arg = e.args[0] if len(e.args) == 1 else None
        text = arg.value if isinstance(arg, Str) else ""
        v = parse(text)
        if v != v:
            raise StataError(f"{e.func}({text}) invalid: not a valid {what}", 198, span=e.span)
        return np.full(ctx.n, v)

    return impl


def _tw(s: str) -> float:
    return _parse_period(s, "YW", 52, "W", math.nan)


def _tc(s: str) -> float:
    for mask in ("DMYhms", "DMYhm", "DMYh", "DMY"):
        v = parse_clock(s, mask)
        if v == v:
            return v
    return math.nan


_ON_DATE: dict[str, Callable[[_dt.date], float]] = {
    "year": lambda t: t.year,
    "month": lambda t: t.month,
    "day": lambda t: t.day,
    "dow": lambda t: (t.weekday() + 1) % 7,  # 0 Sunday ... 6 Saturday
    "doy": lambda t: t.timetuple().tm_yday,
    "week": _week,
    "quarter": lambda t: (t.month - 1) // 3 + 1,
    "halfyear": lambda t: (t.month - 1) // 6 + 1,
    "yofd": lambda t: t.year,
    "wofd": lambda t: (t.year - 1960) * 52 + _week(t) - 1,
    "daysinmonth": _days_in_month,
    "firstdayofmonth": lambda t: _dt.date(t.year, t.month, 1).toordinal() - _EPOCH_ORD,
    "lastdayofmonth": lambda t: (
        _dt.date(t.year, t.month, _days_in_month(t)).toordinal() - _EPOCH_ORD
    ),
}

DATETIME_FUNCTIONS: dict[str, Callable] = {
    **{name: _vector(_on_date(f), 1) for name, f in _ON_DATE.items()},
    "mofd": _vector(_ofd_period(12), 1),
    "qofd": _vector(_ofd_period(4), 1),
    "hofd": _vector(_ofd_period(2), 1),
    "dofm": _vector(_dof_period(12), 1),
    "dofq": _vector(_dof_period(4), 1),
    "dofh": _vector(_dof_period(2), 1),
    "dofw": _vector(_dofw, 1),
    "dofy": _vector(lambda y: _mdy(1, 1, y), 1),
    "mdy": _vector(_mdy, 3),
    "ym": _vector(_y_period(12), 2),
    "yq": _vector(_y_period(4), 2),
    "yh": _vector(_y_period(2), 2),
    "yw": _vector(_y_period(52), 2),
    "isleapyear": _vector(_leap, 1),
    "age": _vector(_age, 2),
    "date": _str_date(parse_date),
    "daily": _str_date(parse_date),
    "clock": _str_date(parse_clock),
    "monthly": _str_date(_period_parser(12, "M")),
    "quarterly": _str_date(_period_parser(4, "Q")),
    "halfyearly": _str_date(_period_parser(2, "H")),
    "weekly": _str_date(_period_parser(52, "W")),
    "yearly": _str_date(_period_parser(1, "")),
    "today": _today,
    # times: milliseconds
    "mdyhms": _vector(lambda mo, d, y, h, mi, s: _mdy(mo, d, y) * _DAY_MS + _hms(h, mi, s), 6),
    "dhms": _vector(lambda d, h, mi, s: d * _DAY_MS + _hms(h, mi, s), 4),
    "hms": _vector(_hms, 3),
    "hh": _vector(_clock_part(3_600_000, 24), 1),
    "mm": _vector(_clock_part(60_000, 60), 1),
    "ss": _vector(lambda c: (c % 60_000) / 1000, 1),
    "dofc": _vector(lambda c: float(math.floor(c / _DAY_MS)), 1),
    "cofd": _vector(lambda d: d * _DAY_MS, 1),
    "hours": _vector(lambda ms: ms / 3_600_000, 1),
    "minutes": _vector(lambda ms: ms / 60_000, 1),
    "seconds": _vector(lambda ms: ms / 1000, 1),
    "msofhours": _vector(lambda h: h * 3_600_000, 1),
    "msofminutes": _vector(lambda m: m * 60_000, 1),
    "msofseconds": _vector(lambda s: s * 1000, 1),
    # literals
    "td": _pseudo(lambda s: parse_date(s, "DMY"), "date"),
    "tc": _pseudo(_tc, "time"),
    "tm": _pseudo(lambda s: _parse_period(s, "YM", 12, "M", math.nan), "month"),
    "tq": _pseudo(lambda s: _parse_period(s, "YQ", 4, "Q", math.nan), "quarter"),
    "th": _pseudo(lambda s: _parse_period(s, "YH", 2, "H", math.nan), "half-year"),
    "tw": _pseudo(_tw, "week"),
    "ty": _pseudo(lambda s: _parse_period(s, "Y", 1, "", math.nan), "year"),
}
