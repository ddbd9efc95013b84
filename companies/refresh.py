"""The fundamentals refresh: which companies are due, fetched how fast, and what is recorded.

Several companies are in flight at once (`concurrency` threads); every request to Yahoo passes
one process-wide rate limiter, and a 429 pauses them all (see scraping.yahoo). A company that
fails keeps its stored figures; its outcome and consecutive-failure count are recorded and its
next attempt is pushed back exponentially, so a dead ticker neither blocks the queue nor hammers
Yahoo. A run stops starting companies when its time budget is nearly spent and leaves the rest
for the next run.

A run from the queue takes each company (a conditional claim on its queue key) before fetching
it, so a duplicate or overlapping run (Lambda retries, and may deliver a scheduled event twice)
finds it taken and fetches nothing twice. When Yahoo answers 429 to companies in a row, the run
stops starting companies and every run, in any process, leaves Yahoo alone for a pause that
doubles per such run up to a cap; the next run then sends one company alone, and goes on at
full rate when Yahoo answers it. The companies not started stay due, untouched.

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
from companies.models import REFRESH_OK, Company
from scraping import errors
from scraping.yahoo import YahooClient

log = logging.getLogger("companies.refresh")

NOT_IN_DIRECTORY = "not in the directory"
STORAGE_ERROR = "storage error"
UNEXPECTED_ERROR = "unexpected error"
DEFERRED = "deferred"
TAKEN = "taken by another run"
RATE_LIMITED = errors.RateLimited.outcome
# Outcomes of a company Yahoo answered with anything but a 429.
YAHOO_ANSWERED = frozenset(
    {REFRESH_OK}
    | {
        error.outcome
        for error in (
            errors.NoSuchSymbol,
            errors.NoStatements,
            errors.MalformedPayload,
            errors.YahooUnavailable,
        )
    }
)
# Companies answered 429 in a row that stop a run (one alone, when it probes after a pause).
RATE_LIMITED_IN_A_ROW = 2
STORAGE_BACKOFF = datetime.timedelta(minutes=10)  # doubling per consecutive failure, as below

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


def pause_length(strikes: int) -> datetime.timedelta:
    """How long every run leaves Yahoo alone after the `strikes`-th rate-limited run in a row:
    YAHOO_PAUSE_MINUTES, doubling, at most YAHOO_PAUSE_MAX_MINUTES."""
    first = datetime.timedelta(minutes=settings.YAHOO_PAUSE_MINUTES)
    cap = datetime.timedelta(minutes=settings.YAHOO_PAUSE_MAX_MINUTES)
    return min(cap, first * 2 ** max(0, strikes - 1))


@dataclass
class CompanyOutcome:
    ticker: str
    outcome: str  # REFRESH_OK, an error's outcome in words, NOT_IN_DIRECTORY or DEFERRED
    seconds: float = 0.0
    periods: int = 0
    detail: str = ""
    fetched_at: datetime.datetime | None = None  # when a successful fetch was made


@dataclass
class RefreshReport:
    outcomes: list[CompanyOutcome] = field(default_factory=list)
    seconds: float = 0.0
    # When Yahoo may be asked again: set when the run found Yahoo paused (and did nothing), or
    # was itself stopped by 429s (`rate_limited`) and paused it.
    paused_until: datetime.datetime | None = None
    rate_limited: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def succeeded(self) -> int:
        return self.count(REFRESH_OK)

    @property
    def deferred(self) -> int:
        return self.count(DEFERRED)

    @property
    def skipped(self) -> int:
        return self.count(TAKEN)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.succeeded - self.deferred - self.skipped

    @property
    def attempted(self) -> int:
        return len(self.outcomes) - self.deferred - self.skipped


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Clock:
    """Where a run reads the time: `now` (aware, UTC, whole seconds) for what it records and
    the queue, `monotonic` (seconds) for its budget. The real one unless a drill runs the
    refresh on simulated time (the Yahoo client's limiter takes its own, see YahooClient)."""

    now: Callable[[], datetime.datetime] = _now
    monotonic: Callable[[], float] = time.monotonic


REAL_CLOCK = Clock()


def company_refresh(
    *, ticker: str, client: YahooClient, clock: Clock = REAL_CLOCK, claim: bool = False
) -> CompanyOutcome:
    """Fetch one company and record the result; never raises for a Yahoo failure. A company
    with a profile but no statements has its profile stored and "no statements" recorded.

    With `claim` (a run from the queue), the company is first taken from the queue for
    REFRESH_CLAIM_SECONDS, and is not fetched at all (TAKEN) when it is no longer due. A write
    that fails once fetched is a STORAGE_ERROR, recorded when the table lets us (backed off);
    the company keeps every stored figure and is due again after the claim at the latest."""
    started = clock.monotonic()
    company = selectors.company_get(ticker=ticker)
    if company is None:
        return CompanyOutcome(ticker, NOT_IN_DIRECTORY)
    attempted_at = clock.now()
    if claim and not services.company_queue_claim(
        ticker=ticker,
        queue=Company.by_refresh_due,
        now=attempted_at,
        until=attempted_at + datetime.timedelta(seconds=settings.REFRESH_CLAIM_SECONDS),
    ):
        return CompanyOutcome(ticker, TAKEN)
    failures = int(company.failure_count or 0) + 1
    try:
        fundamentals = client.fetch_company(ticker)
    except errors.YahooError as error:
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
            ticker, error.outcome, clock.monotonic() - started, detail=str(error)[:200]
        )
    try:
        periods = services.company_fundamentals_store(
            ticker=ticker,
            fundamentals=fundamentals,
            fetched_at=attempted_at,
            next_attempt=attempted_at + datetime.timedelta(hours=settings.REFRESH_INTERVAL_HOURS),
        )
    except PynamoDBException as exc:  # throttled past every retry, or the table is gone
        _record_storage_error(ticker, exc, failures=failures, attempted_at=attempted_at)
        return CompanyOutcome(
            ticker, STORAGE_ERROR, clock.monotonic() - started, detail=str(exc)[:200]
        )
    return CompanyOutcome(
        ticker, REFRESH_OK, clock.monotonic() - started, periods, fetched_at=attempted_at
    )


