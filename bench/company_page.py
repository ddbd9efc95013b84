"""Company page benchmark: server time and DynamoDB cost of a company's pages on DynamoDB Local.

    .venv/bin/python bench/company_page.py [--iterations 300]
    .venv/bin/python bench/company_page.py --vs /tmp/render-before [--rounds 6 --iterations 40]
    .venv/bin/python bench/company_page.py --profile [--vs DIR]

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

--vs DIR compares our own share of the server time (reads answered from memory, every process
cache off: COMPANY_CACHE_SECONDS=0, LISTING_CACHE_SECONDS=0) with another checkout of the code
(`git archive HEAD | tar -x -C DIR`): one DynamoDB Local, one worker process per tree (each
imports only its own tree's code), the same BHP (statements and the fake Yahoo's prices) in
each, pages asked of the two workers in turn, in alternating order, round after round, so that
a noisy machine slows both alike. It prints each page's median per tree and the ratio.
--drop-middleware NAME,... leaves middleware out of both trees, e.g. one that only the newer
tree has, to time the rest alone. --profile prints, per page, the render path's top costs under
cProfile (cumulative and own time) in this tree's worker.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve()
# a --vs worker runs in the tree it measures: that tree's bench, tests and companies
TREE = Path(os.environ.get("BENCH_TREE") or HERE.parent.parent)
sys.path.insert(0, str(TREE))
from bench.common import (  # noqa: E402
    CapacityMeter,
    bench_environment,
    percentile,
    site_on_dynamodb_local,
    time_requests,
)

bench_environment("asxdb-bench-company")
os.environ["COMPANY_CACHE_SECONDS"] = "0"  # every request reads; memory is measured apart
os.environ["LISTING_CACHE_SECONDS"] = "0"

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


def reads_from_memory(names=("company_get", "company_with_statements", "company_statement")):
    """Answer every company-page selector from memory after its first real answer."""
    from companies import selectors

    for name in names:
        real, kept = getattr(selectors, name), {}

        def remembered(*args, _real=real, _kept=kept, **kwargs):
            key = (args, tuple(sorted(kwargs.items())))
            if key not in _kept:
                _kept[key] = _real(*args, **kwargs)
            return _kept[key]

        setattr(selectors, name, remembered)


def dynamodb_reads_from_memory():
    """Answer every DynamoDB read from memory after its first real answer, at botocore's
    client: with the process caches off, the directory index and the site summary are read
    again on every request, and their calls are DynamoDB's time, not ours."""
    from botocore.client import BaseClient

    real, kept = BaseClient._make_api_call, {}

    def remembered(self, operation, params):
        if operation not in ("GetItem", "Query", "BatchGetItem", "Scan"):
            return real(self, operation, params)
        key = (operation, json.dumps(params, sort_keys=True, default=str))
        if key not in kept:
            kept[key] = real(self, operation, params)
        return kept[key]

    BaseClient._make_api_call = remembered


# --vs and --profile: what each tree's worker serves
VS_PAGES = {
    "company page (income, annual)": f"/companies/{TICKER}/",
    "income, all lines": f"/companies/{TICKER}/income/?lines=all",
    "income, half-years": f"/companies/{TICKER}/income/?period=quarterly",
    "income, ttm": f"/companies/{TICKER}/income/?period=ttm",
    "balance sheet, annual": f"/companies/{TICKER}/balance/",
    "balance, half-years, all lines": f"/companies/{TICKER}/balance/?period=quarterly&lines=all",
    "cash flow, annual": f"/companies/{TICKER}/cashflow/",
    "cash flow, ttm, all lines": f"/companies/{TICKER}/cashflow/?period=ttm&lines=all",
    "listing (first page)": "/companies/",
}


def worker(*, endpoint: str, table: str):
    """Serve timing requests on stdin/stdout (one JSON line each) for the tree at TREE, on the
    DynamoDB Local at `endpoint`, with every process cache off and the reads in memory."""
    os.environ.update({"DYNAMODB_ENDPOINT_URL": endpoint, "DYNAMODB_TABLE": table})
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from companies import models, selectors, services
    from tests import factories

    for name in dir(settings):  # whatever page caches this tree has: off
        if name.endswith("CACHE_SECONDS"):
            setattr(settings, name, 0)
    dropped = set(filter(None, os.environ.get("BENCH_DROP_MIDDLEWARE", "").split(",")))
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m not in dropped]
    models.bind_table(table_name=table, host=endpoint)
    services.table_create(wait=True)
    factories.load_directory((TICKER, "BHP GROUP LIMITED"), ("CBA", "COMMONWEALTH BANK"))
    now = datetime.datetime.now(datetime.UTC)
    factories.store(TICKER, bench_fundamentals(), fetched_at=now - datetime.timedelta(hours=3))
    factories.store_prices(TICKER)
    reads_from_memory(
        [n for n in dir(selectors) if n.startswith("company") and callable(getattr(selectors, n))]
    )
    dynamodb_reads_from_memory()  # the rest (directory index, site summary) at the client
    calls = []  # DynamoDB calls that reach the server (after the memory answers none should)
    for m in models.ALL_MODELS:
        m._get_connection().connection.client.meta.events.register(
            "after-call.dynamodb.*", lambda **kwargs: calls.append(1)
        )
    client = Client()
    client.get("/")
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but answers on the pipe
    for line in sys.stdin:
        ask = json.loads(line)
        url = ask["url"]
        for _ in range(ask.get("warm", 0)):
            assert client.get(url).status_code == 200, url
        if ask.get("profile"):
            answer = {"profile": profile_text(client, url, ask["iterations"])}
        else:
            calls.clear()
            wall, cpu = [], []
            for _ in range(ask["iterations"]):
                started, started_cpu = time.perf_counter(), time.process_time()
                assert client.get(url).status_code == 200, url
                cpu.append((time.process_time() - started_cpu) * 1000)
                wall.append((time.perf_counter() - started) * 1000)
            answer = {"wall": wall, "cpu": cpu, "calls": len(calls) / ask["iterations"]}
        out.write(json.dumps(answer) + "\n")
        out.flush()


