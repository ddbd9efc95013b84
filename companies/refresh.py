"""The fundamentals refresh: which companies are due, fetched how fast, and what is recorded.

Several companies are in flight at once (`concurrency` threads); every request to Yahoo passes
one process-wide rate limiter, and a 429 pauses them all (see scraping.yahoo). A company that
fails keeps its stored figures; its outcome and consecutive-failure count are recorded and its
next attempt is pushed back exponentially, so a dead ticker neither blocks the queue nor hammers
Yahoo. A run stops starting companies when its time budget is nearly spent and leaves the rest
for the next run.

Imports yfinance and pandas (through scraping.yahoo): never import this on the web path.
"""

import datetime
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from pynamodb.exceptions import PynamoDBException

from companies import selectors, services
from companies.models import REFRESH_OK
from scraping import errors
from scraping.yahoo import YahooClient

log = logging.getLogger("companies.refresh")

NOT_IN_DIRECTORY = "not in the directory"
STORAGE_ERROR = "storage error"
UNEXPECTED_ERROR = "unexpected error"
DEFERRED = "deferred"

# First wait after a failure, by kind: Yahoo's own trouble passes quickly; "no such symbol"
# or "no statements" rarely changes within a day. Doubles per consecutive failure, up to a week.
BACKOFF_BASE = {
    errors.RateLimited: datetime.timedelta(minutes=10),
    errors.YahooUnavailable: datetime.timedelta(minutes=10),
    errors.MalformedPayload: datetime.timedelta(hours=2),
    errors.NoStatements: datetime.timedelta(hours=12),
    errors.NoSuchSymbol: datetime.timedelta(hours=12),
}
BACKOFF_CAP = datetime.timedelta(days=7)

_client: YahooClient | None = None
_client_lock = threading.Lock()


