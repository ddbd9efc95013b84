"""A Yahoo-compatible HTTP server on 127.0.0.1 for tests and benchmarks: yfinance's real code
reaches it through scraping.yahoo's URL rewrite, so nothing is mocked and nothing leaves the
machine. Test-only: never on the production path.

It speaks what yfinance 1.7 asks for: the cookie (`fc.yahoo.com` -> `/`), the crumb
(`/v1/test/getcrumb`), `/v10/finance/quoteSummary/{SYMBOL}`, `/v7/finance/quote?symbols=`,
`/ws/fundamentals-timeseries/v1/finance/timeseries/{SYMBOL}` and `/v8/finance/chart/{SYMBOL}`
(daily bars only), answered from tests.fakes.payloads. It serves the companies it is given
(default: tests.fakes.companies' `fixture_companies`) and, with `any_symbol=True`, a
`generated_company` for every other symbol (for benchmarks); the chart endpoint also serves
exchange rates (`AUDUSD=X`, any `AUDxxx=X`).

Prices run from each listing to the fake's "today", `prices_through` (default
tests.fakes.prices.PRICES_THROUGH, a fixed Friday, so that figures are stable); set it to a
later date and later bars (and the dividends and splits up to it) appear, as they would on
Yahoo. `price_series(symbol)` is what the chart endpoint serves for a symbol, as plain Python.

Faults are set at run time, for one symbol or all, one endpoint or every data endpoint, a
number of times or for good (endpoint "*": every endpoint, the cookie and crumb too, as when
Yahoo rate limits an address): "429", "500", "timeout" (hang past the client's timeout),
"slow" (`seconds` of extra latency), "malformed" (truncated JSON), "null_point" (a null in a
timeseries list; in a chart, the middle bar's close). `latency` delays every answer.

    with FakeYahoo() as yahoo:
        yahoo.set_fault("429", symbol="BHP.AX", times=1)
        client = YahooClient(base_url=yahoo.base_url, ...)
"""

import datetime
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.companies import FakeCompany, fixture_companies, generated_company
from tests.fakes.payloads import (
    chart_error_payload,
    chart_payload,
    not_found_payload,
    quote_payload,
    quote_summary_payload,
    timeseries_payload,
)
from tests.fakes.prices import PRICES_THROUGH, PriceSeries, company_series, fx_series

CRUMB = "haT3oykhHqZ"  # as recorded in shared/data/yahoo-shapes/getcrumb.response.json
FAULT_MODES = ("429", "500", "timeout", "slow", "malformed", "null_point")
DATA_ENDPOINTS = ("quoteSummary", "quote", "timeseries", "chart")


@dataclass
class Fault:
    mode: str
    symbol: str | None
    endpoint: str | None
    remaining: int | None  # None: for good
    seconds: float
    skip: int = 0  # matching requests still to let through first

    def matches(self, endpoint: str, symbol: str | None) -> bool:
        if self.remaining == 0:
            return False
        if self.endpoint == "*":
            return self.symbol is None or self.symbol == symbol
        if self.endpoint is None and endpoint not in DATA_ENDPOINTS:
            return False
        if self.endpoint is not None and self.endpoint != endpoint:
            return False
        return self.symbol is None or self.symbol == symbol


@dataclass(frozen=True)
class Seen:
    at: float  # time.monotonic() when the request arrived
    endpoint: str  # cookie, crumb, consent, quoteSummary, quote, timeseries, chart, other
    symbol: str | None
    status: int | None  # None: the fake hung up without answering
    path: str


