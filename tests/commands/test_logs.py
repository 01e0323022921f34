"""``log using`` / ``log close`` ([R] log), ``cd`` and ``pwd`` ([D] cd)."""

from __future__ import annotations

import os

from bayes_magic.session import Session
from tests.conftest import fails, run


def test_text_log_records_commands_and_output_not_quietly(tmp_path) -> None:
    s = Session()
    path = tmp_path / "lab1.log"
    run(s, f"log using {path}")
    run(s, 'use math\nsummarize math\nquietly summarize homework\ndisplay "a {b}"\nlog close')
    run(s, "display 2")
    text = path.read_text()
    lines = text.splitlines()
    assert lines[0] == "-" * 79 and lines[1] == "      name:  <unnamed>"
    assert lines[3] == "  log type:  text" and lines[4].startswith(" opened on:  ")
    assert "\n. use math\n" in text and "\n. summarize math\n" in text
    assert "        math |        519    51.72254    10.70922         30         71" in text
    assert ". quietly summarize homework\n\n. display" in text  # nothing shown, nothing logged
    assert "a {b}" in text and ". log close" in text
    assert lines[-1] == "-" * 79 and lines[-2].startswith(" closed on:  ")
    assert "display 2" not in text


def test_smcl_is_the_default_and_options(tmp_path) -> None:
    s = Session()
    base = tmp_path / "lab2"
    run(s, f'log using "{base}"\ndisplay "{{x}}"\nlog close')
    smcl = (tmp_path / "lab2.smcl").read_text()
    assert smcl.startswith("{smcl}\n") and "{c -(}x{c )-}" in smcl
    path = tmp_path / "lab3.log"
    run(s, f"log using {path}\nlog close")
    assert fails(s, f"log using {path}") == (f"file {path} already exists", 602)
    run(s, f"log using {path}, append\ndisplay 7\nlog close")
    assert path.read_text().count("opened on:") == 2 and "\n7\n" in path.read_text()
    run(s, f"log using {path}, replace text name(a)")
    assert fails(s, f"log using {path}, replace name(a)") == ("log file a already open", 604)
    run(s, "log off a\ndisplay 99\nlog on a\ndisplay 98\nlog close a")
    assert "99" not in path.read_text() and "98" in path.read_text()
    assert fails(s, "log close") == ("no log file open", 606)
    assert "no log file open" in run(s, "log query")


def test_cd_and_pwd(tmp_path) -> None:
    here = os.getcwd()
    s = Session()
    try:
        out = run(s, f"cd {tmp_path}")
        assert out.strip() == str(tmp_path.resolve())
        assert run(s, "pwd").strip() == str(tmp_path.resolve())
        run(s, "use math\nsave m1")
        assert (tmp_path / "m1.dta").exists()
        assert fails(s, f"cd {tmp_path}/nosuchdir")[1] == 170
    finally:
        os.chdir(here)


def test_lnfactorial_truncates_and_is_missing_below_zero() -> None:
    """[FN] lnfactorial(n): ln(n!), n truncated to an integer; against math.lgamma."""
    import math

    s = Session()
    for n, want in ((0, 0.0), (5, math.log(120)), (5.7, math.log(120)), (170, math.lgamma(171))):
        run(s, f"scalar v = lnfactorial({n})")
        assert abs(s.scalars["v"] - want) < 1e-9 * max(1.0, want)
    assert run(s, "display lnfactorial(-1)").strip() == "."
