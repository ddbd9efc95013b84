"""Every write to the table but market data's (companies/market/services.py): creating it,
loading the ASX directory into it, storing what a fundamentals refresh fetched (with the queue's
claims and the site-wide pause after Yahoo's 429s), the init ledger (spent proofs and the
per-minute STS count), and the retries botocore leaves to us.

Loading is an idempotent upsert. It reads the current directory entries once (two index queries),
then writes only what changed: new companies in batches, changed names, groups and market caps as
partial updates (so a profile, statements or refresh state written later is never erased), and
companies missing from the new list marked delisted, never deleted.
"""

import datetime
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import (
    DeleteError,
    DoesNotExist,
    PutError,
    TransactWriteError,
    UpdateError,
)
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from companies import iam_init
from companies.finding.search import forget_index
from companies.models import (
    ALL_MODELS,
    DELISTED,
    DIRECTORY_SORT_KEYS,
    INIT_PROOF_RECORD,
    INIT_STS_RECORD,
    LISTED,
    REFRESH_OK,
    SAMPLE_SOURCE,
    SITE_PK,
    STATEMENT_RECORD,
    YAHOO_PAUSE_RECORD,
    Company,
    InitProof,
    InitStsMinute,
    SiteStats,
    Statement,
    YahooPause,
    index_key,
    sort_keys,
)
from companies.screening import services as screening
from scraping import asx
from scraping.asx import Directory, DirectoryRow

if TYPE_CHECKING:  # the web path must not import pandas, which normalize needs
    from scraping.normalize import CompanyFundamentals

log = logging.getLogger(__name__)

CONDITION_FAILED = "ConditionalCheckFailedException"

UPDATE_THREADS = 8


# --- the retries botocore leaves to us ------------------------------------------------------------

# botocore's standard retry mode (see TableMeta) retries a throttled request itself. The one kind
# of throttling it cannot see, because the request as a whole succeeded, gets the same policy
# here: the items of a BatchWriteItem that DynamoDB left unprocessed.
BATCH_ITEMS = 25  # DynamoDB's limit on one BatchWriteItem


@dataclass
class WriteBackoff:
    """Capped exponential backoff with full jitter, as botocore's standard mode backs off a
    throttled request: the wait before retry n (1-based) is rand(0, 1) x min(cap, base x 2 **
    (n - 1)) seconds. `sleep` and `jitter` are time.sleep and random.random unless a drill
    replaces them."""

    base: float = 1.0
    cap: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    def delay(self, retry: int) -> float:
        return self.jitter() * min(self.cap, self.base * 2 ** (retry - 1))

    def wait(self, retry: int) -> float:
        seconds = self.delay(retry)
        self.sleep(seconds)
        return seconds


write_backoff = WriteBackoff()


def items_batch_write(*, model: type[Model], items: Iterable[Model]) -> int:
    """Put `items` of `model` in BatchWriteItem calls of 25. The items DynamoDB leaves
    unprocessed (its answer to throttling within a batch) are sent again after `write_backoff`,
    DYNAMODB_MAX_ATTEMPTS tries in all; raises PutError when some are still left. Returns the
    number written. (PynamoDB's own batch_write resends them at once, without waiting.)"""
    connection = model._get_connection()
    table = model.Meta.table_name
    attempts = max(1, settings.DYNAMODB_MAX_ATTEMPTS)
    serialized = [item.serialize() for item in items]
    for start in range(0, len(serialized), BATCH_ITEMS):
        pending = serialized[start : start + BATCH_ITEMS]
        for attempt in range(1, attempts + 1):
            answer = connection.batch_write_item(put_items=pending) or {}
            left = answer.get("UnprocessedItems", {}).get(table) or []
            if not left:
                break
            if attempt == attempts:
                raise PutError(f"{len(left)} items still unprocessed after {attempts} tries")
            pending = [request["PutRequest"]["Item"] for request in left]
            waited = write_backoff.wait(attempt)
            log.info(
                "batch_retry attempt=%d unprocessed=%d waited=%.3f", attempt, len(left), waited
            )
    return len(serialized)


