"""The screener's expression language on its own: what a screen means (precedence, `not`, `in`,
suffixes, dates, missing figures as SQL treats NULL) and what each mistake says."""

import itertools

import pytest

from companies.screening.expression import MAX_DEPTH, MAX_LENGTH, ExpressionError, parse
from companies.screening.metrics import METRICS

BHP = {  # about BHP's figures, as a snapshot holds them (A$, fractions)
    "market_cap": 228_512_000_000,
    "industry_group": "Materials",
    "listing_date": "1885-08-13",
    "revenue": 83_270_000_000,
    "roe": 0.238,
    "debt_to_equity": 0.41,
    "pe": 11.4,
    "dividend_yield": 0.052,
}
CBA = {
    "market_cap": 181_000_000_000,
    "industry_group": "Banks",
    "listing_date": "1991-09-12",
    "roe": 0.134,
    "debt_to_equity": None,
    "pe": 23.1,
    "dividend_yield": 0.039,
}
EXPLORER = {  # no statements, no price: only the directory's figures
    "market_cap": 12_400_000,
    "industry_group": "Materials",
    "listing_date": "2021-03-02",
}


def values(company: dict) -> dict:
    return {name: company.get(name) for name in METRICS}


def lists(expression: str, company: dict) -> bool:
    return parse(expression).matches(values(company))


def truth(expression: str, company: dict):
    return parse(expression).evaluate(values(company))


@pytest.mark.parametrize(
    "expression, bhp, cba",
    [
        ("market_cap > 1b and roe > 15% and debt_to_equity < 0.5", True, False),
        ('industry_group = "Materials" and pe < 12', True, False),
        ('industry_group in ("Banks", "Insurance")', False, True),
        ('industry_group not in ("Banks", "Insurance")', True, False),
        ('industry_group = "banks"', False, True),  # text matches whatever its case
        ("MARKET_CAP > 200B AND PE < 12", True, False),  # so do names and keywords
        ("dividend_yield >= 5.2%", True, False),
        ("market_cap <= 181000m", False, True),
        ("market_cap > 0.2t", True, False),
        ("listing_date < 1900-01-01", True, False),
        ('listing_date >= "1991-09-12"', False, True),
        ("pe != 11.4", False, True),
        ("pe == 11.4", True, False),
    ],
)
def test_what_a_screen_lists(expression, bhp, cba):
    assert lists(expression, BHP) is bhp
    assert lists(expression, CBA) is cba


def test_and_binds_tighter_than_or_and_parentheses_regroup():
    # BHP: pe < 12 true, roe > 30% false, market_cap < 1b false
    assert lists("pe < 12 or roe > 30% and market_cap < 1b", BHP)  # pe < 12 or (...)
    assert not lists("(pe < 12 or roe > 30%) and market_cap < 1b", BHP)
    assert parse("pe < 12 or roe > 0.3 and market_cap < 1b").canonical == (
        "pe < 12 or roe > 0.3 and market_cap < 1000000000"
    )
    assert parse("(pe < 12 or roe > 0.3) and market_cap < 1b").canonical == (
        "(pe < 12 or roe > 0.3) and market_cap < 1000000000"
    )


def test_not_binds_tighter_than_and():
    assert not lists("not pe < 12 and roe > 20%", BHP)  # (not pe < 12) and ...
    assert lists("not (pe < 12 and roe > 30%)", BHP)
    assert lists("not not pe < 12", BHP)


@pytest.mark.parametrize(
    "text, number",
    [
        ("1k", 1_000),
        ("2.5m", 2_500_000),
        ("1b", 1_000_000_000),
        ("1.5B", 1_500_000_000),
        ("0.2t", 200_000_000_000),
        ("15%", 0.15),
        ("0.5%", 0.005),
        ("-5", -5),
        ("\u22125%", -0.05),  # the minus sign the pages print
        (".5", 0.5),
        ("12", 12),
    ],
)
def test_number_suffixes(text, number):
    comparison = parse(f"pe > {text}").root
    assert comparison.value == pytest.approx(number, rel=1e-15)
    assert parse("roe > 15%").root.value == 0.15  # exactly the float a reader means


def test_a_comparison_on_a_missing_figure_is_unknown_and_never_lists():
    for expression in ("pe < 10", "not pe < 10", "pe >= 10", "pe != 10", "not pe != 10"):
        assert truth(expression, EXPLORER) is None, expression
        assert not lists(expression, EXPLORER), expression
    assert truth('financial_currency in ("USD")', EXPLORER) is None
    assert truth('not financial_currency not in ("USD")', EXPLORER) is None


def test_unknown_meets_and_or_not_as_sql_null_does():
    unknown, true, false = "pe < 10", "market_cap > 1m", "market_cap > 1t"
    assert truth(f"{unknown} and {false}", EXPLORER) is False
    assert truth(f"{unknown} and {true}", EXPLORER) is None
    assert truth(f"{unknown} or {true}", EXPLORER) is True
    assert truth(f"{unknown} or {false}", EXPLORER) is None
    assert truth(f"not ({unknown} or {false})", EXPLORER) is None
    assert truth(f"not ({unknown} and {false})", EXPLORER) is True
    assert lists(f"{unknown} or {true}", EXPLORER)  # the other figure decides


