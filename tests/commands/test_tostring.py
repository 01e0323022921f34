"""``tostring`` ([D] destring), as ``tostring.ado`` 3.0.0 does it."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


def test_generate_follows_the_source_and_reads_back(math_session: Session) -> None:
    s = math_session
    out = run(s, "tostring schid math, generate(sid smath)")
    assert out.splitlines() == ["sid generated as str5", "smath generated as str2"]
    names = list(s.data.varnames)
    assert names[names.index("schid") + 1] == "sid"
    assert s.data.info["sid"].label == s.data.info["schid"].label
    back = [float(t) for t in s.data.values("sid")]
    np.testing.assert_array_equal(back, s.data.values("schid"))


def test_float_decimals_are_not_reversible_without_force(session: Session) -> None:
    s = session
    run(s, "set obs 3\ngen float x = _n/10\ngen double y = _n/10")
    # a float holding 0.1 is 0.100000001490116; "%12.0g" writes .1000000015, not it either
    assert run(s, "tostring x, replace") == "x cannot be converted reversibly; no replace"
    assert s.data.info["x"].type == "float"
    out = run(s, "tostring x, replace force").splitlines()
    assert out == ["x was float now str11", "x was forced to string; some loss of information"]
    assert s.data.values("x")[0] == ".1000000015"
    assert run(s, "tostring y, replace") == "y was double now str2"
    assert list(s.data.values("y")) == [".1", ".2", ".3"]
    assert s.data.info["y"].format == "%9s"


def test_formats_labels_and_missing(math_session: Session) -> None:
    s = math_session
    assert run(s, "tostring schtype, replace") == "schtype has value label; no replace"
    out = run(s, "tostring math, gen(m3) format(%9.3f)")
    assert out == "m3 generated as str6" and s.data.values("m3")[0] == "50.000"
    run(s, "format homework %4.1f")
    run(s, "replace homework = . in 1")
    run(s, "tostring homework, gen(hw) usedisplayformat")
    hw = [f"{v:.1f}" if v == v else "." for v in s.data.values("homework")]
    assert list(s.data.values("hw")) == hw and hw[0] == "."
    assert run(s, "tostring hw, replace") == "hw already string; no replace"
    run(s, "tostring schtype, replace force")
    assert s.data.is_string("schtype") and s.data.info["schtype"].vlabel == ""


@pytest.mark.parametrize(
    "cmd, msg, rc",
    [
        ("tostring math", "must specify either generate or replace option", 198),
        ("tostring math, gen(a) replace", "options generate and replace are mutually", 198),
        ("tostring math, gen(a b)", "number of variables in varlist must equal", 198),
        ("tostring math, gen(schid)", "generate(newvarlist) invalid", 110),
        ("tostring math, replace format(%9s)", "use numeric format in format() option", 198),
        ("tostring math, replace format(%q)", "format() option invalid", 198),
        ("tostring math, replace format(%9.0g) usedisplay", "must choose between", 198),
        ("tostring nosuch, replace", "variable nosuch not found", 111),
    ],
)
def test_bad_input(math_session: Session, cmd: str, msg: str, rc: int) -> None:
    before = math_session.data.df.copy()
    m, code = fails(math_session, cmd)
    assert m.startswith(msg) and code == rc
    assert math_session.data.df.equals(before)
