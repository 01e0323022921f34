"""A Jupyter kernel whose cells are Stata commands: ``python -m bayes_magic.kernel -f {conn}``.

The kernel is IPython's kernel with another ``do_execute``: every cell is run by the same
:class:`~bayes_magic.session.Session` as the ``%%bayes`` magics (:func:`frontend.get_session` on
the kernel's shell), so ``use df`` finds a DataFrame of the notebook namespace. Inside a cell:

* lines starting with ``%`` go to IPython (``%who``, ``%timeit ...``); a cell whose first line
  starts with ``%%`` is a cell magic and goes to IPython whole;
* ``python:`` (or ``python``) on a line of its own starts Python code ended by a line ``end``,
  as in Stata 16+; ``python: <statement>`` runs one statement. The code runs in the notebook's
  namespace, so it can make and read DataFrames;
* everything else is Stata, run in order; the first error stops the cell.

A Stata error is Stata's message and ``r(#);`` on stderr, and an ``error`` execute reply with
``ename`` ``"StataError"``, ``evalue`` ``"<message> r(<rc>);"`` and the rendered message as the
traceback. A Python traceback of an internal error is shown only with ``BAYES_MAGIC_TRACEBACK=1``
or ``get_ipython().kernel.show_traceback = True``. The session rolls a failed command back, so
the data and results are as they were before it.

Completion knows command and subcommand names, the options of the command on the line, the
variables in memory, ``{eq:param}`` names of the current Bayesian results and stored estimates
names; inspection (Shift-Tab) shows the command's syntax and options.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import textwrap
from typing import Any

from ipykernel.ipkernel import IPythonKernel
from traitlets import Bool, List, default

from . import __version__, frontend

__all__ = ["BayesKernel", "split_cell", "is_incomplete"]

_PY_BLOCK = re.compile(r"^\s*python\s*:?\s*$")
_PY_LINE = re.compile(r"^\s*python\s*:\s*(\S.*)$")
_END = re.compile(r"^\s*end\s*$")

# prefix commands: (full name, minimal abbreviation, takes a colon)
_PREFIXES = (
    ("capture", 3, False),
    ("quietly", 3, False),
    ("noisily", 1, False),
    ("bayes", 5, True),
    ("bysort", 4, True),
    ("by", 2, True),
)

_DESCRIPTIONS = {
    "use": "load a dataset (a DataFrame of the notebook, a bundled set or a file)",
    "sysuse": "load a bundled example dataset",
    "webuse": "load a bundled example dataset",
    "save": "save the data in memory",
    "import": "import delimited: read a text file of delimited values",
    "export": "export delimited: write the data as delimited text",
    "insheet": "read a text file of delimited values",
    "outsheet": "write the data as delimited text",
    "regress": "linear regression",
    "local": "define a local macro (`name' in later commands)",
    "global": "define a global macro ($name in later commands)",
    "macro": "macro list, macro drop",
    "foreach": "loop over a list, a macro, variables or numbers",
    "forvalues": "loop over a range of numbers",
    "scalar": "define, list or drop scalars (named numbers or strings)",
    "while": "repeat a block while a condition holds",
    "confirm": "confirm that a variable, number, file, matrix or scalar exists",
    "clear": "clear the data in memory",
    "count": "count observations",
    "levelsof": "the distinct values of a variable, optionally into a local macro",
    "encode": "string variable to numeric codes with a value label",
    "decode": "labelled numeric variable to strings",
    "destring": "strings that hold numbers to numeric variables",
    "tostring": "numeric variables to strings, only where the strings read back exactly",
    "reshape": "wide data to long (one observation per i and j) and back",
    "input": "type data in, one observation a line, ending with end",
    "append": "add the observations of other data sets",
    "merge": "add the variables of another data set, matched on key variables",
    "xtset": "declare the panel and time variables (for L., F., D. and the xt commands)",
    "tsset": "declare the time (and panel) variable (for L., F., D.)",
    "xtsum": "overall, between and within summary statistics of panel data",
    "order": "move variables to the front, the end, or next to another",
    "compress": "store each variable in the smallest type that holds it",
    "recast": "change a variable's storage type",
    "isid": "check that variables identify the observations",
    "duplicates": "report, tag or drop duplicate observations",
    "xtile": "quantile groups of a variable",
    "ds": "list variables, selected by type or label",
    "lookfor": "find variables by name or label",
    "mvdecode": "turn codes such as -99 into missing values",
    "mvencode": "turn missing values into a code",
    "tab2": "two-way tables of every pair of variables",
    "xtreg": "fixed- and random-effects linear panel regression",
    "clonevar": "copy a variable with its labels and format",
    "recode": "change values of numeric variables by rules",
    "collapse": "replace the data by summary statistics by group",
    "qnorm": "quantiles of a variable against the normal's (Q-Q plot)",
    "pnorm": "standardized normal probability (P-P) plot",
    "describe": "describe the data in memory",
    "summarize": "summary statistics",
    "list": "list values of variables",
    "tabulate": "one- and two-way tables of frequencies",
    "tab1": "a one-way table of frequencies for each variable",
    "generate": "create a new variable",
    "replace": "change the contents of a variable",
    "egen": "extensions to generate",
    "mixed": "multilevel mixed-effects linear regression",
    "melogit": "multilevel mixed-effects logistic regression",
    "meprobit": "multilevel mixed-effects probit regression",
    "mecloglog": "multilevel mixed-effects complementary log-log regression",
    "mepoisson": "multilevel mixed-effects Poisson regression",
    "menbreg": "multilevel mixed-effects negative binomial regression",
    "meglm": "multilevel mixed-effects generalized linear model (family() and link())",
    "meologit": "multilevel mixed-effects ordered logistic regression",
    "meoprobit": "multilevel mixed-effects ordered probit regression",
    "logit": "logistic regression, reporting coefficients",
    "logistic": "logistic regression, reporting odds ratios",
    "probit": "probit regression",
    "cloglog": "complementary log-log regression",
    "poisson": "Poisson regression",
    "nbreg": "negative binomial regression",
    "glm": "generalized linear models (family() and link(), ML or IRLS)",
    "bayes": "Bayesian regression models using the bayes prefix",
    "bayesmh": "Bayesian models using Metropolis-Hastings",
    "bayesstats": "Bayesian statistics after bayes / bayesmh",
    "bayesgraph": "graphical summaries and convergence diagnostics of the MCMC",
    "bayestest": "Bayesian hypothesis testing",
    "bayespredict": "Bayesian predictions",
    "estimates": "save and manipulate estimation results",
    "lrtest": "likelihood-ratio test after estimation",
    "predict": "predictions after estimation",
    "estat": "postestimation statistics",
    "mean": "means with standard errors and confidence intervals (estimation command)",
    "ci": "confidence intervals for means, proportions and variances",
    "cii": "confidence intervals from summary numbers (immediate ci)",
    "oneway": "one-way analysis of variance",
    "anova": "analysis of variance and covariance (partial or sequential sums of squares)",
    "log": "log using file, log close: record the session in a text or SMCL file",
    "hausman": "Hausman specification test of two stored results (xtreg fe vs re)",
    "pwcompare": "pairwise comparisons of margins (mcompare(bonferroni|sidak|scheffe|tukey))",
    "contrast": "contrasts of margins (r. ar. a. g. h. j.) and their joint test",
    "ranksum": "Wilcoxon rank-sum (Mann-Whitney) test, with its exact p-value",
    "signrank": "Wilcoxon matched-pairs signed-rank test, with its exact p-value",
    "signtest": "sign test of matched pairs (binomial)",
    "kwallis": "Kruskal-Wallis equality-of-populations rank test",
    "swilk": "Shapiro-Wilk W test for normal data",
    "sfrancia": "Shapiro-Francia W' test for normal data",
    "sktest": "skewness and kurtosis tests for normality",
    "dfbeta": "DFBETA influence statistics after regress",
    "tabi": "immediate two-way table of typed counts (chi2, exact, ...)",
    "median": "nonparametric k-sample test of equal medians",
    "exit": "end the cell or do-file here (exit #: with return code #)",
    "robvar": "Levene and Brown-Forsythe tests of equal variances",
    "spearman": "Spearman's rank correlations",
    "ktau": "Kendall's rank correlations (tau-a, tau-b, score)",
    "ttesti": "t tests from summary statistics (immediate ttest)",
    "sdtest": "tests of standard deviations (variance ratio, one-sample chi2)",
    "sdtesti": "sdtest from summary statistics",
    "bitest": "exact binomial test of a 0/1 variable",
    "bitesti": "exact binomial test from counts",
    "prtesti": "tests of proportions from counts (immediate prtest)",
    "ksmirnov": "Kolmogorov-Smirnov tests of equality of distributions",
    "prtest": "one- and two-sample tests of proportions",
    "cd": "change the working directory",
    "pwd": "show the working directory",
    "misstable": "tables of missing values",
    "codebook": "describe the data's contents: types, ranges, tabulations, percentiles",
    "timer": "time sections of a do-file",
    "rvfplot": "residuals against fitted values after regress",
    "rvpplot": "residuals against a predictor after regress",
    "lvr2plot": "leverage against normalized squared residuals after regress",
    "avplot": "added-variable plot after regress",
}


# ---------------------------------------------------------------------------------------------
# cells: Stata, % lines, python blocks


def _scan(text: str) -> tuple[int, bool]:
    """Depth of unclosed ``/* */`` comments at the end of ``text``, and whether the last line
    continues (``///``)."""
    depth = 0
    last_continues = False
    for line in text.split("\n"):
        i, n = 0, len(line)
        in_str = False
        last_continues = False
        stripped = line.lstrip()
        if depth == 0 and stripped.startswith("*"):
            continue
        while i < n:
            two = line[i : i + 2]
            if depth > 0:
                if two == "/*":
                    depth += 1
                    i += 2
                elif two == "*/":
                    depth -= 1
                    i += 2
                else:
                    i += 1
                continue
            c = line[i]
            if in_str:
                if c == '"':
                    in_str = False
                i += 1
            elif c == '"':
                in_str = True
                i += 1
            elif two == "/*":
                depth += 1
                i += 2
            elif two == "//" and (i == 0 or line[i - 1].isspace()):
                if line[i : i + 3] == "///":
                    last_continues = True
                break
            else:
                i += 1
    return depth, last_continues


def is_incomplete(text: str) -> bool:
    """Whether Stata text needs more lines: it ends with ``///``, leaves a ``/*`` open, or
    leaves a ``foreach``/``forvalues``/``while``/``if`` block's ``{`` without its ``}``."""
    from .commands.loops import open_blocks

    depth, cont = _scan(text)
    blocks = open_blocks(text.split("\n"))
    return depth > 0 or cont or blocks > 0 or text.rstrip().endswith("///")


def split_cell(code: str) -> list[tuple[str, str]]:
    """The parts of a cell, in order: ``("stata" | "ipython" | "python", text)``.

    Adjacent Stata lines form one part; each ``%`` line is a part; a ``python:`` ... ``end``
    block (without those two lines) is a part. An unclosed block runs to the end of the cell.
    """
    if code.lstrip().startswith("%%"):
        return [("ipython", code)]
    parts: list[tuple[str, str]] = []
    stata: list[str] = []

    def flush() -> None:
        if stata:
            text = "\n".join(stata)
            if text.strip():
                parts.append(("stata", text))
            stata.clear()

    lines = code.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if stata and is_incomplete("\n".join(stata)):
            stata.append(line)  # a continued command or an open comment
        elif line.lstrip().startswith("%"):
            flush()
            parts.append(("ipython", line.strip()))
        elif _PY_BLOCK.match(line):
            flush()
            body: list[str] = []
            i += 1
            while i < len(lines) and not _END.match(lines[i]):
                body.append(lines[i])
                i += 1
            parts.append(("python", textwrap.dedent("\n".join(body))))
        elif (m := _PY_LINE.match(line)) is not None:
            flush()
            parts.append(("python", m.group(1)))
        else:
            stata.append(line)
        i += 1
    flush()
    return parts


def _part_at(code: str, pos: int) -> str:
    """The kind of part the cursor is in (``"stata"``, ``"ipython"`` or ``"python"``)."""
    before = code[:pos]
    if before.lstrip().startswith("%%"):
        return "ipython"
    lines = before.split("\n")
    in_py = False
    for k, line in enumerate(lines):
        last = k == len(lines) - 1
        if in_py:
            if _END.match(line) and not last:
                in_py = False
        elif _PY_BLOCK.match(line) and not last:
            in_py = True
    if in_py:
        return "python"
    cur = lines[-1]
    if cur.lstrip().startswith("%"):
        return "ipython"
    if _PY_LINE.match(cur):
        return "python"
    return "stata"


# ---------------------------------------------------------------------------------------------
# the command on a line


def _logical_line(code: str, pos: int) -> tuple[str, int]:
    """The Stata command (joined over ``///`` continuations) up to the cursor, and where it
    starts in ``code``."""
    start = code.rfind("\n", 0, pos) + 1
    while start > 0:
        prev_start = code.rfind("\n", 0, start - 1) + 1
        prev = code[prev_start : start - 1]
        if prev.rstrip().endswith("///"):
            start = prev_start
        else:
            break
    return code[start:pos], start


def _top_level(text: str, chars: str) -> list[int]:
    """Positions of ``chars`` outside parentheses, braces, brackets and quotes."""
    out = []
    depth = 0
    in_str = False
    for i, c in enumerate(text):
        if in_str:
            in_str = c != '"'
        elif c == '"':
            in_str = True
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and c in chars:
            out.append(i)
    return out


def _strip_prefixes(line: str) -> tuple[str, str | None]:
    """The command after prefixes (``capture``, ``quietly``, ``by ...:``, ``bayes, ...:``), or
    the text of the prefix itself when the cursor is still inside one (then the second item
    names the prefix)."""
    while True:
        m = re.match(r"\s*([A-Za-z_]\w*)", line)
        if not m:
            return line, None
        word = m.group(1)
        hit = None
        for name, n, colon in _PREFIXES:
            if len(word) >= n and name.startswith(word):
                hit = (name, colon)
                break
        if hit is None:
            return line, None
        name, colon = hit
        rest = line[m.end() :]
        if not colon:
            if not rest or not rest[0].isspace():
                return line, None  # still typing the word
            line = rest
            continue
        colons = _top_level(rest, ":")
        if not colons:
            return line, name
        line = rest[colons[0] + 1 :]


class _Context:
    """What the cursor is on: the command's grammar, the section (command word, subcommand,
    body, options) and the command text after prefixes."""

    def __init__(self, line: str) -> None:
        from .syntax.grammar import lookup

        self.prefix: str | None = None
        self.grammar = None
        self.sub = None
        self.cmd = ""
        self.subword = ""
        text, prefix = _strip_prefixes(line)
        self.text = text
        self.prefix = prefix
        if prefix == "bayes":
            self.grammar = lookup("bayes")
            self.cmd = "bayes"
            self.section = "options" if _top_level(text, ",") else "body"
            return
        if prefix is not None:
            self.section = "body"
            return
        words = re.findall(r"\S+", text)
        trailing_space = bool(text) and text[-1].isspace()
        if not words or (len(words) == 1 and not trailing_space):
            self.section = "command"
            return
        self.cmd = words[0]
        self.grammar = lookup(words[0])
        g = self.grammar
        if g is not None and g.subcommands:
            if len(words) == 1 or (len(words) == 2 and not trailing_space):
                self.section = "subcommand"
                return
            self.subword = words[1]
            self.sub = g.sub(words[1])
        commas = _top_level(text, ",")
        self.section = "options" if commas else "body"
        self.after_comma = text[commas[-1] + 1 :] if commas else ""
        bars = _top_level(text, "|")
        self.in_re = bool(bars) and (not commas or commas[-1] > bars[-1]) and "||" in text

    @property
    def name(self) -> str:
        g = self.grammar
        if g is None:
            return self.cmd
        return f"{g.name} {self.sub.name}" if self.sub is not None else g.name

    def option_specs(self) -> list[Any]:
        from .syntax import tables as T
        from .syntax.options import OptionTable

        g = self.sub if self.sub is not None else self.grammar
        if g is None:
            return []
        specs: list[Any] = []
        if g.name == "mixed" or (g.name.startswith("me") and g.name != "menl"):
            re_tbl = T.MIXED_RE if g.name == "mixed" else T.ME_RE
            if getattr(self, "in_re", False):
                specs += list(re_tbl.specs)
            else:
                specs += list(T.MIXED_FE.specs)
        tbl = g.options
        if not isinstance(tbl, OptionTable):
            try:  # options that depend on the body (tabulate, egen): try with no body
                tbl = g.options(None)
            except Exception:
                tbl = None
        if isinstance(tbl, OptionTable):
            specs += list(tbl.specs)
        return specs


def _inside_parens(text: str) -> bool:
    """Whether the end of ``text`` is inside parentheses (an option's argument)."""
    return not _top_level(text + "\x00", "\x00")


def _command_names() -> list[str]:
    from .commands.registry import MODULES
    from .syntax.grammar import COMMANDS

    names = set(MODULES) | {c.name for c in COMMANDS}
    names |= {"capture", "quietly", "noisily", "by", "bysort", "python"}
    return sorted(names)


# ---------------------------------------------------------------------------------------------
# the kernel


class BayesKernel(IPythonKernel):
    """IPython's kernel running Stata syntax through the bayes_magic session."""

    implementation = "bayes_magic"
    implementation_version = __version__
    language = "stata"
    language_version = "17"
    language_info = {
        "name": "stata",
        "pygments_lexer": "stata",
        "codemirror_mode": "stata",
        "mimetype": "text/x-stata",
        "file_extension": ".do",
        "version": "17",
    }
    help_links = List(
        [
            {"text": "Stata Bayesian manual", "url": "https://www.stata.com/manuals/bayes.pdf"},
            {"text": "Stata multilevel manual", "url": "https://www.stata.com/manuals/me.pdf"},
        ]
    ).tag(config=True)

    show_traceback = Bool(
        help="Show the Python traceback of internal errors (also BAYES_MAGIC_TRACEBACK=1)."
    ).tag(config=True)

    @default("show_traceback")
    def _show_traceback_default(self) -> bool:
        return os.environ.get("BAYES_MAGIC_TRACEBACK", "") not in ("", "0")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._load_magics()

    @property
    def banner(self) -> str:  # type: ignore[override]
        return (
            f"bayes_magic {__version__}: Stata's mixed, bayes: and bayesmh in Jupyter\n"
            "Cells are Stata commands; % lines go to IPython; python: ... end runs Python.\n"
            "Try:  use math  /  mixed math homework || schid:  /  bayes: mixed ...\n"
        )

    def _load_magics(self) -> None:
        """Make the ``%%bayes`` magics available in ``%`` lines, when they exist."""
        try:
            if importlib.util.find_spec("bayes_magic.magics") is None:
                return
            self.shell.extension_manager.load_extension("bayes_magic")
        except Exception as exc:  # never fail the kernel over the magics
            self.log.warning("bayes_magic magics not loaded: %s", exc)

    @property
    def stata_session(self):
        """The Stata session (shared with the magics)."""
        return frontend.get_session(self.shell)

    # -- execution -------------------------------------------------------------------------------
    async def do_execute(
        self,
        code,
        silent,
        store_history=True,
        user_expressions=None,
        allow_stdin=False,
        *,
        cell_meta=None,
        cell_id=None,
    ):
        parts = split_cell(code)
        if len(parts) == 1 and parts[0][0] == "ipython":
            # a magic line or a cell magic: IPython does everything (history, count, errors)
            return await super().do_execute(
                parts[0][1],
                silent,
                store_history,
                user_expressions,
                allow_stdin,
                cell_meta=cell_meta,
                cell_id=cell_id,
            )
        shell = self.shell
        if silent:
            store_history = False
        reply: dict[str, Any] = {"status": "ok"}
        self._forward_input(allow_stdin)
        try:
            for kind, text in parts:
                if kind == "stata":
                    err = self._run_stata(text, silent)
                else:
                    err = await self._run_ipython(text, silent)
                if err is not None:
                    reply = err
                    break
        finally:
            self._restore_input()
        if store_history and code.strip():
            try:
                shell.history_manager.store_inputs(shell.execution_count, code, code)
            except Exception as exc:
                self.log.warning("history not stored: %s", exc)
            shell.execution_count += 1
        reply["execution_count"] = shell.execution_count - 1
        if reply["status"] == "ok":
            reply["user_expressions"] = shell.user_expressions(user_expressions or {})
        else:
            reply["user_expressions"] = {}
            reply["engine_info"] = {
                "engine_uuid": self.ident,
                "engine_id": self.int_id,
                "method": "execute",
            }
        reply["payload"] = shell.payload_manager.read_payload()
        shell.payload_manager.clear_payload()
        return reply

    def _run_stata(self, text: str, silent: bool) -> dict[str, Any] | None:
        """Run Stata commands; the error reply when one fails."""
        res = frontend.run(
            self.shell,
            text,
            progress=not silent,
            show_traceback=self.show_traceback,
            display=not silent,
        )
        err = res.error
        if err is None:
            return None
        tb = [err.render()]
        last = frontend.get_session(self.shell).last_traceback
        if self.show_traceback and last and err.rc == 9999:
            tb = [last, *tb]
        return {
            "status": "error",
            "ename": "StataError",
            "evalue": f"{err.message} r({err.rc});",
            "traceback": tb,
        }

    async def _run_ipython(self, text: str, silent: bool) -> dict[str, Any] | None:
        """Run Python or a magic line in the shell; the error reply when it fails."""
        shell = self.shell
        if not text.strip():
            return None
        preprocessing_exc = None
        try:
            transformed = shell.transform_cell(text)
        except Exception:
            transformed = text
            preprocessing_exc = sys.exc_info()
        res = None
        try:
            res = await shell.run_cell_async(
                text,
                store_history=False,
                silent=silent,
                transformed_cell=transformed,
                preprocessing_exc_tuple=preprocessing_exc,
            )
        finally:
            shell.events.trigger("post_execute")
            if not silent and res is not None:
                shell.events.trigger("post_run_cell", res)
        if res.success:
            return None
        err = res.error_before_exec if res.error_before_exec is not None else res.error_in_exec
        return {
            "status": "error",
            "ename": type(err).__name__,
            "evalue": str(err),
            "traceback": shell._last_traceback or [],
        }

    # -- completion ------------------------------------------------------------------------------
    def do_complete(self, code, cursor_pos):
        if cursor_pos is None:
            cursor_pos = len(code)
        if _part_at(code, cursor_pos) != "stata":
            return super().do_complete(code, cursor_pos)
        try:
            matches, start = self._stata_matches(code, cursor_pos)
        except Exception as exc:  # completion must never break the kernel
            self.log.warning("completion failed: %s", exc)
            matches, start = [], cursor_pos
        return {
            "status": "ok",
            "matches": matches,
            "cursor_start": start,
            "cursor_end": cursor_pos,
            "metadata": {},
        }

    def _stata_matches(self, code: str, pos: int) -> tuple[list[str], int]:
        line, _ = _logical_line(code, pos)
        s = frontend.get_session(self.shell)

        # {param} names
        m = re.search(r"\{[^{}\s]*$", line)
        if m is not None:
            typed = m.group(0)[1:]
            names: list[str] = []
            if _is_posterior(s.e):
                # parameters, then random effects: {U0} and each {U0[6053]}
                re_names = list(getattr(s.e, "re_names", None) or [])
                stubs = list(dict.fromkeys(r.split("[")[0] for r in re_names))
                names = [*(getattr(s.e, "names", None) or []), *stubs, *re_names]
            return [f"{{{n}}}" for n in names if n.startswith(typed)], pos - len(m.group(0))

        m = re.search(r"[A-Za-z_][\w]*$", line)
        word = m.group(0) if m else ""
        start = pos - len(word)
        ctx = _Context(line)

        if ctx.section == "command":
            # command names first; then variables (a line started with a variable name is
            # most likely a continued varlist or a typo, and the list helps either way)
            cmds = [n for n in _command_names() if n.startswith(word)]
            return _unique(cmds + _varnames(s, word)) if word else cmds, start
        if ctx.section == "subcommand":
            g = ctx.grammar
            return [sg.name for sg in g.subcommands if sg.name.startswith(word)], start
        if ctx.section == "options":
            after = ctx.after_comma if ctx.prefix is None else line.rsplit(",", 1)[-1]
            if _inside_parens(after):
                # inside an option's parentheses: variables
                return _varnames(s, word), start
            out: list[str] = []
            for spec in ctx.option_specs():
                if not spec.name.startswith(word):
                    continue
                flag = type(spec.arg).__name__ == "Flag"
                cand = spec.name if flag else spec.name + "("
                if cand not in out:
                    out.append(cand)
            return out, start
        # body
        name = ctx.name
        if name in ("estimates restore", "estimates replay", "estimates drop", "estimates table",
                    "estimates describe", "estimates stats", "lrtest", "bayesstats ic",
                    "bayestest model"):  # fmt: skip
            return [n for n in s.estimates if n.startswith(word)], start
        if ctx.grammar is not None and ctx.grammar.name in ("use",) and ctx.prefix is None:
            return _unique(_dataset_names(self.shell, word) + _varnames(s, word)), start
        return _varnames(s, word), start

    # -- inspection ------------------------------------------------------------------------------
    def do_inspect(self, code, cursor_pos, detail_level=0, omit_sections=()):
        if cursor_pos is None:
            cursor_pos = len(code)
        if _part_at(code, cursor_pos) != "stata":
            return super().do_inspect(code, cursor_pos, detail_level, omit_sections)
        text = ""
        try:
            text = self._help_for(code, cursor_pos)
        except Exception as exc:
            self.log.warning("inspection failed: %s", exc)
        data = {"text/plain": text} if text else {}
        return {"status": "ok", "found": bool(text), "data": data, "metadata": {}}

    def _help_for(self, code: str, pos: int) -> str:
        from .commands.help import help_text
        from .syntax.grammar import lookup

        # the whole word under the cursor, and the line up to its end
        m = re.match(r"\w*", code[pos:])
        end = pos + (m.group(0).__len__() if m else 0)
        line, _ = _logical_line(code, end)
        ctx = _Context(line + " ")
        if ctx.prefix == "bayes" or (ctx.section == "command" and not ctx.cmd):
            words = re.findall(r"\S+", ctx.text)
            if ctx.prefix == "bayes":
                words = ["bayes"]
        else:
            words = [w for w in (ctx.cmd, ctx.subword) if w]
        if not words:
            return ""
        g = lookup(words[0])
        if g is None:
            from .commands.registry import MODULES

            if words[0] in MODULES:
                return f"{words[0]}: {_DESCRIPTIONS.get(words[0], 'a Stata command')}"
            return ""
        body = help_text(" ".join(words[:2]) if g.subcommands else g.name)
        desc = _DESCRIPTIONS.get(g.name)
        return f"{g.name} — {desc}\n\n{body}" if desc else body

    def do_is_complete(self, code):
        if _part_at(code, len(code)) == "python" and not code.rstrip().endswith("end"):
            lines = code.split("\n")
            opened = any(_PY_BLOCK.match(x) for x in lines)
            if opened:
                return {"status": "incomplete", "indent": ""}
        if code.lstrip().startswith("%"):
            return super().do_is_complete(code)
        if is_incomplete(code):
            return {"status": "incomplete", "indent": ""}
        return {"status": "complete"}


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _is_posterior(e: Any) -> bool:
    return e is not None and type(e).__name__ == "Posterior"


def _varnames(s: Any, word: str) -> list[str]:
    try:
        names = list(s.data.varnames)
    except Exception:
        return []
    return [n for n in names if n.startswith(word)]


def _dataset_names(shell: Any, word: str) -> list[str]:
    out: list[str] = []
    try:
        import pandas as pd

        out += [
            k
            for k, v in shell.user_ns.items()
            if isinstance(v, pd.DataFrame) and not k.startswith("_") and k.startswith(word)
        ]
    except Exception:
        pass
    try:
        from .dataset.io import bundled_names

        out += [n for n in bundled_names() if n.startswith(word) and n not in out]
    except Exception:
        pass
    return sorted(out)


if __name__ == "__main__":
    from ipykernel.kernelapp import IPKernelApp

    # the class of the importable module (not of __main__), so that pickles and
    # isinstance checks see one BayesKernel
    from bayes_magic.kernel import BayesKernel as _Kernel

    IPKernelApp.launch_instance(kernel_class=_Kernel)
