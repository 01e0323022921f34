"""End to end in a real browser: JupyterLab shows the sampling progress bar, then the table.

Starts JupyterLab headless on a free localhost port (with a token) over a temporary folder
holding a small notebook, drives Debian's Chromium (``/usr/bin/chromium``) with Playwright's
Python package, runs a ``%%bayes`` sampling cell of a few seconds, and checks that an ipywidgets
progress bar is visible while it runs and that the results table is shown after it. A screenshot
goes to ``tests/frontends/artifacts/jupyterlab.png``. Skipped when Chromium, Playwright or
JupyterLab is missing. No browser is downloaded (``playwright install`` is never needed).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SERVER_START_TIMEOUT = 60.0
# 200,000 draws of a random-intercept model: about 5 s of sampling, long enough to see the bar
SAMPLING_CELL = "%%bayes\nbayes, rseed(1) mcmcsize(50000) thinning(20) burnin(2000) nodots: mixed math homework || schid:"


def _requirements() -> None:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright's Python package is missing (pip install playwright)")
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        pytest.skip("jupyterlab is missing (pip install jupyterlab)")
    try:
        import ipywidgets  # noqa: F401
        import jupyterlab_widgets  # noqa: F401
    except ImportError:
        pytest.skip("ipywidgets / jupyterlab_widgets are missing (pip install ipywidgets)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_notebook(folder: Path) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_code_cell("%load_ext bayes_magic"),
            new_code_cell("%%bayes\nuse math"),
            new_code_cell(SAMPLING_CELL),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    path = folder / "progress.ipynb"
    nbformat.write(nb, path)
    return path


@contextlib.contextmanager
def _jupyterlab(root: Path, log: Path):
    port = _free_port()
    token = secrets.token_hex(16)
    env = dict(os.environ)
    # the python3 kernelspec says "python": make it this environment's Python
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["JUPYTER_CONFIG_DIR"] = str(root.parent / "jupyter-config")  # no user settings
    env["JUPYTERLAB_SETTINGS_DIR"] = str(root.parent / "lab-settings")
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(root.parent / "lab-workspaces")
    env["MPLBACKEND"] = "Agg"
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.port_retries=0",
        "--LabApp.news_url=",
        "--LabServerApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI often run as root
        cmd.append("--allow-root")
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield base, token
    finally:
        proc.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _run_cell(page, index: int) -> None:
    """Select code cell ``index`` and run it with Shift+Enter; retry while its prompt shows it
    has not started (the first key press can go to a notification or an unfocused panel)."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    started = re.compile(r"\[(\*|\d+)\]")
    for _ in range(5):
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        try:
            prompt.filter(has_text=started).wait_for(timeout=3_000)
            return
        except Exception:  # playwright's TimeoutError: try again
            continue
    raise AssertionError(f"cell {index} did not start: prompt {prompt.inner_text()!r}")


def _dismiss_news(page) -> None:
    """Close JupyterLab's "notified about official Jupyter news?" toast, if shown."""
    toast = page.locator(".jp-toast-button", has_text="No")
    with contextlib.suppress(Exception):
        if toast.count():
            toast.first.click(timeout=2_000)


def _wait_idle(page, timeout_ms: int) -> None:
    page.wait_for_selector(
        ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout_ms
    )


def test_progress_bar_then_table_in_jupyterlab(tmp_path: Path) -> None:
    _requirements()
    from playwright.sync_api import expect, sync_playwright

    root = tmp_path / "notebooks"
    root.mkdir()
    _write_notebook(root)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "jupyterlab.png"
    t0 = time.monotonic()

    with (
        _jupyterlab(root, tmp_path / "jupyterlab.log") as (base, token),
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"{base}/lab/tree/progress.ipynb?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            _wait_idle(page, 90_000)  # the kernel has started

            _run_cell(page, 0)  # %load_ext
            _wait_idle(page, 60_000)
            _run_cell(page, 1)  # use math
            cells = page.locator(".jp-Notebook .jp-Cell")
            expect(cells.nth(1).locator(".jp-InputPrompt")).to_have_text(
                re.compile(r"\[\d+\]"), timeout=60_000
            )
            _wait_idle(page, 60_000)

            _run_cell(page, 2)  # sampling
            bar = page.locator(
                ".jp-OutputArea :is(.widget-hprogress, .widget-progress, progress)"
            ).first
            bar.wait_for(state="visible", timeout=180_000)
            assert bar.is_visible()
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-progress.png"))

            # after sampling: the live bars give way to a static line and the results table
            last = cells.nth(2)
            last.locator(".jp-OutputArea-output table").first.wait_for(
                state="visible", timeout=120_000
            )
            _wait_idle(page, 60_000)
            out_text = last.locator(".jp-OutputArea").inner_text()
            assert "Bayesian multilevel regression" in out_text
            assert "Sampling done" in out_text
            assert "Traceback" not in out_text
            assert not re.search(r"^r\(\d+\);", out_text, re.MULTILINE), out_text[-2000:]
            _dismiss_news(page)
            last.locator(".jp-OutputArea-output table").first.scroll_into_view_if_needed()
            page.screenshot(path=str(shot))
        finally:
            browser.close()

    assert shot.is_file() and shot.stat().st_size > 10_000
    assert time.monotonic() - t0 < 180, "the JupyterLab test took over 3 minutes"
