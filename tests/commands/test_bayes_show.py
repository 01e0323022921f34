"""``show()`` and ``noshow()`` of ``bayes:`` and ``bayesmh`` ([BAYES] bayesmh, Reporting):
the table keeps the named parameters, or drops them, at estimation and on replay; the numbers
of the rows kept are those of the full table."""

from __future__ import annotations

import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture(scope="module")
def fitted() -> tuple[Session, str]:
    s = Session()
    full = run(
        s,
        "use math\nbayes, rseed(1) mcmcsize(1000): mixed math homework i.schtype || schid:",
    )
    return s, full


def _row(text: str, label: str) -> str:
    return next(ln for ln in text.splitlines() if ln.strip().startswith(label + " |"))


def test_show_keeps_only_the_named(fitted) -> None:
    s, full = fitted
    out = run(s, "bayes, show({math:homework} {U0:sigma2})")
    assert _row(out, "homework") == _row(full, "homework")
    assert _row(out, "U0:sigma2") == _row(full, "U0:sigma2")
    assert "sigma2 |" not in out.replace("U0:sigma2 |", "")
    assert "_cons" not in out and "schtype" not in out


def test_noshow_drops_an_equation(fitted) -> None:
    s, full = fitted
    out = run(s, "bayes, noshow({math:})")
    assert "homework" not in out and "_cons" not in out
    assert not any(ln.startswith("math ") for ln in out.splitlines())
    assert _row(out, "U0:sigma2") == _row(full, "U0:sigma2")


def test_show_at_estimation_and_bad_names(fitted) -> None:
    s, _full = fitted
    out = run(s, "bayes, rseed(1) mcmcsize(200) show({math:_cons}): regress math homework")
    assert "_cons |" in out and "homework |" not in out
    assert fails(s, "bayes, show({nosuch})")[1] == 111


def test_random_effects_factor_terms_and_empty() -> None:
    s = Session()
    run(s, "use epilepsy")
    fit = "bayes, rseed(1) mcmcsize(200) burnin(200)"
    assert fails(s, f"{fit} show({{U0}}): mepoisson count Trt || patient:")[1] == 198
    run(s, f"{fit}: mepoisson count Trt || patient:")
    out = run(s, "bayes, show({count:Trt}) showreffects({U0[2]})")
    assert "Trt |" in out and "U0[patient]" in out  # show() leaves showreffects() rows
    assert fails(s, "bayes, noshow({count:} {U0:sigma2})")[1] == 198
    out = run(s, f"{fit} show({{count:i.visit}}): poisson count i.visit Trt")
    table = out[out.index("Equal-tailed") :]
    assert "visit |" in table and "Trt |" not in table and "_cons" not in table


def test_noshow_of_a_factor_drops_its_base_and_separators() -> None:
    s = Session()
    run(s, "use epilepsy")
    run(s, "bayes, rseed(1) mcmcsize(200) burnin(200): poisson count i.visit Trt")
    out = run(s, "bayes, noshow({count:i.visit})")
    table = out[out.index("Equal-tailed") :]
    assert "visit" not in table and "(base)" not in table
    body = table.splitlines()
    start = next(i for i, ln in enumerate(body) if ln.startswith("count"))
    assert body[start + 1].strip().startswith("Trt |")  # no empty row after the label
