"""The prices refresh: each trading day after the ASX close, every listed company's new daily
bars, dividends and splits, its quote and valuation, and the exchange rates they need.

It shares the process's one Yahoo client (one rate limit and one 429 pause for every thread,
statements included) and the statements refresh's outcomes and backoff: a company whose fetch
fails keeps its stored prices, records the outcome and waits its turn again, doubling.
Fetching is incremental: after the first full history, only the days since the newest stored
bar (less OVERLAP_DAYS, reconciled), and the whole history again when a new dividend or split
has changed Yahoo's adjusted closes of every earlier day.

Imports yfinance and pandas (through scraping.yahoo): never import this on the web path.
"""

import datetime
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from pynamodb.exceptions import PynamoDBException

from companies import selectors
from companies import services as company_services
from companies.market import services, valuation
from companies.models import REFRESH_OK, Company
from companies.refresh import (
    NOT_IN_DIRECTORY,
    TAKEN,
    UNEXPECTED_ERROR,
    CompanyOutcome,
    RefreshReport,
    backoff,
    refresh_run,
    yahoo_client,
)
from companies.screening import services as screening
from scraping import errors
from scraping.yahoo import YahooClient, exchange_rate_symbol

log = logging.getLogger("companies.market.refresh")

OVERLAP_DAYS = 5  # re-asked days before the newest stored bar: Yahoo corrects recent bars
RATES_LOOKBACK = datetime.timedelta(days=400)
PRICE_CURRENCY = "AUD"  # what the ASX trades in, when Yahoo's answer does not say


def next_prices_due(now: datetime.datetime) -> datetime.datetime:
    """The next weekday at PRICES_REFRESH_HOUR_UTC after `now` (after the ASX close)."""
    due = now.astimezone(datetime.UTC).replace(
        hour=settings.PRICES_REFRESH_HOUR_UTC, minute=0, second=0, microsecond=0
    )
    if due <= now:
        due += datetime.timedelta(days=1)
    while due.weekday() >= 5:
        due += datetime.timedelta(days=1)
    return due


class ExchangeRates:
    """Exchange rates for one run: each pair fetched from Yahoo once (the days since its newest
    stored rate), stored like a price, and kept in memory for every company that needs it."""

    def __init__(self, *, client: YahooClient, now: datetime.datetime):
        self.client = client
        self.now = now
        self._rates: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def rates(self, base: str, quote: str) -> tuple[str, dict[str, float]]:
        """(Yahoo's symbol, {ISO date: quote per one base}); the stored rates alone when Yahoo
        fails, and none when there are none."""
        pair = exchange_rate_symbol(base, quote)
        with self._lock:
            if pair not in self._rates:
                self._rates[pair] = self._refresh(base, quote, pair)
            return pair, self._rates[pair]

    def _refresh(self, base: str, quote: str, pair: str) -> dict[str, float]:
        stored = services.recent_rates(pair=pair, since=self.now.date() - RATES_LOOKBACK)
        since = (
            datetime.date.fromisoformat(max(stored)) - datetime.timedelta(days=OVERLAP_DAYS)
            if stored
            else None
        )
        try:
            history = self.client.fetch_exchange_rate(base, quote, since=since)
        except errors.YahooError as error:
            log.warning(
                "exchange_rate pair=%s outcome=%r detail=%r", pair, error.outcome, str(error)
            )
            return stored
        services.prices_store(
            pk=services.exchange_rate_pk(pair), history=history, fetched_at=self.now
        )
        fetched = {bar[0]: bar[services.CLOSE] for bar in history.bars if bar[services.CLOSE]}
        log.info("exchange_rate pair=%s days=%d", pair, len(fetched))
        return stored | fetched


