"""``estat gof`` after ``logit`` (Pearson χ² over covariate patterns; Hosmer-Lemeshow over
quantile groups) and ``poisson`` (deviance and Pearson), computed here from statsmodels' fits
and numpy, with Stata's percentile definition written out independently."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.commands.test_graphs import stata_pctile
from tests.conftest import col, fails, run

sm = pytest.importorskip("statsmodels.api")


@pytest.fixture(scope="module")
def hospital():
    s = Session()
    run(s, "use hospital\nlogit hosp dropout college, nolog")
    X = sm.add_constant(np.column_stack([col(s, "dropout"), col(s, "college")]))
    y = col(s, "hosp")
    return s, X, y, sm.Logit(y, X).fit(disp=0)


def test_pearson_over_covariate_patterns(hospital) -> None:
    s, X, y, ref = hospital
    out = run(s, "estat gof")
    p = ref.predict()
    keys = [tuple(r) for r in X]
    chi2, J = 0.0, 0
    for k in set(keys):
        idx = [i for i, kk in enumerate(keys) if kk == k]
        m, o, pj = len(idx), y[idx].sum(), p[idx[0]]
        chi2 += (o - m * pj) ** 2 / (m * pj * (1 - pj))
        J += 1
    assert s.r["m"] == J and s.r["df"] == J - 3
    assert s.r["chi2"] == pytest.approx(chi2, rel=1e-7)
    assert f"Pearson chi2({J - 3}) = " in out and "Number of covariate patterns =" in out


def test_hosmer_lemeshow(hospital) -> None:
    s, _X, y, _ref = hospital
    run(s, "logit hosp loginc distance dropout college, nolog")
    X = sm.add_constant(
        np.column_stack([col(s, v) for v in ("loginc", "distance", "dropout", "college")])
    )
    p = sm.Logit(y, X).fit(disp=0).predict()
    out = run(s, "estat gof, group(10) table")
    cuts = np.unique([stata_pctile(p, 10 * j) for j in range(1, 10)])
    g = np.searchsorted(cuts, p, side="left")
    hl = 0.0
    for u in np.unique(g):
        n, o, e = (g == u).sum(), y[g == u].sum(), p[g == u].sum()
        hl += (o - e) ** 2 / (e * (1 - e / n))
    assert s.r["chi2"] == pytest.approx(hl, rel=1e-6)
    assert s.r["df"] == 8 and s.r["p"] == pytest.approx(stats.chi2.sf(hl, 8), rel=1e-5)
    assert "Hosmer–Lemeshow chi2(8) =" in out and "| Group |   Prob | Obs_1 |" in out


def test_poisson_gof() -> None:
    s = Session()
    run(s, "use epilepsy\npoisson count Trt zAge zBase, nolog\nestat gof")
    X = sm.add_constant(np.column_stack([col(s, v) for v in ("Trt", "zAge", "zBase")]))
    ref = sm.GLM(col(s, "count"), X, family=sm.families.Poisson()).fit()
    assert s.r["chi2_d"] == pytest.approx(ref.deviance, rel=1e-7)
    assert s.r["chi2_p"] == pytest.approx(ref.pearson_chi2, rel=1e-6)
    assert s.r["df"] == ref.df_resid


def test_bad_input(hospital) -> None:
    s, *_ = hospital
    assert fails(s, "estat gof, table")[1] == 198
    run(s, "regress hosp dropout")
    assert fails(s, "estat gof") == ("estat gof not valid after regress", 321)
