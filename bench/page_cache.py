"""Cached pages and the framework floor: requests per second of whole pages served from the
process cache against the home page's, and the home page against a bare Django.

    .venv/bin/python bench/page_cache.py [--rounds 15] [--requests 200]

Starts its own in-memory DynamoDB Local, loads the 2,109-company directory (or a generated one
of the same size when ../shared is absent), stores one company's statements (five years, ten
half-years) and the fake Yahoo's prices, then starts two worker processes:
- the site, with its settings and page caches at their defaults (DJANGO_DEBUG=false);
- a bare Django (bench/bare_site.py): one view returning a constant response, no middleware.
Both serve the same way: Django's WSGI handler called in-process by the worker (a WSGI environ
per request, the body read to the end), no network and no server in between. Each worker
times `--requests` requests of one URL at a time, one client; the parent asks the two in turn,
URL after URL in an order that alternates every round, so a noisy machine slows all alike, and
prints each URL's median requests per second over the rounds:
- cached pages (the same URL again within its cache time: listing, company page, each statement
  tab, a download) against the home page, without Accept-Encoding and with `gzip` and `br`
  (the compressed bytes are cached too: compression costs nothing on a hit);
- the home page against the bare Django's constant view.
Targets: cached pages >= 0.8x the home page's requests per second; home >= bare / 1.5.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TICKER = "BHP"
PAGES = {
    "home": "/",
    "listing": "/companies/",
    "listing, by market cap desc": "/companies/?sort=market_cap&order=desc",
    "company page": f"/companies/{TICKER}/",
    "income tab": f"/companies/{TICKER}/income/",
    "balance tab, half-years": f"/companies/{TICKER}/balance/?period=quarterly",
    "cash flow tab, all lines": f"/companies/{TICKER}/cashflow/?lines=all",
    "income CSV": f"/companies/{TICKER}/income.csv",
    "API statement": f"/api/companies/{TICKER}/statements/income/",
}
ENCODINGS = ("", "gzip", "br")


# --- the worker ---------------------------------------------------------------------------------


def wsgi_get(app, path: str, encoding: str) -> tuple[int, int]:
    """One GET through the WSGI handler: (status, body bytes)."""
    from wsgiref.util import setup_testing_defaults

    target, _, query = path.partition("?")
    environ = {"PATH_INFO": target, "QUERY_STRING": query, "HTTP_HOST": "127.0.0.1"}
    if encoding:
        environ["HTTP_ACCEPT_ENCODING"] = encoding
    setup_testing_defaults(environ)
    status = []
    body = app(environ, lambda s, headers, exc_info=None: status.append(int(s[:3])))
    try:
        size = sum(len(chunk) for chunk in body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return status[0], size


def worker() -> None:
    """Reads `{"path", "encoding", "requests"}` lines; answers `{"rps", "status", "bytes"}`."""
    import django
    from django.core.wsgi import get_wsgi_application

    django.setup()
    app = get_wsgi_application()
    if os.environ["DJANGO_SETTINGS_MODULE"] != "bench.bare_site":
        from companies import models

        models.bind_table(
            table_name=os.environ["DYNAMODB_TABLE"], host=os.environ["DYNAMODB_ENDPOINT_URL"]
        )
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        ask = json.loads(line)
        status, size = wsgi_get(app, ask["path"], ask["encoding"])  # the first may render
        started = time.perf_counter()
        for _ in range(ask["requests"]):
            wsgi_get(app, ask["path"], ask["encoding"])
        elapsed = time.perf_counter() - started
        print(json.dumps({"rps": ask["requests"] / elapsed, "status": status, "bytes": size}))
        sys.stdout.flush()


class Worker:
    def __init__(self, env: dict):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
            cwd=ROOT,
        )
        assert json.loads(self.process.stdout.readline())["ready"]

    def ask(self, path: str, encoding: str, requests: int) -> dict:
        self.process.stdin.write(
            json.dumps({"path": path, "encoding": encoding, "requests": requests}) + "\n"
        )
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


# --- the parent ---------------------------------------------------------------------------------


def load_data() -> str:
    from companies import services
    from companies.finding.search import forget_index
    from tests import factories
    from tests.directories import full_directory

    directory = full_directory()
    services.directory_load(directory=directory)
    tickers = {row.ticker for row in directory.rows}
    ticker = TICKER if TICKER in tickers else sorted(tickers)[0]
    fundamentals = factories.fundamentals(
        revenues={e: 50_000_000_000 + n * 10**9 for n, e in enumerate(factories.year_ends(5))},
        half_year_revenues={
            e: 25_000_000_000 + n * 10**8 for n, e in enumerate(factories.half_year_ends(10))
        },
        currency="USD",
    )
    factories.store(ticker, fundamentals, fetched_at=datetime.datetime.now(datetime.UTC))
    factories.store_prices(ticker, symbol="BHP.AX")
    forget_index()
    print(f"loaded {len(directory.rows)} companies from {directory.source}; company {ticker}")
    return ticker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return

    from bench.common import bench_environment, site_on_dynamodb_local

    bench_environment("asxdb-bench-pages")
    with site_on_dynamodb_local() as endpoint:
        ticker = load_data()
        pages = {label: url.replace(TICKER, ticker) for label, url in PAGES.items()}
        site = Worker({"DYNAMODB_ENDPOINT_URL": endpoint})
        bare = Worker({"DJANGO_SETTINGS_MODULE": "bench.bare_site"})
        # the directory index, as after any search on a warm server (company pages' ETags)
        site.ask("/search/?q=a", "", 1)
        asks = [("bare constant view", bare, "/", "")] + [
            (label, site, url, encoding) for label, url in pages.items() for encoding in ENCODINGS
        ]
        rps = {(label, encoding): [] for label, _, _, encoding in asks}
        sizes = {}
        for round_number in range(args.rounds):
            order = asks if round_number % 2 == 0 else asks[::-1]
            for label, worker_process, url, encoding in order:
                answer = worker_process.ask(url, encoding, args.requests)
                assert answer["status"] == 200, (url, answer)
                rps[(label, encoding)].append(answer["rps"])
                sizes[(label, encoding)] = answer["bytes"]
        site.close()
        bare.close()

    median = {key: statistics.median(values) for key, values in rps.items()}
    print(
        f"\nrequests per second, median of {args.rounds} rounds of {args.requests} requests, "
        "one client, Django's WSGI handler in-process (no server)\n"
    )
    print(f"{'page':30} {'encoding':9} {'bytes':>7} {'req/s':>8} {'x home':>7}")
    for label, _, _, encoding in asks[1:]:
        home = median[("home", encoding)]
        value = median[(label, encoding)]
        mark = "" if label == "home" or value >= 0.8 * home else "  < 0.8x"
        print(
            f"{label:30} {encoding or 'identity':9} {sizes[(label, encoding)]:>7} "
            f"{value:>8.0f} {value / home:>6.2f}x{mark}"
        )
    bare_rps = median[("bare constant view", "")]
    home_rps = median[("home", "")]
    print(
        f"\nbare Django constant view {bare_rps:.0f} req/s; home page {home_rps:.0f} req/s: "
        f"home takes {bare_rps / home_rps:.2f}x the bare view's time per request "
        f"(target <= 1.5x)"
    )


if __name__ == "__main__":
    main()
