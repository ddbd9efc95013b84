"""The builder that joins the pieces into one OpenAPI 3.1 document, once per process."""

import copy
import functools
import importlib

from companies.openapi import components

# The pieces, in the order the document and the /api/ page list them. A piece may live in any
# package (its area's own, for one being written): add its module here.
PIECES = (
    "companies.openapi.directory",
    "companies.openapi.statements",
    "companies.openapi.market",
    "companies.openapi.finding",
    "companies.comparing.openapi",
    "companies.screening.openapi",
    "companies.openapi.meta",
)
COMPONENT_KINDS = {"SCHEMAS": "schemas", "PARAMETERS": "parameters", "RESPONSES": "responses"}
OPENAPI_VERSION = "3.1.1"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

INFO = {
    "title": "ASX DB",
    "version": "1",
    "summary": "Fundamentals and market data of every company listed on the ASX.",
    "description": (
        "Read-only JSON: every operation answers GET and HEAD, and any other method is a 405 "
        "with an `Allow` header. A wrong parameter is a 400 and an unknown company or "
        "statement a 404, each a JSON body whose `error` says what was wrong in one sentence. "
        "A parameter left empty takes its default, one not described here is ignored, and of "
        "one repeated the last counts."
    ),
}


class PieceConflict(ValueError):
    """Two pieces describe the same path, component or tag."""


def _merge(into: dict, new: dict, *, what: str, piece: str) -> None:
    for name, value in new.items():
        if name in into:
            raise PieceConflict(f"{piece} describes {what} {name!r}, which another piece has")
        into[name] = value


def build(pieces=PIECES) -> dict:
    """A fresh document of `pieces` (module names). Raises PieceConflict when two describe the
    same path, tag or component."""
    components_by_kind = {
        "schemas": dict(components.SCHEMAS),
        "parameters": dict(components.PARAMETERS),
        "responses": dict(components.RESPONSES),
    }
    paths, tags = {}, {}
    for name in pieces:
        piece = importlib.import_module(name)
        _merge(tags, {piece.TAG["name"]: piece.TAG}, what="tag", piece=name)
        _merge(paths, piece.PATHS, what="path", piece=name)
        for attribute, kind in COMPONENT_KINDS.items():
            _merge(
                components_by_kind[kind],
                getattr(piece, attribute, {}),
                what=kind[:-1],
                piece=name,
            )
    return copy.deepcopy(
        {
            "openapi": OPENAPI_VERSION,
            "jsonSchemaDialect": JSON_SCHEMA_DIALECT,
            "info": INFO,
            "tags": list(tags.values()),
            "paths": paths,
            "components": {kind: found for kind, found in components_by_kind.items() if found},
        }
    )


@functools.cache
def _document() -> dict:
    return build()


def openapi_document() -> dict:
    """The document of every piece, built once per process (a copy: change it freely)."""
    return copy.deepcopy(_document())


def operations() -> list[dict]:
    """Every operation, in document order: {"method", "path", "tag", "operation"} (shared with
    the cached document: read, do not change)."""
    return [
        {
            "method": method,
            "path": path,
            "tag": (operation.get("tags") or ["Other"])[0],
            "operation": operation,
        }
        for path, item in _document()["paths"].items()
        for method, operation in item.items()
    ]
