"""What every page shares (the header's ticker box, the favicon) and the 404 page, on moto."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from companies import services
from tests.directories import small_directory

TICKER_BOX_VALUE = re.compile(r'<input id="ticker-box-q" name="q" type="search" value="([^"]*)"')


@pytest.fixture
def directory(moto_table):
    services.directory_load(directory=small_directory(30))


def ticker_box_value(response) -> str:
    values = TICKER_BOX_VALUE.findall(response.content.decode())
    assert len(values) == 1, "one ticker box per page"
    return unescape(values[0])


@pytest.mark.parametrize(
    "url", ["/", "/companies/", "/companies/?sort=market_cap&order=desc&size=50"]
)
def test_ticker_box_starts_empty_on_other_pages(client, directory, url):
    assert ticker_box_value(client.get(url)) == ""


def test_search_page_keeps_what_was_typed_in_the_ticker_box(client, directory):
    response = client.get("/search/?q=company 1")
    assert response.status_code == 200
    assert ticker_box_value(response) == "company 1"
    assert "Search “company 1”" in response.content.decode()


def test_search_without_matches_says_what_was_searched(client, directory):
    body = client.get("/search/?q=zzzz").content.decode()
    assert "matches “zzzz”" in body


def test_404_has_one_search_form_holding_the_ticker(client, directory):
    response = client.get("/companies/T2Z/")
    assert response.status_code == 404
    body = response.content.decode()
    assert body.count('role="search"') == 1
    assert ticker_box_value(response) == "T2Z"
    assert "no ASX company with the ticker “T2Z”" in body
    assert 'href="/companies/T20/"' in body  # near matches


def test_404_ids_are_unique(client, directory):
    for url in ("/companies/T2Z/", "/no-such-page/"):
        ids = re.findall(r'\sid="([^"]+)"', client.get(url).content.decode())
        assert len(ids) == len(set(ids)), (url, ids)


def test_unknown_address_404_has_the_ticker_box_empty(client, directory):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert ticker_box_value(response) == ""
    assert "nothing at this address" in response.content.decode()


def test_listing_marks_the_sorted_column_for_the_phone_layout(client, directory):
    body = client.get("/companies/?sort=market_cap&order=desc").content.decode()
    assert re.search(
        r'<th scope="col" class="sorted" aria-sort="descending">\s*<a[^>]*>Market cap', body
    )
    assert body.count('<td class="num sorted">') == 25
    by_ticker = client.get("/companies/").content.decode()
    assert 'class="num sorted"' not in by_ticker


def test_every_page_links_a_favicon_the_csp_allows(client, directory):
    body = client.get("/companies/").content.decode()
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', body).group(1)
    assert href == "/static/favicon.svg"  # same origin: the CSP's img-src is 'self'
    assert finders.find("favicon.svg")
    assert "'self'" in settings.SECURE_CSP["img-src"]
    response = client.get(href)
    assert response.status_code == 200
    assert b"<svg" in b"".join(response.streaming_content)
