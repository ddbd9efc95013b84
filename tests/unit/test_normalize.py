"""scraping.normalize on plain frames and dicts: what yfinance hands over becomes plain Python."""

import datetime
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from scraping.errors import NoStatements
from scraping.normalize import (
    company_fundamentals,
    months_between,
    plain_number,
    profile_fields,
    quarterly_cadence,
    statement_currency,
    statement_periods,
)


def frame(columns: dict[str, dict[str, float]]) -> pd.DataFrame:
    """A frame shaped like yfinance's: line items as rows, period ends as columns, newest first,
    float64 with NaN."""
    ends = sorted(columns, reverse=True)
    keys = list(dict.fromkeys(key for values in columns.values() for key in values))
    data = {pd.Timestamp(end): [columns[end].get(key, np.nan) for key in keys] for end in ends}
    return pd.DataFrame(data, index=keys, dtype="float64")


def periods_of(columns, period_type="quarterly", **kwargs):
    return statement_periods(
        frame(columns), statement="income", period_type=period_type, currency="AUD", **kwargs
    )


def test_missing_figure_is_none_and_zero_stays_zero():
    periods = periods_of(
        {"2025-06-30": {"TotalRevenue": 10.0, "GrossProfit": np.nan, "ResearchAndDevelopment": 0.0}}
    )
    values = periods[0].values
    assert values["GrossProfit"] is None
    assert values["ResearchAndDevelopment"] == 0
    assert values["ResearchAndDevelopment"] is not None


def test_figures_become_int_or_decimal_never_numpy():
    periods = periods_of({"2025-06-30": {"TotalRevenue": 55658000000.0, "BasicEPS": 1.2345}})
    revenue, eps = periods[0].values["TotalRevenue"], periods[0].values["BasicEPS"]
    assert type(revenue) is int and revenue == 55658000000
    assert type(eps) is Decimal and eps == Decimal("1.2345")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.int64(7), 7),
        (np.float64(2.0), 2),
        (np.float64(0.3), Decimal("0.3")),
        (np.float32(0.5), Decimal("0.5")),
        (-1.5, Decimal("-1.5")),
        (np.nan, None),
        (float("inf"), None),
        (None, None),
        (pd.NA, None),
        (Decimal("1.10"), Decimal("1.10")),
    ],
)
def test_plain_number(value, expected):
    result = plain_number(value)
    assert result == expected
    assert type(result) is type(expected)


def test_plain_number_refuses_what_is_not_a_figure():
    with pytest.raises(TypeError):
        plain_number(True)
    with pytest.raises(TypeError):
        plain_number("12")


def test_half_years_are_six_months_whatever_yahoo_calls_them():
    ends = ["2024-06-30", "2024-12-31", "2025-06-30", "2025-12-31", "2026-06-30"]
    periods = periods_of({end: {"TotalRevenue": 1.0} for end in ends})
    assert [p.months for p in periods] == [6, 6, 6, 6, 6]


def test_quarters_are_three_months():
    ends = ["2025-06-30", "2025-09-30", "2025-12-31", "2026-03-31"]
    periods = periods_of({end: {"TotalRevenue": 1.0} for end in ends})
    assert [p.months for p in periods] == [3, 3, 3, 3]


def test_52_week_half_years_round_to_six_months():
    assert months_between(datetime.date(2024, 6, 30), datetime.date(2024, 12, 29)) == 6
    assert months_between(datetime.date(2024, 12, 29), datetime.date(2025, 6, 29)) == 6


def test_a_period_yahoo_skipped_does_not_stretch_the_next():
    ends = ["2024-06-30", "2024-12-31", "2025-12-31", "2026-06-30"]  # Jun 2025 missing
    periods = periods_of({end: {"TotalRevenue": 1.0} for end in ends})
    assert [p.months for p in periods] == [6, 6, 6, 6]


def test_a_lone_interim_period_takes_the_fallback_or_yahoos_nominal_three():
    columns = {"2026-06-30": {"TotalRevenue": 1.0}}
    assert periods_of(columns)[0].months == 3
    assert periods_of(columns, fallback_months=6)[0].months == 6


def test_quarterly_cadence_comes_from_all_the_companys_interim_frames():
    income = frame({"2026-06-30": {"TotalRevenue": 1.0}})
    balance = frame({"2025-12-31": {"TotalAssets": 1.0}, "2026-06-30": {"TotalAssets": 1.0}})
    assert quarterly_cadence([income, balance]) == 6
    assert quarterly_cadence([income]) is None
    assert quarterly_cadence([pd.DataFrame()]) is None


def test_annual_and_trailing_periods_are_twelve_months():
    columns = {"2025-06-30": {"TotalRevenue": 1.0}, "2025-12-31": {"TotalRevenue": 1.0}}
    assert {p.months for p in periods_of(columns, period_type="annual")} == {12}
    assert {p.months for p in periods_of(columns, period_type="ttm")} == {12}


def test_periods_come_oldest_first_with_their_statement_type_and_currency():
    periods = statement_periods(
        frame({"2025-06-30": {"TotalAssets": 1.0}, "2024-06-30": {"TotalAssets": 2.0}}),
        statement="balance",
        period_type="annual",
        currency="USD",
    )
    assert [p.end for p in periods] == [datetime.date(2024, 6, 30), datetime.date(2025, 6, 30)]
    assert {(p.statement, p.period_type, p.currency) for p in periods} == {
        ("balance", "annual", "USD")
    }
    assert periods[0].values == {"TotalAssets": 2}


