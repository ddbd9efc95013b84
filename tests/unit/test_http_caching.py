"""The caching contract (asxdb_site/http_caching.py) on moto with real-shaped data: how long each
kind of page says it stays true, its ETag and 304 without rendering or reading, a fresh page
after the company's data changes, gzip and brotli bodies, no-store on errors and init, and
whole pages served from the process cache with their security headers."""

import datetime
import gzip
import re
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import brotli
import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test.signals import template_rendered

from asxdb_site import http_caching
from companies.finding.search import directory_index, directory_index_if_fresh, forget_index
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
# A Tuesday noon (UTC): outside the prices window, an hour after BHP's refresh.
NOON = datetime.datetime(2026, 11, 24, 12, 0, tzinfo=datetime.UTC)
REFRESHED = NOON - datetime.timedelta(hours=1)
YEARS = factories.year_ends(4)

LISTING_PAGES = [
    "/",
    "/companies/",
    "/companies/?sort=market_cap&order=desc",
    "/search/?q=group",
    "/screener/?q=market_cap+%3E+1b",
    "/compare/?tickers=BHP,CBA",
    "/api/companies/",
    "/api/search/?q=bh",
    "/api/screener/?q=market_cap+%3E+1b",
    "/api/compare/?tickers=BHP,CBA",
]
COMPANY_PAGES = [
    "/companies/BHP/",
    "/companies/BHP/income/",
    "/companies/BHP/balance/?period=quarterly",
    "/companies/BHP/cashflow/?lines=all",
    "/api/companies/BHP/",
]
DOWNLOADS = [
    "/companies/BHP/income.csv",
    "/companies/BHP/balance.json",
    "/api/companies/BHP/statements/income/",
]
PRICES = [
    "/companies/BHP/prices.csv?range=1y",
    "/companies/BHP/dividends.json",
    "/api/companies/BHP/prices/",
    "/api/companies/BHP/dividends/",
]
STATIC = ["/api/", "/api/schema/", "/api/metrics/"]
EVERY_PAGE = LISTING_PAGES + COMPANY_PAGES + DOWNLOADS + PRICES + STATIC


def fundamentals(revenue: int):
    return factories.fundamentals(
        revenues={end: revenue + n * 1_000_000_000 for n, end in enumerate(YEARS)},
        currency="USD",
    )


@pytest.fixture
def clock(monkeypatch):
    now = {"t": NOON.timestamp()}
    monkeypatch.setattr(http_caching, "_now", lambda: now["t"])
    return now


@pytest.fixture
def site(moto_table, clock):
    """BHP with four years of statements (refreshed an hour ago) and its prices; CBA; the
    directory index in memory, as after any search or company page."""
    factories.load_directory(("BHP", "BHP GROUP LIMITED"), ("CBA", "COMMONWEALTH BANK"))
    factories.store("BHP", fundamentals(50_000_000_000), fetched_at=REFRESHED)
    factories.store_prices("BHP", fetched_at=REFRESHED)
    cache.clear()
    forget_index()
    directory_index()


@pytest.fixture
def dynamodb_calls():
    """Every AWS call from here on (the test asserts how many)."""
    from botocore.client import BaseClient

    calls = []
    real = BaseClient._make_api_call

    def counted(self, operation, params):
        calls.append(operation)
        return real(self, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", counted):
        yield calls


@pytest.fixture
def rendered():
    templates = []

    def receive(sender, template, context, **kwargs):
        templates.append(template.name)

    template_rendered.connect(receive)
    yield templates
    template_rendered.disconnect(receive)


def max_age(response) -> int:
    return int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))


def revenue_cells(response) -> list[str]:
    row = re.search(r'<tr data-key="TotalRevenue".*?</tr>', response.content.decode(), re.S)
    return re.findall(r'<td class="num">([^<]*)</td>', row.group(0))


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


# --- Cache-Control on each kind of page ------------------------------------------------------


def test_every_page_is_public_for_as_long_as_it_stays_true(client, site):
    for url in EVERY_PAGE:
        response = client.get(url)
        assert response.status_code == 200, url
        control = response["Cache-Control"]
        assert control.startswith("public, max-age=") and "stale-while-revalidate=60" in control
        assert "Accept-Encoding" in response["Vary"], url
        assert response["ETag"].startswith('W/"'), url


def test_listing_pages_last_a_minute(client, site):
    assert {url: max_age(client.get(url)) for url in LISTING_PAGES} == dict.fromkeys(
        LISTING_PAGES, 60
    )


def test_company_pages_last_until_the_next_refresh_or_the_hour(client, site):
    # refreshed an hour ago: due in 23 h; next close lands tomorrow 07:00; the grid says 13:00
    urls = COMPANY_PAGES + DOWNLOADS + PRICES
    assert {url: max_age(client.get(url)) for url in urls} == dict.fromkeys(urls, 3600)
    assert {url: max_age(client.get(url)) for url in STATIC} == dict.fromkeys(STATIC, 3600)


