"""``exit`` ([P] exit) and more ``c()`` values ([P] creturn), from a new-user trial."""

from __future__ import annotations

import datetime as dt
import re

from bayes_magic.session import Session
from tests.conftest import run


def test_exit_ends_the_cell_and_the_do_file(tmp_path) -> None:
    s = Session()
    res = s.execute("display 7\nexit, clear\ndisplay 8")
    assert res.error is None and res.text().split() == ["7"]
    res = s.execute("forvalues i = 1/3 {\ndisplay `i'\nif `i' == 2 exit\n}\ndisplay 4")
    assert res.error is None and res.text().split() == ["1", "2"]
    do = tmp_path / "ex.do"
    do.write_text("display 1\nexit\ndisplay 2\n")
    out = run(s, f'do "{do}"\ndisplay 3')
    assert "2\n" not in out.replace(". display 2", "") and out.rstrip().endswith("3")


def test_exit_with_a_return_code() -> None:
    s = Session()
    res = s.execute("display 9\nexit 459\ndisplay 10")
    assert res.error is not None and res.error.rc == 459 and "10" not in res.text()
    assert run(s, "capture exit 7\ndisplay _rc").split() == ["7"]
    assert s.execute("exit, nosuch").error.rc == 198


def test_creturn_values() -> None:
    s = Session()
    out = run(s, 'display c(current_date) "|" c(current_time) "|" c(stata_version)')
    date, time, version = out.strip().split("|")
    today = dt.date.today()
    assert date.split() == [str(today.day), today.strftime("%b"), str(today.year)]
    assert re.fullmatch(r"\d\d:\d\d:\d\d", time) and version == "17"
    run(s, "sysuse exam, clear\nsort school student")
    assert run(s, 'display "`c(sortedby)\'"').strip() == "school student"
    assert run(s, "display word(c(Months), 11)").strip() == "November"
