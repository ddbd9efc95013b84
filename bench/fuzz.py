"""Fuzz benchmark: generated requests over every HTML and API route, and what they answered.

    .venv/bin/python bench/fuzz.py [--requests 12000] [--seed 7]

Starts its own in-memory DynamoDB Local and loads the 2,109-company directory with statements,
prices and dividends for BHP and CBA and one company delisted (tests/api_site.py). Then it sends
`--requests` requests through the site's WSGI handler in this process (Django's full request
path: middleware, URL routing, views, templates), spread over every route the URL map has
(found from it, so a new route is fuzzed without being named here) and paths no route takes:

- parameter values valid (each operation's examples in the OpenAPI document, the vocabularies'
  values, real tickers) and not: enum values in other cases and with spaces, numbers out of
  range, very long text (61 to 100,000 characters), unicode (emoji, CJK, combining accents,
  bidirectional overrides), NUL and control characters, bytes that are not UTF-8, markup and
  SQL-looking text;
- every parameter name any page or the API reads, on every route, some repeated 2-6 times;
- cursors made by the listing, foreign ones (another sort or order), truncated, tampered with,
  forged, and signed by the site's key but of the wrong shape;
- tickers that exist in any case, that do not, and path segments of up to 10,000 characters;
- odd methods (POST, PUT, DELETE, PATCH, OPTIONS, TRACE, PROPFIND, BREW) with random bodies,
  paths without their slash, a host name the site does not serve, query strings of 200 KB and
  of 1,001 parameters.

It prints a status histogram per route; every response >= 500 with its request; every 4xx
whose body does not say what was wrong (JSON without a non-empty `error`, an empty text body,
an HTML page with nothing but its heading); and every redirect that would leave the site.
Target: no response >= 500, every 4xx with its reason.
"""

import argparse
import collections
import json
import os
import random
import re
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_environment, site_on_dynamodb_local  # noqa: E402

bench_environment("asxdb-bench-fuzz")
# POST /init/ checks a well-formed proof with STS: never let one leave this machine.
os.environ["INIT_STS_ENDPOINT"] = "http://127.0.0.1:9/"

METHODS = ["GET"] * 14 + ["HEAD"] * 2 + ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"]
ODD_METHODS = ["PROPFIND", "BREW", "get"]
# Every parameter a page or the API reads (and a few nothing reads).
PARAMETER_NAMES = [
    "sort", "order", "size", "cursor", "industry_group", "market_cap_min", "market_cap_max",
    "status", "q", "limit", "period", "lines", "range", "close", "tickers", "metric", "page",
    "format", "callback", "__proto__",
]  # fmt: skip
JUNK = [
    "", " ", "0", "-1", "1.5", "1e309", "NaN", "Infinity", "99999999999999999999999", "0x10",
    "\x00", "a\x00b", "\t", "\r\n", "\x1b[31m", "\u202e", "\u200b", "e\u0301", "📈", "株式会社",
    "Ω≈ç√", "<script>alert(1)</script>", "\"'><img src=x>", "' OR 1=1 --", "${jndi:x}",
    "../../etc/passwd", "/", "\\", "%", "%%", "?", "#", "&", "=", "+", "null", "true", "[]",
    "{}",
]  # fmt: skip
# Percent-escapes sent as they are: bytes that are not UTF-8, and encoded separators.
RAW_ESCAPES = ["%FF%FE", "%C0%AF", "%ED%A0%80", "%2F", "%2e%2e%2f", "%00", "%0d%0a", "%E2%80%AE"]


class Raw(str):
    """A value already percent-encoded (sent byte for byte)."""


def encode(value) -> str:
    return str(value) if isinstance(value, Raw) else quote(str(value), safe="")


