"""Every read the screener makes: the snapshots of the whole market, kept in process memory,
and a screen run over them.

The snapshots are read with one paginated Query of the `by-screen` index per listing status
(never a Scan) and kept for LISTING_CACHE_SECONDS, like the listing pages and the search index:
a screen then costs no DynamoDB call at all, only an evaluation over ~2,100 rows in memory.
"""

import threading
import time
from dataclasses import dataclass

from django.conf import settings

from companies.models import DELISTED, LISTED, Company
from companies.screening import cursors, snapshot
from companies.screening.expression import Expression
from companies.screening.metrics import METRICS, Unit
from companies.screening.snapshot import ScreenRow

ALL = "all"
STATUSES = (LISTED, DELISTED, ALL)
ASC, DESC = "asc", "desc"
ORDERS = (ASC, DESC)
PAGE_SIZES = (25, 50, 100)
# Sorts besides the metrics: the columns every result has.
TICKER, NAME = "ticker", "name"
SORTS = (TICKER, NAME, *METRICS)
DEFAULT_SORT = "market_cap"


def default_order(sort: str) -> str:
    """The order a column sorts in first: text A to Z, numbers and dates biggest or newest
    first."""
    if sort in (TICKER, NAME) or METRICS[sort].unit is Unit.TEXT:
        return ASC
    return DESC


_snapshots: dict[tuple[str, str], tuple[float, tuple[ScreenRow, ...]]] = {}
_lock = threading.Lock()


def _load(status: str) -> tuple[ScreenRow, ...]:
    rows = []
    for listing_status in (LISTED, DELISTED) if status == ALL else (status,):
        for company in Company.screen_index.query(listing_status):
            rows.append(
                snapshot.row(
                    ticker=company.ticker,
                    status=listing_status,
                    directory=company.screen_directory,
                    statements=company.screen_statements,
                    prices=company.screen_prices,
                )
            )
    rows.sort(key=lambda row: row.ticker)
    return tuple(rows)


def screen_snapshots(*, status: str = LISTED) -> tuple[ScreenRow, ...]:
    """Every company of `status` (LISTED, DELISTED or ALL) with a snapshot, by ticker. Read
    once per LISTING_CACHE_SECONDS per process; one thread reads while the others keep the
    old rows (and wait only when there are none yet)."""
    key = (Company.Meta.table_name, status)
    current = _snapshots.get(key)
    if current is not None and time.monotonic() - current[0] < settings.LISTING_CACHE_SECONDS:
        return current[1]
    if not _lock.acquire(blocking=current is None):
        return current[1]
    try:
        current = _snapshots.get(key)
        if current is None or time.monotonic() - current[0] >= settings.LISTING_CACHE_SECONDS:
            current = (time.monotonic(), _load(status))
            _snapshots[key] = current
        return current[1]
    finally:
        _lock.release()


def forget_snapshots() -> None:
    """Drop this process's snapshots (after writing them here, and in tests); other
    processes' expire on their own."""
    with _lock:
        _snapshots.clear()


def _sort_value(row: ScreenRow, sort: str):
    if sort == TICKER:
        return row.ticker
    if sort == NAME:
        return row.name.casefold()
    value = row.values[sort]
    return value.casefold() if isinstance(value, str) else value


def screen_run(
    *, expression: Expression, sort: str, order: str, status: str = LISTED
) -> list[ScreenRow]:
    """Every company of `status` for which the whole expression is true, sorted by `sort` in
    `order`: missing values last in both orders, ties by ticker."""
    matched = [row for row in screen_snapshots(status=status) if expression.matches(row.values)]
    present = [row for row in matched if _sort_value(row, sort) is not None]
    missing = [row for row in matched if _sort_value(row, sort) is None]
    # the rows are in ticker order, and a stable sort keeps it among equal values
    present.sort(key=lambda row: _sort_value(row, sort), reverse=order == DESC)
    return present + missing


@dataclass(frozen=True)
class ScreenPage:
    rows: list[ScreenRow]
    count: int  # every company that matched
    offset: int  # of the first row
    next_cursor: str | None
    previous_cursor: str | None
    matches: list[ScreenRow]  # all of them, sorted (the page is a slice)


def screen_page(
    *,
    expression: Expression,
    sort: str,
    order: str,
    size: int,
    cursor: str | None,
    status: str = LISTED,
) -> ScreenPage:
    """One page of a screen's results. Raises cursors.InvalidCursor for a cursor this site did
    not sign for this screen, sort, order and status."""
    bound = {"screen": expression.canonical, "sort": sort, "order": order, "status": status}
    offset = cursors.load(cursor, **bound) if cursor else 0
    matches = screen_run(expression=expression, sort=sort, order=order, status=status)
    page = matches[offset : offset + size]
    after = offset + size
    return ScreenPage(
        rows=page,
        count=len(matches),
        offset=offset,
        next_cursor=cursors.dump(after, **bound) if after < len(matches) else None,
        previous_cursor=cursors.dump(max(0, offset - size), **bound) if offset > 0 else None,
        matches=matches,
    )
