"""Stata's lexical rules, case by case ([U] 16.1.2 comments; [P] #delimit)."""

from __future__ import annotations

import pytest

from bayes_magic.errors import StataError
from bayes_magic.syntax.lexer import split_commands, tokenize


def texts(program: str) -> list[str]:
    return [c.text for c in split_commands(program)]


def test_line_comments_and_star_lines() -> None:
    prog = "* a comment line\nuse math // trailing comment\n  * indented star comment\ndescribe"
    assert texts(prog) == ["use math", "describe"]


def test_double_slash_needs_a_blank_before() -> None:
    # inside a word (a URL, or 1//2) it is not a comment
    assert texts('use "http://x.org/a.dta"') == ['use "http://x.org/a.dta"']
    assert texts("display 1//2") == ["display 1//2"]


def test_block_comments_nest_and_span_lines() -> None:
    prog = "use /* one /* nested */ still */ math\ndescribe /* spans\nlines */ , short"
    assert texts(prog) == ["use   math", "describe   , short"]


def test_triple_slash_continues_the_line() -> None:
    prog = "mixed math homework /// the fixed part\n    || schid: homework"
    assert texts(prog) == ["mixed math homework      || schid: homework"]
    assert split_commands(prog)[0].line == 1


def test_line_numbers_count_continuations_and_comments() -> None:
    prog = "use math\n/* a\nb */\ndescribe ///\n  , short\nsummarize"
    assert [(c.text.split()[0], c.line) for c in split_commands(prog)] == [
        ("use", 1),
        ("describe", 4),
        ("summarize", 6),
    ]


def test_delimit_semicolon_mode() -> None:
    prog = "#delimit ;\nuse\n math ;\ndescribe ; summarize math\n, detail;\n#delimit cr\ncount"
    assert texts(prog) == ["use math", "describe", "summarize math , detail", "count"]


def test_delimit_abbreviation_and_star_comment_in_semicolon_mode() -> None:
    prog = "#d ;\n* a comment\n that spans ;\nuse math;\n#d cr\ndescribe"
    assert texts(prog) == ["use math", "describe"]


def test_semicolons_inside_quotes_do_not_end_commands() -> None:
    assert texts('#delimit ;\ndisplay "a;b" ;') == ['display "a;b"']


def test_unterminated_semicolon_command_is_an_error() -> None:
    with pytest.raises(StataError) as e:
        split_commands("#delimit ;\nuse math")
    assert e.value.rc == 198


def test_comment_markers_inside_strings_are_text() -> None:
    assert texts('display "/* not a comment */ // nor this"') == [
        'display "/* not a comment */ // nor this"'
    ]


def test_compound_quotes() -> None:
    toks = tokenize('display `"say "hi""\'')
    assert toks[1].kind == "STRING" and toks[1].text == 'say "hi"'


@pytest.mark.parametrize(
    ("text", "message", "rc"),
    [
        ("use /* never closed", "unmatched /* comment", 198),
        ('display "never closed', "too few quotes", 132),  # Stata's message and code
    ],
)
def test_lexical_errors(text: str, message: str, rc: int) -> None:
    with pytest.raises(StataError) as e:
        split_commands(text)
    assert e.value.message == message
    assert e.value.rc == rc


def test_tokens_remember_blanks_and_spans() -> None:
    toks = tokenize("i.x i. x")
    assert [(t.text, t.space) for t in toks[:-1]] == [
        ("i", True),
        (".", False),
        ("x", False),
        ("i", True),
        (".", False),
        ("x", True),
    ]
    assert toks[2].start == 2 and toks[2].end == 3


def test_param_token_is_whole() -> None:
    toks = tokenize("prior({U0 U1}, normal(0,1))")
    assert toks[2].kind == "PARAM" and toks[2].text == "U0 U1"


def test_numbers() -> None:
    toks = tokenize("1 1.5 .5 1e-3 2.")
    assert [t.text for t in toks if t.kind == "NUMBER"] == ["1", "1.5", ".5", "1e-3", "2."]


@pytest.mark.parametrize(
    ("text", "formats"),
    [
        ("display %9.2f x", ["%9.2f"]),
        ("format make %-18s", ["%-18s"]),
        ("format pop %12.0gc", ["%12.0gc"]),
        ("format d %td", ["%td"]),
        ("format t %tcDD/NN/CCYY_HH:MM:SS.sss", ["%tcDD/NN/CCYY_HH:MM:SS.sss"]),
        ("estimates table a, b(%9.3f) se(%9.2e)", ["%9.3f", "%9.2e"]),
        ('display %~12s "x"', ["%~12s"]),
        ("format id %05.0f", ["%05.0f"]),
        ("format d %tdMonth_dd,_CCYY", ["%tdMonth_dd,_CCYY"]),
        ("format d %tdDD/NN/CCYY", ["%tdDD/NN/CCYY"]),
        ("format d %9.2f, x", ["%9.2f"]),
    ],
)
def test_display_formats_are_one_token(text: str, formats: list[str]) -> None:
    toks = tokenize(text)
    assert [t.text for t in toks if t.kind == "FORMAT"] == formats
    fmt = next(t for t in toks if t.kind == "FORMAT")
    assert text[fmt.start : fmt.end] == fmt.text


def test_a_lone_percent_is_still_invalid() -> None:
    with pytest.raises(StataError) as e:
        tokenize("display % 5")
    assert (e.value.message, e.value.rc) == ("% invalid", 198)


def test_byte_order_mark_is_dropped() -> None:
    assert texts("\ufeffuse math\r\ncount\r\n") == ["use math", "count"]


def test_a_star_comment_may_hold_a_quote() -> None:
    """A * comment line is comment to its end, an odd quote included (it was 'too few
    quotes' and nothing ran; code review); /// carries it to the next line."""
    cmds = split_commands('* a 12" pipe\ndisplay "ok"\n  * "\ndisplay 2 * 3\n* more ///\nhidden\nx')
    assert [c.text.strip() for c in cmds] == ['display "ok"', "display 2 * 3", "x"]
