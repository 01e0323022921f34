"""summarize, tabulate and list: numbers against numpy/scipy, layouts against Stata's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tests.conftest import fails, run


def test_summarize_numbers_and_layout(math_session) -> None:
    out = run(math_session, "summarize math homework").splitlines()
    assert out[0] == "    Variable |        Obs        Mean    Std. dev.       Min        Max"
    assert out[1] == "-------------+---------------------------------------------------------"
    m = math_session.data.values("math")
    assert out[2] == "        math |        519    51.72254    10.70922         30         71"
    assert f"{m.mean():.5f}".startswith("51.7225") and f"{m.std(ddof=1):.5f}".startswith("10.709")
    r = math_session.r
    assert r["N"] == 519
    assert r["mean"] == pytest.approx(math_session.data.values("homework").mean())


def test_summarize_separator_every_five(session) -> None:
    run(session, "set obs 3")
    for k in range(7):
        run(session, f"gen v{k} = _n")
    lines = run(session, "summarize").splitlines()
    assert lines[7].startswith("-------------+") and len(lines) == 2 + 7 + 1


def test_summarize_detail_matches_stata_definitions(math_session) -> None:
    out = run(math_session, "summarize math, detail").splitlines()
    assert out[0] == " " * ((61 - len("Math score")) // 2) + "Math score"
    assert out[1] == "-" * 61
    r = math_session.r
    x = np.sort(math_session.data.values("math"))
    n = len(x)
    # [R] summarize: P = n p / 100; x_(ceil P) unless P is an integer, then the average
    for p in (1, 5, 10, 25, 50, 75, 90, 95, 99):
        P = n * p / 100
        ref = (x[int(P) - 1] + x[int(P)]) / 2 if int(P) == P else x[int(np.ceil(P)) - 1]
        assert r[f"p{p}"] == ref
    assert r["skewness"] == pytest.approx(stats.skew(x))
    assert r["kurtosis"] == pytest.approx(stats.kurtosis(x, fisher=False))
    assert r["Var"] == pytest.approx(x.var(ddof=1))
    assert out[5] == "10%           38             31       Obs                 519"


def test_summarize_weights(math_session) -> None:
    run(math_session, "gen w = homework + 1")
    run(math_session, "summarize math [fw=w]")
    x, w = math_session.data.values("math"), math_session.data.values("w")
    r = math_session.r
    assert r["N"] == w.sum()
    assert r["mean"] == pytest.approx(np.average(x, weights=w))
    reps = np.repeat(x, w.astype(int))
    assert r["sd"] == pytest.approx(reps.std(ddof=1))
    run(math_session, "summarize math [aw=w]")
    assert math_session.r["N"] == 519
    assert fails(math_session, "summarize math [pw=w]") == ("pweights not allowed", 101)


def test_by_repeats_with_headers(math_session) -> None:
    out = run(math_session, "by schtype, sort: count")
    assert out.splitlines() == [
        "-" * 79,
        "-> schtype = Private",
        "  202",
        "-" * 79,
        "-> schtype = Public",
        "  317",
    ]


def test_tabulate_oneway(math_session) -> None:
    out = run(math_session, "tabulate schtype").splitlines()
    assert out == [
        "School type |      Freq.     Percent        Cum.",
        "------------+-----------------------------------",
        "    Private |        202       38.92       38.92",
        "     Public |        317       61.08      100.00",
        "------------+-----------------------------------",
        "      Total |        519      100.00",
    ]
    out = run(math_session, "tab schtype, nolabel").splitlines()
    assert out[2] == "          0 |        202       38.92       38.92"


def test_tabulate_twoway_chi2_matches_scipy(math_session) -> None:
    run(math_session, "gen byte hi = math > 55")
    out = run(math_session, "tabulate schtype hi, chi2 lrchi2")
    d = math_session.data.to_dataframe()
    table = np.array(
        [[((d.schtype == a) & (d.hi == b)).sum() for b in (0, 1)] for a in (0, 1)], float
    )
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    lr, p_lr, _, _ = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    assert math_session.r["chi2"] == pytest.approx(chi2)
    assert math_session.r["p"] == pytest.approx(p)
    assert math_session.r["chi2_lr"] == pytest.approx(lr)
    assert math_session.r["p_lr"] == pytest.approx(p_lr)
    assert out.splitlines()[:9] == [
        "    School |          hi",
        "      type |         0          1 |     Total",
        "-----------+----------------------+----------",
        "   Private |        80        122 |       202",
        "    Public |       230         87 |       317",
        "-----------+----------------------+----------",
        "     Total |       310        209 |       519",
        "",
        f"          Pearson chi2(1) = {chi2:8.4f}   Pr = {p:5.3f}",
    ]


def test_tabulate_generate(math_session) -> None:
    run(math_session, "tabulate schtype, generate(st)")
    assert math_session.data.values("st2").sum() == 317
    assert math_session.data.info["st2"].label == "schtype==Public"


def test_list_layout(math_session) -> None:
    out = run(math_session, "list schid math in 1/6").splitlines()
    assert out == [
        "     +--------------+",
        "     | schid   math |",
        "     |--------------|",
        "  1. |  6053     50 |",
        "  2. |  6053     43 |",
        "  3. |  6053     50 |",
        "  4. |  6053     49 |",
        "  5. |  6053     62 |",
        "     |--------------|",
        "  6. |  6053     43 |",
        "     +--------------+",
    ]
    assert run(math_session, "list schtype in 1, noobs").splitlines()[3] == "  | Private |"
    assert run(math_session, "list schtype in 1, nolabel noobs").splitlines()[3] == "  |       0 |"
    assert fails(math_session, "list in 600") == ("Obs. nos. out of range", 198)


def test_count(math_session) -> None:
    assert run(math_session, "count if homework > 2") == "  141"
    assert run(math_session, "count if homework > 2 in 1/100") == "  " + str(
        int((math_session.data.values("homework")[:100] > 2).sum())
    )