def profile_text(client, url: str, iterations: int, top: int = 45) -> str:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(iterations):
        client.get(url)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    stats.print_callers("_make_api_call")  # what reaches DynamoDB: nothing (reads in memory)
    return text.getvalue()


class Worker:
    """One tree's worker process."""

    def __init__(self, tree: Path, *, endpoint: str, table: str):
        self.tree = tree
        env = {**os.environ, "BENCH_TREE": str(tree)}
        self.process = subprocess.Popen(
            [sys.executable, str(HERE), "--worker", endpoint, table],
            cwd=tree,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, **question) -> dict:
        self.process.stdin.write(json.dumps(question) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the worker for {self.tree} stopped")
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


def compare(*, before: Path | None, rounds: int, iterations: int, profile: bool):
    from devtools.dynamodb_local import running

    trees = {"now": TREE} if before is None else {"before": before, "now": TREE}
    with running() as endpoint:
        workers = {
            name: Worker(tree, endpoint=endpoint, table=f"asxdb-bench-vs-{name}")
            for name, tree in trees.items()
        }
        try:
            for w in workers.values():  # warm: imports, template loaders, connections
                for url in VS_PAGES.values():
                    w.ask(url=url, iterations=1, warm=20)
            if profile:
                for name, url in VS_PAGES.items():
                    for tree, w in workers.items():
                        print(f"=== {name} ({url}), {tree}: cProfile of {iterations} requests")
                        print(w.ask(url=url, iterations=iterations, profile=True)["profile"])
                return
            wall = {(page, tree): [] for page in VS_PAGES for tree in trees}
            cpu = {(page, tree): [] for page in VS_PAGES for tree in trees}
            calls = {}
            for n in range(rounds):
                order = list(workers.items())
                if n % 2:
                    order.reverse()
                for page, url in VS_PAGES.items():
                    for tree, w in order:
                        answer = w.ask(url=url, iterations=iterations, warm=3)
                        wall[page, tree] += answer["wall"]
                        cpu[page, tree] += answer["cpu"]
                        calls[page, tree] = answer["calls"]
        finally:
            for w in workers.values():
                w.close()
    print(
        f"our own server time (reads in memory, process caches off), {rounds} rounds x "
        f"{iterations} requests per page and tree, interleaved. Wall time median and p95, and "
        "the worker's CPU time median (less sensitive to other load on the machine); DynamoDB "
        "calls per request in brackets (0: nothing but our code is timed)\n"
    )
    header = f"{'page':<32}"
    for tree in trees:
        header += f"{tree + ': wall':>16}{'p95':>9}{'CPU':>9}"
    print(header + (f"{'now/before wall':>17}{'CPU':>6}" if before else ""))
    for page in VS_PAGES:
        line = f"{page:<32}"
        for tree in trees:
            got = wall[page, tree]
            line += (
                f"{statistics.median(got):>9.2f} ms ({calls[page, tree]:.0f})"
                f"{percentile(got, 0.95):>6.2f} ms{statistics.median(cpu[page, tree]):>6.2f} ms"
            )
        if before:
            for samples, width in ((wall, 17), (cpu, 6)):
                ratio = statistics.median(samples[page, "now"]) / statistics.median(
                    samples[page, "before"]
                )
                line += f"{ratio:>{width}.2f}"
        print(line)


def main():
    if sys.argv[1:2] == ["--worker"]:
        return worker(endpoint=sys.argv[2], table=sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--vs", type=Path, help="another checkout of the code to compare with")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--drop-middleware",
        default="",
        help="comma-separated middleware left out in both trees (to time the rest alone)",
    )
    args = parser.parse_args()
    if args.vs or args.profile:
        os.environ["BENCH_DROP_MIDDLEWARE"] = args.drop_middleware
        return compare(
            before=args.vs.resolve() if args.vs else None,
            rounds=args.rounds,
            iterations=args.iterations or (100 if args.profile else 40),
            profile=args.profile,
        )
    args.iterations = args.iterations or 300

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
