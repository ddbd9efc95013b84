"""How many DynamoDB calls, and how many read units, each page costs: with the process caches off
(as on a fresh Lambda container) and on. A company stored as the site stores it: its
fundamentals through the refresh run against the fake Yahoo, its twelve years of daily prices
through the prices refresh, on moto.

moto answers every call with a flat 0.5 read units, so the units are worked out here from the
items each call returned, by DynamoDB's published rules (eventually consistent reads, half a
unit per 4 KB): a GetItem and each item of a BatchGetItem rounded up on its own (half a unit
for a key with no item), a Query's items summed, then rounded up.
"""

import math
import threading
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.test import override_settings

from companies import refresh, selectors, services
from companies.finding.search import forget_index
from companies.market import refresh as prices_refresh
from companies.models import ALL_MODELS, SiteStats
from tests import factories

TICKERS = ("BHP", "CBA", "RMD", "ANN")
UNIT_BYTES = 4096
# Caches off, as on a fresh container: each measured request starts with the process's cache
# and directory index cleared (caches_cleared), and company pages are not kept at all.
# LISTING_CACHE_SECONDS stays: at 0 the one summary a page reads for its header would be read
# again by every template that asks, which no deployment does.
CACHES_OFF = {"COMPANY_CACHE_SECONDS": 0}
STATEMENT_PAGES = [
    f"/companies/BHP/{statement}/?period={period}"
    for statement in ("income", "balance", "cashflow")
    for period in ("annual", "quarterly", "ttm")
]
COMPANY_PAGES = ["/companies/BHP/", "/companies/BHP/?range=5y", *STATEMENT_PAGES]


# --- item sizes and read units, as DynamoDB counts them ----------------------------------------


def value_size(value: dict) -> int:
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        digits = data.lstrip("-").replace(".", "").strip("0") or "0"
        return math.ceil(len(digits) / 2) + 1 + data.startswith("-")
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in data.items())
    return sum(value_size({kind[0]: v}) for v in data)  # SS, NS, BS


def item_size(item: dict) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def units(size: int) -> float:
    return max(1, math.ceil(size / UNIT_BYTES)) * 0.5


@dataclass
class Call:
    operation: str
    thread: str
    sizes: list[int] = field(default_factory=list)  # of each item it returned
    records: list[str] = field(default_factory=list)  # their sort keys, in the same order
    missing: int = 0  # keys asked for that hold no item (GetItem, BatchGetItem)

    @property
    def units(self) -> float:
        if self.operation in ("Query", "Scan"):
            return units(sum(self.sizes))
        return sum(units(size) for size in self.sizes) + 0.5 * self.missing


class Meter:
    """Every DynamoDB call the models make, with what it returned."""

    def __init__(self):
        self.calls: list[Call] = []
        self.asked: dict[int, int] = {}
        self._lock = threading.Lock()
        clients = {id(c): c for c in (m._get_connection().connection.client for m in ALL_MODELS)}
        for client in clients.values():
            client.meta.events.register("before-parameter-build.dynamodb", self._before)
            client.meta.events.register("after-call.dynamodb", self._after)

    def _before(self, model, params, **kwargs):
        keys = 1 if model.name == "GetItem" else 0
        if model.name == "BatchGetItem":
            keys = sum(len(t["Keys"]) for t in params["RequestItems"].values())
        with self._lock:
            self.asked[threading.get_ident()] = keys

    def _after(self, model, parsed, **kwargs):
        if model.name == "BatchGetItem":
            items = [i for table in parsed.get("Responses", {}).values() for i in table]
        elif model.name == "GetItem":
            items = [parsed["Item"]] if "Item" in parsed else []
        else:
            items = parsed.get("Items", [])
        with self._lock:
            asked = self.asked.pop(threading.get_ident(), 0)
            self.calls.append(
                Call(
                    model.name,
                    threading.current_thread().name,
                    [item_size(i) for i in items],
                    [i["sk"]["S"] for i in items if "sk" in i],
                    missing=max(0, asked - len(items)) if asked else 0,
                )
            )

    def read(self, client, url: str, *, status: int = 200):
        self.calls.clear()
        response = client.get(url)
        assert response.status_code == status, url
        return response

    @property
    def operations(self) -> list[str]:
        return sorted(c.operation for c in self.calls)

    @property
    def units(self) -> float:
        return sum(c.units for c in self.calls)


# --- the site ----------------------------------------------------------------------------------


@pytest.fixture
def site(moto_table, yahoo):
    """Four companies; BHP's fundamentals (the refresh run) and its prices since 2015 (the
    prices refresh), as the site stores them."""
    factories.load_directory(*((t, f"{t} LIMITED") for t in TICKERS))
    report = refresh.companies_refresh(
        tickers=["BHP"], limit=1, concurrency=1, budget_seconds=120, client=yahoo
    )
    assert report.succeeded == 1
    prices = prices_refresh.prices_refresh(
        tickers=["BHP"], limit=1, concurrency=1, budget_seconds=120, client=yahoo
    )
    assert prices.succeeded == 1
    cache.clear()
    forget_index()
    return report


