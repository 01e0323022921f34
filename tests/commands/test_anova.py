"""``anova`` ([R] anova): the layout against a published Stata table; partial (type III) and
sequential (type I) sums of squares against statsmodels' ``anova_lm`` on unbalanced data, with
interactions, a covariate and a nested term; weights as the expanded data; postestimation;
bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from bayes_magic.dataset.dataset import Dataset
from bayes_magic.session import Session
from tests.conftest import fails, run

smf = pytest.importorskip("statsmodels.formula.api")
anova_lm = pytest.importorskip("statsmodels.stats.anova").anova_lm

#: the one-way example of a published Stata log (three classes of three scores each)
_CLASSES = """clear
input class score
1 70
1 75
1 80
2 75
2 80
2 85
3 80
3 85
3 90
end
anova score class"""

_PUBLISHED = """
                         Number of obs =          9    R-squared     =  0.5000
                         Root MSE      =          5    Adj R-squared =  0.3333

                  Source | Partial SS         df         MS        F    Prob>F
              -----------+----------------------------------------------------
                   Model |        150          2          75      3.00  0.1250
                         |
                   class |        150          2          75      3.00  0.1250
                         |
                Residual |        150          6          25
              -----------+----------------------------------------------------
                   Total |        300          8        37.5"""


def _math(s: Session) -> pd.DataFrame:
    """Unbalanced data shaped like the NELS-88 variables of math.csv: a score, race (5
    levels, unequal), sex, parents' education (6 levels) and a continuous SES with a race
    interaction."""
    rng = np.random.default_rng(88)
    n = 519
    race = rng.choice([1, 2, 3, 4, 5], n, p=[0.05, 0.1, 0.12, 0.7, 0.03])
    sex = rng.choice([1, 2], n)
    parented = rng.choice(np.arange(1, 7), n, p=[0.1, 0.3, 0.2, 0.2, 0.12, 0.08])
    ses = rng.normal(0, 0.8, n)
    math = (
        50
        + 2 * race
        + 1.5 * (sex == 2) * (race == 3)
        + 2 * parented
        + (1 + 0.8 * race) * ses
        + rng.normal(0, 9, n)
    )
    df = pd.DataFrame(
        {"math": np.round(math), "race": race, "sex": sex, "parented": parented, "ses": ses}
    )
    s.data = Dataset.from_dataframe(df)
    return df


def _terms(s: Session) -> dict[str, tuple[float, int]]:
    e = s.e
    k = int(e.scalars["k_terms"])
    return {
        e.macros[f"term_{j}"]: (e.scalars[f"ss_{j}"], int(e.scalars[f"df_{j}"]))
        for j in range(1, k + 1)
    }


def test_layout_matches_published_stata_table() -> None:
    s = Session()
    out = run(s, _CLASSES)
    assert _PUBLISHED.strip("\n") in out
    assert s.e.cmd == "anova" and s.e.macros["sstype"] == "partial"
    assert s.e.scalars["F_1"] == pytest.approx(3.0, rel=1e-12)


def test_partial_ss_are_type_iii_with_interaction_and_covariate() -> None:
    s = Session()
    df = _math(s)
    run(s, "anova math race##sex parented")
    fit = smf.ols("math ~ C(race, Sum)*C(sex, Sum) + C(parented, Sum)", df).fit()
    ref = anova_lm(fit, typ=3)
    ours = _terms(s)
    pairs = {
        "race": "C(race, Sum)",
        "sex": "C(sex, Sum)",
        "race#sex": "C(race, Sum):C(sex, Sum)",
        "parented": "C(parented, Sum)",
    }
    assert list(ours) == list(pairs)
    for term, name in pairs.items():
        assert ours[term][0] == pytest.approx(ref.loc[name, "sum_sq"], rel=1e-9)
        assert ours[term][1] == ref.loc[name, "df"]
    assert s.e.scalars["rss"] == pytest.approx(fit.ssr, rel=1e-10)
    assert s.e.scalars["df_m"] == 14

    run(s, "anova math race parented c.ses race#c.ses")
    fit = smf.ols("math ~ C(race, Sum) + C(parented, Sum) + ses + C(race, Sum):ses", df).fit()
    ref = anova_lm(fit, typ=3)
    ours = _terms(s)
    assert list(ours) == ["race", "parented", "ses", "race#c.ses"]
    assert ours["race#c.ses"][0] == pytest.approx(ref.loc["C(race, Sum):ses", "sum_sq"], rel=1e-9)
    assert ours["ses"][0] == pytest.approx(ref.loc["ses", "sum_sq"], rel=1e-9)
    assert ours["race"][0] == pytest.approx(ref.loc["C(race, Sum)", "sum_sq"], rel=1e-9)


def test_sequential_and_nested_terms() -> None:
    s = Session()
    df = _math(s)
    # patsy puts interactions after main effects: the same order here
    run(s, "anova math race sex parented race#sex, sequential")
    ref = anova_lm(smf.ols("math ~ C(race) + C(sex) + C(parented) + C(race):C(sex)", df).fit())
    ours = _terms(s)
    names = ["C(race)", "C(sex)", "C(parented)", "C(race):C(sex)"]
    for (term, (ss, dfk)), name in zip(ours.items(), names, strict=True):
        assert ss == pytest.approx(ref.loc[name, "sum_sq"], rel=1e-9), term
        assert dfk == ref.loc[name, "df"]
    assert "Seq. SS" in s.execute("anova").log()
    # sequential sums of squares add up to the model's
    assert sum(v[0] for v in ours.values()) == pytest.approx(s.e.scalars["mss"], rel=1e-10)

    # parented within sex: one-way anova of parented in each sex, pooled
    run(s, "anova math sex parented|sex")
    nested = _terms(s)["parented|sex"]
    y, g, p = df["math"].to_numpy(), df["sex"].to_numpy(), df["parented"].to_numpy()
    within = 0.0
    dfw = 0
    for v in np.unique(g):
        yv, pv = y[g == v], p[g == v]
        means = {q: yv[pv == q].mean() for q in np.unique(pv)}
        within += sum((pv == q).sum() * (m - yv.mean()) ** 2 for q, m in means.items())
        dfw += len(means) - 1
    assert nested == (pytest.approx(within, rel=1e-9), dfw)
    assert "parented|sex |" in s.execute("anova").log()


def test_weights_are_the_expanded_data() -> None:
    s = Session()
    _math(s)
    run(s, "generate w = 1 + mod(_n, 3)\nanova math race##sex [fw=w]")
    weighted = _terms(s)
    N = s.e.scalars["N"]
    run(s, "expand w\nanova math race##sex")
    assert s.e.scalars["N"] == N
    for term, (ss, dfk) in _terms(s).items():
        assert weighted[term] == (pytest.approx(ss, rel=1e-9), dfk)


def test_postestimation_sees_the_regression() -> None:
    s = Session()
    _math(s)
    run(s, "anova math race##sex c.ses\nquietly regress")
    b = s.e.b.copy()
    assert s.e.cmd == "anova"
    run(s, "quietly regress math i.race##i.sex c.ses")
    assert np.allclose(b, s.e.b, rtol=1e-10)
    run(s, "anova math race##sex c.ses\ntestparm i.race#i.sex")
    F = s.r["F"]
    assert pytest.approx(s.e.scalars["F_3"], rel=1e-8) == F  # race#sex is the third term
    run(s, "predict r, residuals\nquietly summarize r")
    assert abs(s.r["mean"]) < 1e-8
    assert "Partial SS" in run(s, "estimates store a\nestimates replay a")


def test_bad_input_leaves_results() -> None:
    s = Session()
    _math(s)
    run(s, "anova math race")
    before = s.e
    assert fails(s, "anova math race / sex")[1] == 198
    assert fails(s, "anova math race, repeated(sex)")[1] == 198
    assert fails(s, "anova math race, partial sequential")[1] == 184
    assert fails(s, "anova math nosuchvar")[1] == 111
    assert fails(s, "anova math ses")[1] == 452  # noninteger levels as a factor
    assert s.e is before
    s2 = Session()
    run(s2, "use math")
    assert fails(s2, "anova") == ("last estimates not found", 301)


def test_margins_asbalanced_are_least_squares_means() -> None:
    """``margins race, asbalanced`` after anova: each race's prediction averaged over the two
    sexes with equal weight, covariates as observed (the linear prediction at their mean);
    checked against statsmodels' predictions of the same model."""
    s = Session()
    df = _math(s)
    run(s, "anova math race##sex c.ses")
    out = run(s, "margins race, asbalanced")
    fit = smf.ols("math ~ C(race)*C(sex) + ses", df).fit()
    for k, r in enumerate(sorted(df["race"].unique())):
        grid = pd.DataFrame({"race": [r, r], "sex": [1, 2], "ses": [df["ses"].mean()] * 2})
        assert s.r["b"].values[0, k] == pytest.approx(fit.predict(grid).mean(), rel=1e-10)
    assert "At: race (asbalanced)\n    sex  (asbalanced)" in out
    assert "Adjusted predictions" in out