def test_three_valued_logic_over_every_combination():
    """and/or/not over true, false and unknown against a plain truth table."""
    parts = {True: "market_cap > 1m", False: "market_cap > 1t", None: "pe < 10"}

    def sql_and(a, b):
        if a is False or b is False:
            return False
        return None if a is None or b is None else True

    def sql_or(a, b):
        if a is True or b is True:
            return True
        return None if a is None or b is None else False

    for a, b in itertools.product(parts, repeat=2):
        assert truth(f"{parts[a]} and {parts[b]}", EXPLORER) is sql_and(a, b)
        assert truth(f"{parts[a]} or {parts[b]}", EXPLORER) is sql_or(a, b)
        negated = None if sql_and(a, b) is None else not sql_and(a, b)
        assert truth(f"not ({parts[a]} and {parts[b]})", EXPLORER) is negated


def test_metrics_used_in_order_of_appearance_once_each():
    expression = parse("(pe < 12 or roe > 15%) and market_cap > 1b and pe > 2")
    assert expression.metrics == ("pe", "roe", "market_cap")


def test_blank_expression_is_no_screen():
    assert parse("") is None
    assert parse("   \t ") is None


@pytest.mark.parametrize(
    "expression, message",
    [
        ("market_cap > 1b and pe > abc", "at 26: expected a number after '>'"),
        ("market_cap > 1b and roe > ", "at 27: expected a number after '>'"),
        ("foo > 1", "at 1: unknown metric 'foo'; see /api/metrics/"),
        (
            "pe > 1 and revenu > 1b",
            "at 12: unknown metric 'revenu'; did you mean 'revenue'? See /api/metrics/",
        ),
        (
            'industry_group > "Banks"',
            "at 16: 'industry_group' is text: compare it with =, != or in, not '>'",
        ),
        ("industry_group = Banks", "at 18: expected a quoted text after '=': write \"Banks\""),
        ("industry_group = 5", "at 18: expected a quoted text after '=', not '5'"),
        ("listing_date > 2020", "at 16: expected a date such as 2020-01-31 after '>', not '2020'"),
        ("listing_date > 2020-02-30", "at 16: '2020-02-30' is not a date (write it as 2020-01-31)"),
        ("(pe > 1 and pb < 2", "at 19: expected ')' to close the '(' at 1"),
        ("pe > 1)", "at 7: ')' has no '(' to close"),
        ("(pe > 1 pb < 2)", "at 9: expected 'and', 'or' or ')' to close the '(' at 1, not 'pb'"),
        ("pe > 1 pb < 2", "at 8: expected 'and', 'or' or the end of the expression, not 'pb'"),
        ("pe 5", "at 4: expected an operator (>, >=, <, <=, =, !=) or 'in' after 'pe', not '5'"),
        ("pe > 15x", "at 6: '15x' is not a number: write digits, with k, m, b, t or % after them"),
        ("pe < 1 and", "at 11: expected a comparison such as pe < 15 after 'and'"),
        ("and pe < 1", "at 1: expected a metric name, not 'and'"),
        ("5 < pe", "at 1: expected a metric name, not '5'"),
        ("pe > 1 & pb < 2", "at 8: unexpected character '&'"),
        ('industry_group = "Banks', "at 18: this quoted text has no closing quote"),
        (
            "industry_group in Banks",
            "at 19: expected '(' and a list of values after 'in', not 'Banks'",
        ),
        (
            'industry_group in ("Banks" "Insurance")',
            "at 28: expected ',' or ')' in the list, not '\"Insurance\"'",
        ),
        (
            'industry_group in ("Banks",',
            "at 28: expected a quoted text in the list, not the end of the expression",
        ),
        ('industry_group in ("Banks"', "at 27: expected ')' to close the list opened at 19"),
        ("()", "at 2: expected a metric name after '(', not ')'"),
    ],
)
def test_every_mistake_says_where_and_what_was_expected(expression, message):
    with pytest.raises(ExpressionError) as raised:
        parse(expression)
    assert str(raised.value) == message
    assert raised.value.position == int(message.split(":")[0].removeprefix("at "))


def test_an_expression_over_the_length_limit_is_refused_whole():
    with pytest.raises(ExpressionError) as raised:
        parse("pe > 1 and " * 45 + "pe > 1")
    assert raised.value.position is None
    assert (
        str(raised.value) == f"the expression is 501 characters long; at most {MAX_LENGTH} are read"
    )
    assert parse(("pe > 1 and " * 44 + "pe > 1").ljust(MAX_LENGTH))  # at the limit it is read


def test_deep_nesting_is_a_mistake_not_a_crash():
    deep = "(" * (MAX_DEPTH + 1) + "pe > 1" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(ExpressionError, match=f"nested more than {MAX_DEPTH} deep"):
        parse(deep)
    nots = "not " * 120 + "pe > 1"  # long chains of not are fine
    assert parse(nots).canonical == "pe > 1"
