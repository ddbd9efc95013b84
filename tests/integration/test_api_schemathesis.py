"""Schemathesis against the live site: a server thread on DynamoDB Local holding the
2,109-company directory with statements, prices and dividends (tests/api_site.py), explored
operation by operation from the OpenAPI document (the one /api/schema/ serves, which
tests/unit/test_openapi.py proves). The schema is read at collection, not from a fixture:
Schemathesis 4.32's fixture loader sets `Function._nodeid`, which pytest 9.2 no longer has.

Every check Schemathesis has is on: no server error, status codes, content types, response
headers and schemas conformance, valid data accepted and invalid data rejected, a method the
path does not document answered with a 405 and its Allow header. Its examples, coverage and
fuzzing phases run, with a bounded number of generated cases per operation (MAX_EXAMPLES) and a
fixed seed, so a run is repeatable and takes about a minute on two cores.
"""

import threading
from urllib.parse import urlencode

import pytest
import schemathesis
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.http import QueryDict
from schemathesis.config import SchemathesisConfig

from companies import cursors
from companies.forms import DirectoryQuery
from companies.models import sort_keys
from companies.screening import cursors as screen_cursors
from companies.screening.forms import ScreenQuery
from companies.selectors import Order, SortKey
from tests.api_site import api_site_load

pytestmark = pytest.mark.integration

LISTING = "/api/companies/"
COMPARE = "/api/compare/"
SCREENER = "/api/screener/"
SCREEN = "market_cap > 1b and roe > 15%"
MAX_EXAMPLES = 30
LISTING_GROUP = "Materials"  # a group the loaded directory has
# A row's position in each listing order (made without a read: cases are drawn at collection)
EDGE_KEYS = sort_keys(
    ticker="BHP",
    name="BHP GROUP LIMITED",
    market_cap=150_000_000_000,
    listing_date="1885-08-13",
    industry_group="Materials",
    last_updated_iso="2026-11-20T09:00:00+00:00",
)
SEED = 20261120


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def api_url(dynamodb_local_url):
    from companies import models, services

    models.bind_table(table_name="asxdb-schemathesis", host=dynamodb_local_url)
    if models.Company.exists():
        models.Company.delete_table()
    services.table_create(wait=True)
    api_site_load()
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    models.Company.delete_table()


def api_schema():
    """The document the site serves (tests/unit/test_openapi.py proves /api/schema/ is this),
    read while tests are collected: Schemathesis makes one test per operation of it."""
    from companies.openapi.document import openapi_document

    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "checks": {"enabled": True},
            "phases": {"stateful": {"enabled": False}},
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        }
    )
    return schemathesis.openapi.from_dict(openapi_document(), config=config)


schema = api_schema()


@schema.hook
def map_case(context, case):
    """A schema-valid cursor is one the listing made: a generated string is only ever a forged
    one (a 400, as the document says), so valid cases get a real position, signed for their
    sort and order, the way a client gets one from `next` or `previous`."""
    cursor = (case.query or {}).get("cursor")
    positive = case.meta.generation.mode.is_positive
    if case.operation.path == COMPARE and positive:
        # likewise a schema-valid comparison names 2 to 6 companies the directory has (generated
        # tickers name none: a 400, as the document says): the site's two with figures
        case.query = {**(case.query or {}), "tickers": "BHP,cba"}
        return case
    if case.operation.path == SCREENER and positive:
        return _screen_made_valid(case)
    if case.operation.path != LISTING or not positive:
        return case
    # A schema-valid filter names a group the directory has and a market cap range that is not
    # upside down (a generated group is unknown: a 400, as the document says).
    if case.query.get("industry_group"):
        case.query["industry_group"] = [LISTING_GROUP]
    # and amounts it can read, the low one first (the document describes an amount in words)
    for name, amount in (("market_cap_min", "500m"), ("market_cap_max", "2b")):
        if case.query.get(name):
            bound = DirectoryQuery({name: case.query[name]}, known_groups=lambda: [])
            if not bound.is_valid():
                case.query[name] = amount
    low, high = case.query.get("market_cap_min"), case.query.get("market_cap_max")
    if low and high:
        bounds = DirectoryQuery(
            {"market_cap_min": low, "market_cap_max": high}, known_groups=lambda: []
        )
        if not bounds.is_valid() and "market_cap_min" in bounds.errors:
            case.query["market_cap_min"], case.query["market_cap_max"] = high, low
    if cursor is None:
        return case
    sort = SortKey(case.query.get("sort") or SortKey.TICKER)
    order = Order(case.query.get("order") or Order.ASC)
    form = DirectoryQuery(
        QueryDict(urlencode({**case.query, "cursor": ""}, doseq=True)),
        known_groups=lambda: [LISTING_GROUP],  # the hook also runs at collection, without a table
    )
    digest = form.cleaned_data["filters"].digest if form.is_valid() else ""
    edge = EDGE_KEYS[sort.order.range_key.attr_name]
    direction = cursors.FORWARD if len(str(cursor)) % 2 else cursors.BACKWARD
    case.query["cursor"] = cursors.dump(
        cursors.Position(direction, edge), sort=sort, order=order, filters=digest
    )
    return case


def _screen_made_valid(case):
    """A schema-valid screen is one the language reads (a generated string seldom is: a 400, as
    the document says) sorted by a column the screen has, and a schema-valid cursor one the
    screener signed for that screen, sort, order and status (at an offset of 0 or one page)."""
    form = ScreenQuery({**case.query, "cursor": ""})
    if "q" in form.errors:
        case.query["q"] = SCREEN
    if "sort" in form.errors:
        case.query.pop("sort")
    if case.query.get("cursor") is None:
        return case
    form = ScreenQuery({**case.query, "cursor": ""})
    if not form.is_valid() or form.cleaned_data["expression"] is None:
        return case  # the case is a 400 for its own reason, which the document describes
    data = form.cleaned_data
    offset = data["size"] if len(str(case.query["cursor"])) % 2 else 0
    case.query["cursor"] = screen_cursors.dump(
        offset,
        screen=data["expression"].canonical,
        sort=data["sort"],
        order=data["order"],
        status=data["status"],
    )
    return case


@schema.parametrize()
def test_every_operation_honours_the_document(case, api_url):
    case.call_and_validate(base_url=api_url)
