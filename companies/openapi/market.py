"""The market side's piece of the API document: a company's prices over a range
(`/api/companies/{ticker}/prices/`) and its dividends and splits (`.../dividends/`)."""

from companies.market.presenters import CLOSES
from companies.market.selectors import BAR_FIELDS, DEFAULT_RANGE, PRICE_RANGES
from companies.openapi.components import (
    bad_request,
    choice,
    date,
    json_response,
    nullable,
    query,
    record,
    ref,
    refused,
    text,
    unknown_company,
)

TAG = {"name": "Market", "description": "Daily prices, dividends and splits."}

PRICES = {
    "get": {
        "operationId": "api_company_prices",
        "tags": [TAG["name"]],
        "summary": "A company's price bars over a chart range, oldest first",
        "description": (
            "Daily bars up to `1y`, the weekly series for `5y` and the monthly one for `max`, "
            "each a real day's bar, exactly as Yahoo gave them: `close` adjusted for splits "
            "only, `adj_close` for splits and dividends, null in a hole. A company whose prices "
            "were never fetched has no bars."
        ),
        "parameters": [
            {"$ref": "#/components/parameters/Ticker"},
            query(
                "range",
                "How far back from the newest bar.",
                choice(PRICE_RANGES, default=DEFAULT_RANGE),
            ),
            query(
                "close",
                (
                    "The company page's choice of close; every bar carries both, so it changes "
                    "nothing here, but a value other than these is a 400."
                ),
                choice(CLOSES, default="traded"),
            ),
        ],
        "responses": {
            "200": json_response("The bars of the range.", ref("Prices")),
            "400": bad_request("`range` or `close` is not one of those accepted"),
            "404": unknown_company(),
        },
        "x-examples": [
            "/api/companies/CBA/prices/?range=1m",
            "/api/companies/CBA/prices/?range=max",
        ],
    }
}

DIVIDENDS = {
    "get": {
        "operationId": "api_company_dividends",
        "tags": [TAG["name"]],
        "summary": "A company's dividends (newest first) and splits",
        "description": (
            "Each dividend's ex-date and amount per share in the trading currency, the "
            "trailing-twelve-month total per share at the newest stored bar, and the splits. "
            "`franking` is null: Yahoo does not give it, and ASX DB never guesses it."
        ),
        "parameters": [{"$ref": "#/components/parameters/Ticker"}],
        "responses": {
            "200": json_response("The dividends and splits.", ref("Dividends")),
            "400": refused(),
            "404": unknown_company(),
        },
        "x-examples": ["/api/companies/CBA/dividends/"],
    }
}

PATHS = {
    "/api/companies/{ticker}/prices/": PRICES,
    "/api/companies/{ticker}/dividends/": DIVIDENDS,
}

PRICE = nullable({"type": "number"})
BAR_SCHEMAS = {
    "date": date("The trading day."),
    "open": PRICE,
    "high": PRICE,
    "low": PRICE,
    "close": {**PRICE, "description": "Adjusted for splits only."},
    "adj_close": {**PRICE, "description": "Adjusted for splits and dividends."},
    "volume": nullable({"type": "integer", "minimum": 0}),
}

SCHEMAS = {
    "Bar": record("One day's bar.", {field: BAR_SCHEMAS[field] for field in BAR_FIELDS}),
    "Prices": record(
        "A company's bars over a range.",
        {
            "ticker": text("The ASX code."),
            "currency": nullable(text("The trading currency; null without prices.")),
            "range": {"enum": list(PRICE_RANGES)},
            "interval": {"enum": sorted({r.interval for r in PRICE_RANGES.values()})},
            "prices": {"type": "array", "items": ref("Bar")},
        },
    ),
    "Dividend": record(
        "One dividend.",
        {
            "ex_date": date("The ex-dividend date."),
            "amount": {"type": "number", "description": "Per share, in the trading currency."},
        },
    ),
    "Split": record(
        "One share split.",
        {
            "date": date("The day it took effect."),
            "ratio": {"type": "number", "description": "New shares per old (2.0 for 2:1)."},
        },
    ),
    "Dividends": record(
        "A company's dividends and splits.",
        {
            "ticker": text("The ASX code."),
            "currency": nullable(text("The trading currency; null without prices.")),
            "dividends": {"type": "array", "items": ref("Dividend")},
            "ttm_per_share": nullable(
                {
                    "type": "number",
                    "description": "Dividends per share with an ex-date in the 365 days to the "
                    "newest stored bar; null without prices.",
                }
            ),
            "splits": {"type": "array", "items": ref("Split")},
            "franking": {"type": "null", "description": "Yahoo does not give franking."},
        },
    ),
}
