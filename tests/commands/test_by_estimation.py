"""The ``by`` prefix repeats an estimation command per group ([U] 11.1.10; [R] regress, [R]
logit, [ME] mixed ... "by is allowed"): each group's fit equals the fit with ``if``, and the
last group's results stay active."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import run


@pytest.mark.parametrize(
    "model",
    [
        "regress math homework",
        "logit public homework",
        "mixed math homework || schid:",
        "ologit mcat homework",
    ],
)
def test_each_group_is_its_if_fit(model: str) -> None:
    s = Session()
    run(s, "use math")
    run(s, "generate public = math > 50")
    run(s, "generate mcat = 1 + (math > 45) + (math > 55)")
    out = run(s, f"by schtype, sort: {model}")
    assert out.count("-> schtype = ") == 2
    b_by = s.e.b.copy()
    n_by = s.e.scalars["N"]
    run(
        s,
        f"quietly {model.replace(' ||', ' if schtype == 1 ||', 1) if '||' in model else model + ' if schtype == 1'}",
    )
    np.testing.assert_allclose(b_by, s.e.b, rtol=1e-6)
    assert n_by == s.e.scalars["N"] == 317


def test_quietly_after_by_and_a_failing_group() -> None:
    """``by g: quietly cmd`` shows only the headers; a group that fails stops the rest, keeping
    the groups before it (their output and the last one's results), unless ``rc0``."""
    s = Session()
    run(s, "use math")
    run(s, "generate hi = math > 50")
    out = run(s, "bysort schtype: quietly regress math homework")
    assert out.count("-> schtype = ") == 2 and "Coefficient" not in out
    run(s, "sort schid")
    res = s.execute("by schid: logit hi homework, nolog")
    assert res.error is not None and res.error.rc == 2000
    text = res.text()
    assert "-> schid = 6053" in text and "-> schid = 6467" in text
    assert "Logistic regression" in text  # the groups before the failure are shown
    assert s.e.cmd == "logit" and s.e.scalars["N"] == 8  # schid 6327, the last that worked
    out = run(s, "by schid, rc0: quietly logit hi homework")
    assert out.count("predict the outcome perfectly") >= 2  # reported, then the next group
    assert "-> schid = 72292" in out
