"""``prtest`` ([R] prtest): z statistics against statsmodels' ``proportions_ztest`` (the
hypothesized variance for one sample, the pooled one for two), Wald intervals, layout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_magic.dataset.dataset import Dataset
from bayes_magic.session import Session
from tests.conftest import col, fails, run

pz = pytest.importorskip("statsmodels.stats.proportion").proportions_ztest


def test_one_sample() -> None:
    s = Session()
    run(s, "use hospital")
    out = run(s, "prtest hosp == .4")
    y = col(s, "hosp")
    z, p = pz(y.sum(), y.size, value=0.4, prop_var=0.4)
    assert s.r["z"] == pytest.approx(z, rel=1e-10) and s.r["p"] == pytest.approx(p, rel=1e-9)
    se = np.sqrt(y.mean() * (1 - y.mean()) / y.size)
    assert s.r["se_1"] == pytest.approx(se, rel=1e-12)
    lines = out.strip("\n").splitlines()
    assert lines[0] == "One-sample test of proportion" + " " * 19 + "Number of obs      =     1,060"
    assert lines[3] == "    Variable |       Mean   Std. err." + " " * 21 + "[95% conf. interval]"


def test_two_samples_by_group_and_two_variables() -> None:
    s = Session()
    run(s, "use hospital\nprtest hosp, by(college)")
    y, g = col(s, "hosp"), col(s, "college")
    counts = np.array([y[g == 0].sum(), y[g == 1].sum()])
    nobs = np.array([(g == 0).sum(), (g == 1).sum()])
    z, p = pz(counts, nobs)
    assert s.r["z"] == pytest.approx(z, rel=1e-10) and s.r["p"] == pytest.approx(p, rel=1e-9)
    run(s, "prtest hosp == dropout")
    d = col(s, "dropout")
    z, _p = pz(np.array([y.sum(), d.sum()]), np.array([y.size, d.size]))
    assert s.r["z"] == pytest.approx(z, rel=1e-10)


def test_bad_input() -> None:
    s = Session()
    run(s, "use hospital")
    assert fails(s, "prtest loginc == .5") == ("loginc is not a 0/1 variable", 450)
    assert fails(s, "prtest hosp == 1.5")[1] == 198
    assert fails(s, "prtest hosp")[1] == 198


def test_prtesti_matches_statsmodels_and_prtest() -> None:
    """The immediate form: z against statsmodels' proportions_ztest; the same r() as prtest on
    data with those proportions."""
    from statsmodels.stats.proportion import proportions_ztest

    s = Session()
    run(s, "prtesti 30 12 45 30, count")
    z, p = proportions_ztest([12, 30], [30, 45])
    assert s.r["z"] == pytest.approx(z, rel=1e-10) and s.r["p"] == pytest.approx(p, rel=1e-9)
    immediate = dict(s.r)
    y = np.r_[np.ones(12), np.zeros(18), np.ones(30), np.zeros(15)]
    g = np.r_[np.zeros(30), np.ones(45)]
    s.data = Dataset.from_dataframe(pd.DataFrame({"y": y, "g": g}))
    run(s, "prtest y, by(g)")
    for key in ("z", "p", "se_diff", "se_diff0", "P_1", "P_2"):
        assert s.r[key] == pytest.approx(immediate[key], rel=1e-12)
    run(s, "prtesti 50 .52 .5")
    z1, _ = proportions_ztest(26, 50, 0.5, prop_var=0.5)
    assert s.r["z"] == pytest.approx(z1, rel=1e-10)
    assert fails(s, "prtesti 30 31 45 30, count")[1] == 198
