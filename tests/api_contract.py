"""A pytest plugin (tests/conftest.py loads it): every /api/ response the suite gets is checked
against the OpenAPI document (companies/openapi), whichever test made it — through Django's
test client, or from a live server thread of the integration and browser tests.

For each response under /api/ that a route answered:
- the route's URL name must be the `operationId` of a documented operation: an endpoint without
  one fails loudly, naming what to add;
- a method the path does not document must get a 405 with an `Allow` header (HEAD is GET's);
- the status must be one the operation documents, the content type one documented for that
  status, and the body must validate against its JSON Schema (2020-12, formats checked).

It wraps `BaseHandler.get_response`, which both the test client's handler and the WSGI handler
of a live server call, so it sees the response as the site sent it (before the test client
drops a HEAD's body). A broken contract fails the test at the call that made the request; one
seen on a server thread fails the test that was running, at its teardown. The bodies are
checked with jsonschema (the library openapi-spec-validator and Schemathesis build on, and the
reference implementation of JSON Schema 2020-12), against the document itself, $refs and all.
"""

import json
import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest

API_PREFIX = "/api/"
DOCUMENT_URI = "urn:asxdb:openapi"
PIECES_HINT = "describe it in a piece of companies/openapi (see companies/openapi/document.py)"


class ContractViolation(AssertionError):
    """An /api/ response the OpenAPI document does not describe."""


def _pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


@dataclass
class Contract:
    """The document's operations by operationId, and the checks of one response."""

    document: dict
    checked: Counter = field(default_factory=Counter)

    def __post_init__(self):
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        self.paths = {}  # operationId -> path template
        for path, item in self.document["paths"].items():
            for operation in item.values():
                self.paths[operation["operationId"]] = path
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self._registry = Registry().with_resource(DOCUMENT_URI, resource)
        self._validator_class = Draft202012Validator
        self._validators = {}

    def problems(
        self, *, method: str, url_name: str | None, status: int, headers, body: bytes
    ) -> list[str]:
        """What is wrong with one response of the route named `url_name` (empty: nothing)."""
        if url_name not in self.paths:
            return [
                f"the route {url_name!r} has no operation in the OpenAPI document "
                f"(no operationId {url_name!r}): {PIECES_HINT}"
            ]
        path = self.paths[url_name]
        item = self.document["paths"][path]
        verb = "get" if method == "HEAD" else method.lower()
        if verb not in item:
            if status == 405 and headers.get("Allow"):
                return []
            return [
                f"{method} is not documented for {path}, so it must be a 405 with an Allow "
                f"header, not a {status}"
            ]
        self.checked[f"{verb.upper()} {path}"] += 1
        if status == 304 and verb == "get":  # HTTP's answer to a conditional GET: no body
            return [] if not body else ["a 304 carries no body, but one was sent"]
        responses = item[verb]["responses"]
        documented = next(
            (key for key in (str(status), f"{str(status)[0]}XX", "default") if key in responses),
            None,
        )
        if documented is None:
            return [f"status {status} is not documented for {verb.upper()} {path}"]
        content = responses[documented].get("content")
        media_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if not content:
            return [] if not body else [f"{status} documents no body, but one was sent"]
        if media_type not in content:
            return [
                f"{status} of {verb.upper()} {path} is {media_type or 'untyped'}, not one of "
                f"{', '.join(content)}"
            ]
        try:
            instance = json.loads(body) if media_type == "application/json" else body.decode()
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return [f"{status} of {verb.upper()} {path} is not {media_type}: {exc}"]
        pointer = _pointer("paths", path, verb, "responses", documented, "content", media_type)
        validator = self._validator(f"{pointer}/schema")
        return [
            f"{status} of {verb.upper()} {path}: at {error.json_path}: {error.message}"
            for error in sorted(validator.iter_errors(instance), key=lambda e: e.json_path)[:5]
        ]

    def _validator(self, pointer: str):
        if pointer not in self._validators:
            self._validators[pointer] = self._validator_class(
                {"$ref": f"{DOCUMENT_URI}#{pointer}"},
                registry=self._registry,
                format_checker=self._validator_class.FORMAT_CHECKER,
            )
        return self._validators[pointer]


_contract: Contract | None = None
_lock = threading.Lock()
_pending: list[str] = []  # violations seen on other threads, for the running test to report
_original_get_response = None


def contract() -> Contract:
    global _contract
    with _lock:
        if _contract is None:
            from companies.openapi.document import openapi_document

            _contract = Contract(openapi_document())
        return _contract


def _url_name(request) -> tuple[bool, str | None]:
    """(whether a route answers the path, that route's name)."""
    from django.urls import Resolver404, resolve

    match = request.resolver_match
    if match is None:
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return False, None
    return True, match.url_name


def _decoded(response) -> bytes:
    """The body as the client reads it, gzip or brotli undone (asxdb_site/http_caching.py)."""
    if response.streaming:
        return b""
    encoding = response.headers.get("Content-Encoding")
    if encoding == "gzip":
        import gzip

        return gzip.decompress(response.content)
    if encoding == "br":
        import brotli

        return brotli.decompress(response.content)
    return response.content


def check_response(request, response) -> None:
    """Raises ContractViolation when `response` to `request` breaks the document (on the test's
    own thread; on another, the violation waits for the test's teardown)."""
    if not request.path_info.startswith(API_PREFIX):
        return
    routed, url_name = _url_name(request)
    if not routed:
        return  # no route, so no operation: the site's JSON 404
    body = _decoded(response)
    found = contract().problems(
        method=request.method,
        url_name=url_name,
        status=response.status_code,
        headers=response.headers,
        body=body,
    )
    if not found:
        return
    message = f"{request.method} {request.get_full_path()[:300]} broke the API contract:\n" + (
        "\n".join(f"  - {problem}" for problem in found)
    )
    if threading.current_thread() is threading.main_thread():
        raise ContractViolation(message)
    with _lock:
        _pending.append(message)


def _checked_get_response(self, request):
    response = _original_get_response(self, request)
    check_response(request, response)
    return response


def pytest_configure(config):
    global _original_get_response
    from django.core.handlers.base import BaseHandler

    _original_get_response = BaseHandler.get_response
    BaseHandler.get_response = _checked_get_response


def pytest_unconfigure(config):
    from django.core.handlers.base import BaseHandler

    if _original_get_response is not None:
        BaseHandler.get_response = _original_get_response


@pytest.fixture(autouse=True)
def _api_contract_on_server_threads():
    """Fails the test during which a live server thread sent an /api/ response that broke the
    document."""
    with _lock:
        _pending.clear()
    yield
    with _lock:
        seen, _pending[:] = list(_pending), []
    if seen:
        pytest.fail("\n".join(seen), pytrace=False)


def pytest_terminal_summary(terminalreporter):
    if _contract is not None and _contract.checked:
        total = sum(_contract.checked.values())
        terminalreporter.write_line(
            f"API contract: {total} /api/ responses checked against the OpenAPI document, "
            f"over {len(_contract.checked)} of {len(_contract.paths)} operations"
        )
