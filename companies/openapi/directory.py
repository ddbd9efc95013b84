"""The directory's piece of the API document: the listing (`/api/companies/`) and one company
(`/api/companies/{ticker}/`), written from the same vocabularies the views validate with."""

from companies.forms import DirectoryQuery
from companies.models import DELISTED, LISTED
from companies.openapi.components import (
    bad_request,
    choice,
    date,
    json_response,
    moment,
    nullable,
    query,
    record,
    ref,
    refused,
    text,
    unknown_company,
    whole_number,
)
from companies.selectors import PAGE_SIZES, Order, SortKey

TAG = {"name": "Companies", "description": "The directory of ASX companies, and one company."}

CURSOR_MAX = DirectoryQuery.base_fields["cursor"].max_length
MULTIPLES = ("pe", "pb", "ps", "ev_ebitda", "dividend_yield", "fcf_yield")
PROFILE_SCHEMAS = {
    "sector": nullable(text("Yahoo's sector.")),
    "industry": nullable(text("Yahoo's industry.")),
    "summary": nullable(text("What the company does, in Yahoo's words.")),
    "website": nullable(text("The company's website, as Yahoo gives it.")),
    "address": nullable(text("The head office's address, on one line.")),
    "phone": nullable(text("The head office's phone number.")),
    "employees": nullable({"type": "integer", "description": "Full-time employees."}),
}

LISTING = {
    "get": {
        "operationId": "api_company_list",
        "tags": [TAG["name"]],
        "summary": "The directory, one page at a time",
        "description": (
            "Listed companies in `sort` order, one Query on that order's index. A page moves "
            "with `cursor`: pass the `next` or `previous` of an earlier answer with the same "
            "`sort` and `order`. A company without a market cap or listing date comes first "
            "ascending and last descending; ties are in ticker order."
        ),
        "parameters": [
            query(
                "sort",
                "The column to order by.",
                choice((s.value for s in SortKey), default=SortKey.TICKER.value),
            ),
            query(
                "order",
                "Ascending or descending.",
                choice((o.value for o in Order), default=Order.ASC.value),
            ),
            query(
                "size",
                "Companies per page.",
                whole_number(enum=list(PAGE_SIZES), default=PAGE_SIZES[0]),
            ),
            query(
                "cursor",
                (
                    "Where the page starts: `next` or `previous` of an earlier answer with the "
                    "same `sort`, `order` and filters. A forged, truncated or foreign cursor is "
                    "a 400."
                ),
                {"type": "string", "maxLength": CURSOR_MAX},
            ),
            {
                "name": "industry_group",
                "in": "query",
                "description": (
                    "Only companies of this industry group, as the directory names it (any "
                    "case); repeat for several, which match any of them. `none` is the "
                    "companies the ASX gives no group. An unknown group is a 400."
                ),
                "schema": {"type": "array", "items": {"type": "string", "maxLength": 100}},
                "style": "form",
                "explode": True,
            },
            *(
                query(
                    name,
                    (
                        f"The {bound} market cap in A$, inclusive: digits, or a number with "
                        "`k`, `m`, `b` or `t`; commas and a leading `A$` allowed, at most "
                        "`1000t`. Companies with no known market cap are left out."
                    ),
                    {"type": "string", "maxLength": 40, "examples": ["500m", "2b", "1.5t"]},
                )
                for name, bound in (("market_cap_min", "least"), ("market_cap_max", "greatest"))
            ),
            query(
                "status",
                "Listed companies (the default), delisted ones, or all.",
                choice(("listed", "delisted", "all"), default="listed"),
            ),
        ],
        "responses": {
            "200": json_response("One page of the directory.", ref("ListingPage")),
            "400": bad_request(
                "A parameter is not one the listing accepts, or the cursor was not made for "
                "this sort, order and filters; `first_page` is the listing's first page"
            ),
        },
        "x-examples": [
            "/api/companies/",
            "/api/companies/?sort=market_cap&order=desc&size=50",
            "/api/companies/?industry_group=Materials&market_cap_min=1b&sort=market_cap&order=desc",
            "/api/companies/?status=delisted",
        ],
    }
}

COMPANY = {
    "get": {
        "operationId": "api_company_detail",
        "tags": [TAG["name"]],
        "summary": "One company: its header, profile, quote, valuation and refresh state",
        "description": (
            "A listed or delisted company. `quote` is null until its prices are fetched and "
            "`valuation` until its multiples could be worked out; a multiple that cannot be "
            "worked out has a null `value` and a `reason`."
        ),
        "parameters": [{"$ref": "#/components/parameters/Ticker"}],
        "responses": {
            "200": json_response("The company.", ref("Company")),
            "400": refused(),
            "404": unknown_company(),
        },
        "x-examples": ["/api/companies/BHP/"],
    }
}

