"""csi/cs, cci/cc, iri/ir ([ST] epitab) against Stata's printed output.

The references are Stata logs in the code index: Stata 15.1 runs of ``csi 189 104 10845
10933``, ``cci 189 104 10845 10933``, ``csi 60 45 108 341`` and ``cci 60 45 108 341`` (an R
analysis driving Stata through RStata), ``csi 7 1 27 33, or woolf`` and ``iri 30 60 54308
51477`` (quoted in an R package's tests), and ``cs death ..., or`` on the Framingham data (a
course's worked answers: its Cornfield intervals). Stata 17 prints ``[95% conf. interval]``
where these older logs print ``[95% Conf. Interval]``, and its _crc4fld (seen in a Stata 17
log of ``mcci 84 17 3 166``, reproduced below) centres the label over the columns and draws
the total column's rule 11 wide where Stata 15 drew 12; every other character is compared.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_magic.fit import epitab as E
from bayes_magic.session import Session
from tests.conftest import fails, run

CSI_WOOLF = """
                 |   Exposed   Unexposed  |      Total
-----------------+------------------------+-----------
           Cases |         7           1  |          8
        Noncases |        27          33  |         60
-----------------+------------------------+-----------
           Total |        34          34  |         68
                 |                        |
            Risk |  .2058824    .0294118  |   .1176471
                 |                        |
                 |      Point estimate    |    [95% conf. interval]
                 |------------------------+------------------------
 Risk difference |         .1764706       |    .0291694    .3237718
      Risk ratio |                7       |    .9096055    53.86951
 Attr. frac. ex. |         .8571429       |   -.0993777    .9814366
 Attr. frac. pop |              .75       |
      Odds ratio |         8.555556       |    .9904903     73.9003 (Woolf)
                 +-------------------------------------------------
                               chi2(1) =     5.10  Pr>chi2 = 0.0239
"""

CCI = """
                                                         Proportion
                 |   Exposed   Unexposed  |      Total     Exposed
-----------------+------------------------+------------------------
           Cases |       189         104  |        293       0.6451
        Controls |     10845       10933  |      21778       0.4980
-----------------+------------------------+------------------------
           Total |     11034       11037  |      22071       0.4999
                 |                        |
                 |      Point estimate    |    [95% conf. interval]
                 |------------------------+------------------------
      Odds ratio |         1.832054       |    1.432251    2.353397 (exact)
 Attr. frac. ex. |         .4541645       |    .3017983    .5750823 (exact)
 Attr. frac. pop |         .2929594       |
                 +-------------------------------------------------
                               chi2(1) =    25.01  Pr>chi2 = 0.0000
"""

IRI = """
                 |   Exposed   Unexposed  |      Total
-----------------+------------------------+-----------
           Cases |        30          60  |         90
     Person-time |     54308       51477  |     105785
-----------------+------------------------+-----------
                 |                        |
  Incidence rate |  .0005524    .0011656  |   .0008508
                 |                        |
                 |      Point estimate    |    [95% conf. interval]
                 |------------------------+------------------------
 Inc. rate diff. |        -.0006132       |   -.0009682   -.0002581
 Inc. rate ratio |         .4739357       |    .2951285    .7464182 (exact)
 Prev. frac. ex. |         .5260643       |    .2535818    .7048715 (exact)
 Prev. frac. pop |         .2700714       |
                 +-------------------------------------------------
                     (midp)   Pr(k<=30) =                    0.0003 (exact)
                     (midp) 2*Pr(k<=30) =                    0.0006 (exact)
