"""Refresh benchmark: companies per minute through yfinance into DynamoDB Local.

    .venv/bin/python bench/refresh.py [--companies 200] [--latency 0.15]

Serves generated, realistic payloads for any ticker from the test suite's fake Yahoo with a fixed
latency per request, loads the directory into an in-memory DynamoDB Local, and runs the real
refresh (companies.refresh.companies_refresh) at the default rate limit and concurrency. Prints the
achieved throughput against what the rate limit allows, and what a full pass of the 2,109-company
directory would take at that pace.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_environment, site_on_dynamodb_local  # noqa: E402

bench_environment("asxdb-bench-refresh")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.15, help="seconds per request")
    args = parser.parse_args()

    with site_on_dynamodb_local():
        from django.conf import settings

        from companies import refresh, services
        from scraping.asx import Directory
        from scraping.yahoo import YahooClient
        from tests.directories import full_directory
        from tests.fakes import FakeYahoo

        full = full_directory()
        rows = full.rows[: args.companies]
        services.directory_load(directory=Directory(rows=rows, rejected=[], source="bench"))

        with FakeYahoo(companies={}, any_symbol=True, latency=args.latency) as fake:
            client = YahooClient(
                base_url=fake.base_url,
                requests_per_second=settings.YAHOO_REQUESTS_PER_SECOND,
                timeout=settings.YAHOO_TIMEOUT_SECONDS,
                cache_dir=Path(tempfile.mkdtemp(prefix="asxdb-bench-yf-")),
            )
            started = time.perf_counter()
            report = refresh.companies_refresh(
                limit=len(rows),
                concurrency=settings.REFRESH_CONCURRENCY,
                budget_seconds=3600,
                client=client,
            )
            elapsed = time.perf_counter() - started
            requests = fake.count()

        rate = settings.YAHOO_REQUESTS_PER_SECOND
        per_company = requests / max(1, report.attempted)
        achieved = report.succeeded / elapsed * 60
        allowed = rate / per_company * 60
        print(
            f"companies: {report.succeeded} refreshed, {report.failed} failed, "
            f"{report.deferred} deferred, in {elapsed:.1f} s"
        )
        print(
            f"requests to Yahoo: {requests} ({per_company:.1f} per company), "
            f"latency {args.latency * 1000:.0f} ms each"
        )
        print(f"rate limit {rate:g} requests/s, concurrency {settings.REFRESH_CONCURRENCY}")
        print(
            f"throughput: {achieved:.1f} companies/min; the rate limit allows {allowed:.1f} "
            f"({achieved / allowed:.0%})"
        )
        print(
            f"a full pass of {len(full.rows)} companies at this pace: "
            f"{len(full.rows) / achieved:.0f} min"
        )


if __name__ == "__main__":
    main()
