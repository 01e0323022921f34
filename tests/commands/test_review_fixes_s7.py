"""Fixes from a trial of every documented option of the postestimation commands."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run

FIT = "bayes, rseed(2) mcmcsize(300) burnin(100) nodots"


@pytest.fixture(scope="module")
def fitted() -> Session:
    s = Session()
    run(s, "use math")
    run(s, f"quietly {FIT}: mixed math homework i.schtype || schid:")
    return s


def test_bayesgraph_saving_into_a_missing_folder(fitted: Session, tmp_path) -> None:
    s = fitted
    graphs = dict(s.graphs)
    msg, rc = fails(s, f'bayesgraph trace {{math:homework}}, saving("{tmp_path}/no/x")')
    assert rc == 603 and "could not be opened" in msg
    assert s.graphs == graphs  # nothing drawn or kept


def test_marginal_likelihood_of_multilevel_models_needs_remargl() -> None:
    """[BAYES] bayes, remargl: multilevel models do not report log(ML) by default; the
    header, bayesstats ic and bayestest model agree."""
    s = Session()
    run(s, "use math")
    run(s, f"quietly {FIT}: mixed math homework || schid:")
    run(s, "estimates store a")
    out = run(s, "bayesstats ic a")
    assert np.isnan(s.r["ic"].values[0, 1])
    assert "log(ML) of multilevel model a is not computed" in out and "remargl" in out
    run(s, f"quietly {FIT} remargl: mixed math homework || schid:")
    run(s, "estimates store b")
    run(s, "bayesstats ic b")
    assert s.r["ic"].values[0, 1] == pytest.approx(s.e.scalars["lml"])
    out = run(s, "bayestest model a b")
    assert "Marginal likelihood of a is missing" in out


def test_harmonic_mean_marginal_likelihood() -> None:
    from scipy.special import logsumexp

    s = Session()
    run(s, "use math")
    # a single-level model reports log(ML) without remargl
    run(
        s,
        "quietly bayesmh math homework, likelihood(normal({var})) "
        "prior({math:}, normal(0,100)) prior({var}, igamma(1,2)) rseed(1) mcmcsize(500) nchains(2)",
    )
    ll = s.e.loglik
    per_chain = [-(logsumexp(-c) - np.log(c.size)) for c in ll]
    out = run(s, "bayesstats ic, marglmethod(hmean)")
    assert "harmonic mean" in out
    assert s.r["ic"].values[0, 2] == pytest.approx(np.mean(per_chain))
    run(s, "bayesstats ic, marglmethod(hmean) chains(2)")
    assert s.r["ic"].values[0, 1] == pytest.approx(per_chain[1])
    run(s, "estimates store h")
    run(s, "bayestest model h, marglmethod(hmean) chains(1)")
    assert s.r["test"].values[0, 0] == pytest.approx(per_chain[0])
    out = run(s, "bayestest model h, sepchains")
    assert "Chain 1" in out and "Chain 2" in out
    run(s, "bayestest model h")
    assert "Avg log(ML)" in s.r["test"].colnames[0]


def test_namelist_star() -> None:
    s = Session()
    run(s, "use math")
    run(
        s,
        "quietly bayesmh math homework, likelihood(normal({var})) "
        "prior({math:}, normal(0,100)) prior({var}, igamma(1,2)) rseed(1) mcmcsize(300)",
    )
    run(s, "estimates store m1")
    run(s, "estimates store m2")
    run(s, "bayesstats ic *")
    assert s.r["ic"].rownames == ["m1", "m2"]
    run(s, "bayestest model _all")
    assert s.r["test"].rownames == ["m1", "m2"]


def test_bayestest_interval_joint_groups_and_point_hypotheses(fitted: Session) -> None:
    """[BAYES] bayestest interval: ``((testspec) (testspec), joint)`` and ``exspec==#``."""
    s = fitted
    hw, s2 = s.e.chains_of("math:homework"), s.e.chains_of("e.math:sigma2")
    out = run(
        s,
        "bayestest interval ({math:homework}, lower(1)) "
        "(({math:homework}, lower(0) upper(3)) ({e.math:sigma2}, upper(60)), joint)",
    )
    assert "prob2 : 0 < {math:homework} < 3 & {e.math:sigma2} < 60" in out
    assert s.r["prob1"] == pytest.approx(np.mean(hw > 1))
    assert s.r["prob2"] == pytest.approx(np.mean((hw > 0) & (hw < 3) & (s2 < 60)))
    out = run(s, "bayestest interval ({math:homework}==2) ((2*{math:homework})==4)")
    assert "prob1 : {math:homework} == 2" in out and s.r["prob1"] == np.mean(hw == 2)
    assert s.r["summary"].values[1, 0] == np.mean(2 * hw == 4)
    # an expression that starts with a parameter is still an expression
    run(s, "bayestest interval ({math:homework}+1, lower(2)) ((pm: {math:homework}), upper(2))")
    assert s.r["prob1"] == pytest.approx(np.mean(hw + 1 > 2))
    assert s.r["prob2"] == pytest.approx(np.mean(hw < 2))  # r(prob#) by position
    assert fails(s, "bayestest interval ({math:homework}==2, lower(1))")[1] == 198
    assert (
        fails(s, "bayestest interval (({math:homework}) ({e.math:sigma2}, upper(6)), joint)")[1]
        == 198
    )
    assert fails(s, "bayestest interval {math:homework}==x")[1] == 198
