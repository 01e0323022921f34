"""``encode``/``decode``, ``destring``, ``clonevar``, ``recode`` and ``collapse`` ([D]),
checked against pandas and numpy computations of the same things."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayes_magic
from bayes_magic.dataset.dataset import Dataset
from bayes_magic.session import Session
from tests.conftest import fails, run

#: the bundled copy of ../shared/data/guimmun.csv (``use guimmun``)
GUIMMUN = Path(bayes_magic.__file__).parent / "dataset" / "bundled" / "guimmun.csv"


@pytest.fixture
def s() -> Session:
    s = Session()
    run(s, "use guimmun")
    return s


def test_encode_numbers_strings_in_sort_order_and_decode_inverts(s: Session) -> None:
    run(s, "encode ethn, generate(eth)")
    df = pd.read_csv(GUIMMUN)
    cats = sorted(df["ethn"].unique())
    assert s.data.value_labels["eth"] == {i + 1: c for i, c in enumerate(cats)}
    assert s.data.info["eth"].type == "long" and s.data.info["eth"].vlabel == "eth"
    codes = s.data.values("eth")
    np.testing.assert_array_equal(codes, [cats.index(v) + 1 for v in df["ethn"]])
    run(s, "decode eth, generate(back)")
    assert list(s.data.values("back")) == list(df["ethn"])
    # an existing label is extended; noextend refuses strings it lacks
    run(s, 'label define yn 1 "Y"')
    run(s, "encode immun, generate(im) label(yn)")
    assert s.data.value_labels["yn"] == {1: "Y", 2: "N"}
    assert fails(s, "encode momed, generate(me2) label(yn) noextend")[1] == 459
    assert fails(s, "encode kid, generate(k2)")[1] == 107
    assert fails(s, "encode ethn")[1] == 198
    assert fails(s, "decode kid, generate(k3)")[1] == 182


def test_destring(s: Session) -> None:
    run(s, "generate str10 a = string(kid / 4) in 1/20")
    run(s, "destring a, replace")
    np.testing.assert_allclose(s.data.values("a")[:20], pd.read_csv(GUIMMUN)["kid"][:20] / 4)
    assert s.data.info["a"].type in ("float", "double")
    run(s, 'generate str8 b = "12%" in 1/3')
    run(s, 'replace b = "bad" in 3')
    out = run(s, "destring b, generate(b1) percent")  # % joins ignore(), as destring.ado
    assert out == "b: contains characters not specified in ignore(); no generate"
    assert "b1" not in s.data.info
    out = run(s, "destring b, generate(b1) percent force")
    assert out.splitlines() == [
        "b: contains nonnumeric characters not specified in ignore()",
        "b: character % removed; b1 generated as double",  # .12 is not a float
        "(2157 missing values generated)",  # the empty strings count too
    ]
    assert s.data.values("b1")[:2].tolist() == [0.12, 0.12]
    run(s, 'generate str8 d = "50" in 1')
    run(s, 'replace d = "25%" in 2')
    run(s, "destring d, generate(d1) percent")  # every value is divided when any had a %
    assert s.data.values("d1")[:2].tolist() == [0.5, 0.25]
    run(s, 'generate str8 c = "1.234,5" in 1')
    run(s, 'destring c, generate(c1) ignore(".") dpcomma')
    assert s.data.values("c1")[0] == 1234.5
    assert "already numeric" in run(s, "destring kid, replace")
    # one real() for expressions and destring: blanks allowed, Python-only forms not
    assert (
        run(s, 'display real(" 2.5 "), real("1_000"), real("inf"), real("1e3")') == "2.5 . . 1000"
    )
    assert fails(s, "destring b")[1] == 198


def test_clonevar_keeps_metadata(s: Session) -> None:
    run(s, 'label variable kid "child id"')
    run(s, "format kid %6.0f")
    run(s, "clonevar k = kid if kid < 100")
    info = s.data.info["k"]
    assert (info.type, info.format, info.label) == (s.data.info["kid"].type, "%6.0f", "child id")
    k = s.data.values("k")
    kid = s.data.values("kid")
    assert np.array_equal(np.isnan(k), kid >= 100)


def test_recode_rules_first_match_labels_and_generate() -> None:
    s = Session()
    s.data = Dataset.from_dataframe(pd.DataFrame({"x": [1.0, 2, 3, 4, 5, np.nan, 7]}))
    out = run(s, 'recode x (1 2 = 1 "low") (2/5 = 2 "mid") (missing = 9) (else = 3), gen(y)')
    np.testing.assert_array_equal(s.data.values("y"), [1, 1, 2, 2, 2, 9, 3])
    assert out == "(6 differences between x and y)"  # x = 1 stays 1
    assert s.data.value_labels["y"] == {1: "low", 2: "mid"} and s.data.info["y"].vlabel == "y"
    run(s, "recode x (min/3 = 0) (4 = .) if x != 2, prefix(r_)")
    r = s.data.values("r_x")
    np.testing.assert_array_equal(np.isnan(r), [False, True, False, True, False, True, False])
    np.testing.assert_array_equal(r[[0, 2, 4, 6]], [0, 0, 5, 7])
    run(s, "generate byte b = x")
    out = run(s, "recode b (5 = 50) (7 = 1000)")  # in place, promoted to hold 1000
    assert out == "(2 changes made to b)" and s.data.info["b"].type == "int"
    out = run(s, "recode x (1 = 2) (1 = 3) (999 = 0), test")
    assert "(999 = 0) never invoked" in out and "(1 = 3) never invoked" in out
    run(s, "recode x (2 = 5), into(z)")  # into() is generate(); x's 1 is 2 by now
    run(s, "recode b 1000=3 *=0")  # the old form without parentheses
    np.testing.assert_array_equal(s.data.values("b")[[0, 6]], [0, 3])
    assert s.data.values("z")[0] == 5
    assert fails(s, 'recode x (1 = 1.5 "a"), gen(w)')[1] == 198
    assert fails(s, "recode x (1 2)")[1] == 198
    assert fails(s, "recode x")[1] == 198
    assert fails(s, "recode x (1=2), label(l)")[1] == 198


@pytest.mark.parametrize("cw", [False, True])
def test_collapse_against_pandas(cw: bool) -> None:
    rng = np.random.default_rng(4)
    n = 60
    df = pd.DataFrame(
        {
            "g": rng.integers(0, 4, n).astype(float),
            "h": rng.integers(0, 2, n).astype(float),
            "x": rng.normal(size=n),
            "y": rng.poisson(3, n).astype(float),
        }
    )
    df.loc[[3, 10, 11], "x"] = np.nan
    df.loc[[5], "g"] = np.nan
    s = Session()
    s.data = Dataset.from_dataframe(df)
    run(
        s,
        "collapse (mean) mx=x (sd) sx=x (median) medx=x (p25) q=x (sum) sy=y (count) nx=x "
        f"(max) y (first) fx=x (lastnm) lx=x, by(g h){' cw' if cw else ''}",
    )
    d = df.dropna(subset=["x", "y"]) if cw else df
    grp = d.groupby(["g", "h"], dropna=False, sort=True)
    got = s.data.to_dataframe()
    exp = pd.DataFrame(
        {
            "mx": grp["x"].mean(),
            "sx": grp["x"].std(ddof=1),
            "medx": grp["x"].median(),
            "q": grp["x"].apply(
                lambda v: (
                    np.percentile(v.dropna(), 25, method="averaged_inverted_cdf")
                    if v.notna().any()
                    else np.nan
                )
            ),
            "sy": grp["y"].sum(),
            "nx": grp["x"].count(),
            "y": grp["y"].max(),
            "fx": grp["x"].apply(lambda v: v.iloc[0]),
            "lx": grp["x"].apply(lambda v: v.dropna().iloc[-1] if v.notna().any() else np.nan),
        }
    ).reset_index()
    assert list(got.columns) == ["g", "h", "mx", "sx", "medx", "q", "sy", "nx", "y", "fx", "lx"]
    assert len(got) == len(exp)
    for c in exp.columns:
        np.testing.assert_allclose(got[c].to_numpy(float), exp[c].to_numpy(float), rtol=2e-7)
    assert s.data.info["mx"].label == "(mean) x" and s.data.sortedby == ("g", "h")


def test_collapse_weights_and_errors() -> None:
    df = pd.DataFrame({"g": [1.0, 1, 2, 2], "x": [1.0, 3, 5, 7], "w": [1.0, 3, 2, 2]})
    s = Session()
    s.data = Dataset.from_dataframe(df)
    run(s, "preserve")
    run(s, "collapse (mean) x (count) n=x [fweight=w], by(g)")
    np.testing.assert_allclose(s.data.values("x"), [(1 + 9) / 4, 6])
    np.testing.assert_allclose(s.data.values("n"), [4, 4])
    run(s, "restore")
    assert s.data.nobs == 4
    assert fails(s, "collapse (bogus) x")[1] == 198
    assert fails(s, "collapse (mean) x (sd) x")[1] == 198
    assert fails(s, "collapse x if x > 100")[1] == 2000
    assert s.data.nobs == 4  # a failed collapse leaves the data alone


def test_egen_cut_as_gcut_ado() -> None:
    s = Session()
    run(s, "use math")
    run(s, "egen q = cut(math), group(4)")
    x = s.data.values("math")
    cuts = [x.min(), *np.percentile(x, [25, 50, 75], method="averaged_inverted_cdf"), x.max() + 1]
    want = np.full(len(x), np.nan)
    for i, c in enumerate(cuts):
        want[x >= c] = i
    np.testing.assert_array_equal(s.data.values("q"), want)
    run(s, "egen c = cut(math), at(30 50 70) label")
    c = s.data.values("c")
    np.testing.assert_array_equal(np.isnan(c), (x < 30) | (x >= 70))
    np.testing.assert_array_equal(c[~np.isnan(c)], (x[~np.isnan(c)] >= 50).astype(float))
    assert s.data.value_labels["c"] == {0: "30-", 1: "50-", 2: "70-"}
    run(s, "egen c2 = cut(math), at(30(20)70)")  # the left breakpoints themselves; a numlist
    assert set(np.unique(s.data.values("c2")[~np.isnan(c)])) == {30.0, 50.0}
    assert fails(s, "egen c3 = cut(math)")[1] == 198
    assert fails(s, "egen c3 = cut(math), at(1 2) group(3)")[1] == 198


def test_tab1_is_one_oneway_table_per_variable() -> None:
    s = Session()
    run(s, "use bangladesh")
    out = run(s, "tab1 urban children if age < 0")
    one = run(s, "tabulate urban if age < 0")
    two = run(s, "tabulate children if age < 0")
    assert out == f"\n-> tabulation of urban\n{one}\n\n-> tabulation of children\n{two}"
    assert s.r["r"] == 4  # the last table's
    assert fails(s, "tab1 urban, plot")[1] == 198


def test_collapse_count_and_percent_with_weights() -> None:
    df = pd.DataFrame({"g": [1.0, 1, 2, 2, np.nan], "x": [1.0, 2, 4, 6, 7], "w": [1.0, 3, 2, 1, 1]})
    s = Session()
    s.data = Dataset.from_dataframe(df)
    run(s, "preserve")
    run(s, "collapse (count) c=x (percent) p=x (sebinomial) sb=x [fw=w], by(g)")
    np.testing.assert_allclose(s.data.values("c"), [4, 3, 1])  # sums of the weights
    np.testing.assert_allclose(s.data.values("p"), [50, 37.5, 12.5])
    assert np.isnan(s.data.values("sb")).all()  # not 0/1 data
    run(s, "restore")
    run(s, "preserve")
    run(s, "collapse (count) c=x [pw=w], by(g)")
    np.testing.assert_allclose(s.data.values("c"), [4, 3, 1])
    run(s, "restore")
    for stat, wt in (("sd", "pw"), ("semean", "iw"), ("sepoisson", "aw")):
        assert fails(s, f"collapse ({stat}) x [{wt}=w], by(g)")[1] == 135
    assert s.data.nobs == 5


def test_gsort_leaves_the_leading_ascending_keys_sorted(math_session: Session) -> None:
    """gsort.ado sorts on temporary keys and drops them: the data stay sorted by the keys
    before the first descending one, so ``by schid:`` works after ``gsort schid -math``."""
    s = math_session
    run(s, "gsort schid -math")
    assert s.data.sortedby == ("schid",)
    x = np.asarray(s.data.values("math"), float)
    g = np.asarray(s.data.values("schid"), float)
    assert np.all(np.diff(g) >= 0)
    assert all(np.all(np.diff(x[g == k]) <= 0) for k in np.unique(g))
    run(s, "by schid: gen first = math[1]")
    run(s, "gsort -math")
    assert s.data.sortedby == ()
    fails(s, "by schid: gen n = _n")
    run(s, "gsort schtype -math, generate(rank)")
    assert s.data.sortedby == ("rank",)
