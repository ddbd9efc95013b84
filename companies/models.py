"""The DynamoDB table, as PynamoDB models, and its global secondary indexes.

One table per stage (`DYNAMODB_TABLE`), keyed by `pk` (the ticker, or `#SITE` for site-wide
facts) and `sk` (what the item is). A company's directory entry is the item `sk = "COMPANY"`.

Every listing order has its own index. All six share the hash key `listing_status` ("listed" or
"delisted"), so one `Query` on `listing_status = "listed"` reads one page of the directory in that
order. Their range keys are strings built by `sort_keys()` that:
- never go missing: DynamoDB leaves an item out of an index whose key attribute is absent, so a
  company without a market cap gets a key that sorts before every known value instead;
- end with the ticker, so ties have one stable order and a page boundary is never ambiguous.
The indexes project only the listing columns, so a listing page never pays for profile or
statements, and items without `listing_status` (statements, site facts) are in no index at all.
"""

import threading
from typing import NamedTuple

from django.conf import settings
from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from companies.botocore_session import site_session

LISTED = "listed"
DELISTED = "delisted"
REFRESH_OK = "ok"  # Company.last_outcome of a successful refresh
# Company.last_outcome when Yahoo has a profile but no statements (scraping.errors.NoStatements)
NO_STATEMENTS = "no statements"
SAMPLE_SOURCE = "sample"  # Company.data_source and Statement.source of bundled sample data
COMPANY_RECORD = "COMPANY"
STATEMENT_RECORD = "STMT"
SITE_PK = "#SITE"
SITE_STATS_RECORD = "STATS"
# Market data items sort together under a company (or an exchange rate's `#FX#<PAIR>`):
# PRICES#<year> (that year's daily bars) < PRICES#DIVIDENDS < PRICES#MONTHLY
# < PRICES#WEEKLY#<first year of a five-year block>.
PRICES_RECORD = "PRICES"
DIVIDENDS_RECORD = "PRICES#DIVIDENDS"
MONTHLY_RECORD = "PRICES#MONTHLY"
WEEKLY_RECORD = "PRICES#WEEKLY"
WEEKLY_BLOCK_YEARS = 5  # so that any five years of weeks are at most two items
FX_PK_PREFIX = "#FX#"

# Separates a sort value from the ticker that breaks ties; below every printable character, so
# "ABC" sorts before "ABC LTD".
KEY_SEPARATOR = "\x1f"
MISSING = "0"  # prefix for a missing sort value: sorts before PRESENT
PRESENT = "1"
MARKET_CAP_DIGITS = 16

LISTING_COLUMNS = [
    "name",
    "industry_group",
    "listing_date",
    "market_cap",
    "last_updated",
    "price_market_cap",
    "price_market_cap_date",
]


class TableMeta:
    """Connection settings shared by every model on the table (read from Django settings)."""

    table_name = settings.DYNAMODB_TABLE
    region = settings.AWS_REGION
    host = settings.DYNAMODB_ENDPOINT_URL
    billing_mode = "PAY_PER_REQUEST"
    connect_timeout_seconds = 5
    read_timeout_seconds = 10
    # botocore's standard retry mode (PynamoDB's default): throttling, 5xx and connection errors
    # are retried with full jitter, rand(0, 1) x min(2 ** attempt, 20) s for throttling.
    max_retry_attempts = settings.DYNAMODB_MAX_ATTEMPTS - 1


# One botocore session for every model (companies/botocore_session.py): PynamoDB gives each model
# class its own, and each new session loads the DynamoDB service model and endpoint rules again
# (0.15 s of a cold start per model a page touches; a client from a loaded session takes 0.01 s).
# Each model keeps its own client (tests and benchmarks hook each model's). A session is not safe
# to create clients from concurrently: hence the lock, and creating the client here, not in a
# worker thread.
_session = None
_session_lock = threading.Lock()


class TableModel(Model):
    """A model on the site's table; its client comes from the process's one botocore session."""

    @classmethod
    def _get_connection(cls):
        global _session
        connection = super()._get_connection()
        inner = connection.connection
        if inner._client is None:
            with _session_lock:
                if _session is None:
                    _session = site_session()
                inner._local.session = _session
                # created now, in this thread, from the shared session
                inner.client  # noqa: B018
        return connection


class TickerIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-ticker"
        projection = IncludeProjection(LISTING_COLUMNS)

    listing_status = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True, attr_name="by_ticker")


class NameIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-name"
        projection = IncludeProjection(LISTING_COLUMNS)

    listing_status = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True, attr_name="by_name")


class MarketCapIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-market-cap"
        projection = IncludeProjection(LISTING_COLUMNS)

    listing_status = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True, attr_name="by_market_cap")


class ListingDateIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-listing-date"
        projection = IncludeProjection(LISTING_COLUMNS)

    listing_status = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True, attr_name="by_listing_date")


class IndustryGroupIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-industry-group"
        projection = IncludeProjection(LISTING_COLUMNS)

    listing_status = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True, attr_name="by_industry_group")


class LastUpdatedIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-last-updated"
        projection = IncludeProjection(LISTING_COLUMNS)

    listing_status = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True, attr_name="by_last_updated")


class RefreshDueIndex(GlobalSecondaryIndex):
    """The refresh queue: listed companies by when their next fundamentals fetch is due.

    Never-attempted companies come first, then the oldest data; a failing company's next attempt
    is pushed back, so it waits its turn instead of blocking the head of the queue.
    """

    class Meta:
        index_name = "by-refresh-due"
        projection = KeysOnlyProjection()

    listing_status = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True, attr_name="by_refresh_due")


class PricesDueIndex(GlobalSecondaryIndex):
    """The prices refresh queue: listed companies by when their next price fetch is due
    (never-fetched first), apart from the statements' queue: prices move daily, statements
    twice a year."""

    class Meta:
        index_name = "by-prices-due"
        projection = KeysOnlyProjection()

    listing_status = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True, attr_name="by_prices_due")


# The screener's metrics snapshot on the company item (companies/screening/snapshot.py): one
# compact JSON part per job that writes it, so none overwrites another's figures.
SCREEN_COLUMNS = ["screen_d", "screen_s", "screen_p"]


class ScreenIndex(GlobalSecondaryIndex):
    """Every company's metrics snapshot, by ticker: one paginated Query per listing status
    reads the whole market for a screen (a few hundred bytes a company). Sparse: a company is
    in it once a snapshot part has been written (`by_screen` is set with each)."""

    class Meta:
        index_name = "by-screen"
        projection = IncludeProjection(SCREEN_COLUMNS)

    listing_status = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True, attr_name="by_screen")