class Fuzzer:
    def __init__(self, rng: random.Random, *, site, cursors, valid):
        self.rng, self.site, self.cursors, self.valid = rng, site, cursors, valid

    def text(self) -> str:
        rng = self.rng
        kind = rng.randrange(8)
        if kind == 0:
            return rng.choice(JUNK)
        if kind == 1:
            return Raw(rng.choice(RAW_ESCAPES))
        if kind == 2:
            return rng.choice("Aa9é📈") * rng.choice([61, 100, 2001, 10_000, 100_000])
        if kind == 3:  # unicode from several planes, surrogates left out (not encodable)
            chars = [
                chr(rng.choice([rng.randrange(0x20, 0x7F), rng.randrange(0xA0, 0xD7FF)]))
                for _ in range(rng.randrange(1, 40))
            ]
            return "".join(chars) + rng.choice(["", "\U0001f4c8", "\u0301"])
        if kind == 4:
            return str(rng.choice([-(10**20), -1, 0, 1, 24, 26, 51, 101, 10**15, 10**30]))
        if kind == 5:  # a valid value of some parameter, mangled
            value = str(rng.choice(rng.choice(list(self.valid.values()))))
            return rng.choice([value.upper(), f" {value} ", value[:-1], value + value])
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-_.~") for _ in range(8))

    def value(self, name: str, route=None):
        rng = self.rng
        if name == "cursor":
            return self.cursor()
        examples = route.examples.get(name) if route else None
        if examples and rng.random() < 0.5:  # the document's own examples of this operation
            return rng.choice(examples)
        if name in self.valid and rng.random() < 0.55:
            return rng.choice(self.valid[name])
        return self.text()

    def cursor(self):
        rng = self.rng
        real = rng.choice(self.cursors["real"])
        return rng.choice(
            [
                real,
                real,
                rng.choice(self.cursors["foreign"]),
                real[: rng.randrange(1, len(real))],  # truncated
                real[:-1] + ("A" if real[-1] != "A" else "B"),  # tampered signature
                rng.choice(self.cursors["wrong_shape"]),
                self.text(),
            ]
        )

    def ticker(self):
        rng = self.rng
        real = rng.choice(self.site.tickers)
        return rng.choice(
            [
                real,
                real.lower(),
                "BHP",
                "cba",
                self.site.delisted,
                "ZZZZ",
                "ABCDEFG",
                "A" * rng.choice([7, 61, 300, 10_000]),
                self.text(),
            ]
        )

    def segment(self, name: str):
        if name == "ticker" or name == "T":
            return self.ticker()
        if name in self.valid and self.rng.random() < 0.7:
            return self.rng.choice(self.valid[name])
        return self.text()

    def query(self, route) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.01:  # 1,001 parameters: more than Django reads
            return "&".join(f"p{n}=1" for n in range(1001))
        if kind < 0.02:  # a 200 KB query string
            return f"{rng.choice(PARAMETER_NAMES)}={'x' * 200_000}"
        names = list(route.params) * 3 + PARAMETER_NAMES
        pairs = []
        for name in rng.sample(names, k=min(len(names), rng.randrange(0, 5))):
            for _ in range(rng.choice([1, 1, 1, 2, 3, 6])):  # repeated parameters
                pairs.append(f"{encode(name)}={encode(self.value(name, route))}")
        if rng.random() < 0.05:
            pairs.append(encode(self.text()))  # a name without a value
        return "&".join(pairs)


class Route:
    def __init__(self, name: str, template: str, params=(), examples=None):
        self.name, self.template, self.params = name, template, tuple(params)
        self.examples = examples or {}  # {parameter: [values]} from the document's examples
        self.placeholders = re.findall(r"\{(\w+)\}", template)

    def path(self, fuzzer: Fuzzer) -> str:
        path = self.template
        for name in self.placeholders:
            path = path.replace(f"{{{name}}}", encode(fuzzer.segment(name)), 1)
        return path


# The original site's URLs are regular expressions: their shapes, by URL name.
LEGACY_TEMPLATES = {
    "legacy_listing": "/search/{n}",
    "legacy_listing_sorted": "/search/groupBy={column}&orderBy={legacy_order}",
    "legacy_ticker_box": "/ticker/",
    "legacy_company": "/ticker/{ticker}",
    "legacy_company_tab": "/ticker/{ticker}/{tab}",
}
HTML_PARAMS = {
    "company_list": ("sort", "order", "size", "cursor", "industry_group", "status"),
    "company_detail": ("range", "close", "period", "lines"),
    "company_statement": ("period", "lines", "range", "close"),
    "company_statement_csv": ("period",),
    "company_statement_json": ("period", "lines"),
    "company_prices_csv": ("range",),
    "company_prices_json": ("range",),
    "search": ("q",),
}


