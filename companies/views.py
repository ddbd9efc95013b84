"""HTML pages: parse the request, call a selector, render a template."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse

from companies import api, presenters, selectors
from companies.cursors import InvalidCursor
from companies.finding.search import SUGGESTIONS, directory_index, directory_index_if_fresh
from companies.forms import (
    ALL_LINES,
    TICKER_PATTERN,
    DirectoryQuery,
    StatementQuery,
    filter_params,
)
from companies.market import presenters as market_presenters
from companies.market.forms import PriceQuery
from companies.selectors import ListingStatus
from companies.statements.vocabulary import DEFAULT_PERIOD, STATEMENTS
from companies.templatetags.figures import aud


def home(request):
    summary = selectors.directory_summary()
    context = {
        "summary": summary,
        "last_refreshed": summary.fundamentals_refreshed,
        "directory": summary,  # the banner's, so the page is one read even with no cache
    }
    return render(request, "companies/home.html", context)


def company_list(request):
    form = DirectoryQuery(request.GET)
    context = {"first_page": reverse("company_list")}
    if not form.is_valid():
        context["error"] = form.error_summary()
        return render(request, "companies/company_list.html", context, status=400)
    query = form.cleaned_data
    filters = query["filters"]
    filter_query = urlencode(filter_params(filters))
    try:
        page = selectors.company_page(**query)
    except InvalidCursor as exc:
        context["error"] = str(exc)
        # the first page of the same sort and filters
        first = {"sort": query["sort"], "order": query["order"], "size": query["size"]}
        context["first_page"] += "?" + "&".join(filter(None, [urlencode(first), filter_query]))
        return render(request, "companies/company_list.html", context, status=400)
    context.update(
        {
            "page": page,
            "query": query,
            "filters": filters,
            "filter_query": filter_query,
            "facets": selectors.listing_facets(filters=filters),
            "applied": _applied_filters(filters),
            "filter_values": {
                name: request.GET.get(name, "").strip()
                for name in ("market_cap_min", "market_cap_max")
            },
            "statuses": STATUS_TITLES,
            "compare_url": get_script_prefix() + COMPARE_PATH,
            "columns": _columns(query),
            "sort_title": COLUMN_TITLES[query["sort"]],
            "page_sizes": selectors.PAGE_SIZES,
            # the rendered rows are cached as long as the page they show
            "listing_cache_seconds": settings.LISTING_CACHE_SECONDS,
        }
    )
    return render(request, "companies/company_list.html", context)


# The listing's "Compare selected" form sends its ticked rows here as ?tickers=A&tickers=B.
COMPARE_PATH = "compare/"
STATUS_TITLES = {
    ListingStatus.LISTED: "Listed",
    ListingStatus.DELISTED: "Delisted",
    ListingStatus.ALL: "Listed and delisted",
}


def _applied_filters(filters: selectors.ListingFilters) -> list[str]:
    """The filters in words, for the line above the table ([] when there are none)."""
    applied = []
    names = [group for group in filters.industry_groups if group != selectors.NO_GROUP]
    groups = ["industry group " + " or ".join(names)] if names else []
    if selectors.NO_GROUP in filters.industry_groups:
        groups.append("no industry group")
    if groups:
        applied.append(", or ".join(groups))
    low, high = filters.market_cap_min, filters.market_cap_max
    if low is not None and high is not None:
        applied.append(f"market cap {aud(low)} to {aud(high)}")
    elif low is not None:
        applied.append(f"market cap at least {aud(low)}")
    elif high is not None:
        applied.append(f"market cap at most {aud(high)}")
    if filters.status is not ListingStatus.LISTED:
        applied.append(f"{STATUS_TITLES[filters.status].lower()} companies")
    return applied


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
    """A company's page, opening on its income statement."""
    return _company_page(request, ticker, statement="income")


def company_statement(request, ticker, statement):
    """A company's page on one statement tab: /companies/<TICKER>/<income|balance|cashflow>/."""
    if statement not in STATEMENTS:
        return not_found(request)
    return _company_page(request, ticker, statement=statement)