def _record_storage_error(
    ticker: str, exc: Exception, *, failures: int, attempted_at: datetime.datetime
) -> None:
    """Record a write that failed, if the table takes this one: the company backs off instead
    of being first in the queue again while DynamoDB is throttling."""
    try:
        services.company_refresh_failed(
            ticker=ticker,
            outcome=STORAGE_ERROR,
            detail=str(exc),
            attempted_at=attempted_at,
            next_attempt=attempted_at
            + min(BACKOFF_CAP, STORAGE_BACKOFF * 2 ** max(0, failures - 1)),
            failure_count=failures,
        )
    except PynamoDBException:
        log.warning("refresh ticker=%s could not record its storage error either", ticker)


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
    clock: Clock = REAL_CLOCK,
) -> RefreshReport:
    """Refresh `tickers`, or else the `limit` companies most overdue, `concurrency` at a time.

    No company starts once less than `REFRESH_COMPANY_SECONDS` of the budget is left; those are
    reported as DEFERRED and stay due. Companies from the queue are claimed one by one (TAKEN:
    another run has it); named `tickers` are fetched due or not. `progress(total)` returns a
    callable ticked per company.
    """
    client = client or yahoo_client()
    claim = tickers is None
    report = refresh_run(
        tickers=tickers
        if tickers is not None
        else (lambda: selectors.companies_due(now=clock.now(), limit=limit)),
        refresh_one=lambda ticker: company_refresh(
            ticker=ticker, client=client, clock=clock, claim=claim
        ),
        record_unexpected=_record_unexpected,
        concurrency=concurrency,
        budget_seconds=budget_seconds,
        progress=progress,
        what="refresh",
        clock=clock,
    )
    _refreshed_record(report)
    return report


def _refreshed_record(report: RefreshReport) -> None:
    """The home page's "last refreshed": one write per run, at its end (not one per company),
    of its newest success. A run cut off before its end records nothing; the next one does."""
    fetched = [o.fetched_at for o in report.outcomes if o.fetched_at is not None]
    if not fetched:
        return
    try:
        services.site_refreshed_record(at=max(fetched))
    except PynamoDBException:
        log.exception("refresh_run could not record when it refreshed")


