"""rename with wildcards and case options ([D] rename group); a new-user trial found
``rename *, lower`` and ``rename s* s_*`` refused."""

from __future__ import annotations

import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture
def s() -> Session:
    s = Session()
    run(s, "use math")
    return s


def test_case_options(s) -> None:
    before = s.data.varnames
    run(s, "rename *, upper")
    assert s.data.varnames == [v.upper() for v in before]
    run(s, "rename *, lower")
    assert s.data.varnames == before
    run(s, "rename math, proper")
    assert "Math" in s.data.varnames
    assert fails(s, "rename *, upper lower")[1] == 198


def test_wildcards(s) -> None:
    before = s.data.varnames
    run(s, "rename * *_v")
    assert s.data.varnames == [f"{v}_v" for v in before]
    run(s, "rename *_v *")
    assert s.data.varnames == before
    run(s, "rename sch* s_*")
    assert {"s_id", "s_type"} <= set(s.data.varnames)
    run(s, "generate x1 = 1\ngenerate x22 = 2\nrename x# y#")
    assert {"y1", "y22"} <= set(s.data.varnames)
    run(s, "rename (y1 y22) (y22 y1)")  # a swap
    assert s.data.values("y1")[0] == 2


def test_dryrun_and_errors(s) -> None:
    out = run(s, "rename homework hw, dryrun")
    assert out.splitlines()[-1].split() == ["homework", "hw"]
    assert "homework" in s.data.varnames
    assert fails(s, "rename homework")[1] == 102
    assert fails(s, "rename zz* y*")[1] == 111
    assert fails(s, "rename * math")[1] == 198  # every variable to one name
    assert fails(s, "rename s?h* S*")[1] == 198
