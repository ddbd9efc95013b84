"""Company page benchmark: server time and DynamoDB cost of a company's pages on DynamoDB Local.

    .venv/bin/python bench/company_page.py [--iterations 300]

Starts its own in-memory DynamoDB Local, stores one company with five years of annual and ten
half-years of all three statements (the line items the fake Yahoo derives, about as many as
Yahoo reports) through services.company_fundamentals_store, then measures each page through
Django's full request path (the test Client: URL routing, middleware, templates), one client:
- server time, median and p95;
- the same with the reads answered from memory (each selector's first answer kept): the time
  that is ours (Django, view, templates) rather than DynamoDB Local's, whose GetItem alone
  takes several milliseconds on a laptop (printed as "raw GetItem");
- DynamoDB calls and read capacity units per view (PynamoDB asks for ReturnConsumedCapacity
  TOTAL on every call; a botocore hook on each model's client adds them up).
The site-wide summary (the sample banner) is cached, as on any warm server.
The original ASX DB served a company page in ~18-20 ms at one client; the target is under 6 ms.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    CapacityMeter,
    bench_environment,
    percentile,
    site_on_dynamodb_local,
    time_requests,
)

bench_environment("asxdb-bench-company")
os.environ["COMPANY_CACHE_SECONDS"] = "0"  # every request reads; memory is measured apart

TICKER = "BHP"
PAGES = {
    "company page (income, annual)": f"/companies/{TICKER}/",
    "balance sheet, half-years": f"/companies/{TICKER}/balance/?period=quarterly",
    "cash flow, ttm": f"/companies/{TICKER}/cashflow/?period=ttm",
    "income CSV, annual": f"/companies/{TICKER}/income.csv?period=annual",
    "API statement, half-years": f"/api/companies/{TICKER}/statements/income/?period=quarterly",
    "API company": f"/api/companies/{TICKER}/",
}


def plain(values: dict) -> dict:
    """The fake Yahoo's floats as scraping.normalize gives them: whole -> int, else Decimal."""
    return {
        key: int(value) if float(value).is_integer() else Decimal(str(round(value, 4)))
        for key, value in values.items()
    }


def bench_fundamentals():
    """Five years and ten half-years of all three statements, Yahoo-sized."""
    from scraping.normalize import CompanyFundamentals, StatementPeriod
    from tests import factories
    from tests.fakes import period_statements

    shares = 5_072_000_000
    periods = []
    for period_type, months, ends, revenue in (
        ("annual", 12, factories.year_ends(5), 55_658_000_000),
        ("quarterly", 6, factories.half_year_ends(10), 27_210_000_000),
    ):
        for n, end in enumerate(sorted(ends)):
            sales = revenue * (1 + n / 50)
            statements = period_statements(
                "BHP.AX", end=end, revenue=sales, year_revenue=sales * 12 / months, shares=shares
            )
            for statement, values in statements.items():
                periods.append(
                    StatementPeriod(
                        statement=statement,
                        period_type=period_type,
                        end=end,
                        months=months,
                        currency="USD",
                        values=plain(values),
                    )
                )
    return CompanyFundamentals(profile=factories.profile(), periods=periods)


def reads_from_memory():
    """Answer every company-page selector from memory after its first real answer."""
    from companies import selectors

    for name in ("company_get", "company_with_statements", "company_statement"):
        real, kept = getattr(selectors, name), {}

        def remembered(*, _real=real, _kept=kept, **kwargs):
            key = tuple(sorted(kwargs.items()))
            if key not in _kept:
                _kept[key] = _real(**kwargs)
            return _kept[key]

        setattr(selectors, name, remembered)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300)
    args = parser.parse_args()

    with site_on_dynamodb_local():
        from django.conf import settings
        from django.test import Client

        from companies import models
        from tests import factories

        factories.load_directory((TICKER, "BHP GROUP LIMITED"))
        fundamentals = bench_fundamentals()
        now = datetime.datetime.now(datetime.UTC)
        factories.store(TICKER, fundamentals, fetched_at=now - datetime.timedelta(hours=3))
        items = len(fundamentals.periods)
        line_items = sum(len(p.values) for p in fundamentals.periods) / items
        print(f"stored {items} statement periods of {TICKER} (~{line_items:.0f} line items each)\n")

        meter = CapacityMeter(m._get_connection().connection.client for m in models.ALL_MODELS)
        client = Client()
        client.get("/")  # the site-wide summary, cached as on a warm server
        client_raw = models.Company._get_connection().connection.client
        table = models.Company.Meta.table_name
        raw = []
        for _ in range(args.iterations):
            started = time.perf_counter()
            client_raw.get_item(TableName=table, Key={"pk": {"S": TICKER}, "sk": {"S": "COMPANY"}})
            raw.append((time.perf_counter() - started) * 1000)

        results = {}
        for name, url in PAGES.items():
            for _ in range(20):  # warm the process: imports, template cache, connections
                assert client.get(url).status_code == 200, url
            meter.reset()
            size = len(client.get(url).content) / 1024
            calls, units = meter.calls, meter.units
            results[name] = [time_requests(client, url, args.iterations), calls, units, size]
        settings.COMPANY_CACHE_SECONDS = 60  # as served: repeat views within a minute
        page_url = PAGES["company page (income, annual)"]
        client.get(page_url)
        cached = time_requests(client, page_url, args.iterations)
        settings.COMPANY_CACHE_SECONDS = 0
        reads_from_memory()
        for name, url in PAGES.items():
            for _ in range(20):
                client.get(url)
            results[name].append(time_requests(client, url, args.iterations))

        print(
            f"{'page':<32}{'DynamoDB Local: median':>24}{'p95':>9}{'reads in memory: median':>25}"
            f"{'p95':>9}{'calls':>7}{'RCU':>6}{'KB':>5}"
        )
        for name, (local, calls, units, size, memory) in results.items():
            print(
                f"{name:<32}{statistics.median(local):>21.2f} ms{percentile(local, 0.95):>6.2f} ms"
                f"{statistics.median(memory):>22.2f} ms{percentile(memory, 0.95):>6.2f} ms"
                f"{calls:>7}{units:>6.1f}{size:>5.0f}"
            )
        local, memory = (
            results["company page (income, annual)"][0],
            results["company page (income, annual)"][4],
        )
        print(
            f"\nraw GetItem on DynamoDB Local: median {statistics.median(raw):.2f} ms, "
            f"p95 {percentile(raw, 0.95):.2f} ms"
        )
        print(
            f"company page, {args.iterations} requests: median {statistics.median(local):.2f} ms "
            f"(p95 {percentile(local, 0.95):.2f}) on DynamoDB Local, of which ours "
            f"{statistics.median(memory):.2f} ms (p95 {percentile(memory, 0.95):.2f}); "
            "target under 6 ms, the original ASX DB ~18-20 ms"
        )
        print(
            f"company page with COMPANY_CACHE_SECONDS=60 (a repeat view within a minute): median "
            f"{statistics.median(cached):.2f} ms (p95 {percentile(cached, 0.95):.2f})"
        )


if __name__ == "__main__":
    main()
