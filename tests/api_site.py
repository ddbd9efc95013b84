"""A site worth exploring, for the Schemathesis run and bench/fuzz.py: the 2,109-company
directory (tests/directories.py) with BHP and CBA in it, their statements (BHP's in USD, with
half-years), CBA's prices, dividends, quote and valuation from the fake Yahoo's series, and one
company delisted. Call with Django set up and the table bound."""

import datetime
from dataclasses import dataclass

from companies import services
from scraping.asx import Directory, DirectoryRow
from tests import factories
from tests.directories import full_directory

WITH_FIGURES = {"BHP": "BHP GROUP LIMITED", "CBA": "COMMONWEALTH BANK OF AUSTRALIA"}
# the document's examples name these too (a generated directory, without ../shared, lacks them)
IN_DIRECTORY = {**WITH_FIGURES, "RIO": "RIO TINTO LIMITED", "FMG": "FORTESCUE METALS GROUP LTD"}


@dataclass(frozen=True)
class LoadedSite:
    tickers: list[str]  # every company in the directory, listed or not
    delisted: str
    source: str


def api_site_load() -> LoadedSite:
    directory = full_directory()
    rows = list(directory.rows)
    known = {row.ticker for row in rows}
    for ticker, name in IN_DIRECTORY.items():
        if ticker not in known:
            rows.append(
                DirectoryRow(
                    ticker=ticker,
                    name=name,
                    industry_group="Materials",
                    listing_date=datetime.date(1885, 8, 13),
                    market_cap=150_000_000_000,
                    line=len(rows) + 2,
                )
            )
    services.directory_load(directory=Directory(rows=rows, rejected=[], source=directory.source))
    delisted = next(row.ticker for row in reversed(rows) if row.ticker not in IN_DIRECTORY)
    services.directory_load(
        directory=Directory(
            rows=[row for row in rows if row.ticker != delisted],
            rejected=[],
            source=directory.source,
        )
    )
    years, halves = factories.year_ends(5), factories.half_year_ends(10)
    factories.store(
        "BHP",
        factories.fundamentals(
            revenues={end: 50_000_000_000 + n * 1_700_000_000 for n, end in enumerate(years)},
            half_year_revenues={end: 25_000_000_000 + n * 10**8 for n, end in enumerate(halves)},
            currency="USD",
        ),
    )
    factories.store(
        "CBA",
        factories.fundamentals(
            revenues={end: 27_000_000_000 - n * 10**9 for n, end in enumerate(years)},
            currency="AUD",
            missing={("income", years[1]): {"GrossProfit", "CostOfRevenue"}},
        ),
    )
    factories.store_prices("CBA")  # BHP has no prices yet: its quote and valuation are null
    return LoadedSite(
        tickers=sorted(row.ticker for row in rows), delisted=delisted, source=directory.source
    )
