"""The original ASX DB's URLs: permanent redirects to today's pages, on moto. None of them
reads or writes DynamoDB, none can send a reader off the site, and /search/?q= is still the
search."""

import pytest
from django.test import RequestFactory
from django.urls import set_script_prefix

from companies import models
from companies.finding import views as finding_views
from tests import factories

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@pytest.fixture
def bhp(moto_table):
    factories.load_directory(("BHP", "BHP GROUP LIMITED"), ("CBA", "COMMONWEALTH BANK"))


@pytest.fixture
def dynamodb_calls(client, bhp):
    """Every DynamoDB operation the models make from here on, by name."""
    calls = []

    def count(model, **kwargs):
        calls.append(model.name)

    for model in models.ALL_MODELS:
        model._get_connection().connection.client.meta.events.register(
            "before-call.dynamodb", count
        )
    client.get("/companies/")  # proof that the hook counts: the listing is one Query
    assert calls, "the DynamoDB call counter saw nothing"
    calls.clear()
    return calls


MOVED = [
    # the listing
    ("/search/", "/companies/"),
    ("/search/1", "/companies/"),
    ("/search/7/", "/companies/"),
    ("/ticker/", "/companies/"),
    ("/ticker", "/companies/"),
    # its six sort orders
    ("/search/groupBy=ticker&orderBy=asc", "/companies/?sort=ticker&order=asc"),
    ("/search/groupBy=name&orderBy=dsc", "/companies/?sort=name&order=desc"),
    ("/search/groupBy=marketCap&orderBy=dsc", "/companies/?sort=market_cap&order=desc"),
    ("/search/groupBy=dateListed&orderBy=asc", "/companies/?sort=listing_date&order=asc"),
    ("/search/groupBy=group&orderBy=asc/", "/companies/?sort=industry_group&order=asc"),
    ("/search/groupBy=lastUpdated&orderBy=dsc/", "/companies/?sort=last_updated&order=desc"),
    # a company and its tabs, upper-cased
    ("/ticker/BHP", "/companies/BHP/"),
    ("/ticker/bhp/", "/companies/BHP/"),
    ("/ticker/BHP/info", "/companies/BHP/"),
    ("/ticker/bhp/info/", "/companies/BHP/"),
    ("/ticker/BHP/cash_flow", "/companies/BHP/cashflow/"),
    ("/ticker/bhp/balance_sheet/", "/companies/BHP/balance/"),
    ("/ticker/Bhp/income_statement", "/companies/BHP/income/"),
    # a ticker of digits, and an unknown one (its company page is the helpful 404)
    ("/ticker/360/info", "/companies/360/"),
    ("/ticker/zzz9/cash_flow", "/companies/ZZZ9/cashflow/"),
]


@pytest.mark.parametrize("url, location", MOVED)
def test_an_original_url_moves_permanently_to_its_page(client, bhp, url, location):
    response = client.get(url)
    assert response.status_code == 301
    assert response["Location"] == location


def test_search_without_a_slash_reaches_the_listing(client, bhp):
    response = client.get("/search", follow=True)
    assert response.redirect_chain[-1] == ("/companies/", 301)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url, location",
    [
        ("/ticker/bhp/balance_sheet", "/dev/companies/BHP/balance/"),
        ("/ticker/dev", "/dev/companies/DEV/"),
        ("/search/groupBy=marketCap&orderBy=dsc", "/dev/companies/?sort=market_cap&order=desc"),
        ("/search/", "/dev/companies/"),
    ],
)
def test_a_redirect_keeps_the_stage_prefix(client, bhp, url, location):
    set_script_prefix("/dev/")  # what Zappa's WSGI environ (SCRIPT_NAME=/dev) makes Django do
    try:
        response = client.get(url)
    finally:
        set_script_prefix("/")
    assert response.status_code == 301
    assert response["Location"] == location


def test_the_stage_prefix_is_kept_by_the_ticker_form(client, bhp):
    set_script_prefix("/dev/")
    try:
        response = client.post("/ticker/", {"ticker": "bhp"})
    finally:
        set_script_prefix("/")
    assert response.status_code == 303
    assert response["Location"] == "/dev/companies/BHP/"