def test_margins_asbalanced_after_logit_averages_observations() -> None:
    """With a nonlinear model the covariates stay as observed: the mean over observations of
    invlogit(x'b) with the factor indicators at 1/k."""
    s = Session()
    df = _math(s)
    run(s, "generate pass = math > 60\nlogit pass i.race c.ses\nmargins, asbalanced")
    b = s.e.b
    names = [n.split(":")[-1] for n in s.e.bnames]
    races = sorted(df["race"].unique())
    eta = b[names.index("_cons")] + b[names.index("ses")] * df["ses"].to_numpy()
    eta = eta + sum(b[names.index(f"{r}.race")] for r in races[1:]) / len(races)
    assert s.r["b"].values[0, 0] == pytest.approx(np.mean(1 / (1 + np.exp(-eta))), rel=1e-9)


def test_empty_cells_are_refused_not_misreported() -> None:
    """A main effect whose interaction has an empty cell has no type III sum of squares of
    this construction: refused by name (sequential works, and the interaction's own test is
    the same in any parameterization); margins, asbalanced is refused there too."""
    s = Session()
    df = _math(s)
    run(s, "drop if race == 5 & sex == 2")
    msg, rc = fails(s, "anova math race##sex")
    assert rc == 198 and msg.startswith("race: its partial sum of squares is not available")
    run(s, "anova math race##sex, sequential")
    inter = _terms(s)["race#sex"]
    kept = df[~((df["race"] == 5) & (df["sex"] == 2))]
    with warnings.catch_warnings():  # statsmodels: the empty cell's column is all zero
        warnings.simplefilter("ignore")
        full = smf.ols("math ~ C(race)*C(sex)", kept).fit()
    main = smf.ols("math ~ C(race) + C(sex)", kept).fit()
    assert inter[0] == pytest.approx(main.ssr - full.ssr, rel=1e-9)
    assert inter[1] == 3
    assert fails(s, "margins race, asbalanced")[1] == 198
