"""What the two front ends (the ``%%bayes`` magics and the Stata kernel) share.

* one :class:`~bayes_magic.session.Session` per IPython shell, over the shell's namespace, so
  that ``use df`` finds a notebook DataFrame and the magics and the kernel see the same data and
  results;
* :func:`run`: execute commands and display every output as its own ``display_data``
  (``text/plain`` laid out like Stata, ``text/html``, ``image/png`` for graphs), errors as
  Stata's message and ``r(#);`` with no Python traceback unless asked for;
* a sampling progress display: an ipywidgets bar per chain, updated between chunks, replaced by
  a static line when sampling ends (so saved notebooks keep it), or plain text where there is no
  widget front end.
"""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Any

from .session import Result, Session

__all__ = ["get_session", "run", "WidgetProgress", "TextProgress"]

_SESSIONS: dict[int, Session] = {}


def get_session(shell: Any) -> Session:
    """The session bound to an IPython shell (created on first use)."""
    key = id(shell)
    s = _SESSIONS.get(key)
    if s is None:
        s = Session(namespace=shell.user_ns)
        _SESSIONS[key] = s
    return s


def _in_kernel(shell: Any) -> bool:
    return getattr(shell, "kernel", None) is not None


class TextProgress:
    """Progress as text on stdout (consoles, batch): one line per chain, rewritten in place."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stdout
        self.t0 = time.perf_counter()
        self.last = 0.0

    def __call__(self, chain: int, done: int, total: int) -> None:
        now = time.perf_counter()
        if done < total and now - self.last < 0.2:
            return
        self.last = now
        pct = 100 * done // max(total, 1)
        line = f"chain {chain + 1}: {done:,}/{total:,} iterations ({pct}%)"
        self.stream.write(line + ("\n" if done >= total else "\r"))
        self.stream.flush()


class _Live:
    """The bars' box as displayed: the widget view, with a plain-text form that says what it
    is (front ends without widgets, and nbconvert before the bars are replaced, show that
    text instead of ``VBox()``)."""

    def __init__(self, box: Any) -> None:
        self.box = box

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        data = self.box._repr_mimebundle_(**kwargs)
        if isinstance(data, dict):
            data = {**data, "text/plain": "Sampling ..."}
        return data


class WidgetProgress:
    """An ipywidgets bar per chain, replaced by a static summary line when sampling ends."""

    def __init__(self) -> None:
        import ipywidgets as w
        from IPython.display import display

        self.w = w
        self.box = w.VBox([])
        self.bars: dict[int, Any] = {}
        self.t0 = time.perf_counter()
        self.handle = display(_Live(self.box), display_id=True)
        self.total = 0

    def __call__(self, chain: int, done: int, total: int) -> None:
        bar = self.bars.get(chain)
        if bar is None:
            bar = self.w.IntProgress(
                min=0, max=total, description=f"chain {chain + 1}", bar_style="info"
            )
            self.bars[chain] = bar
            self.box.children = [self.bars[k] for k in sorted(self.bars)]
        bar.value = done
        self.total = total
        if done >= total:
            bar.bar_style = "success"

    def close(self) -> None:
        """Swap the live bars for a line that survives saving the notebook."""
        from IPython.display import HTML

        class _Line(HTML):
            def __repr__(self) -> str:
                return text

        secs = time.perf_counter() - self.t0
        n = len(self.bars)
        done = [bar.value for bar in self.bars.values()]
        chains = f"{n} chain{'s' if n != 1 else ''}"
        if n and all(d >= self.total for d in done):
            text = f"Sampling done: {chains} × {self.total:,} iterations in {secs:.1f} s"
        else:  # interrupted (or failed): say how far it got
            text = (
                f"Sampling stopped: {chains}, {sum(done):,} of {n * self.total:,} iterations "
                f"in {secs:.1f} s"
            )
        if self.handle is not None:
            self.handle.update(_Line(f"<span style='color:#555'>{text}</span>"))
        for bar in self.bars.values():  # no widget state left in the saved notebook
            bar.close()
        self.box.close()


def run(
    shell: Any,
    text: str,
    *,
    progress: bool = True,
    show_traceback: bool = False,
    display: bool = True,
    print_error: bool = True,
) -> Result:
    """Run Stata commands in the shell's session and display what they show (the error's
    message too, on stderr, unless ``print_error`` is False: the magics raise it instead)."""
    from IPython.display import display as ipy_display

    s = get_session(shell)
    bars: list[Any] = []

    def factory() -> Any:
        # quietly/capture show nothing, as Stata: no progress display to leave behind
        if not progress or s.quiet > 0:
            return None
        if _in_kernel(shell):
            try:
                bar = WidgetProgress()
            except Exception:  # no ipywidgets: fall back to text
                return TextProgress()
            bars.append(bar)
            return bar
        return TextProgress()

    last: list[Any] = [None]

    def show(out: Any) -> None:  # each output as soon as its command has made it
        if not getattr(out, "final", False):  # the run's own error goes to stderr below
            prev = last[0]
            # a table after a text that ends in its own blank line (an iteration log) takes
            # no second one, as Result.log() lays them out
            if prev is not None and getattr(out, "kind", None) == "result":
                with contextlib.suppress(Exception):  # one that cannot be laid out: default
                    out.lead = not prev.text().endswith("\n")
            ipy_display(out)
            last[0] = out

    s.progress_factory = factory
    s.sink = show if display else None
    try:
        res = s.execute(text)
    finally:
        s.progress_factory = None
        s.sink = None
        for b in bars:
            b.close()
    if display and res.error is not None and print_error:
        print(error_text(s, res, show_traceback), file=sys.stderr)
    return res


def error_text(s: Any, res: Result, show_traceback: bool) -> str:
    """Stata's message and r(#) of a failed run (the Python traceback first on request)."""
    msg = res.error.render() if res.error is not None else ""
    internal = res.error is not None and res.error.rc == 9999  # a bug, not the user's error
    if show_traceback and internal and s.last_traceback:
        msg = s.last_traceback + "\n" + msg
    return msg
