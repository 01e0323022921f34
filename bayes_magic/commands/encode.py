"""String and numeric conversions: ``encode``/``decode`` ([D] encode), ``destring`` and
``tostring`` ([D] destring) and ``clonevar`` ([D] clonevar).

* ``encode``: a ``long`` variable numbering the strings in sort order (1, 2, ...) with a
  value label of the strings, named after the new variable or ``label()``; an existing label is
  extended with the strings it lacks (numbered after its largest value) unless ``noextend``.
* ``decode``: the value labels of a labelled variable as strings (unlabelled values give "").
* ``destring``: strings that are numbers become numbers, stored in the smallest type that
  holds them (``double`` before that, ``float`` with ``float``); ``ignore()`` characters are
  removed first, ``percent`` divides by 100, ``dpcomma`` reads a comma as the decimal point;
  anything else stops the conversion unless ``force`` (it becomes missing).
* ``tostring``: numbers to strings (``%12.0g``, ``format()`` or the display format), refused for
  a variable whose strings would not read back as its values, unless ``force``.
* ``clonevar``: a copy with the type, format, variable label and value label.
"""

from __future__ import annotations

import re

import numpy as np

from ..dataset.dataset import compressed_type, default_format, string_type
from ..dataset.evaluate import real_value
from ..dataset.varnames import check_new_name, expand_terms, resolve
from ..errors import StataError
from ..report.format import check_format, fmt_number
from ..report.output import Output, Text
from ..syntax.ast import Assignment, Command, Name, Varlist
from .data import plural
from .registry import command

__all__ = ["encode", "decode", "destring", "tostring", "clonevar"]


