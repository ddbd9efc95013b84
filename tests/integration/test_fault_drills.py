"""Fault drills on the real DynamoDB Local, with yfinance's real code against the fake Yahoo:

- DynamoDB Local killed in the middle of a refresh run and started again on the same data;
- DynamoDB throttling (DynamoDB Local never throttles: a botocore `before-send` hook answers
  some requests as a throttled DynamoDB would, and botocore's real retry code handles them);
- Yahoo answering 429 to everything for 48 hours of simulated time;
- the same scheduled event delivered twice, one after the other and at once, and Lambda's
  retries of a run Yahoo rate limited.

No real time passes in a backoff: the refresh and the Yahoo limiter run on a SimulatedClock, and
the waits of botocore's retries and of ours are recorded instead of slept. Each drill prints one
line of figures (`pytest -s` shows them; bench/drills.py runs them and prints more).
"""

import datetime
import json
import random
import re
import shutil
import subprocess
import tempfile
import threading
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from django.conf import settings
from django.test import Client
from django.utils import timezone

from companies import jobs, models, refresh, selectors, services
from companies.models import Company, Statement
from devtools.dynamodb_local import command, free_port, wait_until_ready
from scraping.asx import Directory
from scraping.yahoo import YahooClient
from tests.directories import full_directory
from tests.fakes import FakeYahoo

pytestmark = pytest.mark.integration

T0 = datetime.datetime(2026, 11, 2, 6, 0, tzinfo=datetime.UTC)  # a Monday, 17:00 in Sydney
REFRESH_STATE = {  # what a failed attempt may change on a company item: never a figure
    "last_attempt",
    "last_outcome",
    "last_error",
    "failure_count",
    "next_attempt",
    "by_refresh_due",
}


# --- time, sleeps, DynamoDB's requests --------------------------------------------------------


class SimulatedClock:
    """Simulated time for a refresh run and the Yahoo limiter: `sleep` moves it on at once, so
    hours of backoff pass in no real time. Thread-safe, and threads sleep side by side: a sleep
    ends `seconds` after the time its thread last read, so two threads waiting at once move the
    clock by the longer wait, not by the sum."""

    def __init__(self, start: datetime.datetime):
        self.start = start
        self._elapsed = 0.0
        self._lock = threading.Lock()
        self._read = threading.local()

    def monotonic(self) -> float:
        with self._lock:
            self._read.at = self._elapsed
            return self._elapsed

    def sleep(self, seconds: float) -> None:
        with self._lock:
            since = getattr(self._read, "at", self._elapsed)
            self._elapsed = max(self._elapsed, since + max(0.0, seconds))
            self._read.at = self._elapsed

    def now(self) -> datetime.datetime:
        with self._lock:
            elapsed = self._elapsed
        return (self.start + datetime.timedelta(seconds=elapsed)).replace(microsecond=0)

    def advance_to(self, moment: datetime.datetime) -> None:
        with self._lock:
            self._elapsed = max(self._elapsed, (moment - self.start).total_seconds())

    @property
    def clock(self) -> refresh.Clock:
        return refresh.Clock(now=self.now, monotonic=self.monotonic)


class SleepRecorder:
    """Stands in for time.sleep: every wait is recorded, none is slept."""

    def __init__(self):
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(scope="module")
def yf_cache(tmp_path_factory) -> Path:
    """yfinance's caches: one directory for the process, as in production (see YahooClient)."""
    return tmp_path_factory.mktemp("yf")


@pytest.fixture
def retry_sleeps(monkeypatch):
    """The waits of botocore's retries (botocore.endpoint sleeps between attempts) and of
    services.write_backoff, recorded instead of slept; the jitter seeded, so that it repeats."""
    recorder = SleepRecorder()
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=recorder))
    monkeypatch.setattr(services.write_backoff, "sleep", recorder)
    state = random.getstate()
    random.seed(2026)
    yield recorder
    random.setstate(state)


