"""Every read the web path makes, in one place.

Unfiltered listing pages (every listed company) are one `Query` on the index of their sort order
(never a Scan); they are cached in process memory for `LISTING_CACHE_SECONDS`, since the directory
changes by the minute, not the millisecond. Filtered pages (industry groups, a market cap range,
delisted or all companies) are served from the in-memory directory index that search keeps
(companies.finding.search, rebuilt every `LISTING_CACHE_SECONDS`): entries in the same order as
the sort's index, filtered in memory, and paged by the same range keys, so a filtered page costs
no DynamoDB call once the index is built.
"""

import datetime
import hashlib
import json
import random
import time
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from pynamodb.exceptions import DoesNotExist

from companies import cursors
from companies.finding.search import Entry, company_read, directory_index
from companies.market import selectors as market
from companies.market.selectors import PriceRange, Prices
from companies.models import (
    COMPANY_RECORD,
    DELISTED,
    LISTED,
    LISTING_ORDERS,
    SITE_PK,
    SITE_STATS_RECORD,
    Company,
    ListingOrder,
    PriceSeries,
    SiteStats,
    Statement,
)
from companies.statements.labels import line_item_label
from companies.statements.vocabulary import STATEMENTS


class SortKey(StrEnum):
    TICKER = "ticker"
    NAME = "name"
    MARKET_CAP = "market_cap"
    LISTING_DATE = "listing_date"
    INDUSTRY_GROUP = "industry_group"
    LAST_UPDATED = "last_updated"

    @property
    def order(self) -> ListingOrder:
        return LISTING_ORDERS[self.value]


class Order(StrEnum):
    ASC = "asc"
    DESC = "desc"

    @property
    def forward(self) -> bool:
        return self is Order.ASC


PAGE_SIZES = (25, 50, 100)
NO_GROUP = "none"  # the industry_group filter value of companies the directory gives no group
MARKET_CAP_LIMIT = 10**15  # A$1,000 trillion: the largest bound a filter takes


class ListingStatus(StrEnum):
    LISTED = "listed"
    DELISTED = "delisted"
    ALL = "all"

    @property
    def statuses(self) -> frozenset[str]:
        """The companies' listing statuses it admits."""
        if self is ListingStatus.ALL:
            return frozenset((LISTED, DELISTED))
        return frozenset((self.value,))


@dataclass(frozen=True)
class ListingFilters:
    """What a listing is narrowed to. The default, every listed company, is the unfiltered
    listing. A market cap bound (A$, inclusive) compares the market cap the listing shows (the
    price-based one where there is one, else the directory's) and leaves out every company
    whose market cap is unknown."""

    industry_groups: tuple[str, ...] = ()  # sorted; NO_GROUP for companies without one
    market_cap_min: int | None = None
    market_cap_max: int | None = None
    status: ListingStatus = ListingStatus.LISTED

    @property
    def is_default(self) -> bool:
        return self == ListingFilters()

    @cached_property
    def digest(self) -> str:
        """A short digest of the filters ("" for the unfiltered listing): what binds a cursor
        to them, and keys what the index remembers of them."""
        if self.is_default:
            return ""
        canonical = [
            list(self.industry_groups),
            self.market_cap_min,
            self.market_cap_max,
            self.status.value,
        ]
        return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()[:24]

    @cached_property
    def _groups(self) -> frozenset[str]:
        return frozenset(self.industry_groups)

    @cached_property
    def _statuses(self) -> frozenset[str]:
        return self.status.statuses

    def admits(self, entry: Entry, *, any_group: bool = False) -> bool:
        """Whether the company passes every filter (`any_group`: every filter but the group)."""
        if entry.status not in self._statuses:
            return False
        low, high = self.market_cap_min, self.market_cap_max
        if low is not None or high is not None:
            cap = entry.market_cap
            if cap is None or (low is not None and cap < low) or (high is not None and cap > high):
                return False
        if self.industry_groups and not any_group:
            return (entry.industry_group or NO_GROUP) in self._groups
        return True


UNFILTERED = ListingFilters()


