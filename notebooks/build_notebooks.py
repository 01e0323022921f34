"""Write ``talk.ipynb`` (IPython kernel, ``%%bayes`` magics) and ``talk_kernel.ipynb`` (the
Stata kernel, plain commands) from one list of steps, with outputs cleared.

    python notebooks/build_notebooks.py

Each step is a markdown cell and the Stata commands that follow it. In ``talk.ipynb`` a step of
one command uses a line magic (``%mixed``, ``%bayesstats`` ... or ``%stata``), a step of several
commands a ``%%bayes`` cell; in ``talk_kernel.ipynb`` every step is the commands as they are.
Steps marked ``python`` appear only in ``talk.ipynb`` (the kernel notebook has its own
``python:`` block instead).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

MODEL = "mixed math homework i.schtype || schid: homework, covariance(unstructured)"

INTRO = """# Bayesian multilevel modeling — the Stata talk, replayed in Jupyter

This notebook replays, in order, the analysis of Stata's talk *Bayesian multilevel modeling*
(`mixed`, `bayes: mixed`, `bayesmh`) on the same data, with `bayes_magic`: Stata's commands run
on pandas, with a numba sampler, no Stata licence needed.

How does the number of hours spent on homework influence math scores? The data are 519 students
in 23 schools (the NELS-88 *imm23* sample). The talk's printed figures are quoted in each step
(they are collected in `tests/reference/math.md`), so you can compare them with what you see.

* The frequentist part (`mixed`, `estat sd`, BLUPs) reproduces the talk's numbers to the printed
  digits.
