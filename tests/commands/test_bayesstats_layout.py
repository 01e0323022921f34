"""``bayesstats summary``, ``ess`` and ``grubin`` without parameters lay out the model as the
estimation table does (factor headings and base levels; ``melabel``'s labels after
``bayes, melabel``, as the talk's grubin shows), and return matrices named by parameter."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.diagnostics.mcmc import ess_stata, gelman_rubin
from bayes_magic.report.format import fmt_g
from bayes_magic.session import Session
from tests.conftest import run

TALK = "mixed math homework i.schtype || schid: homework, covariance(unstructured)"


@pytest.fixture(scope="module")
def s() -> Session:
    s = Session()
    run(s, "use math")
    run(s, f"quietly bayes, rseed(5) mcmcsize(400) burnin(100) nchains(2) nodots: {TALK}")
    return s


def _stub_rows(text: str) -> list[str]:
    return [line.split("|")[0].strip() for line in text.splitlines() if "|" in line]


def test_ess_and_grubin_lay_out_the_model_as_the_talk_shows(s: Session) -> None:
    # the talk's three-chain ess: "Number of chains", schtype with 0 (base) and 1, U:Sigma rows
    text = run(s, "bayesstats ess")
    assert "Number of chains =          2" in text and "MCMC sample size =        800" in text
    rows = _stub_rows(text)
    i = rows.index("schtype")
    assert rows[i + 1 : i + 3] == ["0", "1"]
    assert "           0 |  (base)" in text
    assert "U:Sigma_1_1" in rows and "var(_cons)" not in rows
    M = s.r["ess"]
    assert M.rownames[:3] == ["math:homework", "math:1.schtype", "math:_cons"]
    for name, row in zip(M.rownames, M.values):
        np.testing.assert_allclose(row, ess_stata(s.e.chains_of(name)))
    # the talk's grubin: mixed's names for the random-effects parameters, Rc in %9.0g
    text = run(s, "bayesstats grubin")
    rows = _stub_rows(text)
    i = rows.index("schid")
    assert rows[i + 1 : i + 4] == ["var(homework)", "var(_cons)", "cov(homework,_cons)"]
    assert "var(Residual)" in rows
    M = s.r["Rc"]
    assert M.colnames[3:6] == ["U:Sigma_2_2", "U:Sigma_1_1", "U:Sigma_2_1"]
    for name, rc in zip(M.colnames, M.values[0]):
        assert rc == pytest.approx(gelman_rubin(s.e.chains_of(name)))
        assert f" {fmt_g(rc, 9)}\n" in text + "\n"  # %9.0g: 1.021691, .9990371


def test_bayesmh_keeps_value_labels_and_names() -> None:
    from tests.commands.test_bayes_commands import BAYESMH

    m = Session()
    run(m, "use math")
    run(m, f"quietly {BAYESMH.replace('rseed(317)', 'rseed(3) mcmcsize(300) burnin(100)')}")
    rows = _stub_rows(run(m, "bayesstats ess"))
    i = rows.index("schtype")
    assert rows[i + 1 : i + 3] == ["Private", "Public"]


def test_summary_default_matches_named_parameters(s: Session) -> None:
    run(s, "quietly bayes")
    run(s, "quietly bayesstats summary")
    full = s.r["summary"]
    run(s, "quietly bayesstats summary {math:homework}")
    np.testing.assert_allclose(full.values[0], s.r["summary"].values[0])
    run(s, "quietly bayesstats summary, chains(1) skip(1)")
    one = s.r["summary"]
    h = s.e.chains_of("math:homework")[0, ::2]
    assert one.values[0, 0] == pytest.approx(h.mean())


def test_ess_sepchains(s: Session) -> None:
    text = run(s, "bayesstats ess, sepchains")
    assert text.count("Efficiency summaries") == 2 and "Chain 1" in text and "Chain 2" in text
    # the last table is chain 2's, and r(ess) with it
    M = s.r["ess"]
    np.testing.assert_allclose(M.values[0], ess_stata(s.e.chains_of("math:homework")[1:2]))
    text = run(s, "bayesstats ess {math:_cons}, sepchains chains(2)")
    assert "Chain 2" in text and "Chain 1" not in text
    np.testing.assert_allclose(s.r["ess"].values[0], ess_stata(s.e.chains_of("math:_cons")[1:2]))


def test_all_means_the_model_parameters(s: Session) -> None:
    assert run(s, "bayesstats summary _all") == run(s, "bayesstats summary")
    assert "U0[schid]" not in run(s, "bayesstats ess _all")


def test_several_chain_header(s: Session) -> None:
    lines = run(s, "bayes").splitlines()
    nc = next(x for x in lines if "Number of chains" in x)
    it = next(x for x in lines if "Iterations" in x)
    assert nc.index("=") == it.index("=") and it[49:53] == "    "
    rc = next(x for x in lines if "Max Gelman–Rubin Rc" in x)
    assert rc.startswith("Avg log marginal-likelihood")