def yahoo_client() -> YahooClient:
    """The process's one Yahoo client (one rate limiter for every thread and every run)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = YahooClient(
                base_url=settings.YAHOO_BASE_URL,
                requests_per_second=settings.YAHOO_REQUESTS_PER_SECOND,
                timeout=settings.YAHOO_TIMEOUT_SECONDS,
                cache_dir=Path(settings.YAHOO_CACHE_DIR),
            )
        return _client


def backoff(error: errors.YahooError, failure_count: int) -> datetime.timedelta:
    base = BACKOFF_BASE.get(type(error), datetime.timedelta(hours=1))
    return min(BACKOFF_CAP, base * 2 ** max(0, failure_count - 1))


@dataclass
class CompanyOutcome:
    ticker: str
    outcome: str  # REFRESH_OK, an error's outcome in words, NOT_IN_DIRECTORY or DEFERRED
    seconds: float = 0.0
    periods: int = 0
    detail: str = ""


@dataclass
class RefreshReport:
    outcomes: list[CompanyOutcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def succeeded(self) -> int:
        return self.count(REFRESH_OK)

    @property
    def deferred(self) -> int:
        return self.count(DEFERRED)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.succeeded - self.deferred

    @property
    def attempted(self) -> int:
        return len(self.outcomes) - self.deferred


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def company_refresh(*, ticker: str, client: YahooClient) -> CompanyOutcome:
    """Fetch one company and record the result; never raises for a Yahoo failure. A company
    with a profile but no statements has its profile stored and "no statements" recorded."""
    started = time.monotonic()
    company = selectors.company_get(ticker=ticker)
    if company is None:
        return CompanyOutcome(ticker, NOT_IN_DIRECTORY)
    attempted_at = _now()
    try:
        fundamentals = client.fetch_company(ticker)
    except errors.YahooError as error:
        failures = int(company.failure_count or 0) + 1
        services.company_refresh_failed(
            ticker=ticker,
            outcome=error.outcome,
            detail=str(error),
            attempted_at=attempted_at,
            next_attempt=attempted_at + backoff(error, failures),
            failure_count=failures,
            # an explorer or a new listing: no statements yet, but a profile worth showing
            profile=error.profile if isinstance(error, errors.NoStatements) else None,
        )
        return CompanyOutcome(
            ticker, error.outcome, time.monotonic() - started, detail=str(error)[:200]
        )
    periods = services.company_fundamentals_store(
        ticker=ticker,
        fundamentals=fundamentals,
        fetched_at=attempted_at,
        next_attempt=attempted_at + datetime.timedelta(hours=settings.REFRESH_INTERVAL_HOURS),
    )
    return CompanyOutcome(ticker, REFRESH_OK, time.monotonic() - started, periods)


def _record_unexpected(ticker: str, exc: Exception) -> None:
    """Back an unexpectedly failing company off like a malformed payload, so the queue moves on."""
    company = selectors.company_get(ticker=ticker)
    if company is None:
        return
    failures = int(company.failure_count or 0) + 1
    now = _now()
    try:
        services.company_refresh_failed(
            ticker=ticker,
            outcome=UNEXPECTED_ERROR,
            detail=repr(exc),
            attempted_at=now,
            next_attempt=now + backoff(errors.MalformedPayload(""), failures),
            failure_count=failures,
        )
    except PynamoDBException:
        log.exception("refresh ticker=%s could not record the failure", ticker)


def companies_refresh(
    *,
    tickers: list[str] | None = None,
    limit: int,
    concurrency: int,
    budget_seconds: float,
    client: YahooClient | None = None,
    progress: Callable[[int], Callable[[], None]] | None = None,
) -> RefreshReport:
    """Refresh `tickers`, or else the `limit` companies most overdue, `concurrency` at a time.

    No company starts once less than `REFRESH_COMPANY_SECONDS` of the budget is left; those are
    reported as DEFERRED and stay due. `progress(total)` returns a callable ticked per company.
    """
    client = client or yahoo_client()
    if tickers is None:
        tickers = selectors.companies_due(now=_now(), limit=limit)
    return refresh_run(
        tickers=tickers,
        refresh_one=lambda ticker: company_refresh(ticker=ticker, client=client),
        record_unexpected=_record_unexpected,
        concurrency=concurrency,
        budget_seconds=budget_seconds,
        progress=progress,
        what="refresh",
    )


def refresh_run(
    *,
    tickers: list[str],
    refresh_one: Callable[[str], CompanyOutcome],
    record_unexpected: Callable[[str, Exception], None],
    concurrency: int,
    budget_seconds: float,
    progress: Callable[[int], Callable[[], None]] | None,
    what: str,
) -> RefreshReport:
    """Run `refresh_one` over `tickers`, `concurrency` at a time, within `budget_seconds` (no
    company starts with less than its slowest yet, at least REFRESH_COMPANY_SECONDS, left: it is
    DEFERRED). A storage error or an unexpected exception fails that company alone (the latter
    recorded with `record_unexpected`, so it backs off). Logs a line per company and a summary,
    `what` naming the run ("refresh", "prices")."""
    started = time.monotonic()
    deadline = started + budget_seconds
    tick = progress(len(tickers)) if progress else (lambda: None)
    slowest = [float(settings.REFRESH_COMPANY_SECONDS)]

    def run(ticker: str) -> CompanyOutcome:
        if time.monotonic() + slowest[0] > deadline:
            return CompanyOutcome(ticker, DEFERRED)
        try:
            outcome = refresh_one(ticker)
        except PynamoDBException as exc:  # throttled or failed write: this company only
            return CompanyOutcome(ticker, STORAGE_ERROR, detail=str(exc)[:200])
        except Exception as exc:  # one company's surprise must not fail the run, nor stay first
            log.exception("%s ticker=%s outcome='unexpected error'", what, ticker)
            record_unexpected(ticker, exc)
            return CompanyOutcome(ticker, UNEXPECTED_ERROR, detail=repr(exc)[:200])
        slowest[0] = max(slowest[0], outcome.seconds)
        return outcome

    report = RefreshReport()
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix=what) as pool:
        for future in as_completed([pool.submit(run, ticker) for ticker in tickers]):
            outcome = future.result()
            report.outcomes.append(outcome)
            if outcome.outcome != DEFERRED:
                log.info(
                    "%s ticker=%s outcome=%r periods=%d seconds=%.2f%s",
                    what,
                    outcome.ticker,
                    outcome.outcome,
                    outcome.periods,
                    outcome.seconds,
                    f" detail={outcome.detail!r}" if outcome.detail else "",
                )
            tick()
    report.seconds = time.monotonic() - started
    log.info(
        "%s_run companies=%d ok=%d failed=%d deferred=%d seconds=%.1f",
        what,
        len(report.outcomes),
        report.succeeded,
        report.failed,
        report.deferred,
        report.seconds,
    )
    return report
