"""Fault drills at full scale, printing what happened. tests/integration/test_fault_drills.py
holds the same drills as tests, with their assertions; this runs them bigger and says more.

    .venv/bin/python bench/drills.py [--only outage|throttling|yahoo429|duplicates]
                                     [--companies 100] [--batch 100]

- outage: `--companies` companies due, a queue run on a DynamoDB Local of its own (data in
  files), killed (SIGKILL) at an arbitrary moment of the run and started again 3 s later while
  the run goes on; then every company checked (its company item and every one of its periods
  say the same fetch, old or new), and the next run, once the claims lapse, takes exactly the
  companies still due.
- throttling: the waits botocore's standard retry mode chooses for 1,000 throttled writes and
  ours for 300 throttled batches (min, mean, max per retry, against the bound), then a run in
  which every company's write stays throttled: attempts per company (botocore's retry quota
  runs dry and it fails fast), the waits in all, and the run's outcome.
- yahoo429: the whole 2,109-company directory, refreshed 12 h before Yahoo starts answering 429
  to everything for 48 simulated hours, at the production schedule and settings (a run every
  5 minutes, REFRESH_BATCH, 4 at a time, 8 requests a second): runs, requests, the longest gap
  between two, every item compared, then the first run after Yahoo recovers.
- duplicates: the directory due, the scheduled job delivered twice at once, then again: fetches
  and stores per company.

Each starts its own DynamoDB Local and fake Yahoo (tests/fakes); nothing reaches the network.
"""

import argparse
import datetime
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_environment  # noqa: E402

bench_environment("asxdb-bench-drills")

T0 = datetime.datetime(2026, 11, 2, 6, 0, tzinfo=datetime.UTC)


def _setup():
    import django

    django.setup()
    from tests.integration import test_fault_drills as drills

    return drills


def _table(host: str, name: str) -> None:
    from companies import models, services

    models.bind_table(table_name=name, host=host)
    services.table_create(wait=True)


def _yahoo(fake, clock=None, **options):
    from scraping.yahoo import YahooClient

    settings = {"requests_per_second": 500, "timeout": 10}
    if clock is not None:
        settings.update(clock=clock.monotonic, sleep=clock.sleep)
    return YahooClient(
        base_url=fake.base_url,
        cache_dir=Path(tempfile.mkdtemp(prefix="asxdb-drills-yf-")),
        **{**settings, **options},
    )


def _directory(count: int | None = None) -> list[str]:
    from companies import services
    from scraping.asx import Directory
    from tests.directories import full_directory

    rows = full_directory().rows[:count]
    services.directory_load(directory=Directory(rows=rows, rejected=[], source="drills"))
    return [row.ticker for row in rows]


def _stats(values) -> str:
    return f"min {min(values):.3f} mean {statistics.mean(values):.3f} max {max(values):.3f}"


# --- outage ------------------------------------------------------------------------------------


