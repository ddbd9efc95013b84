"""Every read of market data the web path makes: a company's prices over a chart range, and its
dividends and splits. A range is one Query of at most two items for the API (a page adds the
dividends item to the same Query)."""

import datetime
from dataclasses import dataclass

from companies.models import (
    DIVIDENDS_RECORD,
    MONTHLY_RECORD,
    PRICES_RECORD,
    WEEKLY_RECORD,
    PriceSeries,
)


@dataclass(frozen=True)
class PriceRange:
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
        PriceRange("5y", "5Y", 5 * 366, "1wk"),
        PriceRange("max", "Max", None, "1mo"),
    )
}
DEFAULT_RANGE = "1y"
COMPACT_RECORDS = {"1wk": WEEKLY_RECORD, "1mo": MONTHLY_RECORD}
BAR_FIELDS = ("date", "open", "high", "low", "close", "adj_close", "volume")


@dataclass(frozen=True)
class Prices:
    ticker: str
    range: PriceRange
    interval: str
    currency: str | None
    bars: list[list]  # [date, open, high, low, close, adj_close, volume], oldest first
    dividends: list[list] | None  # [[ex-date, amount]] oldest first; None when not read
    splits: list[list] | None

    @property
    def newest(self) -> str | None:
        return self.bars[-1][0] if self.bars else None


def _year(record: str) -> int:
    return int(record.rsplit("#", 1)[1])


def company_prices(
    *,
    ticker: str,
    price_range: PriceRange,
    today: datetime.date,
    with_events: bool = False,
    every_day: bool = False,
) -> Prices:
    """The bars of `price_range` up to the newest stored bar, oldest first: daily bars for the
    short ranges (the years they span, at most two items), the compact weekly or monthly series
    for 5y and max (one item), or with `every_day` every stored daily bar (a download of the
    whole history). `with_events` reads the dividends and splits in the same Query. `today`
    bounds which years are read. One Query."""
    interval = "1d" if every_day else price_range.interval
    if interval == "1d":
        first_year = (
            datetime.date.min.year + 1
            if every_day or price_range.days is None
            else (today - datetime.timedelta(days=price_range.days)).year
        )
        low = f"{PRICES_RECORD}#{first_year:04d}"
        high = DIVIDENDS_RECORD if with_events else f"{PRICES_RECORD}#{today.year:04d}"
    else:
        record = COMPACT_RECORDS[interval]
        low, high = (DIVIDENDS_RECORD, record) if with_events else (record, record)
    bars: list[list] = []
    events = None
    currency = None
    for item in PriceSeries.query(ticker, PriceSeries.sk.between(low, high)):
        if item.sk == DIVIDENDS_RECORD:
            events = item
            continue
        if interval == "1d" and not item.sk[len(PRICES_RECORD) + 1 :].isdigit():
            continue
        if interval != "1d" and item.sk != COMPACT_RECORDS[interval]:
            continue  # a page's Query of the weekly series also passes the monthly one
        bars.extend(item.bars or [])
        currency = currency or item.currency
    bars.sort(key=lambda bar: bar[0])
    if bars and price_range.days is not None and not every_day:
        newest = datetime.date.fromisoformat(bars[-1][0])
        start = (newest - datetime.timedelta(days=price_range.days)).isoformat()
        bars = [bar for bar in bars if bar[0] > start]
    return Prices(
        ticker=ticker,
        range=price_range,
        interval=interval,
        currency=currency or (events.currency if events else None),
        bars=bars,
        dividends=(events.dividends or []) if events else ([] if with_events else None),
        splits=(events.splits or []) if events else ([] if with_events else None),
    )


def company_dividends(*, ticker: str) -> PriceSeries | None:
    """The dividends and splits item, or None when none is stored. One GetItem."""
    try:
        return PriceSeries.get(ticker, DIVIDENDS_RECORD)
    except PriceSeries.DoesNotExist:
        return None
