"""Finding companies' piece of the API document: search as you type (`/api/search/`)."""

from companies.finding.search import MATCHES, MAX_QUERY, RESULTS, SUGGESTIONS
from companies.models import DELISTED, LISTED
from companies.openapi.components import (
    bad_request,
    json_response,
    nullable,
    query,
    record,
    ref,
    text,
    whole_number,
)

TAG = {"name": "Search", "description": "Finding companies by ticker or name."}

SEARCH = {
    "get": {
        "operationId": "api_search",
        "tags": [TAG["name"]],
        "summary": "Companies matching a ticker or name, best first",
        "description": (
            "Served from an in-memory index of the whole directory, listed and delisted: the "
            "exact ticker, then tickers starting with the text, then names with a word starting "
            "with it, then names containing it; ties by market cap, largest first. Case, "
            "accents and punctuation do not matter. A blank `q` finds nothing."
        ),
        "parameters": [
            query(
                "q",
                f"What was typed: at most {MAX_QUERY} characters, surrounding spaces ignored.",
                # a NUL is refused as Django's forms refuse it everywhere
                {"type": "string", "maxLength": MAX_QUERY, "pattern": "^[^\\x00]*$"},
                example="bhp",
            ),
            query(
                "limit",
                "How many results at most.",
                whole_number(minimum=1, maximum=RESULTS, default=SUGGESTIONS),
            ),
        ],
        "responses": {
            "200": json_response("The matches, best first.", ref("SearchResults")),
            "400": bad_request(
                f"`q` is longer than {MAX_QUERY} characters or holds a NUL, or `limit` is not a "
                f"whole number from 1 to {RESULTS}"
            ),
        },
        "x-examples": ["/api/search/?q=bh", "/api/search/?q=bank&limit=50"],
    }
}

PATHS = {"/api/search/": SEARCH}

SCHEMAS = {
    "SearchHit": record(
        "A company that matched.",
        {
            "ticker": text("The ASX code."),
            "name": text("The company's name as the ASX lists it."),
            "industry_group": nullable(text("The GICS industry group.")),
            "market_cap": nullable(
                {
                    "type": "integer",
                    "description": "A$: the price-based one where there is one, else the ASX's.",
                }
            ),
            "status": {"enum": [LISTED, DELISTED]},
            "match": {"enum": list(MATCHES), "description": "How it matched, best first."},
        },
    ),
    "SearchResults": record(
        "The matches of one query.",
        {
            "query": text("The query as searched (surrounding spaces removed)."),
            "results": {"type": "array", "items": ref("SearchHit"), "maxItems": RESULTS},
        },
    ),
}
