"""The screener over the real 2,109-company directory on the real DynamoDB Local: snapshots as
the three jobs write them (directory load, fundamentals refresh, prices refresh), read with one
paginated Query; screens checked against a plain evaluation over the stored figures."""

import datetime
import math
from concurrent.futures import ThreadPoolExecutor

import pytest

from companies import models, services
from companies.market import refresh as prices_refresh
from companies.market import services as market_services
from companies.models import LISTED, Company
from companies.screening import selectors as screening_selectors
from companies.screening import services as screening_services
from companies.screening.metrics import METRICS
from scraping.normalize import PriceHistory
from tests.directories import full_directory
from tests.fakes import company_series, fx_series, generated_company
from tests.unit.test_screener import SCREENS, known, plain_figures

pytestmark = pytest.mark.integration

NOW = datetime.datetime(2026, 11, 27, 8, 0, tzinfo=datetime.UTC)
STATEMENTS_EVERY = 5  # every fifth company has statements (a few report in USD)
PRICES_EVERY = 10  # every tenth has a price and multiples too
PRICE_ONLY_EVERY = 97  # and a few have a price but no statements


def fundamentals_of(company):
    """A fake company's statements as the fundamentals refresh stores them: the frames yfinance
    builds from the fake Yahoo's timeseries, through scraping.normalize, without HTTP (the
    refresh itself is tests/unit/test_refresh.py's subject)."""
    import pandas as pd
    from yfinance.const import fundamentals_keys

    from scraping.normalize import company_fundamentals

    frames = {}
    for statement, keys in (
        ("income", fundamentals_keys["financials"]),
        ("balance", fundamentals_keys["balance-sheet"]),
        ("cashflow", fundamentals_keys["cash-flow"]),
    ):
        for period_type, prefix in (
            ("annual", "annual"),
            ("quarterly", "quarterly"),
            ("ttm", "trailing"),
        ):
            found = {
                key: company.points[prefix + key] for key in keys if prefix + key in company.points
            }
            ends = sorted({end for values in found.values() for end in values}, reverse=True)
            if period_type == "ttm":
                ends = ends[:1]
            frames[statement, period_type] = pd.DataFrame(
                {
                    pd.Timestamp(end): {key: values.get(end) for key, values in found.items()}
                    for end in ends
                },
                dtype="float64",
            )
    return company_fundamentals(company.symbol, company.profile, frames)


class StoredExchangeRates:
    """What the prices refresh's ExchangeRates gives, read from the rates stored here (the
    exchange-rate fetch is tests/unit/test_prices_refresh.py's subject)."""

    def rates(self, base: str, quote: str):
        pair = f"{base}{quote}=X"
        return pair, market_services.recent_rates(pair=pair, since=datetime.date(2024, 1, 1))


def history_of(series, symbol: str) -> PriceHistory:
    return PriceHistory(
        symbol=symbol,
        currency=series.currency,
        bars=[
            [b.day.isoformat(), b.open, b.high, b.low, b.close, b.adjclose, b.volume]
            for b in series.bars
        ],
        dividends=[[d.day.isoformat(), d.amount] for d in series.dividends],
        splits=[[s.day.isoformat(), s.numerator / s.denominator] for s in series.splits],
    )


def price_record(ticker: str, rates) -> None:
    """The prices refresh's record of a company (quote, valuation, and the snapshot's prices
    part) from its fake daily series, without storing every bar."""
    series = company_series(generated_company(f"{ticker}.AX"))
    closes = [(b.day.isoformat(), b.close) for b in reversed(series.bars) if b.close][:5]
    stored = market_services.StoredPrices(
        through=closes[0][0],
        first=series.bars[0].day.isoformat(),
        closes=closes,
        dividends=[[d.day.isoformat(), d.amount] for d in series.dividends],
        splits=[[s.day.isoformat(), s.numerator / s.denominator] for s in series.splits],
        new_events=False,
        items_written=0,
    )
    prices_refresh.company_prices_record(
        company=Company.get(ticker, "COMPANY"),
        stored=stored,
        currency=series.currency or "AUD",
        rates=rates,
        attempted_at=NOW,
    )


