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
