"""A corpus of malformed commands: each fails with Stata's message and return code, and
nothing but :class:`StataError` escapes. The messages are part of the interface and are tested
as exact strings ([U] 8 Error messages and return codes; Stata 18 wording).
"""

from __future__ import annotations

import pytest

from bayes_magic.errors import StataError
from bayes_magic.syntax import parse, split_commands

# (command, exact message, return code)
MALFORMED = [
    ("foo", "command foo is unrecognized", 199),
    ("foo bar", "command foo is unrecognized", 199),
    ("1+1", "1 is not a valid command name", 199),
    ("mixd math homework", "command mixd is unrecognized", 199),
    ("summarize math, detial", "option detial not allowed", 198),
    ("summarize math if", "invalid syntax", 198),
    ("summarize math if (math > 3", "unmatched open parenthesis", 198),
    ("summarize math if math > ", "invalid syntax", 198),
    ("summarize math in", "invalid syntax", 198),
    ("summarize math in 0", "'0' invalid observation number", 198),
    ("summarize math in a/b", "'a' invalid observation number", 198),
    ("summarize math [pw=x]", "pweights not allowed", 101),
    ("summarize math [zz=x]", "[zz=x] invalid name", 198),
    ("describe, foo", "option foo not allowed", 198),
    ("describe i.schtype", "factor-variable and time-series operators not allowed", 101),
    ("list math, sep(abc)", "option separator() incorrectly specified", 198),
    ("list math, sep()", "option separator() incorrectly specified", 198),
    ("list math, sep", "option separator() incorrectly specified", 198),
    ("tabulate", "varlist required", 100),
    ("tabulate a b c", "too many variables specified", 103),
    ("tabulate math, foo", "option foo not allowed", 198),
    ("generate", "nothing found where name expected", 198),
    ("generate = 1", "too few variables specified", 102),
    ("generate x", "invalid syntax", 198),
    ("generate x =", "invalid syntax", 198),
    ("generate x == 1", "== invalid", 198),
    ("generate x y = 1", "too many variables specified", 103),
    ("generate double", "invalid syntax", 198),
    ("generate x = (1", "unmatched open parenthesis", 198),
    ("generate x = 1)", ") invalid", 198),
    ("generate x = 1 +", "invalid syntax", 198),
    ("generate x = foo(", "invalid syntax", 198),
    ('generate x = "abc', "too few quotes", 132),
    ("generate x = 1, after", "option after() incorrectly specified", 198),
    ("generate 1x = 1", "1x invalid name", 198),
    ("replace = 2", "too few variables specified", 102),
    ("egen x = nosuch(math)", "unknown egen function nosuch()", 133),
    ("egen x = mean()", "invalid syntax", 198),
    ("egen x mean(math)", "invalid syntax", 198),
    ("egen x = mean(math", "unmatched open parenthesis", 198),
    ("egen = mean(math)", "too few variables specified", 102),
    ("egen x = tag(math, foo)", ", invalid name", 198),
    ("keep if", "invalid syntax", 198),
    ("sort", "varlist required", 100),
    ("sort math, foo", "option foo not allowed", 198),
    ("gsort", "nothing found where varname expected", 198),
    ("rename", "nothing found where varname expected", 198),
    ("rename a b c", "too many variables specified", 103),
    ("use math, foo", "option foo not allowed", 198),
    ("save math, foo", "option foo not allowed", 198),
    (
        "label",
        "label requires subcommand define, values, variable, list, drop, dir, copy, data, or save",
        198,
    ),
    ("label foo", "subcommand foo is not supported by label", 198),
    ("label define", "nothing found where name expected", 198),
    ("label define x 1", "invalid syntax", 198),
    ('label define x a "b"', "a invalid", 198),
    ('label define x 1.5 "b"', "may not label non-integers", 198),
    ("label values", "nothing found where name expected", 198),
    ("label list, foo", "option foo not allowed", 198),
    ("mixed math homework ||", "invalid random-effects specification", 198),
    ("mixed math homework || schid", "schid: level specification requires a colon", 198),
    ("mixed math homework || schid: homework, cov(foo)", "covariance() invalid", 198),
    ("mixed math homework || schid:, cov()", "option covariance() incorrectly specified", 198),
    ("mixed math homework || schid:, foo", "option foo not allowed", 198),
    ("mixed i.math homework || schid:", "depvar may not be a factor variable", 198),
    (
        "mixed math homework || schid: homework, covariance",
        "option covariance() incorrectly specified",
        198,
    ),
    ("mixed math homework, level(120) || schid:", "option level not allowed", 198),
    ("mixed math homework || schid:, level(abc)", "option level() incorrectly specified", 198),
    ("mixed math L.homework || schid:", "time-series operators not allowed", 101),
    ("bayes, rseed(abc): mixed math || schid:", "option rseed() incorrectly specified", 198),
    ("bayes, foo: mixed math || schid:", "option foo not allowed", 198),
    ("bayes: ", "invalid syntax", 198),
    ("bayes, rseed(317) mixed math || schid:", "option mixed not allowed", 198),
    ("bayes, burnin(-5): mixed math || schid:", "burnin() must be greater than or equal to 0", 198),
    ("bayes, mcmcsize(0): mixed math || schid:", "mcmcsize() must be a positive integer", 198),
    ("bayes, clevel(5): mixed math || schid:", "clevel() must be between 10 and 99.99", 198),
    ("bayesmh math, likelihood()", "option likelihood() incorrectly specified", 198),
    (
        "bayesmh math, prior(normal(0,1))",
        "option prior() incorrectly specified: parameters in braces {} expected",
        198,
    ),
    (
        "bayesmh math, prior({math:})",
        "option prior() incorrectly specified: prior distribution expected",
        198,
    ),
    ("bayesmh math, prior({math:}, )", "option prior() incorrectly specified", 198),
    ("bayesmh math x, prior({math:}, normal(0,1) foo)", "foo invalid", 198),
    ("bayesmh math, prior({math:}, normal(0,1), foo)", "option foo not allowed", 198),
    ("bayesmh math, block()", "option block() incorrectly specified", 198),
    ("bayesmh math, block({a}, foo)", "option foo not allowed", 198),
    ("bayesmh math U0[", "unmatched open bracket", 198),
    ("bayesmh math U0[schid", "unmatched open bracket", 198),
    ("bayesmh math = ", "invalid syntax", 198),
    ("bayesmh (math = ({a}) ", "unmatched open parenthesis", 198),
    ("bayesmh math, prior({math:, normal(0,1))", "unmatched {", 198),
    ("bayesmh math, prior({}, normal(0,1))", "nothing found where parameter name expected", 198),
    ("bayesmh math, prior({1a}, normal(0,1))", "invalid parameter name 1a", 198),
    (
        "bayesmh math, prior({a,foo}, normal(0,1))",
        "invalid parameter specification {a,foo}: foo not allowed",
        198,
    ),
    ("bayesmh math, adaptation(every(0))", "every() must be a positive integer", 198),
    ("bayesmh math, adaptation(foo(1))", "option foo not allowed", 198),
    ("bayesmh math, saving()", "option saving() incorrectly specified", 198),
    ("bayesstats", "bayesstats requires subcommand summary, ess, grubin, ic, or ppvalues", 198),
    ("bayesstats foo", "subcommand foo is not supported by bayesstats", 198),
    ("bayesstats ess, foo", "option foo not allowed", 198),
    ("bayesstats summary (", "unmatched open parenthesis", 198),
    ("bayesstats summary ()", "invalid expression ()", 198),
    ("bayesstats summary (corr: )", "invalid expression ()", 198),
    ("bayestest interval {a}, upper(abc)", "option upper() incorrectly specified", 198),
    ("bayestest interval {a}, upper(1, foo)", "option foo not allowed", 198),
    (
        "bayesgraph",
        "bayesgraph requires subcommand diagnostics, trace, ac, histogram, kdensity, cusum, matrix, or reffects",
        198,
    ),
    ("bayesgraph nosuch _all", "subcommand nosuch is not supported by bayesgraph", 198),
    (
        "estimates",
        "estimates requires subcommand store, restore, replay, dir, drop, clear, table, stats, describe, query, save, or use",
        198,
    ),
    ("estimates foo", "subcommand foo is not supported by estimates", 198),
    ("estimates store", "nothing found where name expected", 198),
    ("estimates store a b", "invalid syntax", 198),
    (
        "estat",
        "estat requires subcommand sd, ic, recovariance, icc, group, classification, vce, "
        "summarize, vif, hettest, imtest, ovtest, or gof",
        198,
    ),
    ("estat foo", "invalid subcommand foo", 321),  # [R] estat
    ("predict", "nothing found where name expected", 198),
    ("predict x, foo", "option foo not allowed", 198),
    ("twoway (scatter)", "varlist required", 100),
    ("twoway (nosuch a b)", "nosuch is not a twoway plot type", 198),
    ("twoway (scatter a b", "unmatched open parenthesis", 198),
    ("serrbar a b c, scale(x)", "option scale() incorrectly specified", 198),
    ("svmat", "nothing found where name expected", 198),
    ("svmat r(", "unmatched open parenthesis", 198),
    ("by: summarize", "varlist required", 100),
    ("by schid summarize", "invalid syntax", 198),
    ("by schid: nosuch", "command nosuch is unrecognized", 199),
    ("bysort : summarize", "varlist required", 100),
    ("quietly", "invalid syntax", 198),
    ("capture", "invalid syntax", 198),
    ("set", "nothing found where name expected", 198),
    ("display (1", "unmatched open parenthesis", 198),
    ("display 1 +", "invalid syntax", 198),
    ("assert", "invalid syntax", 198),
    ("/* unclosed comment", "unmatched /* comment", 198),
    ('summarize "unclosed', "too few quotes", 132),
    ("x = 1", "command x is unrecognized", 199),
    ("summarize math }", "unmatched }", 198),
    ("summarize {a", "unmatched {", 198),
    ("summarize math, separator(1.5)", "option separator() incorrectly specified", 198),
    ("list math in 5/2 extra", "extra invalid", 198),
    ("summarize math in -0/5", "'0' invalid observation number", 198),
]


def parse_all(text: str) -> None:
    for src in split_commands(text):
        parse(src.text)


def test_corpus_is_large() -> None:
    assert len(MALFORMED) >= 100


@pytest.mark.parametrize(("text", "message", "rc"), MALFORMED)
def test_malformed_command(text: str, message: str, rc: int) -> None:
    with pytest.raises(StataError) as e:
        parse_all(text)
    assert e.value.message == message
    assert e.value.rc == rc
    rendered = e.value.render()
    assert rendered.endswith(f"r({rc});")
    assert "Traceback" not in rendered


def test_errors_point_at_the_offending_text() -> None:
    with pytest.raises(StataError) as e:
        parse_all("mixed math homework || schid: homework, cov(foo)")
    assert e.value.render() == (
        "covariance() invalid\n"
        "    mixed math homework || schid: homework, cov(foo)\n"
        "                                            ^^^^^^^^\n"
        "r(198);"
    )
