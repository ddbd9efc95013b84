"""The directory listing, its API and the home page, on moto."""

import re
from dataclasses import replace
from html import unescape

import pytest
from django.core.cache import cache

from companies import services
from tests.directories import small_directory

ROW_TICKERS = re.compile(r'<td><a href="/companies/([A-Z0-9]+)/">')


@pytest.fixture
def directory_of_60(moto_table):
    services.directory_load(directory=small_directory(60, missing_caps={7, 8}, missing_dates={9}))


def tickers_on(response) -> list[str]:
    return ROW_TICKERS.findall(response.content.decode())


def link(response, rel: str) -> str | None:
    match = re.search(rf'<a rel="{rel}" href="([^"]+)"', response.content.decode())
    return unescape(match.group(1)) if match else None


def test_first_page_lists_25_companies_in_ticker_order(client, directory_of_60):
    response = client.get("/companies/")
    assert response.status_code == 200
    assert tickers_on(response) == [f"T{n:02d}" for n in range(25)]
    assert link(response, "prev") is None
    assert link(response, "next") is not None


def test_next_and_previous_walk_both_ways(client, directory_of_60):
    first = client.get("/companies/?sort=market_cap&order=desc&size=25")
    second = client.get("/companies/" + link(first, "next"))
    third = client.get("/companies/" + link(second, "next"))
    assert link(third, "next") is None
    back = client.get("/companies/" + link(third, "prev"))
    assert tickers_on(back) == tickers_on(second)
    back_again = client.get("/companies/" + link(back, "prev"))
    assert tickers_on(back_again) == tickers_on(first)
    assert link(back_again, "prev") is None
    seen = tickers_on(first) + tickers_on(second) + tickers_on(third)
    assert sorted(seen) == [f"T{n:02d}" for n in range(60)]
    # largest first; the two without a market cap group at the far end
    assert seen[0] == "T59"
    assert seen[-2:] == ["T08", "T07"]


def test_shared_url_opens_the_same_page(client, directory_of_60):
    second_url = "/companies/" + link(client.get("/companies/?sort=name&size=50"), "next")
    cache.clear()  # as on another server, or a minute later: nothing remembered
    assert tickers_on(client.get(second_url)) == [f"T{n:02d}" for n in range(50, 60)]


def cells_of(response, ticker: str) -> list[str]:
    body = response.content.decode()
    row = body[body.index(f"/companies/{ticker}/") :].split("</tr>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)  # name, group, listed, cap, updated, compare
    return [re.sub(r"<[^>]+>", "", cell) for cell in cells[:5]]


def test_missing_market_cap_and_date_show_a_dash_not_zero(client, directory_of_60):
    response = client.get("/companies/?sort=ticker&size=25")
    name, group, listed, cap, updated = cells_of(response, "T07")
    assert cap == "—" and listed != "—"
    name, group, listed, cap, updated = cells_of(response, "T09")
    assert listed == "—" and cap == "A$100.00M"


def test_market_cap_is_humanised_in_aud(client, directory_of_60):
    body = client.get("/companies/?sort=market_cap&order=desc").content.decode()
    assert "A$600.00M" in body  # T59: 60 x 10 million


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("sort=price", "sort"), ("order=up", "order"), ("size=30", "size"), ("size=abc", "size")],
)
def test_bad_parameter_is_a_400_that_names_it(client, directory_of_60, query, parameter):
    response = client.get(f"/companies/?{query}")
    assert response.status_code == 400
    body = response.content.decode()
    assert f"&#x27;{parameter}&#x27; must be one of" in body
    assert 'href="/companies/"' in body


def test_forged_cursor_is_rejected_with_400(client, directory_of_60):
    response = client.get("/companies/?sort=ticker&cursor=forged-by-hand")
    assert response.status_code == 400
    assert "damaged" in response.content.decode()


def test_cursor_reused_with_another_sort_is_rejected(client, directory_of_60):
    next_link = link(client.get("/companies/?sort=name"), "next")
    foreign = next_link.replace("sort=name", "sort=market_cap")
    assert client.get("/companies/" + foreign).status_code == 400
    assert client.get("/api/companies/" + foreign).status_code == 400


def test_api_returns_the_listing_as_json(client, directory_of_60):
    data = client.get("/api/companies/?sort=market_cap&order=desc&size=25").json()
    assert data["count"] == 60
    assert data["previous"] is None
    assert len(data["results"]) == 25
    assert data["results"][0] == {
        "ticker": "T59",
        "name": "Company 59 Limited",
        "industry_group": "Software & Services",
        "listing_date": "2004-11-05",
        "market_cap": 600_000_000,
        "market_cap_source": "directory",
        "market_cap_date": None,
        "last_updated": None,
        "status": "listed",
    }
    second = client.get(
        "/api/companies/", {"sort": "market_cap", "order": "desc", "cursor": data["next"]}
    ).json()
    assert second["results"][0]["ticker"] == "T34"
    assert second["previous"] is not None


def test_api_bad_parameter_is_a_json_400(client, directory_of_60):
    response = client.get("/api/companies/?order=sideways")
    assert response.status_code == 400
    assert "order" in response.json()["error"]


def test_home_page_says_how_many_companies(client, directory_of_60):
    body = client.get("/").content.decode()
    assert "<dd>60</dd>" in body
    assert 'action="/search/"' in body


def test_ticker_box_goes_straight_to_the_company(client, directory_of_60):
    response = client.get("/search/?q=t05")
    assert response.status_code == 302
    assert response["Location"] == "/companies/T05/"
    assert "Company 05 Limited" in client.get("/companies/T05/").content.decode()


def test_unknown_ticker_is_a_404_with_near_matches(client, directory_of_60):
    response = client.get("/companies/T5Z/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'href="/companies/T50/"' in body
    assert 'name="q"' in body


def test_names_are_escaped(client, moto_table):
    directory = small_directory(1)
    row = directory.rows[0]
    tricky = type(row)(**{**row.__dict__, "name": "<script>alert(1)</script> & Co"})
    services.directory_load(directory=type(directory)(rows=[tricky], rejected=[], source="t"))
    body = client.get("/companies/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in body


def test_group_names_are_escaped_in_the_filter_form_and_its_links(client, moto_table):
    directory = small_directory(30)
    tricky = '<img src=x onerror="alert(1)"> & Co'
    rows = [replace(directory.rows[0], industry_group=tricky), *directory.rows[1:]]
    services.directory_load(directory=replace(directory, rows=rows))
    response = client.get("/companies/", {"industry_group": tricky})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co" in body
    assert "industry_group=%3Cimg+src%3Dx+onerror%3D%22alert%281%29%22%3E+%26+Co" in body
