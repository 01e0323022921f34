"""Every command line of the talk parses into the expected syntax tree (table-driven).

Each seed command is parsed, written back in canonical form (full option names, normalised
blanks) and compared with the expected text below, which was checked by hand against the
slides; parsing the expected text must give the same tree. A few trees are also spelled out
node by node.
"""

from __future__ import annotations

import pytest

from bayes_magic.syntax import parse, split_commands
from bayes_magic.syntax.unparse import unparse

from .seed_commands import SEED_COMMANDS

EXPECTED = [
    "use math",
    "describe",
    "label list public",
    "twoway (scatter math homework) (lfit math homework), by(schid)",
    "mixed math homework i.schtype || schid: homework, covariance(unstructured)",
    "estat sd",
    "predict u*, reffects reses(s*)",
    "egen tagme = tag(schid)",
    "egen rank = rank(u2) if tagme",
    "serrbar u2 s2 rank if tagme, scale(1.96)",
    "bayes, rseed(317) melabel: mixed math homework i.schtype || schid: homework, covariance(unstructured)",
    "bayes, melabel hpd showreffects",
    "bayesgraph diagnostics _all",
    "bayesstats ess",
    "search bayesparallel",
    "bayesparallel, nproc(3): bayes, rseed(317) burnin(5000) mcmcsize(15000) nchains(3): mixed math homework i.schtype || schid: homework, covariance(unstructured)",
    "bayes, melabel",
    "bayesstats grubin",
    "bayes",
    "bayes, rseed(317) saving(m1): mixed math homework i.schtype || schid: homework, covariance(unstructured)",
    "estimates store m1",
    "bayes, rseed(317) saving(m2) normalprior(5): mixed math homework i.schtype || schid: homework, covariance(unstructured)",
    "estimates store m2",
    "bayes, rseed(317) saving(m3) iwishartprior(10): mixed math homework i.schtype || schid: homework, covariance(unstructured)",
    "estimates store m3",
    "bayes, rseed(317) saving(m4) prior({e.math:sigma2}, jeffreys): mixed math homework i.schtype || schid: homework, covariance(unstructured)",
    "estimates store m4",
    "bayesstats ic m*, diconly",
    "estimates restore m1",
    "bayesstats summary (corr: {U:Sigma_2_1}/sqrt({U:Sigma_1_1}*{U:Sigma_2_2}))",
    "bayesstats summary (corr: {U:Sigma_2_1}/sqrt({U:Sigma_1_1}*{U:Sigma_2_2}))",
    "bayestest interval {math:1.schtype}, upper(0)",
    "bayes: mixed math homework i.schtype || schid: homework, covariance(unstructured)",
    "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, likelihood(normal({e.math:sigma2})) prior({math:}, normal(0,10000)) prior({e.math:sigma2}, igamma(0.01,0.01)) prior({U0 U1}, mvnormal(2,0,0,{Sigma,matrix})) prior({Sigma,matrix}, iwishart(2,3,I(2)))",
    "bayes: mixed math homework i.schtype || schid: homework, covariance(identity)",
    "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, likelihood(normal({e.math:sigma2})) prior({math:}, normal(0,10000)) prior({e.math:sigma2}, igamma(0.01,0.01)) prior({U0 U1}, mvn0identity(2,{Sigma})) prior({Sigma}, igamma(0.01,0.01))",
    "bayes: mixed math homework i.schtype || schid: homework",
    "bayes: mixed math homework i.schtype || schid: homework, covariance(exchangeable)",
    "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, likelihood(normal({e.math:sigma2})) prior({math:}, normal(0,10000)) prior({e.math:sigma2}, igamma(0.01,0.01)) prior({U0 U1}, mvn0exchangeable(2,{Sigma},{rho})) prior({Sigma}, igamma(0.01,0.01)) prior({rho}, uniform(-1,1))",
    "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, likelihood(normal({e.math:sigma2})) prior({math:}, normal(0,10000)) prior({e.math:sigma2}, igamma(0.01,0.01)) prior({U0 U1}, mvn0(2,{Sigma,matrix})) prior({Sigma,matrix}, iwishart(2,3,I(2)))",
    "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, likelihood(normal({e.math:sigma2})) prior({math:}, normal(0,10000)) prior({e.math:sigma2}, igamma(0.01,0.01)) prior({U0 U1}, t(0,{Sigma},{df}), split) prior({Sigma}, igamma(0.01,0.01)) prior({df}, uniform(1,500))",
    "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, likelihood(normal({e.math:sigma2})) prior({math:}, normal(0,10000)) prior({e.math:sigma2}, igamma(0.01,0.01)) prior({U0 U1}, mvnormal(2,0,0,{Sigma,matrix})) prior({Sigma,matrix}, iwishart(2,3,I(2))) block({math:}, gibbs) block({U0 U1} {e.math:sigma2} {Sigma,matrix}, split gibbs) rseed(317)",
    "bayesgraph diagnostics {math:homework}",
    "bayesmh, showreffects",
    "bayesstats summary {U0}",
    "svmat r(summary), names(u2b)",
    "twoway (kdensity u2 if tagme) (kdensity u2b1)",
    "bayesmh, saving(bmh)",
    "bayespredict {_ysim}, saving(prdata)",
    "bayesstats ppvalues (@max({_resid})) using prdata",
    "bayes: melogit taskdone i.difficulty || subject:",
    "bayesmh taskdone i.difficulty U0[subject], likelihood(logistic) prior({taskdone:}, normal(0,10000)) prior({U0}, normal(0,{Sigma})) prior({Sigma}, igamma(0.01,0.01))",
    "bayes: melogit taskdone i.difficulty || family: || subject:",
    "bayesmh taskdone i.difficulty U0[family] UU0[family>subject], likelihood(logistic) prior({taskdone:}, normal(0,10000)) prior({U0}, normal(0,{U_Sigma})) prior({U_Sigma}, igamma(0.01,0.01)) prior({UU0}, normal(0,{R_Sigma})) prior({R_Sigma}, igamma(0.01,0.01))",
    "menl weight = ({C[id]}/(1 + {d}*{C[id]}*exp(-{B[id]}*time)))",
    "bayesmh weight = ({C[id]}/(1 + {d}*{C[id]}*exp(-{B[id]}*time))), likelihood(normal({e.weight:sigma2})) prior({C B}, mvnormal(2,{c},{b},{Sigma,matrix})) prior({c b}, normal(0,100)) prior({e.weight:sigma2}, igamma(0.01,0.01)) prior({Sigma,matrix}, iwishart(2,3,I(2)))",
    "bayesmh (wing = ({U[id]} + time*{V[id]})) (weight = ({C[id]}/(1 + {d}*{C[id]}*exp(-{B[id]}*time)))), likelihood(mvnormal({e.sigma,matrix})) prior({U V C B}, mvnormal(4,{u},{v},{c},{b},{Sigma,matrix})) prior({u v c b}, normal(0,100)) prior({e.sigma,matrix}, iwishart(2,3,I(2))) prior({Sigma,matrix}, iwishart(4,5,I(4))) prior({d}, exponential(1))",
]