class FakeYahoo:
    """The server. `base_url` is what YahooClient(base_url=...) takes; `seen` lists every
    request; `count(endpoint=, symbol=)` counts them. `prices_through` is the fake's "today",
    the last day of every price series; set it (between requests) to move "today"."""

    def __init__(
        self,
        *,
        companies: dict[str, FakeCompany] | None = None,
        any_symbol: bool = False,
        latency: float = 0.0,
        hang_seconds: float = 5.0,
        prices_through: datetime.date = PRICES_THROUGH,
    ):
        self.companies = fixture_companies() if companies is None else companies
        self.any_symbol = any_symbol
        self.latency = latency
        self.hang_seconds = hang_seconds
        self.prices_through = prices_through
        self.seen: list[Seen] = []
        self._series: dict[tuple, PriceSeries] = {}
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> "FakeYahoo":
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-yahoo", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes any hanging or slow answer
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeYahoo":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # faults

    def set_fault(
        self,
        mode: str,
        *,
        symbol: str | None = None,
        endpoint: str | None = None,
        times: int | None = None,
        skip: int = 0,
        seconds: float = 0.15,
    ) -> None:
        """Answer with `mode` instead: for `symbol` (None: every symbol), on `endpoint` (None:
        quoteSummary, quote, timeseries and chart; "*": every endpoint, cookie and crumb
        included), `times` times (None: until clear_faults), after
        letting `skip` matching requests through. `seconds` is the extra latency of "slow"."""
        if mode not in FAULT_MODES:
            raise ValueError(f"mode must be one of {FAULT_MODES}")
        fault = Fault(mode, symbol and symbol.upper(), endpoint, times, seconds, skip)
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, endpoint: str, symbol: str | None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(endpoint, symbol):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    # what it saw

    def count(self, endpoint: str | None = None, symbol: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for seen in self.seen
                if (endpoint is None or seen.endpoint == endpoint)
                and (symbol is None or seen.symbol == symbol)
            )

    def reset_counts(self) -> None:
        with self._lock:
            self.seen.clear()

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def company(self, symbol: str) -> FakeCompany | None:
        company = self.companies.get(symbol)
        if company is None and self.any_symbol:
            company = generated_company(symbol)
            with self._lock:
                company = self.companies.setdefault(symbol, company)
        return company

    def price_series(self, symbol: str) -> PriceSeries | None:
        """What the chart endpoint serves for `symbol` as of `prices_through`: every bar,
        dividend and split (tests.fakes.prices.PriceSeries); None when it answers 404 (an
        unknown or delisted symbol)."""
        symbol = symbol.upper()
        through = self.prices_through
        company = None if "=" in symbol else self.company(symbol)  # "=X": exchange rates
        if company is not None and company.delisted:
            return None
        key = (symbol, through, id(company))
        with self._lock:
            series = self._series.get(key)
        if series is None:
            if company is None:
                series = fx_series(symbol, through=through)
            else:
                series = company_series(company, through=through)
            if series is None:
                return None
            with self._lock:
                series = self._series.setdefault(key, series)
        return series

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


