"""Each page's DynamoDB calls, read units and requests per second, with the process caches off
(as on a fresh Lambda container) and on, in the same run.

    .venv/bin/python bench/pages_uncached.py [--rounds 5 --requests 20]

Starts its own in-memory DynamoDB Local, loads the 2,109-company directory (tests/directories:
the real one from ../shared/data, or a generated one of the same shape), stores BHP's
fundamentals through the refresh run and its prices since 2015 through the prices refresh, both
against the fake Yahoo, then asks each page through Django's full request path (the test
Client), one client:
- caches off: before each request the process cache (listing pages, company pages, the site
  summary) and the in-memory directory index are dropped, as a fresh container has neither;
- caches on: the same URL again, everything warm (the defaults: 60 s).
Calls and read units are per request, from the ConsumedCapacity DynamoDB Local reports
(PynamoDB asks for TOTAL on every call; a BatchGetItem reports a list). Off and on rounds
alternate, page after page, round after round, so a noisy machine slows both alike; the
figure is the median round's requests per second.

To compare with an older tree, copy this file into it and run it there (it imports only the
tree it sits in): `git archive HEAD | tar -x -C /tmp/before; cp bench/pages_uncached.py
/tmp/before/bench/; ln -s $PWD/node_modules /tmp/before/`.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent.parent))
from bench.common import bench_environment, site_on_dynamodb_local  # noqa: E402

bench_environment("asxdb-bench-pages")

TICKER = "BHP"
# (name, url, status, whether "caches off" keeps the directory index: the 404's warm case)
PAGES = [
    ("home", "/", 200, False),
    ("listing", "/companies/", 200, False),
    ("listing, market cap desc", "/companies/?sort=market_cap&order=desc", 200, False),
    ("company page (income, annual, 1y)", f"/companies/{TICKER}/", 200, False),
    ("company page, 5y chart", f"/companies/{TICKER}/?range=5y", 200, False),
    ("income, half-years", f"/companies/{TICKER}/income/?period=quarterly", 200, False),
    ("income, ttm", f"/companies/{TICKER}/income/?period=ttm", 200, False),
    ("balance sheet, annual", f"/companies/{TICKER}/balance/", 200, False),
    ("balance, half-years", f"/companies/{TICKER}/balance/?period=quarterly", 200, False),
    ("cash flow, annual", f"/companies/{TICKER}/cashflow/", 200, False),
    ("cash flow, ttm", f"/companies/{TICKER}/cashflow/?period=ttm", 200, False),
    ("prices API, 1y", f"/api/companies/{TICKER}/prices/?range=1y", 200, False),
    ("search", "/search/?q=BH", 200, False),
    ("404, warm index", "/companies/ZZZZ/", 404, True),
    ("404, cold", "/companies/ZZZZ/", 404, False),
]


class Meter:
    """DynamoDB calls and the read units they consumed, per operation."""

    def __init__(self, clients):
        self.reset()
        for client in clients:
            client.meta.events.register("after-call.dynamodb", self._after_call)

    def _after_call(self, parsed, model, **kwargs):
        consumed = parsed.get("ConsumedCapacity") or {}
        if isinstance(consumed, dict):
            consumed = [consumed]
        self.calls.append(model.name)
        self.units += sum(c.get("CapacityUnits", 0.0) for c in consumed)

    def reset(self):
        self.calls, self.units = [], 0.0


def store_site(yahoo_url: str, cache_dir: Path) -> None:
    from companies import refresh, services
    from companies.market import refresh as prices_refresh
    from scraping.yahoo import YahooClient
    from tests.directories import full_directory

    directory = full_directory()
    services.directory_load(directory=directory)
    client = YahooClient(
        base_url=yahoo_url, requests_per_second=500, timeout=5, cache_dir=cache_dir
    )
    report = refresh.companies_refresh(
        tickers=[TICKER], limit=1, concurrency=1, budget_seconds=120, client=client
    )
    prices = prices_refresh.prices_refresh(
        tickers=[TICKER], limit=1, concurrency=1, budget_seconds=120, client=client
    )
    assert report.succeeded == 1 and prices.succeeded == 1, (report, prices)
    print(f"directory: {len(directory.rows)} companies ({directory.source})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20, help="per page, mode and round")
    args = parser.parse_args()

    import tempfile

    from tests.fakes import FakeYahoo

    with site_on_dynamodb_local(), FakeYahoo() as fake, tempfile.TemporaryDirectory() as tmp:
        from django.core.cache import cache
        from django.test import Client

        from companies.finding import search
        from companies.models import ALL_MODELS

        store_site(fake.base_url, Path(tmp))
        meter = Meter(
            {id(c): c for c in (m._get_connection().connection.client for m in ALL_MODELS)}.values()
        )
        client = Client()

        def prepare(keep_index: bool, cold: bool) -> None:
            if cold:
                cache.clear()
                if not keep_index:
                    search.forget_index()

        def ask(url: str, status: int, keep_index: bool, cold: bool) -> None:
            prepare(keep_index, cold)
            response = client.get(url)
            assert response.status_code == status, (url, response.status_code)

        costs, rates = {}, {}
        for name, url, status, keep_index in PAGES:
            for cold in (True, False):
                if keep_index:
                    client.get("/search/?q=BH")  # the index this 404 finds warm
                ask(url, status, keep_index, cold)  # warms what "on" keeps
                meter.reset()
                ask(url, status, keep_index, cold)
                costs[(name, cold)] = (sorted(meter.calls), meter.units)
        for _ in range(args.rounds):
            for name, url, status, keep_index in PAGES:
                for cold in (True, False) if _ % 2 == 0 else (False, True):
                    if keep_index:
                        client.get("/search/?q=BH")
                    started = time.perf_counter()
                    for _request in range(args.requests):
                        ask(url, status, keep_index, cold)
                    rate = args.requests / (time.perf_counter() - started)
                    rates.setdefault((name, cold), []).append(rate)

        print(
            f"one client, Django test client, DynamoDB Local; {args.rounds} rounds of "
            f"{args.requests} requests per page and mode, median round"
        )
        header = (
            f"{'page':36} {'off: calls':>10} {'RCU':>6} {'req/s':>7}   "
            f"{'on: calls':>9} {'req/s':>7}   ops off"
        )
        print(header)
        print("-" * len(header))
        for name, *_rest in PAGES:
            (off_calls, off_units), (on_calls, _units) = costs[(name, True)], costs[(name, False)]
            off_rate = statistics.median(rates[(name, True)])
            on_rate = statistics.median(rates[(name, False)])
            print(
                f"{name:36} {len(off_calls):>10} {off_units:>6.1f} {off_rate:>7.1f}   "
                f"{len(on_calls):>9} {on_rate:>7.1f}   {'+'.join(off_calls) or '-'}"
            )


if __name__ == "__main__":
    main()