class ListingRow(NamedTuple):
    ticker: str
    name: str
    industry_group: str | None
    listing_date: datetime.date | None
    market_cap: int | None  # the price-based market cap where there is one, else the directory's
    last_updated: datetime.datetime | None
    market_cap_source: str | None = None  # "price" or "directory"
    market_cap_date: datetime.date | None = None  # the close it used (the directory: unknown)
    status: str = LISTED  # or DELISTED

    @classmethod
    def from_company(cls, company: Company) -> "ListingRow":
        if company.price_market_cap is not None:
            cap, source = int(company.price_market_cap), "price"
            cap_date = datetime.date.fromisoformat(company.price_market_cap_date)
        else:
            cap = None if company.market_cap is None else int(company.market_cap)
            source, cap_date = ("directory" if cap is not None else None), None
        return cls(
            ticker=company.ticker,
            name=company.name,
            industry_group=company.industry_group,
            listing_date=datetime.date.fromisoformat(company.listing_date)
            if company.listing_date
            else None,
            market_cap=cap,
            last_updated=company.last_updated,
            market_cap_source=source,
            market_cap_date=cap_date,
            status=DELISTED if company.listing_status == DELISTED else LISTED,
        )

    @classmethod
    def from_entry(cls, entry: Entry) -> "ListingRow":
        return cls(
            ticker=entry.ticker,
            name=entry.name,
            industry_group=entry.industry_group,
            listing_date=entry.listing_date,
            market_cap=entry.market_cap,
            last_updated=entry.last_updated,
            market_cap_source=entry.market_cap_source,
            market_cap_date=entry.market_cap_date,
            status=entry.status,
        )


class Page(NamedTuple):
    rows: list[ListingRow]
    next_cursor: str | None
    previous_cursor: str | None
    # how many companies match the filters; None on an unfiltered page (read from its index,
    # which cannot count: the directory summary's listed_count says it)
    count: int | None = None


class GroupCount(NamedTuple):
    value: str  # the industry_group filter value: the group's name, or NO_GROUP
    name: str | None  # None for "no industry group"
    count: int  # companies in the group that pass the listing's other filters
    selected: bool


class ListingFacets(NamedTuple):
    count: int  # companies that pass every filter
    groups: list[GroupCount]  # every group in the directory by name, "no group" last


class DirectorySummary(NamedTuple):
    listed_count: int
    directory_loaded: datetime.datetime | None
    directory_source: str | None
    sample_data: bool
    # the newest successful fundamentals fetch; None before the first (or on a table written
    # before the refresh recorded it, until its next run)
    fundamentals_refreshed: datetime.datetime | None = None


def company_page(
    *,
    sort: SortKey,
    order: Order,
    size: int,
    cursor: str | None,
    filters: ListingFilters = UNFILTERED,
) -> Page:
    """One page of the companies that pass `filters`, in `sort` order. Unfiltered: one Query
    on that sort's index (cached). Filtered: from the in-memory directory index (no call once
    it is built; its cold build is one paginated Query per listing status).

    Raises cursors.InvalidCursor for a forged, truncated or foreign cursor (another sort,
    order or filters).
    """
    digest = filters.digest
    position = cursors.load(cursor, sort=sort, order=order, filters=digest) if cursor else None
    if not filters.is_default:
        return _index_page(sort=sort, order=order, size=size, position=position, filters=filters)
    cache_key = f"listing:{sort}:{order}:{size}:{cursor or ''}"
    page = cache.get(cache_key)
    if page is None:
        page = _query_page(sort=sort, order=order, size=size, position=position)
        cache.set(cache_key, page, settings.LISTING_CACHE_SECONDS)
    return page


def _index_page(
    *,
    sort: SortKey,
    order: Order,
    size: int,
    position: cursors.Position | None,
    filters: ListingFilters,
) -> Page:
    index = directory_index()

    def filtered() -> tuple[list[Entry], list[str]]:
        ascending, _ = index.in_order(sort.value)
        matches = [entry for entry in ascending if filters.admits(entry)]
        return matches, [entry.order_keys[sort.value] for entry in matches]

    matches, keys = index.remembered(("listing", sort.value, filters.digest), filtered)
    total = len(matches)
    # Counted in the order shown: how many matches come at or before a key, and before it.
    if order.forward:
        shown = matches

        def through(key):
            return bisect_right(keys, key)

        def before(key):
            return bisect_left(keys, key)
    else:
        shown = matches[::-1]

        def through(key):
            return total - bisect_left(keys, key)

        def before(key):
            return total - bisect_right(keys, key)

    if position is None:
        start = 0
    elif position.direction == cursors.FORWARD:
        start = through(position.key)
    else:
        # a page back to the start is a full first page, even if companies joined meanwhile
        start = max(0, before(position.key) - size)
    end = min(start + size, total)

    def edge(entry: Entry, direction: str) -> str:
        key = entry.order_keys[sort.value]
        return cursors.dump(
            cursors.Position(direction, key), sort=sort, order=order, filters=filters.digest
        )

    if start >= end:  # past the last match (they changed since the link was made)
        back = (
            cursors.dump(
                cursors.Position(cursors.BACKWARD, position.key),
                sort=sort,
                order=order,
                filters=filters.digest,
            )
            if position is not None and total
            else None
        )
        return Page(rows=[], next_cursor=None, previous_cursor=back, count=total)
    return Page(
        rows=[ListingRow.from_entry(entry) for entry in shown[start:end]],
        next_cursor=edge(shown[end - 1], cursors.FORWARD) if end < total else None,
        previous_cursor=edge(shown[start], cursors.BACKWARD) if start > 0 else None,
        count=total,
    )


