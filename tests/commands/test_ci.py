"""``ci means|proportions|variances`` ([R] ci) against scipy and statsmodels'
``proportion_confint`` (beta = Clopper-Pearson, normal = Wald, wilson, agresti_coull,
jeffreys), the χ² interval of a variance, and the exact Poisson interval from gamma
quantiles."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.conftest import col, fails, run

smp = pytest.importorskip("statsmodels.stats.proportion")


@pytest.fixture
def s() -> Session:
    s = Session()
    run(s, "use math\ngenerate pub = schtype == 0")
    return s


def test_means(s) -> None:
    out = run(s, "ci means math, level(90)")
    x = col(s, "math")
    lo, hi = stats.t.interval(0.9, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert (s.r["lb"], s.r["ub"]) == (pytest.approx(lo, rel=1e-10), pytest.approx(hi, rel=1e-10))
    assert s.r["se"] == pytest.approx(stats.sem(x), rel=1e-10)
    assert "[90% conf. interval]" in out
    run(s, "ci means homework, poisson")
    k, n = col(s, "homework").sum(), len(x)
    assert s.r["lb"] == pytest.approx(stats.gamma.ppf(0.025, k) / n, rel=1e-9)
    assert s.r["ub"] == pytest.approx(stats.gamma.ppf(0.975, k + 1) / n, rel=1e-9)


@pytest.mark.parametrize(
    ("opt", "method"),
    [
        ("", "beta"),
        ("wald", "normal"),
        ("wilson", "wilson"),
        ("agresti", "agresti_coull"),
        ("jeffreys", "jeffreys"),
    ],
)
def test_proportions(s, opt, method) -> None:
    run(s, f"ci proportions pub, {opt}" if opt else "ci proportions pub")
    y = col(s, "pub")
    lo, hi = smp.proportion_confint(y.sum(), len(y), alpha=0.05, method=method)
    assert s.r["lb"] == pytest.approx(lo, rel=1e-9)
    assert s.r["ub"] == pytest.approx(hi, rel=1e-9)


def test_variances(s) -> None:
    run(s, "ci variances math")
    x = col(s, "math")
    n, v = len(x), x.var(ddof=1)
    assert s.r["lb"] == pytest.approx((n - 1) * v / stats.chi2.ppf(0.975, n - 1), rel=1e-10)
    assert s.r["ub"] == pytest.approx((n - 1) * v / stats.chi2.ppf(0.025, n - 1), rel=1e-10)
    run(s, "ci variances math, sd")
    assert s.r["sd"] == pytest.approx(np.sqrt(v), rel=1e-12)


def test_bad_input(s) -> None:
    assert fails(s, "ci proportions math")[1] == 450
    assert fails(s, "ci proportions pub, wald wilson")[1] == 198
    assert fails(s, "ci means math, exposure(homework)")[1] == 198


def test_bounds_at_zero_successes(s) -> None:
    run(s, "generate z = 0")
    out = run(s, "ci proportions z")
    assert s.r["lb"] == 0 and out.rstrip().endswith("(*) one-sided, 97.5% confidence interval")
    run(s, "ci proportions z, wilson")
    assert s.r["lb"] == 0.0


def test_immediate_forms_equal_the_data_forms(s) -> None:
    """cii takes the summary numbers; its intervals are ci's on the same data (and the
    Clopper-Pearson interval for 22 of 74 is [.196584, .4148353], Stata's manual figure)."""
    x = col(s, "math")
    run(s, "ci means math")
    want = (s.r["lb"], s.r["ub"])
    run(s, f"cii means {len(x)} {float(x.mean())!r} {float(x.std(ddof=1))!r}")
    assert (s.r["lb"], s.r["ub"]) == (pytest.approx(want[0]), pytest.approx(want[1]))
    run(s, "cii proportions 74 22")
    assert round(s.r["lb"], 6) == 0.196584 and round(s.r["ub"], 7) == 0.4148353
    run(s, f"cii variances {len(x)} {float(x.std(ddof=1))!r}")
    run_var = s.r["lb"]
    run(s, "ci variances math")
    assert run_var == pytest.approx(s.r["lb"], rel=1e-10)
    run(s, "cii means 100 4, poisson")
    assert s.r["ub"] == pytest.approx(stats.gamma.ppf(0.975, 5) / 100, rel=1e-9)
    assert fails(s, "cii proportions 10 11")[1] == 198
    assert fails(s, "cii means 10 2")[1] == 198


def test_ci_by_groups(s) -> None:
    out = run(s, "bysort schtype: ci means math")
    assert out.count("-> schtype =") == 2
