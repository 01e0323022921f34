"""``predict`` after ``mixed`` on the data in memory: coefficient columns rebuilt by name
(``1.schtype``, ``2.a#c.x``), a factor level absent from the data is a zero column."""

from __future__ import annotations

import numpy as np

from bayes_magic.session import Session
from tests.conftest import run


def test_xb_from_coefficient_names_and_after_the_data_change() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework i.schtype i.schtype#c.homework || schid:")
    b = dict(zip(s.e.bnames, s.e.b))
    hw, pub = s.data.values("homework"), (s.data.values("schtype") == 1).astype(float)
    expect = (
        b["math:_cons"]
        + b["math:homework"] * hw
        + b["math:1.schtype"] * pub
        + b["math:1.schtype#c.homework"] * pub * hw
    )
    run(s, "predict double xb, xb")
    np.testing.assert_allclose(s.data.values("xb"), expect, rtol=1e-12)
    # only private schools left: the public columns are zeros, and missing covariates give "."
    run(s, "keep if schtype == 0")
    run(s, "replace homework = . in 1")
    run(s, "predict double xb2, xb")
    got = s.data.values("xb2")
    assert np.isnan(got[0])
    hw0 = s.data.values("homework")[1:]
    np.testing.assert_allclose(got[1:], b["math:_cons"] + b["math:homework"] * hw0, rtol=1e-12)
