"""tempvar, tempname and tempfile ([P] macro): unused names in local macros; a do-file's
temporary variables are dropped and its files erased when it ends; a file saved under any
extension is a Stata file, as Stata's save."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bayes_magic.session import Session
from tests.conftest import fails, run


def test_a_do_file_cleans_up(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.do").write_text(
        "use math, clear\n"
        "tempvar z\n"
        "generate `z' = math - 50\n"
        "tempfile f\n"
        "preserve\n"
        "collapse (mean) mschool = math, by(schid)\n"
        "save `f'\n"
        "restore\n"
        "merge m:1 schid using `f', nogenerate\n"
        "global kept `f'\n"
        "global zname `z'\n"
        "tempname sc\n"
        "scalar `sc' = 3\n"
        "assert `sc' == 3\n"
    )
    s = Session()
    out = run(s, "do t.do")
    kept, zname = s.globals["kept"], s.globals["zname"]
    assert f"file {kept} saved as .dta format" in out
    assert zname.startswith("__") and len(zname) == 8
    assert zname not in s.data.varnames and "mschool" in s.data.varnames
    assert not Path(kept).exists()  # erased when the do-file ended
    # the saved means were the school means
    means = pd.DataFrame({"s": s.data.values("schid"), "m": s.data.values("math")})
    got = pd.Series(s.data.values("mschool"), index=means.index)
    assert (got - means.groupby("s")["m"].transform("mean")).abs().max() < 1e-4


def test_names_are_new_each_time_and_checked() -> None:
    s = Session()
    run(s, "tempvar a b\ntempname c")
    names = {s.locals["a"], s.locals["b"], s.locals["c"]}
    assert len(names) == 3
    assert fails(s, "tempvar 1x")[1] == 198
    assert fails(s, "tempfile")[1] == 198


def test_save_and_use_under_another_extension(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = Session()
    run(s, "set obs 2\ngenerate x = _n")
    assert "saved as .dta format" in run(s, "save data.xyz")
    run(s, "clear\nuse data.xyz")
    assert list(s.data.values("x")) == [1, 2]
    (tmp_path / "junk.xyz").write_text("not a data set")
    assert fails(s, "use junk.xyz, clear")[1] == 610


def test_a_temporary_name_is_not_in_use() -> None:
    s = Session()
    run(s, "set obs 1\ngenerate __000000 = 1\ntempvar t\ngenerate `t' = 2")
    assert s.locals["t"] != "__000000"
