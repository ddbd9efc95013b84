"""The compare page: parse the URL, check it against the directory, read, render."""

from django.shortcuts import redirect, render

from companies.comparing import presenters, selectors
from companies.comparing.forms import (
    MAX_COMPANIES,
    MIN_COMPANIES,
    CompareQuery,
    canonical_query,
    resolve,
)
from companies.finding.search import directory_index

TEMPLATE = "comparing/compare.html"


def compare(request):
    """`/compare/?tickers=BHP,RIO&currency=AUD`: 2 to 6 companies side by side. Tickers may be
    repeated or comma-separated, in any case; the page redirects to its one canonical URL.
    Without tickers it explains itself; with one it asks for another."""
    form = CompareQuery(request.GET)
    if not form.is_valid():
        return _page(request, {"error": form.error_summary()}, status=400)
    query = form.cleaned_data
    currency = query["currency"]
    index = directory_index()
    asked = resolve(tickers=query["tickers"], add=query["add"], index=index)
    known = asked.tickers
    context = {"currency": currency, "tickers": known, "tickers_text": ",".join(known)}
    if asked.unknown:
        names = ", ".join(asked.unknown)
        context["error"] = (
            f"No ASX company has the ticker{'s' if len(asked.unknown) > 1 else ''} {names}."
        )
        context["retry_url"] = presenters.compare_url(known[:MAX_COMPANIES], currency)
        return _page(request, context, status=400)
    if asked.too_many or (asked.add and len(known) >= MAX_COMPANIES):
        context["error"] = (
            f"A comparison takes at most {MAX_COMPANIES} companies: remove one before adding "
            "another."
        )
        kept = query["tickers"][:MAX_COMPANIES]
        context.update(tickers=kept, tickers_text=",".join(kept))
        context["retry_url"] = presenters.compare_url(kept, currency)
        return _page(request, context, status=400)
    if asked.add:
        context["add"] = asked.add
        context["choices"] = presenters.choice_links(
            asked.choices, tickers=known, currency=currency
        )
        context["retry_url"] = presenters.compare_url(known, currency)
        if not asked.choices:
            context["error"] = f"No ASX company matches “{asked.add}”."
            return _page(request, context, status=400)
        return _page(request, context)
    if request.META.get("QUERY_STRING", "") != canonical_query(known, currency):
        return redirect(presenters.compare_url(known, currency))
    if len(known) < MIN_COMPANIES:
        if known:
            context["only"] = index.get(known[0])
        else:
            context["examples"] = presenters.examples(index)
            context["examples_url"] = presenters.examples_url(context["examples"])
        return _page(request, context)
    comparison = selectors.comparison_get(tickers=known, currency=currency)
    context.update(presenters.compare_context(comparison))
    return _page(request, context)


def _page(request, context: dict, *, status: int = 200):
    context.setdefault("currency", "reported")
    context.setdefault("tickers", [])
    context.setdefault("tickers_text", ",".join(context["tickers"]))
    context.setdefault("full", len(context["tickers"]) >= MAX_COMPANIES)
    return render(request, TEMPLATE, context, status=status)
