"""What the market side of a company page shows, worked out from what the selectors read: the
quote line, the valuation cards with their inputs, the price chart's data and its text
alternative, the dividend history, and the CSV downloads. Nothing here reads the table."""

import csv
import datetime
from decimal import ROUND_HALF_UP, Decimal
from html import escape  # what django.utils.html.escape does, without its lazy-text wrapper

from django.utils.safestring import mark_safe

from companies.market.selectors import BAR_FIELDS, PRICE_RANGES, Prices
from companies.presenters import company_url
from companies.templatetags import figures

SHOWN_DIVIDENDS = 12  # the page's table; the downloads have them all

VALUATION_TITLES = {
    "pe": ("P/E", "times"),
    "pb": ("P/B", "times"),
    "ps": ("P/S", "times"),
    "ev_ebitda": ("EV/EBITDA", "times"),
    "dividend_yield": ("Dividend yield", "percent"),
    "fcf_yield": ("FCF yield", "percent"),
}
CLOSES = {"traded": "Traded close", "adjusted": "Total return (dividend-adjusted close)"}
CLOSE_COLUMN = {"traded": 4, "adjusted": 5}
LOSS_REASONS = {"negative earnings", "negative EBITDA", "negative book value"}


def _money(value, currency: str | None) -> str:
    if value is None:
        return figures.MISSING
    prefix = "A$" if currency == "AUD" else f"{currency} " if currency else ""
    return f"{prefix}{figures.compact(value)}"


def _price(value, currency: str | None) -> str:
    if value is None:
        return figures.MISSING
    prefix = "A$" if currency == "AUD" else f"{currency} " if currency else ""
    return f"{prefix}{value:,.2f}" if value >= 1 else f"{prefix}{value:,.3f}"


def quote_view(quote: dict | None) -> dict | None:
    """The header's price line: last close and date, day's change, market cap and its basis."""
    if not quote:
        return None
    change = quote.get("change_pct")
    day = datetime.date.fromisoformat(quote["date"])
    shares_day = (
        datetime.date.fromisoformat(quote["shares_date"]) if quote.get("shares_date") else None
    )
    cap = quote.get("market_cap")
    basis = None
    if cap:
        basis = (
            f"{_money(cap, quote['currency'])} = last close × "
            f"{figures.compact(quote['shares_outstanding'])} shares, {figures.day(day)}; "
            f"shares: {quote['shares_source']}, {figures.day(shares_day)}"
        )
    return {
        "price": _price(quote["price"], quote["currency"]),
        "date": day,
        "change": None
        if change is None
        else f"{'+' if change >= 0 else '−'}{abs(change) * 100:.2f}%",
        "direction": None
        if change is None
        else ("up" if change > 0 else "down" if change < 0 else "flat"),
        "previous": _price(quote.get("previous_close"), quote["currency"]),
        "market_cap": _money(cap, quote["currency"]) if cap else None,
        "market_cap_basis": basis,
    }


def _input_text(entry: dict) -> str:
    when = entry.get("date") or entry.get("period_end")
    label = "period ending" if entry.get("period_end") else "on"
    value = entry.get("value")
    if value is None:
        shown = figures.MISSING
    elif abs(value) >= 1000:
        shown = figures.compact(value)
    else:
        shown = f"{value:,.4f}".rstrip("0").rstrip(".")
    text = f"{entry['name']}: {entry.get('currency') or ''} {shown}"
    if when:
        text += f" ({label} {figures.period_end(when)})"
    if entry.get("note"):
        text += f" — {entry['note']}"
    return " ".join(text.split())


