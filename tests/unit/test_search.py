"""Search from the in-memory directory index: ranking, honest wording, the API, the 404's near
matches, and what it costs in DynamoDB calls."""

import datetime

import pytest

from companies import models, services
from companies.finding.search import directory_index
from scraping.asx import Directory, DirectoryRow

COMPANIES = [
    # ticker, name, group, market cap
    ("BHP", "BHP GROUP LIMITED", "Materials", 228_000_000_000),
    ("BH8", "BENZ MINING CORP", "Materials", 20_000_000),
    ("BHD", "BENJAMIN HORNIGOLD LIMITED", "Diversified Financials", 3_000_000),
    ("CBA", "COMMONWEALTH BANK OF AUSTRALIA.", "Banks", 180_000_000_000),
    ("NAB", "NATIONAL AUSTRALIA BANK LIMITED", "Banks", 100_000_000_000),
    ("BOQ", "BANK OF QUEENSLAND LIMITED.", "Banks", 4_000_000_000),
    ("MIN", "MINERAL RESOURCES LIMITED", "Materials", 9_000_000_000),
    ("IGO", "IGO LIMITED", "Materials", 6_000_000_000),
    ("ILU", "ILUKA RESOURCES LIMITED", "Materials", None),
    ("AMI", "AURELIA METALS LIMITED", "Materials", 200_000_000),
    ("TMS", "TENNANT MINERALS LIMITED", "Materials", 5_000_000),
    ("NMT", "NEOMETALS LTD", "Materials", 50_000_000),
    ("360", "LIFE360 INC.", "Software & Services", 2_000_000_000),
    ("SBM", "ST BARBARA MINERALS LIMITED", "Materials", 300_000_000),
    ("XYZ", "SUBMINERALSX HOLDINGS", "Materials", 1_000_000),
]


@pytest.fixture
def directory(moto_table):
    def rows(companies):
        return [
            DirectoryRow(
                ticker=t,
                name=n,
                industry_group=g,
                listing_date=datetime.date(2000, 1, 1),
                market_cap=c,
                line=i + 2,
            )
            for i, (t, n, g, c) in enumerate(companies)
        ]

    services.directory_load(directory=Directory(rows=rows(COMPANIES), rejected=[], source="t"))
    # XYZ leaves the directory: delisted, still found
    kept = [c for c in COMPANIES if c[0] != "XYZ"]
    services.directory_load(
        directory=Directory(rows=rows(kept), rejected=[], source="t"), allow_shrink=True
    )


def api(client, q, **params):
    response = client.get("/api/search/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def tickers(payload):
    return [r["ticker"] for r in payload["results"]]


def test_bh_ranks_the_exact_prefix_by_market_cap(client, directory):
    payload = api(client, "bh")
    assert tickers(payload)[:3] == ["BHP", "BH8", "BHD"]
    assert {r["match"] for r in payload["results"][:3]} == {"ticker_prefix"}


def test_exact_ticker_comes_first(client, directory):
    assert api(client, "bhp")["results"][0] == {
        "ticker": "BHP",
        "name": "BHP GROUP LIMITED",
        "industry_group": "Materials",
        "market_cap": 228_000_000_000,
        "status": "listed",
        "match": "ticker",
    }


def test_bank_finds_the_banks_by_a_word_of_their_name(client, directory):
    payload = api(client, "bank")
    assert tickers(payload) == ["CBA", "NAB", "BOQ"]
    assert {r["match"] for r in payload["results"]} == {"name_word"}


def test_minerals_finds_every_name_with_the_word_then_inside_words(client, directory):
    payload = api(client, "minerals")
    found = tickers(payload)
    assert found[:2] == ["SBM", "TMS"]  # a word of the name, by market cap
    assert found[-1] == "XYZ" and payload["results"][-1]["match"] == "name"
    assert payload["results"][-1]["status"] == "delisted"  # delisted companies are found too
    assert "MIN" not in found  # "MINERAL" does not contain "minerals"


def test_digit_ticker_and_lowercase_and_limit(client, directory):
    assert tickers(api(client, "360"))[0] == "360"
    assert tickers(api(client, "Life360"))[0] == "360"
    assert len(api(client, "l", limit=2)["results"]) == 2


@pytest.mark.parametrize("q", ["", "   "])
def test_blank_query_is_empty_not_an_error(client, directory, q):
    assert api(client, q) == {"query": "", "results": []}
    page = client.get("/search/", {"q": q})
    assert page.status_code == 200 and "Type a ticker" in page.content.decode()


def test_repeated_and_too_long_queries(client, directory):
    assert client.get("/search/?q=BHP&q=").status_code == 200  # the last value: blank
    assert client.get("/api/search/", {"q": "x" * 61}).status_code == 400
    assert client.get("/search/", {"q": "x" * 61}).status_code == 400
    assert client.get("/api/search/", {"q": "bh", "limit": 51}).status_code == 400


def test_enter_on_an_exact_ticker_goes_to_the_company(client, directory):
    response = client.get("/search/", {"q": "cba"})
    assert response.status_code == 302 and response["Location"] == "/companies/CBA/"


def test_no_match_says_so_and_offers_the_listing(client, directory):
    body = client.get("/search/", {"q": "zzzzzz"}).content.decode()
    assert "No company has the ticker ZZZZZZ." in body
    assert "No company’s ticker or name matches “zzzzzz”" in body
    assert 'href="/companies/"' in body
    assert "data-match" not in body  # never a fallback on the first letter


def test_unknown_ticker_search_says_so_first_then_near_matches(client, directory):
    body = client.get("/search/", {"q": "BHX"}).content.decode()
    assert body.index("No company has the ticker BHX.") < body.index("/companies/BHP/")
    assert "Companies with a ticker starting with “BH”" in body  # near, not "matching"


def test_results_page_shows_group_cap_and_delisted(client, directory):
    body = client.get("/search/", {"q": "minerals"}).content.decode()
    assert "A$300.00M" in body and "Materials" in body
    assert "delisted</span>" in body


@pytest.fixture
def calls(directory):
    seen = []
    for model in models.ALL_MODELS:
        model._get_connection().connection.client.meta.events.register(
            "before-call.dynamodb", lambda model, **kw: seen.append(model.name)
        )
    return seen


def test_a_warm_search_costs_no_dynamodb_call(client, calls):
    api(client, "b")
    client.get("/search/", {"q": "b"})  # every page's header reads the cached site summary
    calls.clear()
    for q in ("bh", "bhp", "bank", "minerals"):
        api(client, q)
        client.get("/search/", {"q": q})
    assert calls == []


def test_the_index_is_built_with_one_query_per_status(client, calls):
    directory_index()
    assert calls == ["Query", "Query"]


@pytest.mark.parametrize(
    "path", ["/companies/BHX/", "/companies/%20/", "/companies/%1f/", "/companies/%20/income.csv"]
)
def test_an_unknown_company_404_costs_at_most_one_call_and_never_fails(client, calls, path):
    directory_index()
    calls.clear()
    response = client.get(path)
    assert response.status_code == 404
    assert len(calls) <= 1


def test_404_echoes_at_most_60_characters_and_offers_near_matches(client, directory):
    body = client.get("/companies/BHX/").content.decode()
    assert "/companies/BHP/" in body
    long = "A" * 300
    assert ("A" * 61) not in client.get(f"/companies/{long}/").content.decode()
