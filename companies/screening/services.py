"""Every write of the screener's metrics snapshot (companies/screening/snapshot.py): each part by
the job that owns its data, as a partial update of the company item that touches nothing else,
and the rebuild of every part from stored data (an operator, after an upgrade).

- the directory load: `directory_snapshots_sync` after it, for every company whose directory
  part differs from what is stored (all of them the first time);
- the fundamentals refresh: `statements_snapshot_refresh` once a company's statements are
  stored;
- the prices refresh: `company_prices_snapshot_store` with the quote and valuation it worked
  out; it also rewrites a statements part that is stale or still waits for an exchange rate,
  from the statements that refresh has already read.
"""

import datetime
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pynamodb.exceptions import PynamoDBException, UpdateError

from companies import selectors as company_selectors
from companies.market.valuation import Rate, rate_at
from companies.models import (
    COMPANY_RECORD,
    DELISTED,
    FX_PK_PREFIX,
    LISTED,
    PRICES_RECORD,
    Company,
    PriceSeries,
    Statement,
)
from companies.screening import selectors, snapshot
from companies.statements.vocabulary import STATEMENTS

if TYPE_CHECKING:
    from scraping.asx import Directory, DirectoryRow

log = logging.getLogger(__name__)

CONDITION_FAILED = "ConditionalCheckFailedException"
WRITE_THREADS = 8
DIRECTORY_KEYS = ("name", "industry_group", "listing_date", "market_cap")
CLOSE = 4  # a bar's index of the close: [date, open, high, low, close, adj_close, volume]


class StoredRates:
    """Exchange rates as the prices refresh stored them (`#FX#AUD<XXX>` partitions), read a
    calendar year at a time and kept for the life of this object (one run): `rate_at(currency,
    day)` is the rate converting `currency` into A$ on `day` (or the latest within a week
    before), None when none is stored."""

    def __init__(self):
        self._years: dict[tuple[str, int], dict[str, float]] = {}
        self._lock = threading.Lock()

    def _year(self, pair: str, year: int) -> dict[str, float]:
        key = (pair, year)
        with self._lock:
            if key in self._years:
                return self._years[key]
        try:
            pk = FX_PK_PREFIX + pair.removesuffix("=X")
            item = PriceSeries.get(pk, f"{PRICES_RECORD}#{year}")
        except PriceSeries.DoesNotExist:
            closes = {}
        else:
            closes = {bar[0]: bar[CLOSE] for bar in item.bars or [] if bar[CLOSE]}
        with self._lock:
            self._years[key] = closes
        return closes

    def rate_at(self, currency: str, day: datetime.date) -> Rate | None:
        pair = snapshot.exchange_rate_pair(currency)
        rates = dict(self._year(pair, day.year))
        if day.month == 1 and day.day <= 8:  # rate_at looks back up to a week
            rates = self._year(pair, day.year - 1) | rates
        return rate_at(rates, pair, day)


def _part_write(ticker: str, actions: list, condition=None) -> None:
    """One UpdateItem of the company item, which must exist (a snapshot never creates one)."""
    condition = Company.ticker.exists() if condition is None else condition
    Company(ticker).update(actions=[*actions, Company.by_screen.set(ticker)], condition=condition)


# --- the directory part ---------------------------------------------------------------------------


def _directory_part(company: Company) -> str:
    return snapshot.directory_part(**_directory_values(company))


def _stored_parts() -> dict[str, Company]:
    """Every company's stored snapshot parts, by ticker: one paginated Query per status."""
    return {
        company.ticker: company
        for status in (LISTED, DELISTED)
        for company in Company.screen_index.query(status)
    }


def _directory_values(company: Company) -> dict:
    return {
        "name": company.name,
        "industry_group": company.industry_group,
        "listing_date": company.listing_date,
        "market_cap": company.market_cap,
    }


def _row_values(row: "DirectoryRow") -> dict:
    return {
        "name": row.name,
        "industry_group": row.industry_group,
        "listing_date": row.listing_date.isoformat() if row.listing_date else None,
        "market_cap": row.market_cap,
    }


