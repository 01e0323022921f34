"""``scalar`` ([P] scalar): definition, use in expressions (a variable of the same name wins,
``scalar()`` reaches the scalar), listing and dropping."""

from __future__ import annotations

import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


def test_scalars() -> None:
    s = Session()
    run(s, "scalar x = 2")
    assert run(s, "display x*3") == "6"
    run(s, "sca def y = x + 1/3")
    run(s, 'scalar name = "abc"')
    assert s.scalars == {"x": 2.0, "y": pytest.approx(7 / 3), "name": "abc"}
    assert run(s, "scalar list y") == "                y =  2.3333333"
    run(s, "use epilepsy")
    run(s, "quietly regress count Trt")
    run(s, "scalar d = _b[Trt]")
    assert s.scalars["d"] == pytest.approx(s.e.b[0])
    run(s, "scalar Age = 5")
    assert run(s, "display Age") == "31"  # the variable Age, at the first observation
    assert run(s, "display scalar(Age)") == "5"
    run(s, "generate z = x + Age")  # a scalar in an expression over the data
    assert s.data.to_dataframe()["z"].iloc[0] == 33
    run(s, "scalar drop x")
    assert fails(s, "display x")[1] == 111
    assert fails(s, "scalar drop nosuch")[1] == 111
    assert fails(s, "display scalar(nosuch)")[1] == 111
    run(s, "scalar drop _all")
    assert s.scalars == {}


@pytest.mark.parametrize(
    "text, rc",
    [
        ("confirm variable math", 0),
        ("confirm variable nosuch", 111),
        ("confirm new variable math", 110),
        ("confirm new variable fresh", 0),
        ("confirm numeric variable math", 0),
        ("confirm string variable math", 7),
        ("confirm number 3.5", 0),
        ("confirm number x", 7),
        ("confirm integer number 3.5", 7),
        ("confirm file nosuch.do", 601),
        ("confirm scalar nosuch", 111),
    ],
)
def test_confirm(text: str, rc: int) -> None:
    """[P] confirm: the return codes a ``capture confirm`` idiom tests."""
    s = Session()
    run(s, "use math")
    run(s, f"capture {text}")
    assert s.rc == rc