def test_company_pages_last_a_minute_once_the_company_is_due(client, site, clock):
    clock["t"] = (REFRESHED + datetime.timedelta(hours=24, seconds=10)).timestamp()
    response = client.get("/companies/BHP/")
    assert max_age(response) == 50  # to the next whole minute: any refresh run may land


def test_prices_last_until_the_next_close(client, site, clock):
    clock["t"] = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC).timestamp()  # Fri
    clock_to_monday = 3 * 86400 - 5 * 3600  # Monday 07:00
    response = client.get("/api/companies/BHP/prices/")
    assert max_age(response) == 3600  # capped by the hour grid
    with mock.patch.object(http_caching.settings, "HTTP_CACHE_MAX_SECONDS", 7 * 86400):
        cache.clear()
        assert max_age(client.get("/api/companies/BHP/prices/")) == clock_to_monday


def entry(*, last_updated=None, cap_date=None):
    return SimpleNamespace(last_updated=last_updated, market_cap_date=cap_date)


def at(*args) -> float:
    return datetime.datetime(*args, tzinfo=datetime.UTC).timestamp()


def test_prices_window_until_the_close_has_landed(settings):
    settings.COMPANY_CACHE_SECONDS = 60
    tuesday_8 = at(2026, 11, 24, 8, 0, 30)
    # in the window, today's close not yet in: the next minute
    assert http_caching.prices_until(entry(), tuesday_8) == at(2026, 11, 24, 8, 1)
    # landed today: tomorrow's window
    landed = entry(cap_date=datetime.date(2026, 11, 24))
    assert http_caching.prices_until(landed, tuesday_8) == at(2026, 11, 25, 7)
    # before the window: today's; after it: the next weekday's
    assert http_caching.prices_until(entry(), at(2026, 11, 24, 6)) == at(2026, 11, 24, 7)
    assert http_caching.prices_until(entry(), at(2026, 11, 27, 10, 5)) == at(2026, 11, 30, 7)
    assert http_caching.prices_until(entry(), at(2026, 11, 28, 9)) == at(2026, 11, 30, 7)


def test_fundamentals_until_the_company_is_due(settings):
    settings.REFRESH_INTERVAL_HOURS = 24
    refreshed = datetime.datetime(2026, 11, 24, 11, tzinfo=datetime.UTC)
    company = entry(last_updated=refreshed)
    assert http_caching.fundamentals_until(company, at(2026, 11, 24, 12)) == at(2026, 11, 25, 11)
    assert http_caching.fundamentals_until(company, at(2026, 11, 25, 11, 0, 1)) == at(
        2026, 11, 25, 11, 1
    )
    assert http_caching.fundamentals_until(entry(), at(2026, 11, 24, 12)) == at(2026, 11, 24, 12, 1)


