"""One registry of command handlers, keyed by the parser's canonical names.

A handler is ``(session, command) -> list[Output]``. ``byable`` says how the ``by`` prefix
applies ([D] by): ``"repeat"`` runs the command once per group with a header line per group
(``summarize``, ``count``, ``list`` ...); ``"data"`` runs it once with the groups visible to
``_n``, ``_N`` and group statistics (``generate``, ``replace``, ``egen`` ...); None refuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..report.output import Output
    from ..session import Session
    from ..syntax.ast import Command

__all__ = ["Handler", "HANDLERS", "command", "find"]

HandlerFunc = Callable[["Session", "Command"], "list[Output]"]


@dataclass(frozen=True)
class Handler:
    func: HandlerFunc
    byable: str | None = None
    #: commands that never change data or results (for cheaper bookkeeping)
    readonly: bool = False


HANDLERS: dict[tuple[str, str | None], Handler] = {}


def command(
    name: str, sub: str | None = None, *, byable: str | None = None, readonly: bool = False
) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register a handler for ``name`` (and subcommand ``sub``)."""

    def deco(f: HandlerFunc) -> HandlerFunc:
        HANDLERS[(name, sub)] = Handler(f, byable, readonly)
        return f

    return deco


#: which module registers each command (imported on first use, so that data commands never
#: load scipy or numba)
MODULES = {
    "use": "data",
    "sysuse": "data",
    "webuse": "data",
    "save": "data",
    "import": "delimited",
    "export": "delimited",
    "insheet": "delimited",
    "outsheet": "delimited",
    "clear": "data",
    "drop": "data",
    "keep": "data",
    "expand": "data",
    "sort": "data",
    "gsort": "data",
    "rename": "data",
    "set": "data",
    "preserve": "data",
    "restore": "data",
    "count": "data",
    "display": "data",
    "format": "data",
    "assert": "data",
    "version": "data",
    "timer": "timer",
    "tempvar": "temps",
    "tempname": "temps",
    "tempfile": "temps",
    "do": "data",
    "exit": "data",
    "error": "data",
    "program": "data",
    "run": "data",
    "help": "data",
    "search": "data",
    "describe": "describe",
    "label": "labels",
    "summarize": "summarize",
    "correlate": "correlate",
    "pwcorr": "correlate",
    "list": "listing",
    "tabulate": "tabulate",
    "tab1": "tabulate",
    "generate": "generate",
    "replace": "generate",
    "egen": "generate",
    "mixed": "mixed",
    "melogit": "me",
    "meprobit": "me",
    "mecloglog": "me",
    "mepoisson": "me",
    "menbreg": "me",
    "meglm": "me",
    "meologit": "me",
    "meoprobit": "me",
    "regress": "regress",
    "anova": "anova",
    "log": "logs",
    "hausman": "hausman",
    "pwcompare": "pwcompare",
    "contrast": "contrast",
    "ranksum": "ranksum",
    "signrank": "nonparametric",
    "signtest": "nonparametric",
    "kwallis": "nonparametric",
    "swilk": "normality",
    "sfrancia": "normality",
    "sktest": "normality",
    "prtest": "prtest",
    "cd": "logs",
    "pwd": "logs",
    "logit": "glm",
    "logistic": "glm",
    "probit": "glm",
    "cloglog": "glm",
    "poisson": "glm",
    "nbreg": "nbreg",
    "glm": "genlin",
    "estat": "estat",
    "return": "returns",
    "ereturn": "returns",
    "predict": "predict",
    "estimates": "estimates",
    "lrtest": "estimates",
    "test": "estimates",
    "testparm": "estimates",
    "lincom": "lincom",
    "nlcom": "nlcom",
    "menl": "menl",
    "ologit": "ordinal",
    "mlogit": "mlogit",
    "oprobit": "ordinal",
    "ttest": "ttest",
    "mean": "mean",
    "ci": "ci",
    "cii": "ci",
    "oneway": "oneway",
    "misstable": "misstable",
    "codebook": "codebook",
    "tabstat": "tabstat",
    "levelsof": "levelsof",
    "encode": "encode",
    "decode": "encode",
    "destring": "encode",
    "tostring": "encode",
    "reshape": "reshape",
    "input": "input",
    "append": "combine",
    "merge": "combine",
    "xtset": "xtset",
    "order": "order",
    "compress": "order",
    "recast": "order",
    "isid": "duplicates",
    "duplicates": "duplicates",
    "xtile": "xtile",
    "ds": "ds",
    "lookfor": "ds",
    "mvdecode": "mvencode",
    "mvencode": "mvencode",
    "tab2": "tabulate",
    "xtreg": "xtreg",
    "xtlogit": "xtbinary",
    "cs": "epitab",
    "csi": "epitab",
    "cc": "epitab",
    "cci": "epitab",
    "ir": "epitab",
    "iri": "epitab",
    "mcc": "epitab",
    "mcci": "epitab",
    "tabodds": "epitab",
    "xtprobit": "xtbinary",
    "xtcloglog": "xtbinary",
    "tsset": "xtset",
    "xtsum": "xtset",
    "clonevar": "encode",
    "recode": "recode",
    "collapse": "collapse",
    "contract": "contract",
    "fillin": "contract",
    "split": "split",
    "margins": "margins",
    "marginsplot": "marginsplot",
    "lroc": "lroc",
    "lsens": "lroc",
    "lowess": "lowess",
    "bayes": "bayes",
    "bayesmh": "bayes",
    "bayesstats": "bayesstats",
    "bayesgraph": "bayesgraph",
    "bayestest": "bayestest",
    "svmat": "matrices",
    "matrix": "matrices",
    "scalar": "scalars",
    "confirm": "confirm",
    "bayespredict": "bayespredict",
    "twoway": "graphs",
    "scatter": "graphs",
    "line": "graphs",
    "connected": "graphs",
    "histogram": "graphs",
    "kdensity": "graphs",
    "serrbar": "graphs",
    "qnorm": "graphs",
    "rvfplot": "graph_regress",
    "rvpplot": "graph_regress",
    "lvr2plot": "graph_regress",
    "avplot": "graph_regress",
    "avplots": "graph_regress",
    "dfbeta": "estat_regress",
    "tabi": "tabi",
    "median": "median",
    "robvar": "robvar",
    "spearman": "rankcorr",
    "ktau": "rankcorr",
    "ttesti": "ttest",
    "sdtest": "sdtest",
    "sdtesti": "sdtest",
    "bitest": "bitest",
    "bitesti": "bitest",
    "prtesti": "prtest",
    "ksmirnov": "ksmirnov",
    "pnorm": "graphs",
    "graph": "graphs",
    "lfit": "graphs",
    "qfit": "graphs",
    "lfitci": "graphs",
    "rcap": "graphs",
    "rspike": "graphs",
    "rarea": "graphs",
    "area": "graphs",
    "bar": "graphs",
}


def find(name: str, sub: str | None) -> Handler | None:
    """The handler of a command, importing its module if needed."""
    import importlib

    module = MODULES.get(name, "unavailable")
    importlib.import_module(f"{__package__}.{module}")
    if module != "unavailable" and (name, sub) not in HANDLERS and (name, None) not in HANDLERS:
        importlib.import_module(f"{__package__}.unavailable")
    return HANDLERS.get((name, sub)) or HANDLERS.get((name, None))
