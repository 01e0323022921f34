"""``label`` ([D] label): define, values, variable, list, drop, dir, copy, data."""

from __future__ import annotations

import re

from ..dataset.varnames import resolve
from ..errors import StataError
from ..report.output import Block, Output, Text, html_table
from ..syntax.ast import Command, LabelDefine, Words
from .registry import command

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")


@command("label", "define")
def define(s, cmd: Command) -> list[Output]:
    body = cmd.body
    assert isinstance(body, LabelDefine)
    if not _NAME.match(body.name):
        raise StataError(f"{body.name} invalid name", 198)
    add, modify, replace = cmd.has("add"), cmd.has("modify"), cmd.has("replace")
    labels = s.data.value_labels
    if body.name in labels and not (add or modify or replace):
        raise StataError(f"label {body.name} already defined", 110)
    if body.name not in labels and (add or modify) and not body.pairs:
        raise StataError(f"value label {body.name} not found", 111)
    new = {} if replace or body.name not in labels else dict(labels[body.name])
    for value, _text in body.pairs:  # values a long can hold ([D] label; saved as int32)
        if not -2147483647 <= value <= 2147483620:
            raise StataError(f"may not label {value}: values must be within long's range", 198)
    for value, text in body.pairs:
        if add and not modify and value in new and new[value] != text:
            raise StataError(f"{value} already labeled", 180)
        if text == "" and modify:
            new.pop(value, None)
        else:
            new[value] = text
    labels[body.name] = dict(sorted(new.items()))
    s.data.changed = True
    return []


@command("label", "values")
def values(s, cmd: Command) -> list[Output]:
    assert isinstance(cmd.body, Words)
    words = list(cmd.body.words)
    from ..dataset.varnames import expand

    if len(words) == 1:
        names, lab = expand(s.data, words[0]), ""
    else:
        lab = words[-1]
        names = []
        for w in words[:-1]:
            names += expand(s.data, w)
        if lab == ".":
            lab = ""
        elif not _NAME.match(lab):
            raise StataError(f"{lab} invalid name", 198)
    for v in names:
        if s.data.is_string(v):
            raise StataError("may not label strings", 181)
        s.data.info[v].vlabel = lab
    s.data.changed = True
    return []


@command("label", "variable")
def variable(s, cmd: Command) -> list[Output]:
    assert isinstance(cmd.body, Words)
    words = cmd.body.words
    if len(words) > 2:
        raise StataError("invalid syntax", 198)
    v = resolve(s.data, words[0])
    text = words[1] if len(words) == 2 else ""
    if len(text) > 80:
        text = text[:80]
    s.data.info[v].label = text
    s.data.changed = True
    return []


@command("label", "data")
def data_label(s, cmd: Command) -> list[Output]:
    assert isinstance(cmd.body, Words)
    s.data.label = cmd.body.words[0] if cmd.body.words else ""
    s.data.changed = True
    return []


def list_text(labels: dict[str, dict[int, str]], names: list[str]) -> str:
    lines = []
    for n in names:
        lines.append(f"{n}:")
        for value, text in labels[n].items():
            lines.append(f"{value:>12} {text}")
    return "\n".join(lines)


@command("label", "list", readonly=True)
def list_(s, cmd: Command) -> list[Output]:
    assert isinstance(cmd.body, Words)
    labels = s.data.value_labels
    names = list(cmd.body.words) or list(labels)
    for n in names:
        if n not in labels:
            raise StataError(f"value label {n} not found", 111)
    s.r = {}
    if len(names) == 1:
        lab = labels[names[0]]
        s.r = {
            "k": len(lab),
            "min": min(lab, default=None),
            "max": max(lab, default=None),
            "hasemiss": 0,
        }
    text = list_text(labels, names)
    rows: list = []
    for n in names:
        rows.append(n)
        rows += [[str(v), t] for v, t in labels[n].items()]
    return [Block(text, html_table([["Value", "Label"]], rows, align=["r", "l"]), kind="text")]


@command("label", "dir", readonly=True)
def dir_(s, cmd: Command) -> list[Output]:
    return [Text("\n".join(s.data.value_labels))]


@command("label", "drop")
def drop(s, cmd: Command) -> list[Output]:
    assert isinstance(cmd.body, Words)
    names = list(cmd.body.words)
    if names == ["_all"]:
        names = list(s.data.value_labels)
    for n in names:
        if n not in s.data.value_labels:
            raise StataError(f"value label {n} not found", 111)
    for n in names:
        del s.data.value_labels[n]
    s.data.changed = True
    return []


@command("label", "copy")
def copy_(s, cmd: Command) -> list[Output]:
    assert isinstance(cmd.body, Words)
    a, b = cmd.body.words
    if a not in s.data.value_labels:
        raise StataError(f"value label {a} not found", 111)
    if b in s.data.value_labels and not cmd.has("replace"):
        raise StataError(f"label {b} already defined", 110)
    s.data.value_labels[b] = dict(s.data.value_labels[a])
    return []
