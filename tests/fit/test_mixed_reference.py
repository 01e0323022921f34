"""``mixed`` reproduces the figures Stata and lme4 print (tests/reference/math.md, lme4.md).

Estimates are compared at a relative 1e-4 (tests/reference/README.md: a fair bar for a
converged optimizer); correlations near zero at an absolute 5e-5.
"""

from __future__ import annotations

import math

import pytest

from bayes_magic.session import Session
from tests.conftest import run


def fit(data: str, cmd: str) -> Session:
    s = Session()
    run(s, f"use {data}")
    run(s, f"quietly {cmd}")
    return s


def rel(a: float, b: float, tol: float = 1e-4) -> bool:
    return abs(a - b) <= tol * abs(b)


def re_rows(s: Session, sd: bool = False) -> dict[str, tuple]:
    from bayes_magic.commands import mixed_display as D

    rows = D.re_rows(s.e.fit, 95, sd=sd)
    return {r[0]: r[1:] for r in rows if isinstance(r, tuple)}


def fixed(s: Session) -> dict[str, tuple]:
    from bayes_magic.commands import mixed_display as D

    fit = s.e.fit
    rows = D.fixed_rows(fit.design.columns, fit.design.coef_index, fit.beta, fit.V_beta, 95)
    return {r.label: tuple(r.values) for r in rows if r.values}


# math.md: mixed math homework i.schtype || schid: homework, covariance(unstructured)
MATH_FIXED = {
    "homework": (1.982092, 0.895697, 2.21, 0.027, 0.2265586, 3.737626),
    "Public": (-4.08201, 1.895363, -2.15, 0.031, -7.796853, -0.367167),
    "_cons": (49.06494, 2.112821, 23.22, 0.000, 44.92389, 53.20599),
}
MATH_RE = {
    "var(homework)": (16.37279, 5.695054, 8.280255, 32.37439),
    "var(_cons)": (56.24904, 19.24056, 28.77087, 109.9708),
    "cov(homework,_cons)": (-25.99454, 9.645101, -44.89859, -7.090486),
    "var(Residual)": (53.34282, 3.471612, 46.95467, 60.60007),
}
MATH_SD = {
    "sd(homework)": (4.04633, 0.7037307, 2.877543, 5.68985),
    "sd(_cons)": (7.499936, 1.282715, 5.363848, 10.4867),
    "corr(homework,_cons)": (-0.8565706, 0.0640156, -0.941546, -0.6691179),
    "sd(Residual)": (7.303617, 0.2376639, 6.852348, 7.784605),
}


@pytest.fixture(scope="module")
def math_fit() -> Session:
    return fit("math", "mixed math homework i.schtype || schid: homework, covariance(unstructured)")


def test_math_fixed_effects(math_fit) -> None:
    got = fixed(math_fit)
    for name, ref in MATH_FIXED.items():
        b, se, z, p, lo, hi = got[name]
        assert rel(b, ref[0]) and rel(se, ref[1]) and rel(lo, ref[4]) and rel(hi, ref[5]), name
        assert round(z, 2) == ref[2] and round(p, 3) == ref[3], name


def test_math_random_effects_and_intervals(math_fit) -> None:
    got = re_rows(math_fit)
    for name, ref in MATH_RE.items():
        assert all(rel(g, r) for g, r in zip(got[name], ref)), (name, got[name], ref)


def test_math_estat_sd(math_fit) -> None:
    got = re_rows(math_fit, sd=True)
    for name, ref in MATH_SD.items():
        assert all(rel(g, r) for g, r in zip(got[name], ref)), (name, got[name], ref)


def test_math_log_likelihood(math_fit) -> None:
    assert math_fit.e.scalars["ll"] == pytest.approx(-1817.4205, abs=5e-5)


def test_math_printed_table_matches_stata(math_fit) -> None:
    """Every figure of the talk's table, as printed, within one unit of its last digit."""
    text = run(math_fit, "mixed")
    for name, ref in {**{k: v for k, v in MATH_RE.items()}}.items():
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(name))
        nums = [float(x) for x in line.split("|")[1].split()]
        for g, r in zip(nums, ref):
            assert abs(g - r) <= 2e-4 * abs(r), (name, nums, ref)
    assert "Log likelihood = -1817.4205" in text
    assert "LR test vs. linear model: chi2(3) =" in text


def test_math_null_reml() -> None:
    s = fit("math", "mixed math || schid:, reml")
    b, se, z, *_ = fixed(s)["_cons"]
    assert rel(b, 50.75885) and rel(se, 1.151181) and round(z, 2) == 44.09
    assert s.e.scalars["ll"] == pytest.approx(-1899.3393, abs=5e-5)


# lme4.md ------------------------------------------------------------------------------------


def sd_of(s: Session, label: str) -> float:
    return re_rows(s, sd=True)[label][0]


