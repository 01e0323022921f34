"""``xtreg, fe`` and ``xtreg, re`` ([XT] xtreg) on the sleep-study panel, against estimates
computed independently: the least-squares dummy-variable regression (statsmodels) for the
within estimator, and for Swamy-Arora's random effects the variance components from
statsmodels' within and between regressions and the GLS estimator with the panels' dense
covariance σ_u²J + σ_e²I (not the θ-transform xtreg uses). An unbalanced panel (some days
dropped) checks the harmonic-mean T̄ and the per-panel θ."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run

sm = pytest.importorskip("statsmodels.api")


def _data(unbalanced: bool) -> tuple[Session, pd.DataFrame]:
    s = Session()
    run(s, "use sleepstudy")
    if unbalanced:
        run(s, "drop if mod(Subject, 3) == 0 & Days > 6")
    run(s, "xtset Subject Days")
    return s, s.data.to_dataframe()


@pytest.mark.parametrize("unbalanced", [False, True])
def test_fe_matches_lsdv(unbalanced: bool) -> None:
    s, df = _data(unbalanced)
    out = run(s, "xtreg Reaction Days, fe")
    dummies = pd.get_dummies(df["Subject"], prefix="s", drop_first=True, dtype=float)
    X = pd.concat([df[["Days"]], dummies], axis=1)
    ols = sm.OLS(df["Reaction"], sm.add_constant(X)).fit()
    b = dict(zip(s.e.bnames, s.e.b))
    assert b["Days"] == pytest.approx(ols.params["Days"], rel=1e-10)
    assert np.sqrt(s.e.V[0, 0]) == pytest.approx(ols.bse["Days"], rel=1e-8)
    assert s.e.scalars["sigma_e"] == pytest.approx(np.sqrt(ols.scale), rel=1e-10)
    assert s.e.scalars["df_r"] == ols.df_resid
    # the F test that all u_i = 0 is the LSDV F test of the dummies
    pooled = sm.OLS(df["Reaction"], sm.add_constant(df[["Days"]])).fit()
    F = ((pooled.ssr - ols.ssr) / dummies.shape[1]) / (ols.ssr / ols.df_resid)
    assert s.e.scalars["F_f"] == pytest.approx(F, rel=1e-8)
    assert "F test that all u_i=0: F(17, " in out and "Fixed-effects (within) regression" in out


@pytest.mark.parametrize("unbalanced", [False, True])
def test_re_matches_dense_gls(unbalanced: bool) -> None:
    s, df = _data(unbalanced)
    run(s, "xtreg Reaction Days, re")
    dummies = pd.get_dummies(df["Subject"], prefix="s", drop_first=True, dtype=float)
    lsdv = sm.OLS(df["Reaction"], sm.add_constant(pd.concat([df[["Days"]], dummies], axis=1))).fit()
    s2e = lsdv.scale
    means = df.groupby("Subject")[["Reaction", "Days"]].mean()
    T = df.groupby("Subject").size()
    between = sm.OLS(means["Reaction"], sm.add_constant(means[["Days"]])).fit()
    s2u = max(between.scale - s2e / (len(T) / np.sum(1.0 / T)), 0.0)
    assert s.e.scalars["sigma_u"] == pytest.approx(np.sqrt(s2u), rel=1e-9)
    X = np.column_stack([df["Days"], np.ones(len(df))])
    y = df["Reaction"].to_numpy()
    XtVX, XtVy = np.zeros((2, 2)), np.zeros(2)
    for _, rows in df.groupby("Subject").groups.items():
        idx = df.index.get_indexer(rows)
        V = s2u * np.ones((len(idx), len(idx))) + s2e * np.eye(len(idx))
        Vi = np.linalg.inv(V)
        XtVX += X[idx].T @ Vi @ X[idx]
        XtVy += X[idx].T @ Vi @ y[idx]
    beta = np.linalg.solve(XtVX, XtVy)
    np.testing.assert_allclose(s.e.b, beta, rtol=1e-9)
    assert s.e.scalars["chi2"] > 0 and s.e.macros["model"] == "re"


def test_bad_input(session: Session) -> None:
    s = session
    run(s, "use sleepstudy")
    m, rc = fails(s, "xtreg Reaction Days")
    assert rc == 459 and "xtset" in m
    run(s, "xtset Subject Days")
    m, rc = fails(s, "xtreg Reaction Days, mle")
    assert rc == 198 and "mixed" in m
    m, rc = fails(s, "xtreg Reaction Days, fe re")
    assert rc == 198
    out = run(s, "gen grp = Subject > 340\nxtreg Reaction Days grp, fe")
    assert "note: grp omitted because of collinearity." in out and "(omitted)" in out


def test_predict_after_fe_and_re() -> None:
    s, df = _data(True)
    run(s, "xtreg Reaction Days, fe")
    run(s, "predict double xb\npredict double u, u\npredict double e, e\npredict double ue, ue")
    b = dict(zip(s.e.bnames, s.e.b))
    xb = b["_cons"] + b["Days"] * df["Days"]
    np.testing.assert_allclose(s.data.df["xb"], xb, rtol=1e-12)
    ue = df["Reaction"] - xb
    u = ue.groupby(df["Subject"]).transform("mean")
    np.testing.assert_allclose(s.data.df["u"], u, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(s.data.df["e"] + s.data.df["u"], s.data.df["ue"], atol=1e-9)
    run(s, "xtreg Reaction Days, re")
    run(s, "predict double ur, u")
    b = dict(zip(s.e.bnames, s.e.b))
    ue = df["Reaction"] - b["_cons"] - b["Days"] * df["Days"]
    su2, se2 = s.e.scalars["sigma_u"] ** 2, s.e.scalars["sigma_e"] ** 2
    T = df.groupby("Subject")["Days"].transform("size")
    ref = su2 / (T * su2 + se2) * ue.groupby(df["Subject"]).transform("sum")
    np.testing.assert_allclose(s.data.df["ur"], ref, rtol=1e-10)


def test_re_keeps_covariates_constant_within_panels() -> None:
    """A between-panel covariate is estimated by re (the between and GLS regressions), only
    fe omits it; checked against the dense GLS with the same variance components."""
    s, df = _data(True)
    run(s, "gen grp = Subject > 340")
    out = run(s, "xtreg Reaction Days grp, re")
    assert "omitted" not in out
    df["grp"] = (df["Subject"] > 340).astype(float)
    means = df.groupby("Subject")[["Reaction", "Days", "grp"]].mean()
    T = df.groupby("Subject").size()
    X = np.column_stack([df["Days"], df["grp"], np.ones(len(df))])
    y = df["Reaction"].to_numpy()
    lsdv = sm.OLS(
        df["Reaction"],
        pd.concat([df[["Days"]], pd.get_dummies(df["Subject"], dtype=float)], axis=1),
    ).fit()
    between = sm.OLS(means["Reaction"], sm.add_constant(means[["Days", "grp"]])).fit()
    s2e = lsdv.scale
    s2u = max(between.scale - s2e / (len(T) / np.sum(1.0 / T)), 0.0)
    A, c = np.zeros((3, 3)), np.zeros(3)
    for _, rows in df.groupby("Subject").groups.items():
        i = df.index.get_indexer(rows)
        Vi = np.linalg.inv(s2u * np.ones((len(i), len(i))) + s2e * np.eye(len(i)))
        A += X[i].T @ Vi @ X[i]
        c += X[i].T @ Vi @ y[i]
    np.testing.assert_allclose(s.e.b, np.linalg.solve(A, c), rtol=1e-8)


def test_degenerate_models_do_not_crash() -> None:
    s, _df = _data(False)
    run(s, "xtreg Reaction, fe")
    run(s, "xtreg Reaction, re")
    _m, rc = fails(s, "xtreg Reaction Days if Days < 1, re")
    assert rc == 2001
    _m, rc = fails(s, "xtreg Reaction Days, fe theta")
    assert rc == 198