def _one_var(s, cmd: Command) -> str:
    names = expand_terms(s.data, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    if len(names) != 1:
        raise StataError("too many variables specified", 103)
    return names[0]


@command("encode")
def encode(s, cmd: Command) -> list[Output]:
    """``encode varname [if] [in], generate(newvar) [label(name) noextend]``.

    Raises
    ------
    StataError
        r(107) for a numeric variable, r(198) without ``generate()``, r(110) when the new
        variable exists, r(459) with ``noextend`` and strings the label lacks.
    """
    ds = s.data
    var = _one_var(s, cmd)
    new = cmd.option("generate")
    if not new:
        raise StataError("option generate() required", 198)
    if not ds.is_string(var):
        raise StataError("not possible with numeric variable", 107)
    check_new_name(ds, new)
    lname = cmd.option("label") or new
    touse = s.touse(cmd)
    x = ds.values(var)
    strings = sorted({v for v, u in zip(x, touse) if u and v != ""})
    labels = dict(ds.value_labels.get(lname, {}))
    have = {text: code for code, text in labels.items()}
    missing = [t for t in strings if t not in have]
    if missing and cmd.has("noextend") and lname in ds.value_labels:
        raise StataError(f"there are values of {var} not in value label {lname}", 459)
    nxt = max(labels, default=0) + 1
    for text in missing:
        labels[nxt] = text
        have[text] = nxt
        nxt += 1
    vals = np.array([have[v] if u and v != "" else np.nan for v, u in zip(x, touse)], dtype=float)
    ds.value_labels[lname] = dict(sorted(labels.items()))
    ds.set_values(new, vals, "long")
    ds.info[new].vlabel = lname
    return []


@command("decode")
def decode(s, cmd: Command) -> list[Output]:
    """``decode varname [if] [in], generate(newvar) [maxlength(#)]``.

    Raises
    ------
    StataError
        r(108) for a string variable, r(182) for one without a value label, r(198) without
        ``generate()``.
    """
    ds = s.data
    var = _one_var(s, cmd)
    new = cmd.option("generate")
    if not new:
        raise StataError("option generate() required", 198)
    if ds.is_string(var):
        raise StataError(f"{var} is a string variable", 108)
    lname = ds.info[var].vlabel
    if not lname or lname not in ds.value_labels:
        raise StataError(f"{var} not labeled", 182)
    check_new_name(ds, new)
    width = int(cmd.option("maxlength") or 32000)
    labels = ds.value_labels[lname]
    touse = s.touse(cmd)
    x = ds.values(var)
    out = np.array(
        [
            labels.get(int(v), "")[:width] if u and v == v and v == int(v) else ""
            for v, u in zip(x, touse)
        ],
        dtype=object,
    )
    ds.set_values(new, out)
    return []


def _destring_one(text: str, ignore: str, dpcomma: bool) -> tuple[str, bool]:
    """A value as ``destring.ado`` prepares it for ``real()``: the ``ignore()`` characters
    removed, blanks trimmed, with ``dpcomma`` a comma for the point (and a point made invalid),
    leading zeros cut to one; and whether it was a missing value to begin with."""
    for c in ignore:
        text = text.replace(c, "")
    text = text.strip()
    missing = text in ("", ".") or bool(re.fullmatch(r"\.[a-z]", text))
    if dpcomma and not missing:
        text = text.replace(".", "X")
        if not re.search(r"(,[a-z])|(^,$)", text):
            text = text.replace(",", ".", 1)
    return re.sub(r"^0+", "0", text), missing


@command("destring")
def destring(s, cmd: Command) -> list[Output]:
    """``destring [varlist], {generate(newvarlist)|replace} [ignore("chars") force float
    percent dpcomma]``, as ``destring.ado`` (2.4.4) does it: ``percent`` adds ``%`` to the
    characters ignored and divides every value by 100 when any had one; a value that does not
    read as a number stops the conversion unless ``force`` (it becomes missing); the result is
    compressed to the smallest type that holds it (from ``double``, or ``float``).

    Raises
    ------
    StataError
        r(198) without exactly one of ``generate()`` and ``replace``, or a generate() list of
        another length than the varlist; r(110) for a generate() name that exists.
    """
    ds = s.data
    names = expand_terms(ds, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    names = names or list(ds.varnames)
    gen = list(cmd.option("generate") or ())
    if gen and cmd.has("replace"):
        raise StataError("options generate and replace are mutually exclusive", 198)
    if not gen and not cmd.has("replace"):
        raise StataError("must specify either generate or replace option", 198)
    if gen and len(gen) != len(names):
        raise StataError(
            "number of variables in varlist must equal\n"
            "number of variables in generate(newvarlist)",
            198,
        )
    for g in gen:
        check_new_name(ds, g)
    ignore = cmd.option("ignore") or ""
    percent = cmd.has("percent")
    if percent and "%" not in ignore:
        ignore += "%"
    genrep = "generate" if gen else "replace"
    lines = []
    for k, var in enumerate(names):
        target = gen[k] if gen else var
        finalprint = f"{target} " if gen else ""
        if not ds.is_string(var):
            lines.append(f"{var} already numeric; no {genrep}")
            continue
        old = [str(v) for v in ds.values(var)]
        removed = [c for c in ignore if any(c in v for v in old)]
        pct = percent and any("%" in v for v in old)
        prepared = [_destring_one(v, ignore, cmd.has("dpcomma")) for v in old]
        x = np.array([real_value(text) for text, _m in prepared], dtype=float)
        oldmiss = sum(m for _t, m in prepared)
        newmiss = int(np.isnan(x).sum())
        flag = oldmiss != newmiss
        not_in = " not specified in ignore()" if ignore else ""
        if flag and not cmd.has("force"):
            what = f"characters{not_in}" if ignore else "nonnumeric characters"
            lines.append(f"{var}: contains {what}; no {genrep}")
            continue
        if pct:
            x = x / 100
        if cmd.has("float"):
            x = x.astype(np.float32).astype(np.float64)
        vtype = compressed_type(x)
        done = f"{finalprint}{genrep}d as {vtype}"
        if flag:
            lines.append(
                f"{var}: contains nonnumeric characters{not_in}" + ("" if removed else f"; {done}")
            )
        if removed:
            what = "character" if len(removed) == 1 else "characters"
            shown = " ".join("space" if c == " " else c for c in removed)
            lines.append(f"{var}: {what} {shown} removed; {done}")
        elif not flag:
            lines.append(f"{var}: all characters numeric; {done}")
        if newmiss:
            lines.append(f"({newmiss} missing value{'s' if newmiss != 1 else ''} generated)")
        label = ds.info[var].label
        if gen:
            ds.set_values(target, x, vtype, after=var)
        else:  # in place: the variable keeps its position and label
            ds.set_values(var, x, vtype)
        ds.info[target].label = label
    return [Text("\n".join(lines))] if lines else []


@command("tostring")
def tostring(s, cmd: Command) -> list[Output]:
    """``tostring varlist, {generate(newvarlist)|replace} [force format(%fmt)
    usedisplayformat]``, as ``tostring.ado`` (3.0.0): each numeric variable becomes the strings
    ``string(x, "%12.0g")`` (or ``format()``, or its own display format), but only where every
    string reads back as the value stored (``real()``; a ``float`` holding 0.1 does not), unless
    ``force``; under ``replace``, a variable with a value label is left alone unless ``force``.
    A generated variable follows its source and takes its variable label.

    Raises
    ------
    StataError
        r(198) without exactly one of ``generate()`` and ``replace``, for a generate() list of
        another length than the varlist, a string or invalid ``format()``, or ``format()``
        with ``usedisplayformat``; r(110) for a generate() name that exists.
    """
    ds = s.data
    names = expand_terms(ds, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    gen = list(cmd.option("generate") or ())
    if gen and cmd.has("replace"):
        raise StataError("options generate and replace are mutually exclusive", 198)
    if not gen and not cmd.has("replace"):
        raise StataError("must specify either generate or replace option", 198)
    for g in gen:
        try:
            check_new_name(ds, g)
        except StataError as err:
            raise StataError("generate(newvarlist) invalid", err.rc) from None
    if gen and len(gen) != len(names):
        raise StataError(
            "number of variables in varlist must equal number of variables in generate(newvarlist)",
            198,
        )
    fmt = cmd.option("format")
    if fmt and cmd.has("usedisplayformat"):
        raise StataError("must choose between usedisplayformat and format() options", 198)
    if fmt:
        if "s" in fmt:
            raise StataError("use numeric format in format() option", 198)
        try:
            check_format(fmt)
        except StataError:
            raise StataError("format() option invalid", 198) from None
    genrep = "generate" if gen else "replace"
    lines: list[str] = []
    for k, var in enumerate(names):
        if ds.is_string(var):
            lines.append(f"{var} already string; no {genrep}")
            continue
        info = ds.info[var]
        if not gen and info.vlabel and not cmd.has("force"):
            lines.append(f"{var} has value label; no replace")
            continue
        use = info.format if cmd.has("usedisplayformat") else (fmt or "%12.0g")
        x = np.asarray(ds.values(var), dtype=float)
        text = np.array(["." if v != v else fmt_number(v, use) for v in x], dtype=object)
        back = np.array([real_value(t) for t in text])
        lossy = bool(np.any((x != back) & ~(np.isnan(x) & np.isnan(back))))
        if lossy and not cmd.has("force"):
            lines.append(f"{var} cannot be converted reversibly; no {genrep}")
            continue
        vtype = string_type(text)
        if gen:
            target = gen[k]
            ds.set_values(target, text, vtype, after=var)
            ds.info[target].label = info.label
            lines.append(f"{target} generated as {vtype}")
        else:
            target, old = var, info.type
            ds.set_values(var, text, vtype)  # in place: position and variable label kept
            ds.info[var].format = default_format(vtype)
            ds.info[var].vlabel = ""
            lines.append(f"{var} was {old} now {vtype}")
        if lossy:
            lines.append(f"{target} was forced to string; some loss of information")
    return [Text("\n".join(lines))] if lines else []


@command("clonevar")
def clonevar(s, cmd: Command) -> list[Output]:
    """``clonevar newvar = varname [if] [in]``: values outside ``if``/``in`` are missing.

    Raises
    ------
    StataError
        r(198) when the right side is not a variable's name, r(110) when newvar exists.
    """
    ds = s.data
    body = cmd.body
    assert isinstance(body, Assignment)
    if not isinstance(body.expr, Name):
        raise StataError("clonevar: a variable name is required after =", 198)
    src = resolve(ds, body.expr.name)
    check_new_name(ds, body.name)
    touse = s.touse(cmd)
    x = ds.values(src)
    info = ds.info[src]
    if ds.is_string(src):
        vals = np.where(touse, x, "").astype(object)
    else:
        vals = np.where(touse, x, np.nan)
    ds.set_values(body.name, vals, info.type)
    new = ds.info[body.name]
    new.format, new.label, new.vlabel = info.format, info.label, info.vlabel
    miss = int((~touse).sum())
    return [Text(f"({plural(miss, 'missing value')} generated)")] if miss else []
