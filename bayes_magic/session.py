"""``Session``: the data in memory, stored results and settings; ``execute(text)`` runs commands.

Both front ends (magics and kernel) and the batch command line call :meth:`Session.execute`.
Each command runs as a transaction: if it fails, the data, stored estimates, ``e()`` and ``r()``
are put back as they were, and the error is returned (not raised) as Stata prints it.
"""

from __future__ import annotations

import copy
import math
import os
import re
import traceback
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .dataset.dataset import Dataset
from .dataset.evaluate import Context, evaluate, truth
from .errors import BreakError, ExitError, Span, StataError
from .report.output import Output, Text, escape
from .syntax import parse, split_commands
from .syntax.ast import Command, Prefix
from .syntax.macros import expand, has_macros

__all__ = ["Session", "Result", "ErrorOutput", "Echo", "ByGroups"]


#: ``input`` (abbreviated to ``inp`` at least) opening a block of data lines
_INPUT = re.compile(
    r"\s*(?:(?:cap(?:ture|tur|tu|t)?|qui(?:etly|etl|et|e)?|n(?:oisily|oisil|oisi|ois|oi|o)?)\s+)*"
    r"inp(?:ut|u)?\b(?!\s*=)"
)
#: blocks this version cannot run, read to their ``end`` so their lines are not run one by one
_BLOCK_UNAVAILABLE = re.compile(
    r"\s*(?:(?:cap(?:ture|tur|tu|t)?|qui(?:etly|etl|et|e)?|n(?:oisily|oisil|oisi|ois|oi|o)?)\s+)*"
    r"(?:pr(?:o|og|ogr|ogra|ogram)?\s+(?:de(?:f|fi|fin|fine)?\s+)?"
    r"(?!(?:drop|dir|list|l|li|lis|di)(?:\s|$))[A-Za-z_`][\w`']*\s*(?:,.*)?$"
    r"|mata\s*:?\s*$)"
)
_TOO_DEEP = "expression too complex: too many nested parentheses or operators"


