"""Expressions after review 2-3: functions at their domain edges, random numbers that never
crash, ``_rc``, and generate/replace evaluated only at the observations of ``if``/``in``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayes_magic.dataset.dataset import Dataset
from tests.conftest import fails, run


def shown(s, expr: str) -> str:
    return run(s, f"display {expr}")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("normalden(0,1,-1)", "."),
        ("normalden(0,1,0)", "."),
        ("normalden(1,-2)", "."),
        ('strlen("héllo")', "6"),
        ('length("héllo")', "6"),
        ('ustrlen("héllo")', "5"),
        ('subinstr("abc","","x",.)', "abc"),
        ('subinstr("abcabc","b","x",1)', "axcabc"),
        ("round(3.7,0)", "3.7"),
        ("round(3.75,.5)", "4"),
    ],
)
def test_functions_at_their_edges(session, expr, expected) -> None:
    assert shown(session, expr) == expected


def test_normalden_two_arguments_is_x_and_sd(session) -> None:
    # [FN] normalden(x, s): mean 0, standard deviation s
    run(session, "set obs 1")
    run(session, "gen double d2 = normalden(1, 2)")
    run(session, "gen double d3 = normalden(1, 0.5, 2)")
    assert session.data.values("d2")[0] == pytest.approx(stats.norm.pdf(1, 0, 2))
    assert session.data.values("d3")[0] == pytest.approx(stats.norm.pdf(1, 0.5, 2))


@pytest.mark.parametrize(
    "expr",
    [
        "rnormal(0,-1)",
        "runiform(2,1)",
        "rbinomial(.,0.5)",
        "rbinomial(10,1.5)",
        "rbinomial(2.5,0.5)",
        "rpoisson(-1)",
        "rchi2(-3)",
        "rexponential(-1)",
        "rbeta(-1,2)",
        "rgamma(1,-1)",
        "rt(0)",
        "rlogistic(0,-1)",
        "rnormal(.,1)",
    ],
)
def test_random_numbers_outside_their_domain_are_missing(math_session, expr) -> None:
    assert run(math_session, f"gen y = {expr}") == "(519 missing values generated)"


@pytest.mark.parametrize(
    "expr", ["runiform(1)", "rgamma(1)", "rt()", "rbinomial(1)", "rnormal(1,2,3)", "uniform(1)"]
)
def test_random_numbers_with_wrong_argument_counts(session, expr) -> None:
    name = expr[: expr.index("(")]
    assert fails(session, f"display {expr}") == (f"{name}(): invalid number of arguments", 198)


def test_random_numbers_in_their_domain(session) -> None:
    run(session, "set seed 1")
    run(session, "set obs 200")
    run(session, "gen a = rnormal(5, 0)")
    run(session, "gen b = runiform(2, 3)")
    run(session, "gen c = rbinomial(10, 0.5)")
    run(session, "gen d = rnormal(3)")
    v = session.data.values
    assert (v("a") == 5).all()
    assert ((v("b") >= 2) & (v("b") < 3)).all()
    assert set(v("c").tolist()) <= set(range(11))
    assert abs(v("d").mean() - 3) < 5 / np.sqrt(200)  # rnormal(m): mean m, sd 1


def test_rc_is_known_in_expressions(session) -> None:
    run(session, "set obs 1")
    run(session, "capture summarize nosuch")
    assert shown(session, "_rc") == "111"
    run(session, "capture display 1")
    assert shown(session, "_rc + 1") == "1"


# ---------------------------------------------------------------------------------------------
# generate / replace at the observations of if/in


def test_running_sum_over_the_in_range_only(math_session) -> None:
    s = math_session
    assert run(s, "gen z = sum(math) in 5/10") == "(513 missing values generated)"
    math = s.data.values("math")
    z = s.data.values("z")
    np.testing.assert_array_equal(z[4:10], np.cumsum(math[4:10]))
    assert z[4] == math[4]
    assert np.isnan(z[:4]).all() and np.isnan(z[10:]).all()


def test_running_sum_within_groups_over_the_if_rows(math_session) -> None:
    s = math_session
    run(s, "bysort schid: gen z = sum(math) if homework > 2")
    df = s.data.to_dataframe()
    keep = df["homework"] > 2
    ref = df[keep].groupby("schid")["math"].cumsum()
    np.testing.assert_array_equal(df.loc[keep, "z"], ref)
    assert df.loc[~keep, "z"].isna().all()


def test_n_N_and_subscripts_stay_absolute(math_session) -> None:
    s = math_session
    run(s, "gen n = _n in 5/6")
    run(s, "gen N = _N if schtype == 0")
    run(s, "gen lag = math[_n-1] in 5")
    v = s.data.values
    assert v("n")[4:6].tolist() == [5, 6]
    assert (v("N")[v("schtype") == 0] == 519).all()
    assert v("lag")[4] == v("math")[3]


def test_replace_evaluates_only_the_if_rows(math_session) -> None:
    s = math_session
    run(s, "set seed 5")
    run(s, "gen u = 0")
    run(s, "replace u = runiform() if schtype == 1")
    run(s, "set seed 5")
    run(s, "gen u1 = runiform() if schtype == 1")
    # one draw per evaluated row: the same stream either way
    np.testing.assert_array_equal(
        s.data.values("u")[s.data.values("schtype") == 1],
        s.data.values("u1")[s.data.values("schtype") == 1],
    )


def test_sequential_replace_reads_each_column_once(session, monkeypatch) -> None:
    run(session, "set obs 1000")
    run(session, "gen x = 1 if mod(_n, 100) == 1")
    run(session, "gen g = 1")
    calls = []
    values = Dataset.values

    def counting(self, name):
        calls.append(name)
        return values(self, name)

    monkeypatch.setattr(Dataset, "values", counting)
    out = run(session, "replace x = x[_n-1] + g - 1 if missing(x)")
    assert out == "(990 real changes made)"
    assert (session.data.values("x") == 1).all()
    assert len(calls) < 20  # not once per observation


def test_sequential_replace_in_by_groups(session) -> None:
    run(session, "set obs 6")
    run(session, "gen g = cond(_n <= 3, 1, 2)")
    run(session, "gen x = cond(_n == 1, 10, cond(_n == 5, 20, .))")
    run(session, "sort g")
    run(session, "by g: replace x = x[_n-1] if missing(x)")
    got = pd.Series(session.data.values("x")).fillna(-1).tolist()
    assert got == [10, 10, 10, -1, 20, 20]  # the second group starts without a value
