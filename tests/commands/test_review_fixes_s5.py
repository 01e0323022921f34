"""Fixes from the review of this session's work: stored options, duplicate chains, prediction
files with missing outcomes, damaged files, symmetric matrices, graph use, e(cmdline)."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.commands.bayespredict import load_predictions, numbers
from bayes_magic.session import Session
from tests.conftest import fails, run

FIT = "bayes, rseed(2) mcmcsize(300) burnin(100) nodots"


@pytest.fixture
def s() -> Session:
    s = Session()
    run(s, "use math")
    return s


def test_e_matrices_follow_the_prefix_reporting_options(s: Session) -> None:
    run(s, f"quietly {FIT} clevel(90) hpd: mixed math homework || schid:")
    run(s, "quietly bayesstats summary {math:homework}, clevel(90) hpd")
    lo, hi = s.r["summary"].values[0, 4:6]
    run(s, "matrix C = e(cri)")
    assert tuple(s.matrices["C"].values[:, 0]) == pytest.approx((lo, hi))


def test_duplicate_chains_count_once(s: Session) -> None:
    run(s, f"quietly {FIT} nchains(2): mixed math homework || schid:")
    run(s, "quietly bayesstats ess {math:homework}, chains(1 1)")
    twice = s.r["ess"].values[0]
    run(s, "quietly bayesstats ess {math:homework}, chains(1)")
    np.testing.assert_allclose(twice, s.r["ess"].values[0])
    assert numbers("3/1", "x") == [3, 2, 1] and numbers("1(2)7", "x") == [1, 3, 5, 7]
    assert fails(s, "bayesstats ess, chains(a)")[1] == 121


def test_ppvalues_leaves_out_missing_outcomes(s: Session, tmp_path) -> None:
    run(s, f"quietly {FIT}: mixed math homework || schid:")
    run(s, "replace math = . in 1/5")
    f = tmp_path / "p"
    run(s, f'bayespredict {{_ysim}}, saving("{f}") rseed(1)')
    assert load_predictions(str(f)).mu.shape[2] == 519  # predicted, as Stata, for all rows
    out = run(s, f'bayesstats ppvalues (m: @mean({{_ysim}})) using "{f}"')
    assert "5 observations with a missing outcome left out" in out
    E, P = s.r["summary"].values[0, 2:]
    assert np.isfinite(E) and 0 < P < 1


def test_summary_using_honours_chains_and_skip(s: Session, tmp_path) -> None:
    run(s, f"quietly {FIT} nchains(2): mixed math homework || schid:")
    f = tmp_path / "p"
    run(s, f'bayespredict {{_ysim}}, saving("{f}") rseed(1)')
    pred = load_predictions(str(f))
    run(s, f'quietly bayesstats summary {{_ysim[2]}} using "{f}", chains(1) skip(2)')
    assert s.r["summary"].values[0, 0] == pytest.approx(pred.ysim[0, ::3, 1].mean())
    out = run(s, f'bayesstats summary {{_ysim[3/1]}} using "{f}", sepchains')
    assert out.count("_ysim1_3") == 2 and "Chain 2" in out


def test_damaged_files_are_stata_errors(s: Session, tmp_path) -> None:
    (tmp_path / "junk.bmpred").write_bytes(b"\x80\x04junk")
    (tmp_path / "junk.bmster").write_bytes(b"\x80\x04junk")
    assert fails(s, f'bayesstats summary {{_ysim}} using "{tmp_path / "junk"}"')[1] == 610
    assert fails(s, f'estimates use "{tmp_path / "junk"}"')[1] == 610


def test_symmetric_only_when_exactly_symmetric(s: Session) -> None:
    from bayes_magic.matrix import Matrix

    s.matrices["A"] = Matrix(np.array([[100.0, 100.0005], [100.0, 1.0]]), ["a", "b"], ["a", "b"])
    out = run(s, "matrix list A")
    assert not out.startswith("symmetric") and "100.0005" in out


def test_graph_use_respects_names_and_cmdline_has_no_quietly(s: Session, tmp_path) -> None:
    g = tmp_path / "g"
    run(s, f'scatter math homework, saving("{g}")')
    run(s, "histogram math, name(other)")
    assert fails(s, f'graph use "{g}", name(other)')[1] == 110
    run(s, f'graph use "{g}", name(other, replace)')
    assert s.graphs["other"].text().startswith("(graph other: graph use")
    run(s, "quietly mixed math homework || schid:")
    assert s.e.cmdline == "mixed math homework || schid:"
    run(s, "capture quietly summarize math")
    assert "prefix" not in run(s, "ereturn list").split("macros:")[1].split("matrices:")[0]


def test_capture_is_quiet(s: Session) -> None:
    run(s, "capture mixed math homework || schid:")
    assert s.quiet == 0 and s.e is not None
