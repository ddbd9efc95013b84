"""Screener benchmark: the cold read of every company's metrics snapshot, and screens warm.

    .venv/bin/python bench/screener.py [--iterations 200] [--companies 2109]

Starts its own in-memory DynamoDB Local and loads the 2,109-company directory (the real one of
24 Feb 2022, or a generated one of the same size when ../shared is absent). Every company gets
the statements the test suite's fake Yahoo serves for it (generated, realistic; a few report in
USD, converted at the stored AUDUSD rate of their period end) and a price, quote and valuation
from its fake daily series, each stored as the refreshes store them, so that every snapshot
holds all three parts (the largest it can be). Then:
- the snapshot's size per company (bytes of its three parts);
- the cold read of every snapshot (`screen_snapshots`, the process cache empty): DynamoDB calls,
  which operations and indexes, read units, and time, listed and `status=all`. Target: one
  paginated Query, at most 150 read units, never a Scan;
- screens warm through Django's full request path (the test Client): `GET /api/screener/`,
  `/screener/` and `/screener.csv` for a mix of expressions and sorts, median and p95 server
  time, and the DynamoDB calls made while warm (target: none). Target: p95 under 50 ms.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    bench_environment,
    percentile,
    site_on_dynamodb_local,
    time_requests,
)

bench_environment("asxdb-bench-screener")

SCREENS = [
    ("market_cap > 1b and roe > 15% and debt_to_equity < 0.5", {}),
    ('industry_group = "Materials" and pe < 12', {"sort": "pe", "order": "asc"}),
    ('industry_group in ("Banks", "Insurance", "Diversified Financials")', {"sort": "name"}),
    ("not pe < 10 and (dividend_yield > 3% or fcf_yield > 5%)", {"sort": "dividend_yield"}),
    ("revenue_growth > 10% or net_margin > 20% or current_ratio > 2", {"size": "100"}),
    ("market_cap > 0", {"sort": "ticker"}),  # nearly every company matches
    ("listing_date >= 2015-01-01 and revenue > 50m", {"sort": "listing_date"}),
]


class Meter:
    """DynamoDB calls (operation, index) and read units, from botocore's event hooks."""

    def __init__(self, client):
        self.reset()
        client.meta.events.register("provide-client-params.dynamodb", self._params)
        client.meta.events.register("after-call.dynamodb", self._after)

    def _params(self, model, params, **kwargs):
        self.calls.append((model.name, params.get("IndexName")))

    def _after(self, parsed, **kwargs):
        self.units += (parsed.get("ConsumedCapacity") or {}).get("CapacityUnits", 0.0)

    def reset(self):
        self.calls, self.units = [], 0.0


def load(companies: int):
    """The directory, the exchange rate, every company's statements and price."""
    import datetime
    from concurrent.futures import ThreadPoolExecutor

    from companies import services
    from companies.market import services as market_services
    from tests.directories import full_directory
    from tests.fakes import fx_series, generated_company
    from tests.integration.test_screener_on_dynamodb_local import (
        NOW,
        StoredExchangeRates,
        fundamentals_of,
        history_of,
        price_record,
    )

    started = time.perf_counter()
    directory = full_directory()
    services.directory_load(directory=directory)
    market_services.prices_store(
        pk=market_services.exchange_rate_pk("AUDUSD=X"),
        history=history_of(fx_series("AUDUSD=X"), "AUDUSD=X"),
        fetched_at=NOW,
    )
    tickers = sorted(row.ticker for row in directory.rows)[:companies]

    def store(ticker):
        services.company_fundamentals_store(
            ticker=ticker,
            fundamentals=fundamentals_of(generated_company(f"{ticker}.AX")),
            fetched_at=NOW,
            next_attempt=NOW + datetime.timedelta(days=1),
        )

    rates = StoredExchangeRates()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(store, tickers))
        list(pool.map(lambda ticker: price_record(ticker, rates), tickers))
    print(
        f"directory: {len(directory.rows)} companies ({directory.source}); statements and "
        f"prices for {len(tickers)}, loaded in {time.perf_counter() - started:.0f} s"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--companies", type=int, default=2109)
    args = parser.parse_args()
    with site_on_dynamodb_local():
        from django.test import Client

        from companies.models import LISTED, Company
        from companies.screening import selectors

        load(args.companies)
        meter = Meter(Company._get_connection().connection.client)

        sizes = []
        for company in Company.screen_index.query(LISTED):
            parts = (company.screen_directory, company.screen_statements, company.screen_prices)
            sizes.append(sum(len((part or "").encode()) for part in parts))
        print(
            f"snapshot: {statistics.mean(sizes):.0f} bytes a company on average "
            f"(max {max(sizes)}), {sum(sizes) / 1024:.0f} KB for {len(sizes)}"
        )

        for status in ("listed", "all"):
            samples, units, calls = [], [], None
            for _ in range(5):
                selectors.forget_snapshots()
                meter.reset()
                started = time.perf_counter()
                rows = selectors.screen_snapshots(status=status)
                samples.append((time.perf_counter() - started) * 1000)
                units.append(meter.units)
                calls = list(meter.calls)
            kinds = sorted({f"{name} {index}" for name, index in calls})
            print(
                f"cold read, status={status}: {len(rows)} snapshots, {len(calls)} DynamoDB "
                f"calls ({', '.join(kinds)}), {statistics.median(units):.1f} read units "
                f"(target <= 150), median {statistics.median(samples):.0f} ms"
            )

        client = Client()
        selectors.forget_snapshots()
        client.get("/api/screener/", {"q": "pe > 0"})  # the cold read, before the clock starts
        meter.reset()
        print(f"{'warm request':<72} {'median ms':>9} {'p95 ms':>7} {'count':>6}")
        every = []
        for q, params in SCREENS:
            query = {"q": q, **params}
            count = client.get("/api/screener/", query).json()["count"]
            for path in ("/api/screener/", "/screener/", "/screener.csv"):
                url = f"{path}?{urlencode(query)}"
                time_requests(client, url, 5)
                samples = time_requests(client, url, args.iterations)
                every += samples
                shown = f"{path} {q}"[:72]
                print(
                    f"{shown:<72} {statistics.median(samples):>9.2f} "
                    f"{percentile(samples, 0.95):>7.2f} {count:>6}"
                )
        second = client.get("/api/screener/", {"q": "market_cap > 0"}).json()["next"]
        url = f"/api/screener/?{urlencode({'q': 'market_cap > 0', 'cursor': second})}"
        samples = time_requests(client, url, args.iterations)
        every += samples
        print(
            f"{'/api/screener/ market_cap > 0, page 2 (cursor)':<72} "
            f"{statistics.median(samples):>9.2f} {percentile(samples, 0.95):>7.2f}"
        )
        print(
            f"all warm requests: median {statistics.median(every):.2f} ms, "
            f"p95 {percentile(every, 0.95):.2f} ms (target p95 < 50 ms); "
            f"DynamoDB calls while warm: {len(meter.calls)}"
        )
        from companies.screening.expression import parse

        evaluation = []
        for q, _ in SCREENS:
            expression = parse(q)
            for _ in range(50):
                started = time.perf_counter()
                selectors.screen_run(expression=expression, sort="market_cap", order="desc")
                evaluation.append((time.perf_counter() - started) * 1000)
        print(
            f"in-memory screen over {len(rows)} companies (evaluate and sort): median "
            f"{statistics.median(evaluation):.2f} ms, p95 {percentile(evaluation, 0.95):.2f} ms"
        )


if __name__ == "__main__":
    main()