@pytest.fixture
def meter(site):
    return Meter()


def caches_cleared():
    cache.clear()
    forget_index()


# --- the home page -----------------------------------------------------------------------------


@override_settings(**CACHES_OFF)
def test_home_page_is_one_get_item(client, meter):
    caches_cleared()
    response = meter.read(client, "/")
    assert meter.operations == ["GetItem"]
    assert meter.units == 0.5
    assert "Companies listed</dt><dd>4</dd>" in response.text
    assert "Fundamentals last refreshed</dt><dd>just now</dd>" in response.text


@override_settings(LISTING_CACHE_SECONDS=0)
def test_home_page_is_one_get_item_even_with_the_summary_never_kept(client, meter):
    response = meter.read(client, "/")
    assert meter.operations == ["GetItem"]
    assert "Fundamentals last refreshed</dt><dd>just now</dd>" in response.text


def test_home_page_cached_makes_no_call(client, meter):
    meter.read(client, "/")
    meter.read(client, "/")
    assert meter.calls == []


def test_home_page_of_a_table_without_the_refresh_moment_shows_the_rest(client, meter):
    """A table the refresh wrote before it recorded its moment (an upgraded deployment)."""
    SiteStats().update(actions=[SiteStats.fundamentals_refreshed.remove()])
    response = meter.read(client, "/")
    assert meter.operations == ["GetItem"]
    assert "Companies listed</dt><dd>4</dd>" in response.text
    assert "Directory loaded</dt><dd>" in response.text
    assert "Fundamentals last refreshed</dt><dd>—</dd>" in response.text


def test_refresh_moment_never_goes_back(site):
    newest = site.outcomes[0].fetched_at
    assert (
        SiteStats.get(SiteStats.pk.default, SiteStats.sk.default).fundamentals_refreshed == newest
    )
    older = newest.replace(year=newest.year - 1)
    assert services.site_refreshed_record(at=older) is False  # an overlapping run, older
    stats = SiteStats.get(SiteStats.pk.default, SiteStats.sk.default)
    assert stats.fundamentals_refreshed == newest


def test_directory_load_keeps_the_refresh_moment(site, client):
    factories.load_directory(*((t, f"{t} LIMITED") for t in (*TICKERS, "FMG")))
    stats = SiteStats.get(SiteStats.pk.default, SiteStats.sk.default)
    assert stats.listed_count == 5
    assert stats.fundamentals_refreshed == site.outcomes[0].fetched_at


def test_run_without_a_success_records_nothing(site, yahoo):
    SiteStats().update(actions=[SiteStats.fundamentals_refreshed.remove()])
    report = refresh.companies_refresh(
        tickers=["NOPE"], limit=1, concurrency=1, budget_seconds=30, client=yahoo
    )
    assert report.succeeded == 0
    assert SiteStats.get(SiteStats.pk.default, SiteStats.sk.default).fundamentals_refreshed is None


# --- company pages -----------------------------------------------------------------------------


@override_settings(**CACHES_OFF)
@pytest.mark.parametrize("url", COMPANY_PAGES)
def test_company_page_is_two_concurrent_calls(client, meter, url):
    caches_cleared()
    response = meter.read(client, url)
    assert "BHP" in response.text
    assert meter.operations == ["BatchGetItem", "Query"]
    # issued side by side: the statements Query from the reader pool
    assert len({call.thread for call in meter.calls}) == 2


@override_settings(COMPANY_CACHE_SECONDS=0, LISTING_CACHE_SECONDS=0)
@pytest.mark.parametrize("url", ["/companies/BHP/", "/companies/BHP/balance/?period=ttm"])
def test_company_page_is_two_calls_with_every_cache_off(client, meter, url):
    """The header's site summary comes with the company in the BatchGetItem, kept or not."""
    response = meter.read(client, url)
    assert meter.operations == ["BatchGetItem", "Query"]
    assert "Sample data: this site holds" not in response.text
    SiteStats().update(actions=[SiteStats.sample_data.set(1)])
    assert "Sample data: this site holds" in meter.read(client, url).text  # read each time


@override_settings(**CACHES_OFF)
@pytest.mark.parametrize("url", COMPANY_PAGES)
def test_company_page_reads_no_more_than_three_separate_calls(client, meter, url):
    """Against the reads it replaced: a GetItem of the company, one of the site summary, a
    Query of the prices' items and the statements Query. The BatchGetItem rounds each price
    item up on its own where the Query rounded their sum (and counts half a unit for a year
    with no bars yet): at most half a unit more per price item after the first (on these
    prices, none), and far less than the directory index the page no longer reads first."""
    caches_cleared()
    meter.read(client, url)
    batch = next(c for c in meter.calls if c.operation == "BatchGetItem")
    sizes = dict(zip(batch.records, batch.sizes, strict=True))
    prices = [size for record, size in sizes.items() if record.startswith("PRICES#")]
    assert len(prices) <= 2
    assert set(sizes) - {"COMPANY", "STATS"} == {r for r in sizes if r.startswith("PRICES#")}
    query = next(c for c in meter.calls if c.operation == "Query")
    # the header's site summary was a GetItem of its own then
    before = units(sizes["COMPANY"]) + units(sizes["STATS"]) + units(sum(prices)) + query.units
    price_keys = len(batch.sizes) + batch.missing - 2  # all but the company and the summary
    assert meter.units <= before + 0.5 * (price_keys - 1)
    # the page before also read the whole directory first when its index was not fresh
    forget_index()
    meter.read(client, "/search/?q=BH")
    assert meter.units <= before + sum(c.units for c in meter.calls)


