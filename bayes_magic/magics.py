"""IPython magics: ``%load_ext bayes_magic``, then ``%%bayes`` cells and one line magic per
command family (``%bayes``, ``%bayesmh``, ``%mixed``, ``%bayesstats``, ``%bayestest``,
``%bayesgraph``, ``%bayespredict``).

Cell magic options: ``-d df`` runs the cell on the notebook DataFrame ``df`` (``use df, clear``
first; ``use df`` also works inside cells), ``-o name`` puts the results into the namespace as a
:class:`MagicResult` (``.e`` the estimation results, ``.draws`` a DataFrame of the draws,
``.idata`` an ArviZ InferenceData, ``.tables`` the tables as DataFrames). A line magic returns
the same object: ``res = %bayes, rseed(1): mixed ...``.

Settings are traitlets: ``%config BayesMagic.progress = False``, ``BayesMagic.show_traceback``,
``BayesMagic.figure_format`` and ``BayesMagic.figure_size``.
"""

from __future__ import annotations

import keyword
import re
import shlex
from typing import Any

from IPython.core.magic import (
    Magics,
    cell_magic,
    line_cell_magic,
    line_magic,
    magics_class,
    no_var_expand,
)
from traitlets import Bool, Tuple, Unicode

from . import frontend
from .session import Result

__all__ = ["BayesMagic", "MagicResult", "StataCellError", "load_ipython_extension"]