def directory_snapshots_sync(*, directory: "Directory", before: dict[str, Company]) -> int:
    """After a directory load of `directory` into a table that held `before` ({ticker:
    Company as the load read it}): write the directory part of every company whose name,
    industry group, listing date or directory market cap now differ from its stored part (or
    that has none). What a company now holds is worked out as the load wrote it (the fields
    the file publishes, over what was there), not read back from an index that may lag. Two
    index Queries for the stored parts, then one UpdateItem per company that changed, several
    in flight. Returns how many were written."""
    now = {ticker: _directory_values(company) for ticker, company in before.items()}
    for row in directory.rows:
        published = {k: v for k, v in _row_values(row).items() if k in directory.fields}
        now[row.ticker] = {**now.get(row.ticker, dict.fromkeys(DIRECTORY_KEYS)), **published}
    stored = {ticker: company.screen_directory for ticker, company in _stored_parts().items()}
    changed = []
    for ticker, values in now.items():
        part = snapshot.directory_part(**{**values, "name": values["name"] or ticker})
        if stored.get(ticker) != part:
            changed.append((ticker, part))

    def write(change):
        ticker, part = change
        _part_write(ticker, [Company.screen_directory.set(part)])

    with ThreadPoolExecutor(max_workers=WRITE_THREADS, thread_name_prefix="snapshot") as pool:
        list(pool.map(write, changed))
    selectors.forget_snapshots()
    log.info("directory_snapshots_sync written=%d", len(changed))
    return len(changed)


# --- the statements part --------------------------------------------------------------------------


def _annual_tables(ticker: str, *, consistent: bool = False) -> dict:
    """The three annual statements, {statement: table}: one Query (`consistent`: a strongly
    consistent one, to read what was written a moment before)."""
    prefix = Statement.record_key(period_type="annual")
    stored: dict[str, list] = {name: [] for name in STATEMENTS}
    for period in Statement.query(
        ticker, Statement.record.startswith(prefix), consistent_read=consistent
    ):
        stored.setdefault(period.statement, []).append(period)
    return {
        name: company_selectors._statement_table(ticker, name, "annual", periods)
        for name, periods in stored.items()
    }


def company_statements_snapshot_store(
    *,
    ticker: str,
    last_updated: datetime.datetime | None,
    financial_currency: str | None,
    tables: dict | None = None,
    rates: StoredRates | None = None,
) -> str:
    """Work out the statements part from the stored annual statements (`tables`, else one
    strongly consistent Query) and write it: one UpdateItem. Returns the part. Raises
    PynamoDBException when a read or the write fails (UpdateError for a company not in the
    directory)."""
    part = snapshot.statements_part(
        tables=_annual_tables(ticker, consistent=True) if tables is None else tables,
        financial_currency=financial_currency,
        last_updated=last_updated,
        rate_at=(rates or StoredRates()).rate_at,
    )
    _part_write(ticker, [Company.screen_statements.set(part)])
    return part


def statements_snapshot_refresh(
    *, ticker: str, last_updated: datetime.datetime, financial_currency: str | None
) -> None:
    """After the fundamentals refresh stored a company: its statements part, as
    company_statements_snapshot_store. A failure is logged and left: the figures are stored,
    and the next prices refresh rewrites a part older than them (so does rebuild_snapshots)."""
    try:
        company_statements_snapshot_store(
            ticker=ticker, last_updated=last_updated, financial_currency=financial_currency
        )
    except PynamoDBException:
        log.warning("statements_snapshot ticker=%s not written", ticker, exc_info=True)


# --- the prices part ------------------------------------------------------------------------------


def company_prices_snapshot_store(
    *, company: Company, quote: dict | None, valuation: dict, tables: dict
) -> None:
    """Write the prices part from the quote and valuation the prices refresh worked out (one
    UpdateItem). When the stored statements part is older than the company's last statements
    refresh, or left money out for want of an exchange rate the refresh may since have stored,
    it is rewritten too from `tables` ({period_type: {statement: table}}, the annual ones read
    by that refresh), on condition that no statements refresh has landed meanwhile."""
    part = snapshot.prices_part(quote=quote, valuation=valuation)
    _part_write(company.ticker, [Company.screen_prices.set(part)])
    if company.last_updated is None or "annual" not in tables:
        return
    stored = snapshot.decode(snapshot.STATEMENT_FIELDS, company.screen_statements)
    fresh = stored is not None and stored["last_updated"] == snapshot.iso_moment(
        company.last_updated
    )
    if fresh and not snapshot.pending_exchange_rate(stored):
        return
    renewed = snapshot.statements_part(
        tables=tables["annual"],
        financial_currency=company.financial_currency,
        last_updated=company.last_updated,
        rate_at=StoredRates().rate_at,
    )
    if renewed == company.screen_statements:
        return
    try:
        _part_write(
            company.ticker,
            [Company.screen_statements.set(renewed)],
            condition=Company.last_updated == company.last_updated,
        )
    except UpdateError as exc:
        if exc.cause_response_code != CONDITION_FAILED:
            raise


