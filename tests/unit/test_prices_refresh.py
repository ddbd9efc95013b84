"""The prices refresh end to end: yfinance's real code against the fake Yahoo's chart endpoint,
into moto; then what pages, API and downloads show of it."""

import csv
import datetime
import io

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from yfinance.data import YfData

from companies import refresh as statements_refresh
from companies.market import refresh
from companies.market.services import exchange_rate_pk
from companies.models import DIVIDENDS_RECORD, Company, PriceSeries
from tests import factories
from tests.fakes import PRICES_THROUGH

TICKERS = ("BHP", "CBA", "RMD", "ANN", "GAP", "NOS", "APS")


@pytest.fixture
def fake(fake_yahoo):
    fake_yahoo.clear_faults()
    fake_yahoo.prices_through = PRICES_THROUGH
    YfData.cache_get.cache_clear()
    yield fake_yahoo
    fake_yahoo.clear_faults()
    fake_yahoo.prices_through = PRICES_THROUGH


@pytest.fixture
def market(moto_table, fake, yahoo):
    """The directory, BHP's statements (USD), and every company's first price refresh."""
    factories.load_directory(*((t, f"{t} LIMITED") for t in TICKERS))
    statements_refresh.company_refresh(ticker="BHP", client=yahoo)
    report = refresh.prices_refresh(
        tickers=list(TICKERS), limit=10, concurrency=2, budget_seconds=120, client=yahoo
    )
    cache.clear()
    return {outcome.ticker: outcome for outcome in report.outcomes}


def stored_bars(ticker: str) -> dict[str, list]:
    bars = {}
    for item in PriceSeries.query(ticker, PriceSeries.sk.startswith("PRICES#")):
        if item.sk[7:].isdigit():
            bars.update({bar[0]: bar for bar in item.bars})
    return bars


def test_first_refresh_stores_the_whole_history_raw_and_adjusted_apart(market, fake):
    assert market["BHP"].outcome == "ok"
    served = fake.price_series("BHP.AX")
    bars = stored_bars("BHP")
    assert len(bars) == len(served.bars)
    dividends_before = [d.day for d in served.dividends]
    for bar in served.bars[::97]:
        stored = bars[bar.day.isoformat()]
        assert stored[4] == (None if bar.close is None else pytest.approx(bar.close))
        assert stored[5] == (None if bar.adjclose is None else pytest.approx(bar.adjclose))
    early = next(b for b in served.bars if b.close is not None)
    assert bars[early.day.isoformat()][5] < bars[early.day.isoformat()][4]  # adjusted below traded
    holes = [day for day, bar in bars.items() if bar[4] is None]
    assert holes, "Yahoo's holes are kept as nulls, not dropped or zeroed"
    events = PriceSeries.get("BHP", DIVIDENDS_RECORD)
    assert [d[0] for d in events.dividends] == [d.isoformat() for d in dividends_before]
    company = Company.get("BHP", "COMPANY")
    assert company.prices_through == PRICES_THROUGH.isoformat()
    assert company.quote["date"] == PRICES_THROUGH.isoformat()


def test_split_is_stored_with_its_ratio(market):
    events = PriceSeries.get("RMD", DIVIDENDS_RECORD)
    assert events.splits == [["2021-05-17", 2.0]]


def test_incremental_refresh_asks_only_for_new_days_and_keeps_old_bars(market, fake, yahoo):
    before = stored_bars("GAP")
    fake.prices_through = datetime.date(2026, 12, 1)  # Monday and Tuesday trade
    fake.reset_counts()
    refresh.prices_refresh(tickers=["GAP"], limit=1, concurrency=1, budget_seconds=60, client=yahoo)
    after = stored_bars("GAP")
    assert fake.count(endpoint="chart", symbol="GAP.AX") == 1
    assert set(before) <= set(after)
    assert {"2026-11-30", "2026-12-01"} <= set(after)
    assert Company.get("GAP", "COMPANY").prices_through == "2026-12-01"


def test_new_dividend_refetches_the_adjusted_history(market, fake, yahoo):
    """ANN goes ex-dividend on 30 Nov 2026: every earlier adjusted close changes."""
    old = stored_bars("ANN")
    fake.prices_through = datetime.date(2026, 12, 1)
    fake.reset_counts()
    refresh.prices_refresh(tickers=["ANN"], limit=1, concurrency=1, budget_seconds=60, client=yahoo)
    assert fake.count(endpoint="chart", symbol="ANN.AX") == 2  # the new days, then everything
    served = {b.day.isoformat(): b for b in fake.price_series("ANN.AX").bars}
    new = stored_bars("ANN")
    day = "2024-03-15"
    assert new[day][5] == pytest.approx(served[day].adjclose)
    assert new[day][5] != pytest.approx(old[day][5])
    assert new[day][4] == pytest.approx(old[day][4])  # the traded close never changes
    assert ["2026-11-30", pytest.approx(served_dividend(fake, "ANN.AX", "2026-11-30"))] in [
        [d[0], d[1]] for d in PriceSeries.get("ANN", DIVIDENDS_RECORD).dividends
    ]


