"""The whole directory on the real DynamoDB Local: every sort order walked end to end."""

import datetime

import pytest

from companies import selectors, services
from companies.models import Company
from companies.selectors import Order, SortKey
from tests.directories import full_directory

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def loaded_directory(dynamodb_local_url):
    from companies import models

    models.bind_table(table_name="asxdb-walk", host=dynamodb_local_url)
    if models.Company.exists():
        models.Company.delete_table()
    services.table_create(wait=True)
    directory = full_directory()
    services.directory_load(directory=directory)
    yield directory
    models.Company.delete_table()


def expected_order(directory, sort: SortKey, order: Order) -> list[str]:
    """The order a reader expects, worked out here independently of the index keys:
    missing values first in ascending order (last in descending), ties by ticker."""

    def value(row):
        return {
            SortKey.TICKER: row.ticker,
            SortKey.NAME: row.name.casefold(),
            SortKey.MARKET_CAP: row.market_cap,
            SortKey.LISTING_DATE: row.listing_date,
            SortKey.INDUSTRY_GROUP: row.industry_group.casefold() if row.industry_group else None,
            SortKey.LAST_UPDATED: None,
        }[sort]

    def position(row):
        known = value(row)
        return ((0,) if known is None else (1, known), row.ticker)

    rows = sorted(directory.rows, key=position, reverse=order is Order.DESC)
    return [r.ticker for r in rows]


def walk(sort, order, size, *, backwards_from=None):
    pages, cursor = [], backwards_from
    while True:
        page = selectors.company_page(sort=sort, order=order, size=size, cursor=cursor)
        pages.append([row.ticker for row in page.rows])
        cursor = page.previous_cursor if backwards_from else page.next_cursor
        if cursor is None:
            return pages, page


@pytest.mark.parametrize("order", list(Order))
@pytest.mark.parametrize("sort", list(SortKey))
def test_every_company_once_in_order_forwards_and_backwards(loaded_directory, sort, order):
    expected = expected_order(loaded_directory, sort, order)
    forward_pages, last_page = walk(sort, order, 100)
    forward = [ticker for page in forward_pages for ticker in page]
    assert forward == expected
    assert all(len(page) == 100 for page in forward_pages[:-1])

    # back from the last page to the first, through the "previous" links
    backward_pages, first_page = walk(sort, order, 100, backwards_from=last_page.previous_cursor)
    assert backward_pages[::-1] == forward_pages[:-1]
    assert first_page.previous_cursor is None


def test_reload_keeps_everything_fetched_later(loaded_directory):
    refreshed = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    bhp_like = loaded_directory.rows[0].ticker
    company = Company.get(bhp_like, "COMPANY")
    company.update(actions=[Company.last_updated.set(refreshed)])

    result = services.directory_load(directory=loaded_directory)

    assert result.unchanged == len(loaded_directory.rows)
    assert Company.get(bhp_like, "COMPANY").last_updated == refreshed
    assert selectors.directory_summary().listed_count == len(loaded_directory.rows)
