"""``bayes, iwishartprior(# [matname] [, relevel(levelvar)])`` ([BAYES] bayes): the scale
matrix comes from the session's matrices and reaches the sampler; ``relevel()`` picks the
level; bad names and matrices are refused."""

from __future__ import annotations

import numpy as np

from bayes_magic.session import Session
from tests.conftest import fails, run

FIT = "bayes, rseed(1) mcmcsize(300) {opt}: mixed Reaction Days || Subject: Days, cov(un)"


def test_scale_matrix_from_the_session() -> None:
    s = Session()
    run(s, "use sleepstudy\nmatrix S = (100,0\\0,10)")
    out = run(s, FIT.format(opt="iwishartprior(5 S)"))
    assert "{U:Sigma,m} ~ iwishart(2,5,S)" in out  # the name, as typed
    lev = s.e.model.levels[0]
    assert lev.cov_prior.args[1] == 5.0
    np.testing.assert_array_equal(np.array(lev.cov_prior.args[2].rows), [[100, 0], [0, 10]])
    out = run(s, FIT.format(opt="iwishartprior(5 S, relevel(Subject))"))
    assert "iwishart(2,5,S)" in out


def test_bad_input() -> None:
    s = Session()
    run(s, "use sleepstudy\nmatrix R = (1,2\\3,4)\nmatrix N = (1,2\\2,1)")
    assert fails(s, FIT.format(opt="iwishartprior(5 T)")) == ("matrix T not found", 111)
    assert fails(s, FIT.format(opt="iwishartprior(5 N)"))[1] == 506
    assert fails(s, FIT.format(opt="iwishartprior(5 R)"))[1] == 506
    assert fails(s, FIT.format(opt="iwishartprior(5, relevel(foo))")) == (
        "iwishartprior(): level foo not found",
        111,
    )