def test_sleepstudy_ml() -> None:
    s = fit("sleepstudy", "mixed Reaction Days || Subject: Days, covariance(unstructured)")
    assert -2 * s.e.scalars["ll"] == pytest.approx(1751.939344, abs=1e-5)
    assert rel(sd_of(s, "sd(_cons)"), 23.7805585)
    assert rel(sd_of(s, "sd(Days)"), 5.7168379)
    assert abs(re_rows(s, sd=True)["corr(Days,_cons)"][0] - 0.0813196) < 5e-5
    assert rel(sd_of(s, "sd(Residual)"), 25.59182)
    f = fixed(s)
    assert rel(f["_cons"][0], 251.4051) and rel(f["_cons"][1], 6.6323)
    assert rel(f["Days"][0], 10.46729) and rel(f["Days"][1], 1.5022)
    aic = -2 * s.e.scalars["ll"] + 2 * s.e.scalars["rank"]
    assert aic == pytest.approx(1763.939344, abs=1e-5)


def test_sleepstudy_reml_unstructured() -> None:
    s = fit("sleepstudy", "mixed Reaction Days || Subject: Days, covariance(unstructured) reml")
    assert -2 * s.e.scalars["ll"] == pytest.approx(1743.628, abs=1e-3)
    assert rel(sd_of(s, "sd(_cons)"), 24.741, 2e-4)
    assert rel(sd_of(s, "sd(Days)"), 5.922, 2e-4)
    assert abs(re_rows(s, sd=True)["corr(Days,_cons)"][0] - 0.06556) < 5e-5
    assert rel(sd_of(s, "sd(Residual)"), 25.592, 2e-4)
    f = fixed(s)
    assert rel(f["_cons"][1], 6.825, 2e-4) and rel(f["Days"][1], 1.546, 4e-4)


def test_sleepstudy_reml_independent() -> None:
    s = fit("sleepstudy", "mixed Reaction Days || Subject: Days, reml")
    assert -2 * s.e.scalars["ll"] == pytest.approx(1743.669, abs=1e-3)
    rows = re_rows(s)
    assert rel(rows["var(_cons)"][0], 627.56905)
    assert rel(rows["var(Days)"][0], 35.85838)
    assert rel(rows["var(Residual)"][0], 653.58350)


@pytest.mark.parametrize(
    ("data", "cmd", "crit", "intercept", "sds"),
    [
        (
            "dyestuff",
            "mixed Yield || Batch:, reml",
            319.6543,
            1527.5,
            {"sd(_cons)": 42.00, "sd(Residual)": 49.51},
        ),
        (
            "penicillin",
            "mixed diameter || _all: R.sample || plate:, reml",
            330.8606,
            22.97,
            {"sd(_cons)": 0.8467, "sd(R.sample)": 1.9316, "sd(Residual)": 0.5499},
        ),
        (
            "pastes",
            "mixed strength || batch: || sample:, reml",
            246.9907,
            60.05,
            {"sd(Residual)": 0.8234},
        ),
    ],
)
def test_lme4_reml_variance_components(data, cmd, crit, intercept, sds) -> None:
    s = fit(data, cmd)
    assert -2 * s.e.scalars["ll"] == pytest.approx(crit, abs=1e-4)
    assert round(fixed(s)["_cons"][0], 2) == pytest.approx(intercept, abs=0.005)
    rows = re_rows(s, sd=True)
    for k, v in sds.items():
        digits = len(str(v).split(".")[1])
        assert round(rows[k][0], digits) == pytest.approx(v, abs=10**-digits / 2 + 1e-12), k


def test_pastes_nested_sds() -> None:
    s = fit("pastes", "mixed strength || batch: || sample:, reml")
    sds = [r[1] for r in (re_rows(s, sd=True)).items() if r[0] == "sd(_cons)"]
    from bayes_magic.commands import mixed_display as D

    rows = [r for r in D.re_rows(s.e.fit, 95, sd=True) if isinstance(r, tuple)]
    assert round(rows[0][1], 4) == 1.2874  # batch
    assert round(rows[1][1], 4) == 2.9041  # sample within batch
    assert sds


def test_dyestuff2_boundary_fit_succeeds() -> None:
    s = fit("dyestuff2", "mixed Yield || Batch:, reml")
    assert -2 * s.e.scalars["ll"] == pytest.approx(161.8283, abs=1e-4)
    rows = re_rows(s, sd=True)
    assert rows["sd(_cons)"][0] == 0.0
    assert math.isnan(rows["sd(_cons)"][1])
    assert round(rows["sd(Residual)"][0], 3) == 3.716
    assert round(fixed(s)["_cons"][0], 3) == 5.666
    text = run(s, "mixed")
    assert "chibar2(01) =" in text and "Prob >= chibar2 = 1.0000" in text
