"""Comparing's piece of the API document: 2 to 6 companies side by side (`/api/compare/`)."""

from companies.comparing.api import UNIT_NAMES
from companies.comparing.figures import CHART_METRICS, SECTION_TITLES
from companies.comparing.forms import CURRENCIES, MAX_COMPANIES, MIN_COMPANIES, REPORTED
from companies.models import DELISTED, LISTED
from companies.openapi.components import (
    bad_request,
    date,
    json_response,
    nullable,
    query,
    record,
    ref,
    text,
)
from companies.screening.metrics import Better

TAG = {"name": "Compare", "description": "Companies side by side."}


def _any_case(word: str) -> str:
    """A pattern matching `word` in any case: "AUD" -> "[Aa][Uu][Dd]"."""
    return "".join(f"[{c.upper()}{c.lower()}]" for c in word)


TICKERS = {"type": "array", "items": text("An ASX code."), "maxItems": MAX_COMPANIES}
NUMBER = {"type": "number"}

COMPARE = {
    "get": {
        "operationId": "api_compare",
        "tags": [TAG["name"]],
        "summary": f"{MIN_COMPANIES} to {MAX_COMPANIES} companies side by side",
        "description": (
            "The compare page's figures: for each company its latest financial year and "
            "trailing twelve months (key figures of the metric registry, each period's end, "
            "months and currency), its valuation at the last close, and its annual history of "
            "revenue, net income, free cash flow, net margin and debt to equity. Each row names "
            "its `best` companies where higher or lower is better (all of them on a tie); a "
            "missing value or the multiple of a loss (`loss`) is never best, and a row of money "
            "in more than one currency is not marked (`unmarked` says so). Money is in each "
            "company's reporting currency, or with `currency=AUD` in A$ at the stored rate of "
            "each period end; a value with no rate stays in its own currency (`fx_missing`). "
            "Percentages are fractions (0.146 for 14.6%)."
        ),
        "parameters": [
            query(
                "tickers",
                (
                    f"The companies, {MIN_COMPANIES} to {MAX_COMPANIES}: ASX codes separated by "
                    "commas (or spaces), or the parameter repeated (`tickers=BHP&tickers=RIO`; "
                    "every value counts, unlike other parameters), in any case; duplicates are "
                    "collapsed and the order is kept."
                ),
                {"type": "string"},
                example="BHP,RIO,FMG",
            ),
            query(
                "currency",
                (
                    "`AUD`: money converted into A$ at each period end's rate; `reported` "
                    "(default): each company's money in its own reporting currency. Any case."
                ),
                {
                    "type": "string",
                    "pattern": "^(?:" + "|".join(_any_case(c) for c in CURRENCIES) + ")?$",
                    "default": REPORTED,
                    "examples": list(CURRENCIES),
                },
            ),
        ],
        "responses": {
            "200": json_response(
                "The comparison, companies in the order asked.", ref("Comparison")
            ),
            "400": bad_request(
                "A ticker is not 1 to 6 letters or digits, no company has one of them (`error` "
                f"names them), fewer than {MIN_COMPANIES} or more than {MAX_COMPANIES} different "
                "companies were named, or `currency` is not AUD or reported"
            ),
        },
        "x-examples": [
            "/api/compare/?tickers=BHP,CBA",
            "/api/compare/?tickers=bhp&tickers=cba&currency=AUD",
        ],
    }
}

PATHS = {"/api/compare/": COMPARE}

SCHEMAS = {
    "CompareCompany": record(
        "A company compared.",
        {
            "ticker": text("The ASX code."),
            "name": text("The company's name as the ASX lists it."),
            "status": {"enum": [LISTED, DELISTED]},
            "reporting_currency": nullable(text("The currency its statements report in.")),
            "fetched": {
                "type": "boolean",
                "description": "Whether its statements have been fetched at all.",
            },
        },
    ),
    "ComparePeriod": record(
        "What one company's figures in a section are from.",
        {
            "ticker": text("The ASX code."),
            "end": nullable(date("The period end (for valuation: the last close's day).")),
            "months": nullable({"type": "integer", "description": "The period's real length."}),
            "currency": nullable(text("The currency its money is shown in.")),
            "reported_currency": nullable(text("The currency it reports in.")),
            "fx": nullable(
                record(
                    "The rate its money was converted into A$ at.",
                    {
                        "pair": text("Yahoo's symbol: AUDUSD=X is US dollars per A$."),
                        "rate": NUMBER,
                        "date": date(
                            "The day of the rate (the period end, or up to a week before)."
                        ),
                    },
                )
            ),
            "fx_missing": {
                "type": "boolean",
                "description": "A$ was asked for, but no rate is stored for the period end.",
            },
            "sample": {"type": "boolean", "description": "Bundled sample figures."},
        },
    ),
    "CompareValue": record(
        "One company's figure in a row.",
        {
            "ticker": text("The ASX code."),
            "value": {
                "type": ["number", "string", "null"],
                "description": "Exact; a string for text and dates (ISO); null when missing.",
            },
            "currency": nullable(text("Money only: the currency `value` is in.")),
            "reason": nullable(text("Why there is no value.")),
            "loss": {
                "type": "boolean",
                "description": "A multiple that means nothing for a loss (n/m): never best.",
            },
            "note": nullable(text("Where the figure comes from, where that varies.")),
            "best": {"type": "boolean"},
        },
        optional=("currency",),
    ),
    "CompareRow": record(
        "One metric of the registry across the companies.",
        {
            "metric": text("The registry's name (companies/screening/metrics.py)."),
            "label": text("What the page calls it."),
            "unit": {"enum": sorted(set(UNIT_NAMES.values()))},
            "better": {"enum": [*(b.value for b in Better), None]},
            "formula": text("How it is worked out."),
            "values": {"type": "array", "items": ref("CompareValue")},
            "best": {"type": "array", "items": text("An ASX code.")},
            "unmarked": nullable(text("Why a row that could be marked is not.")),
        },
    ),
    "CompareSection": record(
        "A group of rows with the period each company's figures are from.",
        {
            "key": {"enum": list(SECTION_TITLES)},
            "title": text("The section's heading."),
            "periods": nullable({"type": "array", "items": ref("ComparePeriod")}),
            "rows": {"type": "array", "items": ref("CompareRow")},
        },
    ),
    "CompareSeries": record(
        "One chart's history: a line per company over its annual period ends, oldest first.",
        {
            "label": text("The metric's label."),
            "unit": {"enum": sorted(set(UNIT_NAMES.values()))},
            "companies": {
                "type": "array",
                "items": record(
                    "One company's line.",
                    {
                        "ticker": text("The ASX code."),
                        "currency": nullable(text("Money only: the currency of the values.")),
                        "fx_missing": {
                            "type": "array",
                            "items": date("A year end with no rate: the line stays unconverted."),
                        },
                        "points": {
                            "type": "array",
                            "items": record(
                                "A year.",
                                {"end": date("The year end."), "value": nullable(NUMBER)},
                            ),
                        },
                    },
                ),
            },
        },
    ),
    "Comparison": record(
        "Companies side by side.",
        {
            "tickers": TICKERS,
            "currency": {"enum": list(CURRENCIES)},
            "companies": {"type": "array", "items": ref("CompareCompany")},
            "sections": {"type": "array", "items": ref("CompareSection")},
            "series": record(
                "The charts' histories, by metric.",
                {name: ref("CompareSeries") for name in CHART_METRICS},
            ),
        },
    ),
}
