"""``ttesti`` ([R] ttest): the immediate t tests against scipy's ``ttest_ind_from_stats`` and
the one-sample t statistic; the combined row against the pooled raw data of samples with the
same summaries; ``ttest`` on data unchanged by the refactoring to summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayes_magic.dataset.dataset import Dataset
from bayes_magic.session import Session
from tests.conftest import fails, run


def test_one_sample() -> None:
    s = Session()
    out = run(s, "ttesti 24 62.6 15.8 75")
    t = (62.6 - 75) / (15.8 / np.sqrt(24))
    assert s.r["t"] == pytest.approx(t)
    assert s.r["p"] == pytest.approx(2 * stats.t.cdf(t, 23))
    assert "       x |      24        62.6    3.225161        15.8    55.92825    69.27175" in out
    assert out.splitlines()[2].startswith("         |     Obs        Mean")


@pytest.mark.parametrize("opts", ["", "unequal", "welch"])
def test_two_samples_match_scipy_and_raw_data(opts: str) -> None:
    rng = np.random.default_rng(8)
    a, b = rng.normal(20, 5, 20), rng.normal(15, 3.5, 32)
    s = Session()
    summ = " ".join(
        repr(float(x)) for x in (20, a.mean(), a.std(ddof=1), 32, b.mean(), b.std(ddof=1))
    )
    run(s, f"ttesti {summ}, {opts}" if opts else f"ttesti {summ}")
    if opts != "welch":
        ref = stats.ttest_ind(a, b, equal_var=not opts)
        assert s.r["t"] == pytest.approx(ref.statistic, rel=1e-9)
        assert s.r["p"] == pytest.approx(ref.pvalue, rel=1e-9)
    immediate = dict(s.r)
    s.data = Dataset.from_dataframe(
        pd.DataFrame({"y": np.concatenate([a, b]), "g": np.repeat([1, 2], [20, 32])})
    )
    run(s, f"ttest y, by(g) {opts}")
    for key in ("t", "df_t", "se", "sd", "p_l"):
        assert immediate[key] == pytest.approx(s.r[key], rel=1e-9)


def test_errors() -> None:
    s = Session()
    assert fails(s, "ttesti 24 62.6 15.8")[1] == 198
    assert fails(s, "ttesti 2.5 62.6 15.8 75")[1] == 7
    assert fails(s, "ttesti 24 62.6 15.8 75, unequal")[1] == 198


@pytest.mark.parametrize(
    "form",
    [
        "ttest y == 1",
        "ttest y, by(g)",
        "ttest y, by(g) unequal",
        "ttest y == z",
        "ttest y == z, unpaired",
    ],
)
def test_frequency_weights_equal_expanded_data(form: str) -> None:
    """ttest [fw=f] gives what ttest gives on the data expanded f times (a trial found fweights
    refused; Stata's ttest takes them)."""
    rng = np.random.default_rng(6)
    d = pd.DataFrame(
        {
            "y": rng.normal(1, 2, 30),
            "z": rng.normal(0.5, 1, 30),
            "g": np.repeat([1, 2], 15),
            "f": rng.integers(1, 4, 30),
        }
    )
    s = Session()
    s.data = Dataset.from_dataframe(d)
    head, _, opts = form.partition(",")
    run(s, f"{head} [fw=f]" + (f",{opts}" if opts else ""))
    weighted = dict(s.r)
    run(s, "expand f")
    run(s, form)
    for key in ("t", "df_t", "p", "se", "mu_1", "sd_1"):
        assert weighted[key] == pytest.approx(s.r[key], rel=1e-10), key
