"""Downloads of the market side: prices and dividends as CSV and JSON, named with the currency."""

from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse

from companies.market import api, presenters, selectors
from companies.market.forms import PriceQuery
from companies.views import company_not_found


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _name(ticker: str, what: str, currency: str | None, extension: str) -> str:
    return "-".join(part for part in (ticker, what, currency) if part) + f".{extension}"


def _prices(request, ticker):
    form = PriceQuery(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(
            form.error_summary(), content_type="text/plain; charset=utf-8"
        )
    company = api._company(ticker)
    if company is None:
        return company_not_found(request, ticker)
    price_range = form.cleaned_data["range"]
    # the CSV of the whole history has every stored day, not the chart's compact series
    prices = selectors.company_prices(
        ticker=company.ticker,
        price_range=price_range,
        today=api._today(),
        every_day=price_range.key == "max",
    )
    return prices


def company_prices_csv(request, ticker):
    prices = _prices(request, ticker)
    if isinstance(prices, HttpResponse):
        return prices
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    presenters.write_prices_csv(response, prices=prices)
    name = _name(prices.ticker, f"prices-{prices.range.key}", prices.currency, "csv")
    return _attachment(response, name)


def company_prices_json(request, ticker):
    prices = _prices(request, ticker)
    if isinstance(prices, HttpResponse):
        return prices
    name = _name(prices.ticker, f"prices-{prices.range.key}", prices.currency, "json")
    return _attachment(JsonResponse(api.prices_payload(prices)), name)


def _dividends(request, ticker):
    company = api._company(ticker)
    if company is None:
        return company_not_found(request, ticker)
    return company, selectors.company_dividends(ticker=company.ticker)


def company_dividends_csv(request, ticker):
    found = _dividends(request, ticker)
    if isinstance(found, HttpResponse):
        return found
    company, events = found
    ticker = company.ticker
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    presenters.write_dividends_csv(response, dividends=(events.dividends or []) if events else [])
    currency = events.currency if events else None
    return _attachment(response, _name(ticker, "dividends", currency, "csv"))


def company_dividends_json(request, ticker):
    found = _dividends(request, ticker)
    if isinstance(found, HttpResponse):
        return found
    company, events = found
    payload = api.dividends_payload(company=company, events=events)
    ticker = company.ticker
    return _attachment(
        JsonResponse(payload), _name(ticker, "dividends", payload["currency"], "json")
    )
