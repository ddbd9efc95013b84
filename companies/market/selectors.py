"""Every read of market data the web path makes: a company's prices over a chart range, and its
dividends and splits. A range is one Query of at most two items, or those items by key
(`price_records`) in the company page's BatchGetItem."""

import datetime
from collections.abc import Iterable
from typing import NamedTuple

from companies.models import (
    DIVIDENDS_RECORD,
    MONTHLY_RECORD,
    PRICES_RECORD,
    WEEKLY_BLOCK_YEARS,
    PriceSeries,
    weekly_record,
)


class PriceRange(NamedTuple):
    key: str  # what the URL says: 1m, 6m, 1y, 5y, max
    title: str
    days: int | None  # how far back from the newest bar; None: everything
    interval: str  # "1d", or the compact series it reads: "1wk", "1mo"


PRICE_RANGES = {
    r.key: r
    for r in (
        PriceRange("1m", "1M", 31, "1d"),
        PriceRange("6m", "6M", 183, "1d"),
        PriceRange("1y", "1Y", 366, "1d"),
        # at most five years, so that the weeks lie in at most two five-year blocks
        PriceRange("5y", "5Y", 5 * 365, "1wk"),
        PriceRange("max", "Max", None, "1mo"),
    )
}
DEFAULT_RANGE = "1y"
BAR_FIELDS = ("date", "open", "high", "low", "close", "adj_close", "volume")


class Prices(NamedTuple):
    ticker: str
    range: PriceRange
    interval: str
    currency: str | None
    bars: list[list]  # [date, open, high, low, close, adj_close, volume], oldest first

    @property
    def newest(self) -> str | None:
        return self.bars[-1][0] if self.bars else None


def _year(record: str) -> int:
    return int(record.rsplit("#", 1)[1])


def _start(price_range: PriceRange, today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=price_range.days or 0)


def price_records(*, price_range: PriceRange, today: datetime.date) -> list[str]:
    """The sort keys of the items `price_range` reads up to `today`, oldest first: the years of
    its daily bars, its weekly blocks, or the monthly series. At most two."""
    start = _start(price_range, today)
    if price_range.interval == "1d":
        return [f"{PRICES_RECORD}#{year:04d}" for year in range(start.year, today.year + 1)]
    if price_range.interval == "1wk":
        first = start.year - start.year % WEEKLY_BLOCK_YEARS
        return [weekly_record(y) for y in range(first, today.year + 1, WEEKLY_BLOCK_YEARS)]
    return [MONTHLY_RECORD]


def company_prices(
    *, ticker: str, price_range: PriceRange, today: datetime.date, every_day: bool = False
) -> Prices:
    """The bars of `price_range` up to the newest stored bar, oldest first: daily bars for the
    short ranges (the years they span), the weekly blocks for 5y, the monthly series for max,
    or with `every_day` every stored daily bar (a download of the whole history). `today`
    bounds which items are read. One Query, of at most two items unless `every_day`."""
    if every_day:
        low, high = f"{PRICES_RECORD}#0001", f"{PRICES_RECORD}#{today.year:04d}"
    else:
        records = price_records(price_range=price_range, today=today)
        low, high = records[0], records[-1]
    items = PriceSeries.query(ticker, PriceSeries.sk.between(low, high))
    return prices_from_items(
        ticker=ticker, price_range=price_range, items=items, every_day=every_day
    )


def prices_from_items(
    *,
    ticker: str,
    price_range: PriceRange,
    items: Iterable[PriceSeries],
    every_day: bool = False,
) -> Prices:
    """The Prices of `price_range` from the stored items it reads (in any order; none when the
    company has no prices yet)."""
    interval = "1d" if every_day else price_range.interval
    by_day: dict[str, list] = {}
    currency = None
    for item in sorted(items, key=lambda item: item.sk):
        by_day.update({bar[0]: bar for bar in item.bars or []})
        currency = currency or item.currency
    bars = [by_day[day] for day in sorted(by_day)]
    if interval == "1wk":
        bars = _last_of_each_week(bars)  # a week across two blocks has a bar in each
    if bars and price_range.days is not None and not every_day:
        newest = datetime.date.fromisoformat(bars[-1][0])
        first = (newest - datetime.timedelta(days=price_range.days)).isoformat()
        bars = [bar for bar in bars if bar[0] > first]
    return Prices(ticker=ticker, range=price_range, interval=interval, currency=currency, bars=bars)


def _last_of_each_week(bars: list[list]) -> list[list]:
    weeks: dict[tuple[int, int], list] = {}
    for bar in bars:
        iso = datetime.date.fromisoformat(bar[0]).isocalendar()
        weeks[(iso.year, iso.week)] = bar
    return sorted(weeks.values())


def company_dividends(*, ticker: str) -> PriceSeries | None:
    """The dividends and splits item, or None when none is stored. One GetItem."""
    try:
        return PriceSeries.get(ticker, DIVIDENDS_RECORD)
    except PriceSeries.DoesNotExist:
        return None