def served_dividend(fake, symbol, day):
    return next(d.amount for d in fake.price_series(symbol).dividends if d.day.isoformat() == day)


def test_usd_reporter_pe_is_converted_with_the_stated_rate(market, fake):
    company = Company.get("BHP", "COMPANY")
    pe = company.valuation["pe"]
    close = company.quote["price"]
    eps = next(i for i in pe["inputs"] if i["name"].startswith("Diluted EPS"))
    assert eps["currency"] == "USD" and company.quote["currency"] == "AUD"
    fx = pe["fx"]
    assert fx["pair"] == "AUDUSD=X" and fx["date"] == company.quote["date"]
    served = {b.day.isoformat(): b.close for b in fake.price_series("AUDUSD=X").bars}
    assert fx["rate"] == pytest.approx(served[fx["date"]])
    # by hand: EPS in A$ = EPS in US$ / (US$ per A$); P/E = close / that
    assert pe["value"] == pytest.approx(close / (eps["value"] / fx["rate"]))
    assert PriceSeries.get(exchange_rate_pk("AUDUSD=X"), f"PRICES#{PRICES_THROUGH.year}").bars


def test_exchange_rate_is_fetched_once_per_run(moto_table, fake, yahoo):
    factories.load_directory(("BHP", "BHP LIMITED"), ("RMD", "RESMED"))
    for ticker in ("BHP", "RMD"):
        statements_refresh.company_refresh(ticker=ticker, client=yahoo)
    fake.reset_counts()
    refresh.prices_refresh(
        tickers=["BHP", "RMD"], limit=2, concurrency=2, budget_seconds=60, client=yahoo
    )
    assert fake.count(endpoint="chart", symbol="AUDUSD=X") == 1


def test_429_mid_run_keeps_stored_prices_and_backs_off(market, fake, yahoo):
    before = stored_bars("CBA")
    fake.prices_through = datetime.date(2026, 12, 1)
    fake.set_fault("429", symbol="CBA.AX", endpoint="chart")
    report = refresh.prices_refresh(
        tickers=["CBA", "GAP"], limit=2, concurrency=1, budget_seconds=60, client=yahoo
    )
    outcomes = {o.ticker: o.outcome for o in report.outcomes}
    assert outcomes == {"CBA": "rate limited", "GAP": "ok"}
    assert stored_bars("CBA") == before
    company = Company.get("CBA", "COMPANY")
    assert company.prices_outcome == "rate limited" and company.prices_failures == 1
    assert company.prices_next_attempt > company.prices_last_attempt
    assert company.quote["date"] == PRICES_THROUGH.isoformat()  # the old quote stays


def test_unknown_symbol_has_no_price_and_shows_none(market, client):
    assert market["APS"].outcome == "no such symbol"
    payload = client.get("/api/companies/APS/").json()
    assert payload["quote"] is None
    body = client.get("/companies/APS/").content.decode()
    assert "data-quote" not in body and "A$0" not in body


def test_command_fails_only_when_nothing_refreshed(moto_table, fake, settings):
    factories.load_directory(("APS", "APS LIMITED"))
    settings.YAHOO_BASE_URL = fake.base_url
    with pytest.raises(CommandError, match="no prices could be refreshed"):
        call_command("refresh_prices", tickers="APS")


# --- what readers see -----------------------------------------------------------------------


def test_api_company_has_quote_and_valuation_with_inputs(market, client):
    payload = client.get("/api/companies/BHP/").json()
    quote = payload["quote"]
    assert set(quote) >= {
        "price",
        "currency",
        "date",
        "previous_close",
        "change_pct",
        "market_cap",
        "market_cap_basis",
        "shares_outstanding",
        "shares_source",
        "shares_date",
    }
    assert quote["market_cap"] == round(quote["price"] * quote["shares_outstanding"])
    assert set(payload["valuation"]) == {
        "pe",
        "pb",
        "ps",
        "ev_ebitda",
        "dividend_yield",
        "fcf_yield",
    }
    for entry in payload["valuation"].values():
        assert set(entry) == {"value", "formula", "inputs", "fx", "reason"}
    assert 0 < payload["valuation"]["dividend_yield"]["value"] < 0.2


@pytest.mark.parametrize(
    ("price_range", "interval"), [("1m", "1d"), ("1y", "1d"), ("5y", "1wk"), ("max", "1mo")]
)
def test_price_api_ranges(market, client, price_range, interval):
    payload = client.get(f"/api/companies/BHP/prices/?range={price_range}").json()
    assert payload["interval"] == interval and payload["currency"] == "AUD"
    prices = payload["prices"]
    dates = [p["date"] for p in prices]
    assert dates == sorted(dates) and dates[-1] <= PRICES_THROUGH.isoformat()
    assert set(prices[0]) == {"date", "open", "high", "low", "close", "adj_close", "volume"}
    if price_range == "1y":
        assert 245 <= len(prices) <= 260  # every daily bar of a year
    if price_range == "max":
        assert dates[0] < "2015-02-01"  # the whole history, monthly


