"""``import delimited`` / ``insheet`` and ``export delimited`` / ``outsheet`` ([D] import
delimited): round trips, the options, storage types, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture
def s() -> Session:
    return Session()


def test_round_trip_keeps_values_and_types(s, tmp_path) -> None:
    run(s, "use cbpp")
    before = {v: np.asarray(s.data.values(v), float) for v in s.data.varnames}
    out = run(s, f"export delimited using {tmp_path / 'c'}")
    assert f"file {tmp_path / 'c.csv'} saved" in out
    assert (tmp_path / "c.csv").read_text().splitlines()[1] == "1,2,14,1"
    assert "(4 vars, 56 obs)" in run(s, f"import delimited {tmp_path / 'c.csv'}, clear")
    for v, x in before.items():
        assert np.array_equal(np.asarray(s.data.values(v), float), x)
        assert s.data.info[v].type == "byte"


def test_decimals_are_float_unless_asdouble(s, tmp_path) -> None:
    f = tmp_path / "d.csv"
    pd.DataFrame({"x": [0.1, 1 / 3, 2.5], "k": [1, 2, 300], "name": ["a", "b", "c"]}).to_csv(
        f, index=False
    )
    run(s, f"import delimited using {f}")
    info = s.data.info
    assert (info["x"].type, info["k"].type, info["name"].type) == ("float", "int", "str1")
    x = np.asarray(s.data.values("x"), float)
    assert x[1] == float(np.float32(1 / 3))  # stored as Stata stores a float
    run(s, f"import delimited using {f}, clear asdouble")
    assert s.data.info["x"].type == "double"
    assert np.asarray(s.data.values("x"), float)[1] == 1 / 3


def test_options(s, tmp_path) -> None:
    f = tmp_path / "t.txt"
    f.write_text("A\tBb\n1\t2\n3\t4\n5\t6\n")
    run(s, f'import delimited {f}, delimiters("\\t") case(lower) rowrange(2:3)')
    assert s.data.varnames == ["a", "bb"]
    assert list(np.asarray(s.data.values("a"), float)) == [3.0, 5.0]
    run(s, f"import delimited {f}, clear varnames(nonames)")
    assert s.data.varnames == ["v1", "v2"] and s.data.nobs == 4
    run(s, f"insheet using {f}, clear")  # the delimiter guessed: tab; names lowercased
    assert s.data.varnames == ["a", "bb"]
    run(s, f"import delimited {f}, clear case(preserve)")
    assert s.data.varnames == ["A", "Bb"]


def test_a_numeric_first_row_is_data(s, tmp_path) -> None:
    f = tmp_path / "h.csv"
    f.write_text("1,2,3\n4,5,6\n")
    run(s, f"import delimited {f}")
    assert s.data.varnames == ["v1", "v2", "v3"] and s.data.nobs == 2
    run(s, f"import delimited {f}, clear varnames(1)")
    assert s.data.nobs == 1


def test_a_first_row_that_fits_its_columns_is_data(s, tmp_path) -> None:
    """No names row: a first row whose cells fit their columns (1 over 2, x over y) is data,
    as Stata reads it (a new-user trial lost that observation); a name over numbers is a
    header; a file of text only keeps its first row as names."""
    (tmp_path / "a.csv").write_text("1,x\n2,y\n")
    run(s, f"import delimited using {tmp_path / 'a.csv'}, clear")
    assert s.data.varnames == ["v1", "v2"] and s.data.nobs == 2
    (tmp_path / "b.csv").write_text("id,name\n1,bob\n2,al\n")
    run(s, f"import delimited using {tmp_path / 'b.csv'}, clear")
    assert s.data.varnames == ["id", "name"] and s.data.nobs == 2
    (tmp_path / "c.csv").write_text("name,city\nbob,paris\n")
    run(s, f"import delimited using {tmp_path / 'c.csv'}, clear")
    assert s.data.varnames == ["name", "city"] and s.data.nobs == 1


def test_text_missing_values_and_large_integers(s, tmp_path) -> None:
    f = tmp_path / "n.csv"
    f.write_text("code,n,x\nNA,99999999999,1.5\nb,2,.\n,3,\n")
    run(s, f"import delimited {f}")
    assert list(s.data.values("code")) == ["NA", "b", ""]  # NA is text, not missing
    assert s.data.info["n"].type == "double"
    assert np.asarray(s.data.values("n"), float)[0] == 99999999999.0  # exact
    x = np.asarray(s.data.values("x"), float)
    assert x[0] == 1.5 and np.isnan(x[1]) and np.isnan(x[2])


def test_export_subset_labels_and_outsheet(s, tmp_path) -> None:
    run(s, "use math")
    run(s, f"export delimited schid schtype using {tmp_path / 'm.csv'} in 1/3")
    lines = (tmp_path / "m.csv").read_text().splitlines()
    assert lines[0] == "schid,schtype" and len(lines) == 4
    assert lines[1].split(",")[1] in ("Public", "Private")  # the value label's text
    run(s, f"export delimited schtype using {tmp_path / 'm.csv'} in 1/3, replace nolabel")
    assert (tmp_path / "m.csv").read_text().splitlines()[1] in ("0", "1")
    run(s, f"outsheet schid using {tmp_path / 'o.csv'} if schid == 7472, novarnames")
    text = (tmp_path / "o.csv").read_text().splitlines()
    assert text and set(text) == {"7472"}
    run(s, f"outsheet schid homework using {tmp_path / 'o.csv'} in 1, nonames comma replace")
    assert (
        "," in (tmp_path / "o.csv").read_text() and "schid" not in (tmp_path / "o.csv").read_text()
    )
    run(s, f"export delimited {tmp_path / 'whole'}")  # without using: the whole data set
    assert (tmp_path / "whole.csv").read_text().splitlines()[0] == "schid,homework,schtype,math"


def test_bad_input(s, tmp_path) -> None:
    assert fails(s, f"import delimited {tmp_path / 'nosuch.csv'}")[1] == 601
    run(s, "use cbpp")
    run(s, "generate z = 1")
    assert fails(s, f"import delimited {tmp_path / 'x.csv'}")[1] == 4  # data changed: clear
    run(s, f"export delimited using {tmp_path / 'x.csv'}")
    msg, rc = fails(s, f"export delimited using {tmp_path / 'x.csv'}")
    assert rc == 602 and "already exists" in msg
    assert fails(s, "export delimited herd size")[1] == 198  # two names and no using
    assert s.data.nvars == 5  # nothing changed