@pytest.fixture(scope="module")
def market(dynamodb_local_url):
    models.bind_table(table_name="asxdb-screener", host=dynamodb_local_url)
    if models.Company.exists():
        models.Company.delete_table()
    services.table_create(wait=True)
    directory = full_directory()
    services.directory_load(directory=directory)
    market_services.prices_store(
        pk=market_services.exchange_rate_pk("AUDUSD=X"),
        history=history_of(fx_series("AUDUSD=X"), "AUDUSD=X"),
        fetched_at=NOW,
    )
    tickers = sorted(row.ticker for row in directory.rows)
    with_statements = tickers[::STATEMENTS_EVERY]

    def store(ticker):
        services.company_fundamentals_store(
            ticker=ticker,
            fundamentals=fundamentals_of(generated_company(f"{ticker}.AX")),
            fetched_at=NOW,
            next_attempt=NOW + datetime.timedelta(days=1),
        )

    rates = StoredExchangeRates()
    priced = tickers[::PRICES_EVERY] + tickers[3::PRICE_ONLY_EVERY]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(store, with_statements))
        list(pool.map(lambda ticker: price_record(ticker, rates), priced))
    screening_selectors.forget_snapshots()
    yield {"directory": directory, "tickers": tickers, "statements": set(with_statements)}
    screening_selectors.forget_snapshots()
    models.Company.delete_table()


@pytest.fixture(scope="module")
def figures(market):
    """Every listed company's metrics, worked out from the stored items (plain_figures)."""
    listed = [c.ticker for c in Company.ticker_index.query(LISTED)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(listed, pool.map(plain_figures, listed), strict=True))


@pytest.fixture(autouse=True)
def _fresh_snapshots():
    screening_selectors.forget_snapshots()
    yield


class Meter:
    """DynamoDB calls by operation and the read units they consumed (DynamoDB Local reports
    ConsumedCapacity, which PynamoDB asks for on every call)."""

    def __init__(self):
        self.calls, self.units = [], 0.0
        client = Company._get_connection().connection.client
        client.meta.events.register("provide-client-params.dynamodb", self._params)
        client.meta.events.register("after-call.dynamodb", self._after)

    def _params(self, model, params, **kwargs):
        self.calls.append((model.name, params.get("IndexName")))

    def _after(self, parsed, **kwargs):
        self.units += (parsed.get("ConsumedCapacity") or {}).get("CapacityUnits", 0.0)


