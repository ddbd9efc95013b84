"""Filters on the directory listing (industry group, market cap range, listing status), on moto
with a slice of the real 2,109-company directory: what the page and the API show, the filter
form, the 400s, cursors bound to their filters, the compare checkboxes, and the DynamoDB calls
each kind of page costs."""

import datetime
import re
from collections import Counter
from dataclasses import replace
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from companies import models, services
from companies.finding.search import forget_index
from companies.forms import aud_amount, aud_param
from tests import listings

ROW_TICKERS = re.compile(r'<td><a href="/companies/([A-Z0-9]+)/">')
DAY = datetime.date(2026, 11, 19)


@pytest.fixture(scope="module")
def site():
    """About 300 real companies in one moto table for the module (the tests only read): every
    7th is delisted, two have a price-based market cap (one lifted over a billion, one dropped
    under a hundred million), a few were refreshed."""
    from moto import mock_aws

    with mock_aws():
        models.bind_table(table_name="asxdb-unit-filters", host=None)
        services.table_create(wait=False)
        directory = listings.directory_slice()
        # two companies whose directory caps a price-based cap moves across the bounds (set here:
        # the generated directory, without ../shared, has no company under a billion)
        rows = list(directory.rows)
        small_at, large_at = [n for n, row in enumerate(rows) if row.market_cap][1:3]
        rows[small_at] = replace(rows[small_at], market_cap=40_000_000)
        rows[large_at] = replace(rows[large_at], market_cap=6_000_000_000)
        directory = replace(directory, rows=rows)
        small, large = rows[small_at], rows[large_at]
        tickers = [row.ticker for row in directory.rows]
        delisted = set(tickers[3::7]) - {small.ticker, large.ticker}
        listings.load_with_delisted(directory, delisted=delisted)
        price_caps = {
            small.ticker: listings.store_price_cap(
                small.ticker, close=2.5, shares=600_000_000, day=DAY
            ),  # A$1.5B: over the billion its directory cap is under
            large.ticker: listings.store_price_cap(
                large.ticker, close=0.5, shares=100_000_000, day=DAY
            ),  # A$50M: under the hundred million
        }
        start = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
        refreshed = {
            ticker: start + datetime.timedelta(hours=n) for n, ticker in enumerate(tickers[5:40:5])
        }
        for ticker, at in refreshed.items():
            listings.store_refreshed(ticker, at=at)
        expected = listings.expected_companies(
            directory, delisted=delisted, price_caps=price_caps, refreshed=refreshed
        )
        yield {"companies": expected, "small": small.ticker, "large": large.ticker}


@pytest.fixture
def directory(site):
    return site


@pytest.fixture
def calls(site):
    """The DynamoDB operations the test makes, by name."""
    seen = []

    def count(model, **kwargs):
        seen.append(model.name)

    clients = {id(c): c for c in (m._get_connection().connection.client for m in models.ALL_MODELS)}
    for client in clients.values():
        client.meta.events.register("before-call.dynamodb", count)
    yield seen
    for client in clients.values():
        client.meta.events.unregister("before-call.dynamodb", count)


def tickers_on(response) -> list[str]:
    return ROW_TICKERS.findall(response.content.decode())


def link(response, rel: str) -> str | None:
    match = re.search(rf'<a rel="{rel}" href="([^"]+)"', response.content.decode())
    return unescape(match.group(1)) if match else None


def walk_pages(client, url: str) -> list[list[str]]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append(tickers_on(response))
        following = link(response, "next")
        url = "/companies/" + following if following else None
    return pages


def group_counts(body: str) -> dict[str, int]:
    found = re.findall(
        r'name="industry_group" value="([^"]*)"[^>]*><label[^>]*>[^<]*'
        r'<span class="count" data-group-count>\((\d+)\)',
        body,
    )
    return {unescape(value): int(count) for value, count in found}


def match_count(body: str) -> int:
    return int(re.search(r'data-match-count="(\d+)"', body).group(1))


# --- what a filtered page shows ----------------------------------------------------------------


