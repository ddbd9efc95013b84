"""WhiteNoise lists its files on the first request for one, not when the process starts."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.http import HttpResponse
from django.test import RequestFactory

from asxdb_site.static_files import StaticFilesMiddleware

ROOT = Path(__file__).resolve().parents[2]
STATIC_NAME = next(iter(sorted((ROOT / "static").rglob("*.css")))).relative_to(ROOT / "static")


def page(request):
    return HttpResponse("a page")


def test_starting_lists_nothing_and_a_page_request_lists_nothing():
    middleware = StaticFilesMiddleware(page)
    assert middleware.files == {}
    response = middleware(RequestFactory().get("/companies/BHP/"))
    assert response.content == b"a page"
    assert middleware.files == {}


def test_the_first_static_request_lists_the_files_and_is_served():
    middleware = StaticFilesMiddleware(page)
    response = middleware(RequestFactory().get(f"/static/{STATIC_NAME}"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (ROOT / "static" / STATIC_NAME).read_bytes()
    assert f"/static/{STATIC_NAME}" in middleware.files
    missing = middleware(RequestFactory().get("/static/no-such-file.css"))
    assert missing.content == b"a page"  # not a static file: on to the site's own 404


def test_requests_at_once_all_wait_for_one_listing(monkeypatch):
    from whitenoise.middleware import WhiteNoiseMiddleware

    listings = []
    real = WhiteNoiseMiddleware.add_files_from_finders  # what the tests' settings list

    def slow_listing(self):
        listings.append(threading.get_ident())
        time.sleep(0.05)  # the others arrive meanwhile
        real(self)

    monkeypatch.setattr(WhiteNoiseMiddleware, "add_files_from_finders", slow_listing)
    middleware = StaticFilesMiddleware(page)
    url = f"/static/{STATIC_NAME}"
    with ThreadPoolExecutor(4) as pool:
        statuses = list(
            pool.map(lambda _: middleware(RequestFactory().get(url)).status_code, range(8))
        )
    assert statuses == [200] * 8
    assert len(listings) == 1


def test_a_root_directory_is_listed_on_any_request(settings, tmp_path):
    (tmp_path / "robots.txt").write_text("User-agent: *\n")
    settings.WHITENOISE_ROOT = str(tmp_path)
    middleware = StaticFilesMiddleware(page)
    assert middleware.files == {}
    response = middleware(RequestFactory().get("/robots.txt"))
    assert b"".join(response.streaming_content) == b"User-agent: *\n"