"""


def _body(out: str) -> list[str]:
    return [ln.rstrip() for ln in out.strip("\n").splitlines()]


def test_csi_cci_iri_reproduce_statas_logs() -> None:
    s = Session()
    assert _body(run(s, "csi 7 1 27 33, or woolf")) == _body(CSI_WOOLF)
    assert _body(run(s, "cci 189 104 10845 10933")) == _body(CCI)
    assert _body(run(s, "iri 30 60 54308 51477")) == _body(IRI)


@pytest.mark.parametrize(
    ("cells", "rows"),
    [
        (
            "189 104 10845 10933",
            {
                "Risk difference": (".007706", ".0046878", ".0107243"),
                "Risk ratio": ("1.817802", "1.433031", "2.305884"),
                "Attr. frac. ex.": (".449885", ".3021783", ".5663269"),
                "Attr. frac. pop": (".2901989",),
            },
        ),
        (
            "60 45 108 341",
            {
                "Risk difference": (".2405625", ".1613492", ".3197759"),
                "Risk ratio": ("3.063492", "2.177394", "4.310191"),
                "Attr. frac. ex.": (".6735751", ".5407353", ".7679917"),
                "Attr. frac. pop": (".3849001",),
            },
        ),
    ],
)
def test_csi_rows_as_stata_prints_them(cells, rows) -> None:
    out = run(Session(), f"csi {cells}")
    for label, want in rows.items():
        line = next(ln for ln in out.splitlines() if ln.strip().startswith(label))
        assert line.split("|")[1].split() + line.split("|")[2].split()[: len(want) - 1] == list(
            want
        ), label
    chi2 = {"189 104 10845 10933": "25.01", "60 45 108 341": "44.10"}[cells]
    assert f"chi2(1) =    {chi2}  Pr>chi2 = 0.0000" in out


def test_cci_exact_interval_is_statas_and_close_to_the_roots() -> None:
    """cci's "exact" ends are its secant iterates (stopped at a .5% step): Stata's print for
    60 45 108 341 is 2.638216 6.721812; the exact roots of the noncentral hypergeometric
    tails lie within 1e-3 (relative) of them."""
    s = Session()
    out = run(s, "cci 60 45 108 341")
    assert "      Odds ratio |         4.209877       |    2.638216    6.721812 (exact)" in out
    assert " Attr. frac. ex. |         .7624633       |     .620956    .8512306 (exact)" in out
    lo, hi = E.exact_or_interval(60, 45, 108, 341, 95)
    assert abs(lo / s.r["lb_or"] - 1) < 1e-3 and abs(hi / s.r["ub_or"] - 1) < 1e-3
    # the roots are the roots: the tails beyond 60 are 2.5% at them
    k = np.arange(0, 106)
    for psi, tail in ((lo, lambda w: w[k >= 60].sum()), (hi, lambda w: w[k <= 60].sum())):
        w = stats.nchypergeom_fisher.pmf(k, 554, 168, 105, psi)
        assert tail(w) == pytest.approx(0.025, rel=1e-8)


def test_cornfield_intervals_of_the_framingham_logs() -> None:
    """cs death newbmi1, or and cs death cursmoke1, or: Cornfield's intervals as Stata's
    iteration (tolerance .001) leaves them."""
    s = Session()
    out = run(s, "csi 259 571 318 1365, or")
    assert "      Odds ratio |         1.947015       |    1.608816     2.35632 (Cornfield)" in out
    assert " Risk ratio |         1.521925       |    1.358417    1.705113" in out
    out = run(s, "csi 788 762 1393 1491, or")
    assert "      Odds ratio |         1.106873       |    .9783102    1.252331 (Cornfield)" in out
    assert " Risk difference |         .0230864       |   -.0049864    .0511592" in out
    assert "chi2(1) =     2.60  Pr>chi2 = 0.1070" in out


def test_data_forms_tabulate_the_data() -> None:
    """cs, cc and ir on the Bangladesh data count the same cells as tabulate, and agree with
    csi, cci and iri typed with those counts; the odds ratio is logistic's."""
    s = Session()
    run(s, "use bangladesh\ngenerate t = 1 + mod(_n, 3)")
    out = run(s, "cs c_use urban, or")
    assert out.splitlines()[0] == "                 |     Urban or rural     |"  # its label
    r_data = dict(s.r)
    run(s, "csi 290 469 272 903, or")
    assert r_data == pytest.approx(dict(s.r))
    run(s, "quietly logistic c_use urban")
    assert r_data["or"] == pytest.approx(float(np.exp(s.e.b[0])), rel=1e-9)
    run(s, "cc c_use urban")
    assert s.r["or"] == pytest.approx(r_data["or"])
    run(s, "ir c_use urban t")
    x = s.data.df
    a = x.c_use[x.urban == 1].sum()
    n1 = x.t[x.urban == 1].sum()
    b = x.c_use[x.urban == 0].sum()
    n0 = x.t[x.urban == 0].sum()
    assert s.r["irr"] == pytest.approx((a / n1) / (b / n0))
    # frequency weights count as copies: weight 2 on the urban women is their duplicate
    run(s, "generate w = 1 + urban")
    run(s, "cs c_use urban [fw=w]")
    weighted = dict(s.r)
    run(s, "expand 2 if urban == 1")
    run(s, "cs c_use urban")
    assert weighted == pytest.approx(dict(s.r))


