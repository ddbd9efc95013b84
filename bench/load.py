"""Load benchmark: concurrent clients against real local servers, per route.

    .venv/bin/python bench/load.py [--clients 50] [--seconds 60] [--servers 2] [--companies 100]
                                   [--cache-seconds 60]

Starts its own in-memory DynamoDB Local, loads the 2,109-company directory (the real one of 24
Feb 2022, or a generated one of the same size when ../shared is absent), and fills `--companies`
of them with fundamentals and prices through the real refreshes (yfinance's real code against
the test suite's fake Yahoo). Then it serves the site from `--servers` processes of Django's
threaded server (`manage.py runserver --noreload`, DEBUG off, the page caches at
`--cache-seconds`) and runs `--clients` clients for `--seconds`, each on its own keep-alive
connection to one server, each request a route drawn at random: the home page, the listing
(six sorts, both orders, a second page), company pages, statement tabs, the statement API,
search (page and API) and an unknown ticker (its 404 with near matches).

Prints, per route: requests, errors, requests per second, and p50/p95/p99 in milliseconds, then
the totals. An error is an answer other than the route's (200; 404 for the unknown ticker) or a
failed connection; the script exits 1 when there is any.
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, bench_environment, percentile, site_on_dynamodb_local  # noqa: E402

bench_environment("asxdb-bench-load")

SORTS = [
    ("ticker", "asc"),
    ("name", "desc"),
    ("market_cap", "desc"),
    ("listing_date", "asc"),
    ("industry_group", "asc"),
    ("last_updated", "desc"),
]
SEARCHES = ["b", "bh", "bhp", "bank", "gold", "resources", "min", "energy", "zz", "360"]
# How often each route comes up, roughly as readers move: listing and company pages most.
WEIGHTS = {
    "home": 2,
    "listing": 4,
    "company": 4,
    "statement tab": 2,
    "statement api": 2,
    "search": 2,
    "search api": 3,
    "unknown ticker": 1,
}


def load_data(companies: int) -> tuple[list[str], float]:
    """The directory, and `companies` of it refreshed (fundamentals, then prices) from the fake
    Yahoo. Returns the refreshed tickers and the seconds it took."""
    from companies import refresh, services
    from companies.market import refresh as prices
    from scraping.yahoo import YahooClient
    from tests.directories import full_directory
    from tests.fakes import FakeYahoo

    started = time.perf_counter()
    directory = full_directory()
    services.directory_load(directory=directory)
    print(f"directory loaded in {time.perf_counter() - started:.0f} s", flush=True)
    # spread over the directory, so the listing's pages are not all alike
    step = max(1, len(directory.rows) // companies)
    tickers = [row.ticker for row in directory.rows[::step]][:companies]
    with FakeYahoo(companies={}, any_symbol=True) as fake:
        client = YahooClient(
            base_url=fake.base_url,
            requests_per_second=500,
            timeout=10,
            cache_dir=Path(tempfile.mkdtemp(prefix="asxdb-bench-yf-")),
        )
        options = {"limit": len(tickers), "concurrency": 4, "budget_seconds": 3600}
        done = refresh.companies_refresh(tickers=tickers, client=client, **options)
        prices.prices_refresh(tickers=tickers, client=client, **options)
        client.close()
    refreshed = [o.ticker for o in done.outcomes if o.outcome == "ok"]
    return refreshed, time.perf_counter() - started


def start_servers(endpoint: str, count: int, cache_seconds: int) -> list[tuple[int, object]]:
    from devtools.dynamodb_local import free_port

    env = {
        **os.environ,
        "DYNAMODB_ENDPOINT_URL": endpoint,
        "LISTING_CACHE_SECONDS": str(cache_seconds),
        "COMPANY_CACHE_SECONDS": str(cache_seconds),
        "PYTHONPATH": str(ROOT),
    }
    servers = []
    for _ in range(count):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.append((port, process))
    for port, process in servers:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server on port {port} did not start") from None
                time.sleep(0.2)
    return servers


def _status(port: int, url: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", url)
    status = connection.getresponse().status
    connection.close()
    if status not in (200, 302):
        raise SystemExit(f"{url} answered {status} before the load began")
    return status


def routes(port: int, tickers: list[str]) -> dict[str, list[tuple[str, int]]]:
    """Each route's URLs, with the status a reader should get."""
    second_pages = []
    for sort, order in SORTS[:3]:
        api = f"http://127.0.0.1:{port}/api/companies/?sort={sort}&order={order}"
        with urllib.request.urlopen(api, timeout=10) as answer:
            following = json.load(answer)["next"]  # the next page's cursor
        if following:
            second_pages.append(f"/companies/?sort={sort}&order={order}&cursor={quote(following)}")
    return {
        "home": [("/", 200)],
        "listing": [(f"/companies/?sort={s}&order={o}", 200) for s, o in SORTS]
        + [(url, 200) for url in second_pages],
        "company": [(f"/companies/{t}/", 200) for t in tickers],
        "statement tab": [
            (f"/companies/{t}/{s}/?period={p}", 200)
            for t in tickers
            for s, p in (("balance", "quarterly"), ("cashflow", "annual"), ("income", "ttm"))
        ],
        "statement api": [
            (f"/api/companies/{t}/statements/income/?period=annual", 200) for t in tickers
        ],
        # an exact ticker ("bhp", "360") goes straight to the company: a redirect is right
        "search": [(url, _status(port, url)) for url in (f"/search/?q={q}" for q in SEARCHES)],
        "search api": [(f"/api/search/?q={q}&limit=10", 200) for q in SEARCHES],
        "unknown ticker": [("/companies/ZZQX/", 404), ("/companies/BHX9/", 404)],
    }