def _route(path: str, query: dict) -> tuple[str, str | None]:
    if path in ("", "/"):
        return "cookie", None
    if path == "/v1/test/getcrumb":
        return "crumb", None
    if path.startswith("/consent") or path.startswith("/v2/collectConsent"):
        return "consent", None
    if path.startswith("/v10/finance/quoteSummary/"):
        return "quoteSummary", path.rsplit("/", 1)[1].upper()
    if path.rstrip("/") == "/v7/finance/quote":
        symbols = query.get("symbols", [""])[0]
        return "quote", symbols.split(",")[0].upper() or None
    if path.startswith("/ws/fundamentals-timeseries/v1/finance/timeseries/"):
        return "timeseries", path.rsplit("/", 1)[1].upper()
    if path.startswith("/v8/finance/chart/"):
        return "chart", unquote(path.rsplit("/", 1)[1]).upper()
    return "other", None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body, written apart, wait 40 ms for an ACK
    fake: FakeYahoo

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.do_GET()

    def do_GET(self):
        arrived = time.monotonic()
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        endpoint, symbol = _route(url.path, query)
        fake = self.fake
        fake.sleep(fake.latency)
        fault = fake._take_fault(endpoint, symbol)

        if fault and fault.mode == "timeout":
            fake._record(Seen(arrived, endpoint, symbol, None, url.path))
            fake.sleep(fake.hang_seconds)
            self.close_connection = True
            return
        if fault and fault.mode == "slow":
            fake.sleep(fault.seconds)
        if fault and fault.mode == "429":
            return self._answer(
                arrived, endpoint, symbol, 429, b"Edge: Too Many Requests", "text/plain"
            )
        if fault and fault.mode == "500":
            body = {"finance": {"result": None, "error": {"code": "internal-error"}}}
            return self._json(arrived, endpoint, symbol, 500, body)

        status, body = self._payload(endpoint, symbol, query, url.path)
        if isinstance(body, str):
            return self._answer(arrived, endpoint, symbol, status, body.encode(), "text/plain")
        if fault and fault.mode == "null_point" and endpoint == "timeseries":
            for entry in body["timeseries"]["result"]:
                data_key = entry["meta"]["type"][0]
                if entry.get(data_key):
                    entry[data_key][0] = None
                    break
        if fault and fault.mode == "null_point" and endpoint == "chart" and status == 200:
            closes = body["chart"]["result"][0]["indicators"]["quote"][0].get("close")
            if closes:
                closes[len(closes) // 2] = None
        if fault and fault.mode == "malformed":
            text = json.dumps(body).encode()
            return self._answer(arrived, endpoint, symbol, 200, text[: len(text) // 2], None)
        return self._json(arrived, endpoint, symbol, status, body)

    def _payload(self, endpoint: str, symbol: str | None, query: dict, path: str):
        fake = self.fake
        if endpoint == "cookie":
            return 404, "Not Found"
        if endpoint == "crumb":
            return 200, CRUMB
        if endpoint == "consent":
            return 404, "Not Found"
        if endpoint == "other":
            return 404, {"finance": {"result": None, "error": {"code": "Not Found"}}}
        if endpoint == "chart":
            return self._chart(symbol, query)
        company = fake.company(symbol) if symbol else None
        live = company if company is not None and not company.delisted else None
        if endpoint == "quoteSummary":
            if live is None:
                return 404, not_found_payload(symbol)
            modules = query.get("modules", [""])[0].split(",")
            return 200, quote_summary_payload(live, modules)
        if endpoint == "quote":
            if live is None:
                return 200, {"quoteResponse": {"result": [], "error": None}}
            return 200, quote_payload(live)
        types = [t for t in query.get("type", [""])[0].split(",") if t]
        period1 = int(query.get("period1", ["0"])[0])
        period2 = int(query.get("period2", [str(2**40)])[0])
        return 200, timeseries_payload(live, symbol, types, period1, period2)

    def _chart(self, symbol: str | None, query: dict):
        def first(name: str) -> str | None:
            return query.get(name, [None])[0]

        interval = first("interval") or "1d"
        if interval != "1d":
            return 400, chart_error_payload(
                "Bad Request",
                f"Invalid input - interval={interval} is not supported by the fake. "
                "Valid intervals: [1d]",
            )
        series = self.fake.price_series(symbol) if symbol else None
        if series is None:
            return 404, chart_error_payload("Not Found", "No data found, symbol may be delisted")
        try:
            return 200, chart_payload(
                series,
                range_name=first("range"),
                period1=int(first("period1")) if first("period1") else None,
                period2=int(first("period2")) if first("period2") else None,
                events=(first("events") or "").split(","),
            )
        except ValueError as exc:
            return 422, chart_error_payload("Unprocessable Entity", str(exc))

    def _json(self, arrived, endpoint, symbol, status, body):
        self._answer(arrived, endpoint, symbol, status, json.dumps(body).encode(), None)

    def _answer(self, arrived, endpoint, symbol, status, data: bytes, content_type: str | None):
        self.fake._record(Seen(arrived, endpoint, symbol, status, urlsplit(self.path).path))
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type or "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            if endpoint == "cookie":
                self.send_header(
                    "Set-Cookie", "A3=d=AQABBFAKE&S=AQAAAFAKE; Max-Age=31557600; Path=/"
                )
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


@contextmanager
def fake_yahoo_client(cache_dir: Path, **fake_options) -> Iterator[tuple["FakeYahoo", object]]:
    """A FakeYahoo and a scraping.yahoo.YahooClient pointed at it (fast limits, short timeout),
    both closed afterwards: the production client, talking to a server on 127.0.0.1."""
    from scraping.yahoo import YahooClient

    with FakeYahoo(**fake_options) as fake:
        client = YahooClient(
            base_url=fake.base_url, requests_per_second=200, timeout=5, cache_dir=cache_dir
        )
        try:
            yield fake, client
        finally:
            client.close()
