"""Stata's look-and-feel words mapped to matplotlib ([G-4] colorstyle, [G-4] symbolstyle,
[G-4] linepatternstyle, [G-4] linewidthstyle, [G-4] markersizestyle).

The default colours are those of the ``s2color`` scheme's plot styles p1, p2, ... ([G-4] scheme
s2); ``scheme(s1mono)``, ``s2mono`` and the other monochrome schemes draw them in greys, the
other colour schemes as s2color.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import StataError
from .graph_syntax import number, split_sub, sub_options, tokens

__all__ = [
    "PALETTE",
    "SYMBOLS",
    "CI_COLOR",
    "color",
    "symbol",
    "pattern",
    "width",
    "msize",
    "items",
    "key_style",
    "textbox_style",
]

_RGB = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "navy": (26, 71, 111),
    "maroon": (144, 53, 59),
    "forest_green": (85, 117, 47),
    "dkorange": (227, 126, 0),
    "teal": (110, 142, 132),
    "cranberry": (193, 5, 52),
    "lavender": (147, 141, 210),
    "khaki": (202, 194, 126),
    "sienna": (160, 82, 45),
    "emidblue": (123, 146, 168),
    "emerald": (45, 109, 102),
    "brown": (156, 136, 71),
    "erose": (191, 161, 156),
    "gold": (255, 210, 0),
    "bluishgray": (217, 230, 235),
    "ltbluishgray": (214, 224, 224),
    "red": (255, 0, 0),
    "green": (0, 128, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "orange": (255, 127, 0),
    "orange_red": (255, 69, 0),
    "pink": (255, 192, 203),
    "purple": (128, 0, 128),
    "magenta": (255, 0, 255),
    "cyan": (0, 255, 255),
    "olive": (128, 128, 0),
    "olive_teal": (169, 173, 145),
    "gray": (128, 128, 128),
    "grey": (128, 128, 128),
    "ltgray": (192, 192, 192),
    "ltgrey": (192, 192, 192),
    "gs0": (0, 0, 0),
    "dkgreen": (0, 100, 0),
    "ltblue": (190, 210, 255),
    "eltblue": (225, 235, 255),
    "edkblue": (0, 32, 96),
    "dknavy": (0, 0, 64),
    "midblue": (0, 0, 205),
    "ebblue": (0, 139, 188),
    "sand": (205, 175, 125),
    "stone": (200, 200, 180),
    "mint": (150, 220, 180),
    "chocolate": (120, 60, 0),
    "dimgray": (105, 105, 105),
    "ltkhaki": (240, 230, 170),
    "sandb": (230, 210, 160),
}

#: the s2color scheme's p1 ... p15 colours
PALETTE = [
    "navy",
    "maroon",
    "forest_green",
    "dkorange",
    "teal",
    "cranberry",
    "lavender",
    "khaki",
    "sienna",
    "emidblue",
    "emerald",
    "brown",
    "erose",
    "gold",
    "bluishgray",
]
#: s2color's p1 ... marker symbols
SYMBOLS = ["O", "D", "T", "S", "+", "X", "o", "d", "t", "s", "x"]
#: the ``ci`` plot style's fill (lfitci bands)
CI_COLOR = (0.80, 0.84, 0.86)


def color(word: str) -> tuple[float, float, float, float] | str:
    """A Stata colour (``navy``, ``"255 0 0"``, ``gs8``, ``red%50``, ``navy*.5``) as RGBA.

    Raises
    ------
    StataError
        ``color foo not found`` (r(111)) for a word that is neither a Stata colour, a grey scale
        ``gs0``-``gs16``, three numbers, nor a CSS colour name.
    """
    import matplotlib.colors as mcolors

    text = word.strip().strip('"').strip()
    if text.lower() in ("none", "."):
        return "none"
    alpha = 1.0
    if "%" in text:
        text, pct = text.split("%", 1)
        alpha = max(0.0, min(1.0, float(pct or 100) / 100))
    mult = None
    if "*" in text:
        text, m = text.split("*", 1)
        mult = float(m) if m else None
    parts = text.split()
    if len(parts) == 3 and all(p.replace(".", "", 1).isdigit() for p in parts):
        rgb = tuple(min(255.0, float(p)) / 255 for p in parts)
    elif text.lower().startswith("gs") and text[2:].isdigit() and int(text[2:]) <= 16:
        g = int(text[2:]) / 16
        rgb = (g, g, g)
    elif text.lower() in _RGB:
        rgb = tuple(c / 255 for c in _RGB[text.lower()])
    elif text.lower() in mcolors.CSS4_COLORS:
        rgb = mcolors.to_rgb(text.lower())
    else:
        raise StataError(f"color {word.strip()} not found", 111)
    if mult is not None:
        # intensity: below 1 lightens toward white, above 1 darkens
        rgb = tuple(1 - (1 - c) * mult if mult <= 1 else c / mult for c in rgb)
    r, g_, b = (max(0.0, min(1.0, c)) for c in rgb)
    return (r, g_, b, alpha)


#: the monochrome schemes' p1 ... colours (s1mono, s2mono: greys from black)
MONO = ["black", "gs8", "gs4", "gs12", "gs6", "gs10", "gs2", "gs14", "gs5", "gs11"]
#: schemes drawn here: the colour ones with s2color's plot styles, the mono ones in greys
SCHEMES = {
    "s2color": PALETTE,
    "s1color": PALETTE,
    "s2manual": PALETTE,
    "s1rcolor": PALETTE,
    "stcolor": PALETTE,
    "economist": PALETTE,
    "sj": MONO,
    "s1mono": MONO,
    "s2mono": MONO,
    "s1manual": MONO,
    "stmono1": MONO,
    "stmono2": MONO,
}
_SCHEME = ["s2color"]


def check_scheme(name: str) -> str:
    """A scheme name, or ``scheme X not found`` (r(111))."""
    n = name.strip().lower()
    if n not in SCHEMES:
        raise StataError(f"scheme {name.strip()} not found", 111)
    return n


@contextmanager
def use_scheme(name: str) -> Iterator[str]:
    """``with use_scheme(name):`` draws plot styles p1, p2 ... in that scheme's colours."""
    saved = _SCHEME[0]
    _SCHEME[0] = check_scheme(name)
    try:
        yield _SCHEME[0]
    finally:
        _SCHEME[0] = saved


