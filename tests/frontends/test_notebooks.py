"""The teaching notebooks run from top to bottom and show the talk's figures.

``notebooks/talk.ipynb`` (IPython kernel, ``%%bayes`` magics) is executed with nbclient on the
``python3`` kernel; ``notebooks/talk_kernel.ipynb`` on the Stata kernel ``bayes_magic`` when its
kernelspec is installed (``python -m bayes_magic.install --sys-prefix``). Each runs in a copy in
a temporary folder, so the files the notebooks save (``m1.dta`` ...) stay out of the repository.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip(
    "nbformat", reason="nbformat is not installed (pip install nbformat)"
)
nbclient = pytest.importorskip(
    "nbclient", reason="nbclient is not installed (pip install nbclient)"
)

pytestmark = pytest.mark.slow

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
CELL_TIMEOUT = 600

# the talk's `mixed` figures (tests/reference/math.md)
MIXED_FIGURES = ("1.98209", "var(homework)", "-1817.42", "-4.0820", "49.0649")
STATA_ERROR = re.compile(r"^r\(\d+\);", re.MULTILINE)


def _execute(name: str, kernel: str, tmp_path: Path):
    src = NOTEBOOKS / name
    assert src.is_file(), f"{src} is missing"
    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:  # saved with outputs cleared, so the tests see only fresh outputs
        if cell.cell_type == "code":
            assert not cell.outputs, f"{name} is saved with outputs: {cell.source[:60]!r}"
    work = tmp_path / "nb"
    work.mkdir()
    shutil.copy(src, work / name)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name=kernel,
        allow_errors=True,
        resources={"metadata": {"path": str(work)}},
    )
    client.execute()
    return nb


def _outputs(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            for out in cell.outputs:
                yield cell, out


def _text(out) -> str:
    if out.output_type == "stream":
        return out.text
    if out.output_type == "error":
        return "\n".join(out.get("traceback", [])) + f"\n{out.ename}: {out.evalue}"
    return str(out.get("data", {}).get("text/plain", ""))


def _check(nb, name: str) -> str:
    problems = []
    for cell, out in _outputs(nb):
        if out.output_type == "error":
            problems.append(f"error in {cell.source[:70]!r}: {out.ename}: {out.evalue}")
        elif out.output_type == "stream" and out.name == "stderr" and STATA_ERROR.search(out.text):
            problems.append(f"Stata error in {cell.source[:70]!r}: {out.text.strip()[-300:]}")
    assert not problems, f"{name}:\n" + "\n".join(problems)
    text = "\n".join(_text(out) for _, out in _outputs(nb))
    for figure in MIXED_FIGURES:
        assert figure in text, f"{name}: the talk's figure {figure!r} is not in the outputs"
    pngs = [out for _, out in _outputs(nb) if "image/png" in out.get("data", {})]
    assert pngs, f"{name}: no image/png output (graphs)"
    # the Bayesian part ran too: the model summary, Rc, the DIC table, the ppvalues table
    for piece in (
        "Multilevel structure",
        "Convergence rule: Rc < 1.1",
        "Deviance information criterion",
        "Posterior predictive summary",
        "Interval tests",
    ):
        assert piece in text, f"{name}: {piece!r} is not in the outputs"
    return text


def test_talk_notebook_runs_with_the_magics(tmp_path: Path) -> None:
    nb = _execute("talk.ipynb", "python3", tmp_path)
    assert nb.cells[0].cell_type == "markdown"
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source.strip() == "%load_ext bayes_magic"
    text = _check(nb, "talk.ipynb")
    # the Python side: the draws as a DataFrame
    assert "math:homework" in text and "chain" in text
    assert (tmp_path / "nb" / "m1.dta").is_file()  # saving() wrote next to the notebook


def _stata_kernel_installed() -> bool:
    from jupyter_client.kernelspec import find_kernel_specs

    return "bayes_magic" in find_kernel_specs()


def test_talk_notebook_runs_on_the_stata_kernel(tmp_path: Path) -> None:
    if not _stata_kernel_installed():
        pytest.skip(
            "the Stata kernelspec 'bayes_magic' is not installed "
            f"(run: {Path(sys.executable).name} -m bayes_magic.install --sys-prefix)"
        )
    nb = _execute("talk_kernel.ipynb", "bayes_magic", tmp_path)
    assert nb.metadata["kernelspec"]["name"] == "bayes_magic"
    assert nb.metadata["kernelspec"]["language"] == "stata"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.source.lstrip().startswith("%"), "the kernel notebook uses no magics"
    _check(nb, "talk_kernel.ipynb")
