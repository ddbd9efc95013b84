"""Every read a comparison makes: each company's directory entry (with its stored quote and
valuation) and its annual, half-year and trailing statements, read as the company page reads
them; and, for money in A$, the stored exchange rates of the currencies the companies report in.

A comparison of N companies is N GetItems and N Queries, all side by side, plus one Query per
foreign reporting currency when converting into A$. The reads are kept in process memory for
LISTING_CACHE_SECONDS under the sorted tickers and the currency (and the comparison worked out
from them under the tickers in their order), and each company's reads for
COMPANY_CACHE_SECONDS, so adding a company to a comparison reads only that company.
"""

import datetime
import re
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.cache import cache

from companies import selectors
from companies.comparing.figures import (
    AUD,
    CompanyReads,
    Comparison,
    ComparisonReads,
    comparison_build,
    exchange_rate_pair,
    reporting_currency,
)
from companies.market.services import exchange_rate_pk, year_record
from companies.market.valuation import FX_STALE_DAYS
from companies.models import PriceSeries

# The annual and trailing figures, and the half-year balance sheet at the trailing period's
# end: the three period types are one key range, so this is one Query either way.
PERIOD_TYPES = ("annual", "quarterly", "ttm")
CLOSE = 4  # a bar's close: [date, open, high, low, close, adj_close, volume]
_CURRENCY = re.compile(r"[A-Z]{3}")

_readers = ThreadPoolExecutor(max_workers=6, thread_name_prefix="compare-read")


def _period_ends(reads: CompanyReads) -> list[datetime.date]:
    return [
        period.end
        for by_statement in reads.tables.values()
        for table in by_statement.values()
        for period in table.periods
    ]


def exchange_rates_read(
    *, currency: str, first: datetime.date, last: datetime.date
) -> dict[str, float]:
    """{ISO date: units of `currency` per A$} for the days from `first` (less FX_STALE_DAYS, so
    that a period ending on a weekend finds the Friday before) to `last`: one Query of the
    stored years of `#FX#AUD<currency>`; {} when none is stored."""
    since = first - datetime.timedelta(days=FX_STALE_DAYS)
    pk = exchange_rate_pk(exchange_rate_pair(currency))
    rates: dict[str, float] = {}
    for item in PriceSeries.query(
        pk, PriceSeries.sk.between(year_record(since.year), year_record(last.year))
    ):
        for bar in item.bars or []:
            if since.isoformat() <= bar[0] <= last.isoformat() and bar[CLOSE]:
                rates[bar[0]] = bar[CLOSE]
    return rates


def _company_read(ticker: str) -> CompanyReads:
    reads = selectors.company_with_statements(ticker=ticker, period_types=PERIOD_TYPES)
    return CompanyReads(company=reads.company, tables=reads.tables)


def comparison_read(*, tickers: list[str], converted: bool) -> ComparisonReads:
    """Each company's entry and statements (see the module docstring), and with `converted`
    the exchange rates over the period ends of every company reporting in another currency
    than A$. Tickers are those of the directory; an entry missing since is `company=None`."""
    cache_key = f"compare:{','.join(sorted(tickers))}:{AUD if converted else 'reported'}"
    found = cache.get(cache_key)
    if found is not None:
        return found
    reads = dict(zip(tickers, _readers.map(_company_read, tickers), strict=True))
    rates: dict[str, dict[str, float]] = {}
    if converted:
        spans: dict[str, list[datetime.date]] = {}
        for company in reads.values():
            currency = reporting_currency(company)
            ends = _period_ends(company)
            if currency and currency != AUD and _CURRENCY.fullmatch(currency) and ends:
                spans.setdefault(currency, []).extend(ends)
        futures = {
            currency: _readers.submit(
                exchange_rates_read, currency=currency, first=min(ends), last=max(ends)
            )
            for currency, ends in spans.items()
        }
        rates = {currency: future.result() for currency, future in futures.items()}
    found = ComparisonReads(companies=reads, rates=rates)
    cache.set(cache_key, found, settings.LISTING_CACHE_SECONDS)
    return found


def comparison_get(*, tickers: list[str], currency: str) -> Comparison:
    """The comparison of `tickers` in that order, worked out (figures.comparison_build) from
    comparison_read; kept, like the reads, for LISTING_CACHE_SECONDS."""
    cache_key = f"compare-built:{','.join(tickers)}:{currency}"
    found = cache.get(cache_key)
    if found is None:
        reads = comparison_read(tickers=tickers, converted=currency == AUD)
        found = comparison_build(tickers=tickers, reads=reads, currency=currency)
        cache.set(cache_key, found, settings.LISTING_CACHE_SECONDS)
    return found