PATHS = {
    "/api/companies/": LISTING,
    "/api/companies/{ticker}/": COMPANY,
}

SCHEMAS = {
    "ListingRow": record(
        "A company as the listing shows it.",
        {
            "ticker": text("The ASX code."),
            "name": text("The company's name as the ASX lists it."),
            "industry_group": nullable(text("The GICS industry group.")),
            "listing_date": nullable(date("When it listed.")),
            "market_cap": nullable(
                {
                    "type": "integer",
                    "description": "A$: the price-based one where there is one, else the ASX's.",
                }
            ),
            "market_cap_source": {
                "enum": ["price", "directory", None],
                "description": "Which market cap `market_cap` is; null when there is none.",
            },
            "market_cap_date": nullable(date("The close a price-based market cap used.")),
            "last_updated": nullable(moment("The last successful refresh of its fundamentals.")),
            "status": {"enum": [LISTED, DELISTED], "description": "Whether it is still listed."},
        },
    ),
    "ListingPage": record(
        "One page of the directory.",
        {
            "results": {"type": "array", "items": ref("ListingRow")},
            "next": nullable(text("The cursor of the next page; null on the last.")),
            "previous": nullable(text("The cursor of the previous page; null on the first.")),
            "count": {
                "type": "integer",
                "minimum": 0,
                "description": (
                    "Companies matching the filters (every listed company when unfiltered)."
                ),
            },
        },
    ),
    "Refresh": record(
        "Where the company's fundamentals refresh stands.",
        {
            "last_success": nullable(moment("The last refresh that stored figures.")),
            "last_attempt": nullable(moment("The last refresh tried.")),
            "last_outcome": nullable(text('"ok", or what went wrong, in words.')),
            "next_attempt": nullable(moment("When it is due again.")),
        },
    ),
    "Quote": record(
        "The last close and what follows from it, as the prices refresh worked it out.",
        {
            "price": {"type": "number", "description": "The last close."},
            "currency": text("The trading currency (AUD for most)."),
            "date": date("The day of the last close."),
            "previous_close": nullable({"type": "number"}),
            "previous_date": nullable(date("The day of the previous close.")),
            "change_pct": nullable(
                {"type": "number", "description": "The day's change, as a fraction."}
            ),
            "market_cap": nullable({"type": "integer", "description": "Last close × shares."}),
            "market_cap_basis": nullable(text("How the market cap was worked out.")),
            "shares_outstanding": nullable({"type": "integer"}),
            "shares_source": nullable(text("Where the share count came from.")),
            "shares_date": nullable(date("When the share count was taken.")),
        },
    ),
    "ValuationInput": record(
        "One figure a multiple was worked out from.",
        {
            "name": text("What it is, with its basis (TTM, FY, balance sheet)."),
            "value": nullable({"type": "number"}),
            "currency": nullable(text("The figure's currency.")),
            "date": date("The day of a market figure."),
            "period_end": date("The period end of a statement figure."),
            "note": text("How the figure was worked out."),
        },
        optional=("date", "period_end", "note"),
    ),
    "ExchangeRate": record(
        "The rate statement figures were converted at into the price currency.",
        {
            "pair": text("Yahoo's symbol of the pair, e.g. AUDUSD=X."),
            "rate": {"type": "number", "description": "Statement currency per price unit."},
            "date": date("The day of the rate."),
        },
    ),
    "Multiple": record(
        "A valuation multiple with its formula and inputs; `value` is null with a `reason`.",
        {
            "value": nullable({"type": "number", "description": "Yields are fractions."}),
            "formula": text("How it is worked out."),
            "inputs": {"type": "array", "items": ref("ValuationInput")},
            "fx": nullable(ref("ExchangeRate")),
            "reason": nullable(text('Why there is no value, e.g. "negative earnings".')),
        },
    ),
    "Valuation": record(
        "The valuation multiples at the quote's date.",
        {name: ref("Multiple") for name in MULTIPLES},
    ),
    "Company": record(
        "A company's header and profile, with its quote, valuation and refresh state.",
        {
            "ticker": text("The ASX code."),
            "name": text("The company's name as the ASX lists it."),
            "industry_group": nullable(text("The GICS industry group.")),
            "listing_date": nullable(date("When it listed.")),
            "market_cap": nullable({"type": "integer", "description": "A$, the ASX's figure."}),
            "financial_currency": nullable(text("The currency its statements report in.")),
            "status": {"enum": [LISTED, DELISTED], "description": "Listed or delisted."},
            "delisted_on": nullable(moment("When the directory stopped listing it.")),
            "data_source": nullable(text('"yahoo", or "sample" for the bundled sample.')),
            **PROFILE_SCHEMAS,
            "quote": nullable(ref("Quote")),
            "valuation": nullable(ref("Valuation")),
            "refresh": ref("Refresh"),
        },
    ),
}
