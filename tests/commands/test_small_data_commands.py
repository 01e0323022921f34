"""order, compress, recast, isid, duplicates, xtile, ds, lookfor, mvdecode/mvencode and tab2,
checked against pandas and numpy computations of the same data."""

from __future__ import annotations

import numpy as np

from bayes_magic.session import Session
from tests.conftest import col, fails, run


def test_order_positions(math_session: Session) -> None:
    s = math_session
    run(s, "order homework math")
    assert s.data.varnames[:2] == ["homework", "math"]
    run(s, "order homework, last")
    assert s.data.varnames[-1] == "homework"
    run(s, "order homework, after(math)")
    names = s.data.varnames
    assert names[names.index("math") + 1] == "homework"
    _m, rc = fails(s, "order math, first last")
    assert rc == 198


def test_compress_keeps_values_and_recast_refuses_changes(math_session: Session) -> None:
    s = math_session
    before = {v: col(s, v).copy() for v in s.data.varnames}
    out = run(s, "compress")
    assert "variable math was float now byte" in out and out.endswith("bytes saved)")
    for v, x in before.items():
        np.testing.assert_array_equal(col(s, v), x)
    assert s.data.info["math"].type == "byte"
    assert run(s, "compress") == "  (0 bytes saved)"
    run(s, "gen double h = homework / 3")
    out = run(s, "recast float h")
    assert "would be changed; not changed" in out and s.data.info["h"].type == "double"
    run(s, "recast float h, force")
    assert s.data.info["h"].type == "float"


def test_isid_and_duplicates_match_pandas(math_session: Session) -> None:
    s = math_session
    df = s.data.to_dataframe()
    m, rc = fails(s, "isid schid")
    assert rc == 459 and "does not uniquely identify" in m
    run(s, "gen long obs = _n")
    run(s, "isid obs")
    out = run(s, "duplicates report schid")
    sizes = df.groupby("schid").size()
    for copies, n in sizes.value_counts().items():
        row = f"{copies:>9} | {copies * n:>12,}  {copies * n - n:>12,}"
        assert row in out
    run(s, "duplicates tag schid homework, gen(dup)")
    ref = df.groupby(["schid", "homework"])["math"].transform("size") - 1
    np.testing.assert_array_equal(col(s, "dup"), ref.to_numpy(float))
    m, rc = fails(s, "duplicates drop schid")
    assert rc == 198 and "force" in m
    run(s, "duplicates drop schid homework, force")
    assert s.data.nobs == len(df.drop_duplicates(["schid", "homework"]))


def test_xtile_uses_summarize_percentiles(math_session: Session) -> None:
    s = math_session
    run(s, "xtile q = math, nq(5)")
    x = np.sort(col(s, "math"))
    n = len(x)

    def pct(p: float) -> float:  # Stata's definition: P = n p / 100
        P = n * p / 100
        k = int(np.floor(P))
        return (x[k - 1] + x[k]) / 2 if k == P else x[k]

    cuts = [pct(20 * j) for j in range(1, 5)]
    expect = 1 + np.searchsorted(cuts, col(s, "math"), side="left")
    np.testing.assert_array_equal(col(s, "q"), expect)
    run(s, "gen c = 50 in 1\nreplace c = 60 in 2")
    run(s, "xtile qc = math, cutpoints(c)")
    np.testing.assert_array_equal(col(s, "qc"), 1 + (col(s, "math") > 50) + (col(s, "math") > 60))


def test_ds_lookfor_mvcodes_and_tab2(math_session: Session) -> None:
    s = math_session
    run(s, 'gen str3 tag = "a"')
    run(s, "ds, has(type string)")
    assert s.r["varlist"] == "tag"
    run(s, "ds, not(type string)")
    assert "tag" not in s.r["varlist"].split()
    run(s, "lookfor school")
    assert s.r["varlist"] == "schid schtype"
    x = col(s, "math").copy()
    out = run(s, "mvdecode math, mv(50 51)")
    k = int(np.isin(x, [50, 51]).sum())
    assert f"math: {k} missing values generated" in out
    assert np.isnan(col(s, "math")).sum() == k
    _m, rc = fails(s, "mvencode math, mv(52)")
    assert rc == 9
    run(s, "mvencode math, mv(999)")
    assert (col(s, "math") == 999).sum() == k and s.data.info["math"].type != "byte"
    run(s, "gen hi = homework > 3")
    out = run(s, "tab2 schtype homework hi")
    assert out.count("-> tabulation of") == 3


def test_duplicates_list_and_examples_show_every_set(math_session: Session) -> None:
    """duplicates list shows every duplicated observation and examples the first of each set,
    numbered in the sort order of the key; the counts are pandas'."""
    s = math_session
    df = s.data.to_dataframe()
    out = run(s, "duplicates list schid homework if schid < 7500, sepby(schid)")
    sub = df[df.schid < 7500]
    dups = sub[sub.duplicated(["schid", "homework"], keep=False)]
    body = [ln for ln in out.splitlines() if ln.startswith("  |") and ln[4:5] != "-"][1:]
    assert len(body) == len(dups)
    cells = [ln.strip("| ").split() for ln in body]
    assert [int(c[1]) for c in cells] == sorted(
        (dups.index + 1).tolist(), key=lambda i: (df.schid[i - 1], df.homework[i - 1], i)
    )
    groups = dups.groupby(["schid", "homework"]).size()
    assert int(cells[-1][0]) == len(groups)
    ex = run(s, "duplicates examples schid homework if schid < 7500")
    rows = [ln.strip("| ").split() for ln in ex.splitlines() if ln.startswith("  | ")][1:]
    assert [int(r[1]) for r in rows] == groups.tolist()
    assert "(0 observations are duplicates)" in run(s, "duplicates list in 1")
