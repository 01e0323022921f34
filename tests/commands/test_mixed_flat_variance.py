"""A variance estimated near zero but not at the boundary: its standard error on the log scale
is so large that the upper confidence limit exceeds double range; Stata's table shows "."
there, where we raised an internal OverflowError."""

from __future__ import annotations

from tests.conftest import run


def test_upper_limit_beyond_double_range_is_missing(session) -> None:
    run(session, "use sleepstudy")
    run(session, "generate grp = mod(Subject, 3)")
    out = run(session, "mixed Reaction Days || grp: || Subject: Days, covariance(unstructured)")
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("var(_cons)"))
    assert row.split()[-1] == "."
    assert "var(Days)" in out


def test_a_z_statistic_too_wide_for_its_format(session) -> None:
    """A constant outcome: the standard error is ~1e-152 and z ~1e152, shown as Stata shows a
    number too wide for %9.2f, not as 150 digits."""
    run(session, "use orange")
    run(session, "generate y = 5")
    out = run(session, "mixed y || Tree:, nolog")
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("_cons"))
    assert len(row) <= 78 and "e+" in row.split()[4]