def palette(k: int) -> tuple[float, float, float, float]:
    """The colour of plot style ``p(k+1)`` in the scheme in use."""
    colours = SCHEMES[_SCHEME[0]]
    return color(colours[k % len(colours)])  # type: ignore[return-value]


_SYMBOL = {
    "o": ("o", 1.0),
    "d": ("D", 0.85),
    "t": ("^", 1.0),
    "s": ("s", 0.9),
    "+": ("+", 1.2),
    "x": ("x", 1.0),
    "a": ("^", 1.0),
    "v": ("v", 1.0),
    "|": ("|", 1.2),
    "p": (".", 0.6),
    "i": ("none", 1.0),
}
_SYMBOL_NAMES = {
    "circle": "O",
    "diamond": "D",
    "triangle": "T",
    "square": "S",
    "plus": "+",
    "x": "X",
    "arrow": "A",
    "pipe": "|",
    "v": "V",
    "point": "p",
    "none": "i",
    "smcircle": "o",
    "smdiamond": "d",
    "smtriangle": "t",
    "smsquare": "s",
    "smplus": "+",
    "smx": "x",
}


def symbol(word: str) -> tuple[str, float, bool]:
    """A Stata marker symbol (``O``, ``Oh``, ``D``, ``circle_hollow``, ``i`` ...) as
    (matplotlib marker, size factor, hollow).

    Raises
    ------
    StataError
        ``symbol foo not found`` (r(111)).
    """
    w = word.strip()
    hollow = False
    low = w.lower()
    if low.endswith("_hollow"):
        hollow, low = True, low[: -len("_hollow")]
        w = w[: -len("_hollow")]
    if low in _SYMBOL_NAMES:
        w = _SYMBOL_NAMES[low]
    elif len(w) == 2 and w[1] == "h":
        hollow, w = True, w[0]
    if len(w) != 1 or w.lower() not in _SYMBOL:
        raise StataError(f"symbol {word.strip()} not found", 111)
    marker, size = _SYMBOL[w.lower()]
    if w.islower() and w not in ("+", "|", "p", "i"):
        size *= 0.7
    return marker, size, hollow