def _pks(body: dict) -> set[str]:
    """The companies (`pk`) a DynamoDB request names."""
    found = set()
    for key in ("Item", "Key"):
        if key in body:
            found.add(body[key]["pk"]["S"])
    for requests in body.get("RequestItems", {}).values():
        for request in requests:
            for kind in ("PutRequest", "DeleteRequest"):
                if kind in request:
                    item = request[kind].get("Item") or request[kind].get("Key")
                    found.add(item["pk"]["S"])
    for action in body.get("TransactItems", []):
        found |= _pks(next(iter(action.values())))
    return found


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **kwargs):
        yield self.data


def _answer(request, status: int, body: dict) -> AWSResponse:
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    if "__type" in body:
        headers["x-amzn-ErrorType"] = body["__type"].rsplit("#", 1)[-1]
    return AWSResponse(request.url, status, headers, _Body(json.dumps(body).encode()))


class DynamoDBWire:
    """Sees every request the models send DynamoDB (each attempt, retries included), and
    answers some itself, as a throttled DynamoDB would: `rules` are callables
    (operation, body, request) -> AWSResponse or None."""

    def __init__(self):
        self.sent: list[tuple[str, set[str], dict]] = []
        self.rules: list = []
        self._lock = threading.Lock()

    def attach(self) -> "DynamoDBWire":
        for model in models.ALL_MODELS:
            model._get_connection().connection.client.meta.events.register(
                "before-send.dynamodb", self._before_send
            )
        return self

    def _before_send(self, request, event_name, **kwargs):
        operation = event_name.rsplit(".", 1)[-1]
        body = json.loads(request.body or b"{}")
        with self._lock:
            self.sent.append((operation, _pks(body), body))
        for rule in list(self.rules):
            answer = rule(operation, body, request)
            if answer is not None:
                return answer
        return None

    def count(self, operation: str, pk: str | None = None, *, setting: str | None = None) -> int:
        """Attempts of `operation` naming `pk`; with `setting`, only updates that set it."""
        with self._lock:
            return sum(
                1
                for op, pks, body in self.sent
                if op == operation
                and (pk is None or pk in pks)
                and (setting is None or setting in _update_names(body))
            )


def _update_names(body: dict) -> set[str]:
    """The attributes an update sets (those of every action of a transaction)."""
    names = set(body.get("ExpressionAttributeNames", {}).values())
    for action in body.get("TransactItems", []):
        names |= _update_names(next(iter(action.values())))
    return names


def throttled(operation: str, pk: str, *, times: int | None, setting: str | None = None):
    """A rule: the first `times` attempts (None: every one) of `operation` naming `pk` (and
    setting `setting`) answer ProvisionedThroughputExceededException."""
    left = [times]

    def rule(op, body, request):
        if op != operation or pk not in _pks(body):
            return None
        if setting is not None and setting not in _update_names(body):
            return None
        if left[0] is not None:
            if left[0] == 0:
                return None
            left[0] -= 1
        return throttled_answer(request)

    return rule


def throttled_answer(request) -> AWSResponse:
    """DynamoDB's answer to a request over its throughput, as DynamoDB words it."""
    return _answer(
        request,
        400,
        {
            "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            "message": "The level of configured provisioned throughput for the table was "
            "exceeded. Consider increasing your provisioning level with the UpdateTable API.",
        },
    )


def unprocessed(pk: str, *, times: int | None):
    """A rule: the first `times` BatchWriteItem attempts naming `pk` (None: every one) come
    back with all their items unprocessed, as a batch throttled item by item does."""
    left = [times]

    def rule(op, body, request):
        if op != "BatchWriteItem" or pk not in _pks(body):
            return None
        if left[0] is not None:
            if left[0] == 0:
                return None
            left[0] -= 1
        return _answer(request, 200, {"UnprocessedItems": body["RequestItems"]})

    return rule