def outage(drills, companies: int) -> None:
    import shutil

    from django.conf import settings

    from companies import models, refresh
    from companies.models import Company
    from tests.fakes import FakeYahoo

    shm = Path("/dev/shm")
    data = Path(tempfile.mkdtemp(prefix="asxdb-drills-", dir=shm if shm.is_dir() else None))
    db = drills.DynamoDBLocalProcess(data)
    db.start()
    try:
        _table(db.url, "asxdb-drills-outage")
        tickers = _directory(companies)
        with FakeYahoo(companies={}, any_symbol=True) as fake:
            client = _yahoo(fake)
            first_started = time.monotonic()
            drills.queue_run(client, drills.SimulatedClock(T0), limit=companies, concurrency=4)
            first_seconds = time.monotonic() - first_started
            t1 = T0 + datetime.timedelta(hours=25)
            rng = random.Random(7)
            kill_after = rng.uniform(0.2, 0.5) * first_seconds
            down = {}

            def crash_and_restart():
                time.sleep(kill_after)
                down["at"] = time.monotonic()
                db.kill()
                time.sleep(3)
                db.start()
                down["seconds"] = time.monotonic() - down["at"]
                models.bind_table(table_name=Company.Meta.table_name, host=db.url)

            fake.reset_counts()
            crash = threading.Thread(target=crash_and_restart)
            started = time.monotonic()
            crash.start()
            report = drills.queue_run(
                client, drills.SimulatedClock(t1), limit=companies, concurrency=4
            )
            crash.join()
            run_seconds = time.monotonic() - started

            landed, cut, untouched, broken = [], [], [], []
            for ticker in tickers:
                company = Company.get(ticker, "COMPANY")
                periods = set(drills.fetched_at(ticker).values())
                if company.last_updated == t1:
                    (landed if periods == {t1} else broken).append(ticker)
                elif periods == {company.last_updated}:
                    untouched.append(ticker)
                elif periods <= {company.last_updated, t1}:
                    cut.append(ticker)
                else:
                    broken.append(ticker)
            later = t1 + datetime.timedelta(seconds=settings.REFRESH_CLAIM_SECONDS + 60)
            fake.reset_counts()
            resumed = drills.queue_run(
                client, drills.SimulatedClock(later), limit=companies, concurrency=4
            )
            again = Counter(s.symbol for s in fake.seen if s.endpoint == "quoteSummary")
            whole = sum(
                set(drills.fetched_at(t).values()) == {Company.get(t, "COMPANY").last_updated}
                for t in tickers
            )
            client.close()
        print(
            f"outage: {companies} companies due, a run of {run_seconds:.1f} s, DynamoDB Local "
            f"killed {kill_after:.1f} s in and back {down['seconds']:.1f} s later"
        )
        print(
            f"  the run: {report.succeeded} refreshed, "
            f"{report.count(refresh.STORAGE_ERROR)} storage errors (failed alone, the run went on)"
        )
        print(
            f"  after it: {len(landed)} landed whole, {len(untouched)} as before (old fetch "
            f"whole), {len(cut)} mixing old and new periods, {len(broken)} otherwise"
        )
        print(
            f"  the next run took {len(resumed.outcomes)} companies (due: "
            f"{companies - len(landed)}), refreshed {resumed.succeeded}; fetched twice: "
            f"{sum(1 for t in landed if again.get(f'{t}.AX'))}; whole now: {whole}/{companies}"
        )
    finally:
        db.stop()
        shutil.rmtree(data, ignore_errors=True)


# --- throttling --------------------------------------------------------------------------------


def throttling(drills, companies: int) -> None:
    import botocore.endpoint

    from companies import models, refresh, services
    from companies.models import Company, Statement
    from devtools.dynamodb_local import running
    from tests.fakes import FakeYahoo

    recorder = drills.SleepRecorder()
    botocore.endpoint.time = SimpleNamespace(sleep=recorder)
    services.write_backoff.sleep = recorder
    with running() as url:
        _table(url, "asxdb-drills-throttling")
        tickers = _directory(max(companies, 40))
        wire = drills.DynamoDBWire().attach()

        # 1,000 writes, each throttled on its first three attempts (botocore's retries)
        def first_three(op, body, request):
            if op != "UpdateItem" or "last_error" not in drills._update_names(body):
                return None
            header = request.headers.get("amz-sdk-request", b"")
            header = header.decode() if isinstance(header, bytes) else header
            attempt = int(header.split("attempt=")[1].split(";")[0]) if header else 1
            return drills.throttled_answer(request) if attempt <= 3 else None

        for n in range(1000):
            if n % 25 == 0:  # a fresh client now and then: see the retry quota below
                models.bind_table(table_name=Company.Meta.table_name, host=url)
                wire = drills.DynamoDBWire().attach()
                wire.rules.append(first_three)
            Company(tickers[n % len(tickers)]).update(actions=[Company.last_error.set(f"n{n}")])
        print("throttling: botocore's standard mode, 1,000 writes throttled 3 times each")
        for retry in range(3):
            waits = recorder.waits[retry::3]
            print(f"  retry {retry + 1}: waits {_stats(waits)} s (bound {2.0**retry:g} s)")
        models.bind_table(table_name=Company.Meta.table_name, host=url)
        wire = drills.DynamoDBWire().attach()
        recorder.waits.clear()

        # 300 batches, each left unprocessed twice (our backoff, the same policy)
        seen = [0]

        def twice_unprocessed(op, body, request):
            if op != "BatchWriteItem":
                return None
            seen[0] += 1
            if seen[0] % 3:
                return drills._answer(request, 200, {"UnprocessedItems": body["RequestItems"]})
            return None

        wire.rules.append(twice_unprocessed)
        item = Statement(
            tickers[0],
            "STMT#annual#income#2099-06-30",
            statement="income",
            period_type="annual",
            period_end="2099-06-30",
            months=12,
            values={"x": 1},
            fetched=T0,
        )
        for _ in range(300):
            services.items_batch_write(model=Statement, items=[item])
        print("throttling: our backoff for unprocessed batch items, 300 batches left twice")
        for retry in range(2):
            waits = recorder.waits[retry::2]
            print(f"  retry {retry + 1}: waits {_stats(waits)} s (bound {2.0**retry:g} s)")
        wire.rules.clear()
        recorder.waits.clear()

        # a run in which every company's write stays throttled
        run_tickers = tickers[:companies]

        def company_items(op, body, request):
            if op == "TransactWriteItems":
                return drills.throttled_answer(request)
            return None

        wire.rules.append(company_items)
        with FakeYahoo(companies={}, any_symbol=True) as fake:
            client = _yahoo(fake)
            started = time.monotonic()
            report = refresh.companies_refresh(
                tickers=run_tickers,
                limit=companies,
                concurrency=1,
                budget_seconds=3600,
                client=client,
            )
            seconds = time.monotonic() - started
            client.close()
        attempts = [wire.count("TransactWriteItems", t) for t in run_tickers]
        full = sum(1 for a in attempts if a == attempts[0])
        recorded = sum(
            Company.get(t, "COMPANY").last_outcome == refresh.STORAGE_ERROR for t in run_tickers
        )
        print(
            f"throttling: {companies} companies whose write (one transaction) stays throttled, "
            "one at a time"
        )
        print(
            f"  attempts per company: {attempts[0]} for the first {full}, then "
            f"{sorted(set(attempts[full:])) or '-'} (botocore's retry quota ran dry: it fails "
            f"fast while the table throttles)"
        )
        print(
            f"  waits {sum(recorder.waits):.1f} s in all over {len(recorder.waits)} retries "
            f"(not slept here; the run's own work took {seconds:.1f} s); outcomes: "
            f"{dict(Counter(o.outcome for o in report.outcomes))}; recorded as failed: "
            f"{recorded}"
        )


