"""Search benchmark: server time of search as you type over the 2,109-company directory.

    .venv/bin/python bench/search.py [--iterations 300]

Starts its own in-memory DynamoDB Local and loads the 2,109-company directory (the real one of
24 Feb 2022, or a generated one of the same size when ../shared is absent). Then, through
Django's full request path (the test client), it measures `GET /api/search/?q=` for typical
keystroke sequences with the in-memory index warm (median, p95), the DynamoDB calls a warm
search makes (target: none), and the cold build of the index (calls, read units, time).
Target: p95 under 5 ms warm.
"""

import argparse
import statistics
import sys
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

bench_environment("asxdb-bench-search")

QUERIES = ["b", "bh", "bhp", "bank", "minerals", "resources limited", "360", "zzzz", "gold"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300)
    args = parser.parse_args()
    with site_on_dynamodb_local():
        from django.test import Client

        from companies import models, services
        from companies.finding.search import directory_index, forget_index
        from tests.directories import full_directory

        directory = full_directory()
        services.directory_load(directory=directory)
        meter = CapacityMeter([m._get_connection().connection.client for m in models.ALL_MODELS])

        forget_index()
        meter.reset()
        started = time.perf_counter()
        index = directory_index()
        build_ms = (time.perf_counter() - started) * 1000
        print(f"directory: {len(index.entries)} companies ({directory.source})")
        print(
            f"cold index build: {build_ms:.1f} ms, {meter.calls} DynamoDB calls, "
            f"{meter.units:.1f} read units"
        )

        client = Client()
        meter.reset()
        print(f"{'query':<20} {'median ms':>10} {'p95 ms':>8} {'results':>8}")
        all_samples = []
        for query in QUERIES:
            url = f"/api/search/?q={query.replace(' ', '+')}&limit=10"
            time_requests(client, url, 20)  # warm
            samples = time_requests(client, url, args.iterations)
            all_samples += samples
            count = len(client.get(url).json()["results"])
            print(
                f"{query:<20} {statistics.median(samples):>10.2f} "
                f"{percentile(samples, 0.95):>8.2f} {count:>8}"
            )
        print(
            f"all queries: median {statistics.median(all_samples):.2f} ms, "
            f"p95 {percentile(all_samples, 0.95):.2f} ms (target p95 < 5 ms); "
            f"DynamoDB calls while warm: {meter.calls}"
        )


if __name__ == "__main__":
    main()
