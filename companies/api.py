"""JSON API: the same reads as the pages, as data."""

from django.http import JsonResponse

from companies import selectors
from companies.cursors import InvalidCursor
from companies.forms import ALL_LINES, TICKER_PATTERN, DirectoryQuery, StatementQuery
from companies.models import DELISTED, LISTED
from companies.statements.rows import statement_rows
from companies.statements.vocabulary import STATEMENTS

PROFILE_FIELDS = ("sector", "industry", "summary", "website", "address", "phone", "employees")


def _listing_row(row: selectors.ListingRow) -> dict:
    return {
        "ticker": row.ticker,
        "name": row.name,
        "industry_group": row.industry_group,
        "listing_date": row.listing_date.isoformat() if row.listing_date else None,
        "market_cap": row.market_cap,
        "market_cap_source": row.market_cap_source,
        "market_cap_date": row.market_cap_date.isoformat() if row.market_cap_date else None,
        "last_updated": row.last_updated.isoformat() if row.last_updated else None,
        "status": row.status,
    }


def company_list(request):
    """GET /api/companies/: the listing's page as data, with the same parameters as the page
    (sort, order, size, cursor, industry_group repeated, market_cap_min, market_cap_max,
    status); `count` is how many companies match the filters."""
    form = DirectoryQuery(request.GET)
    if not form.is_valid():
        return _error(form.error_summary(), 400, first_page=request.path)
    try:
        page = selectors.company_page(**form.cleaned_data)
    except InvalidCursor as exc:
        return _error(str(exc), 400, first_page=request.path)
    return JsonResponse(
        {
            "results": [_listing_row(row) for row in page.rows],
            "next": page.next_cursor,
            "previous": page.previous_cursor,
            "count": selectors.directory_summary().listed_count
            if page.count is None
            else page.count,
        }
    )


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _unknown_ticker(ticker: str) -> JsonResponse:
    return _error(f"no ASX company has the ticker {ticker!r}", 404, ticker=ticker)


def company_detail(request, ticker):
    """GET /api/companies/<TICKER>/: the header and profile fields, and the refresh state."""
    company = selectors.company_get(ticker=ticker) if TICKER_PATTERN.fullmatch(ticker) else None
    if company is None:
        return _unknown_ticker(ticker)
    profile = company.profile or {}
    return JsonResponse(
        {
            "ticker": company.ticker,
            "name": company.name,
            "industry_group": company.industry_group,
            "listing_date": company.listing_date,
            "market_cap": None if company.market_cap is None else int(company.market_cap),
            "financial_currency": company.financial_currency,
            "status": DELISTED if company.listing_status == DELISTED else LISTED,
            "delisted_on": _iso(company.delisted_on),
            "data_source": company.data_source,
            **{field: profile.get(field) for field in PROFILE_FIELDS},
            "quote": company.quote or None,
            "valuation": company.valuation or None,
            "refresh": {
                "last_success": _iso(company.last_updated),
                "last_attempt": _iso(company.last_attempt),
                "last_outcome": company.last_outcome,
                "next_attempt": _iso(company.next_attempt),
            },
        }
    )


STATEMENT_UNITS = (
    "exact figures in the currency's units (not scaled); per-share figures per share; share "
    "counts in shares; computed rows as plain fractions (0.146 for 14.6%)"
)


def statement_payload(*, company, table: selectors.StatementTable, lines: str) -> dict:
    """A statement as data, its items in the page's layout order: figures exactly as stored
    (no rounding, no scaling), aligned with `periods` (newest first), null where a period has
    no figure. Each item has its `level` (0 for a section total), `subtotal`, and `computed`
    (true for rows ASX DB works out, such as margins, never reported by the company)."""
    return {
        "ticker": company.ticker,
        "statement": table.statement,
        "period": table.period_type,
        "lines": lines,
        "currency": table.currency or company.financial_currency,
        "units": STATEMENT_UNITS,
        "source": company.data_source,
        "periods": [
            {
                "end": p.end.isoformat(),
                "months": p.months,
                "source": p.source,
                "fetched": _iso(p.fetched),
            }
            for p in table.periods
        ],
        "items": [
            {
                "key": row.key,
                "label": row.label,
                "section": row.section,
                "level": row.level,
                "subtotal": row.subtotal,
                "computed": row.computed,
                **({"formula": row.formula} if row.computed else {}),
                "values": row.values,
            }
            for row in statement_rows(table, lines=lines)
        ],
    }


def company_statement(request, ticker, statement):
    """GET /api/companies/<TICKER>/statements/<income|balance|cashflow>/?period=&lines="""
    if statement not in STATEMENTS:
        return _error(
            f"no statement {statement!r}: use one of {', '.join(STATEMENTS)}",
            404,
            statement=statement,
        )
    form = StatementQuery(request.GET, default_lines=ALL_LINES)
    if not form.is_valid():
        return _error(form.error_summary(), 400)
    company = selectors.company_get(ticker=ticker) if TICKER_PATTERN.fullmatch(ticker) else None
    if company is None:
        return _unknown_ticker(ticker)
    table = selectors.company_statement(
        ticker=company.ticker, statement=statement, period_type=form.cleaned_data["period"]
    )
    return JsonResponse(
        statement_payload(company=company, table=table, lines=form.cleaned_data["lines"])
    )
