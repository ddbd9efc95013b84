"""JSON API: the same reads as the pages, as data."""

from django.http import JsonResponse

from companies import selectors
from companies.cursors import InvalidCursor
from companies.forms import DirectoryQuery


def _listing_row(row: selectors.ListingRow) -> dict:
    return {
        "ticker": row.ticker,
        "name": row.name,
        "industry_group": row.industry_group,
        "listing_date": row.listing_date.isoformat() if row.listing_date else None,
        "market_cap": row.market_cap,
        "last_updated": row.last_updated.isoformat() if row.last_updated else None,
    }


def company_list(request):
    form = DirectoryQuery(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": form.error_summary(), "first_page": request.path}, status=400)
    try:
        page = selectors.company_page(**form.cleaned_data)
    except InvalidCursor as exc:
        return JsonResponse({"error": str(exc), "first_page": request.path}, status=400)
    return JsonResponse(
        {
            "results": [_listing_row(row) for row in page.rows],
            "next": page.next_cursor,
            "previous": page.previous_cursor,
            "count": selectors.directory_summary().listed_count,
        }
    )