def table_create(*, wait: bool = True) -> list[str]:
    """Create the table with all its indexes, or bring an existing table's indexes up to the
    models: add the missing ones and rebuild those whose projection changed (delete, then
    create; one at a time, as DynamoDB requires). Returns what it did: "table", index names,
    and "<name> (rebuilt)"; and turns on time to live (models.TTL_ATTRIBUTE) where it is off
    ("time to live"). Needs dynamodb:DescribeTimeToLive and dynamodb:UpdateTimeToLive too."""
    from companies.models import TTL_ATTRIBUTE

    model = ALL_MODELS[0]
    client = model._get_connection().connection.client
    table_name = model.Meta.table_name

    def ttl_enable() -> list[str]:
        ttl = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
        if ttl["TimeToLiveStatus"] != "DISABLED":
            return []  # on, or on its way on or off: DynamoDB allows one change at a time
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
        return ["time to live"]

    if not model.exists():
        model.create_table(wait=wait)
        ttl_enable()
        return ["table"]
    table = client.describe_table(TableName=table_name)["Table"]
    present = {index["IndexName"]: index for index in table.get("GlobalSecondaryIndexes", [])}
    done = ttl_enable()
    for index in model._get_schema()["global_secondary_indexes"]:
        name = index["index_name"]
        if name in present and _same_projection(present[name]["Projection"], index["projection"]):
            continue
        if name in present:
            client.update_table(
                TableName=table_name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": name}}]
            )
            _wait_for_index(client, table_name, name, gone=True)
        client.update_table(
            TableName=table_name,
            AttributeDefinitions=index["attribute_definitions"],
            GlobalSecondaryIndexUpdates=[
                {
                    "Create": {
                        "IndexName": name,
                        "KeySchema": _hash_first(index["key_schema"]),
                        "Projection": index["projection"],
                    }
                }
            ],
        )
        if wait:
            _wait_for_index(client, table_name, name)
        done.append(f"{name} (rebuilt)" if name in present else name)
    return done


def _same_projection(stored: dict, wanted: dict) -> bool:
    return stored.get("ProjectionType") == wanted.get("ProjectionType") and set(
        stored.get("NonKeyAttributes", [])
    ) == set(wanted.get("NonKeyAttributes", []))


def _hash_first(key_schema: list[dict]) -> list[dict]:
    return sorted(key_schema, key=lambda key: key["KeyType"] != "HASH")


def _wait_for_index(
    client, table_name: str, index_name: str, *, gone: bool = False, timeout: float = 600
) -> None:
    """Until the index is ACTIVE (or, with `gone`, deleted)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        table = client.describe_table(TableName=table_name)["Table"]
        status = {i["IndexName"]: i["IndexStatus"] for i in table.get("GlobalSecondaryIndexes", [])}
        if (index_name not in status) if gone else (status.get(index_name) == "ACTIVE"):
            return
        time.sleep(0.5 if gone else 2)
    raise TimeoutError(f"index {index_name} of {table_name} not ready after {timeout:.0f} s")


@dataclass
class DirectoryLoadResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    delisted: int = 0
    relisted: int = 0
    rejected: list = field(default_factory=list)

    @property
    def listed(self) -> int:
        return self.added + self.updated + self.unchanged + self.relisted


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.astimezone(datetime.UTC).isoformat() if moment else None


UNKNOWN = {"name": "", "industry_group": None, "listing_date": None, "market_cap": None}


def _directory_fields(row: DirectoryRow, published: frozenset[str]) -> dict:
    """The row's values of the fields its file publishes (a field it lacks is left alone)."""
    fields = {
        "name": row.name,
        "industry_group": row.industry_group,
        "listing_date": row.listing_date.isoformat() if row.listing_date else None,
        "market_cap": row.market_cap,
    }
    return {name: value for name, value in fields.items() if name in published}


def _existing_companies() -> dict[str, Company]:
    existing = {}
    for status in (LISTED, DELISTED):
        for company in Company.ticker_index.query(status):
            existing[company.ticker] = company
    return existing