class Company(TableModel):
    """A listed (or formerly listed) company: its directory entry.

    `market_cap`, `listing_date`, `industry_group` and `last_updated` are absent when unknown,
    never zero or empty. The `by_*` attributes are the index range keys; set them only through
    `sort_keys()` so they always agree with the columns they order.
    """

    class Meta(TableMeta):
        pass

    ticker = UnicodeAttribute(hash_key=True, attr_name="pk")
    record = UnicodeAttribute(range_key=True, attr_name="sk", default=COMPANY_RECORD)
    listing_status = UnicodeAttribute(default=LISTED)
    name = UnicodeAttribute()
    industry_group = UnicodeAttribute(null=True)
    listing_date = UnicodeAttribute(null=True)  # ISO date
    market_cap = NumberAttribute(null=True)  # A$
    last_updated = UTCDateTimeAttribute(null=True)  # last successful fundamentals refresh
    directory_seen = UTCDateTimeAttribute(null=True)  # last directory load that wrote it
    delisted_on = UTCDateTimeAttribute(null=True)

    # Written by the fundamentals refresh; in no index, so listings never pay for them.
    profile = JSONAttribute(null=True)  # plain JSON: sector, industry, summary, website, ...
    financial_currency = UnicodeAttribute(null=True)  # the currency its statements report in
    data_source = UnicodeAttribute(null=True)  # "yahoo", or "sample" for bundled sample data
    last_attempt = UTCDateTimeAttribute(null=True)
    last_outcome = UnicodeAttribute(null=True)  # "ok" or what went wrong, in words
    last_error = UnicodeAttribute(null=True)  # a one-line detail of the last failure
    failure_count = NumberAttribute(default=0)  # consecutive failed attempts
    next_attempt = UTCDateTimeAttribute(null=True)

    # Written by the prices refresh. `price_market_cap` (A$, last close x shares) and its date
    # are in the listing indexes: the listing shows and sorts by it where there is one.
    price_market_cap = NumberAttribute(null=True)
    price_market_cap_date = UnicodeAttribute(null=True)  # ISO date of the close it used
    quote = JSONAttribute(null=True)  # last close, change, market cap and their inputs
    # a copy of the PRICES#DIVIDENDS item's lists, so that a company page reads them for free
    dividends = JSONAttribute(null=True)
    splits = JSONAttribute(null=True)
    valuation = JSONAttribute(null=True)  # multiples with their formulas and inputs
    prices_through = UnicodeAttribute(null=True)  # ISO date of the newest stored bar
    prices_last_attempt = UTCDateTimeAttribute(null=True)
    prices_outcome = UnicodeAttribute(null=True)  # "ok" or what went wrong, in words
    prices_error = UnicodeAttribute(null=True)
    prices_failures = NumberAttribute(default=0)
    prices_next_attempt = UTCDateTimeAttribute(null=True)

    by_ticker = UnicodeAttribute()
    by_name = UnicodeAttribute()
    by_market_cap = UnicodeAttribute()
    by_listing_date = UnicodeAttribute()
    by_industry_group = UnicodeAttribute()
    by_last_updated = UnicodeAttribute()
    by_refresh_due = UnicodeAttribute(null=True)
    by_prices_due = UnicodeAttribute(null=True)
    by_screen = UnicodeAttribute(null=True)  # the ticker, once a snapshot part is written
    # The metrics snapshot, one part per writer: the directory load, the fundamentals refresh,
    # the prices refresh (JSON arrays built by companies/screening/snapshot.py).
    screen_directory = UnicodeAttribute(null=True, attr_name="screen_d")
    screen_statements = UnicodeAttribute(null=True, attr_name="screen_s")
    screen_prices = UnicodeAttribute(null=True, attr_name="screen_p")

    ticker_index = TickerIndex()
    name_index = NameIndex()
    market_cap_index = MarketCapIndex()
    listing_date_index = ListingDateIndex()
    industry_group_index = IndustryGroupIndex()
    last_updated_index = LastUpdatedIndex()
    refresh_due_index = RefreshDueIndex()
    prices_due_index = PricesDueIndex()
    screen_index = ScreenIndex()


class Statement(TableModel):
    """One statement of one company for one period: `sk = STMT#<period_type>#<statement>#<end>`.

    A fetch writes the periods Yahoo returned and leaves every other one alone, so history grows
    past what Yahoo shows. Each item holds one period's line items only (a few KB, bounded by the
    number of Yahoo line items), so no item grows as history accumulates; a statement tab is one
    Query on `begins_with(sk, "STMT#<period_type>#<statement>#")`.
    """

    class Meta(TableMeta):
        pass

    ticker = UnicodeAttribute(hash_key=True, attr_name="pk")
    record = UnicodeAttribute(range_key=True, attr_name="sk")
    statement = UnicodeAttribute()  # income | balance | cashflow
    period_type = UnicodeAttribute()  # annual | quarterly | ttm
    period_end = UnicodeAttribute()  # ISO date
    months = NumberAttribute()  # the real length of the period: 12, 6, 3
    currency = UnicodeAttribute(null=True)
    # {Yahoo line-item key: figure or null}, in Yahoo's order. JSON keeps figures exact (ints, and
    # the shortest repr of Yahoo's floats) and costs less than a DynamoDB map of numbers.
    values = JSONAttribute()
    fetched = UTCDateTimeAttribute()  # the last fetch that returned this period
    source = UnicodeAttribute(default="yahoo")

    @staticmethod
    def record_key(*, period_type: str, statement: str | None = None, end: str | None = None):
        """The sort key of a period, or the prefix shared by a statement's (or a type's) periods."""
        parts = [STATEMENT_RECORD, period_type]
        if statement:
            parts.append(statement)
            if end:
                parts.append(end)
        return "#".join(parts) + ("" if end else "#")


