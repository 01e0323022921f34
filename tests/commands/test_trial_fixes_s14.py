"""Fixes from this session's new-user trials: one prior per parameter in linear bayesmh (as the
expression form already refused), a clear refusal of parameters as coefficients' prior
hyperparameters, and saving() into a missing folder found before sampling."""

from __future__ import annotations

import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run

_BASE = "bayesmh math homework, likelihood(normal({s2})) "


@pytest.fixture
def math() -> Session:
    s = Session()
    run(s, "use math")
    return s


@pytest.mark.parametrize(
    "priors",
    [
        "prior({math:}, flat) prior({s2}, jeffreys) prior({s2}, igamma(1,1))",
        "prior({math:homework}, normal(0,1)) prior({math:homework _cons}, flat) "
        "prior({s2}, jeffreys)",
        "prior({math:}, flat) prior({math:}, normal(0,100)) prior({s2}, jeffreys)",
    ],
)
def test_a_parameter_takes_one_prior(math, priors) -> None:
    msg, rc = fails(math, _BASE + priors)
    assert rc == 198 and "specified more than once" in msg


def test_parameters_as_coefficient_hyperparameters_are_refused_by_name(math) -> None:
    for priors in (
        "prior({math:}, normal({mu0},100)) prior({s2} {mu0}, jeffreys)",
        "prior({math:}, normal({mu0},100)) prior({s2}, jeffreys)",
    ):
        msg, rc = fails(math, _BASE + priors)
        assert rc == 198 and "hyperparameters of the coefficients' priors" in msg


def test_saving_into_a_missing_folder_fails_before_sampling(math, tmp_path) -> None:
    before = math.e
    msg, rc = fails(
        math,
        _BASE + "prior({math:}, flat) prior({s2}, jeffreys) mcmcsize(100) burnin(10) "
        f"saving({tmp_path}/nosuch/x)",
    )
    assert rc == 603 and "no such folder" in msg and "None" not in msg
    assert math.e is before  # nothing was estimated


def test_intro_statistics_trial_fixes() -> None:
    s = Session()
    run(s, "sysuse exam, clear")
    a = run(s, "ttest normexam = 0")
    t_eq = s.r["t"]
    run(s, "ttest normexam == 0")
    assert s.r["t"] == t_eq and "One-sample t test" in a
    out = run(s, "by sex, sort: ttest normexam == 0")
    assert out.count("One-sample t test") == 2
    assert fails(s, "ttest normexam ==") == ("invalid syntax", 198)
    assert fails(s, "pwcorr normexam standlrt if 0")[1] == 2000
    assert run(s, "by sex: pwcorr normexam standlrt").count("standlrt |") == 2
    for cmd in ("ttest", "prtest", "sdtest"):
        var = "normexam" if cmd != "prtest" else "f"
        if cmd == "prtest":
            run(s, "capture drop f\ngenerate f = normexam > 0")
        msg, rc = fails(s, f"{cmd} {var} if school == 2, by(sex)")
        assert (msg, rc) == ("1 group found, 2 required", 420)
    out = run(s, "tabi 1 0 \\ 0 0, chi2")
    assert "Pr =     ." in out and "nan" not in out


def test_review_degenerate_data_give_missing_not_crashes() -> None:
    import numpy as np
    import pandas as pd

    from bayes_magic.dataset.dataset import Dataset

    s = Session()
    rng = np.random.default_rng(1)
    s.data = Dataset.from_dataframe(
        pd.DataFrame(
            {
                "x": np.arange(1.0, 9.0),
                "y": -np.arange(1.0, 9.0),
                "c": np.full(8, 5.0),
                "e": np.exp(3 * rng.normal(size=8)),
            }
        )
    )
    run(s, "swilk c")
    assert np.isnan(s.r["W"]) and np.isnan(s.r["p"])
    out = run(s, "spearman x y")  # rho = -1: p missing, as spearman.ado's ttail(., .)
    assert s.r["rho"] == -1 and np.isnan(s.r["p"]) and "nan" not in out
    out = run(s, "spearman x c\nktau x c")
    assert "nan" not in out and "      ." in out
    out = run(s, "tabulate x c, all")
    assert "nan" not in out


def test_review_sktest_missing_chi2_when_p_underflows() -> None:
    import numpy as np
    import pandas as pd

    from bayes_magic.dataset.dataset import Dataset

    rng = np.random.default_rng(2)
    s = Session()
    s.data = Dataset.from_dataframe(pd.DataFrame({"x": np.exp(3 * rng.normal(size=5000))}))
    out = run(s, "sktest x")
    assert np.isnan(s.r["chi2"]) and "inf" not in out


def test_review_typed_numbers_and_tabi() -> None:
    s = Session()
    for cmd in (
        "tabi 1 2 \\ nan 3",
        "tabi 1 2 \\ 1e400 3",
        "ttesti nan 1 2 3",
        "ttesti 10 nan 2 3",
    ):
        assert fails(s, cmd)[1] == 7, cmd
    assert fails(s, "tabi 1 2 3")[1] == 198  # one row: tabi.ado's error 198
    run(s, "tabi 4294967297 1 \\ 1 1, chi2")
    assert s.r["N"] == 4294967300
    assert fails(s, "ttesti 10 1 2 3, welch") == ("option welch not allowed", 198)
    assert fails(s, "set level 90")[1] == 198


def test_review_dfbeta_factor_variables_and_exact_weights(math) -> None:
    run(math, "quietly regress math homework i.schtype")
    out = run(math, "dfbeta i.schtype")
    assert "dfbeta(1.schtype)" in out
    assert fails(math, "tabulate schtype public [aw=homework+1], exact")[1] in (101, 111)