_PATTERNS = {
    "solid": "-",
    "l": "-",
    "dash": (0, (6, 3)),
    "dot": (0, (1, 2)),
    "dash_dot": (0, (6, 3, 1, 3)),
    "shortdash": (0, (3, 2)),
    "shortdash_dot": (0, (3, 2, 1, 2)),
    "longdash": (0, (10, 3)),
    "longdash_dot": (0, (10, 3, 1, 3)),
    "longdash_shortdash": (0, (10, 3, 3, 3)),
    "blank": "none",
}


def pattern(word: str):
    """A line pattern (``solid``, ``dash``, ``dot``, ``dash_dot``, ``shortdash``, ``longdash``,
    ``blank`` or a formula of ``-`` ``_`` ``.`` ``#`` such as ``"--."``)."""
    w = word.strip().strip('"').lower()
    if w in _PATTERNS:
        return _PATTERNS[w]
    if w and all(c in "l-_.# " for c in w):
        seq: list[float] = []
        for c in w.replace(" ", ""):
            if c == "#":
                if seq:
                    seq[-1] += 2
                continue
            seq += {"l": [8, 0.01], "_": [8, 2], "-": [4, 2], ".": [1, 2]}[c]
        return (0, tuple(seq)) if seq else "-"
    raise StataError(f"linepattern {word.strip()} not found", 111)


_WIDTHS = {
    "none": 0.0,
    "vvvthin": 0.15,
    "vvthin": 0.3,
    "vthin": 0.5,
    "thin": 0.8,
    "medthin": 1.1,
    "medium": 1.4,
    "medthick": 1.8,
    "thick": 2.2,
    "vthick": 2.8,
    "vvthick": 3.5,
    "vvvthick": 4.5,
}


def _sized(word: str, named: dict[str, float], what: str, number) -> float:
    """A size by name from ``named``, else ``number(word)``; ``what ... not found`` (r(111))
    for anything else, and r(198) for a negative or non-finite size."""
    w = word.strip().lower()
    if w in named:
        return named[w]
    try:
        v = number(w)
    except ValueError:
        raise StataError(f"{what} {word.strip()} not found", 111) from None
    if not 0 <= v < float("inf"):
        raise StataError(f"{what} {word.strip()} invalid; sizes must be nonnegative", 198)
    return v


def width(word: str) -> float:
    """A line width (``thin``, ``medium``, ``thick`` ... or a number of points)."""
    # "*2": relative to the default (medium), as Stata's relativesize
    return _sized(
        word,
        _WIDTHS,
        "linewidth",
        lambda w: float(w[1:]) * _WIDTHS["medium"] if w.startswith("*") else float(w.rstrip("pt")),
    )


_MSIZES = {
    "vtiny": 1.0,
    "tiny": 2.0,
    "vsmall": 3.0,
    "small": 4.0,
    "medsmall": 5.0,
    "medium": 6.0,
    "medlarge": 7.0,
    "large": 8.5,
    "vlarge": 10.0,
    "huge": 12.0,
    "vhuge": 14.0,
    "ehuge": 17.0,
}


def msize(word: str) -> float:
    """A marker size (``small``, ``medium``, ``large`` ... or a number) in points."""
    return _sized(
        word,
        _MSIZES,
        "markersize",
        lambda w: float(w.lstrip("*")) * (6.0 if w.startswith("*") else 2.5),
    )


