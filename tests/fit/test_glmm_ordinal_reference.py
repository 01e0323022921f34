"""``meologit`` on the wine data against the R package ordinal's printed fits
(``tests/reference/ordinal-wine.md``): ``clmm`` with the Laplace approximation and with
10-point adaptive Gauss-Hermite quadrature, and ``clm`` (no random effects) for ``ologit``.

Tolerances: a figure printed with d decimals holds ours within half a unit of its last digit
(plus 1e-6 for our own rounding). The full-precision Laplace estimates come from R's optimizer,
which stops at a gradient of about 1e-5 (``max.grad``); they are held to 5e-5.
"""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import col, run


def _printed(ours: float, printed: float, decimals: int) -> None:
    assert abs(ours - printed) <= 0.5 * 10.0**-decimals + 1e-6, (ours, printed)


def _fit(cmd: str) -> tuple[dict, Session]:
    s = Session()
    run(s, "use wine")
    run(s, cmd)
    b = dict(zip(s.e.bnames, s.e.b))
    se = dict(zip(s.e.bnames, np.sqrt(np.diag(s.e.V))))
    return {"b": b, "se": se, "ll": s.e.scalars["ll"]}, s


def test_laplace_matches_clmm() -> None:
    f, _s = _fit("meologit rating temp contact || judge:, laplace nolog")
    b, se = f["b"], f["se"]
    _printed(f["ll"], -81.56541, 5)
    full = {
        "rating:temp": 3.0629966560421,
        "rating:contact": 1.83488493779128,
        "/:cut1": -1.62366694779619,
        "/:cut2": 1.51336520227968,
        "/:cut3": 4.22852671695733,
        "/:cut4": 6.08877259115472,
    }
    for name, value in full.items():
        assert b[name] == pytest.approx(value, abs=5e-5), name
    ses = {
        "rating:temp": 0.595,
        "rating:contact": 0.513,
        "/:cut1": 0.682,
        "/:cut2": 0.604,
        "/:cut3": 0.809,
        "/:cut4": 0.972,
    }
    for name, value in ses.items():
        _printed(se[name], value, 3)


def test_adaptive_quadrature_matches_clmm_nagq10() -> None:
    f, s = _fit("meologit rating temp contact || judge:, intpoints(10) nolog")
    b, se = f["b"], f["se"]
    _printed(f["ll"], -81.53, 2)
    _printed(b["/:var(_cons[judge])"], 1.288, 3)
    _printed(np.sqrt(b["/:var(_cons[judge])"]), 1.135, 3)
    # the page codes the factors the other way round: the slopes change sign
    _printed(b["rating:temp"], 3.0619, 4)
    _printed(b["rating:contact"], 1.8334, 4)
    _printed(se["rating:temp"], 0.5951, 4)
    _printed(se["rating:contact"], 0.5122, 4)
    # and the thresholds move by the sum of the printed slopes (three roundings of 5e-5)
    shift = 3.0619 + 1.8334
    for j, printed in enumerate([-6.5188, -3.3825, -0.6683, 1.1908], start=1):
        assert b[f"/:cut{j}"] == pytest.approx(printed + shift, abs=1.5e-4 + 1e-6)
    # the judges' conditional modes (ranef) at the estimates
    run(s, "predict u, reffects ebmodes")
    u = col(s, "u")
    modes = [u[col(s, "judge") == j][0] for j in range(1, 10)]
    ranef = [
        1.6984688,
        -0.5665832,
        0.9705262,
        -0.0593933,
        0.2311041,
        0.4779502,
        -1.9136235,
        -0.2730379,
        -0.5551779,
    ]
    # R's estimates stop at max.grad 4e-5: the modes agree to about that
    np.testing.assert_allclose(modes, ranef, atol=2e-4)


def test_fixed_effects_model_matches_clm() -> None:
    f, s = _fit("ologit rating temp contact, nolog")
    b, se = f["b"], f["se"]
    full = {
        "rating:temp": 2.503102,
        "rating:contact": 1.527798,
        "/:cut1": -1.344383,
        "/:cut2": 1.250809,
        "/:cut3": 3.466887,
        "/:cut4": 5.006404,
    }
    for name, value in full.items():
        _printed(b[name], value, 6)
    for name, value in zip(full, [0.5287, 0.4766, 0.5171, 0.4379, 0.5978, 0.7309]):
        _printed(se[name], value, 4)
    _printed(f["ll"], -86.49192, 5)
    # meologit starts from this model, and its LR test compares with it
    run(s, "meologit rating temp contact || judge:, nolog")
    assert s.e.scalars["ll_c"] == pytest.approx(f["ll"], abs=1e-9)
