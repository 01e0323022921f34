"""generate / replace / egen against pandas computations on the talk's data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import fails, run


@pytest.fixture
def df(math_session) -> pd.DataFrame:
    return math_session.data.to_dataframe()


def test_generate_messages_and_types(math_session) -> None:
    s = math_session
    assert run(s, "gen hw2 = homework if homework > 2") == "(378 missing values generated)"
    assert s.data.info["hw2"].type == "float"
    assert run(s, "gen byte hi = math > 60") == ""
    assert s.data.info["hi"].type == "byte"
    assert run(s, 'gen s = "school " + string(schid)') == ""
    assert s.data.info["s"].type == "str12"  # "school 72991"
    assert s.data.values("s")[0] == "school 6053"
    assert fails(s, "gen hi = 1") == ("variable hi already defined", 110)
    assert fails(s, 'gen byte z = "a"') == ("type mismatch", 109)
    assert fails(s, "gen _n = 1") == ("_n invalid name", 198)


def test_replace_counts_changes_and_promotes(math_session) -> None:
    s = math_session
    run(s, "gen byte k = 1")
    assert run(s, "replace k = 2 in 1/3") == "(3 real changes made)"
    assert run(s, "replace k = 2 in 1") == "(0 real changes made)"
    assert run(s, "replace k = . in 4") == "(1 real change made, 1 to missing)"
    assert run(s, "replace k = 1.5 in 5") == "variable k was byte now float\n(1 real change made)"
    assert s.data.info["k"].type == "float"
    assert run(s, "replace k = 1000 in 6") == "(1 real change made)"


def test_sequential_replace_fills_down(session) -> None:
    s = session
    run(s, "set obs 6")
    run(s, "gen x = 1 in 1")
    run(s, "replace x = 7 in 4")
    # Stata's idiom: each observation sees the value just written above it
    assert run(s, "replace x = x[_n-1] if missing(x)") == "(4 real changes made)"
    assert s.data.values("x").tolist() == [1, 1, 1, 7, 7, 7]


def test_by_groups_n_and_N(math_session, df) -> None:
    s = math_session
    run(s, "bysort schid (homework): gen n = _n")
    run(s, "by schid: gen N = _N")
    got = s.data.to_dataframe()
    sizes = df.groupby("schid").size()
    assert (got.groupby("schid")["N"].first() == sizes).all()
    assert (got.groupby("schid")["n"].max() == sizes).all()
    assert got["homework"].is_monotonic_increasing is False  # sorted within school only


def test_by_requires_sorted_data(math_session) -> None:
    run(math_session, "sort math")
    assert fails(math_session, "by schid: gen n = _n") == ("not sorted", 5)


def test_egen_group_statistics_match_pandas(math_session, df) -> None:
    s = math_session
    run(s, "sort schid")
    run(s, "by schid: egen m = mean(math)")
    run(s, "by schid: egen sd = sd(math)")
    run(s, "by schid: egen c = count(homework)")
    run(s, "by schid: egen t = total(math)")
    run(s, "by schid: egen mx = max(math)")
    run(s, "by schid: egen mn = min(math)")
    run(s, "by schid: egen md = median(math)")
    got = s.data.to_dataframe()
    g = df.groupby("schid")["math"]
    for name, ref in [
        ("m", g.mean()),
        ("sd", g.std()),
        ("t", g.sum()),
        ("mx", g.max()),
        ("mn", g.min()),
        ("md", g.median()),
    ]:
        ours = got.groupby("schid")[name].first()
        # egen stores floats: compare at float precision
        np.testing.assert_allclose(ours, ref.astype(np.float32), rtol=1e-6)
    assert (got.groupby("schid")["c"].first() == df.groupby("schid").size()).all()


def test_egen_tag_rank_group_as_in_the_talk(math_session, df) -> None:
    s = math_session
    run(s, "egen tagme = tag(schid)")
    tag = s.data.values("tagme")
    assert tag.sum() == df["schid"].nunique() == 23
    first = ~df["schid"].duplicated()
    assert (tag.astype(bool) == first.to_numpy()).all()
    run(s, "by schid, sort: egen mm = mean(math)")
    assert run(s, "egen rank = rank(mm) if tagme") == "(496 missing values generated)"
    got = s.data.to_dataframe()
    tagged = got[got.tagme == 1]
    ref = tagged["mm"].rank(method="average")
    np.testing.assert_array_equal(tagged["rank"].to_numpy(), ref.to_numpy())
    run(s, "egen g = group(schtype schid)")
    assert s.data.values("g").max() == 23
    run(s, "egen rf = rank(math), field")
    run(s, "egen rt = rank(math), track")
    got = s.data.to_dataframe()
    np.testing.assert_array_equal(got["rf"], got["math"].rank(method="min", ascending=False))
    np.testing.assert_array_equal(got["rt"], got["math"].rank(method="min"))


def test_egen_rowwise(session) -> None:
    s = session
    run(s, "set obs 3")
    run(s, "gen a = _n")
    run(s, "gen b = cond(_n == 2, ., 10)")
    run(s, "egen rm = rowmean(a b)")
    run(s, "egen rt = rowtotal(a b)")
    run(s, "egen rmiss = rowmiss(a b)")
    assert s.data.values("rm").tolist() == [5.5, 2.0, 6.5]
    assert s.data.values("rt").tolist() == [11.0, 2.0, 13.0]
    assert s.data.values("rmiss").tolist() == [0.0, 1.0, 0.0]
    assert fails(s, "egen z = nosuch(a)") == ("unknown egen function nosuch()", 133)


@pytest.mark.parametrize("func", ["rowtotal", "rowmean", "tag", "group", "rowmax"])
def test_egen_without_its_varlist(math_session, func) -> None:
    """An empty varlist is Stata's r(100), not an internal error (a new-user trial)."""
    assert fails(math_session, f"egen z = {func}()") == ("varlist required", 100)
    assert "z" not in math_session.data.varnames


def test_missing_is_one_group_with_the_missing_option(math_session) -> None:
    """egen group(), missing / tag(), missing: all missing observations are one group, last
    (each was its own group: nan never equals itself)."""
    s = math_session
    run(s, "clear\ninput x\n1\n.\n.\nend\negen g = group(x), missing\negen t = tag(x), missing")
    assert list(s.data.values("g")) == [1, 2, 2]
    assert list(s.data.values("t")) == [1, 1, 0]
