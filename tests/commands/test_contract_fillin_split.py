"""contract, fillin and split ([D] contract, [D] fillin, [D] split), checked against pandas'
value counts, a product of the levels, and str.split (a new-user trial found them missing)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture
def s() -> Session:
    s = Session()
    run(s, "use math")
    return s


def test_contract_against_value_counts(s) -> None:
    df = s.data.to_dataframe()
    sub = df[df["schid"] < 8000]
    ref = sub.groupby(["schid", "schtype"]).size().sort_index()
    run(s, "contract schid schtype if schid < 8000, freq(n) cfreq(cn) percent(pct) cpercent(cp)")
    got = s.data.to_dataframe()
    assert list(got["n"]) == list(ref.values)
    assert list(got["cn"]) == list(np.cumsum(ref.values))
    assert np.allclose(got["pct"], 100 * ref.values / ref.sum())
    assert got["cp"].iloc[-1] == pytest.approx(100)
    assert s.data.info["pct"].format == "%8.2f" and s.data.sortedby == ("schid", "schtype")


def test_contract_zero_nomiss_and_weights(s) -> None:
    run(s, "replace homework = . in 1/3\ncontract schtype homework, zero nomiss")
    got = s.data.to_dataframe()
    levels = [sorted(got[v].unique()) for v in ("schtype", "homework")]
    assert len(got) == len(levels[0]) * len(levels[1])  # every combination, some with 0
    assert (got["_freq"] == 0).any() and got["_freq"].sum() == 516
    run(s, "clear\ninput g w\n1 2\n1 3\n2 5\nend\ncontract g [fw=w]")
    assert list(s.data.values("_freq")) == [5, 5]
    run(s, "use math, clear")
    assert fails(s, "contract schid, freq(schid)")[1] == 110


def test_fillin_against_product(s) -> None:
    run(s, "keep if schid < 8000\nkeep schid homework math")
    before = s.data.to_dataframe()
    run(s, "fillin schid homework")
    got = s.data.to_dataframe()
    combos = set(itertools.product(before["schid"].unique(), before["homework"].unique()))
    assert {tuple(r) for r in got[["schid", "homework"]].to_numpy()} == combos
    added = got[got["_fillin"] == 1]
    assert len(got) == len(before) + len(added) and added["math"].isna().all()
    assert s.data.info["_fillin"].type == "byte" and s.data.sortedby == ("schid", "homework")
    assert fails(s, "fillin schid homework") == ("variable _fillin already defined", 110)


def test_split_against_str_split() -> None:
    s = Session()
    run(s, 'input str20 name str10 nums\n"John Smith" "1,2,3"\n"Ann  Lee Jr" "4,,6"\n"" "7"\nend')
    out = run(s, "split name")
    assert out.startswith("variables created as string: \nname1  name2  name3")
    names = pd.Series(["John Smith", "Ann  Lee Jr", ""])
    ref = names.str.split(expand=True).fillna("")
    for k in range(3):
        assert list(s.data.values(f"name{k + 1}")) == list(ref[k])
    out = run(s, "split nums, parse(,) generate(n) destring")
    assert out.index("variables created") < out.index("replaced as byte")
    assert s.r["nvars"] == 3 and s.r["varlist"] == "n1 n2 n3"
    assert s.data.values("n2")[0] == 2 and np.isnan(s.data.values("n2")[1])
    assert s.data.values("n1").tolist() == [1, 4, 7] and s.data.info["n1"].type == "byte"
    run(s, "split name, generate(w) limit(1)")
    assert "w2" not in s.data.varnames
    assert fails(s, "split nums, generate(n)")[1] == 110  # n1 exists
    assert fails(s, "split n1")[1] == 109


def test_missing_values_are_one_value_in_keys() -> None:
    """Missing counts as a value of its own, once (nan never equals itself; a code review
    found each missing observation its own group)."""
    s = Session()
    run(s, 'input x y str3 s\n1 . "a"\n1 . "a"\n2 3 ""\n. . ""\n. . "b"\nend\npreserve')
    run(s, "contract x y")
    assert list(s.data.values("_freq")) == [2, 1, 2]
    run(s, "restore\nfillin x y")
    assert s.data.nobs == 8  # 5 + (1,3), (2,.), (.,3)
    assert int(s.data.values("_fillin").sum()) == 3
