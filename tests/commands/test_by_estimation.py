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