def test_price_api_is_one_query_of_at_most_two_items(market, client):
    calls, counts = [], []
    connection = PriceSeries._get_connection().connection.client
    connection.meta.events.register(
        "before-call.dynamodb", lambda model, **kw: calls.append(model.name)
    )
    connection.meta.events.register(
        "after-call.dynamodb",
        lambda parsed, model, **kw: (
            counts.append(parsed.get("Count")) if model.name == "Query" else None
        ),
    )
    for price_range in ("1m", "6m", "1y", "5y", "max"):
        calls.clear(), counts.clear()
        client.get(f"/api/companies/BHP/prices/?range={price_range}")
        assert calls.count("Query") == 1 and counts[0] <= 2, price_range


def test_bad_range_is_a_400_naming_it(market, client):
    response = client.get("/api/companies/BHP/prices/?range=3y")
    assert response.status_code == 400 and "'range' must be one of" in response.json()["error"]
    assert client.get("/companies/BHP/prices.csv?range=3y").status_code == 400
    assert client.get("/api/companies/ZZZZ/prices/").status_code == 404


def test_dividends_api_and_csv(market, client):
    payload = client.get("/api/companies/BHP/dividends/").json()
    assert payload["franking"] is None and payload["currency"] == "AUD"
    exes = [d["ex_date"] for d in payload["dividends"]]
    assert exes == sorted(exes, reverse=True)
    year_ago = (PRICES_THROUGH - datetime.timedelta(days=365)).isoformat()
    expected = sum(d["amount"] for d in payload["dividends"] if d["ex_date"] > year_ago)
    assert payload["ttm_per_share"] == pytest.approx(expected)
    response = client.get("/companies/BHP/dividends.csv")
    assert 'filename="BHP-dividends-AUD.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["ex_date", "amount", "franking"]
    assert [row[0] for row in rows[1:]] == exes and {row[2] for row in rows[1:]} == {""}
    assert client.get("/api/companies/RMD/dividends/").json()["splits"] == [
        {"date": "2021-05-17", "ratio": 2.0}
    ]


def test_prices_csv_of_max_has_every_stored_day(market, client):
    response = client.get("/companies/BHP/prices.csv?range=max")
    assert 'filename="BHP-prices-max-AUD.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["date", "open", "high", "low", "close", "adj_close", "volume"]
    assert len(rows) - 1 == len(stored_bars("BHP"))
    hole = next(row for row in rows[1:] if row[4] == "")
    assert hole[1:] == ["", "", "", "", "", ""]


def test_company_page_shows_price_market_cap_basis_and_valuation(market, client):
    body = client.get("/companies/BHP/").content.decode()
    assert "data-quote" in body and "last close" in body
    assert "= last close ×" in body and "shares, 27 Nov 2026" in body
    assert 'data-valuation="pe"' in body and "AUDUSD=X" in body
    assert 'id="chart-price"' in body and 'id="price-data"' in body
    assert "Franking" in body and "Dividends and splits" in body
    # a range switch works without JavaScript
    weekly = client.get("/companies/BHP/?range=5y").content.decode()
    assert "weekly" in weekly and 'aria-current="page">5Y</a>' in weekly
    assert client.get("/companies/BHP/?range=2w").status_code == 400


def test_loss_maker_pe_reads_n_m(moto_table, client):
    factories.load_directory(("LSS", "LOSS LIMITED"))
    company = Company.get("LSS", "COMPANY")
    company.update(
        actions=[
            Company.quote.set({"price": 1.0, "currency": "AUD", "date": "2026-11-27"}),
            Company.valuation.set(
                {
                    "pe": {
                        "value": None,
                        "formula": "Last close ÷ diluted EPS",
                        "inputs": [],
                        "fx": None,
                        "reason": "negative earnings",
                    }
                }
            ),
        ]
    )
    body = client.get("/companies/LSS/").content.decode()
    assert "n/m (loss)" in body


def test_listing_uses_the_price_based_market_cap_and_says_so(market, client):
    company = Company.get("BHP", "COMPANY")
    body = client.get("/companies/?sort=market_cap&order=desc&size=100").content.decode()
    assert (
        'data-cap-source="price"' in body and "last close × shares outstanding, 27 Nov 2026" in body
    )
    rows = client.get("/api/companies/?sort=market_cap&order=desc&size=100").json()["results"]
    bhp = next(row for row in rows if row["ticker"] == "BHP")
    assert bhp["market_cap"] == int(company.price_market_cap)
    assert bhp["market_cap_source"] == "price" and bhp["market_cap_date"] == "2026-11-27"
    caps = [row["market_cap"] or 0 for row in rows]
    assert caps == sorted(caps, reverse=True)


def test_directory_reload_keeps_the_price_based_order(market, client):
    factories.load_directory(*((t, f"{t} LIMITED") for t in TICKERS))
    company = Company.get("BHP", "COMPANY")
    assert company.by_market_cap.startswith(f"1{int(company.price_market_cap):016d}")
