"""Every read the web path makes, in one place.

Listing pages are one `Query` on the index of their sort order (never a Scan); they are cached in
process memory for `LISTING_CACHE_SECONDS`, since the directory changes by the minute, not the
millisecond.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from pynamodb.exceptions import DoesNotExist

from companies import cursors
from companies.models import (
    KEY_SEPARATOR,
    LISTED,
    Company,
    SiteStats,
)


class SortKey(StrEnum):
    TICKER = "ticker"
    NAME = "name"
    MARKET_CAP = "market_cap"
    LISTING_DATE = "listing_date"
    INDUSTRY_GROUP = "industry_group"
    LAST_UPDATED = "last_updated"

    @property
    def index(self):
        return getattr(Company, f"{self.value}_index")


class Order(StrEnum):
    ASC = "asc"
    DESC = "desc"

    @property
    def forward(self) -> bool:
        return self is Order.ASC


PAGE_SIZES = (25, 50, 100)


@dataclass(frozen=True)
class ListingRow:
    ticker: str
    name: str
    industry_group: str | None
    listing_date: datetime.date | None
    market_cap: int | None
    last_updated: datetime.datetime | None

    @classmethod
    def from_company(cls, company: Company) -> "ListingRow":
        return cls(
            ticker=company.ticker,
            name=company.name,
            industry_group=company.industry_group,
            listing_date=datetime.date.fromisoformat(company.listing_date)
            if company.listing_date
            else None,
            market_cap=None if company.market_cap is None else int(company.market_cap),
            last_updated=company.last_updated,
        )


@dataclass(frozen=True)
class Page:
    rows: list[ListingRow]
    next_cursor: str | None
    previous_cursor: str | None


@dataclass(frozen=True)
class DirectorySummary:
    listed_count: int
    directory_loaded: datetime.datetime | None
    directory_source: str | None
    sample_data: bool
    last_refreshed: datetime.datetime | None


def _ticker_of(sort_key: str) -> str:
    return sort_key.rsplit(KEY_SEPARATOR, 1)[-1]


def _start_key(sort: SortKey, key: str) -> dict:
    """The DynamoDB ExclusiveStartKey for a row of `sort`'s index, rebuilt from its range key."""
    return {
        "pk": {"S": _ticker_of(key)},
        "sk": {"S": "COMPANY"},
        "listing_status": {"S": LISTED},
        f"by_{sort.value}": {"S": key},
    }


def company_page(*, sort: SortKey, order: Order, size: int, cursor: str | None) -> Page:
    """One page of listed companies in `sort` order, from one Query on that sort's index.

    Raises cursors.InvalidCursor for a forged, truncated or foreign cursor.
    """
    position = cursors.load(cursor, sort=sort, order=order) if cursor else None
    cache_key = f"listing:{sort}:{order}:{size}:{cursor or ''}"
    page = cache.get(cache_key)
    if page is None:
        page = _query_page(sort=sort, order=order, size=size, position=position)
        cache.set(cache_key, page, settings.LISTING_CACHE_SECONDS)
    return page


def _query_page(
    *, sort: SortKey, order: Order, size: int, position: cursors.Position | None
) -> Page:
    backward = position is not None and position.direction == cursors.BACKWARD
    # One row more than the page shows tells whether another page lies beyond it.
    result = sort.index.query(
        LISTED,
        scan_index_forward=order.forward != backward,
        limit=size + 1,
        last_evaluated_key=_start_key(sort, position.key) if position else None,
    )
    companies = list(result)
    more_beyond = len(companies) > size
    companies = companies[:size]
    if backward:
        companies.reverse()
        has_previous, has_next = more_beyond, True
    else:
        has_previous, has_next = position is not None, more_beyond
    if not companies:
        return Page(rows=[], next_cursor=None, previous_cursor=None)

    def edge(company: Company, direction: str) -> str:
        key = getattr(company, f"by_{sort.value}")
        return cursors.dump(cursors.Position(direction, key), sort=sort, order=order)

    return Page(
        rows=[ListingRow.from_company(c) for c in companies],
        next_cursor=edge(companies[-1], cursors.FORWARD) if has_next else None,
        previous_cursor=edge(companies[0], cursors.BACKWARD) if has_previous else None,
    )


def directory_summary() -> DirectorySummary:
    """Counts and freshness for the home page and the listing header (two small reads, cached)."""
    summary = cache.get("directory_summary")
    if summary is not None:
        return summary
    try:
        stats = SiteStats.get(SiteStats.pk.default, SiteStats.sk.default)
    except DoesNotExist:
        stats = SiteStats()
    newest = list(Company.last_updated_index.query(LISTED, scan_index_forward=False, limit=1))
    summary = DirectorySummary(
        listed_count=int(stats.listed_count or 0),
        directory_loaded=stats.directory_loaded,
        directory_source=stats.directory_source,
        sample_data=bool(stats.sample_data),
        last_refreshed=newest[0].last_updated if newest else None,
    )
    cache.set("directory_summary", summary, settings.LISTING_CACHE_SECONDS)
    return summary


def company_get(*, ticker: str) -> Company | None:
    """The company's directory entry, listed or delisted; None when the ticker is unknown."""
    try:
        return Company.get(ticker.upper(), "COMPANY")
    except DoesNotExist:
        return None


def company_near_matches(*, query: str, limit: int = 10) -> list[ListingRow]:
    """Listed companies whose ticker or name starts with `query`, or failing that with the longest
    shorter prefix of it that matches anything (a few small index queries; for the 404 page and
    the ticker box, never for listings)."""
    query = query.strip()
    found: dict[str, ListingRow] = {}
    for length in range(len(query), 0, -1):
        prefix = query[:length]
        for condition, index in (
            (Company.by_ticker.startswith(prefix.upper()), Company.ticker_index),
            (Company.by_name.startswith(prefix.casefold()), Company.name_index),
        ):
            for company in index.query(LISTED, condition, limit=limit):
                found.setdefault(company.ticker, ListingRow.from_company(company))
        if found:
            break
    return list(found.values())[:limit]