def cancelled(pk: str, *, times: int | None, reason: str = "ThrottlingError"):
    """A rule: the first `times` TransactWriteItems attempts naming `pk` (None: every one) are
    cancelled, as DynamoDB cancels a transaction one of whose items was throttled: the
    request as a whole succeeds as far as botocore is concerned (no retry of its own)."""
    left = [times]

    def rule(op, body, request):
        if op != "TransactWriteItems" or pk not in _pks(body):
            return None
        if left[0] is not None:
            if left[0] == 0:
                return None
            left[0] -= 1
        reasons = [{"Code": "None"} for _ in body["TransactItems"]]
        reasons[0] = {
            "Code": reason,
            "Message": "Throughput exceeds the current capacity of your table or index.",
        }
        codes = ", ".join(r["Code"] for r in reasons)
        return _answer(
            request,
            400,
            {
                "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                "Message": "Transaction cancelled, please refer cancellation reasons for "
                f"specific reasons [{codes}]",
                "CancellationReasons": reasons,
            },
        )

    return rule


# --- the table and the fake Yahoo -------------------------------------------------------------


def table_items() -> dict[tuple[str, str], dict]:
    """Every item of the table as DynamoDB holds it (a Scan: a drill may, a page never does)."""
    client = Company._get_connection().connection.client
    items, start = {}, None
    while True:
        page = client.scan(
            TableName=Company.Meta.table_name, **({"ExclusiveStartKey": start} if start else {})
        )
        for item in page["Items"]:
            items[(item["pk"]["S"], item["sk"]["S"])] = item
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def figures(items: dict) -> dict:
    """The items without what a failed attempt may change: every figure, profile and date."""
    return {
        key: {name: value for name, value in item.items() if name not in REFRESH_STATE}
        if key[1] == "COMPANY"
        else item
        for key, item in items.items()
    }


def load_directory(count: int) -> list[str]:
    """The first `count` companies of the real 2,109-company directory (or its stand-in)."""
    rows = full_directory().rows[:count]
    services.directory_load(directory=Directory(rows=rows, rejected=[], source="drill"))
    return [row.ticker for row in rows]


def as_stored(values: dict) -> dict:
    """A fetched period's figures as the table holds them (JSON: Decimal becomes float)."""
    return {k: v if v is None or isinstance(v, int) else float(v) for k, v in values.items()}


def fetched_at(ticker: str) -> dict[str, datetime.datetime]:
    return {
        s.record: s.fetched for s in Statement.query(ticker, Statement.record.startswith("STMT#"))
    }


def yahoo_client(fake: FakeYahoo, cache_dir: Path, clock: SimulatedClock | None = None, **kw):
    options = {"requests_per_second": 500, "timeout": 5, "cache_dir": cache_dir}
    if clock is not None:
        options.update(clock=clock.monotonic, sleep=clock.sleep)
    return YahooClient(base_url=fake.base_url, **{**options, **kw})


def queue_run(client, clock: SimulatedClock, *, limit: int, concurrency: int = 1):
    return refresh.companies_refresh(
        limit=limit, concurrency=concurrency, budget_seconds=240, client=client, clock=clock.clock
    )


# --- drill 1: DynamoDB Local stopped in the middle of a run ---------------------------------


