"""What every piece of the API document shares: the error body, the ticker parameter, the
refused-request answer, and the small helpers the pieces write their operations with.

Schemas are JSON Schema 2020-12, as OpenAPI 3.1 has it: a value that may be missing is
`"type": [..., "null"]`, never OpenAPI 3.0's `nullable`.
"""

from companies.forms import TICKER_PATTERN

JSON = "application/json"
HTML = "text/html"


def ref(name: str) -> dict:
    """A reference to `name` in components/schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """`schema`, or null."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    return {**schema, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}


def text(description: str, **extra) -> dict:
    return {"type": "string", "description": description, **extra}


def date(description: str) -> dict:
    return {"type": "string", "format": "date", "description": description}


def moment(description: str) -> dict:
    return {"type": "string", "format": "date-time", "description": description}


def record(description: str, properties: dict, *, optional: tuple[str, ...] = ()) -> dict:
    """An object with exactly `properties`, each required unless named in `optional`."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def error(description: str) -> dict:
    """A JSON error answer: {"error": "<what was wrong, in one sentence>", ...}."""
    return json_response(description, ref("Error"))


def query(name: str, description: str, schema: dict, **extra) -> dict:
    """An optional query parameter (every parameter of this API is optional)."""
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


# An empty value (`?sort=`, as a form with nothing chosen sends it) takes the default.
EMPTY = {"const": "", "description": "Empty: the default."}


def choice(values, *, default) -> dict:
    """One of `values`, or empty for the default."""
    return {"type": "string", "enum": [*values, ""], "default": default}


def whole_number(*, default, **constraints) -> dict:
    """A whole number within `constraints` (enum, minimum, maximum), or empty for the default."""
    return {"anyOf": [{"type": "integer", **constraints}, EMPTY], "default": default}


REFUSED = (
    "the site refused the request before the API saw it (a host name it does not answer to, "
    "more than 1,000 query parameters)"
)


def refused() -> dict:
    """The 400 of an operation that takes no parameters of its own."""
    return error(f"{REFUSED[0].upper()}{REFUSED[1:]}.")


def bad_request(reason: str) -> dict:
    """The 400 of an operation: `reason` (its own parameters' checks), or a refused request."""
    return error(f"{reason}; or {REFUSED}. `error` says which, in one sentence.")


def unknown_company() -> dict:
    return error(
        "No ASX company has this ticker (listed or delisted): `error` says so and `ticker` "
        "echoes what was asked."
    )


PARAMETERS = {
    "Ticker": {
        "name": "ticker",
        "in": "path",
        "required": True,
        "description": (
            "An ASX code, 1 to 6 letters or digits, in any case (BHP, bhp, 360). A ticker no "
            "company has, or anything else, is a 404."
        ),
        "schema": {"type": "string", "pattern": f"^{TICKER_PATTERN.pattern}$"},
        "examples": {
            "BHP": {"summary": "BHP Group (statements in USD)", "value": "BHP"},
            "CBA": {"summary": "Commonwealth Bank (prices and dividends)", "value": "CBA"},
            "lower case": {"summary": "any case finds the company", "value": "cba"},
        },
    },
}

SCHEMAS = {
    "Error": record(
        "What was wrong with the request, in one sentence; other fields say what it was about.",
        {
            "error": text("One sentence: what was wrong, and what is accepted.", minLength=1),
            "first_page": text("The listing's first page, to start again from (listing 400s)."),
            "ticker": text("The ticker that was asked for (an unknown company's 404)."),
            "statement": text("The statement that was asked for (an unknown statement's 404)."),
        },
        optional=("first_page", "ticker", "statement"),
    ),
}

RESPONSES = {}
