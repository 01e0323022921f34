"""summarize, tabulate, list and describe after review 2-3: weights checked and applied as Stata
does, the Weight column, and every option either honoured or refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture
def w(math_session):
    run(math_session, "gen negw = -1")
    run(math_session, "gen fracw = 0.5")
    run(math_session, "gen w = homework + 1")
    return math_session


@pytest.mark.parametrize("cmd", ["summarize math", "tabulate schtype", "tab schtype homework"])
def test_bad_weights_are_refused(w, cmd) -> None:
    assert fails(w, f"{cmd} [fw=negw]") == ("negative weights encountered", 402)
    assert fails(w, f"{cmd} [aw=negw]") == ("negative weights encountered", 402)
    assert fails(w, f"{cmd} [fw=fracw]") == ("may not use noninteger frequency weights", 401)


def test_iweights_may_be_negative(w) -> None:
    run(w, "summarize math [iw=negw]")
    assert w.r["sum_w"] == -519


def test_summarize_aweights_show_the_weight_column(w) -> None:
    out = run(w, "summarize math [aw=homework]").splitlines()
    assert out == [
        "    Variable |     Obs      Weight        Mean   Std. dev.       Min        Max",
        "-------------+-----------------------------------------------------------------",
        "        math |     477        1023    55.20821   11.05176         31         71",
    ]
    df = w.data.to_dataframe()
    used = df[df.homework > 0]  # zero weights leave the observation out
    x, wt = used["math"].to_numpy(), used["homework"].to_numpy()
    wn = wt * len(x) / wt.sum()  # aweights rescaled to sum to N
    mean = np.average(x, weights=wt)
    r = w.r
    assert (r["N"], r["sum_w"]) == (477, 1023)
    assert r["mean"] == pytest.approx(mean)
    assert r["sd"] == pytest.approx(np.sqrt((wn * (x - mean) ** 2).sum() / (len(x) - 1)))


def test_summarize_iweights(w) -> None:
    out = run(w, "summarize math [iw=w]").splitlines()
    assert out[0].split() == [
        "Variable",
        "|",
        "Obs",
        "Weight",
        "Mean",
        "Std.",
        "dev.",
        "Min",
        "Max",
    ]
    x, wt = w.data.values("math"), w.data.values("w")
    mean = np.average(x, weights=wt)
    assert w.r["N"] == 519 and w.r["sum_w"] == wt.sum()
    assert w.r["sd"] == pytest.approx(np.sqrt((wt * (x - mean) ** 2).sum() / (wt.sum() - 1)))
    assert out[2].split()[2:4] == ["519", f"{wt.sum():.0f}"]


def test_summarize_factor_variable_options_are_refused(w) -> None:
    assert fails(w, "summarize math, vsquish") == (
        "option vsquish is not available in bayes_magic yet",
        198,
    )


def test_tabulate_aweights_sum_to_n(w) -> None:
    out = run(w, "tabulate schtype [aw=w]").splitlines()
    df = w.data.to_dataframe()
    scaled = df["w"] * len(df) / df["w"].sum()
    private = scaled[df.schtype == 0].sum()
    assert out[2].split()[:3] == ["Private", "|", f"{private:,.2f}"]
    assert out[-1].split()[:3] == ["Total", "|", "519"]
    assert w.r["N"] == pytest.approx(519)


def test_tabulate_nofreq(w) -> None:
    assert run(w, "tab schtype homework, nofreq") == ""
    chi2 = run(w, "tab schtype homework, chi2").splitlines()[-1]
    assert run(w, "tab schtype homework, nofreq chi2") == chi2
    assert run(w, "tab schtype homework, nofreq row").splitlines()[3] == "| row percentage |"


def test_tabulate_sort_orders(w) -> None:
    rows = run(w, "tab homework, sort").splitlines()[5:13]
    # by descending frequency, ties (47 and 47) in value order
    assert [r.split()[0] for r in rows] == ["1", "2", "3", "4", "0", "5", "6", "7"]
    assert [int(r.split()[2]) for r in rows] == [225, 111, 47, 47, 42, 38, 6, 3]
    out = run(w, "tab homework schtype, rowsort colsort").splitlines()
    assert out[3].split() == ["each", "week", "|", "Public", "Private", "|", "Total"]
    assert [r.split()[0] for r in out[5:13]] == ["1", "2", "3", "4", "0", "5", "6", "7"]


def test_tabulate_key_options(w) -> None:
    assert run(w, "tab schtype homework, row nokey").splitlines()[0].strip() != "+"
    assert "Key" not in run(w, "tab schtype homework, row nokey")
    assert run(w, "tab schtype homework, key").splitlines()[3] == "| frequency |"
    # the box fits its longest line, as Stata 17's logs print it (code index: tabulate, row
    # and tabulate, col logs): 16 and 19 columns inside
    row = run(w, "tab schtype homework, row").splitlines()
    assert row[:6] == [
        "+----------------+",
        "| Key            |",
        "|----------------|",
        "|   frequency    |",
        "| row percentage |",
        "+----------------+",
    ]
    col = run(w, "tab schtype homework, col").splitlines()
    assert col[3:5] == ["|     frequency     |", "| column percentage |"]


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ("cchi2", "cchi2"),
        ("clrchi2", "clrchi2"),
        ("matcell(m)", "matcell"),
    ],
)
def test_tabulate_refuses_what_it_cannot_do(w, options, name) -> None:
    assert fails(w, f"tab schtype homework, {options}") == (
        f"option {name} is not available in bayes_magic yet",
        198,
    )


def test_tabulate_oneway_refusals(w) -> None:
    assert fails(w, "tab schtype, plot") == ("option plot is not available in bayes_magic yet", 198)


def test_list_summary_rows(w) -> None:
    out = run(w, "list schid math in 1/3, mean sum N").splitlines()
    assert out == [
        "     +------------------+",
        "     | schid       math |",
        "     |------------------|",
        "  1. |  6053         50 |",
        "  2. |  6053         43 |",
        "  3. |  6053         50 |",
        "     |------------------|",
        "Mean |  6053   47.66667 |",
        " Sum | 18159        143 |",
        "   N |     3          3 |",
        "     +------------------+",
    ]
    assert run(w, "list math in 1/2, sum(math) clean").splitlines() == [
        "       math",
        "  1.     50",
        "  2.     43",
        " Sum     93",
    ]


def test_list_refuses_what_it_cannot_do(w) -> None:
    for opt in ("divider", "display", "nocompress", "nodotz"):
        assert fails(w, f"list math in 1/2, {opt}") == (
            f"option {opt} is not available in bayes_magic yet",
            198,
        )


def test_list_numbers_within_by_groups(w) -> None:
    run(w, "sort schid")
    out = run(w, "by schid: list math if schid == 6327 & _n <= 2")
    assert "  1. |   61 |" in out.splitlines()
    out = run(w, "by schid: list math if schid == 6327 & _n <= 2, absolute")
    start = int(np.argmax(w.data.values("schid") == 6327)) + 1
    assert f"{start:>3}. |   61 |" in out.splitlines()


def test_describe_options(w) -> None:
    assert fails(w, "describe, numbers") == (
        "option numbers is not available in bayes_magic yet",
        198,
    )
    run(w, "rename homework time_spent_on_homework_each_week")
    short = run(w, "describe time_spent_on_homework_each_week").splitlines()[-1]
    assert short.startswith("time_spent_on~k float")
    full = run(w, "describe time_spent_on_homework_each_week, fullnames").splitlines()[-1]
    assert full.startswith("time_spent_on_homework_each_week float   %9.0g")


def test_tabulate_weights_frequency(w) -> None:
    run(w, "tab schtype [fw=w]")
    df = pd.DataFrame({"t": w.data.values("schtype"), "w": w.data.values("w")})
    assert w.r["N"] == df["w"].sum()


def test_twoway_drops_categories_seen_only_where_the_other_is_missing() -> None:
    """homework = 7 occurs only where sch2 is missing: no row 7, and chi2 with the df of
    scipy's contingency test of the complete cases."""
    from scipy import stats

    s = Session()
    run(s, "use math\ngenerate sch2 = schtype if homework < 7")
    out = run(s, "tabulate homework sch2, chi2")
    hw, sc = np.asarray(s.data.values("homework")), np.asarray(s.data.values("sch2"))
    ok = ~np.isnan(sc)
    table = pd.crosstab(hw[ok], sc[ok]).to_numpy()
    chi2, _p, df, _ = stats.chi2_contingency(table, correction=False)
    assert s.r["r"] == table.shape[0] and s.r["c"] == table.shape[1]
    assert f"Pearson chi2({df}) = {chi2:8.4f}" in out
    assert not any(line.strip().startswith("7 |") for line in out.splitlines())