def screened(client, q: str, **params) -> list[dict]:
    results, cursor = [], None
    while True:
        query = {"q": q, "size": 100, **params, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/screener/", query)
        assert response.status_code == 200, response.json()
        payload = response.json()
        results += payload["results"]
        cursor = payload["next"]
        if cursor is None:
            assert payload["count"] == len(results)
            return results


def test_a_cold_read_of_every_snapshot_is_one_paginated_query_within_150_read_units(market):
    meter = Meter()
    rows = screening_selectors.screen_snapshots()
    assert len(rows) == len(market["tickers"])  # 2,109: every listed company
    assert {name for name, _ in meter.calls} == {"Query"}
    assert {index for _, index in meter.calls} == {"by-screen"}
    assert meter.units <= 150, f"{meter.units} read units"
    with_figures = [row for row in rows if row.values["revenue_growth"] is not None]
    assert len(with_figures) >= len(market["statements"]) * 0.8


def test_snapshots_hold_the_stored_figures(market, figures):
    rows = {row.ticker: row for row in screening_selectors.screen_snapshots()}
    checked = 0
    for ticker in market["tickers"][:: STATEMENTS_EVERY * 3] + market["tickers"][3::97]:
        expected = figures[ticker]
        for name in METRICS:
            want, got = expected[name], rows[ticker].values[name]
            if isinstance(want, float):
                assert got == pytest.approx(want, rel=1e-5, abs=0.5 if abs(want) > 1e4 else 0)
            else:
                assert got == want, (ticker, name)
            checked += want is not None
    assert checked > 1000
    usd = [t for t in market["statements"] if figures[t]["financial_currency"] == "USD"]
    assert usd and all(rows[t].fx_rate and rows[t].values["revenue"] for t in usd)


def thresholds(q: str) -> list[tuple[str, float]]:
    """The (metric, number) comparisons of a screen, to tell a figure that sits on one."""
    from companies.screening.expression import Comparison, parse

    found, stack = [], [parse(q).root]
    while stack:
        node = stack.pop()
        if isinstance(node, Comparison) and isinstance(node.value, float):
            found.append((node.metric.name, node.value))
        stack += [getattr(node, "part", None), *getattr(node, "parts", ())]
        stack = [n for n in stack if n is not None]
    return found


MORE_SCREENS = {
    'industry_group in ("Banks", "Insurance", "diversified financials") and market_cap > 500m': (
        lambda f: (
            f["industry_group"] in ("Banks", "Insurance", "Diversified Financials")
            and known(f["market_cap"])
            and f["market_cap"] > 500e6
        )
    ),
    'industry_group not in ("Materials", "Energy") and not revenue_growth < 5%': lambda f: (
        known(f["industry_group"], f["revenue_growth"])
        and f["industry_group"] not in ("Materials", "Energy")
        and not f["revenue_growth"] < 0.05
    ),
    "market_cap >= 0.25t or market_cap < 2500k": lambda f: (
        known(f["market_cap"]) and (f["market_cap"] >= 0.25e12 or f["market_cap"] < 2.5e6)
    ),
    "listing_date >= 2021-01-01 and listing_date < 2022-01-01": lambda f: (
        known(f["listing_date"]) and "2021-01-01" <= f["listing_date"] < "2022-01-01"
    ),
    "not (roe > 23% and operating_margin > 29%)": lambda f: (
        (known(f["roe"]) and not f["roe"] > 0.23)
        or (known(f["operating_margin"]) and not f["operating_margin"] > 0.29)
    ),
    "(pb < 3 or ps < 2) and (fcf_yield > 2% or ev_ebitda < 12)": lambda f: (
        ((known(f["pb"]) and f["pb"] < 3) or (known(f["ps"]) and f["ps"] < 2))
        and (
            (known(f["fcf_yield"]) and f["fcf_yield"] > 0.02)
            or (known(f["ev_ebitda"]) and f["ev_ebitda"] < 12)
        )
    ),
    'financial_currency = "usd" and revenue > 0': lambda f: (
        f["financial_currency"] == "USD" and known(f["revenue"]) and f["revenue"] > 0
    ),
}


@pytest.mark.parametrize("q", [*SCREENS, *MORE_SCREENS])
def test_a_screen_lists_what_a_plain_evaluation_lists(market, figures, client, q):
    plain = {**SCREENS, **MORE_SCREENS}[q]
    on_the_line = {
        ticker
        for ticker, f in figures.items()
        for name, number in thresholds(q)
        if f[name] is not None and math.isclose(f[name], number, rel_tol=1e-5, abs_tol=1e-9)
    }
    assert len(on_the_line) <= 2
    expected = {t for t, f in figures.items() if plain(f)} - on_the_line
    got = {row["ticker"] for row in screened(client, q)} - on_the_line
    assert got == expected
    assert expected, "a screen that lists nothing proves little"


# (a plain negation would list every company whose figure is unknown)
def test_not_never_lists_a_company_without_the_figure(market, figures, client):
    without_pe = {t for t, f in figures.items() if f["pe"] is None}
    listed = {row["ticker"] for row in screened(client, "not pe < 10")}
    assert without_pe and not (listed & without_pe)
    assert listed == {t for t, f in figures.items() if f["pe"] is not None and f["pe"] >= 10}


@pytest.mark.parametrize("sort", ["pe", "revenue", "dividend_yield", "name", "industry_group"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_the_whole_market_sorts_with_missing_last_and_ties_by_ticker(market, client, sort, order):
    rows = screened(
        client, "market_cap > 0 or market_cap <= 0 or revenue > 0", sort=sort, order=order
    )

    def key(row):
        value = row[sort] if sort != "name" else row["name"]
        return value.casefold() if isinstance(value, str) else value

    present = [row for row in rows if key(row) is not None]
    missing = [row for row in rows if key(row) is None]
    assert rows == present + missing
    values = [key(row) for row in present]
    assert values == sorted(values, reverse=order == "desc")
    for before, after in zip(present, present[1:], strict=False):
        if key(before) == key(after):
            assert before["ticker"] < after["ticker"]
    assert [row["ticker"] for row in missing] == sorted(row["ticker"] for row in missing)


@pytest.mark.parametrize(
    "q, error, position",
    [
        ("market_cap > 1b and pe > abc", "at 26: expected a number after '>'", 26),
        ("foo > 1", "at 1: unknown metric 'foo'; see /api/metrics/", 1),
        ('industry_group > "Banks"', "at 16: 'industry_group' is text", 16),
        ("(pe > 1 and pb < 2", "at 19: expected ')' to close the '(' at 1", 19),
        ("pe > 1)", "at 7: ')' has no '(' to close", 7),
        ("pe > 15x", "at 6: '15x' is not a number", 6),
    ],
)
def test_mistakes_are_400s_that_say_where(market, client, q, error, position):
    response = client.get("/api/screener/", {"q": q})
    assert response.status_code == 400
    assert response.json()["error"].startswith(error) and response.json()["position"] == position
    page = client.get("/screener/", {"q": q})
    assert page.status_code == 400


def test_reloading_the_same_directory_writes_no_snapshot(market):
    meter = Meter()
    services.directory_load(directory=market["directory"])
    assert [name for name, _ in meter.calls if name in ("UpdateItem", "BatchWriteItem")] == []
    report = screening_services.snapshots_rebuild(tickers=market["tickers"][:40], dry_run=True)
    assert report.written == 0 and report.unchanged == 40 and not report.failed