class DynamoDBLocalProcess:
    """A DynamoDB Local of the drill's own, on 127.0.0.1 (the devtools launcher), with its data
    in `data_dir`, so that it can be killed like a crash and started again on the same data."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            self.process = subprocess.Popen(
                command(port=self.port, data_dir=self.data_dir),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                wait_until_ready(self.port, process=self.process)
                return
            except Exception:
                self.process.kill()
                self.port = free_port()  # the old port was not free again yet
        raise RuntimeError("DynamoDB Local did not start again")

    def kill(self) -> None:
        """SIGKILL, as a crash or a pulled plug: no shutdown hook runs."""
        self.process.kill()
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def own_dynamodb(tmp_path):
    """The drill's DynamoDB Local, its data in memory-backed files where there are some
    (/dev/shm): they outlive the process, as a disk does, and cost no fsync."""
    saved = (Company.Meta.table_name, Company.Meta.host)
    shm = Path("/dev/shm")
    data = Path(tempfile.mkdtemp(prefix="asxdb-drill-", dir=shm if shm.is_dir() else tmp_path))
    db = DynamoDBLocalProcess(data)
    db.start()
    models.bind_table(table_name="asxdb-drill-stop", host=db.url)
    services.table_create(wait=True)
    yield db
    db.stop()
    shutil.rmtree(data, ignore_errors=True)
    models.bind_table(table_name=saved[0], host=saved[1])


def kill_rule(db: DynamoDBLocalProcess, when: str, after_landed: int, killed: list):
    """A rule that kills DynamoDB Local once `after_landed` companies have sent their write,
    at the next company's transaction: "before its transaction" (it never reaches DynamoDB) or
    "during its transaction" (a few milliseconds after it is sent, while DynamoDB Local may be
    applying it)."""
    landed = [0]

    def rule(op, body, request):
        if killed or op != "TransactWriteItems":
            return None
        if landed[0] < after_landed:
            landed[0] += 1
            return None
        killed.append(next(iter(_pks(body))))
        if when == "before its transaction":
            db.kill()
        else:
            threading.Timer(0.003, db.kill).start()
        return None

    return rule


@pytest.mark.parametrize("when", ["before its transaction", "during its transaction"])
def test_dynamodb_stopped_mid_run_leaves_every_company_whole_and_the_next_run_resumes(
    own_dynamodb, yf_cache, retry_sleeps, when
):
    """Whole, as services.company_fundamentals_store defines it: every company holds one fetch,
    the old or the new, never a mix: its company item and each of its periods say the same
    fetch. A company whose write was cut short is due again and completed by the next run."""
    tickers = load_directory(6)
    with FakeYahoo(companies={}, any_symbol=True) as fake:
        client = yahoo_client(fake, yf_cache)
        # a day before, every one of them was refreshed
        earlier = queue_run(client, SimulatedClock(T0), limit=6, concurrency=2)
        assert earlier.succeeded == 6
        before = table_items()
        old = {ticker: Company.get(ticker, "COMPANY") for ticker in tickers}

        wire = DynamoDBWire().attach()
        killed: list[str] = []
        wire.rules.append(kill_rule(own_dynamodb, when, 2, killed))
        fake.reset_counts()
        t1 = T0 + datetime.timedelta(hours=25)  # every company is due
        report = queue_run(client, SimulatedClock(t1), limit=6)
        outcomes = {o.ticker: o.outcome for o in report.outcomes}
        fetched_in_run = {s.symbol for s in fake.seen if s.endpoint == "quoteSummary"}

        own_dynamodb.start()  # again, on the same data
        models.bind_table(table_name=Company.Meta.table_name, host=own_dynamodb.url)
        after = table_items()
        companies = {ticker: Company.get(ticker, "COMPANY") for ticker in tickers}
        landed = [t for t in tickers if companies[t].last_updated == t1]
        (interrupted,) = killed

        # No company holds a mix of two fetches: each period says the fetch its company says.
        for ticker in tickers:
            assert set(fetched_at(ticker).values()) == {companies[ticker].last_updated}
        # The companies before it landed, with every period of this fetch.
        assert len(landed) >= 2 and report.succeeded == len(landed) - (interrupted in landed)
        for ticker in landed:
            assert companies[ticker].next_attempt == t1 + datetime.timedelta(hours=24)
        if when == "before its transaction":
            assert interrupted not in landed
        if interrupted in landed:  # the transaction was applied before DynamoDB Local died
            reference = client.fetch_company(interrupted)
            expected = {
                Statement.record_key(
                    period_type=p.period_type, statement=p.statement, end=p.end.isoformat()
                ): as_stored(p.values)
                for p in reference.periods
            }
            assert {r: Statement.get(interrupted, r).values for r in expected} == expected
        else:
            # The one cut short kept everything as it was (only the queue's claim moved): its
            # company item still says when its figures are from, no period changed, and it is
            # due again when the claim lapses.
            mine = {key: item for key, item in figures(after).items() if key[0] == interrupted}
            assert mine == {k: i for k, i in figures(before).items() if k[0] == interrupted}
            assert companies[interrupted].last_updated == old[interrupted].last_updated
            api = Client().get(f"/api/companies/{interrupted}/").json()
            assert api["refresh"]["last_success"] == old[interrupted].last_updated.isoformat()
        assert outcomes[interrupted] == refresh.STORAGE_ERROR  # the run never heard it land
        # The companies after it were never fetched from Yahoo, and nothing of theirs changed.
        untouched = [t for t in tickers if t not in landed and t != interrupted]
        assert not fetched_in_run & {f"{t}.AX" for t in untouched}
        for ticker in untouched:
            mine = {key: item for key, item in after.items() if key[0] == ticker}
            assert mine == {key: item for key, item in before.items() if key[0] == ticker}
            assert outcomes[ticker] == refresh.STORAGE_ERROR

        # The next run, once the claim has lapsed, takes exactly the companies still due.
        fake.reset_counts()
        later = t1 + datetime.timedelta(seconds=settings.REFRESH_CLAIM_SECONDS + 60)
        resumed = queue_run(client, SimulatedClock(later), limit=6)
        assert {o.ticker for o in resumed.outcomes} == set(tickers) - set(landed)
        assert resumed.succeeded == 6 - len(landed)
        fetched_again = Counter(s.symbol for s in fake.seen if s.endpoint == "quoteSummary")
        assert not set(fetched_again) & {f"{t}.AX" for t in landed}
        assert set(fetched_again.values()) <= {1}
        for ticker in tickers:
            company = Company.get(ticker, "COMPANY")
            assert set(fetched_at(ticker).values()) == {company.last_updated}  # whole
        client.close()
    print(
        f"\ndrill dynamodb-stopped ({when}): killed at {interrupted}'s transaction; "
        f"landed {len(landed)} (the cut one {'whole' if interrupted in landed else 'not at all'}), "
        f"storage errors {report.count(refresh.STORAGE_ERROR)}, no company mixed; "
        f"resumed {resumed.succeeded} companies, none fetched twice; "
        f"botocore retry waits while down: {len(retry_sleeps.waits)} "
        f"(max {max(retry_sleeps.waits, default=0):.3f} s)"
    )


# --- drill 2: DynamoDB throttling -------------------------------------------------------------


@pytest.fixture
def three_companies(local_table, yf_cache):
    tickers = load_directory(3)
    with FakeYahoo(companies={}, any_symbol=True) as fake:
        client = yahoo_client(fake, yf_cache)
        yield tickers, client, DynamoDBWire().attach()
        client.close()


def full_jitter_bounds(count: int) -> list[float]:
    """The most botocore's standard mode waits before each retry of a throttled request:
    min(2 ** attempt, 20) s (its throttling base is 1 s); it waits rand(0, 1) times that."""
    return [min(2.0**n, 20.0) for n in range(count)]


def test_throttled_writes_are_retried_with_capped_jittered_backoff(three_companies, retry_sleeps):
    (ticker, *_), client, wire = three_companies
    wire.rules += [
        cancelled(ticker, times=2),  # an item throttled within the transaction: our backoff
        throttled("TransactWriteItems", ticker, times=3),  # the request throttled: botocore's
    ]
    report = refresh.companies_refresh(
        tickers=[ticker], limit=1, concurrency=1, budget_seconds=240, client=client
    )

    assert report.succeeded == 1
    assert wire.count("TransactWriteItems", ticker) == 2 + 3 + 1
    assert wire.count("BatchWriteItem", ticker) == 0
    waits = retry_sleeps.waits
    assert len(waits) == 2 + 3
    bounds = full_jitter_bounds(2) + full_jitter_bounds(3)
    assert all(0 < wait <= bound for wait, bound in zip(waits, bounds, strict=True))
    assert all(wait < bound for wait, bound in zip(waits, bounds, strict=True))  # jittered
    company = Company.get(ticker, "COMPANY")
    assert company.last_outcome == "ok"
    assert set(fetched_at(ticker).values()) == {company.last_updated}
    print(f"\ndrill throttled-then-ok: waits {[round(w, 3) for w in waits]} s, bounds {bounds}")


@pytest.mark.parametrize("throttling", ["request throttled", "transaction cancelled"])
def test_a_company_still_throttled_fails_alone_and_the_run_goes_on(
    three_companies, retry_sleeps, throttling
):
    tickers, client, wire = three_companies
    stuck = tickers[0]
    before = table_items()
    if throttling == "request throttled":  # botocore's retries
        wire.rules.append(throttled("TransactWriteItems", stuck, times=None))
    else:  # ours
        wire.rules.append(cancelled(stuck, times=None))

    report = refresh.companies_refresh(
        tickers=tickers, limit=3, concurrency=1, budget_seconds=240, client=client
    )

    outcomes = {o.ticker: o.outcome for o in report.outcomes}
    assert outcomes == {stuck: refresh.STORAGE_ERROR, **{t: "ok" for t in tickers[1:]}}
    attempts = settings.DYNAMODB_MAX_ATTEMPTS
    assert wire.count("TransactWriteItems", stuck) == attempts
    waits = retry_sleeps.waits
    bounds = full_jitter_bounds(attempts - 1)
    assert len(waits) == attempts - 1
    assert all(0 < wait < bound for wait, bound in zip(waits, bounds, strict=True))
    # recorded as failed, backed off, every figure kept
    company = Company.get(stuck, "COMPANY")
    assert company.last_outcome == refresh.STORAGE_ERROR and company.failure_count == 1
    assert company.last_updated is None
    assert company.next_attempt - company.last_attempt == refresh.STORAGE_BACKOFF
    after = table_items()
    mine = {key: item for key, item in figures(after).items() if key[0] == stuck}
    assert mine == {key: item for key, item in figures(before).items() if key[0] == stuck}
    assert not fetched_at(stuck)  # not one period of the fetch landed
    print(
        f"\ndrill still-throttled ({throttling}): {attempts} attempts, waits "
        f"{[round(w, 3) for w in waits]} s (at most {sum(bounds):.0f} s in all); "
        f"{stuck} failed alone, {report.succeeded} others refreshed"
    )


def test_throttled_price_items_are_sent_again_with_backoff(three_companies, retry_sleeps):
    from companies.market import refresh as prices

    (ticker, *_), client, wire = three_companies
    wire.rules.append(unprocessed(ticker, times=3))
    report = prices.prices_refresh(
        tickers=[ticker], limit=1, concurrency=1, budget_seconds=240, client=client
    )
    assert report.succeeded == 1
    assert len(retry_sleeps.waits) == 3
    assert all(0 < w < b for w, b in zip(retry_sleeps.waits, full_jitter_bounds(3), strict=True))
    assert Company.get(ticker, "COMPANY").prices_outcome == "ok"


# --- drill 3: 48 hours of 429 -----------------------------------------------------------------


def test_48_hours_of_429_keep_every_figure_and_back_off_within_bounds(
    local_table, yf_cache, monkeypatch
):
    batch, concurrency = 6, 4
    tickers = load_directory(16)
    outage = T0 + datetime.timedelta(hours=12)  # the figures are 12 h old when it starts
    recovery = outage + datetime.timedelta(hours=48)
    sim = SimulatedClock(T0)
    with FakeYahoo(companies={}, any_symbol=True) as fake:
        client = yahoo_client(fake, yf_cache, sim, requests_per_second=8)
        assert queue_run(client, sim, limit=16).succeeded == 16
        before = figures(table_items())

        fake.set_fault("429", endpoint="*")  # everything, cookie and crumb too
        runs = []  # (start, requests, report)
        slot = outage
        while slot < recovery:
            sim.advance_to(slot)
            sent = fake.count()
            report = queue_run(client, sim, limit=batch, concurrency=concurrency)
            runs.append((slot, fake.count() - sent, report))
            slot += datetime.timedelta(minutes=5)
            while slot < sim.now():
                slot += datetime.timedelta(minutes=5)

        # Every stored figure survived, item by item (beside them: the site-wide pause).
        after = figures(table_items())
        pause = after.pop((models.SITE_PK, models.YAHOO_PAUSE_RECORD))
        assert after == before
        asked = [(start, requests) for start, requests, _ in runs if requests]
        total = sum(requests for _, requests in asked)
        gaps = [(b[0] - a[0]) for a, b in zip(asked, asked[1:], strict=False)]
        longest = max(gaps)
        cap = datetime.timedelta(minutes=settings.YAHOO_PAUSE_MAX_MINUTES)
        # at most the companies in flight when the second 429 in a row came back
        assert max(requests for _, requests in asked) <= concurrency + 1
        assert longest <= cap + datetime.timedelta(minutes=5)
        assert total <= 2 + (48 * 60) // (cap.total_seconds() // 60) + 10
        assert all(r.outcomes == [] for _, n, r in runs if not n and r.paused_until)

        # Pages show how old their figures are.
        monkeypatch.setattr(timezone, "now", sim.now)
        web = Client()
        probed = 0
        for ticker in tickers:
            page = web.get(f"/companies/{ticker}/")
            assert page.status_code == 200
            text = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
            company = Company.get(ticker, "COMPANY")
            assert company.last_updated < outage
            if company.last_outcome == "rate limited":
                probed += 1
                assert re.search(
                    r"last attempt failed (\d+ (min|h|d) ago|just now) : rate limited — "
                    r"showing data from \d+ \w+ \d{4} \(2 d ago\)",
                    text,
                ), text[:2000]
            else:
                assert "updated 2 d ago" in text
        assert probed

        # Yahoo recovers: the first run allowed to ask refreshes a full batch.
        fake.clear_faults()
        slot = max(slot, recovery)
        while True:
            sim.advance_to(slot)
            sent = fake.count()
            first = queue_run(client, sim, limit=batch, concurrency=concurrency)
            if fake.count() > sent:
                break
            slot += datetime.timedelta(minutes=5)
        waited = slot - recovery
        assert first.succeeded == batch and first.deferred == 0 and not first.rate_limited
        assert waited <= cap + datetime.timedelta(minutes=5)
        sim.advance_to(slot + datetime.timedelta(minutes=5))
        assert queue_run(client, sim, limit=batch, concurrency=concurrency).succeeded == batch
        client.close()
    print(
        f"\ndrill 48h-429: {len(runs)} runs, {len(asked)} reached Yahoo "
        f"({pause['strikes']['N']} rate limited in a row), {total} requests "
        f"(at most {max(n for _, n in asked)} in a run), longest gap {longest}, "
        f"{probed} companies marked rate limited; after recovery the first run asking was "
        f"{waited} later and refreshed {first.succeeded}/{batch}"
    )


# --- drill 4: the same scheduled event twice ----------------------------------------------------

EVENT = {
    "version": "0",
    "id": "5b3c1b9f-0d1e-7c41-2a5e-1d2f4a6b8c90",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "time": "2026-11-20T09:05:00Z",
    "region": "ap-southeast-2",
    "resources": [
        "arn:aws:events:ap-southeast-2:123456789012:rule/"
        "asxdb-production-companies.jobs.refresh_companies"
    ],
    "detail": {},
}


@pytest.fixture
def twelve_due(local_table, yf_cache, monkeypatch, settings):
    settings.REFRESH_BATCH = 6
    settings.PRICES_BATCH = 6
    settings.REFRESH_CONCURRENCY = 2
    tickers = load_directory(12)
    with FakeYahoo(companies={}, any_symbol=True) as fake:
        client = yahoo_client(fake, yf_cache, pause_on_429=0.05, max_pause_on_429=0.2)
        monkeypatch.setattr(refresh, "_client", client)  # the job's process-wide client
        yield tickers, fake, DynamoDBWire().attach()
        client.close()


def test_the_same_event_twice_in_a_row_fetches_and_stores_nothing_twice(twelve_due, capsys):
    tickers, fake, wire = twelve_due
    jobs.refresh_companies(EVENT, None)
    jobs.refresh_companies(EVENT, None)  # a duplicate delivery: the next batch, not the same
    jobs.refresh_companies(EVENT, None)  # nothing is due any more
    out = capsys.readouterr().out

    fetched = Counter(s.symbol for s in fake.seen if s.endpoint == "quoteSummary")
    assert fetched == {f"{t}.AX": 1 for t in tickers}
    stored = Counter(
        pk
        for op, pks, body in wire.sent
        if op == "TransactWriteItems" and "last_updated" in _update_names(body)
        for pk in pks
    )
    assert stored == {t: 1 for t in tickers}
    assert out.count("refreshed 6, failed 0") == 2 and "nothing due" in out
    print(
        f"\ndrill duplicate-in-a-row: 3 deliveries, {sum(fetched.values())} fetches and "
        f"{sum(stored.values())} stores for 12 companies"
    )


def read_queue_together(monkeypatch, name: str) -> None:
    """Two runs read the queue at the same moment: the first two calls of selectors.`name`
    return only once both have read it (the drill's worst case, made certain)."""
    read = getattr(selectors, name)
    together = threading.Barrier(2, timeout=60)
    calls = Counter()

    def both_read(**kwargs):
        due = read(**kwargs)
        calls["n"] += 1
        if calls["n"] <= 2:
            together.wait()
        return due

    monkeypatch.setattr(selectors, name, both_read)


def test_the_same_event_twice_at_once_fetches_and_stores_nothing_twice(
    twelve_due, capsys, monkeypatch
):
    tickers, fake, wire = twelve_due
    read_queue_together(monkeypatch, "companies_due")
    start = threading.Barrier(2)
    errors = []

    def deliver():
        start.wait()
        try:
            jobs.refresh_companies(EVENT, None)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors

    fetched = Counter(s.symbol for s in fake.seen if s.endpoint == "quoteSummary")
    assert set(fetched.values()) == {1}
    assert len(fetched) == 6  # one batch between them, each company once
    stored = Counter(
        pk
        for op, pks, body in wire.sent
        if op == "TransactWriteItems" and "last_updated" in _update_names(body)
        for pk in pks
    )
    assert set(stored.values()) == {1} and set(stored) == {s[:-3] for s in fetched}
    out = capsys.readouterr().out
    assert "taken by another run" in out
    print(f"\ndrill duplicate-at-once: {len(fetched)} companies, each fetched and stored once")


def test_the_prices_event_twice_at_once_fetches_each_company_once(twelve_due, monkeypatch):
    tickers, fake, wire = twelve_due
    read_queue_together(monkeypatch, "companies_prices_due")
    start = threading.Barrier(2)

    def deliver():
        start.wait()
        jobs.refresh_prices(EVENT, None)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    quoted = Counter(
        pk
        for op, pks, body in wire.sent
        if op == "UpdateItem" and "valuation" in _update_names(body)
        for pk in pks
    )
    assert len(quoted) == 6 and set(quoted.values()) == {1}
    histories = Counter(
        s.symbol for s in fake.seen if s.endpoint == "chart" and "=" not in (s.symbol or "")
    )
    assert set(histories) == {f"{t}.AX" for t in quoted}
    assert max(histories.values()) <= 2  # the history, and yfinance's one-off time-zone look-up
    print(
        f"\ndrill prices-duplicate-at-once: {len(quoted)} companies, each quoted once, "
        f"chart requests per company {sorted(set(histories.values()))}"
    )


def test_a_retried_event_after_a_rate_limited_probe_asks_yahoo_nothing(twelve_due, capsys):
    """Lambda retries a failed run twice: after a rate-limited probe the retries cost nothing."""
    from django.core.management import CommandError

    tickers, fake, wire = twelve_due
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    # three rate-limited runs in a row, the last pause over: the next run probes
    services.yahoo_pause_extend(until=now, strikes=3, since=now - datetime.timedelta(hours=2))
    fake.set_fault("429", endpoint="*")

    with pytest.raises(CommandError, match="nothing could be refreshed"):
        jobs.refresh_companies(EVENT, None)
    probe = fake.count()
    out = capsys.readouterr().out
    assert probe <= 2  # one company alone: its cookie and crumb, or its first data request
    assert "refreshed 0, failed 1, deferred 5" in out
    assert "no run asks it again before" in out
    pause = services.yahoo_pause_get()
    assert pause.strikes == 4 and pause.until - now >= datetime.timedelta(minutes=59)

    for job in (jobs.refresh_companies, jobs.refresh_companies, jobs.refresh_prices):
        job(EVENT, None)  # Lambda's retries, and the prices schedule meanwhile
    assert fake.count() == probe
    out = capsys.readouterr().out
    assert out.count("nothing asked: Yahoo rate limited the last run") == 3
    retried = wire.sent[-3:]
    assert [op for op, *_ in retried] == ["GetItem"] * 3  # the pause, and nothing else