class _JumpError(Exception):
    """``continue`` ("next") or ``continue, break`` ("break") leaving a loop's pass."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


_PREFIXES = {"capture": 3, "quietly": 3, "noisily": 1}  # minimal abbreviations


def _noisy(o) -> bool:
    """Whether an output was shown by ``noisily`` (and so shows under ``quietly`` too)."""
    return bool(getattr(o, "noisy", False))


def _captured(text: str) -> bool | None:
    """Whether ``text`` starts with a ``capture`` prefix (among ``quietly``/``noisily``):
    None if not, else whether ``noisily`` follows it (the error is then shown)."""
    seen: list[str] = []
    pos = 0
    for m in re.finditer(r"\s*([A-Za-z]+)\b\s*:?", text):
        if m.start() != pos:
            break
        w = m.group(1).lower()
        full = next((f for f, k in _PREFIXES.items() if len(w) >= k and f.startswith(w)), None)
        if full is None:
            break
        seen.append(full)
        pos = m.end()
    if "capture" not in seen:
        return None
    return "noisily" in seen[seen.index("capture") + 1 :]


@dataclass
class Settings:
    """``set`` values: storage type of new variables, line width, seed."""

    type: str = "float"
    linesize: int = 79
    seed: int = 123456789
    varabbrev: bool = True
    scheme: str = "s2color"


@dataclass
class ByGroups:
    """The groups of a ``by`` prefix over the (sorted) data.

    ``starts`` and ``sizes`` give, for every observation, its group's first row and size;
    ``ids`` numbers the groups 0, 1, ...; ``bounds`` lists each group's ``(start, stop)``.
    """

    varnames: list[str]
    starts: np.ndarray
    sizes: np.ndarray
    ids: np.ndarray
    bounds: list[tuple[int, int]]


class ErrorOutput(Output):
    """An error as Stata prints it: the message (with a pointer) and ``r(#);``."""

    kind = "error"

    def __init__(self, error: StataError, *, final: bool = False) -> None:
        self.error = error
        #: the error that ends the run (``Result.error``): front ends print it on their own
        #: (stderr, the kernel's error reply); the others (``capture noisily``, ``by``'s
        #: ``rc0``) are shown where they happen, like any output
        self.final = final

    def text(self) -> str:
        return self.error.render()

    def html(self) -> str:
        return (
            '<pre style="color: #c00; margin: 0; font-family: var(--jp-code-font-family, '
            f'monospace)">{escape(self.text())}</pre>'
        )


class Echo(Output):
    """The command echo of a log: ``. use math`` (long commands continue with ``> ``)."""

    kind = "echo"

    def __init__(self, command: str, width: int = 79, prefix: str = ". ") -> None:
        self.command = command
        self.width = width
        self.prefix = prefix  # "  2. " for the lines of a loop's block, as Stata numbers them
        self.more: list[Echo] = []  # a loop's block: its lines, after the header

    def text(self) -> str:
        if self.more:
            return "\n".join(
                [Echo(self.command, self.width).text(), *(e.text() for e in self.more)]
            )
        line = self.prefix + self.command
        if len(line) <= self.width:
            return line
        out, cur = [], self.prefix
        for word in self.command.split(" "):
            if len(cur) + len(word) + 1 > self.width - 2 and cur.strip() not in (".", ">"):
                out.append(cur.rstrip())
                cur = "> "
            cur += word + " "
        out.append(cur.rstrip())
        return "\n".join(out)


class Result(list):
    """What :meth:`Session.execute` returns: the outputs in order, and the error if any.

    ``rc`` is 0 on success or the failing command's return code.
    """

    def __init__(self) -> None:
        super().__init__()
        self.error: StataError | None = None

    @property
    def rc(self) -> int:
        return 0 if self.error is None else self.error.rc

    def text(self) -> str:
        return "\n".join(o.text() for o in self)

    def log(self) -> str:
        """The outputs as a Stata log: a blank line before each command echo and before each
        table, as Stata's results window and batch logs show them."""
        parts: list[str] = []
        for k, o in enumerate(self):
            # an iteration log is set off from its command too (Stata: ". logit ...", blank,
            # "Iteration 0: ..."); one already ends with its blank line
            spaced = o.kind in ("echo", "result") or (
                o.kind == "log" and self[k - 1].kind == "echo"
            )
            if k and spaced and not parts[-1].endswith("\n"):
                parts.append("")
            parts.append(o.text())
        return "\n".join(parts)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {
            "text/plain": self.text(),
            "text/html": "".join(o.html() for o in self),
        }

    def __repr__(self) -> str:
        return self.text()


class Session:
    """A Stata session over pandas.

    Parameters
    ----------
    namespace
        The front end's variables: ``use name`` loads the DataFrame bound to ``name`` there,
        and ``-o`` outputs go back into it.

    Attributes
    ----------
    data
        The dataset in memory.
    estimates
        Stored estimation results by name (``estimates store``).
    e
        The active estimation results, or None.
    r
        The ``r()`` results of the last r-class command.
    rc
        ``_rc``: the return code of the last ``capture``.
    locals, globals
        The macros ``local`` and ``global`` define, by name.
    """

    def __init__(self, namespace: MutableMapping[str, Any] | None = None) -> None:
        self.data = Dataset()
        self.namespace: MutableMapping[str, Any] = namespace if namespace is not None else {}
        self.estimates: dict[str, Any] = {}
        self.e: Any = None
        self.r: dict[str, Any] = {}
        self.rc = 0
        self.settings = Settings()
        self.rng = np.random.default_rng(self.settings.seed)
        self.preserved: Dataset | None = None
        self.graphs: dict[str, Any] = {}
        #: graphs written by saving(), by file (absolute, without extension): graph combine and
        #: graph use find them there (bayes_magic cannot read Stata's .gph files)
        self.saved_graphs: dict[str, Any] = {}
        self.matrices: dict[str, Any] = {}  # named matrices (matrix define / matrix A = r(x))
        self.scalars: dict[str, float | str] = {}  # [P] scalar; expressions see them by name
        #: local and global macros ([P] macro), substituted in every command before parsing
        self.locals: dict[str, str] = {}
        #: tempvar/tempfile bookkeeping: one scope per running do-file, and the next name's number
        self.temp_scopes: list[dict[str, list]] = []
        self.temp_counter = 0
        self.globals: dict[str, str] = {}
        self.margins_result: Any = None  # the last margins, for marginsplot
        self.test_constraints: Any = None  # the last test's constraints, for accumulate
        self.last_traceback: str | None = None
        #: > 0 while a command runs under ``quietly`` (progress displays leave nothing behind)
        self.quiet = 0
        #: > 0 inside a noisily block: its outputs show under an enclosing quietly
        self._loud = 0
        #: set by a front end: called with each output as soon as it exists, so that a cell
        #: shows each command's output when the command ends (as Stata prints it), and what a
        #: command shows early (:meth:`show_now`) before it ends
        self.sink: Callable[[Output], None] | None = None
        #: open logs (``log using``) by name, written as outputs are shown
        self.logs: dict = {}
        self._early: list[Output] = []
        self._depth = 0  # execute() calls running (a do file inside a command is 2)
        self._held: Text | None = None  # display ..., _continue: the open line
        #: the data lines after an ``input`` line, up to ``end``, while ``input`` runs
        self.input_lines: list[str] | None = None
        # state visible to handlers while one command runs
        self.by: ByGroups | None = None
        self.restrict: np.ndarray | None = None

    # -- the entry point -------------------------------------------------------------------------
    def execute(self, text: str, *, echo: bool = False, stop: bool = True) -> Result:
        """Run every command in ``text`` (a line, a cell or a do-file).

        Parameters
        ----------
        text
            Commands in Stata's syntax, with its comments and continuations.
        echo
            Put ``. command`` before each command's output, as a log does.
        stop
            Stop at the first error (as ``do`` does); otherwise go on with the next command.

        Returns
        -------
        Result
            The outputs, and ``error``/``rc`` when a command failed.
        """
        res = Result()
        try:
            sources = split_commands(text)
        except StataError as err:
            # what it shows is remembered as the main path does, so that a do-file running it
            # does not show it again
            outer, self._depth = self._early, self._depth + 1
            try:
                self._unreadable(res, text, err, echo=echo, stop=stop)
            except ExitError:
                pass
            finally:
                self._depth -= 1
                self._early = [*outer, *res] if self._depth else []
                if not self._depth:
                    self._release()
            return res
        # a command running a file (do) runs this inside its own turn: what the file shows as
        # it runs is then not shown again with that command's outputs
        outer, self._depth = self._early, self._depth + 1
        try:
            self._run_sources(res, [src.text for src in sources], echo=echo, stop=stop)
        except ExitError:
            pass
        except _JumpError:
            self._failed(res, StataError("continue may only be used in a loop", 198), "", stop=True)
        except KeyboardInterrupt:  # an interrupt between commands (in a loop's bookkeeping)
            self._failed(res, BreakError(), "", stop=True)
        finally:
            self._depth -= 1
            self._early = [*outer, *res] if self._depth else []
            if not self._depth:
                self._release()
        return res

    def _unreadable(self, res: Result, text: str, err: StataError, *, echo: bool, stop: bool):
        """A text with a line that cannot be read (an unmatched quote or ``/*``): the commands
        before that line run first, as Stata reads a do-file a command at a time; then the line
        fails. Without ``stop`` the lines after an unmatched quote run too, unless the line is
        inside a block (a loop's body) or under ``#delimit ;``, where lines are not commands."""
        cut = text.rfind("\n", 0, err.span.start) + 1 if err.span is not None else 0
        # back to the start of the command: lines continued with /// belong to it; under
        # #delimit ; commands do not end at lines, so nothing is run before the error
        while cut > 0:
            prev = text.rfind("\n", 0, cut - 1) + 1
            if "///" not in text[prev : cut - 1]:
                break
            cut = prev
        delimit = "#delim" in text.lower()
        if delimit:
            cut = 0
        head: list = []
        if cut:
            try:
                head = split_commands(text[:cut])
            except StataError:
                head, cut = [], 0
        end = text.find("\n", err.span.start) if err.span is not None else -1
        bad = text[cut : end if end >= 0 else len(text)]
        # blocks open at the bad line (lines ending in { open one, } closes one): the loop or
        # if whose body it cuts is not run on its own
        opened: list[int] = []
        for k, c in enumerate(head):
            line = c.text.strip()
            if line.startswith("}") and opened:
                opened.pop()
            if line.endswith("{"):
                opened.append(k)
        depth = len(opened)
        runnable = head[: opened[0]] if opened else head
        ran = not runnable or self._run_sources(
            res, [c.text for c in runnable], echo=echo, stop=stop
        )
        if stop and not ran:
            return
        rest = text[end + 1 :] if end >= 0 else ""
        resume = not stop and err.rc == 132 and not delimit and depth == 0 and rest.strip() != ""
        if echo:
            self._emit(res, [Echo(bad, self.settings.linesize)])
        start = err.span.start if err.span is not None else cut
        stop_at = err.span.end if err.span is not None else len(text)
        at = Span(start - cut, min(stop_at, cut + len(bad)) - cut)
        self._failed(res, StataError(err.message, err.rc, span=at), bad, stop=not resume)
        if resume:  # as a do-file run with nostop: the lines after it run too
            more = self.execute(rest, echo=echo, stop=False)
            res.extend(more)
            res.error = more.error or res.error

    def _run_sources(self, res: Result, texts: list[str], *, echo: bool, stop: bool) -> bool:
        """Run commands in order; a ``foreach``/``forvalues``/``while`` header runs its block
        once per pass, an ``if`` chain the block of its first true condition
        (:mod:`bayes_magic.commands.loops`). False when an error stopped them."""
        from .commands.loops import block_end, block_kind, if_chain, jump_of, prefixed_block

        i = 0
        while i < len(texts):
            text = texts[i]
            both = prefixed_block(text)  # quietly forvalues ... {: a loop in a quietly block
            kind = "prefixed" if both is not None else block_kind(text)
            if kind is None and text.lstrip().startswith("if "):  # if exp command [else cmd]
                done, i = self._run_one_line_if(res, texts, i, echo=echo, stop=stop)
                if not done:
                    return False
                continue
            if kind is not None:
                try:
                    if kind in ("loop", "while") and not text.rstrip().endswith("{"):
                        raise StataError(
                            "{ required: the loop's block opens on its first line", 100
                        )
                    if kind == "if":
                        branches, j = if_chain(texts, i)
                    else:
                        j = block_end(texts, i)
                except StataError as err:
                    return self._failed(res, err, text, stop=True)
                if echo:
                    self._emit(res, [self._block_echo(texts[i : j + 1])])
                if kind == "prefixed":
                    assert both is not None
                    ok = self._run_prefixed_block(res, both[0], [both[1], *texts[i + 1 : j + 1]])
                elif kind == "prefix":
                    ok = self._run_prefixed_block(res, text, texts[i + 1 : j])
                elif kind == "loop":
                    ok = self._run_loop(res, text, texts[i + 1 : j])
                elif kind == "while":
                    ok = self._run_while(res, text, texts[i + 1 : j])
                else:
                    ok = self._run_if(res, branches)
                if not ok and stop:
                    return False  # an error ends every block, as in Stata (and a do-file)
                i = j + 1  # interactively (stop False), the next command runs
                continue
            self._early = []
            if echo:
                self._emit(res, [Echo(text, self.settings.linesize)])
            elif self.logs and not self.quiet:  # a log has each command, as Stata's
                for lg in self.logs.values():
                    lg.write(Echo(text, self.settings.linesize))
            nxt = i + 1
            if _BLOCK_UNAVAILABLE.match(text):  # program define / mata: skipped to its end
                end = next((k for k in range(i + 1, len(texts)) if texts[k].strip() == "end"), None)
                what = "mata" if "mata" in text.split()[-1] else "program define"
                err = StataError(
                    f"{what} is not available in this version of bayes_magic yet; "
                    + ("the block up to its end was skipped" if end is not None else "no end"),
                    199,
                )
                if not self._failed(res, err, text, stop=stop):
                    return False
                i = len(texts) if end is None else end + 1
                continue
            if _INPUT.match(text):  # input varlist, then data lines up to end ([D] input)
                end = next((k for k in range(i + 1, len(texts)) if texts[k].strip() == "end"), None)
                if end is None:
                    err = StataError("input: the data lines must end with a line end", 198)
                    return self._failed(res, err, text, stop=stop)
                self.input_lines, nxt = texts[i + 1 : end], end + 1
            jump = jump_of(text) if text.lstrip().startswith("continue") else None
            if jump is not None:
                raise _JumpError(jump)
            try:
                outs = self.run_text(text)
            except StataError as err:
                if not self._failed(res, err, text, stop=stop):
                    return False
                i = nxt
                continue
            finally:
                early, self._early = self._early, []
                self.input_lines = None
            self._emit(res, outs, early)
            i = nxt
        return True

    def _run_one_line_if(
        self, res: Result, texts: list[str], i: int, *, echo: bool, stop: bool
    ) -> tuple[bool, int]:
        """``if exp command`` at ``texts[i]``, with an ``else command`` line after it
        ([P] if): (whether to go on, the index of the next line)."""
        from .commands.loops import one_line_if

        text = texts[i]
        self._early = []
        if echo:
            self._emit(res, [Echo(text, self.settings.linesize)])
        try:
            got = one_line_if(self._expanded(text))
            assert got is not None  # an if line without { (block_kind gave None)
            cond, command = got
            chosen = self._condition(cond)
        except StataError as err:
            return self._failed(res, err, text, stop=stop), i + 1
        other = texts[i + 1] if i + 1 < len(texts) else ""
        has_else = bool(re.match(r"\s*else\s+\S", other)) and not other.rstrip().endswith("{")
        if has_else and echo:
            self._emit(res, [Echo(other, self.settings.linesize)])
        branch = command if chosen else (other.split(None, 1)[1] if has_else else None)
        nxt = i + 2 if has_else else i + 1
        if branch is None:
            return True, nxt
        return self._run_sources(res, [branch], echo=False, stop=stop), nxt

    def _block_echo(self, lines: list[str]) -> Echo:
        """A block as typed, its lines after the first numbered as Stata's log does."""
        block = Echo(lines[0], self.settings.linesize)
        block.more = [
            Echo(t, self.settings.linesize, prefix=f"{k:>3}. ")
            for k, t in enumerate(lines[1:], start=2)
        ]
        return block

    def _expanded(self, text: str) -> str:
        if has_macros(text):
            return self._expand(text)
        return text

    def _condition(self, text: str) -> bool:
        """An ``if``/``while`` condition's truth: nonzero, as [P] if reads it."""
        from .commands.macros import evaluate_text

        v = evaluate_text(self, self._expanded(text))
        if isinstance(v, str):
            raise StataError("type mismatch", 109)
        return bool(v != 0)

    def _run_body(self, res: Result, body: list[str]) -> str:
        """One pass of a loop's block: "ok", "next" (continue), "break" or "error"."""
        try:
            return "ok" if self._run_sources(res, body, echo=False, stop=True) else "error"
        except _JumpError as jump:
            return jump.kind

    def _run_loop(self, res: Result, header: str, body: list[str]) -> bool:
        from .commands.loops import loop_values

        try:
            name, values = loop_values(self, self._expanded(header))
        except StataError as err:
            return self._failed(res, err, header, stop=True)
        for v in values:
            self.locals[name] = v
            got = self._run_body(res, body)
            if got == "error":
                return False
            if got == "break":
                break
        return True

    def _run_while(self, res: Result, header: str, body: list[str]) -> bool:
        from .commands.loops import while_condition

        cond = while_condition(header)
        while True:
            try:
                if not self._condition(cond):
                    return True
            except StataError as err:
                return self._failed(res, err, header, stop=True)
            got = self._run_body(res, body)
            if got == "error":
                return False
            if got == "break":
                return True

    def _run_prefixed_block(self, res: Result, header: str, body: list[str]) -> bool:
        """``quietly { }`` shows nothing but errors; ``capture { }`` stops at the first error,
        sets ``_rc`` and goes on (showing the block with ``capture noisily``); ``noisily { }``
        runs the block as it is."""
        from .commands.loops import prefix_block

        got = prefix_block(header)
        assert got is not None
        prefix, noisy = got
        if prefix == "noisily":  # shown even inside an enclosing quietly
            saved_q = self.quiet
            self.quiet, self._loud = 0, self._loud + 1
            try:
                return self._run_sources(res, body, echo=False, stop=True)
            finally:
                self.quiet, self._loud = saved_q, self._loud - 1
        inner = Result()
        saved, sink, saved_loud = self.quiet, self.sink, self._loud
        if not noisy:  # nothing shown as it runs either, but what noisily shows ([P] quietly)
            loud = None if sink is None else (lambda o: sink(o) if _noisy(o) else None)
            self.quiet, self.sink, self._loud = self.quiet + 1, loud, 0
        else:  # capture noisily { }: shown, inside an enclosing quietly too
            self.quiet, self._loud = 0, self._loud + 1
        try:
            ok = self._run_sources(inner, body, echo=False, stop=True)
        finally:
            self.quiet, self.sink, self._loud = saved, sink, saved_loud
        if not noisy:
            for o in inner:
                if _noisy(o) and not isinstance(o, ErrorOutput):
                    res.append(o)
        if prefix == "capture":
            self.rc = 0 if ok else inner.rc
            if noisy:
                for o in inner:
                    res.append(o)
            return True
        if not ok:  # quietly: the error is still shown, and ends what runs
            assert inner.error is not None
            res.error = inner.error
            self._emit(res, [ErrorOutput(inner.error, final=True)])
        return ok

    def _run_if(self, res: Result, branches: list[tuple[str | None, list[str]]]) -> bool:
        for cond, body in branches:
            try:
                chosen = cond is None or self._condition(cond)
            except StataError as err:
                return self._failed(res, err, f"if {cond}", stop=True)
            if chosen:
                return self._run_sources(res, body, echo=False, stop=True)
        return True

    def _failed(self, res: Result, err: StataError, text: str, *, stop: bool) -> bool:
        """Record a command's error; whether to go on (``stop`` False)."""
        if err.source is None:
            err.source = text
        res.error = err
        early = self._early
        # an inner run's final error (a do-file's) comes back as this error: not twice
        shown = [
            o
            for o in early
            if not any(o is x for x in err.outputs) and not (isinstance(o, ErrorOutput) and o.final)
        ]
        self._emit(res, [*shown, *err.outputs, ErrorOutput(err, final=stop)], early)
        self._early = []
        return not stop

    def _emit(self, res: Result, outs: list[Output], early: list[Output] = ()) -> None:
        """Add a command's outputs to the result, passing those not shown yet to the sink.

        A text that ends in ``_continue`` is held back and joined to the next text, as
        Stata's ``display ... _continue`` keeps the line open ([P] display)."""
        for o in outs:
            if self._loud:  # inside a noisily block: shown under an enclosing quietly
                o.noisy = True  # type: ignore[attr-defined]
            held, self._held = self._held, None
            if held is not None and type(o) is Text and o.kind == "text":
                joined = Text(held.text() + o.text(), cont=o.cont)
                joined.noisy = _noisy(held) or _noisy(o)  # type: ignore[attr-defined]
                o = joined
                if res and res[-1] is held:
                    res.pop()
            elif held is not None and self.sink is not None:
                self.sink(held)
            res.append(o)
            if self.logs and (not self.quiet or _noisy(o)):  # log using: what is shown
                for lg in self.logs.values():
                    lg.write(o)
            if isinstance(o, Text) and o.cont:
                self._held = o
            elif self.sink is not None and not any(o is e for e in early):
                self.sink(o)

    def _release(self) -> None:
        """Show a held ``_continue`` text (nothing came to continue its line)."""
        held, self._held = self._held, None
        if held is not None and self.sink is not None:
            self.sink(held)

    def show_now(self, outs: list[Output]) -> None:
        """Show outputs before the running command ends (``bayes`` shows its model summary
        before it samples, as Stata does); the command still returns them."""
        if self.sink is None or self.quiet > 0:
            return
        for o in outs:
            o.text()  # laid out now
            self.sink(o)
            self._early.append(o)

    def run_text(self, text: str) -> list[Output]:
        """Parse and run one logical command line; raises :class:`StataError`.

        numpy's floating-point warnings are silenced: in Stata an invalid operation (``1/0``,
        ``ln(-1)``) is simply a missing value, which the commands show as ``.``."""
        import warnings

        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return self._run_text(text)

    def _run_text(self, text: str) -> list[Output]:
        if has_macros(text):  # [P] macro: substituted before the command is parsed
            text = self._expand(text)
        from .commands.macros import macro_command

        defined = macro_command(self, text)  # local, global, macro: read as typed
        if defined is not None:
            return defined
        try:
            cmd = parse(text)
        except RecursionError:
            raise StataError(_TOO_DEEP, 130) from None
        except StataError as err:
            # capture catches a command that does not parse too (an unknown option ...)
            caught = _captured(text)
            if caught is None:
                raise
            self.rc = err.rc
            return [ErrorOutput(StataError(err.message, err.rc))] if caught else []
        except Exception as exc:  # a parser bug: an internal error, never a traceback
            self.last_traceback = traceback.format_exc()
            raise StataError(
                f"internal error while parsing: {type(exc).__name__}: {exc}\n"
                "(this is a bug in bayes_magic; Session.last_traceback shows the details)",
                9999,
            ) from exc
        return self.run(cmd)

    def _expand(self, text: str) -> str:
        from .commands.macro_functions import extended_function

        return expand(
            text,
            self.locals,
            self.globals,
            self._macro_expression,
            lambda fn: extended_function(self, fn),
        )

    def _macro_expression(self, text: str) -> str:
        """`` `=exp' ``: the expression's value as a macro holds it; a stored result that does
        not exist (`` `e(nosuch)' ``) is empty, as Stata expands it."""
        from .commands.macros import evaluate_text, macro_value

        m = re.fullmatch(r"([rec])\((\w*)\)", text)
        if m is not None and self.lookup(m.group(1), m.group(2)) is None:
            return ""
        return macro_value(evaluate_text(self, text))

    def run(self, cmd: Command) -> list[Output]:
        """Run a parsed command as a transaction (state restored if it fails)."""
        snap = self._snapshot()
        try:
            outs = self._run_prefixed(cmd, list(cmd.prefixes))
            for o in outs:  # lay out results now, inside the transaction
                o.text()
            return outs
        except StataError as err:
            if not err.keep_state:
                self._restore(snap)
            raise
        except KeyboardInterrupt:
            self._restore(snap)
            raise BreakError() from None
        except RecursionError:  # an expression nested beyond Python's stack
            self._restore(snap)
            raise StataError(_TOO_DEEP, 130) from None
        except ExitError:
            raise
        except Exception as exc:  # a bug: never show the user a traceback, but keep it
            self._restore(snap)
            raise self._internal(cmd, exc) from exc
        finally:
            self.by = None
            self.restrict = None

    def _internal(self, cmd: Command, exc: BaseException) -> StataError:
        """An internal error as the user sees it (the traceback is kept for developers)."""
        self.last_traceback = traceback.format_exc()
        return StataError(
            f"internal error in {cmd.name}: {type(exc).__name__}: {exc}\n"
            "(this is a bug in bayes_magic; Session.last_traceback, or BAYES_MAGIC_DEBUG=1 "
            "with the command line, shows the details)",
            9999,
        )

    def _call(self, func, cmd: Command) -> list[Output]:
        """Run a handler; a Python exception becomes an internal error that capture sees."""
        try:
            outs = func(self, cmd)
            for o in outs:
                o.text()
            posted = next((o.results for o in outs if getattr(o, "results", None)), None)
            if posted is not None:  # a coefficient table's r(table), as _coef_table leaves it
                self.r = dict(posted)
            return outs
        except (StataError, KeyboardInterrupt, ExitError):
            raise
        except Exception as exc:
            raise self._internal(cmd, exc) from exc

    # -- transactions ----------------------------------------------------------------------------
    def _snapshot(self) -> tuple:
        return (
            self.data.copy(),
            dict(self.estimates),
            self.e,
            dict(self.r),
            copy.copy(self.settings),
            self.preserved,
            dict(self.graphs),
            copy.deepcopy(self.rng.bit_generator.state),
            dict(self.matrices),
        )

    def _restore(self, snap: tuple) -> None:
        (
            self.data,
            self.estimates,
            self.e,
            self.r,
            self.settings,
            self.preserved,
            self.graphs,
            rng_state,
            self.matrices,
        ) = snap
        self.rng.bit_generator.state = rng_state

    # -- prefixes --------------------------------------------------------------------------------
    def _run_prefixed(self, cmd: Command, prefixes: list[Prefix]) -> list[Output]:
        if not prefixes or prefixes[0].name in ("by", "bysort", "bayes", "bayesparallel"):
            return self._dispatch(cmd, prefixes)
        p, rest = prefixes[0], prefixes[1:]
        if p.name in ("quietly", "noisily"):
            saved = self.quiet
            self.quiet = saved + 1 if p.name == "quietly" else 0
            try:
                outs = self._run_prefixed(cmd, rest)
            finally:
                self.quiet = saved
            if p.name == "noisily":  # shown even under an enclosing quietly ([P] quietly)
                for o in outs:
                    o.noisy = True  # type: ignore[attr-defined]
                return outs
            return [o for o in outs if getattr(o, "noisy", False)]
        if p.name == "capture":
            snap = self._snapshot()
            saved = self.quiet
            if not (rest and rest[0].name == "noisily"):
                self.quiet += 1  # capture shows nothing, progress included
            try:
                outs = self._run_prefixed(cmd, rest)
            except BreakError:
                raise
            except StataError as err:
                if not err.keep_state:
                    self._restore(snap)
                self.rc = err.rc
                if rest and rest[0].name == "noisily":
                    return [ErrorOutput(StataError(err.message, err.rc))]
                return []
            finally:
                self.quiet = saved
            self.rc = 0
            return outs if rest and rest[0].name == "noisily" else []
        raise StataError(f"{p.name}: prefix not supported", 199)  # pragma: no cover

    def _dispatch(self, cmd: Command, prefixes: list[Prefix]) -> list[Output]:
        from .commands.registry import find

        if any(p.name in ("bayes", "bayesparallel") for p in prefixes):
            # the Bayesian prefix takes over the command it prefixes
            handler = find("bayes", "prefix")
            if handler is None:
                raise StataError(
                    f"bayes: {cmd.name} is not available in this version of bayes_magic yet",
                    199,
                )
            return self._call(handler.func, cmd)
        handler = find(cmd.name, cmd.subcommand)
        if handler is None:
            full = cmd.name + (f" {cmd.subcommand}" if cmd.subcommand else "")
            raise StataError(f"command {full} is unrecognized", 199)
        by = next((p for p in prefixes if p.name in ("by", "bysort")), None)
        if by is None:
            return self._call(handler.func, cmd)
        if handler.byable is None:
            raise StataError(f"{cmd.name} may not be combined with by", 190)
        if cmd.in_ is not None:
            raise StataError("in may not be combined with by", 190)
        groups = self._by_groups(by)
        if handler.byable == "data":
            self.by = groups
            return self._call(handler.func, cmd)
        # "repeat": the command once per group, each with its header and its own transaction;
        # the prefixes after by (quietly, capture ...) apply within each group. A failing group
        # stops the rest, keeping the groups before it ([D] by), unless rc0 is given.
        after = prefixes[prefixes.index(by) + 1 :]
        rc0 = any(o.name == "rc0" for o in by.options)
        outs: list[Output] = []
        rule = "-" * self.settings.linesize
        for a, b in groups.bounds:
            mask = np.zeros(self.data.nobs, dtype=bool)
            mask[a:b] = True
            head = ", ".join(f"{v} = {self.value_text(v, a)}" for v in groups.varnames)
            outs.append(Text(f"{rule}\n-> {head}", kind="result"))
            snap = self._snapshot()
            self.restrict = mask
            self.by = groups  # _n, _N and subscripts count within the group
            try:
                outs.extend(self._run_prefixed(cmd, after))
            except BreakError:
                raise
            except StataError as err:
                if not err.keep_state:
                    self._restore(snap)
                if not rc0:
                    raise StataError(
                        err.message,
                        err.rc,
                        span=err.span,
                        source=err.source,
                        outputs=outs + err.outputs,
                        keep_state=True,
                    ) from None
                outs.append(ErrorOutput(StataError(err.message, err.rc)))
            finally:
                self.restrict = None
                self.by = None
        return outs

    def _by_groups(self, p: Prefix) -> ByGroups:
        from .dataset.varnames import expand_terms

        names = expand_terms(self.data, p.varlist)
        sortvars = expand_terms(self.data, p.sortvars) if p.sortvars else []
        do_sort = p.name == "bysort" or any(o.name == "sort" for o in p.options)
        if do_sort:
            self.data.sort(names + sortvars)
        elif not self.data.is_sorted_by(names) or (
            sortvars and not self.data.is_sorted_by(names + sortvars)
        ):
            raise StataError("not sorted", 5)
        return group_bounds(self.data, names)

    # -- helpers for handlers ------------------------------------------------------------------
    def context(self, rows: np.ndarray | None = None) -> Context:
        groups = None if self.by is None else (self.by.starts, self.by.sizes)
        return Context(self.data, rows, groups, self.lookup, self.rng)

    def lookup(self, kind: str, key: str) -> Any:
        """Stored results for expressions: ``r()``, ``e()``, ``c()``, ``_b[]``, ``_se[]``, the
        scalars and the matrices."""
        if kind == "scalar":
            return self.scalars.get(key)
        if kind == "matrix":  # A, e(b), r(table): the matrix, None when there is none
            from .commands.matrices import find_matrix

            try:
                return find_matrix(self, key)[1]
            except StataError:
                return None
        if kind == "r":
            return self.r.get(key)
        if kind == "e":
            if self.e is None:
                return None
            if key == "sample" and getattr(self.e, "ids", None) is not None:
                return self.data.mask_of(self.e.ids).astype(np.float64)
            getter = getattr(self.e, "lookup", None)
            return getter(key) if getter else None
        if kind in ("_b", "_se"):
            if self.e is None:
                return None
            getter = getattr(self.e, "coef_lookup", None)
            return getter(kind, key) if getter else None
        if kind == "c":
            return self._creturn(key)
        return None

    def _creturn(self, key: str):
        """``c(name)`` ([P] creturn): the values this version knows; None for others."""
        import datetime as _dt
        import getpass
        import tempfile

        now = _dt.datetime.now()
        months = (
            "January February March April May June July August September October November December"
        ).split()
        days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        lazy = {
            "current_date": lambda: f"{now.day:2d} {months[now.month - 1][:3]} {now.year}",
            "current_time": lambda: now.strftime("%H:%M:%S"),
            "username": getpass.getuser,
            "tmpdir": tempfile.gettempdir,
        }
        if key in lazy:
            return lazy[key]()
        return {
            "N": self.data.nobs,
            "k": self.data.nvars,
            "pi": math.pi,
            "rc": self.rc,
            "linesize": self.settings.linesize,
            "seed": self.settings.seed,
            "rng": "default",
            "rng_current": "default",
            "type": self.settings.type,
            "pwd": os.getcwd(),
            "filename": self.data.filename or "",
            "changed": int(self.data.changed),
            "sortedby": " ".join(self.data.sortedby),
            "stata_version": 17,
            "version": 17,
            "level": 95,
            "os": "Unix",
            "more": "off",
            "maxvar": 5000,
            "maxstrvarlen": 2045,
            "epsdouble": float(np.finfo(float).eps),
            "maxdouble": 8.988465674311579e307,
            "mindouble": -8.988465674311579e307,
            "smallestdouble": float(np.finfo(float).tiny),
            # the storage types' limits ([D] Data types; maxbyte() ... in [FN])
            "maxbyte": 100,
            "minbyte": -127,
            "maxint": 32740,
            "minint": -32767,
            "maxlong": 2147483620,
            "minlong": -2147483647,
            "maxfloat": 1.70141173319e38,
            "minfloat": -1.70141173319e38,
            "epsfloat": float(np.finfo(np.float32).eps),
            "alpha": " ".join("abcdefghijklmnopqrstuvwxyz"),
            "ALPHA": " ".join("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
            "Mons": " ".join(m[:3] for m in months),
            "Months": " ".join(months),
            "Wdays": " ".join(d[:3] for d in days),
            "Weekdays": " ".join(days),
        }.get(key)

    def touse(self, cmd: Command, *, allow_empty: bool = True) -> np.ndarray:
        """The observations a command uses: ``in``, ``if`` and any ``by`` group restriction."""
        n = self.data.nobs
        mask = np.ones(n, dtype=bool) if self.restrict is None else self.restrict.copy()
        if cmd.in_ is not None:
            mask &= self.in_mask(cmd)
        if cmd.if_ is not None:
            mask &= truth(evaluate(cmd.if_, self.context()))
        if not allow_empty and not mask.any():
            raise StataError("no observations", 2000)
        return mask

    def in_mask(self, cmd: Command) -> np.ndarray:
        n = self.data.nobs
        r = cmd.in_
        assert r is not None
        first = r.first if r.first > 0 else n + r.first + 1
        last_raw = r.first if r.last is None else r.last
        last = last_raw if last_raw > 0 else n + last_raw + 1
        if first < 1 or last > n or first > last:
            raise StataError("Obs. nos. out of range", 198, span=r.span)  # Stata's words
        mask = np.zeros(n, dtype=bool)
        mask[first - 1 : last] = True
        return mask

    def value_text(self, var: str, row: int) -> str:
        """A value as ``by`` headers and ``list`` show it: its label, or formatted."""
        from .report.format import fmt_number

        inf = self.data.info[var]
        v = self.data.df[var].iloc[row]
        if inf.type.startswith("str"):
            return str(v)
        if v != v:
            return "."
        if inf.vlabel and inf.vlabel in self.data.value_labels:
            lab = self.data.value_labels[inf.vlabel].get(int(v)) if v == int(v) else None
            if lab is not None:
                return lab
        return fmt_number(v, inf.format).strip()

    def set_seed(self, seed: int) -> None:
        self.settings.seed = seed
        self.rng = np.random.default_rng(seed)


def group_bounds(ds: Dataset, names: list[str]) -> ByGroups:
    """Groups of consecutive observations with equal values of ``names``."""
    n = ds.nobs
    if n == 0:
        z = np.zeros(0, dtype=np.int64)
        return ByGroups(names, z, z, z, [])
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for v in names:
        col = ds.values(v)
        if col.dtype == object:
            diff = col[1:] != col[:-1]
        else:
            a, b = col[1:], col[:-1]
            diff = ~((a == b) | (np.isnan(a) & np.isnan(b)))
        change[1:] |= diff
    ids = np.cumsum(change) - 1
    starts_list = np.flatnonzero(change)
    stops = np.append(starts_list[1:], n)
    sizes_g = stops - starts_list
    return ByGroups(
        names,
        starts_list[ids],
        sizes_g[ids],
        ids,
        list(zip(starts_list.tolist(), stops.tolist())),
    )
