"""The dataset layer after review 2-3: observation ids, gsort's missing values, varabbrev,
DataFrames with dates and bad column names, and the summary statistics moved to dataset/."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_magic.dataset import io
from bayes_magic.dataset.dataset import Dataset, stata_names
from bayes_magic.dataset.stats import moments, percentile
from bayes_magic.session import Session
from tests.conftest import fails, run

# ---------------------------------------------------------------------------------------------
# observation ids


def test_every_constructor_draws_fresh_ids() -> None:
    made = [
        Dataset.from_dataframe(pd.DataFrame({"a": [1, 2, 3]})),
        Dataset.from_dataframe(pd.DataFrame({"a": [1, 2, 3]})),
        io.load_bundled("dyestuff"),
        Dataset(pd.DataFrame({"b": [1.0, 2.0]})),
        Dataset(),
    ]
    for ds in made:
        assert ds.ids.dtype == np.int64 and len(ds.ids) == ds.nobs
        assert len(np.unique(ds.ids)) == ds.nobs
    everything = np.concatenate([ds.ids for ds in made])
    assert len(np.unique(everything)) == len(everything)  # never shared between datasets


def test_set_obs_and_use_give_fresh_ids(session) -> None:
    run(session, "set obs 3")
    first = session.data.ids.copy()
    run(session, "set obs 5")
    ids = session.data.ids
    assert (ids[:3] == first).all() and not np.isin(ids[3:], first).any()
    assert len(np.unique(ids)) == 5
    run(session, "use math, clear")
    assert not np.isin(session.data.ids, ids).any()


def test_ids_follow_the_observations(math_session) -> None:
    s = math_session
    ds = s.data
    value_of = dict(zip(ds.ids.tolist(), ds.values("math").tolist()))
    run(s, "sort math homework")
    run(s, "rename math score")
    run(s, "drop homework")
    run(s, "keep if schtype == 1")
    ds = s.data
    assert ds.nobs == 317
    assert [value_of[i] for i in ds.ids.tolist()] == ds.values("score").tolist()
    copy = ds.copy()
    assert (copy.ids == ds.ids).all() and copy.ids is not ds.ids


def test_sort_in_range_moves_ids_with_rows(session) -> None:
    run(session, "set obs 5")
    run(session, "gen x = 6 - _n")
    ids = session.data.ids.copy()
    run(session, "sort x in 2/4")
    assert session.data.values("x").tolist() == [5, 2, 3, 4, 1]
    assert session.data.ids.tolist() == [ids[0], ids[3], ids[2], ids[1], ids[4]]


def test_mask_of_finds_the_same_observations_after_sort(math_session) -> None:
    ds = math_session.data
    chosen = ds.ids[ds.values("schtype") == 1]
    run(math_session, "sort math")
    ds = math_session.data
    mask = ds.mask_of(chosen)
    assert mask.dtype == bool
    assert (mask == (ds.values("schtype") == 1)).all() and mask.sum() == 317
    dropped = int((ds.values("schtype")[:10] == 1).sum())
    run(math_session, "drop in 1/10")
    assert math_session.data.mask_of(chosen).sum() == 317 - dropped


# ---------------------------------------------------------------------------------------------
# gsort


@pytest.fixture
def q(session) -> Session:
    run(session, "set obs 5")
    run(session, "gen q = .")
    run(session, "replace q = _n in 1/3")
    return session


def test_gsort_puts_missing_last_in_descending_order(q) -> None:
    run(q, "gsort -q")
    assert q.data.values("q").tolist()[:3] == [3, 2, 1]
    assert np.isnan(q.data.values("q")[3:]).all()
    assert run(q, "list q in 1/3").splitlines()[3:6] == ["  1. | 3 |", "  2. | 2 |", "  3. | 1 |"]


def test_gsort_mfirst_puts_missing_first(q) -> None:
    run(q, "gsort -q, mfirst")
    v = q.data.values("q")
    assert np.isnan(v[:2]).all() and v[2:].tolist() == [3, 2, 1]
    run(q, "gsort q, mfirst")  # mfirst is about descending orders only
    v = q.data.values("q")
    assert v[:3].tolist() == [1, 2, 3] and np.isnan(v[3:]).all()


# ---------------------------------------------------------------------------------------------
# set varabbrev


def test_varabbrev_off_needs_exact_names(math_session) -> None:
    s = math_session
    run(s, "set varabbrev off")
    assert s.settings.varabbrev is False and s.data.varabbrev is False
    assert s.data.copy().varabbrev is False
    assert fails(s, "summarize hom") == ("variable hom not found", 111)
    assert fails(s, "gen z = hom * 2") == ("hom not found", 111)
    run(s, "summarize homework")
    run(s, "set varabbrev on")
    assert s.data.varabbrev is True
    assert run(s, "gen z = hom * 2") == ""
    assert fails(s, "set varabbrev maybe") == ("maybe invalid; on or off expected", 198)


def test_set_rng_names_the_one_generator(session) -> None:
    """[R] set rng: `default` is accepted and shown in c(rng); Stata's other generators are
    refused, since the draws come from numpy's PCG64 whatever is asked."""
    s = session
    run(s, "set rng default")
    assert run(s, "display c(rng)").strip().endswith("default")
    msg, rc = fails(s, "set rng kiss32")
    assert rc == 198 and "one random-number generator" in msg
    assert fails(s, "set rng xyz") == ("xyz invalid; default expected", 198)