def test_one_industry_group_walks_every_match_once_in_order(client, directory):
    url = "/companies/?industry_group=Materials&sort=market_cap&order=desc"
    pages = walk_pages(client, url)
    expected = listings.expected_listing(
        directory["companies"], sort="market_cap", order="desc", industry_group=("Materials",)
    )
    assert [t for page in pages for t in page] == expected
    assert all(len(page) == 25 for page in pages[:-1]) and len(pages) > 1
    assert match_count(client.get(url).content.decode()) == len(expected)


def test_several_groups_and_a_market_cap_range_back_and_forth(client, directory):
    url = (
        "/companies/?industry_group=Energy&industry_group=Software+%26+Services"
        "&market_cap_min=10m&market_cap_max=100b&sort=name&size=25"
    )
    expected = listings.expected_listing(
        directory["companies"],
        sort="name",
        industry_group=("Energy", "Software & Services"),
        market_cap_min=10_000_000,
        market_cap_max=100_000_000_000,
    )
    assert len(expected) > 25  # two pages, real directory or generated
    first = client.get(url)
    second = client.get("/companies/" + link(first, "next"))
    assert tickers_on(first) + tickers_on(second) == expected[:50]
    back = client.get("/companies/" + link(second, "prev"))
    assert tickers_on(back) == tickers_on(first)
    assert link(back, "prev") is None


@pytest.mark.parametrize(
    ("bounds", "low", "high"),
    [
        ("market_cap_min=1b", 10**9, None),
        ("market_cap_min=1.5t", 1_500_000_000_000, None),
        ("market_cap_max=500m", None, 500_000_000),
        ("market_cap_min=250000000&market_cap_max=2B", 250_000_000, 2_000_000_000),
    ],
)
def test_market_cap_bounds_use_the_cap_the_listing_shows(client, directory, bounds, low, high):
    data = client.get(f"/api/companies/?{bounds}&size=100&sort=market_cap").json()
    expected = listings.expected_listing(
        directory["companies"], sort="market_cap", market_cap_min=low, market_cap_max=high
    )
    assert data["count"] == len(expected)
    assert [row["ticker"] for row in data["results"]] == expected[:100]
    for row in data["results"]:
        assert row["market_cap"] is not None  # an unknown market cap is never in a range
        assert (low or 0) <= row["market_cap"] <= (high or 10**16)


def test_a_price_based_cap_moves_a_company_across_the_bound(client, directory):
    over_a_billion = client.get(
        "/api/companies/?market_cap_min=1b&market_cap_max=2b&size=100"
    ).json()
    tickers = {row["ticker"] for row in over_a_billion["results"]}
    assert directory["small"] in tickers  # its directory cap is under A$50M
    assert directory["large"] not in tickers  # its directory cap is over A$5B
    row = next(r for r in over_a_billion["results"] if r["ticker"] == directory["small"])
    assert row["market_cap"] == 1_500_000_000
    assert row["market_cap_source"] == "price"
    assert row["market_cap_date"] == DAY.isoformat()


def test_delisted_and_all_show_which_is_which(client, directory):
    companies = directory["companies"]
    delisted = client.get("/api/companies/?status=delisted&size=100").json()
    assert [r["ticker"] for r in delisted["results"]] == listings.expected_listing(
        companies, status="delisted"
    )
    assert {r["status"] for r in delisted["results"]} == {"delisted"}
    everyone = client.get("/api/companies/?status=all&size=100&sort=name").json()
    assert everyone["count"] == len(companies)
    expected = listings.expected_listing(companies, status="all", sort="name")[:100]
    assert [r["ticker"] for r in everyone["results"]] == expected
    assert {r["status"] for r in everyone["results"]} == {"listed", "delisted"}

    body = client.get("/companies/?status=all&sort=name").content.decode()
    first_delisted = next(
        c for c in expected[:25] if c in {r["ticker"] for r in delisted["results"]}
    )
    row = body[body.index(f'href="/companies/{first_delisted}/"') :].split("</tr>")[0]
    assert '<span class="badge">delisted</span>' in row


