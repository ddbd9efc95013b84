"""The API's OpenAPI document: valid OpenAPI 3.1, one operation per /api/ route and a route per
operation, served at /api/schema/ as built, assembled from pieces; the page at /api/; and the
JSON answers of /api/ URLs no route takes or Django refuses."""

import importlib
import re
import sys
import types
from html.parser import HTMLParser

import pytest
from django.urls import set_script_prefix
from jsonschema.exceptions import ValidationError
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from companies.openapi import components, document
from companies.openapi.document import PIECES, PieceConflict, build, openapi_document
from tests import factories

ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def api_routes() -> dict[str, str]:
    """{URL name: path template} of every route under /api/, as Django has them."""
    urls = importlib.import_module("companies.urls")
    return {
        pattern.name: "/" + ROUTE_PARAMETER.sub(r"{\1}", str(pattern.pattern))
        for pattern in urls.urlpatterns
        if str(pattern.pattern).startswith("api/")
    }


def documented_operations() -> dict[str, tuple[str, str]]:
    """{operationId: (method, path template)} of the document."""
    return {
        operation["operationId"]: (method, path)
        for path, item in openapi_document()["paths"].items()
        for method, operation in item.items()
    }


@pytest.fixture
def site(moto_table):
    """BHP (statements in USD) and CBA (prices, dividends, a quote and its valuation)."""
    factories.load_directory(
        ("BHP", "BHP GROUP LIMITED"), ("CBA", "COMMONWEALTH BANK OF AUSTRALIA")
    )
    years = factories.year_ends(5)
    factories.store(
        "BHP",
        factories.fundamentals(
            revenues={end: 50_000_000_000 + n * 10**9 for n, end in enumerate(years)},
            half_year_revenues={
                end: 25_000_000_000 for end in factories.half_year_ends(6, last=years[0])
            },
            currency="USD",
        ),
    )
    factories.store("CBA", factories.fundamentals(revenues={years[0]: 10**10}, currency="AUD"))
    factories.store_prices("CBA")


