"""Prices benchmark: the prices refresh against a fake Yahoo, and the company page and price API
of a company with about twelve years of daily bars, on DynamoDB Local.

    .venv/bin/python bench/prices.py [--companies 200] [--iterations 100] [--latency 0.15]

Starts its own in-memory DynamoDB Local and loads `--companies` companies of the directory, with
the statements the test suite's fake Yahoo serves for them (generated, realistic companies; a
few report in USD), built from its answers through scraping.normalize and stored as the
statements refresh stores them, without yfinance's parsing (that refresh is bench/refresh.py's
subject, not this one's). The fake runs in this process: it builds every price series before
the clock starts, so that its work, which is Yahoo's, is not counted as ours. Then:
- the prices refresh (companies.market.refresh.prices_refresh) of them all at the default rate
  limit and concurrency with `--latency` per request: a first pass (every company's whole
  history) and an incremental pass after the fake's "today" moves on one trading day. Chart
  requests per company and per exchange rate, companies per minute, what a full pass of the
  2,109-company directory would take, and DynamoDB calls, read and write capacity units per
  company. yfinance looks up a symbol's time zone with one more chart request the first time a
  process meets it (then keeps it in its cache), so the first pass pays it and the incremental
  pass does not: a new process pays it again;
- the company page through Django's full request path (the test Client), with the company
  cache off: a company with prices against one with the same statements and no prices,
  interleaved, median and p95, and DynamoDB calls per view;
- the price API, each range: median server time, DynamoDB calls, Queries and items read.
The site-wide summary (the sample banner) is cached, as on any warm server (bench/company_page.py).
"""

import argparse
import collections
import datetime
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_environment, percentile, site_on_dynamodb_local  # noqa: E402

bench_environment("asxdb-bench-prices")
os.environ["COMPANY_CACHE_SECONDS"] = "0"  # every company page reads DynamoDB

FULL_PASS = 2109
HISTORY_YEARS = 12  # the company page's company: listed about this long before "today"
READS = {"GetItem", "BatchGetItem", "Query", "Scan"}
RANGES = ("1m", "6m", "1y", "5y", "max")


class Meter:
    """DynamoDB calls by operation, read and write capacity units, and items a Query returned,
    from every model's botocore client (PynamoDB asks for ReturnConsumedCapacity TOTAL on each
    call; a BatchWriteItem answers with a list, one entry per table). Thread-safe: the refresh
    and the company page call DynamoDB from several threads."""

    def __init__(self, clients):
        self._lock = threading.Lock()
        self.reset()
        for client in {id(c): c for c in clients}.values():
            client.meta.events.register("after-call.dynamodb.*", self._after_call)

    def _after_call(self, http_response, parsed, model, **kwargs):
        consumed = parsed.get("ConsumedCapacity") or []
        if isinstance(consumed, dict):
            consumed = [consumed]
        units = sum(entry.get("CapacityUnits", 0.0) for entry in consumed)
        with self._lock:
            self.operations[model.name] += 1
            if model.name in READS:
                self.read_units += units
            else:
                self.write_units += units
            if model.name == "Query":
                self.query_items += parsed.get("Count", 0)

    def reset(self):
        with self._lock:
            self.operations = collections.Counter()
            self.read_units = self.write_units = 0.0
            self.query_items = 0

    @property
    def calls(self) -> int:
        return sum(self.operations.values())


def fundamentals_of(company):
    """A fake company's statements as the statements refresh would store them: the frames
    yfinance would build from the fake's timeseries answers, through scraping.normalize, with
    neither HTTP nor yfinance (whose parsing would take this run's budget)."""
    import pandas as pd
    from yfinance.const import fundamentals_keys

    from scraping.normalize import company_fundamentals

    frames = {}
    for statement, keys in (
        ("income", fundamentals_keys["financials"]),
        ("balance", fundamentals_keys["balance-sheet"]),
        ("cashflow", fundamentals_keys["cash-flow"]),
    ):
        for period_type, prefix in (
            ("annual", "annual"),
            ("quarterly", "quarterly"),
            ("ttm", "trailing"),
        ):
            found = {
                key: company.points[prefix + key] for key in keys if prefix + key in company.points
            }
            ends = sorted({end for values in found.values() for end in values}, reverse=True)
            if period_type == "ttm":
                ends = ends[:1]  # yfinance keeps the newest trailing column
            frames[statement, period_type] = pd.DataFrame(
                {
                    pd.Timestamp(end): {key: values.get(end) for key, values in found.items()}
                    for end in ends
                },
                dtype="float64",
            )
    return company_fundamentals(company.symbol, company.profile, frames)


