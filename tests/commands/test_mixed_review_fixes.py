"""Regression tests for review findings on mixed: convergence, boundary e(b), interactions,
replay options, Identity titles, lrtest methods, and test with dependent constraints."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


def test_iterate_limit_reports_nonconvergence() -> None:
    s = Session()
    run(s, "use sleepstudy")
    out = run(s, "mixed Reaction Days || Subject:, iterate(1)")
    assert s.e.scalars["converged"] == 0
    assert "convergence not achieved" in out
    run(s, "quietly mixed Reaction Days || Subject:")
    assert s.e.scalars["converged"] == 1


def test_boundary_fit_keeps_finite_eb_and_counts_parameters() -> None:
    s = Session()
    run(s, "use dyestuff2")
    run(s, "quietly mixed Yield || Batch:")
    assert np.all(np.isfinite(s.e.b))
    assert s.e.scalars["rank"] == 3  # _cons, var(_cons) at zero, var(Residual): Stata's df
    out = run(s, "test _cons")
    chi2 = s.r["chi2"]
    assert np.isfinite(chi2) and "chi2(  1)" in out
    b, v = s.e.b[0], s.e.V[0, 0]
    assert chi2 == pytest.approx(b * b / v, rel=1e-12)


def test_lone_interaction_spans_the_full_factorial(math_session: Session) -> None:
    s = math_session
    run(s, "gen hw3 = min(homework, 2)")
    run(s, "quietly mixed math i.schtype#i.hw3 || schid:")
    ll_lone = s.e.scalars["ll"]
    run(s, "quietly mixed math i.schtype##i.hw3 || schid:")
    assert ll_lone == pytest.approx(s.e.scalars["ll"], abs=1e-6)
    # factor#continuous keeps a slope per level; with the main effect in, one becomes the base
    run(s, "quietly mixed math i.schtype#c.homework || schid:")
    ll_slopes, n_slopes = s.e.scalars["ll"], s.e.scalars["k_f"]
    run(s, "quietly mixed math homework i.schtype#c.homework || schid:")
    assert ll_slopes == pytest.approx(s.e.scalars["ll"], abs=1e-6)
    assert n_slopes == 3 and "0b.schtype#c.homework" in " ".join(s.e.bnames)


def test_replay_uses_only_the_options_given_now(math_session: Session) -> None:
    s = math_session
    run(s, "quietly mixed math homework || schid:, stddeviations")
    assert "var(_cons)" in run(s, "mixed, variance")
    assert "var(_cons)" in run(s, "mixed")
    assert "sd(_cons)" in run(s, "mixed, stddev")


def test_single_effect_levels_are_identity(math_session: Session) -> None:
    s = math_session
    out = run(s, "mixed math homework || schid:")
    assert "schid: Identity" in out
    assert s.e.macros["vartypes"] == "Identity"
    run(s, "quietly mixed math homework || schid: homework, cov(ind)")
    assert s.e.macros["vartypes"] == "Independent"


def test_lrtest_refuses_reml_against_ml(math_session: Session) -> None:
    s = math_session
    run(s, "quietly mixed math homework || schid:, reml")
    run(s, "estimates store r")
    run(s, "quietly mixed math homework || schid: homework")
    msg, rc = fails(s, "lrtest r")
    assert rc == 498 and "REML" in msg


@pytest.mark.parametrize(
    ("hyp", "dropped", "df"),
    [
        ("0b.schtype", [1], 0),
        ("homework = homework", [1], 0),
        ("(homework=1) (homework=2)", [2], 1),
        ("homework homework", [2], 1),
    ],
)
def test_test_drops_dependent_constraints(
    math_session: Session, hyp: str, dropped: list[int], df: int
) -> None:
    s = math_session
    run(s, "quietly mixed math homework i.schtype || schid:")
    out = run(s, f"test {hyp}")
    for k in dropped:
        assert f"Constraint {k} dropped" in out
    assert s.r["df"] == df
    if df == 0:
        assert np.isnan(s.r["chi2"])


def test_e_sample_follows_observations(math_session: Session) -> None:
    s = math_session
    run(s, "quietly mixed math homework if schtype==1 || schid:")
    run(s, "count if e(sample) & schtype==1")
    assert s.r["N"] == 317
    run(s, "sort math")
    run(s, "count if e(sample) & schtype==1")
    assert s.r["N"] == 317
    run(s, "count if e(sample) & schtype==0")
    assert s.r["N"] == 0
    run(s, "use sleepstudy, clear")
    run(s, "count if e(sample)")
    assert s.r["N"] == 0