def test_missing_of_numbers_and_strings() -> None:
    ds = Dataset.from_dataframe(pd.DataFrame({"x": [1.0, None, 3.0], "s": ["a", "", None]}))
    assert ds.missing("x").tolist() == [False, True, False]
    assert ds.missing("s").tolist() == [False, True, True]


# ---------------------------------------------------------------------------------------------
# DataFrames: dates and column names


def test_datetimes_become_td_and_tc() -> None:
    df = pd.DataFrame(
        {
            "aware": pd.to_datetime(["2020-01-01 10:30:00", "1960-01-01 01:00:00"]).tz_localize(
                "Europe/Berlin"
            ),
            "naive": pd.to_datetime(["2020-01-01 10:30:00", None]),
            "day": pd.to_datetime(["2020-01-01", "1959-12-31"]),
        }
    )
    ds = Dataset.from_dataframe(df)
    day_ms = 86_400_000
    # Berlin is UTC+1 in winter: 10:30 there is 09:30 UTC
    assert ds.values("aware").tolist() == [21915 * day_ms + 9.5 * 3_600_000, 0.0]
    assert (ds.info["aware"].type, ds.info["aware"].format) == ("double", "%tc")
    assert ds.values("naive")[0] == 21915 * day_ms + 10.5 * 3_600_000
    assert np.isnan(ds.values("naive")[1]) and ds.info["naive"].format == "%tc"
    assert ds.values("day").tolist() == [21915, -1]
    assert (ds.info["day"].type, ds.info["day"].format) == ("long", "%td")


def test_dates_list_and_describe_as_dates() -> None:
    df = pd.DataFrame(
        {
            "t": pd.to_datetime(["2020-01-01 10:30:00"]).tz_localize("UTC"),
            "d": pd.to_datetime(["2020-01-01"]),
        }
    )
    s = Session(namespace={"df": df})
    run(s, "use df")
    assert run(s, "list").splitlines() == [
        "     +--------------------------------+",
        "     |                  t           d |",
        "     |--------------------------------|",
        "  1. | 01jan2020 10:30:00   01jan2020 |",
        "     +--------------------------------+",
    ]
    rows = run(s, "describe").splitlines()
    assert "t               double  %tc" in rows and "d               long    %td" in rows


def test_stata_names_follow_import_delimited() -> None:
    headers = ["my var", "2x", "ok", "ok", "_1", "if", "a-b c", "é", "âge", "résultat", "€"]
    assert stata_names(headers) == [
        *("myvar", "v2", "ok", "v4", "_1", "v6", "abc", "e", "age", "resultat", "v11")
    ]  # accents dropped, not the letters (a course trial's French column names)


def test_use_dataframe_renames_bad_columns_with_a_note() -> None:
    s = Session(namespace={"df": pd.DataFrame({"my var": [1, 2], "2x": [3.5, 4.5]})})
    assert (
        run(s, "use df")
        == "(variable names changed to valid Stata names: my var -> myvar, 2x -> v2)"
    )
    assert s.data.varnames == ["myvar", "v2"]
    assert (s.data.info["myvar"].label, s.data.info["v2"].label) == ("my var", "2x")
    assert s.data.values("v2").tolist() == [3.5, 4.5]


# ---------------------------------------------------------------------------------------------
# summary statistics live in dataset/


def test_stats_are_summarize_definitions() -> None:
    x = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0])
    # [R] summarize: P = n p / 100; the average of x_(P) and x_(P+1) when P is an integer
    assert percentile(x, None, 50) == (3.0 + 4.0) / 2
    assert percentile(x, None, 25) == 1.0  # P = 1.5: x_(2)
    st = moments(x, np.array([1.0, 2, 1, 1, 1, 2]), "fweight")
    expanded = np.repeat(x, [1, 2, 1, 1, 1, 2])
    assert st["N"] == 8 and st["mean"] == pytest.approx(expanded.mean())
    assert st["sd"] == pytest.approx(expanded.std(ddof=1))
    iw = moments(x, np.full(6, 0.5), "iweight")
    assert iw["N"] == 6 and iw["sum_w"] == 3.0
    assert iw["Var"] == pytest.approx(0.5 * ((x - x.mean()) ** 2).sum() / (3.0 - 1))
