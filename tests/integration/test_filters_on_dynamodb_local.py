"""Filters on the listing over the whole 2,109-company directory on the real DynamoDB Local: each
filter and combination, in every sort and order, walked forward to the end and back to the
start, against a plain Python filter over the same directory rows."""

import datetime
import itertools
from collections import Counter
from urllib.parse import urlencode

import pytest

from companies import models, selectors
from companies.cursors import InvalidCursor
from companies.forms import aud_param
from companies.selectors import ListingFilters, ListingStatus, Order, SortKey
from tests import listings
from tests.directories import full_directory

pytestmark = pytest.mark.integration

DAY = datetime.date(2026, 11, 19)

# Groups present in the real directory and in the generated one alike.
COMBINATIONS = [
    {"status": "delisted"},
    {"status": "all"},
    {"industry_group": ("Materials",)},
    {"industry_group": ("Banks", "Energy", "none")},
    {"market_cap_min": 500_000_000},
    {"market_cap_max": 50_000_000},
    {"industry_group": ("Materials",), "market_cap_min": 10**8, "market_cap_max": 2 * 10**9},
    {"status": "all", "industry_group": ("Energy",), "market_cap_min": 10**9},
    {"status": "delisted", "market_cap_max": 10**9},
    {
        "status": "all",
        "industry_group": ("Capital Goods", "Software & Services"),
        "market_cap_max": 300_000_000,
    },
]


def filters_of(combination: dict) -> ListingFilters:
    return ListingFilters(
        industry_groups=tuple(sorted(combination.get("industry_group", ()))),
        market_cap_min=combination.get("market_cap_min"),
        market_cap_max=combination.get("market_cap_max"),
        status=ListingStatus(combination.get("status", "listed")),
    )


def label(combination: dict) -> str:
    return "&".join(
        f"{key}={'+'.join(value) if isinstance(value, tuple) else value}"
        for key, value in combination.items()
    )


@pytest.fixture(scope="module")
def site(dynamodb_local_url):
    """The full directory with every 9th company delisted, a price-based market cap on every
    13th (as the prices refresh stores it) and 25 companies refreshed at different times."""
    models.bind_table(table_name="asxdb-filters", host=dynamodb_local_url)
    if models.Company.exists():
        models.Company.delete_table()
    from companies import services

    services.table_create(wait=True)
    directory = full_directory()
    tickers = [row.ticker for row in directory.rows]
    delisted = set(tickers[4::9])
    listings.load_with_delisted(directory, delisted=delisted)
    price_caps = {
        ticker: listings.store_price_cap(
            ticker, close=0.05 + (n % 40) * 0.37, shares=10**7 * (1 + n % 90), day=DAY
        )
        for n, ticker in enumerate(tickers[::13])
    }
    start = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
    refreshed = {
        ticker: start + datetime.timedelta(hours=7 * n) for n, ticker in enumerate(tickers[2::84])
    }
    for ticker, at in refreshed.items():
        listings.store_refreshed(ticker, at=at)
    yield listings.expected_companies(
        directory, delisted=delisted, price_caps=price_caps, refreshed=refreshed
    )
    models.Company.delete_table()


def walk(*, sort, order, size, filters, cursor=None, backward=False):
    pages = []
    while True:
        page = selectors.company_page(
            sort=sort, order=order, size=size, cursor=cursor, filters=filters
        )
        pages.append([row.ticker for row in page.rows])
        cursor = page.previous_cursor if backward else page.next_cursor
        if cursor is None:
            return pages, page


@pytest.mark.parametrize("combination", COMBINATIONS, ids=label)
def test_each_match_once_in_order_forward_and_back_in_every_sort(site, combination):
    filters = filters_of(combination)
    sizes = itertools.cycle(selectors.PAGE_SIZES)
    for sort, order in itertools.product(SortKey, Order):
        size = next(sizes)
        expected = listings.expected_listing(
            site, sort=sort.value, order=order.value, **combination
        )
        pages, last = walk(sort=sort, order=order, size=size, filters=filters)
        where = f"{label(combination)} sort={sort} order={order} size={size}"
        assert [t for page in pages for t in page] == expected, where
        assert all(len(page) == size for page in pages[:-1]), where
        assert last.count == len(expected), where
        if len(pages) > 1:
            back, first = walk(
                sort=sort,
                order=order,
                size=size,
                filters=filters,
                cursor=last.previous_cursor,
                backward=True,
            )
            assert back[::-1] == pages[:-1], where
            assert first.previous_cursor is None, where


def test_the_combinations_are_not_trivial(site):
    sizes = [len(listings.expected_listing(site, **c)) for c in COMBINATIONS]
    assert all(sizes), sizes  # each keeps some companies (the "none" group may be empty)
    assert sum(size > 100 for size in sizes) >= 5  # and most run over many pages


def test_facets_count_what_a_python_filter_counts(site):
    filters = filters_of({"status": "all", "market_cap_min": 10**8})
    facets = selectors.listing_facets(filters=filters)
    in_range = Counter(
        c.industry_group or "none"
        for c in site
        if c.market_cap is not None and c.market_cap >= 10**8
    )
    counts = {group.value: group.count for group in facets.groups}
    assert {k: v for k, v in counts.items() if v} == in_range
    assert facets.count == sum(in_range.values())
    assert counts["none"] == in_range.get("none", 0)
    groups = selectors.industry_groups()
    assert [g.value for g in facets.groups] == [*groups, "none"]


def test_a_cursor_is_bound_to_its_filters(site):
    materials = filters_of({"industry_group": ("Materials",)})
    page = selectors.company_page(
        sort=SortKey.NAME, order=Order.ASC, size=25, cursor=None, filters=materials
    )
    for other in (filters_of({"industry_group": ("Energy",)}), ListingFilters()):
        with pytest.raises(InvalidCursor):
            selectors.company_page(
                sort=SortKey.NAME, order=Order.ASC, size=25, cursor=page.next_cursor, filters=other
            )


@pytest.mark.parametrize("combination", COMBINATIONS[2:8], ids=label)
def test_the_api_walks_the_same_listing(client, site, combination):
    params = [
        *(("industry_group", group) for group in combination.get("industry_group", ())),
        *(
            (name, aud_param(combination[name]))
            for name in ("market_cap_min", "market_cap_max")
            if name in combination
        ),
        *([("status", combination["status"])] if "status" in combination else []),
        ("sort", "market_cap"),
        ("order", "desc"),
        ("size", "100"),
    ]
    expected = listings.expected_listing(site, sort="market_cap", order="desc", **combination)
    seen, cursor = [], None
    while True:
        query = urlencode(params + ([("cursor", cursor)] if cursor else []))
        data = client.get(f"/api/companies/?{query}").json()
        assert data["count"] == len(expected)
        seen += [row["ticker"] for row in data["results"]]
        cursor = data["next"]
        if cursor is None:
            break
    assert seen == expected