# --- rebuilding every part from stored data -------------------------------------------------------


@dataclass
class RebuildReport:
    companies: int = 0
    written: int = 0
    unchanged: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # ticker -> what went wrong


def _company_parts(company: Company, *, rates: StoredRates) -> dict:
    """{attribute name: part or None} of every part of `company` from its stored data."""
    statements = None
    if company.last_updated is not None:  # as the fundamentals refresh writes it
        statements = snapshot.statements_part(
            tables=_annual_tables(company.ticker),
            financial_currency=company.financial_currency,
            last_updated=company.last_updated,
            rate_at=rates.rate_at,
        )
    prices = None
    if company.quote or company.valuation:
        prices = snapshot.prices_part(quote=company.quote, valuation=company.valuation)
    return {
        "screen_directory": _directory_part(company),
        "screen_statements": statements,
        "screen_prices": prices,
    }


def snapshots_rebuild(
    *,
    tickers: Iterable[str] | None = None,
    only_missing: bool = False,
    dry_run: bool = False,
    progress: Callable[[Iterable, int], Iterable] = lambda items, total: items,
) -> RebuildReport:
    """Work out every snapshot part of `tickers` (default: every company, listed and delisted)
    from stored data, and write those that differ from what is stored: per company one
    GetItem, one Query of its annual statements when it has any, and one UpdateItem when
    something changed (none with `dry_run`, which only counts). With `only_missing`, only the
    companies without a snapshot of this version. A company that fails is reported in
    `failed` and the run goes on."""
    stored = _stored_parts()
    if tickers is None:
        tickers = [
            company.ticker
            for status in (LISTED, DELISTED)
            for company in Company.ticker_index.query(status)
        ]
    tickers = [ticker.strip().upper() for ticker in tickers]
    if only_missing:
        tickers = [ticker for ticker in tickers if _missing(stored.get(ticker))]
    report = RebuildReport(companies=len(tickers))
    rates = StoredRates()
    lock = threading.Lock()

    def rebuild(ticker: str) -> None:
        try:
            try:
                company = Company.get(ticker, COMPANY_RECORD)
            except Company.DoesNotExist:
                outcome = "not in the directory"
            else:
                parts = _company_parts(company, rates=rates)
                actions = [
                    getattr(Company, name).set(part) if part else getattr(Company, name).remove()
                    for name, part in parts.items()
                    if getattr(company, name) != part
                ]
                if actions and not dry_run:
                    _part_write(ticker, actions)
                outcome = "written" if actions else "unchanged"
        except PynamoDBException as exc:
            log.warning("snapshot_rebuild ticker=%s failed", ticker, exc_info=True)
            outcome = f"storage error: {str(exc)[:200]}"
        with lock:
            if outcome == "written":
                report.written += 1
            elif outcome == "unchanged":
                report.unchanged += 1
            else:
                report.failed[ticker] = outcome

    with ThreadPoolExecutor(max_workers=WRITE_THREADS, thread_name_prefix="snapshot") as pool:
        for _ in progress(pool.map(rebuild, tickers), len(tickers)):
            pass
    selectors.forget_snapshots()
    log.info(
        "snapshots_rebuild companies=%d written=%d unchanged=%d failed=%d dry_run=%s",
        report.companies,
        report.written,
        report.unchanged,
        len(report.failed),
        dry_run,
    )
    return report


def _missing(company: Company | None) -> bool:
    if company is None:
        return True
    return snapshot.decode(snapshot.DIRECTORY_FIELDS, company.screen_directory) is None