def _share_base(company, tables) -> tuple[int, str, datetime.date] | None:
    """Yahoo's shares outstanding (as of the last profile fetch), else the latest balance
    sheet's ordinary shares (at its period end)."""
    profile = company.profile or {}
    shares = profile.get("shares_outstanding")
    if shares and company.last_updated:
        return int(shares), "Yahoo's shares outstanding", company.last_updated.date()
    position = valuation.reported_position(
        tables, "OrdinarySharesNumber", "ShareIssued", name="Ordinary shares"
    )
    if position and position.value > 0:
        return int(position.value), "ordinary shares, latest balance sheet", position.period_end
    return None


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def company_prices_refresh(
    *, ticker: str, client: YahooClient, rates: ExchangeRates, claim: bool = False
) -> CompanyOutcome:
    """Fetch one company's new prices, store them, and record its quote and valuation; never
    raises for a Yahoo failure. With `claim` (a run from the queue) the company is first taken
    from the prices queue, and not fetched at all (TAKEN) when it is no longer due."""
    started = time.monotonic()
    company = selectors.company_get(ticker=ticker)
    if company is None:
        return CompanyOutcome(ticker, NOT_IN_DIRECTORY)
    attempted_at = _now()
    if claim and not company_services.company_queue_claim(
        ticker=ticker,
        queue=Company.by_prices_due,
        now=attempted_at,
        until=attempted_at + datetime.timedelta(seconds=settings.REFRESH_CLAIM_SECONDS),
    ):
        return CompanyOutcome(ticker, TAKEN)
    since = (
        datetime.date.fromisoformat(company.prices_through) - datetime.timedelta(days=OVERLAP_DAYS)
        if company.prices_through
        else None
    )
    try:
        history = client.fetch_prices(ticker, since=since)
        stored = services.prices_store(pk=ticker, history=history, fetched_at=attempted_at)
        if stored.new_events:  # every earlier adjusted close has changed: fetch them all again
            history = client.fetch_prices(ticker, since=None)
            stored = services.prices_store(pk=ticker, history=history, fetched_at=attempted_at)
    except errors.YahooError as error:
        failures = int(company.prices_failures or 0) + 1
        services.company_prices_failed(
            ticker=ticker,
            outcome=error.outcome,
            detail=str(error),
            attempted_at=attempted_at,
            next_attempt=attempted_at + backoff(error, failures),
            failure_count=failures,
        )
        return CompanyOutcome(
            ticker, error.outcome, time.monotonic() - started, detail=str(error)[:200]
        )

    company_prices_record(
        company=company,
        stored=stored,
        currency=history.currency or PRICE_CURRENCY,
        rates=rates,
        attempted_at=attempted_at,
    )
    return CompanyOutcome(
        ticker, REFRESH_OK, time.monotonic() - started, periods=stored.items_written
    )


def company_prices_record(
    *,
    company,
    stored: services.StoredPrices,
    currency: str,
    rates: ExchangeRates | None,
    attempted_at: datetime.datetime,
) -> None:
    """Work out the quote and valuation from stored prices and statements (one Query) and
    record them, with the refresh's success, on the company item. `rates` may be None only
    when the statements are in the price currency."""
    tables = selectors.company_statement_tables(
        ticker=company.ticker, period_types=("annual", "quarterly", "ttm")
    )
    closes = [valuation.Close(datetime.date.fromisoformat(d), c) for d, c in stored.closes]
    quote = valuation.quote(closes=closes, currency=currency, shares=_share_base(company, tables))
    statement_currency = company.financial_currency
    rate = None
    if quote and rates and statement_currency and statement_currency != currency:
        pair, known = rates.rates(currency, statement_currency)
        rate = valuation.rate_at(known, pair, closes[0].day)
    multiples = valuation.valuation(
        quote=quote,
        tables=tables,
        statement_currency=statement_currency,
        rate=rate,
        dividends=stored.dividends,
        history_start=datetime.date.fromisoformat(stored.first) if stored.first else None,
    )
    # the screener's snapshot first: if it fails, the prices stay due and are tried again
    screening.company_prices_snapshot_store(
        company=company, quote=quote, valuation=multiples, tables=tables
    )
    services.company_quote_store(
        ticker=company.ticker,
        quote=quote,
        valuation=multiples,
        dividends=stored.dividends,
        splits=stored.splits,
        through=stored.through,
        attempted_at=attempted_at,
        next_attempt=next_prices_due(attempted_at),
    )


def _record_unexpected(ticker: str, exc: Exception) -> None:
    company = selectors.company_get(ticker=ticker)
    if company is None:
        return
    failures = int(company.prices_failures or 0) + 1
    now = _now()
    try:
        services.company_prices_failed(
            ticker=ticker,
            outcome=UNEXPECTED_ERROR,
            detail=repr(exc),
            attempted_at=now,
            next_attempt=now + backoff(errors.MalformedPayload(""), failures),
            failure_count=failures,
        )
    except PynamoDBException:
        log.exception("prices ticker=%s could not record the failure", ticker)


def prices_refresh(
    *,
    tickers: list[str] | None = None,
    limit: int,
    concurrency: int,
    budget_seconds: float,
    client: YahooClient | None = None,
    progress: Callable[[int], Callable[[], None]] | None = None,
) -> RefreshReport:
    """Refresh the prices of `tickers`, or else of the `limit` companies most overdue,
    `concurrency` at a time, starting none once less than REFRESH_COMPANY_SECONDS of the
    budget is left (those are DEFERRED and stay due)."""
    client = client or yahoo_client()
    now = _now()
    claim = tickers is None
    rates = ExchangeRates(client=client, now=now)
    return refresh_run(
        tickers=tickers
        if tickers is not None
        else (lambda: selectors.companies_prices_due(now=now, limit=limit)),
        refresh_one=lambda ticker: company_prices_refresh(
            ticker=ticker, client=client, rates=rates, claim=claim
        ),
        record_unexpected=_record_unexpected,
        concurrency=concurrency,
        budget_seconds=budget_seconds,
        progress=progress,
        what="prices",
    )
