"""The statements' piece of the API document: one statement of a company, in the page's layout
order (`/api/companies/{ticker}/statements/{statement}/`)."""

from companies.forms import ALL_LINES, LINE_CHOICES
from companies.openapi.components import (
    bad_request,
    choice,
    date,
    error,
    json_response,
    moment,
    nullable,
    query,
    record,
    ref,
    text,
)
from companies.statements.vocabulary import DEFAULT_PERIOD, PERIOD_TYPES, STATEMENTS

TAG = {"name": "Statements", "description": "Income statement, balance sheet and cash flow."}

STATEMENT = {
    "get": {
        "operationId": "api_company_statement",
        "tags": [TAG["name"]],
        "summary": "One statement of a company, every period stored, in the page's layout",
        "description": (
            "Figures exactly as stored (not rounded, not scaled), each item's `values` aligned "
            "with `periods` (newest first), null where a period has no figure. Computed rows "
            "(margins, growth) carry `computed: true` and their `formula`, and are fractions. "
            "A company with nothing stored has empty `periods` and `items`."
        ),
        "parameters": [
            {"$ref": "#/components/parameters/Ticker"},
            {
                "name": "statement",
                "in": "path",
                "required": True,
                "description": "Which statement; any other is a 404.",
                "schema": {"type": "string", "enum": list(STATEMENTS)},
            },
            query(
                "period",
                "Annual, quarterly (half-years where that is what the company reports) or TTM.",
                choice(PERIOD_TYPES, default=DEFAULT_PERIOD),
            ),
            query(
                "lines",
                "`all`: every line Yahoo gave; `key`: the layout's key lines.",
                choice(LINE_CHOICES, default=ALL_LINES),
            ),
        ],
        "responses": {
            "200": json_response("The statement.", ref("Statement")),
            "400": bad_request("`period` or `lines` is not one of those accepted"),
            "404": error(
                "No ASX company has this ticker (`ticker` echoes it), or there is no such "
                "statement (`statement` echoes it)."
            ),
        },
        "x-examples": [
            "/api/companies/BHP/statements/income/",
            "/api/companies/BHP/statements/balance/?period=quarterly&lines=key",
        ],
    }
}

PATHS = {"/api/companies/{ticker}/statements/{statement}/": STATEMENT}

FIGURE = nullable({"type": "number"})

SCHEMAS = {
    "StatementPeriod": record(
        "One period of the statement.",
        {
            "end": date("The period end."),
            "months": {"type": "integer", "minimum": 1, "description": "Its real length."},
            "source": text('"yahoo", or "sample" for the bundled sample.'),
            "fetched": nullable(moment("The last fetch that returned this period.")),
        },
    ),
    "StatementItem": {
        **record(
            "One line: reported by the company, or computed (`formula`) by ASX DB.",
            {
                "key": text("Yahoo's line-item key, or a computed row's name."),
                "label": text("The line as readers see it."),
                "section": text("The layout section it belongs to."),
                "level": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "0 for a section total or a line of its own; 1 and more "
                    "for its parts.",
                },
                "subtotal": {"type": "boolean"},
                "computed": {"type": "boolean"},
                "formula": text("How a computed row is worked out."),
                "values": {"type": "array", "items": FIGURE},
            },
            optional=("formula",),
        ),
        # `formula` is there exactly when the row is computed
        "if": {"properties": {"computed": {"const": True}}},
        "then": {"required": ["formula"]},
        "else": {"not": {"required": ["formula"]}},
    },
    "Statement": record(
        "A statement as data.",
        {
            "ticker": text("The ASX code."),
            "statement": {"enum": list(STATEMENTS)},
            "period": {"enum": list(PERIOD_TYPES)},
            "lines": {"enum": list(LINE_CHOICES)},
            "currency": nullable(text("The currency the figures are in.")),
            "units": text("The units of the figures."),
            "source": nullable(text('"yahoo", or "sample" for the bundled sample.')),
            "periods": {"type": "array", "items": ref("StatementPeriod")},
            "items": {"type": "array", "items": ref("StatementItem")},
        },
    ),
}
