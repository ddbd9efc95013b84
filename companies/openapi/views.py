"""The API's document as JSON (`/api/schema/`) and the page that introduces it to people
(`/api/`), both read from the one document the pieces build."""

import functools
import json
import re

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from companies.openapi.document import openapi_document, operations


def api_schema(request):
    """`GET /api/schema/`: the OpenAPI 3.1 document, its server the site's own prefix (a
    Zappa stage such as /dev/ is kept)."""
    return HttpResponse(_document_json(get_script_prefix()), content_type="application/json")


def api_index(request):
    """`GET /api/`: every endpoint with what it gives, its parameters, answers and examples."""
    return render(request, "api/index.html", {"groups": _groups(get_script_prefix())})


@functools.cache
def _document_json(prefix: str) -> bytes:
    document = openapi_document()
    document["servers"] = [{"url": prefix.rstrip("/") or "/"}]
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


@functools.cache
def _groups(prefix: str) -> list[dict]:
    """The operations by tag, as the page lists them."""
    document = openapi_document()
    parameters = document["components"].get("parameters", {})
    groups = {tag["name"]: {**tag, "endpoints": []} for tag in document.get("tags", [])}
    for entry in operations():
        operation = entry["operation"]
        group = groups.setdefault(entry["tag"], {"name": entry["tag"], "endpoints": []})
        group["endpoints"].append(
            {
                "method": entry["method"].upper(),
                "path": entry["path"],
                "id": operation["operationId"],
                "summary": operation.get("summary", ""),
                "description": _prose(operation.get("description", "")),
                "parameters": [
                    _parameter(parameters[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p)
                    for p in operation.get("parameters", [])
                ],
                "responses": [
                    {"status": status, "description": _prose(response.get("description", ""))}
                    for status, response in operation.get("responses", {}).items()
                ],
                "examples": [
                    {"path": example, "url": prefix.rstrip("/") + example}
                    for example in operation.get("x-examples", [])
                ],
            }
        )
    return list(groups.values())


def _parameter(parameter: dict) -> dict:
    schema = parameter.get("schema", {})
    return {
        "name": parameter["name"],
        "where": "in the path" if parameter["in"] == "path" else "query",
        "accepts": _accepts(schema),
        "default": schema.get("default"),
        "description": _prose(parameter.get("description", "")),
    }


_CODE = re.compile(r"`([^`]+)`")


def _prose(text: str) -> SafeString:
    """The document's text as HTML: escaped, with `backticked` words as code."""
    return mark_safe(_CODE.sub(r"<code>\1</code>", escape(text)))


def _accepts(schema: dict) -> str:
    """What a parameter's schema accepts, in a few words (an empty value is always the
    default, and the page says so once)."""
    schema = next((s for s in schema.get("anyOf", []) if s.get("const") != ""), schema)
    if "enum" in schema:
        return ", ".join(str(value) for value in schema["enum"] if value != "")
    if schema.get("type") == "integer" and "minimum" in schema:
        return f"a whole number from {schema['minimum']} to {schema['maximum']}"
    if "maxLength" in schema:
        return f"text, at most {schema['maxLength']:,} characters"
    return "text"
