"""The site's words for what a company reports: its statements and their period types, with the
titles pages give them. Every view, API, template and test reads them from here."""

STATEMENTS = ("income", "balance", "cashflow")
PERIOD_TYPES = ("annual", "quarterly", "ttm")
DEFAULT_PERIOD = "annual"

STATEMENT_TITLES = {
    "income": "Income statement",
    "balance": "Balance sheet",
    "cashflow": "Cash flow",
}
PERIOD_TITLES = {"annual": "Annual", "quarterly": "Quarterly / half-yearly", "ttm": "TTM"}
