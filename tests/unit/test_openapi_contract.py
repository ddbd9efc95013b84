"""The contract plugin (tests/api_contract.py) that checks every /api/ response of the suite
against the OpenAPI document: it passes what the site really answers, with the fake Yahoo's
real-shaped payloads stored by the real refreshes, and fails loudly on an undocumented route,
status, content type, field or method, from the test client and from a live server thread."""

import threading
import urllib.request
from collections import Counter

import pytest
from django.core.cache import cache
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse, JsonResponse
from django.test import Client
from django.urls import path
from yfinance.data import YfData

from companies import refresh as statements_refresh
from companies.forms import LINE_CHOICES
from companies.market import refresh as prices_refresh
from companies.market.selectors import PRICE_RANGES
from companies.selectors import Order, SortKey
from companies.statements.vocabulary import PERIOD_TYPES, STATEMENTS
from tests import api_contract, factories
from tests.api_contract import ContractViolation
from tests.fakes import PRICES_THROUGH

# The fake Yahoo's companies: BHP and RMD report in USD, NOS has a profile but no statements.
TICKERS = ("BHP", "CBA", "RMD", "ANN", "GAP", "NOS", "APS")
OPERATIONS = {
    f"GET {path}"
    for path in (
        "/api/",
        "/api/schema/",
        "/api/search/",
        "/api/companies/",
        "/api/companies/{ticker}/",
        "/api/companies/{ticker}/statements/{statement}/",
        "/api/companies/{ticker}/prices/",
        "/api/companies/{ticker}/dividends/",
    )
}


# --- a urlconf with routes that break the contract (used with @pytest.mark.urls) ---------------


def search_like(request):
    """Answers as /api/search/ would, or breaks it as `?break=` says."""
    broken = request.GET.get("break")
    if broken == "field":
        return JsonResponse({"results": []})
    if broken == "type":
        return HttpResponse("bhp", content_type="text/plain")
    if broken == "status":
        return JsonResponse({"error": "I'm a teapot"}, status=418)
    if broken == "value":
        return JsonResponse({"query": "b", "results": [{"ticker": "BHP"}]})
    return JsonResponse({"query": "", "results": []})


def unwritten(request):
    return JsonResponse({"results": []})


urlpatterns = [
    path("api/search/", search_like, name="api_search"),
    path("api/unwritten/", unwritten, name="api_unwritten"),
]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


# --- what the site answers validates -----------------------------------------------------------


@pytest.fixture
def refreshed(moto_table, fake_yahoo, yahoo):
    """Every fake Yahoo company through both real refreshes: statements (BHP and RMD in USD,
    NOS none), prices, dividends, quotes and valuations (USD reporters through AUDUSD=X); one
    company delisted."""
    fake_yahoo.clear_faults()
    fake_yahoo.prices_through = PRICES_THROUGH
    YfData.cache_get.cache_clear()
    factories.load_directory(
        *((t, f"{t} LIMITED") for t in TICKERS), ("OLD", "OLD LIMITED"), delisted_after=("OLD",)
    )
    statements_refresh.companies_refresh(
        tickers=list(TICKERS), limit=10, concurrency=2, budget_seconds=120, client=yahoo
    )
    prices_refresh.prices_refresh(
        tickers=list(TICKERS), limit=10, concurrency=2, budget_seconds=120, client=yahoo
    )
    cache.clear()