# --- 48 hours of 429 --------------------------------------------------------------------------


def yahoo429(drills) -> None:
    from django.conf import settings

    from companies import models, services
    from companies.models import Company
    from devtools.dynamodb_local import running
    from scraping.normalize import CompanyFundamentals
    from tests.fakes import FakeYahoo

    batch, concurrency = settings.REFRESH_BATCH, settings.REFRESH_CONCURRENCY
    with running() as url:
        _table(url, "asxdb-drills-429")
        tickers = _directory()
        sim = drills.SimulatedClock(T0)
        with FakeYahoo(companies={}, any_symbol=True) as fake:
            client = _yahoo(fake, sim, requests_per_second=settings.YAHOO_REQUESTS_PER_SECOND)
            # 100 companies with their real statements, the rest refreshed with a profile alone
            real = drills.queue_run(client, sim, limit=100, concurrency=concurrency)
            rest = [t for t in tickers if t not in {o.ticker for o in real.outcomes}]

            def seed(ticker):
                services.company_fundamentals_store(
                    ticker=ticker,
                    fundamentals=CompanyFundamentals(profile={"long_name": ticker}, periods=[]),
                    fetched_at=sim.now(),
                    next_attempt=sim.now() + datetime.timedelta(hours=24),
                )

            with ThreadPoolExecutor(8) as pool:
                list(pool.map(seed, rest))
            before = drills.figures(drills.table_items())

            outage = T0 + datetime.timedelta(hours=12)
            recovery = outage + datetime.timedelta(hours=48)
            fake.set_fault("429", endpoint="*")
            runs, slot = [], outage
            real_started = time.monotonic()
            while slot < recovery:
                sim.advance_to(slot)
                sent = fake.count()
                report = drills.queue_run(client, sim, limit=batch, concurrency=concurrency)
                runs.append((slot, fake.count() - sent, report))
                slot += datetime.timedelta(minutes=5)
                while slot < sim.now():
                    slot += datetime.timedelta(minutes=5)
            real_seconds = time.monotonic() - real_started
            after = drills.figures(drills.table_items())
            pause = after.pop((models.SITE_PK, models.YAHOO_PAUSE_RECORD), None)
            changed = sum(1 for key in before if before[key] != after.get(key))
            asked = [(start, n) for start, n, _ in runs if n]
            gaps = [b[0] - a[0] for a, b in zip(asked, asked[1:], strict=False)]
            marked = sum(Company.get(t, "COMPANY").last_outcome == "rate limited" for t in tickers)

            fake.clear_faults()
            slot = max(slot, recovery)
            while True:
                sim.advance_to(slot)
                sent = fake.count()
                started = sim.monotonic()
                first = drills.queue_run(client, sim, limit=batch, concurrency=concurrency)
                if fake.count() > sent:
                    break
                slot += datetime.timedelta(minutes=5)
            took = sim.monotonic() - started
            client.close()
    per_company = 11
    allowed = settings.REFRESH_BUDGET_SECONDS * settings.YAHOO_REQUESTS_PER_SECOND / per_company
    print(
        f"yahoo429: {len(tickers)} companies, refreshed 12 h before Yahoo answered 429 to "
        f"everything for 48 h; a run every 5 min, batch {batch}, {concurrency} at a time, "
        f"{settings.YAHOO_REQUESTS_PER_SECOND:g} requests/s ({real_seconds:.0f} s of real time)"
    )
    print(
        f"  {len(runs)} runs; {len(asked)} sent Yahoo anything, {sum(n for _, n in asked)} "
        f"requests in all, at most {max(n for _, n in asked)} in a run; longest gap "
        f"{max(gaps)}; {pause['strikes']['N'] if pause else 0} rate-limited runs in a row"
    )
    print(
        f"  items compared: {len(before)}, figures changed: {changed}; companies showing "
        f"'rate limited': {marked} (their pages: 'last attempt failed …: rate limited — "
        f"showing data from <day> (2 d ago)')"
    )
    print(
        f"  Yahoo back: the first run to ask came {slot - recovery} after, refreshed "
        f"{first.succeeded} (failed {first.failed}, deferred {first.deferred}) in "
        f"{took:.0f} simulated s; the budget and rate limit allow about {allowed:.0f} a run"
    )


