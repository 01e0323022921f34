"""``merge`` and ``append`` ([D] merge, [D] append) against pandas' ``merge`` and ``concat`` of
the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run


@pytest.fixture
def files(tmp_path) -> dict[str, str]:
    s = Session()
    run(s, "clear\ninput id x str3 s\n1 10 a\n2 20 b\n3 30 c\n3 31 d\nend")
    m = str(tmp_path / "master")
    run(s, f"save {m}")
    run(s, "clear\ninput id y x\n2 200 .\n3 300 33\n4 400 44\nend")
    u = str(tmp_path / "other")
    run(s, f"save {u}")
    run(s, "clear\ninput id y\n2 200\n2 201\nend")
    d = str(tmp_path / "dup")
    run(s, f"save {d}")
    return {"master": m, "using": u, "dup": d}


def test_merge_m1_matches_pandas(files) -> None:
    s = Session()
    run(s, f"use {files['master']}")
    master = s.data.to_dataframe()
    out = run(s, f"merge m:1 id using {files['using']}, keepusing(y)")
    assert "    Not matched                             2" in out
    assert "        from master                         1  (_merge==1)" in out
    assert "    Matched                                 3  (_merge==3)" in out
    ref = master.merge(
        pd.DataFrame({"id": [2.0, 3, 4], "y": [200.0, 300, 400]}),
        on="id",
        how="outer",
        indicator=True,
    )
    got = s.data.to_dataframe()
    assert list(got.columns) == ["id", "x", "s", "y", "_merge"]
    key = ["id", "x"]
    a = got.sort_values(key, na_position="last").reset_index(drop=True)
    b = ref.sort_values(key, na_position="last").reset_index(drop=True)
    np.testing.assert_array_equal(a["y"].to_numpy(float), b["y"].to_numpy(float))
    codes = {"left_only": 1, "right_only": 2, "both": 3}
    np.testing.assert_array_equal(a["_merge"], b["_merge"].map(codes).to_numpy(float))
    # the master in key order, the using-only observation last
    assert list(col(s, "id")) == [1, 2, 3, 3, 4]
    assert s.data.value_labels["_merge"][3] == "Matched (3)"


def test_merge_update_replace_and_keep(files) -> None:
    s = Session()
    run(s, f"use {files['master']}")
    run(s, 'drop if s == "d"')
    out = run(s, f"merge 1:1 id using {files['using']}, update")
    assert "missing updated" in out and "nonmissing conflict" in out
    assert list(col(s, "x")) == [10, 20, 30, 44]  # master values kept; using fills the new
    assert list(col(s, "_merge")) == [1, 3, 5, 2]
    run(s, f"use {files['master']}, clear")
    run(s, 'drop if s == "d"\nreplace x = . in 2')
    run(
        s,
        f"merge 1:1 id using {files['using']}, update replace keep(match match_update match_conflict) nogen",
    )
    assert list(col(s, "id")) == [2, 3] and np.isnan(col(s, "x")[0])  # . in using: no update
    assert col(s, "x")[1] == 33 and "_merge" not in s.data.info


def test_merge_sequential_and_dataframe_using() -> None:
    s = Session({"extra": pd.DataFrame({"z": [7.0, 8.0]})})
    run(s, "use sleepstudy")
    run(s, "keep in 1/3")
    run(s, "merge 1:1 _n using extra, nogen noreport")
    assert list(col(s, "z"))[:2] == [7, 8] and np.isnan(col(s, "z")[2])


@pytest.mark.parametrize(
    "cmd, rc, words",
    [
        (
            "merge 1:1 id using {master}",
            459,
            "id does not uniquely identify observations in the master",
        ),
        ("merge m:1 id using {dup}", 459, "using data"),
        ("merge 1:1 nosuch using {using}", 111, "nosuch not found"),
        ("merge id using {using}", 198, "old merge syntax"),
        ("merge 2:2 id using {using}", 198, "invalid merge type"),
        ("merge m:1 id using {using}, replace", 198, "requires you also specify option update"),
        ("merge m:1 id using {using}, keep(bogus)", 198, "invalid resulttype"),
        ("merge m:1 id using /no/such/file", 601, "not found"),
        ("append using {using}, gen(x)", 110, "already defined"),
    ],
)
def test_bad_input_leaves_the_data(files, cmd: str, rc: int, words: str) -> None:
    s = Session()
    run(s, f"use {files['master']}")
    before = s.data.df.copy()
    m, code = fails(s, cmd.format(**files))
    assert code == rc and words in m
    assert s.data.df.equals(before) and "_merge" not in s.data.info


def test_merge_assert_fails_with_the_result_in_memory(files) -> None:
    s = Session()
    run(s, f"use {files['master']}")
    m, rc = fails(s, f"merge m:1 id using {files['using']}, assert(match)")
    assert rc == 9 and "not all observations matched" in m
    assert "_merge" in s.data.info  # merged result left in memory, as Stata


def test_append_matches_concat(files) -> None:
    s = Session()
    run(s, f"use {files['master']}")
    master = s.data.to_dataframe()
    run(s, f"use {files['using']}, clear")
    using = s.data.to_dataframe()
    run(s, f"use {files['master']}, clear")
    run(s, f"append using {files['using']} {files['using']}, generate(src)")
    ref = pd.concat([master, using, using], ignore_index=True)
    got = s.data.to_dataframe()
    assert list(got.columns) == ["id", "x", "s", "y", "src"]
    for c in ("id", "x", "y"):
        np.testing.assert_array_equal(got[c].to_numpy(float), ref[c].to_numpy(float))
    assert list(got["s"][:4]) == ["a", "b", "c", "d"] and set(got["s"][4:]) == {""}
    assert list(col(s, "src")) == [0] * 4 + [1] * 3 + [2] * 3
    run(s, "clear\ninput str2 id\nab\nend")
    m, rc = fails(s, f"append using {files['using']}")
    assert rc == 106 and "is str2 in master but float in using" in m
    run(s, f"append using {files['using']}, force")
    assert list(s.data.values("id")) == ["ab", "", "", ""]


def test_keep_counts_and_assert_order(files) -> None:
    """merge.ado: assert() is checked on the whole merge (before keep()); the table counts the
    observations kept; a 1:1 merge without using-only observations left is sorted by the key."""
    s = Session()
    run(s, f"use {files['master']}")
    run(s, 'drop if s == "d"')
    out = run(s, f"merge 1:1 id using {files['using']}, keep(match)")
    assert "    Not matched                             0" in out
    assert "    Matched                                 2  (_merge==3)" in out
    assert s.data.sortedby == ("id",) and s.data.nobs == 2
    run(s, f"use {files['master']}, clear")
    run(s, 'drop if s == "d"')
    _m, rc = fails(s, f"merge 1:1 id using {files['using']}, keep(match) assert(match)")
    assert rc == 9 and s.data.nobs == 4  # the whole result, keep() not applied
