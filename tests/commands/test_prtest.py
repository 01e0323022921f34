"""``prtest`` ([R] prtest): z statistics against statsmodels' ``proportions_ztest`` (the
hypothesized variance for one sample, the pooled one for two), Wald intervals, layout."""

from __future__ import annotations

import numpy as np
import pytest

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
