"""``predict, dfbeta() dfits welsch covratio`` and ``dfbeta`` after ``regress`` ([R] regress
postestimation) against statsmodels' OLSInfluence (DFBETAS, DFFITS, COVRATIO; Welsch's
distance is DFFITS·√((N−1)/(1−h)), Belsley, Kuh and Welsch 1980)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import OLSInfluence

from bayes_magic.session import Session
from tests.conftest import col, fails, run


@pytest.fixture(scope="module")
def fitted() -> tuple[Session, OLSInfluence]:
    s = Session()
    run(s, "sysuse exam, clear\nkeep if school <= 12\nencode sex, gen(sexn)")
    run(s, "regress normexam standlrt schavg i.sexn")
    X = np.column_stack([col(s, "standlrt"), col(s, "schavg"), (col(s, "sexn") == 2).astype(float)])
    res = sm.OLS(col(s, "normexam"), sm.add_constant(X, prepend=False)).fit()
    return s, OLSInfluence(res)


def test_influence_statistics_match_statsmodels(fitted) -> None:
    s, infl = fitted
    run(s, "predict dfi, dfits\npredict cv, covratio\npredict w, welsch")
    np.testing.assert_allclose(col(s, "dfi"), infl.dffits[0], rtol=1e-5)
    np.testing.assert_allclose(col(s, "cv"), infl.cov_ratio, rtol=1e-5)
    h = infl.hat_matrix_diag
    welsch = infl.dffits[0] * np.sqrt((len(h) - 1) / (1 - h))
    np.testing.assert_allclose(col(s, "w"), welsch, rtol=1e-5)
    assert s.data.info["w"].label == "Welsch distance"
    run(s, "drop dfi cv w")


def test_stdr(fitted) -> None:
    s, infl = fitted
    run(s, "predict sr, stdr")
    resid = infl.results.resid
    rstd = infl.resid_studentized_internal
    np.testing.assert_allclose(col(s, "sr"), resid / rstd, rtol=1e-5)
    assert s.data.info["sr"].label == "S.E. of the residual"
    run(s, "drop sr")


def test_dfbeta_command_and_predict(fitted) -> None:
    s, infl = fitted
    out = run(s, "dfbeta")
    assert out.strip("\n").splitlines() == [
        " " * 23 + "_dfbeta_1: dfbeta(standlrt)",
        " " * 23 + "_dfbeta_2: dfbeta(schavg)",
        " " * 23 + "_dfbeta_3: dfbeta(2.sexn)",
    ]
    for k in range(3):
        np.testing.assert_allclose(col(s, f"_dfbeta_{k + 1}"), infl.dfbetas[:, k], rtol=1e-4)
    assert s.data.info["_dfbeta_3"].label == "DFBETA 2.sexn"
    assert s.data.info["_dfbeta_1"].type == "float"
    out = run(s, "dfbeta schavg, stub(db)")
    assert out.strip() == "db1: dfbeta(schavg)"
    run(s, "predict double d, dfbeta(schavg) \nassert abs(d - _dfbeta_2) < 1e-6")
    run(s, "drop _dfbeta_* db1 d")


def test_refusals_leave_data_alone(fitted) -> None:
    s, _ = fitted
    before = s.data.df.copy()
    assert fails(s, "predict q, dfbeta(_cons)")[1] == 198
    assert fails(s, "dfbeta student")[1] == 198  # not in the model
    pd.testing.assert_frame_equal(s.data.df, before)
    s2 = Session()
    run(s2, "sysuse exam, clear\nregress normexam standlrt [aw=schavg+2]")
    assert fails(s2, "predict q, dfbeta(standlrt)") == (
        "not possible after weighted regression",
        398,
    )
