"""Listing benchmark: server time and DynamoDB cost of directory pages on DynamoDB Local.

    .venv/bin/python bench/listing.py [--iterations 200]

Starts its own in-memory DynamoDB Local, loads the 2,109-company directory of 24 Feb 2022 (or a
generated one of the same size when ../shared is absent), then for every sort order measures the
first, middle and last 25-row page through Django's full request path:
- server time with the page cache off (every request queries DynamoDB) and on (median, p95);
- DynamoDB calls and read capacity units per page (ReturnConsumedCapacity);
- requests per second with two server processes and four concurrent clients (cache off);
- filtered pages (industry groups, market cap ranges, delisted and all companies; every 9th
  company is delisted first): the cold page (the in-memory directory index built from DynamoDB:
  calls, read units, time), then the warm first, middle and last pages (median, p95, calls), for
  the HTML page and the API.

    .venv/bin/python bench/listing.py --only filtered   # just the filtered pages
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from django.http import QueryDict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    ROOT,
    CapacityMeter,
    bench_environment,
    percentile,
    site_on_dynamodb_local,
    time_requests,
)

bench_environment("asxdb-bench")


def page_urls(sort, order, size=25, *, params=(), path="/companies/"):
    """First, middle and last page URLs, found by walking the listing (`params`: its filters
    as URL parameters)."""
    from companies import selectors
    from companies.forms import DirectoryQuery

    query = [("sort", sort), ("order", order), ("size", size), *params]
    form = DirectoryQuery(QueryDict(urlencode(query)))
    assert form.is_valid(), form.errors
    parsed = {**form.cleaned_data}
    cursors, cursor = [None], None
    while True:
        page = selectors.company_page(**{**parsed, "cursor": cursor})
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
        cursors.append(cursor)
    picks = {"first": cursors[0], "middle": cursors[len(cursors) // 2], "last": cursors[-1]}
    return {
        name: f"{path}?" + urlencode([*query, *([("cursor", c)] if c else [])])
        for name, c in picks.items()
    }


# (label, sort, order, filter parameters)
FILTERED = [
    ("group Materials", "market_cap", "desc", [("industry_group", "Materials")]),
    (
        "3 groups, 10m-2b",
        "name",
        "asc",
        [
            ("industry_group", "Energy"),
            ("industry_group", "Banks"),
            ("industry_group", "Software & Services"),
            ("market_cap_min", "10m"),
            ("market_cap_max", "2b"),
        ],
    ),
    ("cap >= 1b", "market_cap", "desc", [("market_cap_min", "1b")]),
    ("delisted", "listing_date", "desc", [("status", "delisted")]),
    ("all, cap <= 50m", "ticker", "asc", [("status", "all"), ("market_cap_max", "50m")]),
]


def filtered_listing(meter, client, iterations):
    """Cold and warm filtered pages; the data gets delisted companies first."""
    from django.core.cache import cache

    from companies.finding.search import directory_index, forget_index
    from tests import listings
    from tests.directories import full_directory

    directory = full_directory()
    gone = {row.ticker for row in directory.rows[4::9]}
    listings.load_with_delisted(directory, delisted=gone)
    print(f"\nfiltered listing ({len(gone)} of {len(directory.rows)} companies delisted)")
    forget_index()
    meter.reset()
    started = time.perf_counter()
    index = directory_index()
    print(
        f"directory index build: {(time.perf_counter() - started) * 1000:.0f} ms, "
        f"{meter.calls} DynamoDB calls, {meter.units:.1f} read units, {len(index.entries)} entries"
    )
    print(
        f"{'page':<40}{'cold ms':>9}{'calls':>6}{'RCU':>6}{'warm median':>13}{'p95':>8}"
        f"{'warm calls':>11}{'rows':>6}"
    )
    for label, sort, order, params in FILTERED:
        for path in ("/companies/", "/api/companies/"):
            urls = page_urls(sort, order, params=params, path=path)
            for name, url in urls.items():
                forget_index()
                cache.clear()
                meter.reset()
                started = time.perf_counter()
                response = client.get(url)
                cold_ms = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (url, response.status_code)
                calls, units = meter.calls, meter.units
                time_requests(client, url, 5)  # warm: the index and the header's summary
                meter.reset()
                warm = time_requests(client, url, iterations)
                rows = (
                    len(response.json()["results"])
                    if path.startswith("/api/")
                    else response.content.decode().count('name="tickers"')
                )
                kind = "api" if path.startswith("/api/") else "page"
                print(
                    f"{kind + ' ' + label + ' ' + name:<40}{cold_ms:>9.1f}{calls:>6}{units:>6.1f}"
                    f"{statistics.median(warm):>10.2f} ms{percentile(warm, 0.95):>8.2f}"
                    f"{meter.calls:>11}{rows:>6}"
                )
    print(
        "cold: the index build (one paginated Query of by-ticker per listing status) plus, on "
        "the HTML page, the header's directory summary (one GetItem); warm: no DynamoDB call"
    )


def throughput(endpoint, urls, *, cache_seconds, seconds=5.0, workers=2, clients=4):
    env = {
        **os.environ,
        "DYNAMODB_ENDPOINT_URL": endpoint,
        "LISTING_CACHE_SECONDS": str(cache_seconds),
        "PYTHONPATH": str(ROOT),
    }
    ports = [18081 + n for n in range(workers)]
    servers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/companies/", timeout=2)
                    break
                except OSError:
                    time.sleep(0.1)
        done, stop = [0] * clients, time.monotonic() + seconds

        def hammer(n):
            i = 0
            while time.monotonic() < stop:
                port = ports[(n + i) % len(ports)]
                url = urls[i % len(urls)]
                urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=10).read()
                done[n] += 1
                i += 1

        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(done) / seconds
    finally:
        for server in servers:
            server.terminate()
            server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--only", choices=("all", "unfiltered", "filtered"), default="all")
    args = parser.parse_args()

    with site_on_dynamodb_local() as endpoint:
        from django.conf import settings
        from django.core.cache import cache
        from django.test import Client

        from companies import models, services
        from companies.finding import search
        from companies.selectors import Order, SortKey
        from tests.directories import full_directory

        directory = full_directory()
        started = time.perf_counter()
        services.directory_load(directory=directory)
        print(
            f"loaded {len(directory.rows)} companies from {directory.source} "
            f"in {time.perf_counter() - started:.1f} s\n"
        )

        meter = CapacityMeter(m._get_connection().connection.client for m in models.ALL_MODELS)
        client = Client()
        if args.only == "filtered":
            filtered_listing(meter, client, args.iterations)
            return
        print(
            f"{'page':<34}{'cache off: median':>18}{'p95':>8}{'cache on: median':>18}"
            f"{'p95':>8}{'calls':>7}{'RCU':>6}"
        )
        all_off, all_urls, worst_units, worst_calls = [], [], 0.0, 0
        # The filter form's group counts come from the in-memory directory index, which a server
        # keeps for LISTING_CACHE_SECONDS (it also serves search and company pages); here it
        # stays built while the page cache is off, and filtered_listing() measures its build.
        search.directory_index()
        search._index = (float("inf"), search._index[1])
        for sort in SortKey:
            order = Order.DESC if sort in (SortKey.MARKET_CAP, SortKey.LAST_UPDATED) else Order.ASC
            settings.LISTING_CACHE_SECONDS = 60
            urls = page_urls(sort, order)
            cache.clear()  # walking the listing cached these pages
            for name, url in urls.items():
                all_urls.append(url)
                settings.LISTING_CACHE_SECONDS = 0
                client.get(url)  # warm the process
                meter.reset()
                client.get(url)
                calls, units = meter.calls, meter.units
                off = time_requests(client, url, args.iterations)
                settings.LISTING_CACHE_SECONDS = 60
                on = time_requests(client, url, args.iterations)
                all_off += off
                worst_units, worst_calls = max(worst_units, units), max(worst_calls, calls)
                print(
                    f"{sort.value + ' ' + order.value + ' ' + name:<34}"
                    f"{statistics.median(off):>15.2f} ms{percentile(off, 0.95):>8.2f}"
                    f"{statistics.median(on):>15.2f} ms{percentile(on, 0.95):>8.2f}"
                    f"{calls:>7}{units:>6.1f}"
                )
        search.forget_index()
        print(
            f"\nall pages, cache off: median {statistics.median(all_off):.2f} ms, "
            f"p95 {percentile(all_off, 0.95):.2f} ms"
        )
        print(
            f"worst page, cache off: {worst_calls} DynamoDB calls, {worst_units:.1f} read capacity "
            "units (the page's one index Query, plus the directory count's GetItem when it is "
            "not cached)"
        )
        for cache_seconds in (0, 60):
            rps = throughput(endpoint, all_urls, cache_seconds=cache_seconds)
            state = "on" if cache_seconds else "off"
            print(
                f"throughput, cache {state}, 2 server processes x 4 clients: {rps:.0f} requests/s"
            )
        if args.only == "all":
            filtered_listing(meter, client, args.iterations)


if __name__ == "__main__":
    main()
