from importlib import import_module

from django.urls import path

from companies import api, legacy, views
from companies.finding import views as finding_views


def lazy(dotted_path: str):
    """The view at `dotted_path`, its module imported on the view's first request. The pages
    every cold start may serve are imported with the URLconf; the rest (init's AWS signing and
    the Yahoo/ASX clients behind it, the screener, comparison, OpenAPI, price downloads) would
    add a tenth of a second to every cold start for requests that seldom come."""
    module_name, _, name = dotted_path.rpartition(".")

    def view(request, *args, **kwargs):
        return getattr(import_module(module_name), name)(request, *args, **kwargs)

    view.__name__ = view.__qualname__ = name
    view.__module__ = module_name
    return view


urlpatterns = [
    path("", views.home, name="home"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/<str:ticker>/", views.company_detail, name="company_detail"),
    path(
        "companies/<str:ticker>/prices.csv",
        lazy("companies.market.views.company_prices_csv"),
        name="company_prices_csv",
    ),
    path(
        "companies/<str:ticker>/prices.json",
        lazy("companies.market.views.company_prices_json"),
        name="company_prices_json",
    ),
    path(
        "companies/<str:ticker>/dividends.csv",
        lazy("companies.market.views.company_dividends_csv"),
        name="company_dividends_csv",
    ),
    path(
        "companies/<str:ticker>/dividends.json",
        lazy("companies.market.views.company_dividends_json"),
        name="company_dividends_json",
    ),
    path(
        "companies/<str:ticker>/<str:statement>.csv",
        views.company_statement_csv,
        name="company_statement_csv",
    ),
    path(
        "companies/<str:ticker>/<str:statement>.json",
        views.company_statement_json,
        name="company_statement_json",
    ),
    path(
        "companies/<str:ticker>/<str:statement>/",
        views.company_statement,
        name="company_statement",
    ),
    # /search/ with a q is the search; without one, and the original ASX DB's other URLs: 301s
    path("search/", legacy.search_or_listing(finding_views.search), name="search"),
    *legacy.urlpatterns,
    path("api/", lazy("companies.openapi.views.api_index"), name="api_index"),
    path("api/schema/", lazy("companies.openapi.views.api_schema"), name="api_schema"),
    path("screener/", lazy("companies.screening.views.screener"), name="screener"),
    path("screener.csv", lazy("companies.screening.views.screener_csv"), name="screener_csv"),
    path("api/search/", finding_views.api_search, name="api_search"),
    path("api/screener/", lazy("companies.screening.api.screener"), name="api_screener"),
    path("api/metrics/", lazy("companies.screening.api.metrics"), name="api_metrics"),
    path("compare/", lazy("companies.comparing.views.compare"), name="compare"),
    path("api/compare/", lazy("companies.comparing.api.compare"), name="api_compare"),
    path("init/", lazy("companies.init_views.init"), name="init"),
    path("api/companies/", api.company_list, name="api_company_list"),
    path("api/companies/<str:ticker>/", api.company_detail, name="api_company_detail"),
    path(
        "api/companies/<str:ticker>/prices/",
        lazy("companies.market.api.company_prices"),
        name="api_company_prices",
    ),
    path(
        "api/companies/<str:ticker>/dividends/",
        lazy("companies.market.api.company_dividends"),
        name="api_company_dividends",
    ),
    path(
        "api/companies/<str:ticker>/statements/<str:statement>/",
        api.company_statement,
        name="api_company_statement",
    ),
]
