import pytest

from feedback.scores import KINDS, kind_of, parse_score


@pytest.mark.parametrize(
    "value,kind,expected",
    [
        ("9", "nps", 9), (" 10 ", "nps", 10), (0, "nps", 0), ("4.0", "csat", 4), ("7", "ces", 7),
        ("1,234.5", "ttr", 1234.5), ("3,5", "ttr", 3.5), ("12", "anything", 12), (True, "recommended", 1),
    ],
)
def test_scores_valid_values(value, kind, expected):
    number, problem = parse_score(value, kind_of(kind), "col")
    assert problem is None
    assert number == expected


@pytest.mark.parametrize("value", ["", "N/A", "n/a", None, "  ", "-"])
def test_scores_missing_values_are_not_problems(value):
    assert parse_score(value, KINDS["nps"], "nps") == (None, None)


@pytest.mark.parametrize(
    "value,kind,code",
    [
        ("11", "nps", "score_out_of_range"), ("-1", "nps", "score_out_of_range"), ("0", "csat", "score_out_of_range"),
        ("8", "ces", "score_out_of_range"), ("abc", "nps", "score_not_a_number"), ("8.5", "nps", "score_not_integer"),
        ("nan", "rating", None), ("inf", "rating", "score_not_a_number"), ({"a": 1}, "nps", "score_not_a_number"),
        ("-3", "ttr", "score_out_of_range"),
    ],
)
def test_scores_bad_values_are_named(value, kind, code):
    number, problem = parse_score(value, kind_of(kind), "col")
    assert number is None
    assert (problem.code if problem else None) == code
    if problem:
        assert "col" in problem.message
