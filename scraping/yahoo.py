"""Yahoo Finance, through yfinance: one ASX company's profile and statements per call.

Owns the HTTP session every yfinance request goes through (a rate limit shared by every thread,
a pause for every thread after a 429, a timeout on every request, and an optional rewrite to a
Yahoo-compatible server), yfinance's process-wide settings, and turning yfinance's failures
into our typed errors (`scraping.errors.YahooError` and its subclasses).

yfinance keeps one HTTP session for the whole process (`yfinance.data.YfData` is a singleton
that every `Ticker` re-points at the session it is given), so a process has one YahooClient:
its session, limiter and settings then hold for every thread. Threads may call
`fetch_company` concurrently.
"""

import copy
import datetime
import json
import logging
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import yfinance as yf
from curl_cffi import requests as curl_requests
from curl_cffi.requests import exceptions as curl_exceptions
from yfinance.data import YfData
from yfinance.exceptions import (
    YFException,
    YFPricesMissingError,
    YFRateLimitError,
    YFTickerMissingError,
)

from scraping.errors import (
    MalformedPayload,
    NoSuchSymbol,
    RateLimited,
    YahooError,
    YahooUnavailable,
)
from scraping.normalize import (
    CompanyFundamentals,
    PriceHistory,
    company_fundamentals,
    price_history,
)

logger = logging.getLogger(__name__)

TICKER = re.compile(r"[A-Z0-9]{1,6}")
CURRENCY = re.compile(r"[A-Z]{3}")
EXCHANGE_SUFFIX = ".AX"

# Every statement frame one company costs, in the order they are fetched. yfinance has no
# trailing balance sheet (a balance sheet is a position, not a flow): it raises ValueError.
STATEMENT_FRAMES = (
    ("income", "annual"),
    ("income", "quarterly"),
    ("income", "ttm"),
    ("balance", "annual"),
    ("balance", "quarterly"),
    ("cashflow", "annual"),
    ("cashflow", "quarterly"),
    ("cashflow", "ttm"),
)
_FREQ = {"annual": "yearly", "quarterly": "quarterly", "ttm": "trailing"}

# yfinance/scrapers/fundamentals.py raises this when the timeseries `result` is empty.
_EMPTY_TIMESERIES = "Empty fundamentals-timeseries result"
_QUOTE_SUMMARY_PATH = "/v10/finance/quoteSummary/"
# yfinance fetches Yahoo's cookie from these hosts and carries on without one when they fail.
_COOKIE_HOSTS = {"fc.yahoo.com", "guce.yahoo.com", "consent.yahoo.com"}


def yahoo_symbol(ticker: str) -> str:
    """An ASX code ("bhp", "BHP") as Yahoo spells it ("BHP.AX"). Raises ValueError otherwise."""
    code = ticker.strip().upper()
    if not TICKER.fullmatch(code):
        raise ValueError(f"not an ASX code: {ticker!r}")
    return code + EXCHANGE_SUFFIX


def rewrite_url(url: str, base_url: str | None) -> str:
    """`https://<anything>.yahoo.com/<path>?<query>` -> `<base_url>/<path>?<query>`, so that
    yfinance's own requests reach a Yahoo-compatible server. Other URLs, and every URL when
    `base_url` is None, are returned unchanged."""
    if base_url is None:
        return url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host != "yahoo.com" and not host.endswith(".yahoo.com"):
        return url
    query = f"?{parts.query}" if parts.query else ""
    return f"{base_url.rstrip('/')}{parts.path or '/'}{query}"


class RateLimiter:
    """Request starts spaced at least 1/`requests_per_second` apart across every thread that
    shares it, and a pause for all of them after a 429: `pause_on_429` seconds, doubling with
    each further 429 up to `max_pause_on_429`, and back to `pause_on_429` once Yahoo answers
    anything else. 429s from requests already in flight when a pause began do not lengthen it.

    `clock` (seconds, monotonic) and `sleep` are time.monotonic and time.sleep unless a drill
    runs it on simulated time."""

    def __init__(
        self,
        *,
        requests_per_second: float,
        pause_on_429: float = 5.0,
        max_pause_on_429: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if requests_per_second <= 0:
            raise ValueError("requests_per_second must be positive")
        if pause_on_429 < 0 or max_pause_on_429 < pause_on_429:
            raise ValueError("need 0 <= pause_on_429 <= max_pause_on_429")
        self.requests_per_second = requests_per_second
        self.pause_on_429 = pause_on_429
        self.max_pause_on_429 = max_pause_on_429
        self._interval = 1.0 / requests_per_second
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_start = 0.0
        self._paused_until = 0.0
        self._paused_at = float("-inf")
        self._strikes = 0

    def wait(self) -> float:
        """Block until this thread may send a request; returns its start (on `clock`)."""
        while True:
            with self._lock:
                now = self._clock()
                start = max(now, self._next_start, self._paused_until)
                self._next_start = start + self._interval
            if start > now:
                self._sleep(start - now)
            with self._lock:
                if self._paused_until <= start:
                    return start
            # Another thread met a 429 while this one slept: queue again behind the pause.

    def rate_limited(self, *, sent_at: float) -> float:
        """A request started at `sent_at` got a 429: pause every thread. Returns the seconds
        left of the pause."""
        with self._lock:
            now = self._clock()
            if sent_at >= self._paused_at:
                self._strikes = min(self._strikes + 1, 32)
                pause = min(self.max_pause_on_429, self.pause_on_429 * 2 ** (self._strikes - 1))
                self._paused_until = max(self._paused_until, now + pause)
                self._paused_at = now
            return max(0.0, self._paused_until - now)

    def answered(self, *, sent_at: float) -> None:
        """A request started at `sent_at` got an answer other than 429."""
        with self._lock:
            if sent_at >= self._paused_at:
                self._strikes = 0


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path}"


