"""The numerical Hessian that gives the variance components' standard errors of models with
several levels (no analytic gradient there) against the analytic-gradient Hessian of
one-level models: the same observed information to 1e-5 relative."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.fit.mixed import analytic_metric_hessian, numeric_metric_hessian
from bayes_magic.fit.optimize import covariance_of
from bayes_magic.session import Session
from tests.conftest import run


@pytest.mark.parametrize(
    ("data", "cmd"),
    [
        ("sleepstudy", "mixed Reaction Days || Subject: Days, covariance(unstructured)"),
        ("math", "mixed math homework || schid: homework, covariance(unstructured)"),
        ("sleepstudy", "mixed Reaction Days || Subject:, reml"),
    ],
)
def test_numeric_hessian_equals_analytic(data: str, cmd: str) -> None:
    s = Session()
    run(s, f"use {data}")
    run(s, f"quietly {cmd}")
    f = s.e.fit
    assert f.problem.has_gradient
    values = np.array([p.value for p in f.params])
    live = [i for i, p in enumerate(f.params) if not p.boundary]
    args = (f.problem, f.design, f.params, values, live, f.reml)
    analytic = np.sqrt(np.diag(covariance_of(analytic_metric_hessian(*args))))
    numeric = np.sqrt(np.diag(covariance_of(numeric_metric_hessian(*args))))
    np.testing.assert_allclose(numeric, analytic, rtol=1e-5)


def test_two_level_standard_errors_do_not_depend_on_rounding() -> None:
    """Pastes, batch and cask within batch: the same model fitted twice with data that differ
    by rounding (y and y + 1e-10) gives the same standard errors to 1e-4 (they differed by 3%
    with steps too small for the likelihood's rounding noise)."""
    ses = []
    for shift in ("", " + 1e-10"):
        s = Session()
        run(s, "use pastes")
        run(s, f"generate double y = strength{shift}")
        run(s, "quietly mixed y || batch: || cask:")
        ses.append(np.sqrt(np.diag(s.e.V)))
    np.testing.assert_allclose(ses[0], ses[1], rtol=1e-4)


def test_boundary_values_are_stored_finite_by_kind() -> None:
    """e(b) keeps boundary estimates finite: a zero SD 12 orders below the residual SD, a
    correlation of -1 as atanh(-(1 - 1e-12)) (not as a log SD)."""
    from bayes_magic.fit.mixed import VarParam, stored_values

    params = [
        VarParam("lns1_1_1", "lns", 0, (0,), -np.inf, True),
        VarParam("atr1_1_1_2", "atr", 0, (0, 1), -np.inf, True),
        VarParam("atr1_1_1_3", "atr", 0, (0, 2), np.inf, True),
        VarParam("lnsig_e", "lnsig_e", None, (), 2.0),
    ]
    got = stored_values(params)
    np.testing.assert_allclose(
        got, [2.0 + np.log(1e-12), -np.arctanh(1 - 1e-12), np.arctanh(1 - 1e-12), 2.0]
    )