def test_epitab_exact_and_refusals() -> None:
    s = Session()
    run(s, "csi 7 12 9 2, exact")
    p2, p1 = (
        stats.fisher_exact([[7, 12], [9, 2]]).pvalue,
        stats.fisher_exact([[7, 12], [9, 2]], "less").pvalue,
    )
    assert s.r["p_exact"] == pytest.approx(p2) and s.r["p1_exact"] == pytest.approx(p1)
    assert fails(s, "csi 1 2 3") == ("invalid syntax", 198)
    assert fails(s, "csi 1 2 3 -4") == ("negative numbers invalid", 498)
    assert fails(s, "csi 1 2.5 3 4")[1] == 7
    out = run(s, "cci 4 0 10 20")
    assert "Note: Exact confidence levels not possible with zero count cells." in out
    run(s, "use bangladesh")
    assert fails(s, "cs c_use age")[1] == 450
    assert fails(s, "cc c_use urban, by(district urban)") == ("too many variables specified", 103)
    assert fails(s, "cs c_use urban, by(district urban)")[1] == 198  # cs.ado's, not yet here


def _strata_tables(s: Session) -> list[np.ndarray]:
    x = s.data.df
    out = []
    for k in (0, 1, 2):
        g = x[x.agec == k]
        y, e = g.c_use == 1, g.urban == 1
        out.append(np.array([[(y & e).sum(), (y & ~e).sum()], [(~y & e).sum(), (~y & ~e).sum()]]))
    return out


@pytest.fixture
def strat() -> Session:
    s = Session()
    run(s, "use bangladesh")
    run(s, "generate agec = cond(age < -5, 0, cond(age < 5, 1, 2))")
    run(s, "generate t = 1 + mod(_n, 3)")
    return s


def test_cc_by_mantel_haenszel_against_statsmodels(strat) -> None:
    """cc, by(): the M-H odds ratio, its Robins–Breslow–Greenland interval, the M-H χ² that
    it is 1, and the Breslow–Day and Tarone homogeneity statistics, against statsmodels'
    StratifiedTable; each stratum's row is cci's."""
    from statsmodels.stats.contingency_tables import StratifiedTable

    s = strat
    out = run(s, "cc c_use urban, by(agec) bd tarone")
    st = StratifiedTable(_strata_tables(s))
    assert s.r["or"] == pytest.approx(st.oddsratio_pooled, rel=1e-12)
    lo, hi = st.oddsratio_pooled_confint()
    assert (s.r["lb_or"], s.r["ub_or"]) == pytest.approx((lo, hi), rel=1e-10)
    assert s.r["chi2"] == pytest.approx(st.test_null_odds(correction=False).statistic, rel=1e-10)
    assert s.r["chi2_bd"] == pytest.approx(st.test_equal_odds(adjust=False).statistic, rel=1e-8)
    assert s.r["chi2_t"] == pytest.approx(st.test_equal_odds(adjust=True).statistic, rel=1e-8)
    lines = out.splitlines()
    assert lines[0] == "            agec |       OR       [95% conf. interval]   M-H Weight"
    assert lines[1] == "-----------------+-------------------------------------------------"
    t0 = _strata_tables(s)[0].ravel()
    run(s, "cci " + " ".join(str(int(v)) for v in t0))
    from bayes_magic.commands.epitab import _g

    want = f"  {_g(s.r['or'])}     {_g(s.r['lb_or'])}  {_g(s.r['ub_or'])}"
    assert lines[2].startswith("               0 |" + want) and lines[2].endswith("(exact)")
    assert "Test that combined OR = 1:" in out


def test_cs_by_mantel_haenszel_risk_ratio(strat) -> None:
    """cs, by(): the M-H risk ratio (statsmodels' pooled risk ratio), the Greenland–Robins
    interval and the homogeneity χ² as [ST] epitab's Methods and formulas give them, laid
    out as cs.ado prints them (the Framingham course log)."""
    from statsmodels.stats.contingency_tables import StratifiedTable

    s = strat
    out = run(s, "cs c_use urban, by(agec)")
    tabs = _strata_tables(s)
    st = StratifiedTable([t.T for t in tabs])  # rows exposed/unexposed, columns case/noncase
    assert s.r["rr"] == pytest.approx(st.riskratio_pooled, rel=1e-12)
    a, b, c, d = (np.array([t.ravel()[i] for t in tabs], dtype=float) for i in range(4))
    n1, n0, m1, t = a + c, b + d, a + b, a + b + c + d
    var = np.sum((m1 * n1 * n0 - a * b * t) / t**2) / (np.sum(a * n0 / t) * np.sum(b * n1 / t))
    z = stats.norm.ppf(0.975)
    assert s.r["lb_rr"] == pytest.approx(s.r["rr"] * np.exp(-z * np.sqrt(var)), rel=1e-12)
    rr_i = (a / n1) / (b / n0)
    v_i = c / (a * n1) + d / (b * n0)
    chi = np.sum((np.log(rr_i) - np.log(s.r["rr"])) ** 2 / v_i)
    assert s.r["chi2_mh"] == pytest.approx(chi) and s.r["df"] == 2
    lines = out.splitlines()
    assert lines[0] == "            agec |       RR       [95% conf. interval]   M-H Weight"
    assert lines[-3].startswith("    M-H combined |    ")
    assert lines[-2] == "-" * 67
    assert lines[-1].startswith("Test of homogeneity (M-H)      chi2(2) =    ")