def site_routes() -> tuple[list[Route], list[str]]:
    """Every route of the URL map as a template (path converters become {name}), with the
    parameters the document or the page reads; and the names of routes it cannot shape."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from companies.openapi.document import openapi_document

    api_params, api_examples = {}, {}
    for item in openapi_document()["paths"].values():
        for operation in item.values():
            name = operation["operationId"]
            api_params[name] = [p.get("name", "ticker") for p in operation.get("parameters", [])]
            for example in operation.get("x-examples", []):
                for key, value in parse_qsl(urlsplit(example).query):
                    api_examples.setdefault(name, {}).setdefault(key, []).append(value)
    routes, skipped = [], []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            assert isinstance(pattern, URLPattern)
            raw = prefix + str(pattern.pattern)
            if pattern.name in LEGACY_TEMPLATES:
                template = LEGACY_TEMPLATES[pattern.name]
            elif raw.startswith("^"):
                skipped.append(pattern.name or raw)
                continue
            else:
                template = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", raw)
            params = api_params.get(pattern.name) or HTML_PARAMS.get(pattern.name, ())
            examples = api_examples.get(pattern.name)
            routes.append(Route(pattern.name or template, template, params, examples))

    walk(get_resolver().url_patterns)
    return routes, skipped


def listing_cursors() -> dict[str, list[str]]:
    """Cursors the listing made (next and previous of real pages), foreign ones (made for
    another sort or order than they are sent with) and wrong-shape ones signed by the site."""
    from django.core import signing

    from companies import selectors
    from companies.selectors import Order, SortKey

    real, foreign = [], []
    for sort in SortKey:
        for order in Order:
            page = selectors.company_page(sort=sort, order=order, size=25, cursor=None)
            second = selectors.company_page(
                sort=sort, order=order, size=25, cursor=page.next_cursor
            )
            made = [page.next_cursor, second.next_cursor, second.previous_cursor]
            (real if sort is SortKey.TICKER and order is Order.ASC else foreign).extend(made)
    salt = "asxdb.listing.ticker.asc"
    wrong_shape = [
        signing.dumps(value, salt=salt, compress=True)
        for value in (["x", "BHP"], ["n", ""], ["n", 5], "n", [], {"n": "BHP"}, ["n", "BHP", 1])
    ] + [signing.dumps(["n", "BHP"], salt="another.salt"), "eyJhIjoxfQ:forged:signature"]
    return {"real": real, "foreign": foreign, "wrong_shape": wrong_shape}


def valid_values(site) -> dict[str, list]:
    from companies.finding.search import RESULTS
    from companies.forms import LINE_CHOICES
    from companies.legacy import LEGACY_ORDERS, LEGACY_SORTS, LEGACY_TABS
    from companies.market.presenters import CLOSES
    from companies.market.selectors import PRICE_RANGES
    from companies.selectors import PAGE_SIZES, Order, SortKey
    from companies.statements.vocabulary import PERIOD_TYPES, STATEMENTS

    return {
        "sort": [s.value for s in SortKey],
        "order": [o.value for o in Order],
        "size": list(PAGE_SIZES),
        "period": list(PERIOD_TYPES),
        "lines": list(LINE_CHOICES),
        "range": list(PRICE_RANGES),
        "close": list(CLOSES),
        "limit": [1, 10, RESULTS],
        "q": ["b", "bh", "bhp", "bank", "minerals", "360", site.delisted.lower(), "zzzz"],
        "status": ["listed", "delisted", "all"],
        "industry_group": ["Materials", "Banks", "Not Applic"],
        "market_cap_min": ["500m", "2b", "1,000,000"],
        "market_cap_max": ["1.5t", "10b"],
        "tickers": ["BHP,CBA", "BHP", "bhp,cba,zzzz"],
        "statement": list(STATEMENTS),
        "n": [1, 2, 99],
        "column": list(LEGACY_SORTS),
        "tab": list(LEGACY_TABS),
        "legacy_order": list(LEGACY_ORDERS),
    }


class MainText(HTMLParser):
    """The text of <main>, headings left out: what a 4xx page says besides its title."""

    def __init__(self):
        super().__init__()
        self.depth, self.heading, self.parts = 0, False, []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth += 1
        elif tag in ("h1", "h2"):
            self.heading = True

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1
        elif tag in ("h1", "h2"):
            self.heading = False

    def handle_data(self, data):
        if self.depth and not self.heading:
            self.parts.append(data)


def reason_of(response) -> str:
    """What a 4xx body says was wrong ("" when it says nothing)."""
    kind = response.get("Content-Type", "").split(";")[0]
    body = response.content.decode("utf-8", "replace")
    if kind == "application/json":
        try:
            error = json.loads(body).get("error")
        except (ValueError, AttributeError):
            return ""
        return error.strip() if isinstance(error, str) else ""
    if kind == "text/html":
        parser = MainText()
        parser.feed(body)
        return " ".join(" ".join(parser.parts).split())
    return body.strip()


def status_class(status: int) -> str:
    if status in (400, 404, 405):
        return str(status)
    return f"{status // 100}xx" if status < 400 or status >= 500 else "4xx other"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with site_on_dynamodb_local():
        import logging

        from django.test import Client

        from tests.api_site import api_site_load

        # 4xx are the point here, not news; a 5xx is still logged with its traceback
        logging.getLogger("django.request").setLevel(logging.ERROR)
        logging.getLogger("django.security").setLevel(logging.CRITICAL)  # refusals are 400s
        logging.getLogger("companies").setLevel(logging.ERROR)

        started = time.perf_counter()
        site = api_site_load()
        print(f"directory: {len(site.tickers)} companies ({site.source}), loaded in "
              f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        routes, skipped = site_routes()
        routes.append(Route("(no route)", "/{junk}/"))
        routes.append(Route("(no route, /api/)", "/api/{junk}/{junk}/"))
        rng = random.Random(args.seed)
        valid = valid_values(site)
        fuzzer = Fuzzer(rng, site=site, cursors=listing_cursors(), valid=valid)
        client = Client(raise_request_exception=False)

        histogram = collections.defaultdict(collections.Counter)
        server_errors, silent, offsite, head_4xx = [], [], [], 0
        started = time.perf_counter()
        for n in range(args.requests):
            route = routes[n % len(routes)]
            path = route.path(fuzzer)
            if rng.random() < 0.04 and path.endswith("/"):
                path = path.rstrip("/")
            if rng.random() < 0.01:
                path = "/" + path  # //double slash
            method = rng.choice(METHODS if rng.random() < 0.97 else ODD_METHODS)
            query = fuzzer.query(route)
            extra = {}
            if rng.random() < 0.01:
                extra["HTTP_HOST"] = rng.choice(["evil.example", "127.0.0.1:1", "x" * 300])
            body = b""
            if method not in ("GET", "HEAD", "get") and rng.random() < 0.5:
                body = rng.choice(
                    [b"{}", b"not json", os.urandom(64), json.dumps({"a": 1}).encode()]
                )
            url = f"{path}?{query}" if query else path
            # The WSGI environ a server makes of the request line (the test client would read
            # "//init/" as a host name): PATH_INFO is the decoded path, as latin-1.
            environ = {
                "PATH_INFO": unquote_to_bytes(path).decode("iso-8859-1"),
                "QUERY_STRING": query,
            }
            response = client.generic(
                method, "/", data=body, content_type="application/json", **environ, **extra
            )
            status = response.status_code
            histogram[route.name][status_class(status)] += 1
            request = f"{method} {url[:300]}{'…' if len(url) > 300 else ''}"
            if status >= 500:
                server_errors.append((request, status, response.content[:200]))
            elif 400 <= status < 500:
                if method == "HEAD":
                    head_4xx += 1  # HTTP gives a HEAD answer no body
                elif not reason_of(response):
                    silent.append((request, status, response.content[:200]))
            elif 300 <= status < 400:
                location = response.get("Location", "")
                if not location.startswith("/") or location.startswith(("//", "/\\")):
                    offsite.append((request, status, location))
        elapsed = time.perf_counter() - started

        columns = ["2xx", "3xx", "400", "404", "405", "4xx other", "5xx"]
        print(f"requests: {args.requests} in {elapsed:.1f} s ({args.requests / elapsed:.0f} "
              f"per second), seed {args.seed}")  # fmt: skip
        width = max(len(route.name) for route in routes)
        print(f"{'route':<{width}} {'requests':>8} " + " ".join(f"{c:>9}" for c in columns))
        total = collections.Counter()
        for route in routes:
            counts = histogram[route.name]
            total.update(counts)
            print(
                f"{route.name:<{width}} {sum(counts.values()):>8} "
                + " ".join(f"{counts[c]:>9}" for c in columns)
            )
        print(
            f"{'all routes':<{width}} {sum(total.values()):>8} "
            + " ".join(f"{total[c]:>9}" for c in columns)
        )
        if skipped:
            print(f"routes not fuzzed (no template for their regular expression): {skipped}")
        print(f"responses >= 500: {len(server_errors)} (target 0)")
        for request, status, content in server_errors:
            print(f"  {status} {request}\n      {content!r}")
        print(
            f"4xx without a reason: {len(silent)} of "
            f"{sum(v for k, v in total.items() if k in ('400', '404', '405', '4xx other'))} "
            f"(target 0; {head_4xx} HEAD answers have no body by HTTP and are not counted)"
        )
        for request, status, content in silent[:20]:
            print(f"  {status} {request}\n      {content!r}")
        print(f"redirects off the site: {len(offsite)} (target 0)")
        for request, status, location in offsite[:20]:
            print(f"  {status} {request} -> {location}")


if __name__ == "__main__":
    main()