def statements_load(*, fake, tickers):
    """Store every company's statements, as a successful statements refresh would."""
    from companies import services

    now = datetime.datetime.now(datetime.UTC)

    def store(ticker):
        services.company_fundamentals_store(
            ticker=ticker,
            fundamentals=fundamentals_of(fake.company(f"{ticker}.AX")),
            fetched_at=now,
            next_attempt=now + datetime.timedelta(days=7),
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(store, tickers))


def prices_pass(*, fake, meter, tickers, client):
    from django.conf import settings

    from companies.market import refresh

    fake.reset_counts()
    meter.reset()
    started = time.perf_counter()
    report = refresh.prices_refresh(
        tickers=tickers,
        limit=len(tickers),
        concurrency=settings.REFRESH_CONCURRENCY,
        budget_seconds=3600,
        client=client,
    )
    elapsed = time.perf_counter() - started
    pairs = sorted({seen.symbol for seen in fake.seen if seen.symbol and "=" in seen.symbol})
    return {
        "report": report,
        "seconds": elapsed,
        "chart": fake.count(endpoint="chart"),
        "requests": fake.count(),
        "pairs": {pair: fake.count(endpoint="chart", symbol=pair) for pair in pairs},
        "calls": meter.calls,
        "operations": dict(meter.operations),
        "read_units": meter.read_units,
        "write_units": meter.write_units,
    }


def print_pass(name, result, *, rate):
    report, companies = result["report"], max(1, result["report"].attempted)
    fx = sum(result["pairs"].values())
    per_company = (result["chart"] - fx) / companies
    achieved = report.succeeded / result["seconds"] * 60
    allowed = rate / (result["requests"] / companies) * 60
    operations = ", ".join(
        f"{op} {n / companies:.2f}" for op, n in sorted(result["operations"].items())
    )
    print(f"{name}:")
    print(
        f"  companies: {report.succeeded} refreshed, {report.failed} failed, "
        f"{report.deferred} deferred, in {result['seconds']:.1f} s"
    )
    pairs = ", ".join(f"{pair} {n}" for pair, n in result["pairs"].items()) or "none"
    print(
        f"  chart requests: {result['chart']} ({per_company:.2f} per company; "
        f"exchange rates: {pairs}); all requests {result['requests']}"
    )
    print(
        f"  throughput: {achieved:.1f} companies/min (the rate limit allows {allowed:.1f}); "
        f"a full pass of {FULL_PASS} companies: {FULL_PASS / achieved:.1f} min"
    )
    print(
        f"  DynamoDB per company: {result['calls'] / companies:.2f} calls ({operations}), "
        f"{result['read_units'] / companies:.1f} RCU, {result['write_units'] / companies:.1f} WCU"
    )


def page_company(fake, tickers):
    """The company of the page: one reporting in AUD with half-years (the usual kind), listed
    about HISTORY_YEARS before the fake's "today"."""
    from tests.fakes.prices import plan_of

    target = fake.prices_through - datetime.timedelta(days=round(HISTORY_YEARS * 365.25))
    usual = [
        company
        for company in (fake.company(f"{ticker}.AX") for ticker in tickers)
        if company.financial_currency == "AUD"
        and any(key.startswith("quarterly") for key in company.points)
    ]
    chosen = min(usual, key=lambda company: abs((plan_of(company).listed - target).days))
    return chosen.symbol.removesuffix(".AX")


def series_warm(*, fake, tickers):
    """Have the fake build every series the pass will ask for before the clock starts: it runs
    in this process, and its work is Yahoo's, not ours."""
    currencies = set()
    for ticker in tickers:
        fake.price_series(f"{ticker}.AX")
        currencies.add(fake.company(f"{ticker}.AX").financial_currency)
    for currency in currencies - {"AUD"}:
        fake.price_series(f"AUD{currency}=X")