class YahooSession(curl_requests.Session):
    """The curl_cffi session yfinance sends every request through. Each request is rewritten
    (see `rewrite_url`), given our timeout (yfinance's own is 30 s), and waits its turn at the
    limiter. Answers are checked here, because yfinance reads a statement's body without
    looking at the status: a 429 raises RateLimited (after pausing every thread), a 5xx or a
    network error raises YahooUnavailable, and quoteSummary's 404 raises NoSuchSymbol. Other
    answers go back to yfinance, which retries a 401 with a fresh crumb."""

    def __init__(self, *, base_url: str | None, timeout: float, limiter: RateLimiter):
        super().__init__(impersonate="chrome")
        self.rewrite_base = base_url.rstrip("/") if base_url else None
        self.request_timeout = timeout
        self.limiter = limiter
        self._fetch = threading.local()

    @contextmanager
    def fetch_scope(self) -> Iterator[None]:
        """One company's fetch on this thread. Once a request in it has raised a YahooError,
        every later request in it raises the same error without reaching the network, so
        yfinance's fallbacks (a second try with a new crumb, statements re-asked in chunks)
        cost neither requests nor timeouts once a fetch has failed."""
        self._fetch.active, self._fetch.failure = True, None
        try:
            yield
        finally:
            self._fetch.active, self._fetch.failure = False, None

    def _failed(self, error: YahooError) -> YahooError:
        if getattr(self._fetch, "active", False):
            self._fetch.failure = error
        return error

    def _file_cookies_under_yahoo(self) -> None:
        """Behind a rewrite, Yahoo's cookie arrives from the stand-in's host. yfinance only
        keeps (and reuses) a cookie filed under a yahoo domain, and otherwise asks for a new
        one before every request; so file a copy under .yahoo.com, as Yahoo itself would."""
        host = urlsplit(self.rewrite_base).hostname
        jar = self.cookies.jar
        for cookie in list(jar):
            if cookie.domain.lstrip(".") == host:
                yahoo = copy.copy(cookie)
                yahoo.domain, yahoo.domain_specified, yahoo.domain_initial_dot = (
                    ".yahoo.com",
                    True,
                    True,
                )
                jar.set_cookie(yahoo)

    def request(self, method, url, *args, **kwargs):
        failure = getattr(self._fetch, "failure", None)
        if failure is not None:
            raise failure
        cookie_request = (urlsplit(url).hostname or "").lower() in _COOKIE_HOSTS
        kwargs["timeout"] = self.request_timeout
        sent_at = self.limiter.wait()
        try:
            response = super().request(method, rewrite_url(url, self.rewrite_base), *args, **kwargs)
        except curl_exceptions.RequestException as exc:
            if cookie_request:
                raise  # yfinance carries on without a cookie, as it is built to
            raise self._failed(YahooUnavailable(f"{method} {_where(url)}: {exc}")) from exc

        if cookie_request and self.rewrite_base:
            self._file_cookies_under_yahoo()
        status = response.status_code
        if status == 429:
            pause = self.limiter.rate_limited(sent_at=sent_at)
            if not cookie_request:
                raise self._failed(
                    RateLimited(f"{method} {_where(url)}: 429; every request waits {pause:.1f}s")
                )
            return response
        self.limiter.answered(sent_at=sent_at)
        if cookie_request:
            return response
        if status >= 500:
            raise self._failed(YahooUnavailable(f"{method} {_where(url)}: HTTP {status}"))
        if status == 404 and urlsplit(url).path.startswith(_QUOTE_SUMMARY_PATH):
            raise self._failed(NoSuchSymbol(f"{_where(url)}: Yahoo has no such symbol (404)"))
        return response


