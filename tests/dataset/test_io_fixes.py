"""Files after review 2-3: .dta storage types (long, strL, integers with missing values), and
clean errors for parquet without pyarrow, unwritable paths and bad CSV headers."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from bayes_magic.dataset.io import _stata_type
from tests.conftest import fails, run


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("b", "byte"),
        ("h", "int"),
        ("l", "long"),
        ("f", "float"),
        ("d", "double"),
        (7, "str7"),
        (2045, "str2045"),
        (32768, "strL"),
        ("Q", "strL"),
    ],
)
def test_reader_type_codes_map_to_storage_types(code, expected) -> None:
    assert _stata_type(code, np.zeros(1)) == expected


def test_dta_keeps_long_strl_and_integers_with_missing(math_session, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = math_session
    run(s, "gen long big = _n * 100000")
    run(s, 'gen bigstr = "x" * 3000')
    run(s, "gen int k = homework * 1000")
    run(s, "replace k = . in 1")
    run(s, "gen byte b = schtype")
    run(s, "replace b = . in 2")
    run(s, "gen long l2 = big")
    run(s, "replace l2 = . in 3")
    assert s.data.info["bigstr"].type == "strL"
    before = s.data.to_dataframe()
    run(s, "save t1")
    with pd.io.stata.StataReader(tmp_path / "t1.dta") as r:
        r.read()
        typlist = dict(zip(r._varlist, r._typlist))
    assert [typlist[v] for v in ("big", "k", "b", "l2")] == ["l", "h", "b", "l"]
    run(s, "use t1, clear")
    info = s.data.info
    types = {v: info[v].type for v in ("big", "bigstr", "k", "b", "l2")}
    assert types == {"big": "long", "bigstr": "strL", "k": "int", "b": "byte", "l2": "long"}
    after = s.data.to_dataframe()
    for v in ("big", "k", "b", "l2"):
        np.testing.assert_array_equal(after[v], before[v])
    assert np.isnan(after["k"][0]) and np.isnan(after["b"][1]) and np.isnan(after["l2"][2])
    assert (after["bigstr"] == "x" * 3000).all()
    # a strL lists and summarizes as a string
    assert run(s, "summarize bigstr").splitlines()[2] == "      bigstr |          0"
    assert run(s, "list bigstr in 1").count("x") == 3000


def _no_pyarrow(monkeypatch) -> None:
    for name in ("pyarrow", "pyarrow.parquet"):
        monkeypatch.setitem(sys.modules, name, None)


def test_parquet_without_pyarrow_is_a_stata_error(math_session, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    run(math_session, "save m.parquet")  # pyarrow is installed for the tests
    _no_pyarrow(monkeypatch)
    msg = ("parquet files need pyarrow: pip install pyarrow", 198)
    assert fails(math_session, "save m2.parquet") == msg
    assert fails(math_session, "use m.parquet, clear") == msg


def test_unwritable_file_is_r603(math_session) -> None:
    assert fails(math_session, "save /proc/x") == ("file /proc/x.dta could not be opened", 603)
    assert fails(math_session, "save /nonexistent/dir/x") == (
        "file /nonexistent/dir/x.dta could not be opened",
        603,
    )


def test_csv_headers_are_renamed(session, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.csv").write_text("my var,2x,ok\n1,2,3\n")
    out = run(session, "use bad.csv")
    assert out == "(variable names changed to valid Stata names: my var -> myvar, 2x -> v2)"
    assert session.data.varnames == ["myvar", "v2", "ok"]
    assert session.data.info["v2"].label == "2x"


@pytest.mark.parametrize("opt", ["all", "version(13)"])
def test_save_refuses_what_it_cannot_do(math_session, tmp_path, monkeypatch, opt) -> None:
    monkeypatch.chdir(tmp_path)
    name = opt.split("(")[0]
    assert fails(math_session, f"save m, {opt}") == (
        f"option {name} is not available in bayes_magic yet",
        198,
    )


def test_dta_keeps_the_sort_order(session, tmp_path, monkeypatch) -> None:
    """save writes the <sortlist> (pandas leaves it empty) and use reads it back, so by:
    works on the reloaded data as in Stata (a new-user trial found it lost)."""
    monkeypatch.chdir(tmp_path)
    run(session, "sysuse sleepstudy, clear\nsort Subject Days\nsave s2")
    run(session, "use s2, clear")
    assert session.data.sortedby == ("Subject", "Days")
    run(session, "by Subject: generate k = _n")
    assert pd.read_stata(tmp_path / "s2.dta").shape == (180, 3)  # still a valid file
    run(session, "replace Days = 9 - Days\nsave s3\nuse s3, clear")
    assert session.data.sortedby == ("Subject",)  # a changed sort variable leaves the order


def test_dta_keeps_formats_and_value_label_sets(session, tmp_path, monkeypatch) -> None:
    """save writes each variable's display format (pandas writes its own %9.0g), the value-label
    sets under their names, shared or not, and with ``orphans`` the unattached ones ([D] save);
    pandas' reader, which nobody here wrote, reads the file back (a new-user trial found %td
    dates coming back as numbers)."""
    monkeypatch.chdir(tmp_path)
    run(
        session,
        "set obs 3\ngenerate d = 21916 + _n\nformat d %td\ngenerate x = _n*1.5\n"
        "format x %6.2f\ngenerate a = _n\ngenerate b = 4 - _n\n"
        'label define ab 1 one 2 two 3 "three and more"\nlabel define unused 1 u1\n'
        "label values a ab\nlabel values b ab\nsave f\nsave g, orphans\nsave h, nolabel",
    )
    with pd.io.stata.StataReader(tmp_path / "f.dta") as r:
        df = r.read()
        assert r.value_labels() == {"ab": {1: "one", 2: "two", 3: "three and more"}}
    assert list(df["d"].dt.strftime("%Y-%m-%d")) == ["2020-01-03", "2020-01-04", "2020-01-05"]
    assert list(df["a"]) == ["one", "two", "three and more"]
    assert list(df["b"]) == ["three and more", "two", "one"]
    run(session, "use f, clear")
    assert [session.data.info[v].format for v in ("d", "x", "a")] == ["%td", "%6.2f", "%9.0g"]
    assert (session.data.info["a"].vlabel, session.data.info["b"].vlabel) == ("ab", "ab")
    assert set(session.data.value_labels) == {"ab"}
    run(session, "use g, clear")
    assert session.data.value_labels["unused"] == {1: "u1"}
    run(session, "use h, clear")
    assert session.data.value_labels == {} and session.data.info["a"].vlabel == "ab"


def test_failed_save_leaves_the_old_file(session, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    run(session, "set obs 2\ngenerate x = _n\nsave f")
    before = (tmp_path / "f.dta").read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_stata", boom)
    assert fails(session, "save f, replace")[1] == 603
    assert (tmp_path / "f.dta").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["f.dta"]


def test_section_tags_inside_the_data_do_not_fool_the_writer(
    session, tmp_path, monkeypatch
) -> None:
    """The sections are found by the file's <map>, not by searching for their tags, which a
    string value or the data label can contain (a code review wrote an unreadable file)."""
    monkeypatch.chdir(tmp_path)
    run(
        session,
        'set obs 2\ngenerate s = "<value_labels>"\ngenerate y = _n\n'
        'label define yn 1 "a" 2 "b"\nlabel values y yn\n'
        'label data "tags <formats> <sortlist> <N> <label>"\nformat y %5.1f\nsort y\nsave t',
    )
    with pd.io.stata.StataReader(tmp_path / "t.dta") as r:
        df = r.read()
        assert r.value_labels() == {"yn": {1: "a", 2: "b"}}
        assert r.data_label == "tags <formats> <sortlist> <N> <label>"
    assert list(df["s"]) == ["<value_labels>"] * 2 and list(df["y"]) == ["a", "b"]
    run(session, "use t, clear")
    assert session.data.info["y"].format == "%5.1f" and session.data.sortedby == ("y",)
    (tmp_path / "x.xyz").write_text("some text that starts with s")
    assert fails(session, "use x.xyz, clear")[1] == 610
    assert fails(session, 'label define big 3000000000 "x"')[1] == 198
