"""``log`` ([R] log), ``cd`` and ``pwd`` ([D] cd): a record of the session in a file, and the
working directory the file names are read against.

``log using file`` opens a log; everything the session shows from then on (each command as
``. command``, its output, not what ``quietly`` hides) is written to it, up to ``log close``.
A file name ending in ``.log`` (or the ``text`` option) gives a plain-text log; otherwise the log
is SMCL, Stata's default (any other extension too, unless ``text``): ``{smcl}`` on its first
line and braces escaped, which Stata's viewer and ``translate`` read. Several logs may be open
under ``name()``, each on its own file.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import TextIO

from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command, Words
from .registry import command

__all__ = ["LogFile"]

_RULE = "-" * 79


class LogFile:
    """One open log: its file, kind (``text`` or ``smcl``) and whether it is on."""

    def __init__(self, name: str, path: Path, kind: str, stream: TextIO) -> None:
        self.name = name
        self.path = path
        self.kind = kind
        self.stream = stream
        self.on = True
        self.written = 0
        self.last = ""  # the kind of the last output written

    def _put(self, text: str) -> None:
        if self.kind == "smcl":
            text = re.sub(r"[{}]", lambda m: "{c -(}" if m.group() == "{" else "{c )-}", text)
        self.stream.write(text)
        self.stream.flush()

    def write(self, o: Output) -> None:
        """One output, with the blank line Stata's log has before each command and table."""
        if not self.on:
            return
        spaced = o.kind in ("echo", "result") or (o.kind == "log" and self.last == "echo")
        if self.written and spaced:
            self._put("\n")
        text = o.text()
        self._put(text if isinstance(o, Text) and o.cont else text + "\n")
        self.written += 1
        self.last = o.kind

    def banner(self, what: str) -> str:
        now = datetime.now()
        lines = [
            f"      name:  {self.name}",
            f"       log:  {self.path}",
            f"  log type:  {self.kind}",
            f" {what} on:  {now.day} {now:%b %Y, %H:%M:%S}",
        ]
        return "\n".join(lines)

    def close(self) -> None:
        self.stream.close()


def _logs(s) -> dict[str, LogFile]:
    return s.logs


def _open(s, cmd: Command) -> list[Output]:
    name = str(cmd.option("name") or "<unnamed>").strip()
    logs = _logs(s)
    if name in logs:
        shown = "" if name == "<unnamed>" else f" {name}"
        raise StataError(f"log file{shown} already open", 604)
    raw = str(cmd.using)
    p = Path(os.path.expanduser(raw))
    if not p.suffix:
        p = p.with_name(p.name + (".log" if cmd.has("text") else ".smcl"))
    # [R] log: a .log file is a text log; any other a SMCL one unless text is given
    kind = "text" if cmd.has("text") or (p.suffix == ".log" and not cmd.has("smcl")) else "smcl"
    if any(lg.path == p.resolve() for lg in logs.values()):
        raise StataError(f"file {p} is already open as a log", 604)
    if cmd.has("replace") and cmd.has("append"):
        raise StataError("options replace and append may not be combined", 198)
    if p.exists() and not (cmd.has("replace") or cmd.has("append")):
        raise StataError(f"file {p} already exists", 602)
    if not p.parent.exists():
        raise StataError(f"file {p} could not be opened", 603)
    fresh = not (cmd.has("append") and p.exists())
    stream = p.open("a" if cmd.has("append") else "w", encoding="utf-8")
    log = LogFile(name, p.resolve(), kind, stream)
    if kind == "smcl" and fresh:
        stream.write("{smcl}\n")
    head = log.banner("opened")
    logs[name] = log  # the banner below is the log's first output
    return [Text(f"{_RULE}\n{head}\n{_RULE}")]


def _close(s, words: list[str]) -> list[Output]:
    logs = _logs(s)
    if words == ["_all"]:
        targets = list(logs)
    else:
        target = words[0] if words else "<unnamed>"
        if target not in logs:
            if not words and len(logs) == 1:
                target = next(iter(logs))
            else:
                raise StataError("no log file open" if not logs else f"log {target} not found", 606)
        targets = [target]
    outs: list[Output] = []
    for t in targets:
        log = logs.pop(t)
        foot = log.banner("closed")
        log._put(f"{foot}\n{_RULE}\n")
        log.close()
        outs.append(Text(f"{foot}\n{_RULE}"))
    return outs


@command("log")
def log(s, cmd: Command) -> list[Output]:
    """``log using file [, append replace text smcl name()]``, ``log close [name|_all]``,
    ``log off|on [name]`` and ``log query [name|_all]`` ([R] log)."""
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    if cmd.using is not None:
        if words:
            raise StataError(f"{words[0]} invalid", 198)
        return _open(s, cmd)
    if not words:
        words = ["query"]
    sub, rest = words[0], words[1:]
    logs = _logs(s)
    if sub == "close":
        return _close(s, rest)
    if sub in ("off", "on"):
        target = rest[0] if rest else next(iter(logs), None)
        if target is None or target not in logs:
            raise StataError("no log file open", 606)
        logs[target].on = sub == "on"
        return []
    if sub == "query":
        if not logs:
            return [Text("no log file open")]
        outs: list[Output] = []
        for lg in logs.values():
            where = lg.banner("opened").rsplit("\n", 1)[0]  # name, file and type
            outs.append(Text(f"{where}\n    status:  {'on' if lg.on else 'off'}"))
        return outs
    raise StataError(f"log {sub}: invalid subcommand", 198)


@command("cd")
def cd(s, cmd: Command) -> list[Output]:
    """``cd [directory]`` ([D] cd): change the working directory; alone, go home."""
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    target = os.path.expanduser(" ".join(words) if words else "~")
    try:
        os.chdir(target)
    except OSError:
        raise StataError(f"unable to change to {target}", 170) from None
    return [Text(os.getcwd())]


@command("pwd")
def pwd(s, cmd: Command) -> list[Output]:
    """``pwd`` ([D] cd): the working directory."""
    return [Text(os.getcwd())]