_configure_lock = threading.Lock()
_cache_dir: Path | None = None


def _configure_yfinance(cache_dir: str | Path) -> Path:
    """yfinance's process-wide settings, before its first request: raise instead of returning
    an empty frame, and keep its sqlite caches (cookies.db, tkr-tz.db, isin-tkr.db) under
    `cache_dir`, not ~/.cache (read-only on Lambda). yfinance cannot move them once used, so
    the first directory given in a process is the one used; returns it."""
    global _cache_dir
    with _configure_lock:
        yf.config.debug.hide_exceptions = False
        # yfinance 1.7 calls pandas with `inplace=`, which pandas 3.1 deprecates: one warning
        # per price fetch in the logs, about yfinance's code rather than ours.
        warnings.filterwarnings("ignore", message="The inplace keyword", module="yfinance")
        wanted = Path(cache_dir).resolve()
        if _cache_dir is None:
            wanted.mkdir(parents=True, exist_ok=True)
            yf.set_tz_cache_location(str(wanted))
            _cache_dir = wanted
        elif wanted != _cache_dir:
            logger.warning(
                "yfinance's cache stays in %s for this process, not %s", _cache_dir, wanted
            )
        return _cache_dir


def _http_error(symbol: str, what: str, exc: curl_exceptions.HTTPError) -> YahooError:
    status = getattr(exc.response, "status_code", None)
    if status == 404:
        return NoSuchSymbol(f"{symbol} {what}: Yahoo has no such symbol (404)")
    if status == 429:
        return RateLimited(f"{symbol} {what}: 429")
    return YahooUnavailable(f"{symbol} {what}: HTTP {status}")