def run_clients(servers, table, *, clients: int, seconds: float):
    """`clients` threads until `seconds` have passed; returns {route: [ms, ...]}, {route:
    errors} and the error messages seen (a few of each)."""
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    seen_errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    names = [name for name, weight in WEIGHTS.items() for _ in range(weight)]
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(n)
        port = servers[n % len(servers)][0]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed, messages = defaultdict(list), defaultdict(int), []
        while time.monotonic() < stop:
            name = rng.choice(names)
            url, status = rng.choice(table[name])
            started = time.perf_counter()
            try:
                connection.request("GET", url)
                answer = connection.getresponse()
                answer.read()
                elapsed = (time.perf_counter() - started) * 1000
                if answer.status != status:
                    failed[name] += 1
                    messages.append(f"{url}: HTTP {answer.status}")
                else:
                    mine[name].append(elapsed)
                if answer.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException) as exc:
                failed[name] += 1
                messages.append(f"{url}: {type(exc).__name__}: {exc}")
                connection.close()
        connection.close()
        with lock:
            for name, values in mine.items():
                samples[name] += values
            for name, count in failed.items():
                errors[name] += count
            for message in messages:
                seen_errors[message] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, errors, seen_errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--servers", type=int, default=2, help="server processes (one a core)")
    parser.add_argument("--companies", type=int, default=100, help="companies with figures")
    parser.add_argument(
        "--cache-seconds", type=int, default=60, help="LISTING_ and COMPANY_CACHE_SECONDS"
    )
    args = parser.parse_args()

    with site_on_dynamodb_local() as endpoint:
        tickers, loading = load_data(args.companies)
        print(
            f"data: 2,109-company directory, {len(tickers)} companies with statements and "
            f"prices (loaded in {loading:.0f} s)"
        )
        servers = start_servers(endpoint, args.servers, args.cache_seconds)
        try:
            table = routes(servers[0][0], tickers)
            for port, _ in servers:  # first hits: in-memory indexes built, caches filled
                for urls in table.values():
                    for url, _ in urls[:3]:
                        with contextlib.suppress(urllib.error.HTTPError):
                            urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=30)
            started = time.monotonic()
            samples, errors, messages = run_clients(
                servers, table, clients=args.clients, seconds=args.seconds
            )
            elapsed = time.monotonic() - started
        finally:
            for _, process in servers:
                process.terminate()
                process.wait()

    print(
        f"{args.clients} clients for {elapsed:.0f} s against {args.servers} runserver "
        f"process(es), page caches {args.cache_seconds} s"
    )
    print(
        f"{'route':<16} {'requests':>9} {'errors':>7} {'req/s':>8} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    every = []
    for name in WEIGHTS:
        values = samples.get(name, [])
        every += values
        if not values:
            print(f"{name:<16} {0:>9} {errors.get(name, 0):>7}")
            continue
        print(
            f"{name:<16} {len(values):>9} {errors.get(name, 0):>7} {len(values) / elapsed:>8.1f} "
            f"{percentile(values, 0.50):>8.1f} {percentile(values, 0.95):>8.1f} "
            f"{percentile(values, 0.99):>8.1f}"
        )
    total_errors = sum(errors.values())
    print(
        f"{'all':<16} {len(every):>9} {total_errors:>7} {len(every) / elapsed:>8.1f} "
        f"{percentile(every, 0.50):>8.1f} {percentile(every, 0.95):>8.1f} "
        f"{percentile(every, 0.99):>8.1f}"
    )
    for message, count in sorted(messages.items(), key=lambda item: -item[1])[:10]:
        print(f"error x{count}: {message}")
    sys.exit(1 if total_errors else 0)


if __name__ == "__main__":
    main()
