"""Residual diagnostics after ``logit``/``logistic`` ([R] logistic postestimation), by covariate
pattern, against statsmodels' binomial GLM fitted to the patterns' counts (successes,
failures): its Pearson and deviance residuals and hat values are the pattern-level ones Stata
defines; the influence statistics follow from them by Stata's formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run

sm = pytest.importorskip("statsmodels.api")

_STATS = ("residuals", "rstandard", "deviance", "hat", "dx2", "ddeviance", "dbeta", "number")


def _fit(cmd: str, xcols: list[str]):
    s = Session()
    run(s, "use hospital\ngenerate dgrp = min(floor(distance), 4)\n" + cmd)
    for st in _STATS:
        run(s, f"predict {st}_v, {st}")
    df = pd.DataFrame({c: col(s, c) for c in ["hosp", *xcols, *(f"{t}_v" for t in _STATS)]})
    return s, df


@pytest.mark.parametrize(
    "cmd, xcols",
    [
        ("quietly logit hosp i.dropout college dgrp", ["dropout", "college", "dgrp"]),
        ("quietly logistic hosp loginc i.college", ["loginc", "college"]),
    ],
)
def test_pattern_statistics_match_grouped_binomial_glm(cmd: str, xcols: list[str]) -> None:
    _s, df = _fit(cmd, xcols)
    g = df.groupby(xcols, sort=True)
    pat = g.agg(y=("hosp", "sum"), m=("hosp", "size")).reset_index()
    X = sm.add_constant(pat[xcols].astype(float), has_constant="add")
    res = sm.GLM(np.column_stack([pat.y, pat.m - pat.y]), X, family=sm.families.Binomial()).fit()
    h = res.get_influence().hat_matrix_diag
    r, d = res.resid_pearson, res.resid_deviance
    first = g.first().reset_index()
    assert np.allclose(first["residuals_v"], r, rtol=1e-6)
    assert np.allclose(first["deviance_v"], d, rtol=1e-6)
    assert np.allclose(first["hat_v"], h, rtol=1e-6)
    assert np.allclose(first["rstandard_v"], r / np.sqrt(1 - h), rtol=1e-6)
    assert np.allclose(first["dx2_v"], r**2 / (1 - h), rtol=1e-6)
    assert np.allclose(first["ddeviance_v"], d**2 + r**2 * h / (1 - h), rtol=1e-6)
    assert np.allclose(first["dbeta_v"], r**2 * h / (1 - h) ** 2, rtol=1e-6)
    # every observation of a pattern carries its values; patterns numbered 1..J
    assert (g["residuals_v"].nunique() == 1).all()
    assert sorted(first["number_v"]) == list(range(1, len(pat) + 1))
    # the leverages sum to the number of coefficients
    assert first["hat_v"].sum() == pytest.approx(X.shape[1], rel=1e-6)


def test_outside_the_sample_and_refusals() -> None:
    s = Session()
    run(s, "use hospital\nquietly logit hosp i.dropout college if loginc > 2")
    run(s, "predict r, residuals")
    inside = col(s, "loginc") > 2
    r = col(s, "r")
    assert np.isnan(r[~inside]).all() and np.isfinite(r[inside]).all()
    run(s, "generate dgrp = min(floor(distance), 4)\nquietly probit hosp college dgrp")
    run(s, "predict d, deviance")
    df = pd.DataFrame({"y": col(s, "hosp"), "c": col(s, "college"), "g": col(s, "dgrp")})
    df["d"] = col(s, "d")
    pat = df.groupby(["c", "g"]).agg(y=("y", "sum"), m=("y", "size"), d=("d", "first"))
    pat = pat.reset_index()
    X = sm.add_constant(pat[["c", "g"]].astype(float))
    probit = sm.families.Binomial(link=sm.families.links.Probit())
    res = sm.GLM(np.column_stack([pat.y, pat.m - pat.y]), X, family=probit).fit()
    assert np.allclose(pat["d"], res.resid_deviance, rtol=1e-5, atol=1e-8)
    assert fails(s, "predict q, dx2") == ("option dx2 not allowed after probit", 198)
    run(s, "generate w = 1 + mod(_n, 2)\nquietly logit hosp loginc [fw=w]")
    assert fails(s, "predict q2, hat")[1] == 198