def refresh_run(
    *,
    tickers: list[str] | Callable[[], list[str]],
    refresh_one: Callable[[str], CompanyOutcome],
    record_unexpected: Callable[[str, Exception], None],
    concurrency: int,
    budget_seconds: float,
    progress: Callable[[int], Callable[[], None]] | None,
    what: str,
    clock: Clock = REAL_CLOCK,
) -> RefreshReport:
    """Run `refresh_one` over `tickers` (or those a callable reads from the queue, once the run
    knows Yahoo is not paused), `concurrency` at a time, within `budget_seconds` (no company
    starts with less than its slowest yet, at least REFRESH_COMPANY_SECONDS, left: it is
    DEFERRED). A storage error or an unexpected exception fails that company alone (the latter
    recorded with `record_unexpected`, so it backs off). Logs a line per company and a summary,
    `what` naming the run ("refresh", "prices").

    Yahoo's 429s are the site's, not a company's: while the site-wide pause (YahooPause) lasts
    the run starts nothing (`paused_until`); after one, it sends one company alone first.
    RATE_LIMITED_IN_A_ROW companies answered 429 in a row (that one, in a probe) stop it from
    starting more (DEFERRED: they stay due) and pause every run for `pause_length`."""
    report = RefreshReport()
    started = clock.monotonic()
    pause = services.yahoo_pause_get()
    if pause is not None and pause.until > clock.now():
        report.paused_until = pause.until
        log.info(
            "%s_run paused_until=%s strikes=%d (Yahoo rate limited the last run)",
            what,
            pause.until.isoformat(),
            pause.strikes,
        )
        return report
    if callable(tickers):
        tickers = tickers()
    probing = pause is not None and pause.strikes > 0
    stop_after = 1 if probing else RATE_LIMITED_IN_A_ROW
    deadline = started + budget_seconds
    tick = progress(len(tickers)) if progress else (lambda: None)
    slowest = [float(settings.REFRESH_COMPANY_SECONDS)]
    stopped = threading.Event()
    in_a_row_lock = threading.Lock()
    in_a_row = [0]

    def run(ticker: str) -> CompanyOutcome:
        if stopped.is_set() or clock.monotonic() + slowest[0] > deadline:
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
        with in_a_row_lock:
            if outcome.outcome == RATE_LIMITED:
                in_a_row[0] += 1
                if in_a_row[0] >= stop_after:
                    stopped.set()
            elif outcome.outcome in YAHOO_ANSWERED:
                in_a_row[0] = 0
        return outcome

    def record(outcome: CompanyOutcome) -> None:
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

    rest = list(tickers)
    if probing and rest:
        record(run(rest.pop(0)))  # alone: Yahoo may still be rate limiting us
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix=what) as pool:
        for future in as_completed([pool.submit(run, ticker) for ticker in rest]):
            record(future.result())
    report.rate_limited = stopped.is_set()
    _pause_record(report, pause, now=clock.now(), what=what)
    report.seconds = clock.monotonic() - started
    log.info(
        "%s_run companies=%d ok=%d failed=%d deferred=%d taken=%d seconds=%.1f%s",
        what,
        len(report.outcomes),
        report.succeeded,
        report.failed,
        report.deferred,
        report.skipped,
        report.seconds,
        f" rate_limited paused_until={report.paused_until.isoformat()}"
        if report.rate_limited and report.paused_until
        else "",
    )
    return report


def _pause_record(report: RefreshReport, pause, *, now: datetime.datetime, what: str) -> None:
    """Extend the site-wide pause after a run Yahoo stopped, or lift it after one it answered."""
    try:
        if report.rate_limited:
            strikes = (int(pause.strikes) if pause is not None else 0) + 1
            since = pause.since if pause is not None and pause.strikes else now
            report.paused_until = now + pause_length(strikes)
            services.yahoo_pause_extend(until=report.paused_until, strikes=strikes, since=since)
        elif (
            pause is not None
            and pause.strikes
            and any(o.outcome in YAHOO_ANSWERED for o in report.outcomes)
        ):
            services.yahoo_pause_clear(now=now)
            log.info("%s_run Yahoo answers again after %d rate-limited runs", what, pause.strikes)
    except PynamoDBException:
        log.exception("%s_run could not record Yahoo's pause", what)