def valuation_cards(valuation: dict | None) -> list[dict]:
    """One card per multiple: its text ("14.2×", "4.5%", "n/m (loss)", "—"), formula, inputs,
    the exchange rate used, and why it is missing."""
    cards = []
    for key, (title, kind) in VALUATION_TITLES.items():
        entry = (valuation or {}).get(key)
        if entry is None:
            continue
        value, reason = entry.get("value"), entry.get("reason")
        if value is not None:
            text = f"{value * 100:.1f}%" if kind == "percent" else f"{value:,.1f}×"
        elif reason in LOSS_REASONS:
            text = "n/m (loss)"
        else:
            text = figures.MISSING
        fx = entry.get("fx")
        cards.append(
            {
                "key": key,
                "title": title,
                "text": text,
                "formula": entry.get("formula", ""),
                "inputs": [_input_text(i) for i in entry.get("inputs", [])],
                "fx": (
                    f"{fx['pair']} {fx['rate']:.4f} on {figures.period_end(fx['date'])}: "
                    "statement figures converted into the price currency"
                    if fx
                    else None
                ),
                "reason": reason,
            }
        )
    return cards


def valuation_html(cards: list[dict]) -> str:
    """The valuation cards as the page's HTML (a card is a dozen escaped fields, built here
    rather than through as many template nodes)."""
    html = []
    for card in cards:
        formula, reason = escape(card["formula"]), card["reason"]
        title = formula + (f" — {escape(reason)}" if reason else "")
        inputs = "".join(f"<li>{escape(text)}</li>" for text in card["inputs"])
        html.append(
            f'<div class="figure" data-valuation="{escape(card["key"])}">\n'
            f"      <dt>{escape(card['title'])}</dt>\n"
            "      <dd>\n"
            f'        <span class="value" tabindex="0" title="{title}">{escape(card["text"])}'
            "</span>\n"
            '        <details class="how"><summary>How</summary>\n'
            f"          <p>{formula}.{f' Not computed: {escape(reason)}.' if reason else ''}</p>\n"
            + (f'          <ul class="inputs">{inputs}</ul>\n' if inputs else "")
            + (
                f'          <p class="fx" data-fx>Exchange rate {escape(card["fx"])}.</p>\n'
                if card["fx"]
                else ""
            )
            + "        </details>\n      </dd>\n    </div>"
        )
    return mark_safe("\n    ".join(html))  # every field escaped


def chart_view(prices: Prices, *, ticker: str, close: str, dividends: list[list]) -> dict:
    """The price chart's data (oldest first), its summary for readers without the chart, the
    range and close links and the downloads."""
    column = CLOSE_COLUMN[close]
    closing = "" if close == "traded" else f"&amp;close={close}"
    points = [(bar[0], bar[column]) for bar in prices.bars]
    shown = [value for _, value in points if value is not None]
    first_day = prices.bars[0][0] if prices.bars else None
    dividends = [[ex, amount] for ex, amount in dividends if first_day and ex >= first_day]
    return {
        "data": {
            "currency": prices.currency,
            "close": close,
            "label": CLOSES[close],
            "interval": prices.interval,
            "dates": [day for day, _ in points],
            # Yahoo's closes are float32 noise past the cent (38.630001068115234); the chart
            # shows at most three decimals
            "values": [None if value is None else round(value, 4) for _, value in points],
            "dividends": dividends,
        },
        "drawn": len(shown) >= 2,
        "summary": _summary(points, shown, currency=prices.currency) if shown else None,
        "ranges": _links(
            (f"?range={r.key}{closing}#price", r.title, r.key == prices.range.key)
            for r in PRICE_RANGES.values()
        ),
        "closes": _links(
            (
                f"?range={prices.range.key}{'' if k == 'traded' else f'&amp;close={k}'}#price",
                title,
                k == close,
            )
            for k, title in CLOSES.items()
        ),
        "csv": company_url("company_prices_csv", ticker=ticker) + f"?range={prices.range.key}",
        "json": company_url("company_prices_json", ticker=ticker) + f"?range={prices.range.key}",
    }


def _summary(points: list, shown: list, *, currency: str | None) -> dict:
    """The range's first and last close, high and low: the chart's text alternative (its
    label) and the line under it."""
    first, last = _price(shown[0], currency), _price(shown[-1], currency)
    high, low = _price(max(shown), currency), _price(min(shown), currency)
    start, end = figures.period_end(points[0][0]), figures.period_end(points[-1][0])
    return {
        "label": f"from {start} to {end}: from {first} to {last}, high {high}, low {low}",
        "text": f"{start} – {end}: from {first} to {last}; high {high}, low {low}.",
    }


