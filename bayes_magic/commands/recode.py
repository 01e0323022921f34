"""``recode`` ([D] recode): change the values of numeric variables by rules.

``recode varlist (rule) [(rule) ...] [if] [in] [, generate(newvars) prefix(str) label(name)
copyrest test]`` (``into()`` is ``generate()``). A rule is ``numlist = # ["label"]`` where the
numlist holds numbers, ranges ``#/#`` (``min`` and ``max`` for the variable's extremes),
``missing``, ``nonmissing``, or is ``else`` (``*``); the right side is a number or ``.`` (only
integers take labels). Each value takes the first rule it matches; values no rule matches are
kept. Labels in the rules define a value label (named by
``label()``, else after the target variable) attached to the target.

With ``generate()``/``prefix()`` new variables get the results and observations outside ``if``/
``in`` are missing (copied with ``copyrest``); without, the variables are changed in place
(their storage type promoted when the new values need it). ``test`` reports rules that no value
uses and values that more than one rule matches.
"""

from __future__ import annotations

import re

import numpy as np

from ..dataset.varnames import check_new_name, expand_terms
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command, Words
from ..syntax.stream import TokenStream
from ..syntax.varlist import parse_varlist
from .data import plural
from .generate import promote_type
from .registry import command

__all__ = ["recode"]


class _Rule:
    """One ``(lhs = rhs ["label"])``: the tests of its left side and its new value."""

    def __init__(self, text: str, k: int) -> None:
        inner = text[1:-1]
        lhs, eq, rhs = inner.partition("=")
        if not eq:
            raise StataError(f"({inner}) invalid rule: = expected", 198)
        m = re.fullmatch(r'\s*(\S+)\s*(?:"([^"]*)"|`"(.*)"\')?\s*', rhs)
        if m is None:
            raise StataError(f"({inner}) invalid rule", 198)
        value = m.group(1)
        try:
            self.value = float("nan") if re.fullmatch(r"\.[a-z]?", value) else float(value)
        except ValueError:
            raise StataError(f"{value} invalid: a number expected after =", 198) from None
        self.label = m.group(2) if m.group(2) is not None else m.group(3)
        if self.label is not None and not (self.value == self.value and self.value.is_integer()):
            raise StataError(f"({inner}): only integer values may be labelled", 198)
        self.k = k
        self.text = text
        self.items = lhs.split()
        if not self.items:
            raise StataError(f"({inner}) invalid rule: nothing before =", 198)
        self.items = [w.lower() if w.isalpha() else w for w in self.items]
        if ("else" in self.items or "*" in self.items) and len(self.items) > 1:
            raise StataError(f"({inner}): else may not be combined with other values", 198)

    @property
    def is_else(self) -> bool:
        return self.items[0] in ("else", "*")

    def matches(self, x: np.ndarray, lo: float, hi: float) -> np.ndarray:
        """Which of ``x`` the left side names (``else`` is handled by the caller)."""
        hit = np.zeros(len(x), dtype=bool)
        miss = np.isnan(x)
        for w in self.items:
            if w in ("missing", "mis", "miss"):
                hit |= miss
            elif w in ("nonmissing", "nonmiss", "nonmis"):
                hit |= ~miss
            elif "/" in w:
                a, _, b = w.partition("/")
                ea, eb = _end(a, lo, hi), _end(b, lo, hi)
                hit |= ~miss & (x >= min(ea, eb)) & (x <= max(ea, eb))
            else:
                v = _end(w, lo, hi)
                hit |= (miss if np.isnan(v) else (x == v)) & (np.isnan(v) | ~miss)
        return hit


def _end(w: str, lo: float, hi: float) -> float:
    if w == "min":
        return lo
    if w == "max":
        return hi
    if re.fullmatch(r"\.[a-z]?", w):
        return float("nan")
    try:
        return float(w)
    except ValueError:
        raise StataError(f"{w} invalid in a recode rule", 198) from None