class SiteStats(TableModel):
    """Site-wide facts, the home page's one GetItem: the directory load keeps the count and
    provenance, the fundamentals refresh the moment of its newest success."""

    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, default=SITE_PK)
    sk = UnicodeAttribute(range_key=True, default=SITE_STATS_RECORD)
    listed_count = NumberAttribute(default=0)
    directory_loaded = UTCDateTimeAttribute(null=True)
    directory_source = UnicodeAttribute(null=True)
    sample_data = NumberAttribute(default=0)  # 1 when the directory is the bundled sample
    # the newest successful fetch of any company's fundamentals (absent before the first one)
    fundamentals_refreshed = UTCDateTimeAttribute(null=True)


# The table's one time-to-live attribute (epoch seconds; services.table_create turns TTL on):
# DynamoDB deletes an item some time after it passes, so short-lived site items clean up after
# themselves. Expired items may linger for a while, so code never reads one as still valid.
TTL_ATTRIBUTE = "expires"
INIT_PROOF_RECORD = "INIT#PROOF#"
INIT_STS_RECORD = "INIT#STS#"


class InitProof(TableModel):
    """A `POST /init/` proof that was used, `sk = INIT#PROOF#<sha256 of its signature>`: written
    with a condition that it is new, so each proof is accepted once. It expires when the proof
    would be stale anyway (five minutes after it was signed)."""

    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, default=SITE_PK)
    sk = UnicodeAttribute(range_key=True)
    expires = TTLAttribute(attr_name=TTL_ATTRIBUTE)


class InitStsMinute(TableModel):
    """How many `POST /init/` proofs the site sent to STS in one UTC minute, across every Lambda
    instance: `sk = INIT#STS#<YYYY-MM-DDTHH:MM>`, counted with an atomic ADD on condition that
    `calls` is under the limit (INIT_STS_PER_MINUTE). Expires a few minutes after its minute."""

    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, default=SITE_PK)
    sk = UnicodeAttribute(range_key=True)
    calls = NumberAttribute(default=0)
    expires = TTLAttribute(attr_name=TTL_ATTRIBUTE)


YAHOO_PAUSE_RECORD = "YAHOO#PAUSE"


class YahooPause(TableModel):
    """Yahoo rate limited the refresh runs (`pk = #SITE`, `sk = YAHOO#PAUSE`): no run sends Yahoo
    a request before `until`, across every Lambda instance and both refreshes. `strikes` counts
    the rate-limited runs in a row since `since`; the pause doubles with each, up to a cap
    (companies/refresh.py). Cleared by the first run Yahoo answers again."""

    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, default=SITE_PK)
    sk = UnicodeAttribute(range_key=True, default=YAHOO_PAUSE_RECORD)
    until = UTCDateTimeAttribute()
    strikes = NumberAttribute(default=0)
    since = UTCDateTimeAttribute()


class PriceSeries(TableModel):
    """Market data of a company (`pk` = ticker) or an exchange rate (`pk = #FX#AUDUSD`), one
    item per:
    - calendar year of daily bars, `sk = PRICES#2026`;
    - compact series for the long chart ranges, the bar of each week's or month's last trading
      day: `PRICES#MONTHLY` over the whole history, and `PRICES#WEEKLY#<year>` over the five
      years from <year> (a multiple of five), so that a daily refresh rewrites one small block;
    - `PRICES#DIVIDENDS`: `dividends` [[ISO ex-date, amount per share], ...] in the trading
      currency and `splits` [[ISO date, ratio], ...] (2.0 for 2:1), oldest first; Yahoo gives
      no franking, record or payment dates.

    `bars` is [[ISO date, open, high, low, close, adj_close, volume], ...] oldest first, figures
    exactly as Yahoo gave them (`close` adjusted for splits only, `adj_close` for splits and
    dividends), null where Yahoo has a hole. A year holds about 253 bars (~30 KB), a weekly
    block about 260 (~15 KB), the monthly series 12 a year (~0.6 KB a year): no item grows past
    a year or a block except the monthly one, and every bar Yahoo ever returned is kept. The
    records sort so that years, weekly blocks and the monthly series are each one key range.
    """

    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    currency = UnicodeAttribute(null=True)
    bars = JSONAttribute(null=True)
    dividends = JSONAttribute(null=True)
    splits = JSONAttribute(null=True)
    fetched = UTCDateTimeAttribute()