* The Bayesian part uses the talk's commands and `rseed(317)`, but our sampler is not Stata's:
  `bayes: mixed` here updates every block by **Gibbs sampling** (exact conditional draws), where
  Stata's default uses adaptive Metropolis-Hastings for the fixed effects. The posterior is the
  same, so means agree within Monte Carlo error, but our draws are far less autocorrelated
  (effective sample sizes near 10,000 instead of Stata's 16 for `homework`) and the digits
  differ."""

INTRO_MAGICS = """Load the extension once. Then a `%%bayes` cell runs Stata commands; one
command can also be a line magic (`%mixed`, `%bayes`, `%bayesmh`, `%bayesstats`, `%bayestest`,
`%bayesgraph`, `%bayespredict`, or `%stata` for any command). Results are shown as Stata prints
them and as HTML tables; graphs are shown inline. The whole notebook runs in well under a minute
on a laptop (the first sampling cell also compiles the sampler, a few seconds, unless numba's
cache is warm)."""

INTRO_KERNEL = """This notebook runs on the **Stata (bayes_magic)** kernel (install it with
`python -m bayes_magic.install --user`): every cell is Stata commands, exactly as in a do-file,
with `///` continuation lines and `//` comments. Results are shown as Stata prints them and as
HTML tables; graphs are shown inline. The whole notebook runs in well under a minute (the first
sampling cell also compiles the sampler, a few seconds, unless numba's cache is warm)."""

# (markdown, commands, where): where is "both", "magics" or "kernel"
STEPS: list[tuple[str, str, str]] = [
    (
        """## The data

`use math` loads the bundled copy of the talk's data set. `describe` and `label list` print
what the talk's first example slide shows: 519 observations, 4 variables, and `schtype` labelled
0 *Private*, 1 *Public*.""",
        "use math\ndescribe\nlabel list public",
        "both",
    ),
    (
        """Math score against homework, with a fitted line, in each of the 23 schools (the talk's
`twoway ..., by(schid)` slide): both the level and the slope vary from school to school, which
is what a random-intercept and random-slope model describes.""",
        "twoway (scatter math homework) (lfit math homework), by(schid)",
        "both",
    ),
    (
        """## A multilevel model by maximum likelihood: `mixed`

Random intercepts and random slopes on `homework` for each school, with an unstructured
covariance between them. The talk prints homework **1.982092** (Std. err. .895697),
Public −4.08201, _cons 49.06494, var(homework) 16.37279, var(_cons) 56.24904,
cov(homework,_cons) −25.99454 and var(Residual) 53.34282; the log likelihood at the optimum is
−1817.4205. The iteration log is our optimizer's, not Stata's; the estimates agree to the
printed digits. We store the fit as `freq` to compare its BLUPs with the Bayesian estimates at
the end (not `m0`: `bayesstats ic m*` below must match only the Bayesian models).""",
        f"{MODEL}\nestimates store freq",
        "both",
    ),
    (
        """`estat sd` reports the random-effects parameters as standard deviations and a
correlation. Talk: sd(homework) 4.04633, sd(_cons) 7.499936, corr(homework,_cons) −.8565706,
sd(Residual) 7.303617. The intervals are Stata's: built on the log scale for standard
deviations and the atanh scale for the correlation, then transformed back.""",
        "estat sd",
        "both",
    ),
    (
        """## Random effects after `mixed`: BLUPs

`mixed` integrates the random effects out; `predict, reffects` then *predicts* them (best
linear unbiased predictions, conditional on the estimated parameters), with their standard
errors. `u1`/`s1` are the slopes on homework, `u2`/`s2` the intercepts. We rank the schools by
their intercept and draw the talk's `serrbar` plot: each school's BLUP ± 1.96 standard
errors.""",
        "predict u*, reffects reses(s*)\n"
        "egen tagme = tag(schid)\n"
        "egen rank = rank(u2) if tagme\n"
        "list schid schtype u2 s2 rank if tagme & (rank <= 3 | rank >= 21), noobs\n"
        "serrbar u2 s2 rank if tagme, scale(1.96)",
        "both",
    ),
    (
        """## The same model, Bayesian: `bayes: mixed`

Prefix the `mixed` command with `bayes` and its options; `rseed(317)` and the default MCMC
sizes (burn-in 2,500, 10,000 draws) are the talk's. Before sampling, the output describes the
model:

* **Multilevel structure**: the school level `schid` has two random effects, `{U0}` (random
  intercepts) and `{U1}` (random coefficients on homework). In the Bayesian model they are
  parameters, estimated jointly with the others.
* **Model summary**: the likelihood (math is normal around the linear form `xb_math`, with
  variance `{e.math:sigma2}`) and the **default priors**: normal(0, 10000) for the regression
  coefficients, a bivariate normal for `{U0 U1}` with covariance `{U:Sigma,m}`, igamma(.01, .01)
  for the residual variance, and the hyperprior iwishart(2, 3, I(2)) on `{U:Sigma,m}` — the
  talk's *Default priors* slide.

Talk (Stata's sampler): homework mean 2.200887 (Std. dev. 1.0217, **MCSE .253736**),
Public −4.117564, _cons 48.81127, acceptance rate .7085, efficiency min .001621. Our Gibbs
sampler gives a homework mean near 2.0 with an MCSE below .01: the difference from the talk is
within Stata's own Monte Carlo error, and ours is close to the ML estimate 1.98, as it should be
with these nearly flat priors.""",
        f"bayes, rseed(317): {MODEL}",
        "both",
    ),
    (
        """Typing `bayes` alone replays the results with other display options: `melabel` labels
the covariance parameters as `mixed` does (`var(_cons)` ...), `hpd` gives highest posterior
density intervals instead of equal-tailed ones (the talk's second `bayes:` slide; add
`showreffects` to list each school's `{U0}` and `{U1}`).""",
        "bayes, melabel hpd",
        "both",
    ),
    (
        """## Diagnostics

`bayesgraph diagnostics` draws the trace, a histogram, the autocorrelation and the density (with
the first and second halves of the chain) of a parameter. The talk shows these for every
parameter (`_all`) and its `homework` trace wanders slowly: Stata's Metropolis-Hastings draws of
the fixed effects are strongly autocorrelated. Here the trace looks like white noise and the
autocorrelation drops to zero at once.""",
        "bayesgraph diagnostics {math:homework}",
        "both",
    ),
    (
        """`bayesstats ess`: effective sample sizes, correlation times and efficiencies
(ESS / MCMC sample size). Talk: homework ESS 16.21 (efficiency .0016), 1.schtype 136.94, _cons
29.57, Sigma 660–810, sigma2 4937. Gibbs sampling of the fixed effects as one block gives
efficiencies near 1 for them here.""",
        "bayesstats ess",
        "both",
    ),
    (
        """## Several chains and the Gelman-Rubin statistic

`nchains(3)` runs three chains from dispersed starting values, and `bayesparallel, nproc(3):`
runs them in parallel processes (as the talk's slide; on two cores the processes share them).
The talk uses burn-in 5,000 and 15,000 draws per chain; `bayes, melabel` replays the combined
results (45,000 draws) with the **maximum Gelman-Rubin Rc** in the header (talk: 1.022;
convergence rule Rc < 1.1).""",
        "bayesparallel, nproc(3): bayes, rseed(317) burnin(5000) mcmcsize(15000) nchains(3): ///\n"
        "    mixed math homework i.schtype || schid: homework, cov(un)\n"
        "bayes, melabel",
        "both",
    ),
    (
        """`bayesstats ess` over the three chains (talk: homework 150.60 of 45,000) and
`bayesstats grubin`, the Rc of every parameter (talk: homework 1.021691, the largest; the
others 1.0002–1.0066). Values this close to 1 say the chains agree.""",
        "bayesstats ess\nbayesstats grubin",
        "both",
    ),
    (
        """## Priors

The default priors can be changed in three ways (the talk's *Default priors* and *Available
priors* slides): `normalprior(sd)` for the regression coefficients, `igammaprior(shape scale)`
for variances, `iwishartprior(df [S])` for covariance matrices, or any parameter's prior with
`prior({param}, dist)`. `dryrun` shows the model summary without sampling: here
`normalprior(5)` turns normal(0,10000) into normal(0,25).""",
        f"bayes, dryrun normalprior(5): {MODEL}",
        "both",
    ),
    (
        """## Comparing priors with the DIC

The talk fits four variants: default priors (`m1`), `normalprior(5)` (`m2`),
`iwishartprior(10)` (`m3`) and a Jeffreys prior on the residual variance (`m4`), saving each
model's draws (`saving()`, needed by `bayesstats ic`) and storing the results. `quietly` keeps
the outputs short; `replace` lets the notebook be run again. Talk DIC: m1 3581.631,
m2 3582.73, m3 3584.731, m4 3582.641: the default priors give the lowest DIC, the more
informative Wishart prior of m3 the highest. Ours agree within a unit (the DIC is itself a
Monte Carlo estimate): m3 is again the worst, and m1 and m4 are practically tied.""",
        f"quietly bayes, rseed(317) saving(m1, replace): {MODEL}\n"
        "estimates store m1\n"
        f"quietly bayes, rseed(317) saving(m2, replace) normalprior(5): {MODEL}\n"
        "estimates store m2\n"
        f"quietly bayes, rseed(317) saving(m3, replace) iwishartprior(10): {MODEL}\n"
        "estimates store m3\n"
        f"quietly bayes, rseed(317) saving(m4, replace) prior({{e.math:sigma2}}, jeffreys): "
        f"{MODEL}\n"
        "estimates store m4\n"
        "bayesstats ic m*, diconly",
        "both",
    ),
    (
        """## Postestimation: functions of parameters and interval tests

Back to the default-prior model `m1`. `bayesstats summary` summarizes any expression of the
parameters over the draws, here the correlation between random intercepts and slopes (talk:
mean −.8470514, Std. dev. .0702993; compare the ML estimate −.8566). `bayestest interval`
gives the posterior probability that public schools score lower, P({math:1.schtype} < 0)
(talk: .9764).""",
        "estimates restore m1\n"
        "bayesstats summary (corr: {U:Sigma_2 1}/sqrt({U:Sigma_1 1}*{U:Sigma_2 2}))\n"
        "bayestest interval {math:1.schtype}, upper(0)",
        "both",
    ),
    (
        """## The same model with `bayesmh`

`bayes: mixed` is shorthand for a `bayesmh` model in which the random effects are written out:
`U0[schid]` (intercepts) and `U1[schid]#c.homework` (slopes), with every prior spelled out. The
talk's *Gibbs sampling* slide adds `block(..., gibbs)` options so that the fixed effects, the
random effects, the residual variance and the covariance matrix are each drawn from their
full conditional distributions. Talk ESS for this run: homework 205.55, 1.schtype 679.75,
_cons 369.80, Sigma 3350–4042, sigma2 7646.01 — much better than with the default sampler;
ours are higher still.""",
        "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, ///\n"
        "    likelihood(normal({e.math:sigma2}))                         ///\n"
        "    prior({math:}, normal(0,10000))                             ///\n"
        "    prior({e.math:sigma2}, igamma(0.01,0.01))                   ///\n"
        "    prior({U0 U1}, mvnormal(2,0,0,{Sigma,matrix}))              ///\n"
        "    prior({Sigma,m}, iwishart(2,3,I(2)))                        ///\n"
        "    block({math:}, gibbs)                                       ///\n"
        "    block({U0 U1} {e.math:sigma2} {Sigma,m}, split gibbs)       ///\n"
        "    rseed(317)",
        "both",
    ),
    (
        """Diagnostics and efficiencies of the `bayesmh` run (the talk's slides after *Gibbs
sampling*).""",
        "bayesgraph diagnostics {math:homework}\nbayesstats ess",
        "both",
    ),
    (
        """## Random effects, Bayesian

`bayesmh, showreffects` replays the results with the posterior summaries of every school's
`U0` and `U1`: they are parameters of the model, estimated jointly with the others, so their
standard deviations account for the uncertainty in the variance components.""",
        "bayesmh, showreffects",
        "both",
    ),
    (
        """## BLUPs against full Bayes

`bayesstats summary {U0}` summarizes the random intercepts (talk: school 6053 mean 2.425225,
6327 12.12415, 6467 −5.457836 ...); `svmat r(summary), names(u2b)` stores the summary matrix as
variables `u2b1` (the means), `u2b2` (the standard deviations) ..., and `twoway (kdensity ...)`
compares the density of the 23 posterior means with that of the 23 BLUPs `u2` (the talk's
*BLUP / Full Bayesian* slide): the two sets nearly coincide.""",
        "bayesstats summary {U0}\n"
        "svmat r(summary), names(u2b)\n"
        "twoway (kdensity u2 if tagme) (kdensity u2b1)",
        "both",
    ),
    (
        """The same comparison in one command: `bayesgraph reffects {U0}, blup(freq)` plots each
school's BLUP from the stored `mixed` results `freq` against its posterior mean, with the
credible and confidence intervals.""",
        "bayesgraph reffects {U0}, blup(freq)",
        "both",
    ),
    (
        """## Model checking: posterior predictive p-values

Save the draws of the `bayesmh` model, simulate replicated outcomes `{_ysim}` from the
posterior predictive distribution with `bayespredict`, and compare a test statistic of the
replicated data with the observed one: here the largest residual. A posterior predictive
p-value P(T ≥ T_obs) close to 0 or 1 would indicate lack of fit. Talk: mean 22.35586,
E(T_obs) 21.27055, P(T>=T_obs) .6135 — no sign of lack of fit. Ours: the same mean (22.38),
but E(T_obs) 20.65 and P about .70 (a known difference, explained in the README); the
conclusion is the same.""",
        "bayesmh, saving(bmh, replace)\n"
        "bayespredict {_ysim}, saving(prdata, replace)\n"
        "bayesstats ppvalues (@max({_resid})) using prdata",
        "both",
    ),
]

PYTHON_MAGICS = [
    new_markdown_cell(
        """## From Python

A line magic returns the results as an object: `.e` (the estimation results), `.draws` (the
MCMC draws as a pandas DataFrame, one row per draw), `.idata` (an ArviZ `InferenceData`, if
arviz is installed) and `.tables` (the tables shown, as DataFrames). A short run is enough
here. (Write a space after `%bayes`: IPython would read `%bayes,` as a magic named
`bayes,`.)"""
    ),
    new_code_cell(
        "res = %bayes , rseed(1) mcmcsize(2000) nodots: "
        "mixed math homework || schid: homework, cov(un)\n"
        "res.draws.head()"
    ),
    new_code_cell('res.draws[["math:homework", "math:_cons", "e.math:sigma2"]].describe()'),
    new_markdown_cell(
        """`%%bayes -d df` runs a cell on a pandas DataFrame of the notebook (it starts with
`use df, clear`), and `-o name` stores the results in a variable. Here a simulated data set:
30 groups of 12 observations, intercept 1, slope 2, group standard deviation 1.5, residual
standard deviation 1."""
    ),
    new_code_cell(
        "import numpy as np\n"
        "import pandas as pd\n"
        "\n"
        "rng = np.random.default_rng(2022)\n"
        "g = np.repeat(np.arange(1, 31), 12)\n"
        "x = rng.normal(size=g.size)\n"
        "u = rng.normal(scale=1.5, size=30)[g - 1]\n"
        'df = pd.DataFrame({"y": 1 + 2 * x + u + rng.normal(size=g.size), "x": x, "g": g})\n'
        "df.head()"
    ),
    new_code_cell(
        "%%bayes -d df -o fit\n"
        "summarize y x\n"
        "bayes, rseed(1) burnin(500) mcmcsize(2000): mixed y x || g:"
    ),
    new_code_cell(
        "# `fit` was made by `%%bayes -o fit` above\n"
        'fit.draws.filter(like="y:").mean()  # noqa: F821'
    ),
]

PYTHON_KERNEL = [
    new_markdown_cell(
        """## Python inside the kernel

A `python:` ... `end` block runs Python in the notebook's namespace, as in Stata 16+, and `use`
finds a pandas DataFrame there by name. Here a simulated data set: 30 groups of 12
observations, intercept 1, slope 2, group standard deviation 1.5, residual standard deviation
1. (In the IPython notebook `talk.ipynb` the magics also return the draws as a DataFrame.)"""
    ),
    new_code_cell(
        "python:\n"
        "import numpy as np\n"
        "import pandas as pd\n"
        "rng = np.random.default_rng(2022)\n"
        "g = np.repeat(np.arange(1, 31), 12)\n"
        "x = rng.normal(size=g.size)\n"
        "u = rng.normal(scale=1.5, size=30)[g - 1]\n"
        'df = pd.DataFrame({"y": 1 + 2 * x + u + rng.normal(size=g.size), "x": x, "g": g})\n'
        "end"
    ),
    new_code_cell(
        "use df, clear\nsummarize y x\nbayes, rseed(1) burnin(500) mcmcsize(2000): mixed y x || g:"
    ),
]

OUTRO = """## What the talk does next

The talk goes on to other covariance structures for the random effects
(`mvn0identity`, `mvn0independent`, `mvn0exchangeable`, `mvn0`), a t prior for the random
effects (`prior({U0 U1}, t(0,{Sigma},{df}), split)`), and three-level, nonlinear and
multivariate models on other data. The covariance structures and the t prior run here as on the
slides; for example, with a short chain:"""

OUTRO_CMD = (
    "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, ///\n"
    "    likelihood(normal({e.math:sigma2}))                         ///\n"
    "    prior({math:}, normal(0,10000))                             ///\n"
    "    prior({e.math:sigma2}, igamma(0.01,0.01))                   ///\n"
    "    prior({U0 U1}, mvn0exchangeable(2,{Sigma},{rho}))           ///\n"
    "    prior({Sigma}, igamma(0.01,0.01))                           ///\n"
    "    prior({rho}, uniform(-1,1))                                 ///\n"
    "    rseed(317) burnin(1000) mcmcsize(2000) nodots"
)

NONLINEAR = """## A nonlinear multilevel model

The talk's nonlinear model is a growth curve with random effects inside the
curve. Its frequentist fit, `menl`, runs here on R's Orange trees (bundled as `orange`; the
slide's own data are not among the bundled sets). Its Bayesian version is the slide's nonlinear
`bayesmh`: each tree's asymptote `{C[Tree]}` and midpoint `{B[Tree]}` with a bivariate normal
prior whose means `{c}`, `{b}` and covariance `{Sigma,m}` are estimated too."""

NONLINEAR_CMD = (
    "use orange, clear\n"
    "menl circumference = ({b1}+{U1[Tree]})/(1+exp(-(age-{b2})/{b3})), ///\n"
    "    initial(b1 190 b2 700 b3 350) nolog"
)

NONLINEAR_BAYES_CMD = (
    "bayesmh circumference = ({C[Tree]}/(1+exp(-(age-{B[Tree]})/{s}))), ///\n"
    "    likelihood(normal({e.circumference:sigma2}))                  ///\n"
    "    prior({C[Tree] B[Tree]}, mvnormal(2,{c},{b},{Sigma,m}))       ///\n"
    "    prior({c b}, normal(0,1e6)) prior({s}, normal(0,1e6))         ///\n"
    "    prior({e.circumference:sigma2}, igamma(0.01,0.01))            ///\n"
    "    prior({Sigma,m}, iwishart(2,3,I(2)))                          ///\n"
    "    initial({c} 200 {b} 700 {s} 350) rseed(17)\n"
    "bayesstats summary {Sigma,m} (corr: {Sigma_2_1}/sqrt({Sigma_1_1}*{Sigma_2_2}))"
)

MULTIVARIATE = """## A multivariate multilevel model

The talk's last slide models two outcomes at once, with a multivariate normal likelihood and
the random effects of both equations in one prior. On the talk's data: math scores and weekly
homework hours, with each school's effects on both correlated (`{Sigma,m}`) and the two
outcomes' residuals correlated too (`{Sigma0,m}`)."""

MULTIVARIATE_CMD = (
    "use math, clear\n"
    "bayesmh (math = ({U[schid]} + {b1}*schtype)) (homework = ({V[schid]})), ///\n"
    "    likelihood(mvnormal({Sigma0,m}))                                   ///\n"
    "    prior({U[schid] V[schid]}, mvnormal(2,{u},{v},{Sigma,m}))          ///\n"
    "    prior({u v b1}, normal(0,10000))                                   ///\n"
    "    prior({Sigma0,m}, iwishart(2,3,I(2)))                              ///\n"
    "    prior({Sigma,m}, iwishart(2,3,I(2))) rseed(1)\n"
    "bayesstats summary (corr: {Sigma_2_1}/sqrt({Sigma_1_1}*{Sigma_2_2}))"
)

LINE_MAGICS = {
    "mixed": "mixed",
    "bayes": "bayes",
    "bayesmh": "bayesmh",
    "bayesstats": "bayesstats",
    "bayestest": "bayestest",
    "bayesgraph": "bayesgraph",
    "bayespredict": "bayespredict",
}


def magic_source(cmds: str) -> str:
    """A line magic for one single-line command, else a ``%%bayes`` cell."""
    lines = cmds.splitlines()
    if len(lines) == 1:
        word = lines[0].split()[0]
        # IPython takes ``%bayes,`` for a magic named ``bayes,``: such lines go in a cell
        if word in LINE_MAGICS:
            return f"%{lines[0]}"
        if word.rstrip(",:") not in LINE_MAGICS:
            return f"%stata {lines[0]}"
    return "%%bayes\n" + cmds


def build(kind: str) -> nbformat.NotebookNode:
    cells = [new_markdown_cell(INTRO)]
    if kind == "magics":
        cells += [new_markdown_cell(INTRO_MAGICS), new_code_cell("%load_ext bayes_magic")]
    else:
        cells.append(new_markdown_cell(INTRO_KERNEL))
    for md, cmds, where in STEPS:
        if where not in ("both", kind):
            continue
        cells.append(new_markdown_cell(md))
        cells.append(new_code_cell(magic_source(cmds) if kind == "magics" else cmds))
    cells.append(new_markdown_cell(OUTRO))
    cells.append(new_code_cell(magic_source(OUTRO_CMD) if kind == "magics" else OUTRO_CMD))
    cells += PYTHON_MAGICS if kind == "magics" else PYTHON_KERNEL
    cells.append(new_markdown_cell(NONLINEAR))
    cells.append(new_code_cell(magic_source(NONLINEAR_CMD) if kind == "magics" else NONLINEAR_CMD))
    cells.append(
        new_code_cell(
            magic_source(NONLINEAR_BAYES_CMD) if kind == "magics" else NONLINEAR_BAYES_CMD
        )
    )
    cells.append(new_markdown_cell(MULTIVARIATE))
    cells.append(
        new_code_cell(magic_source(MULTIVARIATE_CMD) if kind == "magics" else MULTIVARIATE_CMD)
    )
    nb = new_notebook(cells=cells)
    if kind == "magics":
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        }
        nb.metadata["language_info"] = {"name": "python"}
    else:
        nb.metadata["kernelspec"] = {
            "name": "bayes_magic",
            "display_name": "Stata (bayes_magic)",
            "language": "stata",
        }
        nb.metadata["language_info"] = {"name": "stata"}
    for i, c in enumerate(nb.cells):  # stable ids: rebuilding gives the same files
        c["id"] = f"{kind[:1]}{i:03d}"
    return nb


def main() -> None:
    for kind, name in (("magics", "talk.ipynb"), ("kernel", "talk_kernel.ipynb")):
        nb = build(kind)
        nbformat.validate(nb)
        nbformat.write(nb, HERE / name)
        print(f"wrote {HERE / name} ({len(nb.cells)} cells)")


if __name__ == "__main__":
    main()
