from django.urls import path

from companies import api, init_views, legacy, views
from companies.comparing import api as compare_api
from companies.comparing import views as compare_views
from companies.finding import views as finding_views
from companies.market import api as market_api
from companies.market import views as market_views
from companies.openapi import views as openapi_views
from companies.screening import api as screening_api
from companies.screening import views as screening_views

urlpatterns = [
    path("", views.home, name="home"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/<str:ticker>/", views.company_detail, name="company_detail"),
    path(
        "companies/<str:ticker>/prices.csv",
        market_views.company_prices_csv,
        name="company_prices_csv",
    ),
    path(
        "companies/<str:ticker>/prices.json",
        market_views.company_prices_json,
        name="company_prices_json",
    ),
    path(
        "companies/<str:ticker>/dividends.csv",
        market_views.company_dividends_csv,
        name="company_dividends_csv",
    ),
    path(
        "companies/<str:ticker>/dividends.json",
        market_views.company_dividends_json,
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
    path("api/", openapi_views.api_index, name="api_index"),
    path("api/schema/", openapi_views.api_schema, name="api_schema"),
    path("screener/", screening_views.screener, name="screener"),
    path("screener.csv", screening_views.screener_csv, name="screener_csv"),
    path("api/search/", finding_views.api_search, name="api_search"),
    path("api/screener/", screening_api.screener, name="api_screener"),
    path("api/metrics/", screening_api.metrics, name="api_metrics"),
    path("compare/", compare_views.compare, name="compare"),
    path("api/compare/", compare_api.compare, name="api_compare"),
    path("init/", init_views.init, name="init"),
    path("api/companies/", api.company_list, name="api_company_list"),
    path("api/companies/<str:ticker>/", api.company_detail, name="api_company_detail"),
    path(
        "api/companies/<str:ticker>/prices/",
        market_api.company_prices,
        name="api_company_prices",
    ),
    path(
        "api/companies/<str:ticker>/dividends/",
        market_api.company_dividends,
        name="api_company_dividends",
    ),
    path(
        "api/companies/<str:ticker>/statements/<str:statement>/",
        api.company_statement,
        name="api_company_statement",
    ),
]