def test_an_empty_frame_has_no_periods():
    assert (
        statement_periods(pd.DataFrame(), statement="income", period_type="ttm", currency="AUD")
        == []
    )


def test_a_column_without_any_figure_is_no_period():
    periods = periods_of(
        {"2025-12-31": {"TotalRevenue": 1.0}, "2026-06-30": {"TotalRevenue": np.nan}}
    )
    assert [p.end for p in periods] == [datetime.date(2025, 12, 31)]


def test_unknown_statement_or_period_type_is_refused():
    with pytest.raises(ValueError):
        statement_periods(pd.DataFrame(), statement="equity", period_type="annual", currency="AUD")
    with pytest.raises(ValueError):
        statement_periods(pd.DataFrame(), statement="income", period_type="monthly", currency="AUD")


def test_profile_fields_are_plain_and_complete():
    info = {
        "longName": "BHP Group Limited",
        "sector": "Basic Materials",
        "industry": "Other Industrial Metals & Mining",
        "website": "https://www.bhp.com",
        "address1": "171 Collins Street",
        "city": "Melbourne",
        "state": "VIC",
        "zip": "3000",
        "country": "Australia",
        "phone": "61 3 9609 3333",
        "fullTimeEmployees": np.int64(90000),
        "longBusinessSummary": "BHP Group  Limited\xa0operates.",
        "currency": "AUD",
        "financialCurrency": "USD",
        "marketCap": 213936960000.0,
        "sharesOutstanding": np.float64(5071500000.0),
        "exchange": "ASX",
    }
    profile = profile_fields(info)
    assert profile == {
        "long_name": "BHP Group Limited",
        "sector": "Basic Materials",
        "industry": "Other Industrial Metals & Mining",
        "website": "https://www.bhp.com",
        "address": "171 Collins Street, Melbourne VIC 3000, Australia",
        "phone": "61 3 9609 3333",
        "employees": 90000,
        "summary": "BHP Group Limited operates.",
        "currency": "AUD",
        "financial_currency": "USD",
        "market_cap": 213936960000,
        "shares_outstanding": 5071500000,
        "exchange": "ASX",
    }
    assert type(profile["employees"]) is int and type(profile["market_cap"]) is int
    json.dumps(profile)


def test_profile_fields_leave_what_yahoo_lacks_as_none():
    profile = profile_fields({"shortName": "NOSTATEMENT CAP FPO", "fullTimeEmployees": None})
    assert profile["long_name"] == "NOSTATEMENT CAP FPO"
    assert profile["employees"] is None
    assert profile["address"] is None
    assert profile["market_cap"] is None


def test_statements_are_in_the_financial_currency_else_the_trading_one():
    assert statement_currency({"currency": "AUD", "financialCurrency": "USD"}) == "USD"
    assert statement_currency({"currency": "AUD"}) == "AUD"
    assert statement_currency({}) is None


EXPLORER = {
    "longName": "Nostatement Capital Limited",
    "sector": "Financial Services",
    "industry": "Shell Companies",
    "website": "https://www.nostatement.example",
    "longBusinessSummary": "A newly listed investment company.",
    "fullTimeEmployees": np.int64(3),
    "currency": "AUD",
    "financialCurrency": "AUD",
}


def test_no_statements_carries_the_profile():
    frames = {("income", "annual"): pd.DataFrame(), ("balance", "annual"): pd.DataFrame()}
    with pytest.raises(NoStatements) as caught:
        company_fundamentals("NOS.AX", EXPLORER, frames)

    assert caught.value.outcome == "no statements"
    assert caught.value.profile == profile_fields(EXPLORER)
    assert caught.value.profile["sector"] == "Financial Services"
    json.dumps(caught.value.profile)  # plain: numpy's int64 became an int


def test_statements_without_a_figure_are_no_statements_with_the_profile():
    empty_column = frame({"2025-06-30": {"TotalRevenue": np.nan, "NetIncome": np.nan}})
    with pytest.raises(NoStatements) as caught:
        company_fundamentals("NOS.AX", EXPLORER, {("income", "annual"): empty_column})

    assert caught.value.profile == profile_fields(EXPLORER)


def test_no_statements_raised_without_a_profile_has_none():
    assert NoStatements("NOS.AX: no statements").profile is None


def test_profile_text_loses_control_and_bidi_override_characters():
    profile = profile_fields(
        {
            "longName": "BHP\u202e GROUP\u2066 LIMITED\u2069\x00",
            "longBusinessSummary": "Mines\x1b[2J iron ore.\r\nAnd\u200e coal.\u061c",
            "website": "https://www.bhp.com\u202e/moc.live",
            "city": "Mel\x07bourne",
        }
    )
    assert profile["long_name"] == "BHP GROUP LIMITED"
    assert profile["summary"] == "Mines[2J iron ore. And coal."
    assert profile["website"] == "https://www.bhp.com/moc.live"
    assert profile["address"] == "Melbourne"


def test_profile_text_in_any_script_is_kept():
    summary = "株式会社は鉱業を営む。 شركة تعدين. Ἀθῆναι. 👩‍🔬"
    assert profile_fields({"longBusinessSummary": summary})["summary"] == summary
