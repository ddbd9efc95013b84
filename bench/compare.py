"""Compare benchmark: server time and DynamoDB cost of the compare page and API on DynamoDB Local.

    .venv/bin/python bench/compare.py [--iterations 100]

Starts its own in-memory DynamoDB Local, loads the 2,109-company directory and fetches BHP
(USD), RIO, FMG, CBA, ANN and RMD (USD) from the fake Yahoo through the real refreshes
(statements, prices, the AUDUSD=X rate, quotes and valuations: tests/comparing.py). Then,
through Django's full request path (the test Client), for comparisons of 2, 3 and 6 companies,
in their own currencies and in A$:
- cold: every read from DynamoDB Local (the process cache cleared before each request; the
  directory index and site summary kept warm, as on any warm server): median and p95, with the
  DynamoDB calls and read capacity units per view and the page's size;
- warm: the same URL again within LISTING_CACHE_SECONDS (the comparison kept in memory);
- adding a company to a comparison just viewed: the calls it costs.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    CapacityMeter,
    bench_environment,
    percentile,
    site_on_dynamodb_local,
    time_requests,
)

bench_environment("asxdb-bench-compare")

PAGES = {
    "2 companies (BHP, CBA)": "/compare/?tickers=BHP,CBA",
    "3 companies (BHP, RIO, FMG)": "/compare/?tickers=BHP,RIO,FMG",
    "6 companies": "/compare/?tickers=BHP,RIO,FMG,CBA,ANN,RMD",
    "6 companies in A$": "/compare/?tickers=BHP,RIO,FMG,CBA,ANN,RMD&currency=AUD",
    "API, 6 companies in A$": "/api/compare/?tickers=BHP,RIO,FMG,CBA,ANN,RMD&currency=AUD",
}


def cold_requests(client, url, iterations, meter):
    """Milliseconds per request with the process cache cleared first, and the calls and read
    units of one such request."""
    from django.core.cache import cache

    from companies import selectors

    samples = []
    for _ in range(iterations):
        cache.clear()
        selectors.directory_summary()  # every page's banner: cached on a warm server
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    cache.clear()
    selectors.directory_summary()
    meter.reset()
    size = len(client.get(url).content) / 1024
    return samples, meter.calls, meter.units, size


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=100)
    args = parser.parse_args()

    with site_on_dynamodb_local():
        from django.core.cache import cache
        from django.test import Client

        from companies import models
        from companies.finding.search import directory_index
        from tests.comparing import COMPARED, market_load
        from tests.fakes import fake_yahoo_client

        started = time.perf_counter()
        with fake_yahoo_client(Path(tempfile.mkdtemp()), any_symbol=True) as (_, yahoo):
            market_load(yahoo)
        print(
            f"directory of {len(directory_index().entries)} companies and {', '.join(COMPARED)} "
            f"fetched from the fake Yahoo in {time.perf_counter() - started:.0f} s\n"
        )
        meter = CapacityMeter(m._get_connection().connection.client for m in models.ALL_MODELS)
        client = Client()
        for url in PAGES.values():
            for _ in range(10):  # warm the process: imports, templates, connections
                assert client.get(url).status_code == 200, url

        print(
            f"{'comparison':<30}{'cold: median':>14}{'p95':>10}{'calls':>7}{'RCU':>7}{'KB':>5}"
            f"{'warm: median':>15}{'p95':>9}"
        )
        for name, url in PAGES.items():
            cold, calls, units, size = cold_requests(client, url, args.iterations, meter)
            client.get(url)
            warm = time_requests(client, url, args.iterations)
            print(
                f"{name:<30}{statistics.median(cold):>11.1f} ms{percentile(cold, 0.95):>7.1f} ms"
                f"{calls:>7}{units:>7.1f}{size:>5.0f}"
                f"{statistics.median(warm):>12.2f} ms{percentile(warm, 0.95):>6.2f} ms"
            )

        cache.clear()
        client.get(PAGES["3 companies (BHP, RIO, FMG)"])
        meter.reset()
        client.get("/compare/?tickers=BHP,RIO,FMG,CBA")
        print(
            f"\nadding CBA to BHP, RIO, FMG just viewed: {meter.calls} DynamoDB calls, "
            f"{meter.units:.1f} read units (the others' reads are kept for COMPANY_CACHE_SECONDS)"
        )


if __name__ == "__main__":
    main()