def test_every_operation_validates_with_what_the_refreshes_stored(client, refreshed):
    before = Counter(api_contract.contract().checked)
    urls = ["/api/", "/api/schema/", "/api/search/?q=", "/api/search/?q=b&limit=50"]
    urls += [
        f"/api/companies/?sort={sort}&order={order}&size=25" for sort in SortKey for order in Order
    ]
    for ticker in (*TICKERS, "OLD"):
        urls += [f"/api/companies/{ticker}/", f"/api/companies/{ticker}/dividends/"]
        urls += [f"/api/companies/{ticker}/prices/?range={r}" for r in PRICE_RANGES]
    for ticker in ("BHP", "RMD", "NOS"):
        urls += [
            f"/api/companies/{ticker}/statements/{statement}/?period={period}&lines={lines}"
            for statement in STATEMENTS
            for period in PERIOD_TYPES
            for lines in LINE_CHOICES
        ]
    statuses = {url: client.get(url).status_code for url in urls}
    assert set(statuses.values()) == {200}, {u: s for u, s in statuses.items() if s != 200}
    seen = Counter(api_contract.contract().checked) - before
    assert set(seen) >= OPERATIONS  # every operation of these areas, with real data

    rmd = client.get("/api/companies/RMD/").json()
    assert rmd["financial_currency"] == "USD"
    assert rmd["valuation"]["pe"]["fx"]["pair"] == "AUDUSD=X"
    nos = client.get("/api/companies/NOS/statements/income/").json()
    assert nos["periods"] == [] and nos["items"] == []
    assert client.get("/api/companies/OLD/").json()["status"] == "delisted"


def test_errors_validate_too(client, refreshed):
    for url, status in [
        ("/api/companies/?sort=colour", 400),
        ("/api/companies/?cursor=forged", 400),
        ("/api/companies/ZZZZ/", 404),
        ("/api/companies/no-such/", 404),
        ("/api/companies/BHP/statements/royalties/", 404),
        ("/api/companies/BHP/statements/income/?period=weekly", 400),
        ("/api/companies/BHP/prices/?range=3y", 400),
        ("/api/companies/ZZZZ/dividends/", 404),
        ("/api/search/?limit=0", 400),
    ]:
        assert client.get(url).status_code == status, url


# --- what breaks the contract fails loudly -----------------------------------------------------


@pytest.mark.urls(__name__)
def test_a_route_without_an_operation_fails_loudly(client):
    with pytest.raises(ContractViolation) as failure:
        client.get("/api/unwritten/")
    message = str(failure.value)
    assert "GET /api/unwritten/ broke the API contract" in message
    assert "the route 'api_unwritten' has no operation in the OpenAPI document" in message
    assert "companies/openapi" in message  # where to add it


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        ("field", "at $: 'query' is a required property"),
        ("value", "at $.results[0]: 'name' is a required property"),
        ("type", "200 of GET /api/search/ is text/plain, not one of application/json"),
        ("status", "status 418 is not documented for GET /api/search/"),
    ],
)
def test_an_answer_the_document_does_not_describe_fails(client, broken, problem):
    with pytest.raises(ContractViolation, match="broke the API contract") as failure:
        client.get("/api/search/", {"break": broken})
    assert problem in str(failure.value)


@pytest.mark.urls(__name__)
def test_the_answer_the_document_describes_passes(client):
    assert client.get("/api/search/").json() == {"query": "", "results": []}
    assert client.head("/api/search/").status_code == 200


@pytest.mark.urls(__name__)
def test_an_undocumented_method_must_be_a_405(client, settings):
    assert client.post("/api/search/").status_code == 405  # the site's own answer passes
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "asxdb_site.middleware.AllowedMethodsMiddleware"
    ]
    with pytest.raises(ContractViolation, match="POST is not documented for /api/search/"):
        Client().post("/api/search/")  # a new handler, without the 405s


@pytest.mark.urls(__name__)
def test_a_broken_answer_from_a_live_server_thread_fails_the_running_test():
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/search/?break=field"
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200  # the server answered as the view said
    finally:
        server.shutdown()
        server.server_close()
    with api_contract._lock:
        seen, api_contract._pending[:] = list(api_contract._pending), []
    [message] = seen  # the plugin's fixture would fail this test with it at teardown
    assert "'query' is a required property" in message


def test_paths_outside_the_api_are_not_checked(client, moto_table):
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/companies/ZZZZ/prices.json").status_code == 404
