"""Bad input to estimates, estat, predict, matrix and the magics' options: a Stata error with
its return code (never an internal error, r(9999)), and nothing changed by the failed command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from IPython.core.error import UsageError

from bayes_magic.magics import BayesMagic
from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture(scope="module")
def fitted() -> Session:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework || schid: homework")
    return s


def _fails_cleanly(s: Session, text: str) -> tuple[str, int]:
    """``text`` fails with a Stata error, leaving the data, e() and stored results alone."""
    varnames = list(s.data.varnames)
    e, stored, r = s.e, dict(s.estimates), dict(s.r)
    msg, rc = fails(s, text)
    assert rc != 9999 and s.last_traceback is None, (text, msg)
    assert list(s.data.varnames) == varnames
    assert s.e is e and s.estimates == stored and s.r.keys() == r.keys()
    return msg, rc


# 1. empty file names -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "estimates save .",
        'estimates save ""',
        "estimates save ..",
        "estimates use .",
        'estimates use ""',
        "estimates describe using .",
        'estimates describe using ""',
    ],
)
def test_estimates_files_refuse_empty_names(fitted: Session, text: str) -> None:
    assert _fails_cleanly(fitted, text) == ("invalid file specification", 198)


def test_estimates_save_to_a_folder_is_refused(fitted: Session, tmp_path: Path) -> None:
    folder = tmp_path / "res.bmster"
    folder.mkdir()
    msg, rc = _fails_cleanly(fitted, f"estimates save {folder}, replace")
    assert rc == 603 and "folder" in msg
    msg, rc = _fails_cleanly(fitted, f"estimates use {folder}")
    assert rc == 603
    assert _fails_cleanly(fitted, "estimates save some/folder/")[1] == 603  # a folder's name
    assert folder.is_dir() and not list(folder.iterdir())


# 2. string types -----------------------------------------------------------------------------
@pytest.mark.parametrize("vtype", ["str5", "str", "strL"])
def test_predict_into_a_string_type_is_a_type_mismatch(fitted: Session, vtype: str) -> None:
    assert _fails_cleanly(fitted, f"predict {vtype} yhat") == ("type mismatch", 109)
    assert _fails_cleanly(fitted, f"predict {vtype} r1 r2, reffects")[1] == 109


def test_predict_numeric_types_still_work() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework || schid:")
    run(s, "predict double xbd")
    run(s, "predict float xbf")
    assert s.data.info["xbd"].type == "double" and s.data.info["xbf"].type == "float"
    assert s.last_traceback is None


# 3. a name twice -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "predict r1 r1, reffects",
        "predict r1 r2, reffects reses(s1 s1)",
        "predict r1 r2, reffects reses(r1 s1)",
        "predict r1 r2, reffects reses(s1 r2)",
    ],
)
def test_predict_refuses_a_new_name_twice(fitted: Session, text: str) -> None:
    msg, rc = _fails_cleanly(fitted, text)
    assert rc == 110 and "already defined" in msg
    assert "r1" not in fitted.data.info and "s1" not in fitted.data.info


# 4. names of stored results ------------------------------------------------------------------
@pytest.mark.parametrize("name", ["_all", ".", "_cons", "a" * 28, "1abc", "int"])
def test_estimates_store_refuses_invalid_names(fitted: Session, name: str) -> None:
    msg, rc = _fails_cleanly(fitted, f"estimates store {name}")
    assert rc == 198 and msg == f"{name} invalid name"


def test_estimates_store_takes_a_27_character_name() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework || schid:")
    run(s, f"estimates store {'a' * 27}")
    assert list(s.estimates) == ["a" * 27]


# 5. varwidth ---------------------------------------------------------------------------------
def test_estimates_table_varwidth_is_bounded(fitted: Session) -> None:
    msg, rc = _fails_cleanly(fitted, "estimates table, varwidth(1e9)")
    assert rc == 198 and "varwidth()" in msg
    assert _fails_cleanly(fitted, "estimates table, varwidth(245)")[1] == 198
    out = run(fitted, "estimates table, varwidth(32)")
    header = next(line for line in out.splitlines() if "|" in line)
    assert header.index("|") == 33


# 6. estat summarize, estat foo ---------------------------------------------------------------
def test_estat_lists_summarize_and_it_works() -> None:
    s = Session()
    run(s, "use math")
    msg, _rc = fails(s, "estat")
    assert "summarize" in msg
    assert fails(s, "estat summarize") == ("last estimates not found", 301)
    run(s, "quietly mixed math homework i.schtype || schid:")
    out = run(s, "estat summarize")
    assert "Estimation sample mixed" in out and "Number of obs =        519" in out
    rows = {
        line.split("|")[0].strip(): line.split("|")[1].split()
        for line in out.splitlines()
        if line.count("|") == 1 and "Variable" not in line
    }
    assert list(rows) == ["math", "homework", "1.schtype"]  # no base level, no _cons
    x = s.data.values("homework")
    assert float(rows["homework"][0]) == pytest.approx(x.mean(), rel=1e-6)
    assert float(rows["homework"][1]) == pytest.approx(x.std(ddof=1), rel=1e-6)
    stats = s.r["stats"]
    assert stats.colnames == ["mean", "sd", "min", "max"]
    assert stats.rownames == ["math", "homework", "1.schtype"]
    assert stats.values[1, 2:].tolist() == [0.0, 7.0]
    out = run(s, "estat summarize homework, noheader labels")
    assert "Estimation sample" not in out and "Time spent on math homework" in out


def test_estat_summarize_uses_the_estimation_sample() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework if schtype == 1 || schid:")
    run(s, "estat summarize")
    n = int((s.data.values("schtype") == 1).sum())
    hw = s.data.values("homework")[s.data.values("schtype") == 1]
    assert s.r["stats"].values[1, 0] == pytest.approx(hw.mean())
    assert f"Number of obs = {n:>10,}" in run(s, "estat summarize")
    assert _fails_cleanly(s, "estat summarize nosuchvar")[1] == 111


def test_estat_summarize_without_a_sample_fails(tmp_path: Path) -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework || schid:")
    run(s, f"estimates save {tmp_path / 'm'}")
    run(s, f"estimates use {tmp_path / 'm'}")
    assert _fails_cleanly(s, "estat summarize")[1] == 2000


def test_estat_unknown_subcommand_fails_cleanly(fitted: Session) -> None:
    msg, rc = _fails_cleanly(fitted, "estat foo")
    assert rc in (198, 321) and "foo" in msg


# 7. estat ic after bayes ---------------------------------------------------------------------
@pytest.mark.slow
def test_estat_ic_after_bayes_is_refused() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly bayes, rseed(1) mcmcsize(100) burnin(50): mixed math homework || schid:")
    msg, rc = _fails_cleanly(s, "estat ic")
    assert rc == 321 and "bayesstats ic" in msg
    run(s, "estat summarize")  # the estimation sample is known after bayes:


def test_estat_ic_after_bayes_is_refused_fast() -> None:
    """The same check without sampling: results that say they are Bayesian."""
    import copy

    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework || schid:")
    fake = copy.copy(s.e)
    fake.macros = {**fake.macros, "prefix": "bayes"}
    s.e = fake
    msg, rc = _fails_cleanly(s, "estat ic")
    assert rc == 321 and "bayesstats ic" in msg


# 8. matrix -----------------------------------------------------------------------------------
@pytest.fixture
def with_matrix() -> Session:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework || schid:")
    run(s, "matrix S = e(V)")
    return s


@pytest.mark.parametrize(
    "text, want",
    [
        ("matrix A = ", ("invalid syntax", 198)),
        ("matrix = S", ("invalid syntax", 198)),
        ("matrix A = S T", ("invalid syntax", 198)),
        ("matrix list S if 1", ("if not allowed", 101)),
        ("matrix list S in 1/2", ("in not allowed", 101)),
        ("matrix list S T", ("invalid syntax", 198)),
        ("matrix dir zz", ("invalid syntax", 198)),
    ],
)
def test_matrix_bad_input(with_matrix: Session, text: str, want: tuple[str, int]) -> None:
    s = with_matrix
    before = dict(s.matrices)
    assert _fails_cleanly(s, text) == want
    assert s.matrices == before


def test_matrix_good_input_still_works(with_matrix: Session) -> None:
    s = with_matrix
    run(s, "matrix B = e( b )")
    assert "S[4,4]" in run(s, "matrix list S")
    assert "e(b)[1,4]" in run(s, "matrix list e( b )")
    out = run(s, "matrix dir")
    assert "S[4,4]" in out and "B[1,4]" in out


# 9. magics' options --------------------------------------------------------------------------
def test_magic_options_unclosed_quote_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="No closing quotation"):
        BayesMagic._options("-d 'df")


@pytest.mark.parametrize("name", ["1bad", "a-b", "class", ""])
def test_magic_output_name_must_be_a_python_name(name: str) -> None:
    with pytest.raises(UsageError, match="not a valid Python variable name"):
        BayesMagic._options(f"-o '{name}'")


def test_magic_options_still_parse() -> None:
    assert BayesMagic._options("-d df -o res") == ({"d": "df", "o": "res"}, "")
    assert BayesMagic._options("") == ({}, "")


def test_cell_magic_with_bad_options_binds_nothing() -> None:
    from IPython.core.interactiveshell import InteractiveShell

    had = InteractiveShell.initialized()
    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "bayes_magic")
        before = set(shell.user_ns)
        with pytest.raises(UsageError):
            shell.run_cell_magic("bayes", "-o 1bad", "display 1")
        with pytest.raises(UsageError):
            shell.run_cell_magic("bayes", "-d 'df", "display 1")
        assert "1bad" not in shell.user_ns and set(shell.user_ns) == before
    finally:
        if not had:
            InteractiveShell.clear_instance()


def test_nothing_written_by_failed_saves(fitted: Session, tmp_path: Path) -> None:
    target = tmp_path / "x"
    _fails_cleanly(fitted, f"estimates save {target}/")
    assert not list(tmp_path.iterdir())
    assert np.all(np.isfinite(fitted.e.b))


def test_estat_summarize_variables_skip_other_equations() -> None:
    """bayesmh's {var} and mixed's variance equations are no variables to summarize."""
    from types import SimpleNamespace

    from bayes_magic.commands.estat import _model_terms

    e = SimpleNamespace(
        bnames=["math:homework", "math:0b.schtype", "math:1.schtype", "math:_cons", "var"],
        macros={"depvar": "math"},
    )
    assert _model_terms(e) == ["math", "homework", "1.schtype"]
    e = SimpleNamespace(bnames=["homework", "o.x", "_cons"], macros={"depvar": "math"})
    assert _model_terms(e) == ["math", "homework"]
