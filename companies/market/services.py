"""Every write of market data: daily bars, compact weekly and monthly series, dividends and
splits of a company or an exchange rate, and the quote and valuation on the company item.

Prices only grow: a fetch overwrites the days it returned (Yahoo's corrections win) and keeps
every other stored bar, event and series entry, even those Yahoo no longer returns.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from companies.models import (
    DIVIDENDS_RECORD,
    FX_PK_PREFIX,
    MARKET_CAP_DIGITS,
    MONTHLY_RECORD,
    PRICES_RECORD,
    REFRESH_OK,
    Company,
    PriceSeries,
    index_key,
    weekly_record,
)
from companies.services import items_batch_write

if TYPE_CHECKING:  # the web path must not import pandas, which normalize needs
    from scraping.normalize import PriceHistory

log = logging.getLogger(__name__)

CLOSE = 4  # a bar's index of the close: [date, open, high, low, close, adj_close, volume]


def year_record(year: int) -> str:
    return f"{PRICES_RECORD}#{year}"


def exchange_rate_pk(pair: str) -> str:
    """The partition of an exchange rate: "AUDUSD=X" -> "#FX#AUDUSD"."""
    return FX_PK_PREFIX + pair.removesuffix("=X")


def week_of(day: str) -> str:
    iso = datetime.date.fromisoformat(day).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def month_of(day: str) -> str:
    return day[:7]


@dataclass(frozen=True)
class StoredPrices:
    through: str | None  # ISO date of the newest stored bar
    first: str | None  # ISO date of the oldest stored bar
    closes: list[tuple[str, float]]  # the latest few (date, close), newest first
    dividends: list[list]  # every stored [ex-date, amount], oldest first
    splits: list[list]
    new_events: bool  # the fetch brought a dividend or split not stored before
    items_written: int


def _compact(series: dict[str, list], bars: Iterable[list], period_of) -> None:
    """Put into `series` ({period: bar}) the last bar of each period `bars` touch (bars oldest
    first; a hole never stands for its period when the period has a real close)."""
    for bar in bars:
        period = period_of(bar[0])
        kept = series.get(period)
        if kept is None or bar[0] >= kept[0] and (bar[CLOSE] is not None or kept[CLOSE] is None):
            series[period] = bar


def prices_store(
    *, pk: str, history: "PriceHistory", fetched_at: datetime.datetime
) -> StoredPrices:
    """Merge a fetch into the stored series of `pk` (a ticker, or exchange_rate_pk(pair)): one
    Query for the years the fetch touches, the dividends and the monthly series, one for the
    weekly blocks it touches, then one batch of writes of what changed. Dividends and splits
    the fetch returns are added to those stored."""
    years = sorted({int(bar[0][:4]) for bar in history.bars})
    first_year = years[0] if years else fetched_at.year
    stored = {
        item.sk: item
        for item in PriceSeries.query(
            pk, PriceSeries.sk.between(year_record(first_year), MONTHLY_RECORD)
        )
    }
    if years:
        stored |= {
            item.sk: item
            for item in PriceSeries.query(
                pk, PriceSeries.sk.between(weekly_record(years[0]), weekly_record(years[-1]))
            )
        }
    events = stored.get(DIVIDENDS_RECORD)
    writes: list = []

    merged_years: dict[int, dict[str, list]] = {}
    for year in years:
        item = stored.get(year_record(year))
        by_day = {bar[0]: bar for bar in ((item and item.bars) or [])}
        fetched = {bar[0]: bar for bar in history.bars if bar[0].startswith(f"{year}-")}
        if item is None or any(by_day.get(day) != bar for day, bar in fetched.items()):
            by_day.update(fetched)
            writes.append(
                PriceSeries(
                    pk,
                    year_record(year),
                    currency=history.currency,
                    bars=[by_day[day] for day in sorted(by_day)],
                    fetched=fetched_at,
                )
            )
        merged_years[year] = by_day
    touched = [bar for year in years for bar in sorted(merged_years[year].values())]
    compact = [(MONTHLY_RECORD, month_of, touched)]
    for block in sorted({weekly_record(year) for year in years}):
        # a week belongs to the block of its last day's year
        in_block = [bar for bar in touched if weekly_record(int(bar[0][:4])) == block]
        compact.append((block, week_of, in_block))
    for record, period_of, bars in compact:
        item = stored.get(record)
        series = {period_of(bar[0]): bar for bar in ((item and item.bars) or [])}
        before = dict(series)
        _compact(series, bars, period_of)
        if series != before or item is None and series:
            writes.append(
                PriceSeries(
                    pk,
                    record,
                    currency=history.currency,
                    bars=[series[period] for period in sorted(series)],
                    fetched=fetched_at,
                )
            )

    old_dividends = {ex: amount for ex, amount in ((events and events.dividends) or [])}
    old_splits = {day: ratio for day, ratio in ((events and events.splits) or [])}
    dividends = old_dividends | {ex: amount for ex, amount in history.dividends}
    splits = old_splits | {day: ratio for day, ratio in history.splits}
    new_events = events is not None and (
        any(ex not in old_dividends for ex, _ in history.dividends)
        or any(day not in old_splits for day, _ in history.splits)
    )
    if events is None or dividends != old_dividends or splits != old_splits:
        writes.append(
            PriceSeries(
                pk,
                DIVIDENDS_RECORD,
                currency=history.currency,
                dividends=[[ex, dividends[ex]] for ex in sorted(dividends)],
                splits=[[day, splits[day]] for day in sorted(splits)],
                fetched=fetched_at,
            )
        )
    # each year or series whole, the company item (company_quote_store) last; a batch's
    # throttled items are sent again with backoff
    items_batch_write(model=PriceSeries, items=writes)

    latest_year = max(merged_years) if merged_years else None
    recent: list[list] = []
    if latest_year is not None:
        recent = sorted(merged_years[latest_year].values(), reverse=True)
        if len(recent) < 2 and latest_year - 1 in merged_years:
            recent += sorted(merged_years[latest_year - 1].values(), reverse=True)
    closes = [(bar[0], bar[CLOSE]) for bar in recent if bar[CLOSE] is not None][:5]
    monthly = stored.get(MONTHLY_RECORD)
    oldest = [bar[0] for bar in (monthly.bars[:1] if monthly and monthly.bars else [])]
    oldest += [bar[0] for bar in history.bars[:1]]
    return StoredPrices(
        through=max(merged_years[latest_year]) if latest_year is not None else None,
        first=min(oldest) if oldest else None,
        closes=closes,
        dividends=[[ex, dividends[ex]] for ex in sorted(dividends)],
        splits=[[day, splits[day]] for day in sorted(splits)],
        new_events=new_events,
        items_written=len(writes),
    )


def recent_rates(*, pair: str, since: datetime.date) -> dict[str, float]:
    """{ISO date: rate} of an exchange rate from `since` on, from its stored years."""
    rates: dict[str, float] = {}
    for item in PriceSeries.query(
        exchange_rate_pk(pair),
        PriceSeries.sk.between(year_record(since.year), year_record(9999)),
    ):
        for bar in item.bars:
            if bar[0] >= since.isoformat() and bar[CLOSE] is not None:
                rates[bar[0]] = bar[CLOSE]
    return rates


def company_quote_store(
    *,
    ticker: str,
    quote: dict | None,
    valuation: dict,
    dividends: list[list],
    splits: list[list],
    through: str | None,
    attempted_at: datetime.datetime,
    next_attempt: datetime.datetime,
) -> None:
    """Record a successful price refresh on the company item: quote, valuation, a copy of the
    dividends and splits (for the page), the price-based market cap (which the listing then
    shows and sorts by), the newest bar's date and when prices are next due. One UpdateItem."""
    cap = quote.get("market_cap") if quote else None
    actions = [
        Company.quote.set(quote) if quote else Company.quote.remove(),
        Company.dividends.set(dividends),
        Company.splits.set(splits),
        Company.valuation.set(valuation),
        Company.prices_last_attempt.set(attempted_at),
        Company.prices_outcome.set(REFRESH_OK),
        Company.prices_error.remove(),
        Company.prices_failures.set(0),
        Company.prices_next_attempt.set(next_attempt),
        Company.by_prices_due.set(index_key(_iso(next_attempt), ticker)),
    ]
    if through:
        actions.append(Company.prices_through.set(through))
    if cap:
        actions += [
            Company.price_market_cap.set(cap),
            Company.price_market_cap_date.set(quote["date"]),
            Company.by_market_cap.set(index_key(f"{int(cap):0{MARKET_CAP_DIGITS}d}", ticker)),
        ]
    Company(ticker).update(actions=actions, condition=Company.ticker.exists())


def company_prices_failed(
    *,
    ticker: str,
    outcome: str,
    detail: str,
    attempted_at: datetime.datetime,
    next_attempt: datetime.datetime,
    failure_count: int,
) -> None:
    """Record a failed price fetch and when to try again; every stored price stays."""
    Company(ticker).update(
        actions=[
            Company.prices_last_attempt.set(attempted_at),
            Company.prices_outcome.set(outcome),
            Company.prices_error.set(detail[:300]),
            Company.prices_failures.set(failure_count),
            Company.prices_next_attempt.set(next_attempt),
            Company.by_prices_due.set(index_key(_iso(next_attempt), ticker)),
        ],
        condition=Company.ticker.exists(),
    )


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()