def test_companies_without_a_group_are_filtered_as_none(client, directory):
    groupless = [c for c in directory["companies"] if not c.industry_group]
    response = client.get("/companies/?industry_group=none&status=all")
    assert response.status_code == 200
    assert tickers_on(response) == sorted(c.ticker for c in groupless)
    body = response.content.decode()
    assert "companies match: no industry group; listed and delisted companies." in body or (
        "company matches: no industry group; listed and delisted companies." in body
    )
    assert re.search(r'value="none"[^>]* checked><label[^>]*>No industry group', body)


def test_group_names_match_in_any_case_and_links_use_the_directory_spelling(client, directory):
    response = client.get("/companies/?industry_group=MATERIALS&industry_group=materials")
    assert response.status_code == 200
    next_link = link(response, "next")
    assert parse_qs(urlsplit(next_link).query)["industry_group"] == ["Materials"]
    assert tickers_on(response) == tickers_on(client.get("/companies/?industry_group=Materials"))


def test_empty_fields_of_the_form_are_the_unfiltered_listing(client, directory):
    plain = client.get("/companies/")
    from_form = client.get(
        "/companies/?sort=ticker&order=asc&size=25&market_cap_min=&market_cap_max=&status=listed"
    )
    assert tickers_on(from_form) == tickers_on(plain)
    assert link(from_form, "next") == link(plain, "next")  # the same cursor: one listing
    assert "Clear filters" not in from_form.content.decode()


# --- the filter form ---------------------------------------------------------------------------


def test_form_shows_what_is_applied_and_the_count_of_each_group(client, directory):
    companies = directory["companies"]
    response = client.get(
        "/companies/?industry_group=Banks&industry_group=Energy&market_cap_min=100m"
        "&status=all&sort=market_cap&order=desc"
    )
    body = response.content.decode()
    expected = listings.expected_listing(
        companies, industry_group=("Banks", "Energy"), market_cap_min=10**8, status="all"
    )
    assert match_count(body) == len(expected)
    assert (
        f"{len(expected)} companies match: industry group Banks or Energy; market cap at least "
        "A$100.00M; listed and delisted companies." in unescape(body)
    )
    # each group's count is of the companies passing the other filters (cap and status)
    in_range = [c for c in companies if c.market_cap is not None and c.market_cap >= 10**8]
    assert group_counts(body) == {
        **dict.fromkeys((g for g in {c.industry_group for c in companies} if g), 0),
        "none": 0,
        **Counter(c.industry_group or "none" for c in in_range),
    }
    assert re.search(r'value="Banks" id="[^"]+" checked>', body)
    assert re.search(r'value="Energy" id="[^"]+" checked>', body)
    assert not re.search(r'value="Materials" id="[^"]+" checked>', body)
    assert 'name="market_cap_min" type="text" size="8" autocomplete="off" value="100m"' in body
    assert '<option value="all" selected>' in body
    # the form keeps the sort and the page size, and starts again at the first page
    form = body[body.index('<section class="listing-filters"') : body.index("</section>")]
    assert '<input type="hidden" name="sort" value="market_cap">' in form
    assert '<input type="hidden" name="order" value="desc">' in form
    assert 'name="cursor"' not in form


def test_unfiltered_form_counts_listed_companies_by_group(client, directory):
    listed = [c for c in directory["companies"] if c.status == "listed"]
    body = client.get("/companies/").content.decode()
    counts = group_counts(body)
    assert {k: v for k, v in counts.items() if v} == Counter(
        c.industry_group or "none" for c in listed
    )
    assert match_count(body) == len(listed)
    assert f"{len(listed)} companies listed." in body
    assert "<details>" in body  # the group list starts folded when no group is chosen


