"""Shared fixtures: a fresh session, and one with the talk's data loaded."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from bayes_magic.session import Session


def run(s: Session, text: str) -> str:
    """Run commands; fail the test with Stata's message if one fails; return the text shown."""
    res = s.execute(text)
    if res.error is not None:
        raise AssertionError(res.error.render())
    return res.text()


def fails(s: Session, text: str) -> tuple[str, int]:
    """Run a command that must fail; return its message and return code."""
    res = s.execute(text)
    assert res.error is not None, f"{text!r} did not fail"
    return res.error.message, res.error.rc


def col(s: Session, name: str) -> np.ndarray:
    """A variable's values as floats (missing as NaN)."""
    return np.asarray(s.data.values(name), dtype=float)


@pytest.fixture
def session() -> Session:
    return Session()


@pytest.fixture
def math_session() -> Session:
    s = Session()
    run(s, "use math")
    return s
