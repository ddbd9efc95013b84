"""The search page and the search API, served from the in-memory directory index."""

from django.http import JsonResponse
from django.shortcuts import redirect, render

from companies.finding.forms import SearchQuery
from companies.finding.search import RESULTS, SUGGESTIONS, directory_index
from companies.forms import TICKER_PATTERN


def search(request):
    """`/search/?q=`: straight to the company on an exact ticker, else the ranked results; a
    blank query is a friendly page, a query over 60 characters a 400."""
    form = SearchQuery(request.GET)
    if not form.is_valid():
        context = {"error": form.error_summary(), "search_query": request.GET.get("q", "")[:60]}
        return render(request, "companies/search.html", context, status=400)
    query = form.cleaned_data["q"]
    index = directory_index()
    if TICKER_PATTERN.fullmatch(query) and index.get(query):
        return redirect("company_detail", ticker=query.upper())
    hits = index.search(query, limit=RESULTS)
    near_prefix, near = ("", []) if hits or not query else index.near(query, limit=SUGGESTIONS)
    context = {
        "search_query": query,
        "hits": hits,
        "near_prefix": near_prefix,
        "near": near,
        "ticker_shaped": bool(TICKER_PATTERN.fullmatch(query)),
    }
    return render(request, "companies/search.html", context)


def api_search(request):
    """`GET /api/search/?q=&limit=` -> {"query", "results": [...]}, best first."""
    form = SearchQuery(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": form.error_summary()}, status=400)
    query, limit = form.cleaned_data["q"], form.cleaned_data["limit"]
    hits = directory_index().search(query, limit=limit)
    return JsonResponse(
        {
            "query": query,
            "results": [
                {
                    "ticker": hit.entry.ticker,
                    "name": hit.entry.name,
                    "industry_group": hit.entry.industry_group,
                    "market_cap": hit.entry.market_cap,
                    "status": hit.entry.status,
                    "match": hit.match,
                }
                for hit in hits
            ],
        }
    )