def test_every_link_keeps_the_filters(client, directory):
    response = client.get(
        "/companies/?industry_group=Materials&market_cap_max=150b&status=all&sort=name"
    )
    body = response.content.decode()
    clear = unescape(re.search(r'<a href="([^"]+)">Clear filters</a>', body).group(1))
    assert parse_qs(urlsplit(clear).query) == {
        "sort": ["name"],
        "order": ["asc"],
        "size": ["25"],
    }
    links = [unescape(href) for href in re.findall(r'href="(\?[^"]+)"', body)]
    links.remove(clear)
    assert len(links) == 6 + 2 + 1  # the sort columns, the other page sizes, next
    for href in links:
        params = parse_qs(urlsplit(href).query)
        assert params["industry_group"] == ["Materials"]
        assert params["market_cap_max"] == ["150b"]
        assert params["status"] == ["all"]


def test_a_filter_that_matches_nothing_says_so(client, directory):
    response = client.get("/companies/?industry_group=Banks&market_cap_max=1")
    assert response.status_code == 200
    assert tickers_on(response) == []
    assert "No company matches these filters." in response.content.decode()
    data = client.get("/api/companies/?industry_group=Banks&market_cap_max=1").json()
    assert data == {"results": [], "next": None, "previous": None, "count": 0}


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("market_cap_min=lots", "market_cap_min", "must be an amount in A$ such as 500m"),
        ("market_cap_max=-5m", "market_cap_max", "must be an amount in A$"),
        ("market_cap_max=2x", "market_cap_max", "must be an amount in A$"),
        ("market_cap_min=" + "9" * 41, "market_cap_min", "must be an amount in A$"),
        ("market_cap_max=99999t", "market_cap_max", "must be at most"),
        ("market_cap_min=2b&market_cap_max=1b", "market_cap_min", "must not be more than"),
        ("status=gone", "status", "must be one of: listed, delisted, all"),
        ("industry_group=Mining", "industry_group", "must be an industry group of the directory"),
        ("industry_group=Materials&industry_group=Nope", "industry_group", "(got 'Nope')"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_field(client, directory, query, field, says):
    page = client.get(f"/companies/?{query}")
    assert page.status_code == 400
    body = unescape(page.content.decode())
    assert f"'{field}'" in body and says in body
    assert 'href="/companies/"' in body
    api = client.get(f"/api/companies/?{query}")
    assert api.status_code == 400
    assert api.json() == {"error": api.json()["error"], "first_page": "/api/companies/"}
    assert f"'{field}'" in api.json()["error"] and says in api.json()["error"]


def test_an_echoed_bad_value_is_cut_short(client, directory):
    error = client.get("/api/companies/?industry_group=" + "x" * 500).json()["error"]
    assert "x" * 61 not in error and "x" * 60 in error


# --- cursors are bound to their filters --------------------------------------------------------


def test_a_cursor_from_other_filters_is_a_400(client, directory):
    next_link = link(client.get("/companies/?industry_group=Materials&market_cap_min=10m"), "next")
    cursor = parse_qs(urlsplit(next_link).query)["cursor"][0]
    others = [
        "industry_group=Energy&market_cap_min=10m",
        "industry_group=Materials&market_cap_min=20m",
        "industry_group=Materials&market_cap_min=10m&status=all",
        "industry_group=Materials&industry_group=Energy&market_cap_min=10m",
        "",  # the unfiltered listing
    ]
    for other in others:
        for path in ("/companies/", "/api/companies/"):
            response = client.get(path, {"cursor": cursor, **_params(other)})
            assert response.status_code == 400, (path, other)
    # the same filters spelt another way are the same listing
    same = client.get(
        "/companies/",
        {"cursor": cursor, "industry_group": "materials", "market_cap_min": "10,000,000"},
    )
    assert same.status_code == 200


def test_an_unfiltered_cursor_is_refused_by_a_filtered_listing(client, directory):
    cursor = parse_qs(urlsplit(link(client.get("/companies/"), "next")).query)["cursor"][0]
    response = client.get("/companies/", {"cursor": cursor, "status": "delisted"})
    assert response.status_code == 400
    body = unescape(response.content.decode())
    assert "another sort order or other filters" in body
    first = re.search(r'<a href="([^"]+)">Go to the first page', body).group(1)
    assert parse_qs(urlsplit(first).query)["status"] == ["delisted"]  # the same listing's start


def _params(query: str) -> dict:
    return {k: v for k, v in parse_qs(query).items()}


# --- compare -----------------------------------------------------------------------------------


def test_rows_have_compare_checkboxes_in_a_plain_get_form(client, directory):
    response = client.get("/companies/?industry_group=Banks&status=all")
    body = response.content.decode()
    form = re.search(
        r'<form class="compare-form" method="get" action="/compare/">(.*?)</form>', body, re.S
    ).group(1)
    boxes = re.findall(
        r'<input type="checkbox" name="tickers" value="([A-Z0-9]+)" id="([^"]+)">', form
    )
    assert [ticker for ticker, _ in boxes] == tickers_on(response)
    for ticker, box_id in boxes:
        assert re.search(rf'<label for="{box_id}" class="visually-hidden">Compare {ticker} ', form)
    assert '<button type="submit" class="button">Compare selected</button>' in form
    assert "<script" not in form


# --- what a page costs -------------------------------------------------------------------------


def test_a_filtered_page_costs_no_call_once_the_index_is_built(client, directory, calls):
    client.get("/companies/?industry_group=Materials")  # builds the index, reads the summary
    calls.clear()
    for url in (
        "/companies/?industry_group=Materials",
        "/companies/?industry_group=Energy&market_cap_min=1b&sort=name&order=desc",
        "/companies/?status=delisted&sort=listing_date",
        "/api/companies/?status=all&market_cap_max=50m&sort=last_updated&order=desc",
    ):
        response = client.get(url)
        assert response.status_code == 200
        next_url = link(response, "next") if not url.startswith("/api/") else None
        if next_url:
            client.get("/companies/" + next_url)
    assert calls == []


def test_a_cold_filtered_page_is_the_index_build_and_the_summary(client, directory, calls):
    calls.clear()
    assert client.get("/api/companies/?industry_group=Materials").status_code == 200
    assert calls == ["Query", "Query"]  # the index: by-ticker, listed then delisted
    calls.clear()
    forget_index()
    cache.clear()
    assert client.get("/companies/?status=delisted").status_code == 200
    assert sorted(calls) == ["GetItem", "Query", "Query"]  # + the header's directory summary


def test_the_unfiltered_listing_is_still_one_query(client, directory, calls):
    calls.clear()
    assert client.get("/api/companies/?sort=market_cap&order=desc").status_code == 200
    assert sorted(calls) == ["GetItem", "Query"]  # the page's Query, the count's GetItem
    calls.clear()
    assert client.get("/companies/?sort=name").status_code == 200
    # the page's Query, and the index that counts the filter form's groups (cached, shared
    # with search and company pages)
    assert sorted(calls) == ["Query", "Query", "Query"]


# --- amounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("500m", 500_000_000),
        ("500M", 500_000_000),
        ("2b", 2_000_000_000),
        ("1.5t", 1_500_000_000_000),
        ("0.25b", 250_000_000),
        ("250000000", 250_000_000),
        ("2,000,000", 2_000_000),
        ("A$2b", 2_000_000_000),
        ("$750k", 750_000),
        (" 3m ", 3_000_000),
        ("0", 0),
    ],
)
def test_amounts_are_read_in_aud(text, amount):
    assert aud_amount(text) == amount


@pytest.mark.parametrize("text", ["", "m", "-1m", "1e9", "2mb", "1..5b", "one", "1.5 t"])
def test_other_amounts_are_refused(text):
    with pytest.raises(ValueError):
        aud_amount(text)


@pytest.mark.parametrize(
    ("amount", "param"),
    [(500_000_000, "500m"), (1_500_000_000_000, "1500b"), (2 * 10**12, "2t"), (12_345, "12345")],
)
def test_amounts_are_written_short_and_read_back(amount, param):
    assert aud_param(amount) == param
    assert aud_amount(param) == amount
