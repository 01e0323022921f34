"""Commands the language parses but this version cannot run yet.

They fail with an honest message (r(199)) instead of a wrong answer; each names the capability
it waits for.
"""

from __future__ import annotations

from ..errors import StataError
from ..syntax.ast import Command
from .registry import HANDLERS, command

#: command -> the capability it waits for
_PENDING: dict[str, str] = {
    "bayesreps": "replicated outcomes; bayespredict {_ysim}, saving() simulates them",
    "table": "Stata 17's tables; tabulate, tabstat and collapse give the numbers",
    "etable": "estimation tables; estimates table lays out stored results",
    "dtable": "descriptive tables; tabstat and summarize give the statistics",
    "collect": "the collection system behind table",
    # programming ([P]): do-files, loops, macros and tempvars run; programs do not yet
    "syntax": "ado programs' syntax parsing",
    "args": "ado programs' arguments",
    "tokenize": "ado programs' tokenizing; the macro extended functions word/piece run",
    "gettoken": "ado programs' tokenizing; the macro extended functions word/piece run",
    "unab": "ado programs' varlist expansion; ds and foreach of varlist run",
    "marksample": "ado programs' sample marking",
    "mata": "Mata; python: ... end blocks run Python",
    "file": "file I/O; display with log using writes text files",
    "include": "include; do runs a do-file",
    "frame": "data frames; preserve/restore and tempfile hold copies",
    "frames": "data frames; preserve/restore and tempfile hold copies",
    "putexcel": "Excel output; export delimited writes CSV",
    "putdocx": "Word output",
    # simulation and resampling
    "postfile": "postfile/post; collect results with replace ... in # into variables",
    "post": "postfile/post; collect results with replace ... in # into variables",
    "postclose": "postfile/post; collect results with replace ... in # into variables",
    "simulate": "the simulate prefix; a forvalues loop with replace ... in # collects results",
    "bootstrap": "the bootstrap prefix and vce(bootstrap)",
    "jackknife": "the jackknife prefix",
    "permute": "the permute prefix",
    "statsby": "the statsby prefix; by ...: and levelsof loops run",
    # epidemiology tables ([R] Epitab)
    "mhodds": "Epitab's Mantel-Haenszel odds ratios; cc case exposed, by() gives them",
    "symmetry": "symmetry tests",
    "dstdize": "direct standardization",
    "istdize": "indirect standardization",
    "nptrend": "the nonparametric trend test; ranksum and kwallis run",
    "roctab": "ROC tables; lroc after logit gives the area",
    "roccomp": "ROC comparisons; lroc after logit gives the area",
    "kap": "kappa statistics",
    "power": "power and sample size",
    "binreg": "binreg; glm ..., family(binomial) link(log|identity) fits the same models",
    # survival and other estimators
    "stset": "survival-time data and the st commands",
    "sts": "survival-time data and the st commands",
    "stcox": "survival-time data and the st commands",
    "streg": "survival-time data and the st commands",
    "stsum": "survival-time data and the st commands",
    "clogit": "conditional logistic regression",
    "xtpoisson": "xtpoisson; mepoisson fits the random-effects model",
    "xtnbreg": "xtnbreg; menbreg fits the random-effects model",
    "xtgee": "GEE; glm ..., vce(cluster) gives population-averaged fits with robust errors",
    "mprobit": "multinomial probit; mlogit runs",
    "slogit": "stereotype logit; mlogit and ologit run",
    "ivregress": "instrumental-variables regression",
    "qreg": "quantile regression",
    "tobit": "censored regression",
    "heckman": "selection models",
    "nl": "nonlinear least squares; menl fits nonlinear models",
    "sem": "structural equation models",
    "gsem": "generalized structural equation models",
}


def _make(name: str, what: str):
    def handler(s, cmd: Command) -> list:
        full = cmd.name + (f" {cmd.subcommand}" if cmd.subcommand else "")
        raise StataError(
            f"{full} is not available in this version of bayes_magic yet ({what})", 199
        )

    return handler


for _name, _what in _PENDING.items():
    if (_name, None) not in HANDLERS:
        command(_name, byable="repeat")(_make(_name, _what))