@contextmanager
def _translated(symbol: str, what: str) -> Iterator[None]:
    """yfinance's failures (with hide_exceptions off) as our typed errors."""
    try:
        yield
    except YahooError:
        raise
    except YFRateLimitError as exc:
        raise RateLimited(f"{symbol} {what}: {exc}") from exc
    except curl_exceptions.HTTPError as exc:
        raise _http_error(symbol, what, exc) from exc
    except json.JSONDecodeError as exc:
        raise MalformedPayload(f"{symbol} {what}: unparseable JSON ({exc})") from exc
    except curl_exceptions.RequestException as exc:
        raise YahooUnavailable(f"{symbol} {what}: {exc}") from exc
    except (YFException, KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
        # yfinance reads Yahoo's JSON without checking its shape: a null point is a TypeError.
        raise MalformedPayload(f"{symbol} {what}: {type(exc).__name__}: {exc}") from exc


def _profile(ticker: yf.Ticker, symbol: str) -> dict:
    with _translated(symbol, "profile"):
        info = ticker.info
    if not isinstance(info, dict):
        raise MalformedPayload(f"{symbol} profile: not a dict but {type(info).__name__}")
    if not any(info.get(key) for key in ("quoteType", "longName", "shortName")):
        raise NoSuchSymbol(f"{symbol}: Yahoo has no profile for it")
    return info


def _statement_frame(ticker: yf.Ticker, symbol: str, statement: str, period_type: str):
    fetch = {
        "income": ticker.get_income_stmt,
        "balance": ticker.get_balance_sheet,
        "cashflow": ticker.get_cash_flow,
    }[statement]
    with _translated(symbol, f"{statement} {period_type}"):
        try:
            return fetch(pretty=False, freq=_FREQ[period_type])
        except IndexError:
            # yfinance keeps the newest trailing column with iloc[:, [0]], even of no columns.
            if period_type == "ttm":
                return pd.DataFrame()
            raise
        except YFException as exc:
            if str(exc) == _EMPTY_TIMESERIES:
                return pd.DataFrame()
            raise


def exchange_rate_symbol(base: str, quote: str) -> str:
    """Yahoo's symbol of an exchange rate: ("AUD", "USD") -> "AUDUSD=X", the price of one AUD
    in USD. Raises ValueError for a string that is not a currency code."""
    pair = (base.strip().upper(), quote.strip().upper())
    if not all(CURRENCY.fullmatch(code) for code in pair) or pair[0] == pair[1]:
        raise ValueError(f"not a currency pair: {base!r}, {quote!r}")
    return f"{pair[0]}{pair[1]}=X"


class YahooClient:
    """Fetches companies from Yahoo (or, with `base_url`, from a Yahoo-compatible server).

    `requests_per_second` caps every request this process sends Yahoo, across all threads;
    a 429 pauses them all for `pause_on_429` seconds, doubling per further 429 up to
    `max_pause_on_429`. `timeout` (seconds) bounds each request. yfinance's caches go under
    `cache_dir`. `clock` and `sleep` are the limiter's (see RateLimiter). One client per process
    (see the module docstring); it is thread-safe.
    """

    def __init__(
        self,
        *,
        base_url: str | None,
        requests_per_second: float,
        timeout: float,
        cache_dir: str | Path,
        pause_on_429: float = 5.0,
        max_pause_on_429: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.cache_dir = _configure_yfinance(cache_dir)
        self.limiter = RateLimiter(
            requests_per_second=requests_per_second,
            pause_on_429=pause_on_429,
            max_pause_on_429=max_pause_on_429,
            clock=clock,
            sleep=sleep,
        )
        self.session = YahooSession(base_url=base_url, timeout=timeout, limiter=self.limiter)

    def fetch_company(self, ticker: str) -> CompanyFundamentals:
        """Profile and every statement Yahoo has for one ASX code ("BHP", without ".AX").

        Costs 11 requests (profile 3, statements 8) plus a crumb now and then. Raises
        NoSuchSymbol, NoStatements, RateLimited, YahooUnavailable or MalformedPayload
        (all YahooError); ValueError for a string that is not an ASX code."""
        symbol = yahoo_symbol(ticker)
        with self.session.fetch_scope():
            _forget_responses(self.session)
            yticker = yf.Ticker(symbol, session=self.session)
            info = _profile(yticker, symbol)
            frames = {
                (statement, period_type): _statement_frame(yticker, symbol, statement, period_type)
                for statement, period_type in STATEMENT_FRAMES
            }
        return company_fundamentals(symbol, info, frames)

    def fetch_prices(self, ticker: str, *, since: datetime.date | None = None) -> PriceHistory:
        """Daily bars, dividends and splits of one ASX code: the whole history, or the trading
        days from `since` (inclusive) to today. One chart request (and, the first time a
        process meets a symbol, one for its time zone, cached in `cache_dir`).

        No bar since `since` is an empty history, not an error. Raises NoSuchSymbol (Yahoo has
        no prices for the symbol at all), RateLimited, YahooUnavailable, MalformedPayload;
        ValueError for a string that is not an ASX code."""
        return self._history(yahoo_symbol(ticker), since=since)

    def fetch_exchange_rate(
        self, base: str, quote: str, *, since: datetime.date | None = None
    ) -> PriceHistory:
        """Daily rates of `quote` per one `base` ("AUD", "USD": US dollars per Australian
        dollar), as bars whose close is the rate. Raises as `fetch_prices` does."""
        return self._history(exchange_rate_symbol(base, quote), since=since)

    def _history(self, symbol: str, *, since: datetime.date | None) -> PriceHistory:
        window = (
            {"period": "max"}
            if since is None
            else {"start": since.isoformat(), "end": _window_end().isoformat()}
        )
        with self.session.fetch_scope():
            _forget_responses(self.session)
            yticker = yf.Ticker(symbol, session=self.session)
            with _translated(symbol, "prices"):
                try:
                    frame = yticker.history(
                        interval="1d", auto_adjust=False, actions=True, keepna=True, **window
                    )
                except YFPricesMissingError:
                    if since is None:
                        raise NoSuchSymbol(f"{symbol}: Yahoo has no prices for it") from None
                    frame = pd.DataFrame()
                except YFTickerMissingError as exc:
                    raise NoSuchSymbol(f"{symbol}: {exc}") from exc
                metadata = yticker.get_history_metadata() if not frame.empty else {}
        if since is None and frame.empty:
            raise NoSuchSymbol(f"{symbol}: Yahoo has no prices for it")
        # yfinance's HistoryMetadata is a lazy mapping: reading all of it would fetch intraday
        # trading periods, so read the one key
        currency = metadata.get("currency") if "currency" in metadata else None
        try:
            return price_history(frame, symbol=symbol, currency=currency)
        except (TypeError, ValueError) as exc:
            raise MalformedPayload(f"{symbol} prices: {exc}") from exc

    def close(self) -> None:
        self.session.close()


def _window_end() -> datetime.date:
    # `end` is exclusive and read in the exchange's time zone, up to a day ahead of UTC: two
    # days on makes sure today's bar comes too.
    return datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=2)


def _forget_responses(session: YahooSession) -> None:
    """yfinance keeps whole responses in an LRU (`YfData.cache_get`), a malformed one too, and
    once one long statement request fails it asks in chunks of 60 types for the rest of the
    process (`fundamentals_use_chunked`). Every company starts from neither."""
    data = YfData(session=session)
    YfData.cache_get.cache_clear()
    data.fundamentals_use_chunked = False