ALL_MODELS = (Company, Statement, SiteStats, PriceSeries, InitProof, InitStsMinute, YahooPause)


class ListingOrder(NamedTuple):
    """A listing order: the index that serves it and the Company attribute holding its range
    key (built by `sort_keys()`)."""

    index: GlobalSecondaryIndex
    range_key: UnicodeAttribute

    def range_key_of(self, company: Company) -> str:
        return getattr(company, self.range_key.attr_name)

    def start_key(self, range_key: str) -> dict:
        """The ExclusiveStartKey of the row with `range_key` in this order's index: the table's
        keys and the index's, as DynamoDB returns them in LastEvaluatedKey."""
        ticker = range_key.rsplit(KEY_SEPARATOR, 1)[-1]
        return {
            Company.ticker.attr_name: {"S": ticker},
            Company.record.attr_name: {"S": COMPANY_RECORD},
            Company.listing_status.attr_name: {"S": LISTED},
            self.range_key.attr_name: {"S": range_key},
        }


# Each listing sort (by the column it orders) and where it is served from: the one place that
# ties a sort to its index.
LISTING_ORDERS = {
    "ticker": ListingOrder(Company.ticker_index, Company.by_ticker),
    "name": ListingOrder(Company.name_index, Company.by_name),
    "market_cap": ListingOrder(Company.market_cap_index, Company.by_market_cap),
    "listing_date": ListingOrder(Company.listing_date_index, Company.by_listing_date),
    "industry_group": ListingOrder(Company.industry_group_index, Company.by_industry_group),
    "last_updated": ListingOrder(Company.last_updated_index, Company.by_last_updated),
}
# The range keys a directory load writes, by the column each orders (the refresh owns
# by_last_updated and by_refresh_due).
DIRECTORY_SORT_KEYS = {
    column: order.range_key.attr_name
    for column, order in LISTING_ORDERS.items()
    if column != "last_updated"
}


def weekly_record(year: int) -> str:
    """The weekly block holding `year`: PRICES#WEEKLY#2025 holds 2025 to 2029."""
    return f"{WEEKLY_RECORD}#{year - year % WEEKLY_BLOCK_YEARS}"


def index_key(prefix_value: str | None, ticker: str) -> str:
    """A range key that sorts by `prefix_value` (missing first) and then by ticker."""
    if prefix_value is None or prefix_value == "":
        return f"{MISSING}{KEY_SEPARATOR}{ticker}"
    return f"{PRESENT}{prefix_value}{KEY_SEPARATOR}{ticker}"


def sort_keys(
    *,
    ticker: str,
    name: str,
    market_cap: int | None,
    listing_date: str | None,
    industry_group: str | None,
    last_updated_iso: str | None,
    next_attempt_iso: str | None = None,
    prices_next_attempt_iso: str | None = None,
) -> dict[str, str]:
    """The index range keys for a company, by model attribute name."""
    cap = None if market_cap is None else f"{int(market_cap):0{MARKET_CAP_DIGITS}d}"
    return {
        "by_ticker": ticker,
        "by_name": f"{name.casefold()}{KEY_SEPARATOR}{ticker}",
        "by_market_cap": index_key(cap, ticker),
        "by_listing_date": index_key(listing_date, ticker),
        "by_industry_group": index_key(
            industry_group.casefold() if industry_group else None, ticker
        ),
        "by_last_updated": index_key(last_updated_iso, ticker),
        "by_refresh_due": index_key(next_attempt_iso, ticker),
        "by_prices_due": index_key(prices_next_attempt_iso, ticker),
    }


def connections_open(*models: type[TableModel]) -> None:
    """Create these models' DynamoDB clients now (from the one session), not on a first request."""
    for model in models:
        model._get_connection()


def bind_table(*, table_name: str, host: str | None, region: str | None = None) -> None:
    """Point every model at another table or endpoint (tests, benchmarks); drops connections."""
    for model in ALL_MODELS:
        model.Meta.table_name = table_name
        model.Meta.host = host
        if region:
            model.Meta.region = region
        model._connection = None
    global _session
    _session = None  # a session made before moto was imported would bypass it
