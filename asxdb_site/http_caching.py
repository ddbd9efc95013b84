"""HTTP caching, in one place: how long each response stays true (Cache-Control), its validator
(a weak ETag, and 304 Not Modified without rendering), gzip and brotli, and whole pages kept in
the process cache (Django's locmem cache) with their compressed bytes and security headers.

Every GET/HEAD route is of one kind (URL_KINDS, by URL name), and each kind has a moment until
which what it shows cannot change, `until`:
- listing: the listing, home, search, screener and compare pages and their API: a minute
  (LISTING_CACHE_SECONDS), as the process's listing caches already are;
- company: a company page, its statement tabs and its API detail: until the company's next
  fundamentals refresh can land (REFRESH_INTERVAL_HOURS after its last one) or the next prices
  refresh window opens (PRICES_REFRESH_HOUR_UTC on a weekday), whichever is first; a company
  that is due, or whose close has not landed during the window, could change any run: a minute;
- statements: the statement downloads and API: the fundamentals half of the above;
- prices: the price and dividend downloads and API: the prices half;
- static: the API's own pages (document, metrics): only a deploy changes them.
No moment is ever more than HTTP_CACHE_MAX_SECONDS away, on a fixed grid: a page also says
"3 h ago", and a change the in-memory index cannot see (a failed refresh attempt, a snapshot
rebuild) shows within that bound.

The ETag of a company's page is worked out from the in-memory directory index (its listing
fields: last fundamentals refresh, the date of the close behind its market cap, name, group,
market cap), `until` and the code's version (asxdb_site/code_version.py), never from the body.
Weak (W/"…"): it names what the page says, not its bytes, which differ per encoding; If-None-Match
compares weakly anyway. The index is at most LISTING_CACHE_SECONDS old (it is rebuilt from one
Query per status after that), so a refresh in another process changes the ETag within a
minute. When the process holds no fresh index (a container that serves only company pages),
nothing is read to make one: the ETag and lifetime come from the company item the view reads
(the same fields, so the same ETag), and that entry stands for the company's next requests
until its `until` (what the page said it was worth), so a conditional GET or a page-cache hit
needs no read either. Listing kinds take the index's digest instead of one company's fields.

Two middlewares: PageCacheMiddleware near the top of MIDDLEWARE (a hit skips everything after
it; the stored response carries the headers the rest added: CSP, HSTS, X-Frame-Options,
nosniff), and NotModifiedMiddleware last (a matching If-None-Match on a miss is a 304 before
the view runs, and the middlewares between add their headers to it).
"""

import datetime
import gzip
import hashlib
import re
import time
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseNotModified
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags

from asxdb_site.code_version import code_version

try:  # the `brotli` package (requirements.txt); without it, gzip only
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

LISTING, COMPANY, STATEMENTS, PRICES, STATIC = (
    "listing",
    "company",
    "statements",
    "prices",
    "static",
)
URL_KINDS = {
    "home": LISTING,
    "company_list": LISTING,
    "search": LISTING,
    "screener": LISTING,
    "screener_csv": LISTING,
    "compare": LISTING,
    "api_company_list": LISTING,
    "api_search": LISTING,
    "api_screener": LISTING,
    "api_compare": LISTING,
    "company_detail": COMPANY,
    "company_statement": COMPANY,
    "api_company_detail": COMPANY,
    "company_statement_csv": STATEMENTS,
    "company_statement_json": STATEMENTS,
    "api_company_statement": STATEMENTS,
    "company_prices_csv": PRICES,
    "company_prices_json": PRICES,
    "company_dividends_csv": PRICES,
    "company_dividends_json": PRICES,
    "api_company_prices": PRICES,
    "api_company_dividends": PRICES,
    "api_index": STATIC,
    "api_schema": STATIC,
    "api_metrics": STATIC,
}
READ_METHODS = ("GET", "HEAD")
NO_STORE = "no-store"
COMPRESSIBLE = re.compile(r"^(text/html|text/csv|text/plain|application/json)\b")
COMPRESS_MIN_BYTES = 1024
BROTLI_QUALITY = 5  # about gzip's speed at level 6, and smaller
REQUEST_ATTRIBUTE = "_asxdb_freshness"


class Freshness(NamedTuple):
    """What a GET of one URL is worth caching: its validator and until when it holds."""

    kind: str
    until: float  # Unix time; max-age counts down to it
    etag: str | None  # W/"…", or None when the process cannot tell without a read
    store: bool  # keep the whole page in the process cache
    ticker: str | None = None  # of a company route

    def max_age(self, now: float) -> int:
        return max(0, int(self.until - now))


def _now() -> float:
    """Unix time (tests fix it)."""
    return time.time()


# --- when things can change ---------------------------------------------------------------------


