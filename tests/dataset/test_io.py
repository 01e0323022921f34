"""Files: .dta keeps Stata's metadata, .parquet round-trips it, .csv infers types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_magic.dataset import io
from tests.conftest import fails, run


def test_bundled_sets() -> None:
    names = io.bundled_names()
    assert {"math", "sleepstudy", "dyestuff", "dyestuff2", "penicillin", "pastes", "cbpp"} <= set(
        names
    )
    ds = io.load_bundled("math")
    assert ds.varnames == ["schid", "homework", "schtype", "math"]
    assert ds.nobs == 519
    assert ds.value_labels == {"public": {0: "Private", 1: "Public"}}
    counts = pd.Series(ds.values("schid")).value_counts()
    assert (len(counts), counts.min(), round(counts.mean(), 1), counts.max()) == (23, 5, 22.6, 67)


@pytest.mark.parametrize("ext", ["dta", "parquet"])
def test_round_trip_keeps_labels(math_session, tmp_path, monkeypatch, ext) -> None:
    monkeypatch.chdir(tmp_path)
    s = math_session
    run(s, 'label data "Kreft and de Leeuw math data"')
    run(s, "gen byte hw = homework")
    out = run(s, f"save mine.{ext}")
    assert out == f"file mine.{ext} saved"
    assert fails(s, f"save mine.{ext}") == (f"file mine.{ext} already exists", 602)
    run(s, f"use mine.{ext}, clear")
    ds = s.data
    assert ds.label == "Kreft and de Leeuw math data"
    assert ds.info["homework"].label == "Time spent on math homework each week"
    assert ds.info["schtype"].vlabel == "public"
    assert ds.value_labels["public"] == {0: "Private", 1: "Public"}
    assert ds.info["hw"].type == "byte"
    assert ds.info["math"].type == "float"
    assert not ds.changed
    assert run(s, f"save mine.{ext}, replace") == f"file mine.{ext} saved"


def test_dta_read_by_pandas_is_the_same_data(math_session, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    run(math_session, "save m")
    back = pd.read_stata(tmp_path / "m.dta", convert_categoricals=False)
    np.testing.assert_array_equal(back["math"], math_session.data.values("math"))
    with pd.io.stata.StataReader(tmp_path / "m.dta") as r:
        r.read()
        assert r.variable_labels()["math"] == "Math score"


def test_csv_types(session, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    pd.DataFrame({"a": [1, 2, 300], "b": [0.5, 1.5, 2.5], "c": ["x", "yy", "z"]}).to_csv(
        "d.csv", index=False
    )
    run(session, "use d.csv")
    info = session.data.info
    assert (info["a"].type, info["b"].type, info["c"].type) == ("int", "double", "str2")


def test_missing_file(session, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert fails(session, "use nosuch") == ("file nosuch.dta not found", 601)
    assert fails(session, "use nosuch.parquet") == ("file nosuch.parquet not found", 601)


def test_use_varlist_if_using(session) -> None:
    run(session, "use schid math if math > 60 using math")
    assert session.data.varnames == ["schid", "math"]
    assert (session.data.values("math") > 60).all()
