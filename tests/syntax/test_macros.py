"""Local and global macros ([P] macro): substitution before parsing, and ``local``/``global``/
``macro`` themselves."""

from __future__ import annotations

from bayes_magic.session import Session
from bayes_magic.syntax.macros import expand
from tests.conftest import fails, run


def _expand(text: str, loc=None, glo=None) -> str:
    return expand(text, loc or {}, glo or {}, lambda e: f"<{e}>")


def test_substitution_rules() -> None:
    loc = {"x": "zAge zBase", "i": "2", "v2": "second", "self": "`self'"}
    glo = {"dep": "count"}
    assert _expand("regress $dep `x'", loc, glo) == "regress count zAge zBase"
    assert _expand("${dep}s `v`i''", loc, glo) == "counts second"  # nested: innermost first
    assert _expand("`nosuch'|$nosuch|", loc, glo) == "||"  # undefined: empty
    assert _expand("`=1+`i''", loc, glo) == "<1+2>"
    assert _expand(r"\$dep \`x'", loc, glo) == "$dep `x'"  # escaped
    assert _expand('`"a "b" c"\'', loc, glo) == '`"a "b" c"\''  # compound quotes untouched
    assert _expand("costs $5 and A'", loc, glo) == "costs $5 and A'"
    assert _expand("`self'", loc, glo) == "`self'"  # a value naming itself stays as it is


def test_local_global_and_macro_commands() -> None:
    s = Session()
    run(s, "use epilepsy")
    run(s, "local covars zAge zBase")
    run(s, "global dep count")
    run(s, "quietly regress $dep `covars'")
    assert s.e.cmdline == "regress count zAge zBase"
    run(s, "local n = 1/3")
    run(s, "local m = 2*3")
    run(s, 'local t = "a" + "b"')
    assert (s.locals["n"], s.locals["m"], s.locals["t"]) == (".3333333333333333", "6", "ab")
    run(s, "local k : word count `covars'")
    run(s, "local w : word 2 of `covars'")
    run(s, "local lab : variable label count")
    run(s, "local d : display %5.2f 1/3")
    assert (s.locals["k"], s.locals["w"], s.locals["d"]) == ("2", "zBase", " 0.33")
    assert s.locals["lab"] == "Seizures in the two weeks before the visit"
    run(s, "local i = 1")
    run(s, "local ++i")
    run(s, 'local name`i\' "quoted"')
    assert s.locals["name2"] == "quoted"
    assert run(s, "display \"`name`i'' `=`i'*10'\"") == "quoted 20"
    listing = run(s, "macro list")
    assert "dep:         count" in listing and "_covars:     zAge zBase" in listing
    run(s, "local covars")  # nothing: cleared
    assert "covars" not in s.locals
    run(s, "macro drop _all")
    assert s.globals == {}
    msg, rc = fails(s, "local x : nosuch thing")
    assert rc == 198 and "not available" in msg
    msg, rc = fails(s, "local x = 1 +")
    assert rc == 198
    # the echo of a log shows the command as typed
    res = s.execute("local a 5\ndisplay `a'*2", echo=True)
    assert ". display `a'*2" in res.text() and "10" in res.text()


def test_undefined_stored_results_expand_to_nothing() -> None:
    """`e(nosuch)', `r(nosuch)', `c(nosuch)' are empty, as Stata's (the if "`e(x)'" == ""
    idiom); defined ones keep their values."""
    s = Session()
    out = run(s, "display \"[`e(nosuch)'][`r(nosuch)'][`c(nosuch)']\"")
    assert out.strip() == "[][][]"
    run(s, "use math\nregress math homework")
    assert run(s, "display \"`e(cmd)' `e(N)'\"").strip() == "regress 519"
