"""Every read of market data the web path makes: a company's prices over a chart range, and its
dividends and splits. A range is one Query of at most two items."""

import datetime
from dataclasses import dataclass

from companies.models import (
    DIVIDENDS_RECORD,
    MONTHLY_RECORD,
    PRICES_RECORD,
    PriceSeries,
    weekly_record,
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
        # at most five years, so that the weeks lie in at most two five-year blocks
        PriceRange("5y", "5Y", 5 * 365, "1wk"),
        PriceRange("max", "Max", None, "1mo"),
    )
}
DEFAULT_RANGE = "1y"
BAR_FIELDS = ("date", "open", "high", "low", "close", "adj_close", "volume")


@dataclass(frozen=True)
class Prices:
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


def company_prices(
    *, ticker: str, price_range: PriceRange, today: datetime.date, every_day: bool = False
) -> Prices:
    """The bars of `price_range` up to the newest stored bar, oldest first: daily bars for the
    short ranges (the years they span), the weekly blocks for 5y, the monthly series for max,
    or with `every_day` every stored daily bar (a download of the whole history). `today`
    bounds which items are read. One Query, of at most two items unless `every_day`."""
    interval = "1d" if every_day else price_range.interval
    start = today - datetime.timedelta(days=price_range.days or 0)
    if interval == "1d":
        first_year = 1 if every_day or price_range.days is None else start.year
        low, high = f"{PRICES_RECORD}#{first_year:04d}", f"{PRICES_RECORD}#{today.year:04d}"
    elif interval == "1wk":
        low, high = weekly_record(start.year), weekly_record(today.year)
    else:
        low = high = MONTHLY_RECORD
    by_day: dict[str, list] = {}
    currency = None
    for item in PriceSeries.query(ticker, PriceSeries.sk.between(low, high)):
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
