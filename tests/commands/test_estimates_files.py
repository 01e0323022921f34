"""``estimates save`` / ``estimates use`` / ``estimates describe using``: results written in one
session and read back in another give the same postestimation output."""

from __future__ import annotations

import os

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run

MIXED = "mixed math homework i.schtype || schid: homework, covariance(unstructured)"
BAYES = "bayes, rseed(317) mcmcsize(1000) burnin(500) nodots: mixed math homework || schid:"


@pytest.fixture
def here(tmp_path):
    old = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(old)


def test_mixed_results_reload_in_a_new_session(here) -> None:
    a = Session()
    run(a, "use math")
    run(a, f"quietly {MIXED}")
    shown = run(a, "estat sd")
    assert run(a, "estimates save mx") == "file mx.bmster saved"
    assert (here / "mx.bmster").exists()
    b = Session()
    run(b, "estimates use mx")
    np.testing.assert_array_equal(b.e.b, a.e.b)
    assert run(b, "estat sd") == shown
    run(b, "use math")
    assert run(b, "count if e(sample)").strip() == "0"  # as Stata: no e(sample) after use
    run(b, "predict u*, reffects")
    run(a, "predict u*, reffects")
    np.testing.assert_allclose(b.data.values("u1"), a.data.values("u1"))


def test_bayesian_results_reload_from_saving_and_from_estimates_save(here) -> None:
    a = Session()
    run(a, "use math")
    run(a, f"quietly {BAYES.replace('nodots', 'nodots saving(sim)')}")
    summary = run(a, "bayesstats summary")
    run(a, "estimates save bm")
    for name in ("sim", "bm"):  # bayes, saving(sim) writes sim.dta and sim.bmpost
        b = Session()
        run(b, f"estimates use {name}")
        assert run(b, "bayesstats summary") == summary
        assert "Bayesian multilevel regression" in run(b, "bayes")
        assert "DIC" in run(b, "bayesstats ic")
        run(b, "use math")
        assert "saved" in run(b, "bayespredict {_ysim}, saving(pr, replace)")


def test_append_number_and_describe(here) -> None:
    s = Session()
    run(s, "use math")
    run(s, f"quietly {MIXED}")
    run(s, "estimates save two")
    run(s, "quietly mixed math homework || schid:")
    assert "2 estimation results" in run(s, "estimates save two, append")
    text = run(s, "estimates describe using two")
    assert "Estimation results 1 saved on" in text and "Estimation results 2 saved on" in text
    assert text.count("command line:") == 2
    assert "|| schid:\n" in run(s, "estimates describe using two, number(2)") + "\n"
    run(s, "estimates use two, number(1)")
    assert "cov" in s.e.cmdline
    run(s, "estimates use two, number(2)")
    assert "cov" not in s.e.cmdline


def test_errors_leave_the_session_alone(here) -> None:
    s = Session()
    run(s, "use math")
    assert fails(s, "estimates save x") == ("last estimates not found", 301)
    run(s, f"quietly {MIXED}")
    run(s, "estimates store m")
    run(s, "estimates save x")
    assert fails(s, "estimates save x") == ("file x.bmster already exists", 602)
    run(s, "estimates save x, replace")
    before = s.e
    assert fails(s, "estimates use nosuch") == ("file nosuch.bmster not found", 601)
    (here / "junk.bmster").write_bytes(b"not a pickle")
    assert fails(s, "estimates use junk")[1] == 610
    assert fails(s, "estimates use x, number(2)")[1] == 198
    assert s.e is before and list(s.estimates) == ["m"]


def test_estimates_table_formats_keep_and_stats() -> None:
    s = Session()
    run(s, "use math")
    run(s, f"quietly {MIXED}")
    run(s, "estimates store a")
    out = run(s, "estimates table a, b(%9.3f) se stats(N ll) stfmt(%9.1f) keep(homework)")
    b = dict(zip(s.e.bnames, s.e.b))["math:homework"]
    se = float(np.sqrt(s.e.V[0, 0]))
    assert f"{b:.3f}" in out and f"{se:.3f}" in out  # se in b's format
    assert "_cons" not in out and f"{s.e.scalars['ll']:.1f}" in out
    assert "Legend: b/se" in out
    out = run(s, "estimates table a, keep(homework) t p")
    assert f"{b / se:.2f}" in out and "Legend: b/t/p" in out
    assert fails(s, "estimates table a, b(%9.3q)")[1] == 120
