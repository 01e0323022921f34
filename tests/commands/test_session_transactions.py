"""A failed command changes nothing; prefixes; stored results; do-files."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt

from bayes_magic.session import Session
from tests.conftest import fails, run


def snapshot(s: Session) -> tuple:
    return (
        s.data.df.copy(),
        {k: (v.type, v.format, v.label, v.vlabel) for k, v in s.data.info.items()},
        {k: dict(v) for k, v in s.data.value_labels.items()},
        s.data.sortedby,
        s.data.changed,
        dict(s.r),
        s.e,
        dict(s.estimates),
    )


def same(a: tuple, b: tuple) -> None:
    pdt.assert_frame_equal(a[0], b[0])
    assert a[1:] == b[1:]


BAD_AFTER_WORK = [
    # commands that fail after doing part of their work
    "gen x = 1 + nosuch",
    "replace math = math + nosuch",
    "egen z = mean(nosuch)",
    "rename math homework",
    "by schid: gen n = _n",  # not sorted
    "label define public 3 Other",
    "drop nosuch",
    "keep if nosuch > 1",
    "tabulate schtype, generate(schtype)",  # schtype1 ... then a clash
    "use nosuchfile",
    "save math",  # exists? no: invalid because bundled name has no directory - see below
]


def test_failed_commands_leave_everything_as_it_was(math_session, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = math_session
    run(s, "summarize math")
    run(s, "gen schtype1 = 1")  # makes tabulate ..., generate(schtype) fail on its first name
    before = snapshot(s)
    for cmd in BAD_AFTER_WORK:
        res = s.execute(cmd)
        if res.error is None:
            # save math succeeds in an empty directory: that is fine, it is not a failure case
            assert cmd == "save math"
            before = snapshot(s)
            continue
        same(snapshot(s), before)


def test_do_file_stops_at_error_but_keeps_earlier_work(session, tmp_path) -> None:
    f = tmp_path / "analysis.do"
    f.write_text("use math\ngen y = 2*math\ngen y = 1\nsummarize y\n")
    res = session.execute(f"do {f}")
    assert res.error is not None and res.error.message == "variable y already defined"
    assert "y" in session.data.info  # the commands before the error ran
    log = res.log()
    assert ". gen y = 2*math" in log and ". summarize y" not in log


def test_capture_quietly_noisily(math_session) -> None:
    s = math_session
    assert run(s, "capture gen math = 1") == ""
    assert s.rc == 110
    assert run(s, "capture count") == ""
    assert s.rc == 0
    assert run(s, "quietly summarize math") == ""
    assert s.r["N"] == 519
    assert run(s, "capture noisily count") == "  519"
    # noisily turns output back on inside quietly ([P] quietly)
    assert run(s, "quietly capture noisily count") == "  519"
    res = s.execute("capture noisily gen math = 1")
    assert res.error is None and "variable math already defined" in res.text()
    # a command that does not parse (an unknown option) is captured too, as in Stata
    before = s.e
    res = s.execute("capture regress math homework, nosuchoption\ndisplay _rc")
    assert res.error is None and res.text().strip() == "198" and s.e is before
    res = s.execute("cap n regress math homework, nosuchoption")
    assert res.error is None and "option nosuchoption not allowed" in res.text()
    assert s.rc == 198
    assert s.execute("quietly regress math homework, nosuchoption").rc == 198


def test_use_requires_clear_after_changes(math_session) -> None:
    run(math_session, "gen k = 1")
    assert fails(math_session, "use math") == (
        "no; dataset in memory has changed since last saved",
        4,
    )
    run(math_session, "use math, clear")
    assert "k" not in math_session.data.info


def test_use_a_notebook_dataframe(session) -> None:
    df = pd.DataFrame(
        {
            "g": [1, 1, 2],
            "y": [1.5, 2.5, 3.0],
            "name": ["a", "b", None],
            "kind": pd.Categorical(["lo", "hi", "lo"]),
        }
    )
    session.namespace["df"] = df
    original = df.copy()
    run(session, "use df")
    run(session, "replace y = 0")
    pdt.assert_frame_equal(df, original)  # the user's DataFrame is never modified
    info = session.data.info
    assert (info["g"].type, info["y"].type, info["name"].type, info["kind"].type) == (
        "byte",
        "double",
        "str1",
        "long",
    )
    assert session.data.value_labels["kind"] == {1: "hi", 2: "lo"}
    assert run(session, "list kind in 1, noobs").splitlines()[3] == "  |   lo |"


def test_set_seed_and_random_functions(session) -> None:
    run(session, "set obs 5")
    run(session, "set seed 42")
    run(session, "gen double u = runiform()")
    first = session.data.values("u").copy()
    run(session, "set seed 42")
    run(session, "replace u = runiform()")
    assert (session.data.values("u") == first).all()


def test_preserve_restore(math_session) -> None:
    run(math_session, "preserve")
    run(math_session, "drop if schtype == 1")
    assert math_session.data.nobs == 202
    run(math_session, "restore")
    assert math_session.data.nobs == 519
    assert fails(math_session, "restore") == ("nothing to restore", 622)


def test_drop_keep(math_session) -> None:
    assert run(math_session, "drop if schtype == 1") == "(317 observations deleted)"
    assert run(math_session, "keep in 1/2") == "(200 observations deleted)"
    assert run(math_session, "drop in 1") == "(1 observation deleted)"
    run(math_session, "keep math homework")
    assert math_session.data.varnames == ["homework", "math"]
    assert fails(math_session, "drop math if homework") == ("invalid syntax", 198)


def test_display(session) -> None:
    assert run(session, "display 1/3") == ".33333333"
    assert run(session, 'display "x = " 2+2') == "x = 4"
    assert run(session, "display -2^2") == "-4"


def test_unavailable_commands_say_so(math_session) -> None:
    msg, rc = fails(math_session, "bayes: meglm math homework || schid:")
    assert rc == 198 and "not available" in msg
    msg, rc = fails(math_session, "meglm math homework || schid:, family(gamma)")
    assert rc == 198 and "not available" in msg
    msg, rc = fails(math_session, "nosuchcommand math")
    assert rc == 199