def company_statement_csv(request, ticker, statement):
    """One statement as CSV: every reported line, figures exactly as stored."""
    found = _statement_download(request, ticker, statement)
    if isinstance(found, HttpResponse):
        return found
    company, table, _ = found
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = presenters.statement_filename(company=company, table=table, extension="csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    presenters.write_statement_csv(response, table=table)
    return response


def company_statement_json(request, ticker, statement):
    """One statement as JSON, in the API's shape (GET /api/companies/<TICKER>/statements/...)."""
    found = _statement_download(request, ticker, statement)
    if isinstance(found, HttpResponse):
        return found
    company, table, lines = found
    response = JsonResponse(api.statement_payload(company=company, table=table, lines=lines))
    filename = presenters.statement_filename(company=company, table=table, extension="json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _statement_download(request, ticker, statement):
    """(company, table, lines) for a download, or the 400/404 response saying what was wrong."""
    if statement not in STATEMENTS:
        return not_found(request)
    if not TICKER_PATTERN.fullmatch(ticker):
        return company_not_found(request, ticker)
    form = StatementQuery(request.GET, default_lines=ALL_LINES)
    if not form.is_valid():
        return HttpResponseBadRequest(
            form.error_summary(), content_type="text/plain; charset=utf-8"
        )
    company = selectors.company_get(ticker=ticker)
    if company is None:
        return company_not_found(request, ticker)
    table = selectors.company_statement(
        ticker=company.ticker, statement=statement, period_type=form.cleaned_data["period"]
    )
    return company, table, form.cleaned_data["lines"]


def _company_page(request, ticker, *, statement):
    # An unknown ticker costs no read while the directory index (in memory) is fresh; without
    # one the page's own reads tell, rather than a read of the whole directory first.
    index = directory_index_if_fresh()
    if not TICKER_PATTERN.fullmatch(ticker) or (index is not None and index.get(ticker) is None):
        return company_not_found(request, ticker)
    if ticker != ticker.upper():
        url = reverse(
            request.resolver_match.url_name,
            kwargs={**request.resolver_match.kwargs, "ticker": ticker.upper()},
        )
        query = request.META.get("QUERY_STRING")
        return redirect(f"{url}?{query}" if query else url, permanent=True)
    form, price_form = StatementQuery(request.GET), PriceQuery(request.GET)
    if not (form.is_valid() and price_form.is_valid()):
        company = selectors.company_get(ticker=ticker)
        if company is None:
            return company_not_found(request, ticker)
        context = presenters.company_page_context(
            company=company, tables=None, statement=statement, period=DEFAULT_PERIOD
        )
        context["error"] = "; ".join(f.error_summary() for f in (form, price_form) if f.errors)
        return render(request, "companies/company_detail.html", context, status=400)
    period, lines = form.cleaned_data["period"], form.cleaned_data["lines"]
    # the key figures always come from the annual statements, read in the same Query
    period_types = tuple(dict.fromkeys((DEFAULT_PERIOD, period)))
    reads = selectors.company_with_statements(
        ticker=ticker, period_types=period_types, price_range=price_form.cleaned_data["range"]
    )
    company = reads.company
    if company is None:
        return company_not_found(request, ticker)
    context = presenters.company_page_context(
        company=company, tables=reads.tables, statement=statement, period=period, lines=lines
    )
    context.update(
        market_presenters.market_context(
            company=company, prices=reads.prices, close=price_form.cleaned_data["close"]
        )
    )
    if reads.summary is not None:  # read with the company: the header needs no call of its own
        context["directory"] = reads.summary
    return render(request, "companies/company_detail.html", context)


def company_not_found(request, ticker):
    """The 404 of an unknown ticker: what was asked (at most 60 characters), near matches from
    the in-memory directory index, the search box."""
    asked = ticker[:60]
    index = directory_index()
    hits = index.search(asked, limit=SUGGESTIONS) if asked.strip() else []
    near_prefix, near = (
        ("", []) if hits or not asked.strip() else index.near(asked, limit=SUGGESTIONS)
    )
    context = {
        "ticker": asked,
        "search_query": asked,
        "hits": hits,
        "near_prefix": near_prefix,
        "near": near,
    }
    return render(request, "404.html", context, status=404)


def not_found(request, exception=None):
    return render(request, "404.html", {"hits": []}, status=404)