def test_ir_by_and_standardized(strat) -> None:
    """ir, by(): the M-H rate ratio Σ aᵢn0ᵢ/Tᵢ / Σ bᵢn1ᵢ/Tᵢ with each stratum's exact
    interval; and a standardized rate difference whose weights are the unexposed
    person-time (estandard)."""
    s = strat
    out = run(s, "ir c_use urban t, by(agec)")
    x = s.data.df
    num = den = 0.0
    for k in (0, 1, 2):
        g = x[x.agec == k]
        e = g.urban == 1
        a, b = g.c_use[e].sum(), g.c_use[~e].sum()
        n1, n0 = g.t[e].sum(), g.t[~e].sum()
        num += a * n0 / (n1 + n0)
        den += b * n1 / (n1 + n0)
    assert s.r["irr"] == pytest.approx(num / den, rel=1e-12)
    assert (
        out.splitlines()[0] == "            agec |      IRR       [95% conf. interval]   M-H Weight"
    )
    assert out.splitlines()[-1].startswith(" Test of homogeneity (M-H)    chi2(2) = ")
    run(s, "ir c_use urban t, by(agec) estandard ird")
    wsum = est = 0.0
    for k in (0, 1, 2):
        g = x[x.agec == k]
        e = g.urban == 1
        n0 = g.t[~e].sum()
        est += n0 * (g.c_use[e].sum() / g.t[e].sum() - g.c_use[~e].sum() / n0)
        wsum += n0
    assert s.r["ird"] == pytest.approx(est / wsum, rel=1e-12)
    assert fails(s, "ir c_use urban t, ird")[0] == "missing by() option"
    assert fails(s, "ir c_use urban t, by(agec) ird")[1] == 198
    assert fails(s, "cs c_use urban, woolf")[0] == "woolf option only valid with OR"


MCCI = """
                 |        Controls        |
Cases            |   Exposed   Unexposed  |      Total
-----------------+------------------------+-----------
         Exposed |        84          17  |        101
       Unexposed |         3         166  |        169
-----------------+------------------------+-----------
           Total |        87         183  |        270

McNemar's chi2(1) =      9.80    Prob > chi2 = 0.0017
Exact McNemar significance probability       = 0.0026

Proportion with factor
        Cases       .3740741
        Controls    .3222222     [95% conf. interval]
                   ---------     --------------------
        difference  .0518519       .016279   .0874248
        ratio        1.16092      1.057286   1.274711
        rel. diff.  .0765027      .0304739   .1225315

        odds ratio  5.666667      1.639032   30.18088   (exact)
"""


def test_mcci_reproduces_a_stata_17_log_and_mcc_the_pairs() -> None:
    """A Stata 17 log of ``mcci 84 17 3 166`` (code index: a tolerance-range analysis);
    the exact McNemar p-value is the two-sided binomial test of the discordant pairs, and
    mcc counts the same pairs from one observation per pair."""
    s = Session()
    assert _body(run(s, "mcci 84 17 3 166")) == _body(MCCI)
    assert s.r["p_exact"] == pytest.approx(stats.binomtest(3, 20, 0.5).pvalue)
    r = dict(s.r)
    run(s, "clear\ninput case ctrl n\n1 1 84\n1 0 17\n0 1 3\n0 0 166\nend")
    run(s, "mcc case ctrl [fw=n]")
    assert dict(s.r) == pytest.approx(r)