def _links(tabs) -> str:
    """A nav's links, `(href, title, active)` each: the current one marked for readers."""
    return mark_safe(  # our own query strings (validated choices) and titles
        "".join(
            f'<a href="{href}"{' aria-current="page"' if active else ""}>{title}</a>'
            for href, title, active in tabs
        )
    )


FOUR_PLACES = Decimal("0.0001")


def _four_places(value) -> str:
    """An amount per share as Django's floatformat:"-4" shows it (1.162 -> "1.1620", 2.0 ->
    "2", missing -> ""), without its localisation machinery: a dozen per page."""
    if value is None:
        return ""
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if number == number.to_integral_value():
        return str(int(number))
    return f"{number.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP):f}"


def _dividend_rows(dividends: list[list]) -> str:
    """The newest dividends as table rows (built here: a dozen rows of filtered cells)."""
    return mark_safe(  # dates and figures we formatted
        "".join(
            f'<tr><td><time datetime="{ex}">{figures.period_end(ex)}</time></td>'
            f'<td class="num">{_four_places(amount)}</td><td class="num">—</td></tr>'
            for ex, amount in dividends[:SHOWN_DIVIDENDS]
        )
    )


def dividends_view(company, *, as_of: str | None) -> dict:
    """Dividends newest first (the table's rows, how many there are), the trailing-twelve-month
    total at the newest bar, and splits. Franking is not in Yahoo's data: it is "—", never a
    guess."""
    dividends = list(reversed(company.dividends or []))
    ttm = ttm_per_share(dividends, as_of=as_of)
    return {
        "currency": (company.quote or {}).get("currency"),
        "count": len(dividends),
        "rows": _dividend_rows(dividends),
        "more": len(dividends) > SHOWN_DIVIDENDS,
        "ttm": _four_places(ttm),
        "csv": company_url("company_dividends_csv", ticker=company.ticker),
        "json": company_url("company_dividends_json", ticker=company.ticker),
        "splits": [
            {"date": datetime.date.fromisoformat(day), "ratio": _ratio(ratio)}
            for day, ratio in reversed(company.splits or [])
        ],
    }


def _ratio(ratio: float) -> str:
    """2.0 -> "2:1", 0.5 -> "1:2" (a consolidation)."""
    if ratio >= 1:
        return f"{ratio:g}:1"
    return f"1:{1 / ratio:g}"


def ttm_per_share(dividends: list[list], *, as_of: str | None) -> float | None:
    """Dividends per share with an ex-date in the 365 days to `as_of` (ISO); None without it."""
    if not as_of:
        return None
    start = (datetime.date.fromisoformat(as_of) - datetime.timedelta(days=365)).isoformat()
    return sum(amount for ex, amount in dividends if start < ex <= as_of)


def write_prices_csv(out, *, prices: Prices) -> None:
    """Header row, then one row per bar oldest first, raw numbers, empty cells for holes."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BAR_FIELDS)
    for bar in prices.bars:
        writer.writerow(["" if value is None else value for value in bar])


def write_dividends_csv(out, *, dividends: list[list]) -> None:
    """Header row `ex_date,amount,franking`, one row per dividend newest first; franking is
    empty (Yahoo does not give it)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["ex_date", "amount", "franking"])
    for ex, amount in reversed(dividends):
        writer.writerow([ex, amount, ""])


def market_context(*, company, prices: Prices | None, close: str) -> dict:
    """The market side of company_detail.html: quote, valuation cards, chart and dividends."""
    if prices is None:
        return {"quote": None, "valuation_cards": [], "price_chart": None, "dividends": None}
    return {
        "quote": quote_view(company.quote),
        "valuation_cards": valuation_html(valuation_cards(company.valuation)),
        "price_chart": (
            chart_view(
                prices, ticker=company.ticker, close=close, dividends=company.dividends or []
            )
            if prices.bars
            else None
        ),
        "dividends": dividends_view(company, as_of=company.prices_through or prices.newest),
        "price_range": prices.range.key,
        "price_close": close,
    }