def listing_facets(*, filters: ListingFilters) -> ListingFacets:
    """How many companies pass `filters`, and for each industry group of the directory (listed
    or delisted) how many of it pass the other filters: what the filter form shows. From the
    in-memory directory index."""
    index = directory_index()
    # the counts do not depend on the groups chosen, only on the other filters
    others = ListingFilters(
        market_cap_min=filters.market_cap_min,
        market_cap_max=filters.market_cap_max,
        status=filters.status,
    )
    passing = index.remembered(("facets", others.digest), lambda: _group_counts(index, others))
    selected = set(filters.industry_groups)
    groups = [
        GroupCount(value=value, name=name, count=count, selected=value in selected)
        for value, name, count in passing
    ]
    count = sum(g.count for g in groups if g.selected or not selected)
    return ListingFacets(count=count, groups=groups)


def _group_counts(index, filters: ListingFilters) -> list[tuple[str, str | None, int]]:
    """(filter value, name, companies passing `filters`) of every group, by name, then none."""
    passing: Counter[str] = Counter()
    names: dict[str, str | None] = {NO_GROUP: None}
    for entry in index.entries:
        value = entry.industry_group or NO_GROUP
        names.setdefault(value, entry.industry_group)
        if filters.admits(entry):
            passing[value] += 1
    ordered = sorted(
        (value for value in names if value != NO_GROUP), key=lambda value: (value.casefold(), value)
    )
    return [(value, names[value], passing[value]) for value in [*ordered, NO_GROUP]]


def industry_groups() -> list[str]:
    """The name of every industry group in the directory (listed or delisted companies), from
    the in-memory directory index."""
    index = directory_index()

    def names() -> list[str]:
        return sorted(
            {entry.industry_group for entry in index.entries if entry.industry_group},
            key=lambda name: (name.casefold(), name),
        )

    return index.remembered("industry_groups", names)