@pytest.mark.parametrize("url", ["/ticker/", "/ticker"])
@pytest.mark.parametrize(
    "typed, location", [("BHP", "/companies/BHP/"), (" cba ", "/companies/CBA/")]
)
def test_the_old_ticker_form_goes_to_the_company(client, bhp, url, typed, location):
    response = client.post(url, {"ticker": typed})
    assert response.status_code == 303
    assert response["Location"] == location


@pytest.mark.parametrize(
    "form", [{}, {"ticker": ""}, {"ticker": "TOOLONG"}, {"ticker": "//evil.com"}]
)
def test_the_old_ticker_form_without_a_ticker_says_what_it_needs(client, bhp, form):
    response = client.post("/ticker/", form)
    assert response.status_code == 400
    assert "Location" not in response
    assert "1 to 6 letters or digits" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "//evil.com",
        "//evil.com/",
        "/ticker//evil.com",
        "/ticker///evil.com",  # /ticker/%2F%2Fevil.com, as the server decodes it
        "/ticker///evil.com/info",
        "/ticker/evil.com",
        "/ticker/<script>",
        "/ticker/TOOLONG",
        "/ticker/BHP/dividends",
        "/search/groupBy=//evil.com&orderBy=asc",
        "/search/groupBy=price&orderBy=asc",
        "/search/groupBy=ticker&orderBy=up",
        "/search/-1",
    ],
)
def test_a_url_that_is_not_an_original_one_is_a_404_not_a_redirect(client, bhp, path):
    response = client.get("/", PATH_INFO=path)  # the raw path, as the WSGI server passes it on
    assert response.status_code == 404
    assert "Location" not in response
    assert "<script>" not in response.content.decode()


def test_an_encoded_double_slash_is_a_404(client, bhp):
    response = client.get("/ticker/%2F%2Fevil.com")
    assert response.status_code == 404
    assert "Location" not in response


def test_query_text_never_becomes_the_target(client, bhp):
    response = client.get("/ticker/bhp?next=//evil.com")
    assert response["Location"] == "/companies/BHP/"


@pytest.mark.parametrize(
    "method, url",
    [
        ("post", "/update/BHP"),
        ("post", "/update/BHP/"),
        ("get", "/update/BHP"),
        ("post", "/test"),
        ("post", "/test/"),
        ("get", "/test"),
        ("post", "/ticker/BHP"),
        ("post", "/ticker/BHP/info"),
        ("post", "/search/groupBy=ticker&orderBy=asc"),
        ("put", "/ticker/"),
        ("delete", "/ticker/BHP"),
    ],
)
def test_the_original_write_routes_stay_refused_and_write_nothing(
    client, dynamodb_calls, method, url
):
    response = getattr(client, method)(url)
    assert response.status_code in (404, 405)
    assert "Location" not in response
    assert WRITES.isdisjoint(dynamodb_calls)


@pytest.mark.parametrize("url, location", MOVED)
def test_a_redirect_costs_no_dynamodb_call(client, dynamodb_calls, url, location):
    client.get(url)
    assert dynamodb_calls == []


@pytest.mark.parametrize("query", ["bhp", "BHP", "bank", "", " ", "zzzz", "x" * 61])
def test_search_with_a_q_is_still_the_search(client, bhp, query):
    """Whatever `q` holds, /search/ answers exactly as the search view does."""
    response = client.get("/search/", {"q": query})
    direct = finding_views.search(RequestFactory().get("/search/", {"q": query}))
    assert response.status_code == direct.status_code
    assert response.status_code != 301
    assert response.get("Location") == direct.get("Location")
    if response.status_code == 200:
        assert response.content == direct.content


def test_search_for_a_known_ticker_still_opens_the_company(client, bhp):
    response = client.get("/search/?q=bhp")
    assert response.status_code == 302
    assert response["Location"] == "/companies/BHP/"