def timed_get(client, url):
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.15, help="seconds per request")
    args = parser.parse_args()
    run_started = time.perf_counter()

    with site_on_dynamodb_local():
        from django.conf import settings
        from django.test import Client

        from companies import models, services
        from companies.market import selectors as market_selectors
        from scraping.asx import Directory
        from scraping.yahoo import YahooClient
        from tests.directories import full_directory
        from tests.fakes import FakeYahoo
        from tests.fakes.prices import asx_trading_days

        # the companies, and one more: the page's company without prices
        rows = full_directory().rows[: args.companies + 1]
        services.directory_load(directory=Directory(rows=rows, rejected=[], source="bench"))
        tickers, bare = [row.ticker for row in rows[:-1]], rows[-1].ticker
        meter = Meter(m._get_connection().connection.client for m in models.ALL_MODELS)

        with FakeYahoo(companies={}, any_symbol=True, latency=args.latency) as fake:
            ticker = page_company(fake, tickers)
            started = time.perf_counter()
            statements_load(fake=fake, tickers=tickers)
            services.company_fundamentals_store(  # the page's company without prices
                ticker=bare,
                fundamentals=fundamentals_of(fake.company(f"{ticker}.AX")),
                fetched_at=datetime.datetime.now(datetime.UTC),
                next_attempt=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7),
            )
            print(
                f"statements of {len(tickers) + 1} companies stored in "
                f"{time.perf_counter() - started:.1f} s\n"
            )
            rate = settings.YAHOO_REQUESTS_PER_SECOND
            client = YahooClient(
                base_url=fake.base_url,
                requests_per_second=rate,
                timeout=settings.YAHOO_TIMEOUT_SECONDS,
                cache_dir=Path(tempfile.mkdtemp(prefix="asxdb-bench-yf-")),
            )
            print(
                f"prices refresh of {len(tickers)} companies: {args.latency * 1000:.0f} ms per "
                f"request, {rate:g} requests/s, concurrency {settings.REFRESH_CONCURRENCY}"
            )
            series_warm(fake=fake, tickers=tickers)
            first = prices_pass(fake=fake, meter=meter, tickers=tickers, client=client)
            print_pass("first pass (whole histories; a time-zone lookup each)", first, rate=rate)
            fake.prices_through = asx_trading_days(
                fake.prices_through + datetime.timedelta(days=1),
                fake.prices_through + datetime.timedelta(days=7),
            )[0]
            series_warm(fake=fake, tickers=tickers)
            incremental = prices_pass(fake=fake, meter=meter, tickers=tickers, client=client)
            print_pass(
                f"incremental pass (to {fake.prices_through}; time zones known)",
                incremental,
                rate=rate,
            )

        everything = market_selectors.company_prices(
            ticker=ticker,
            price_range=market_selectors.PRICE_RANGES["max"],
            today=fake.prices_through,
            every_day=True,
        )
        print(
            f"\ncompany page: {ticker} ({len(everything.bars)} daily bars from "
            f"{everything.bars[0][0]}) against {bare} (the same statements, no prices); "
            f"{args.iterations} views each, interleaved, company cache off"
        )
        browser = Client()
        browser.get("/")  # the site-wide summary, cached as on a warm server
        pages = {"with prices": f"/companies/{ticker}/", "without": f"/companies/{bare}/"}
        costs = {}
        for name, url in pages.items():
            for _ in range(20):  # warm the process: imports, template cache, connections
                timed_get(browser, url)
            meter.reset()
            size = len(browser.get(url).content) / 1024
            costs[name] = (meter.calls, dict(meter.operations), meter.read_units, size)
        samples = {name: [] for name in pages}
        for _ in range(args.iterations):
            for name, url in pages.items():
                samples[name].append(timed_get(browser, url))
        for name, times in samples.items():
            calls, operations, units, size = costs[name]
            detail = ", ".join(f"{op} {n}" for op, n in sorted(operations.items()))
            print(
                f"  {name:<12} median {statistics.median(times):6.2f} ms, "
                f"p95 {percentile(times, 0.95):6.2f} ms; {calls} DynamoDB calls ({detail}), "
                f"{units:.1f} RCU, {size:.0f} KB"
            )
        ratio = statistics.median(samples["with prices"]) / statistics.median(samples["without"])
        print(
            f"  ratio with/without prices: {ratio:.2f}x median "
            f"(target at most 1.3x); calls per view {costs['with prices'][0]} (target at most 3)"
        )

        print(f"\nprice API /api/companies/{ticker}/prices/?range=, {args.iterations} calls each")
        print(
            f"  {'range':<6}{'median':>10}{'p95':>10}{'calls':>7}{'Queries':>9}{'items':>7}"
            f"{'RCU':>6}{'bars':>6}{'KB':>6}"
        )
        for key in RANGES:
            url = f"/api/companies/{ticker}/prices/?range={key}"
            for _ in range(10):
                timed_get(browser, url)
            meter.reset()
            response = browser.get(url)
            calls, queries = meter.calls, meter.operations["Query"]
            items, units = meter.query_items, meter.read_units
            times = [timed_get(browser, url) for _ in range(args.iterations)]
            print(
                f"  {key:<6}{statistics.median(times):>7.2f} ms{percentile(times, 0.95):>7.2f} ms"
                f"{calls:>7}{queries:>9}{items:>7}{units:>6.1f}{len(response.json()['prices']):>6}"
                f"{len(response.content) / 1024:>6.0f}"
            )
        print(
            "  (calls: the company's GetItem and the prices Query; target one Query of <= 2 items)"
        )
    print(f"\nthe whole run: {time.perf_counter() - run_started:.0f} s")


if __name__ == "__main__":
    main()