def _parse(s, cmd: Command) -> tuple[list[str], list[_Rule]]:
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    if "=" in words and not any(w.startswith("(") for w in words):
        words = _old_rules(words)
    k = next((i for i, w in enumerate(words) if w.startswith("(")), len(words))
    if k == 0:
        raise StataError("varlist required", 100)
    if k == len(words):
        raise StataError("no rules specified", 198)
    text = " ".join(words[:k])
    names = expand_terms(s.data, parse_varlist(TokenStream(text), factor=False))
    rules = []
    for i, w in enumerate(words[k:], start=1):
        if not (w.startswith("(") and w.endswith(")")):
            raise StataError(f"{w} invalid: rules are in parentheses", 198)
        rules.append(_Rule(w, i))
    return names, rules


def _old_rules(words: list[str]) -> list[str]:
    """The old form without parentheses, ``recode x 3=33 7=77 *=.``: one variable, then each
    rule's values up to its ``=`` and the one value after it."""
    out, lhs = [words[0]], []
    i = 1
    while i < len(words):
        if words[i] == "=":
            if not lhs or i + 1 >= len(words):
                raise StataError("invalid rule: values and = # required", 198)
            out.append(f"({' '.join(lhs)} = {words[i + 1]})")
            lhs = []
            i += 2
            continue
        lhs.append(words[i])
        i += 1
    if lhs:
        raise StataError(f"{' '.join(lhs)}: = # expected", 198)
    return out


@command("recode")
def recode(s, cmd: Command) -> list[Output]:
    """Raises
    ------
    StataError
        r(108) for string variables, r(110) for new variables that exist, r(198) for rules
        that do not parse or a ``generate()`` list of the wrong length.
    """
    ds = s.data
    names, rules = _parse(s, cmd)
    for v in names:
        if ds.is_string(v):
            raise StataError(f"{v} is a string variable; recode only numeric variables", 108)
    gen = list(cmd.option("generate") or cmd.option("into") or ())
    prefix = cmd.option("prefix")
    if gen and prefix:
        raise StataError("options generate() and prefix() may not be combined", 198)
    if prefix:
        gen = [prefix + v for v in names]
    if gen and len(gen) != len(names):
        raise StataError("generate(): as many new names as variables required", 198)
    if cmd.has("label") and not gen:
        raise StataError("option label() requires generate() or prefix()", 198)
    if cmd.has("copyrest") and not gen:
        raise StataError("option copyrest requires generate() or prefix()", 198)
    for g in gen:
        check_new_name(ds, g)
    touse = s.touse(cmd)
    labelled = [r for r in rules if r.label is not None]
    out, notes = [], []
    for j, var in enumerate(names):
        x = ds.values(var).astype(float)
        ok = ~np.isnan(x) & touse
        lo = float(np.min(x[ok])) if ok.any() else np.nan
        hi = float(np.max(x[ok])) if ok.any() else np.nan
        new = x.copy() if (not gen or cmd.has("copyrest")) else np.full(len(x), np.nan)
        new[touse] = x[touse]
        done = ~touse
        for r in rules:
            hit = ~done if r.is_else else (r.matches(x, lo, hi) & ~done)
            if cmd.has("test"):
                if not hit.any():
                    notes.append(f"rule {r.text} never invoked")
                if not r.is_else:
                    again = r.matches(x, lo, hi) & touse & done
                    if again.any():
                        notes.append(f"rule {r.text} overlaps rules before it")
            new[hit] = r.value
            done |= hit
        target = gen[j] if gen else var
        vtype = promote_type(ds.info[var].type, new)  # as replace promotes
        changed = int(np.sum(~((new == x) | (np.isnan(new) & np.isnan(x)))))
        if gen:
            ds.set_values(target, new, vtype)
            ds.info[target].format = ds.info[var].format
            out.append(f"({plural(changed, 'difference')} between {var} and {target})")
        else:
            ds.set_values(var, new, vtype)
            out.append(f"({plural(changed, 'change')} made to {var})")
        if labelled:
            lname = cmd.option("label") or target
            labels = dict(ds.value_labels.get(lname, {}))
            for r in labelled:
                if r.value == r.value:
                    labels[int(r.value)] = r.label or ""
            ds.value_labels[lname] = dict(sorted(labels.items()))
            ds.info[target].vlabel = lname
    return [Text("\n".join([*notes, *out]))]
