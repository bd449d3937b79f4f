"""The lavaan-style model syntax: what it accepts, and the line and column of what it refuses."""

import pytest

from countyhub.analysis.plssem import ModelError, ModelSyntaxError, PLSModel, parse_model

from .plssem_support import simulate_mediation


def test_measurement_structural_comments_and_continuations():
    spec = parse_model(
        "# measurement\n"
        "ECOM =~ ecom1 + ecom2 +   # continued\n"
        "        ecom3\n"
        "SERV <~ serv1 + serv2\n"
        "     + serv3\n"
        "\n"
        "INCOME =~ inc; INCOME ~ ECOM + SERV\n"
    )
    modes = {m.construct: (m.mode, m.indicators) for m in spec.measurement}
    assert modes == {
        "ECOM": ("A", ("ecom1", "ecom2", "ecom3")),
        "SERV": ("B", ("serv1", "serv2", "serv3")),
        "INCOME": ("A", ("inc",)),
    }
    assert [(p.source, p.target) for p in spec.paths] == [("ECOM", "INCOME"), ("SERV", "INCOME")]


def test_chinese_construct_names_are_accepted():
    spec = parse_model("电商 =~ a1 + a2\n收入 =~ b1\n收入 ~ 电商")
    assert spec.paths[0].source == "电商"


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("A =~ a +", 1, 8, "ends after '+'"),
        ("A =~ a b", 1, 8, "expected '+'"),
        ("A =~ a\nB =~ b\nB ~~ A", 3, 3, "covariance"),
        ("A =~ a\nA =~ b", 2, 1, "already measured on line 1"),
        ("=~ a", 1, 1, "expected a construct name"),
        ("A =~ a + a", 1, 10, "listed twice"),
        ("A =~ a\nB =~ b\nB ~ A\nB ~ A", 4, 5, "already given on line 3"),
        ("A = a", 1, 3, "unexpected character '='"),
        ("A =~\n", 1, 5, "nothing after '=~'"),
        ("A a", 1, 3, "expected '=~', '<~' or '~'"),
    ],
)
def test_syntax_errors_name_line_and_column(text, line, column, fragment):
    with pytest.raises(ModelSyntaxError) as caught:
        parse_model(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(f"model line {line}, column {column}:")


@pytest.fixture(scope="module")
def survey():
    return simulate_mediation(80, seed=1)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("A =~ t1 + t9\nB =~ s1\nB ~ A", "indicator 't9' of 'A' is not a column of data"),
        ("A =~ t1 + t2\nB =~ t2\nB ~ A", "indicator 't2' is used by both 'A' (line 1) and 'B'"),
        ("A =~ t1\nB ~ A", "structural variable 'B' is not measured"),
        (
            "A =~ t1\nB =~ s1\nC =~ s2\nB ~ A",
            "construct 'C' is measured but appears in no structural path",
        ),
        ("A =~ t1\nB =~ s1", "no structural paths"),
        ("A =~ t1\nB =~ s1\nC =~ s2\nB ~ A\nC ~ B\nA ~ C", "cycle: A -> B -> C -> A"),
        ("A =~ t1\nB =~ A\nB ~ A", "'A' is a construct, not an indicator"),
    ],
)
def test_model_errors_against_the_data(survey, text, fragment):
    with pytest.raises((ModelSyntaxError, ModelError)) as caught:
        PLSModel.from_syntax(text, survey)
    assert fragment in str(caught.value)


def test_unknown_column_error_points_at_the_indicator(survey):
    with pytest.raises(ModelSyntaxError) as caught:
        PLSModel.from_syntax("A =~ t1 +\n     tt2\nB =~ s1\nB ~ A", survey)
    assert (caught.value.line, caught.value.column) == (2, 6)
    assert "'t2'" in str(caught.value)  # the close match is suggested