def _grid_after(now: float, step: float) -> float:
    """The first multiple of `step` seconds after `now` (now itself when step <= 0)."""
    return (now // step + 1) * step if step > 0 else now


def fundamentals_until(entry, now: float) -> float:
    """When the company's next fundamentals refresh can land: REFRESH_INTERVAL_HOURS after its
    last one; a company already due (or never refreshed) can change any run."""
    if entry.last_updated is not None:
        due = entry.last_updated.timestamp() + settings.REFRESH_INTERVAL_HOURS * 3600
        if due > now:
            return due
    return _grid_after(now, settings.COMPANY_CACHE_SECONDS)


def prices_until(entry, now: float) -> float:
    """When the company's next close can land: when the next weekday's prices window opens
    (PRICES_REFRESH_HOUR_UTC, PRICES_REFRESH_WINDOW_MINUTES long); inside today's window, until
    its close has landed (the date behind its price-based market cap is today), any run."""
    today = datetime.datetime.fromtimestamp(now, datetime.UTC).date()
    opens = datetime.datetime.combine(
        today, datetime.time(settings.PRICES_REFRESH_HOUR_UTC), datetime.UTC
    ).timestamp()
    closes = opens + settings.PRICES_REFRESH_WINDOW_MINUTES * 60
    landed = entry is not None and entry.market_cap_date == today
    if today.weekday() < 5 and opens <= now < closes and not landed:
        return _grid_after(now, settings.COMPANY_CACHE_SECONDS)
    day = today if now < opens else today + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(
        day, datetime.time(settings.PRICES_REFRESH_HOUR_UTC), datetime.UTC
    ).timestamp()


def _etag(*parts) -> str:
    text = "\x1f".join(str(part) for part in parts)
    return f'W/"{hashlib.blake2b(text.encode(), digest_size=10).hexdigest()}"'


_digests: tuple[object, str] | None = None


def index_digest(index) -> str:
    """A hash of every listing field of every company in the index, once per index."""
    global _digests
    current = _digests
    if current is not None and current[0] is index:
        return current[1]
    digest = hashlib.blake2b(digest_size=10)
    for entry in index.entries:
        digest.update(
            repr(
                (
                    entry.ticker,
                    entry.name,
                    entry.industry_group,
                    entry.market_cap,
                    entry.status,
                    entry.listing_date,
                    entry.last_updated,
                    entry.market_cap_source,
                    entry.market_cap_date,
                )
            ).encode()
        )
    _digests = (index, digest.hexdigest())
    return _digests[1]


_listing_etags: tuple[tuple, str] | None = None


def _listing_etag(index, version: str, ceiling: float) -> str:
    """The listing kinds' ETag: the index's digest, the code's version and the hour grid; worked
    out once per index and hour."""
    global _listing_etags
    key = (index, version, ceiling)
    current = _listing_etags
    if current is not None and current[0][0] is index and current[0][1:] == key[1:]:
        return current[1]
    etag = _etag(version, index_digest(index), ceiling)
    _listing_etags = (key, etag)
    return etag


def freshness_of(*, kind: str, kwargs: dict, now: float) -> Freshness:
    """The freshness of a GET of a route of `kind` (with its URL kwargs), from memory only."""
    from companies.finding.search import directory_index_if_fresh

    version = code_version(built=settings.STATIC_MANIFEST)
    ceiling = _grid_after(now, settings.HTTP_CACHE_MAX_SECONDS)
    index = directory_index_if_fresh()
    if kind == STATIC:
        return Freshness(kind, ceiling, _etag(version, kind, ceiling), store=True)
    if kind == LISTING:
        seconds = settings.LISTING_CACHE_SECONDS
        etag = _listing_etag(index, version, ceiling) if index is not None else None
        return Freshness(kind, min(now + seconds, ceiling), etag, store=seconds > 0)
    ticker = kwargs.get("ticker", "")
    entry = index.by_ticker.get(ticker) if index is not None else _entry_standing(ticker, now)
    if entry is None:  # nothing known in memory, a ticker to redirect to its canonical form, a 404
        until = now + settings.COMPANY_CACHE_SECONDS
        return Freshness(kind, until, None, settings.COMPANY_CACHE_SECONDS > 0, ticker)
    return _company_freshness(kind=kind, entry=entry, version=version, now=now)


ENTRIES_STANDING_KEPT = 4096
_entries_standing: dict[str, tuple[object, float]] = {}  # ticker: (entry read, until)


def _entry_standing(ticker: str, now: float):
    """The entry a view read for `ticker`, while what its page said holds (and while it is
    still the process's latest read of the company: dropping the index drops those)."""
    from companies.finding.search import entry_read

    standing = _entries_standing.get(ticker)
    if standing is not None and now < standing[1] and entry_read(ticker) is standing[0]:
        return standing[0]
    return None


def freshness_after_read(freshness: Freshness, now: float) -> Freshness:
    """The freshness of a company route that had none to tell before its view ran (no fresh
    index): from the company item the view read, kept standing until the company's page
    `until`; unchanged when the view read no company (a 404)."""
    from companies.finding.search import entry_read

    entry = entry_read(freshness.ticker or "")
    if entry is None:
        return freshness
    version = code_version(built=settings.STATIC_MANIFEST)
    page = _company_freshness(kind=COMPANY, entry=entry, version=version, now=now)
    if len(_entries_standing) >= ENTRIES_STANDING_KEPT:
        _entries_standing.clear()
    _entries_standing[entry.ticker] = (entry, page.until)  # the earliest `until` of its routes
    return _company_freshness(kind=freshness.kind, entry=entry, version=version, now=now)


FRESHNESS_KEPT = 8192
_company_kept: dict[tuple, tuple[float, Freshness]] = {}


def _company_freshness(*, kind: str, entry, version: str, now: float) -> Freshness:
    """A company route's freshness, kept until its `until`: on [now, until) it is the same
    (every moment it depends on is at or after `until`), for the same entry and settings."""
    key = (
        kind,
        entry,
        settings.HTTP_CACHE_MAX_SECONDS,
        settings.COMPANY_CACHE_SECONDS,
        settings.REFRESH_INTERVAL_HOURS,
        settings.PRICES_REFRESH_HOUR_UTC,
        settings.PRICES_REFRESH_WINDOW_MINUTES,
    )
    kept = _company_kept.get(key)
    if kept is not None and kept[0] <= now < kept[1].until:
        return kept[1]
    until = _grid_after(now, settings.HTTP_CACHE_MAX_SECONDS)
    if kind in (COMPANY, STATEMENTS):
        until = min(until, fundamentals_until(entry, now))
    if kind in (COMPANY, PRICES):
        until = min(until, prices_until(entry, now))
    etag = _etag(
        version,
        entry.ticker,
        entry.name,
        entry.industry_group,
        entry.market_cap,
        entry.status,
        entry.last_updated,
        entry.market_cap_date,
        until,
    )
    freshness = Freshness(kind, until, etag, settings.COMPANY_CACHE_SECONDS > 0, entry.ticker)
    if len(_company_kept) >= FRESHNESS_KEPT:
        _company_kept.clear()
    _company_kept[key] = (now, freshness)
    return freshness


ROUTES_KEPT = 4096
_routes: dict[tuple, tuple[str | None, dict] | None] = {}


def _route(request) -> tuple[str | None, dict] | None:
    """(URL name, kwargs) of the request's path, or None when no route takes it; kept per path
    (a page-cache hit skips URL resolution; random paths only make the dict start over)."""
    key = (settings.ROOT_URLCONF, getattr(request, "urlconf", None), request.path_info)
    try:
        return _routes[key]
    except KeyError:
        pass
    try:
        match = resolve(request.path_info, key[1])
        found = (match.url_name, match.kwargs)
    except Resolver404:
        found = None
    if len(_routes) >= ROUTES_KEPT:
        _routes.clear()
    _routes[key] = found
    return found


def freshness_for_request(request) -> Freshness | None:
    """The freshness of a cacheable request (GET or HEAD of a known route, not per-user), or
    None for anything that must not be cached."""
    if request.method not in READ_METHODS or "HTTP_AUTHORIZATION" in request.META:
        return None
    route = _route(request)
    kind = URL_KINDS.get(route[0]) if route is not None else None
    if kind is None:
        return None
    return freshness_of(kind=kind, kwargs=route[1], now=_now())


# --- the response side --------------------------------------------------------------------------


def accepted_encoding(request) -> str:
    """ "br", "gzip" or "" (identity): the best the client accepts (q=0 refuses)."""
    header = request.META.get("HTTP_ACCEPT_ENCODING", "")
    if not header:
        return ""
    accepted = set()
    for token in header.lower().split(","):
        name, _, params = token.strip().partition(";")
        if re.search(r"q\s*=\s*0(\.0*)?\s*$", params):
            continue
        accepted.add(name.strip())
    if brotli is not None and "br" in accepted:
        return "br"
    return "gzip" if "gzip" in accepted else ""


def compress(response, encoding: str) -> None:
    """Compress an HTML, JSON, CSV or text body over a kilobyte in place (never a streamed file,
    already-encoded content or a 304); the ETag stays (weak: the same content)."""
    if (
        not encoding
        or response.streaming
        or response.status_code == 304
        or response.has_header("Content-Encoding")
        or len(response.content) < COMPRESS_MIN_BYTES
        or not COMPRESSIBLE.match(response.get("Content-Type", ""))
    ):
        return
    if encoding == "br":
        body = brotli.compress(response.content, quality=BROTLI_QUALITY)
    else:
        body = gzip.compress(response.content, compresslevel=6, mtime=0)
    response.content = body
    response.headers["Content-Length"] = str(len(body))
    response.headers["Content-Encoding"] = encoding


def is_per_user(response) -> bool:
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return bool(response.cookies) or bool(vary & {"cookie", "authorization", "*"})


def cache_control(response, freshness: Freshness | None, now: float, *, request=None) -> bool:
    """Set Cache-Control (and Vary, ETag) on the response to `request`; True when it may be
    kept whole. `freshness` None: not a page route (static files keep WhiteNoise's headers)."""
    status = response.status_code
    private = is_per_user(response) or (
        request is not None and "HTTP_AUTHORIZATION" in request.META
    )
    writes = request is not None and request.method not in READ_METHODS
    if private or writes:
        response.headers["Cache-Control"] = NO_STORE
        return False
    if 300 <= status < 400 and status != 304:
        return False  # a redirect keeps what it says (a permanent one is meant to be kept)
    if freshness is None and status < 400:
        return False  # a static file, with its server's own Cache-Control
    if freshness is None or status not in (200, 304, 404):
        response.headers["Cache-Control"] = NO_STORE
        return False
    if status == 404:
        seconds = settings.HTTP_NOT_FOUND_SECONDS
        response.headers["Cache-Control"] = f"public, max-age={seconds}"
        patch_vary_headers(response, ("Accept-Encoding",))
        return False
    response.headers["Cache-Control"] = _public(freshness.max_age(now))
    patch_vary_headers(response, ("Accept-Encoding",))
    if freshness.etag:
        response.headers["ETag"] = freshness.etag
    return status == 200 and freshness.store and not response.streaming


def _public(max_age: int) -> str:
    stale = settings.HTTP_STALE_WHILE_REVALIDATE_SECONDS
    return f"public, max-age={max_age}, stale-while-revalidate={stale}"


def etag_matches(request, etag: str | None) -> bool:
    """If-None-Match names `etag` (weak comparison), or is "*"."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header or not etag:
        return False
    tags = parse_etags(header)
    return tags == ["*"] or etag.removeprefix("W/") in {t.removeprefix("W/") for t in tags}


def _page_key(request, host: str, etag: str | None, encoding: str) -> str:
    # the path and query as sent (get_full_path's quoting costs more than the rest of the key)
    path, query = request.path, request.META.get("QUERY_STRING", "")
    parts = (request.scheme, host, path, query, encoding, etag or "")
    text = "\x1f".join(parts)
    return "page:" + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _not_modified(response) -> HttpResponseNotModified:
    """A 304 carrying the 200's headers but its body's (RFC 9110 15.4.5)."""
    not_modified = HttpResponseNotModified()
    for name, value in response.items():
        if name.lower() not in ("content-length", "content-type", "content-encoding"):
            not_modified.headers[name] = value
    return not_modified


class PageCacheMiddleware:
    """Whole GET pages from the process cache (per host, path and query, encoding and ETag),
    compressed once; Cache-Control on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        host = request.get_host()  # a Host not in ALLOWED_HOSTS is a 400, cached page or not
        freshness = freshness_for_request(request)
        encoding = accepted_encoding(request)
        key = None
        if freshness is not None and freshness.store:
            key = _page_key(request, host, freshness.etag, encoding)
            # a response unpickled afresh: its headers as stored (those of every middleware)
            response = cache.get(key)
            if response is not None:
                max_age = max(0, int(response.asxdb_until - _now()))
                response.headers["Cache-Control"] = _public(max_age)
                return (
                    _not_modified(response) if etag_matches(request, freshness.etag) else response
                )
        setattr(request, REQUEST_ATTRIBUTE, freshness)
        response = self.get_response(request)
        now = _now()
        if freshness is not None and freshness.ticker and freshness.etag is None:
            freshness = freshness_after_read(freshness, now)
            if freshness.etag is not None and key is not None:
                key = _page_key(request, host, freshness.etag, encoding)
        keep = cache_control(response, freshness, now, request=request)
        if response.status_code == 304:
            response.headers.pop("Content-Length", None)
            return response
        compress(response, encoding)
        if keep and key is not None and request.method == "GET":
            response.asxdb_until = freshness.until
            cache.set(key, response, timeout=freshness.max_age(now))
        return response


class NotModifiedMiddleware:
    """Last in MIDDLEWARE: a matching If-None-Match is a 304 before the view runs (nothing
    rendered, nothing read); the middlewares above add their headers on the way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        freshness = getattr(request, REQUEST_ATTRIBUTE, None)
        if freshness is not None and etag_matches(request, freshness.etag):
            return HttpResponseNotModified()
        return self.get_response(request)
