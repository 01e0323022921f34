"""generate and egen after review 2-3: str# widths, egen's constants within group, diff(),
group labels, the by() option, numlists in values(), and mode() of strings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_magic.dataset.stats import percentile
from tests.conftest import fails, run


def test_generate_str_width_truncates(session) -> None:
    s = session
    run(s, "set obs 2")
    run(s, 'gen str5 s5 = "abcdefghij"')
    run(s, 'gen str1 s1 = "abcdefghij"')
    run(s, 'gen str10 s10 = "abc"')
    run(s, 'gen str2 u = "héllo"')  # é is two bytes: str2 holds "h" and half of it
    run(s, 'gen strL big = "abcdefghij"')
    info, v = s.data.info, s.data.values
    assert (v("s5")[0], info["s5"].type) == ("abcde", "str5")
    assert (v("s1")[0], info["s1"].type) == ("a", "str1")
    assert (v("s10")[0], info["s10"].type) == ("abc", "str10")
    assert (v("u")[0], info["u"].type) == ("h", "str2")
    assert (v("big")[0], info["big"].type) == ("abcdefghij", "strL")


@pytest.fixture
def holes(math_session):
    run(math_session, "replace math = . in 3")
    run(math_session, "sort schid, stable")
    return math_session


@pytest.mark.parametrize(
    "func",
    ["mean", "sd", "max", "min", "median", "pctile", "iqr", "mad", "mdev", "skew", "kurt", "mode"],
)
def test_egen_fills_the_whole_group(holes, func) -> None:
    s = holes
    opts = ", maxmode" if func == "mode" else ""
    run(s, f"by schid: egen double e = {func}(math){opts}")
    df = s.data.to_dataframe()
    # every observation of a group gets the group's value, the one with math missing too
    assert df["e"].notna().all()
    assert (df.groupby("schid")["e"].nunique() == 1).all()


def test_egen_group_values_against_pandas(holes) -> None:
    s = holes
    for f in ("mean", "sd", "max", "min", "median", "total", "count"):
        run(s, f"by schid: egen double {f} = {f}(math)")
    run(s, "by schid: egen double p25 = pctile(math), p(25)")
    run(s, "egen double iqr = iqr(math) if schtype == 1")
    df = s.data.to_dataframe()
    g = df.groupby("schid")["math"]
    for name, ref in [
        ("mean", g.transform("mean")),
        ("sd", g.transform("std")),
        ("max", g.transform("max")),
        ("min", g.transform("min")),
        ("median", g.transform("median")),
        ("total", g.transform("sum")),
        ("count", g.transform("count")),
    ]:
        np.testing.assert_allclose(df[name], ref, rtol=1e-12)
    first = df[df.schid == df.schid.iloc[0]]["math"].dropna().to_numpy()
    assert df["p25"].iloc[2] == percentile(first, None, 25)
    public = df.loc[df.schtype == 1, "math"].dropna().to_numpy()
    iqr = percentile(public, None, 75) - percentile(public, None, 25)
    assert (df.loc[df.schtype == 1, "iqr"] == iqr).all()
    assert df.loc[df.schtype == 0, "iqr"].isna().all()


def test_egen_by_option_groups_without_sorting(math_session) -> None:
    s = math_session
    run(s, "sort math")
    run(s, "egen double m = mean(homework), by(schid schtype)")
    df = s.data.to_dataframe()
    ref = df.groupby(["schid", "schtype"])["homework"].transform("mean")
    np.testing.assert_allclose(df["m"], ref, rtol=1e-12)
    assert s.data.sortedby == ("math",)  # by() does not sort
    assert fails(s, "egen t = tag(schid), by(schtype)") == (
        "egen ... tag() may not be combined with by",
        190,
    )


def test_egen_diff_treats_missing_as_equal(session) -> None:
    run(session, "set obs 4")
    run(session, "gen a = cond(_n < 3, ., _n)")
    run(session, "gen b = cond(_n < 2, ., _n)")
    run(session, "egen d = diff(a b)")
    assert session.data.values("d").tolist() == [0, 1, 0, 0]


def test_egen_group_label(math_session) -> None:
    s = math_session
    run(s, "egen g = group(schtype schid), label")
    assert s.data.info["g"].vlabel == "g"
    labels = s.data.value_labels["g"]
    assert len(labels) == 23
    # groups in sort order, each labelled with its values (value labels) joined by a blank
    assert labels[1] == "Private 6053"
    assert labels[23] == "Public 72991"
    run(s, "egen g2 = group(schtype), label(types) truncate(3)")
    assert s.data.value_labels["types"] == {1: "Pri", 2: "Pub"}
    assert fails(s, "egen g3 = group(schtype), label(types)") == (
        "label types already defined",
        110,
    )
    run(s, "egen g3 = group(schtype), label(types, replace)")


def test_egen_values_take_numlists(math_session) -> None:
    s = math_session
    run(s, "egen am = anymatch(homework), values(1/3)")
    run(s, "egen ac = anycount(homework schtype), values(1 3 5)")
    run(s, "egen av = anyvalue(homework), values(7(-2)3)")
    df = s.data.to_dataframe()
    assert (df["am"] == df["homework"].isin([1, 2, 3])).all()
    ref = df["homework"].isin([1, 3, 5]).astype(int) + df["schtype"].isin([1, 3, 5])
    assert (df["ac"] == ref).all()
    odd = df["homework"].isin([3, 5, 7])
    assert (df.loc[odd, "av"] == df.loc[odd, "homework"]).all() and df.loc[~odd, "av"].isna().all()
    assert fails(s, "egen bad = anymatch(homework), values(3/)") == ("invalid numlist", 121)


def test_egen_mode_of_strings_with_if(session) -> None:
    s = session
    run(s, "set obs 6")
    run(s, 'gen str1 sv = cond(_n <= 2 | _n == 5, "a", "b")')
    assert run(s, "egen mo = mode(sv) if _n < 4") == "(3 missing values generated)"
    assert s.data.values("mo").tolist() == ["a", "a", "a", "", "", ""]
    assert s.data.info["mo"].type == "str1"


def test_egen_mode_options(session) -> None:
    s = session
    run(s, "set obs 6")
    run(s, "gen x = cond(_n <= 2, 1, cond(_n <= 4, 2, 3))")  # 1 1 2 2 3 3: three modes
    run(s, "egen m0 = mode(x)")
    run(s, "egen m1 = mode(x), minmode")
    run(s, "egen m2 = mode(x), maxmode")
    run(s, "egen m3 = mode(x), nummode(2)")
    v = s.data.values
    assert np.isnan(v("m0")).all()
    assert (v("m1") == 1).all() and (v("m2") == 3).all() and (v("m3") == 2).all()


def test_egen_concat(math_session) -> None:
    run(math_session, "egen c = concat(schid schtype), punct(-)")
    run(math_session, "egen cd = concat(schid schtype), punct(/) decode")
    assert math_session.data.values("c")[0] == "6053-0"
    assert math_session.data.values("cd")[0] == "6053/Private"


def test_egen_rowpctile_and_strok(session) -> None:
    s = session
    run(s, "set obs 2")
    run(s, "gen a = 1")
    run(s, "gen b = cond(_n == 1, 3, .)")
    run(s, "gen c = 10")
    run(s, 'gen str1 t = "x"')
    run(s, "egen p = rowpctile(a b c), p(50)")
    assert s.data.values("p").tolist() == [3, (1 + 10) / 2]
    assert fails(s, "egen n = rownonmiss(a t)") == ("type mismatch", 109)
    run(s, "egen n = rownonmiss(a b t), strok")
    assert s.data.values("n").tolist() == [3, 2]


def test_egen_exp_at_if_rows_only(math_session) -> None:
    # the argument is evaluated only where the command applies: sum() restarts there
    s = math_session
    run(s, "egen double t = total(sum(homework)) in 1/3")
    h = pd.Series(s.data.values("homework")[:3])
    assert s.data.values("t")[0] == h.cumsum().sum()