def test_tabodds_odds_and_tests() -> None:
    """tabodds: each level's odds d/h with exp(±z·sqrt(1/d+1/h)); the test of equal odds is
    Pearson's χ² of the table times (N−1)/N, and the score test for trend is Mantel's
    (N−1)·r² of the outcome and the exposure's scores (Mantel 1963)."""
    s = Session()
    run(s, "use bangladesh")
    out = run(s, "tabodds c_use children")
    x = s.data.df
    tab = np.array(
        [
            [((x.children == k) & (x.c_use == 1)).sum(), ((x.children == k) & (x.c_use == 0)).sum()]
            for k in range(4)
        ]
    )
    n = tab.sum()
    chi2 = stats.chi2_contingency(tab, correction=False)[0]
    assert s.r["chi2_hom"] == pytest.approx(chi2 * (n - 1) / n, rel=1e-10)
    r = np.corrcoef(x.children, x.c_use)[0, 1]
    assert s.r["chi2_tr"] == pytest.approx((n - 1) * r * r, rel=1e-10)
    assert "          0 |        133          397    0.33501        0.27528   0.40770" in out
    assert fails(s, "tabodds c_use urban, or")[1] == 198


EDGE = """clear
input case exp str1 g w
1 1 "a" 10
1 0 "a" 5
0 1 "a" 20
0 0 "a" 30
1 1 "b" 3
1 0 "b" 0
0 1 "b" 7
0 0 "b" 9
1 1 "c" 4
1 0 "c" 6
0 1 "c" 0
0 0 "c" 12
end"""


def test_strata_with_empty_cells_follow_the_ados_missing_values() -> None:
    """A stratum without unexposed cases (b) and one without exposed controls (c), string
    by() labels: nothing crashes; the estimates that divide by zero are "." as Stata's;
    cs.ado's direct homogeneity test counts every stratum (chi2(2)), cc.ado pools without a
    guard (the pooled OR is missing), cc.ado's Breslow–Day counts every stratum and a
    missing stratum OR suppresses the M-H homogeneity test (Tarone's is shown)."""
    s = Session()
    run(s, EDGE)
    out = run(s, "cs case exp [fw=w], by(g) pool")
    assert "Test of homogeneity (direct)   chi2(2) =    0.181  Pr>chi2 = 0.9135" in out
    assert "               b |           .            .          .            0" in out
    out = run(s, "cc case exp [fw=w], by(g) pool bd")
    assert " Pooled (direct) |          .             .          ." in out
    assert "(M-H)" not in out and "(Tarone)   chi2(2)" in out and "(B-D)      chi2(2)" in out
    assert s.r["df_bd"] == 2
    for cmd in (
        "csi 5 5 10 10, tb or",
        "cci 5 5 10 10, tb",
        "iri 10 10 100 100, tb",
        "iri 0 0 100 100",
        "mcci 0 0 0 5",
        "csi 3 7 0 0",
    ):
        out = run(s, cmd)
        assert "nan" not in out, cmd
    assert "chi2(1) =        .  Pr>chi2 =      ." in run(s, "csi 3 7 0 0")


def test_missing_by_values_are_one_stratum() -> None:
    s = Session()
    run(s, EDGE)
    run(s, "generate h = cond(_n <= 4, ., cond(_n <= 8, 1, 2))")
    out = run(s, "cs case exp [fw=w], by(h, missing)")
    assert sum(ln.strip().startswith(". |") for ln in out.splitlines()) == 1
    run(s, "use bangladesh, clear\nreplace urban = . in 1/5")
    out = run(s, "tabstat age, by(urban) missing")
    assert sum(ln.lstrip().startswith(".") for ln in out.splitlines()) == 1


def test_empty_rows_and_other_commands_by_options() -> None:
    """cci with no cases (or no controls) prints "." for that row's proportion exposed, as
    Stata displays 0/0; each of cs, cc and ir refuses the by() options that belong to
    another (ird to ir, rd to cs, bd and tarone to cc) rather than ignoring them (trial N)."""
    s = Session()
    rows = {"0 0 3 7": "Cases", "3 7 0 0": "Controls", "0 0 0 0": "Cases"}
    for cells, empty in rows.items():
        out = run(s, f"cci {cells}")
        row = next(ln for ln in out.splitlines() if ln.strip().startswith(empty + " |"))
        assert "nan" not in out and row.endswith(" " * 12 + "."), cells
    run(s, "use bangladesh\ngenerate pt = 1 + mod(_n, 7)")
    run(s, "cc c_use urban if c_use == 0")
    for cmd in (
        "cs c_use urban, by(children) ird",
        "cs c_use urban, by(children) bd",
        "cc c_use urban, by(children) rd",
        "ir c_use urban pt, by(children) rd",
        "ir c_use urban pt, by(children) tarone",
    ):
        msg, rc = fails(s, cmd)
        assert rc == 198 and msg.endswith("not allowed"), cmd