_TEXTSIZES = {
    "zero": 0.0,
    "miniscule": 3.0,
    "quarter_tiny": 2.0,
    "third_tiny": 2.5,
    "half_tiny": 3.5,
    "tiny": 6.0,
    "vsmall": 7.0,
    "small": 8.0,
    "medsmall": 9.0,
    "medium": 10.0,
    "medlarge": 11.0,
    "large": 12.0,
    "vlarge": 14.0,
    "huge": 18.0,
    "vhuge": 22.0,
}


def textsize(word: str) -> float:
    """A text size ([G-4] textsizestyle: ``small``, ``medium``, ``large`` ...; ``#`` in percent
    of the graph's height, ``*#`` a multiple of medium) in points."""
    return _sized(
        word,
        _TEXTSIZES,
        "textsizestyle",
        _text_number,
    )


def _text_number(w: str) -> float:
    """``*#`` (a multiple of medium), ``#pt`` (points) or ``#`` (percent of the height)."""
    if w.startswith("*"):
        return float(w[1:]) * 10.0
    if w.endswith("pt"):
        return float(w[:-2])
    return float(w) * 4.48 * 72 / 100


#: clock positions ([G-4] clockposstyle) and compass directions ([G-4] compassdirstyle) as the
#: offset direction of a label from its point (0: centred on it)
CLOCK = {
    0: (0.0, 0.0),
    12: (0.0, 1.0),
    1: (0.5, 0.87),
    2: (0.87, 0.5),
    3: (1.0, 0.0),
    4: (0.87, -0.5),
    5: (0.5, -0.87),
    6: (0.0, -1.0),
    7: (-0.5, -0.87),
    8: (-0.87, -0.5),
    9: (-1.0, 0.0),
    10: (-0.87, 0.5),
    11: (-0.5, 0.87),
}
COMPASS = {"c": 0, "n": 12, "ne": 1, "e": 3, "se": 5, "s": 6, "sw": 7, "w": 9, "nw": 11}


def position(word: str, what: str) -> int:
    """A clock position (``0``-``12``) or compass direction (``n``, ``ne`` ... ``c``) as a
    clock position."""
    w = word.strip().lower()
    if w in COMPASS:
        return COMPASS[w]
    full = {
        "center": 0,
        "north": 12,
        "neast": 1,
        "east": 3,
        "seast": 5,
        "south": 6,
        "swest": 7,
        "west": 9,
        "nwest": 11,
    }
    if w in full:
        return full[w]
    try:
        k = int(w)
    except ValueError:
        k = -1
    if k in CLOCK:
        return k
    raise StataError(f"{what}: {word.strip()} is not a position", 198)


def place(ax, x, y, text: str, clock: int, size: float, color_, gap: float = 3.0, **kw):
    """Write ``text`` at data point (x, y), set off towards ``clock`` by ``gap`` points."""
    dx, dy = CLOCK[clock]
    ha = "center" if abs(dx) < 0.3 else ("left" if dx > 0 else "right")
    va = "center" if abs(dy) < 0.3 else ("bottom" if dy > 0 else "top")
    return ax.annotate(
        text,
        (x, y),
        xytext=(dx * gap, dy * gap),
        textcoords="offset points",
        ha=ha,
        va=va,
        fontsize=size,
        color=color_,
        **kw,
    )


def marker_label_style(opts: dict[str, Any]) -> dict[str, Any]:
    """``mlabposition()``, ``mlabsize()``, ``mlabcolor()`` ([G-3] marker_label_options):
    by default labels sit at 3 o'clock in small grey-black text."""
    pos, size, col = (items(opts.get(k)) for k in ("mlabposition", "mlabsize", "mlabcolor"))
    return {
        "clock": position(pos[0], "mlabposition()") if pos else 3,
        "size": textsize(size[0]) if size else 8.0,
        "color": color(col[0]) if col else "#333333",
    }


def items(raw: Any) -> list[str]:
    """The words of a per-variable style option such as ``msymbol(O Dh)`` or ``mcolor(red
    "0 0 255")``."""
    if not isinstance(raw, str) or not raw.strip():
        return []
    return [t.text for t in tokens(raw.split(",", 1)[0], "option") if t.kind in ("word", "str")]