def test_unknown_ticker_is_a_brief_404(client, site):
    for url in ("/companies/NOPE/", "/api/companies/NOPE/", "/companies/NOPE/income/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response["Cache-Control"] == "public, max-age=30"
        assert "ETag" not in response


@pytest.mark.parametrize(
    "url",
    [
        "/companies/?sort=nope",
        "/companies/BHP/income/?period=weekly",
        "/api/companies/BHP/prices/?range=3y",
        "/screener/?q=pe+%3E",
        "/api/search/?q=" + "x" * 61,
    ],
)
def test_bad_input_is_never_stored(client, site, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Cache-Control"] == "no-store"
    assert "ETag" not in response


def test_other_methods_and_init_are_never_stored(client, site):
    assert client.post("/companies/")["Cache-Control"] == "no-store"
    assert client.delete("/companies/BHP/")["Cache-Control"] == "no-store"
    init = client.post("/init/", "{}", content_type="application/json")
    assert init.status_code >= 400 and init["Cache-Control"] == "no-store"
    assert client.get("/init/")["Cache-Control"] == "no-store"  # a 405


def test_an_unknown_url_is_not_stored(client, site):
    assert client.get("/no-such-page/")["Cache-Control"] == "no-store"


def test_nothing_per_user_is_public(client, site, rendered):
    # a request that authenticates is answered afresh and never kept
    for _ in range(2):
        response = client.get("/companies/BHP/", headers={"authorization": "Bearer x"})
        assert response["Cache-Control"] == "no-store" and "ETag" not in response
    assert rendered.count("companies/company_detail.html") == 2
    # a response that sets a cookie, or varies by one, is never public
    freshness = http_caching.Freshness("listing", NOON.timestamp() + 60, 'W/"x"', store=True)
    with_cookie = HttpResponse("x")
    with_cookie.set_cookie("session", "1")
    assert http_caching.cache_control(with_cookie, freshness, NOON.timestamp()) is False
    assert with_cookie["Cache-Control"] == "no-store"
    varies = HttpResponse("x", headers={"Vary": "Cookie"})
    http_caching.cache_control(varies, freshness, NOON.timestamp())
    assert varies["Cache-Control"] == "no-store"


# --- ETag and 304 -----------------------------------------------------------------------------


def test_a_matching_etag_is_a_304_without_rendering_or_reading(
    client, site, dynamodb_calls, rendered
):
    for url in EVERY_PAGE:
        etag = client.get(url, headers={"accept-encoding": "gzip"})["ETag"]
        for kept in (True, False):  # from the page cache, then with the page cache emptied
            if not kept:
                cache.clear()
            dynamodb_calls.clear(), rendered.clear()
            response = client.get(url, headers={"if-none-match": etag, "accept-encoding": "gzip"})
            assert response.status_code == 304, url
            assert response.content == b"" and "Content-Encoding" not in response
            assert response["ETag"] == etag and response["Cache-Control"].startswith("public")
            assert dynamodb_calls == [] and rendered == [], url
        assert client.get(url, headers={"if-none-match": 'W/"other"'}).status_code == 200


def test_a_304_keeps_the_security_headers(client, site):
    etag = client.get("/companies/BHP/")["ETag"]
    for kept in (True, False):
        if not kept:
            cache.clear()
        response = client.get("/companies/BHP/", headers={"if-none-match": etag})
        assert response.status_code == 304
        assert "Content-Security-Policy" in response and response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_refresh_gives_a_fresh_page_and_a_new_etag(client, site, clock):
    before = client.get("/companies/BHP/income/")
    assert revenue_cells(before)[0].startswith("50.")
    # another process refreshes BHP; this one's caches run out (the index after
    # LISTING_CACHE_SECONDS, the company's figures after COMPANY_CACHE_SECONDS)
    factories.store("BHP", fundamentals(70_000_000_000), fetched_at=NOON)
    old = client.get("/companies/BHP/income/", headers={"if-none-match": before["ETag"]})
    assert old.status_code == 304  # until the caches run out, this process cannot know
    cache.clear()
    forget_index()
    directory_index()
    after = client.get("/companies/BHP/income/", headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert [cell[:3] for cell in revenue_cells(after)] == ["70.", "71.", "72.", "73."]
    # the listing's ETag follows the index too
    assert client.get("/", headers={"if-none-match": before["ETag"]}).status_code == 200


def test_the_etag_changes_on_the_hour_grid_and_with_the_code(client, site, clock):
    first = client.get("/companies/BHP/")["ETag"]
    clock["t"] += 1800
    assert client.get("/companies/BHP/")["ETag"] == first
    clock["t"] += 1800
    assert client.get("/companies/BHP/")["ETag"] != first
    with mock.patch.object(http_caching, "code_version", lambda built: "another-deploy"):
        cache.clear()
        assert client.get("/companies/BHP/")["ETag"] != first


@pytest.mark.parametrize("url", COMPANY_PAGES + DOWNLOADS + PRICES)
def test_without_an_index_the_company_read_gives_the_etag(
    client, site, dynamodb_calls, rendered, url
):
    """A container that serves only company pages never builds the index: its pages still get
    the ETag and lifetime the index would give, and a conditional repeat is a 304 from memory."""
    with_index = client.get(url)
    forget_index()
    cache.clear()
    dynamodb_calls.clear()
    response = client.get(url)
    assert response.status_code == 200
    assert directory_index_if_fresh() is None  # the page's own reads only
    assert response["ETag"] == with_index["ETag"]
    assert max_age(response) == 3600
    dynamodb_calls.clear(), rendered.clear()
    assert client.get(url).content == response.content  # a plain repeat, from the page cache
    for kept in (True, False):  # a conditional one from the page cache, then with it emptied
        if not kept:
            cache.clear()
        again = client.get(url, headers={"if-none-match": response["ETag"]})
        assert again.status_code == 304 and again.content == b""
    assert dynamodb_calls == [] and rendered == []


def test_without_an_index_a_company_not_read_has_no_etag(client, site):
    forget_index()
    cache.clear()
    assert "ETag" not in client.get("/companies/NOPE/")
    response = client.get("/companies/bhp/")  # the redirect to /companies/BHP/ reads nothing
    assert response.status_code == 301 and "ETag" not in response


def test_a_company_read_stands_only_until_its_page_runs_out(client, site, clock, dynamodb_calls):
    forget_index()
    cache.clear()
    etag = client.get("/companies/BHP/")["ETag"]
    clock["t"] += 3600  # past the hour grid: what the page said no longer holds
    cache.clear()
    dynamodb_calls.clear()
    response = client.get("/companies/BHP/", headers={"if-none-match": etag})
    assert response.status_code == 200 and dynamodb_calls  # read again, and a new validator
    assert response["ETag"] != etag


def test_code_version_is_written_by_the_build_and_read_by_a_package(tmp_path, monkeypatch):
    from asxdb_site import code_version

    version = code_version.code_version_write(root=ROOT, static_root=tmp_path / "staticfiles")
    assert re.fullmatch(r"[0-9a-f]{16}", version)
    monkeypatch.setattr(code_version, "ROOT", tmp_path)
    assert code_version.code_version.__wrapped__(built=True) == version  # the package's file
    (tmp_path / "staticfiles" / code_version.FILE_NAME).write_text("another-build\n")
    assert code_version.code_version.__wrapped__(built=True) == "another-build"
    # a source tree never trusts a file an older build left: it hashes itself
    assert code_version.code_version.__wrapped__(built=False) != "another-build"


# --- compression -----------------------------------------------------------------------------


COMPRESSED = ["/", *LISTING_PAGES[1:3], *COMPANY_PAGES, *DOWNLOADS[1:], PRICES[0], "/api/schema/"]


@pytest.mark.parametrize("url", COMPRESSED)
def test_gzip_and_brotli_decode_to_the_same_bytes(client, site, url):
    plain = client.get(url)
    assert "Content-Encoding" not in plain
    gzipped = client.get(url, headers={"accept-encoding": "gzip, deflate"})
    assert gzipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(gzipped.content) == plain.content
    assert int(gzipped["Content-Length"]) == len(gzipped.content) < len(plain.content)
    brotlied = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
    assert brotlied["Content-Encoding"] == "br"
    assert brotli.decompress(brotlied.content) == plain.content
    assert gzipped["ETag"] == brotlied["ETag"] == plain["ETag"]
    assert "Accept-Encoding" in brotlied["Vary"]


def test_small_bodies_and_refused_encodings_stay_plain(client, site):
    for url in ("/api/companies/NOPE/", "/companies/BHP/income.csv"):  # under a kilobyte
        small = client.get(url, headers={"accept-encoding": "gzip, br"})
        assert len(small.content) < 1024 and "Content-Encoding" not in small
    refused = client.get("/companies/BHP/", headers={"accept-encoding": "gzip;q=0, br;q=0"})
    assert "Content-Encoding" not in refused


def test_static_files_are_never_compressed_twice(client, site):
    source = (ROOT / "static/vendor/chartjs").glob("*.js")
    name = next(iter(sorted(source))).name
    response = client.get(f"/static/vendor/chartjs/{name}", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    data = body(response)
    if response.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    assert data == (ROOT / "static/vendor/chartjs" / name).read_bytes()
    # WhiteNoise's own Cache-Control (far-future for a build's hashed names)
    assert "max-age" in response["Cache-Control"]
    assert response["Cache-Control"] != "no-store"


# --- the process page cache ------------------------------------------------------------------


def test_a_repeat_is_served_from_memory_with_its_headers(client, site, dynamodb_calls, rendered):
    for url, encoding in ((url, e) for url in EVERY_PAGE for e in ("", "gzip", "br")):
        headers = {"accept-encoding": encoding} if encoding else {}
        first = client.get(url, headers=headers)
        dynamodb_calls.clear(), rendered.clear()
        again = client.get(url, headers=headers)
        assert dynamodb_calls == [] and rendered == [], url
        assert again.content == first.content
        for header in ("ETag", "Content-Security-Policy", "X-Frame-Options", "Vary"):
            assert again[header] == first[header], header
        assert again.get("Content-Encoding") == first.get("Content-Encoding")


def test_a_cached_page_still_refuses_a_bad_host(client, site):
    client.get("/companies/BHP/")
    assert client.get("/companies/BHP/", headers={"host": "evil.example"}).status_code == 400


def test_head_answers_like_get_without_a_body(client, site):
    get = client.get("/companies/BHP/")
    for _ in range(2):  # rendered, then from the page cache
        head = client.head("/companies/BHP/")
        assert head.status_code == 200 and head.content == b""
        assert head["ETag"] == get["ETag"] and head["Cache-Control"] == get["Cache-Control"]


def test_max_age_counts_down_on_a_cached_page(client, site, clock):
    assert max_age(client.get("/")) == 60
    clock["t"] += 20
    assert max_age(client.get("/")) == 40


def test_redirects_keep_what_they_say(client, site):
    for url in ("/companies/bhp/", "/ticker/BHP"):  # to the canonical ticker; an old bookmark
        response = client.get(url)
        assert response.status_code == 301, url
        assert "Cache-Control" not in response and "ETag" not in response
    found = client.get("/search/?q=BHP")  # an exact ticker goes straight to the company
    assert found.status_code == 302 and "ETag" not in found