def _current_fields(company: Company, published: frozenset[str]) -> dict:
    fields = {
        "name": company.name,
        "industry_group": company.industry_group,
        "listing_date": company.listing_date,
        "market_cap": None if company.market_cap is None else int(company.market_cap),
    }
    return {name: value for name, value in fields.items() if name in published}


def _update_actions(company: Company, fields: dict, *, status: str, seen: datetime.datetime):
    # Only the keys of the columns being written: the refresh owns by_last_updated and
    # by_refresh_due, and a column the file does not publish keeps its key.
    current = {
        "name": company.name,
        "market_cap": company.market_cap,
        "listing_date": company.listing_date,
        "industry_group": company.industry_group,
    }
    all_keys = sort_keys(ticker=company.ticker, last_updated_iso=None, **{**current, **fields})
    keys = {
        attribute: all_keys[attribute]
        for column, attribute in DIRECTORY_SORT_KEYS.items()
        if column == "ticker" or column in fields
    }
    if company.price_market_cap is not None:  # the listing orders by the price-based cap
        keys.pop(DIRECTORY_SORT_KEYS["market_cap"], None)
    actions = [
        Company.directory_seen.set(seen),
        Company.listing_status.set(status),
        # a company stored before the refresh queue existed joins it, due now
        Company.by_refresh_due.set(Company.by_refresh_due | index_key(None, company.ticker)),
        Company.by_prices_due.set(Company.by_prices_due | index_key(None, company.ticker)),
    ]
    for name, value in {**fields, **keys}.items():
        attribute = getattr(Company, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    if status == LISTED:
        actions.append(Company.delisted_on.remove())
    return actions


SAMPLE_DIRECTORY = Path(__file__).resolve().parent / "sample_data" / "directory.csv"


def directory_fetch(
    *, path: str | Path | None = None, url: str | None = None, sample: bool = False
) -> Directory:
    """The ASX directory from a file on disk (`path`), the bundled sample (`sample`), `url`, or
    else the ASX's download with its fallback (ASX_DIRECTORY_URL, ASX_DIRECTORY_FALLBACK_URL).

    Raises DirectoryUnavailable (no URL answered usefully), DirectoryFormatError (not a
    directory) or OSError (an unreadable file)."""
    if sample:
        return asx.read_directory_file(SAMPLE_DIRECTORY)
    if path:
        return asx.read_directory_file(path)
    urls = [url] if url else [settings.ASX_DIRECTORY_URL, settings.ASX_DIRECTORY_FALLBACK_URL]
    return asx.fetch_directory(urls=urls)


class DirectoryShrank(Exception):
    """The new directory lists far fewer companies than the table: probably a broken download."""


def directory_load(
    *,
    directory: Directory,
    sample_data: bool = False,
    allow_shrink: bool = False,
    progress: Callable[[Iterable, int], Iterable] = lambda items, total: items,
) -> DirectoryLoadResult:
    """Upsert `directory` into the table and mark companies absent from it as delisted.

    Raises DirectoryShrank, writing nothing, when the directory lists fewer than half the
    companies listed now (unless `allow_shrink`): a truncated download must not delist the market.
    `progress(items, total)` wraps each batch of writes (a progress bar when a person watches).
    """
    existing = _existing_companies()
    listed_before = sum(1 for c in existing.values() if c.listing_status == LISTED)
    if not allow_shrink and len(directory.rows) < listed_before / 2:
        raise DirectoryShrank(
            f"{directory.source} lists {len(directory.rows)} companies but the table lists "
            f"{listed_before}; refusing to delist the rest (use --allow-shrink if this is right)"
        )
    result = DirectoryLoadResult(rejected=list(directory.rejected))
    seen = _now()
    added, updates = [], []
    # A company on a line that could not load is still listed: it is neither changed nor delisted.
    listed_now = {rejected.ticker for rejected in directory.rejected if rejected.ticker}
    for row in directory.rows:
        listed_now.add(row.ticker)
        fields = _directory_fields(row, directory.fields)
        company = existing.get(row.ticker)
        if company is None:
            added.append(
                Company(
                    row.ticker,
                    listing_status=LISTED,
                    directory_seen=seen,
                    **{k: v for k, v in fields.items() if v is not None},
                    **sort_keys(ticker=row.ticker, last_updated_iso=None, **{**UNKNOWN, **fields}),
                )
            )
        elif (
            company.listing_status == DELISTED
            or _current_fields(company, directory.fields) != fields
        ):
            updates.append((company, _update_actions(company, fields, status=LISTED, seen=seen)))
            if company.listing_status == DELISTED:
                result.relisted += 1
            else:
                result.updated += 1
        else:
            result.unchanged += 1
    result.added = len(added)

    def write(update):
        company, actions = update
        return company.update(actions=actions)

    # New companies go in batches; changes are partial updates, several in flight at once.
    with Company.batch_write() as batch:
        for company in progress(added, len(added)):
            batch.save(company)
    with ThreadPoolExecutor(max_workers=UPDATE_THREADS) as pool:
        for _ in progress(pool.map(write, updates), len(updates)):
            pass
    for ticker, company in existing.items():
        if ticker not in listed_now and company.listing_status == LISTED:
            company.update(
                actions=[Company.listing_status.set(DELISTED), Company.delisted_on.set(seen)]
            )
            result.delisted += 1
    # An update, not a PutItem: the fundamentals refresh keeps its own attribute on this item.
    SiteStats().update(
        actions=[
            SiteStats.listed_count.set(result.listed),
            SiteStats.directory_loaded.set(seen),
            SiteStats.directory_source.set(directory.source),
            SiteStats.sample_data.set(int(sample_data)),
        ]
    )
    screening.directory_snapshots_sync(directory=directory, before=existing)
    cache.clear()
    forget_index()  # this process's search index; other processes' expire on their own
    log.info(
        "directory_load source=%s added=%d updated=%d unchanged=%d relisted=%d delisted=%d "
        "rejected=%d",
        directory.source,
        result.added,
        result.updated,
        result.unchanged,
        result.relisted,
        result.delisted,
        len(result.rejected),
    )
    return result


# --- fundamentals -------------------------------------------------------------------------------


def company_fundamentals_store(
    *,
    ticker: str,
    fundamentals: "CompanyFundamentals",
    fetched_at: datetime.datetime,
    next_attempt: datetime.datetime,
    source: str = "yahoo",
) -> int:
    """Store a successful fetch: every period it returned (updating those periods, leaving every
    other stored period alone, and keeping any figure stored before that this fetch lacks), the
    profile, and the refresh state. Returns periods written (one Query, then one
    TransactWriteItems).

    What lands whole: the periods, the deletions below and the company item (profile, last
    success, next attempt) go in one transaction, so a write cut short leaves nothing of this
    fetch: the company keeps its previous periods, profile and last success, and stays due (a
    refresh from the queue holds it for REFRESH_CLAIM_SECONDS at most). A transaction costs
    twice the write units of the same plain writes. A cancelled one (throttled, in conflict with
    another writer, or a sample period turned real meanwhile) is built again from a fresh read
    and retried after `write_backoff`, DYNAMODB_MAX_ATTEMPTS tries in all. A fetch with more
    periods than one transaction holds (TRANSACTION_ITEMS, none seen from Yahoo) is written the
    old way instead, periods first and the company item last, and logged.

    Sample data never stands beside real data: a fetch whose `source` is not SAMPLE_SOURCE
    replaces the company's stored sample periods. Those it returned are overwritten (no sample
    figure is kept in them); every other one is deleted on condition that it is still sample
    data, so a real period is never deleted. A company without sample periods costs no delete.

    The company must already be in the directory (UpdateError otherwise); a fetch never
    creates a company.
    """
    attempts = max(1, settings.DYNAMODB_MAX_ATTEMPTS)
    currency = fundamentals.profile.get("financial_currency") or fundamentals.profile.get(
        "currency"
    )
    company_actions = _fetched_company_actions(
        fundamentals=fundamentals,
        currency=currency,
        fetched_at=fetched_at,
        next_attempt=next_attempt,
        source=source,
        ticker=ticker,
    )
    for attempt in range(1, attempts + 1):
        statements, sample_records = _fetched_periods(
            ticker=ticker, fundamentals=fundamentals, fetched_at=fetched_at, source=source
        )
        if len(statements) + len(sample_records) + 1 > TRANSACTION_ITEMS:
            _company_write_in_steps(
                ticker=ticker,
                statements=statements,
                sample_records=sample_records,
                company_actions=company_actions,
            )
            break
        try:
            _company_write_whole(
                ticker=ticker,
                statements=statements,
                sample_records=sample_records,
                company_actions=company_actions,
            )
            break
        except TransactWriteError as exc:
            codes = [reason.code if reason else None for reason in exc.cancellation_reasons]
            # the company's update is the transaction's last action
            if codes and codes[-1] == CONDITION_FAILED_REASON:
                raise UpdateError(f"{ticker} is not in the directory") from exc
            if attempt == attempts or not RETRIED_CANCELLATIONS.intersection(codes):
                raise
            waited = write_backoff.wait(attempt)
            log.info(
                "company_store_retry ticker=%s attempt=%d reasons=%s waited=%.3f",
                ticker,
                attempt,
                ",".join(sorted({code for code in codes if code and code != "None"})),
                waited,
            )
    screening.statements_snapshot_refresh(
        ticker=ticker, last_updated=fetched_at, financial_currency=currency
    )
    return len(fundamentals.periods)


TRANSACTION_ITEMS = 100  # DynamoDB's limit on one TransactWriteItems
CONDITION_FAILED_REASON = "ConditionalCheckFailed"
# Cancellation reasons that another try can get past; a sample period's failed condition means
# it turned real meanwhile, which a fresh read sees.
RETRIED_CANCELLATIONS = frozenset(
    {
        "ThrottlingError",
        "ProvisionedThroughputExceeded",
        "TransactionConflict",
        CONDITION_FAILED_REASON,
    }
)


def _fetched_periods(
    *, ticker: str, fundamentals: "CompanyFundamentals", fetched_at: datetime.datetime, source: str
) -> tuple[list[Statement], list[str]]:
    """The period items a fetch writes (each merged with the figures stored before it that the
    fetch lacks), and the records of the sample periods it deletes. One Query."""
    stored = {
        item.record: item
        for item in Statement.query(
            ticker,
            Statement.record.startswith(f"{STATEMENT_RECORD}#"),
            attributes_to_get=["sk", "values", "source"],
        )
    }
    replaces_sample = source != SAMPLE_SOURCE
    statements = []
    for period in fundamentals.periods:
        end = period.end.isoformat()
        record = Statement.record_key(
            period_type=period.period_type, statement=period.statement, end=end
        )
        values = {key: _json_number(value) for key, value in period.values.items()}
        # A figure stored before and absent (or not reported) in this fetch is kept, unless
        # it is a sample figure and this fetch is real.
        before = stored.get(record)
        if before is not None and not (replaces_sample and before.source == SAMPLE_SOURCE):
            for key, value in (before.values or {}).items():
                if values.get(key) is None and value is not None:
                    values[key] = value
        statements.append(
            Statement(
                ticker,
                record,
                statement=period.statement,
                period_type=period.period_type,
                period_end=end,
                months=period.months,
                currency=period.currency,
                values=values,
                fetched=fetched_at,
                source=source,
            )
        )
    written = {statement.record for statement in statements}
    sample_records = (
        [
            record
            for record, item in stored.items()
            if item.source == SAMPLE_SOURCE and record not in written
        ]
        if replaces_sample
        else []
    )
    return statements, sample_records


def _fetched_company_actions(
    *,
    ticker: str,
    fundamentals: "CompanyFundamentals",
    currency: str | None,
    fetched_at: datetime.datetime,
    next_attempt: datetime.datetime,
    source: str,
) -> list:
    return [
        Company.profile.set(dict(fundamentals.profile)),
        Company.financial_currency.set(currency)
        if currency
        else Company.financial_currency.remove(),
        Company.data_source.set(source),
        Company.last_updated.set(fetched_at),
        Company.last_attempt.set(fetched_at),
        Company.last_outcome.set(REFRESH_OK),
        Company.last_error.remove(),
        Company.failure_count.set(0),
        Company.next_attempt.set(next_attempt),
        Company.by_last_updated.set(index_key(_iso(fetched_at), ticker)),
        Company.by_refresh_due.set(index_key(_iso(next_attempt), ticker)),
    ]


def _company_write_whole(
    *, ticker: str, statements: list[Statement], sample_records: list[str], company_actions: list
) -> None:
    """One TransactWriteItems: the periods, the sample deletions, then the company's update.
    The request token makes botocore's own retry of a request whose answer was lost harmless."""
    with TransactWrite(
        connection=Company._get_connection().connection,
        client_request_token=uuid.uuid4().hex,
    ) as transaction:
        for statement in statements:
            transaction.save(statement)
        for record in sample_records:
            transaction.delete(
                Statement(ticker, record), condition=Statement.source == SAMPLE_SOURCE
            )
        transaction.update(
            Company(ticker), actions=company_actions, condition=Company.ticker.exists()
        )
    if sample_records:
        log.info("sample_periods_delete ticker=%s deleted=%d", ticker, len(sample_records))


def _company_write_in_steps(
    *, ticker: str, statements: list[Statement], sample_records: list[str], company_actions: list
) -> None:
    """More than one transaction holds: the periods in batches, then the sample deletions, then
    the company item, so until the last lands the company says it holds its previous fetch."""
    log.warning(
        "company_store_not_whole ticker=%s items=%d limit=%d",
        ticker,
        len(statements) + len(sample_records) + 1,
        TRANSACTION_ITEMS,
    )
    items_batch_write(model=Statement, items=statements)
    _sample_periods_delete(ticker=ticker, records=sample_records)
    Company(ticker).update(actions=company_actions, condition=Company.ticker.exists())


def _sample_periods_delete(*, ticker: str, records: list[str]) -> int:
    """Delete these sample periods of `ticker`, each only while its source is still
    SAMPLE_SOURCE (one that turned real meanwhile is left alone). Returns how many went."""
    deleted = 0
    for record in records:
        try:
            Statement(ticker, record).delete(condition=Statement.source == SAMPLE_SOURCE)
        except DeleteError as exc:
            if exc.cause_response_code != CONDITION_FAILED:
                raise
            continue
        deleted += 1
    if deleted:
        log.info("sample_periods_delete ticker=%s deleted=%d", ticker, deleted)
    return deleted


def company_refresh_failed(
    *,
    ticker: str,
    outcome: str,
    detail: str,
    attempted_at: datetime.datetime,
    next_attempt: datetime.datetime,
    failure_count: int,
    profile: dict | None = None,
) -> None:
    """Record a failed fetch and when to try again, in one UpdateItem; every stored figure
    stays as it was, and so does `last_updated` (the last success).

    `profile` (a plain dict as `scraping.normalize.profile_fields` gives it) is what the fetch
    did learn, e.g. with "no statements": it replaces the stored profile, and its financial (or
    else trading) currency replaces the stored one when it names one. Without it the profile
    and currency are left alone."""
    actions = [
        Company.last_attempt.set(attempted_at),
        Company.last_outcome.set(outcome),
        Company.last_error.set(detail[:300]),
        Company.failure_count.set(failure_count),
        Company.next_attempt.set(next_attempt),
        Company.by_refresh_due.set(index_key(_iso(next_attempt), ticker)),
    ]
    if profile is not None:
        actions.append(Company.profile.set(dict(profile)))
        currency = profile.get("financial_currency") or profile.get("currency")
        if currency:
            actions.append(Company.financial_currency.set(currency))
    Company(ticker).update(actions=actions, condition=Company.ticker.exists())


def company_queue_claim(
    *,
    ticker: str,
    queue: UnicodeAttribute,
    now: datetime.datetime,
    until: datetime.datetime,
) -> bool:
    """Take `ticker` from a refresh queue (`queue`: Company.by_refresh_due, or by_prices_due)
    until `until`, provided it is still due at `now`: one UpdateItem moving its queue key to
    `until`, on that condition. False (nothing written) when it is not due: another run took it
    or refreshed it meanwhile. The run's outcome then sets the key again (success or failure);
    a run that dies before lets it go at `until`."""
    due_before = f"1{_iso(now)}"  # as selectors.companies_due reads the queue
    try:
        Company(ticker).update(
            actions=[queue.set(index_key(_iso(until), ticker))],
            condition=Company.ticker.exists() & (queue.does_not_exist() | (queue < due_before)),
        )
    except UpdateError as exc:
        if exc.cause_response_code == CONDITION_FAILED:
            return False
        raise
    return True


def yahoo_pause_get() -> YahooPause | None:
    """The site-wide pause after Yahoo's 429s (one GetItem), or None when there never was one."""
    try:
        return YahooPause.get(SITE_PK, YAHOO_PAUSE_RECORD)
    except DoesNotExist:
        return None


def yahoo_pause_extend(*, until: datetime.datetime, strikes: int, since: datetime.datetime) -> None:
    """Record a run Yahoo rate limited: no run asks Yahoo anything before `until`; `strikes`
    rate-limited runs in a row since `since`. One PutItem."""
    YahooPause(until=until, strikes=strikes, since=since).save()


def yahoo_pause_clear(*, now: datetime.datetime) -> None:
    """Yahoo answered again: the next run goes at full rate. One PutItem (no delete)."""
    YahooPause(until=now, strikes=0, since=now).save()


def _json_number(value):
    """Decimal -> float for JSON storage: Yahoo's figures are float64, so the float is exact."""
    if value is None or isinstance(value, int):
        return value
    return float(value)


# --- the init ledger: the only writes the web path makes -------------------------------------


def init_proof_claim(*, proof_id: str, expires: datetime.datetime) -> None:
    """Record the proof `proof_id` (iam_init.proof_id) as used, until `expires` (aware).
    Raises iam_init.ProofReused when it was recorded before: one conditional PutItem."""
    try:
        InitProof(sk=f"{INIT_PROOF_RECORD}{proof_id}", expires=expires).save(
            condition=InitProof.sk.does_not_exist()
        )
    except PutError as exc:
        if exc.cause_response_code == CONDITION_FAILED:
            raise iam_init.ProofReused("proof already used") from exc
        raise


def init_sts_call_take(*, now: datetime.datetime, limit: int) -> int:
    """Count one STS verification in the UTC minute of `now` (aware), site-wide; returns the
    minute's count. Raises iam_init.StsRateLimited, counting nothing, when `limit` have been made
    this minute: one UpdateItem, ADD on condition that the count is under the limit."""
    if limit <= 0:  # INIT_STS_PER_MINUTE=0: proofs are not checked at all
        raise iam_init.StsRateLimited("no STS verifications allowed")
    minute = now.astimezone(datetime.UTC).replace(second=0, microsecond=0)
    counter = InitStsMinute(sk=f"{INIT_STS_RECORD}{minute:%Y-%m-%dT%H:%M}")
    try:
        counter.update(
            actions=[
                InitStsMinute.calls.add(1),
                InitStsMinute.expires.set(minute + datetime.timedelta(minutes=5)),
            ],
            condition=InitStsMinute.calls.does_not_exist() | (InitStsMinute.calls < limit),
        )
    except UpdateError as exc:
        if exc.cause_response_code == CONDITION_FAILED:
            raise iam_init.StsRateLimited(f"{limit} STS verifications this minute") from exc
        raise
    return counter.calls


# --- the home page's freshness ----------------------------------------------------------------


def site_refreshed_record(*, at: datetime.datetime) -> bool:
    """Record `at` (aware) as the newest successful fundamentals fetch on the SiteStats item,
    unless a later one is recorded already (an overlapping run that finished first): one
    conditional UpdateItem. Returns whether it was written."""
    try:
        SiteStats().update(
            actions=[SiteStats.fundamentals_refreshed.set(at)],
            condition=SiteStats.fundamentals_refreshed.does_not_exist()
            | (SiteStats.fundamentals_refreshed < at),
        )
    except UpdateError as exc:
        if exc.cause_response_code == CONDITION_FAILED:
            return False
        raise
    return True
