"""``timer on|off|clear|list`` ([P] timer)."""

from __future__ import annotations

import time

from bayes_magic.session import Session
from tests.conftest import fails, run


def test_timer_accumulates_and_lists() -> None:
    s = Session()
    run(s, "timer clear\ntimer on 2")
    time.sleep(0.05)
    run(s, "timer off 2\ntimer on 2\ntimer off 2")
    out = run(s, "timer list 2")
    assert s.r["nt2"] == 2 and s.r["t2"] >= 0.05
    assert out.startswith("   2:") and "/        2 =" in out
    run(s, "timer clear 2")
    assert run(s, "timer list") == ""


def test_bad_input() -> None:
    s = Session()
    assert fails(s, "timer off 1") == ("timer 1 not on", 198)
    assert fails(s, "timer on 101")[1] == 198
    assert fails(s, "timer on")[1] == 198
    run(s, "timer on 1")
    assert fails(s, "timer on 1") == ("timer 1 already on", 198)
