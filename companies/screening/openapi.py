"""The screener's piece of the API document (companies/openapi): a screen's results
(`/api/screener/`) and the metrics a screen can use (`/api/metrics/`), written from the same
vocabularies the views validate with."""

from companies.models import DELISTED, LISTED
from companies.openapi.components import (
    JSON,
    date,
    json_response,
    nullable,
    query,
    record,
    ref,
    refused,
    text,
)
from companies.screening.expression import MAX_LENGTH
from companies.screening.forms import ScreenQuery
from companies.screening.metrics import METRICS, Better, Source, Unit
from companies.screening.selectors import DEFAULT_SORT, ORDERS, PAGE_SIZES, SORTS, STATUSES
from companies.screening.snapshot import WHOLE_DOLLARS

TAG = {
    "name": "Screener",
    "description": "Companies whose figures pass an expression, and the metrics it can use.",
}
CURSOR_MAX = ScreenQuery.base_fields["cursor"].max_length


def _metric_schema(metric) -> dict:
    if metric.unit is Unit.DATE:
        return nullable(date(f"{metric.label} ({metric.period})."))
    if metric.unit is Unit.TEXT:
        return nullable(text(f"{metric.label} ({metric.period})."))
    kind = "integer" if metric.name in WHOLE_DOLLARS else "number"
    unit = {
        Unit.AUD: "A$",
        Unit.PERCENT: "a fraction (0.15 for 15%)",
        Unit.TIMES: "times",
        Unit.COUNT: "a count",
    }[metric.unit]
    return nullable({"type": kind, "description": f"{metric.label}, {unit} ({metric.period})."})


SCREENER = {
    "get": {
        "operationId": "api_screener",
        "tags": [TAG["name"]],
        "summary": "The companies a screen lists, one page at a time",
        "description": (
            "`q` is an expression such as `market_cap > 1b and roe > 15% and debt_to_equity < "
            '0.5` or `industry_group in ("Banks", "Insurance") and not pe > 20`: comparisons '
            "(>, >=, <, <=, =, !=; `in` and `not in` for a list) joined with and, or, not and "
            "parentheses; numbers with k, m, b, t or %; text in quotes (any case); dates as "
            "YYYY-MM-DD. A comparison on a missing figure is unknown and a company is listed "
            "only where the whole expression is true, as in SQL. Money is in A$ (converted at "
            "the period end's exchange rate; missing without one), percentages are fractions. "
            "Served from every company's metrics snapshot in memory: no DynamoDB call when warm."
        ),
        "parameters": [
            query(
                "q",
                f"The screen, at most {MAX_LENGTH} characters. Missing or empty is a 400.",
                {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH},
                example="market_cap > 1b and roe > 15%",
                required=True,
            ),
            query(
                "sort",
                "`ticker`, `name` or a metric's name (default `market_cap`): missing values "
                "last in either order, ties by ticker.",
                {"type": "string", "enum": list(SORTS), "default": DEFAULT_SORT},
            ),
            query(
                "order",
                "`asc` or `desc`; by default text sorts ascending, numbers and dates descending.",
                {"type": "string", "enum": list(ORDERS)},
            ),
            query(
                "size",
                "Companies per page.",
                {"type": "integer", "enum": list(PAGE_SIZES), "default": PAGE_SIZES[0]},
            ),
            query(
                "cursor",
                "Where the page starts: `next` or `previous` of an earlier answer with the same "
                "`q`, `sort`, `order` and `status`. A forged or foreign cursor is a 400.",
                {"type": "string", "maxLength": CURSOR_MAX},
            ),
            query(
                "status",
                "Which companies are screened (default `listed`).",
                {"type": "string", "enum": list(STATUSES), "default": LISTED},
            ),
        ],
        "responses": {
            "200": json_response("One page of the screen's results.", ref("ScreenPage")),
            "400": {
                "description": (
                    "`q` is empty, too long or has a mistake (`error` says where and what was "
                    "expected, `position` is its 1-based character), a parameter is not one "
                    "the screener accepts, or the cursor was not made for this screen; or the "
                    "site refused the request."
                ),
                "content": {JSON: {"schema": ref("ScreenError")}},
            },
        },
        "x-examples": [
            "/api/screener/?q=market_cap+%3E+1b+and+roe+%3E+15%25",
            "/api/screener/?q=industry_group+%3D+%22Materials%22+and+pe+%3C+12&sort=pe&order=asc",
        ],
    }
}

METRIC_LIST = {
    "get": {
        "operationId": "api_metrics",
        "tags": [TAG["name"]],
        "summary": "Every metric a screen can use",
        "responses": {
            "200": json_response("The metrics, in the registry's order.", ref("MetricList")),
            "400": refused(),
        },
        "x-examples": ["/api/metrics/"],
    }
}

PATHS = {"/api/screener/": SCREENER, "/api/metrics/": METRIC_LIST}

SCHEMAS = {
    "ScreenRow": record(
        "A company the screen lists: market cap, every metric the expression uses and the "
        "sort's metric (null where the figure is missing).",
        {
            "ticker": text("The ASX code."),
            "name": text("The company's name as the ASX lists it."),
            "status": {"enum": [LISTED, DELISTED]},
            **{name: _metric_schema(metric) for name, metric in METRICS.items()},
            "reporting_currency": nullable(
                text("The currency its statements report in (their money is shown in A$).")
            ),
        },
        optional=tuple(METRICS),
    ),
    "ScreenPage": record(
        "One page of a screen's results.",
        {
            "query": text("The expression as given."),
            "count": {"type": "integer", "minimum": 0, "description": "Companies listed."},
            "metrics": {
                "type": "array",
                "items": {"enum": list(METRICS)},
                "description": "The metrics the expression uses, in order of appearance.",
            },
            "results": {"type": "array", "items": ref("ScreenRow"), "maxItems": PAGE_SIZES[-1]},
            "next": nullable(text("The cursor of the next page; null on the last.")),
            "previous": nullable(text("The cursor of the previous page; null on the first.")),
        },
    ),
    "ScreenError": record(
        "What was wrong with a screen, in one sentence.",
        {
            "error": text("One sentence: what was wrong, and what is accepted.", minLength=1),
            "position": {
                "type": "integer",
                "minimum": 1,
                "description": "The 1-based character of the expression where the mistake is.",
            },
            "query": text("The expression as given."),
            "first_page": text("The screen's first page (a bad cursor)."),
        },
        optional=("position", "query", "first_page"),
    ),
    "Metric": record(
        "A metric a screen can use.",
        {
            "name": text("What an expression calls it."),
            "label": text("What a page calls it."),
            "unit": {"enum": [unit.value for unit in Unit]},
            "source": {"enum": [source.value for source in Source]},
            "period": text("Which figure: latest FY, latest close, current."),
            "formula": text("How it is worked out."),
            "better": {"enum": [*(b.value for b in Better), None]},
        },
    ),
    "MetricList": record(
        "Every metric.",
        {"metrics": {"type": "array", "items": ref("Metric")}},
    ),
}