def _query_page(
    *, sort: SortKey, order: Order, size: int, position: cursors.Position | None
) -> Page:
    backward = position is not None and position.direction == cursors.BACKWARD
    # One row more than the page shows tells whether another page lies beyond it.
    result = sort.order.index.query(
        LISTED,
        scan_index_forward=order.forward != backward,
        limit=size + 1,
        last_evaluated_key=sort.order.start_key(position.key) if position else None,
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
        key = sort.order.range_key_of(company)
        return cursors.dump(cursors.Position(direction, key), sort=sort, order=order)

    return Page(
        rows=[ListingRow.from_company(c) for c in companies],
        next_cursor=edge(companies[-1], cursors.FORWARD) if has_next else None,
        previous_cursor=edge(companies[0], cursors.BACKWARD) if has_previous else None,
    )


def directory_summary() -> DirectorySummary:
    """Count and provenance of the directory for every page's header, and when the
    fundamentals were last refreshed: one GetItem of SiteStats, cached."""
    summary = cache.get(SUMMARY_CACHE_KEY)
    if summary is not None:
        return summary
    try:
        stats = SiteStats.get(SITE_PK, SITE_STATS_RECORD)
    except DoesNotExist:
        stats = SiteStats()
    return _summary_cached(stats)


SUMMARY_CACHE_KEY = "directory_summary"


def _summary_cached(stats: SiteStats) -> DirectorySummary:
    summary = DirectorySummary(
        listed_count=int(stats.listed_count or 0),
        directory_loaded=stats.directory_loaded,
        directory_source=stats.directory_source,
        sample_data=bool(stats.sample_data),
        fundamentals_refreshed=stats.fundamentals_refreshed,
    )
    cache.set(SUMMARY_CACHE_KEY, summary, settings.LISTING_CACHE_SECONDS)
    return summary


def directory_is_empty() -> bool:
    return not list(Company.ticker_index.query(LISTED, limit=1))


def company_get(*, ticker: str) -> Company | None:
    """The company's directory entry, listed or delisted; None when the ticker is unknown."""
    try:
        company = Company.get(ticker.upper(), "COMPANY")
    except DoesNotExist:
        return None
    company_read(company)
    return company


class PeriodColumn(NamedTuple):
    end: datetime.date
    months: int
    fetched: datetime.datetime
    source: str


class LineItem(NamedTuple):
    key: str  # Yahoo's raw key, e.g. "TotalRevenue"
    label: str
    values: list  # aligned with StatementTable.periods; int, float or None (not reported)


class StatementTable(NamedTuple):
    ticker: str
    statement: str
    period_type: str
    currency: str | None
    periods: list[PeriodColumn]  # newest first
    items: list[LineItem]


def _statement_table(ticker: str, statement: str, period_type: str, stored: list) -> StatementTable:
    stored = sorted(stored, key=lambda s: s.period_end, reverse=True)
    keys: dict[str, None] = {}
    for period in stored:  # newest period's order first; keys only older periods have follow
        keys.update(dict.fromkeys(period.values))
    currencies = [p.currency for p in stored if p.currency]
    return StatementTable(
        ticker=ticker,
        statement=statement,
        period_type=period_type,
        currency=currencies[0] if currencies else None,
        periods=[
            PeriodColumn(
                end=datetime.date.fromisoformat(p.period_end),
                months=int(p.months),
                fetched=p.fetched,
                source=p.source,
            )
            for p in stored
        ],
        items=[
            LineItem(
                key=key, label=line_item_label(key), values=[p.values.get(key) for p in stored]
            )
            for key in keys
        ],
    )


def company_statement(*, ticker: str, statement: str, period_type: str) -> StatementTable:
    """Every stored period of one statement, newest first: one Query."""
    prefix = Statement.record_key(period_type=period_type, statement=statement)
    stored = list(Statement.query(ticker, Statement.record.startswith(prefix)))
    return _statement_table(ticker, statement, period_type, stored)


def companies_due(*, now: datetime.datetime, limit: int) -> list[str]:
    """Tickers of listed companies whose refresh is due, most overdue (or never fetched) first."""
    due_before = f"1{now.astimezone(datetime.UTC).isoformat()}"
    tickers = []
    for company in Company.refresh_due_index.query(
        LISTED, Company.by_refresh_due < due_before, limit=limit
    ):
        tickers.append(company.ticker)
    return tickers


def companies_prices_due(*, now: datetime.datetime, limit: int) -> list[str]:
    """Tickers of listed companies whose prices are due, never fetched first."""
    due_before = f"1{now.astimezone(datetime.UTC).isoformat()}"
    return [
        company.ticker
        for company in Company.prices_due_index.query(
            LISTED, Company.by_prices_due < due_before, limit=limit
        )
    ]


def company_statement_tables(
    *, ticker: str, period_types: Iterable[str]
) -> dict[str, dict[str, StatementTable]]:
    """The three statements of each of `period_types`: {period_type: {statement: table}}, every
    statement present (empty when nothing is stored). One Query: the sort keys of a company's
    statements run annual < quarterly < ttm, so any set of period types is one key range (a
    period type between two asked-for ones is read and dropped)."""
    wanted = sorted(set(period_types))
    if len(wanted) == 1:
        condition = Statement.record.startswith(Statement.record_key(period_type=wanted[0]))
    else:
        # "~" sorts after every character of a statement name or ISO date.
        condition = Statement.record.between(
            Statement.record_key(period_type=wanted[0]),
            Statement.record_key(period_type=wanted[-1]) + "~",
        )
    stored: dict[str, dict[str, list]] = {
        period_type: {name: [] for name in STATEMENTS} for period_type in wanted
    }
    for period in Statement.query(ticker, condition):
        if period.period_type in stored:
            stored[period.period_type].setdefault(period.statement, []).append(period)
    return {
        period_type: {
            name: _statement_table(ticker, name, period_type, periods)
            for name, periods in by_statement.items()
        }
        for period_type, by_statement in stored.items()
    }


_readers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dynamodb-read")
BATCH_GET_TRIES = 3  # then the keys DynamoDB still leaves unprocessed are read one by one
BATCH_GET_BACKOFF = (0.05, 1.0)  # seconds: base and cap of the full-jitter wait between tries


def company_with_statements(
    *,
    ticker: str,
    period_types: Iterable[str],
    price_range: PriceRange | None = None,
    today: datetime.date | None = None,
) -> "CompanyPageReads":
    """`company_get`, `company_statement_tables` and (with `price_range`) the company's prices
    (its dividends are on the company item), in two calls side by side: the statements Query,
    and the company item with the price items of the range (their keys are known in advance)
    in one BatchGetItem, or the company's GetItem without a range. The tables and prices are
    empty for an unknown or never-fetched company. Kept in process memory for
    COMPANY_CACHE_SECONDS: a company's figures change once a day at most."""
    range_key = price_range.key if price_range else ""
    cache_key = f"company:{ticker}:{','.join(period_types)}:{range_key}"
    found = cache.get(cache_key)
    if found is None:
        tables = _readers.submit(company_statement_tables, ticker=ticker, period_types=period_types)
        if price_range is None:
            company, prices, summary = company_get(ticker=ticker), None, None
        else:
            company, prices, summary = _company_and_prices(
                ticker=ticker,
                price_range=price_range,
                today=today or datetime.datetime.now(datetime.UTC).date(),
            )
        found = CompanyPageReads(company, tables.result(), prices, summary)
        cache.set(cache_key, found, settings.COMPANY_CACHE_SECONDS)
    return found


class CompanyPageReads(NamedTuple):
    company: Company | None
    tables: dict[str, dict[str, StatementTable]]
    prices: Prices | None
    # read in the same BatchGetItem when it was not cached (the header's); None when it was
    summary: DirectorySummary | None = None


def _company_and_prices(
    *, ticker: str, price_range: PriceRange, today: datetime.date
) -> tuple[Company | None, Prices, DirectorySummary | None]:
    """The company item and the price items of `price_range`: one BatchGetItem. Every page's
    header wants the SiteStats item too (directory_summary): when it is not cached, as on a
    fresh container, it comes in the same call instead of a GetItem of its own (and is
    returned, for a page rendered with the caches off)."""
    ticker = ticker.upper()
    records = market.price_records(price_range=price_range, today=today)
    keys = [(ticker, COMPANY_RECORD), *((ticker, record) for record in records)]
    wants_summary = cache.get(SUMMARY_CACHE_KEY) is None
    if wants_summary:
        keys.append((SITE_PK, SITE_STATS_RECORD))
    items = items_batch_get(keys=keys)
    company = items.pop((ticker, COMPANY_RECORD), None)
    stats = items.pop((SITE_PK, SITE_STATS_RECORD), None)
    summary = None
    if wants_summary:
        summary = _summary_cached(SiteStats.from_raw_data(stats) if stats else SiteStats())
    prices = market.prices_from_items(
        ticker=ticker,
        price_range=price_range,
        items=list(map(PriceSeries.from_raw_data, items.values())),
    )
    if company is None:
        return None, prices, summary
    company = Company.from_raw_data(company)
    company_read(company)
    return company, prices, summary


def items_batch_get(*, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """The stored items of these (pk, sk) keys, raw, by key (absent ones left out): one
    BatchGetItem (at most 100 keys). Keys DynamoDB leaves unprocessed (throttling) are asked
    again after a full-jitter backoff, BATCH_GET_TRIES in all, then read with a GetItem each,
    which botocore's own retries cover."""
    connection = Company._get_connection()
    table = Company.Meta.table_name
    pending = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys]
    found: dict[tuple[str, str], dict] = {}
    for attempt in range(1, BATCH_GET_TRIES + 1):
        answer = connection.batch_get_item(pending)
        for item in answer.get("Responses", {}).get(table, []):
            found[(item["pk"]["S"], item["sk"]["S"])] = item
        pending = answer.get("UnprocessedKeys", {}).get(table, {}).get("Keys") or []
        if not pending:
            return found
        if attempt < BATCH_GET_TRIES:
            base, cap = BATCH_GET_BACKOFF
            time.sleep(random.random() * min(cap, base * 2 ** (attempt - 1)))
    for key in pending:
        item = connection.get_item(key["pk"]["S"], key["sk"]["S"]).get("Item")
        if item:
            found[(item["pk"]["S"], item["sk"]["S"])] = item
    return found
