"""``tabulate twoway``'s ``gamma``, ``taub``, ``exact`` and ``all`` ([R] tabulate twoway).

Three tables from a published Stata 17 log (a melanoma study's supplementary analysis): every
printed statistic, and the lines character for character. Fisher's exact test also against
scipy's for 2 × 2 tables and against enumerating every table with the margins of a small 3 × 3
one; gamma and tau-b against the pair-counting definitions.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayes_magic.commands.tabulate_tests import fisher_exact, gamma_taub
from bayes_magic.dataset.dataset import Dataset
from bayes_magic.session import Session
from tests.conftest import fails, run


def _session(table: list[list[int]], rows: list[str] | None = None) -> Session:
    t = np.array(table)
    r, c = np.indices(t.shape)
    rv = [rows[i] for i in r.ravel()] if rows else r.ravel()
    s = Session()
    s.data = Dataset.from_dataframe(pd.DataFrame({"a": rv, "b": c.ravel(), "n": t.ravel()}))
    return s


def test_published_2x2() -> None:
    s = _session([[39, 4], [31, 11]])
    out = run(s, "tabulate a b [fw=n], all exact")
    assert out.strip("\n").splitlines()[-7:] == [
        "          Pearson chi2(1) =   4.1698   Pr = 0.041",
        " Likelihood-ratio chi2(1) =   4.3015   Pr = 0.038",
        "               Cramér's V =   0.2215",
        "                    gamma =   0.5515  ASE = 0.220",
        "          Kendall's tau-b =   0.2215  ASE = 0.100",
        "           Fisher's exact =                 0.050",
        "   1-sided Fisher's exact =                 0.038",
    ]
    t = np.array([[39, 4], [31, 11]])
    assert s.r["p_exact"] == pytest.approx(stats.fisher_exact(t).pvalue, rel=1e-9)
    assert s.r["p1_exact"] == pytest.approx(stats.fisher_exact(t, "greater").pvalue, rel=1e-9)


def test_published_6x2_with_string_rows() -> None:
    rows = [" WT", "BRAF", "KIT", "MULTIHIT", "NF1", "NRAS"]
    s = _session([[39, 4], [7, 4], [10, 1], [0, 1], [5, 2], [9, 3]], rows)
    out = run(s, "tabulate a b [fw=n], all exact")
    assert out.strip("\n").splitlines()[-6:] == [
        "          Pearson chi2(5) =  10.9539   Pr = 0.052",
        " Likelihood-ratio chi2(5) =   9.6104   Pr = 0.087",
        "               Cramér's V =   0.3590",
        "                    gamma =   0.3504  ASE = 0.168",
        "          Kendall's tau-b =   0.1782  ASE = 0.096",
        "           Fisher's exact =                 0.042",
    ]
    assert "p1_exact" not in s.r


def test_published_3x2_negative_association() -> None:
    s = _session([[9, 7], [14, 0], [11, 3]])
    out = run(s, "tabulate a b [fw=n], gamma taub")
    assert out.strip("\n").splitlines()[-2:] == [
        "                    gamma =  -0.4344  ASE = 0.290",
        "          Kendall's tau-b =  -0.2265  ASE = 0.158",
    ]


def _enumerate_fisher(t: np.ndarray) -> float:
    """Sum the probabilities of every table with t's margins no more probable than t."""
    rows, cols = t.sum(1), t.sum(0)
    n = t.sum()

    def logp(x: np.ndarray) -> float:
        from scipy.special import gammaln

        return float(
            gammaln(rows + 1).sum()
            + gammaln(cols + 1).sum()
            - gammaln(n + 1)
            - gammaln(x + 1).sum()
        )

    obs = logp(t)
    total = 0.0
    r, c = t.shape
    free = [range(min(rows[i], cols[j]) + 1) for i in range(r - 1) for j in range(c - 1)]
    for cells in itertools.product(*free):
        x = np.zeros_like(t)
        x[: r - 1, : c - 1] = np.array(cells).reshape(r - 1, c - 1)
        x[: r - 1, c - 1] = rows[: r - 1] - x[: r - 1, : c - 1].sum(1)
        x[r - 1, :] = cols - x[: r - 1, :].sum(0)
        if (x < 0).any():
            continue
        lp = logp(x)
        if lp <= obs + 1e-7:
            total += np.exp(lp)
    return total


def test_fisher_rxc_against_enumeration() -> None:
    rng = np.random.default_rng(4)
    for shape in [(3, 3), (2, 4), (3, 2)]:
        t = rng.integers(0, 6, size=shape)
        assert fisher_exact(t)[0] == pytest.approx(_enumerate_fisher(t), rel=1e-9)


