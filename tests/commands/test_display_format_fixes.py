"""Display formats after review 2-3: ``display %fmt`` and its directives, the ``format``
command, dates, and the examples of Stata's ``help format``; plus ``use``'s clean errors."""

from __future__ import annotations

import pandas as pd
import pytest

from bayes_magic.report.format import check_format, fmt_number
from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ("%9.3f 3.14159", "    3.142"),
        ('%-9.2f 2 "|"', "2.00     |"),
        # %g keeps two positions for sign and point: %9.0gc has 7 for digits and commas
        # (StataCorp on Statalist 2003-04 msg00205: %12.0gc 123456789 is 123456789)
        ("%9.0gc 1234567", "  1234567"),
        ("%12.0gc 12345678", "  12,345,678"),
        ("%12.0gc 123456789", "   123456789"),
        ("%12.0g 31415926540", " 3.14159e+10"),
        ('%9.0g 12345678 "|" %9.0g -.0000123456', " 1.23e+07|-1.23e-05"),
        # string() without a format is %9.0g, blanks trimmed ([FN] strofreal(12345678))
        (
            'string(12345678) "|" string(1/3) "|" string(1234567) "|" string(_pi)',
            "1.23e+07|.3333333|1234567|3.141593",
        ),
        ('%10s "abc"', "       abc"),
        ('%-6s "ab" "|"', "ab    |"),
        ('%~6s "ab" "|"', "  ab  |"),
        ('as text "a" as result 3 as error "e" as input "i"', "a3ei"),
        ('as txt "x" as res 1', "x1"),
        ('in red "x" in smcl in green 1', "x1"),  # the old colour directives, no colours
        ('"a" _n "b"', "a\nb"),
        ('"a" _n(2) "b"', "a\n\nb"),
        ('"ab" _col(6) "c"', "ab   c"),
        ('"a" _skip(3) "b"', "a   b"),
        ('_dup(3) "-" "|"', "---|"),
        ("_char(65) 1/4", "A.25"),
        ("%5.1f 1 %5.1f 2", "  1.0  2.0"),
        ("%td 21915", "01jan2020"),
        # SMCL in displayed text ([P] smcl), as a text log shows it
        ('"{hline 5}|{c +}"', "-----|+"),
        ('"a{col 6}b"', "a    b"),
        ('"{bf:x} {it:{res:y}} {txt}z"', "x y z"),
        ('"{ralign 6:r}|{lalign 3:l}|"', "     r|l  |"),
        ('"x" _col(4) "{hline 2}"', "x  --"),
        ('"{nosuch} {"', "{nosuch} {"),
    ],
)
def test_display_items(session, items, expected) -> None:
    assert run(session, f"display {items}") == expected


def test_display_format_errors(session) -> None:
    assert fails(session, "display %9.9g 1") == ("invalid %format", 120)
    assert fails(session, 'display %9.2f "a"') == ("type mismatch", 109)
    assert fails(session, "display %9s 1") == ("type mismatch", 109)
    assert fails(session, 'display as bold "a"') == ("bold invalid", 198)


@pytest.fixture
def fm(math_session):
    run(math_session, 'gen str3 sv = "ab"')
    return math_session


def test_format_command_sets_display_formats(fm) -> None:
    run(fm, "format math homework %9.2f")
    run(fm, "format %-5s sv")
    assert [fm.data.info[v].format for v in ("math", "homework", "sv")] == [
        "%9.2f",
        "%9.2f",
        "%-5s",
    ]
    assert fm.data.changed
    out = run(fm, "list math sv in 1/2").splitlines()
    assert out[3] == "  1. | 50.00   ab |"
    row = run(fm, "summarize math, format").splitlines()[2]
    assert row == "        math |        519       51.72       10.71      30.00      71.00"
    assert (
        run(fm, "describe math").splitlines()[-1]
        == "math            float   %9.2f                 Math score"
    )


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        ("format math %9.9g", ("invalid %format", 120)),
        ("format math %9q", ("invalid %format", 120)),
        ("format math %9s", ("invalid %format", 120)),
        ("format sv %9.2f", ("invalid %format", 120)),
        ("format math %~9s", ("invalid %format", 120)),
        ("format nosuch %9.2f", ("variable nosuch not found", 111)),
        ("format math %9.2f %9.3f", ("invalid syntax", 198)),
        (
            "format math",
            (
                "format without a %fmt (listing formats) is not available in bayes_magic yet; "
                "describe shows them",
                198,
            ),
        ),
    ],
)
def test_format_command_errors(fm, cmd, expected) -> None:
    assert fails(fm, cmd) == expected


