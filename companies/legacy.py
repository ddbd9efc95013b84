"""The original ASX DB's URLs, still in bookmarks and search engines: each answers with a
permanent redirect to today's equivalent page.

Every target is built with `reverse` (so a Zappa stage prefix such as /dev/ is kept) from a
validated ticker or a value looked up in the tables below, never from the request's own text:
nothing here can redirect off the site. The original's write routes (`POST /update/<T>`,
`/test`) have no route at all and stay 404s.
"""

import functools

from django.http import (
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.urls import re_path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from companies import views
from companies.forms import TICKER_PATTERN
from companies.selectors import Order, SortKey

# /search/groupBy=<column>&orderBy=<order>: the original's names -> the listing's
LEGACY_SORTS = {
    "ticker": SortKey.TICKER,
    "name": SortKey.NAME,
    "marketCap": SortKey.MARKET_CAP,
    "dateListed": SortKey.LISTING_DATE,
    "group": SortKey.INDUSTRY_GROUP,
    "lastUpdated": SortKey.LAST_UPDATED,
}
LEGACY_ORDERS = {"asc": Order.ASC, "dsc": Order.DESC}

# /ticker/<T>/<tab>: the original's tabs -> the company page's statement (None: the page itself)
LEGACY_TABS = {
    "info": None,
    "cash_flow": "cashflow",
    "balance_sheet": "balance",
    "income_statement": "income",
}


def search_or_listing(search):
    """Wrap the search view: `/search/` with a `q` (even a blank one) is `search`, untouched;
    without one it is the original's first listing page, moved to /companies/."""

    @functools.wraps(search)
    def view(request, *args, **kwargs):
        if "q" not in request.GET:
            return HttpResponsePermanentRedirect(reverse("company_list"))
        return search(request, *args, **kwargs)

    return view


@require_safe
def listing(request, page=None):
    """`/search/<n>` (a page of the original's listing): today's listing pages by cursor, so
    every old page number opens the first page."""
    return HttpResponsePermanentRedirect(reverse("company_list"))


@require_safe
def listing_sorted(request, column, order):
    """`/search/groupBy=<column>&orderBy=<asc|dsc>` -> `/companies/?sort=&order=`."""
    if column not in LEGACY_SORTS or order not in LEGACY_ORDERS:
        return views.not_found(request)
    query = urlencode({"sort": LEGACY_SORTS[column].value, "order": LEGACY_ORDERS[order].value})
    return HttpResponsePermanentRedirect(f"{reverse('company_list')}?{query}")


@require_http_methods(["GET", "HEAD", "POST"])
def ticker_box(request):
    """`/ticker/`: the listing; the original's ticker form (POST, field `ticker`) is a 303 to
    the company, whose page says when the ticker is unknown."""
    if request.method != "POST":
        return HttpResponsePermanentRedirect(reverse("company_list"))
    ticker = request.POST.get("ticker", "").strip()
    if not TICKER_PATTERN.fullmatch(ticker):
        return HttpResponseBadRequest(
            "'ticker' must be an ASX code of 1 to 6 letters or digits, such as BHP.",
            content_type="text/plain; charset=utf-8",
        )
    url = reverse("company_detail", kwargs={"ticker": ticker.upper()})
    return HttpResponseRedirect(url, status=303)


@require_safe
def company(request, ticker, tab="info"):
    """`/ticker/<T>` and `/ticker/<T>/<info|cash_flow|balance_sheet|income_statement>` -> the
    company page or its statement tab, the ticker upper-cased."""
    if tab not in LEGACY_TABS:
        return views.not_found(request)
    if not TICKER_PATTERN.fullmatch(ticker):
        return views.company_not_found(request, ticker)
    statement = LEGACY_TABS[tab]
    if statement is None:
        url = reverse("company_detail", kwargs={"ticker": ticker.upper()})
    else:
        url = reverse(
            "company_statement", kwargs={"ticker": ticker.upper(), "statement": statement}
        )
    return HttpResponsePermanentRedirect(url)


# Each with or without its trailing slash, answered in one hop (APPEND_SLASH would add a second,
# and cannot redirect a POST).
urlpatterns = [
    re_path(r"^search/(?P<page>[0-9]+)/?$", listing, name="legacy_listing"),
    re_path(
        r"^search/groupBy=(?P<column>[A-Za-z]+)&orderBy=(?P<order>[A-Za-z]+)/?$",
        listing_sorted,
        name="legacy_listing_sorted",
    ),
    re_path(r"^ticker/?$", ticker_box, name="legacy_ticker_box"),
    re_path(r"^ticker/(?P<ticker>[^/]+)/?$", company, name="legacy_company"),
    re_path(r"^ticker/(?P<ticker>[^/]+)/(?P<tab>[a-z_]+)/?$", company, name="legacy_company_tab"),
]
