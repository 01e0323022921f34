"""The magics in a real IPython InteractiveShell: cells, line magics, -d/-o, errors, display."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell

from bayes_magic.posterior import Posterior


@pytest.fixture(scope="module")
def ip():
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "bayes_magic")
    shell.run_line_magic("config", "BayesMagic.progress = False")
    yield shell
    InteractiveShell.clear_instance()


@pytest.fixture
def shown(monkeypatch):
    """Everything the magics display, as mime bundles."""
    got: list = []
    import IPython.display

    def fake(*objs, **kw):
        for o in objs:
            got.append(
                o._repr_mimebundle_()
                if hasattr(o, "_repr_mimebundle_")
                else {"text/plain": repr(o)}
            )

    monkeypatch.setattr(IPython.display, "display", fake)
    return got


def test_cell_magic_runs_the_talk_and_shows_html(ip, shown) -> None:
    ip.run_cell_magic(
        "bayes",
        "",
        "use math\nmixed math homework i.schtype || schid: homework, covariance(unstructured)",
    )
    text = "\n".join(b["text/plain"] for b in shown)
    assert "16.3727" in text and "var(homework)" in text
    assert any("<table" in b.get("text/html", "") for b in shown)


def test_dataframe_in_and_results_out(ip, shown) -> None:
    rng = np.random.default_rng(1)
    g = np.repeat(np.arange(10), 8)
    ip.user_ns["df"] = pd.DataFrame(
        {"y": rng.normal(size=80) + g * 0.3, "x": rng.normal(size=80), "g": g}
    )
    ip.run_cell_magic(
        "bayes", "-d df -o res", "bayes, rseed(3) mcmcsize(500) burnin(200) nodots: mixed y x || g:"
    )
    res = ip.user_ns["res"]
    assert isinstance(res.e, Posterior)
    d = res.draws
    assert list(d.columns[:2]) == ["chain", "draw"] and len(d) == 500
    assert "y:x" in d.columns
    assert ip.user_ns["df"].shape == (80, 3)  # the user's DataFrame is untouched


def test_line_magics_return_results(ip, shown) -> None:
    ip.run_cell_magic("bayes", "", "use math")
    res = ip.run_line_magic("mixed", "math homework || schid:")
    assert res.e.cmd == "mixed" and res.error is None
    out = ip.run_line_magic(
        "bayes", ", rseed(2) mcmcsize(300) burnin(100) nodots: mixed math homework || schid:"
    )
    assert isinstance(out.e, Posterior)
    st = ip.run_line_magic("bayesstats", "ess")
    assert st.r["ess"].shape[1] == 3
    # {...} and $ reach the parser intact (no_var_expand)
    st = ip.run_line_magic("bayesstats", "summary {math:homework}")
    assert st.r["summary"].rownames == ["math:homework"]


def test_me_line_magics(ip, shown) -> None:
    ip.run_cell_magic("bayes", "", "use bangladesh")
    res = ip.run_line_magic("melogit", "c_use urban age || district:, nolog")
    assert res.e.cmd == "meglm" and res.error is None
    # "%melogit, or" replays with odds ratios (the comma right after the magic's name)
    ip.run_cell("out = %melogit, or")
    assert "Odds ratio" in ip.user_ns["out"].text()
    ip.run_cell_magic("bayes", "", "use wine, clear")
    res = ip.run_line_magic("meoprobit", "rating temp contact || judge:, nolog")
    assert res.e.macros["cmd2"] == "meoprobit" and res.error is None
    ip.run_cell("out = %meologit rating temp contact || judge:, or nolog")
    assert "/cut4" in ip.user_ns["out"].text()
    res = ip.run_line_magic("meglm", "rating temp contact || judge:, f(o) l(prob) nolog")
    assert res.e.macros["cmd2"] == "meglm" and "Link:" in res.text()


def test_glm_line_magics(ip, shown) -> None:
    ip.run_cell_magic("bayes", "", "use hospital")
    res = ip.run_line_magic("logit", "hosp loginc dropout, nolog")
    assert res.e.cmd == "logit" and res.error is None
    ip.run_cell("out = %logit, or")
    assert "Odds ratio" in ip.user_ns["out"].text()
    assert ip.run_line_magic("poisson", "hosp loginc, nolog").e.cmd == "poisson"
    assert "Probit regression" in ip.run_line_magic("probit", "hosp loginc, nolog").text()


def test_errors_fail_the_cell_with_stata_messages_without_traceback(ip, shown, capsys) -> None:
    ip.run_cell_magic("bayes", "", "use math")
    # a failed command fails the cell (so Run All stops, as in the kernel), showing Stata's
    # message and r(#) through the exception's _render_traceback_, not a Python traceback
    result = ip.run_cell("%stata summarize nosuch")
    out = capsys.readouterr()
    text = out.out + out.err
    assert not result.success and type(result.error_in_exec).__name__ == "StataCellError"
    assert "variable nosuch not found" in text and "r(111);" in text
    assert "Traceback" not in text and "File " not in text
    assert result.error_in_exec.rc == 111
    result = ip.run_cell("%%bayes -o failed\ncount\nsummarize nosuch")
    assert not result.success and ip.user_ns["failed"].error.rc == 111
    ok = ip.run_line_magic("stata", "count")
    assert "519" in ok.text()


def test_capture_noisily_shows_the_message(ip, shown, capsys) -> None:
    """capture noisily shows the error it catches (as Stata prints it) and the cell goes on;
    plain capture shows nothing."""
    ip.run_cell_magic("bayes", "", "capture noisily regress foo bar\ndisplay _rc")
    text = "".join(b.get("text/plain", "") for b in shown)
    assert "variable foo not found" in text and "r(111);" in text and "111" in text
    assert any("variable foo not found" in b.get("text/html", "") for b in shown)
    shown.clear()
    ip.run_cell_magic("bayes", "", "capture regress foo bar\ndisplay _rc")
    assert "not found" not in "".join(b.get("text/plain", "") for b in shown)
    assert "not found" not in capsys.readouterr().err


def test_a_result_displays_again_in_a_later_cell(ip, shown) -> None:
    ip.run_cell("res = %stata count")
    n = len(shown)
    ip.run_cell("res")  # a later cell: shown again
    assert len(shown) > n
    m = len(shown)
    ip.run_cell("%stata count")  # the magic's own echo is not shown twice
    assert len(shown) == m + 1


def test_a_result_made_outside_a_cell_displays_in_the_next(ip, shown) -> None:
    res = ip.run_line_magic("stata", "count")  # from a script: no cell around it
    ip.user_ns["outside"] = res
    n = len(shown)
    ip.run_cell("outside")
    assert len(shown) > n


def test_graph_is_an_image(ip, shown) -> None:
    ip.run_cell_magic("bayes", "", "use math\nscatter math homework")
    assert any("image/png" in b for b in shown)


def test_comma_right_after_the_magic_name(ip, shown) -> None:
    ip.run_cell("%stata use math")
    res = ip.run_cell(
        "res = %bayes, rseed(2) mcmcsize(200) burnin(100) nodots: mixed math homework || schid:"
    )
    assert res.error_in_exec is None
    assert ip.user_ns["res"].e.cmd == "bayes"


def test_an_old_traceback_is_not_shown_with_a_users_error(ip, capsys) -> None:
    from bayes_magic import frontend

    ip.run_cell_magic("bayes", "", "use math")
    magic = ip.magics_manager.registry["BayesMagic"]
    s = frontend.get_session(ip)
    s.last_traceback = "Traceback (most recent call last):\n  an earlier internal error\n"
    magic.show_traceback = True
    try:
        result = ip.run_cell("%stata summarize nosuch")
    finally:
        magic.show_traceback = False
        s.last_traceback = None
    out = capsys.readouterr()
    assert result.error_in_exec.rc == 111
    assert "earlier internal error" not in out.out + out.err


def test_tables_stand_apart_in_notebooks_but_not_in_logs() -> None:
    from bayes_magic.report.output import Block, Text

    table, note = Block("table", "<pre>table</pre>"), Text("(note)")
    assert table._repr_mimebundle_()["text/plain"] == "\ntable"
    assert "margin-top" in table._repr_mimebundle_()["text/html"]
    assert note._repr_mimebundle_()["text/plain"] == "(note)"
    assert table.text() == "table"  # logs and Result.text() add their own blank lines


def test_results_have_short_reprs() -> None:
    """``res.e`` in a notebook shows a line, not the design matrices (a new-user trial)."""
    from bayes_magic.session import Session

    s = Session()
    s.execute("use math\nquietly mixed math homework || schid:")
    assert repr(s.e) == "<Estimates of 'mixed math homework || schid:': 4 coefficients, N = 519>"
    s.execute("quietly bayes, rseed(1) mcmcsize(20) burnin(10): regress math homework")
    assert repr(s.e).startswith("<Posterior of 'bayes, rseed(1)") and len(repr(s.e)) < 200


def test_stata_cell_magic_and_data_back(ip, shown) -> None:
    """``%%stata`` runs a cell as ``%%bayes`` does (two new-user trials reached for it first),
    and ``res.data`` gives the data in memory back as a DataFrame."""
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    ip.user_ns["df"] = df
    ip.run_cell_magic("stata", "-d df -o res", "generate y = 2*x\nsummarize y")
    res = ip.user_ns["res"]
    assert res.error is None and res.r["mean"] == 4
    back = res.data
    assert list(back.columns) == ["x", "y"] and list(back["y"]) == [2.0, 4.0, 6.0]
    back.loc[0, "y"] = 99
    assert res.data.loc[0, "y"] == 2.0 and list(df.columns) == ["x"]
    line = ip.run_line_magic("stata", "count if y > 3")
    assert line.r["N"] == 2


def test_reloading_with_d_explains_a_lost_estimation_sample(ip, shown, capsys) -> None:
    """-d loads the data again, dropping e(sample) as use, clear does: a postestimation
    command that then finds no sample says why (an epidemiology-course trial put -d on every
    cell); the line magic says -d belongs to the cell magic; an unknown -d name says it is
    neither a file nor a DataFrame."""
    from IPython.core.error import UsageError

    from bayes_magic.magics import StataCellError

    ip.user_ns["bd"] = pd.DataFrame({"y": [0, 1, 0, 1, 1, 0, 1, 1], "x": [1, 2, 3, 4, 5, 6, 7, 9]})
    ip.run_cell_magic("stata", "-d bd", "quietly logit y x")
    capsys.readouterr()
    with pytest.raises(StataCellError) as err:
        ip.run_cell_magic("stata", "-d bd", "margins, dydx(x)")
    assert err.value.rc == 2000
    assert "leave -d off cells that continue an analysis" in capsys.readouterr().out
    with pytest.raises(UsageError):
        ip.run_line_magic("stata", "-d bd summarize x")
    with pytest.raises(StataCellError) as err:
        ip.run_cell_magic("stata", "-d nosuchframe", "count")
    assert "no DataFrame named nosuchframe" in str(err.value)


def test_a_table_after_an_iteration_log_has_one_blank_line(ip, shown) -> None:
    """The plain text the magics show keeps Stata's single blank line between an iteration
    log (which ends in its own) and the table, as Result.log() does (a trial saw two)."""
    ip.user_ns["lg"] = pd.DataFrame({"y": [0, 1, 0, 1, 1, 0, 1, 1], "x": [1, 2, 3, 4, 5, 6, 7, 9]})
    ip.run_cell_magic("stata", "-d lg", "logit y x")
    texts = [b["text/plain"] for b in shown]
    k = next(i for i, t in enumerate(texts) if t.lstrip().startswith("Iteration 0"))
    assert texts[k].endswith("\n") and not texts[k + 1].startswith("\n")
    joined = "\n".join(texts)
    assert "\n\n\nLogistic regression" not in joined and "\n\nLogistic regression" in joined


def test_quietly_do_shows_nothing_as_it_runs(ip, shown, tmp_path) -> None:
    """quietly do hides the file's output from the live display too (review), while noisily
    inside it still shows."""
    f = tmp_path / "q.do"
    f.write_text('display "hidden"\nnoisily display "loud"\n')
    ip.run_cell_magic("stata", "", f'quietly do "{f}"')
    texts = " ".join(b["text/plain"] for b in shown)
    assert "hidden" not in texts and "loud" in texts