class StataCellError(Exception):
    """A Stata command failed in a magic: the cell fails (so "Run All" stops, as in the
    kernel) and IPython shows Stata's message and r(#), not a Python traceback."""

    def __init__(self, text: str, rc: int | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.rc = rc  #: Stata's return code, as ``_rc`` after ``capture``

    def _render_traceback_(self) -> list[str]:
        return self.text.splitlines()


class MagicResult(Result):
    """What a magic returns: the outputs shown, and the results behind them."""

    def __init__(self, res: Result, e: Any, r: dict[str, Any], session: Any = None) -> None:
        super().__init__()
        self.extend(res)
        self.error = res.error
        self.e = e
        self.r = dict(r)
        self._session = session
        self._fresh = True  # its outputs were displayed already by the magic

    @property
    def data(self):
        """The data in memory, as a new DataFrame (``generate``d and ``replace``d variables
        included); changing it leaves the session's data as they are."""
        return None if self._session is None else self._session.data.to_dataframe()

    @property
    def draws(self):
        """The MCMC draws as a DataFrame (one row per draw), when the results are Bayesian."""
        to_df = getattr(self.e, "to_dataframe", None)
        return to_df() if to_df is not None else None

    @property
    def idata(self):
        """The draws as an ArviZ ``InferenceData`` (needs arviz)."""
        conv = getattr(self.e, "to_inference_data", None)
        return conv() if conv is not None else None

    @property
    def tables(self) -> list:
        """Each table shown, as a DataFrame where it has one."""
        out = []
        for o in self:
            data = getattr(o, "data", None)
            if data is None:
                continue
            to_df = getattr(data, "to_dataframe", None)
            out.append(to_df() if to_df is not None else data)
        return out

    def _ipython_display_(self) -> None:
        if self._fresh:  # the magic has just shown these outputs
            self._fresh = False
            return
        from IPython.display import display

        for o in self:
            display(o)

    def __repr__(self) -> str:
        return self.text()


@magics_class
class BayesMagic(Magics):
    """Stata commands in IPython (see the module docstring)."""

    progress = Bool(True, help="Show a progress bar while sampling.").tag(config=True)
    show_traceback = Bool(
        False, help="Show the Python traceback of an internal error (for bug reports)."
    ).tag(config=True)
    figure_format = Unicode("png", help="Format of graphs shown inline (png).").tag(config=True)
    figure_size = Tuple((6.4, 4.48), help="Default graph size in inches.").tag(config=True)

    def _run(self, text: str) -> MagicResult:
        from .report import figure

        figure.SIZE = tuple(self.figure_size)  # type: ignore[assignment]
        res = frontend.run(
            self.shell,
            text,
            progress=self.progress,
            show_traceback=self.show_traceback,
            print_error=False,
        )
        s = frontend.get_session(self.shell)
        out = MagicResult(res, s.e, s.r, s)
        self._watch(out)
        return out

    def _watch(self, out: MagicResult) -> None:
        """The outputs were shown while the magic ran; the cell's own echo of its result must
        not show them twice, but a later ``res`` must: ``_fresh`` lasts until the cell ends."""
        import weakref

        fresh = self.__dict__.setdefault("_fresh_results", [])
        if not self.__dict__.get("_hooked"):

            def stale(*_args: Any) -> None:
                for ref in fresh:
                    r = ref()
                    if r is not None:
                        r._fresh = False
                fresh.clear()

            # before a cell too: a magic run outside any cell (run_line_magic from a script)
            # must not leave its result marked shown in the next cell
            self.shell.events.register("pre_run_cell", stale)
            self.shell.events.register("post_run_cell", stale)
            self.__dict__["_hooked"] = True
        fresh.append(weakref.ref(out))  # weak: a result dropped by the user is not kept alive

    def _raise_if_failed(self, out: MagicResult) -> None:
        if out.error is not None:
            s = frontend.get_session(self.shell)
            raise StataCellError(frontend.error_text(s, out, self.show_traceback), out.error.rc)

    @staticmethod
    def _options(line: str) -> tuple[dict[str, str], str]:
        """``-d df -o name`` at the start of a cell magic's line; a UsageError for a line
        shlex cannot split (an unclosed quote) or an ``-o`` that is no Python name."""
        from IPython.core.error import UsageError

        opts: dict[str, str] = {}
        try:
            words = shlex.split(line, posix=True) if line.strip() else []
        except ValueError as err:  # "No closing quotation", "No escaped character"
            raise UsageError(f"%%bayes: {err} in {line.strip()!r}") from None
        rest: list[str] = []
        i = 0
        while i < len(words):
            w = words[i]
            if w in ("-d", "-o") and i + 1 < len(words):
                opts[w[1]] = words[i + 1]
                i += 2
                continue
            rest.append(w)
            i += 1
        name = opts.get("o")
        if name is not None and (not name.isidentifier() or keyword.iskeyword(name)):
            raise UsageError(f"%%bayes: -o {name}: not a valid Python variable name")
        return opts, " ".join(rest)

    @no_var_expand
    @cell_magic
    def bayes(self, line: str, cell: str | None = None):
        """``%%bayes [-d df] [-o name]``: run a cell of Stata commands."""
        opts, rest = self._options(line)
        if rest:
            from IPython.core.error import UsageError

            raise UsageError(f"%%bayes: unknown arguments {rest!r}; options are -d df and -o name")
        text = cell or ""
        fitted = None
        if "d" in opts:
            text = f"use {opts['d']}, clear\n{text}"
            fitted = frontend.get_session(self.shell).e
        out = self._run(text)
        if (
            fitted is not None
            and out.error is not None
            and out.error.rc == 2000
            and frontend.get_session(self.shell).e is fitted
        ):
            # loading the data again dropped e(sample), as use, clear does in Stata
            print(
                f"(-d {opts['d']} loaded the data again, so the active estimation results no "
                "longer mark their sample; leave -d off cells that continue an analysis)"
            )
        if "o" in opts:
            self.shell.user_ns[opts["o"]] = out
        self._raise_if_failed(out)
        return None

    # line magics: one per command family; each prefixes its command name to the line
    def _line(self, name: str, line: str) -> MagicResult:
        out = self._run(f"{name} {line}".strip())
        self._raise_if_failed(out)
        return out

    @no_var_expand
    @line_magic("bayes")
    def bayes_line(self, line: str) -> MagicResult:
        """``%bayes, rseed(1): mixed ...`` (or ``%bayes`` alone to replay)."""
        return self._line("bayes", line)

    @no_var_expand
    @line_magic
    def bayesmh(self, line: str) -> MagicResult:
        """``%bayesmh y x U0[id], likelihood(...) prior(...)``."""
        return self._line("bayesmh", line)

    @no_var_expand
    @line_magic
    def mixed(self, line: str) -> MagicResult:
        """``%mixed y x || id:``."""
        return self._line("mixed", line)

    @no_var_expand
    @line_magic
    def melogit(self, line: str) -> MagicResult:
        """``%melogit y x || id:`` (also ``%meprobit``, ``%mecloglog``, ``%mepoisson``)."""
        return self._line("melogit", line)

    @no_var_expand
    @line_magic
    def meprobit(self, line: str) -> MagicResult:
        """``%meprobit y x || id:``."""
        return self._line("meprobit", line)

    @no_var_expand
    @line_magic
    def mecloglog(self, line: str) -> MagicResult:
        """``%mecloglog y x || id:``."""
        return self._line("mecloglog", line)

    @no_var_expand
    @line_magic
    def mepoisson(self, line: str) -> MagicResult:
        """``%mepoisson y x || id:, exposure(t)``."""
        return self._line("mepoisson", line)

    @no_var_expand
    @line_magic
    def nbreg(self, line: str) -> MagicResult:
        """``%nbreg y x, irr`` (negative binomial regression)."""
        return self._line("nbreg", line)

    @no_var_expand
    @line_magic
    def menbreg(self, line: str) -> MagicResult:
        """``%menbreg y x || id:, dispersion(mean)`` (overdispersed counts)."""
        return self._line("menbreg", line)

    @no_var_expand
    @line_magic
    def meglm(self, line: str) -> MagicResult:
        """``%meglm y x || id:, family(poisson) link(log)`` (the me* models by family and link)."""
        return self._line("meglm", line)

    @no_var_expand
    @line_magic
    def meologit(self, line: str) -> MagicResult:
        """``%meologit y x || id:`` (ordered outcomes; also ``%meoprobit``)."""
        return self._line("meologit", line)

    @no_var_expand
    @line_magic
    def meoprobit(self, line: str) -> MagicResult:
        """``%meoprobit y x || id:``."""
        return self._line("meoprobit", line)

    @no_var_expand
    @line_magic
    def logit(self, line: str) -> MagicResult:
        """``%logit y x`` (also ``%logistic``, ``%probit``, ``%cloglog``, ``%poisson``)."""
        return self._line("logit", line)

    @no_var_expand
    @line_magic
    def logistic(self, line: str) -> MagicResult:
        """``%logistic y x``: odds ratios."""
        return self._line("logistic", line)

    @no_var_expand
    @line_magic
    def probit(self, line: str) -> MagicResult:
        """``%probit y x``."""
        return self._line("probit", line)

    @no_var_expand
    @line_magic
    def cloglog(self, line: str) -> MagicResult:
        """``%cloglog y x``."""
        return self._line("cloglog", line)

    @no_var_expand
    @line_magic
    def poisson(self, line: str) -> MagicResult:
        """``%poisson y x, exposure(t)``."""
        return self._line("poisson", line)

    @no_var_expand
    @line_magic
    def bayesstats(self, line: str) -> MagicResult:
        """``%bayesstats summary|ess|grubin|ic|ppvalues ...``."""
        return self._line("bayesstats", line)

    @no_var_expand
    @line_magic
    def bayestest(self, line: str) -> MagicResult:
        """``%bayestest interval|model ...``."""
        return self._line("bayestest", line)

    @no_var_expand
    @line_magic
    def bayesgraph(self, line: str) -> MagicResult:
        """``%bayesgraph diagnostics {y:x}`` ..."""
        return self._line("bayesgraph", line)

    @no_var_expand
    @line_magic
    def bayespredict(self, line: str) -> MagicResult:
        """``%bayespredict {_ysim}, saving(file)`` ..."""
        return self._line("bayespredict", line)

    @no_var_expand
    @line_cell_magic
    def stata(self, line: str, cell: str | None = None) -> MagicResult | None:
        """``%stata <any command>``: one command of any kind; ``%%stata [-d df] [-o name]``: a
        cell of Stata commands, as ``%%bayes``."""
        if cell is not None:
            return self.bayes(line, cell)
        if re.match(r"\s*-[do]\s", line):
            from IPython.core.error import UsageError

            raise UsageError("%stata: -d and -o are options of the cell magic %%stata")
        out = self._run(line)
        self._raise_if_failed(out)
        return out


_COMMA = re.compile(
    r"^(\s*(?:[\w.]+\s*=\s*)?)%(bayes|bayesmh|bayesstats|bayestest|mixed|melogit|meprobit"
    r"|mecloglog|mepoisson|menbreg|meglm|meologit|meoprobit|logit|logistic|probit|cloglog|poisson"
    r"|nbreg|stata),"
)


def _comma_after_magic(lines: list[str]) -> list[str]:
    """Let ``%bayes, rseed(1): mixed ...`` (and ``res = %bayes, ...``) work: IPython would read
    ``bayes,`` as the magic's name, so a space goes before the comma (an input transformer, run
    before IPython's own)."""
    return [_COMMA.sub(r"\1%\2 ,", line) for line in lines]


def load_ipython_extension(ip: Any) -> None:
    """``%load_ext bayes_magic``."""
    if _comma_after_magic not in ip.input_transformers_cleanup:
        ip.input_transformers_cleanup.append(_comma_after_magic)
    magics = BayesMagic(shell=ip)
    ip.register_magics(magics)
    if magics not in ip.configurables:
        ip.configurables.append(magics)


def unload_ipython_extension(ip: Any) -> None:  # pragma: no cover - IPython's protocol
    pass
