"""The nonlinear kernel's stack machine against Stata's expression evaluator.

The oracle is ``menl``'s mean function (:func:`bayes_magic.design.nonlinear.mean_function`),
which evaluates the same expression with the dataset's evaluator (Stata's functions and
missing values, numpy): at random parameter values both must agree to rounding, observation by
observation, and be missing at the same observations.
"""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.design.bayes_nonlinear import build_bayes_nonlinear_design
from bayes_magic.design.nonlinear import build_nonlinear_design
from bayes_magic.sampler import nonlinear as N
from bayes_magic.sampler.nonlinear_driver import new_nl_state, prepare_nonlinear
from bayes_magic.spec.bayes_nonlinear import build_bayesmh_nonlinear
from bayes_magic.syntax.parser import parse
from tests.conftest import run

EXPRESSIONS = [
    "{a} + {b}*homework",
    "{U[schid]}/(1+{a}*{U[schid]}*exp(-{V[schid]}*homework))",
    "exp({a})*ln(homework+{b}) - sqrt(abs({a}*{b}))",
    "invlogit({a} + {b}*homework) * 100",
    "normal({a}) + logit(invlogit({b})) + lngamma(homework + 1 + {a}^2)",
    "cond({a} > 0, {b}, -{b}) + min({a}, {b}, homework) + max({a}, 2)",
    "({a} >= {b}) + ({a} != 0) * ({b} < 1) + !({a} == {b}) + ({a} > 0 & {b} > 0)",
    "{a}^homework / ({b} - 1) + tanh({a}) + atanh({b}/10) + sin({a}) * cos({b})",
    "ln({a} - homework) + floor({a}) + ceil({b}) + int(-{b})",
    "lnnormal({a}) + invcloglog({b}) + cloglog(invlogit({a}))",
    "{xb: homework i.schtype} * exp({a})",
    "{U[schid]} + {V[schid>schtype]}*{a}",
    # missing values: Stata's missing is larger than any number and equal to itself
    "(ln({a}) > 0) + (ln({b}) == ln({a})) + ({a} < ln({b})) + invlogit(ln({a}))",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_stack_machine_equals_stata_evaluator(math_session, expr: str) -> None:
    s = math_session
    priors = "prior({a b}, normal(0,1))"
    if "{U" in expr:
        priors += " prior({U[schid]}, normal(0,1))"
    if "{V[schid]" in expr:
        priors += " prior({V[schid]}, normal(0,1))"
    if "{V[schid>" in expr:
        priors += " prior({V[schid>schtype]}, normal(0,1))"
    if "{xb:" in expr:
        priors += " prior({xb:}, normal(0,1))"
    if "{b}" not in expr:
        priors = priors.replace("{a b}", "{a}")
    text = f"bayesmh math = ({expr}), likelihood(normal(1)) {priors}"
    cmd = parse(text)
    bm = build_bayesmh_nonlinear(cmd, text)
    touse = s.touse(cmd)
    d = build_bayes_nonlinear_design(s.data, bm, touse)
    m, layout = prepare_nonlinear(bm, d)
    oracle = build_nonlinear_design(s.data, bm.spec, touse)
    rng = np.random.default_rng(1)
    for _ in range(5):
        theta = rng.normal(0.5, 1.0, len(layout.theta_names))
        Bs = [rng.normal(0, 1, (lv.G, lv.q)) for lv in oracle.levels]
        b = np.concatenate([B.reshape(-1) for B in Bs]) if Bs else np.zeros(0)
        st = new_nl_state(
            m,
            np.zeros(4, np.uint64),
            theta,
            b,
            np.zeros(8),
            1.0,
            [np.eye(int(k)) for k in m.blk_dim],
        )
        beta = np.array([theta[layout.theta_names.index(n.lstrip("/"))] for n in oracle.pnames])
        want = oracle.f(beta, Bs)
        got = st.mu[:, 0]
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        ok = ~np.isnan(want)
        np.testing.assert_allclose(got[ok], want[ok], rtol=1e-12, atol=1e-12)


def test_data_parts_are_evaluated_once_into_columns(math_session) -> None:
    text = (
        "bayesmh math = ({a}*exp(-homework/10) + cond(schtype, 2, 3)*{b}), "
        "likelihood(normal(1)) prior({a b}, normal(0,1))"
    )
    cmd = parse(text)
    bm = build_bayesmh_nonlinear(cmd, text)
    d = build_bayes_nonlinear_design(math_session.data, bm, math_session.touse(cmd))
    assert d.cols.shape[1] == 2  # exp(-homework/10) and cond(schtype, 2, 3)
    m, _ = prepare_nonlinear(bm, d)
    assert not (m.prog[:, 0] == N.OPS["func"]).any()  # no function of parameters left
    run(math_session, "describe")  # the data are untouched