def key_style(opts: dict[str, Any], k: int, pstyle: int) -> dict[str, Any]:
    """The look of key ``k`` of a plot (its ``k``-th y variable): plot style ``p(pstyle+1)``'s
    colour and symbol, changed by the options given (``mcolor(red blue)`` gives the k-th
    word to the k-th key; ``.`` keeps the default; ``color()`` sets marker, line and fill)."""

    def pick(name: str) -> str | None:
        words = items(opts.get(name))
        v = words[k] if k < len(words) else None
        return None if v in (None, ".") else v

    base = palette(pstyle)
    col = pick("color")
    out: dict[str, Any] = {}
    for part in ("mcolor", "lcolor", "fcolor"):
        word = pick(part) or col
        out[part] = color(word) if word else base
    lp, lw, ms = pick("lpattern"), pick("lwidth"), pick("msize")
    out["lpattern"] = pattern(lp) if lp else "-"
    out["lwidth"] = width(lw) if lw else 1.4
    out["msize"] = msize(ms) if ms else 6.0
    out["marker"], factor, out["hollow"] = symbol(pick("msymbol") or SYMBOLS[pstyle % len(SYMBOLS)])
    out["msize"] *= factor
    # a marker's inside and outline ([G-3] marker_options): mfcolor() fills even a hollow symbol
    mf, ml, mw = pick("mfcolor"), pick("mlcolor"), pick("mlwidth")
    out["mfcolor"] = color(mf) if mf else None
    out["mlcolor"] = color(ml) if ml else None
    out["mlwidth"] = width(mw) if mw else None
    return out


#: the textbox suboptions of title(), note(), xtitle() ... that are drawn ([G-3] title_options,
#: [G-3] textbox_options); the others are accepted and ignored
_TEXTBOX = ("SIze", "Color", "POSition", "Ring", "Justification", "box", "nobox", "SPAN")


def textbox_style(raw: Any, what: str = "title()") -> dict[str, Any]:
    """The look asked for by a title option's suboptions: ``size``, ``color``, ``clock``
    (``position()``), ``ring``, ``just`` (``left``/``center``/``right``) and ``box`` -- only
    the keys given. Bad sizes, colours and positions are errors as elsewhere."""
    if not isinstance(raw, str) or "," not in raw:
        return {}
    _, sub = split_sub(raw, what)
    subs = sub_options(sub, _TEXTBOX)
    out: dict[str, Any] = {}

    def arg(name: str) -> str | None:
        v = subs.get(name)
        if v is True or (isinstance(v, str) and not v.strip()):
            raise StataError(f"{what}: option {name}() incorrectly specified", 198)
        return v.strip() if isinstance(v, str) else None

    if (v := arg("size")) is not None:
        out["size"] = textsize(v)
    if (v := arg("color")) is not None:
        out["color"] = color(v)
    if (v := arg("position")) is not None:
        out["clock"] = position(v, f"{what} position()")
    if (v := arg("ring")) is not None:
        r = number(v, f"{what} ring()")
        if not 0 <= r <= 100:
            raise StataError(f"{what}: ring({v}) invalid; ring must be 0 to 100", 198)
        out["ring"] = r
    if (v := arg("justification")) is not None:
        just = {"l": "left", "c": "center", "r": "right"}.get(v.lower()[:1])
        if just is None or not any(
            full.startswith(v.lower()) for full in ("left", "center", "right")
        ):
            raise StataError(f"{what}: justification({v}) invalid; left, center or right", 198)
        out["just"] = just
    if subs.get("box") is True:
        out["box"] = True
    if subs.get("nobox") is True:
        out["box"] = False
    if subs.get("span") is True:
        out["span"] = True
    return out


def box_props(on: bool) -> dict[str, Any] | None:
    """The frame drawn by the ``box`` suboption (as ``text(..., box)`` draws it)."""
    if not on:
        return None
    return {"boxstyle": "square,pad=0.3", "fc": "white", "ec": "#555555", "lw": 0.6}
