"""The API's own piece of the document: this document (`/api/schema/`) and the page that
introduces the API to people (`/api/`)."""

from companies.openapi.components import HTML, json_response, refused

TAG = {"name": "About the API", "description": "This document, and the page for people."}

PATHS = {
    "/api/": {
        "get": {
            "operationId": "api_index",
            "tags": [TAG["name"]],
            "summary": "A page for people: every endpoint with an example",
            "responses": {
                "200": {
                    "description": "The page.",
                    "content": {HTML: {"schema": {"type": "string"}}},
                },
                "400": {
                    "description": "The site's 400 page: it refused the request (a host name "
                    "it does not answer to, more than 1,000 query parameters).",
                    "content": {HTML: {"schema": {"type": "string"}}},
                },
            },
            "x-examples": ["/api/"],
        }
    },
    "/api/schema/": {
        "get": {
            "operationId": "api_schema",
            "tags": [TAG["name"]],
            "summary": "This document: the API's OpenAPI 3.1 description",
            "responses": {
                "200": json_response(
                    "The OpenAPI document.",
                    {
                        "type": "object",
                        "required": ["openapi", "info", "paths", "components"],
                        "properties": {"openapi": {"type": "string", "pattern": "^3\\.1\\."}},
                    },
                ),
                "400": refused(),
            },
            "x-examples": ["/api/schema/"],
        }
    },
}
