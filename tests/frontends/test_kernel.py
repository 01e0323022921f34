"""The Stata kernel: cells split into Stata, % lines and python blocks; and the real kernel
started through jupyter_client (execute, errors, completion, inspection, is_complete)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from bayes_magic.install import write_spec
from bayes_magic.kernel import is_incomplete, split_cell

# ---------------------------------------------------------------------------------------------
# fast: no kernel


def test_split_cell_parts_in_order():
    code = "use math\n%who\npython:\n    x = 1\n    y = 2\nend\ncount\npython: print(x)\nlist in 1"
    assert split_cell(code) == [
        ("stata", "use math"),
        ("ipython", "%who"),
        ("python", "x = 1\ny = 2"),
        ("stata", "count"),
        ("python", "print(x)"),
        ("stata", "list in 1"),
    ]


def test_split_cell_cell_magic_and_continuations():
    assert split_cell("%%time\nx = 1") == [("ipython", "%%time\nx = 1")]
    # a continued command keeps its next line even when it starts with %
    assert split_cell("format math ///\n%9.2f") == [("stata", "format math ///\n%9.2f")]
    assert split_cell("/* a\n%who\n*/ count") == [("stata", "/* a\n%who\n*/ count")]


@pytest.mark.parametrize(
    ("code", "incomplete"),
    [
        ("mixed math homework ///", True),
        ("summarize /* open", True),
        ("summarize /* /* nested */", True),
        ("summarize /* closed */", False),
        ("summarize // a comment", False),
        ('display "/*"', False),
        ("summarize", False),
        ("forvalues i = 1/3 {", True),
        ("forvalues i = 1/3 {\n  display `i'", True),
        ("forvalues i = 1/3 {\n  display `i'\n}", False),
        ("if 1 {\n display 1\n}\nelse {", True),
    ],
)
def test_is_incomplete(code, incomplete):
    assert is_incomplete(code) is incomplete


def test_write_spec_uses_this_python(tmp_path):
    dest = write_spec(tmp_path / "bayes_magic")
    spec = json.loads((dest / "kernel.json").read_text())
    assert spec["argv"] == [sys.executable, "-m", "bayes_magic.kernel", "-f", "{connection_file}"]
    assert spec["language"] == "stata"
    assert (dest / "logo-64x64.png").is_file()


def test_repo_kernel_json_uses_python_on_path():
    repo = Path(__file__).resolve().parents[2] / "kernel" / "kernel.json"
    spec = json.loads(repo.read_text())
    assert spec["argv"][0] == "python"
    assert spec["display_name"] == "Stata (bayes_magic)"


# ---------------------------------------------------------------------------------------------
# the real kernel


@pytest.fixture(scope="module")
def kc(tmp_path_factory):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    root = tmp_path_factory.mktemp("kernels")
    write_spec(root / "bayes_magic")
    km = KernelManager(
        kernel_name="bayes_magic", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(root)])
    )
    # work in a folder of its own (not the spec folder, whose bayes_magic/ would shadow the
    # package)
    work = tmp_path_factory.mktemp("work")
    km.start_kernel(cwd=str(work), env={"MPLBACKEND": "Agg", **_env()})
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        yield client
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "BAYES_MAGIC_TRACEBACK"}


def execute(kc, code: str, **kw):
    """Run a cell; the reply content and the iopub messages it produced."""
    msgs: list[dict] = []
    reply = kc.execute_interactive(code, timeout=120, output_hook=msgs.append, **kw)
    return reply["content"], msgs


def shown(msgs, mime: str = "text/plain") -> str:
    """Everything shown: display data of ``mime`` and stream text."""
    out = []
    for m in msgs:
        c = m["content"]
        if m["msg_type"] in ("display_data", "execute_result"):
            out.append(c["data"].get(mime, ""))
        elif m["msg_type"] == "stream" and mime == "text/plain":
            out.append(c["text"])
    return "\n".join(out)


@pytest.mark.slow
def test_kernel_info(kc):
    kc.kernel_info()
    info = kc.get_shell_msg(timeout=20)["content"]
    assert info["implementation"] == "bayes_magic"
    assert info["language_info"]["name"] == "stata"
    assert info["language_info"]["file_extension"] == ".do"


@pytest.mark.slow
def test_use_describe_and_mixed(kc):
    reply, msgs = execute(kc, "use math\ndescribe")
    assert reply["status"] == "ok"
    text = shown(msgs)
    assert "Observations:" in text and "519" in text and "homework" in text

    reply, msgs = execute(kc, "mixed math homework i.schtype || schid: homework, cov(unstructured)")
    assert reply["status"] == "ok"
    displays = [m for m in msgs if m["msg_type"] == "display_data"]
    assert displays and all("text/html" in m["content"]["data"] for m in displays)
    text = shown(msgs)
    # Stata prints 16.37279; allow the last digits of the optimizer to differ
    m = re.search(r"var\(homework\) \|\s+([0-9.]+)", text)
    assert m is not None, text
    assert abs(float(m.group(1)) - 16.37279) < 1e-3
    assert "var(homework)" in shown(msgs, "text/html")


def test_melogit_shows_text_and_html(kc):
    reply, msgs = execute(
        kc, "use cbpp, clear\nmelogit incidence i.period || herd:, binomial(size)"
    )
    assert reply["status"] == "ok"
    text = shown(msgs)
    assert "Mixed-effects logistic regression" in text and "   var(_cons)|" in text
    assert "var(_cons)" in shown(msgs, "text/html")


@pytest.mark.slow
def test_graph_is_png(kc):
    execute(kc, "use math, clear")
    reply, msgs = execute(kc, "scatter math homework")
    if reply["status"] != "ok":
        pytest.skip(f"graphs not available yet: {reply.get('evalue')}")
    assert any("image/png" in m["content"].get("data", {}) for m in msgs)


@pytest.mark.slow
def test_stata_error_reply_and_recovery(kc):
    execute(kc, "use math, clear")
    reply, msgs = execute(kc, "generate z = 1\nsummarize nosuch\ngenerate never = 1")
    assert reply["status"] == "error"
    assert reply["ename"] == "StataError"
    assert "variable nosuch not found" in reply["evalue"] and "r(111)" in reply["evalue"]
    assert "Traceback" not in "".join(reply["traceback"])
    assert reply["traceback"][-1].endswith("r(111);")
    stderr = "".join(
        m["content"]["text"]
        for m in msgs
        if m["msg_type"] == "stream" and m["content"]["name"] == "stderr"
    )
    assert "variable nosuch not found" in stderr and "r(111);" in stderr
    assert "Traceback" not in stderr
    assert not [m for m in msgs if m["msg_type"] == "error"]

    # the kernel is alive; the data stand as before the failing command (z kept, never not made)
    reply, msgs = execute(kc, "count\ndescribe")
    assert reply["status"] == "ok"
    text = shown(msgs)
    assert "519" in text and re.search(r"^z\s", text, re.M) and "never" not in text


def test_capture_noisily_shows_the_message(kc):
    reply, msgs = execute(kc, "capture noisily regress foo bar\ndisplay _rc")
    assert reply["status"] == "ok"
    text = shown(msgs)
    assert "variable foo not found" in text and "r(111);" in text
    assert text.rstrip().endswith("111")


@pytest.mark.slow
def test_execution_count(kc):
    a, _ = execute(kc, "count")
    b, _ = execute(kc, "summarize nosuch")
    c, _ = execute(kc, "count", silent=True)
    d, _ = execute(kc, "%who")
    e, _ = execute(kc, "count", store_history=False)
    f, _ = execute(kc, "count")
    assert b["execution_count"] == a["execution_count"] + 1
    assert d["execution_count"] == b["execution_count"] + 1
    assert f["execution_count"] == d["execution_count"] + 1
    assert c["status"] == e["status"] == "ok"


@pytest.mark.slow
def test_python_block_and_magic_lines(kc):
    code = (
        "python:\n"
        "    import pandas as pd\n"
        "    frame = pd.DataFrame({'x': [1.0, 2.0, 3.0], 'g': [1, 1, 2]})\n"
        "end\n"
        "use frame, clear\n"
        "generate y = 2*x\n"
        "save frame2, replace\n"
    )
    reply, msgs = execute(kc, code)
    assert reply["status"] == "ok", reply
    reply, msgs = execute(kc, "python: print(list(frame.columns), len(frame))\n%who DataFrame")
    assert reply["status"] == "ok"
    text = shown(msgs)
    assert "['x', 'g'] 3" in text
    assert "frame" in text

    reply, msgs = execute(kc, "python: 1/0")
    assert reply["status"] == "error" and reply["ename"] == "ZeroDivisionError"


@pytest.mark.slow
def test_magic_line_alone(kc):
    reply, _ = execute(kc, "%who")
    assert reply["status"] == "ok"


def complete(kc, code: str, pos: int | None = None):
    kc.complete(code, len(code) if pos is None else pos)
    return kc.get_shell_msg(timeout=20)["content"]


@pytest.mark.slow
def test_completion(kc):
    execute(kc, "use math, clear")
    r = complete(kc, "summ")
    assert r["matches"] == ["summarize"] and (r["cursor_start"], r["cursor_end"]) == (0, 4)

    r = complete(kc, "hom")
    assert "homework" in r["matches"]
    r = complete(kc, "summarize math hom")
    assert r["matches"] == ["homework"] and r["cursor_start"] == len("summarize math ")
    r = complete(kc, "mixed math i.sch")
    assert "schid" in r["matches"] and r["cursor_start"] == len("mixed math i.")

    code = "mixed math homework || schid:, cov"
    r = complete(kc, code)
    assert "covariance(" in r["matches"] and r["cursor_start"] == len(code) - 3
    r = complete(kc, "summarize math, det")
    assert r["matches"] == ["detail"]
    r = complete(kc, "estimates res")
    assert r["matches"] == ["restore"]

    execute(kc, "quietly mixed math homework || schid:\nestimates store m1")
    r = complete(kc, "estimates restore ")
    assert r["matches"] == ["m1"]
    r = complete(kc, "lrtest m")
    assert r["matches"] == ["m1"]

    # a % line completes as in IPython
    r = complete(kc, "%wh")
    assert "%who" in r["matches"]

    # {param} names of the current Bayesian results, covariance parameters included
    fit = "bayes, rseed(1) mcmcsize(200) burnin(100) nodots"
    execute(kc, f"quietly {fit}: mixed math homework || schid: homework, cov(un)")
    code = "bayesstats summary {U:S"
    r = complete(kc, code)
    assert r["matches"] == ["{U:Sigma_1_1}", "{U:Sigma_2_1}", "{U:Sigma_2_2}"]
    assert r["cursor_start"] == len("bayesstats summary ")
    r = complete(kc, "bayesstats summary {math:h")
    assert r["matches"] == ["{math:homework}"]
    r = complete(kc, "bayesstats summary {U0[60")
    assert "{U0[6053]}" in r["matches"]


@pytest.mark.slow
def test_inspect_and_is_complete(kc):
    kc.inspect("mixed math homework || schid:", 2)
    r = kc.get_shell_msg(timeout=20)["content"]
    assert r["status"] == "ok" and r["found"]
    assert "mixed" in r["data"]["text/plain"] and "reml" in r["data"]["text/plain"]

    for code, status in [
        ("mixed math homework ///", "incomplete"),
        ("summarize /* open", "incomplete"),
        ("summarize math", "complete"),
    ]:
        kc.is_complete(code)
        assert kc.get_shell_msg(timeout=20)["content"]["status"] == status


def _progress_lines(msgs) -> list[str]:
    """What the progress display was last updated to (the line left after sampling)."""
    return [
        m["content"]["data"].get("text/plain", "")
        for m in msgs
        if m["msg_type"] == "update_display_data"
    ]


@pytest.mark.slow
def test_progress_line_stays_unless_quietly(kc):
    execute(kc, "use math")
    short = "rseed(1) burnin(100) mcmcsize(200) nodots"
    reply, msgs = execute(kc, f"bayes, {short}: mixed math homework || schid:")
    assert reply["status"] == "ok"
    lines = _progress_lines(msgs)
    assert lines and lines[-1].startswith("Sampling done: 1 chain × 300 iterations")
    reply, msgs = execute(kc, f"quietly bayes, {short}: mixed math homework || schid:")
    assert reply["status"] == "ok"
    # as Stata's quietly: nothing at all, not even a progress display to leave behind
    assert not [m for m in msgs if m["msg_type"] in ("display_data", "update_display_data")]
    assert "Sampling done" not in shown(msgs) and "Bayesian" not in shown(msgs)