# --- the document ------------------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1():
    spec = openapi_document()
    validate(spec, cls=OpenAPIV31SpecValidator)
    assert spec["openapi"].startswith("3.1.")
    assert spec["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_validator_would_catch_a_broken_document():
    spec = openapi_document()
    del spec["paths"]["/api/search/"]["get"]["parameters"][0]["in"]
    with pytest.raises(ValidationError):
        validate(spec, cls=OpenAPIV31SpecValidator)


def test_every_api_route_has_its_operation_and_every_operation_its_route():
    routes, operations = api_routes(), documented_operations()
    assert set(routes) == set(operations), (
        "undocumented routes: "
        f"{sorted(set(routes) - set(operations))}; "
        f"operations without a route: {sorted(set(operations) - set(routes))}"
    )
    for name, template in routes.items():
        assert operations[name] == ("get", template), name


def test_every_operation_documents_its_answers_and_an_example():
    for path, item in openapi_document()["paths"].items():
        for operation in item.values():
            responses = operation["responses"]
            assert "200" in responses and "400" in responses, path
            assert operation["summary"] and operation["x-examples"], path
            if "{ticker}" in path:
                assert "404" in responses, path
            for example in operation["x-examples"]:
                template = re.sub(r"\{\w+\}", "[^/]+", path)
                assert re.fullmatch(template, example.split("?")[0]), example


def test_every_json_error_names_what_was_wrong_in_error():
    spec = openapi_document()
    schemas = spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for status, response in item["get"]["responses"].items():
            if status.startswith("4") and "application/json" in response["content"]:
                schema = response["content"]["application/json"]["schema"]
                schema = schemas[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema
                assert "error" in schema["required"], (path, status)
                assert schema["properties"]["error"]["type"] == "string", (path, status)
                assert schema["properties"]["error"]["minLength"] == 1, (path, status)


def test_the_profile_fields_of_a_company_are_all_described():
    from companies.api import PROFILE_FIELDS
    from companies.openapi.directory import PROFILE_SCHEMAS

    assert tuple(PROFILE_SCHEMAS) == PROFILE_FIELDS


def test_the_vocabularies_come_from_the_code():
    from companies.finding.search import MATCHES
    from companies.market.selectors import PRICE_RANGES
    from companies.selectors import PAGE_SIZES, SortKey

    spec = openapi_document()
    parameters = spec["paths"]["/api/companies/"]["get"]["parameters"]
    listing = {p["name"]: p["schema"] for p in parameters}
    assert listing["sort"]["enum"] == [s.value for s in SortKey] + [""]
    assert listing["size"]["anyOf"][0]["enum"] == list(PAGE_SIZES)
    schemas = spec["components"]["schemas"]
    assert schemas["Prices"]["properties"]["range"]["enum"] == list(PRICE_RANGES)
    assert schemas["SearchHit"]["properties"]["match"]["enum"] == list(MATCHES)


# --- pieces ------------------------------------------------------------------------------------


@pytest.fixture
def extra_piece(monkeypatch):
    """A piece of an area not written yet, as its owner would add it."""
    piece = types.ModuleType("tests.unit.example_piece")
    piece.TAG = {"name": "Example area", "description": "An area nobody has written yet."}
    piece.PATHS = {
        "/api/example/": {
            "get": {
                "operationId": "api_example",
                "tags": ["Example area"],
                "summary": "Companies whose figures pass a filter",
                "responses": {
                    "200": components.json_response("The matches.", components.ref("Example")),
                    "400": components.bad_request("The filter does not parse"),
                },
                "x-examples": ["/api/example/?q=pe<10"],
            }
        }
    }
    piece.SCHEMAS = {"Example": {"type": "object"}}
    monkeypatch.setitem(sys.modules, piece.__name__, piece)
    return piece


def test_a_new_piece_joins_the_document_with_its_components(extra_piece):
    spec = build(PIECES + (extra_piece.__name__,))
    validate(spec, cls=OpenAPIV31SpecValidator)
    assert "/api/example/" in spec["paths"]
    assert "Example" in spec["components"]["schemas"]
    assert "Error" in spec["components"]["schemas"]
    assert [tag["name"] for tag in spec["tags"]][-1] == "Example area"


def test_two_pieces_describing_the_same_tag_or_path_is_an_error(extra_piece):
    extra_piece.TAG = {"name": "Companies", "description": "the directory's tag, again"}
    with pytest.raises(PieceConflict, match="tag 'Companies'"):
        build(PIECES + (extra_piece.__name__,))
    extra_piece.TAG = {"name": "Example area", "description": "An area nobody has written yet."}
    extra_piece.PATHS = {"/api/search/": extra_piece.PATHS["/api/example/"]}
    with pytest.raises(PieceConflict, match="path '/api/search/'"):
        build(PIECES + (extra_piece.__name__,))


def test_two_pieces_naming_the_same_schema_is_an_error(extra_piece):
    extra_piece.PATHS = {}
    extra_piece.TAG = {"name": "Other", "description": "x"}
    extra_piece.SCHEMAS = {"Company": {"type": "object"}}
    with pytest.raises(PieceConflict, match="'Company'"):
        build(PIECES + (extra_piece.__name__,))


def test_the_document_is_built_once_per_process():
    document._document.cache_clear()
    openapi_document()
    openapi_document()["paths"].clear()  # a copy: changing it changes nothing
    assert document._document.cache_info().misses == 1
    assert "/api/search/" in openapi_document()["paths"]


# --- served ------------------------------------------------------------------------------------


def test_schema_is_served_as_json_as_built(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {**openapi_document(), "servers": [{"url": "/"}]}
    assert client.head("/api/schema/").status_code == 200


@pytest.fixture
def stage():
    """Requests as Zappa's /dev stage sends them (the test client sets no script prefix)."""
    set_script_prefix("/dev/")
    yield
    set_script_prefix("/")


def test_schema_under_a_stage_names_the_stage_as_its_server(client, stage):
    served = client.get("/api/schema/").json()
    assert served["servers"] == [{"url": "/dev"}]
    assert set(served["paths"]) == set(openapi_document()["paths"])


def test_schema_and_page_answer_get_and_head_only(client):
    for url in ("/api/", "/api/schema/"):
        response = client.post(url)
        assert response.status_code == 405 and response["Allow"] == "GET, HEAD"


def test_the_page_path_still_imports_no_validator():
    """jsonschema and openapi-spec-validator are for the tests: the site never loads them."""
    import subprocess

    code = (
        "import django, sys; django.setup(); import companies.urls; "
        "from companies.openapi.document import openapi_document; openapi_document(); "
        "print(sorted(m for m in ('jsonschema', 'openapi_spec_validator', 'schemathesis', "
        "'pandas', 'yfinance') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "asxdb_site.settings"},
    )
    assert result.stdout.strip() == "[]"


# --- the page ----------------------------------------------------------------------------------


class PageOutline(HTMLParser):
    """Headings, links and the text inside <main> of a page."""

    def __init__(self):
        super().__init__()
        self.headings, self.links, self._tag, self.text = [], [], None, []

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3"):
            self._tag = tag
            self.headings.append([tag, ""])
        if tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag == self._tag:
            self._tag = None

    def handle_data(self, data):
        self.text.append(data)
        if self._tag:
            self.headings[-1][1] += data


def outline(response) -> PageOutline:
    parser = PageOutline()
    parser.feed(response.content.decode())
    return parser


def test_the_page_lists_every_endpoint_under_its_area(client, site):
    response = client.get("/api/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = outline(response)
    assert page.headings[0] == ["h1", "The ASX DB API"]
    areas = [text for tag, text in page.headings if tag == "h2"]
    assert areas == [tag["name"] for tag in openapi_document()["tags"]]
    endpoints = [text for tag, text in page.headings if tag == "h3"]
    assert endpoints == [
        f"GET {path}" for path, item in openapi_document()["paths"].items() for _ in item
    ]
    assert "/api/schema/" in page.links
    text = " ".join(page.text)
    assert "Accepts: ticker, name, market_cap, listing_date, industry_group, last_updated" in text
    assert "a whole number from 1 to 50; default 10." in text


# The pieces whose examples the `site` fixture has the data for (an area's own tests try its own)
SITE_PIECES = ("directory", "statements", "market", "finding", "meta")


def test_every_example_on_the_page_answers_200(client, site):
    page = outline(client.get("/api/"))
    examples = [
        example
        for name in SITE_PIECES
        for item in importlib.import_module(f"companies.openapi.{name}").PATHS.values()
        for example in item["get"]["x-examples"]
    ]
    assert set(examples) <= set(page.links)
    for url in examples:
        response = client.get(url)  # the contract plugin checks each body against the document
        assert response.status_code == 200, url


def test_the_page_keeps_the_stage_in_its_links(client, site, stage):
    page = outline(client.get("/api/"))
    api_links = [link for link in page.links if "/api/" in link]
    assert api_links and all(link.startswith("/dev/api/") for link in api_links)


def test_the_page_shows_backticked_words_as_code_and_escapes_the_rest(client, site):
    body = client.get("/api/").content.decode()
    assert "<code>next</code>" in body
    assert "`" not in body.split("<main>")[1]


# --- /api/ URLs without a route, and refused requests ------------------------------------------


def test_an_api_url_no_route_takes_is_a_json_404(client, site):
    for url in ("/api/nothing/", "/api/companies/BHP/statements/", "/api/companies/BHP/x/y/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "error": "There is no API endpoint at this address; /api/ lists them."
        }
    assert client.get("/nothing/")["Content-Type"] == "text/html; charset=utf-8"


def test_a_refused_api_request_is_a_json_400_saying_why(client, site):
    response = client.get("/api/companies/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json() == {
        "error": "This site does not answer to the host name the request was sent to."
    }
    query = "&".join(f"p{i}=1" for i in range(1001))
    response = client.get(f"/api/search/?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == "The address has more parameters than any page here takes."


def test_the_api_page_refused_is_the_site_400_page(client, site):
    response = client.get("/api/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "does not answer to the host name" in response.content.decode()


def test_a_nul_in_a_search_says_so(client, site):
    response = client.get("/api/search/", {"q": "bh\x00p"})
    assert response.status_code == 400
    assert response.json() == {"error": "'q' must not hold a NUL character"}