# --- duplicates --------------------------------------------------------------------------------


def duplicates(drills, batch: int) -> None:
    from django.conf import settings

    from companies import jobs, refresh
    from devtools.dynamodb_local import running
    from tests.fakes import FakeYahoo

    settings.REFRESH_BATCH = batch
    with running() as url:
        _table(url, "asxdb-drills-duplicates")
        tickers = _directory()
        wire = drills.DynamoDBWire().attach()
        with FakeYahoo(companies={}, any_symbol=True) as fake:
            refresh._client = _yahoo(fake, requests_per_second=settings.YAHOO_REQUESTS_PER_SECOND)
            started = time.monotonic()
            threads = [
                threading.Thread(target=jobs.refresh_companies, args=(drills.EVENT, None))
                for _ in range(2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            jobs.refresh_companies(drills.EVENT, None)  # and once more, after both
            seconds = time.monotonic() - started
            fetched = Counter(s.symbol for s in fake.seen if s.endpoint == "quoteSummary")
            refresh._client.close()
    stored = Counter(
        pk
        for op, pks, body in wire.sent
        if op == "UpdateItem" and "last_updated" in drills._update_names(body)
        for pk in pks
    )
    claims = wire.count("UpdateItem", setting="by_refresh_due") - sum(stored.values())
    print(
        f"duplicates: {len(tickers)} companies due, batch {batch}; the event delivered twice "
        f"at once, then a third time ({seconds:.0f} s)"
    )
    print(
        f"  companies fetched: {len(fetched)}, fetched more than once: "
        f"{sum(1 for n in fetched.values() if n > 1)}; stored: {len(stored)}, more than once: "
        f"{sum(1 for n in stored.values() if n > 1)}; claims tried: {claims}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["outage", "throttling", "yahoo429", "duplicates"])
    parser.add_argument("--companies", type=int, default=100)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    drills = _setup()
    import logging

    logging.getLogger("companies").setLevel(logging.ERROR)
    chosen = [args.only] if args.only else ["outage", "throttling", "yahoo429", "duplicates"]
    for name in chosen:
        started = time.monotonic()
        if name == "outage":
            outage(drills, args.companies)
        elif name == "throttling":
            throttling(drills, min(args.companies, 40))
        elif name == "yahoo429":
            yahoo429(drills)
        else:
            duplicates(drills, args.batch)
        print(f"  ({time.monotonic() - started:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main()