def test_gamma_taub_against_pair_counts() -> None:
    rng = np.random.default_rng(9)
    x, y = rng.integers(0, 4, 60), rng.integers(0, 3, 60)
    t = np.zeros((4, 3))
    np.add.at(t, (x, y), 1)
    conc = disc = 0
    for i, j in itertools.combinations(range(60), 2):
        d = np.sign(x[i] - x[j]) * np.sign(y[i] - y[j])
        conc += d > 0
        disc += d < 0
    g, _, tb, _ = gamma_taub(t)
    assert g == pytest.approx((conc - disc) / (conc + disc))
    assert tb == pytest.approx(stats.kendalltau(x, y).statistic)


def test_exact_refused_with_aweights_and_data_kept() -> None:
    s = _session([[39, 4], [31, 11]])
    before = s.data.df.copy()
    assert fails(s, "tabulate a b [aw=n], exact")[1] == 101
    pd.testing.assert_frame_equal(s.data.df, before)


def test_tabi_published_and_defaults() -> None:
    s = Session()
    run(s, "sysuse exam, clear")
    before = s.data.df.copy()
    out = run(s, "tabi 15 5 \\ 10 10, chi2 expected")
    # a published Stata log of the same command
    assert "          Pearson chi2(1) =   2.6667   Pr = 0.102" in out
    assert "           |      12.5        7.5 |      20.0" in out
    pd.testing.assert_frame_equal(s.data.df, before)  # the data in memory are kept
    out = run(s, "tabi 15 5 \\ 10 10")  # 2 x 2 without options: Fisher's exact test
    assert s.r["p_exact"] == pytest.approx(stats.fisher_exact([[15, 5], [10, 10]]).pvalue)
    run(s, "tabi 39 4 \\ 7 4 \\ 10 1 \\ 0 1 \\ 5 2 \\ 9 3")  # larger: chi2
    assert s.r["chi2"] == pytest.approx(10.9539, abs=5e-5) and "p_exact" not in s.r
    assert fails(s, "tabi 1 2 \\ 3")[1] == 198
    assert fails(s, "tabi 1 -2 \\ 3 4")[1] == 411
    pd.testing.assert_frame_equal(s.data.df, before)
    run(s, "tabi 1 2 \\ 3 4, replace")
    assert list(s.data.df["pop"]) == [1, 2, 3, 4]


@pytest.mark.slow
def test_fisher_two_row_network_against_enumeration_and_stata() -> None:
    """2 × c and r × 2 tables take the network algorithm with exact path bounds: against full
    enumeration of random tables, the published Stata log's r × 2 tables (Fisher's exact =
    0.039 and 0.042, printed to 3 decimals: code index, a survival analysis's Stata session),
    and a table too large for plain enumeration (educ by c_use in the Bangladesh data, 4 × 2,
    n = 1,934, which was refused with r(910)) against a vectorized enumeration of its first
    three rows."""
    rng = np.random.default_rng(11)
    for c in (3, 4, 5):
        for _ in range(4):
            t = rng.integers(0, 7, size=(2, c)) + 1
            assert fisher_exact(t)[0] == pytest.approx(_enumerate_fisher(t), rel=1e-9)
            assert fisher_exact(t.T)[0] == pytest.approx(_enumerate_fisher(t), rel=1e-9)
    assert round(fisher_exact(np.array([[9, 5], [3, 13], [6, 8]]))[0], 3) == 0.039
    six = np.array([[39, 4], [7, 4], [10, 1], [0, 1], [5, 2], [9, 3]])
    assert round(fisher_exact(six)[0], 3) == 0.042

    from scipy.special import gammaln

    t = np.array([[837, 377], [137, 101], [93, 92], [108, 189]])
    rows, k, n = t.sum(1), int(t[:, 1].sum()), int(t.sum())

    def lc(m, x):
        return gammaln(m + 1) - gammaln(x + 1) - gammaln(m - x + 1)

    obs = sum(lc(rows[i], t[i, 1]) for i in range(4)) - lc(n, k)
    total = 0.0
    x2 = np.arange(rows[2] + 1)
    for x0 in range(rows[0] + 1):
        for x1 in range(rows[1] + 1):
            x3 = k - x0 - x1 - x2
            ok = (x3 >= 0) & (x3 <= rows[3])
            if not ok.any():
                continue
            lp = (
                lc(rows[0], x0)
                + lc(rows[1], x1)
                + lc(rows[2], x2[ok])
                + lc(rows[3], x3[ok])
                - lc(n, k)
            )
            total += float(np.exp(lp[lp <= obs + 1e-7]).sum())
    assert fisher_exact(t)[0] == pytest.approx(total, rel=1e-9)
    s = Session()
    run(s, "use bangladesh")
    run(s, "quietly tabulate educ c_use, exact")
    assert s.r["p_exact"] == pytest.approx(total, rel=1e-9)