def test_company_page_cached_makes_no_call(client, meter):
    for url in COMPANY_PAGES:
        meter.read(client, url)
        meter.read(client, url)
        assert meter.calls == [], url


@override_settings(**CACHES_OFF)
def test_company_page_draws_its_prices_from_the_batch(client, meter):
    caches_cleared()
    response = meter.read(client, "/companies/BHP/")
    api = client.get("/api/companies/BHP/prices/?range=1y").json()
    assert len(api["prices"]) > 200
    assert api["prices"][-1]["date"] in response.text  # the chart's newest bar


@override_settings(**CACHES_OFF)
def test_company_without_prices_or_statements_is_two_calls(client, meter):
    caches_cleared()
    meter.read(client, "/companies/CBA/")
    assert meter.operations == ["BatchGetItem", "Query"]


# --- what is not a company ---------------------------------------------------------------------


def test_unknown_ticker_with_a_warm_index_makes_no_call(client, meter):
    meter.read(client, "/search/?q=BH")  # builds the index
    meter.read(client, "/companies/ZZZZ/", status=404)
    assert meter.calls == []


@override_settings(**CACHES_OFF)
def test_unknown_ticker_cold_reads_the_directory_once(client, meter):
    """No fresh index: the page's two reads find no company, then the index is built (one
    Query per listing status) for the near matches."""
    caches_cleared()
    response = meter.read(client, "/companies/BHX/", status=404)
    assert "BHP" in response.text
    assert meter.operations == ["BatchGetItem", "Query", "Query", "Query"]


@override_settings(**CACHES_OFF)
@pytest.mark.parametrize(
    ("url", "budget"),
    [
        ("/companies/", ["GetItem", "Query", "Query", "Query"]),
        ("/companies/?sort=market_cap&order=desc", ["GetItem", "Query", "Query", "Query"]),
        ("/api/companies/BHP/prices/?range=1y", ["GetItem", "Query"]),
        ("/search/?q=BH", ["GetItem", "Query", "Query"]),
    ],
)
def test_other_pages_uncached(client, meter, url, budget):
    """The listing: its page's Query, the directory index's build (one Query per status) for
    the filter form and the summary; the prices API: the company, one Query; search: the
    index."""
    caches_cleared()
    meter.read(client, url)
    assert meter.operations == budget


@pytest.mark.parametrize(
    "url",
    [
        "/companies/",
        "/companies/?sort=market_cap&order=desc",
        "/search/?q=BH",
    ],
)
def test_other_pages_cached_make_no_call(client, meter, url):
    meter.read(client, url)
    meter.read(client, url)
    assert meter.calls == []


# --- throttling within a BatchGetItem ----------------------------------------------------------


def leaving_unprocessed(monkeypatch, *, times: int):
    """The first `times` BatchGetItems answer all but their first key as unprocessed."""
    from pynamodb.connection.table import TableConnection

    real = TableConnection.batch_get_item
    left = [times]

    def throttled(self, keys, **kwargs):
        if left[0] <= 0:
            return real(self, keys, **kwargs)
        left[0] -= 1
        answer = real(self, keys[:1], **kwargs)
        answer["UnprocessedKeys"] = {self.table_name: {"Keys": list(keys[1:])}}
        return answer

    monkeypatch.setattr(TableConnection, "batch_get_item", throttled)
    monkeypatch.setattr(selectors, "BATCH_GET_BACKOFF", (0.0, 0.0))


@override_settings(**CACHES_OFF)
def test_unprocessed_keys_are_asked_again(client, meter, monkeypatch):
    caches_cleared()
    whole = client.get("/api/companies/BHP/prices/?range=1y").json()["prices"][-1]["date"]
    leaving_unprocessed(monkeypatch, times=1)
    caches_cleared()
    response = meter.read(client, "/companies/BHP/")
    assert meter.operations == ["BatchGetItem", "BatchGetItem", "Query"]
    assert whole in response.text


@override_settings(**CACHES_OFF)
def test_keys_still_unprocessed_are_read_one_by_one(client, meter, monkeypatch):
    leaving_unprocessed(monkeypatch, times=selectors.BATCH_GET_TRIES)
    caches_cleared()
    response = meter.read(client, "/companies/BHP/")
    tries = ["BatchGetItem"] * selectors.BATCH_GET_TRIES
    # four keys (the company, two price years, the site summary), one answered per try: the
    # rest one GetItem each
    left = ["GetItem"] * (4 - selectors.BATCH_GET_TRIES)
    assert meter.operations == sorted([*tries, *left, "Query"])
    assert "BHP" in response.text
