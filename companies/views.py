"""HTML pages: parse the request, call a selector, render a template."""

from django.shortcuts import redirect, render
from django.urls import reverse

from companies import selectors
from companies.cursors import InvalidCursor
from companies.forms import TICKER_PATTERN, DirectoryQuery


def home(request):
    return render(request, "companies/home.html", {"summary": selectors.directory_summary()})


def company_list(request):
    form = DirectoryQuery(request.GET)
    context = {"summary": selectors.directory_summary(), "first_page": reverse("company_list")}
    if not form.is_valid():
        context["error"] = form.error_summary()
        return render(request, "companies/company_list.html", context, status=400)
    query = form.cleaned_data
    try:
        page = selectors.company_page(**query)
    except InvalidCursor as exc:
        context["error"] = str(exc)
        return render(request, "companies/company_list.html", context, status=400)
    context.update(
        {
            "page": page,
            "query": query,
            "columns": _columns(query),
            "sort_title": COLUMN_TITLES[query["sort"]],
            "page_sizes": selectors.PAGE_SIZES,
        }
    )
    return render(request, "companies/company_list.html", context)


COLUMN_TITLES = {
    "ticker": "Ticker",
    "name": "Company",
    "industry_group": "GICS industry group",
    "listing_date": "Listed",
    "market_cap": "Market cap",
    "last_updated": "Last updated",
}
# The first click on these columns shows the biggest or newest first.
DESCENDING_FIRST = {"market_cap", "listing_date", "last_updated"}


def _columns(query) -> list[dict]:
    columns = []
    for key, title in COLUMN_TITLES.items():
        active = query["sort"] == key
        if active:
            next_order = "desc" if query["order"] == "asc" else "asc"
        else:
            next_order = "desc" if key in DESCENDING_FIRST else "asc"
        columns.append(
            {
                "key": key,
                "title": title,
                "active": active,
                "order": query["order"] if active else None,
                "link_order": next_order,
            }
        )
    return columns


def company_detail(request, ticker):
    if not TICKER_PATTERN.match(ticker):
        return _company_not_found(request, ticker)
    if ticker != ticker.upper():
        return redirect("company_detail", ticker=ticker.upper(), permanent=True)
    company = selectors.company_get(ticker=ticker)
    if company is None:
        return _company_not_found(request, ticker)
    return render(request, "companies/company_detail.html", {"company": company})


def _company_not_found(request, ticker):
    matches = selectors.company_near_matches(query=ticker[:6]) if ticker else []
    return render(request, "404.html", {"query": ticker, "matches": matches}, status=404)


def search(request):
    """The ticker box: straight to the company when the ticker exists, else near matches."""
    query = request.GET.get("q", "").strip()
    if TICKER_PATTERN.match(query) and selectors.company_get(ticker=query):
        return redirect("company_detail", ticker=query.upper())
    matches = selectors.company_near_matches(query=query[:60])
    return render(request, "companies/search.html", {"query": query, "matches": matches})


def not_found(request, exception=None):
    return render(request, "404.html", {"query": "", "matches": []}, status=404)