def test_dates_list_with_their_formats(session) -> None:
    run(session, "set obs 2")
    run(session, "gen d = 21915 + _n - 1")
    run(session, "gen double t = 1893493800000 + (_n - 1) * 1000")
    run(session, "format d %td")
    run(session, "format t %tc")
    out = run(session, "list").splitlines()
    assert out[3] == "  1. | 01jan2020   01jan2020 10:30:00 |"
    assert out[4] == "  2. | 02jan2020   01jan2020 10:30:01 |"
    run(session, "format d %tdCCYY-NN-DD")
    assert run(session, "list d in 1").splitlines()[3] == "  1. | 2020-01-01 |"


@pytest.mark.parametrize(
    ("fmt", "x", "expected"),
    [
        # the examples of Stata's help format
        ("%9.2f", 12345, "12345.00"),
        ("%9.2fc", 12345, "12,345.00"),
        ("%09.2f", 12345, "012345.00"),
        ("%9.2e", 12345, "1.23e+04"),
        ("%9.2f", 37.916, "37.92"),
        ("%09.2f", 37.916, "000037.92"),
        ("%9.2f", 3567890, "3.57e+06"),
        ("%9.2f", 0.9165, "0.92"),
        ("%09.2f", 0.9165, "000000.92"),
        ("%9.2e", 0.9165, "9.16e-01"),
        ("%12.4e", 5.139, "5.1390e+00"),
        ("%21x", 5.139, "+1.48e5604189375X+002"),
        ("%21x", 5.125, "+1.4800000000000X+002"),
        ("%16H", 5.139, "40148e5604189375"),
        ("%16L", 5.139, "75931804568e1440"),
        ("%8H", 5.139, "40a472b0"),
        ("%8L", 5.139, "b072a440"),
        # [D] Datetime display formats
        ("%td", 0, "01jan1960"),
        ("%tc", 0, "01jan1960 00:00:00"),
        ("%tm", 720, "2020m1"),
        ("%tq", 241, "2020q2"),
        ("%th", 121, "2020h2"),
        ("%tw", 0, "1960w1"),
        ("%ty", 2020, "2020"),
        ("%tdDD/NN/CCYY", 21915, "01/01/2020"),
        ("%tdMonth_dd,_CCYY", 21915, "January 1, 2020"),
        ("%tcHH:MM:SS.sss", 1500, "00:00:01.500"),
        ("%td", float("nan"), "."),
    ],
)
def test_number_formats(fmt, x, expected) -> None:
    assert fmt_number(x, fmt) == expected


@pytest.mark.parametrize("bad", ["%9.9g", "%0.0g", "%245.0g", "%9q", "%t", "%tz", "%20x", "9.2f"])
def test_formats_stata_refuses(bad) -> None:
    with pytest.raises(Exception, match="invalid %format"):
        check_format(bad)


def test_use_of_a_series_and_unknown_sysuse() -> None:
    s = Session(namespace={"ser": pd.Series([1, 2])})
    assert fails(s, "use ser") == ("ser is not a DataFrame", 198)
    assert fails(s, "sysuse auto") == (
        'file "auto.dta" not found\n(sysuse dir lists the data sets bundled with bayes_magic)',
        601,
    )


def test_do_file_with_byte_order_mark(session, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bom.do").write_text("use math\ncount\n", encoding="utf-8-sig")
    assert run(session, "do bom.do").splitlines() == [
        ". use math",
        ". count",
        "  519",
        "end of do-file",
    ]


def test_sysuse_dir_lists_in_columns(session) -> None:
    out = run(session, "sysuse dir")
    lines = out.splitlines()
    assert len(lines) > 1 and all(len(x) <= 79 for x in lines)
    assert "math.dta" in out and "exam.dta" in out


def test_sum_of_weights_note_as_stata_prints_it() -> None:
    """(sum of wgt is ...): many digits with commas, as a published Stata log shows
    '(sum of wgt is 1,564.19025221467)'; %g falls back to no commas when they do not fit."""
    from bayes_magic.report.format import fmt_g

    assert fmt_g(1564.19025221467, 20, comma=True) == "1,564.19025221467"
    assert fmt_g(18418638.0, 20, comma=True) == "18,418,638"
    assert fmt_g(1564.19025221467, 10, comma=True) == "1564.1903"
