"""Quote and valuation multiples, checked by hand: the right currency, the right share base,
every input shown, and no number where a multiple means nothing."""

import datetime

import pytest

from companies.market import valuation
from companies.selectors import LineItem, PeriodColumn, StatementTable

DAY = datetime.date(2026, 11, 27)
FY = datetime.date(2026, 6, 30)
HALF = datetime.date(2026, 6, 30)
FETCHED = datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC)


def table(statement, period_type, ends, **items):
    return StatementTable(
        ticker="BHP",
        statement=statement,
        period_type=period_type,
        currency="USD",
        periods=[PeriodColumn(end, 12, FETCHED, "yahoo") for end in ends],
        items=[LineItem(key, key, values) for key, values in items.items()],
    )


def tables(*, eps=2.0, equity=50e9, revenue=60e9, ebitda=25e9, debt=20e9, cash=10e9, fcf=8e9):
    return {
        "annual": {
            "income": table(
                "income",
                "annual",
                [FY],
                DilutedEPS=[eps],
                TotalRevenue=[revenue],
                EBITDA=[ebitda],
            ),
            "balance": table(
                "balance",
                "annual",
                [FY],
                StockholdersEquity=[equity],
                TotalDebt=[debt],
                CashAndCashEquivalents=[cash],
            ),
            "cashflow": table("cashflow", "annual", [FY], FreeCashFlow=[fcf]),
        },
        "quarterly": {},
        "ttm": {},
    }


SHARES = (5_000_000_000, "Yahoo's shares outstanding", datetime.date(2026, 11, 20))
RATE = valuation.Rate("AUDUSD=X", DAY, 0.65)  # 0.65 US dollars per Australian dollar


def quote(price=45.0, shares=SHARES):
    closes = [valuation.Close(DAY, price), valuation.Close(DAY - datetime.timedelta(days=1), 44.0)]
    return valuation.quote(closes=closes, currency="AUD", shares=shares)


def multiples(**kwargs):
    q = kwargs.pop("quote", None) or quote()
    return valuation.valuation(
        quote=q,
        tables=kwargs.pop("tables", None) or tables(),
        statement_currency=kwargs.pop("statement_currency", "USD"),
        rate=kwargs.pop("rate", RATE),
        dividends=kwargs.pop("dividends", [["2026-09-04", 0.80], ["2026-03-06", 1.10]]),
        history_start=kwargs.pop("history_start", datetime.date(2015, 1, 2)),
    )


def test_quote_has_change_and_market_cap_from_its_share_base():
    q = quote()
    assert q["price"] == 45.0 and q["date"] == "2026-11-27" and q["currency"] == "AUD"
    assert q["change_pct"] == pytest.approx(1 / 44)
    assert q["market_cap"] == 225_000_000_000  # 45 x 5.0B
    assert q["shares_source"] == "Yahoo's shares outstanding" and q["shares_date"] == "2026-11-20"


def test_usd_reporter_pe_is_converted_at_the_stated_rate():
    pe = multiples()["pe"]
    # EPS US$2.00 at 0.65 USD per AUD is A$3.0769..., so P/E = 45 / 3.0769 = 14.625
    assert pe["value"] == pytest.approx(45 / (2.0 / 0.65))
    assert pe["value"] == pytest.approx(14.625)
    assert pe["fx"] == {"pair": "AUDUSD=X", "rate": 0.65, "date": "2026-11-27"}
    names = [i["name"] for i in pe["inputs"]]
    assert names == ["Last close", "Diluted EPS (FY)"]
    assert pe["inputs"][1]["period_end"] == "2026-06-30" and pe["inputs"][1]["currency"] == "USD"


def test_every_multiple_by_hand():
    m = multiples()
    cap = 225e9
    assert m["pb"]["value"] == pytest.approx(cap / (50e9 / 0.65))
    assert m["ps"]["value"] == pytest.approx(cap / (60e9 / 0.65))
    assert m["ev_ebitda"]["value"] == pytest.approx((cap + (20e9 - 10e9) / 0.65) / (25e9 / 0.65))
    assert m["fcf_yield"]["value"] == pytest.approx((8e9 / 0.65) / cap)
    # dividends are in the trading currency already: no conversion, and no franking
    assert m["dividend_yield"]["value"] == pytest.approx(1.90 / 45)
    assert m["dividend_yield"]["fx"] is None
    assert "franking not included" in m["dividend_yield"]["formula"]


def test_same_currency_needs_no_rate():
    m = multiples(statement_currency="AUD", rate=None)
    assert m["pe"]["value"] == pytest.approx(45 / 2.0) and m["pe"]["fx"] is None


def test_no_rate_means_no_multiple_never_an_unconverted_one():
    m = multiples(rate=None)
    for key in ("pe", "pb", "ps", "ev_ebitda", "fcf_yield"):
        assert m[key]["value"] is None and m[key]["reason"] == valuation.NO_RATE, key
    assert m["dividend_yield"]["value"] is not None


@pytest.mark.parametrize(
    ("figures", "key", "reason"),
    [
        ({"eps": -0.5}, "pe", valuation.NEGATIVE_EARNINGS),
        ({"equity": -1e9}, "pb", valuation.NEGATIVE_BOOK),
        ({"ebitda": -2e9}, "ev_ebitda", valuation.NEGATIVE_EBITDA),
        ({"revenue": 0}, "ps", valuation.ZERO_REVENUE),
    ],
)
def test_loss_makers_get_a_reason_not_a_number(figures, key, reason):
    entry = multiples(tables=tables(**figures))[key]
    assert entry["value"] is None and entry["reason"] == reason


def test_ttm_eps_is_preferred_to_the_fiscal_year():
    t = tables()
    t["ttm"] = {"income": table("income", "ttm", [HALF], DilutedEPS=[2.6])}
    pe = multiples(tables=t)["pe"]
    assert pe["value"] == pytest.approx(45 / (2.6 / 0.65))
    assert pe["inputs"][1]["name"] == "Diluted EPS (TTM)"


def test_no_price_is_null_everywhere():
    m = valuation.valuation(
        quote=None,
        tables=tables(),
        statement_currency="USD",
        rate=RATE,
        dividends=[],
        history_start=None,
    )
    assert all(entry["value"] is None and entry["reason"] for entry in m.values())
    assert valuation.quote(closes=[], currency="AUD", shares=SHARES) is None


def test_no_share_count_means_no_market_cap_and_no_cap_based_multiple():
    m = multiples(quote=quote(shares=None))
    assert m["pb"]["reason"] == valuation.NO_SHARES
    assert m["pe"]["value"] is not None  # P/E needs no share count


def test_dividend_yield_is_zero_for_a_year_without_dividends_and_missing_for_a_short_history():
    assert multiples(dividends=[])["dividend_yield"]["value"] == 0
    short = multiples(dividends=[], history_start=DAY - datetime.timedelta(days=100))
    assert short["dividend_yield"]["reason"] == valuation.SHORT_HISTORY


def test_rate_at_takes_the_latest_rate_within_a_week():
    rates = {"2026-11-25": 0.651, "2026-11-26": 0.652}
    assert valuation.rate_at(rates, "AUDUSD=X", DAY).rate == 0.652
    assert valuation.rate_at(rates, "AUDUSD=X", DAY + datetime.timedelta(days=10)) is None
