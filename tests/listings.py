"""The directory listing as a reader expects it, worked out in plain Python from the directory's
rows (never from the index keys), for the tests of its filters; and the writes that give a
directory delisted companies, price-based market caps and refreshed fundamentals the way the
site's own loads and refreshes do."""

import datetime
from dataclasses import dataclass, replace

from companies import services
from companies.market import services as market_services
from companies.market import valuation
from scraping.asx import Directory
from tests import factories

SORTS = ("ticker", "name", "market_cap", "listing_date", "industry_group", "last_updated")


@dataclass(frozen=True)
class Expected:
    """A company as the listing should show it."""

    ticker: str
    name: str
    industry_group: str | None
    listing_date: datetime.date | None
    market_cap: int | None  # the price-based one where there is one, else the directory's
    status: str
    last_updated: datetime.datetime | None = None


def expected_companies(
    directory: Directory,
    *,
    delisted: set[str] = frozenset(),
    price_caps: dict[str, int] | None = None,
    refreshed: dict[str, datetime.datetime] | None = None,
) -> list[Expected]:
    price_caps, refreshed = price_caps or {}, refreshed or {}
    return [
        Expected(
            ticker=row.ticker,
            name=row.name,
            industry_group=row.industry_group,
            listing_date=row.listing_date,
            market_cap=price_caps.get(row.ticker, row.market_cap),
            status="delisted" if row.ticker in delisted else "listed",
            last_updated=refreshed.get(row.ticker),
        )
        for row in directory.rows
    ]


def expected_listing(
    companies: list[Expected],
    *,
    sort: str = "ticker",
    order: str = "asc",
    industry_group: tuple[str, ...] = (),
    market_cap_min: int | None = None,
    market_cap_max: int | None = None,
    status: str = "listed",
) -> list[str]:
    """Tickers in the order a reader expects: a filter is a plain test of each company;
    missing sort values come first ascending (last descending), ties by ticker."""

    def admitted(company: Expected) -> bool:
        if status != "all" and company.status != status:
            return False
        bounded = market_cap_min is not None or market_cap_max is not None
        if bounded and company.market_cap is None:
            return False
        if market_cap_min is not None and company.market_cap < market_cap_min:
            return False
        if market_cap_max is not None and company.market_cap > market_cap_max:
            return False
        group = company.industry_group or "none"
        return not industry_group or group in industry_group

    def value(company: Expected):
        return {
            "ticker": company.ticker,
            "name": company.name.casefold(),
            "market_cap": company.market_cap,
            "listing_date": company.listing_date,
            "industry_group": company.industry_group.casefold() if company.industry_group else None,
            "last_updated": company.last_updated,
        }[sort]

    def position(company: Expected):
        known = value(company)
        return ((0,) if known is None else (1, known), company.ticker)

    chosen = sorted(filter(admitted, companies), key=position, reverse=order == "desc")
    return [company.ticker for company in chosen]


def load_with_delisted(directory: Directory, *, delisted: set[str]) -> None:
    """Load `directory`, then load it again without `delisted`: the second load marks them
    delisted, as a day's ASX file without them would."""
    services.directory_load(directory=directory)
    kept = [row for row in directory.rows if row.ticker not in delisted]
    services.directory_load(
        directory=replace(directory, rows=kept), allow_shrink=len(kept) * 2 < len(directory.rows)
    )


def store_price_cap(ticker: str, *, close: float, shares: int, day: datetime.date) -> int:
    """Record a prices refresh whose last close and share count give `ticker` a price-based
    market cap, through the refresh's own quote and store; returns that market cap (A$)."""
    quote = valuation.quote(
        closes=[valuation.Close(day, close), valuation.Close(day - datetime.timedelta(1), close)],
        currency="AUD",
        shares=(shares, "Yahoo shares outstanding", day),
    )
    attempted = datetime.datetime.combine(day, datetime.time(8), tzinfo=datetime.UTC)
    market_services.company_quote_store(
        ticker=ticker,
        quote=quote,
        valuation={},
        dividends=[],
        splits=[],
        through=day.isoformat(),
        attempted_at=attempted,
        next_attempt=attempted + datetime.timedelta(days=1),
    )
    return quote["market_cap"]


def store_refreshed(ticker: str, *, at: datetime.datetime) -> None:
    """A successful fundamentals refresh of `ticker` at `at` (its "Last updated")."""
    factories.store(
        ticker,
        factories.fundamentals(revenues={datetime.date(2025, 6, 30): 10**9}, currency="AUD"),
        fetched_at=at,
    )


def directory_slice(*, every: int = 7) -> Directory:
    """Every `every`-th company of the 2,109-company directory (tests/directories.py), keeping
    one without an industry group (the real file has one) and its missing market caps."""
    from tests.directories import full_directory

    full = full_directory()
    rows = full.rows[::every]
    groupless = [row for row in full.rows if not row.industry_group]
    if groupless:
        rows = sorted({*rows, *groupless}, key=lambda row: row.line)
    else:  # the generated directory gives every company a group
        rows = [replace(rows[0], industry_group=None), *rows[1:]]
    return replace(full, rows=rows)
