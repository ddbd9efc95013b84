"""JSON of the market side: a company's prices over a range, and its dividends and splits."""

import datetime

from django.http import JsonResponse

from companies import selectors as company_selectors
from companies.forms import TICKER_PATTERN
from companies.market import presenters, selectors
from companies.market.forms import PriceQuery


def _error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _company(ticker: str):
    return (
        company_selectors.company_get(ticker=ticker) if TICKER_PATTERN.fullmatch(ticker) else None
    )


def _unknown(ticker: str) -> JsonResponse:
    return _error(f"no ASX company has the ticker {ticker!r}", 404, ticker=ticker)


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


def prices_payload(prices: selectors.Prices) -> dict:
    return {
        "ticker": prices.ticker,
        "currency": prices.currency,
        "range": prices.range.key,
        "interval": prices.interval,
        "prices": [dict(zip(selectors.BAR_FIELDS, bar, strict=True)) for bar in prices.bars],
    }


def dividends_payload(*, company, events) -> dict:
    """Dividends newest first with the trailing-twelve-month total per share at the newest
    stored bar; splits; franking null (Yahoo does not give it, and we never guess it)."""
    dividends = (events.dividends or []) if events else []
    splits = (events.splits or []) if events else []
    return {
        "ticker": company.ticker,
        "currency": events.currency if events else None,
        "dividends": [{"ex_date": ex, "amount": amount} for ex, amount in reversed(dividends)],
        "ttm_per_share": presenters.ttm_per_share(dividends, as_of=company.prices_through),
        "splits": [{"date": day, "ratio": ratio} for day, ratio in reversed(splits)],
        "franking": None,
    }


def company_prices(request, ticker):
    """GET /api/companies/<TICKER>/prices/?range=1m|6m|1y|5y|max"""
    form = PriceQuery(request.GET)
    if not form.is_valid():
        return _error(form.error_summary(), 400)
    company = _company(ticker)
    if company is None:
        return _unknown(ticker)
    prices = selectors.company_prices(
        ticker=company.ticker, price_range=form.cleaned_data["range"], today=_today()
    )
    return JsonResponse(prices_payload(prices))


def company_dividends(request, ticker):
    """GET /api/companies/<TICKER>/dividends/"""
    company = _company(ticker)
    if company is None:
        return _unknown(ticker)
    events = selectors.company_dividends(ticker=company.ticker)
    return JsonResponse(dividends_payload(company=company, events=events))