def test_every_seed_command_is_listed():
    assert len(EXPECTED) == len(SEED_COMMANDS)


@pytest.mark.parametrize(
    ("text", "slide", "expected"), [(t, s, e) for (t, s), e in zip(SEED_COMMANDS, EXPECTED)]
)
def test_seed_command_parses(text: str, slide: str, expected: str) -> None:
    sources = split_commands(text)
    assert len(sources) == 1
    cmd = parse(sources[0].text)
    assert unparse(cmd) == expected
    assert parse(expected) == cmd


# -- trees spelled out ---------------------------------------------------------------------------

from bayes_magic.syntax.ast import (  # noqa: E402
    Binary,
    Call,
    FactorVar,
    Interaction,
    LevelEq,
    MultilevelModel,
    Num,
    Option,
    ParamItem,
    ParamRef,
    Prefix,
    REVar,
    VarName,
)


def test_mixed_tree() -> None:
    cmd = parse("mixed math homework i.schtype || schid: homework, cov(un) reml")
    assert cmd.name == "mixed"
    assert cmd.body == MultilevelModel(
        depvar=VarName("math"),
        fixed=(VarName("homework"), FactorVar("i", "schtype")),
        fixed_options=(),
        levels=(LevelEq("schid", (VarName("homework"),), (Option("covariance", "unstructured"),)),),
    )
    assert cmd.options == (Option("reml", True),)


def test_bayes_prefix_tree() -> None:
    cmd = parse("bayes, rseed(317) melabel: mixed math homework || schid:")
    assert cmd.prefixes == (
        Prefix("bayes", options=(Option("rseed", 317), Option("melabel", True))),
    )
    assert cmd.name == "mixed"


def test_bayesmh_terms_and_prior_tree() -> None:
    cmd = parse(
        "bayesmh math homework U0[schid] U1[schid]#c.homework, "
        "prior({U0 U1}, mvnormal(2,0,0,{Sigma,matrix}))"
    )
    eq = cmd.body.equations[0]
    assert eq.depvars == (VarName("math"),)
    assert eq.terms == (
        VarName("homework"),
        REVar("U0", ("schid",)),
        Interaction((REVar("U1", ("schid",)), FactorVar("c", "homework"))),
    )
    prior = cmd.option("prior")
    assert prior.params == (ParamRef((ParamItem(None, "U0"), ParamItem(None, "U1"))),)
    assert prior.dist == Call(
        "mvnormal",
        (Num(2), Num(0), Num(0), ParamRef((ParamItem(None, "Sigma"),), matrix=True)),
    )


def test_expression_tree_of_corr() -> None:
    cmd = parse("bayesstats summary (corr:{U:Sigma_2_1}/sqrt({U:Sigma_1_1}*{U:Sigma_2_2}))")
    item = cmd.body.items[0]
    assert item.label == "corr"
    s21 = ParamRef((ParamItem("U", "Sigma_2_1"),))
    s11 = ParamRef((ParamItem("U", "Sigma_1_1"),))
    s22 = ParamRef((ParamItem("U", "Sigma_2_2"),))
    assert item.expr == Binary("/", s21, Call("sqrt", (Binary("*", s11, s22),)))


def test_three_level_reffects_path() -> None:
    cmd = parse("bayesmh y x UU0[family>subject], likelihood(logistic)")
    assert cmd.body.equations[0].terms[-1] == REVar("UU0", ("family", "subject"))
